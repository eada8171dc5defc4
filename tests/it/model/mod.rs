//! Model-based property: random sequences of contact operations on two clients (add, PATCH,
//! DELETE, invite, revoke, move to the other client, archive and restore, merge two; PATCHes of plain fields alone, written without a read, often; link
//! and unlink of a few projects; tag and untag with a few tags), run against DynamoDB Local and, side by side, against a small
//! model of what the API promises. Every step gets a clear answer (never a 5xx; errors are
//! problem+json) and, where the rule is clear, the answer the model predicts; after every
//! sequence the table's invariants hold and the API shows what the model holds.
//!
//! Hand-written specs found transactions that touched one item twice (a 500 from DynamoDB);
//! this search looks for the next combination nobody thought to write down.
//!
//! `merge` and `steps` say what a sequence is, `generate` draws them, `state` and `predict`
//! are the model, `run` plays a sequence against the API and `checks` compares the outcome.

mod checks;
mod generate;
mod merge;
mod predict;
mod reached;
mod run;
mod state;
mod steps;

use reached::Reached;
use run::Run;
use steps::Steps;
use testkit::TestApi;

use crate::support::{check, runtime};

/// Sequences per run, and steps per sequence at most (enough for links to meet each other
/// without thinning out the other kinds of step).
const CASES: u32 = 200;
const MAX_STEPS: usize = 32;
/// Clients of a sequence: contacts are added to the first, and moves take them between the two.
const CLIENTS: usize = 2;
/// Contacts a sequence can name: the first `SLOTS` it adds. A slot not added yet names a
/// contact that never existed.
const SLOTS: usize = 5;
/// Addresses the steps draw from, few so that they collide. `ANN` is `ann` in other case: the
/// same address for uniqueness, stored as entered.
const EMAILS: [&str; 5] = ["ann", "ANN", "bob", "cy", "dee"];
const PHONE: &str = "+12025550144";
const MOBILE: &str = "+447911123456";
/// Job titles a plain patch draws from, few so that a patch often changes nothing.
const TITLES: [&str; 2] = ["CFO", "CEO"];
/// Project ids the links draw from, few so that they collide (the bound of 30 links a contact
/// is out of reach; `projects_bound` specifies it). Out of id order, so that a contact's
/// projects are listed in an order of their own; `web` begins `web.2`, so that a project's
/// contacts are its own, not those of every project its id begins.
const PROJECTS: [&str; 3] = ["web.2", "CRM", "web"];
/// The options of the custom `select` field `region` each sequence defines in its tenant,
/// which patches set and clear (a custom value is not a plain patch's).
const REGIONS: [&str; 2] = ["North", "South"];
/// The tags each sequence makes in its tenant, which tag and untag steps draw from.
const TAGS: [&str; 2] = ["VIP", "Key account"];
/// A well-formed contact id that no sequence creates.
const NEVER_CREATED: &str = "01ARZ3NDEKTSV4RRFFQ69G5FAV";

#[test]
fn any_sequence_of_contact_operations_keeps_the_model_and_the_invariants() {
    // One table for the run; each sequence its own tenant and client, so it starts empty.
    let api = runtime().block_on(TestApi::new());
    let reached = Reached::default();
    check(CASES, &generate::steps(), |Steps(steps)| {
        runtime().block_on(async {
            let mut run = Run::start(&api).await;
            for step in &steps {
                run.step(step, &reached).await;
            }
            run.assert_api_agrees().await;
            run.assert_links_agree().await;
            run.assert_tags_agree().await;
            run.assert_invariants().await;
        })
    });
    eprintln!("model: {reached:?}");
    for writes in [
        "add -> 201 ",
        "patch -> 200 ",
        "patch is_primary=true -> 200 ",
        "plain patch -> 200 ",
        "delete -> 204 ",
        "invite -> 202 ",
        "move -> 200 ",
        "archive -> 200 ",
        "merge -> 200 ",
        "link -> 200 ",
        "tag -> 204 ",
    ] {
        assert!(reached.times(writes) >= CASES / 8, "too few `{writes}`: {reached:?}");
    }
    // A link met again by a link or an unlink needs two steps on one of few pairs: rarer. So
    // is a patch of the custom field, which most patches leave alone, and a restore, which
    // needs an archive of its contact before it.
    for collision in [
        "link again -> 200 ",
        "unlink linked -> 204 ",
        "tag again -> 204 ",
        "untag tagged -> 204 ",
        "patch custom -> 200 ",
        "restore -> 200 ",
    ] {
        assert!(reached.times(collision) >= CASES / 16, "too few `{collision}`: {reached:?}");
    }
    // A plain patch's refusals are read from the item its condition refused: each is reached.
    for refusal in ["404 not-found", "412 precondition-failed", "422 validation-failed"] {
        let answer = format!("plain patch -> {refusal}");
        assert!(reached.times(&answer) >= 1, "no `{answer}`: {reached:?}");
    }
    // A link or an unlink of a contact that is not there (deleted, or never added) is refused.
    for refusal in ["link -> 404 not-found", "unlink -> 404 not-found", "tag -> 404 not-found"] {
        assert!(reached.times(refusal) >= 1, "no `{refusal}`: {reached:?}");
    }
}
