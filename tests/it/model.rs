//! Model-based property: random sequences of contact operations on one client (add, PATCH,
//! DELETE, invite, revoke; PATCHes of plain fields alone, written without a read, often), run against DynamoDB Local and, side by side, against a small model
//! of what the API promises. Every step gets a clear answer (never a 5xx; errors are
//! problem+json) and, where the rule is clear, the answer the model predicts; after every
//! sequence the table's invariants hold and the API shows what the model holds.
//!
//! Hand-written specs found transactions that touched one item twice (a 500 from DynamoDB);
//! this search looks for the next combination nobody thought to write down.

use std::collections::BTreeMap;
use std::fmt;
use std::panic::AssertUnwindSafe;
use std::sync::Mutex;

use proptest::prelude::*;
use serde_json::{json, Value};
use testkit::{Caller, TestApi, TestResponse};

use crate::support::{assert_clear, check, given_client, runtime};

/// One field of a JSON merge patch (RFC 7396), as the model understands it: left out, `null`,
/// or a value. The model's own, so that it does not borrow the rules it checks from the code.
#[derive(Clone, Debug, PartialEq)]
enum Merge<T> {
    Keep,
    Clear,
    Set(T),
}

impl<T> Merge<T> {
    fn is_absent(&self) -> bool {
        matches!(self, Merge::Keep)
    }

    fn map<U>(self, f: impl FnOnce(T) -> U) -> Merge<U> {
        match self {
            Merge::Keep => Merge::Keep,
            Merge::Clear => Merge::Clear,
            Merge::Set(value) => Merge::Set(f(value)),
        }
    }

    /// The field after the patch: kept when left out, gone when `null`, replaced when set.
    fn applied_to(self, current: Option<T>) -> Option<T> {
        match self {
            Merge::Keep => current,
            Merge::Clear => None,
            Merge::Set(value) => Some(value),
        }
    }
}

/// Sequences per run, and steps per sequence at most.
const CASES: u32 = 200;
const MAX_STEPS: usize = 14;
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
/// A well-formed contact id that no sequence creates.
const NEVER_CREATED: &str = "01ARZ3NDEKTSV4RRFFQ69G5FAV";

/// A contact of the sequence, by the order it was added in.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Slot(usize);

impl fmt::Debug for Slot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// The `If-Match` a step sends: none, the contact's current ETag, or an older one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum IfMatch {
    Absent,
    Current,
    Stale,
}

#[derive(Clone)]
enum Step {
    Add {
        email: Option<usize>,
        phone: bool,
        is_primary: Option<bool>,
        manager: Option<Slot>,
    },
    Patch {
        slot: Slot,
        is_primary: Merge<bool>,
        manager: Merge<Slot>,
        email: Merge<usize>,
        phone: Merge<()>,
        mobile: Merge<()>,
        title: Merge<usize>,
        revoke: bool,
        if_match: IfMatch,
    },
    Delete {
        slot: Slot,
        if_match: IfMatch,
    },
    Invite {
        slot: Slot,
    },
}

/// A merge-patch field as a reader of a failing sequence wants to see it.
fn field<T: fmt::Debug>(f: &mut fmt::Formatter<'_>, name: &str, value: &Merge<T>) -> fmt::Result {
    match value {
        Merge::Keep => Ok(()),
        Merge::Clear => write!(f, " {name}=null"),
        Merge::Set(v) => write!(f, " {name}={v:?}"),
    }
}

struct Address(usize);

impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(EMAILS[self.0])
    }
}

