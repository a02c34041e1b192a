//! Client configuration: where to connect, how to address buckets, how to sign.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use oss_protocol::sign::Credentials;

use crate::error::Error;
use crate::retry::RetryPolicy;

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
    pub(crate) retry: RetryPolicy,
    pub(crate) resolve: Vec<(String, SocketAddr)>,
    pub(crate) read_timeout: Option<Duration>,
    pub(crate) pool_max_idle_per_host: Option<usize>,
    pub(crate) pool_idle_timeout: Option<Duration>,
    /// PEM certificate authorities trusted besides the system's (an emulator's generated CA).
    pub(crate) root_certificates: Vec<Vec<u8>>,
    /// Set by [`Config::credentials_from_env`]: the caller wants signed requests, so finding no
    /// credentials is an error rather than a silent switch to anonymous requests.
    pub(crate) credentials_required: bool,
    /// Every request says the caller pays (`x-oss-request-payer: requester`).
    pub(crate) request_payer: bool,
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
            retry: RetryPolicy::none(),
            resolve: Vec::new(),
            read_timeout: None,
            pool_max_idle_per_host: None,
            pool_idle_timeout: Some(Duration::from_secs(50)),
            root_certificates: Vec::new(),
            credentials_required: false,
            request_payer: false,
        }
    }

    /// Trusts the certificate authorities in `pem` (one or more `CERTIFICATE` blocks) besides the
    /// system's: how a client verifies an emulator started with `--tls-self-signed`, whose CA is
    /// `<data-dir>/tls/ca.pem`. Checked when the client is created.
    pub fn root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_certificates.push(pem.into());
        self
    }

    /// Credentials from `OSS_ACCESS_KEY_ID`, `OSS_ACCESS_KEY_SECRET` and `OSS_SESSION_TOKEN`,
    /// as the official SDKs' environment provider reads them. When the first two are not both
    /// set, [`crate::Client::new`] fails saying so (instead of sending anonymous requests that
    /// come back as AccessDenied); [`Config::anonymous`] afterwards asks for unsigned requests.
    pub fn credentials_from_env(mut self) -> Self {
        self.credentials_required = true;
        Profile::from_env().apply_credentials(self)
    }

    /// The error [`crate::Client::new`] reports for credentials that were asked for and are
    /// missing or empty.
    pub(crate) fn check_credentials(&self) -> Result<(), Error> {
        match &self.access_key {
            Some((ak, _)) if ak.is_empty() => Err(Error::usage("the AccessKeyId is empty".to_owned())),
            Some((_, sk)) if sk.is_empty() => Err(Error::usage("the AccessKeySecret is empty".to_owned())),
            None if self.credentials_required => Err(Error::usage(
                "no credentials: OSS_ACCESS_KEY_ID and OSS_ACCESS_KEY_SECRET are not both set (for the \
                 emulator: oss-emulator-ak and oss-emulator-secret); set them, or use \
                 Config::credentials, or Config::anonymous for unsigned requests"
                    .to_owned(),
            )),
            _ => Ok(()),
        }
    }

    /// How failed requests are retried. [`Config::new`] starts with [`RetryPolicy::none`], since a
    /// low-level client used for conformance tests must show every failure as it came; pass
    /// [`RetryPolicy::standard`] for the SDKs' behaviour. Whatever the policy, a
    /// `RequestTimeTooSkewed` answer corrects the clock of later requests (those without an
    /// explicit [`crate::RequestBuilder::date`]).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Connects to `addr` for `host` and every name under it (`bucket.host`), without DNS: how a
    /// virtual-hosted endpoint like `http://oss-cn-hangzhou.aliyuncs.com` reaches a local
    /// emulator. The address's port is used unless the endpoint names one. Turns the system
    /// proxy off unless [`Config::system_proxy`] says otherwise, since a proxy would resolve the
    /// name itself.
    pub fn resolve(mut self, host: impl Into<String>, addr: SocketAddr) -> Self {
        let host = host.into().trim_start_matches('.').to_ascii_lowercase();
        self.resolve.push((host, addr));
        self
    }

    /// The longest wait for the next piece of an answer (a stalled connection), independent of
    /// the whole-request [`Config::timeout`]. Off by default.
    pub fn read_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.read_timeout = timeout;
        self
    }

    /// Idle connections kept per host in the pool (unbounded by default).
    pub fn pool_max_idle_per_host(mut self, max: usize) -> Self {
        self.pool_max_idle_per_host = Some(max);
        self
    }

    /// How long an idle pooled connection is kept: 50 s by default, under the server's keep-alive
    /// timeout, so that the pool does not hand out connections the server already closed.
    pub fn pool_idle_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.pool_idle_timeout = timeout;
        self
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
        self.credentials_required = false;
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

    /// Whether every request says that this caller pays for it (`x-oss-request-payer:
    /// requester`), as another account must when it uses a requester-pays bucket (off by
    /// default; the bucket owner never needs it).
    pub fn request_payer(mut self, pays: bool) -> Self {
        self.request_payer = pays;
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

    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
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

/// Settings gathered from the environment or an ossutil configuration file, each optional so that
/// sources can be layered ([`Profile::or`]): flags over environment over file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Profile {
    pub endpoint: Option<String>,
    pub region: Option<String>,
    pub access_key_id: Option<String>,
    pub access_key_secret: Option<String>,
    pub security_token: Option<String>,
}

