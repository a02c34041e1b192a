//! The routing table: every operation with the request that reaches it and what it needs.

use http::HeaderMap;
use oss_protocol::encoding::parse_query;

use super::*;
use crate::route::Addressing;

fn target(bucket: Option<&str>, key: Option<&str>) -> Target {
    Target {
        region: "cn-hangzhou".to_owned(),
        addressing: Addressing::PathStyle,
        bucket: bucket.map(str::to_owned),
        key: key.map(str::to_owned),
    }
}

/// `"PUT /b/k?partNumber=1&uploadId=U"` (with an optional copy source header) → endpoint.
fn parse(line: &str, copy_source: Option<&str>) -> Result<Endpoint, Rejected> {
    let (method, rest) = line.split_once(' ').unwrap();
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let mut segments = path.trim_start_matches('/').splitn(2, '/');
    let bucket = segments.next().filter(|b| !b.is_empty());
    let key = segments.next().filter(|k| !k.is_empty());
    let mut headers = HeaderMap::new();
    if let Some(source) = copy_source {
        headers.insert(COPY_SOURCE, source.parse().unwrap());
    }
    Endpoint::parse(&method.parse().unwrap(), &target(bucket, key), &parse_query(query), &headers)
}

fn needs(endpoint: &Endpoint) -> Vec<String> {
    endpoint
        .needs()
        .iter()
        .map(|n| {
            let on = match n.resource {
                Resource::Account => "account".to_owned(),
                Resource::Bucket(b) => format!("bucket {b}"),
                Resource::Object { bucket, key, version: None } => format!("object {bucket}/{key}"),
                Resource::Object { bucket, key, version: Some(v) } => format!("object {bucket}/{key}@{v}"),
                Resource::CopySource { bucket, key, version: None } => format!("source {bucket}/{key}"),
                Resource::CopySource { bucket, key, version: Some(v) } => format!("source {bucket}/{key}@{v}"),
            };
            format!("{} on {on}", n.action.policy_name())
        })
        .collect()
}

