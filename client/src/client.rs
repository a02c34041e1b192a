//! The client handle and URL construction. Building and sending requests is `request`'s, which
//! adds [`Client::request`]: this module knows nothing of it.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use oss_protocol::encoding::{build_query, uri_encode};
use reqwest::Url;

use crate::config::{Addressing, Config};
use crate::error::Error;

/// A cheap-to-clone handle: one connection pool, one configuration.
#[derive(Clone, Debug)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) config: Config,
    pub(crate) endpoint: Endpoint,
    pub(crate) addressing: Addressing,
    pub(crate) http: reqwest::Client,
    /// Server time minus local time, in milliseconds, learnt from `RequestTimeTooSkewed`.
    pub(crate) clock_offset_ms: AtomicI64,
}

/// Resolves the configured hosts (and every name under them) to fixed addresses, and everything
/// else through the system resolver.
struct OverrideResolver {
    rules: Vec<(String, SocketAddr)>,
}

impl OverrideResolver {
    fn lookup(&self, name: &str) -> Option<SocketAddr> {
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        self.rules
            .iter()
            .find(|(host, _)| name == *host || name.strip_suffix(host.as_str()).is_some_and(|p| p.ends_with('.')))
            .map(|(_, addr)| *addr)
    }
}

impl reqwest::dns::Resolve for OverrideResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let fixed = self.lookup(name.as_str());
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs: reqwest::dns::Addrs = match fixed {
                Some(addr) => Box::new(std::iter::once(addr)),
                // Port 0: the connector puts in the URL's or the scheme's port.
                None => Box::new(tokio::net::lookup_host((host.as_str(), 0)).await?.collect::<Vec<_>>().into_iter()),
            };
            Ok(addrs)
        })
    }
}

/// The parsed endpoint.
#[derive(Debug, Clone)]
pub(crate) struct Endpoint {
    pub(crate) scheme: String,
    /// `host[:port]` as it appears in a URL (IPv6 in brackets, default port omitted).
    pub(crate) authority: String,
    pub(crate) ip_or_localhost: bool,
}

impl Endpoint {
    pub(crate) fn parse(raw: &str) -> Result<Endpoint, Error> {
        let raw = raw.trim().trim_end_matches('/');
        let with_scheme = if raw.contains("://") {
            raw.to_owned()
        } else {
            // Guess the scheme the way the SDKs do: plain HTTP to a local emulator, TLS to a
            // named service.
            let host = raw.split(':').next().unwrap_or("");
            let local = host == "localhost" || host.parse::<std::net::IpAddr>().is_ok() || raw.starts_with('[');
            format!("{}://{raw}", if local { "http" } else { "https" })
        };
        let url = Url::parse(&with_scheme).map_err(|e| Error::usage(format!("endpoint {raw:?}: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Error::usage(format!("endpoint {raw:?}: scheme must be http or https")));
        }
        if url.path() != "/" || url.query().is_some() || !url.username().is_empty() {
            return Err(Error::usage(format!("endpoint {raw:?}: must be scheme://host[:port] only")));
        }
        let Some(host) = url.host_str() else {
            return Err(Error::usage(format!("endpoint {raw:?}: no host")));
        };
        // `domain()` is `None` exactly for IP literals.
        let ip_or_localhost = url.domain().is_none_or(|d| d.eq_ignore_ascii_case("localhost"));
        let authority = match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        };
        Ok(Endpoint { scheme: url.scheme().to_owned(), authority, ip_or_localhost })
    }
}

/// The pieces of a request target before it becomes a URL.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub(crate) url: Url,
    /// The Host header value, always explicit so that what is signed is what is sent.
    pub(crate) host: String,
}

