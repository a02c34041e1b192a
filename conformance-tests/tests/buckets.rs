//! Bucket family: ListBuckets, PutBucket, DeleteBucket, GetBucketLocation, GetBucketInfo,
//! PutBucketAcl / GetBucketAcl — success paths and every error each can return.

use std::time::{Duration, SystemTime};

use conformance_tests::protocol::time::parse_iso8601;
use conformance_tests::protocol::xml::CreateBucketConfiguration;
use conformance_tests::{assert_error, assert_error_ec, service_error, Addressing, Method, Target};
use oss_client::{InitiateMultipartUploadOptions, ListBucketsOptions, PutObjectOptions};

/// A prefix no other case (or earlier run) shares, so listings under it are exactly ours.
fn unique_tag(tag: &str) -> String {
    format!("{tag}{:04x}", rand::random::<u16>())
}

fn list_prefix(target: &Target, tag: &str) -> String {
    format!("{}{}-", target.bucket_prefix, tag)
}

#[track_caller]
fn assert_iso_time_near_now(text: &str) {
    assert!(text.ends_with(".000Z"), "XML time {text:?} must end in .000Z");
    let t = parse_iso8601(text).unwrap_or_else(|| panic!("XML time {text:?} is not ISO 8601"));
    let now = SystemTime::now();
    let delta = now.duration_since(t).unwrap_or_else(|e| e.duration());
    assert!(delta < Duration::from_secs(3600), "time {text} is far from now");
}

fn storage_class_config(class: &str) -> CreateBucketConfiguration {
    CreateBucketConfiguration { storage_class: Some(class.to_owned()), ..Default::default() }
}

#[tokio::test]
async fn list_buckets_shows_only_own_buckets_with_region_fields() {
    let target = Target::start().await;
    let client = target.client();
    let tag = unique_tag("lbown");
    let a = target.bucket(&tag).await;
    let b = target.bucket(&tag).await;
    let prefix = list_prefix(&target, &tag);
    let mut expected = vec![a.name.clone(), b.name.clone()];
    expected.sort();

    let list = client
        .list_buckets(&ListBucketsOptions { prefix: Some(prefix.clone()), ..Default::default() })
        .await
        .expect("ListBuckets");
    assert_eq!(list.status, 200);
    let names: Vec<&str> = list.buckets.bucket.iter().map(|b| b.name.as_str()).collect();
    assert_eq!(names, expected, "the caller's buckets, sorted, and no other account's");
    assert!(!list.owner.id.is_empty(), "Owner/ID");
    assert!(list.is_truncated != Some(true));
    let region = &target.region;
    for bucket in &list.buckets.bucket {
        assert_eq!(bucket.location, format!("oss-{region}"), "Location of {}", bucket.name);
        assert_eq!(bucket.region, *region, "Region of {}", bucket.name);
        assert_eq!(bucket.extranet_endpoint, format!("oss-{region}.aliyuncs.com"));
        assert_eq!(bucket.intranet_endpoint, format!("oss-{region}-internal.aliyuncs.com"));
        assert_eq!(bucket.storage_class, "Standard");
        assert_iso_time_near_now(&bucket.creation_date);
    }
    let text = client.request(Method::GET, None, None).query("prefix", prefix.clone()).send().await.unwrap().text();
    assert!(text.starts_with("<?xml"), "XML declaration: {text}");
    assert!(!text.contains("xmlns"), "no namespace: {text}");

    // The owner in the listing is the owner of each bucket.
    let acl = client.get_bucket_acl(&a.name).await.unwrap();
    assert_eq!(acl.owner.id, list.owner.id);
}

