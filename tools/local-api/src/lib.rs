//! Local development tools: the service's HTTP API on one port in front of `cargo lambda
//! watch` (routes read from template.yaml), the template reader the tests share, and the
//! local tools' guard against a real AWS account (`loopback`).

pub mod authorizer;
pub mod cors;
pub mod event;
pub mod loopback;
pub mod problem_log;
pub mod proxy;
pub mod router;
pub mod template;

pub use authorizer::{Authorizers, LocalPools};
pub use cors::Cors;
pub use proxy::Proxy;
pub use router::{Match, Router};
pub use template::{Template, TemplateRoute};
