//! template.yaml and `shared::portal_users` agree: the functions that administer the portal
//! pool's users are given its id and exactly the admin calls they make, on that pool only.

use crate::template::{actions, tagged, template_yaml};

/// The portal pool's admin calls each function makes (`shared::portal_users`): accepting
/// creates or enables the user (replacing a stale one) and sets its password, and a reset signs
/// it out everywhere; a revoke, an email change, a deletion and the sweep look the user up and
/// end its access (and an email change or a deletion deletes it); a person's data on request
/// reads the user.
fn expected_portal_user_actions(function: &str) -> Vec<&'static str> {
    let end_access =
        ["cognito-idp:AdminGetUser", "cognito-idp:AdminDisableUser", "cognito-idp:AdminUserGlobalSignOut"];
    let mut actions = match function {
        "accept-invite" => vec![
            "cognito-idp:AdminGetUser",
            "cognito-idp:AdminCreateUser",
            "cognito-idp:AdminEnableUser",
            "cognito-idp:AdminSetUserPassword",
            "cognito-idp:AdminDeleteUser",
            "cognito-idp:AdminUserGlobalSignOut",
        ],
        "update-contact" => [&end_access[..], &["cognito-idp:AdminDeleteUser"]].concat(),
        // A deleted contact's user goes, and so does a moved one's (it names the old client)
        // and an archived one's (a restore does not give access back), and a merged one's (and
        // the survivor's when its address changes).
        "delete-contact" | "move-contact" | "archive-contact" | "merge-contacts" => {
            [&end_access[..], &["cognito-idp:AdminDeleteUser"]].concat()
        }
        "support-expiry-sweep" => end_access.to_vec(),
        "export-contact" => vec!["cognito-idp:AdminGetUser"],
        _ => vec![],
    };
    actions.sort();
    actions
}

#[test]
fn only_the_functions_that_administer_portal_users_may_and_only_on_the_portal_pool() {
    let template = template_yaml();
    let resources = template["Resources"].as_mapping().unwrap();
    for resource in resources.values().filter(|r| r["Type"] == "AWS::Serverless::Function") {
        let function = resource["Metadata"]["BuildProperties"]["Binary"].as_str().unwrap();
        let statements: Vec<serde_yaml::Value> = resource["Properties"]["Policies"]
            .as_sequence()
            .into_iter()
            .flatten()
            .flat_map(|p| p["Statement"].as_sequence().cloned().unwrap_or_default())
            .filter(|s| actions(s).iter().any(|a| a.starts_with("cognito-idp:")))
            .collect();
        let mut granted: Vec<String> = statements.iter().flat_map(actions).collect();
        granted.sort();
        assert_eq!(granted, expected_portal_user_actions(function), "{function}");
        for statement in &statements {
            let pool = tagged(&statement["Resource"]);
            assert_eq!(pool, Some(("!GetAtt".to_owned(), "PortalUserPool.Arn".to_owned())), "{function}");
        }
        let pool_id = tagged(&resource["Properties"]["Environment"]["Variables"]["PORTAL_USER_POOL_ID"]);
        let wanted = (!granted.is_empty()).then(|| ("!Ref".to_owned(), "PortalUserPool".to_owned()));
        assert_eq!(pool_id, wanted, "{function}: PORTAL_USER_POOL_ID exactly where users are administered");
    }
}
