//! Lambda function `portal-pages`: the client portal's pages (`portal_pages`).

use lambda_http::{run, service_fn, Error, Request};

#[tokio::main]
async fn main() -> Result<(), Error> {
    shared::telemetry::init();
    // Read once per cold start: where the pages find Cognito and the API.
    let config = portal_pages::PagesConfig::from_env()?;
    let config = &config;
    run(service_fn(move |req: Request| async move { Ok::<_, Error>(portal_pages::handle(&req, config)) }))
        .await
}
