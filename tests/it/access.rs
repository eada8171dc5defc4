//! Who may do what: every route against every kind of caller, generated from the route table
//! so a new route cannot be left out.

use std::collections::HashMap;

use serde_json::{json, Value};
use shared::domain::{ClientId, ContactId};
use shared::handlers::ROUTES;
use shared::http::routes::Route;
use testkit::{Caller, TestApi};

use crate::portal::given_portal_user;
use crate::support::{given_client, given_contact};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Who {
    NoToken,
    /// A token in the header but no authorizer context: never an identity for a function.
    HeaderWithoutClaims,
    OtherTenant,
    Reader,
    Admin,
    GlobalAdmin,
    /// In the group of the "manage all clients" privilege.
    Manager,
    /// `custom:privileges` names the privilege, but attributes grant nothing, only groups do.
    PrivilegeAttribute,
    GroupHoldingAWriterName,
    /// A client contact with a portal pool token (its contact active, on the portal routes).
    PortalUser,
}

const EVERYONE: &[Who] = &[
    Who::NoToken,
    Who::HeaderWithoutClaims,
    Who::OtherTenant,
    Who::Reader,
    Who::Admin,
    Who::GlobalAdmin,
    Who::Manager,
    Who::PrivilegeAttribute,
    Who::GroupHoldingAWriterName,
    Who::PortalUser,
];

pub(crate) fn claims(tenant: &str, extra: &[(&str, &str)]) -> Caller {
    let mut claims = HashMap::from([
        ("sub".to_owned(), "cognito-user".to_owned()),
        ("custom:tenant_id".to_owned(), tenant.to_owned()),
    ]);
    claims.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
    Caller::Authorizer(claims)
}

fn caller(who: Who) -> Caller {
    match who {
        Who::NoToken => Caller::Anonymous,
        Who::HeaderWithoutClaims => Caller::RawAuthorization("Bearer eyJhbGciOiJSUzI1NiJ9.e30.c2ln".into()),
        Who::OtherTenant => TestApi::admin("t2"),
        Who::Reader => TestApi::reader("t1"),
        Who::Admin => TestApi::admin("t1"),
        Who::GlobalAdmin => claims("t1", &[("cognito:groups", "[staff global_admins]")]),
        Who::Manager => claims("t1", &[("cognito:groups", "[manage_all_clients]")]),
        Who::PrivilegeAttribute => claims("t1", &[("custom:privileges", "manage_all_clients")]),
        Who::GroupHoldingAWriterName => claims("t1", &[("cognito:groups", "[sales,psa_admins]")]),
        Who::PortalUser => {
            let (client, contact) = (ClientId::generate().to_string(), ContactId::generate().to_string());
            TestApi::portal_user("t1", &client, &contact)
        }
    }
}

/// Who may do what, written down from the design rather than read from the route table that
/// the service's own gate reads: a route mislabelled there fails here.
const READ_ROUTES: &[(&str, &str)] = &[
    ("GET", "/contacts/duplicates"),
    ("GET", "/clients"),
    ("GET", "/clients/{clientId}"),
    ("GET", "/clients/{clientId}/contacts"),
    ("GET", "/clients/{clientId}/contacts/{contactId}"),
    ("GET", "/contacts"),
    ("GET", "/settings"),
    ("GET", "/imports/templates/{kind}"),
    ("GET", "/clients/{clientId}/contacts/{contactId}/activity"),
    ("GET", "/clients/{clientId}/contacts/{contactId}/projects"),
    ("GET", "/clients/{clientId}/projects/{projectId}/contacts"),
    // Any staff user of the tenant writes notes on contacts.
    ("POST", "/clients/{clientId}/contacts/{contactId}/notes"),
    // An export holds what its caller may browse.
    ("POST", "/exports"),
    ("GET", "/exports/{exportId}"),
    // Open tasks: the caller's own, or a colleague's of the tenant.
    ("GET", "/tasks"),
    ("GET", "/tags"),
    ("GET", "/tags/{tagId}/contacts"),
];

/// Reached by any staff user of the tenant, but a note is changed or deleted only by its author
/// or an administrator: the matrix's notes are another user's (`NOTE_AUTHOR`).
const AUTHOR_ROUTES: &[(&str, &str)] = &[
    ("PATCH", "/clients/{clientId}/contacts/{contactId}/notes/{noteId}"),
    ("DELETE", "/clients/{clientId}/contacts/{contactId}/notes/{noteId}"),
];

