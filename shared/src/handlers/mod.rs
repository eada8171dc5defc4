//! One module per operation, and the one list that declares them all (`operations!` below):
//! each operation's route, who may call it, and what its function needs when deployed. The
//! route table and the handler registry are built from the list here; `tools/generate` writes
//! each operation's function crate and its block of template.yaml from it (`scripts/generate`,
//! checked current by the test command). Adding an operation: a line here, its module, its
//! paths in openapi.yaml and its sample event in `events/`.

use futures_util::future::BoxFuture;
use lambda_http::{Body, Error, Request, Response};

use crate::http::operation::{op, Operation, TENANT_ITEMS_AND_INVITES};
use crate::http::response::StoredResponse;
use crate::http::routes::{find, Access::*, Match, Route};
use crate::http::{response, HttpResult};
use crate::store::Created;
use crate::App;

/// A handler, its future boxed so that every operation has the same type.
pub type Handler = for<'a> fn(&'a App, Request) -> BoxFuture<'a, Result<Response<Body>, Error>>;

mod custom;

macro_rules! operations {
    ($($module:ident: $name:ident = $declaration:expr;)+) => {
        $(pub mod $module;)+
        $(pub const $name: Operation = $declaration;)+

        /// Every operation, in the order of the list.
        pub const OPERATIONS: &[Operation] = &[$($name),+];
        /// Every operation's route, as API Gateway has them.
        pub const ROUTES: &[Route] = &[$($name.route),+];

        /// The handler of the function named `function`, if it serves a route: for whatever
        /// runs handlers by name in one process (the tests' in-process API Gateway, the local
        /// API). Each deployed function calls its own module's `handle` directly.
        pub fn handler(function: &str) -> Option<Handler> {
            $(if function == $name.route.function {
                return Some(|app, req| Box::pin($module::handle(app, req)));
            })+
            None
        }
    };
}

/// Portal user actions of the functions that end a contact's access (its address changed, it
/// was deleted): the user is looked up, disabled, signed out and removed.
const ENDS_PORTAL_ACCESS: &[&str] =
    &["AdminGetUser", "AdminDisableUser", "AdminUserGlobalSignOut", "AdminDeleteUser"];

