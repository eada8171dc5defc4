//! Structured JSON logs, one object per line, with the request's span fields (request id,
//! X-Ray trace id, route, tenant) on every line. The level is `RUST_LOG` if set, else the one
//! Lambda passes from the function's logging configuration (`AWS_LAMBDA_LOG_LEVEL`), else
//! `info`. Nothing logged carries a token, a password or an email body: handlers log ids,
//! codes and counts.

use tracing::Subscriber;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::EnvFilter;

/// The service's log format, writing to `writer`.
pub fn subscriber<W>(writer: W, filter: EnvFilter) -> impl Subscriber + Send + Sync
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(true)
        .with_span_list(false)
        .with_target(false)
        .with_env_filter(filter)
        .with_writer(writer)
        .finish()
}

pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(lambda_log_level(crate::config::lambda_log_level())));
    // A second init (tests) is harmless: keep the first subscriber.
    let _ = subscriber(std::io::stdout, filter).try_init();
}

/// The filter for Lambda's application log level (`TRACE` .. `FATAL`); `info` without one.
fn lambda_log_level(level: Option<String>) -> String {
    match level.map(|l| l.to_ascii_lowercase()).as_deref() {
        Some(l @ ("trace" | "debug" | "info" | "warn" | "error")) => l.to_owned(),
        // tracing has no level above error
        Some("fatal") => "error".to_owned(),
        _ => "info".to_owned(),
    }
}

/// The X-Ray trace id (`1-5759e988-bd862e3fe1be46a994272793`) in a trace header
/// (`Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1`), which is
/// what the X-Ray console and CloudWatch search by; `-` without one.
pub fn trace_id(header: Option<&str>) -> String {
    let header = header.unwrap_or_default();
    let root = header.split(';').find_map(|part| part.trim().strip_prefix("Root="));
    match root {
        Some(id) if !id.is_empty() => id.to_owned(),
        _ => "-".to_owned(),
    }
}

/// An error with every source under it, `outer: inner: ...`: what a log line says of a failure.
pub fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// `text` with every email address in it replaced by `<address>`: for the words of another
/// service (SES names a message's recipient when it refuses it) on their way into a log line,
/// which must hold no address. An address is a run of the characters an address may hold with
/// an `@` inside it.
pub(crate) fn redact_addresses(text: &str) -> String {
    let in_address = |c: char| c.is_alphanumeric() || "@.!#$%&'*+/=?^_`{|}~-".contains(c);
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        let is_address =
            word.split_once('@').is_some_and(|(local, domain)| !local.is_empty() && !domain.is_empty());
        out.push_str(if is_address { "<address>" } else { word });
        word.clear();
    };
    for c in text.chars() {
        if in_address(c) {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_address_in_a_text_is_replaced_and_the_rest_kept() {
        let ses = "Address blacklisted: <Ada.Lovelace+x@acme.example>, also bob@b.test. Code 554";

        assert_eq!(redact_addresses(ses), "Address blacklisted: <<address>>, also <address> Code 554");
    }

    #[test]
    fn text_without_an_address_is_unchanged() {
        for text in ["MessageRejected: Email address is not verified.", "a @ b", "@handle", "x@", ""] {
            assert_eq!(redact_addresses(text), text);
        }
    }

    #[test]
    fn the_trace_id_is_the_root_of_the_trace_header() {
        let header = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";

        assert_eq!(trace_id(Some(header)), "1-5759e988-bd862e3fe1be46a994272793");
        assert_eq!(trace_id(Some("Sampled=0;Root=1-a-b")), "1-a-b");
    }

    #[test]
    fn without_a_trace_header_the_trace_id_is_a_dash() {
        assert_eq!(trace_id(None), "-");
        assert_eq!(trace_id(Some("Parent=53995c3f42cd8ad8")), "-");
    }

    #[test]
    fn lambdas_log_level_becomes_the_filter_level() {
        assert_eq!(lambda_log_level(Some("DEBUG".into())), "debug");
        assert_eq!(lambda_log_level(Some("FATAL".into())), "error");
        assert_eq!(lambda_log_level(Some("nonsense".into())), "info");
        assert_eq!(lambda_log_level(None), "info");
    }

    #[test]
    fn an_internal_error_is_told_with_every_cause_under_it() {
        let cause = std::io::Error::other("connection reset");
        #[derive(Debug, thiserror::Error)]
        #[error("internal error")]
        struct Internal(#[source] crate::domain::error::BoxError);
        let err = Internal(crate::domain::error::Failed::boxed("PutItem", cause));
        assert_eq!(chain(&err), "internal error: PutItem: connection reset");
        let kept = std::error::Error::source(&err).and_then(|what| what.source());
        assert!(
            kept.is_some_and(|cause| cause.is::<std::io::Error>()),
            "the cause is kept as the error it was"
        );
    }
}
