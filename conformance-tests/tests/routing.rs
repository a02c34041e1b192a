//! Addressing and regions: path style, virtual-host style through the Host header (how ali-oss
//! reaches an IP), `<bucket>.localhost`, the regional service host, key decoding after the bucket
//! segment, wrong-region endpoints and V4 scopes, and where buckets report they live.

use conformance_tests::{
    assert_error, assert_error_ec, get_body, put, service_error, Addressing, Client, Config, Method, SignatureVersion,
    Target,
};
use oss_client::{GetObjectOptions, ListBucketsOptions, ListObjectsV2Options, PutObjectOptions};

fn get_opts() -> GetObjectOptions {
    GetObjectOptions::default()
}

async fn keys(client: &Client, bucket: &str) -> Vec<String> {
    let page = client.list_objects_v2(bucket, &ListObjectsV2Options::default()).await.expect("ListObjectsV2");
    page.contents.iter().map(|o| o.key.clone()).collect()
}

/// `oss-<region>.aliyuncs.com`
fn service_host(region: &str) -> String {
    format!("oss-{region}.aliyuncs.com")
}

/// A primary-account client with the given addressing and Host override.
fn configured(target: &Target, addressing: Addressing, host: Option<String>, version: SignatureVersion) -> Client {
    let config = Config::new(&target.endpoint, &target.region)
        .credentials(&target.primary.access_key_id, &target.primary.access_key_secret)
        .signature(version)
        .addressing(addressing)
        .host_override(host);
    Client::new(config).expect("client")
}

/// Virtual-host addressing: towards an IP endpoint (the emulator, in-process or not), ali-oss's
/// way of reaching it (connect to the IP, `Host: <bucket>.oss-<region>.aliyuncs.com`); on real
/// OSS, the default.
fn vhost_client(target: &Target, version: SignatureVersion) -> Client {
    let host = target.is_local_endpoint().then(|| service_host(&target.region));
    configured(target, Addressing::VirtualHost, host, version)
}

#[tokio::test]
async fn path_style_is_the_default_for_an_ip_endpoint() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("pathstyle").await;
    if !target.is_local_endpoint() {
        // Real OSS: virtual host by default; path style on the official domain is forbidden.
        assert_eq!(client.addressing(), Addressing::VirtualHost);
        let path = configured(&target, Addressing::PathStyle, None, SignatureVersion::V4);
        let err = service_error(path.get_object(&bucket.name, "k", &get_opts()).await);
        assert_error(&err, 403, "SecondLevelDomainForbidden");
        return;
    }
    assert_eq!(client.addressing(), Addressing::PathStyle);
    let url = client.url(Some(&bucket.name), Some("dir/k")).expect("url");
    assert_eq!(url.as_str(), format!("{}/{}/dir/k", target.endpoint, bucket.name));
    for version in [SignatureVersion::V1, SignatureVersion::V4] {
        let c = target.client_as(Some(&target.primary), version);
        put(&c, &bucket.name, "dir/k", b"path style").await;
        assert_eq!(get_body(&c, &bucket.name, "dir/k").await, b"path style");
        // `/bucket` without the trailing slash is the bucket too.
        let resp = c
            .request(Method::GET, Some(&bucket.name), None)
            .query("list-type", "2")
            .raw_path(format!("/{}", bucket.name))
            .send()
            .await
            .expect("ListObjectsV2 on /bucket");
        assert!(resp.text().contains("<Key>dir/k</Key>"), "{}", resp.text());
    }
}

#[tokio::test]
async fn virtual_host_through_the_host_header() {
    let target = Target::start().await;
    let bucket = target.bucket("vhost").await;
    let path = target.client();
    for version in [SignatureVersion::V1, SignatureVersion::V4] {
        let vhost = vhost_client(&target, version);
        assert_eq!(vhost.addressing(), Addressing::VirtualHost);
        let prepared = vhost.request(Method::GET, Some(&bucket.name), Some("a/b c")).prepare().expect("prepare");
        let host = prepared.header("host").expect("host").to_owned();
        assert_eq!(host, format!("{}.{}", bucket.name, service_host(&target.region)));
        assert_eq!(prepared.url.path(), "/a/b%20c", "the bucket is not in the path");

        put(&vhost, &bucket.name, "a/b c", format!("{version:?}").as_bytes()).await;
        assert_eq!(get_body(&path, &bucket.name, "a/b c").await, format!("{version:?}").as_bytes());
        assert_eq!(keys(&vhost, &bucket.name).await, vec!["a/b c".to_owned()]);
        let acl = vhost.get_bucket_acl(&bucket.name).await.expect("GetBucketAcl over vhost");
        assert_eq!(acl.access_control_list.grant, "private");
        // Host without a bucket: the service, i.e. ListBuckets.
        let listed = vhost.list_buckets(&ListBucketsOptions::default()).await.expect("ListBuckets over vhost");
        assert!(listed.buckets.bucket.iter().any(|b| b.name == bucket.name), "{version:?}");
    }
    // A bucket named in Host that does not exist.
    let vhost = vhost_client(&target, SignatureVersion::V4);
    let missing = target.bucket_name("missing");
    let err = service_error(vhost.get_object(&missing, "k", &get_opts()).await);
    assert_error_ec(&err, 404, "NoSuchBucket", "0015-00000101");
    assert_eq!(err.extra("BucketName"), Some(missing.as_str()));
    assert_eq!(err.document.host_id, format!("{missing}.{}", service_host(&target.region)), "HostId echoes Host");
}

