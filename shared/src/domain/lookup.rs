//! How contacts are found by text: a name or address is folded (lower case, accents and other
//! marks transliterated to plain letters by `deunicode`, control characters dropped), and a
//! prefix search compares folded text with folded text, so `mü`, `MU` and `mu` all find
//! `Müller`.

use std::collections::BTreeSet;

use super::ContactFields;

/// The longest term kept for a field, in characters: enough for any name or address a person
/// types the start of, and well within a sort key's 1 KiB.
pub(crate) const MAX_TERM_CHARS: usize = 100;

/// Separates the folded last name from the folded first name in a name sort key: it sorts
/// before every character folding can produce, so `Lee` comes before `Lee Ann`.
const NAME_SEPARATOR: char = '\u{1}';

/// `text` lower-cased with its accents and marks transliterated (`Ægir Müller` → `aegir muller`),
/// control characters dropped, surrounding white space trimmed.
pub fn fold(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    for c in text.chars().filter(|c| !c.is_control()) {
        match deunicode::deunicode_char(c) {
            Some(plain) => folded.push_str(plain),
            // No transliteration known: the character itself.
            None => folded.push(c),
        }
    }
    folded.trim().to_lowercase()
}

/// `fold(text)` cut to `MAX_TERM_CHARS`.
fn term(text: &str) -> String {
    fold(text).chars().take(MAX_TERM_CHARS).collect()
}

/// The folded terms a contact is found by: its last name, first name and email address (each
/// once, however many fields fold to it).
pub fn terms(fields: &ContactFields) -> BTreeSet<String> {
    let mut terms = BTreeSet::new();
    terms.insert(term(fields.last_name.as_str()));
    if let Some(first) = &fields.first_name {
        terms.insert(term(first.as_str()));
    }
    if let Some(email) = &fields.email {
        terms.insert(term(email.as_str()));
    }
    terms.retain(|t| !t.is_empty());
    terms
}

/// The key a client's contacts are sorted by name with: folded last name, then first name.
pub fn name_key(fields: &ContactFields) -> String {
    let first = fields.first_name.as_ref().map(|f| term(f.as_str())).unwrap_or_default();
    format!("{}{NAME_SEPARATOR}{first}", term(fields.last_name.as_str()))
}

/// The first of a contact's `terms` that starts with `prefix` (already folded), if any: the one
/// place a contact appears in a search, however many of its terms match.
pub(crate) fn first_match<'a>(terms: &'a BTreeSet<String>, prefix: &str) -> Option<&'a str> {
    terms.iter().map(String::as_str).find(|t| t.starts_with(prefix))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ContactPatch, Email, Patch, Text};

    fn fields(first: Option<&str>, last: &str, email: Option<&str>) -> ContactFields {
        ContactFields::create(ContactPatch {
            first_name: first.map(|f| Patch::Set(Text::from_stored(f.into()))).unwrap_or_default(),
            last_name: Patch::Set(Text::from_stored(last.into())),
            email: email.map(|e| Patch::Set(Email::parse(e).expect("valid"))).unwrap_or_default(),
            ..ContactPatch::default()
        })
        .expect("valid fields")
    }

    #[test]
    fn folding_lower_cases_and_strips_accents_and_marks() {
        assert_eq!(fold("  Müller "), "muller");
        assert_eq!(fold("ÆGIR Øster"), "aegir oster");
        assert_eq!(fold("José"), fold("JOSE"));
        assert_eq!(fold("Łukasz"), "lukasz");
    }

    #[test]
    fn a_contact_is_found_by_its_last_name_first_name_and_address_each_once() {
        let f = fields(Some("Ada"), "Lovelace", Some("Ada@X.test"));

        let found: Vec<String> = terms(&f).into_iter().collect();

        assert_eq!(found, ["ada", "ada@x.test", "lovelace"]);
        assert_eq!(terms(&fields(Some("Lee"), "LEE", Some("l@x.test"))).len(), 2);
    }

    #[test]
    fn a_contact_appears_once_in_a_search_at_its_first_matching_term() {
        let f = terms(&fields(Some("Ada"), "Adams", Some("ada@x.test")));

        assert_eq!(first_match(&f, "ada"), Some("ada"));
        assert_eq!(first_match(&f, "adam"), Some("adams"));
        assert_eq!(first_match(&f, "b"), None);
    }

    #[test]
    fn names_sort_by_last_name_then_first_name_shorter_last_names_first() {
        let lee = name_key(&fields(Some("Zed"), "Lee", Some("z@x.test")));
        let lee_ann = name_key(&fields(Some("Bob"), "Lee Ann", Some("b@x.test")));
        let leeds = name_key(&fields(None, "Leeds", Some("l@x.test")));

        assert!(lee < lee_ann && lee_ann < leeds, "{lee:?} {lee_ann:?} {leeds:?}");
    }
}