operations! {
    create_client: CREATE_CLIENT = op("POST", "/clients", "create-client", Write)
        .table(&["PutItem", "ConditionCheckItem"]);
    list_clients: LIST_CLIENTS = op("GET", "/clients", "list-clients", Read).table(&["Query"]);
    get_client: GET_CLIENT = op("GET", "/clients/{clientId}", "get-client", Read).table(&["GetItem"]);
    update_client: UPDATE_CLIENT = op("PATCH", "/clients/{clientId}", "update-client", Write)
        .table(&["GetItem", "UpdateItem"]);
    delete_client: DELETE_CLIENT = op("DELETE", "/clients/{clientId}", "delete-client", Write)
        .table(&["DeleteItem", "PutItem"]);
    add_contact: ADD_CONTACT = op("POST", "/clients/{clientId}/contacts", "add-contact", Write)
        .table(&["PutItem", "UpdateItem", "ConditionCheckItem", "GetItem", "BatchGetItem", "DeleteItem"])
        .keys(TENANT_ITEMS_AND_INVITES)
        .sends_email();
    // A topic's recipients are read by key from their topic items (BatchGetItem); `sort=name`
    // queries the name index.
    list_contacts: LIST_CONTACTS = op("GET", "/clients/{clientId}/contacts", "list-contacts", Read)
        .table(&["Query", "GetItem", "BatchGetItem"])
        .indexes(&["GSI2"]);
    // Browsing every client's contacts queries the tenant's name index (or its index by last
    // change, GSI4); every list reads the names of the contacts' clients (BatchGetItem).
    find_contacts: FIND_CONTACTS = op("GET", "/contacts", "find-contacts", Read)
        .table(&["Query", "GetItem", "BatchGetItem"])
        .indexes(&["GSI3", "GSI4"]);
    // A window of the tenant's duplicate keys (one Query), then their contacts and clients.
    find_duplicates: FIND_DUPLICATES = op("GET", "/contacts/duplicates", "find-duplicates", Read)
        .table(&["Query", "BatchGetItem"]);
    get_contact: GET_CONTACT = op("GET", "/clients/{clientId}/contacts/{contactId}", "get-contact", Read)
        .table(&["GetItem"]);
    update_contact: UPDATE_CONTACT =
        op("PATCH", "/clients/{clientId}/contacts/{contactId}", "update-contact", Write)
            .table(&["GetItem", "BatchGetItem", "UpdateItem", "PutItem", "DeleteItem", "ConditionCheckItem"])
            .portal_users(ENDS_PORTAL_ACCESS);
    delete_contact: DELETE_CONTACT =
        op("DELETE", "/clients/{clientId}/contacts/{contactId}", "delete-contact", Write)
            .table(&["GetItem", "Query", "UpdateItem", "DeleteItem", "PutItem", "ConditionCheckItem"])
            .portal_users(ENDS_PORTAL_ACCESS);
    // The contact, its claim, index items, tag memberships and links, both clients; then its
    // history's items (a Query of its activity, an UpdateItem each).
    move_contact: MOVE_CONTACT =
        op("POST", "/clients/{clientId}/contacts/{contactId}/move", "move-contact", Write)
            .table(&["GetItem", "BatchGetItem", "Query", "UpdateItem", "PutItem", "DeleteItem", "ConditionCheckItem"])
            .portal_users(ENDS_PORTAL_ACCESS);
    // The contact, the tenant's retention setting, its claim's reports and index items, the
    // client: one transaction; its archived item keeps its tags and links where they are.
    archive_contact: ARCHIVE_CONTACT =
        op("POST", "/clients/{clientId}/contacts/{contactId}/archive", "archive-contact", Write)
            .table(&["GetItem", "BatchGetItem", "Query", "UpdateItem", "PutItem", "DeleteItem", "ConditionCheckItem"])
            .portal_users(ENDS_PORTAL_ACCESS);
    // The archived item, the client, its tag memberships checked still there: one transaction.
    restore_contact: RESTORE_CONTACT =
        op("POST", "/clients/{clientId}/contacts/{contactId}/restore", "restore-contact", Write)
            .table(&["GetItem", "BatchGetItem", "UpdateItem", "PutItem", "DeleteItem", "ConditionCheckItem"]);
    // Both contacts, the merged one's tag memberships and the contacts whose line-manager links
    // move (BatchGetItem), then one transaction; then the merged contact's history, item by
    // item (a Query, an UpdateItem and a two-item transaction each).
    merge_contacts: MERGE_CONTACTS = op("POST", "/contacts/merge", "merge-contacts", Write)
        .table(&["GetItem", "BatchGetItem", "Query", "UpdateItem", "PutItem", "DeleteItem", "ConditionCheckItem"])
        .portal_users(ENDS_PORTAL_ACCESS);
    invite_contact: INVITE_CONTACT =
        op("POST", "/clients/{clientId}/contacts/{contactId}/invite", "invite-contact", Write)
            .table(&["GetItem", "BatchGetItem", "PutItem", "UpdateItem", "DeleteItem", "ConditionCheckItem"])
            .keys(TENANT_ITEMS_AND_INVITES)
            .sends_email();
    reset_contact_password: RESET_CONTACT_PASSWORD = op(
        "POST",
        "/clients/{clientId}/contacts/{contactId}/password-reset",
        "reset-contact-password",
        Write,
    )
    .table(&["GetItem", "BatchGetItem", "PutItem", "UpdateItem", "DeleteItem"])
    .keys(TENANT_ITEMS_AND_INVITES)
    .sends_email();
    // The public route reaches only invitations and the contacts they name. The contact's
    // portal user is created or enabled (a stale one replaced), given its password, and signed
    // out everywhere after a reset. A parameter can cap its concurrency against floods.
    accept_invite: ACCEPT_INVITE = op("POST", "/invites/accept", "accept-invite", Public)
        .table(&["GetItem", "UpdateItem"])
        .keys(&["INVITE#*", "TENANT#*#CLIENT#*"])
        .portal_users(&[
            "AdminGetUser",
            "AdminCreateUser",
            "AdminEnableUser",
            "AdminSetUserPassword",
            "AdminDeleteUser",
            "AdminUserGlobalSignOut",
        ])
        .capped();
    notify_contacts: NOTIFY_CONTACTS =
        op("POST", "/clients/{clientId}/notifications", "notify-contacts", Write)
            .table(&["GetItem", "Query", "BatchGetItem", "PutItem"])
            .sends_email()
            .timeout(30);
    import_contacts: IMPORT_CONTACTS =
        op("POST", "/clients/{clientId}/contacts/import", "import-contacts", Write)
            .table(&["GetItem", "BatchGetItem", "PutItem", "UpdateItem", "DeleteItem", "Query"])
            .memory(256)
            .timeout(30);
    import_clients: IMPORT_CLIENTS = op("POST", "/clients/import", "import-clients", Write)
        .table(&["Query", "GetItem", "PutItem", "UpdateItem"])
        .memory(256)
        .timeout(30);
    get_portal_profile: GET_PORTAL_PROFILE = op("GET", "/portal/me", "get-portal-profile", Portal)
        .table(&["GetItem"]);
    update_portal_profile: UPDATE_PORTAL_PROFILE =
        op("PATCH", "/portal/me", "update-portal-profile", Portal).table(&["GetItem", "UpdateItem"]);
    // The CSV to fill in for an import (`contacts` or `clients`): the tenant's settings, for
    // its custom fields' columns.
    get_import_template: GET_IMPORT_TEMPLATE =
        op("GET", "/imports/templates/{kind}", "get-import-template", Read).table(&["GetItem"]);
    get_settings: GET_SETTINGS = op("GET", "/settings", "get-settings", Read).table(&["GetItem"]);
    update_settings: UPDATE_SETTINGS =
        op("PATCH", "/settings", "update-settings", Admin)
            .table(&["GetItem", "PutItem", "Query"])
            .indexes(&["GSI3"]);
    invite_client: INVITE_CLIENT = op("POST", "/clients/{clientId}/invite", "invite-client", Write)
        .table(&["GetItem", "BatchGetItem", "PutItem", "UpdateItem", "DeleteItem", "ConditionCheckItem"])
        .keys(TENANT_ITEMS_AND_INVITES)
        .sends_email();
    duplicate_contact: DUPLICATE_CONTACT =
        op("POST", "/clients/{clientId}/contacts/{contactId}/duplicate", "duplicate-contact", Write)
            .table(&["GetItem", "PutItem", "UpdateItem", "ConditionCheckItem"]);
    list_contact_activity: LIST_CONTACT_ACTIVITY =
        op("GET", "/clients/{clientId}/contacts/{contactId}/activity", "list-contact-activity", Read)
            .table(&["GetItem", "Query"]);
    // A person's data on request (docs/decisions.md): the contact and its links (GetItem,
    // BatchGetItem), its history (Query), and its portal user, read only.
    export_contact: EXPORT_CONTACT =
        op("GET", "/clients/{clientId}/contacts/{contactId}/export", "export-contact", Admin)
            .table(&["GetItem", "BatchGetItem", "Query"])
            .portal_users(&["AdminGetUser"]);
    // Project links (docs/table.md): a link is one transaction of the link item's Put and the
    // contact's Update (project_count, project_ids); GetItem reads the contact or the link. An
    // unlink is one transaction of the link item's Delete and the contact's Update.
    link_project: LINK_PROJECT =
        op("PUT", "/clients/{clientId}/contacts/{contactId}/projects/{projectId}", "link-project", Write)
            .table(&["GetItem", "PutItem", "UpdateItem"]);
    unlink_project: UNLINK_PROJECT =
        op("DELETE", "/clients/{clientId}/contacts/{contactId}/projects/{projectId}", "unlink-project", Write)
            .table(&["GetItem", "UpdateItem", "DeleteItem"]);
    // A contact's links: the contact (its project_ids), then one BatchGetItem of those link items.
    list_contact_projects: LIST_CONTACT_PROJECTS =
        op("GET", "/clients/{clientId}/contacts/{contactId}/projects", "list-contact-projects", Read)
            .table(&["GetItem", "BatchGetItem"]);
    // A project's contacts in a client: a page of its link items, then one BatchGetItem of the
    // contacts.
    list_project_contacts: LIST_PROJECT_CONTACTS =
        op("GET", "/clients/{clientId}/projects/{projectId}/contacts", "list-project-contacts", Read)
            .table(&["Query", "BatchGetItem", "GetItem"]);
    // Notes (docs/decisions.md): items of the contact's history, written by any staff user of
    // the tenant. Adding one checks the contact in the same transaction; a change or a deletion
    // reads the note (its author and version) first.
    add_note: ADD_NOTE = op("POST", "/clients/{clientId}/contacts/{contactId}/notes", "add-note", Read)
        .table(&["PutItem", "ConditionCheckItem"]);
    update_note: UPDATE_NOTE =
        op("PATCH", "/clients/{clientId}/contacts/{contactId}/notes/{noteId}", "update-note", Read)
            .table(&["GetItem", "PutItem"]);
    delete_note: DELETE_NOTE =
        op("DELETE", "/clients/{clientId}/contacts/{contactId}/notes/{noteId}", "delete-note", Read)
            .table(&["GetItem", "DeleteItem"]);
    // Open tasks (`store::tasks`): one page of the assignee's partition of the due index, then
    // its contacts and their clients, for their names (BatchGetItem).
    list_tasks: LIST_TASKS =
        op("GET", "/tasks", "list-tasks", Read).table(&["BatchGetItem"]).indexes(&["GSI1"]);
    // Tags (`store::tags`): a tag is written with the claim of its name (one transaction of
    // two puts), renamed against its version with the claim moved, and deleted a page of its
    // contacts at a time (each a transaction of the member item and the contact).
    create_tag: CREATE_TAG = op("POST", "/tags", "create-tag", Write).table(&["PutItem"]);
    list_tags: LIST_TAGS = op("GET", "/tags", "list-tags", Read).table(&["Query"]);
    update_tag: UPDATE_TAG =
        op("PATCH", "/tags/{tagId}", "update-tag", Write).table(&["GetItem", "PutItem", "DeleteItem"]);
    delete_tag: DELETE_TAG = op("DELETE", "/tags/{tagId}", "delete-tag", Write)
        .table(&["UpdateItem", "Query", "DeleteItem"]);
    list_tag_contacts: LIST_TAG_CONTACTS = op("GET", "/tags/{tagId}/contacts", "list-tag-contacts", Read)
        .table(&["GetItem", "Query", "BatchGetItem"]);
    tag_contact: TAG_CONTACT =
        op("PUT", "/clients/{clientId}/contacts/{contactId}/tags/{tagId}", "tag-contact", Write)
            .table(&["ConditionCheckItem", "UpdateItem", "PutItem"]);
    untag_contact: UNTAG_CONTACT =
        op("DELETE", "/clients/{clientId}/contacts/{contactId}/tags/{tagId}", "untag-contact", Write)
            .table(&["UpdateItem", "DeleteItem"]);
    // Exports (docs/api.md, "Exports"): the job's item is written here, and its insert on the
    // table's stream starts `run-export`; reading a done job presigns a link to its file.
    create_export: CREATE_EXPORT =
        op("POST", "/exports", "create-export", Read).table(&["PutItem", "GetItem"]);
    get_export: GET_EXPORT =
        op("GET", "/exports/{exportId}", "get-export", Read).table(&["GetItem"]).reads_exports();
}

