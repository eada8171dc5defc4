//! An SES v2 proxy between the SDK and aws-ses-v2-local: it forwards every call byte for byte,
//! records each send (`POST /v2/email/outbound-emails`) with its recipients and text, and can
//! fail chosen sends the way SES fails them. Errors have SES's restJson1 shape, which the SDK
//! parses into its modeled errors and classifies for retry: the status, the error code in
//! `x-amzn-errortype` (with the namespace suffix SES adds, which the SDK strips) and the message
//! in a JSON body.

use std::sync::{Arc, Mutex};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Method, Request, Response};
use serde_json::Value;

use super::{relay, Answer, Dropped, Upstream};

const SEND_PATH: &str = "/v2/email/outbound-emails";

/// How a chosen send fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SesFault {
    /// 429 `TooManyRequestsException` without reaching SES: throttling, retried with backoff.
    Throttle,
    /// 500 `InternalFailure` without reaching SES: transient, retried.
    InternalError,
    /// 400 `MessageRejected` without reaching SES: permanent, not retried.
    Reject,
    /// `Reject` with this message, as SES words its refusals (which name identities, regions
    /// and account state).
    RejectSaying(&'static str),
    /// `Reject` with a message naming the recipients, as SES words some refusals ("Address
    /// blacklisted: ...", the sandbox's unverified identities).
    RejectNamingRecipients,
    /// The connection closes before the send reaches SES.
    DropConnection,
    /// The email is sent, then the connection closes without an answer: the caller cannot know
    /// it went.
    DropAfterSend,
    /// The send never reaches SES and is never answered: the connection stays open and silent
    /// until the caller gives up.
    Hang,
}

/// One send the proxy saw.
#[derive(Debug, Clone, PartialEq)]
pub struct SesSend {
    /// `Destination.ToAddresses`.
    pub to: Vec<String>,
    /// The text part (`Content.Simple.Body.Text.Data`).
    pub text: String,
    /// What the caller got back: the HTTP status, or 0 when the connection closed unanswered.
    pub status: u16,
    /// Whether the send reached the emulator (whose store then holds the message).
    pub delivered: bool,
    /// `ConfigurationSetName`.
    pub configuration_set: Option<String>,
    /// `EmailTags`, as name and value.
    pub tags: Vec<(String, String)>,
}

#[derive(Debug)]
struct Rule {
    /// Only sends to this address; any send when None.
    to: Option<String>,
    fault: SesFault,
    times: usize,
}

#[derive(Default)]
struct State {
    sends: Vec<SesSend>,
    rules: Vec<Rule>,
}

#[derive(Clone)]
pub struct SesProxy {
    pub url: String,
    state: Arc<Mutex<State>>,
}

impl SesProxy {
    /// Starts a proxy on 127.0.0.1 (a free port) in front of the emulator at `upstream`.
    pub async fn start(upstream: &str) -> Self {
        let (url, state) = super::start(upstream, forward).await;
        Self { url, state }
    }

    /// The next `times` sends fail with `fault`.
    pub fn fail_next(&self, times: usize, fault: SesFault) {
        self.add_rule(Rule { to: None, fault, times });
    }

    /// The next `times` sends to `address` fail with `fault`; sends to others go through.
    pub fn fail_next_to(&self, address: &str, times: usize, fault: SesFault) {
        self.add_rule(Rule { to: Some(address.to_owned()), fault, times });
    }

    /// The sends seen since the last `take_sends`, in the order they arrived.
    pub fn take_sends(&self) -> Vec<SesSend> {
        std::mem::take(&mut self.state.lock().expect("proxy state").sends)
    }

    fn add_rule(&self, rule: Rule) {
        self.state.lock().expect("proxy state").rules.push(rule);
    }

    /// The fault of the first rule (in the order they were added) that applies to a send to
    /// `to`, used up by one.
    fn take_fault(state: &Mutex<State>, to: &[String]) -> Option<SesFault> {
        let mut state = state.lock().expect("proxy state");
        let at = state.rules.iter().position(|r| r.to.as_ref().is_none_or(|a| to.contains(a)))?;
        let rule = &mut state.rules[at];
        let fault = rule.fault;
        rule.times -= 1;
        if rule.times == 0 {
            state.rules.remove(at);
        }
        Some(fault)
    }
}

