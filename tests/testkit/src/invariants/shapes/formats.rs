//! The forms ids and times take in keys: checked here against their written form, never by
//! the service's own parsers.

/// A tenant id as keys may hold it: 1-64 characters of `[A-Za-z0-9_-]`.
pub(crate) fn tenant_shaped(t: &str) -> bool {
    (1..=64).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// A client or contact id: a ULID (26 characters of Crockford base 32, upper case).
pub(crate) fn ulid(id: &str) -> Option<&str> {
    let crockford = |b: u8| b.is_ascii_digit() || (b.is_ascii_uppercase() && !b"ILOU".contains(&b));
    (id.len() == 26 && id.bytes().all(crockford)).then_some(id)
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ`: the one form whose text order is time order.
pub(super) fn activity_time(text: &str) -> bool {
    let b = text.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    b.len() == 24
        && digits(0..4)
        && (b[4], b[7], b[10], b[13], b[16], b[19], b[23]) == (b'-', b'-', b'T', b':', b':', b'.', b'Z')
        && digits(5..7)
        && digits(8..10)
        && digits(11..13)
        && digits(14..16)
        && digits(17..19)
        && digits(20..23)
}

/// 64 lower-case hex digits: how token hashes and request fingerprints are stored.
pub(super) fn hex64(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}
