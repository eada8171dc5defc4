//! `local-api [--template template.yaml]`: serves the API on http://127.0.0.1:$API_PORT (default
//! 3000), forwarding each route of the template to its function under `cargo lambda watch` on
//! http://127.0.0.1:$LAMBDA_PORT (default 9000). Listens on loopback only. Tokens are verified
//! against the local user pools named in $COGNITO_POOLS_FILE (written by `local-cognito setup`),
//! as API Gateway's JWT authorizers verify them.

use std::path::PathBuf;
use std::sync::Arc;

use local_api::proxy::bind_loopback;
use local_api::{Authorizers, Cors, LocalPools, Proxy, Router, Template};

fn port(name: &str, default: u16) -> Result<u16, String> {
    match std::env::var(name) {
        Ok(v) => v.parse().map_err(|_| format!("{name}={v:?} is not a port number")),
        Err(_) => Ok(default),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let template_file = match args.as_slice() {
        [] => PathBuf::from("template.yaml"),
        [flag, path] if flag == "--template" => PathBuf::from(path),
        _ => return Err("usage: local-api [--template template.yaml]".into()),
    };
    let template = Template::load(&template_file)?;
    let routes = template.routes()?;
    let origins = Cors::origins_from(std::env::var("CORS_ALLOWED_ORIGINS").ok().as_deref());
    let (api_port, lambda_port) = (port("API_PORT", 3000)?, port("LAMBDA_PORT", 9000)?);
    let upstream = format!("http://127.0.0.1:{lambda_port}");
    let listener = bind_loopback(api_port).await.map_err(|e| {
        format!("cannot listen on 127.0.0.1:{api_port}: {e} (set API_PORT to use another port)")
    })?;
    println!(
        "local API on http://127.0.0.1:{api_port}: {} routes from {} -> {upstream}/2015-03-31/functions/<function>/invocations",
        routes.len(),
        template_file.display()
    );
    let pools_file = std::env::var("COGNITO_POOLS_FILE")
        .map_err(|_| "COGNITO_POOLS_FILE is not set: start the API with scripts/run-local")?;
    let pools = LocalPools::load(std::path::Path::new(&pools_file))?;
    let mut proxy = Proxy::new(Router::new(routes), &upstream);
    proxy.authorizers = Some(Authorizers::new(&pools));
    proxy.cors = Cors::from_template(&template, origins);
    if let Some(cors) = &proxy.cors {
        println!("CORS as the template configures it, for origins {}", cors.allow_origins.join(", "));
    }
    let proxy = Arc::new(proxy);
    tokio::select! {
        served = proxy.serve(listener) => served?,
        _ = tokio::signal::ctrl_c() => {}
    }
    Ok(())
}
