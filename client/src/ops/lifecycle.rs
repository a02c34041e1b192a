//! PutBucketLifecycle, GetBucketLifecycle, DeleteBucketLifecycle, with the wire document
//! ([`LifecycleConfiguration`]) as the typed request and answer.

use oss_protocol::xml::{self, LifecycleConfiguration};
use reqwest::Method;

use super::{empty, Output};
use crate::client::Client;
use crate::error::Error;

impl Client {
    /// Replaces the bucket's lifecycle rules. `allow_overlap` sends
    /// `x-oss-allow-same-action-overlap: true` (rules whose prefixes overlap may share an action).
    pub async fn put_bucket_lifecycle(
        &self,
        bucket: &str,
        rules: &LifecycleConfiguration,
        allow_overlap: bool,
    ) -> Result<Output<()>, Error> {
        let mut req = self
            .request(Method::PUT, Some(bucket), None)
            .query("lifecycle", "")
            .body(xml::to_xml("LifecycleConfiguration", rules));
        if allow_overlap {
            req = req.header("x-oss-allow-same-action-overlap", "true");
        }
        Ok(empty(req.send().await?))
    }

    /// The bucket's rules; 404 NoSuchLifecycle when it has none.
    pub async fn get_bucket_lifecycle(&self, bucket: &str) -> Result<Output<LifecycleConfiguration>, Error> {
        let resp = self.request(Method::GET, Some(bucket), None).query("lifecycle", "").send().await?;
        let doc: LifecycleConfiguration = resp.xml("LifecycleConfiguration")?;
        Ok(Output::from_response(resp, doc))
    }

    /// Removes the bucket's rules (204, also when there were none).
    pub async fn delete_bucket_lifecycle(&self, bucket: &str) -> Result<Output<()>, Error> {
        Ok(empty(self.request(Method::DELETE, Some(bucket), None).query("lifecycle", "").send().await?))
    }
}
