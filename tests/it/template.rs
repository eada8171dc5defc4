//! template.yaml and the code agree: every function crate is deployed, every route is wired.

use std::collections::HashSet;

use harness::table::repo_root;
use local_api::Template;
use shared::http::routes;

#[test]
fn every_function_crate_has_a_function_resource_in_the_template() {
    let binaries: HashSet<String> = Template::of_repo().functions().into_iter().collect();
    for entry in std::fs::read_dir(repo_root().join("functions")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(binaries.contains(&name), "functions/{name} has no function resource in template.yaml");
    }
}

#[test]
fn the_template_routes_are_exactly_the_service_routes() {
    let in_template: HashSet<(String, String, String)> =
        Template::of_repo().routes().unwrap().into_iter().map(|r| (r.function, r.method, r.path)).collect();
    let in_code: HashSet<(String, String, String)> = routes::ALL
        .iter()
        .map(|r| (r.function.to_owned(), r.method.to_owned(), r.template.to_owned()))
        .collect();
    assert_eq!(in_template, in_code);
}

#[test]
fn the_template_never_sets_the_local_jwt_secret() {
    let text = std::fs::read_to_string(repo_root().join("template.yaml")).unwrap();
    assert!(!text.contains("LOCAL_JWT_SECRET"));
}

#[test]
fn every_function_has_a_sample_event_that_parses_as_its_route() {
    for route in routes::ALL {
        let path = repo_root().join("events").join(format!("{}.json", route.function));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("missing {}", path.display()));
        let request =
            lambda_http::request::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(request.method().as_str(), route.method, "{}", path.display());
        assert!(
            route.match_path(request.uri().path()).is_some(),
            "{} path matches {}",
            path.display(),
            route.template
        );
    }
}
