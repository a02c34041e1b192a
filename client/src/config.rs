//! Client configuration: where to connect, how to address buckets, how to sign.

use std::time::Duration;

pub use oss_protocol::sign::Credentials;

/// Which signature the client puts on requests and presigned URLs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SignatureVersion {
    /// `Authorization: OSS ak:sig` (HMAC-SHA1), what oss2, ali-oss and opendal send by default.
    V1,
    /// `OSS4-HMAC-SHA256`, what the current SDKs send by default.
    #[default]
    V4,
}

/// Where the bucket name travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Addressing {
    /// `{endpoint}/{bucket}/{key}`: the only form that works against an IP endpoint.
    PathStyle,
    /// `{scheme}://{bucket}.{host}/{key}`: what real OSS requires (path style there gives
    /// `SecondLevelDomainForbidden`).
    VirtualHost,
}

/// Everything a [`crate::Client`] needs. Built with [`Config::new`] and chained setters; checked
/// when the client is created, so a bad endpoint surfaces as [`crate::Error::Usage`] there.
#[derive(Debug, Clone)]
pub struct Config {
    pub(crate) endpoint: String,
    pub(crate) region: String,
    pub(crate) access_key: Option<(String, String)>,
    pub(crate) security_token: Option<String>,
    pub(crate) signature: SignatureVersion,
    pub(crate) addressing: Option<Addressing>,
    pub(crate) host_override: Option<String>,
    pub(crate) product: String,
    pub(crate) connect_timeout: Option<Duration>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) verify_crc: bool,
    pub(crate) system_proxy: Option<bool>,
    pub(crate) user_agent: String,
}

impl Config {
    /// `endpoint` is `scheme://host[:port]` (a missing scheme means `http` for an IP literal or
    /// `localhost`, `https` otherwise). `region` is the V4 scope region, `cn-hangzhou`; the OSS
    /// spelling `oss-cn-hangzhou` is accepted and shortened, since the scope never carries `oss-`.
    pub fn new(endpoint: impl Into<String>, region: impl Into<String>) -> Self {
        let region = region.into();
        let region = region.strip_prefix("oss-").map(str::to_owned).unwrap_or(region);
        Config {
            endpoint: endpoint.into(),
            region,
            access_key: None,
            security_token: None,
            signature: SignatureVersion::default(),
            addressing: None,
            host_override: None,
            product: "oss".to_owned(),
            connect_timeout: Some(Duration::from_secs(10)),
            timeout: Some(Duration::from_secs(300)),
            verify_crc: true,
            system_proxy: None,
            user_agent: concat!("oss-client-rs/", env!("CARGO_PKG_VERSION")).to_owned(),
        }
    }

    pub fn credentials(mut self, access_key_id: impl Into<String>, access_key_secret: impl Into<String>) -> Self {
        self.access_key = Some((access_key_id.into(), access_key_secret.into()));
        self
    }

    /// An STS token, sent as `x-oss-security-token` (headers) or the presign parameter.
    pub fn security_token(mut self, token: impl Into<String>) -> Self {
        self.security_token = Some(token.into());
        self
    }

    /// No Authorization at all (public-read buckets, anonymous-access tests).
    pub fn anonymous(mut self) -> Self {
        self.access_key = None;
        self.security_token = None;
        self
    }

    pub fn signature(mut self, version: SignatureVersion) -> Self {
        self.signature = version;
        self
    }

    pub fn addressing(mut self, addressing: Addressing) -> Self {
        self.addressing = Some(addressing);
        self
    }

    /// The Host to send instead of the URL's, while still connecting to the endpoint. With
    /// virtual-host addressing the bucket is prefixed (`bucket.<host>`) and the URL path is just
    /// the key, which is how ali-oss reaches an IP endpoint with
    /// `Host: bucket.oss-cn-hangzhou.aliyuncs.com`; with path style the value is sent verbatim.
    pub fn host_override(mut self, host: Option<String>) -> Self {
        self.host_override = host;
        self
    }

    /// The V4 scope product; `oss` unless talking to CloudBox (`oss-cloudbox`).
    pub fn product(mut self, product: impl Into<String>) -> Self {
        self.product = product.into();
        self
    }

    pub fn connect_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Whole-request timeout, including reading the body.
    pub fn timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = timeout;
        self
    }

    /// Whether uploads and whole-object downloads compare CRC-64 with `x-oss-hash-crc64ecma`
    /// (on by default, as in the SDKs).
    pub fn verify_crc(mut self, verify: bool) -> Self {
        self.verify_crc = verify;
        self
    }

    /// Whether `HTTP(S)_PROXY` from the environment applies. Defaults to off for IP and
    /// `localhost` endpoints, because a proxy cannot reach the emulator on this machine's
    /// loopback, and on for everything else.
    pub fn system_proxy(mut self, enabled: bool) -> Self {
        self.system_proxy = Some(enabled);
        self
    }

    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The V4 scope region (`cn-hangzhou`).
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The OSS spelling of the region (`oss-cn-hangzhou`), used in `LocationConstraint`.
    pub fn location(&self) -> String {
        format!("oss-{}", self.region)
    }

    pub fn signature_version(&self) -> SignatureVersion {
        self.signature
    }

    pub fn crc_verification(&self) -> bool {
        self.verify_crc
    }

    pub fn product_name(&self) -> &str {
        &self.product
    }

    pub fn host_override_value(&self) -> Option<&str> {
        self.host_override.as_deref()
    }

    /// The credentials requests are signed with; `None` when anonymous.
    pub fn current_credentials(&self) -> Option<Credentials> {
        self.access_key.as_ref().map(|(ak, sk)| Credentials {
            access_key_id: ak.clone(),
            access_key_secret: sk.clone(),
            security_token: self.security_token.clone(),
        })
    }
}
