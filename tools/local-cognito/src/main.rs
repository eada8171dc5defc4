//! `local-cognito setup`: makes both user pools of template.yaml on the Cognito emulator at
//! $AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER (once; later runs find them) and writes their ids
//! and issuers to $COGNITO_POOLS_FILE, which the local API reads to verify tokens.
//!
//! `local-cognito token --tenant T --role admin|manager|reader [--email E] [--password P]`:
//! a staff user of that tenant and role (created if missing), signed in; prints its ID token,
//! and with `--show-password` first a line `password: P`.
//!
//! `local-cognito portal-sign-in --tenant T --email E --password P`: a client contact's
//! sign-in to the portal pool (through its sign-in gate), as a portal front end makes it: with
//! the username the tenant and address give (`shared::domain::portal::portal_username`);
//! prints its ID token.

use local_api::Template;
use local_cognito::users::{new_password, staff_token, Role, StaffUser};
use local_cognito::{pools, Error, LocalPools};
use shared::domain::portal::portal_username;
use shared::domain::{Email, TenantId};

const USAGE: &str = "usage: local-cognito setup | token --tenant T --role admin|manager|reader [--email E] [--password P] [--show-password] | portal-sign-in --tenant T --email E --password P";

fn flag(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1).cloned())
}

fn env(name: &str) -> Result<String, Error> {
    std::env::var(name).map_err(|_| format!("{name} is not set (source scripts/env.sh)").into())
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    local_api::loopback::exit_unless_local("local-cognito", &["COGNITO_IDENTITY_PROVIDER"]);
    let endpoint = env("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER")?;
    let pools_file = std::path::PathBuf::from(env("COGNITO_POOLS_FILE")?);
    let client = local_cognito::client(&endpoint).await;
    match args.first().map(String::as_str) {
        Some("setup") => {
            let made = pools::ensure(&client, &Template::of_repo(), &endpoint).await?;
            std::fs::write(&pools_file, serde_json::to_string_pretty(&made)?)?;
            println!("{}", serde_json::to_string(&made)?);
        }
        Some("token") => {
            let pools = LocalPools::load(&pools_file)?;
            let tenant = flag(&args, "--tenant").ok_or("--tenant is required")?;
            let role = Role::parse(&flag(&args, "--role").ok_or("--role is required")?)?;
            let email =
                flag(&args, "--email").unwrap_or_else(|| format!("{}@{tenant}.local.test", role_name(role)));
            let password = match flag(&args, "--password") {
                Some(p) => p,
                None => new_password()?,
            };
            let user = StaffUser { email: &email, tenant: &tenant, role, password: &password };
            let token = staff_token(&client, &pools.staff, &user).await?;
            if args.iter().any(|a| a == "--show-password") {
                println!("password: {password}");
            }
            println!("{token}");
        }
        Some("portal-sign-in") => {
            // What the portal does: the contact signs in with the password it chose when it
            // accepted its invitation; the portal pool's sign-in gate decides.
            let pools = LocalPools::load(&pools_file)?;
            let tenant = flag(&args, "--tenant").ok_or("--tenant is required")?;
            let tenant = TenantId::parse(&tenant).ok_or("--tenant is not a tenant id")?;
            let email = flag(&args, "--email").ok_or("--email is required")?;
            let email = Email::parse(&email).map_err(|e| format!("--email: {e}"))?;
            let password = flag(&args, "--password").ok_or("--password is required")?;
            let username = portal_username(&tenant, &email);
            println!(
                "{}",
                local_cognito::users::sign_in(&client, &pools.portal, &username, &password).await?
            );
        }
        _ => return Err(USAGE.into()),
    }
    Ok(())
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Admin => "admin",
        Role::Manager => "manager",
        Role::Reader => "reader",
    }
}
