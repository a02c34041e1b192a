//! The `ossc` binary against an in-process emulator: nothing but the endpoint and the printed dev
//! credentials, from flags or the environment.

// The client's test helpers (an in-process emulator, test data, journal queries), shared.
#[path = "../../tests/common/mod.rs"]
mod common;

use std::path::Path;
use std::process::Output;

use common::{data, emulator, journal, mark};
use oss_client::protocol::crc64;
use oss_emulator::config::{DEV_ACCESS_KEY_ID, DEV_ACCESS_KEY_SECRET};
use oss_emulator::RunningEmulator;
use serde_json::Value;

/// Runs `ossc` with a clean environment (no OSS_* variables, a HOME without ossutil config).
async fn ossc(home: &Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_ossc"));
    for (k, _) in std::env::vars() {
        if k.starts_with("OSS_") || k.starts_with("OSSC_") {
            cmd.env_remove(k);
        }
    }
    cmd.env("HOME", home).envs(env.iter().copied()).args(args);
    cmd.output().await.expect("ossc runs")
}

fn text(out: &[u8]) -> String {
    String::from_utf8_lossy(out).into_owned()
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out.stdout)))
}

struct Cli<'a> {
    em: &'a RunningEmulator,
    home: &'a Path,
}

impl Cli<'_> {
    /// With credentials as flags.
    async fn run(&self, args: &[&str]) -> Output {
        let endpoint = self.em.endpoint();
        let mut all = vec![
            "--endpoint",
            endpoint.as_str(),
            "--access-key-id",
            DEV_ACCESS_KEY_ID,
            "--access-key-secret",
            DEV_ACCESS_KEY_SECRET,
        ];
        all.extend_from_slice(args);
        ossc(self.home, &[], &all).await
    }

    async fn ok(&self, args: &[&str]) -> Output {
        let out = self.run(args).await;
        assert!(out.status.success(), "ossc {args:?}: {}{}", text(&out.stdout), text(&out.stderr));
        out
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_commands_work_against_the_emulator() {
    let em = emulator(Some(500_000)).await;
    let home = tempfile::tempdir().unwrap();
    let cli = Cli { em: &em, home: home.path() };
    let body = data(1_000_000, 1);
    let local = home.path().join("data.bin");
    std::fs::write(&local, &body).unwrap();
    let local_s = local.to_str().unwrap();

    cli.ok(&["mb", "oss://cli-bucket"]).await;
    let up =
        cli.ok(&["--json", "cp", local_s, "oss://cli-bucket/in/", "--threshold", "300K", "--part-size", "200K"]).await;
    let up = json(&up);
    assert_eq!((up["destination"].as_str(), up["parts"].as_u64()), (Some("oss://cli-bucket/in/data.bin"), Some(5)));
    assert_eq!(up["crc64"].as_str(), Some(crc64::checksum(&body).to_string().as_str()));

    // Small: one CopyObject. Large: a server-side multipart copy (CopyObject would be refused
    // above 500 000 bytes).
    let small = data(10_000, 2);
    let small_file = home.path().join("small.bin");
    std::fs::write(&small_file, &small).unwrap();
    cli.ok(&["-q", "cp", small_file.to_str().unwrap(), "oss://cli-bucket/small.bin"]).await;
    let start = mark(&em);
    let copied = cli.ok(&["cp", "oss://cli-bucket/small.bin", "oss://cli-bucket/copy.bin"]).await;
    assert!(text(&copied.stdout).contains("CopyObject"), "{}", text(&copied.stdout));
    let copied = cli
        .ok(&["--json", "cp", "oss://cli-bucket/in/data.bin", "oss://cli-bucket/big.bin", "--threshold", "400K"])
        .await;
    assert_eq!(json(&copied)["multipart"], Value::Bool(true));
    assert!(!journal(&em, "UploadPartCopy", start).is_empty());
    assert!(journal(&em, "GetObject", start).is_empty());

    let back = home.path().join("back.bin");
    cli.ok(&["cp", "oss://cli-bucket/big.bin", back.to_str().unwrap(), "--threshold", "300K"]).await;
    assert_eq!(std::fs::read(&back).unwrap(), body);

    let ls = text(&cli.ok(&["ls", "oss://cli-bucket"]).await.stdout);
    assert!(ls.contains("oss://cli-bucket/in/") && ls.contains("oss://cli-bucket/big.bin"), "{ls}");
    let listed = json(&cli.ok(&["--json", "ls", "-r", "oss://cli-bucket"]).await);
    assert_eq!(listed["objects"].as_array().map(Vec::len), Some(4));
    let buckets = json(&cli.ok(&["--json", "ls"]).await);
    assert_eq!(buckets["buckets"][0]["name"], "cli-bucket");

    let stat = json(&cli.ok(&["--json", "stat", "oss://cli-bucket/big.bin"]).await);
    assert_eq!(stat["size"].as_u64(), Some(1_000_000));
    assert_eq!(stat["object_type"], "Multipart");

    let url = text(&cli.ok(&["presign", "oss://cli-bucket/copy.bin", "--expires", "60"]).await.stdout);
    let got = reqwest::get(url.trim()).await.unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(got.bytes().await.unwrap().as_ref(), small.as_slice());

    // Uploads: an abandoned one is listed, its parts shown, then aborted.
    let c = common::client(&em, oss_client::RetryPolicy::none());
    let init = c.initiate_multipart_upload("cli-bucket", "pending", &Default::default()).await.unwrap();
    c.upload_part("cli-bucket", "pending", &init.upload_id, 1, vec![1u8; 10], &Default::default()).await.unwrap();
    let uploads = json(&cli.ok(&["--json", "parts", "oss://cli-bucket"]).await);
    assert_eq!(uploads["uploads"][0]["upload_id"].as_str(), Some(init.upload_id.as_str()));
    let parts = json(&cli.ok(&["--json", "parts", "oss://cli-bucket/pending", "--upload-id", &init.upload_id]).await);
    assert_eq!(parts["parts"][0]["size"].as_u64(), Some(10));
    cli.ok(&["parts", "oss://cli-bucket", "--abort", "--all"]).await;
    assert_eq!(json(&cli.ok(&["--json", "parts", "oss://cli-bucket"]).await)["uploads"], Value::Array(vec![]));

    cli.ok(&["rm", "oss://cli-bucket/copy.bin"]).await;
    let removed = json(&cli.ok(&["--json", "rm", "-r", "-f", "oss://cli-bucket"]).await);
    assert_eq!(removed["removed"].as_array().map(Vec::len), Some(3));
    cli.ok(&["-q", "rb", "oss://cli-bucket"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_codes_and_errors() {
    let em = emulator(None).await;
    let home = tempfile::tempdir().unwrap();
    let cli = Cli { em: &em, home: home.path() };
    cli.ok(&["mb", "oss://codes"]).await;

    let missing = cli.run(&["stat", "oss://codes/nope"]).await;
    assert_eq!(missing.status.code(), Some(3));
    let line = text(&missing.stderr);
    assert_eq!(line.lines().count(), 1, "{line}");
    assert!(line.starts_with("ossc: ") && line.contains("404") && line.contains("[request "), "{line}");
    let gone = cli.run(&["--json", "cp", "oss://codes/nope", "oss://codes/x"]).await;
    assert_eq!(gone.status.code(), Some(3));
    let doc: Value = serde_json::from_slice(&gone.stderr).unwrap();
    assert_eq!((doc["error"]["code"].as_str(), doc["error"]["status"].as_u64()), (Some("NoSuchKey"), Some(404)));
    assert!(doc["error"]["request_id"].as_str().is_some_and(|r| !r.is_empty()));
    assert!(doc["error"]["details"].as_str().is_some_and(|x| x.contains("<Code>NoSuchKey</Code>")));

    let endpoint = em.endpoint();
    let denied = ossc(
        home.path(),
        &[],
        &["--endpoint", &endpoint, "--access-key-id", DEV_ACCESS_KEY_ID, "--access-key-secret", "wrong", "ls"],
    )
    .await;
    assert_eq!(denied.status.code(), Some(4));
    assert!(text(&denied.stderr).contains("SignatureDoesNotMatch"), "{}", text(&denied.stderr));

    assert_eq!(cli.run(&["stat", "not-a-url"]).await.status.code(), Some(2));
    assert_eq!(cli.run(&["cp", "a", "b"]).await.status.code(), Some(2));
    assert_eq!(cli.run(&["frobnicate"]).await.status.code(), Some(2));
    assert_eq!(cli.run(&["cp", "x", "oss://codes/x", "--part-size", "ten"]).await.status.code(), Some(2));
    let file = home.path().join("f");
    std::fs::write(&file, b"x").unwrap();
    cli.ok(&["cp", file.to_str().unwrap(), "oss://codes/"]).await;
    let refused = cli.run(&["rb", "oss://codes"]).await;
    assert_eq!(refused.status.code(), Some(1));
    assert!(text(&refused.stderr).contains("BucketNotEmpty"), "{}", text(&refused.stderr));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_from_the_environment_and_virtual_hosts_by_resolve() {
    let em = emulator(None).await;
    let home = tempfile::tempdir().unwrap();
    let env = [
        ("OSS_ENDPOINT", em.endpoint()),
        ("OSS_ACCESS_KEY_ID", DEV_ACCESS_KEY_ID.to_owned()),
        ("OSS_ACCESS_KEY_SECRET", DEV_ACCESS_KEY_SECRET.to_owned()),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let made = ossc(home.path(), &env, &["--signature-version", "v1", "mb", "oss://env-bucket"]).await;
    assert!(made.status.success(), "{}", text(&made.stderr));
    assert_eq!(journal(&em, "PutBucket", 0)[0].auth, "v1");

    // bucket.oss-cn-hangzhou.aliyuncs.com, reaching the emulator without DNS.
    let start = mark(&em);
    let resolve = format!("oss-cn-hangzhou.aliyuncs.com={}", em.addr());
    let args = ["--endpoint", "http://oss-cn-hangzhou.aliyuncs.com", "--resolve", &resolve, "ls", "oss://env-bucket"];
    let listed = ossc(home.path(), &env[1..], &args).await;
    assert!(listed.status.success(), "{}", text(&listed.stderr));
    let entry = &journal(&em, "ListObjectsV2", start)[0];
    assert_eq!((entry.bucket.as_str(), entry.status, entry.auth.as_str()), ("env-bucket", 200, "v4"));

    // An ossutil configuration file works too.
    let cfg = home.path().join(".ossutilconfig");
    let ini = format!(
        "[default]\naccessKeyId = {DEV_ACCESS_KEY_ID}\naccessKeySecret = {DEV_ACCESS_KEY_SECRET}\nendpoint = {}\n",
        em.endpoint()
    );
    std::fs::write(&cfg, ini).unwrap();
    let from_file = ossc(home.path(), &[], &["ls"]).await;
    assert!(text(&from_file.stdout).contains("oss://env-bucket"), "{}", text(&from_file.stderr));
}