/// Another account's bucket under the same prefix shows up in its listing only.
#[tokio::test]
#[cfg_attr(oss_no_second_account, ignore = "needs OSS_TEST_SECOND_ACCESS_KEY_ID/_SECRET")]
async fn list_buckets_leaves_out_other_accounts_buckets() {
    let target = Target::start().await;
    let (client, second) = (target.client(), target.second_account());
    let tag = unique_tag("lbother");
    let mine = target.bucket(&tag).await;
    let theirs = target.bucket_with(&second, &tag, None).await;
    let prefix = list_prefix(&target, &tag);
    let opts = ListBucketsOptions { prefix: Some(prefix), ..Default::default() };
    let list = client.list_buckets(&opts).await.expect("ListBuckets");
    let names: Vec<&str> = list.buckets.bucket.iter().map(|b| b.name.as_str()).collect();
    assert_eq!(names, vec![mine.name.as_str()]);
    let other = second.list_buckets(&opts).await.expect("second account's ListBuckets");
    let names: Vec<&str> = other.buckets.bucket.iter().map(|b| b.name.as_str()).collect();
    assert_eq!(names, vec![theirs.name.as_str()]);
    assert_ne!(other.owner.id, list.owner.id);
}

#[tokio::test]
async fn list_buckets_pages_with_marker_and_max_keys() {
    let target = Target::start().await;
    let client = target.client();
    let tag = unique_tag("lbpage");
    let mut names = Vec::new();
    let mut keep = Vec::new();
    for _ in 0..3 {
        let b = target.bucket(&tag).await;
        names.push(b.name.clone());
        keep.push(b);
    }
    names.sort();
    let prefix = list_prefix(&target, &tag);

    let first = client
        .list_buckets(&ListBucketsOptions { prefix: Some(prefix.clone()), max_keys: Some(2), ..Default::default() })
        .await
        .unwrap();
    let got: Vec<&str> = first.buckets.bucket.iter().map(|b| b.name.as_str()).collect();
    assert_eq!(got, vec![names[0].as_str(), names[1].as_str()]);
    assert_eq!(first.is_truncated, Some(true));
    assert_eq!(first.next_marker.as_deref(), Some(names[1].as_str()));
    assert_eq!(first.max_keys, Some(2));
    assert_eq!(first.prefix.as_deref(), Some(prefix.as_str()));

    let second = client
        .list_buckets(&ListBucketsOptions {
            prefix: Some(prefix.clone()),
            marker: first.next_marker.clone(),
            max_keys: Some(2),
        })
        .await
        .unwrap();
    let got: Vec<&str> = second.buckets.bucket.iter().map(|b| b.name.as_str()).collect();
    assert_eq!(got, vec![names[2].as_str()]);
    assert!(second.is_truncated != Some(true));
    assert_eq!(second.next_marker, None);

    // A marker alone skips every name up to and including it.
    let after = client
        .list_buckets(&ListBucketsOptions { prefix: Some(prefix), marker: Some(names[0].clone()), max_keys: None })
        .await
        .unwrap();
    let got: Vec<&str> = after.buckets.bucket.iter().map(|b| b.name.as_str()).collect();
    assert_eq!(got, vec![names[1].as_str(), names[2].as_str()]);
}

#[tokio::test]
async fn list_buckets_refuses_anonymous_callers() {
    let target = Target::start().await;
    let err = service_error(target.anonymous().list_buckets(&ListBucketsOptions::default()).await);
    assert_error(&err, 403, "AccessDenied");
}

#[tokio::test]
async fn put_bucket_with_each_acl_and_a_bad_one() {
    let target = Target::start().await;
    let client = target.client();
    for acl in ["private", "public-read", "public-read-write"] {
        let bucket = target.bucket_with(&client, "acl", Some(acl)).await;
        let got = client.get_bucket_acl(&bucket.name).await.unwrap();
        assert_eq!(got.access_control_list.grant, acl);
        let info = client.get_bucket_info(&bucket.name).await.unwrap();
        assert_eq!(info.bucket.access_control_list.grant, acl);
    }
    // No header: private.
    let plain = target.bucket("aclnone").await;
    assert_eq!(client.get_bucket_acl(&plain.name).await.unwrap().access_control_list.grant, "private");

    let name = target.bucket_name("aclbad");
    let err = service_error(client.put_bucket(&name, Some("public"), None).await);
    assert_error(&err, 400, "InvalidArgument");
    assert_eq!(err.extra("ArgumentName"), Some("x-oss-acl"));
    let err = service_error(client.get_bucket_info(&name).await);
    assert_error_ec(&err, 404, "NoSuchBucket", "0015-00000101");
}

