//! `portal-users-migrate --old-pool <id> [--send]`: the portal users of a pool named by email
//! (before tenant-scoped usernames), each with what it needs (`ops::migrate`); with `--send`,
//! the reset links are sent. Run once after the stack update, with the functions'
//! configuration (TABLE_NAME, CURSOR_SECRET, SENDER_EMAIL, PORTAL_URL, SES_CONFIGURATION_SET,
//! PORTAL_USER_POOL_ID of the new pool; docs/deploy.md) and AWS credentials that may list the
//! old pool's users. One line per user: username, tenant, contact, outcome; then the counts.

use ops::migrate::{migrate, old_users, Outcome};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let pool = args.iter().position(|a| a == "--old-pool").and_then(|i| args.get(i + 1));
    let pool = pool.ok_or("usage: portal-users-migrate --old-pool <user pool id> [--send]")?;
    let send = args.iter().any(|a| a == "--send");
    let app = shared::App::from_env().await?;
    // The functions on the API may leave PORTAL_URL empty (links on the request's domain); run
    // from here there is no request, so the stack's `PortalUrl` output must be given.
    if send && app.email.portal_url.is_empty() {
        return Err("set PORTAL_URL to the stack's PortalUrl output: the reset links lead there".into());
    }
    let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let cognito = aws_sdk_cognitoidentityprovider::Client::new(&aws);
    let users = old_users(&cognito, pool).await?;
    let (mut sent, mut due, mut skipped, mut failed) = (0, 0, 0, 0);
    for (done, user) in users.iter().enumerate() {
        let outcome = migrate(&app, user, send).await;
        let tenant = user.tenant.as_ref().map(|t| t.as_str().to_owned()).unwrap_or_default();
        let contact = user.contact.map(|c| c.to_string()).unwrap_or_default();
        println!(
            "[{}/{}] {} tenant={tenant} contact={contact} {outcome:?}",
            done + 1,
            users.len(),
            user.username
        );
        match outcome {
            Outcome::ResetSent => sent += 1,
            Outcome::ResetDue => due += 1,
            Outcome::Skipped(_) => skipped += 1,
            Outcome::Failed(_) => failed += 1,
        }
    }
    println!(
        "{} users: {sent} resets sent, {due} due (run with --send), {skipped} skipped, {failed} failed",
        users.len()
    );
    if failed > 0 {
        return Err(format!(
            "{failed} failed (see their lines); a new run sends every due contact a new link"
        )
        .into());
    }
    Ok(())
}
