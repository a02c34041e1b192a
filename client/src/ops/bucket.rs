//! Service- and bucket-level operations.

use oss_protocol::headers as h;
use oss_protocol::xml::{
    self, AccessControlPolicy, BucketInfo, CreateBucketConfiguration, ListAllMyBucketsResult, RegionInfoList,
};
use reqwest::Method;

use super::{empty, Output};
use crate::client::Client;
use crate::error::Error;

/// ListBuckets (GetService) parameters.
#[derive(Debug, Clone, Default)]
pub struct ListBucketsOptions {
    pub prefix: Option<String>,
    pub marker: Option<String>,
    pub max_keys: Option<u32>,
}

impl Client {
    /// `GET /` on the service.
    pub async fn list_buckets(&self, opts: &ListBucketsOptions) -> Result<Output<ListAllMyBucketsResult>, Error> {
        let resp = self
            .request(Method::GET, None, None)
            .query_opt("prefix", opts.prefix.clone())
            .query_opt("marker", opts.marker.clone())
            .query_opt("max-keys", opts.max_keys.map(|n| n.to_string()))
            .send()
            .await?;
        let data = resp.xml("ListAllMyBucketsResult")?;
        Ok(Output::from_response(resp, data))
    }

    /// DescribeRegions: every OSS region with its endpoints, or only `region` (`oss-cn-hangzhou`).
    pub async fn describe_regions(&self, region: Option<&str>) -> Result<Output<RegionInfoList>, Error> {
        let resp = self.request(Method::GET, None, None).query("regions", region.unwrap_or_default()).send().await?;
        let data = resp.xml("RegionInfoList")?;
        Ok(Output::from_response(resp, data))
    }

    /// `PUT /` on the bucket, with `x-oss-acl` and a `<CreateBucketConfiguration>` body when given.
    pub async fn put_bucket(
        &self,
        bucket: &str,
        acl: Option<&str>,
        config: Option<&CreateBucketConfiguration>,
    ) -> Result<Output<()>, Error> {
        let mut req = self.request(Method::PUT, Some(bucket), None).header_opt(h::ACL, acl);
        if let Some(config) = config {
            req = req.body(xml::to_xml("CreateBucketConfiguration", config));
        }
        Ok(empty(req.send().await?))
    }

    pub async fn delete_bucket(&self, bucket: &str) -> Result<Output<()>, Error> {
        Ok(empty(self.request(Method::DELETE, Some(bucket), None).send().await?))
    }

    /// `GET /?location`: the `oss-…` location text.
    pub async fn get_bucket_location(&self, bucket: &str) -> Result<Output<String>, Error> {
        let resp = self.request(Method::GET, Some(bucket), None).query("location", "").send().await?;
        let text = std::str::from_utf8(&resp.body).unwrap_or_default();
        let location = xml::element_text(text, "LocationConstraint")
            .ok_or_else(|| Error::invalid("no <LocationConstraint> in the answer", resp.status, &resp.headers))?;
        Ok(Output::from_response(resp, location))
    }

    pub async fn get_bucket_info(&self, bucket: &str) -> Result<Output<BucketInfo>, Error> {
        let resp = self.request(Method::GET, Some(bucket), None).query("bucketInfo", "").send().await?;
        let data = resp.xml("BucketInfo")?;
        Ok(Output::from_response(resp, data))
    }

    pub async fn put_bucket_acl(&self, bucket: &str, acl: &str) -> Result<Output<()>, Error> {
        let req = self.request(Method::PUT, Some(bucket), None).query("acl", "").header(h::ACL, acl);
        Ok(empty(req.send().await?))
    }

    pub async fn get_bucket_acl(&self, bucket: &str) -> Result<Output<AccessControlPolicy>, Error> {
        let resp = self.request(Method::GET, Some(bucket), None).query("acl", "").send().await?;
        let data = resp.xml("AccessControlPolicy")?;
        Ok(Output::from_response(resp, data))
    }
}
