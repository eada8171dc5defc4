//! One module per operation; each function crate runs exactly one of them.

pub mod accept_invite;
pub mod add_contact;
pub mod create_client;
pub mod delete_client;
pub mod delete_contact;
pub mod duplicate_contact;
pub mod find_contacts;
pub mod get_client;
pub mod get_contact;
pub mod get_portal_profile;
pub mod get_settings;
pub mod import_clients;
pub mod import_contacts;
pub mod invite_client;
pub mod invite_contact;
pub mod link_project;
pub mod list_clients;
pub mod list_contact_activity;
pub mod list_contact_projects;
pub mod list_contacts;
pub mod list_project_contacts;
pub mod notify_contacts;
pub mod registry;
pub mod reset_contact_password;
pub mod unlink_project;
pub mod update_client;
pub mod update_contact;
pub mod update_portal_profile;
pub mod update_settings;

use lambda_http::{Body, Response};

use crate::http::response::StoredResponse;
use crate::http::{response, HttpResult};
use crate::store::Created;

/// The response to a creating request: the first one, or a replay of it.
fn created<T>(outcome: Created<T>, first: StoredResponse) -> HttpResult<Response<Body>> {
    match outcome {
        Created::New(_) => first.send(),
        Created::Replayed(stored) => response::replay(stored),
    }
}
