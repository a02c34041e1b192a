//! The high-level copy against the in-process emulator: both paths, metadata, resume, abort,
//! retries of injected faults, and clock skew.

mod common;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use common::{
    client, crash_while_held, data, emulator, hold, holds, journal, mark, quick_retries, rule, unfaulted, until,
};
use oss_client::protocol::crc64;
use oss_client::{
    Client, CopyObjectRequest, CopyOptions, ErrorKind, GetObjectOptions, ListMultipartUploadsOptions, ObjectPath,
    Progress, PutObjectOptions, RetryPolicy,
};
use oss_emulator::fault::FaultAction;
use oss_emulator::Operation;

const SIZE: usize = 1_000_000;
/// CopyObject refuses sources above this, like OSS above 5 GB.
const COPY_MAX: u64 = 500_000;

fn large_path(threshold: u64) -> CopyOptions {
    CopyOptions { threshold, part_size: 200_000, concurrency: 3, ..Default::default() }
}

async fn setup(c: &Client, buckets: &[&str], body: &[u8]) {
    for b in buckets {
        c.put_bucket(b, None, None).await.expect("bucket");
    }
    let opts = PutObjectOptions {
        content_type: Some("text/csv".into()),
        cache_control: Some("max-age=60".into()),
        content_disposition: Some("attachment; filename=\"r.csv\"".into()),
        content_encoding: Some("identity".into()),
        expires: Some("Wed, 21 Oct 2037 07:28:00 GMT".into()),
        metadata: vec![("author".into(), "alice".into()), ("project".into(), "copy".into())],
        ..Default::default()
    };
    c.put_object(buckets[0], "src/report.csv", body.to_vec(), &opts).await.expect("source");
}

async fn body_of(c: &Client, p: &ObjectPath) -> Vec<u8> {
    c.get_object(&p.bucket, &p.key, &GetObjectOptions::default()).await.expect("get").body.to_vec()
}

#[tokio::test]
async fn below_the_threshold_is_one_copy_object() {
    let em = emulator(None).await;
    let c = client(&em, RetryPolicy::none());
    let body = data(300_000, 1);
    setup(&c, &["small"], &body).await;
    let (src, dst) = (ObjectPath::new("small", "src/report.csv"), ObjectPath::new("small", "dst/report.csv"));
    let start = mark(&em);
    let out = c.copy(&src, &dst, &CopyOptions::default()).await.expect("copy");
    assert!(!out.multipart());
    assert_eq!((out.size, out.crc64), (300_000, Some(crc64::checksum(&body))));
    assert_eq!(journal(&em, "CopyObject", start).len(), 1);
    assert!(journal(&em, "UploadPartCopy", start).is_empty());
    assert!(journal(&em, "GetObject", start).is_empty(), "a server-side copy downloads nothing");
    assert_eq!(body_of(&c, &dst).await, body);
}

#[tokio::test]
async fn above_the_threshold_copies_parts_in_parallel_with_metadata() {
    let em = emulator(Some(COPY_MAX)).await;
    let c = client(&em, RetryPolicy::none());
    let body = data(SIZE, 2);
    setup(&c, &["from", "into"], &body).await;
    let src = ObjectPath::new("from", "src/report.csv");
    // The limit is real: CopyObject of this source fails, as it would above 5 GB on OSS.
    let refused = c.copy_object(&CopyObjectRequest::new("from", "src/report.csv", "into", "direct")).await.unwrap_err();
    assert_eq!(refused.code(), Some("EntityTooLarge"));

    let dst = ObjectPath::new("into", "dst/report.csv");
    let seen = Arc::new(AtomicU64::new(0));
    let calls = Arc::new(AtomicU64::new(0));
    let mut opts = large_path(COPY_MAX);
    let (s, n) = (Arc::clone(&seen), Arc::clone(&calls));
    opts.progress = Some(Arc::new(move |p: Progress| {
        assert_eq!(p.total, SIZE as u64);
        s.fetch_max(p.done, Ordering::Relaxed);
        n.fetch_add(1, Ordering::Relaxed);
    }));
    let start = mark(&em);
    let out = c.copy(&src, &dst, &opts).await.expect("copy");
    assert!(out.multipart());
    assert_eq!((out.parts, out.parts_resumed), (5, 0));
    assert_eq!(out.crc64, Some(crc64::checksum(&body)));
    assert_eq!(seen.load(Ordering::Relaxed), SIZE as u64);
    assert!(calls.load(Ordering::Relaxed) >= 5);

    assert_eq!(journal(&em, "InitiateMultipartUpload", start).len(), 1);
    let parts = journal(&em, "UploadPartCopy", start);
    assert_eq!(parts.len(), 5);
    assert!(parts.iter().all(|e| e.status == 200 && e.copy_source.as_deref() == Some("/from/src/report.csv")));
    assert_eq!(journal(&em, "CompleteMultipartUpload", start).len(), 1);
    assert!(journal(&em, "CopyObject", start).is_empty());
    assert!(journal(&em, "GetObject", start).is_empty());

    assert_eq!(body_of(&c, &dst).await, body);
    let s = c.head_object("from", "src/report.csv", &GetObjectOptions::default()).await.unwrap().into_inner();
    let d = c.head_object("into", "dst/report.csv", &GetObjectOptions::default()).await.unwrap().into_inner();
    assert_eq!(d.content_type, s.content_type);
    assert_eq!(d.cache_control, s.cache_control);
    assert_eq!(d.content_disposition, s.content_disposition);
    assert_eq!(d.content_encoding, s.content_encoding);
    assert_eq!(d.expires, s.expires);
    assert_eq!(d.metadata, s.metadata);
    assert_eq!(d.meta("author"), Some("alice"));
    assert_eq!(d.crc64, s.crc64);
    assert_eq!(d.object_type.as_deref(), Some("Multipart"));
}

