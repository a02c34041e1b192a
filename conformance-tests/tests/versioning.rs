//! Versioning: Put/GetBucketVersioning, version ids on writes and reads, delete markers, deletes
//! of one version, ListObjectVersions with its paging, copies from a named version, per-version
//! ACL and tags, and the single `null` version of a suspended bucket.

use std::time::Duration;

use conformance_tests::{assert_error, assert_error_ec, get_body, put, service_error, Target};
use oss_client::protocol::xml::VersionEntry;
use oss_client::protocol::VersioningStatus;
use oss_client::{Client, CopyObjectRequest, GetObjectOptions, ListObjectVersionsOptions, ListObjectsV2Options};
use reqwest::Method;

async fn set_versioning(target: &Target, client: &Client, bucket: &str, status: VersioningStatus) {
    client.put_bucket_versioning(bucket, status).await.expect("PutBucketVersioning");
    // Real OSS takes a moment to apply it (both official SDK suites wait 2 s); the emulator is
    // consistent at once.
    if !target.is_local_endpoint() {
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}

async fn put_version(client: &Client, bucket: &str, key: &str, body: &[u8]) -> String {
    let put = client.put_object(bucket, key, body.to_vec(), &Default::default()).await.expect("put");
    put.version_id.clone().expect("a versioned bucket answers x-oss-version-id")
}

fn at(version: &str) -> GetObjectOptions {
    GetObjectOptions { version_id: Some(version.to_owned()), ..Default::default() }
}

/// (key, version id, is a marker, is latest) of every entry, in the listing's order.
async fn versions(client: &Client, bucket: &str) -> Vec<(String, String, bool, bool)> {
    let page = client.list_object_versions(bucket, &ListObjectVersionsOptions::default()).await.unwrap();
    page.entries
        .iter()
        .filter_map(|e| match e {
            VersionEntry::Version(v) => Some((v.key.clone(), v.version_id.clone(), false, v.is_latest)),
            VersionEntry::DeleteMarker(m) => Some((m.key.clone(), m.version_id.clone(), true, m.is_latest)),
            VersionEntry::CommonPrefixes(_) => None,
        })
        .collect()
}

#[tokio::test]
async fn versioning_states_and_version_ids() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("vstate").await;
    assert_eq!(*client.get_bucket_versioning(&bucket.name).await.unwrap(), None, "never configured");
    assert_eq!(client.get_bucket_info(&bucket.name).await.unwrap().bucket.versioning, None);
    let before = client.put_object(&bucket.name, "k", &b"before"[..], &Default::default()).await.unwrap();
    assert_eq!(before.version_id, None, "an unversioned bucket names no versions");

    // Invalid states are malformed (oss2's suite); nothing changes.
    for bad in ["Disabled", "None"] {
        let body = format!("<VersioningConfiguration><Status>{bad}</Status></VersioningConfiguration>");
        let req = client.request(Method::PUT, Some(&bucket.name), None).query("versioning", "").body(body);
        assert_error(&service_error(req.send().await), 400, "MalformedXML");
    }
    set_versioning(&target, &client, &bucket.name, VersioningStatus::Enabled).await;
    assert_eq!(*client.get_bucket_versioning(&bucket.name).await.unwrap(), Some(VersioningStatus::Enabled));
    let info = client.get_bucket_info(&bucket.name).await.unwrap();
    assert_eq!(info.bucket.versioning.as_deref(), Some("Enabled"));

    let v1 = put_version(&client, &bucket.name, "k", b"first").await;
    let v2 = put_version(&client, &bucket.name, "k", b"second").await;
    assert_ne!(v1, v2);
    assert!(v1.len() == 64 && v2.len() == 64, "OSS version ids are 64 characters: {v1}");
    let current = client.get_object(&bucket.name, "k", &GetObjectOptions::default()).await.unwrap();
    assert_eq!((current.body.as_ref(), current.meta.version_id.as_deref()), (&b"second"[..], Some(v2.as_str())));
    let old = client.get_object(&bucket.name, "k", &at(&v1)).await.unwrap();
    assert_eq!((old.body.as_ref(), old.meta.version_id.as_deref()), (&b"first"[..], Some(v1.as_str())));
    // What was there before versioning is the `null` version.
    let null = client.head_object(&bucket.name, "k", &at("null")).await.unwrap();
    assert_eq!((null.content_length, null.version_id.as_deref()), (Some(6), Some("null")));
    let meta = client.get_object_meta(&bucket.name, "k", Some(&v1)).await.unwrap();
    assert_eq!(meta.version_id.as_deref(), Some(v1.as_str()));

    let bad = service_error(client.get_object(&bucket.name, "k", &at("IllegalVersion")).await);
    assert_error_ec(&bad, 400, "InvalidArgument", "0012-00000202");
    let empty = service_error(client.get_object(&bucket.name, "k", &at("")).await);
    assert_error_ec(&empty, 400, "InvalidArgument", "0012-00000201");
    let unknown = "CAEQJhiBgIDVmYrr1RYiIGE5ZmUxMjViZDIwYjQwY2I5ODA1YWIxNmIyNDNjYjk4";
    assert_error(&service_error(client.get_object(&bucket.name, "k", &at(unknown)).await), 404, "NoSuchVersion");

    // Suspending keeps the versions; a bucket never returns to unversioned.
    set_versioning(&target, &client, &bucket.name, VersioningStatus::Suspended).await;
    assert_eq!(*client.get_bucket_versioning(&bucket.name).await.unwrap(), Some(VersioningStatus::Suspended));
    assert_eq!(get_body(&client, &bucket.name, "k").await, b"second");
}

