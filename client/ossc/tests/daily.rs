//! The `ossc` binary for daily work, against an in-process emulator on a real socket: trees
//! (`cp -r`, `mv`, `sync`), standard input and output, `du`, `set-meta`, the guarded deletes
//! (through a pseudo-terminal where they ask), broken pipes, help and completions.

#[path = "../../tests/common/mod.rs"]
mod common;

use std::io::Write;
use std::os::fd::{FromRawFd, OwnedFd};
use std::path::Path;
use std::process::{Output, Stdio};

use common::{data, emulator, journal, mark};
use oss_emulator::config::{DEV_ACCESS_KEY_ID, DEV_ACCESS_KEY_SECRET};
use oss_emulator::RunningEmulator;
use serde_json::Value;

fn text(out: &[u8]) -> String {
    String::from_utf8_lossy(out).into_owned()
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out.stdout)))
}

/// What standard input is.
enum Input<'a> {
    /// /dev/null: not a terminal.
    Null,
    Bytes(&'a [u8]),
    /// A pseudo-terminal, on which this answer is typed.
    Terminal(&'a str),
}

/// A pseudo-terminal: the master (what a terminal emulator holds) and the slave (the process's
/// standard input).
fn pty() -> (std::fs::File, OwnedFd) {
    let (mut master, mut slave) = (0, 0);
    // SAFETY: openpty writes two descriptors it opened into the two ints; the rest may be null.
    let rc =
        unsafe { libc::openpty(&mut master, &mut slave, std::ptr::null_mut(), std::ptr::null(), std::ptr::null()) };
    assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
    // SAFETY: both descriptors are open and owned by nobody else.
    unsafe { (std::fs::File::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) }
}

struct Cli<'a> {
    em: &'a RunningEmulator,
    home: &'a Path,
}

impl Cli<'_> {
    fn command(&self, args: &[&str]) -> tokio::process::Command {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_ossc"));
        for (k, _) in std::env::vars() {
            if k.starts_with("OSS_") || k.starts_with("OSSC_") {
                cmd.env_remove(k);
            }
        }
        cmd.env("HOME", self.home)
            .env("OSS_ENDPOINT", self.em.endpoint())
            .env("OSS_ACCESS_KEY_ID", DEV_ACCESS_KEY_ID)
            .env("OSS_ACCESS_KEY_SECRET", DEV_ACCESS_KEY_SECRET)
            .args(args);
        cmd
    }

    async fn with(&self, input: Input<'_>, args: &[&str]) -> Output {
        let mut cmd = self.command(args);
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut terminal = None;
        match input {
            Input::Null => {
                cmd.stdin(Stdio::null());
            }
            Input::Bytes(_) => {
                cmd.stdin(Stdio::piped());
            }
            Input::Terminal(answer) => {
                let (mut master, slave) = pty();
                // Typed ahead: the terminal holds the line until the prompt reads it.
                master.write_all(answer.as_bytes()).unwrap();
                cmd.stdin(Stdio::from(slave));
                terminal = Some(master);
            }
        }
        let mut child = cmd.spawn().expect("ossc runs");
        if let Input::Bytes(bytes) = input {
            let mut stdin = child.stdin.take().unwrap();
            let bytes = bytes.to_vec();
            tokio::spawn(async move {
                use tokio::io::AsyncWriteExt;
                let _ = stdin.write_all(&bytes).await;
            });
        }
        let out = child.wait_with_output().await.expect("ossc ends");
        drop(terminal);
        out
    }

    async fn run(&self, args: &[&str]) -> Output {
        self.with(Input::Null, args).await
    }

    async fn ok(&self, args: &[&str]) -> Output {
        let out = self.run(args).await;
        assert!(out.status.success(), "ossc {args:?}: {}{}", text(&out.stdout), text(&out.stderr));
        out
    }
}

/// The keys in `bucket`, through the library.
async fn listing(em: &RunningEmulator, bucket: &str) -> Vec<String> {
    let c = common::client(em, oss_client::RetryPolicy::none());
    let page = c.list_objects_v2(bucket, &Default::default()).await.unwrap().into_inner();
    page.contents.into_iter().map(|o| o.key).collect()
}

