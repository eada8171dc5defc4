//! Sending email through SES v2. Throttling and transient failures are retried with
//! exponential backoff by the SDK's standard retry strategy; what is left after that is
//! classified here into errors a caller can act on.

pub mod sanitize;
pub mod templates;

use aws_sdk_sesv2::error::ProvideErrorMetadata;
use aws_sdk_sesv2::operation::send_email::SendEmailError;
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message, MessageTag};

use crate::config::EmailConfig;
use crate::domain::activity::EmailKind;
use crate::domain::dates::Clock;
use crate::domain::settings::Fallbacks;
use crate::domain::{ClientId, ContactId, Email, TenantId};
use crate::error::{EmailError, ServiceError, ServiceResult};
use crate::quota::Quota;
use crate::store::Store;
pub use record::Sent;
pub use templates::{render, Rendered};

mod record;

/// One SES attempt that has not answered after this is abandoned and retried: SES answers in
/// well under a second, and a connection that hangs must not use up the function's time.
pub const ATTEMPT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);
/// One send, all attempts and backoff included, gives up after this: an invitation must still
/// have time to undo itself before its function's 10 s timeout, and a notification's last send
/// must end before API Gateway's 30 s (`notify::SEND_BUDGET` + this < 30 s).
pub const SEND_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(6);
/// The first retry waits up to this (jittered), doubling after: with 4 attempts at most
/// 0.5 + 1 + 2 s of waiting, so every attempt fits in `SEND_TIMEOUT` (the SDK's 1 s default
/// would wait up to 7 s and cut the last attempts off).
pub(crate) const INITIAL_BACKOFF: std::time::Duration = std::time::Duration::from_millis(500);

/// What sending email in a tenant's name needs: the store (invitations, due contacts, quota
/// records), the time, the sender and the email settings.
#[derive(Clone, Copy)]
pub struct Mailing<'a> {
    pub store: &'a Store,
    pub clock: &'a dyn Clock,
    pub mailer: &'a Mailer,
    pub email: &'a EmailConfig,
    /// Where the links in these emails lead: `email.portal_url`, or, where that is empty, the
    /// portal pages on the domain the request came in on (`http::Call::portal_url`).
    pub portal_url: &'a str,
}

impl<'a> Mailing<'a> {
    /// The same mailing, its links leading to `portal_url`.
    pub(crate) fn linking_to(self, portal_url: &'a str) -> Self {
        Self { portal_url, ..self }
    }

    /// The tenant quota these emails count against.
    pub fn quota(&self) -> Quota<'a> {
        Quota { store: self.store, clock: self.clock, daily_limit: self.email.daily_quota }
    }

    /// What a tenant's settings fall back to: the deployment's sender name and invitation
    /// lifetime.
    pub(crate) fn fallbacks(&self) -> Fallbacks<'a> {
        Fallbacks { signature_name: &self.mailer.sender_name, invite_ttl_hours: self.email.invite_ttl_hours }
    }
}

pub struct OutgoingEmail<'a> {
    pub to: &'a Email,
    pub subject: &'a str,
    pub body: Rendered,
    /// Whose email this is, as its SES message tags say.
    pub about: Addressee<'a>,
}

/// The contact an email is for and which email it is: sent as SES message tags, so that SES's
/// delivery events name their contact without a look-up (`feedback`). Tag values may hold
/// only `[A-Za-z0-9_-]`: ids are ULIDs, tenant ids are restricted to that alphabet
/// (`domain::ids`), and kinds are `[a-z_]`.
#[derive(Debug, Clone, Copy)]
pub struct Addressee<'a> {
    pub tenant: &'a TenantId,
    pub client: ClientId,
    pub contact: ContactId,
    pub kind: EmailKind,
}

impl Addressee<'_> {
    fn tags(&self) -> ServiceResult<Vec<MessageTag>> {
        [
            (TAG_TENANT, self.tenant.to_string()),
            (TAG_CLIENT, self.client.to_string()),
            (TAG_CONTACT, self.contact.to_string()),
            (TAG_KIND, self.kind.as_str().to_owned()),
        ]
        .into_iter()
        .map(|(name, value)| {
            MessageTag::builder().name(name).value(value).build().map_err(ServiceError::internal)
        })
        .collect()
    }
}