impl Profile {
    /// `OSS_ACCESS_KEY_ID`, `OSS_ACCESS_KEY_SECRET`, `OSS_SESSION_TOKEN` (the SDKs' names) and
    /// `OSS_ENDPOINT`, `OSS_REGION` (ossutil's).
    pub fn from_env() -> Profile {
        Profile::from_vars(|name| std::env::var(name).ok())
    }

    /// [`Profile::from_env`] over any variable source (tests pass a map).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Profile {
        let get = |name: &str| var(name).filter(|v| !v.is_empty());
        Profile {
            endpoint: get("OSS_ENDPOINT"),
            region: get("OSS_REGION"),
            access_key_id: get("OSS_ACCESS_KEY_ID"),
            access_key_secret: get("OSS_ACCESS_KEY_SECRET"),
            security_token: get("OSS_SESSION_TOKEN").or_else(|| get("OSS_SECURITY_TOKEN")),
        }
    }

    /// `~/.ossutilconfig`, where ossutil keeps its configuration.
    pub fn default_ossutil_path() -> Option<PathBuf> {
        let home = std::env::var_os("HOME").or_else(|| std::env::var_os("USERPROFILE"))?;
        Some(Path::new(&home).join(".ossutilconfig"))
    }

    /// Reads an ossutil configuration file; see [`Profile::parse_ossutil`].
    pub fn from_ossutil_file(path: &Path, profile: Option<&str>) -> Result<Profile, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
        Profile::parse_ossutil(&text, profile).map_err(|e| match e {
            Error::Usage(m) => Error::usage(format!("{}: {m}", path.display())),
            other => other,
        })
    }

    /// Parses ossutil's INI format. ossutil 1.x keeps one `[Credentials]` section
    /// (`accessKeyID`, `accessKeySecret`, `stsToken`, `endpoint`); ossutil 2.x has `[default]`
    /// and `[profile NAME]` sections (`accessKeyId`, `accessKeySecret`, `securityToken`, `region`,
    /// `endpoint`). Key names are matched case-insensitively, `_` and `-` ignored. With a
    /// `profile` name, that section must exist.
    pub fn parse_ossutil(text: &str, profile: Option<&str>) -> Result<Profile, Error> {
        let wanted: Vec<String> = match profile {
            Some(name) if name != "default" => vec![format!("profile {name}"), name.to_owned()],
            _ => vec!["default".to_owned(), "credentials".to_owned()],
        };
        let mut section: Option<String> = None;
        let mut found = false;
        let mut out = Profile::default();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
                continue;
            }
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                let name = name.trim().to_ascii_lowercase();
                let matched = wanted.iter().any(|w| w.eq_ignore_ascii_case(&name));
                found |= matched;
                section = matched.then_some(name);
                continue;
            }
            if section.is_none() {
                continue;
            }
            let Some((key, value)) = line.split_once('=') else { continue };
            let key: String =
                key.trim().chars().filter(|c| *c != '_' && *c != '-').collect::<String>().to_ascii_lowercase();
            let value = Some(value.trim().to_owned()).filter(|v| !v.is_empty());
            // The first matching section wins for each field, so `[default]` beats `[Credentials]`.
            let slot = match key.as_str() {
                "endpoint" => &mut out.endpoint,
                "region" => &mut out.region,
                "accesskeyid" => &mut out.access_key_id,
                "accesskeysecret" => &mut out.access_key_secret,
                "ststoken" | "securitytoken" | "sessiontoken" => &mut out.security_token,
                _ => continue,
            };
            if slot.is_none() {
                *slot = value;
            }
        }
        if !found && profile.is_some_and(|p| p != "default") {
            return Err(Error::usage(format!(
                "no profile {:?} in the ossutil configuration",
                profile.unwrap_or_default()
            )));
        }
        Ok(out)
    }

    /// Each field from `self`, or from `other` where `self` has none.
    pub fn or(self, other: Profile) -> Profile {
        Profile {
            endpoint: self.endpoint.or(other.endpoint),
            region: self.region.or(other.region),
            access_key_id: self.access_key_id.or(other.access_key_id),
            access_key_secret: self.access_key_secret.or(other.access_key_secret),
            security_token: self.security_token.or(other.security_token),
        }
    }

    /// A configuration from these settings. Without an endpoint, the region's public one
    /// (`oss-<region>.aliyuncs.com`); without a region, the one an `oss-<region>…aliyuncs.com`
    /// endpoint names, else `cn-hangzhou` (the emulator's). Anonymous without both key parts.
    pub fn into_config(self) -> Result<Config, Error> {
        let endpoint = match (&self.endpoint, &self.region) {
            (Some(e), _) => e.clone(),
            (None, Some(r)) => format!("https://oss-{}.aliyuncs.com", r.trim_start_matches("oss-")),
            (None, None) => {
                return Err(Error::usage(
                    "no endpoint: pass --endpoint, set OSS_ENDPOINT, or configure ossutil".to_owned(),
                ))
            }
        };
        let region =
            self.region.clone().or_else(|| region_from_endpoint(&endpoint)).unwrap_or_else(|| "cn-hangzhou".to_owned());
        Ok(self.apply_credentials(Config::new(endpoint, region)))
    }

    fn apply_credentials(&self, mut config: Config) -> Config {
        if let (Some(ak), Some(sk)) = (&self.access_key_id, &self.access_key_secret) {
            config = config.credentials(ak.clone(), sk.clone());
            if let Some(token) = &self.security_token {
                config = config.security_token(token.clone());
            }
        }
        config
    }
}