#[test]
fn every_operation_has_a_row() {
    use Operation as O;
    let src = Some("/src/s.txt");
    #[rustfmt::skip]
    let rows: Vec<(&str, Option<&str>, Operation, &[&str])> = vec![
        ("GET /", None, O::ListBuckets, &["oss:ListBuckets on account"]),
        ("GET /?regions", None, O::DescribeRegions, &["oss:DescribeRegions on account"]),
        ("PUT /?publicAccessBlock", None, O::PutPublicAccessBlock, &["oss:PutPublicAccessBlock on account"]),
        ("GET /?publicAccessBlock", None, O::GetPublicAccessBlock, &["oss:GetPublicAccessBlock on account"]),
        ("DELETE /?publicAccessBlock", None, O::DeletePublicAccessBlock, &["oss:DeletePublicAccessBlock on account"]),
        ("GET /?qosInfo", None, O::GetUserQoSInfo, &["oss:GetUserQoSInfo on account"]),
        ("PUT /b", None, O::PutBucket, &["oss:PutBucket on account"]),
        ("DELETE /b", None, O::DeleteBucket, &["oss:DeleteBucket on bucket b"]),
        ("GET /b?location", None, O::GetBucketLocation, &["oss:GetBucketLocation on bucket b"]),
        ("GET /b?bucketInfo", None, O::GetBucketInfo, &["oss:GetBucketInfo on bucket b"]),
        ("PUT /b?acl", None, O::PutBucketAcl, &["oss:PutBucketAcl on bucket b"]),
        ("GET /b?acl", None, O::GetBucketAcl, &["oss:GetBucketAcl on bucket b"]),
        ("GET /b?prefix=a", None, O::ListObjects, &["oss:ListObjects on bucket b"]),
        ("GET /b?list-type=2", None, O::ListObjectsV2, &["oss:ListObjects on bucket b"]),
        ("POST /b?delete", None, O::DeleteMultipleObjects, &["oss:DeleteObject on bucket b"]),
        ("GET /b?uploads&prefix=a", None, O::ListMultipartUploads, &["oss:ListMultipartUploads on bucket b"]),
        ("PUT /b/k", None, O::PutObject, &["oss:PutObject on object b/k"]),
        // The key is the form's: unknown until its fields are read.
        ("POST /b", None, O::PostObject, &["oss:PutObject on object b/"]),
        ("PUT /b/k", src, O::CopyObject, &["oss:PutObject on object b/k", "oss:GetObject on source src/s.txt"]),
        ("GET /b/k", None, O::GetObject, &["oss:GetObject on object b/k"]),
        ("HEAD /b/k", None, O::HeadObject, &["oss:GetObject on object b/k"]),
        ("HEAD /b/k?objectMeta", None, O::GetObjectMeta, &["oss:GetObject on object b/k"]),
        ("DELETE /b/k", None, O::DeleteObject, &["oss:DeleteObject on object b/k"]),
        ("PUT /b/k?acl", None, O::PutObjectAcl, &["oss:PutObjectAcl on object b/k"]),
        ("GET /b/k?acl", None, O::GetObjectAcl, &["oss:GetObjectAcl on object b/k"]),
        ("PUT /b/k?tagging", None, O::PutObjectTagging, &["oss:PutObjectTagging on object b/k"]),
        ("GET /b/k?tagging&versionId=null", None, O::GetObjectTagging, &["oss:GetObjectTagging on object b/k@null"]),
        ("DELETE /b/k?tagging", None, O::DeleteObjectTagging, &["oss:DeleteObjectTagging on object b/k"]),
        ("POST /b/k?restore", None, O::RestoreObject, &["oss:RestoreObject on object b/k"]),
        ("POST /b/k?append&position=0", None, O::AppendObject, &["oss:PutObject on object b/k"]),
        ("PUT /b/k?symlink", None, O::PutSymlink, &["oss:PutObject on object b/k"]),
        ("GET /b/k?symlink", None, O::GetSymlink, &["oss:GetObject on object b/k"]),
        ("PUT /b?tagging", None, O::PutBucketTags, &["oss:PutBucketTagging on bucket b"]),
        ("GET /b?tagging", None, O::GetBucketTags, &["oss:GetBucketTagging on bucket b"]),
        ("DELETE /b?tagging=k1,k3", None, O::DeleteBucketTags, &["oss:DeleteBucketTagging on bucket b"]),
        ("PUT /b?lifecycle", None, O::PutBucketLifecycle, &["oss:PutBucketLifecycle on bucket b"]),
        ("GET /b?lifecycle", None, O::GetBucketLifecycle, &["oss:GetBucketLifecycle on bucket b"]),
        ("DELETE /b?lifecycle", None, O::DeleteBucketLifecycle, &["oss:DeleteBucketLifecycle on bucket b"]),
        ("PUT /b?versioning", None, O::PutBucketVersioning, &["oss:PutBucketVersioning on bucket b"]),
        ("GET /b?versioning", None, O::GetBucketVersioning, &["oss:GetBucketVersioning on bucket b"]),
        ("GET /b?versions&key-marker=k", None, O::ListObjectVersions, &["oss:ListObjectVersions on bucket b"]),
        ("POST /b/k?uploads", None, O::InitiateMultipartUpload, &["oss:PutObject on object b/k"]),
        ("PUT /b/k?partNumber=1&uploadId=U", None, O::UploadPart, &["oss:PutObject on object b/k"]),
        ("PUT /b/k?partNumber=2&uploadId=U", src, O::UploadPartCopy, &["oss:PutObject on object b/k", "oss:GetObject on source src/s.txt"]),
        ("POST /b/k?uploadId=U", None, O::CompleteMultipartUpload, &["oss:PutObject on object b/k"]),
        ("DELETE /b/k?uploadId=U", None, O::AbortMultipartUpload, &["oss:AbortMultipartUpload on object b/k"]),
        ("GET /b/k?uploadId=U", None, O::ListParts, &["oss:ListParts on object b/k"]),
        ("PUT /b?cors", None, O::PutBucketCors, &["oss:PutBucketCors on bucket b"]),
        ("GET /b?cors", None, O::GetBucketCors, &["oss:GetBucketCors on bucket b"]),
        ("DELETE /b?cors", None, O::DeleteBucketCors, &["oss:DeleteBucketCors on bucket b"]),
        ("PUT /b?referer", None, O::PutBucketReferer, &["oss:PutBucketReferer on bucket b"]),
        ("GET /b?referer", None, O::GetBucketReferer, &["oss:GetBucketReferer on bucket b"]),
        ("PUT /b?logging", None, O::PutBucketLogging, &["oss:PutBucketLogging on bucket b"]),
        ("GET /b?logging", None, O::GetBucketLogging, &["oss:GetBucketLogging on bucket b"]),
        ("DELETE /b?logging", None, O::DeleteBucketLogging, &["oss:DeleteBucketLogging on bucket b"]),
        ("PUT /b?encryption", None, O::PutBucketEncryption, &["oss:PutBucketEncryption on bucket b"]),
        ("GET /b?encryption", None, O::GetBucketEncryption, &["oss:GetBucketEncryption on bucket b"]),
        ("DELETE /b?encryption", None, O::DeleteBucketEncryption, &["oss:DeleteBucketEncryption on bucket b"]),
        ("PUT /b?requestPayment", None, O::PutBucketRequestPayment, &["oss:PutBucketRequestPayment on bucket b"]),
        ("GET /b?requestPayment", None, O::GetBucketRequestPayment, &["oss:GetBucketRequestPayment on bucket b"]),
        ("PUT /b?publicAccessBlock", None, O::PutBucketPublicAccessBlock, &["oss:PutBucketPublicAccessBlock on bucket b"]),
        ("GET /b?publicAccessBlock", None, O::GetBucketPublicAccessBlock, &["oss:GetBucketPublicAccessBlock on bucket b"]),
        ("DELETE /b?publicAccessBlock", None, O::DeleteBucketPublicAccessBlock, &["oss:DeleteBucketPublicAccessBlock on bucket b"]),
        ("PUT /b?httpsConfig", None, O::PutBucketHttpsConfig, &["oss:PutBucketHttpsConfig on bucket b"]),
        ("GET /b?httpsConfig", None, O::GetBucketHttpsConfig, &["oss:GetBucketHttpsConfig on bucket b"]),
        ("PUT /b?policy&comp=callback", None, O::PutBucketCallbackPolicy, &["oss:PutBucketCallbackPolicy on bucket b"]),
        ("GET /b?policy&comp=callback", None, O::GetBucketCallbackPolicy, &["oss:GetBucketCallbackPolicy on bucket b"]),
        ("DELETE /b?policy&comp=callback", None, O::DeleteBucketCallbackPolicy, &["oss:DeleteBucketCallbackPolicy on bucket b"]),
        ("PUT /b?qos", None, O::PutBucketStorageCapacity, &["oss:PutBucketStorageCapacity on bucket b"]),
        ("GET /b?qos", None, O::GetBucketStorageCapacity, &["oss:GetBucketStorageCapacity on bucket b"]),
        ("PUT /b?qosInfo", None, O::PutBucketQoSInfo, &["oss:PutBucketQoSInfo on bucket b"]),
        ("GET /b?qosInfo", None, O::GetBucketQoSInfo, &["oss:GetBucketQoSInfo on bucket b"]),
        ("DELETE /b?qosInfo", None, O::DeleteBucketQoSInfo, &["oss:DeleteBucketQoSInfo on bucket b"]),
        ("GET /b?stat", None, O::GetBucketStat, &["oss:GetBucketStat on bucket b"]),
        ("PUT /b?policy", None, O::PutBucketPolicy, &["oss:PutBucketPolicy on bucket b"]),
        ("GET /b?policy", None, O::GetBucketPolicy, &["oss:GetBucketPolicy on bucket b"]),
        ("DELETE /b?policy", None, O::DeleteBucketPolicy, &["oss:DeleteBucketPolicy on bucket b"]),
        ("GET /b?policyStatus", None, O::GetBucketPolicyStatus, &["oss:GetBucketPolicyStatus on bucket b"]),
        ("OPTIONS /b/k", None, O::OptionObject, &["oss:OptionObject on bucket b"]),
        ("OPTIONS /b", None, O::OptionObject, &["oss:OptionObject on bucket b"]),
        ("POST /b?worm", None, O::InitiateBucketWorm, &["oss:InitiateBucketWorm on bucket b"]),
        ("DELETE /b?worm", None, O::AbortBucketWorm, &["oss:AbortBucketWorm on bucket b"]),
        ("GET /b?worm", None, O::GetBucketWorm, &["oss:GetBucketWorm on bucket b"]),
        ("POST /b?wormExtend&wormId=1", None, O::ExtendBucketWorm, &["oss:ExtendBucketWorm on bucket b"]),
        ("POST /b?wormId=1", None, O::CompleteBucketWorm, &["oss:CompleteBucketWorm on bucket b"]),
        ("PUT /b?website", None, O::PutBucketWebsite, &["oss:PutBucketWebsite on bucket b"]),
        ("GET /b?website", None, O::GetBucketWebsite, &["oss:GetBucketWebsite on bucket b"]),
        ("DELETE /b?website", None, O::DeleteBucketWebsite, &["oss:DeleteBucketWebsite on bucket b"]),
        ("PUT /b?inventory&inventoryId=1", None, O::PutBucketInventory, &["oss:PutBucketInventory on bucket b"]),
        ("GET /b?inventory&inventoryId=1", None, O::GetBucketInventory, &["oss:GetBucketInventory on bucket b"]),
        ("GET /b?inventory", None, O::ListBucketInventory, &["oss:ListBucketInventory on bucket b"]),
        ("DELETE /b?inventory&inventoryId=1", None, O::DeleteBucketInventory, &["oss:DeleteBucketInventory on bucket b"]),
        ("PUT /b?transferAcceleration", None, O::PutBucketTransferAcceleration, &["oss:PutBucketTransferAcceleration on bucket b"]),
        ("GET /b?transferAcceleration", None, O::GetBucketTransferAcceleration, &["oss:GetBucketTransferAcceleration on bucket b"]),
        ("PUT /b?resourceGroup", None, O::PutBucketResourceGroup, &["oss:PutBucketResourceGroup on bucket b"]),
        ("GET /b?resourceGroup", None, O::GetBucketResourceGroup, &["oss:GetBucketResourceGroup on bucket b"]),
        ("PUT /b?accessmonitor", None, O::PutBucketAccessMonitor, &["oss:PutBucketAccessMonitor on bucket b"]),
        ("GET /b?accessmonitor", None, O::GetBucketAccessMonitor, &["oss:GetBucketAccessMonitor on bucket b"]),
        ("GET /b?live", None, O::ListLiveChannel, &["oss:ListLiveChannel on bucket b"]),
        ("PUT /b/k?live", None, O::NotImplemented, &["oss:* on bucket b"]),
    ];
    for (line, source, operation, want) in &rows {
        let endpoint = parse(line, *source).unwrap_or_else(|r| panic!("{line}: {:?}", r.error));
        assert_eq!(endpoint.operation(), *operation, "{line}");
        assert_eq!(needs(&endpoint), *want, "{line}");
    }
    for op in Operation::ALL {
        assert!(rows.iter().any(|(_, _, o, _)| o == op), "{op} has no row in the table");
    }
}