#[tokio::test]
async fn put_bucket_with_storage_class_configuration() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket_name("ia");
    let created = client.put_bucket(&bucket, None, Some(&storage_class_config("IA"))).await.expect("PutBucket IA");
    let _guard = target.adopt(&client, &bucket);
    assert_eq!(created.status, 200);
    let info = client.get_bucket_info(&bucket).await.unwrap();
    assert_eq!(info.bucket.storage_class, "IA");
    let list = client.list_buckets(&ListBucketsOptions { prefix: Some(bucket.clone()), ..Default::default() }).await;
    let list = list.unwrap();
    assert_eq!(list.buckets.bucket.len(), 1);
    assert_eq!(list.buckets.bucket[0].storage_class, "IA");

    // An unknown storage class is refused and creates nothing.
    let bad = target.bucket_name("badclass");
    let err = service_error(client.put_bucket(&bad, None, Some(&storage_class_config("Bogus"))).await);
    assert_error(&err, 400, "InvalidArgument");
    assert_error(&service_error(client.get_bucket_info(&bad).await), 404, "NoSuchBucket");
}

#[tokio::test]
async fn put_bucket_location_constraint_must_match_the_endpoint() {
    let target = Target::start().await;
    let client = target.client();
    let own = format!("oss-{}", target.region);
    let elsewhere = if target.region == "cn-beijing" { "oss-cn-shanghai" } else { "oss-cn-beijing" };

    let name = target.bucket_name("locbad");
    let config = CreateBucketConfiguration { location_constraint: Some(elsewhere.to_owned()), ..Default::default() };
    let err = service_error(client.put_bucket(&name, None, Some(&config)).await);
    assert_error(&err, 400, "InvalidLocationConstraint");
    assert_error(&service_error(client.get_bucket_info(&name).await), 404, "NoSuchBucket");

    let name = target.bucket_name("locok");
    let config = CreateBucketConfiguration { location_constraint: Some(own.clone()), ..Default::default() };
    client.put_bucket(&name, None, Some(&config)).await.expect("matching LocationConstraint");
    let _guard = target.adopt(&client, &name);
    let location = client.get_bucket_location(&name).await.unwrap();
    assert_eq!(location.data, own);
}

#[tokio::test]
async fn put_bucket_rejects_invalid_names() {
    let target = Target::start().await;
    let client = target.client();
    let mut bad = vec!["ab".to_owned(), "ab_cdef".to_owned()];
    // Names a DNS label or TLS cannot carry (or that a Host header would lowercase) only reach
    // the server path-style.
    if client.addressing() == Addressing::PathStyle {
        bad.extend(
            ["-abcdef", "abcdef-", "abCdef", "abc#def", "abc.def"]
                .map(str::to_owned)
                .into_iter()
                .chain(["a".repeat(64)]),
        );
    }
    for name in &bad {
        let err = service_error(client.put_bucket(name, None, None).await);
        assert_error_ec(&err, 400, "InvalidBucketName", "0015-00000001");
    }
}

/// The limits themselves are fine: 3 and 63 characters. Bucket names are global on real OSS,
/// where a name like `abc` is long taken.
#[tokio::test]
#[cfg_attr(oss_external_target, ignore = "bucket names are global on real OSS: abc is taken")]
async fn put_bucket_accepts_names_of_3_and_63_characters() {
    let target = Target::start().await;
    let client = target.client();
    target.require_emulator();
    for name in ["abc".to_owned(), "a".repeat(63)] {
        client.put_bucket(&name, None, None).await.unwrap_or_else(|e| panic!("PutBucket {name}: {e}"));
    }
}

