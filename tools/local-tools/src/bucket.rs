//! The export bucket on moto's S3 (`AWS_ENDPOINT_URL_S3`): created as the template creates it,
//! and read as a test or a person reads it.

use shared::exports::ExportBucket;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A client of the S3 the environment points at, addressing buckets by path (moto has no
/// per-bucket host names).
pub async fn client() -> aws_sdk_s3::Client {
    let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&aws).force_path_style(true).build())
}

/// Creates bucket `name` unless it exists; the service's handle on it.
pub async fn create(s3: &aws_sdk_s3::Client, name: &str) -> Result<ExportBucket, BoxError> {
    if s3.head_bucket().bucket(name).send().await.is_err() {
        s3.create_bucket().bucket(name).send().await?;
    }
    Ok(ExportBucket::new(s3.clone(), name))
}

/// The keys of the bucket's objects.
pub async fn keys(s3: &aws_sdk_s3::Client, name: &str) -> Result<Vec<String>, BoxError> {
    let out = s3.list_objects_v2().bucket(name).send().await?;
    Ok(out.contents().iter().filter_map(|o| o.key().map(str::to_owned)).collect())
}

/// The keys of the uploads started and neither completed nor aborted.
pub async fn unfinished_uploads(s3: &aws_sdk_s3::Client, name: &str) -> Result<Vec<String>, BoxError> {
    let out = s3.list_multipart_uploads().bucket(name).send().await?;
    Ok(out.uploads().iter().filter_map(|u| u.key().map(str::to_owned)).collect())
}