#[test]
fn typed_parameters() {
    let e = parse("PUT /b/dir/k?partNumber=7&uploadId=ABC", Some("/src/a%2Fb?versionId=null")).unwrap();
    let Endpoint::UploadPartCopy { object, upload_id, part_number, source } = e else { panic!("{e:?}") };
    assert_eq!((object.bucket.as_str(), object.key.as_str()), ("b", "dir/k"));
    assert_eq!((upload_id, part_number), (UploadId("ABC".into()), PartNumber(7)));
    assert_eq!(source, CopySource { bucket: "src".into(), key: "a/b".into(), version_id: Some(VersionId::null()) });
}

#[test]
fn rejections_keep_the_operation() {
    let r = parse("PUT /b/k?partNumber=0&uploadId=U", None).unwrap_err();
    assert_eq!((r.operation, r.error.code), (Some(Operation::UploadPart), Code::InvalidArgument));
    let r = parse("PUT /b/k", Some("nobucket")).unwrap_err();
    assert_eq!((r.operation, r.error.code), (Some(Operation::CopyObject), Code::InvalidArgument));
    let r = parse("PUT /", None).unwrap_err();
    assert_eq!((r.operation, r.error.code), (None, Code::MethodNotAllowed));
    assert_eq!(parse("PATCH /b/k", None).unwrap_err().error.code, Code::MethodNotAllowed);
    // A bad versionId is refused before anything is looked up, naming the operation.
    let r = parse("GET /b/k?versionId=IllegalVersion", None).unwrap_err();
    assert_eq!(
        (r.operation, r.error.code, r.error.ec),
        (Some(Operation::GetObject), Code::InvalidArgument, Some("0012-00000202"))
    );
    let r = parse("DELETE /b/k?versionId=", None).unwrap_err();
    assert_eq!((r.operation, r.error.ec), (Some(Operation::DeleteObject), Some("0012-00000201")));
    // Only POST restores; a PUT ?restore must never become a PutObject over the archive.
    for line in ["PUT /b/k?restore", "GET /b/k?restore"] {
        assert_eq!(parse(line, None).unwrap_err().error.code, Code::MethodNotAllowed, "{line}");
    }
}

