//! Request → [`Target`]: which region and bucket the Host names and which key the path names.
//! Which operation method and query mean is [`crate::endpoint`]'s. Pure functions, table-tested.

use std::net::IpAddr;

use oss_protocol::encoding::percent_decode;

use crate::error::{Code, OssError, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Addressing {
    /// `http://127.0.0.1:9000/bucket/key`
    PathStyle,
    /// `Host: bucket.oss-cn-hangzhou.aliyuncs.com` or `bucket.localhost`
    VirtualHost,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The region the request addresses: the one its Host names, else its listener's.
    pub region: String,
    pub addressing: Addressing,
    pub bucket: Option<String>,
    /// The decoded object key; `None` for service and bucket requests.
    pub key: Option<String>,
}

/// What a Host header says about addressing.
#[derive(Debug, Clone, PartialEq, Eq)]
enum HostKind {
    /// IP literal, `localhost`, a configured name, or an unknown name: path style.
    Local,
    /// `oss-<region>.aliyuncs.com`: service endpoint of that region.
    RegionService(String),
    /// `<bucket>.<region endpoint or local name>`.
    Bucket { bucket: String, region: Option<String> },
}

fn strip_port(host: &str) -> &str {
    if let Some(rest) = host.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match host.rsplit_once(':') {
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    }
}

/// `oss-cn-hangzhou[-internal].aliyuncs.com` → `cn-hangzhou`.
fn region_endpoint(host: &str) -> Option<String> {
    let name = host.strip_suffix(".aliyuncs.com")?.strip_prefix("oss-")?;
    let region = name.strip_suffix("-internal").unwrap_or(name);
    crate::config::is_region_name(region).then(|| region.to_owned())
}

fn classify_host(host: &str, host_names: &[String]) -> HostKind {
    // ali-oss lists buckets with `Host: .oss-<region>.aliyuncs.com` (an empty bucket label): the
    // leading dot is dropped so that reaches the service endpoint, as the client means.
    let host = strip_port(host).trim_matches('.').to_ascii_lowercase();
    if host.parse::<IpAddr>().is_ok() || host == "localhost" || host_names.iter().any(|n| n.eq_ignore_ascii_case(&host))
    {
        return HostKind::Local;
    }
    if let Some(region) = region_endpoint(&host) {
        return HostKind::RegionService(region);
    }
    if let Some((first, rest)) = host.split_once('.') {
        if let Some(region) = region_endpoint(rest) {
            return HostKind::Bucket { bucket: first.to_owned(), region: Some(region) };
        }
        if rest == "localhost" || host_names.iter().any(|n| n.eq_ignore_ascii_case(rest)) {
            return HostKind::Bucket { bucket: first.to_owned(), region: None };
        }
    }
    // Anything else (a Docker service name, a custom DNS name) is taken as a path-style endpoint:
    // guessing a bucket from an unknown name's first label would break those set-ups.
    HostKind::Local
}

fn decode_utf8(raw: &str, what: &str) -> Result<String> {
    String::from_utf8(percent_decode(raw, false)).map_err(|_| {
        OssError::new(Code::InvalidObjectName).message(format!("The {what} is not valid UTF-8.")).ec("0016-00000002")
    })
}

/// Resolves where a request goes. `raw_path` is the path as sent (still percent-encoded).
pub fn target(host: &str, raw_path: &str, listener_region: &str, host_names: &[String]) -> Result<Target> {
    let path = raw_path.strip_prefix('/').unwrap_or(raw_path);
    let (region, addressing, bucket, key_raw) = match classify_host(host, host_names) {
        HostKind::Local => {
            let (bucket, rest) = path.split_once('/').map_or((path, None), |(b, r)| (b, Some(r)));
            let bucket = (!bucket.is_empty()).then(|| decode_utf8(bucket, "bucket name")).transpose()?;
            (listener_region.to_owned(), Addressing::PathStyle, bucket, rest.unwrap_or(""))
        }
        HostKind::RegionService(region) => {
            if !path.is_empty() {
                return Err(OssError::new(Code::SecondLevelDomainForbidden)
                    .message("The bucket you are attempting to access must be addressed using OSS third level domain.")
                    .ec("0003-00000204"));
            }
            (region, Addressing::PathStyle, None, "")
        }
        HostKind::Bucket { bucket, region } => {
            (region.unwrap_or_else(|| listener_region.to_owned()), Addressing::VirtualHost, Some(bucket), path)
        }
    };
    if let Some(b) = &bucket {
        if !oss_protocol::is_valid_bucket_name(b) {
            return Err(OssError::new(Code::InvalidBucketName).with("BucketName", b.as_str()).ec("0015-00000001"));
        }
    }
    let key = if key_raw.is_empty() { None } else { Some(decode_utf8(key_raw, "object name")?) };
    Ok(Target { region, addressing, bucket, key })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(host: &str, path: &str) -> Result<Target> {
        target(host, path, "cn-hangzhou", &["oss.test".to_owned()])
    }

    fn ok(target: Result<Target>) -> (String, Addressing, Option<String>, Option<String>) {
        let t = target.unwrap();
        (t.region, t.addressing, t.bucket, t.key)
    }

    #[test]
    fn table() {
        use Addressing::*;
        let s = |x: &str| Some(x.to_owned());
        let hz = "cn-hangzhou".to_owned();
        let sh = "cn-shanghai".to_owned();
        let rows = vec![
            (("127.0.0.1:9000", "/"), (hz.clone(), PathStyle, None, None)),
            (("localhost:9000", "/bkt/"), (hz.clone(), PathStyle, s("bkt"), None)),
            (("[::1]:9000", "/bkt"), (hz.clone(), PathStyle, s("bkt"), None)),
            (("127.0.0.1", "/bkt/dir%2Fa%20b+c"), (hz.clone(), PathStyle, s("bkt"), s("dir/a b+c"))),
            (("127.0.0.1", "/bkt/dir/a"), (hz.clone(), PathStyle, s("bkt"), s("dir/a"))),
            (("bkt.oss-cn-shanghai.aliyuncs.com", "/k"), (sh.clone(), VirtualHost, s("bkt"), s("k"))),
            (("bkt.oss-cn-shanghai-internal.aliyuncs.com:80", "/"), (sh, VirtualHost, s("bkt"), None)),
            (("oss-cn-beijing.aliyuncs.com", "/"), ("cn-beijing".into(), PathStyle, None, None)),
            ((".oss-cn-beijing.aliyuncs.com", "/"), ("cn-beijing".into(), PathStyle, None, None)),
            (("bkt.localhost:9000", "/k"), (hz.clone(), VirtualHost, s("bkt"), s("k"))),
            (("bkt.oss.test", "/"), (hz.clone(), VirtualHost, s("bkt"), None)),
            (("oss.test:9000", "/bkt/k"), (hz.clone(), PathStyle, s("bkt"), s("k"))),
            (("emulator", "/bkt/k"), (hz, PathStyle, s("bkt"), s("k"))),
        ];
        for ((host, path), want) in rows {
            assert_eq!(ok(t(host, path)), want, "{host} {path}");
        }
    }

    #[test]
    fn errors() {
        let code = |res: Result<Target>| res.unwrap_err().code;
        assert_eq!(code(t("oss-cn-hangzhou.aliyuncs.com", "/bkt/k")), Code::SecondLevelDomainForbidden);
        assert_eq!(code(t("127.0.0.1", "/Bad_Name/k")), Code::InvalidBucketName);
        assert_eq!(code(t("127.0.0.1", "/bkt/%FF")), Code::InvalidObjectName);
    }

    proptest::proptest! {
        /// Whatever the Host and path, resolving answers or refuses; it never panics, and a key
        /// it accepts is exactly what the path encoded.
        #[test]
        fn never_panics(host in "\\PC{0,40}", path in "\\PC{0,80}") {
            let _ = t(&host, &path);
        }

        #[test]
        fn keys_round_trip(key in "[^/\\\\][\\PC]{0,60}") {
            let path = format!("/bkt/{}", oss_protocol::encoding::uri_encode(&key, false));
            let target = t("127.0.0.1", &path).unwrap();
            proptest::prop_assert_eq!(target.key.as_deref(), Some(key.as_str()));
        }
    }
}
