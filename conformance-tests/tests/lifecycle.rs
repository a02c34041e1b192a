//! Lifecycle: PutBucketLifecycle / GetBucketLifecycle / DeleteBucketLifecycle with OSS's
//! validation, and, on the emulator, rules applied as of its clock.

use std::time::{Duration, SystemTime};

use conformance_tests::{assert_error, put, service_error, Target};
use oss_client::protocol::xml::{
    LifecycleConfiguration, LifecycleExpiration, LifecycleRule, LifecycleTransition, LifecycleWhen, Tag,
};
use oss_client::{GetObjectOptions, InitiateMultipartUploadOptions, ListMultipartUploadsOptions};

fn rule(id: &str, prefix: &str) -> LifecycleRule {
    LifecycleRule { id: Some(id.into()), prefix: Some(prefix.into()), status: "Enabled".into(), ..Default::default() }
}

fn expire_days(days: u32) -> Option<LifecycleExpiration> {
    Some(LifecycleExpiration { days: Some(days.to_string()), ..Default::default() })
}

fn transition(days: u32, class: &str) -> LifecycleTransition {
    LifecycleTransition { days: Some(days.to_string()), storage_class: class.into(), ..Default::default() }
}

fn config(rules: Vec<LifecycleRule>) -> LifecycleConfiguration {
    LifecycleConfiguration { rules }
}

#[tokio::test]
async fn rules_round_trip_and_delete_leaves_no_such_lifecycle() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("lc").await;
    let err = service_error(client.get_bucket_lifecycle(&bucket.name).await);
    assert_error(&err, 404, "NoSuchLifecycle");

    let expire = LifecycleRule { expiration: expire_days(356), ..rule("expire", "中文前缀+/") };
    let tiers = LifecycleRule {
        transitions: vec![transition(100, "IA"), transition(356, "Archive")],
        tags: vec![Tag { key: "team".into(), value: "core".into() }],
        ..rule("tiers", "logs/")
    };
    let aborts = LifecycleRule {
        abort_multipart_upload: Some(LifecycleWhen {
            created_before_date: Some("2020-12-12T00:00:00.000Z".into()),
            ..Default::default()
        }),
        ..rule("aborts", "uploads/")
    };
    client.put_bucket_lifecycle(&bucket.name, &config(vec![expire, tiers, aborts]), false).await.unwrap();
    let got = client.get_bucket_lifecycle(&bucket.name).await.unwrap();
    assert_eq!(got.rules.len(), 3);
    let by_id = |id: &str| got.rules.iter().find(|r| r.id.as_deref() == Some(id)).expect("rule kept");
    assert_eq!(by_id("expire").prefix.as_deref(), Some("中文前缀+/"));
    assert_eq!(by_id("expire").status, "Enabled");
    assert_eq!(by_id("expire").expiration.as_ref().and_then(|e| e.days.as_deref()), Some("356"));
    let kept: Vec<_> = by_id("tiers").transitions.iter().map(|t| (t.days.clone(), t.storage_class.clone())).collect();
    assert_eq!(kept, [(Some("100".into()), "IA".into()), (Some("356".into()), "Archive".into())]);
    assert_eq!(by_id("tiers").tags, [Tag { key: "team".into(), value: "core".into() }]);
    let abort = by_id("aborts").abort_multipart_upload.as_ref().expect("abort rule");
    assert_eq!(abort.created_before_date.as_deref(), Some("2020-12-12T00:00:00.000Z"));

    for _ in 0..2 {
        assert_eq!(client.delete_bucket_lifecycle(&bucket.name).await.unwrap().status, 204);
    }
    let err = service_error(client.get_bucket_lifecycle(&bucket.name).await);
    assert_error(&err, 404, "NoSuchLifecycle");
}