/// An error as SES v2 answers it.
fn error_response(status: u16, code: &str, message: &str) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("x-amzn-errortype", format!("{code}:http://internal.amazon.com/coral/com.amazonaws.sesv2/"))
        .header("x-amzn-requestid", ulid::Ulid::new().to_string())
        .body(Full::new(Bytes::from(serde_json::json!({ "message": message }).to_string())))
        .expect("error response")
}

async fn forward(req: Request<Incoming>, state: Arc<Mutex<State>>, upstream: Upstream) -> Answer {
    let (parts, body) = req.into_parts();
    let bytes = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let unreachable = || error_response(500, "InternalFailure", "the SES emulator did not answer");
    if parts.method != Method::POST || parts.uri.path() != SEND_PATH {
        return Ok(upstream.send(&parts, bytes).await.map_or_else(unreachable, |(p, b)| relay(&p, b)));
    }

    let requested = requested_send(&bytes);
    let fault = SesProxy::take_fault(&state, &requested.to);
    let record = |status: u16, delivered: bool| {
        let send = SesSend { status, delivered, ..requested.clone() };
        state.lock().expect("proxy state").sends.push(send);
    };

    if let Some(response) = fault.and_then(|f| injected_error(f, &requested.to)) {
        record(response.status().as_u16(), false);
        return Ok(response);
    }
    if fault == Some(SesFault::Hang) {
        record(0, false);
        // Longer than any client waits; the caller's timeout ends the exchange, not this.
        tokio::time::sleep(std::time::Duration::from_secs(120)).await;
        return Err(Dropped);
    }
    if fault == Some(SesFault::DropConnection) {
        record(0, false);
        return Err(Dropped);
    }
    let Some((parts, bytes)) = upstream.send(&parts, bytes).await else {
        record(500, false);
        return Ok(unreachable());
    };
    if fault == Some(SesFault::DropAfterSend) {
        record(0, parts.status.is_success());
        return Err(Dropped);
    }
    record(parts.status.as_u16(), parts.status.is_success());
    Ok(relay(&parts, bytes))
}

/// What a `SendEmail` request asks for (recipients, text, configuration set, tags), before any
/// answer: unanswered and undelivered until the proxy records how it went.
fn requested_send(bytes: &[u8]) -> SesSend {
    let request: Value = serde_json::from_slice(bytes).unwrap_or(Value::Null);
    let to: Vec<String> = request["Destination"]["ToAddresses"]
        .as_array()
        .map(|a| a.iter().filter_map(|t| t.as_str().map(str::to_owned)).collect())
        .unwrap_or_default();
    let text = request["Content"]["Simple"]["Body"]["Text"]["Data"].as_str().unwrap_or_default().to_owned();
    let configuration_set = request["ConfigurationSetName"].as_str().map(str::to_owned);
    let tags: Vec<(String, String)> = request["EmailTags"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| Some((t["Name"].as_str()?.to_owned(), t["Value"].as_str()?.to_owned())))
        .collect();
    SesSend { to, text, status: 0, delivered: false, configuration_set, tags }
}

/// The error SES answers for `fault` to a send to `to` without the send reaching it; None for
/// the faults that are not an answer (a closed or silent connection, or a lost answer after
/// the send).
fn injected_error(fault: SesFault, to: &[String]) -> Option<Response<Full<Bytes>>> {
    match fault {
        SesFault::Throttle => {
            Some(error_response(429, "TooManyRequestsException", "Maximum sending rate exceeded."))
        }
        SesFault::InternalError => Some(error_response(500, "InternalFailure", "Internal failure.")),
        SesFault::Reject => Some(error_response(
            400,
            "MessageRejected",
            "Email address is not verified (rejected by the test proxy).",
        )),
        SesFault::RejectSaying(message) => Some(error_response(400, "MessageRejected", message)),
        SesFault::RejectNamingRecipients => {
            let message = format!("Address blacklisted: {}", to.join(", "));
            Some(error_response(400, "MessageRejected", &message))
        }
        _ => None,
    }
}