#[tokio::test]
async fn delete_markers_hide_a_key_until_removed() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("vmarker").await;
    set_versioning(&target, &client, &bucket.name, VersioningStatus::Enabled).await;
    let v1 = put_version(&client, &bucket.name, "k", b"kept").await;

    let deleted = client.delete_object(&bucket.name, "k").await.unwrap();
    assert_eq!(deleted.status, 204);
    assert!(deleted.delete_marker);
    let marker = deleted.version_id.clone().expect("the marker's id");
    assert_ne!(marker, v1);
    let err = service_error(client.get_object(&bucket.name, "k", &GetObjectOptions::default()).await);
    assert_error(&err, 404, "NoSuchKey");
    assert_eq!(err.headers.get("x-oss-delete-marker").map(|v| v.as_bytes()), Some(&b"true"[..]));
    assert_eq!(err.headers.get("x-oss-version-id").and_then(|v| v.to_str().ok()), Some(marker.as_str()));
    let by_id = service_error(client.get_object(&bucket.name, "k", &at(&marker)).await);
    assert_error(&by_id, 405, "MethodNotAllowed");
    let listed = client.list_objects_v2(&bucket.name, &ListObjectsV2Options::default()).await.unwrap();
    assert!(listed.contents.is_empty(), "a deleted key is not listed: {:?}", listed.contents);
    assert_eq!(
        versions(&client, &bucket.name).await,
        [("k".to_owned(), marker.clone(), true, true), ("k".to_owned(), v1.clone(), false, false)]
    );
    // The old version is still readable by id, and a copy of it is the documented way back.
    assert_eq!(client.get_object(&bucket.name, "k", &at(&v1)).await.unwrap().body.as_ref(), b"kept");
    let from_marker = CopyObjectRequest {
        source_version_id: Some(marker.clone()),
        ..CopyObjectRequest::new(&bucket.name, "k", &bucket.name, "c")
    };
    assert_eq!(service_error(client.copy_object(&from_marker).await).status, 404);

    // Removing the marker brings the object back; removing a version is for good.
    let removed = client.delete_object_version(&bucket.name, "k", &marker).await.unwrap();
    assert_eq!((removed.version_id.as_deref(), removed.delete_marker), (Some(marker.as_str()), true));
    assert_eq!(get_body(&client, &bucket.name, "k").await, b"kept");
    let removed = client.delete_object_version(&bucket.name, "k", &v1).await.unwrap();
    assert_eq!((removed.version_id.as_deref(), removed.delete_marker), (Some(v1.as_str()), false));
    assert_error(&service_error(client.get_object(&bucket.name, "k", &at(&v1)).await), 404, "NoSuchVersion");
    assert!(versions(&client, &bucket.name).await.is_empty());
}