#[tokio::test]
async fn invalid_rules_are_refused_and_change_nothing() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("lcbad").await;
    let good = LifecycleRule { expiration: expire_days(30), ..rule("good", "keep/") };
    client.put_bucket_lifecycle(&bucket.name, &config(vec![good]), false).await.unwrap();

    let cases = [
        // Expiry no later than a transition.
        (
            LifecycleRule { expiration: expire_days(3), transitions: vec![transition(4, "IA")], ..rule("r", "p/") },
            400,
            "InvalidArgument",
        ),
        // Archive sooner than IA.
        (
            LifecycleRule { transitions: vec![transition(5, "IA"), transition(2, "Archive")], ..rule("r", "p/") },
            400,
            "InvalidArgument",
        ),
        (LifecycleRule { transitions: vec![transition(5, "Standard")], ..rule("r", "p/") }, 400, "InvalidArgument"),
        // Date-based expiry with a days-based transition.
        (
            LifecycleRule {
                expiration: Some(LifecycleExpiration {
                    created_before_date: Some("2020-12-12T00:00:00.000Z".into()),
                    ..Default::default()
                }),
                transitions: vec![transition(5, "IA")],
                ..rule("r", "p/")
            },
            400,
            "InvalidRequest",
        ),
    ];
    for (bad, status, code) in cases {
        let err = service_error(client.put_bucket_lifecycle(&bucket.name, &config(vec![bad.clone()]), false).await);
        assert_error(&err, status, code);
    }
    // Two enabled rules over nested prefixes with the same action: refused unless allowed.
    let nested = || {
        config(vec![
            LifecycleRule { expiration: expire_days(10), ..rule("outer", "前缀/") },
            LifecycleRule { expiration: expire_days(20), ..rule("inner", "前缀/2") },
        ])
    };
    let err = service_error(client.put_bucket_lifecycle(&bucket.name, &nested(), false).await);
    assert_eq!((err.status.as_u16(), err.message.as_str()), (400, "Overlap for same action type Expiration"));
    let got = client.get_bucket_lifecycle(&bucket.name).await.unwrap();
    assert_eq!(got.rules.len(), 1, "a refused configuration leaves the previous one");
    client.put_bucket_lifecycle(&bucket.name, &nested(), true).await.expect("allowed with the overlap header");
    assert_eq!(client.get_bucket_lifecycle(&bucket.name).await.unwrap().rules.len(), 2);
}

