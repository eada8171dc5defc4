//! The filter expressions of the contact lists, each condition written once: a client's list
//! (`read`) and the tenant's (`browse`) filter by the same statuses the same way.

use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::types::AttributeValue;

use super::s;
use crate::domain::{EmailStatus, PortalStatus};

/// Conditions that must all hold, with the values they name.
#[derive(Default)]
pub(super) struct Conditions {
    parts: Vec<String>,
    values: Vec<(String, AttributeValue)>,
    names: Vec<(String, String)>,
}

impl Conditions {
    pub(super) fn add(
        &mut self,
        condition: impl Into<String>,
        values: impl IntoIterator<Item = (String, AttributeValue)>,
    ) {
        self.parts.push(condition.into());
        self.values.extend(values);
    }

    /// An attribute name the conditions use as `placeholder` (`#custom`).
    pub(super) fn name(&mut self, placeholder: impl Into<String>, name: impl Into<String>) {
        self.names.push((placeholder.into(), name.into()));
    }

    pub(super) fn portal_status(&mut self, status: Option<PortalStatus>) {
        if let Some(status) = status {
            self.add("portal_status = :portal_status", [(":portal_status".to_owned(), s(status.as_str()))]);
        }
    }

    /// Absent `email_status` is `ok`.
    pub(super) fn email_status(&mut self, status: Option<EmailStatus>) {
        match status {
            None => {}
            Some(EmailStatus::Ok) => self.add("attribute_not_exists(email_status)", []),
            Some(status) => {
                self.add("email_status = :email_status", [(":email_status".to_owned(), s(status.as_str()))])
            }
        }
    }

    pub(super) fn has_email(&mut self, has: Option<bool>) {
        match has {
            None => {}
            Some(true) => self.add("attribute_exists(email)", []),
            Some(false) => self.add("attribute_not_exists(email)", []),
        }
    }

    /// The expression and its values; `None` without conditions.
    pub(super) fn expression(self) -> Option<(String, Vec<(String, AttributeValue)>)> {
        (!self.parts.is_empty()).then(|| (self.parts.join(" AND "), self.values))
    }

    /// The query, filtered by the conditions.
    pub(super) fn apply(mut self, mut query: QueryFluentBuilder) -> QueryFluentBuilder {
        for (placeholder, name) in std::mem::take(&mut self.names) {
            query = query.expression_attribute_names(placeholder, name);
        }
        if let Some((expression, values)) = self.expression() {
            query = query.filter_expression(expression);
            for (name, value) in values {
                query = query.expression_attribute_values(name, value);
            }
        }
        query
    }
}
