//! The records no other item points at, checked on their own: idempotency records and
//! invitations (email quotas: `invariants::quota`, against the deployment's limit).

use super::formats::{hex64, tenant_shaped, ulid};
use super::keys;
use crate::invariants::{num, s, Found, Item, Rule};

/// How long an invitation outlives its validity before TTL deletes it (README: a week).
const INVITATION_KEPT_SECS: i64 = 7 * 24 * 3600;
/// The longest `Idempotency-Key` a request may send.
const IDEMPOTENCY_KEY_MAX: usize = 255;

/// A stored first response: the request's key as the API accepts it, the request's
/// fingerprint, the response, and an expiry for TTL.
pub(super) fn idempotency_record(key: &str, item: &Item, found: &mut Found) {
    let mut wrong = Vec::new();
    if key.is_empty() || key.len() > IDEMPOTENCY_KEY_MAX || !key.bytes().all(|b| b.is_ascii_graphic()) {
        wrong.push("its key is not 1-255 visible ASCII characters");
    }
    if num(item, "expires_at").is_none() {
        wrong.push("it has no expires_at");
    }
    if s(item, "fingerprint").filter(|f| hex64(f)).is_none() {
        wrong.push("it has no request fingerprint");
    }
    let status = item.get("response").and_then(|r| r.as_m().ok()).and_then(|r| r.get("status"));
    if status.and_then(|v| v.as_n().ok()).is_none() {
        wrong.push("it holds no response");
    }
    for what in wrong {
        found.add(Rule::IdempotencyRecord, format!("{}: {what}", keys(item)));
    }
}

/// An invitation as written: keyed by the hash of its token, naming the contact it is for (and
/// not its address), valid until a time and kept a week beyond it.
pub(super) fn invitation(hash: &str, item: &Item, found: &mut Found) {
    let mut wrong = Vec::new();
    if !hex64(hash) {
        wrong.push("its key is not a token hash (64 lower-case hex digits)".to_owned());
    }
    if !s(item, "tenant_id").is_some_and(tenant_shaped) {
        wrong.push("it names no tenant".to_owned());
    }
    for id in ["client_id", "contact_id"] {
        if s(item, id).and_then(ulid).is_none() {
            wrong.push(format!("its {id} is not an id"));
        }
    }
    // The address is the contact's; a copy here would outlive the contact's deletion.
    if item.contains_key("email") {
        wrong.push("it holds an address (invitations keep none)".to_owned());
    }
    match (num(item, "valid_until"), num(item, "expires_at")) {
        (Some(valid), Some(expires)) if expires == valid + INVITATION_KEPT_SECS => {}
        (valid, expires) => {
            wrong.push(format!("it expires at {expires:?}, not a week after its validity ends ({valid:?})"))
        }
    }
    if item.get("used_at").is_some_and(|v| v.as_s().is_err()) {
        wrong.push("its used_at is not a time".to_owned());
    }
    for what in wrong {
        found.add(Rule::Invitation, format!("{}: {what}", keys(item)));
    }
}

/// An export job: a known state; done or failed ones have ended, and only failed ones say why;
/// a TTL; who asked for it.
pub(super) fn export_job(item: &Item, found: &mut Found) {
    let mut wrong = Vec::new();
    let state = s(item, "state");
    if !matches!(state, Some("queued" | "running" | "done" | "failed")) {
        wrong.push(format!("its state is {state:?}"));
    }
    let ended = matches!(state, Some("done" | "failed"));
    if ended != item.contains_key("finished_at") {
        wrong.push(format!("it is {state:?} with finished_at {:?}", s(item, "finished_at")));
    }
    if (state == Some("failed")) != item.contains_key("failure") {
        wrong.push(format!("it is {state:?} with failure {:?}", s(item, "failure")));
    }
    if num(item, "expires_at").is_none() {
        wrong.push("it has no expires_at (TTL)".to_owned());
    }
    if s(item, "created_by").is_none_or(str::is_empty) {
        wrong.push("it names no one who asked for it".to_owned());
    }
    for what in wrong {
        found.add(Rule::ExportJob, format!("{}: {what}", keys(item)));
    }
}

/// A duplicate key names its rule and contact as its key does, the client that contact was
/// under, and the contact's version it was written at. (Whether the contact still has it is
/// eventual, the stream's: a list checks each pair against the contacts.)
pub(super) fn duplicate_key(item: &Item, (rule, id): (&str, &str), found: &mut Found) {
    let mut wrong = Vec::new();
    if s(item, "rule") != Some(rule) || s(item, "contact_id") != Some(id) {
        wrong.push(format!(
            "its rule {:?} and contact {:?} are not its key's",
            s(item, "rule"),
            s(item, "contact_id")
        ));
    }
    if s(item, "client_id").and_then(ulid).is_none() {
        wrong.push(format!("its client_id {:?} is not an id", s(item, "client_id")));
    }
    if num(item, "version").is_none_or(|v| v < 1) {
        wrong.push("it names no version of its contact".to_owned());
    }
    for what in wrong {
        found.add(Rule::KeyAttributes, format!("{}: {what}", keys(item)));
    }
}
