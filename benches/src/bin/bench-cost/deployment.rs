//! What template.yaml says a deployment pays for: each function's memory size, the API's
//! access log line, the tracing mode. Read from the template on every run, so the cost table
//! follows it.

use local_api::template::Template;

pub struct Deployment {
    template: Template,
    /// The access log's format, `$context` variables and all.
    pub access_log_format: String,
    pub architecture: String,
    pub tracing: String,
}

impl Deployment {
    pub fn of_repo() -> Self {
        let template = Template::of_repo();
        let api = template.resources("AWS::Serverless::HttpApi").next().expect("an HttpApi");
        let access_log_format = api["Properties"]["AccessLogSettings"]["Format"]
            .as_str()
            .expect("the HttpApi's AccessLogSettings.Format")
            .to_owned();
        let globals = &template.raw()["Globals"]["Function"];
        let architecture = globals["Architectures"][0].as_str().expect("Globals' Architectures").to_owned();
        let tracing = template.parameter_default("TracingMode").expect("the TracingMode parameter");
        Self { template, access_log_format, architecture, tracing }
    }

    /// The memory size in MB Lambda gives `function` (its own `MemorySize`, else the Globals').
    pub fn memory_mb(&self, function: &str) -> u32 {
        let resource = self
            .template
            .resources("AWS::Serverless::Function")
            .find(|r| r["Metadata"]["BuildProperties"]["Binary"].as_str() == Some(function))
            .unwrap_or_else(|| panic!("no function {function} in template.yaml"));
        let mb = resource["Properties"]["MemorySize"]
            .as_u64()
            .or_else(|| self.template.raw()["Globals"]["Function"]["MemorySize"].as_u64())
            .expect("a MemorySize");
        u32::try_from(mb).expect("a memory size in MB")
    }

    /// The access log line API Gateway writes for a request: the template's format with each
    /// `$context` variable filled in from the request and its answer (`filled`), or with a
    /// value of the length API Gateway gives it (ids, times, addresses).
    pub fn access_log_line(&self, request: &AccessLogged) -> String {
        let mut out = String::new();
        let mut rest = self.access_log_format.as_str();
        while let Some(start) = rest.find("$context.") {
            out.push_str(&rest[..start]);
            let after = &rest[start + "$context.".len()..];
            let end = after
                .find(|c: char| !(c.is_alphanumeric() || matches!(c, '.' | ':' | '_')))
                .unwrap_or(after.len());
            out.push_str(&request.value(&after[..end]));
            rest = &after[end..];
        }
        out.push_str(rest);
        out
    }
}

/// What API Gateway knows of one request when it writes its access log line.
pub struct AccessLogged {
    pub route_key: String,
    pub method: String,
    pub path: String,
    pub tenant: String,
    pub status: u16,
    pub latency_ms: u64,
    pub response_length: usize,
}

impl AccessLogged {
    fn value(&self, variable: &str) -> String {
        match variable {
            // HTTP APIs' request ids are 16 characters; Lambda's are UUIDs.
            "requestId" => "Jt3kZiAboAMEV3g=".to_owned(),
            "integration.requestId" => "0b0c1d2e-3f40-4a51-8b62-7c8d9e0fa1b2".to_owned(),
            "requestTime" => "06/Dec/2026:11:26:48 +0000".to_owned(),
            "routeKey" => self.route_key.clone(),
            "httpMethod" => self.method.clone(),
            "path" => self.path.clone(),
            "status" | "integrationStatus" => self.status.to_string(),
            "responseLatency" | "integrationLatency" => self.latency_ms.to_string(),
            // API Gateway writes "-" for a value it does not have.
            "integrationErrorMessage" | "authorizer.error" => "-".to_owned(),
            "authorizer.claims.custom:tenant_id" => self.tenant.clone(),
            "identity.sourceIp" => "203.0.113.10".to_owned(),
            "responseLength" => self.response_length.to_string(),
            other => panic!("the access log's ${other} is new: say what API Gateway writes for it"),
        }
    }
}