#[tokio::test]
async fn resumes_after_a_crash() {
    let em = emulator(Some(COPY_MAX)).await;
    let c = client(&em, RetryPolicy::none());
    let body = data(SIZE, 3);
    setup(&c, &["res"], &body).await;
    let ckpt = tempfile::tempdir().unwrap();
    let (src, dst) = (ObjectPath::new("res", "src/report.csv"), ObjectPath::new("res", "dst/copy.csv"));
    let opts = CopyOptions {
        concurrency: 1,
        checkpoint_dir: Some(ckpt.path().to_owned()),
        keep_on_failure: true,
        ..large_path(COPY_MAX)
    };

    // The 3rd part hangs; the process "crashes" (the copy future is dropped) meanwhile.
    let hang = em.faults().add(hold(Operation::UploadPartCopy, 3));
    crash_while_held(&em, &hang, c.copy(&src, &dst, &opts)).await;
    let files: Vec<_> = std::fs::read_dir(ckpt.path()).unwrap().collect();
    assert_eq!(files.len(), 1, "one checkpoint file");

    let start = mark(&em);
    let out = c.copy(&src, &dst, &opts).await.expect("resumed copy");
    assert_eq!((out.parts, out.parts_resumed), (5, 2));
    assert_eq!(journal(&em, "ListParts", start).len(), 1, "the upload was verified");
    assert!(journal(&em, "InitiateMultipartUpload", start).is_empty(), "the same upload went on");
    assert_eq!(unfaulted(&em, "UploadPartCopy", start).len(), 3, "only parts 3 to 5 again");
    assert_eq!(body_of(&c, &dst).await, body);
    assert_eq!(std::fs::read_dir(ckpt.path()).unwrap().count(), 0, "the checkpoint is gone once done");
}

#[tokio::test]
async fn restarts_cleanly_when_the_checkpointed_upload_is_gone() {
    let em = emulator(Some(COPY_MAX)).await;
    let c = client(&em, RetryPolicy::none());
    let body = data(SIZE, 4);
    setup(&c, &["gone"], &body).await;
    let ckpt = tempfile::tempdir().unwrap();
    let (src, dst) = (ObjectPath::new("gone", "src/report.csv"), ObjectPath::new("gone", "dst/copy.csv"));
    let opts = CopyOptions { concurrency: 1, checkpoint_dir: Some(ckpt.path().to_owned()), ..large_path(COPY_MAX) };
    let hang = em.faults().add(hold(Operation::UploadPartCopy, 3));
    crash_while_held(&em, &hang, c.copy(&src, &dst, &opts)).await;
    // Someone aborts the upload behind the checkpoint's back.
    let uploads = c.list_multipart_uploads("gone", &ListMultipartUploadsOptions::default()).await.unwrap();
    assert_eq!(uploads.uploads.len(), 1);
    c.abort_multipart_upload("gone", &dst.key, &uploads.uploads[0].upload_id).await.unwrap();

    let start = mark(&em);
    let out = c.copy(&src, &dst, &opts).await.expect("fresh copy");
    assert_eq!((out.parts, out.parts_resumed), (5, 0));
    let listed = journal(&em, "ListParts", start);
    assert_eq!((listed.len(), listed[0].error_code.as_deref()), (1, Some("NoSuchUpload")));
    assert_eq!(journal(&em, "InitiateMultipartUpload", start).len(), 1);
    assert_eq!(unfaulted(&em, "UploadPartCopy", start).len(), 5);
    assert_eq!(body_of(&c, &dst).await, body);
}

