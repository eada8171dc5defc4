use super::*;

fn config() -> PagesConfig {
    PagesConfig {
        cognito_endpoint: "https://cognito-idp.eu-west-1.amazonaws.com/".into(),
        client_id: "client123".into(),
        api_base: "..".into(),
    }
}

fn header<'a>(res: &'a Response<Body>, name: &str) -> &'a str {
    res.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default()
}

fn text(res: &Response<Body>) -> String {
    String::from_utf8_lossy(res.body().as_ref()).into_owned()
}

#[test]
fn every_page_an_email_links_to_is_served_as_html() {
    for page in ["accept-invite", "reset-password", "index.html", "profile", "ended"] {
        let res = respond(&Target::Page(page), "", &config());
        assert_eq!(res.status(), 200, "{page}");
        assert_eq!(header(&res, "content-type"), "text/html; charset=utf-8", "{page}");
        assert_eq!(header(&res, "cache-control"), "no-store", "{page}: a page may hold a token in its URL");
    }
}

#[test]
fn the_portal_root_redirects_to_the_sign_in_page_keeping_the_query() {
    let res = respond(&Target::Root, "tenant=demo", &config());
    assert_eq!(res.status(), 302);
    assert_eq!(header(&res, "location"), "portal/index.html?tenant=demo");
}

#[test]
fn the_configuration_names_cognito_the_app_client_and_the_password_policy() {
    let res = respond(&Target::Page("config.json"), "", &config());
    let json: serde_json::Value = serde_json::from_str(&text(&res)).unwrap();
    assert_eq!(json["cognitoEndpoint"], "https://cognito-idp.eu-west-1.amazonaws.com/");
    assert_eq!(json["clientId"], "client123");
    assert_eq!(json["apiBase"], "..");
    assert_eq!(json["passwordMinLength"], Password::MIN_CHARS);
}

#[test]
fn every_response_carries_the_security_headers() {
    for target in
        [Target::Root, Target::Page("accept-invite"), Target::Asset("nope.js"), Target::Page("nope")]
    {
        let res = respond(&target, "", &config());
        let csp = header(&res, "content-security-policy");
        assert!(csp.contains("script-src 'self';") && !csp.contains("unsafe"), "{target:?}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(csp.contains("connect-src 'self' https://cognito-idp.eu-west-1.amazonaws.com;"), "{csp}");
        assert_eq!(header(&res, "referrer-policy"), "no-referrer");
        assert_eq!(header(&res, "x-content-type-options"), "nosniff");
        assert_eq!(header(&res, "x-frame-options"), "DENY");
    }
}

#[test]
fn an_api_elsewhere_is_allowed_by_the_policy() {
    let config = PagesConfig { api_base: "https://api.example.com/v1/".into(), ..config() };
    let res = respond(&Target::Page("index.html"), "", &config);
    assert!(header(&res, "content-security-policy").contains(" https://api.example.com;"));
}

#[test]
fn unknown_pages_and_escaping_names_are_not_found() {
    for target in [
        Target::Page("nope"),
        Target::Page("../Cargo.toml"),
        Target::Asset("../index.html"),
        Target::Page(".."),
    ] {
        assert_eq!(respond(&target, "", &config()).status(), 404, "{target:?}");
    }
}

#[test]
fn assets_are_served_with_their_type() {
    let script =
        files::FILES.iter().find(|(n, _)| n.starts_with("assets/") && n.ends_with(".js")).expect("a script");
    let res = respond(&Target::Asset(&script.0["assets/".len()..]), "", &config());
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "content-type"), "text/javascript; charset=utf-8");
    assert_eq!(header(&res, "cache-control"), "public, max-age=300");
}

/// The policy allows no inline script or style: a page that had one would be broken in the
/// browser, so the sources are checked for them here too.
#[test]
fn no_page_has_inline_script_or_style_or_loads_from_elsewhere() {
    for (name, bytes) in files::FILES.iter().filter(|(n, _)| n.ends_with(".html")) {
        let html = String::from_utf8_lossy(bytes).to_lowercase();
        for (i, _) in html.match_indices("<script") {
            let tag = &html[i..i + html[i..].find('>').unwrap()];
            assert!(tag.contains("src="), "{name}: an inline script");
        }
        assert!(!html.contains("<style"), "{name}: a style element");
        assert!(!html.contains(" style="), "{name}: a style attribute");
        let handler = html.match_indices(" on").any(|(i, _)| {
            let rest = &html[i + 3..];
            let name_len = rest.chars().take_while(char::is_ascii_lowercase).count();
            name_len > 0 && rest[name_len..].starts_with('=')
        });
        assert!(!handler, "{name}: an inline event handler");
        for attribute in ["src=\"http", "href=\"http", "src=\"//", "href=\"//"] {
            assert!(!html.contains(attribute), "{name}: loads from elsewhere ({attribute})");
        }
    }
}