fn tree(root: &Path, files: &[(&str, usize)]) {
    for (i, (rel, len)) in files.iter().enumerate() {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, data(*len, i as u32 + 10)).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recursive_copies_with_globs_jobs_and_a_summary() {
    let em = emulator(Some(500_000)).await;
    let home = tempfile::tempdir().unwrap();
    let cli = Cli { em: &em, home: home.path() };
    cli.ok(&["mb", "oss://trees"]).await;
    let local = home.path().join("site");
    tree(&local, &[("a.txt", 100), ("b.bin", 200), ("sub/c.txt", 300), ("sub/deep/d.txt", 400), ("skip.log", 5)]);
    let local_s = local.to_str().unwrap();

    // A local directory without -r says what to do.
    let refused = cli.run(&["cp", local_s, "oss://trees/"]).await;
    assert_eq!(refused.status.code(), Some(2));
    assert!(text(&refused.stderr).contains("use cp -r"), "{}", text(&refused.stderr));

    let dry = cli.ok(&["cp", "-r", local_s, "oss://trees/up", "--include", "*.txt", "--dry-run"]).await;
    assert!(text(&dry.stdout).contains("would copy"), "{}", text(&dry.stdout));
    assert!(listing(&em, "trees").await.is_empty());

    let up =
        cli.ok(&["cp", "-r", local_s, "oss://trees/up", "--include", "*.txt", "--exclude", "d.txt", "-j", "3"]).await;
    let said = text(&up.stdout);
    assert!(said.contains("copied 2 objects (400 B)") && said.contains("0 failed"), "{said}");
    assert_eq!(listing(&em, "trees").await, ["up/a.txt", "up/sub/c.txt"]);

    // With storage class and ACL, as JSON.
    let all = json(
        &cli.ok(&["--json", "cp", "-r", local_s, "oss://trees/all/", "--storage-class", "IA", "--acl", "public-read"])
            .await,
    );
    assert_eq!((all["transferred"].as_u64(), all["failed"].as_u64()), (Some(5), Some(0)));
    let stat = json(&cli.ok(&["--json", "stat", "oss://trees/all/sub/deep/d.txt"]).await);
    assert_eq!(stat["storage_class"], "IA");
    let c = common::client(&em, oss_client::RetryPolicy::none());
    let acl = c.get_object_acl("trees", "all/a.txt", None).await.unwrap();
    assert_eq!(acl.access_control_list.grant, "public-read");

    // OSS → OSS on the server: CopyObject only, never a GET.
    let start = mark(&em);
    cli.ok(&["cp", "-r", "oss://trees/all/sub/", "oss://trees/copied/", "--storage-class", "Archive"]).await;
    assert_eq!(journal(&em, "CopyObject", start).len(), 2);
    assert!(journal(&em, "GetObject", start).is_empty());
    assert_eq!(json(&cli.ok(&["--json", "stat", "oss://trees/copied/c.txt"]).await)["storage_class"], "Archive");

    // OSS → local, into a directory that does not exist yet.
    let back = home.path().join("restore/here");
    cli.ok(&["cp", "-r", "oss://trees/all", back.to_str().unwrap()]).await;
    for (rel, i, len) in [("a.txt", 0u32, 100usize), ("sub/deep/d.txt", 3, 400), ("skip.log", 4, 5)] {
        assert_eq!(std::fs::read(back.join(rel)).unwrap(), data(len, i + 10), "{rel}");
    }

    // A key that would land outside the directory is refused; the others still arrive, and the
    // exit code says something failed.
    c.put_object("trees", "evil/../../escape.txt", &b"x"[..], &Default::default()).await.unwrap();
    c.put_object("trees", "evil/fine.txt", &b"ok"[..], &Default::default()).await.unwrap();
    let target = home.path().join("evil");
    let mixed = cli.run(&["cp", "-r", "oss://trees/evil/", target.to_str().unwrap()]).await;
    assert_eq!(mixed.status.code(), Some(1), "{}", text(&mixed.stderr));
    assert!(text(&mixed.stderr).contains("cannot be a file below"), "{}", text(&mixed.stderr));
    assert_eq!(std::fs::read(target.join("fine.txt")).unwrap(), b"ok");
    assert!(!home.path().join("escape.txt").exists());

    // A single download into a missing directory creates it.
    let deep = home.path().join("x/y/z.txt");
    cli.ok(&["cp", "oss://trees/up/a.txt", deep.to_str().unwrap()]).await;
    assert_eq!(std::fs::read(&deep).unwrap(), data(100, 10));
}

/// `cp -r oss://b/key` where `key` is an object (and nothing is under `key/`) copies that object,
/// as with ossutil, instead of the empty tree under `key/`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recursive_copy_of_a_single_object() {
    let em = emulator(None).await;
    let home = tempfile::tempdir().unwrap();
    let cli = Cli { em: &em, home: home.path() };
    cli.ok(&["mb", "oss://one"]).await;
    let c = common::client(&em, oss_client::RetryPolicy::none());
    c.put_object("one", "report.csv", &b"a,b\n"[..], &Default::default()).await.unwrap();
    c.put_object("one", "dir", &b"the object"[..], &Default::default()).await.unwrap();
    c.put_object("one", "dir/inside.txt", &b"in the tree"[..], &Default::default()).await.unwrap();

    // Down into a directory, to a new file name, across the bucket, and as a dry run.
    let down = home.path().join("down");
    std::fs::create_dir_all(&down).unwrap();
    let said = text(&cli.ok(&["cp", "-r", "oss://one/report.csv", down.to_str().unwrap()]).await.stdout);
    assert!(said.contains("downloaded oss://one/report.csv"), "{said}");
    assert_eq!(std::fs::read(down.join("report.csv")).unwrap(), b"a,b\n");
    let renamed = home.path().join("renamed.csv");
    cli.ok(&["cp", "-r", "oss://one/report.csv", renamed.to_str().unwrap()]).await;
    assert_eq!(std::fs::read(&renamed).unwrap(), b"a,b\n");
    let dry = text(&cli.ok(&["cp", "-r", "--dry-run", "oss://one/report.csv", "oss://one/copies/"]).await.stdout);
    assert!(dry.contains("would copy oss://one/report.csv"), "{dry}");
    assert!(!listing(&em, "one").await.contains(&"copies/report.csv".to_owned()));
    let start = mark(&em);
    cli.ok(&["cp", "-r", "oss://one/report.csv", "oss://one/copies/"]).await;
    assert_eq!(journal(&em, "CopyObject", start).len(), 1);

    // Objects under `dir/` make it a tree, even though `dir` is an object too.
    let tree_dst = home.path().join("tree");
    cli.ok(&["cp", "-r", "oss://one/dir", tree_dst.to_str().unwrap()]).await;
    assert_eq!(std::fs::read(tree_dst.join("inside.txt")).unwrap(), b"in the tree");
    assert!(tree_dst.is_dir());

    // mv -r of one object moves it; a key that is neither an object nor a prefix copies nothing.
    cli.ok(&["mv", "-r", "oss://one/copies/report.csv", "oss://one/moved.csv"]).await;
    let keys = listing(&em, "one").await;
    assert!(keys.contains(&"moved.csv".to_owned()) && !keys.contains(&"copies/report.csv".to_owned()), "{keys:?}");
    let none = text(&cli.ok(&["cp", "-r", "oss://one/nothing", home.path().to_str().unwrap()]).await.stdout);
    assert!(none.contains("copied 0 objects"), "{none}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_in_every_direction() {
    let em = emulator(None).await;
    let home = tempfile::tempdir().unwrap();
    let cli = Cli { em: &em, home: home.path() };
    cli.ok(&["mb", "oss://mirror"]).await;
    let local = home.path().join("docs");
    tree(&local, &[("one.txt", 10), ("two/2.txt", 20), ("two/3.txt", 30)]);
    let local_s = local.to_str().unwrap();

    let first = text(&cli.ok(&["sync", local_s, "oss://mirror/docs"]).await.stdout);
    assert!(first.contains("by size and modification time") && first.contains("copied 3 objects"), "{first}");
    let again = text(&cli.ok(&["sync", local_s, "oss://mirror/docs/"]).await.stdout);
    assert!(again.contains("copied 0 objects") && again.contains("3 up to date"), "{again}");

    // A changed file goes again; an object the directory lacks is deleted only with --delete,
    // and a dry run changes nothing.
    std::fs::write(local.join("one.txt"), b"longer than before").unwrap();
    let c = common::client(&em, oss_client::RetryPolicy::none());
    c.put_object("mirror", "docs/stale.txt", &b"old"[..], &Default::default()).await.unwrap();
    let dry = json(&cli.ok(&["--json", "sync", local_s, "oss://mirror/docs", "--delete", "--dry-run"]).await);
    assert_eq!(dry["objects"].as_array().map(Vec::len), Some(1));
    assert_eq!(dry["deleted"][0], "oss://mirror/docs/stale.txt");
    assert!(listing(&em, "mirror").await.contains(&"docs/stale.txt".to_owned()));
    let kept = json(&cli.ok(&["--json", "sync", local_s, "oss://mirror/docs"]).await);
    assert_eq!((kept["copied"].as_u64(), kept["deleted"].as_array().map(Vec::len)), (Some(1), Some(0)));
    let synced = text(&cli.ok(&["sync", local_s, "oss://mirror/docs", "--delete"]).await.stdout);
    assert!(synced.contains("deleted oss://mirror/docs/stale.txt") && synced.contains("1 deleted"), "{synced}");
    assert_eq!(listing(&em, "mirror").await, ["docs/one.txt", "docs/two/2.txt", "docs/two/3.txt"]);

    // OSS → local, then nothing left to do.
    let copy = home.path().join("copy");
    cli.ok(&["sync", "oss://mirror/docs", copy.to_str().unwrap()]).await;
    assert_eq!(std::fs::read(copy.join("one.txt")).unwrap(), b"longer than before");
    std::fs::write(copy.join("extra.txt"), b"local only").unwrap();
    let down = json(&cli.ok(&["--json", "sync", "oss://mirror/docs", copy.to_str().unwrap(), "--delete"]).await);
    assert_eq!((down["copied"].as_u64(), down["up_to_date"].as_u64()), (Some(0), Some(3)));
    assert!(!copy.join("extra.txt").exists());

    // OSS → OSS compares ETags; excluded objects are neither copied nor deleted.
    let across =
        text(&cli.ok(&["sync", "oss://mirror/docs/", "oss://mirror/backup/", "--exclude", "3.txt"]).await.stdout);
    assert!(across.contains("by size and ETag") && across.contains("copied 2 objects"), "{across}");
    let repeat = json(&cli.ok(&["--json", "sync", "oss://mirror/docs/", "oss://mirror/backup/"]).await);
    assert_eq!((repeat["copied"].as_u64(), repeat["up_to_date"].as_u64()), (Some(1), Some(2)));
    assert_eq!(repeat["compared_by"], "size and ETag");

    assert_eq!(cli.run(&["sync", local_s, copy.to_str().unwrap()]).await.status.code(), Some(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn standard_input_and_output() {
    let em = emulator(None).await;
    let home = tempfile::tempdir().unwrap();
    let cli = Cli { em: &em, home: home.path() };
    cli.ok(&["mb", "oss://pipes"]).await;

    // Large: multipart as the data arrives, parts of 100 KiB once past the threshold.
    let body = data(1_000_000, 7);
    let start = mark(&em);
    let up = cli
        .with(
            Input::Bytes(&body),
            &["--json", "cp", "-", "oss://pipes/big", "--threshold", "300K", "--part-size", "100K"],
        )
        .await;
    assert!(up.status.success(), "{}", text(&up.stderr));
    let doc = json(&up);
    assert_eq!(
        (doc["multipart"].as_bool(), doc["size"].as_u64(), doc["parts"].as_u64()),
        (Some(true), Some(1_000_000), Some(10))
    );
    assert_eq!(journal(&em, "UploadPart", start).len(), 10);
    assert!(journal(&em, "PutObject", start).is_empty());

    let small = cli.with(Input::Bytes(b"hello\n"), &["cp", "-", "oss://pipes/small.txt"]).await;
    assert!(small.status.success(), "{}", text(&small.stderr));
    assert_eq!(journal(&em, "PutObject", start).len(), 1);

    let cat = cli.ok(&["cat", "oss://pipes/big"]).await;
    assert!(cat.stdout == body, "cat gave {} bytes", cat.stdout.len());
    assert_eq!(cli.ok(&["cp", "oss://pipes/small.txt", "-"]).await.stdout, b"hello\n");
    let missing = cli.run(&["cat", "oss://pipes/nope"]).await;
    assert_eq!(missing.status.code(), Some(3));

    // The reader goes away: quiet, with the status of a process stopped by SIGPIPE.
    for args in [&["cat", "oss://pipes/big"][..], &["ls", "-r", "oss://pipes"][..]] {
        let mut cmd = cli.command(args);
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).stdin(Stdio::null());
        let mut child = cmd.spawn().unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().await.unwrap();
        assert_eq!(out.status.code(), Some(141), "{args:?}: {}", text(&out.stderr));
        assert!(out.stderr.is_empty(), "{args:?}: {}", text(&out.stderr));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mv_du_set_meta_ls_and_presign() {
    let em = emulator(None).await;
    let home = tempfile::tempdir().unwrap();
    let cli = Cli { em: &em, home: home.path() };
    cli.ok(&["mb", "oss://misc"]).await;
    let file = home.path().join("f.bin");
    std::fs::write(&file, data(2048, 1)).unwrap();

    cli.ok(&["mv", file.to_str().unwrap(), "oss://misc/f.bin"]).await;
    assert!(!file.exists());
    let start = mark(&em);
    let moved = text(&cli.ok(&["mv", "oss://misc/f.bin", "oss://misc/dir/g.bin"]).await.stdout);
    assert!(moved.contains("moved oss://misc/f.bin -> oss://misc/dir/g.bin"), "{moved}");
    assert_eq!(journal(&em, "CopyObject", start).len(), 1);
    assert!(journal(&em, "GetObject", start).is_empty());
    assert_eq!(listing(&em, "misc").await, ["dir/g.bin"]);

    let dir = home.path().join("tomove");
    tree(&dir, &[("x/1.txt", 1024 * 1024), ("2.txt", 10)]);
    cli.ok(&["mv", "-r", dir.to_str().unwrap(), "oss://misc/dir/"]).await;
    assert!(!dir.exists(), "the emptied directory is removed too");
    let back = home.path().join("back");
    cli.ok(&["mv", "-r", "oss://misc/dir/x", back.to_str().unwrap()]).await;
    assert_eq!(std::fs::metadata(back.join("1.txt")).unwrap().len(), 1024 * 1024);
    assert_eq!(listing(&em, "misc").await, ["dir/2.txt", "dir/g.bin"]);

    let du = text(&cli.ok(&["du", "oss://misc"]).await.stdout);
    assert!(du.contains("2 objects 2.0 KiB (2058 bytes) oss://misc/"), "{du}");
    let du = json(&cli.ok(&["--json", "du", "oss://misc/dir/g"]).await);
    assert_eq!((du["objects"].as_u64(), du["bytes"].as_u64()), (Some(1), Some(2048)));

    // ls: human-readable unless --bytes; global options after the subcommand work too.
    let ls = text(&cli.ok(&["ls", "-r", "oss://misc"]).await.stdout);
    assert!(ls.contains("2.0 KiB") && !ls.contains("2048"), "{ls}");
    let ls = text(&cli.ok(&["ls", "-r", "--bytes", "oss://misc"]).await.stdout);
    assert!(ls.contains(" 2048 "), "{ls}");
    let listed = json(&cli.ok(&["ls", "oss://misc/dir/", "--json"]).await);
    assert_eq!(listed["objects"].as_array().map(Vec::len), Some(2));

    // set-meta merges by default, replaces with --replace.
    cli.ok(&[
        "set-meta",
        "oss://misc/dir/g.bin",
        "--content-type",
        "text/plain",
        "--meta",
        "Owner=alice",
        "--meta",
        "team=oss",
    ])
    .await;
    let stat = json(&cli.ok(&["--json", "stat", "oss://misc/dir/g.bin"]).await);
    assert_eq!(
        (stat["content_type"].as_str(), stat["metadata"]["owner"].as_str()),
        (Some("text/plain"), Some("alice"))
    );
    cli.ok(&["set-meta", "oss://misc/dir/g.bin", "--delete-meta", "team", "--cache-control", "no-cache"]).await;
    let stat = json(&cli.ok(&["--json", "stat", "oss://misc/dir/g.bin"]).await);
    assert_eq!(stat["content_type"], "text/plain");
    assert_eq!(stat["cache_control"], "no-cache");
    assert_eq!(stat["metadata"], serde_json::json!({"owner": "alice"}));
    cli.ok(&["set-meta", "oss://misc/dir/g.bin", "--replace", "--meta", "only=this"]).await;
    let stat = json(&cli.ok(&["--json", "stat", "oss://misc/dir/g.bin"]).await);
    assert_eq!(stat["metadata"], serde_json::json!({"only": "this"}));
    assert!(stat["cache_control"].is_null(), "{stat}");
    assert_eq!(stat["size"].as_u64(), Some(2048));

    // A presigned PUT for the content type the user will send.
    let url = text(
        &cli.ok(&[
            "presign",
            "oss://misc/put.txt",
            "--method",
            "PUT",
            "--content-type",
            "text/csv",
            "-H",
            "x-oss-meta-by: ossc",
        ])
        .await
        .stdout,
    );
    let http = reqwest::Client::new();
    let wrong = http
        .put(url.trim())
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-oss-meta-by", "ossc")
        .body("a,b")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 403);
    let right = http
        .put(url.trim())
        .header("content-type", "text/csv")
        .header("x-oss-meta-by", "ossc")
        .body("a,b")
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), 200, "{}", right.text().await.unwrap_or_default());
    let stat = json(&cli.ok(&["--json", "stat", "oss://misc/put.txt"]).await);
    assert_eq!((stat["content_type"].as_str(), stat["metadata"]["by"].as_str()), (Some("text/csv"), Some("ossc")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deletes_ask_on_a_terminal_and_need_force_elsewhere() {
    let em = emulator(None).await;
    let home = tempfile::tempdir().unwrap();
    let cli = Cli { em: &em, home: home.path() };
    cli.ok(&["mb", "oss://del"]).await;
    let c = common::client(&em, oss_client::RetryPolicy::none());
    for k in ["p/1", "p/2", "p/3", "q"] {
        c.put_object("del", k, &b"data"[..], &Default::default()).await.unwrap();
    }

    // A missing key is said to be missing: not found, unless -f.
    let missing = cli.run(&["rm", "oss://del/nope"]).await;
    assert_eq!(missing.status.code(), Some(3));
    assert!(text(&missing.stderr).contains("oss://del/nope does not exist"), "{}", text(&missing.stderr));
    assert!(!text(&missing.stdout).contains("removed"));
    assert!(cli.ok(&["rm", "-f", "oss://del/nope"]).await.status.success());

    // No terminal: -r needs -f.
    let refused = cli.run(&["rm", "-r", "oss://del/p/"]).await;
    assert_eq!(refused.status.code(), Some(2));
    assert!(text(&refused.stderr).contains("pass -f"), "{}", text(&refused.stderr));
    let dry = text(&cli.ok(&["rm", "-r", "--dry-run", "oss://del/p/"]).await.stdout);
    assert!(dry.contains("would remove oss://del/p/2") && dry.contains("3 objects"), "{dry}");
    assert_eq!(listing(&em, "del").await.len(), 4);

    // A terminal: asked, and "n" keeps everything, "y" removes.
    let no = cli.with(Input::Terminal("n\n"), &["rm", "-r", "oss://del/p/"]).await;
    assert!(no.status.success(), "{}", text(&no.stderr));
    assert!(text(&no.stderr).contains("Remove 3 objects (12 B) under oss://del/p/? [y/N]"), "{}", text(&no.stderr));
    assert_eq!(listing(&em, "del").await.len(), 4);
    let yes = cli.with(Input::Terminal("y\n"), &["rm", "-r", "oss://del/p/"]).await;
    assert!(yes.status.success(), "{}", text(&yes.stderr));
    assert_eq!(listing(&em, "del").await, ["q"]);
    cli.ok(&["rm", "-r", "-f", "oss://del/q"]).await;
    assert!(listing(&em, "del").await.is_empty());

    // rb --force: a dry run, a question on a terminal, consent by --force elsewhere.
    for k in ["a", "b/c"] {
        c.put_object("del", k, &b"x"[..], &Default::default()).await.unwrap();
    }
    c.initiate_multipart_upload("del", "pending", &Default::default()).await.unwrap();
    let plain = cli.run(&["rb", "oss://del"]).await;
    assert!(text(&plain.stderr).contains("BucketNotEmpty"), "{}", text(&plain.stderr));
    let dry = text(&cli.ok(&["rb", "--force", "--dry-run", "oss://del"]).await.stdout);
    assert!(dry.contains("would remove oss://del with 2 objects and 1 multipart upload"), "{dry}");
    let no = cli.with(Input::Terminal("no\n"), &["rb", "--force", "oss://del"]).await;
    assert!(
        text(&no.stderr).contains("[y/N]") && text(&no.stdout).contains("nothing was removed"),
        "{}",
        text(&no.stderr)
    );
    assert_eq!(listing(&em, "del").await.len(), 2);
    let yes = cli.with(Input::Terminal("yes\n"), &["rb", "--force", "oss://del"]).await;
    assert!(yes.status.success(), "{}", text(&yes.stderr));
    assert!(c.list_objects_v2("del", &Default::default()).await.unwrap_err().is_not_found());

    cli.ok(&["mb", "oss://del2"]).await;
    c.put_object("del2", "k", &b"x"[..], &Default::default()).await.unwrap();
    let forced = cli.run(&["rb", "-f", "oss://del2"]).await;
    assert!(forced.status.success(), "{}", text(&forced.stderr));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn help_completions_and_friendly_errors() {
    let em = emulator(None).await;
    let home = tempfile::tempdir().unwrap();
    let cli = Cli { em: &em, home: home.path() };

    let top = text(&cli.ok(&["--help"]).await.stdout);
    assert!(top.contains("--access-key-id") && top.contains("sync") && top.contains("completions"), "{top}");
    let cp = text(&cli.ok(&["cp", "--help"]).await.stdout);
    assert!(!cp.contains("--access-key-id") && !cp.contains("--signature-version"), "{cp}");
    assert!(cp.contains("ossc --help") && cp.contains("--include <GLOB>"), "{cp}");
    assert!(cp.lines().count() < 60, "{cp}");
    let parts = text(&cli.ok(&["parts", "--help"]).await.stdout);
    assert!(parts.contains("The upload to show or abort"), "{parts}");

    for (shell, marker) in [("bash", "_ossc()"), ("zsh", "#compdef ossc"), ("fish", "complete -c ossc")] {
        let script = text(&cli.ok(&["completions", shell]).await.stdout);
        assert!(script.contains(marker) && script.contains("set-meta"), "{shell}: {script}");
    }

    // No credentials anywhere: a 403 says so.
    let mut anon = tokio::process::Command::new(env!("CARGO_BIN_EXE_ossc"));
    for (k, _) in std::env::vars() {
        if k.starts_with("OSS_") || k.starts_with("OSSC_") {
            anon.env_remove(k);
        }
    }
    let anon = anon.env("HOME", home.path()).args(["--endpoint", &em.endpoint(), "ls"]).output().await.unwrap();
    assert_eq!(anon.status.code(), Some(4));
    assert!(text(&anon.stderr).contains("no credentials found (set OSS_ACCESS_KEY_ID"), "{}", text(&anon.stderr));

    // Nothing listening.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let endpoint = format!("http://127.0.0.1:{port}");
    let refused = cli.run(&["--endpoint", &endpoint, "--max-attempts", "1", "ls"]).await;
    assert_eq!(refused.status.code(), Some(1));
    let said = text(&refused.stderr);
    assert!(said.contains(&format!("cannot connect to {endpoint}: connection refused")), "{said}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn progress_bars_on_a_terminal() {
    let em = emulator(None).await;
    let home = tempfile::tempdir().unwrap();
    let cli = Cli { em: &em, home: home.path() };
    cli.ok(&["mb", "oss://bars"]).await;
    let dir = home.path().join("up");
    tree(&dir, &[("big.bin", 1_000_000), ("a.txt", 10), ("b/c.txt", 20)]);

    // Standard output on a terminal: the overall bar and the big file's own are drawn.
    let (master, slave) = pty();
    let mut cmd = cli.command(&["cp", "-r", dir.to_str().unwrap(), "oss://bars/up", "--threshold", "300K"]);
    cmd.stdin(Stdio::null()).stdout(Stdio::from(slave.try_clone().unwrap())).stderr(Stdio::from(slave));
    let mut child = cmd.spawn().unwrap();
    // The parent's copies of the terminal's slave side go, so that reading ends with the child.
    drop(cmd);
    let reader = std::thread::spawn(move || {
        let mut master = master;
        let mut seen = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            match std::io::Read::read(&mut master, &mut buf) {
                Ok(0) | Err(_) => return seen,
                Ok(n) => seen.extend_from_slice(&buf[..n]),
            }
        }
    });
    let status = child.wait().await.unwrap();
    let seen = text(&reader.join().unwrap());
    assert!(status.success(), "{seen}");
    assert!(seen.contains("copied 3 objects") && seen.contains("0 failed"), "{seen}");
    assert!(seen.contains("/3 objects, ") && seen.contains("big.bin ["), "no bars drawn: {seen:?}");
    assert_eq!(listing(&em, "bars").await, ["up/a.txt", "up/b/c.txt", "up/big.bin"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tags_of_objects_and_buckets() {
    let em = emulator(None).await;
    let home = tempfile::tempdir().unwrap();
    let cli = Cli { em: &em, home: home.path() };
    cli.ok(&["mb", "oss://tagged"]).await;
    let file = home.path().join("f.txt");
    std::fs::write(&file, b"tag me").unwrap();
    cli.ok(&["cp", file.to_str().unwrap(), "oss://tagged/f.txt"]).await;

    cli.ok(&["tag", "oss://tagged/f.txt", "--set", "team=core", "empty"]).await;
    let shown = cli.ok(&["tag", "oss://tagged/f.txt"]).await;
    assert_eq!(text(&shown.stdout), "team=core\nempty=\n");
    let doc = json(&cli.ok(&["--json", "tag", "oss://tagged/f.txt"]).await);
    assert_eq!(doc["tags"]["team"], "core");
    cli.ok(&["tag", "oss://tagged/f.txt", "--rm"]).await;
    assert_eq!(text(&cli.ok(&["tag", "oss://tagged/f.txt"]).await.stdout), "");

    cli.ok(&["tag", "oss://tagged", "--set", "a=1", "b=2", "c=3"]).await;
    cli.ok(&["tag", "oss://tagged", "--rm", "--key", "a", "--key", "c"]).await;
    assert_eq!(text(&cli.ok(&["tag", "oss://tagged"]).await.stdout), "b=2\n");

    // The server's limits come back as errors with a non-zero status.
    let refused = cli.run(&["tag", "oss://tagged/f.txt", "--set", "bad%key=v"]).await;
    assert!(!refused.status.success());
    assert!(text(&refused.stderr).contains("InvalidTag"), "{}", text(&refused.stderr));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restore_an_archived_object() {
    let em = emulator(None).await;
    let home = tempfile::tempdir().unwrap();
    let cli = Cli { em: &em, home: home.path() };
    cli.ok(&["mb", "oss://cold"]).await;
    let file = home.path().join("f.txt");
    std::fs::write(&file, b"frozen").unwrap();
    cli.ok(&["cp", "--storage-class", "ColdArchive", file.to_str().unwrap(), "oss://cold/f.txt"]).await;
    let frozen = cli.run(&["cat", "oss://cold/f.txt"]).await;
    assert!(text(&frozen.stderr).contains("InvalidObjectState"), "{}", text(&frozen.stderr));

    let started = json(&cli.ok(&["--json", "restore", "oss://cold/f.txt", "--days", "2", "--tier", "Expedited"]).await);
    assert_eq!((started["started"].as_bool(), started["priority"].as_str()), (Some(true), Some("Expedited")));
    let stat = json(&cli.ok(&["--json", "stat", "oss://cold/f.txt"]).await);
    assert_eq!(stat["restore"], "ongoing-request=\"true\"");
    let busy = cli.run(&["restore", "oss://cold/f.txt"]).await;
    assert!(!busy.status.success() && text(&busy.stderr).contains("RestoreAlreadyInProgress"));
    let bad = cli.run(&["restore", "oss://cold/f.txt", "--tier", "Soon"]).await;
    assert!(!bad.status.success() && text(&bad.stderr).contains("restore tier"), "{}", text(&bad.stderr));

    // An Expedited cold restore takes an hour of emulator time; a day on, it is readable.
    em.clock().offset_millis(86_400_000 + 1000);
    assert_eq!(cli.ok(&["cat", "oss://cold/f.txt"]).await.stdout, b"frozen");
    em.clock().reset();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn versions_of_objects() {
    let em = emulator(None).await;
    let home = tempfile::tempdir().unwrap();
    let cli = Cli { em: &em, home: home.path() };
    cli.ok(&["mb", "oss://hist"]).await;
    assert!(text(&cli.ok(&["versioning", "oss://hist"]).await.stdout).contains("never configured"));
    cli.ok(&["versioning", "oss://hist", "enable"]).await;
    let doc = json(&cli.ok(&["--json", "versioning", "oss://hist"]).await);
    assert_eq!(doc["versioning"], "Enabled");
    for body in ["one", "two"] {
        cli.with(Input::Bytes(body.as_bytes()), &["cp", "-", "oss://hist/k"]).await;
    }
    cli.ok(&["rm", "oss://hist/k"]).await;

    // Newest first: the delete marker, then "two", then "one".
    let listed = json(&cli.ok(&["--json", "ls", "--all-versions", "oss://hist"]).await);
    let versions = listed["versions"].as_array().unwrap();
    let kinds: Vec<(bool, bool)> =
        versions.iter().map(|v| (v["delete_marker"].as_bool().unwrap(), v["latest"].as_bool().unwrap())).collect();
    assert_eq!(kinds, [(true, true), (false, false), (false, false)]);
    let id = |i: usize| versions[i]["version_id"].as_str().unwrap().to_owned();
    let (marker, two, one) = (id(0), id(1), id(2));
    assert_eq!(cli.ok(&["cat", "oss://hist/k", "--version-id", &one]).await.stdout, b"one");
    let stat = json(&cli.ok(&["--json", "stat", "oss://hist/k", "--version-id", &two]).await);
    assert_eq!((stat["version_id"].as_str(), stat["size"].as_u64()), (Some(two.as_str()), Some(3)));
    cli.ok(&["tag", "oss://hist/k", "--version-id", &one, "--set", "old=yes"]).await;
    assert_eq!(text(&cli.ok(&["tag", "oss://hist/k", "--version-id", &one]).await.stdout), "old=yes\n");

    // Removing the marker brings "two" back; removing a version is for good.
    let removed = json(&cli.ok(&["--json", "rm", "oss://hist/k", "--version-id", &marker]).await);
    assert_eq!(removed["delete_marker"], true);
    assert_eq!(cli.ok(&["cat", "oss://hist/k"]).await.stdout, b"two");
    cli.ok(&["rm", "oss://hist/k", "--version-id", &one]).await;
    let gone = cli.run(&["cat", "oss://hist/k", "--version-id", &one]).await;
    assert!(!gone.status.success() && text(&gone.stderr).contains("NoSuchVersion"), "{}", text(&gone.stderr));

    // rb --force removes every version, so the bucket can go.
    cli.with(Input::Bytes(b"three"), &["cp", "-", "oss://hist/k"]).await;
    cli.ok(&["rm", "oss://hist/k"]).await;
    cli.ok(&["rb", "--force", "oss://hist"]).await;
    let buckets = json(&cli.ok(&["--json", "ls"]).await);
    assert!(buckets["buckets"].as_array().unwrap().is_empty(), "{buckets}");
}