/// The service's route for `method` and `path` (the raw path, without the query), as API
/// Gateway picks it.
pub fn route(method: &str, path: &str) -> Match<'static, Route> {
    find(ROUTES, method, path)
}

/// The change of the note the path names, asked by the caller.
fn note_change<'a>(call: &'a crate::http::Call<'_, App>) -> HttpResult<crate::notes::NoteChange<'a>> {
    let identity = call.identity()?;
    Ok(crate::notes::NoteChange {
        store: &call.app.store,
        tenant: &identity.tenant,
        note: (call.client_id()?, call.contact_id()?, call.note_id()?),
        caller: (identity.user.as_str(), identity.is_admin()),
        if_match: crate::http::request::if_match(&call.req)?,
    })
}

/// The response to a creating request: the first one, or a replay of it.
fn created<T>(outcome: Created<T>, first: StoredResponse) -> HttpResult<Response<Body>> {
    match outcome {
        Created::New(_) => first.send(),
        Created::Replayed(stored) => response::replay(stored),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_has_a_handler() {
        for route in ROUTES {
            assert!(handler(route.function).is_some(), "{}", route.function);
        }
    }

    #[test]
    fn a_name_that_serves_no_route_has_no_handler() {
        assert!(handler("support-expiry-sweep").is_none());
        assert!(handler("").is_none());
    }

    #[test]
    fn no_two_operations_share_a_function() {
        let mut functions: Vec<&str> = ROUTES.iter().map(|r| r.function).collect();
        functions.sort_unstable();
        functions.dedup();
        assert_eq!(functions.len(), ROUTES.len());
    }
}

#[cfg(test)]
#[path = "route_table_tests.rs"]
mod route_table_tests;
