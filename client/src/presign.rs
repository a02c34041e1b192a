//! Presigned URLs, V1 (`OSSAccessKeyId`/`Expires`/`Signature`) or V4 (`x-oss-signature`…).

use std::time::{Duration, SystemTime};

use oss_protocol::encoding::build_query;
use oss_protocol::sign::{self, SignableRequest};
use oss_protocol::time::{format_v4_datetime, unix_seconds};
use reqwest::Method;

use crate::client::Client;
use crate::config::SignatureVersion;
use crate::error::Error;

/// Everything a presigned URL covers. `headers` are the ones the URL's user will send (e.g.
/// `content-type` for a PUT); names are lowercased before signing.
#[derive(Debug, Clone)]
pub struct PresignRequest {
    pub method: Method,
    pub bucket: Option<String>,
    pub key: Option<String>,
    pub expires: Duration,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    /// V4 `x-oss-additional-headers` candidates.
    pub additional_headers: Vec<String>,
    /// The signing time; now when `None`.
    pub time: Option<SystemTime>,
    /// Overrides the configured signature version.
    pub signature: Option<SignatureVersion>,
}

impl PresignRequest {
    pub fn new(method: Method, bucket: Option<&str>, key: Option<&str>, expires: Duration) -> Self {
        PresignRequest {
            method,
            bucket: bucket.map(str::to_owned),
            key: key.map(str::to_owned),
            expires,
            query: Vec::new(),
            headers: Vec::new(),
            additional_headers: Vec::new(),
            time: None,
            signature: None,
        }
    }
}

