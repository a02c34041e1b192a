//! Bucket configurations, with the wire documents as typed requests and answers:
//! Put/Get/DeleteBucketCors and the preflight (OptionObject), Put/GetBucketReferer,
//! Put/Get/DeleteBucketLogging, Put/Get/DeleteBucketEncryption, Put/GetBucketRequestPayment,
//! Put/Get/DeleteBucketPublicAccessBlock, Put/GetBucketHttpsConfig, GetBucketStat,
//! Put/Get/DeleteBucketWebsite, Put/Get/List/DeleteBucketInventory,
//! Put/GetBucketTransferAcceleration, Put/GetBucketResourceGroup, Put/GetBucketAccessMonitor and
//! ListLiveChannel.

use oss_protocol::xml::{
    self, AccessMonitorConfiguration, BucketCallbackPolicy, BucketEncryptionRule, BucketLoggingStatus,
    BucketResourceGroupConfiguration, BucketStat, BucketUserQos, CallbackPolicyItem, CorsConfiguration, Element,
    HttpsConfiguration, ListLiveChannelResult, PublicAccessBlockConfiguration, QoSConfiguration, RefererConfiguration,
    RequestPaymentConfiguration, TransferAccelerationConfiguration,
};
use reqwest::Method;
use serde::{de::DeserializeOwned, Serialize};

use super::{empty, Output};
use crate::client::Client;
use crate::error::Error;
use crate::request::RequestBuilder;

/// What a CORS preflight asks: may `origin` send `method` with these request headers?
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Preflight {
    pub origin: String,
    pub method: String,
    /// `Access-Control-Request-Headers`, as one comma-separated list.
    pub headers: Option<String>,
}

