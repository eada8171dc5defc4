//! Prints a local Bearer token: `mint-token --tenant demo --role admin|reader [--hours 12]`.
//! Signed with LOCAL_JWT_SECRET; only functions that have that secret accept it.

use local_tools::tokens::{mint, TokenSpec, ADMIN_GROUP};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let secret = std::env::var("LOCAL_JWT_SECRET").map_err(|_| "LOCAL_JWT_SECRET is not set")?;
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let tenant = arg("--tenant").unwrap_or_else(|| "demo".into());
    let role = arg("--role").unwrap_or_else(|| "admin".into());
    let hours: i64 = arg("--hours").map(|h| h.parse()).transpose()?.unwrap_or(12);
    let groups: &[&str] = match role.as_str() {
        "admin" => &[ADMIN_GROUP],
        "reader" => &[],
        other => return Err(format!("unknown role {other:?}; use admin or reader").into()),
    };
    let user = format!("{role}@{tenant}");
    let spec = TokenSpec { tenant: &tenant, user: &user, groups, privileges: &[], expires_in: hours * 3600 };
    println!("{}", mint(&secret, &spec));
    Ok(())
}
