//! Bucket retention (WORM): the policy's life cycle against both targets (never locked on real
//! OSS, where a locked policy keeps the bucket for its whole period), and, on the emulator with
//! its clock, what a locked policy protects and when the protection ends.

use std::time::{Duration, SystemTime};

use conformance_tests::{assert_error, put, service_error, Target};

#[tokio::test]
async fn an_unlocked_policy_can_be_read_and_withdrawn() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("wormopen").await;
    assert_error(&service_error(client.get_bucket_worm(&bucket.name).await), 404, "NoSuchWORMConfiguration");
    assert_error(&service_error(client.abort_bucket_worm(&bucket.name).await), 404, "NoSuchWORMConfiguration");
    assert_error(&service_error(client.initiate_bucket_worm(&bucket.name, 0).await), 400, "InvalidWORMConfiguration");

    let id = client.initiate_bucket_worm(&bucket.name, 1).await.unwrap().into_inner();
    assert!(!id.is_empty());
    let got = client.get_bucket_worm(&bucket.name).await.unwrap();
    assert_eq!(
        (got.worm_id.as_str(), got.state.as_str(), got.retention_period_in_days),
        (id.as_str(), "InProgress", 1)
    );
    assert!(!got.creation_date.is_empty());
    assert_error(
        &service_error(client.initiate_bucket_worm(&bucket.name, 2).await),
        409,
        "WORMConfigurationAlreadyExists",
    );
    // Only a locked policy is extended; an unknown id is no policy.
    assert_error(
        &service_error(client.extend_bucket_worm(&bucket.name, &id, 2).await),
        400,
        "InvalidWORMConfiguration",
    );
    assert_error(
        &service_error(client.complete_bucket_worm(&bucket.name, "0000").await),
        404,
        "NoSuchWORMConfiguration",
    );

    assert_eq!(client.abort_bucket_worm(&bucket.name).await.unwrap().status, 204);
    assert_error(&service_error(client.get_bucket_worm(&bucket.name).await), 404, "NoSuchWORMConfiguration");
    assert_error(&service_error(client.complete_bucket_worm(&bucket.name, &id).await), 404, "NoSuchWORMConfiguration");
}

#[tokio::test]
#[cfg_attr(
    oss_external_target,
    ignore = "locks a policy (real OSS keeps the bucket for its period) and moves the clock"
)]
async fn a_locked_policy_protects_objects_until_their_period_ends() {
    let target = Target::start().await;
    let emulator = target.require_emulator();
    let client = target.client();
    let bucket = target.bucket("wormlock").await;
    let start = SystemTime::now();
    emulator.clock().freeze(start);
    put(&client, &bucket.name, "kept", b"v1").await;
    let id = client.initiate_bucket_worm(&bucket.name, 1).await.unwrap().into_inner();
    client.complete_bucket_worm(&bucket.name, &id).await.unwrap();
    assert_eq!(client.get_bucket_worm(&bucket.name).await.unwrap().state, "Locked");
    assert_error(&service_error(client.abort_bucket_worm(&bucket.name).await), 403, "WORMConfigurationLocked");

    // Reading and writing new keys go on; replacing or deleting a protected object does not,
    // and a refused write leaves the object as it was.
    let overwrite = client.put_object(&bucket.name, "kept", b"v2".to_vec(), &Default::default()).await;
    assert_error(&service_error(overwrite), 409, "FileImmutable");
    assert_error(&service_error(client.delete_object(&bucket.name, "kept").await), 409, "FileImmutable");
    let batch = client.delete_multiple_objects(&bucket.name, &["kept"], false, None).await;
    assert_error(&service_error(batch), 409, "FileImmutable");
    assert_eq!(conformance_tests::get_body(&client, &bucket.name, "kept").await, b"v1");
    put(&client, &bucket.name, "new", b"n").await;

    // The period only grows.
    assert_error(
        &service_error(client.extend_bucket_worm(&bucket.name, &id, 1).await),
        400,
        "InvalidWORMConfiguration",
    );
    client.extend_bucket_worm(&bucket.name, &id, 2).await.unwrap();
    assert_eq!(client.get_bucket_worm(&bucket.name).await.unwrap().retention_period_in_days, 2);

    emulator.clock().freeze(start + Duration::from_secs(86_400 + 60));
    assert_error(&service_error(client.delete_object(&bucket.name, "kept").await), 409, "FileImmutable");
    emulator.clock().freeze(start + Duration::from_secs(2 * 86_400 + 60));
    for key in ["kept", "new"] {
        assert_eq!(client.delete_object(&bucket.name, key).await.unwrap().status, 204);
    }
    // A locked policy never lapses; an empty bucket can still be deleted.
    assert_eq!(client.get_bucket_worm(&bucket.name).await.unwrap().state, "Locked");
    client.delete_bucket(&bucket.name).await.unwrap();
    emulator.clock().reset();
}

#[tokio::test]
#[cfg_attr(oss_external_target, ignore = "moves the emulator's clock")]
async fn an_unlocked_policy_lapses_after_a_day() {
    let target = Target::start().await;
    let emulator = target.require_emulator();
    let client = target.client();
    let bucket = target.bucket("wormlapse").await;
    let start = SystemTime::now();
    emulator.clock().freeze(start);
    let id = client.initiate_bucket_worm(&bucket.name, 30).await.unwrap().into_inner();
    emulator.clock().freeze(start + Duration::from_secs(86_400 + 1));
    assert_error(&service_error(client.get_bucket_worm(&bucket.name).await), 404, "NoSuchWORMConfiguration");
    assert_error(&service_error(client.complete_bucket_worm(&bucket.name, &id).await), 404, "NoSuchWORMConfiguration");
    client.initiate_bucket_worm(&bucket.name, 30).await.expect("a lapsed policy leaves room for a new one");
    client.abort_bucket_worm(&bucket.name).await.unwrap();
    emulator.clock().reset();
}