impl Client {
    /// A presigned URL valid for `expires` from now, signed per the configured version.
    pub fn presign(
        &self,
        method: Method,
        bucket: Option<&str>,
        key: Option<&str>,
        expires: Duration,
        query: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Result<String, Error> {
        let mut req = PresignRequest::new(method, bucket, key, expires);
        req.query = query.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect();
        req.headers = headers.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect();
        self.presign_request(&req)
    }

    pub fn presign_request(&self, req: &PresignRequest) -> Result<String, Error> {
        let config = self.config();
        let creds = config
            .current_credentials()
            .ok_or_else(|| Error::usage("presigning needs credentials; the client is anonymous"))?;
        let headers: Vec<(String, String)> =
            req.headers.iter().map(|(n, v)| (n.to_ascii_lowercase(), v.clone())).collect();
        let signable = SignableRequest {
            method: req.method.as_str(),
            bucket: req.bucket.as_deref(),
            key: req.key.as_deref(),
            query: &req.query,
            headers: &headers,
        };
        let now = req.time.unwrap_or_else(|| self.now());
        let added = match req.signature.unwrap_or(config.signature) {
            SignatureVersion::V1 => {
                let expires =
                    unix_seconds(now).saturating_add(i64::try_from(req.expires.as_secs()).unwrap_or(i64::MAX));
                sign::presign_v1(&signable, &creds, expires)
            }
            SignatureVersion::V4 => {
                let requested: Vec<&str> = req.additional_headers.iter().map(String::as_str).collect();
                let additional = sign::v4_additional_headers(&requested, &headers);
                sign::presign_v4(
                    &signable,
                    &creds,
                    &config.region,
                    &config.product,
                    &format_v4_datetime(now),
                    req.expires.as_secs(),
                    &additional,
                )
            }
        };
        let mut query = req.query.clone();
        query.extend(added);
        let mut url = self.url(req.bucket.as_deref(), req.key.as_deref())?;
        let q = build_query(query.iter().map(|(n, v)| (n.as_str(), v.as_str())));
        url.set_query(Some(&q).filter(|q| !q.is_empty()).map(String::as_str));
        Ok(url.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Config;
    use oss_protocol::encoding::parse_query;
    use oss_protocol::time::from_unix_seconds;

    fn client(version: SignatureVersion, token: Option<&str>) -> Client {
        let mut c = Config::new("http://127.0.0.1:9000", "cn-hangzhou").credentials("ak", "sk").signature(version);
        if let Some(t) = token {
            c = c.security_token(t);
        }
        Client::new(c).unwrap()
    }

    fn param(url: &str, name: &str) -> Option<String> {
        let q = url.split_once('?')?.1;
        parse_query(q).into_iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    fn pairs(v: &serde_json::Value) -> Vec<(String, String)> {
        v.as_array()
            .map(|a| a.iter().map(|p| (p[0].as_str().unwrap().to_owned(), p[1].as_str().unwrap().to_owned())).collect())
            .unwrap_or_default()
    }

    /// Every presign vector of `fixtures/signatures.json`, through the client's URL building.
    #[test]
    fn fixture_vectors() {
        let fixtures: serde_json::Value =
            serde_json::from_str(include_str!("../../fixtures/signatures.json")).expect("fixture JSON");
        let sections = [
            ("v1_presign", SignatureVersion::V1, "Signature"),
            ("v4_presign", SignatureVersion::V4, "x-oss-signature"),
        ];
        for (section, version, signature) in sections {
            for case in fixtures[section].as_array().expect("vectors") {
                let mut config = Config::new("http://127.0.0.1:9000", case["region"].as_str().unwrap_or("cn-hangzhou"))
                    .credentials(case["access_key_id"].as_str().unwrap(), case["access_key_secret"].as_str().unwrap())
                    .product(case["product"].as_str().unwrap_or("oss"))
                    .signature(version);
                if let Some(token) = case["security_token"].as_str() {
                    config = config.security_token(token);
                }
                let c = Client::new(config).unwrap();
                // V1 vectors give the absolute Expires, V4 vectors the signing time and lifetime.
                let (lifetime, signed_at) = match version {
                    SignatureVersion::V1 => (600, case["expires"].as_i64().unwrap() - 600),
                    SignatureVersion::V4 => (case["expires"].as_u64().unwrap(), case["time"].as_i64().unwrap()),
                };
                let method = Method::from_bytes(case["method"].as_str().unwrap().as_bytes()).unwrap();
                let mut req = PresignRequest::new(
                    method,
                    case["bucket"].as_str(),
                    case["key"].as_str(),
                    Duration::from_secs(lifetime),
                );
                req.query = pairs(&case["query"]);
                req.headers = pairs(&case["headers"]);
                req.additional_headers = case["additional_headers"]
                    .as_array()
                    .map(|a| a.iter().map(|h| h.as_str().unwrap().to_owned()).collect())
                    .unwrap_or_default();
                req.time = Some(from_unix_seconds(signed_at));
                let url = c.presign_request(&req).unwrap();
                assert_eq!(param(&url, signature).as_deref(), case["signature"].as_str(), "{section} {}", case["name"]);
                if let Some(token) = case["security_token"].as_str() {
                    let name = if version == SignatureVersion::V1 { "security-token" } else { "x-oss-security-token" };
                    assert_eq!(param(&url, name).as_deref(), Some(token));
                }
            }
        }
    }

    #[test]
    fn url_shape() {
        let c = client(SignatureVersion::V1, None);
        let mut req = PresignRequest::new(Method::GET, Some("bucket"), Some("key+123"), Duration::from_secs(600));
        req.query.push(("versionId".into(), "versionId".into()));
        req.time = Some(from_unix_seconds(1699807604));
        let url = c.presign_request(&req).unwrap();
        assert!(url.starts_with("http://127.0.0.1:9000/bucket/key%2B123?versionId=versionId&"), "{url}");
        assert_eq!(param(&url, "Expires").as_deref(), Some("1699808204"));
        assert_eq!(param(&url, "OSSAccessKeyId").as_deref(), Some("ak"));
    }

    #[test]
    fn anonymous_cannot_presign() {
        let c = Client::new(Config::new("http://127.0.0.1:9000", "cn-hangzhou")).unwrap();
        assert!(matches!(
            c.presign(Method::GET, Some("b"), Some("k"), Duration::from_secs(60), &[], &[]),
            Err(Error::Usage(_))
        ));
    }
}
