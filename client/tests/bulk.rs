//! Many objects at once against the in-process emulator: the lazily paged listing stream, trees
//! of files and objects, and the transfer manager (uploads, downloads, server-side copies and
//! moves, failures per object, progress, bounded concurrency, cancellation).

mod common;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use common::{client, data, emulator, journal, mark, quick_retries};
use futures_util::{StreamExt, TryStreamExt};
use oss_client::bulk::{list_tree, BulkEvent, BulkOptions, JobOutput, Location, TransferJob};
use oss_client::{
    CancellationToken, CopyOptions, Error, GetObjectOptions, ListObjectsV2Options, ObjectPath, PutObjectOptions,
    TransferOptions,
};

#[tokio::test]
async fn the_listing_stream_pages_lazily() {
    let em = emulator(None).await;
    let c = client(&em, quick_retries());
    c.put_bucket("many", None, None).await.unwrap();
    for i in 0..25 {
        c.put_object("many", &format!("p/{i:02}"), &b"x"[..], &PutObjectOptions::default()).await.unwrap();
    }
    c.put_object("many", "other", &b"y"[..], &PutObjectOptions::default()).await.unwrap();
    let opts = ListObjectsV2Options { prefix: Some("p/".into()), max_keys: Some(10), ..Default::default() };

    let start = mark(&em);
    let first: Vec<_> = c.list_objects_stream("many", opts.clone()).take(12).try_collect().await.unwrap();
    assert_eq!(first.len(), 12);
    assert_eq!(journal(&em, "ListObjectsV2", start).len(), 2, "only the pages handed out are requested");

    let start = mark(&em);
    let all: Vec<String> = c.list_objects_stream("many", opts).map_ok(|o| o.key).try_collect().await.unwrap();
    let want: Vec<String> = (0..25).map(|i| format!("p/{i:02}")).collect();
    assert_eq!(all, want);
    assert_eq!(journal(&em, "ListObjectsV2", start).len(), 3);

    let everything: Vec<_> = c.list_prefix("many", "").try_collect().await.unwrap();
    assert_eq!(everything.len(), 26);
    let missing: Result<Vec<_>, Error> = c.list_prefix("no-such-bucket", "").try_collect().await;
    assert_eq!(missing.map_err(|e| e.code().map(str::to_owned)).err(), Some(Some("NoSuchBucket".to_owned())));
}

fn write_tree(root: &std::path::Path, files: &[(&str, usize)]) -> BTreeMap<String, Vec<u8>> {
    let mut want = BTreeMap::new();
    for (i, (rel, len)) in files.iter().enumerate() {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let body = data(*len, i as u32 + 1);
        std::fs::write(&path, &body).unwrap();
        want.insert((*rel).to_owned(), body);
    }
    want
}

fn jobs_for(tree: &oss_client::bulk::Tree, src: &Location, dst: &Location) -> Vec<TransferJob> {
    tree.entries
        .iter()
        .map(|(rel, e)| TransferJob { src: src.join(rel).unwrap(), dst: dst.join(rel).unwrap(), size: e.size })
        .collect()
}