#[tokio::test]
async fn put_bucket_is_idempotent_for_the_owner() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("idem").await;
    client.put_object(&bucket.name, "kept", &b"data"[..], &PutObjectOptions::default()).await.unwrap();
    let again = client.put_bucket(&bucket.name, None, None).await.expect("re-creating one's own bucket");
    assert_eq!(again.status, 200);
    let same = client.put_bucket(&bucket.name, None, Some(&storage_class_config("Standard"))).await;
    assert_eq!(same.expect("same storage class").status, 200);
    // Nothing was reset.
    let head = client.head_object(&bucket.name, "kept", &Default::default()).await.unwrap();
    assert_eq!(head.content_length, Some(4));
    assert_eq!(client.get_bucket_acl(&bucket.name).await.unwrap().access_control_list.grant, "private");
}

#[tokio::test]
#[cfg_attr(oss_no_second_account, ignore = "needs OSS_TEST_SECOND_ACCESS_KEY_ID/_SECRET")]
async fn put_bucket_of_another_accounts_name_conflicts() {
    let target = Target::start().await;
    let second = target.second_account();
    let bucket = target.bucket("taken").await;
    let err = service_error(second.put_bucket(&bucket.name, None, None).await);
    assert_error_ec(&err, 409, "BucketAlreadyExists", "0015-00000104");
    // Still the first account's.
    assert_eq!(target.client().get_bucket_acl(&bucket.name).await.unwrap().status, 200);
    assert_error(&service_error(second.get_bucket_acl(&bucket.name).await), 403, "AccessDenied");
}

#[tokio::test]
async fn put_bucket_cannot_change_the_storage_class() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("chgclass").await;
    let err = service_error(client.put_bucket(&bucket.name, None, Some(&storage_class_config("IA"))).await);
    assert_error(&err, 409, "BucketAlreadyExists");
    assert_eq!(client.get_bucket_info(&bucket.name).await.unwrap().bucket.storage_class, "Standard");
}

#[tokio::test]
async fn delete_bucket_then_it_is_gone() {
    let target = Target::start().await;
    let client = target.client();
    let name = target.bucket_name("del");
    client.put_bucket(&name, None, None).await.unwrap();
    let deleted = client.delete_bucket(&name).await.expect("DeleteBucket");
    assert_eq!(deleted.status, 204);
    assert_eq!(deleted.header("x-oss-request-id").map(str::len), Some(24));

    for err in [
        service_error(client.delete_bucket(&name).await),
        service_error(client.get_bucket_info(&name).await),
        service_error(client.get_bucket_location(&name).await),
        service_error(client.get_bucket_acl(&name).await),
        service_error(client.put_bucket_acl(&name, "private").await),
    ] {
        assert_error_ec(&err, 404, "NoSuchBucket", "0015-00000101");
        assert_eq!(err.extra("BucketName"), Some(name.as_str()));
    }
}

#[tokio::test]
async fn delete_bucket_refuses_while_objects_remain() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("notempty").await;
    client.put_object(&bucket.name, "dir/obj", &b"x"[..], &PutObjectOptions::default()).await.unwrap();
    let err = service_error(client.delete_bucket(&bucket.name).await);
    assert_error_ec(&err, 409, "BucketNotEmpty", "0015-00000301");
    assert_eq!(err.extra("BucketName"), Some(bucket.name.as_str()));

    client.delete_object(&bucket.name, "dir/obj").await.unwrap();
    assert_eq!(client.delete_bucket(&bucket.name).await.expect("now empty").status, 204);
}

