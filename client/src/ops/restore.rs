//! RestoreObject, and reading `x-oss-restore` back.

use std::time::SystemTime;

use http::StatusCode;
use oss_protocol::headers as h;
use oss_protocol::xml::{self, JobParameters, RestoreRequest};
use oss_protocol::RestoreTier;
use reqwest::Method;

use super::Output;
use crate::client::Client;
use crate::error::Error;

/// What to restore for how long; the default sends no body (one day, the class's default tier).
#[derive(Debug, Clone, Default)]
pub struct RestoreOptions {
    /// How many days the restored copy stays readable (Archive 1–7, cold archives 1–365).
    pub days: Option<u32>,
    /// ColdArchive and DeepColdArchive only: an Archive object refuses a tier (MalformedXML).
    pub tier: Option<RestoreTier>,
    pub version_id: Option<String>,
}

/// The answer to RestoreObject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoreResult {
    /// `true` when this call started a restore (202); `false` when the object was already
    /// restored (200: the restored period was extended).
    pub started: bool,
    /// `x-oss-object-restore-priority`: the tier a cold archive is restored at.
    pub priority: Option<RestoreTier>,
}

/// `x-oss-restore`, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RestoreStatus {
    Ongoing,
    /// Readable until `expiry` (`None` if the header's date did not parse).
    Restored {
        expiry: Option<SystemTime>,
    },
}

impl RestoreStatus {
    /// `ongoing-request="true"`, or `ongoing-request="false", expiry-date="<RFC 1123>"`. Like
    /// OSS's Java SDK, anything but the exact ongoing form counts as restored.
    pub fn parse(header: &str) -> RestoreStatus {
        if header.trim() == "ongoing-request=\"true\"" {
            return RestoreStatus::Ongoing;
        }
        let expiry = header
            .split_once("expiry-date=")
            .map(|(_, date)| date.trim().trim_matches('"'))
            .and_then(oss_protocol::time::parse_http_date);
        RestoreStatus::Restored { expiry }
    }
}

impl Client {
    /// Starts (or extends) the restore of an archived object.
    pub async fn restore_object(
        &self,
        bucket: &str,
        key: &str,
        opts: &RestoreOptions,
    ) -> Result<Output<RestoreResult>, Error> {
        let mut req = self
            .request(Method::POST, Some(bucket), Some(key))
            .query("restore", "")
            .query_opt("versionId", opts.version_id.as_deref());
        if opts.days.is_some() || opts.tier.is_some() {
            let doc = RestoreRequest {
                days: opts.days.map(|d| d.to_string()),
                job_parameters: opts.tier.map(|t| JobParameters { tier: t.as_str().to_owned() }),
            };
            req = req.body(xml::to_xml("RestoreRequest", &doc));
        }
        let resp = req.send().await?;
        let priority = resp.header(h::RESTORE_PRIORITY).and_then(|t| t.parse().ok());
        let result = RestoreResult { started: resp.status == StatusCode::ACCEPTED, priority };
        Ok(Output::from_response(resp, result))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restore_header_forms() {
        assert_eq!(RestoreStatus::parse("ongoing-request=\"true\""), RestoreStatus::Ongoing);
        let done = RestoreStatus::parse("ongoing-request=\"false\", expiry-date=\"Sun, 16 Apr 2017 08:12:33 GMT\"");
        let RestoreStatus::Restored { expiry: Some(t) } = done else { panic!("{done:?}") };
        let secs = t.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs();
        assert_eq!(secs, 1_492_330_353);
    }
}