#[tokio::test]
#[cfg_attr(oss_external_target, ignore = "needs the emulator's clock and lifecycle trigger")]
async fn a_run_after_a_clock_shift_expires_transitions_and_aborts() {
    let target = Target::start().await;
    let emulator = target.require_emulator();
    let client = target.client();
    let bucket = target.bucket("lcrun").await;
    let start = SystemTime::now();
    emulator.clock().freeze(start);
    for key in ["old/a", "old/b", "tier/c", "keep/d"] {
        put(&client, &bucket.name, key, b"x").await;
    }
    let upload = client
        .initiate_multipart_upload(&bucket.name, "uploads/big", &InitiateMultipartUploadOptions::default())
        .await
        .unwrap();
    let rules = config(vec![
        LifecycleRule { expiration: expire_days(30), ..rule("expire", "old/") },
        LifecycleRule { transitions: vec![transition(10, "IA"), transition(20, "Archive")], ..rule("tier", "tier/") },
        LifecycleRule {
            abort_multipart_upload: Some(LifecycleWhen { days: Some("2".into()), ..Default::default() }),
            ..rule("abort", "uploads/")
        },
    ]);
    client.put_bucket_lifecycle(&bucket.name, &rules, false).await.unwrap();

    // Nothing is due yet.
    let report = emulator.run_lifecycle(Some(&bucket.name)).await.unwrap();
    assert!(report.applied.is_empty(), "{report:?}");

    emulator.clock().freeze(start + Duration::from_secs(31 * 86_400));
    // Through the control API, as a test in another language would.
    let url = format!("{}/_emulator/lifecycle/run?bucket={}", emulator.endpoint(), bucket.name);
    let resp = reqwest::Client::new().post(&url).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let body: serde_json::Value = resp.json().await.unwrap();
    let mut did: Vec<(String, String)> = body["applied"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["key"].as_str().unwrap().to_owned(), a["action"].as_str().unwrap().to_owned()))
        .collect();
    did.sort();
    assert_eq!(
        did,
        [
            ("old/a".to_owned(), "Expiration".to_owned()),
            ("old/b".to_owned(), "Expiration".to_owned()),
            ("tier/c".to_owned(), "Transition".to_owned()),
            ("uploads/big".to_owned(), "AbortMultipartUpload".to_owned()),
        ]
    );
    let gone = service_error(client.head_object(&bucket.name, "old/a", &GetObjectOptions::default()).await);
    assert_eq!(gone.status.as_u16(), 404);
    let tiered = client.head_object(&bucket.name, "tier/c", &GetObjectOptions::default()).await.unwrap();
    assert_eq!(tiered.storage_class.as_deref(), Some("Archive"), "the coldest due transition wins");
    let kept = client.head_object(&bucket.name, "keep/d", &GetObjectOptions::default()).await.unwrap();
    assert_eq!(kept.storage_class.as_deref(), Some("Standard"));
    let uploads = client.list_multipart_uploads(&bucket.name, &ListMultipartUploadsOptions::default()).await.unwrap();
    assert!(uploads.uploads.iter().all(|u| u.upload_id != upload.upload_id), "the old upload was aborted");
    // Each action is a journal entry of its own.
    let journal = emulator.journal().query(&oss_emulator::journal::Filter {
        operation: Some("LifecycleExpiration".into()),
        bucket: Some(bucket.name.clone()),
        ..Default::default()
    });
    assert_eq!(journal.len(), 2);
    // A second run finds nothing more to do.
    assert!(emulator.run_lifecycle(Some(&bucket.name)).await.unwrap().applied.is_empty());
    emulator.clock().reset();
}

#[tokio::test]
#[cfg_attr(oss_external_target, ignore = "needs the emulator's clock and lifecycle interval")]
async fn with_an_interval_the_rules_run_by_themselves() {
    let target = Target::start_with(|b| b.lifecycle_interval(Duration::from_secs(1))).await;
    let emulator = target.require_emulator();
    let client = target.client();
    let bucket = target.bucket("lcauto").await;
    put(&client, &bucket.name, "tmp/x", b"x").await;
    let rules = config(vec![LifecycleRule { expiration: expire_days(1), ..rule("tmp", "tmp/") }]);
    client.put_bucket_lifecycle(&bucket.name, &rules, false).await.unwrap();
    emulator.clock().offset_millis(2 * 86_400_000);
    let mut gone = false;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if client.head_object(&bucket.name, "tmp/x", &GetObjectOptions::default()).await.is_err() {
            gone = true;
            break;
        }
    }
    emulator.clock().reset();
    assert!(gone, "the periodic run expired the object within 5 s");
}