#[tokio::test]
#[cfg_attr(oss_external_target, ignore = "emulator addressing that real OSS does not offer")]
async fn bucket_dot_localhost_is_virtual_host() {
    let target = Target::start().await;
    let emulator = target.require_emulator();
    let bucket = target.bucket("localhost").await;
    let local = format!("localhost:{}", emulator.addr().port());
    let client = configured(&target, Addressing::VirtualHost, Some(local.clone()), SignatureVersion::V4);
    let prepared = client.request(Method::GET, Some(&bucket.name), Some("k")).prepare().expect("prepare");
    assert_eq!(prepared.header("host"), Some(format!("{}.{local}", bucket.name).as_str()));
    put(&client, &bucket.name, "dir/k", b"local vhost").await;
    assert_eq!(get_body(&target.client(), &bucket.name, "dir/k").await, b"local vhost");
    assert_eq!(keys(&client, &bucket.name).await, vec!["dir/k".to_owned()]);
    let listed = client.list_buckets(&ListBucketsOptions::default()).await.expect("ListBuckets on localhost");
    assert!(listed.buckets.bucket.iter().any(|b| b.name == bucket.name));
}

/// `Host: oss-<region>.aliyuncs.com`: `/` is ListBuckets, `/<bucket>/<key>` is refused.
#[tokio::test]
async fn service_host_lists_buckets_and_forbids_path_style() {
    let target = Target::start().await;
    let bucket = target.bucket("svchost").await;
    put(&target.client(), &bucket.name, "k", b"x").await;
    let host = target.is_local_endpoint().then(|| service_host(&target.region));
    let client = configured(&target, Addressing::PathStyle, host, SignatureVersion::V4);
    let listed = client.list_buckets(&ListBucketsOptions::default()).await.expect("ListBuckets on the service host");
    let summary = listed.buckets.bucket.iter().find(|b| b.name == bucket.name).expect("our bucket is listed");
    assert_eq!(summary.location, format!("oss-{}", target.region));
    assert_eq!(summary.region, target.region);
    assert_eq!(summary.extranet_endpoint, service_host(&target.region));
    assert_eq!(summary.intranet_endpoint, format!("oss-{}-internal.aliyuncs.com", target.region));
    for version in [SignatureVersion::V1, SignatureVersion::V4] {
        let client = configured(
            &target,
            Addressing::PathStyle,
            target.is_local_endpoint().then(|| service_host(&target.region)),
            version,
        );
        let err = service_error(client.get_object(&bucket.name, "k", &get_opts()).await);
        assert_error(&err, 403, "SecondLevelDomainForbidden");
        let err = service_error(client.put_object(&bucket.name, "new", &b"y"[..], &PutObjectOptions::default()).await);
        assert_error(&err, 403, "SecondLevelDomainForbidden");
        let err = service_error(client.head_object(&bucket.name, "k", &get_opts()).await);
        assert_error(&err, 403, "SecondLevelDomainForbidden");
    }
    let err = service_error(target.client().head_object(&bucket.name, "new", &get_opts()).await);
    assert_error(&err, 404, "NoSuchKey");
}