impl Client {
    /// `bucket`: a bucket name, or `None` for the account's own setting (on the service host).
    async fn put_config<'a, T: Serialize>(
        &self,
        bucket: impl Into<Option<&'a str>>,
        sub: &str,
        root: &str,
        doc: &T,
    ) -> Result<Output<()>, Error> {
        self.put_config_at(bucket, &[(sub, "")], root, doc).await
    }

    /// [`Self::put_config`] for a configuration named by several query parameters.
    async fn put_config_at<'a, T: Serialize>(
        &self,
        bucket: impl Into<Option<&'a str>>,
        query: &[(&str, &str)],
        root: &str,
        doc: &T,
    ) -> Result<Output<()>, Error> {
        let req = with_query(self.request(Method::PUT, bucket.into(), None), query);
        Ok(empty(req.body(xml::to_xml(root, doc)).send().await?))
    }

    async fn get_config<'a, T: DeserializeOwned>(
        &self,
        bucket: impl Into<Option<&'a str>>,
        sub: &str,
        root: &str,
    ) -> Result<Output<T>, Error> {
        self.get_config_at(bucket, &[(sub, "")], root).await
    }

    async fn get_config_at<'a, T: DeserializeOwned>(
        &self,
        bucket: impl Into<Option<&'a str>>,
        query: &[(&str, &str)],
        root: &str,
    ) -> Result<Output<T>, Error> {
        let resp = with_query(self.request(Method::GET, bucket.into(), None), query).send().await?;
        let doc: T = resp.xml(root)?;
        Ok(Output::from_response(resp, doc))
    }

    async fn delete_config<'a>(&self, bucket: impl Into<Option<&'a str>>, sub: &str) -> Result<Output<()>, Error> {
        self.delete_config_at(bucket, &[(sub, "")]).await
    }

    async fn delete_config_at<'a>(
        &self,
        bucket: impl Into<Option<&'a str>>,
        query: &[(&str, &str)],
    ) -> Result<Output<()>, Error> {
        Ok(empty(with_query(self.request(Method::DELETE, bucket.into(), None), query).send().await?))
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

    /// The account-level public access block: in force on every bucket of the account, whatever
    /// the bucket's own setting.
    pub async fn put_public_access_block(&self, block: &PublicAccessBlockConfiguration) -> Result<Output<()>, Error> {
        self.put_config(None, "publicAccessBlock", "PublicAccessBlockConfiguration", block).await
    }

    pub async fn get_public_access_block(&self) -> Result<Output<PublicAccessBlockConfiguration>, Error> {
        self.get_config(None, "publicAccessBlock", "PublicAccessBlockConfiguration").await
    }

    pub async fn delete_public_access_block(&self) -> Result<Output<()>, Error> {
        self.delete_config(None, "publicAccessBlock").await
    }

    pub async fn put_bucket_https_config(&self, bucket: &str, https: &HttpsConfiguration) -> Result<Output<()>, Error> {
        self.put_config(bucket, "httpsConfig", "HttpsConfiguration", https).await
    }

    pub async fn get_bucket_https_config(&self, bucket: &str) -> Result<Output<HttpsConfiguration>, Error> {
        self.get_config(bucket, "httpsConfig", "HttpsConfiguration").await
    }

    /// PutBucketStorageCapacity (`?qos`): the bucket's capacity in GB, `-1` for none.
    pub async fn put_bucket_storage_capacity(&self, bucket: &str, capacity_gb: i64) -> Result<Output<()>, Error> {
        let doc = BucketUserQos { storage_capacity: capacity_gb.to_string() };
        self.put_config(bucket, "qos", "BucketUserQos", &doc).await
    }

    pub async fn get_bucket_storage_capacity(&self, bucket: &str) -> Result<Output<BucketUserQos>, Error> {
        self.get_config(bucket, "qos", "BucketUserQos").await
    }

    /// PutBucketQoSInfo: bandwidths in Gbit/s and requests per second within the account's
    /// limits ([`Client::get_user_qos_info`]); a member left out is no limit (`-1`).
    pub async fn put_bucket_qos_info(&self, bucket: &str, qos: &QoSConfiguration) -> Result<Output<()>, Error> {
        self.put_config(bucket, "qosInfo", "QoSConfiguration", qos).await
    }

    pub async fn get_bucket_qos_info(&self, bucket: &str) -> Result<Output<QoSConfiguration>, Error> {
        self.get_config(bucket, "qosInfo", "QoSConfiguration").await
    }

    pub async fn delete_bucket_qos_info(&self, bucket: &str) -> Result<Output<()>, Error> {
        self.delete_config(bucket, "qosInfo").await
    }

    /// GetUserQoSInfo: the account's limits in the client's region (with `Region`).
    pub async fn get_user_qos_info(&self) -> Result<Output<QoSConfiguration>, Error> {
        self.get_config(None, "qosInfo", "QoSConfiguration").await
    }

    /// PutBucketCallbackPolicy: named callbacks an upload asks for with
    /// `Callback::stored("<name>")`; an empty list leaves none.
    pub async fn put_bucket_callback_policy(
        &self,
        bucket: &str,
        items: &[CallbackPolicyItem],
    ) -> Result<Output<()>, Error> {
        let doc = BucketCallbackPolicy { items: items.to_vec() };
        self.put_config_at(bucket, CALLBACK_POLICY, "BucketCallbackPolicy", &doc).await
    }

    /// The bucket's named callbacks; 404 BucketCallbackPolicyNotExist when it has none.
    pub async fn get_bucket_callback_policy(&self, bucket: &str) -> Result<Output<BucketCallbackPolicy>, Error> {
        self.get_config_at(bucket, CALLBACK_POLICY, "BucketCallbackPolicy").await
    }

    pub async fn delete_bucket_callback_policy(&self, bucket: &str) -> Result<Output<()>, Error> {
        self.delete_config_at(bucket, CALLBACK_POLICY).await
    }

    /// Storage and object counts by storage class (real OSS updates them within the hour).
    pub async fn get_bucket_stat(&self, bucket: &str) -> Result<Output<BucketStat>, Error> {
        self.get_config(bucket, "stat", "BucketStat").await
    }

    async fn put_tree(&self, bucket: &str, query: &[(&str, &str)], doc: &Element) -> Result<Output<()>, Error> {
        let req = with_query(self.request(Method::PUT, Some(bucket), None), query);
        Ok(empty(req.body(doc.to_document()).send().await?))
    }

    async fn get_tree(&self, bucket: &str, query: &[(&str, &str)], root: &str) -> Result<Output<Element>, Error> {
        let resp = with_query(self.request(Method::GET, Some(bucket), None), query).send().await?;
        let doc = Element::parse(&resp.text()).ok().filter(|d| d.name == root).ok_or_else(|| {
            Error::invalid(format!("expected an XML document with root <{root}>"), resp.status, &resp.headers)
        })?;
        Ok(Output::from_response(resp, doc))
    }

    /// Sets the static-website document (`<WebsiteConfiguration>`: IndexDocument, ErrorDocument,
    /// RoutingRules). Given as an element tree because its routing rules have dozens of optional
    /// fields; OSS keeps and returns them all.
    pub async fn put_bucket_website(&self, bucket: &str, website: &Element) -> Result<Output<()>, Error> {
        self.put_tree(bucket, &[("website", "")], website).await
    }

    /// 404 NoSuchWebsiteConfiguration when the bucket has none.
    pub async fn get_bucket_website(&self, bucket: &str) -> Result<Output<Element>, Error> {
        self.get_tree(bucket, &[("website", "")], "WebsiteConfiguration").await
    }

    pub async fn delete_bucket_website(&self, bucket: &str) -> Result<Output<()>, Error> {
        self.delete_config(bucket, "website").await
    }

    /// Adds an inventory configuration (`<InventoryConfiguration>`), under its `<Id>`; 409
    /// InventoryConfigurationAlreadyExists when the id is taken.
    pub async fn put_bucket_inventory(&self, bucket: &str, id: &str, inventory: &Element) -> Result<Output<()>, Error> {
        self.put_tree(bucket, &[("inventory", ""), ("inventoryId", id)], inventory).await
    }

    pub async fn get_bucket_inventory(&self, bucket: &str, id: &str) -> Result<Output<Element>, Error> {
        self.get_tree(bucket, &[("inventory", ""), ("inventoryId", id)], "InventoryConfiguration").await
    }

    /// One page (100) of `<ListInventoryConfigurationsResult>`; 404 NoSuchInventory when the
    /// bucket has none.
    pub async fn list_bucket_inventory(
        &self,
        bucket: &str,
        continuation: Option<&str>,
    ) -> Result<Output<Element>, Error> {
        let mut query = vec![("inventory", "")];
        query.extend(continuation.map(|c| ("continuation-token", c)));
        self.get_tree(bucket, &query, "ListInventoryConfigurationsResult").await
    }

    pub async fn delete_bucket_inventory(&self, bucket: &str, id: &str) -> Result<Output<()>, Error> {
        let req = self.request(Method::DELETE, Some(bucket), None).query("inventory", "").query("inventoryId", id);
        Ok(empty(req.send().await?))
    }

    pub async fn put_bucket_transfer_acceleration(&self, bucket: &str, enabled: bool) -> Result<Output<()>, Error> {
        let doc = TransferAccelerationConfiguration { enabled: enabled.to_string() };
        self.put_config(bucket, "transferAcceleration", "TransferAccelerationConfiguration", &doc).await
    }

    /// 404 NoSuchTransferAccelerationConfiguration until it was first set.
    pub async fn get_bucket_transfer_acceleration(
        &self,
        bucket: &str,
    ) -> Result<Output<TransferAccelerationConfiguration>, Error> {
        self.get_config(bucket, "transferAcceleration", "TransferAccelerationConfiguration").await
    }

    pub async fn put_bucket_resource_group(&self, bucket: &str, group: &str) -> Result<Output<()>, Error> {
        let doc = BucketResourceGroupConfiguration { resource_group_id: group.to_owned() };
        self.put_config(bucket, "resourceGroup", "BucketResourceGroupConfiguration", &doc).await
    }

    /// The bucket's resource group (the account's default one unless it was moved).
    pub async fn get_bucket_resource_group(
        &self,
        bucket: &str,
    ) -> Result<Output<BucketResourceGroupConfiguration>, Error> {
        self.get_config(bucket, "resourceGroup", "BucketResourceGroupConfiguration").await
    }

    /// Access tracking (`Enabled` / `Disabled`), which access-time lifecycle rules need.
    pub async fn put_bucket_access_monitor(&self, bucket: &str, enabled: bool) -> Result<Output<()>, Error> {
        let status = if enabled { "Enabled" } else { "Disabled" };
        let doc = AccessMonitorConfiguration { status: status.to_owned() };
        self.put_config(bucket, "accessmonitor", "AccessMonitorConfiguration", &doc).await
    }

    pub async fn get_bucket_access_monitor(&self, bucket: &str) -> Result<Output<AccessMonitorConfiguration>, Error> {
        self.get_config(bucket, "accessmonitor", "AccessMonitorConfiguration").await
    }

    /// The bucket's live channels (the emulator keeps none; real OSS lists its RTMP channels).
    pub async fn list_live_channel(&self, bucket: &str) -> Result<Output<ListLiveChannelResult>, Error> {
        self.get_config(bucket, "live", "ListLiveChannelResult").await
    }
}

/// Bucket callback policies are the policy sub-resource's `comp=callback` component.
const CALLBACK_POLICY: &[(&str, &str)] = &[("policy", ""), ("comp", "callback")];

fn with_query(mut req: RequestBuilder, query: &[(&str, &str)]) -> RequestBuilder {
    for (name, value) in query {
        req = req.query(*name, *value);
    }
    req
}