/// The message tags every email carries (and `feedback` reads back).
pub(crate) const TAG_TENANT: &str = "tenant";
pub(crate) const TAG_CLIENT: &str = "client";
pub(crate) const TAG_CONTACT: &str = "contact";
pub(crate) const TAG_KIND: &str = "email_kind";

#[derive(Clone)]
pub struct Mailer {
    ses: aws_sdk_sesv2::Client,
    sender: String,
    pub sender_name: String,
    /// The SES configuration set every email names (`SES_CONFIGURATION_SET`): its event
    /// destination publishes the delivery events `record-email-event` records.
    configuration_set: Option<String>,
}

impl Mailer {
    pub fn new(
        ses: aws_sdk_sesv2::Client,
        sender: impl Into<String>,
        sender_name: impl Into<String>,
    ) -> Self {
        Self { ses, sender: sender.into(), sender_name: sender_name.into(), configuration_set: None }
    }

    /// The same mailer, naming `set` (if any) on every email.
    pub fn with_configuration_set(mut self, set: Option<String>) -> Self {
        self.configuration_set = set;
        self
    }

    pub fn client(&self) -> aws_sdk_sesv2::Client {
        self.ses.clone()
    }

    /// Sends one email; returns the SES message id.
    pub async fn send(&self, email: OutgoingEmail<'_>) -> ServiceResult<String> {
        let text =
            |s: &str| Content::builder().data(s).charset("UTF-8").build().map_err(ServiceError::internal);
        let message = Message::builder()
            .subject(text(email.subject)?)
            .body(Body::builder().text(text(&email.body.text)?).html(text(&email.body.html)?).build())
            .build();
        let result = self
            .ses
            .send_email()
            .from_email_address(&self.sender)
            .destination(Destination::builder().to_addresses(email.to.as_str()).build())
            .content(EmailContent::builder().simple(message).build())
            .set_configuration_set_name(self.configuration_set.clone())
            .set_email_tags(Some(email.about.tags()?))
            .send()
            .await;
        match result {
            Ok(out) => Ok(out.message_id.unwrap_or_default()),
            Err(err) => Err(classify(err.into_service_error()).into()),
        }
    }
}

/// Refusals of this message, which no retry will change, versus SES being unavailable: still
/// throttled, failing or silent after the retries, or refusing every message until the
/// account is put right (sending paused or suspended, sender domain or configuration set
/// missing), which a later try can get through. Either keeps SES's code and words for the
/// log line of whoever handles it; they name the account's identities, sandbox state and
/// region, so `http::problem` never shows them to API callers. SES's words may name the
/// recipient too: they are kept with every address replaced, so no log line holds one.
fn classify(err: SendEmailError) -> EmailError {
    let words = crate::telemetry::redact_addresses(err.message().unwrap_or("no detail"));
    let detail = format!("{}: {words}", err.code().unwrap_or("error"));
    match err {
        SendEmailError::MessageRejected(_) | SendEmailError::BadRequestException(_) => {
            EmailError::Rejected(detail.into())
        }
        _ => EmailError::Unavailable(detail.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_sesv2::types::error::{MessageRejected, SendingPausedException, TooManyRequestsException};

    #[test]
    fn a_rejected_message_is_permanent_and_throttling_is_unavailability() {
        let rejected = SendEmailError::MessageRejected(MessageRejected::builder().message("bad").build());
        let throttled = SendEmailError::TooManyRequestsException(TooManyRequestsException::builder().build());
        assert!(matches!(classify(rejected), EmailError::Rejected(_)));
        assert!(matches!(classify(throttled), EmailError::Unavailable(_)));
    }

    #[test]
    fn a_refusal_keeps_ses_code_and_words_without_the_address_they_name() {
        let said = "Address blacklisted: ada@acme.example";
        let meta =
            aws_sdk_sesv2::error::ErrorMetadata::builder().code("MessageRejected").message(said).build();
        let rejected = SendEmailError::MessageRejected(MessageRejected::builder().meta(meta).build());

        let logged = crate::telemetry::chain(&classify(rejected));

        assert_eq!(logged, "the email was refused: MessageRejected: Address blacklisted: <address>");
    }

    #[test]
    fn an_account_that_cannot_send_yet_is_unavailability_not_a_refusal_of_the_message() {
        let paused = SendEmailError::SendingPausedException(SendingPausedException::builder().build());
        assert!(matches!(classify(paused), EmailError::Unavailable(_)));
    }
}
