//! The table definition, read from template.yaml so tests, local runs and the deployed stack
//! cannot drift apart.

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, StreamSpecification, StreamViewType, TimeToLiveSpecification,
};
use aws_sdk_dynamodb::Client;
use local_api::Template;
use serde_yaml::Value;

pub use local_api::template::repo_root;

/// The properties of the one `AWS::DynamoDB::Table` in template.yaml.
pub fn template_table() -> Value {
    Template::of_repo().table().unwrap_or_else(|e| panic!("template.yaml: {e}")).clone()
}

fn key_schema(v: &Value) -> Vec<KeySchemaElement> {
    v.as_sequence()
        .expect("KeySchema is a list")
        .iter()
        .map(|k| {
            KeySchemaElement::builder()
                .attribute_name(k["AttributeName"].as_str().expect("AttributeName"))
                .key_type(KeyType::from(k["KeyType"].as_str().expect("KeyType")))
                .build()
                .expect("key schema element")
        })
        .collect()
}

/// Creates `name` with the template's keys, indexes, stream and TTL, unless it exists.
pub async fn create_table(db: &Client, name: &str) -> Result<bool, aws_sdk_dynamodb::Error> {
    create_table_with(db, name, Stream::AsTemplate).await
}

/// Whether a table created here has the template's stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    AsTemplate,
    /// None until `enable_stream`: DynamoDB Local keeps every stream record of every table it
    /// holds, and writing them doubles the cost of the tests' writes, most of which no stream
    /// reader ever reads (a test suite makes hundreds of tables on one emulator).
    Off,
}

/// Creates `name` as `create_table` does, with or without the template's stream.
pub async fn create_table_with(
    db: &Client,
    name: &str,
    stream: Stream,
) -> Result<bool, aws_sdk_dynamodb::Error> {
    if db.describe_table().table_name(name).send().await.is_ok() {
        return Ok(false);
    }
    let props = template_table();
    let mut create = db.create_table().table_name(name).billing_mode(BillingMode::PayPerRequest);
    for a in props["AttributeDefinitions"].as_sequence().expect("AttributeDefinitions") {
        create = create.attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(a["AttributeName"].as_str().expect("AttributeName"))
                .attribute_type(ScalarAttributeType::from(
                    a["AttributeType"].as_str().expect("AttributeType"),
                ))
                .build()
                .expect("attribute definition"),
        );
    }
    create = create.set_key_schema(Some(key_schema(&props["KeySchema"])));
    for g in props["GlobalSecondaryIndexes"].as_sequence().into_iter().flatten() {
        let projection = g["Projection"]["ProjectionType"].as_str().unwrap_or("ALL");
        create = create.global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(g["IndexName"].as_str().expect("IndexName"))
                .set_key_schema(Some(key_schema(&g["KeySchema"])))
                .projection(Projection::builder().projection_type(ProjectionType::from(projection)).build())
                .build()
                .expect("index"),
        );
    }
    if stream == Stream::AsTemplate {
        if let Some(spec) = template_stream(&props) {
            create = create.stream_specification(spec);
        }
    }
    create.send().await?;
    if let Some(ttl) = props["TimeToLiveSpecification"]["AttributeName"].as_str() {
        db.update_time_to_live()
            .table_name(name)
            .time_to_live_specification(
                TimeToLiveSpecification::builder().attribute_name(ttl).enabled(true).build().expect("ttl"),
            )
            .send()
            .await?;
    }
    Ok(true)
}

/// A client for the DynamoDB the environment points at (`AWS_ENDPOINT_URL_DYNAMODB`).
pub async fn dynamo_client() -> Client {
    assert!(
        std::env::var("AWS_ENDPOINT_URL_DYNAMODB").is_ok() || std::env::var("AWS_ENDPOINT_URL").is_ok(),
        "AWS_ENDPOINT_URL_DYNAMODB is not set: run the tests with ./scripts/test, which starts DynamoDB Local"
    );
    let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    Client::new(&config)
}

/// The template's stream specification, if it has one.
fn template_stream(props: &serde_yaml::Value) -> Option<StreamSpecification> {
    let view = props["StreamSpecification"]["StreamViewType"].as_str()?;
    let stream =
        StreamSpecification::builder().stream_enabled(true).stream_view_type(StreamViewType::from(view));
    Some(stream.build().expect("stream specification"))
}

/// Turns on the template's stream on a table made with `Stream::Off`: changes from then on are
/// in it.
pub async fn enable_stream(db: &Client, name: &str) -> Result<(), aws_sdk_dynamodb::Error> {
    let spec = template_stream(&template_table()).expect("template.yaml's table has a stream");
    db.update_table().table_name(name).stream_specification(spec).send().await?;
    Ok(())
}