#[test]
fn unimplemented_sub_resources_are_not_plain_requests() {
    for line in [
        "PUT /b/k?live",
        "GET /b/k?worm",
        "PUT /b/k?website",
        "PUT /b?bucketArchiveDirectRead",
        "PUT /b?overwriteConfig",
        "POST /b?cors",
        "PUT /b?cname",
        "PUT /b?policy&comp=other",
    ] {
        let e = parse(line, None).unwrap();
        assert_eq!(e.operation(), Operation::NotImplemented, "{line}");
        assert_eq!(e.not_implemented_error().map(|e| e.code), Some(Code::NotImplemented), "{line}");
    }
    // Unknown parameters are ignored, as OSS ignores them.
    assert_eq!(parse("GET /b/k?foo=bar", None).unwrap().operation(), Operation::GetObject);
}

#[test]
fn operation_names_parse_exactly() {
    for op in Operation::ALL {
        assert_eq!(op.name().parse::<Operation>(), Ok(*op));
    }
    let err = "UploadPartcopy".parse::<Operation>().unwrap_err();
    assert!(err.to_string().contains("UploadPartCopy"), "{err}");
}

#[test]
fn copy_source_forms() {
    let parse = |s| parse_copy_source(s).map(|c| (c.bucket, c.key, c.version_id));
    assert_eq!(parse("/b1k/dir%2Fa%20b").unwrap(), ("b1k".into(), "dir/a b".into(), None));
    assert_eq!(parse("/b1k/dir/a+b%2Bc").unwrap(), ("b1k".into(), "dir/a b+c".into(), None));
    assert_eq!(parse("/b1k/k?versionId=null").unwrap(), ("b1k".into(), "k".into(), Some(VersionId::null())));
    let id = format!("CAEQ{}", "x".repeat(60));
    let source = format!("/b1k/k?versionId={id}");
    assert_eq!(parse_copy_source(&source).unwrap().version_id.map(|v| v.to_string()), Some(id));
    // A bad id in the source is the request's error, with OSS's EC.
    assert_eq!(parse_copy_source("/b1k/k?versionId=234").unwrap_err().ec, Some("0012-00000202"));
    assert_eq!(parse("/b1k/%E4%B8%AD%3F").unwrap().1, "中?");
    for bad in ["b1k/k", "/b1k", "/b1k/", "//k", ""] {
        assert_eq!(parse_copy_source(bad).unwrap_err().code, Code::InvalidArgument, "{bad}");
    }
}

proptest::proptest! {
    /// Any method, path and query names an endpoint or is refused; nothing panics.
    #[test]
    fn parse_never_panics(
        method in "(GET|PUT|POST|DELETE|HEAD|PATCH|OPTIONS)",
        bucket in proptest::option::of("[a-z0-9-]{3,10}"),
        key in proptest::option::of("\\PC{1,30}"),
        query in "\\PC{0,60}",
        source in proptest::option::of("\\PC{0,40}"),
    ) {
        let mut headers = HeaderMap::new();
        if let Some(v) = source.as_deref().and_then(|s| http::HeaderValue::from_str(s).ok()) {
            headers.insert(COPY_SOURCE, v);
        }
        let t = target(bucket.as_deref(), key.as_deref());
        let _ = Endpoint::parse(&method.parse().unwrap(), &t, &parse_query(&query), &headers);
    }

    #[test]
    fn copy_source_never_panics(raw in "\\PC{0,80}") {
        let _ = parse_copy_source(&raw);
    }
}
