//! The client portal's services: the sign-in gate Cognito calls before it issues a portal
//! user's tokens (`gate`), and a portal user's own profile behind `GET, PATCH /portal/me`
//! (`profile`). Both decide with `domain::portal::check_access`.

pub mod gate;
pub mod profile;
