//! Bucket policies: Put/Get/DeleteBucketPolicy and GetBucketPolicyStatus. The policy is JSON
//! text, sent and answered as is (OSS gives back exactly the bytes it was given).

use oss_protocol::xml::PolicyStatus;
use reqwest::Method;

use super::{empty, Output};
use crate::client::Client;
use crate::error::Error;

impl Client {
    /// Sets the bucket's policy (RAM grammar, `"Version":"1"`); a document OSS cannot read is
    /// 400 InvalidPolicyDocument.
    pub async fn put_bucket_policy(&self, bucket: &str, policy: &str) -> Result<Output<()>, Error> {
        let req = self
            .request(Method::PUT, Some(bucket), None)
            .query("policy", "")
            .header("content-type", "application/json")
            .body(policy.to_owned());
        Ok(empty(req.send().await?))
    }

    /// The policy exactly as it was put; 404 NoSuchBucketPolicy when there is none.
    pub async fn get_bucket_policy(&self, bucket: &str) -> Result<Output<String>, Error> {
        let resp = self.request(Method::GET, Some(bucket), None).query("policy", "").send().await?;
        let text = resp.text();
        Ok(Output::from_response(resp, text))
    }

    /// Removes the policy (204, also when there was none).
    pub async fn delete_bucket_policy(&self, bucket: &str) -> Result<Output<()>, Error> {
        Ok(empty(self.request(Method::DELETE, Some(bucket), None).query("policy", "").send().await?))
    }

    /// Whether the policy grants everyone.
    pub async fn get_bucket_policy_status(&self, bucket: &str) -> Result<Output<PolicyStatus>, Error> {
        let resp = self.request(Method::GET, Some(bucket), None).query("policyStatus", "").send().await?;
        let doc: PolicyStatus = resp.xml("PolicyStatus")?;
        Ok(Output::from_response(resp, doc))
    }
}