/// The author of the notes the matrix changes and deletes: none of its callers.
const NOTE_AUTHOR: &str = "note-author";

const PUBLIC_ROUTES: &[(&str, &str)] = &[("POST", "/invites/accept")];

/// Only for portal users, each for its own contact.
const PORTAL_ROUTES: &[(&str, &str)] = &[("GET", "/portal/me"), ("PATCH", "/portal/me")];

const WRITE_ROUTES: &[(&str, &str)] = &[
    ("POST", "/clients"),
    ("PATCH", "/clients/{clientId}"),
    ("DELETE", "/clients/{clientId}"),
    ("POST", "/clients/{clientId}/contacts"),
    ("PATCH", "/clients/{clientId}/contacts/{contactId}"),
    ("DELETE", "/clients/{clientId}/contacts/{contactId}"),
    ("POST", "/clients/{clientId}/contacts/{contactId}/move"),
    ("POST", "/clients/{clientId}/contacts/{contactId}/archive"),
    ("POST", "/clients/{clientId}/contacts/{contactId}/restore"),
    ("POST", "/contacts/merge"),
    ("POST", "/clients/{clientId}/contacts/{contactId}/invite"),
    ("POST", "/clients/{clientId}/contacts/{contactId}/password-reset"),
    ("POST", "/clients/{clientId}/notifications"),
    ("POST", "/clients/{clientId}/contacts/import"),
    ("POST", "/clients/import"),
    ("POST", "/clients/{clientId}/invite"),
    ("POST", "/clients/{clientId}/contacts/{contactId}/duplicate"),
    ("PUT", "/clients/{clientId}/contacts/{contactId}/projects/{projectId}"),
    ("DELETE", "/clients/{clientId}/contacts/{contactId}/projects/{projectId}"),
    ("POST", "/tags"),
    ("PATCH", "/tags/{tagId}"),
    ("DELETE", "/tags/{tagId}"),
    ("PUT", "/clients/{clientId}/contacts/{contactId}/tags/{tagId}"),
    ("DELETE", "/clients/{clientId}/contacts/{contactId}/tags/{tagId}"),
];

/// What holds for the whole tenant: administrators only, not the "manage all clients"
/// privilege, which writes clients and their contacts.
const ADMIN_ROUTES: &[(&str, &str)] =
    &[("PATCH", "/settings"), ("GET", "/clients/{clientId}/contacts/{contactId}/export")];

fn is(list: &[(&str, &str)], route: &Route) -> bool {
    list.contains(&(route.method, route.template))
}

/// The writes that answer other than a `POST`'s 201 or a `DELETE`'s 204 (by method and path,
/// as the design gives them, not by the function the route table names).
const ACCEPTED_ROUTES: &[(&str, &str)] = &[
    ("POST", "/clients/{clientId}/contacts/{contactId}/invite"),
    ("POST", "/clients/{clientId}/invite"),
    ("POST", "/clients/{clientId}/contacts/{contactId}/password-reset"),
    ("POST", "/clients/{clientId}/notifications"),
    ("POST", "/exports"),
];
/// Writes answering 200: an import's report, a project link made or already there, a move, an
/// archive, a restore and a merge.
const OK_WRITE_ROUTES: &[(&str, &str)] = &[
    ("POST", "/contacts/merge"),
    ("POST", "/clients/{clientId}/contacts/{contactId}/move"),
    ("POST", "/clients/{clientId}/contacts/{contactId}/archive"),
    ("POST", "/clients/{clientId}/contacts/{contactId}/restore"),
    ("POST", "/clients/{clientId}/contacts/import"),
    ("POST", "/clients/import"),
    ("PUT", "/clients/{clientId}/contacts/{contactId}/projects/{projectId}"),
];

/// Writes whose body, not their path, names the tenant's resources: a merge's client and contacts.
const BODY_ID_ROUTES: &[(&str, &str)] = &[("POST", "/contacts/merge")];

/// Writes answering 204 though not a `DELETE`: tagging a contact.
const NO_CONTENT_WRITES: &[(&str, &str)] =
    &[("PUT", "/clients/{clientId}/contacts/{contactId}/tags/{tagId}")];

fn success(route: &Route) -> (u16, &'static str) {
    let status = match route.method {
        _ if is(ACCEPTED_ROUTES, route) => 202,
        _ if is(OK_WRITE_ROUTES, route) => 200,
        _ if is(NO_CONTENT_WRITES, route) => 204,
        "POST" => 201,
        "DELETE" => 204,
        _ => 200,
    };
    (status, "")
}

