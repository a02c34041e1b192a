//! Bucket configurations, with the wire documents as typed requests and answers:
//! Put/Get/DeleteBucketCors and the preflight (OptionObject), Put/GetBucketReferer,
//! Put/Get/DeleteBucketLogging, Put/Get/DeleteBucketEncryption, Put/GetBucketRequestPayment,
//! Put/Get/DeleteBucketPublicAccessBlock, Put/GetBucketHttpsConfig and GetBucketStat.

use oss_protocol::xml::{
    self, BucketEncryptionRule, BucketLoggingStatus, BucketStat, CorsConfiguration, HttpsConfiguration,
    PublicAccessBlockConfiguration, RefererConfiguration, RequestPaymentConfiguration,
};
use reqwest::Method;
use serde::{de::DeserializeOwned, Serialize};

use super::{empty, Output};
use crate::client::Client;
use crate::error::Error;

/// What a CORS preflight asks: may `origin` send `method` with these request headers?
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Preflight {
    pub origin: String,
    pub method: String,
    /// `Access-Control-Request-Headers`, as one comma-separated list.
    pub headers: Option<String>,
}

impl Client {
    async fn put_config<T: Serialize>(
        &self,
        bucket: &str,
        sub: &str,
        root: &str,
        doc: &T,
    ) -> Result<Output<()>, Error> {
        let req = self.request(Method::PUT, Some(bucket), None).query(sub, "").body(xml::to_xml(root, doc));
        Ok(empty(req.send().await?))
    }

    async fn get_config<T: DeserializeOwned>(&self, bucket: &str, sub: &str, root: &str) -> Result<Output<T>, Error> {
        let resp = self.request(Method::GET, Some(bucket), None).query(sub, "").send().await?;
        let doc: T = resp.xml(root)?;
        Ok(Output::from_response(resp, doc))
    }

    async fn delete_config(&self, bucket: &str, sub: &str) -> Result<Output<()>, Error> {
        Ok(empty(self.request(Method::DELETE, Some(bucket), None).query(sub, "").send().await?))
    }

    /// Replaces the bucket's CORS rules (at most 10; `AllowedHeader`s are stored lowercased).
    pub async fn put_bucket_cors(&self, bucket: &str, cors: &CorsConfiguration) -> Result<Output<()>, Error> {
        self.put_config(bucket, "cors", "CORSConfiguration", cors).await
    }

    /// The bucket's CORS rules; 404 NoSuchCORSConfiguration when it has none.
    pub async fn get_bucket_cors(&self, bucket: &str) -> Result<Output<CorsConfiguration>, Error> {
        self.get_config(bucket, "cors", "CORSConfiguration").await
    }

    /// Removes the CORS rules (204, also when there were none).
    pub async fn delete_bucket_cors(&self, bucket: &str) -> Result<Output<()>, Error> {
        self.delete_config(bucket, "cors").await
    }

    /// A browser's preflight (`OPTIONS`, unsigned, as a browser sends it) for `key`, or for the
    /// bucket itself. The granted `Access-Control-*` headers are in the answer's headers; a
    /// request no rule allows is 403 AccessForbidden.
    pub async fn option_object(&self, bucket: &str, key: Option<&str>, ask: &Preflight) -> Result<Output<()>, Error> {
        let req = self
            .request(Method::OPTIONS, Some(bucket), key)
            .sign(false)
            .header("origin", ask.origin.as_str())
            .header("access-control-request-method", ask.method.as_str())
            .header_opt("access-control-request-headers", ask.headers.as_deref());
        Ok(empty(req.send().await?))
    }

    pub async fn put_bucket_referer(&self, bucket: &str, referer: &RefererConfiguration) -> Result<Output<()>, Error> {
        self.put_config(bucket, "referer", "RefererConfiguration", referer).await
    }

    /// The bucket's referer lists (a bucket that never set them answers the open default).
    pub async fn get_bucket_referer(&self, bucket: &str) -> Result<Output<RefererConfiguration>, Error> {
        self.get_config(bucket, "referer", "RefererConfiguration").await
    }

    /// Sets (or, with no `LoggingEnabled`, stops) access logging into a bucket of the same owner
    /// and region.
    pub async fn put_bucket_logging(&self, bucket: &str, logging: &BucketLoggingStatus) -> Result<Output<()>, Error> {
        self.put_config(bucket, "logging", "BucketLoggingStatus", logging).await
    }

    pub async fn get_bucket_logging(&self, bucket: &str) -> Result<Output<BucketLoggingStatus>, Error> {
        self.get_config(bucket, "logging", "BucketLoggingStatus").await
    }

    pub async fn delete_bucket_logging(&self, bucket: &str) -> Result<Output<()>, Error> {
        self.delete_config(bucket, "logging").await
    }

    /// Sets the bucket's default server-side encryption.
    pub async fn put_bucket_encryption(&self, bucket: &str, rule: &BucketEncryptionRule) -> Result<Output<()>, Error> {
        self.put_config(bucket, "encryption", "ServerSideEncryptionRule", rule).await
    }

    /// The default encryption; 404 NoSuchServerSideEncryptionRule when there is none.
    pub async fn get_bucket_encryption(&self, bucket: &str) -> Result<Output<BucketEncryptionRule>, Error> {
        self.get_config(bucket, "encryption", "ServerSideEncryptionRule").await
    }

    pub async fn delete_bucket_encryption(&self, bucket: &str) -> Result<Output<()>, Error> {
        self.delete_config(bucket, "encryption").await
    }

    /// `Payer`: `BucketOwner` or `Requester`.
    pub async fn put_bucket_request_payment(
        &self,
        bucket: &str,
        payment: &RequestPaymentConfiguration,
    ) -> Result<Output<()>, Error> {
        self.put_config(bucket, "requestPayment", "RequestPaymentConfiguration", payment).await
    }

    pub async fn get_bucket_request_payment(&self, bucket: &str) -> Result<Output<RequestPaymentConfiguration>, Error> {
        self.get_config(bucket, "requestPayment", "RequestPaymentConfiguration").await
    }

    pub async fn put_bucket_public_access_block(
        &self,
        bucket: &str,
        block: &PublicAccessBlockConfiguration,
    ) -> Result<Output<()>, Error> {
        self.put_config(bucket, "publicAccessBlock", "PublicAccessBlockConfiguration", block).await
    }

    pub async fn get_bucket_public_access_block(
        &self,
        bucket: &str,
    ) -> Result<Output<PublicAccessBlockConfiguration>, Error> {
        self.get_config(bucket, "publicAccessBlock", "PublicAccessBlockConfiguration").await
    }

    pub async fn delete_bucket_public_access_block(&self, bucket: &str) -> Result<Output<()>, Error> {
        self.delete_config(bucket, "publicAccessBlock").await
    }

    pub async fn put_bucket_https_config(&self, bucket: &str, https: &HttpsConfiguration) -> Result<Output<()>, Error> {
        self.put_config(bucket, "httpsConfig", "HttpsConfiguration", https).await
    }

    pub async fn get_bucket_https_config(&self, bucket: &str) -> Result<Output<HttpsConfiguration>, Error> {
        self.get_config(bucket, "httpsConfig", "HttpsConfiguration").await
    }

    /// Storage and object counts by storage class (real OSS updates them within the hour).
    pub async fn get_bucket_stat(&self, bucket: &str) -> Result<Output<BucketStat>, Error> {
        self.get_config(bucket, "stat", "BucketStat").await
    }
}