#[tokio::test]
async fn delete_bucket_refuses_while_multipart_uploads_are_pending() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("pendingmpu").await;
    let upload = client
        .initiate_multipart_upload(&bucket.name, "big", &InitiateMultipartUploadOptions::default())
        .await
        .unwrap();
    let err = service_error(client.delete_bucket(&bucket.name).await);
    assert_error(&err, 409, "BucketNotEmpty");

    client.abort_multipart_upload(&bucket.name, "big", &upload.upload_id).await.unwrap();
    assert_eq!(client.delete_bucket(&bucket.name).await.expect("no uploads left").status, 204);
}

#[tokio::test]
async fn delete_bucket_by_others_is_denied() {
    let target = Target::start().await;
    let bucket = target.bucket_with(&target.client(), "delother", Some("public-read-write")).await;
    let err = service_error(target.anonymous().delete_bucket(&bucket.name).await);
    assert_error(&err, 403, "AccessDenied");
    // Still there.
    assert_eq!(target.client().get_bucket_info(&bucket.name).await.unwrap().bucket.name, bucket.name);
}

#[tokio::test]
#[cfg_attr(oss_no_second_account, ignore = "needs OSS_TEST_SECOND_ACCESS_KEY_ID/_SECRET")]
async fn delete_bucket_by_another_account_is_denied() {
    let target = Target::start().await;
    let bucket = target.bucket_with(&target.client(), "delacct", Some("public-read-write")).await;
    let err = service_error(target.second_account().delete_bucket(&bucket.name).await);
    assert_error(&err, 403, "AccessDenied");
    assert_eq!(target.client().get_bucket_info(&bucket.name).await.unwrap().bucket.name, bucket.name);
}

#[tokio::test]
async fn get_bucket_location_names_the_region() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("loc").await;
    let location = client.get_bucket_location(&bucket.name).await.unwrap();
    assert_eq!(location.data, format!("oss-{}", target.region));
    let raw = client.request(Method::GET, Some(&bucket.name), None).query("location", "").send().await.unwrap();
    assert_eq!(raw.header("content-type"), Some("application/xml"));
    assert_eq!(conformance_tests::protocol::xml::root_name(&raw.text()).as_deref(), Some("LocationConstraint"));

    assert_error(&service_error(target.anonymous().get_bucket_location(&bucket.name).await), 403, "AccessDenied");
    // A configured second account must take part; only a target without one leaves this out.
    if cfg!(not(oss_no_second_account)) {
        let second = target.second_account();
        assert_error(&service_error(second.get_bucket_location(&bucket.name).await), 403, "AccessDenied");
    }
}

#[tokio::test]
async fn get_bucket_info_has_the_fields_sdks_read() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("info").await;
    let info = client.get_bucket_info(&bucket.name).await.unwrap();
    let b = &info.bucket;
    let region = &target.region;
    assert_eq!(b.name, bucket.name);
    assert_eq!(b.location, format!("oss-{region}"));
    assert_eq!(b.extranet_endpoint, format!("oss-{region}.aliyuncs.com"));
    assert_eq!(b.intranet_endpoint, format!("oss-{region}-internal.aliyuncs.com"));
    assert_eq!(b.storage_class, "Standard");
    assert!(matches!(b.data_redundancy_type.as_str(), "LRS" | "ZRS"), "{:?}", b.data_redundancy_type);
    assert_eq!(b.access_control_list.grant, "private");
    assert_eq!(b.transfer_acceleration, "Disabled");
    assert_eq!(b.cross_region_replication, "Disabled");
    assert_iso_time_near_now(&b.creation_date);
    let owner = client.list_buckets(&ListBucketsOptions::default()).await.unwrap().owner.id.clone();
    assert_eq!(b.owner.id, owner);

    // oss2's parser fails on a missing element: check the raw document.
    let text = client.request(Method::GET, Some(&bucket.name), None).query("bucketInfo", "").send().await.unwrap();
    let text = text.text();
    assert!(!text.contains("xmlns"), "{text}");
    for element in [
        "<BucketInfo>",
        "<Bucket>",
        "<Name>",
        "<CreationDate>",
        "<StorageClass>",
        "<ExtranetEndpoint>",
        "<IntranetEndpoint>",
        "<Location>",
        "<Owner>",
        "<DisplayName>",
        "<ID>",
        "<AccessControlList>",
        "<Grant>",
    ] {
        assert!(text.contains(element), "GetBucketInfo lacks {element}: {text}");
    }

    assert_error(&service_error(target.anonymous().get_bucket_info(&bucket.name).await), 403, "AccessDenied");
    // A configured second account must take part; only a target without one leaves this out.
    if cfg!(not(oss_no_second_account)) {
        let second = target.second_account();
        assert_error(&service_error(second.get_bucket_info(&bucket.name).await), 403, "AccessDenied");
    }
}

