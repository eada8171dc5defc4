//! template.yaml's limits against floods: API Gateway throttles every route, the public one
//! more tightly, and the functions a flood must not starve can reserve concurrency
//! (docs/deploy.md, parameters).

use serde_yaml::Value;

use crate::template::{tagged, template_yaml};

/// A parameter's default, as a whole number.
fn default_of(template: &Value, parameter: &str) -> u64 {
    template["Parameters"][parameter]["Default"]
        .as_u64()
        .unwrap_or_else(|| panic!("{parameter} has no default"))
}

fn yaml(text: &str) -> Value {
    serde_yaml::from_str(text).unwrap()
}

#[test]
fn every_route_is_throttled_by_default_and_the_public_route_more_tightly() {
    // Given the template's HTTP API
    let template = template_yaml();
    let api = &template["Resources"]["HttpApi"]["Properties"];

    for (setting, parameter, public) in [
        ("ThrottlingRateLimit", "ApiThrottlingRateLimit", "PublicRouteRateLimit"),
        ("ThrottlingBurstLimit", "ApiThrottlingBurstLimit", "PublicRouteBurstLimit"),
    ] {
        // Then every route's limit is a parameter's
        let limit = &api["DefaultRouteSettings"][setting];
        assert_eq!(tagged(limit), Some(("!Ref".to_owned(), parameter.to_owned())), "{setting}");
        // And its default stays under the account's own limits (10,000 requests/s, burst 5,000)
        // and above the public route's, which keeps a tighter setting of its own
        let (default, public) = (default_of(&template, parameter), default_of(&template, public));
        assert!(default <= 5000, "{parameter} defaults to {default}");
        assert!(public < default, "{parameter} ({default}) is looser than {public}");
    }
    // (the public route's own setting: template::the_public_route_is_throttled_and_its_function_can_be_capped)
}

#[test]
fn the_sign_in_gate_and_the_event_pipeline_can_reserve_concurrency_and_reserve_none_by_default() {
    // Given the template
    let template = template_yaml();

    for (function, parameter, condition) in [
        ("AcceptInviteFunction", "AcceptInviteReservedConcurrency", "ReservesAcceptInviteConcurrency"),
        ("PortalSignInFunction", "PortalSignInReservedConcurrency", "ReservesPortalSignInConcurrency"),
        ("ChangeEventsFunction", "ChangeEventsReservedConcurrency", "ReservesChangeEventsConcurrency"),
        (
            "RecordEmailEventFunction",
            "RecordEmailEventReservedConcurrency",
            "ReservesRecordEmailEventConcurrency",
        ),
    ] {
        // Then the function reserves the parameter's concurrency when it is not 0
        let reserved = &template["Resources"][function]["Properties"]["ReservedConcurrentExecutions"];
        let expected = format!("!If [{condition}, !Ref {parameter}, !Ref AWS::NoValue]");
        assert_eq!(*reserved, yaml(&expected), "{function}");
        let expected = format!("!Not [!Equals [!Ref {parameter}, 0]]");
        assert_eq!(template["Conditions"][condition], yaml(&expected), "{condition}");
        // And by default reserves none: an account whose concurrency limit is 10 cannot
        // reserve any, and AWS keeps 100 unreserved
        let declared = &template["Parameters"][parameter];
        assert_eq!((declared["Type"].as_str(), declared["MinValue"].as_u64()), (Some("Number"), Some(0)));
        assert_eq!(default_of(&template, parameter), 0, "{parameter}");
    }
}