/// oss2 quotes keys with `safe=''`: `/` arrives as `%2F`. The path is decoded once, after the
/// bucket segment; `+` is a plus, `%2B` too, `%25` a percent sign.
#[tokio::test]
async fn keys_are_percent_decoded_after_the_bucket_segment() {
    let target = Target::start().await;
    let bucket = target.bucket("decode").await;
    let client = target.client();
    let prefix = match client.addressing() {
        Addressing::PathStyle => format!("/{}/", bucket.name),
        Addressing::VirtualHost => "/".to_owned(),
    };
    let cases = [
        ("dir%2Fkey", "dir/key"),
        ("a+b%20c", "a+b c"),
        ("plus%2Bsign", "plus+sign"),
        ("pct%252Fliteral", "pct%2Fliteral"),
        ("%E4%B8%AD%E6%96%87%2F%F0%9F%98%80", "中文/😀"),
        ("mixed/dir%2Fsub/leaf", "mixed/dir/sub/leaf"),
    ];
    for (raw, key) in cases {
        let resp = client
            .request(Method::PUT, Some(&bucket.name), Some(key))
            .raw_path(format!("{prefix}{raw}"))
            .body(key.as_bytes().to_vec())
            .send_raw()
            .await
            .expect("send");
        assert_eq!(resp.status, 200, "PUT {raw}: {}", resp.text());
    }
    for (raw, key) in cases {
        assert_eq!(get_body(&client, &bucket.name, key).await, key.as_bytes(), "{raw} was stored as {key:?}");
        // And read back through the encoded form too.
        let resp = client
            .request(Method::GET, Some(&bucket.name), Some(key))
            .raw_path(format!("{prefix}{raw}"))
            .send()
            .await
            .expect("GET by the encoded path");
        assert_eq!(resp.body.as_ref(), key.as_bytes());
    }
    let mut want: Vec<String> = cases.iter().map(|(_, k)| (*k).to_owned()).collect();
    want.sort();
    assert_eq!(keys(&client, &bucket.name).await, want);
}

/// A bucket reached through another region's endpoint: 403 AccessDenied naming the right one.
#[tokio::test]
#[cfg_attr(oss_no_other_region, ignore = "needs OSS_TEST_OTHER_REGION/_ENDPOINT")]
async fn wrong_region_endpoint_is_access_denied_with_the_right_endpoint() {
    let target = Target::start().await;
    let (other_region, other_endpoint) = target.other_region();
    let bucket = target.bucket("wrongregion").await;
    put(&target.client(), &bucket.name, "k", b"home").await;
    // V1 carries no region in its signature, so only the endpoint is wrong.
    let elsewhere = target.client_for(&other_endpoint, &other_region, Some(&target.primary), SignatureVersion::V1);
    let message = "The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.";
    let err = service_error(elsewhere.get_object(&bucket.name, "k", &get_opts()).await);
    assert_error(&err, 403, "AccessDenied");
    assert_eq!(err.message, message);
    assert_eq!(err.extra("Bucket"), Some(bucket.name.as_str()));
    assert_eq!(err.extra("Endpoint"), Some(service_host(&target.region).as_str()));
    let err = service_error(elsewhere.put_object(&bucket.name, "k", &b"x"[..], &PutObjectOptions::default()).await);
    assert_error(&err, 403, "AccessDenied");
    assert_eq!(err.extra("Endpoint"), Some(service_host(&target.region).as_str()));
    let err = service_error(elsewhere.list_objects_v2(&bucket.name, &ListObjectsV2Options::default()).await);
    assert_error(&err, 403, "AccessDenied");
    assert_eq!(err.extra("Bucket"), Some(bucket.name.as_str()));
    // HEAD carries the same document in x-oss-err.
    let err = service_error(elsewhere.head_object(&bucket.name, "k", &get_opts()).await);
    assert_error(&err, 403, "AccessDenied");
    assert_eq!(err.extra("Endpoint"), Some(service_host(&target.region).as_str()));
    assert_eq!(get_body(&target.client(), &bucket.name, "k").await, b"home");
}

/// A V4 scope naming another region than the endpoint's is refused before anything else.
#[tokio::test]
async fn v4_signed_for_the_wrong_region_is_invalid_argument() {
    let target = Target::start().await;
    let bucket = target.bucket("v4region").await;
    put(&target.client(), &bucket.name, "k", b"x").await;
    let foreign = if target.region == "cn-shanghai" { "cn-beijing" } else { "cn-shanghai" };
    let mut attempts = vec![target.client_for(&target.endpoint, foreign, Some(&target.primary), SignatureVersion::V4)];
    if let Some((_, other_endpoint)) = &target.other {
        // The second region's endpoint, signed for the bucket's (first) region.
        attempts.push(target.client_for(other_endpoint, &target.region, Some(&target.primary), SignatureVersion::V4));
    }
    for client in attempts {
        let err = service_error(client.get_object(&bucket.name, "k", &get_opts()).await);
        assert_error(&err, 400, "InvalidArgument");
        let ec = err.ec.as_deref().unwrap_or_default();
        assert!(ec == "0002-00000228" || ec == "0002-00000226", "EC {ec:?}");
    }
}

