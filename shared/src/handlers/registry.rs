//! Which handler serves each function of the route table, for whatever runs handlers by
//! function name in one process (the tests' in-process API Gateway and `cargo lambda watch`
//! stand-in). Each deployed function calls its own handler directly instead.

use futures_util::future::BoxFuture;
use lambda_http::{Body, Error, Request, Response};

use super::*;
use crate::http::routes;
use crate::App;

/// A handler, its future boxed so that every operation has the same type.
pub type Handler = for<'a> fn(&'a App, Request) -> BoxFuture<'a, Result<Response<Body>, Error>>;

macro_rules! registry {
    ($($route:ident => $module:ident,)+) => {
        /// The handler of the function named `function` (as in the route table), if it
        /// serves a route.
        pub fn handler(function: &str) -> Option<Handler> {
            $(if function == routes::$route.function {
                return Some(|app, req| Box::pin($module::handle(app, req)));
            })+
            None
        }
    };
}

registry! {
    CREATE_CLIENT => create_client,
    LIST_CLIENTS => list_clients,
    GET_CLIENT => get_client,
    UPDATE_CLIENT => update_client,
    DELETE_CLIENT => delete_client,
    ADD_CONTACT => add_contact,
    LIST_CONTACTS => list_contacts,
    GET_CONTACT => get_contact,
    UPDATE_CONTACT => update_contact,
    DELETE_CONTACT => delete_contact,
    INVITE_CONTACT => invite_contact,
    RESET_CONTACT_PASSWORD => reset_contact_password,
    ACCEPT_INVITE => accept_invite,
    NOTIFY_CONTACTS => notify_contacts,
    IMPORT_CONTACTS => import_contacts,
    IMPORT_CLIENTS => import_clients,
    GET_PORTAL_PROFILE => get_portal_profile,
    UPDATE_PORTAL_PROFILE => update_portal_profile,
    FIND_CONTACTS => find_contacts,
    GET_SETTINGS => get_settings,
    UPDATE_SETTINGS => update_settings,
    INVITE_CLIENT => invite_client,
    DUPLICATE_CONTACT => duplicate_contact,
    LIST_CONTACT_ACTIVITY => list_contact_activity,
    LINK_PROJECT => link_project,
    UNLINK_PROJECT => unlink_project,
    LIST_CONTACT_PROJECTS => list_contact_projects,
    LIST_PROJECT_CONTACTS => list_project_contacts,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_has_a_handler() {
        for route in routes::ALL {
            assert!(handler(route.function).is_some(), "{}", route.function);
        }
    }

    #[test]
    fn a_name_that_serves_no_route_has_no_handler() {
        assert!(handler("support-expiry-sweep").is_none());
        assert!(handler("").is_none());
    }
}