/// The expected status and problem code ("" for a success).
fn expected(route: &Route, who: Who) -> (u16, &'static str) {
    // `{clientId}`, `{contactId}`, `{projectId}`: ids of the tenant (an import's `{kind}` is not).
    let has_path_id = route.template.contains("Id}");
    let write = is(WRITE_ROUTES, route) || is(ADMIN_ROUTES, route);
    match who {
        // A public route ignores who calls: the body's token decides (unknown here).
        _ if is(PUBLIC_ROUTES, route) => (404, "not-found"),
        // Each pool's tokens open only its own routes.
        Who::PortalUser if is(PORTAL_ROUTES, route) => success(route),
        _ if is(PORTAL_ROUTES, route) => (401, "unauthenticated"),
        Who::PortalUser => (401, "unauthenticated"),
        Who::NoToken | Who::HeaderWithoutClaims => (401, "unauthenticated"),
        Who::Reader | Who::PrivilegeAttribute | Who::GroupHoldingAWriterName if write => (403, "forbidden"),
        Who::Manager if is(ADMIN_ROUTES, route) => (403, "forbidden"),
        Who::Reader | Who::Manager | Who::PrivilegeAttribute | Who::GroupHoldingAWriterName
            if is(AUTHOR_ROUTES, route) =>
        {
            (403, "forbidden")
        }
        // Another tenant's ids do not exist for this caller: in the path, nothing is found; in
        // the body (a merge's contacts), the body names what is not there.
        Who::OtherTenant if has_path_id => (404, "not-found"),
        Who::OtherTenant if is(BODY_ID_ROUTES, route) => (422, "validation-failed"),
        _ => success(route),
    }
}

#[test]
fn the_written_down_access_lists_cover_exactly_the_routes() {
    for route in ROUTES {
        let lists = [READ_ROUTES, PUBLIC_ROUTES, WRITE_ROUTES, ADMIN_ROUTES, PORTAL_ROUTES, AUTHOR_ROUTES]
            .iter()
            .filter(|l| is(l, route))
            .count();
        assert_eq!(lists, 1, "{} {} must be in exactly one list", route.method, route.template);
    }
    let listed = READ_ROUTES.len()
        + PUBLIC_ROUTES.len()
        + WRITE_ROUTES.len()
        + ADMIN_ROUTES.len()
        + PORTAL_ROUTES.len()
        + AUTHOR_ROUTES.len();
    assert_eq!(listed, ROUTES.len());
}

/// A new tag of the owner's tenant, for the `n`th cell.
async fn given_tag(api: &TestApi, owner: &Caller, n: u32) -> String {
    let tag = api.post(owner, "/tags", json!({ "name": format!("Cell {n}") })).await;
    assert_eq!(tag.status, 201, "{}", tag.body);
    tag.json()["id"].as_str().expect("a tag id").to_owned()
}

/// The path of `route` for the `n`th cell of the matrix, on resources made for that cell alone
/// (deletes must not disturb the next cell), and a client of the owner's without contacts.
async fn given_path_for(
    api: &TestApi,
    owner: &Caller,
    route: &Route,
    n: u32,
) -> (String, String, Option<Value>) {
    let client = given_client(api, owner, "Acme").await;
    let empty_client = given_client(api, owner, "Empty").await;
    let contact =
        given_contact(api, owner, &client, json!({ "last_name": "L", "email": format!("c{n}@x.test") }))
            .await;
    let contact_id = contact["id"].as_str().unwrap();
    let client_for_route = if route.function == "delete-client" { &empty_client } else { &client };
    let mut body = None;
    let path = match route.function {
        // A merge names its client and both contacts in its body.
        "merge-contacts" => {
            let other = json!({ "last_name": "M", "email": format!("m{n}@x.test") });
            let merged = given_contact(api, owner, &client, other).await;
            body = Some(json!({ "client_id": client, "survivor_id": contact_id, "merged_id": merged["id"] }));
            "/contacts/merge".to_owned()
        }
        // A new password goes only to a contact that uses the portal.
        "reset-contact-password" => format!("{}/password-reset", given_portal_user(api, "t1").await.path()),
        // Only an archived contact is restored.
        "restore-contact" => {
            let contact = format!("/clients/{client}/contacts/{contact_id}");
            let archived = api.post(owner, &format!("{contact}/archive"), json!({})).await;
            assert_eq!(archived.status, 200, "{}", archived.body);
            format!("{contact}/restore")
        }
        // A lookup needs what to look for.
        "find-contacts" => "/contacts?q=l".to_owned(),
        "get-export" => {
            let job = api.post(owner, "/exports", json!({})).await;
            assert_eq!(job.status, 202, "{}", job.body);
            format!("/exports/{}", job.json()["id"].as_str().unwrap())
        }
        "update-note" | "delete-note" => {
            let contact = format!("/clients/{client}/contacts/{contact_id}");
            let author = Caller::Authorizer(HashMap::from([
                ("sub".to_owned(), NOTE_AUTHOR.to_owned()),
                ("custom:tenant_id".to_owned(), "t1".to_owned()),
            ]));
            let note = api.post(&author, &format!("{contact}/notes"), json!({ "text": "Theirs." })).await;
            assert_eq!(note.status, 201, "{}", note.body);
            format!("{contact}/notes/{}", note.json()["id"].as_str().unwrap())
        }
        _ => {
            let template = route.template.replace("{projectId}", "P-1").replace("{kind}", "contacts");
            let template = match template.contains("{tagId}") {
                true => template.replace("{tagId}", &given_tag(api, owner, n).await),
                false => template,
            };
            template.replace("{clientId}", client_for_route).replace("{contactId}", contact_id)
        }
    };
    (path, empty_client, body)
}

