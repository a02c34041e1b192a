//! Request → [`Route`]: which region and bucket the Host names, which key the path names, and
//! which OSS operation method + query + headers mean. Pure functions, table-tested below.

use std::net::IpAddr;

use http::{HeaderMap, Method};
use oss_protocol::encoding::percent_decode;
use oss_protocol::headers::COPY_SOURCE;

use crate::error::{Code, OssError, Result};

macro_rules! operations {
    ($($op:ident),* $(,)?) => {
        /// One variant per OSS operation, named as the OSS API reference names it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Operation { $($op,)* }

        impl Operation {
            pub fn name(self) -> &'static str {
                match self { $(Operation::$op => stringify!($op),)* }
            }
        }
    };
}

operations! {
    ListBuckets, PutBucket, DeleteBucket, GetBucketLocation, GetBucketInfo, PutBucketAcl, GetBucketAcl,
    ListObjects, ListObjectsV2, DeleteMultipleObjects, ListMultipartUploads,
    PutObject, CopyObject, GetObject, HeadObject, GetObjectMeta, DeleteObject, PutObjectAcl, GetObjectAcl,
    InitiateMultipartUpload, UploadPart, UploadPartCopy, CompleteMultipartUpload, AbortMultipartUpload, ListParts,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Addressing {
    /// `http://127.0.0.1:9000/bucket/key`
    PathStyle,
    /// `Host: bucket.oss-cn-hangzhou.aliyuncs.com` or `bucket.localhost`
    VirtualHost,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The region the request addresses: the one its Host names, else its listener's.
    pub region: String,
    pub addressing: Addressing,
    pub bucket: Option<String>,
    /// The decoded object key; `None` for service and bucket requests.
    pub key: Option<String>,
    pub operation: Operation,
}

/// Sub-resources of real OSS operations this emulator does not implement: answered with
/// NotImplemented rather than silently treated as a plain GET/PUT of the object or bucket.
const UNIMPLEMENTED: &[&str] = &[
    "cors",
    "logging",
    "website",
    "referer",
    "lifecycle",
    "append",
    "tagging",
    "symlink",
    "restore",
    "policy",
    "versioning",
    "versions",
    "encryption",
    "replication",
    "replicationProgress",
    "replicationLocation",
    "worm",
    "wormId",
    "wormExtend",
    "inventory",
    "stat",
    "qos",
    "qosInfo",
    "requestPayment",
    "asyncFetch",
    "transferAcceleration",
    "metaQuery",
    "resourceGroup",
    "rtc",
    "accessPoint",
    "publicAccessBlock",
    "cname",
    "live",
    "img",
    "style",
    "x-oss-process",
    "x-oss-async-process",
    "regionList",
    "objectInfo",
    "httpsConfig",
    "policyStatus",
    "comp",
];

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

fn has(query: &[(String, String)], name: &str) -> bool {
    query.iter().any(|(n, _)| n == name)
}

/// Resolves a request. `raw_path` is the path as sent (still percent-encoded).
pub fn route(
    method: &Method,
    host: &str,
    raw_path: &str,
    query: &[(String, String)],
    headers: &HeaderMap,
    listener_region: &str,
    host_names: &[String],
) -> Result<Route> {
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
    let operation = operation(method, bucket.is_some(), key.is_some(), query, headers)?;
    Ok(Route { region, addressing, bucket, key, operation })
}

fn operation(
    method: &Method,
    has_bucket: bool,
    has_key: bool,
    query: &[(String, String)],
    headers: &HeaderMap,
) -> Result<Operation> {
    use Operation::*;
    if let Some((name, _)) = query.iter().find(|(n, _)| UNIMPLEMENTED.contains(&n.as_str())) {
        return Err(not_implemented(&format!("the '{name}' sub-resource")));
    }
    let q = |name| has(query, name);
    let op = match (has_bucket, has_key, method.as_str()) {
        (false, _, "GET") => ListBuckets,
        (false, _, _) => return Err(method_not_allowed()),
        (true, false, "PUT") if q("acl") => PutBucketAcl,
        (true, false, "PUT") => PutBucket,
        (true, false, "GET") if q("acl") => GetBucketAcl,
        (true, false, "GET") if q("location") => GetBucketLocation,
        (true, false, "GET") if q("bucketInfo") => GetBucketInfo,
        (true, false, "GET") if q("uploads") => ListMultipartUploads,
        (true, false, "GET") if query.iter().any(|(n, v)| n == "list-type" && v == "2") => ListObjectsV2,
        (true, false, "GET") => ListObjects,
        (true, false, "DELETE") => DeleteBucket,
        (true, false, "POST") if q("delete") => DeleteMultipleObjects,
        (true, false, _) => return Err(method_not_allowed()),
        (true, true, "PUT") if q("acl") => PutObjectAcl,
        (true, true, "PUT") if q("uploadId") || q("partNumber") => {
            if headers.contains_key(COPY_SOURCE) {
                UploadPartCopy
            } else {
                UploadPart
            }
        }
        (true, true, "PUT") if headers.contains_key(COPY_SOURCE) => CopyObject,
        (true, true, "PUT") => PutObject,
        (true, true, "GET") if q("acl") => GetObjectAcl,
        (true, true, "GET") if q("uploadId") => ListParts,
        (true, true, "GET") => GetObject,
        (true, true, "HEAD") if q("objectMeta") => GetObjectMeta,
        (true, true, "HEAD") => HeadObject,
        (true, true, "DELETE") if q("uploadId") => AbortMultipartUpload,
        (true, true, "DELETE") => DeleteObject,
        (true, true, "POST") if q("uploads") => InitiateMultipartUpload,
        (true, true, "POST") if q("uploadId") => CompleteMultipartUpload,
        (true, true, "POST") => return Err(not_implemented("PostObject (form upload)")),
        (true, true, _) => return Err(method_not_allowed()),
    };
    Ok(op)
}

fn not_implemented(what: &str) -> OssError {
    OssError::new(Code::NotImplemented).message(format!("The OSS emulator does not implement {what}."))
}

fn method_not_allowed() -> OssError {
    OssError::new(Code::MethodNotAllowed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use oss_protocol::encoding::parse_query;

    fn r(method: &str, host: &str, target: &str) -> Result<Route> {
        r_with(method, host, target, &[])
    }

    fn r_with(method: &str, host: &str, target: &str, headers: &[(&str, &str)]) -> Result<Route> {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let mut map = HeaderMap::new();
        for (n, v) in headers {
            map.insert(http::HeaderName::from_bytes(n.as_bytes()).unwrap(), v.parse().unwrap());
        }
        route(&method.parse().unwrap(), host, path, &parse_query(query), &map, "cn-hangzhou", &["oss.test".to_owned()])
    }

    fn ok(route: Result<Route>) -> (String, Addressing, Option<String>, Option<String>, Operation) {
        let r = route.unwrap();
        (r.region, r.addressing, r.bucket, r.key, r.operation)
    }

    #[test]
    fn table() {
        use Addressing::*;
        use Operation::*;
        let s = |x: &str| Some(x.to_owned());
        let hz = "cn-hangzhou".to_owned();
        let rows = vec![
            (("GET", "127.0.0.1:9000", "/"), (hz.clone(), PathStyle, None, None, ListBuckets)),
            (("GET", "localhost:9000", "/bkt/"), (hz.clone(), PathStyle, s("bkt"), None, ListObjects)),
            (("GET", "[::1]:9000", "/bkt"), (hz.clone(), PathStyle, s("bkt"), None, ListObjects)),
            (("GET", "127.0.0.1", "/bkt/dir%2Fa%20b+c"), (hz.clone(), PathStyle, s("bkt"), s("dir/a b+c"), GetObject)),
            (("GET", "127.0.0.1", "/bkt/dir/a"), (hz.clone(), PathStyle, s("bkt"), s("dir/a"), GetObject)),
            (
                ("GET", "bkt.oss-cn-shanghai.aliyuncs.com", "/k"),
                ("cn-shanghai".into(), VirtualHost, s("bkt"), s("k"), GetObject),
            ),
            (
                ("GET", "bkt.oss-cn-shanghai-internal.aliyuncs.com:80", "/?bucketInfo="),
                ("cn-shanghai".into(), VirtualHost, s("bkt"), None, GetBucketInfo),
            ),
            (("GET", "oss-cn-beijing.aliyuncs.com", "/"), ("cn-beijing".into(), PathStyle, None, None, ListBuckets)),
            (("GET", ".oss-cn-beijing.aliyuncs.com", "/"), ("cn-beijing".into(), PathStyle, None, None, ListBuckets)),
            (("PUT", "bkt.localhost:9000", "/k"), (hz.clone(), VirtualHost, s("bkt"), s("k"), PutObject)),
            (("PUT", "bkt.oss.test", "/"), (hz.clone(), VirtualHost, s("bkt"), None, PutBucket)),
            (("GET", "oss.test:9000", "/bkt/k"), (hz.clone(), PathStyle, s("bkt"), s("k"), GetObject)),
            (("GET", "emulator", "/bkt/k"), (hz.clone(), PathStyle, s("bkt"), s("k"), GetObject)),
            (("PUT", "127.0.0.1", "/bkt/?acl"), (hz.clone(), PathStyle, s("bkt"), None, PutBucketAcl)),
            (("GET", "127.0.0.1", "/bkt/?acl"), (hz.clone(), PathStyle, s("bkt"), None, GetBucketAcl)),
            (("GET", "127.0.0.1", "/bkt/?location"), (hz.clone(), PathStyle, s("bkt"), None, GetBucketLocation)),
            (
                ("GET", "127.0.0.1", "/bkt/?uploads&prefix=a"),
                (hz.clone(), PathStyle, s("bkt"), None, ListMultipartUploads),
            ),
            (("GET", "127.0.0.1", "/bkt/?list-type=2"), (hz.clone(), PathStyle, s("bkt"), None, ListObjectsV2)),
            (("DELETE", "127.0.0.1", "/bkt/"), (hz.clone(), PathStyle, s("bkt"), None, DeleteBucket)),
            (("POST", "127.0.0.1", "/bkt/?delete"), (hz.clone(), PathStyle, s("bkt"), None, DeleteMultipleObjects)),
            (("PUT", "127.0.0.1", "/bkt/k?acl"), (hz.clone(), PathStyle, s("bkt"), s("k"), PutObjectAcl)),
            (("GET", "127.0.0.1", "/bkt/k?acl"), (hz.clone(), PathStyle, s("bkt"), s("k"), GetObjectAcl)),
            (("HEAD", "127.0.0.1", "/bkt/k"), (hz.clone(), PathStyle, s("bkt"), s("k"), HeadObject)),
            (("HEAD", "127.0.0.1", "/bkt/k?objectMeta"), (hz.clone(), PathStyle, s("bkt"), s("k"), GetObjectMeta)),
            (("DELETE", "127.0.0.1", "/bkt/k"), (hz.clone(), PathStyle, s("bkt"), s("k"), DeleteObject)),
            (
                ("POST", "127.0.0.1", "/bkt/k?uploads="),
                (hz.clone(), PathStyle, s("bkt"), s("k"), InitiateMultipartUpload),
            ),
            (
                ("PUT", "127.0.0.1", "/bkt/k?partNumber=1&uploadId=A"),
                (hz.clone(), PathStyle, s("bkt"), s("k"), UploadPart),
            ),
            (
                ("POST", "127.0.0.1", "/bkt/k?uploadId=A"),
                (hz.clone(), PathStyle, s("bkt"), s("k"), CompleteMultipartUpload),
            ),
            (("GET", "127.0.0.1", "/bkt/k?uploadId=A"), (hz.clone(), PathStyle, s("bkt"), s("k"), ListParts)),
            (("DELETE", "127.0.0.1", "/bkt/k?uploadId=A"), (hz, PathStyle, s("bkt"), s("k"), AbortMultipartUpload)),
        ];
        for ((m, host, target), want) in rows {
            assert_eq!(ok(r(m, host, target)), want, "{m} {host} {target}");
        }
        let copy = ok(r_with("PUT", "127.0.0.1", "/bkt/k", &[("x-oss-copy-source", "/b/s")]));
        assert_eq!(copy.4, CopyObject);
        let part_copy =
            ok(r_with("PUT", "127.0.0.1", "/bkt/k?partNumber=2&uploadId=A", &[("x-oss-copy-source", "/b/s")]));
        assert_eq!(part_copy.4, UploadPartCopy);
    }

    #[test]
    fn errors() {
        let code = |res: Result<Route>| res.unwrap_err().code;
        assert_eq!(code(r("GET", "oss-cn-hangzhou.aliyuncs.com", "/bkt/k")), Code::SecondLevelDomainForbidden);
        assert_eq!(code(r("GET", "127.0.0.1", "/Bad_Name/k")), Code::InvalidBucketName);
        assert_eq!(code(r("GET", "127.0.0.1", "/bkt/?cors")), Code::NotImplemented);
        assert_eq!(code(r("PUT", "127.0.0.1", "/")), Code::MethodNotAllowed);
        assert_eq!(code(r("GET", "127.0.0.1", "/bkt/%FF")), Code::InvalidObjectName);
    }
}
