//! The stack's export bucket (S3): private, encrypted, its objects deleted after
//! `KEEP_DAYS` by a lifecycle rule (template.yaml). A file is written as a multipart upload,
//! part by part as the rows come, so a function's memory holds one part however large the
//! file; a job that fails aborts its upload, so no partial file is left. Downloads are
//! presigned links that work for `DOWNLOAD_MINUTES`.

use std::time::Duration;

use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};

use crate::domain::export::DOWNLOAD_MINUTES;
use crate::error::{ServiceError, ServiceResult};

/// Bytes gathered before they are sent as a part: S3's smallest part (all but the last).
pub(crate) const PART_BYTES: usize = 5 * 1024 * 1024;

#[derive(Clone, Debug)]
pub struct ExportBucket {
    s3: aws_sdk_s3::Client,
    name: String,
}

/// A file being written.
pub(crate) struct Upload<'a> {
    bucket: &'a ExportBucket,
    key: String,
    id: String,
    parts: Vec<CompletedPart>,
}

impl ExportBucket {
    pub fn new(s3: aws_sdk_s3::Client, name: impl Into<String>) -> Self {
        Self { s3, name: name.into() }
    }

    /// The bucket `name` through a client of `aws`'s settings, addressing it by path when
    /// `path_style` (a local emulator: `Config::s3_path_style`).
    pub fn from_config(aws: &aws_config::SdkConfig, name: &str, path_style: bool) -> Self {
        let config = aws_sdk_s3::config::Builder::from(aws).force_path_style(path_style).build();
        Self::new(aws_sdk_s3::Client::from_conf(config), name)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Starts writing the file `key`.
    pub(crate) async fn upload(&self, key: String, content_type: &str) -> ServiceResult<Upload<'_>> {
        let out = self
            .s3
            .create_multipart_upload()
            .bucket(&self.name)
            .key(&key)
            .content_type(content_type)
            .send()
            .await
            .map_err(|e| ServiceError::failed("CreateMultipartUpload", e.into_service_error()))?;
        let id = out.upload_id().ok_or_else(|| ServiceError::internal("an upload without an id"))?;
        Ok(Upload { bucket: self, key, id: id.to_owned(), parts: Vec::new() })
    }

    /// A link that downloads `key` as `file_name` for `DOWNLOAD_MINUTES`.
    pub async fn download_url(&self, key: &str, file_name: &str) -> ServiceResult<String> {
        let expires = PresigningConfig::expires_in(Duration::from_secs(DOWNLOAD_MINUTES * 60))
            .map_err(ServiceError::internal)?;
        let request = self
            .s3
            .get_object()
            .bucket(&self.name)
            .key(key)
            .response_content_disposition(format!("attachment; filename=\"{file_name}\""))
            .presigned(expires)
            .await
            .map_err(|e| ServiceError::failed("presign GetObject", e))?;
        Ok(request.uri().to_owned())
    }
}

impl Upload<'_> {
    /// Whether no part was sent yet (a file needs at least one, even an empty one).
    pub(crate) fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }

    /// Sends the next part.
    pub(crate) async fn part(&mut self, bytes: Vec<u8>) -> ServiceResult<()> {
        let number = i32::try_from(self.parts.len() + 1).map_err(ServiceError::internal)?;
        let out = self
            .bucket
            .s3
            .upload_part()
            .bucket(&self.bucket.name)
            .key(&self.key)
            .upload_id(&self.id)
            .part_number(number)
            .body(ByteStream::from(bytes))
            .send()
            .await
            .map_err(|e| ServiceError::failed("UploadPart", e.into_service_error()))?;
        self.parts.push(CompletedPart::builder().part_number(number).set_e_tag(out.e_tag).build());
        Ok(())
    }

    /// Makes the file of the parts sent.
    pub(crate) async fn complete(self) -> ServiceResult<()> {
        let parts = CompletedMultipartUpload::builder().set_parts(Some(self.parts)).build();
        self.bucket
            .s3
            .complete_multipart_upload()
            .bucket(&self.bucket.name)
            .key(&self.key)
            .upload_id(&self.id)
            .multipart_upload(parts)
            .send()
            .await
            .map_err(|e| ServiceError::failed("CompleteMultipartUpload", e.into_service_error()))?;
        Ok(())
    }

    /// Drops the parts sent: no file is made.
    pub(crate) async fn abort(self) -> ServiceResult<()> {
        self.bucket
            .s3
            .abort_multipart_upload()
            .bucket(&self.bucket.name)
            .key(&self.key)
            .upload_id(&self.id)
            .send()
            .await
            .map_err(|e| ServiceError::failed("AbortMultipartUpload", e.into_service_error()))?;
        Ok(())
    }
}