#[tokio::test]
#[cfg_attr(oss_no_other_region, ignore = "needs OSS_TEST_OTHER_REGION/_ENDPOINT")]
async fn bucket_created_through_the_second_region_lives_there() {
    let target = Target::start().await;
    let (other_region, other_endpoint) = target.other_region();
    let there = target.client_for(&other_endpoint, &other_region, Some(&target.primary), SignatureVersion::V4);
    let bucket = target.bucket_with(&there, "secondregion", None).await;
    let location = there.get_bucket_location(&bucket.name).await.expect("GetBucketLocation");
    assert_eq!(location.data, format!("oss-{other_region}"));
    let info = there.get_bucket_info(&bucket.name).await.expect("GetBucketInfo");
    assert_eq!(info.bucket.location, format!("oss-{other_region}"));
    assert_eq!(info.bucket.extranet_endpoint, service_host(&other_region));
    assert_eq!(info.bucket.intranet_endpoint, format!("oss-{other_region}-internal.aliyuncs.com"));
    put(&there, &bucket.name, "k", b"shanghai").await;
    assert_eq!(get_body(&there, &bucket.name, "k").await, b"shanghai");
    // ListBuckets from either region lists it with its own location.
    for client in [&there, &target.client()] {
        let listed = client.list_buckets(&ListBucketsOptions::default()).await.expect("ListBuckets");
        let summary = listed.buckets.bucket.iter().find(|b| b.name == bucket.name).expect("listed");
        assert_eq!(summary.location, format!("oss-{other_region}"));
        assert_eq!(summary.region, other_region);
        assert_eq!(summary.extranet_endpoint, service_host(&other_region));
    }
    // From the first region's endpoint it is "elsewhere".
    let home = target.client_v1();
    let err = service_error(home.get_object(&bucket.name, "k", &get_opts()).await);
    assert_error(&err, 403, "AccessDenied");
    assert_eq!(err.extra("Endpoint"), Some(service_host(&other_region).as_str()));
}

#[tokio::test]
#[cfg_attr(oss_external_target, ignore = "real OSS implements these sub-resources")]
async fn unimplemented_sub_resources_are_not_implemented() {
    let target = Target::start().await;
    target.require_emulator();
    let bucket = target.bucket("notimpl").await;
    let client = target.client();
    put(&client, &bucket.name, "k", b"x").await;
    for (key, sub) in [(None, "replication"), (None, "cname"), (Some("k"), "x-oss-async-process")] {
        for method in [Method::GET, Method::PUT] {
            let resp =
                client.request(method.clone(), Some(&bucket.name), key).query(sub, "").send_raw().await.expect("send");
            assert_error(&resp.into_service_error(), 400, "NotImplemented");
        }
    }
    // The object was not overwritten by the PUT ?x-oss-async-process.
    assert_eq!(get_body(&client, &bucket.name, "k").await, b"x");
}

/// Host shapes ali-oss sends to an IP endpoint: the `-internal` domain, `.oss-<region>…` (an empty
/// bucket label) for ListBuckets, and a Host naming another region's domain, which is then the
/// region the request addresses.
#[tokio::test]
#[cfg_attr(oss_external_target, ignore = "emulator addressing that real OSS does not offer")]
async fn ali_oss_host_shapes() {
    let target = Target::start().await;
    target.require_emulator();
    let bucket = target.bucket("alihosts").await;
    put(&target.client(), &bucket.name, "k", b"internal").await;
    let internal = configured(
        &target,
        Addressing::VirtualHost,
        Some(format!("oss-{}-internal.aliyuncs.com", target.region)),
        SignatureVersion::V1,
    );
    assert_eq!(get_body(&internal, &bucket.name, "k").await, b"internal");
    let dotted = configured(
        &target,
        Addressing::PathStyle,
        Some(format!(".{}", service_host(&target.region))),
        SignatureVersion::V1,
    );
    let listed = dotted.list_buckets(&ListBucketsOptions::default()).await.expect("ListBuckets on .oss-<region>");
    assert!(listed.buckets.bucket.iter().any(|b| b.name == bucket.name));
    let (other_region, _) = target.other.clone().expect("second region");
    let foreign = configured(&target, Addressing::VirtualHost, Some(service_host(&other_region)), SignatureVersion::V1);
    let err = service_error(foreign.get_object(&bucket.name, "k", &get_opts()).await);
    assert_error(&err, 403, "AccessDenied");
    assert_eq!(err.extra("Endpoint"), Some(service_host(&target.region).as_str()));
}
