//! Bucket retention (WORM): InitiateBucketWorm, AbortBucketWorm, CompleteBucketWorm,
//! ExtendBucketWorm, GetBucketWorm. While a policy stands, objects may not be overwritten or
//! deleted until their retention period ends (409 FileImmutable).

use oss_protocol::headers::WORM_ID;
use oss_protocol::xml::{self, WormConfiguration, WormRetention};
use reqwest::Method;

use super::{empty, Output};
use crate::client::Client;
use crate::error::Error;

fn retention(days: u32) -> WormRetention {
    WormRetention { retention_period_in_days: days.to_string() }
}

impl Client {
    /// Starts a policy of `days` (unlocked, it lapses after 24 hours); answers its id.
    pub async fn initiate_bucket_worm(&self, bucket: &str, days: u32) -> Result<Output<String>, Error> {
        let body = xml::to_xml("InitiateWormConfiguration", &retention(days));
        let resp = self.request(Method::POST, Some(bucket), None).query("worm", "").body(body).send().await?;
        let id = resp.header(WORM_ID).unwrap_or_default().to_owned();
        Ok(Output::from_response(resp, id))
    }

    /// Withdraws an unlocked policy; 403 WORMConfigurationLocked once it is locked.
    pub async fn abort_bucket_worm(&self, bucket: &str) -> Result<Output<()>, Error> {
        Ok(empty(self.request(Method::DELETE, Some(bucket), None).query("worm", "").send().await?))
    }

    /// Locks the policy for good.
    pub async fn complete_bucket_worm(&self, bucket: &str, worm_id: &str) -> Result<Output<()>, Error> {
        Ok(empty(self.request(Method::POST, Some(bucket), None).query("wormId", worm_id).send().await?))
    }

    /// Lengthens a locked policy (only longer: 400 InvalidWORMConfiguration otherwise).
    pub async fn extend_bucket_worm(&self, bucket: &str, worm_id: &str, days: u32) -> Result<Output<()>, Error> {
        let body = xml::to_xml("ExtendWormConfiguration", &retention(days));
        let req =
            self.request(Method::POST, Some(bucket), None).query("wormExtend", "").query("wormId", worm_id).body(body);
        Ok(empty(req.send().await?))
    }

    /// 404 NoSuchWORMConfiguration when there is none (or an unlocked one lapsed).
    pub async fn get_bucket_worm(&self, bucket: &str) -> Result<Output<WormConfiguration>, Error> {
        let resp = self.request(Method::GET, Some(bucket), None).query("worm", "").send().await?;
        let doc = resp.xml("WormConfiguration")?;
        Ok(Output::from_response(resp, doc))
    }
}