impl fmt::Debug for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Add { email, phone, is_primary, manager } => {
                f.write_str("add")?;
                if let Some(e) = email {
                    write!(f, " email={:?}", Address(*e))?;
                }
                if *phone {
                    f.write_str(" phone")?;
                }
                if let Some(p) = is_primary {
                    write!(f, " is_primary={p}")?;
                }
                if let Some(m) = manager {
                    write!(f, " manager={m:?}")?;
                }
                Ok(())
            }
            Step::Patch { slot, is_primary, manager, email, phone, mobile, title, revoke, if_match } => {
                write!(f, "patch {slot:?}")?;
                field(f, "is_primary", is_primary)?;
                field(f, "manager", manager)?;
                field(f, "email", &email.clone().map(Address))?;
                field(f, "phone", &phone.clone().map(|()| PHONE))?;
                field(f, "mobile", &mobile.clone().map(|()| MOBILE))?;
                field(f, "title", &title.clone().map(|t| TITLES[t]))?;
                if *revoke {
                    f.write_str(" revoke")?;
                }
                write!(f, " if_match={if_match:?}")
            }
            Step::Delete { slot, if_match } => write!(f, "delete {slot:?} if_match={if_match:?}"),
            Step::Invite { slot } => write!(f, "invite {slot:?}"),
        }
    }
}

/// A sequence, printed one numbered step a line (what proptest shows of a failing case).
#[derive(Clone)]
struct Steps(Vec<Step>);

impl fmt::Debug for Steps {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            write!(f, "\n  {}. {step:?}", i + 1)?;
        }
        Ok(())
    }
}

/// Mostly one of the first few contacts, which most sequences have added.
fn slot() -> impl Strategy<Value = Slot> {
    prop_oneof![4 => 0..3usize, 1 => 3..SLOTS].prop_map(Slot)
}

fn address() -> impl Strategy<Value = usize> {
    0..EMAILS.len()
}

/// A merge-patch field: mostly absent, sometimes cleared, sometimes set.
fn merge<T: Clone + fmt::Debug>(value: impl Strategy<Value = T>) -> impl Strategy<Value = Merge<T>> {
    prop_oneof![3 => Just(Merge::Keep), 1 => Just(Merge::Clear), 2 => value.prop_map(Merge::Set)]
}

fn if_match() -> impl Strategy<Value = IfMatch> {
    prop_oneof![2 => Just(IfMatch::Absent), 2 => Just(IfMatch::Current), 1 => Just(IfMatch::Stale)]
}

/// An add; `phone` decides whether it has a phone (without one nor an email it is a 422).
fn add(phone: impl Strategy<Value = bool>) -> impl Strategy<Value = Step> {
    (
        prop::option::weighted(0.8, address()),
        phone,
        prop::option::of(any::<bool>()),
        prop::option::weighted(0.3, slot()),
    )
        .prop_map(|(email, phone, is_primary, manager)| Step::Add { email, phone, is_primary, manager })
}

fn step() -> impl Strategy<Value = Step> {
    // Moving the primary role is where transactions touch the most items: ask for it often.
    let is_primary = prop_oneof![3 => Just(Merge::Keep), 3 => Just(Merge::Set(true)), 1 => Just(Merge::Set(false)), 1 => Just(Merge::Clear)];
    let plain_fields = || (merge(Just(())), merge(Just(())), merge(0..TITLES.len()));
    let patch = (
        (slot(), is_primary, merge(slot()), merge(address())),
        plain_fields(),
        prop::bool::weighted(0.15),
        if_match(),
    )
        .prop_map(|((slot, is_primary, manager, email), (phone, mobile, title), revoke, if_match)| {
            Step::Patch { slot, is_primary, manager, email, phone, mobile, title, revoke, if_match }
        });
    // Phones and title alone: the edit written in one conditional write, without a read. Its
    // phones are often cleared, to reach the rule that one way to reach a contact remains.
    let clears = || prop_oneof![2 => Just(Merge::Keep), 2 => Just(Merge::Clear), 1 => Just(Merge::Set(()))];
    let plain_fields = (clears(), clears(), merge(0..TITLES.len()));
    let plain = (slot(), plain_fields, if_match()).prop_map(|(slot, (phone, mobile, title), if_match)| {
        let keep = (Merge::Keep, Merge::Keep, Merge::Keep);
        let (is_primary, manager, email) = keep;
        Step::Patch { slot, is_primary, manager, email, phone, mobile, title, revoke: false, if_match }
    });
    let delete = (slot(), if_match()).prop_map(|(slot, if_match)| Step::Delete { slot, if_match });
    let invite = slot().prop_map(|slot| Step::Invite { slot });
    prop_oneof![3 => add(any::<bool>()), 5 => patch, 3 => plain, 2 => delete, 2 => invite]
}

