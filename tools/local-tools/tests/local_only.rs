//! The local tools refuse to run against anything but this machine: `seed-demo`, which writes
//! an invitation with the token the README prints, stands for all of them (they share
//! `local_api::loopback`, whose unit specs cover the endpoints it accepts).

use std::process::{Command, Output};

/// `seed-demo` run with everything it needs to seed a table, its endpoints as `endpoints` say
/// and nothing else of this process's environment.
fn seed_demo(endpoints: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_seed-demo"))
        .env_clear()
        .envs([
            ("TABLE_NAME", "client-contacts"),
            ("CURSOR_SECRET", "local-cursor-secret-0123456789"),
            ("AWS_REGION", "us-east-1"),
            ("AWS_ACCESS_KEY_ID", "local"),
            ("AWS_SECRET_ACCESS_KEY", "local"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
        ])
        .envs(endpoints.iter().copied())
        .output()
        .expect("seed-demo runs")
}

const LOCAL_SES_AND_COGNITO: [(&str, &str); 2] = [
    ("AWS_ENDPOINT_URL_SESV2", "http://127.0.0.1:8005"),
    ("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER", "http://127.0.0.1:8007"),
];

#[test]
fn seed_demo_refuses_a_dynamodb_endpoint_that_is_not_on_this_machine() {
    // Given a DynamoDB endpoint elsewhere (a name that resolves nowhere, should the tool try)
    let elsewhere = ("AWS_ENDPOINT_URL_DYNAMODB", "http://dynamodb.invalid:8000");

    // When seed-demo runs
    let out = seed_demo(&[elsewhere, LOCAL_SES_AND_COGNITO[0], LOCAL_SES_AND_COGNITO[1]]);

    // Then it refuses before calling anything, naming the variable
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(
        said.contains(
            "AWS_ENDPOINT_URL_DYNAMODB is \"http://dynamodb.invalid:8000\", not an http(s) URL on 127.0.0.1"
        ),
        "{said}"
    );
}

#[test]
fn seed_demo_refuses_an_unset_dynamodb_endpoint_which_means_real_aws() {
    // Given no DynamoDB endpoint at all
    // When seed-demo runs
    let out = seed_demo(&LOCAL_SES_AND_COGNITO);

    // Then it refuses, saying why
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(said.contains("AWS_ENDPOINT_URL_DYNAMODB is not set, which means real AWS"), "{said}");
}
