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

    #[test]
    fn v1_vectors() {
        // fixtures/signatures.json v1_presign "security token, plus in key".
        let c = client(SignatureVersion::V1, Some("token"));
        let mut req = PresignRequest::new(Method::GET, Some("bucket"), Some("key+123"), Duration::from_secs(600));
        req.query.push(("versionId".into(), "versionId".into()));
        req.time = Some(from_unix_seconds(1699808204 - 600));
        let url = c.presign_request(&req).unwrap();
        assert!(url.starts_with("http://127.0.0.1:9000/bucket/key%2B123?versionId=versionId&"), "{url}");
        assert_eq!(param(&url, "Signature").as_deref(), Some("jzKYRrM5y6Br0dRFPaTGOsbrDhY="));
        assert_eq!(param(&url, "Expires").as_deref(), Some("1699808204"));
        assert_eq!(param(&url, "security-token").as_deref(), Some("token"));
        assert_eq!(param(&url, "OSSAccessKeyId").as_deref(), Some("ak"));
    }

    #[test]
    fn v4_vectors() {
        // fixtures/signatures.json v4_presign "additional headers".
        let c = client(SignatureVersion::V4, None);
        let mut req =
            PresignRequest::new(Method::PUT, Some("bucket"), Some("1234+-/123/1.txt"), Duration::from_secs(599));
        for (n, v) in [
            ("+param1", "value3"),
            ("+param2", ""),
            ("param1", "value1"),
            ("param2", ""),
            ("|param1", "value4"),
            ("|param2", ""),
        ] {
            req.query.push((n.into(), v.into()));
        }
        for (n, v) in [
            ("x-oss-head1", "value"),
            ("abc", "value"),
            ("ZAbc", "value"),
            ("xyz", "value"),
            ("content-type", "application/octet-stream"),
        ] {
            req.headers.push((n.into(), v.into()));
        }
        req.additional_headers = vec!["x-oss-no-exist".into(), "abc".into(), "x-oss-head1".into(), "ZAbc".into()];
        req.time = Some(from_unix_seconds(1702783809));
        let url = c.presign_request(&req).unwrap();
        assert_eq!(
            param(&url, "x-oss-signature").as_deref(),
            Some("6bd984bfe531afb6db1f7550983a741b103a8c58e5e14f83ea474c2322dfa2b7"),
            "{url}"
        );
        assert_eq!(param(&url, "x-oss-additional-headers").as_deref(), Some("abc;zabc"));
        assert_eq!(param(&url, "x-oss-date").as_deref(), Some("20231217T033009Z"));
        assert_eq!(param(&url, "x-oss-expires").as_deref(), Some("599"));
        assert!(url.starts_with("http://127.0.0.1:9000/bucket/1234%2B-/123/1.txt?%2Bparam1=value3&"), "{url}");
    }

    #[test]
    fn v4_with_token() {
        let c = client(SignatureVersion::V4, Some("token"));
        let mut req =
            PresignRequest::new(Method::PUT, Some("bucket"), Some("1234+-/123/1.txt"), Duration::from_secs(599));
        for (n, v) in [
            ("+param1", "value3"),
            ("+param2", ""),
            ("param1", "value1"),
            ("param2", ""),
            ("|param1", "value4"),
            ("|param2", ""),
        ] {
            req.query.push((n.into(), v.into()));
        }
        for (n, v) in [
            ("x-oss-head1", "value"),
            ("abc", "value"),
            ("zabc", "value"),
            ("xyz", "value"),
            ("content-type", "application/octet-stream"),
        ] {
            req.headers.push((n.into(), v.into()));
        }
        req.time = Some(from_unix_seconds(1702785388));
        let url = c.presign_request(&req).unwrap();
        assert_eq!(
            param(&url, "x-oss-signature").as_deref(),
            Some("3817ac9d206cd6dfc90f1c09c00be45005602e55898f26f5ddb06d7892e1f8b5")
        );
        assert_eq!(param(&url, "x-oss-security-token").as_deref(), Some("token"));
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
