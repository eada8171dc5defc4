//! Email bodies rendered from the templates in `shared/templates/`. Templates whose name ends
//! in `.html` escape every value, so names and text from users cannot inject markup; the one
//! exception, a notification's own HTML, is passed through `email::sanitize` first.

use std::sync::OnceLock;

use minijinja::Environment;
use serde::Serialize;

use crate::error::{ServiceError, ServiceResult};

fn environment() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        for (name, source) in [
            ("invite.txt", include_str!("../../templates/invite.txt")),
            ("invite.html", include_str!("../../templates/invite.html")),
            ("password-reset.txt", include_str!("../../templates/password-reset.txt")),
            ("password-reset.html", include_str!("../../templates/password-reset.html")),
            ("notification.txt", include_str!("../../templates/notification.txt")),
            ("notification.html", include_str!("../../templates/notification.html")),
            ("support-reminder.txt", include_str!("../../templates/support-reminder.txt")),
            ("support-reminder.html", include_str!("../../templates/support-reminder.html")),
            ("support-ended.txt", include_str!("../../templates/support-ended.txt")),
            ("support-ended.html", include_str!("../../templates/support-ended.html")),
        ] {
            env.add_template(name, source).expect("bundled templates parse");
        }
        env
    })
}

/// A text part and an HTML part, from `<name>.txt` and `<name>.html`.
pub struct Rendered {
    pub text: String,
    pub html: String,
}

pub fn render(name: &str, context: &impl Serialize) -> ServiceResult<Rendered> {
    let part = |ext: &str| {
        environment()
            .get_template(&format!("{name}.{ext}"))
            .and_then(|t| t.render(context))
            .map_err(|e| ServiceError::failed(format!("template {name}.{ext}"), e))
    };
    Ok(Rendered { text: part("txt")?, html: part("html")? })
}

#[cfg(test)]
mod tests {
    use super::render;
    use serde_json::json;

    #[test]
    fn html_parts_escape_values_and_text_parts_keep_them() {
        let context = json!({
            "contact_name": "<b>Ada</b>", "sender_name": "Acme", "client_name": "Tom & Co",
            "link": "https://portal.test/accept-invite#token=abc", "expires_at": "2026-11-24T10:00:00Z",
        });
        let out = render("invite", &context).unwrap();
        assert!(out.html.contains("&lt;b&gt;Ada&lt;&#x2f;b&gt;"), "{}", out.html);
        assert!(
            out.html.contains("href=\"https://portal.test/accept-invite#token=abc\""),
            "the link is usable as is"
        );
        assert!(out.html.contains("Tom &amp; Co"));
        assert!(out.text.contains("<b>Ada</b>"));
        assert!(out.text.contains("https://portal.test/accept-invite#token=abc"));
    }

    #[test]
    fn the_password_reset_email_carries_its_link_in_both_parts_and_escapes_names_in_html() {
        let context = json!({
            "contact_name": "<i>Ada</i>", "sender_name": "Acme", "client_name": "Tom & Co",
            "link": "https://portal.test/reset-password#token=abc", "expires_at": "2026-11-24T10:00:00Z",
        });
        let out = render("password-reset", &context).unwrap();
        assert!(out.html.contains("href=\"https://portal.test/reset-password#token=abc\""), "{}", out.html);
        assert!(out.html.contains("&lt;i&gt;Ada") && out.html.contains("Tom &amp; Co"), "{}", out.html);
        assert!(out.text.contains("https://portal.test/reset-password#token=abc"));
        assert!(out.text.contains("2026-11-24T10:00:00Z"));
    }
}
