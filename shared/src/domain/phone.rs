//! Phone numbers, normalised to E.164 with the libphonenumber rules of the `phonenumber` crate.
//! Numbers without a `+` country code are read in the tenant-wide default region.

use phonenumber::{country, Mode};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct PhoneNumber(String);

/// The region used for numbers written without a country code (`DEFAULT_PHONE_REGION`).
#[derive(Debug, Clone, Copy)]
pub struct PhoneRegion(country::Id);

impl PhoneRegion {
    pub fn parse(code: &str) -> Option<Self> {
        code.trim().to_uppercase().parse::<country::Id>().ok().map(Self)
    }
}

impl Default for PhoneRegion {
    fn default() -> Self {
        Self(country::Id::US)
    }
}

impl PhoneNumber {
    pub fn parse(raw: &str, region: PhoneRegion) -> Result<Self, String> {
        let raw = raw.trim();
        if raw.len() > 40 {
            return Err("at most 40 characters".to_owned());
        }
        let number =
            phonenumber::parse(Some(region.0), raw).map_err(|_| "must be a phone number".to_owned())?;
        if !phonenumber::is_valid(&number) {
            return Err("is not a valid phone number".to_owned());
        }
        Ok(Self(number.format().mode(Mode::E164).to_string()))
    }

    /// For values read back from the table, which were normalised when written.
    pub fn from_stored(value: String) -> Self {
        Self(value)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::{PhoneNumber, PhoneRegion};

    fn us() -> PhoneRegion {
        PhoneRegion::parse("us").unwrap()
    }

    #[test]
    fn national_numbers_are_read_in_the_default_region() {
        assert_eq!(PhoneNumber::parse("(202) 555-0143", us()).unwrap().as_str(), "+12025550143");
        let gb = PhoneRegion::parse("GB").unwrap();
        assert_eq!(PhoneNumber::parse("07911 123456", gb).unwrap().as_str(), "+447911123456");
    }

    #[test]
    fn international_numbers_keep_their_country() {
        assert_eq!(PhoneNumber::parse("+44 7911 123456", us()).unwrap().as_str(), "+447911123456");
    }

    #[test]
    fn unparseable_or_impossible_numbers_are_refused() {
        for bad in ["12", "call me", "+1 000", "+999 123456789"] {
            assert!(PhoneNumber::parse(bad, us()).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn an_unknown_region_code_is_not_a_region() {
        assert!(PhoneRegion::parse("XX").is_none());
    }
}