/// A few adds that can succeed first, so that the later steps have contacts to act on, then
/// any steps.
fn steps() -> impl Strategy<Value = Steps> {
    const LEADING: usize = 4;
    let leading = prop::collection::vec(add(Just(true)), 2..=LEADING);
    (leading, prop::collection::vec(step(), 0..=MAX_STEPS - LEADING))
        .prop_map(|(adds, rest)| Steps(adds.into_iter().chain(rest).collect()))
}

/// An answer: its status and, for a problem, its code.
type Answer = (u16, &'static str);
const OK: Answer = (200, "");
const CREATED: Answer = (201, "");
const ACCEPTED: Answer = (202, "");
const NO_CONTENT: Answer = (204, "");
const NOT_FOUND: Answer = (404, "not-found");
const STALE: Answer = (412, "precondition-failed");
const INVALID: Answer = (422, "validation-failed");
const EMAIL_TAKEN: Answer = (409, "email-taken");
const PRIMARY_REQUIRED: Answer = (409, "primary-required");
const NO_EMAIL: Answer = (409, "no-email");

/// What the model knows of a contact it added.
#[derive(Clone, Debug)]
struct Known {
    id: String,
    live: bool,
    email: Option<usize>,
    phone: bool,
    mobile: bool,
    title: Option<usize>,
    manager: Option<Slot>,
    portal: &'static str,
    version: u64,
}

/// What the API promises the client looks like after the steps so far.
#[derive(Default)]
struct Model {
    contacts: Vec<Known>,
    primary: Option<Slot>,
}

impl Model {
    fn live(&self, slot: Slot) -> Option<&Known> {
        self.contacts.get(slot.0).filter(|c| c.live)
    }

    fn live_count(&self) -> usize {
        self.contacts.iter().filter(|c| c.live).count()
    }

    fn id(&self, slot: Slot) -> &str {
        self.contacts.get(slot.0).map_or(NEVER_CREATED, |c| c.id.as_str())
    }

    /// Whether a live contact other than `except` holds the address.
    fn address_taken(&self, email: usize, except: Option<Slot>) -> bool {
        self.contacts
            .iter()
            .enumerate()
            .any(|(i, c)| c.live && Some(Slot(i)) != except && key(c.email) == key(Some(email)))
    }

    /// A step's refusal when its new email is taken and its new manager does not exist:
    /// both are conditions of one transaction, so either may be the one reported.
    fn store_refusal(taken: bool, unknown_manager: bool) -> Option<Vec<Answer>> {
        match (taken, unknown_manager) {
            (true, true) => Some(vec![EMAIL_TAKEN, INVALID]),
            (true, false) => Some(vec![EMAIL_TAKEN]),
            (false, true) => Some(vec![INVALID]),
            (false, false) => None,
        }
    }

    /// The answers the API may give to `step`.
    fn predict(&self, step: &Step) -> Vec<Answer> {
        match step {
            Step::Add { email, phone, manager, .. } => {
                if email.is_none() && !phone {
                    return vec![INVALID];
                }
                let taken = email.is_some_and(|e| self.address_taken(e, None));
                let unknown_manager = manager.is_some_and(|m| self.live(m).is_none());
                Self::store_refusal(taken, unknown_manager).unwrap_or(vec![CREATED])
            }
            Step::Patch { slot, is_primary, manager, email, phone, mobile, if_match, .. } => {
                let Some(current) = self.live(*slot) else { return vec![NOT_FOUND] };
                if *if_match == IfMatch::Stale {
                    return vec![STALE];
                }
                let new_email = email.clone().applied_to(current.email);
                let new_phone = phone.clone().applied_to(current.phone.then_some(())).is_some();
                let new_mobile = mobile.clone().applied_to(current.mobile.then_some(())).is_some();
                let new_manager = manager.clone().applied_to(current.manager);
                if new_manager == Some(*slot) || (new_email.is_none() && !new_phone && !new_mobile) {
                    return vec![INVALID];
                }
                let unsets_primary = matches!(is_primary, Merge::Set(false) | Merge::Clear);
                if unsets_primary && self.primary == Some(*slot) {
                    return vec![PRIMARY_REQUIRED];
                }
                let email_moves = key(new_email) != key(current.email);
                let taken = email_moves && new_email.is_some_and(|e| self.address_taken(e, Some(*slot)));
                let unknown_manager =
                    new_manager != current.manager && new_manager.is_some_and(|m| self.live(m).is_none());
                Self::store_refusal(taken, unknown_manager).unwrap_or(vec![OK])
            }
            Step::Delete { slot, if_match } => {
                if self.live(*slot).is_none() {
                    vec![NOT_FOUND]
                } else if *if_match == IfMatch::Stale {
                    vec![STALE]
                } else if self.primary == Some(*slot) && self.live_count() > 1 {
                    vec![PRIMARY_REQUIRED]
                } else {
                    vec![NO_CONTENT]
                }
            }
            Step::Invite { slot } => match self.live(*slot) {
                None => vec![NOT_FOUND],
                Some(c) if c.email.is_none() => vec![NO_EMAIL],
                Some(_) => vec![ACCEPTED],
            },
        }
    }

    /// Applies a step the API carried out (`created` is the new contact of an add). A
    /// contact's version (its ETag) moves exactly when what the API shows of it changes: by its
    /// own edit, its invitation, losing the primary role, or losing its manager.
    fn apply(&mut self, step: &Step, created: Option<&Value>) {
        match step {
            Step::Add { email, phone, is_primary, manager } => {
                let id = created.and_then(|c| c["id"].as_str()).expect("the new contact's id").to_owned();
                let slot = Slot(self.contacts.len());
                if self.live_count() == 0 {
                    self.primary = Some(slot);
                } else if *is_primary == Some(true) {
                    self.move_primary(slot);
                }
                let (email, phone, manager) = (*email, *phone, *manager);
                self.contacts.push(Known {
                    id,
                    live: true,
                    email,
                    phone,
                    mobile: false,
                    title: None,
                    manager,
                    portal: "none",
                    version: 1,
                });
            }
            Step::Patch { slot, is_primary, manager, email, phone, mobile, title, revoke, .. } => {
                let before = self.contacts[slot.0].clone();
                let c = &mut self.contacts[slot.0];
                c.email = email.clone().applied_to(c.email);
                c.phone = phone.clone().applied_to(c.phone.then_some(())).is_some();
                c.mobile = mobile.clone().applied_to(c.mobile.then_some(())).is_some();
                c.title = title.clone().applied_to(c.title);
                c.manager = manager.clone().applied_to(c.manager);
                if *revoke {
                    c.portal = "revoked";
                }
                // An invitation was sent to the old address: it dies with the address.
                if c.portal == "invited" && key(before.email) != key(c.email) {
                    c.portal = "none";
                }
                let promoted = *is_primary == Merge::Set(true) && self.primary != Some(*slot);
                let c = &mut self.contacts[slot.0];
                let shown = |c: &Known| (c.email, c.phone, c.mobile, c.title, c.manager, c.portal);
                if promoted || shown(c) != shown(&before) {
                    c.version += 1;
                }
                if promoted {
                    self.move_primary(*slot);
                }
            }
            Step::Delete { slot, .. } => {
                self.contacts[slot.0].live = false;
                for c in self.contacts.iter_mut().filter(|c| c.manager == Some(*slot)) {
                    c.manager = None;
                    c.version += 1;
                }
                if self.primary == Some(*slot) {
                    self.primary = None;
                }
            }
            Step::Invite { slot } => {
                let c = &mut self.contacts[slot.0];
                c.portal = "invited";
                c.version += 1;
            }
        }
    }

    /// Gives `slot` the primary role; the old primary's version moves with its demotion.
    fn move_primary(&mut self, slot: Slot) {
        if let Some(old) = self.primary.replace(slot) {
            self.contacts[old.0].version += 1;
        }
    }
}

/// The address as uniqueness compares it.
fn key(email: Option<usize>) -> Option<String> {
    email.map(|e| EMAILS[e].to_lowercase())
}

/// How often each kind of step met each answer, over a whole run: proof that the generator
/// reaches the writes themselves, not only their refusals.
#[derive(Default)]
struct Reached(Mutex<BTreeMap<String, u32>>);

impl Reached {
    fn count(&self, step: &Step, (status, code): Answer) {
        let kind = match step {
            Step::Add { .. } => "add",
            Step::Patch { is_primary: Merge::Set(true), .. } => "patch is_primary=true",
            Step::Patch { is_primary, manager, email, revoke, phone, mobile, title, .. }
                if is_primary.is_absent()
                    && manager.is_absent()
                    && email.is_absent()
                    && !revoke
                    && !(phone.is_absent() && mobile.is_absent() && title.is_absent()) =>
            {
                "plain patch"
            }
            Step::Patch { .. } => "patch",
            Step::Delete { .. } => "delete",
            Step::Invite { .. } => "invite",
        };
        *self.0.lock().unwrap().entry(format!("{kind} -> {status} {code}")).or_default() += 1;
    }

    fn times(&self, kind_and_answer: &str) -> u32 {
        self.0.lock().unwrap().get(kind_and_answer).copied().unwrap_or(0)
    }

    fn steps(&self) -> u32 {
        self.0.lock().unwrap().values().sum()
    }
}

impl fmt::Debug for Reached {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} steps", self.steps())?;
        for (answer, times) in self.0.lock().unwrap().iter() {
            write!(f, "\n  {times:4} {answer}")?;
        }
        Ok(())
    }
}