/// The headers and body of a request the route's function would accept from a caller it
/// lets in (unique addresses per cell `n`), so that only who calls decides the answer.
fn request_for(
    route: &Route,
    n: u32,
    empty_client: &str,
    prepared: Option<Value>,
) -> (&'static [(&'static str, &'static str)], Option<String>) {
    let body = match route.function {
        "merge-contacts" => prepared,
        "move-contact" => Some(json!({ "client_id": empty_client })),
        "create-client" | "update-client" => Some(json!({ "name": "Renamed" })),
        "add-contact" => Some(json!({ "last_name": "New", "email": format!("new{n}@x.test") })),
        "update-contact" | "update-portal-profile" => Some(json!({ "job_title": "CTO" })),
        "accept-invite" => Some(json!({ "token": "no-such-token", "password": "a long enough password" })),
        "notify-contacts" => Some(json!({ "topic": "invoice", "subject": "Hi", "text": "Hello" })),
        "update-settings" => Some(json!({ "invite_on_add": false })),
        // The source has only an email, which a copy does not take.
        "duplicate-contact" => Some(json!({ "email": format!("dup{n}@x.test") })),
        "add-note" | "update-note" => Some(json!({ "text": "Called back." })),
        "create-export" => Some(json!({ "format": "json" })),
        "create-tag" => Some(json!({ "name": format!("Tag {n}") })),
        "update-tag" => Some(json!({ "colour": "#112233" })),
        _ => None,
    };
    match route.function {
        "import-contacts" => {
            (&[("content-type", "text/csv")], Some(format!("last_name,email\nL,imp{n}@x.test\n")))
        }
        "import-clients" => (&[("content-type", "text/csv")], Some("name\nImported\n".to_owned())),
        _ if body.is_some() => (&[("content-type", "application/json")], body.map(|b| b.to_string())),
        _ => (&[], None),
    }
}

#[tokio::test]
async fn every_route_answers_every_caller_as_specified() {
    let api = TestApi::new().await;
    let owner = TestApi::admin("t1");
    let mut checked = 0;
    let mut n = 0;
    for route in ROUTES {
        for &who in EVERYONE {
            n += 1;
            let (path, empty_client, prepared) = given_path_for(&api, &owner, route, n).await;
            let (headers, body) = request_for(route, n, &empty_client, prepared);

            let caller = match who {
                Who::PortalUser if is(PORTAL_ROUTES, route) => given_portal_user(&api, "t1").await.caller,
                _ => caller(who),
            };
            let res = api.send(&caller, route.method, &path, headers, body).await;

            let (status, code) = expected(route, who);
            assert_eq!(res.status, status, "{} {} as {who:?}: {}", route.method, route.template, res.body);
            if res.status >= 400 {
                assert_eq!(res.problem_code(), code, "{} {} as {who:?}", route.method, route.template);
            }
            if res.status == 401 {
                assert_eq!(res.header("www-authenticate"), Some("Bearer"));
            }
            checked += 1;
        }
    }
    assert_eq!(checked, ROUTES.len() * EVERYONE.len());
    println!("access matrix: {} routes x {} kinds of caller = {checked} cells", ROUTES.len(), EVERYONE.len());
}