#[tokio::test]
async fn bucket_acl_round_trips_and_is_owner_only() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("aclrt").await;
    for acl in ["public-read", "public-read-write", "private"] {
        let put = client.put_bucket_acl(&bucket.name, acl).await.unwrap_or_else(|e| panic!("PutBucketAcl {acl}: {e}"));
        assert_eq!(put.status, 200);
        let got = client.get_bucket_acl(&bucket.name).await.unwrap();
        assert_eq!(got.access_control_list.grant, acl);
        assert!(!got.owner.id.is_empty());
    }
    let raw = client.request(Method::GET, Some(&bucket.name), None).query("acl", "").send().await.unwrap();
    let text = raw.text();
    assert!(text.contains("<AccessControlPolicy>") && !text.contains("xmlns"), "{text}");
    assert!(text.contains("<Grant>private</Grant>"), "{text}");

    let err = service_error(client.put_bucket_acl(&bucket.name, "world-writable").await);
    assert_error(&err, 400, "InvalidArgument");
    assert_eq!(client.get_bucket_acl(&bucket.name).await.unwrap().access_control_list.grant, "private");

    let anonymous = target.anonymous();
    assert_error(&service_error(anonymous.get_bucket_acl(&bucket.name).await), 403, "AccessDenied");
    assert_error(&service_error(anonymous.put_bucket_acl(&bucket.name, "public-read").await), 403, "AccessDenied");
}

#[tokio::test]
#[cfg_attr(oss_no_second_account, ignore = "needs OSS_TEST_SECOND_ACCESS_KEY_ID/_SECRET")]
async fn bucket_acl_is_owner_only_across_accounts() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("aclacct").await;
    let second = target.second_account();
    assert_error(&service_error(second.get_bucket_acl(&bucket.name).await), 403, "AccessDenied");
    assert_error(&service_error(second.put_bucket_acl(&bucket.name, "public-read").await), 403, "AccessDenied");
    assert_eq!(client.get_bucket_acl(&bucket.name).await.unwrap().access_control_list.grant, "private");
}

#[tokio::test]
async fn describe_regions_lists_endpoints_and_refuses_unknown_regions() {
    let target = Target::start().await;
    let client = target.client();
    let all = client.describe_regions(None).await.expect("describe regions");
    let own = format!("oss-{}", target.region);
    let mine = all.data.regions.iter().find(|r| r.region == own).expect("the endpoint's own region is listed");
    assert_eq!(mine.internet_endpoint, format!("oss-{}.aliyuncs.com", target.region));
    assert_eq!(mine.internal_endpoint, format!("oss-{}-internal.aliyuncs.com", target.region));
    let one = client.describe_regions(Some("oss-cn-chengdu")).await.expect("one region");
    assert_eq!(one.data.regions.len(), 1);
    assert_eq!(one.data.regions[0].region, "oss-cn-chengdu");
    let err = service_error(client.describe_regions(Some("oss-nowhere-1")).await);
    assert_error(&err, 404, "NoSuchRegion");
}