#[tokio::test]
async fn trees_go_up_down_and_across_a_bounded_number_at_a_time() {
    let em = emulator(None).await;
    let c = client(&em, quick_retries());
    c.put_bucket("trees", None, None).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("src");
    let files = [("a.txt", 10), ("b.bin", 700_000), ("d/c.txt", 2000), ("d/e/f.txt", 0), ("d/e/skip.log", 5)];
    let want = write_tree(&local, &files);
    let src = Location::Local(local.clone());
    let up = Location::Oss(ObjectPath::new("trees", "up/"));

    let tree = list_tree(&c, &src, |rel| !rel.ends_with(".log")).await.unwrap();
    assert_eq!(tree.entries.keys().collect::<Vec<_>>(), ["a.txt", "b.bin", "d/c.txt", "d/e/f.txt"]);
    assert!(tree.skipped.is_empty());

    // Uploads, the large one part by part; events show at most two at once and end at the total.
    let running = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let finished = Arc::new(Mutex::new(Vec::new()));
    let (r, m, f) = (Arc::clone(&running), Arc::clone(&most), Arc::clone(&finished));
    let opts = BulkOptions {
        jobs: 2,
        transfer: TransferOptions { threshold: 300_000, part_size: 200_000, ..Default::default() },
        progress: Some(Arc::new(move |e: &BulkEvent<'_>| match e {
            BulkEvent::Started { .. } => {
                let now = r.fetch_add(1, Ordering::SeqCst) + 1;
                m.fetch_max(now, Ordering::SeqCst);
            }
            BulkEvent::Progress { progress, overall, .. } => {
                assert!(progress.done <= progress.total && overall.bytes_done <= overall.bytes_total);
            }
            BulkEvent::Finished { index, overall, result, .. } => {
                r.fetch_sub(1, Ordering::SeqCst);
                assert!(result.is_ok());
                f.lock().unwrap().push((*index, *overall));
            }
        })),
        ..Default::default()
    };
    let start = mark(&em);
    let out = c.transfer_many(jobs_for(&tree, &src, &up), &opts).await;
    assert_eq!((out.succeeded, out.failed, out.bytes), (4, 0, 702_010));
    assert!(matches!(&out.results[1].result, Ok(JobOutput::Uploaded(o)) if o.parts == 4));
    assert!(most.load(Ordering::SeqCst) <= 2, "at most two objects at once");
    let finished = finished.lock().unwrap().clone();
    assert_eq!(finished.len(), 4);
    let last = finished.last().unwrap().1;
    assert_eq!((last.objects_done, last.objects_total, last.bytes_done, last.bytes_total), (4, 4, 702_010, 702_010));
    assert_eq!(journal(&em, "UploadPart", start).len(), 4);

    // The tree in OSS, and back down into directories that do not exist yet.
    let remote = list_tree(&c, &up, |_| true).await.unwrap();
    assert_eq!(remote.entries.len(), 4);
    assert_eq!(remote.entries["b.bin"].size, 700_000);
    assert!(remote.entries["a.txt"].etag.as_deref().is_some_and(|e| !e.contains('"')));
    let back = Location::Local(dir.path().join("back/deeper"));
    let out = c.transfer_many(jobs_for(&remote, &up, &back), &BulkOptions::default()).await;
    assert_eq!((out.succeeded, out.failed), (4, 0));
    for (rel, body) in want.iter().filter(|(k, _)| !k.ends_with(".log")) {
        assert_eq!(&std::fs::read(dir.path().join("back/deeper").join(rel)).unwrap(), body, "{rel}");
    }

    // Server-side moves, multipart above the copy threshold; a missing source fails alone.
    let moved = Location::Oss(ObjectPath::new("trees", "moved/"));
    let mut jobs = jobs_for(&remote, &up, &moved);
    jobs.push(TransferJob { src: up.join("missing").unwrap(), dst: moved.join("missing").unwrap(), size: 1 });
    let opts = BulkOptions {
        jobs: 3,
        copy: CopyOptions { threshold: 300_000, part_size: 200_000, ..Default::default() },
        remove_source: true,
        ..Default::default()
    };
    let out = c.transfer_many(jobs, &opts).await;
    assert_eq!((out.succeeded, out.failed, out.bytes), (4, 1, 702_010));
    assert!(matches!(&out.results[1].result, Ok(JobOutput::Copied(o)) if o.multipart()));
    assert!(out.results[4].result.as_ref().is_err_and(Error::is_not_found));
    assert!(list_tree(&c, &up, |_| true).await.unwrap().entries.is_empty(), "the sources are removed");
    let got = c.get_object("trees", "moved/d/c.txt", &GetObjectOptions::default()).await.unwrap();
    assert_eq!(got.body.as_ref(), &want["d/c.txt"][..]);
}

#[tokio::test]
async fn refusals_and_cancellation_are_results_per_job() {
    let em = emulator(None).await;
    let c = client(&em, quick_retries());
    c.put_bucket("stop", None, None).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("f");
    std::fs::write(&file, b"data").unwrap();

    let root = Location::Local(dir.path().to_owned());
    for bad in ["../etc/passwd", "a/../../b", "a//b", "/abs", "./a"] {
        assert!(root.join(bad).is_err(), "{bad}");
    }
    assert!(list_tree(&c, &Location::Local(file.clone()), |_| true).await.is_err(), "a file is not a tree");
    assert!(list_tree(&c, &Location::Local(dir.path().join("none")), |_| true).await.is_err());

    let local_pair =
        TransferJob { src: Location::Local(file.clone()), dst: Location::Local(dir.path().join("g")), size: 4 };
    let upload = TransferJob { src: Location::Local(file), dst: Location::Oss(ObjectPath::new("stop", "f")), size: 4 };
    let out = c.transfer_many(vec![local_pair, upload.clone()], &BulkOptions::default()).await;
    assert!(matches!(out.results[0].result, Err(Error::Usage(_))));
    assert!(out.results[1].result.is_ok());

    let cancel = CancellationToken::new();
    cancel.cancel();
    let opts = BulkOptions { cancel: Some(cancel), ..Default::default() };
    let out = c.transfer_many(vec![upload.clone(), upload], &opts).await;
    assert_eq!((out.succeeded, out.failed), (0, 2));
    assert!(out.results.iter().all(|r| matches!(r.result, Err(Error::Cancelled))));
}
