//! Reads template.yaml, the one source of the routes, functions and table, so the local API,
//! the tests and the deployed stack cannot drift apart.

use std::path::{Path, PathBuf};

use serde_yaml::Value;

/// One `HttpApi` event of a function in the template: `Method Path` served by `function`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TemplateRoute {
    /// Upper case, as HTTP sends it.
    pub method: String,
    /// The route template, e.g. `/clients/{clientId}`.
    pub path: String,
    /// The function's binary (`Metadata.BuildProperties.Binary`), which is also its crate and
    /// its name under `cargo lambda watch`.
    pub function: String,
    /// The authorizer that guards it (the event's `Auth.Authorizer`, else the API's
    /// `DefaultAuthorizer`); `None` for a public route (`NONE`).
    pub authorizer: Option<String>,
}

/// A parsed SAM template.
pub struct Template(Value);

/// The repository root: where template.yaml lives (two levels above this crate).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("tools/local-api sits two levels below the repository root")
        .to_path_buf()
}

impl Template {
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("read {}: {e}", path.display()))?;
        Self::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let value: Value = serde_yaml::from_str(text).map_err(|e| format!("not YAML: {e}"))?;
        if !value["Resources"].is_mapping() {
            return Err("no Resources".into());
        }
        Ok(Self(value))
    }

    /// The repository's own template.yaml.
    pub fn of_repo() -> Self {
        Self::load(&repo_root().join("template.yaml")).unwrap_or_else(|e| panic!("{e}"))
    }

    /// The resources of one CloudFormation type.
    pub fn resources<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
        self.0["Resources"]
            .as_mapping()
            .into_iter()
            .flat_map(|m| m.values())
            .filter(move |r| r["Type"].as_str() == Some(kind))
    }

    /// The binary name of every function resource.
    pub fn functions(&self) -> Vec<String> {
        self.resources("AWS::Serverless::Function")
            .filter_map(|r| r["Metadata"]["BuildProperties"]["Binary"].as_str().map(str::to_owned))
            .collect()
    }

    /// The timeout in seconds Lambda gives a function: its own `Timeout`, else the Globals'.
    pub fn function_timeout(&self, binary: &str) -> Option<u64> {
        let function = self
            .resources("AWS::Serverless::Function")
            .find(|r| r["Metadata"]["BuildProperties"]["Binary"].as_str() == Some(binary))?;
        function["Properties"]["Timeout"]
            .as_u64()
            .or_else(|| self.0["Globals"]["Function"]["Timeout"].as_u64())
    }

    /// A parameter's default, as text.
    pub fn parameter_default(&self, name: &str) -> Option<String> {
        match &self.0["Parameters"][name]["Default"] {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }

    /// Every HTTP route, sorted.
    pub fn routes(&self) -> Result<Vec<TemplateRoute>, String> {
        let default_authorizer = self
            .resources("AWS::Serverless::HttpApi")
            .find_map(|api| api["Properties"]["Auth"]["DefaultAuthorizer"].as_str().map(str::to_owned));
        let mut routes = Vec::new();
        for function in self.resources("AWS::Serverless::Function") {
            let events = function["Properties"]["Events"].as_mapping().into_iter().flatten();
            for (name, event) in events.filter(|(_, e)| e["Type"].as_str() == Some("HttpApi")) {
                let binary = function["Metadata"]["BuildProperties"]["Binary"].as_str();
                let (method, path) =
                    (event["Properties"]["Method"].as_str(), event["Properties"]["Path"].as_str());
                match (binary, method, path) {
                    (Some(binary), Some(method), Some(path)) => routes.push(TemplateRoute {
                        method: method.to_uppercase(),
                        path: path.to_owned(),
                        function: binary.to_owned(),
                        authorizer: match event["Properties"]["Auth"]["Authorizer"].as_str() {
                            Some("NONE") => None,
                            Some(named) => Some(named.to_owned()),
                            None => default_authorizer.clone(),
                        },
                    }),
                    _ => return Err(format!("HttpApi event {name:?} needs a Binary, a Method and a Path")),
                }
            }
        }
        routes.sort();
        Ok(routes)
    }

    /// The properties of the one `AWS::DynamoDB::Table`.
    pub fn table(&self) -> Result<&Value, String> {
        let tables: Vec<&Value> = self.resources("AWS::DynamoDB::Table").collect();
        match tables[..] {
            [table] => Ok(&table["Properties"]),
            _ => Err(format!("expected exactly one table, found {}", tables.len())),
        }
    }

    pub fn raw(&self) -> &Value {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_routes_with_their_function() {
        let t = Template::parse(
            "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Metadata: {BuildProperties: {Binary: get-x}}\n    Properties:\n      Events:\n        Api: {Type: HttpApi, Properties: {Method: get, Path: '/x/{id}'}}\n        Tick: {Type: ScheduleV2, Properties: {}}\n",
        )
        .unwrap();
        assert_eq!(
            t.routes().unwrap(),
            vec![TemplateRoute {
                method: "GET".into(),
                path: "/x/{id}".into(),
                function: "get-x".into(),
                authorizer: None
            }]
        );
        assert_eq!(t.functions(), vec!["get-x".to_owned()]);
        assert!(t.table().is_err());
    }

    #[test]
    fn the_repository_template_has_routes_and_one_table() {
        let t = Template::of_repo();
        assert!(!t.routes().unwrap().is_empty());
        assert!(t.table().unwrap()["KeySchema"].is_sequence());
    }
}
