//! What an export is asked for with: `format` (`csv`, the default, or `json`) and the browse
//! filters (`GET /contacts` without `q` or `email`), `client_ids` being the body's spelling of
//! browse's `client_id`, and `custom` an object of `custom.<key>` filters, checked by the
//! tenant's custom fields.

use serde_json::{Map, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::domain::custom_field::CustomFields;
use crate::domain::export::ExportFormat;
use crate::domain::fields::FieldReader;
use crate::domain::{ClientId, DomainError, EmailStatus, NotificationTopic, Patch, PortalStatus, TagId};
use crate::store::{Browse, CustomFilter, MAX_BROWSE_CLIENTS};

#[derive(Debug, Clone)]
pub struct ExportRequest {
    pub format: ExportFormat,
    pub browse: Browse,
}

impl ExportRequest {
    /// Reads a request body; every bad or unknown field is reported at once (422). `custom`
    /// filters are read by the tenant's custom fields.
    pub fn parse(body: Map<String, Value>, fields: &CustomFields) -> Result<Self, DomainError> {
        let mut r = FieldReader::new(body);
        let format = r.exact("format", ExportFormat::parse);
        let clients = r.list("client_ids", MAX_BROWSE_CLIENTS, |raw| {
            ClientId::parse(raw.trim()).ok_or_else(|| "must be a client id".to_owned())
        });
        let browse = Browse {
            clients: set(clients).map(sorted).unwrap_or_default(),
            topic: set(r.exact("topic", NotificationTopic::parse)),
            portal_status: set(r.exact("portal_status", PortalStatus::parse)),
            email_status: set(r.exact("email_status", EmailStatus::parse)),
            has_email: set(r.boolean("has_email")),
            updated_since: set(r.exact("updated_since", |raw| {
                OffsetDateTime::parse(raw.trim(), &Rfc3339)
                    .map_err(|_| "must be an RFC 3339 date-time".to_owned())
            })),
            tag: set(r.exact("tag", |raw| TagId::parse(raw).ok_or_else(|| "must be a tag id".to_owned()))),
            custom: set(r.object("custom", |c| custom_filters(c, fields))).unwrap_or_default(),
            order: Default::default(),
        };
        let errors = r.finish();
        match errors.is_empty() {
            true => Ok(Self { format: set(format).unwrap_or(ExportFormat::Csv), browse }),
            false => Err(DomainError::Validation(errors)),
        }
    }

    /// The filters as a job keeps them: the body without `format`, read back by `parse`.
    pub fn filters_of(mut body: Map<String, Value>) -> Map<String, Value> {
        body.remove("format");
        body.retain(|_, value| !value.is_null());
        body
    }
}

/// `custom`'s filters: `{"<key>": "<option>"}`, each a select field's option.
fn custom_filters(r: &mut FieldReader, fields: &CustomFields) -> Vec<CustomFilter> {
    let mut filters = Vec::new();
    for key in r.keys() {
        let read =
            r.exact(&key, |option| fields.option_filter(&key, option).map(|many| (option.to_owned(), many)));
        if let Patch::Set((option, many)) = read {
            filters.push(CustomFilter { key, option, many });
        }
    }
    filters
}

/// A field given a value (`null`, like absence, means no filter).
fn set<T>(patch: Patch<T>) -> Option<T> {
    match patch {
        Patch::Set(value) => Some(value),
        Patch::Absent | Patch::Null => None,
    }
}

fn sorted(mut ids: Vec<ClientId>) -> Vec<ClientId> {
    ids.sort();
    ids.dedup();
    ids
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn body(value: Value) -> Map<String, Value> {
        value.as_object().cloned().expect("an object")
    }

    #[test]
    fn an_empty_request_is_every_contact_of_the_tenant_as_csv() {
        let request = ExportRequest::parse(Map::new(), &CustomFields::default()).expect("valid");

        assert_eq!(request.format, ExportFormat::Csv);
        assert_eq!(request.browse.scope(), Browse::default().scope());
    }

    #[test]
    fn the_filters_are_browses_with_client_ids_a_list() {
        let client = ClientId::generate();
        let request = ExportRequest::parse(
            body(json!({
                "format": "json", "client_ids": [client.to_string()], "topic": "invoice",
                "portal_status": "active", "has_email": true, "updated_since": "2026-01-01T00:00:00Z"
            })),
            &CustomFields::default(),
        )
        .expect("valid");

        assert_eq!(request.format, ExportFormat::Json);
        assert_eq!(request.browse.clients, [client]);
        assert_eq!(request.browse.topic, Some(NotificationTopic::Invoice));
        assert_eq!(request.browse.has_email, Some(true));
        assert!(request.browse.updated_since.is_some());
    }

    #[test]
    fn every_bad_or_unknown_field_is_named_at_once() {
        let err = ExportRequest::parse(
            body(json!({
                "format": "xml", "client_ids": ["nope"], "topic": "gossip", "sort": "name"
            })),
            &CustomFields::default(),
        )
        .expect_err("invalid");

        let DomainError::Validation(errors) = err else { panic!("{err:?}") };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        for field in ["format", "client_ids[0]", "topic", "sort"] {
            assert!(fields.contains(&field), "{field} in {fields:?}");
        }
    }

    #[test]
    fn a_blank_filter_is_refused_not_read_as_none() {
        let err = ExportRequest::parse(
            body(json!({
                "format": "", "topic": " ", "portal_status": "", "email_status": "", "updated_since": ""
            })),
            &CustomFields::default(),
        )
        .expect_err("invalid");

        let DomainError::Validation(errors) = err else { panic!("{err:?}") };
        let mut fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        fields.sort();
        assert_eq!(fields, ["email_status", "format", "portal_status", "topic", "updated_since"]);
    }

    #[test]
    fn a_job_keeps_the_filters_without_the_format_and_reads_them_back_the_same() {
        let raw = body(json!({ "format": "csv", "topic": "invoice", "has_email": null }));
        let asked = ExportRequest::parse(raw.clone(), &CustomFields::default()).expect("valid");

        let kept = ExportRequest::filters_of(raw);
        let read_back = ExportRequest::parse(kept.clone(), &CustomFields::default()).expect("valid");

        assert_eq!(kept, body(json!({ "topic": "invoice" })));
        assert_eq!(read_back.browse.scope(), asked.browse.scope());
    }
}