#[tokio::test]
async fn list_object_versions_pages_newest_first() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("vlist").await;
    set_versioning(&target, &client, &bucket.name, VersioningStatus::Enabled).await;
    put(&client, &bucket.name, "dir/a/x", b"1").await;
    put(&client, &bucket.name, "dir/b/x", b"1").await;
    let mut ids = Vec::new();
    for i in 0..7 {
        ids.push(put_version(&client, &bucket.name, "dir/obj", format!("v{i}").as_bytes()).await);
    }
    ids.reverse();
    let (mut seen, mut prefixes, mut pages) = (Vec::new(), Vec::new(), 0);
    let mut opts = ListObjectVersionsOptions {
        prefix: Some("dir/".into()),
        delimiter: Some("/".into()),
        max_keys: Some(3),
        encoding_type: Some("url".into()),
        ..Default::default()
    };
    loop {
        let page = client.list_object_versions(&bucket.name, &opts).await.unwrap();
        pages += 1;
        for entry in &page.entries {
            match entry {
                VersionEntry::Version(v) => seen.push((v.version_id.clone(), v.is_latest)),
                VersionEntry::CommonPrefixes(p) => prefixes.push(p.prefix.clone()),
                VersionEntry::DeleteMarker(m) => panic!("no markers here: {m:?}"),
            }
        }
        if !page.is_truncated {
            break;
        }
        opts.key_marker = page.next_key_marker.clone();
        opts.version_id_marker = page.next_version_id_marker.clone();
        assert!(pages < 10, "the listing does not end");
    }
    assert_eq!(prefixes, ["dir/a/", "dir/b/"], "each common prefix once");
    let expected: Vec<(String, bool)> = ids.iter().enumerate().map(|(i, id)| (id.clone(), i == 0)).collect();
    assert_eq!(seen, expected, "newest first, only the newest is latest");
    assert_eq!(pages, 3, "9 entries in pages of 3");
    let err = service_error(
        client
            .list_object_versions(
                &bucket.name,
                &ListObjectVersionsOptions { max_keys: Some(1001), ..Default::default() },
            )
            .await,
    );
    assert_error(&err, 400, "InvalidArgument");
}

#[tokio::test]
async fn copies_read_the_named_version_and_make_a_new_one() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("vcopy").await;
    set_versioning(&target, &client, &bucket.name, VersioningStatus::Enabled).await;
    let v1 = put_version(&client, &bucket.name, "src", b"one").await;
    let v2 = put_version(&client, &bucket.name, "src", b"two").await;
    let copy = CopyObjectRequest {
        source_version_id: Some(v1.clone()),
        ..CopyObjectRequest::new(&bucket.name, "src", &bucket.name, "src")
    };
    let copied = client.copy_object(&copy).await.unwrap();
    assert_eq!(copied.header("x-oss-copy-source-version-id"), Some(v1.as_str()));
    let v3 = copied.header("x-oss-version-id").expect("the new version").to_owned();
    assert!(v3 != v1 && v3 != v2);
    assert_eq!(get_body(&client, &bucket.name, "src").await, b"one", "copying a version onto its key restores it");
    let plain = client.copy_object(&CopyObjectRequest::new(&bucket.name, "src", &bucket.name, "dst")).await.unwrap();
    assert_eq!(plain.header("x-oss-copy-source-version-id"), Some(v3.as_str()), "the current version");
    let missing = CopyObjectRequest {
        source_version_id: Some("CAEQJhiBgIDVmYrr1RYiIGE5ZmUxMjViZDIwYjQwY2I5ODA1YWIxNmIyNDNjYjk4".into()),
        ..CopyObjectRequest::new(&bucket.name, "src", &bucket.name, "never")
    };
    assert_error(&service_error(client.copy_object(&missing).await), 404, "NoSuchVersion");
    let bad = CopyObjectRequest {
        source_version_id: Some("234".into()),
        ..CopyObjectRequest::new(&bucket.name, "src", &bucket.name, "never")
    };
    assert_error(&service_error(client.copy_object(&bad).await), 400, "InvalidArgument");
    assert_eq!(versions(&client, &bucket.name).await.iter().filter(|v| v.0 == "never").count(), 0);
}

