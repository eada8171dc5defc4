//! Duplicate candidates: two contacts of a tenant that are likely one person entered twice. Each
//! rule gives a contact keys, and two contacts sharing a key of a rule are a candidate pair,
//! shown with the rule that matched. The rules, as a user reads them:
//!
//! - `phone`: the same phone number in any of `phone`, `mobile` and `secondary_phone` (stored
//!   normalised, E.164, so `(202) 555-0143` and `+1 202 555 0143` are one number), across the
//!   tenant's clients;
//! - `name`: the same first and last name at the same client, compared folded (case, accents
//!   and surrounding blanks aside: `Zoë Lee` and `zoe lee`);
//! - `email`: the same address but for dots and a `+suffix` in the part before the `@`
//!   (`ada.lovelace+crm@acme.example` and `adalovelace@acme.example`), across the tenant's
//!   clients. Equal addresses cannot meet: an address belongs to one contact of a tenant.
//!
//! Pure: the keys of a contact follow from its fields alone.

use std::collections::BTreeSet;

use super::lookup::{fold, name_key};
use super::Contact;

/// A rule that makes two contacts duplicate candidates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DuplicateRule {
    Phone,
    Name,
    Email,
}

impl DuplicateRule {
    pub const ALL: [Self; 3] = [Self::Phone, Self::Name, Self::Email];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Phone => "phone",
            Self::Name => "name",
            Self::Email => "email",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == raw)
    }
}

/// The keys `contact` has: a rule and what it compares, each once.
pub fn keys(contact: &Contact) -> BTreeSet<(DuplicateRule, String)> {
    let f = &contact.fields;
    let mut keys = BTreeSet::new();
    for phone in [&f.phone, &f.mobile, &f.secondary_phone].into_iter().flatten() {
        keys.insert((DuplicateRule::Phone, phone.as_str().to_owned()));
    }
    keys.insert((DuplicateRule::Name, format!("{}#{}", contact.client_id, name_key(f))));
    if let Some(alias) = f.email.as_ref().and_then(|e| email_alias(e.as_str())) {
        keys.insert((DuplicateRule::Email, alias));
    }
    keys
}

/// The address with dots and a `+suffix` taken out of its local part, folded: what the `email`
/// rule compares. None for an address without an `@` (never stored).
pub fn email_alias(address: &str) -> Option<String> {
    let (local, domain) = address.rsplit_once('@')?;
    let local = local.split('+').next().unwrap_or_default().replace('.', "");
    Some(format!("{}@{}", fold(&local), fold(domain)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{
        ClientId, ContactFields, ContactId, ContactPatch, Email, Patch, PhoneNumber, Stamp, Text,
    };

    fn contact(
        client: ClientId,
        first: Option<&str>,
        last: &str,
        email: Option<&str>,
        phone: Option<&str>,
    ) -> Contact {
        let stamp = Stamp { at: "2026-12-07T10:00:00Z".into(), by: "u".into() };
        let patch = ContactPatch {
            first_name: first.map_or(Patch::Absent, |f| Patch::Set(Text::from_stored(f.into()))),
            last_name: Patch::Set(Text::from_stored(last.into())),
            email: email.map_or(Patch::Absent, |e| Patch::Set(Email::parse(e).expect("an address"))),
            phone: phone.map_or(Patch::Absent, |p| Patch::Set(PhoneNumber::from_stored(p.into()))),
            ..ContactPatch::default()
        };
        Contact::new(ContactId::generate(), client, ContactFields::create(patch).expect("valid"), &stamp)
    }

    fn shared(a: &Contact, b: &Contact) -> Vec<DuplicateRule> {
        keys(a).intersection(&keys(b)).map(|(rule, _)| *rule).collect()
    }

    #[test]
    fn one_number_in_two_contacts_of_any_clients_is_the_phone_rule() {
        let (acme, globex) = (ClientId::generate(), ClientId::generate());
        let a = contact(acme, Some("Ada"), "Lovelace", None, Some("+12025550143"));
        let b = contact(globex, Some("Grace"), "Hopper", None, Some("+12025550143"));
        assert_eq!(shared(&a, &b), [DuplicateRule::Phone]);
    }

    #[test]
    fn one_folded_name_at_one_client_is_the_name_rule_and_at_two_clients_is_none() {
        let (acme, globex) = (ClientId::generate(), ClientId::generate());
        let a = contact(acme, Some("Zoë"), "Lee", None, Some("+12025550143"));
        let b = contact(acme, Some(" zoe"), "LEE", None, Some("+12025550144"));
        let c = contact(globex, Some("Zoe"), "Lee", None, Some("+12025550145"));
        assert_eq!(shared(&a, &b), [DuplicateRule::Name]);
        assert!(shared(&a, &c).is_empty());
    }

    #[test]
    fn an_address_but_for_dots_and_a_plus_suffix_is_the_email_rule() {
        let acme = ClientId::generate();
        let a = contact(acme, None, "A", Some("Ada.Lovelace+crm@Acme.example"), None);
        let b = contact(acme, None, "B", Some("adalovelace@acme.example"), None);
        let c = contact(acme, None, "C", Some("adalovelace@acme.test"), None);
        assert_eq!(shared(&a, &b), [DuplicateRule::Email]);
        assert!(shared(&b, &c).is_empty());
    }

    #[test]
    fn rules_read_and_print_by_name() {
        for rule in DuplicateRule::ALL {
            assert_eq!(DuplicateRule::parse(rule.as_str()), Some(rule));
        }
        assert_eq!(DuplicateRule::parse("fax"), None);
    }
}
