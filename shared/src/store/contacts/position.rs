//! Where a page in name order stopped, as the cursor carries it: the contact's `SK`, its
//! client's id when the page spans clients (the tenant's index), then its name key `GSI2SK`.
//! One client's list (`GSI2`) and a browse of the tenant (`GSI3`) share this codec; a browse
//! by last change (`GSI4`) carries `updated_at` where the others carry the name key.

use super::s;
use crate::domain::ClientId;
use crate::store::error::{StoreError, StoreResult};
use crate::store::tx::Item;
use crate::store::{keys, text_of, Store};

/// Length of a contact item's sort key (`CONTACT#` and a ULID), which a position starts with.
const CONTACT_SK_LEN: usize = keys::CONTACT_SK_PREFIX.len() + 26;
const CLIENT_ID_LEN: usize = 26;

/// Whether a page in name order holds one client's contacts or spans a tenant's clients.
#[derive(Debug, Clone, Copy)]
pub(super) enum Across {
    OneClient,
    Clients,
}

/// The position a page stopped at, from the index key DynamoDB returned.
pub(super) fn name_position(key: Option<&Item>, across: Across) -> Option<String> {
    index_position(key, across, keys::NAME_SK)
}

/// The position a page of an index sorted by `sort` (an attribute) stopped at.
pub(super) fn index_position(key: Option<&Item>, across: Across, sort: &str) -> Option<String> {
    let key = key?;
    let client = match across {
        Across::OneClient => "",
        Across::Clients => text_of(key, keys::PK)?.rsplit("#CLIENT#").next()?,
    };
    Some(format!("{}{client}{}", text_of(key, keys::SK)?, text_of(key, sort)?))
}

/// A position `name_position` made, in its parts: `SK`, the client, the name key.
pub(super) fn split_name_position(
    position: &str,
    across: Across,
) -> StoreResult<(&str, Option<ClientId>, &str)> {
    let client_len = match across {
        Across::OneClient => 0,
        Across::Clients => CLIENT_ID_LEN,
    };
    let short = || StoreError::internal("a name position too short");
    let sk = position.get(..CONTACT_SK_LEN).ok_or_else(short)?;
    let client = position.get(CONTACT_SK_LEN..CONTACT_SK_LEN + client_len).ok_or_else(short)?;
    let name = position.get(CONTACT_SK_LEN + client_len..).ok_or_else(short)?;
    let client = match across {
        Across::OneClient => None,
        Across::Clients => {
            Some(ClientId::parse(client).ok_or_else(|| StoreError::internal("a name position's client"))?)
        }
    };
    Ok((sk, client, name))
}

/// The name index's key to continue after, from a position of one client's contacts (`pk`).
pub(super) fn name_start_key(pk: &str, position: &str) -> StoreResult<Item> {
    let (sk, _, name) = split_name_position(position, Across::OneClient)?;
    let mut key = Store::key(pk.to_owned(), sk);
    key.insert(keys::NAME_SK.into(), s(name));
    Ok(key)
}