/// `cn-hangzhou` from `https://oss-cn-hangzhou.aliyuncs.com` or `oss-cn-hangzhou-internal.aliyuncs.com`.
pub(crate) fn region_from_endpoint(endpoint: &str) -> Option<String> {
    let host = endpoint.split("://").last()?.split(['/', ':']).next()?;
    let first = host.strip_suffix(".aliyuncs.com")?.rsplit('.').next()?;
    let region = first.strip_prefix("oss-")?;
    let region = region.strip_suffix("-internal").unwrap_or(region);
    (!region.is_empty()).then(|| region.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ossutil_files() {
        let v1 = "[Credentials]\nlanguage=EN\nendpoint=oss-cn-shanghai.aliyuncs.com\naccessKeyID=ak1\naccessKeySecret=sk1\nstsToken=\n";
        let p = Profile::parse_ossutil(v1, None).unwrap();
        assert_eq!(p.endpoint.as_deref(), Some("oss-cn-shanghai.aliyuncs.com"));
        assert_eq!((p.access_key_id.as_deref(), p.access_key_secret.as_deref()), (Some("ak1"), Some("sk1")));
        assert_eq!(p.security_token, None);
        let c = p.into_config().unwrap();
        assert_eq!(c.region(), "cn-shanghai");
        assert_eq!(c.current_credentials().unwrap().access_key_id, "ak1");

        let v2 = "# ossutil 2\n[default]\naccessKeyId = ak2\naccessKeySecret = sk2\nregion = cn-beijing\n\n\
                  [profile dev]\naccess_key_id = ak3\naccess-key-secret = sk3\nsecurityToken = tok\nendpoint = http://127.0.0.1:9000\n";
        let d = Profile::parse_ossutil(v2, None).unwrap();
        assert_eq!(
            (d.access_key_id.as_deref(), d.region.as_deref(), d.endpoint.as_deref()),
            (Some("ak2"), Some("cn-beijing"), None)
        );
        let c = d.into_config().unwrap();
        assert_eq!(c.endpoint(), "https://oss-cn-beijing.aliyuncs.com");
        let dev = Profile::parse_ossutil(v2, Some("dev")).unwrap();
        assert_eq!((dev.access_key_id.as_deref(), dev.security_token.as_deref()), (Some("ak3"), Some("tok")));
        let c = dev.into_config().unwrap();
        assert_eq!((c.endpoint(), c.region()), ("http://127.0.0.1:9000", "cn-hangzhou"));
        assert_eq!(c.current_credentials().unwrap().security_token.as_deref(), Some("tok"));
        assert!(Profile::parse_ossutil(v2, Some("missing")).is_err());
    }

    #[test]
    fn env_and_layering() {
        let vars = |name: &str| match name {
            "OSS_ACCESS_KEY_ID" => Some("envak".to_owned()),
            "OSS_ACCESS_KEY_SECRET" => Some("envsk".to_owned()),
            "OSS_SESSION_TOKEN" => Some(String::new()),
            _ => None,
        };
        let env = Profile::from_vars(vars);
        assert_eq!(env.security_token, None, "empty variables count as unset");
        let flags = Profile {
            endpoint: Some("http://127.0.0.1:9000".into()),
            access_key_id: Some("flag".into()),
            ..Default::default()
        };
        let merged = flags.or(env);
        assert_eq!(
            (merged.access_key_id.as_deref(), merged.access_key_secret.as_deref()),
            (Some("flag"), Some("envsk"))
        );
        assert!(Profile::default().into_config().is_err());
        let anonymous = Profile { endpoint: Some("http://127.0.0.1:9000".into()), ..Default::default() };
        assert!(anonymous.into_config().unwrap().current_credentials().is_none());
    }

    #[test]
    fn regions_from_endpoints() {
        assert_eq!(region_from_endpoint("https://oss-cn-hangzhou.aliyuncs.com").as_deref(), Some("cn-hangzhou"));
        assert_eq!(
            region_from_endpoint("oss-ap-southeast-1-internal.aliyuncs.com:443").as_deref(),
            Some("ap-southeast-1")
        );
        assert_eq!(region_from_endpoint("b.oss-cn-beijing.aliyuncs.com").as_deref(), Some("cn-beijing"));
        assert_eq!(region_from_endpoint("http://127.0.0.1:9000"), None);
    }
}