#[tokio::test]
async fn a_failure_aborts_the_upload_unless_asked_to_keep_it() {
    let em = emulator(Some(COPY_MAX)).await;
    let c = client(&em, quick_retries());
    let body = data(SIZE, 5);
    setup(&c, &["fail"], &body).await;
    let src = ObjectPath::new("fail", "src/report.csv");
    let denied = || {
        let access_denied = FaultAction::Error { code: "AccessDenied".into(), status: 403, message: None, ec: None };
        rule(Operation::UploadPartCopy, 2, access_denied)
    };
    em.faults().add(denied());
    let start = mark(&em);
    let err = c.copy(&src, &ObjectPath::new("fail", "dst/a"), &large_path(COPY_MAX)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AccessDenied, "{err}");
    assert!(err.request_id().is_some());
    assert_eq!(journal(&em, "AbortMultipartUpload", start).len(), 1);
    let uploads = c.list_multipart_uploads("fail", &ListMultipartUploadsOptions::default()).await.unwrap();
    assert!(uploads.uploads.is_empty(), "nothing left behind");
    assert!(c.head_object("fail", "dst/a", &GetObjectOptions::default()).await.unwrap_err().is_not_found());

    em.faults().add(denied());
    let keep = CopyOptions { keep_on_failure: true, ..large_path(COPY_MAX) };
    c.copy(&src, &ObjectPath::new("fail", "dst/b"), &keep).await.unwrap_err();
    let uploads = c.list_multipart_uploads("fail", &ListMultipartUploadsOptions::default()).await.unwrap();
    assert_eq!(uploads.uploads.len(), 1, "kept for resuming");
}

#[tokio::test]
async fn injected_faults_are_retried() {
    let em = emulator(Some(COPY_MAX)).await;
    let c = client(&em, quick_retries());
    let body = data(SIZE, 6);
    setup(&c, &["flaky"], &body).await;
    let (src, dst) = (ObjectPath::new("flaky", "src/report.csv"), ObjectPath::new("flaky", "dst/copy.csv"));

    let internal = FaultAction::Error { code: "InternalError".into(), status: 500, message: None, ec: None };
    let failing = em.faults().add(rule(Operation::UploadPartCopy, 3, internal));
    // Later rules are consulted only when earlier ones do not fire, so these count the requests
    // the first one let through.
    let reset = em.faults().add(rule(Operation::UploadPartCopy, 4, FaultAction::ResetResponseAfter { bytes: 10 }));
    let slow = em.faults().add(rule(Operation::HeadObject, 1, FaultAction::Delay { ms: 100 }));
    let dropped = em.faults().add(rule(Operation::CompleteMultipartUpload, 1, FaultAction::CommitThenDrop));
    let busy = FaultAction::Error { code: "ServiceUnavailable".into(), status: 503, message: None, ec: None };
    let unavailable = em.faults().add(rule(Operation::InitiateMultipartUpload, 1, busy));

    let start = mark(&em);
    let opts = CopyOptions { concurrency: 1, ..large_path(COPY_MAX) };
    let err = c.copy(&src, &dst, &opts).await.unwrap_err();
    // InitiateMultipartUpload is not idempotent (a repeat makes a second upload): not retried.
    assert_eq!(err.code(), Some("ServiceUnavailable"));
    assert!(err.is_retryable());
    assert!(em.faults().remove(&unavailable));

    let out = c.copy(&src, &dst, &opts).await.expect("copy despite the faults");
    assert_eq!(out.crc64, Some(crc64::checksum(&body)));
    assert_eq!(body_of(&c, &dst).await, body);

    let parts = journal(&em, "UploadPartCopy", start);
    let fired = |id: &str| parts.iter().filter(|e| e.fault.as_deref() == Some(id)).count();
    assert_eq!(fired(&failing), 1);
    assert_eq!(fired(&reset), 1);
    assert_eq!(parts.len(), 5 + 2, "each faulted part once more");
    let failed = parts.iter().position(|e| e.fault.as_deref() == Some(failing.as_str())).unwrap();
    assert_eq!((parts[failed].status, parts[failed + 1].status), (500, 200));
    assert!(journal(&em, "HeadObject", start).iter().any(|e| e.fault.as_deref() == Some(slow.as_str())));
    // The lost Complete answer: the upload is gone and the object is ours, so it counts as done.
    let completes = journal(&em, "CompleteMultipartUpload", start);
    assert_eq!(completes.iter().filter(|e| e.fault.as_deref() == Some(dropped.as_str())).count(), 1);
    assert_eq!(
        journal(&em, "ListParts", start).last().and_then(|e| e.error_code.clone()).as_deref(),
        Some("NoSuchUpload")
    );
}