/// One sequence against the API: a fresh tenant and client, the model, and what happened so far.
struct Run<'a> {
    api: &'a TestApi,
    admin: Caller,
    tenant: String,
    client: String,
    /// Makes this sequence's addresses its own (the SES emulator's store is shared).
    tag: String,
    model: Model,
    transcript: Vec<String>,
}

impl<'a> Run<'a> {
    async fn start(api: &'a TestApi) -> Run<'a> {
        let tag = ulid::Ulid::new().to_string().to_lowercase();
        let tenant = format!("model-{tag}");
        let admin = TestApi::admin(&tenant);
        let client = given_client(api, &admin, "Acme").await;
        Run { api, admin, tenant, client, tag, model: Model::default(), transcript: Vec::new() }
    }

    fn address(&self, email: usize) -> String {
        format!("{}.{}@example.com", EMAILS[email], self.tag)
    }

    fn contact_path(&self, slot: Slot) -> String {
        format!("/clients/{}/contacts/{}", self.client, self.model.id(slot))
    }

    /// The `If-Match` header for `slot`: the ETag the model expects it to have, or the one
    /// before (a contact not live is sent its first).
    fn if_match_header(&self, slot: Slot, if_match: IfMatch) -> Option<String> {
        let version = self.model.live(slot).map_or(1, |c| c.version);
        match if_match {
            IfMatch::Absent => None,
            IfMatch::Current => Some(format!("\"v{version}\"")),
            IfMatch::Stale => Some(format!("\"v{}\"", version - 1)),
        }
    }

    async fn send(
        &self,
        method: &str,
        path: &str,
        if_match: Option<String>,
        body: Option<Value>,
    ) -> TestResponse {
        let mut headers = vec![("content-type", "application/merge-patch+json")];
        if let Some(value) = &if_match {
            headers.push(("if-match", value.as_str()));
        }
        let body = body.map(|b| b.to_string());
        self.api.send(&self.admin, method, path, &headers, body).await
    }

    async fn request(&self, step: &Step) -> TestResponse {
        match step {
            Step::Add { email, phone, is_primary, manager } => {
                let mut body = json!({ "last_name": format!("Contact {}", self.model.contacts.len()) });
                if let Some(e) = email {
                    body["email"] = json!(self.address(*e));
                }
                if *phone {
                    body["phone"] = json!(PHONE);
                }
                if let Some(p) = is_primary {
                    body["is_primary"] = json!(p);
                }
                if let Some(m) = manager {
                    body["line_manager_id"] = json!(self.model.id(*m));
                }
                self.api.post(&self.admin, &format!("/clients/{}/contacts", self.client), body).await
            }
            Step::Patch { slot, is_primary, manager, email, phone, mobile, title, revoke, if_match } => {
                let mut body = json!({});
                let mut put = |name: &str, value: Option<Value>| {
                    body[name] = value.unwrap_or(Value::Null);
                };
                match is_primary {
                    Merge::Keep => {}
                    other => put("is_primary", other.clone().applied_to(None).map(|p| json!(p))),
                }
                if !manager.is_absent() {
                    put("line_manager_id", manager.clone().applied_to(None).map(|m| json!(self.model.id(m))));
                }
                if !email.is_absent() {
                    put("email", email.clone().applied_to(None).map(|e| json!(self.address(e))));
                }
                if !phone.is_absent() {
                    put("phone", phone.clone().applied_to(None).map(|()| json!(PHONE)));
                }
                if !mobile.is_absent() {
                    put("mobile", mobile.clone().applied_to(None).map(|()| json!(MOBILE)));
                }
                if !title.is_absent() {
                    put("job_title", title.clone().applied_to(None).map(|t| json!(TITLES[t])));
                }
                if *revoke {
                    put("portal", Some(json!({ "status": "revoked" })));
                }
                let if_match = self.if_match_header(*slot, *if_match);
                self.send("PATCH", &self.contact_path(*slot), if_match, Some(body)).await
            }
            Step::Delete { slot, if_match } => {
                let if_match = self.if_match_header(*slot, *if_match);
                self.send("DELETE", &self.contact_path(*slot), if_match, None).await
            }
            Step::Invite { slot } => {
                self.api.post(&self.admin, &format!("{}/invite", self.contact_path(*slot)), json!({})).await
            }
        }
    }

    /// Runs one step: a clear answer, one the model allows, and the model follows it.
    async fn step(&mut self, step: &Step, reached: &Reached) {
        if matches!(step, Step::Add { .. }) && self.model.contacts.len() == SLOTS {
            self.transcript.push(format!("{step:?} -> skipped: every slot is used"));
            return;
        }
        let allowed = self.model.predict(step);
        let res = self.request(step).await;
        let problem: Option<Value> =
            (res.status >= 400).then(|| serde_json::from_str(&res.body).ok()).flatten();
        let code = problem.as_ref().and_then(|p| p["code"].as_str()).unwrap_or_default().to_owned();
        self.transcript.push(format!("{step:?} -> {} {code}", res.status));
        assert_clear(&res, &self.story());
        let answer =
            allowed.iter().copied().find(|(status, c)| *status == res.status && *c == code).unwrap_or_else(
                || panic!("expected one of {allowed:?}, got {}{}", res.status, self.told(&res)),
            );
        reached.count(step, answer);
        if answer.0 < 300 {
            let created = (answer == CREATED).then(|| res.json());
            self.model.apply(step, created.as_ref());
        }
    }

    /// What happened so far, for a failure message.
    fn story(&self) -> String {
        let lines: Vec<String> =
            self.transcript.iter().enumerate().map(|(i, l)| format!("  {}. {l}", i + 1)).collect();
        format!("tenant {} client {}, steps so far:\n{}", self.tenant, self.client, lines.join("\n"))
    }

    fn told(&self, res: &TestResponse) -> String {
        format!(" {}\n{}", res.body, self.story())
    }

    /// The API shows what the model holds: the client's count and primary, and each contact's
    /// primary flag, manager, email and portal status.
    async fn assert_api_agrees(&self) {
        let client = self.api.get(&self.admin, &format!("/clients/{}", self.client)).await.json();
        let primary_id = self.model.primary.map(|p| self.model.id(p));
        assert_eq!(client["contact_count"], json!(self.model.live_count()), "{}", self.story());
        assert_eq!(client["primary_contact_id"].as_str(), primary_id, "{}", self.story());
        assert_eq!(self.model.primary.is_some(), self.model.live_count() > 0, "the model keeps one primary");

        let path = format!("/clients/{}/contacts?limit=100", self.client);
        let listed = self.api.get(&self.admin, &path).await.json();
        let listed = listed["items"].as_array().expect("items").clone();
        assert_eq!(listed.len(), self.model.live_count(), "{}", self.story());
        for (i, known) in self.model.contacts.iter().enumerate().filter(|(_, c)| c.live) {
            let shown = listed
                .iter()
                .find(|c| c["id"] == known.id.as_str())
                .unwrap_or_else(|| panic!("#{i} is not listed\n{}", self.story()));
            let expected = json!({
                "is_primary": self.model.primary == Some(Slot(i)),
                "line_manager_id": known.manager.map(|m| self.model.id(m)),
                "email": known.email.map(|e| self.address(e)),
                "phone": known.phone.then_some(PHONE),
                "mobile": known.mobile.then_some(MOBILE),
                "job_title": known.title.map(|t| TITLES[t]),
                "portal_status": known.portal,
                "version": known.version,
            });
            let actual = json!({
                "is_primary": shown["is_primary"],
                "line_manager_id": shown["line_manager_id"],
                "email": shown["email"],
                "phone": shown["phone"],
                "mobile": shown["mobile"],
                "job_title": shown["job_title"],
                "portal_status": shown["portal"]["status"],
                "version": shown["version"],
            });
            assert_eq!(actual, expected, "contact #{i}\n{}", self.story());
        }
    }

    /// The table's invariants over this sequence's items: its tenant's, and its tenant's
    /// invitations (keyed by token hash, they name their tenant).
    async fn assert_invariants(&self) {
        let (own_pk, own_prefix) = (format!("TENANT#{}", self.tenant), format!("TENANT#{}#", self.tenant));
        let items: Vec<_> = self
            .api
            .scan()
            .await
            .into_iter()
            .filter(|item| {
                let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).map_or("", String::as_str);
                let pk = text("PK");
                pk == own_pk
                    || pk.starts_with(&own_prefix)
                    || (pk.starts_with("INVITE#") && text("tenant_id") == self.tenant)
            })
            .collect();
        // The checker panics with what broke; the steps that broke it go with it.
        let checked = std::panic::catch_unwind(AssertUnwindSafe(|| testkit::invariants::check(&items)));
        if let Err(cause) = checked {
            let cause = cause
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| cause.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            panic!("invariant broken: {cause}\n{}", self.story());
        }
    }
}

#[test]
fn any_sequence_of_contact_operations_keeps_the_model_and_the_invariants() {
    // One table for the run; each sequence its own tenant and client, so it starts empty.
    let api = runtime().block_on(TestApi::new());
    let reached = Reached::default();
    check(CASES, &steps(), |Steps(steps)| {
        runtime().block_on(async {
            let mut run = Run::start(&api).await;
            for step in &steps {
                run.step(step, &reached).await;
            }
            run.assert_api_agrees().await;
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
    ] {
        assert!(reached.times(writes) >= CASES / 8, "too few `{writes}`: {reached:?}");
    }
    // A plain patch's refusals are read from the item its condition refused: each is reached.
    for refusal in ["404 not-found", "412 precondition-failed", "422 validation-failed"] {
        let answer = format!("plain patch -> {refusal}");
        assert!(reached.times(&answer) >= 1, "no `{answer}`: {reached:?}");
    }
}