impl Client {
    pub fn new(config: Config) -> Result<Client, Error> {
        let endpoint = Endpoint::parse(&config.endpoint)?;
        config.check_credentials()?;
        let addressing = config.addressing.unwrap_or(if endpoint.ip_or_localhost {
            Addressing::PathStyle
        } else {
            Addressing::VirtualHost
        });
        let mut builder = reqwest::Client::builder()
            // A raw OSS client must show the caller every status as it came, 3xx included.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(config.user_agent.clone());
        if let Some(t) = config.connect_timeout {
            builder = builder.connect_timeout(t);
        }
        if let Some(t) = config.timeout {
            builder = builder.timeout(t);
        }
        if let Some(t) = config.read_timeout {
            builder = builder.read_timeout(t);
        }
        if let Some(n) = config.pool_max_idle_per_host {
            builder = builder.pool_max_idle_per_host(n);
        }
        builder = builder.pool_idle_timeout(config.pool_idle_timeout);
        if !config.resolve.is_empty() {
            builder = builder.dns_resolver(Arc::new(OverrideResolver { rules: config.resolve.clone() }));
        }
        let local = endpoint.ip_or_localhost || !config.resolve.is_empty();
        if !config.system_proxy.unwrap_or(!local) {
            builder = builder.no_proxy();
        }
        let mut roots = Vec::new();
        for pem in &config.root_certificates {
            let certs = reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|e| Error::usage(format!("root certificate: not PEM certificates: {e}")))?;
            if certs.is_empty() {
                return Err(Error::usage("root certificate: no CERTIFICATE block in the PEM".to_owned()));
            }
            roots.extend(certs);
        }
        if !roots.is_empty() {
            builder = builder.tls_certs_merge(roots);
        }
        let http = builder.build().map_err(|e| Error::usage(format!("building the HTTP client: {e}")))?;
        Ok(Client { inner: Arc::new(Inner { config, endpoint, addressing, http, clock_offset_ms: AtomicI64::new(0) }) })
    }

    /// The time requests are signed with: the local clock, corrected by what the client learnt
    /// from the server's `RequestTimeTooSkewed` answers.
    pub fn now(&self) -> SystemTime {
        let offset = self.clock_offset_ms();
        let now = SystemTime::now();
        if offset >= 0 {
            now + Duration::from_millis(offset.unsigned_abs())
        } else {
            now - Duration::from_millis(offset.unsigned_abs())
        }
    }

    /// Server time minus local time, in milliseconds (0 until a skew error is seen).
    pub fn clock_offset_ms(&self) -> i64 {
        self.inner.clock_offset_ms.load(Ordering::Relaxed)
    }

    pub fn set_clock_offset_ms(&self, offset: i64) {
        self.inner.clock_offset_ms.store(offset, Ordering::Relaxed);
    }

    /// Adopts the server's clock from a `RequestTimeTooSkewed` error; false when the error says
    /// nothing usable about the server's time.
    pub(crate) fn learn_clock(&self, err: &Error) -> bool {
        let Some(server) = err.service().filter(|_| err.is_clock_skew()).and_then(|e| e.server_time()) else {
            return false;
        };
        let local = SystemTime::now();
        let offset = match server.duration_since(local) {
            Ok(ahead) => i64::try_from(ahead.as_millis()).unwrap_or(i64::MAX),
            Err(behind) => -i64::try_from(behind.duration().as_millis()).unwrap_or(i64::MAX),
        };
        self.set_clock_offset_ms(offset);
        true
    }

    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The addressing in effect (the configured one, or the endpoint-derived default).
    pub fn addressing(&self) -> Addressing {
        self.inner.addressing
    }

    /// The URL (without query) a request for `bucket`/`key` goes to.
    pub fn url(&self, bucket: Option<&str>, key: Option<&str>) -> Result<Url, Error> {
        Ok(self.target(bucket, key, None, &[], None)?.url)
    }

    /// Builds the URL and Host. `raw_path` replaces the encoded path and `raw_query` the encoded
    /// query string verbatim (for malformed-input tests).
    pub(crate) fn target(
        &self,
        bucket: Option<&str>,
        key: Option<&str>,
        raw_path: Option<&str>,
        query: &[(String, String)],
        raw_query: Option<&str>,
    ) -> Result<Target, Error> {
        let ep = &self.inner.endpoint;
        let host_override = self.inner.config.host_override.as_deref();
        let (authority, host, path) = match self.inner.addressing {
            Addressing::PathStyle => {
                let path = match (bucket, key) {
                    (None, None) => "/".to_owned(),
                    (None, Some(k)) => format!("/{}", encode_key(k)?),
                    (Some(b), None) => format!("/{}/", uri_encode(b, false)),
                    (Some(b), Some(k)) => format!("/{}/{}", uri_encode(b, false), encode_key(k)?),
                };
                let host = host_override.map(str::to_owned).unwrap_or_else(|| ep.authority.clone());
                (ep.authority.clone(), host, path)
            }
            Addressing::VirtualHost => {
                let path = match key {
                    Some(k) => format!("/{}", encode_key(k)?),
                    None => "/".to_owned(),
                };
                let (authority, host) = match (host_override, bucket) {
                    (Some(h), Some(b)) => (ep.authority.clone(), format!("{b}.{h}")),
                    (Some(h), None) => (ep.authority.clone(), h.to_owned()),
                    (None, Some(b)) => {
                        let a = format!("{b}.{}", ep.authority);
                        (a.clone(), a)
                    }
                    (None, None) => (ep.authority.clone(), ep.authority.clone()),
                };
                (authority, host, path)
            }
        };
        let path = raw_path.map(str::to_owned).unwrap_or(path);
        let query_string = match raw_query {
            Some(q) => q.to_owned(),
            None => build_query(query.iter().map(|(n, v)| (n.as_str(), v.as_str()))),
        };
        let mut text = format!("{}://{authority}{path}", ep.scheme);
        if !query_string.is_empty() || raw_query.is_some() {
            text.push('?');
            text.push_str(&query_string);
        }
        let url = Url::parse(&text).map_err(|e| Error::usage(format!("cannot form a URL from {text:?}: {e}")))?;
        // The URL parser resolves dot segments and re-encodes odd bytes; a request that silently
        // went elsewhere than asked would make every conformance result meaningless.
        if url.path() != path {
            return Err(Error::usage(format!("the URL parser rewrote the path {path:?} into {:?}", url.path())));
        }
        Ok(Target { url, host })
    }
}