#[tokio::test]
async fn a_skewed_clock_is_corrected_from_the_server() {
    let em = emulator(Some(COPY_MAX)).await;
    let c = client(&em, quick_retries());
    c.put_bucket("skew", None, None).await.expect("bucket");
    c.put_object("skew", "src/report.csv", data(SIZE, 7), &PutObjectOptions::default()).await.expect("put");
    em.clock().offset_millis(20 * 60 * 1000);

    let start = mark(&em);
    let out = c
        .copy(&ObjectPath::new("skew", "src/report.csv"), &ObjectPath::new("skew", "dst"), &large_path(COPY_MAX))
        .await
        .expect("copy after the correction");
    assert!(out.multipart());
    let offset = c.clock_offset_ms();
    assert!((offset - 20 * 60 * 1000).abs() < 5_000, "learnt offset {offset}");
    let heads = journal(&em, "HeadObject", start);
    assert_eq!(heads[0].error_code.as_deref(), Some("RequestTimeTooSkewed"));
    assert_eq!(heads[1].status, 200);
    let all = em.journal().query(&oss_emulator::journal::Filter { since_id: Some(start), ..Default::default() });
    assert_eq!(all.iter().filter(|e| e.error_code.as_deref() == Some("RequestTimeTooSkewed")).count(), 1);

    // Without retries the first request fails, with the meaning spelled out, but the client still
    // learns the server's clock.
    em.clock().offset_millis(-30 * 60 * 1000);
    let strict = client(&em, RetryPolicy::none());
    let err = strict.head_object("skew", "dst", &GetObjectOptions::default()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ClockSkew);
    assert!(err.service().unwrap().raw_xml().is_some_and(|x| x.contains("RequestTimeTooSkewed")));
    strict.head_object("skew", "dst", &GetObjectOptions::default()).await.expect("second try");
}

#[tokio::test]
async fn cancellation_aborts_or_keeps_the_upload() {
    let em = emulator(Some(COPY_MAX)).await;
    let c = client(&em, RetryPolicy::none());
    let body = data(SIZE, 8);
    setup(&c, &["cancel"], &body).await;
    let src = ObjectPath::new("cancel", "src/report.csv");
    let ckpt = tempfile::tempdir().unwrap();
    for keep in [false, true] {
        let held = em.faults().add(hold(Operation::UploadPartCopy, 3));
        let token = oss_client::CancellationToken::new();
        let opts = CopyOptions {
            concurrency: 1,
            cancel: Some(token.clone()),
            keep_on_failure: keep,
            checkpoint_dir: keep.then(|| ckpt.path().to_owned()),
            ..large_path(COPY_MAX)
        };
        let dst = ObjectPath::new("cancel", format!("dst-{keep}"));
        // Parts go one at a time: the 3rd is held, so exactly two are done when cancelled.
        let cancel_after_two = async {
            until(|| holds(&em, &held)).await;
            token.cancel();
        };
        let (copied, ()) = tokio::join!(c.copy(&src, &dst, &opts), cancel_after_two);
        em.faults().remove(&held);
        let err = copied.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Cancelled);
        let uploads = c.list_multipart_uploads("cancel", &ListMultipartUploadsOptions::default()).await.unwrap();
        let left = uploads.uploads.iter().filter(|u| u.key == dst.key).count();
        assert_eq!(left, usize::from(keep), "keep_on_failure = {keep}");
        if keep {
            let out = c.copy(&src, &dst, &CopyOptions { cancel: None, ..opts }).await.expect("resumed");
            assert_eq!(out.parts_resumed, 2);
            assert_eq!(body_of(&c, &dst).await, body);
        }
    }
}
