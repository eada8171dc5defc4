//! The local tools' guard against a real AWS account. The tools (`create-table`, `seed-demo`,
//! `reindex`, `events`, `stream-poller`, `local-cognito`) build their AWS clients from the
//! standard environment, where an endpoint left unset means AWS itself: `seed-demo` would
//! then write an invitation whose token the README prints into a real table. So each tool
//! first checks that every service it calls has an explicit endpoint on this machine's
//! loopback interface, and refuses otherwise.

/// What the tool is refused with: which variable, and why.
pub type Refusal = String;

/// Whether every service of `services` (as its SDK variable names it: `DYNAMODB` for
/// `AWS_ENDPOINT_URL_DYNAMODB`) has a loopback endpoint in the process's environment.
pub fn check(services: &[&str]) -> Result<(), Refusal> {
    check_in(services, |name| std::env::var(name).ok())
}

/// `check`, or the refusal printed as `tool: ...` and the process ended with status 2.
pub fn exit_unless_local(tool: &str, services: &[&str]) {
    if let Err(refusal) = check(services) {
        refuse(tool, &refusal, "this tool only runs against the local emulators (source scripts/env.sh)");
    }
}

/// Prints `tool: refusal; what_to_do` and ends the process with status 2.
pub fn refuse(tool: &str, refusal: &str, what_to_do: &str) -> ! {
    eprintln!("{tool}: {refusal}; {what_to_do}");
    std::process::exit(2);
}

/// `check` against the environment `env` reads, resolved as the AWS SDK resolves endpoints:
/// the service's own `AWS_ENDPOINT_URL_<SERVICE>`, else `AWS_ENDPOINT_URL`, else AWS.
pub fn check_in(services: &[&str], env: impl Fn(&str) -> Option<String>) -> Result<(), Refusal> {
    // With it the SDK ignores every endpoint variable and calls AWS.
    let ignored = "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS";
    if env(ignored).is_some_and(|v| v.trim().eq_ignore_ascii_case("true")) {
        return Err(format!("{ignored} is true, so the endpoints set would be ignored for real AWS"));
    }
    for service in services {
        let own = format!("AWS_ENDPOINT_URL_{service}");
        let (name, url) = match (env(&own), env("AWS_ENDPOINT_URL")) {
            (Some(url), _) => (own, url),
            (None, Some(url)) => ("AWS_ENDPOINT_URL".to_owned(), url),
            (None, None) => {
                return Err(format!("{own} is not set, which means real AWS"));
            }
        };
        if !is_loopback(&url) {
            return Err(format!("{name} is {url:?}, not an http(s) URL on 127.0.0.1, localhost or [::1]"));
        }
    }
    Ok(())
}

/// Whether `url` is `http://` or `https://` to 127.0.0.1, localhost or [::1] (any port, any
/// path), read strictly: no user part (`localhost@example.com` is example.com) and nothing
/// that only starts like a loopback name (`127.0.0.1.example.com`, `localhost.example.com`).
pub fn is_loopback(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("http://").or_else(|| url.strip_prefix("https://")) else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_end = match authority.starts_with('[') {
        true => authority.find(']').map(|at| at + 1),
        false => Some(authority.find(':').unwrap_or(authority.len())),
    };
    let Some((host, port)) = host_end.map(|at| authority.split_at(at)) else {
        return false;
    };
    // Whatever follows the host is a port or nothing: a user part or a longer name is not.
    let port_ok = port.is_empty()
        || port.strip_prefix(':').is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    port_ok && ["127.0.0.1", "localhost", "[::1]"].contains(&host.to_ascii_lowercase().as_str())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let vars: HashMap<String, String> =
            vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        move |name| vars.get(name).cloned()
    }

    #[test]
    fn loopback_urls_on_any_port_and_path_are_local() {
        for url in [
            "http://127.0.0.1:8000",
            "http://localhost:8005/",
            "https://localhost",
            "http://[::1]:9229/pool",
            "http://LOCALHOST:1",
        ] {
            assert!(is_loopback(url), "{url}");
        }
    }

    #[test]
    fn anything_else_is_not_local_even_when_it_starts_like_a_loopback_name() {
        for url in [
            "https://dynamodb.us-east-1.amazonaws.com",
            "http://10.0.0.5:8000",
            "http://127.0.0.1.example.com:8000",
            "http://localhost.example.com",
            "http://localhost@example.com",
            "http://127.0.0.1:8000@example.com",
            "http://[::1].example.com",
            "http://127.0.0.2:8000",
            "127.0.0.1:8000",
            "ftp://127.0.0.1",
            "",
        ] {
            assert!(!is_loopback(url), "{url}");
        }
    }

    #[test]
    fn every_service_named_needs_a_loopback_endpoint_of_its_own_or_the_global_one() {
        let own = env(&[("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:8000")]);
        let global = env(&[("AWS_ENDPOINT_URL", "http://localhost:4566")]);

        assert_eq!(check_in(&["DYNAMODB"], &own), Ok(()));
        assert_eq!(check_in(&["DYNAMODB", "SQS"], &global), Ok(()));
        assert!(check_in(&["DYNAMODB", "SQS"], &own)
            .unwrap_err()
            .contains("AWS_ENDPOINT_URL_SQS is not set"));
    }

    #[test]
    fn an_unset_endpoint_is_real_aws_and_refused() {
        let refusal = check_in(&["DYNAMODB"], env(&[])).unwrap_err();

        assert!(refusal.contains("AWS_ENDPOINT_URL_DYNAMODB is not set, which means real AWS"), "{refusal}");
    }

    #[test]
    fn a_service_endpoint_off_this_machine_is_refused_even_beside_a_local_global_one() {
        let vars = env(&[
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:4566"),
            ("AWS_ENDPOINT_URL_DYNAMODB", "https://dynamodb.eu-west-1.amazonaws.com"),
        ]);

        let refusal = check_in(&["DYNAMODB"], vars).unwrap_err();

        assert!(
            refusal.starts_with("AWS_ENDPOINT_URL_DYNAMODB is \"https://dynamodb.eu-west-1"),
            "{refusal}"
        );
    }

    #[test]
    fn endpoints_the_sdk_is_told_to_ignore_are_refused() {
        let vars = env(&[
            ("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:8000"),
            ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"),
        ]);

        assert!(check_in(&["DYNAMODB"], vars).unwrap_err().contains("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"));
    }
}