/// Percent-encodes a key for the URL path, keeping `/` literal (as the Go SDK and ali-oss do)
/// unless the key has `.` or `..` segments: URL parsers resolve those, so then every `/` is sent
/// as `%2F` (as oss2 does), which servers must decode anyway.
pub(crate) fn encode_key(key: &str) -> Result<String, Error> {
    let dot_segment = |s: &str| s == "." || s == "..";
    if !key.split('/').any(dot_segment) {
        return Ok(uri_encode(key, true));
    }
    if dot_segment(key) {
        return Err(Error::usage(format!(
            "the key {key:?} cannot be expressed in a URL path: parsers resolve it away"
        )));
    }
    Ok(uri_encode(key, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(endpoint: &str, f: impl FnOnce(Config) -> Config) -> Client {
        Client::new(f(Config::new(endpoint, "cn-hangzhou"))).unwrap()
    }

    fn url(c: &Client, bucket: Option<&str>, key: Option<&str>) -> (String, String) {
        let t = c.target(bucket, key, None, &[], None).unwrap();
        (t.url.to_string(), t.host)
    }

    #[test]
    fn default_addressing() {
        assert_eq!(client("http://127.0.0.1:9000", |c| c).addressing(), Addressing::PathStyle);
        assert_eq!(client("http://localhost:9000", |c| c).addressing(), Addressing::PathStyle);
        assert_eq!(client("http://[::1]:9000", |c| c).addressing(), Addressing::PathStyle);
        assert_eq!(client("https://oss-cn-hangzhou.aliyuncs.com", |c| c).addressing(), Addressing::VirtualHost);
        assert_eq!(client("127.0.0.1:9000", |c| c).url(None, None).unwrap().as_str(), "http://127.0.0.1:9000/");
        assert_eq!(
            client("oss-cn-hangzhou.aliyuncs.com", |c| c).url(None, None).unwrap().as_str(),
            "https://oss-cn-hangzhou.aliyuncs.com/"
        );
        assert!(Client::new(Config::new("http://h/prefix", "r")).is_err());
        assert!(Client::new(Config::new("ftp://h", "r")).is_err());
    }

    #[test]
    fn path_style_urls() {
        let c = client("http://127.0.0.1:9000", |c| c);
        assert_eq!(url(&c, None, None), ("http://127.0.0.1:9000/".into(), "127.0.0.1:9000".into()));
        assert_eq!(url(&c, Some("b"), None).0, "http://127.0.0.1:9000/b/");
        assert_eq!(url(&c, Some("b"), Some("k")).0, "http://127.0.0.1:9000/b/k");
        assert_eq!(url(&c, Some("b"), Some("a b/c+d")).0, "http://127.0.0.1:9000/b/a%20b/c%2Bd");
        assert_eq!(url(&c, Some("b"), Some("中文")).0, "http://127.0.0.1:9000/b/%E4%B8%AD%E6%96%87");
        assert_eq!(url(&c, Some("b"), Some("a//b?#%")).0, "http://127.0.0.1:9000/b/a//b%3F%23%25");
        // Dot segments survive only with encoded slashes.
        assert_eq!(url(&c, Some("b"), Some("a/../c")).0, "http://127.0.0.1:9000/b/a%2F..%2Fc");
        assert_eq!(url(&c, Some("b"), Some("./x")).0, "http://127.0.0.1:9000/b/.%2Fx");
        assert!(c.url(Some("b"), Some("..")).is_err());
        // Invalid bucket names still reach the server, encoded.
        assert_eq!(url(&c, Some("abc#"), None).0, "http://127.0.0.1:9000/abc%23/");
    }

    #[test]
    fn virtual_host_urls() {
        let c = client("https://oss-cn-hangzhou.aliyuncs.com", |c| c);
        assert_eq!(
            url(&c, Some("b"), Some("a b/c+d")),
            ("https://b.oss-cn-hangzhou.aliyuncs.com/a%20b/c%2Bd".into(), "b.oss-cn-hangzhou.aliyuncs.com".into())
        );
        assert_eq!(url(&c, Some("b"), None).0, "https://b.oss-cn-hangzhou.aliyuncs.com/");
        assert_eq!(url(&c, None, None).0, "https://oss-cn-hangzhou.aliyuncs.com/");
        assert_eq!(url(&c, Some("b"), Some("中文")).0, "https://b.oss-cn-hangzhou.aliyuncs.com/%E4%B8%AD%E6%96%87");
    }

    #[test]
    fn host_override() {
        // ali-oss against an IP: connect to the IP, name the bucket in Host.
        let c = client("http://127.0.0.1:9000", |c| {
            c.addressing(Addressing::VirtualHost).host_override(Some("oss-cn-hangzhou.aliyuncs.com".into()))
        });
        assert_eq!(
            url(&c, Some("b"), Some("dir/k")),
            ("http://127.0.0.1:9000/dir/k".into(), "b.oss-cn-hangzhou.aliyuncs.com".into())
        );
        assert_eq!(url(&c, None, None).1, "oss-cn-hangzhou.aliyuncs.com");
        let c = client("http://127.0.0.1:9000", |c| c.host_override(Some("example.test".into())));
        assert_eq!(url(&c, Some("b"), Some("k")), ("http://127.0.0.1:9000/b/k".into(), "example.test".into()));
    }

    #[test]
    fn resolve_overrides() {
        let addr: SocketAddr = "127.0.0.1:9000".parse().unwrap();
        let r = OverrideResolver { rules: vec![("oss-cn-hangzhou.aliyuncs.com".into(), addr)] };
        assert_eq!(r.lookup("oss-cn-hangzhou.aliyuncs.com"), Some(addr));
        assert_eq!(r.lookup("Bucket.OSS-cn-hangzhou.aliyuncs.com."), Some(addr));
        assert_eq!(r.lookup("xoss-cn-hangzhou.aliyuncs.com"), None);
        assert_eq!(r.lookup("example.com"), None);
    }

    #[test]
    fn queries() {
        let c = client("http://127.0.0.1:9000", |c| c);
        let q = vec![("uploads".to_owned(), String::new()), ("prefix".to_owned(), "a b/+".to_owned())];
        let t = c.target(Some("b"), None, None, &q, None).unwrap();
        assert_eq!(t.url.as_str(), "http://127.0.0.1:9000/b/?uploads&prefix=a%20b%2F%2B");
        let t = c.target(Some("b"), None, Some("/b/%zz"), &[], Some("acl=&x")).unwrap();
        assert_eq!(t.url.as_str(), "http://127.0.0.1:9000/b/%zz?acl=&x");
    }
}
