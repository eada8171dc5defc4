//! Specs of the merge's decisions (`merge.rs`).
use super::*;
use crate::domain::phone::PhoneRegion;
use crate::domain::ContactPatch;
use serde_json::json;

fn fields(body: Value) -> ContactFields {
    let patch = ContactPatch::parse(
        body.as_object().unwrap().clone(),
        PhoneRegion::default(),
        &Default::default(),
        true,
    );
    ContactFields::create(patch.unwrap()).unwrap()
}

fn request(choices: Value) -> MergeRequest {
    let (client, survivor, merged) = (ClientId::generate(), ContactId::generate(), ContactId::generate());
    let body = json!({
        "client_id": client.to_string(), "survivor_id": survivor.to_string(),
        "merged_id": merged.to_string(), "fields": choices,
    });
    parse_merge(body.as_object().unwrap().clone()).expect("a valid merge")
}

fn field_errors(body: Value) -> Vec<String> {
    match parse_merge(body.as_object().unwrap().clone()) {
        Err(DomainError::Validation(errors)) => errors.into_iter().map(|e| e.field).collect(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[test]
fn a_field_keeps_the_survivors_value_or_takes_the_merged_ones_where_the_survivor_has_none() {
    let survivor = fields(json!({"last_name": "Lovelace", "email": "ada@x.test"}));
    let merged = fields(json!({"last_name": "Byron", "email": "ada@y.test", "job_title": "CFO"}));

    let after = merge_fields(&survivor, &merged, &request(json!({}))).unwrap();

    assert_eq!(after.last_name.as_str(), "Lovelace");
    assert_eq!(after.email, survivor.email);
    assert_eq!(after.job_title, merged.job_title);
}

#[test]
fn a_named_side_wins_even_when_its_value_is_empty() {
    let survivor = fields(json!({"last_name": "Lovelace", "email": "ada@x.test", "job_title": "CEO"}));
    let merged = fields(json!({"last_name": "Byron", "email": "ada@y.test"}));
    let choices = json!({"last_name": "merged", "email": "merged", "job_title": "merged"});

    let after = merge_fields(&survivor, &merged, &request(choices)).unwrap();

    assert_eq!(after.last_name.as_str(), "Byron");
    assert_eq!(after.email, merged.email);
    assert_eq!(after.job_title, None);
}

#[test]
fn topics_and_permissions_are_the_union_of_both() {
    let survivor = fields(
        json!({"last_name": "L", "email": "a@x.test", "notifications": ["invoice"], "permissions": ["support"]}),
    );
    let merged = fields(
        json!({"last_name": "L", "email": "b@x.test", "notifications": ["project", "invoice"], "permissions": []}),
    );

    let after = merge_fields(&survivor, &merged, &request(json!({}))).unwrap();

    assert_eq!(after.notifications, sorted_unique([survivor.notifications, merged.notifications].concat()));
    assert_eq!(after.permissions, survivor.permissions);
}

#[test]
fn a_line_manager_that_would_be_either_contact_is_dropped() {
    let mut req = request(json!({"line_manager_id": "merged"}));
    let survivor = fields(json!({"last_name": "L", "phone": "+44 20 7946 0000"}));
    let mut merged = fields(json!({"last_name": "L", "phone": "+44 20 7946 0000"}));
    merged.line_manager_id = Some(req.survivor);

    assert_eq!(merge_fields(&survivor, &merged, &req).unwrap().line_manager_id, None);
    req.choices.clear();
    let mut survivor = survivor;
    survivor.line_manager_id = Some(req.merged);
    assert_eq!(merge_fields(&survivor, &merged, &req).unwrap().line_manager_id, None);
    // and the merged contact's own manager stands in for it
    let boss = ContactId::generate();
    merged.line_manager_id = Some(boss);
    assert_eq!(merge_fields(&survivor, &merged, &req).unwrap().line_manager_id, Some(boss));
}

#[test]
fn choices_that_leave_no_way_to_reach_the_contact_are_refused_naming_the_email() {
    let survivor = fields(json!({"last_name": "L", "email": "ada@x.test"}));
    let merged = fields(json!({"last_name": "L", "mobile": "+44 7911 123456"}));
    let choices = json!({"email": "merged", "mobile": "survivor"});

    let err = merge_fields(&survivor, &merged, &request(choices)).expect_err("refused");

    assert!(matches!(err, DomainError::Validation(ref e) if e[0].field == "fields.email"), "{err:?}");
}

#[test]
fn a_merge_names_its_client_and_both_contacts_and_sides_only_of_fields_it_chooses() {
    let (c, a, b) = (
        ClientId::generate().to_string(),
        ContactId::generate().to_string(),
        ContactId::generate().to_string(),
    );
    assert_eq!(field_errors(json!({})), ["client_id", "survivor_id", "merged_id"]);
    let bad_side = json!({"client_id": c, "survivor_id": a, "merged_id": b, "fields": {"email": "both"}});
    assert_eq!(field_errors(bad_side), ["fields.email"]);
    let unknown =
        json!({"client_id": c, "survivor_id": a, "merged_id": b, "fields": {"notifications": "merged"}});
    assert_eq!(field_errors(unknown), ["fields.notifications"]);
    let extra = json!({"client_id": c, "survivor_id": a, "merged_id": b, "primary": true});
    assert_eq!(field_errors(extra), ["primary"]);
    assert_eq!(field_errors(json!({"client_id": c, "survivor_id": a, "merged_id": a})), ["merged_id"]);
}

#[test]
fn the_merged_contacts_reports_go_to_the_survivor_and_its_manager_loses_it() {
    let ids: Vec<ContactId> = (0..5).map(|_| ContactId::generate()).collect();
    let (s, x, manager, r1, r2) = (ids[0], ids[1], ids[2], ids[3], ids[4]);

    let relinks = relink((s, x), (None, Some(manager)), Some(manager), &[r1, r2, s]);

    assert_eq!(relinks.repointed, vec![r1, r2]);
    assert_eq!(relinks.changes[&s], ([r1, r2].into(), BTreeSet::new()));
    // One manager gaining the survivor and losing the merged contact: one write of both.
    assert_eq!(relinks.changes[&manager], ([s].into(), [x].into()));
    assert!(!relinks.changes.contains_key(&x));
}

#[test]
fn a_survivor_that_managed_the_merged_contact_loses_that_report() {
    let (s, x) = (ContactId::generate(), ContactId::generate());

    let relinks = relink((s, x), (None, None), Some(s), &[]);

    assert_eq!(relinks.changes[&s], (BTreeSet::new(), [x].into()));
    assert!(relinks.repointed.is_empty());
}
