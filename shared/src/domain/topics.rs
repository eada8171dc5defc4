//! The fixed vocabularies: email topics a contact can opt into and portal permissions.

use std::fmt;
use std::str::FromStr;

macro_rules! vocabulary {
    ($name:ident, $what:literal, { $($variant:ident => $text:literal),+ $(,)? }) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Parses a value, or explains which values exist.
            pub fn parse(raw: &str) -> Result<Self, String> {
                raw.parse().map_err(|_| {
                    let all: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
                    format!("unknown {} {raw:?}; expected one of {}", $what, all.join(", "))
                })
            }
        }

        impl FromStr for $name {
            type Err = ();
            fn from_str(s: &str) -> Result<Self, ()> {
                match s { $($text => Ok($name::$variant),)+ _ => Err(()) }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    };
}

vocabulary!(NotificationTopic, "topic", {
    Invoice => "invoice",
    CreditNote => "credit_note",
    Estimate => "estimate",
    Ticket => "ticket",
    Project => "project",
    Contract => "contract",
    Task => "task",
    TimesheetApproval => "timesheet_approval",
});

vocabulary!(Permission, "permission", {
    Invoices => "invoices",
    Estimates => "estimates",
    Contracts => "contracts",
    Proposals => "proposals",
    Support => "support",
    Projects => "projects",
});

vocabulary!(ClientStatus, "client status", {
    Active => "active",
    Inactive => "inactive",
});

vocabulary!(Priority, "priority", {
    Low => "low",
    Medium => "medium",
    High => "high",
    Urgent => "urgent",
});

vocabulary!(PortalStatus, "portal status", {
    None => "none",
    Invited => "invited",
    Active => "active",
    Revoked => "revoked",
});

vocabulary!(EmailStatus, "email status", {
    Ok => "ok",
    Bouncing => "bouncing",
    Complained => "complained",
});

#[cfg(test)]
mod tests {
    use super::{NotificationTopic, Permission};

    #[test]
    fn every_topic_round_trips_through_its_name() {
        for topic in NotificationTopic::ALL {
            assert_eq!(NotificationTopic::parse(topic.as_str()), Ok(*topic));
        }
        assert_eq!(NotificationTopic::ALL.len(), 8);
        assert_eq!(Permission::ALL.len(), 6);
    }

    #[test]
    fn an_unknown_value_is_refused_with_the_list_of_known_ones() {
        let err = NotificationTopic::parse("newsletter").unwrap_err();
        assert!(err.contains("invoice") && err.contains("timesheet_approval"), "{err}");
        assert!(Permission::parse("Invoices").is_err(), "values are case-sensitive");
    }
}
