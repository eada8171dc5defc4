//! Integration tests: every handler against DynamoDB Local. One binary, many modules, so the
//! suite links once. Each test makes its own table and can run in parallel with the others.

mod support;

mod access;
mod clients;
mod contacts;
mod dates;
mod email_faults;
mod email_refusals;
mod email_uniqueness;
mod events;
mod finding;
mod faults;
mod hostile;
mod idempotency;
mod import_cells;
mod imports;
mod invariants;
mod invariants_drop;
mod invariants_sweep;
mod invites;
mod lists;
mod local_api_authorizer;
mod local_api_routes;
mod logs;
mod metrics;
mod model;
mod notifications;
mod openapi;
mod password_resets;
mod portal;
mod portal_sign_in;
mod portal_users;
mod primary;
mod quota;
mod races;
mod reports;
mod requests;
mod seed;
mod smoke;
mod staff_users;
mod sweep;
mod template;
mod template_identity;
mod template_portal_users;
mod walk;
