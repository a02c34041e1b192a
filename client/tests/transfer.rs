//! Uploads from and downloads to files against the in-process emulator: both paths, retries of
//! cut connections, and resuming.

mod common;

use common::{client, crash_while_held, data, emulator, hold, journal, mark, quick_retries, rule, unfaulted};
use oss_client::protocol::crc64;
use oss_client::{GetObjectOptions, ObjectPath, PutObjectOptions, RetryPolicy, TransferOptions};
use oss_emulator::fault::FaultAction;
use oss_emulator::Operation;

const SIZE: usize = 1_000_000;

fn multipart() -> TransferOptions {
    TransferOptions { threshold: 300_000, part_size: 200_000, concurrency: 3, ..Default::default() }
}

#[tokio::test]
async fn small_files_go_in_one_request() {
    let em = emulator(None).await;
    let c = client(&em, quick_retries());
    c.put_bucket("files", None, None).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let body = data(50_000, 1);
    let local = dir.path().join("in.bin");
    std::fs::write(&local, &body).unwrap();
    let dst = ObjectPath::new("files", "dir/in.bin");
    let opts = TransferOptions {
        object: PutObjectOptions { content_type: Some("application/x-test".into()), ..Default::default() },
        ..Default::default()
    };
    let start = mark(&em);
    let up = c.upload_file(&local, &dst, &opts).await.expect("upload");
    assert_eq!((up.size, up.crc64, up.upload_id), (50_000, Some(crc64::checksum(&body)), None));
    assert_eq!(journal(&em, "PutObject", start).len(), 1);
    let head = c.head_object("files", "dir/in.bin", &GetObjectOptions::default()).await.unwrap();
    assert_eq!(head.content_type.as_deref(), Some("application/x-test"));

    let out = dir.path().join("out.bin");
    let down = c.download_file(&dst, &out, &TransferOptions::default()).await.expect("download");
    assert_eq!(down.crc64, Some(crc64::checksum(&body)));
    assert_eq!(std::fs::read(&out).unwrap(), body);
    assert!(!dir.path().join("out.bin.ossc-partial").exists());
}

#[tokio::test]
async fn large_files_go_part_by_part_through_cut_connections() {
    let em = emulator(None).await;
    let c = client(&em, quick_retries());
    c.put_bucket("big", None, None).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let body = data(SIZE, 2);
    let local = dir.path().join("big.bin");
    std::fs::write(&local, &body).unwrap();
    let dst = ObjectPath::new("big", "big.bin");

    let cut_upload = em.faults().add(rule(Operation::UploadPart, 2, FaultAction::ResetRequestAfter { bytes: 50_000 }));
    let start = mark(&em);
    let up = c.upload_file(&local, &dst, &multipart()).await.expect("upload");
    assert_eq!((up.parts, up.crc64), (5, Some(crc64::checksum(&body))));
    assert!(up.upload_id.is_some());
    let parts = journal(&em, "UploadPart", start);
    assert_eq!(parts.len(), 6, "one part sent twice");
    assert_eq!(parts.iter().filter(|e| e.fault.as_deref() == Some(cut_upload.as_str())).count(), 1);

    let cut_download = em.faults().add(rule(Operation::GetObject, 3, FaultAction::ResetResponseAfter { bytes: 1000 }));
    let out = dir.path().join("back.bin");
    let start = mark(&em);
    let down = c.download_file(&dst, &out, &multipart()).await.expect("download");
    assert_eq!((down.parts, down.crc64), (5, Some(crc64::checksum(&body))));
    assert_eq!(std::fs::read(&out).unwrap(), body);
    let gets = journal(&em, "GetObject", start);
    assert_eq!(gets.len(), 6);
    assert_eq!(gets.iter().filter(|e| e.fault.as_deref() == Some(cut_download.as_str())).count(), 1);
}

#[tokio::test]
async fn interrupted_transfers_resume() {
    let em = emulator(None).await;
    let c = client(&em, RetryPolicy::none());
    c.put_bucket("resume", None, None).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ckpt = tempfile::tempdir().unwrap();
    let body = data(SIZE, 3);
    let local = dir.path().join("f.bin");
    std::fs::write(&local, &body).unwrap();
    let dst = ObjectPath::new("resume", "f.bin");
    let opts = TransferOptions {
        concurrency: 1,
        checkpoint_dir: Some(ckpt.path().to_owned()),
        keep_on_failure: true,
        ..multipart()
    };

    // Parts go one at a time: once the 3rd is held, the first two are answered and recorded.
    let hang = em.faults().add(hold(Operation::UploadPart, 3));
    crash_while_held(&em, &hang, c.upload_file(&local, &dst, &opts)).await;
    let start = mark(&em);
    let up = c.upload_file(&local, &dst, &opts).await.expect("resumed upload");
    assert_eq!((up.parts, up.parts_resumed), (5, 2));
    assert_eq!(unfaulted(&em, "UploadPart", start).len(), 3);
    assert!(journal(&em, "InitiateMultipartUpload", start).is_empty());

    let out = dir.path().join("g.bin");
    // A download's progress lives only in its checkpoint: the 3rd ranged GET is held, the
    // first two are written down.
    let hang = em.faults().add(hold(Operation::GetObject, 3));
    crash_while_held(&em, &hang, c.download_file(&dst, &out, &opts)).await;
    assert!(dir.path().join("g.bin.ossc-partial").exists());
    let start = mark(&em);
    let down = c.download_file(&dst, &out, &opts).await.expect("resumed download");
    assert_eq!((down.parts, down.parts_resumed), (5, 2));
    assert_eq!(unfaulted(&em, "GetObject", start).len(), 3);
    assert_eq!(std::fs::read(&out).unwrap(), body);
    assert_eq!(std::fs::read_dir(ckpt.path()).unwrap().count(), 0);
}
