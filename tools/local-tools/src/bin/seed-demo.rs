//! Adds demo clients and contacts to a tenant of the local table: `seed-demo [--tenant demo]`.
//! Run again, it adds only what is missing. Used by `scripts/run-local --seed`.

use shared::domain::TenantId;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    // It writes an invitation whose token the README prints; the App it runs with wires SES
    // and Cognito clients too.
    local_api::loopback::exit_unless_local("seed-demo", &["DYNAMODB", "SESV2", "COGNITO_IDENTITY_PROVIDER"]);
    let args: Vec<String> = std::env::args().skip(1).collect();
    let tenant = match args.as_slice() {
        [] => "demo".to_owned(),
        [flag, tenant] if flag == "--tenant" => tenant.clone(),
        _ => return Err("usage: seed-demo [--tenant demo]".into()),
    };
    let tenant = TenantId::parse(&tenant).ok_or("tenant ids are [A-Za-z0-9_-]{1,64}")?;
    let app = shared::App::from_env().await?;
    let report = local_tools::seed::seed_demo(&app, &tenant).await?;
    use local_tools::seed::DEMO_CONTACT;
    println!(
        "seeded tenant {tenant}: {} clients and {} contacts added{}{}",
        report.clients_created,
        report.contacts_created,
        if report.invitations_created > 0 {
            format!(", {} invited (token {})", DEMO_CONTACT, local_tools::seed::DEMO_INVITATION_TOKEN)
        } else {
            String::new()
        },
        if report.contacts_skipped > 0 {
            format!(", {} skipped (their email belongs to another contact)", report.contacts_skipped)
        } else {
            String::new()
        }
    );
    Ok(())
}