#[tokio::test]
async fn acl_and_tags_belong_to_one_version() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("vmeta").await;
    set_versioning(&target, &client, &bucket.name, VersioningStatus::Enabled).await;
    let v1 = put_version(&client, &bucket.name, "k", b"one").await;
    let v2 = put_version(&client, &bucket.name, "k", b"two").await;
    client.put_object_acl(&bucket.name, "k", "public-read", Some(&v1)).await.unwrap();
    assert_eq!(
        client.get_object_acl(&bucket.name, "k", Some(&v1)).await.unwrap().access_control_list.grant,
        "public-read"
    );
    assert_eq!(client.get_object_acl(&bucket.name, "k", None).await.unwrap().access_control_list.grant, "default");
    let tags = vec![("k".to_owned(), "v".to_owned())];
    let tagged = client.put_object_tagging(&bucket.name, "k", &tags, Some(&v1)).await.unwrap();
    assert_eq!(tagged.header("x-oss-version-id"), Some(v1.as_str()));
    assert_eq!(*client.get_object_tagging(&bucket.name, "k", Some(&v1)).await.unwrap(), tags);
    assert!(client.get_object_tagging(&bucket.name, "k", Some(&v2)).await.unwrap().is_empty());
    // The anonymous reader sees the public version only.
    let anonymous = target.anonymous();
    assert_eq!(anonymous.get_object(&bucket.name, "k", &at(&v1)).await.unwrap().body.as_ref(), b"one");
    assert_error(
        &service_error(anonymous.get_object(&bucket.name, "k", &GetObjectOptions::default()).await),
        403,
        "AccessDenied",
    );
}

#[tokio::test]
async fn a_suspended_bucket_keeps_one_null_version() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("vsusp").await;
    set_versioning(&target, &client, &bucket.name, VersioningStatus::Enabled).await;
    let v1 = put_version(&client, &bucket.name, "k", b"versioned").await;
    set_versioning(&target, &client, &bucket.name, VersioningStatus::Suspended).await;
    assert_eq!(put_version(&client, &bucket.name, "k", b"null one").await, "null");
    assert_eq!(put_version(&client, &bucket.name, "k", b"null two").await, "null");
    let deleted = client.delete_object(&bucket.name, "k").await.unwrap();
    assert_eq!((deleted.version_id.as_deref(), deleted.delete_marker), (Some("null"), true));
    assert_eq!(
        versions(&client, &bucket.name).await,
        [("k".to_owned(), "null".to_owned(), true, true), ("k".to_owned(), v1.clone(), false, false)],
        "the null marker replaced the null version"
    );
    // Batch deletes name versions and report markers.
    let batch = client
        .delete_object_versions(&bucket.name, &[("k", Some("null")), ("k", Some(v1.as_str()))], false)
        .await
        .unwrap();
    assert_eq!(batch.deleted.len(), 2);
    assert_eq!(batch.deleted[0].delete_marker, Some(true));
    assert_eq!(batch.deleted[1].version_id.as_deref(), Some(v1.as_str()));
    let bad = service_error(client.delete_object_versions(&bucket.name, &[("k", Some("234"))], false).await);
    assert_error(&bad, 400, "InvalidArgument");
    assert!(versions(&client, &bucket.name).await.is_empty());
}
