//! Postal address. Every part is optional; the country is an ISO 3166-1 alpha-2 code.
//! In a merge patch the address merges field by field, as RFC 7396 prescribes for objects.

use serde::Serialize;

use super::fields::FieldReader;
use super::patch::Patch;
use super::text::Text;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Address {
    pub line1: Option<Text>,
    pub line2: Option<Text>,
    pub city: Option<Text>,
    pub region: Option<Text>,
    pub postal_code: Option<Text>,
    pub country: Option<CountryCode>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct CountryCode(String);

impl CountryCode {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let code = raw.trim().to_ascii_uppercase();
        if code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase()) {
            Ok(Self(code))
        } else {
            Err("must be an ISO 3166-1 alpha-2 country code such as GB".to_owned())
        }
    }

    pub fn from_stored(value: String) -> Self {
        Self(value)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, Default)]
pub struct AddressPatch {
    line1: Patch<Text>,
    line2: Patch<Text>,
    city: Patch<Text>,
    region: Patch<Text>,
    postal_code: Patch<Text>,
    country: Patch<CountryCode>,
}

impl AddressPatch {
    pub fn read(r: &mut FieldReader) -> Self {
        Self {
            line1: r.text("line1", 200),
            line2: r.text("line2", 200),
            city: r.text("city", 100),
            region: r.text("region", 100),
            postal_code: r.text("postal_code", 20),
            country: r.parsed("country", CountryCode::parse),
        }
    }
}

impl Address {
    fn is_empty(&self) -> bool {
        *self == Address::default()
    }

    /// Applies an `address` member of a merge patch to the current address.
    pub fn patched(current: Option<Address>, patch: Patch<AddressPatch>) -> Option<Address> {
        let patch = match patch {
            Patch::Absent => return current,
            Patch::Null => return None,
            Patch::Set(p) => p,
        };
        let base = current.unwrap_or_default();
        let merged = Address {
            line1: patch.line1.apply(base.line1),
            line2: patch.line2.apply(base.line2),
            city: patch.city.apply(base.city),
            region: patch.region.apply(base.region),
            postal_code: patch.postal_code.apply(base.postal_code),
            country: patch.country.apply(base.country),
        };
        (!merged.is_empty()).then_some(merged)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn patch(v: serde_json::Value) -> Patch<AddressPatch> {
        let mut r = FieldReader::new(json!({ "address": v }).as_object().unwrap().clone());
        let p = r.object("address", AddressPatch::read);
        assert!(r.finish().is_empty());
        p
    }

    #[test]
    fn an_address_patch_merges_field_by_field() {
        let current = Address::patched(None, patch(json!({ "city": "Leeds", "country": "gb" })));
        let merged = Address::patched(current, patch(json!({ "line1": "1 Main St", "city": null }))).unwrap();
        assert_eq!(merged.line1.unwrap().as_str(), "1 Main St");
        assert_eq!(merged.city, None);
        assert_eq!(merged.country.unwrap().as_str(), "GB");
    }

    #[test]
    fn an_address_with_nothing_left_is_no_address() {
        let current = Address::patched(None, patch(json!({ "city": "Leeds" })));
        assert_eq!(Address::patched(current, patch(json!({ "city": null }))), None);
    }
}
