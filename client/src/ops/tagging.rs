//! Object tags and bucket tags: PutObjectTagging, GetObjectTagging, DeleteObjectTagging,
//! PutBucketTags, GetBucketTags, DeleteBucketTags. Tags are `(key, value)` pairs in order.

use oss_protocol::xml::{self, Tagging};
use reqwest::Method;

use super::{empty, Output};
use crate::client::Client;
use crate::error::Error;

impl Client {
    /// Replaces the object's whole tag set (the current version, or `version_id`).
    pub async fn put_object_tagging(
        &self,
        bucket: &str,
        key: &str,
        tags: &[(String, String)],
        version_id: Option<&str>,
    ) -> Result<Output<()>, Error> {
        let req = self
            .request(Method::PUT, Some(bucket), Some(key))
            .query("tagging", "")
            .query_opt("versionId", version_id)
            .body(xml::to_xml("Tagging", &Tagging::from_pairs(tags)));
        Ok(empty(req.send().await?))
    }

    pub async fn get_object_tagging(
        &self,
        bucket: &str,
        key: &str,
        version_id: Option<&str>,
    ) -> Result<Output<Vec<(String, String)>>, Error> {
        let req =
            self.request(Method::GET, Some(bucket), Some(key)).query("tagging", "").query_opt("versionId", version_id);
        let resp = req.send().await?;
        let doc: Tagging = resp.xml("Tagging")?;
        Ok(Output::from_response(resp, doc.pairs()))
    }

    /// Removes every tag of the object (204 also when it had none).
    pub async fn delete_object_tagging(
        &self,
        bucket: &str,
        key: &str,
        version_id: Option<&str>,
    ) -> Result<Output<()>, Error> {
        let req = self
            .request(Method::DELETE, Some(bucket), Some(key))
            .query("tagging", "")
            .query_opt("versionId", version_id);
        Ok(empty(req.send().await?))
    }

    /// Replaces the bucket's tags.
    pub async fn put_bucket_tags(&self, bucket: &str, tags: &[(String, String)]) -> Result<Output<()>, Error> {
        let req = self
            .request(Method::PUT, Some(bucket), None)
            .query("tagging", "")
            .body(xml::to_xml("Tagging", &Tagging::from_pairs(tags)));
        Ok(empty(req.send().await?))
    }

    pub async fn get_bucket_tags(&self, bucket: &str) -> Result<Output<Vec<(String, String)>>, Error> {
        let resp = self.request(Method::GET, Some(bucket), None).query("tagging", "").send().await?;
        let doc: Tagging = resp.xml("Tagging")?;
        Ok(Output::from_response(resp, doc.pairs()))
    }

    /// Removes the bucket's tags: all of them, or only the keys in `only`.
    pub async fn delete_bucket_tags(&self, bucket: &str, only: &[&str]) -> Result<Output<()>, Error> {
        let req = self.request(Method::DELETE, Some(bucket), None).query("tagging", only.join(","));
        Ok(empty(req.send().await?))
    }
}
