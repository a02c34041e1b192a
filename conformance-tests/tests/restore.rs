//! Storage classes and RestoreObject: archived objects cannot be read until restored, a restore
//! answers 202, then 409 while ongoing, and HEAD, GET and listings say how it stands. On the
//! emulator, shifting the clock completes and then expires a restore.

use std::time::Duration;

use conformance_tests::{assert_error, assert_error_ec, put, service_error, Target};
use oss_client::protocol::RestoreTier;
use oss_client::{
    CopyObjectRequest, GetObjectOptions, ListObjectsV2Options, PutObjectOptions, RestoreOptions, RestoreStatus,
};
use reqwest::Method;

async fn put_class(client: &oss_client::Client, bucket: &str, key: &str, class: &str) {
    let opts = PutObjectOptions { storage_class: Some(class.to_owned()), ..Default::default() };
    client.put_object(bucket, key, &b"archived bytes"[..], &opts).await.expect("put");
}

fn days(n: u32) -> RestoreOptions {
    RestoreOptions { days: Some(n), ..Default::default() }
}

#[tokio::test]
async fn an_archived_object_is_frozen_until_restored_and_a_restore_is_202_then_409() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("restore").await;
    put_class(&client, &bucket.name, "a", "Archive").await;

    let head = client.head_object(&bucket.name, "a", &GetObjectOptions::default()).await.unwrap();
    assert_eq!(head.storage_class.as_deref(), Some("Archive"));
    assert_eq!(head.restore, None, "no x-oss-restore before a restore");
    let err = service_error(client.get_object(&bucket.name, "a", &GetObjectOptions::default()).await);
    assert_error(&err, 403, "InvalidObjectState");
    let copy = CopyObjectRequest::new(&bucket.name, "a", &bucket.name, "copy");
    assert_error(&service_error(client.copy_object(&copy).await), 403, "InvalidObjectState");

    let started = client.restore_object(&bucket.name, "a", &days(2)).await.unwrap();
    assert_eq!(started.status, 202);
    assert!(started.started);
    let head = client.head_object(&bucket.name, "a", &GetObjectOptions::default()).await.unwrap();
    assert_eq!(head.restore_status(), Some(RestoreStatus::Ongoing));
    let again = service_error(client.restore_object(&bucket.name, "a", &days(2)).await);
    assert_error(&again, 409, "RestoreAlreadyInProgress");
    let listed = client.list_objects_v2(&bucket.name, &ListObjectsV2Options::default()).await.unwrap();
    let info = listed.contents.iter().find(|o| o.key == "a").and_then(|o| o.restore_info.clone());
    assert_eq!(info.as_deref(), Some("ongoing-request=\"true\""), "<RestoreInfo> in the listing");
    // Still frozen while the restore runs.
    let err = service_error(client.get_object(&bucket.name, "a", &GetObjectOptions::default()).await);
    assert_error(&err, 403, "InvalidObjectState");
}

#[tokio::test]
async fn restore_requests_are_checked_against_the_storage_class() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("restorebad").await;
    put(&client, &bucket.name, "std", b"plain").await;
    put_class(&client, &bucket.name, "arch", "Archive").await;
    put_class(&client, &bucket.name, "cold", "ColdArchive").await;

    let err = service_error(client.restore_object(&bucket.name, "std", &RestoreOptions::default()).await);
    assert_error_ec(&err, 400, "OperationNotSupported", "0016-00000702");
    let err = service_error(client.restore_object(&bucket.name, "missing", &RestoreOptions::default()).await);
    assert_error(&err, 404, "NoSuchKey");
    let tiered = RestoreOptions { days: Some(1), tier: Some(RestoreTier::Bulk), ..Default::default() };
    let err = service_error(client.restore_object(&bucket.name, "arch", &tiered).await);
    assert_error(&err, 400, "MalformedXML");
    let err = service_error(client.restore_object(&bucket.name, "arch", &days(8)).await);
    assert_error(&err, 400, "InvalidArgument");
    let wrong_tier = client
        .request(Method::POST, Some(&bucket.name), Some("cold"))
        .query("restore", "")
        .body("<RestoreRequest><Days>2</Days><JobParameters><Tier>wrong-tier</Tier></JobParameters></RestoreRequest>")
        .send_raw()
        .await
        .expect("send");
    assert_error(&wrong_tier.into_service_error(), 400, "InvalidArgument");

    let expedited = RestoreOptions { days: Some(5), tier: Some(RestoreTier::Expedited), ..Default::default() };
    let started = client.restore_object(&bucket.name, "cold", &expedited).await.unwrap();
    assert_eq!(started.status, 202);
    assert_eq!(started.priority, Some(RestoreTier::Expedited), "x-oss-object-restore-priority");
}

#[tokio::test]
#[cfg_attr(oss_external_target, ignore = "needs the emulator's clock: real restores take minutes to hours")]
async fn a_clock_shift_completes_a_restore_and_a_later_one_expires_it() {
    let target = Target::start().await;
    let emulator = target.require_emulator();
    let client = target.client();
    let bucket = target.bucket("restoreclock").await;
    put_class(&client, &bucket.name, "a", "Archive").await;
    let start = std::time::SystemTime::now();
    emulator.clock().freeze(start);
    assert_eq!(client.restore_object(&bucket.name, "a", &days(1)).await.unwrap().status, 202);

    // Archive restores take a minute of emulator time.
    emulator.clock().freeze(start + Duration::from_secs(61));
    let body = client.get_object(&bucket.name, "a", &GetObjectOptions::default()).await.unwrap();
    assert_eq!(&body.body[..], b"archived bytes");
    let head = client.head_object(&bucket.name, "a", &GetObjectOptions::default()).await.unwrap();
    let Some(RestoreStatus::Restored { expiry: Some(expiry) }) = head.restore_status() else {
        panic!("restored: {:?}", head.restore)
    };
    let lives = expiry.duration_since(start).unwrap().as_secs();
    assert!((86_400..=86_461).contains(&lives), "restored for a day after the job: {lives} s");
    let copy = CopyObjectRequest::new(&bucket.name, "a", &bucket.name, "copy");
    client.copy_object(&copy).await.expect("a restored object can be copied");
    let copied = client.head_object(&bucket.name, "copy", &GetObjectOptions::default()).await.unwrap();
    assert_eq!(copied.restore, None, "the copy is a new archived object, frozen");
    // Restoring a restored object is 200 and extends it.
    let extended = client.restore_object(&bucket.name, "a", &days(3)).await.unwrap();
    assert_eq!((extended.status.as_u16(), extended.started), (200, false));

    emulator.clock().freeze(start + Duration::from_secs(61 + 3 * 86_400 + 1));
    let err = service_error(client.get_object(&bucket.name, "a", &GetObjectOptions::default()).await);
    assert_error(&err, 403, "InvalidObjectState");
    let head = client.head_object(&bucket.name, "a", &GetObjectOptions::default()).await.unwrap();
    assert_eq!(head.restore, None, "expired: frozen again");
    emulator.clock().reset();
}