/// In a versioned bucket: expiring the current version leaves a delete marker, noncurrent
/// versions expire or move colder by the days since they stopped being current, and a delete
/// marker that is all that is left of its key goes (ExpiredObjectDeleteMarker).
#[tokio::test]
#[cfg_attr(oss_external_target, ignore = "needs the emulator's clock and lifecycle trigger")]
async fn versioned_buckets_age_noncurrent_versions_and_lone_markers() {
    use oss_client::protocol::xml::{NoncurrentVersionExpiration, VersionEntry};
    use oss_client::protocol::VersioningStatus;
    let target = Target::start().await;
    let emulator = target.require_emulator();
    let client = target.client();
    let bucket = target.bucket("lcver").await;
    client.put_bucket_versioning(&bucket.name, VersioningStatus::Enabled).await.unwrap();
    let start = SystemTime::now();
    let day = |n: u64| start + Duration::from_secs(n * 86_400);
    emulator.clock().freeze(start);
    put(&client, &bucket.name, "hist/k", b"v1").await;
    emulator.clock().freeze(day(5));
    put(&client, &bucket.name, "hist/k", b"v2").await; // v1 noncurrent since day 5
    put(&client, &bucket.name, "tier/k", b"t1").await;
    put(&client, &bucket.name, "tier/k", b"t2").await; // t1 noncurrent since day 5
    put(&client, &bucket.name, "gone/k", b"g").await;
    // A key with nothing left but a delete marker.
    put(&client, &bucket.name, "lone/k", b"l").await;
    let hidden = client.delete_object(&bucket.name, "lone/k").await.unwrap();
    assert!(hidden.delete_marker);
    let listing = client.list_object_versions(&bucket.name, &Default::default()).await.unwrap();
    for entry in &listing.entries {
        if let VersionEntry::Version(v) = entry {
            if v.key == "lone/k" {
                client.delete_object_version(&bucket.name, "lone/k", &v.version_id).await.unwrap();
            }
        }
    }
    let rules = config(vec![
        LifecycleRule {
            noncurrent_version_expiration: Some(NoncurrentVersionExpiration { noncurrent_days: "10".into() }),
            ..rule("old-versions", "hist/")
        },
        LifecycleRule {
            noncurrent_version_transitions: vec![LifecycleTransition {
                noncurrent_days: Some("3".into()),
                storage_class: "IA".into(),
                ..Default::default()
            }],
            ..rule("cold-versions", "tier/")
        },
        LifecycleRule {
            expiration: expire_days(20),
            noncurrent_version_expiration: Some(NoncurrentVersionExpiration { noncurrent_days: "1".into() }),
            ..rule("expire", "gone/")
        },
        LifecycleRule {
            expiration: Some(LifecycleExpiration {
                expired_object_delete_marker: Some("true".into()),
                ..Default::default()
            }),
            ..rule("markers", "lone/")
        },
    ]);
    client.put_bucket_lifecycle(&bucket.name, &rules, false).await.unwrap();
    let run = |at| {
        emulator.clock().freeze(at);
        async {
            let report = emulator.run_lifecycle(Some(&bucket.name)).await.unwrap();
            let mut did: Vec<String> = report.applied.iter().map(|a| format!("{} {}", a.key, a.action)).collect();
            did.sort();
            did
        }
    };
    // Day 9: t1 has been noncurrent for 4 days (v1 too, but its rule says 10); the lone marker goes.
    assert_eq!(run(day(9)).await, ["lone/k ExpiredObjectDeleteMarker", "tier/k NoncurrentVersionTransition"]);
    assert_eq!(run(day(16)).await, ["hist/k NoncurrentVersionExpiration"]);
    // Day 26: gone/k expires behind a marker; its old version is noncurrent from then on.
    assert_eq!(run(day(26)).await, ["gone/k Expiration"]);
    assert!(run(day(26)).await.is_empty());
    assert_eq!(run(day(28)).await, ["gone/k NoncurrentVersionExpiration"]);
    assert!(run(day(28)).await.is_empty(), "no marker rule covers gone/");
    emulator.clock().reset();

    let listing = client.list_object_versions(&bucket.name, &Default::default()).await.unwrap();
    let left: Vec<(String, String, bool)> = listing
        .entries
        .iter()
        .filter_map(|e| match e {
            VersionEntry::Version(v) => Some((v.key.clone(), v.storage_class.clone(), v.is_latest)),
            VersionEntry::DeleteMarker(m) => Some((m.key.clone(), "marker".into(), m.is_latest)),
            VersionEntry::CommonPrefixes(_) => None,
        })
        .collect();
    let own = |k: &str, c: &str, l| (k.to_owned(), c.to_owned(), l);
    assert_eq!(
        left,
        [
            own("gone/k", "marker", true),
            own("hist/k", "Standard", true),
            own("tier/k", "Standard", true),
            own("tier/k", "IA", false)
        ]
    );
}
