//! The `ossc` commands.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use futures_util::{StreamExt, TryStreamExt};
use oss_client::protocol::time::format_http_date;
use oss_client::{
    CancellationToken, Client, CopyObjectRequest, CopyOptions, Error, GetObjectOptions, ListMultipartUploadsOptions,
    ListObjectsV2Options, ListPartsOptions, Method, ObjectPath, PresignRequest, PutObjectOptions, TransferOptions,
};
use serde_json::json;

use super::bulk::{self, FilterArgs};
use super::output::{human_size, Output};

/// How objects are moved: part sizes, parallelism, resumption, and the new objects' headers.
#[derive(Args, Debug, Clone, Default)]
pub struct TransferArgs {
    /// Preferred part size (doubled as needed to stay within 10 000 parts of at least 100 KiB);
    /// suffixes K, M, G are binary (10M = 10 MiB) [default: 64M for copies, 8M for transfers].
    #[arg(long, value_parser = parse_size, value_name = "SIZE")]
    pub part_size: Option<u64>,
    /// Parts of one object moved at once.
    #[arg(long, default_value_t = 4, value_name = "N")]
    pub concurrency: usize,
    /// Objects and files of at least this size go part by part [default: 1G for copies, 64M for
    /// transfers].
    #[arg(long, value_parser = parse_size, env = "OSSC_THRESHOLD", value_name = "SIZE")]
    pub threshold: Option<u64>,
    /// Keep checkpoints here so that an interrupted multipart transfer resumes when the same
    /// command runs again (and is not aborted on failure).
    #[arg(long, env = "OSSC_CHECKPOINT_DIR", value_name = "DIR")]
    pub checkpoint_dir: Option<PathBuf>,
    /// Content-Type of uploaded objects.
    #[arg(long, value_name = "TYPE")]
    pub content_type: Option<String>,
    /// Canned ACL of new objects: private, public-read, public-read-write, default.
    #[arg(long, value_name = "ACL")]
    pub acl: Option<String>,
    /// Storage class of new objects: Standard, IA, Archive, ColdArchive, DeepColdArchive.
    #[arg(long, value_name = "CLASS")]
    pub storage_class: Option<String>,
}

#[derive(Args, Debug)]
pub struct CpArgs {
    /// What to copy: oss://bucket/key, a local file, or `-` for standard input; with -r a
    /// directory or oss://bucket[/prefix].
    pub src: String,
    /// Where to: oss://bucket/key, oss://bucket/prefix/ (keeps the name), a local file or
    /// directory, or `-` for standard output; with -r a directory or oss://bucket[/prefix].
    pub dst: String,
    /// Everything under the directory or prefix, to the same relative paths under DST
    /// (oss://bucket/key of an object with nothing under key/: that one object).
    #[arg(long, short = 'r')]
    pub recursive: bool,
    /// With -r: print what would be transferred; transfer nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub filter: FilterArgs,
    #[command(flatten)]
    pub transfer: TransferArgs,
}

#[derive(Args, Debug)]
pub struct LsArgs {
    /// oss://bucket[/prefix]; without it, the buckets.
    pub url: Option<String>,
    /// Everything under the prefix, not just one level.
    #[arg(long, short = 'r')]
    pub recursive: bool,
    /// Sizes in bytes rather than KiB, MiB, ...
    #[arg(long, short = 'b')]
    pub bytes: bool,
    /// Every version and delete marker under the prefix, with its version id (always recursive).
    #[arg(long)]
    pub all_versions: bool,
}

#[derive(Args, Debug)]
pub struct DuArgs {
    /// oss://bucket[/prefix]: what to count (everything whose key starts with the prefix).
    pub url: String,
}

#[derive(Args, Debug)]
pub struct RmArgs {
    /// The object, or with -r the prefix, oss://bucket[/prefix].
    pub url: String,
    /// Every object whose key starts with the prefix.
    #[arg(long, short = 'r')]
    pub recursive: bool,
    /// Do not ask: needed for -r when standard input is not a terminal; a missing key is then
    /// no error.
    #[arg(long, short = 'f', visible_alias = "yes")]
    pub force: bool,
    /// Print what would be removed; remove nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Remove this version for good (a delete marker too) instead of the current one, which in
    /// a versioned bucket only hides behind a new delete marker.
    #[arg(long, value_name = "ID", conflicts_with = "recursive")]
    pub version_id: Option<String>,
}

#[derive(Args, Debug)]
pub struct RbArgs {
    /// The bucket, oss://bucket.
    pub url: String,
    /// Remove its objects and abort its multipart uploads first. Asks on a terminal (unless
    /// --yes); elsewhere --force is the consent.
    #[arg(long, short = 'f')]
    pub force: bool,
    /// With --force: do not ask, even on a terminal.
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Print what would be removed; remove nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Args, Debug)]
pub struct SetMetaArgs {
    /// The object, oss://bucket/key.
    pub url: String,
    /// Content-Type.
    #[arg(long, value_name = "TYPE")]
    pub content_type: Option<String>,
    /// Cache-Control.
    #[arg(long, value_name = "VALUE")]
    pub cache_control: Option<String>,
    /// Content-Disposition.
    #[arg(long, value_name = "VALUE")]
    pub content_disposition: Option<String>,
    /// Content-Encoding.
    #[arg(long, value_name = "VALUE")]
    pub content_encoding: Option<String>,
    /// Expires.
    #[arg(long, value_name = "DATE")]
    pub expires: Option<String>,
    /// User metadata NAME=VALUE (sent as x-oss-meta-NAME); may be repeated.
    #[arg(long = "meta", value_name = "NAME=VALUE")]
    pub meta: Vec<String>,
    /// User metadata to drop; may be repeated.
    #[arg(long = "delete-meta", value_name = "NAME")]
    pub delete_meta: Vec<String>,
    /// Start from nothing instead of the object's current headers and metadata.
    #[arg(long)]
    pub replace: bool,
    /// Storage class to move the object to.
    #[arg(long, value_name = "CLASS")]
    pub storage_class: Option<String>,
}

#[derive(Args, Debug)]
pub struct PresignArgs {
    /// The object, oss://bucket/key.
    pub url: String,
    /// HTTP method the URL is for.
    #[arg(long, default_value = "GET")]
    pub method: String,
    /// Validity in seconds.
    #[arg(long, default_value_t = 3600, value_name = "SECONDS")]
    pub expires: u64,
    /// Content-Type the URL's user will send (signed, so it must then be exactly this; e.g. for
    /// curl's default with -d: application/x-www-form-urlencoded).
    #[arg(long, value_name = "TYPE")]
    pub content_type: Option<String>,
    /// Another header the user will send, signed: "NAME: VALUE" (x-oss-meta-*, x-oss-*); may be
    /// repeated.
    #[arg(long = "header", short = 'H', value_name = "NAME: VALUE")]
    pub headers: Vec<String>,
}

#[derive(Args, Debug)]
pub struct PartsArgs {
    /// oss://bucket[/prefix] to list uploads; oss://bucket/key with --upload-id for one upload.
    pub url: String,
    /// The upload to show or abort.
    #[arg(long, value_name = "ID")]
    pub upload_id: Option<String>,
    /// Abort the upload given by --upload-id, or with --all every upload under the prefix.
    #[arg(long)]
    pub abort: bool,
    /// With --abort: every upload under the prefix.
    #[arg(long, requires = "abort")]
    pub all: bool,
}

/// `123`, `100K`, `10M`, `10MiB`, `1G`, `1GB`: bytes, with binary multiples.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let n: u64 = digits.parse().map_err(|_| format!("{text:?} is not a size (e.g. 10M, 1G, 102400)"))?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        "t" | "tb" | "tib" => 1 << 40,
        other => return Err(format!("unknown size unit {other:?} in {text:?}")),
    };
    n.checked_mul(mult).ok_or_else(|| format!("{text:?} is too large"))
}

pub fn oss(url: &str) -> Result<ObjectPath, Error> {
    ObjectPath::parse(url)
}

pub fn object(url: &str) -> Result<ObjectPath, Error> {
    let p = oss(url)?;
    if p.key.is_empty() {
        return Err(Error::Usage(format!("{url} names a bucket, not an object")));
    }
    Ok(p)
}

/// Cancels `token` on Ctrl-C, so a transfer can stop between parts and clean up (or keep its
/// checkpoint) instead of dying mid-way; a second Ctrl-C exits at once.
pub fn cancel_on_ctrl_c() -> CancellationToken {
    let token = CancellationToken::new();
    let t = token.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            t.cancel();
            if tokio::signal::ctrl_c().await.is_ok() {
                std::process::exit(i32::from(super::output::EXIT_INTERRUPTED));
            }
        }
    });
    token
}

pub async fn cp(client: &Client, out: &Output, args: CpArgs, remove_source: bool) -> Result<(), Error> {
    let name = if remove_source { "mv" } else { "cp" };
    if args.src == "-" || args.dst == "-" {
        if remove_source || args.recursive {
            return Err(Error::Usage(format!("{name} -r and mv do not take `-` (standard input or output)")));
        }
        return match (args.src == "-", ObjectPath::is_oss_url(&args.dst), ObjectPath::is_oss_url(&args.src)) {
            (true, true, _) => super::stream::upload_stdin(client, out, &args).await,
            (false, _, true) => super::stream::cat(client, out, &args.src, None).await,
            _ => Err(Error::Usage("`-` pairs with an oss:// URL: cp - oss://b/k or cp oss://b/k -".to_owned())),
        };
    }
    let local_dir = !ObjectPath::is_oss_url(&args.src) && std::path::Path::new(&args.src).is_dir();
    let single = args.recursive && ObjectPath::is_oss_url(&args.src) && names_one_object(client, &args.src).await?;
    if args.recursive && !single && (ObjectPath::is_oss_url(&args.src) || local_dir) {
        let run = bulk::Run { transfer: &args.transfer, jobs: args.filter.jobs, remove_source, dry_run: args.dry_run };
        return bulk::copy_tree(client, out, &args.src, &args.dst, &args.filter, &run).await;
    }
    if local_dir {
        return Err(Error::Usage(format!("{} is a directory: use {name} -r", args.src)));
    }
    if args.dry_run && !single {
        return Err(Error::Usage("--dry-run goes with -r".to_owned()));
    }
    if args.dry_run {
        let verb = if remove_source { "move" } else { "copy" };
        out.line(format!("would {verb} {} -> {}; nothing was changed", args.src, args.dst));
        out.json(json!({"operation": name, "dry_run": true, "source": args.src, "destination": args.dst}));
        return Ok(());
    }
    let cancel = cancel_on_ctrl_c();
    let t = &args.transfer;
    let keep = t.checkpoint_dir.is_some();
    let (src_oss, dst_oss) = (ObjectPath::is_oss_url(&args.src), ObjectPath::is_oss_url(&args.dst));
    let verb = |v: &'static str| if remove_source { "moved" } else { v };
    let result = match (src_oss, dst_oss) {
        (true, true) => {
            let src = object(&args.src)?;
            let mut dst = oss(&args.dst)?;
            if dst.is_prefix() {
                dst = dst.join(src.file_name().unwrap_or(&src.key));
            }
            if src == dst && remove_source {
                return Err(Error::Usage(format!("{src} is both source and destination")));
            }
            let mut opts = copy_options(t, cancel.clone(), keep);
            let bar = out.progress("copy", 0);
            opts.progress = bar.as_ref().map(|(_, f)| f.clone());
            let res = client.copy(&src, &dst, &opts).await;
            finish_bar(bar, res.is_ok());
            match res {
                Ok(o) => {
                    if remove_source {
                        client.delete_object(&src.bucket, &src.key).await?;
                    }
                    out.line(format!(
                        "{} {src} -> {dst} ({}, {})",
                        verb("copied"),
                        human_size(o.size),
                        if o.multipart() {
                            format!("multipart: {} parts, {} resumed", o.parts, o.parts_resumed)
                        } else {
                            "CopyObject".to_owned()
                        }
                    ));
                    out.json(json!({
                        "operation": name, "source": src.to_string(), "destination": dst.to_string(),
                        "size": o.size, "etag": o.etag, "crc64": o.crc64.map(|c| c.to_string()),
                        "multipart": o.multipart(), "upload_id": o.upload_id, "parts": o.parts,
                        "parts_resumed": o.parts_resumed, "request_id": o.request_id,
                    }));
                    Ok(())
                }
                Err(e) => Err(e),
            }
        }
        (false, true) => {
            let src = PathBuf::from(&args.src);
            let mut dst = oss(&args.dst)?;
            if dst.is_prefix() {
                let name = src
                    .file_name()
                    .and_then(|n| n.to_str())
                    .ok_or_else(|| Error::Usage(format!("{} has no file name to use as the key", src.display())))?;
                dst = dst.join(name);
            }
            let mut opts = transfer_options(t, cancel.clone(), keep);
            opts.object = object_options(t);
            let size = std::fs::metadata(&src).map(|m| m.len()).unwrap_or(0);
            let bar = out.progress("upload", size);
            opts.progress = bar.as_ref().map(|(_, f)| f.clone());
            let res = client.upload_file(&src, &dst, &opts).await;
            finish_bar(bar, res.is_ok());
            match res {
                Ok(o) => {
                    if remove_source {
                        std::fs::remove_file(&src)
                            .map_err(|e| Error::Io { context: format!("removing {}", src.display()), source: e })?;
                    }
                    out.line(format!("{} {} -> {dst} ({})", verb("uploaded"), src.display(), human_size(o.size)));
                    out.json(transfer_json(name, &src.display().to_string(), &dst.to_string(), &o));
                    Ok(())
                }
                Err(e) => Err(e),
            }
        }
        (true, false) => {
            let src = object(&args.src)?;
            let mut dst = PathBuf::from(&args.dst);
            if args.dst.ends_with('/') || args.dst.ends_with(std::path::MAIN_SEPARATOR) || dst.is_dir() {
                let name = src.file_name().ok_or_else(|| Error::Usage(format!("{src} has no file name")))?;
                dst = dst.join(name);
            }
            make_parent(&dst)?;
            let mut opts = transfer_options(t, cancel.clone(), keep);
            let bar = out.progress("download", 0);
            opts.progress = bar.as_ref().map(|(_, f)| f.clone());
            let res = client.download_file(&src, &dst, &opts).await;
            finish_bar(bar, res.is_ok());
            match res {
                Ok(o) => {
                    if remove_source {
                        client.delete_object(&src.bucket, &src.key).await?;
                    }
                    out.line(format!("{} {src} -> {} ({})", verb("downloaded"), dst.display(), human_size(o.size)));
                    out.json(transfer_json(name, &src.to_string(), &dst.display().to_string(), &o));
                    Ok(())
                }
                Err(e) => Err(e),
            }
        }
        (false, false) => Err(Error::Usage(format!("{name} needs an oss:// URL on at least one side"))),
    };
    if let (Err(Error::Cancelled), false) = (&result, out.json) {
        // The one line `ossc` prints for this failure (Output::fail stays silent on it).
        if keep {
            eprintln!("ossc: interrupted; run the same command again to resume");
        } else {
            eprintln!("ossc: interrupted; the partial upload was aborted (--checkpoint-dir makes it resumable)");
        }
    }
    result
}

/// Whether `cp -r oss://b/k` means the one object `k` rather than the tree under `k/`, as
/// ossutil users expect: `k` exists and nothing is under `k/` (a URL ending in `/` or naming a
/// bucket is always a tree).
async fn names_one_object(client: &Client, url: &str) -> Result<bool, Error> {
    let path = oss(url)?;
    if path.is_prefix() {
        return Ok(false);
    }
    let below =
        ListObjectsV2Options { prefix: Some(format!("{}/", path.key)), max_keys: Some(1), ..Default::default() };
    if client.list_objects_stream(&path.bucket, below).next().await.transpose()?.is_some() {
        return Ok(false);
    }
    match client.head_object(&path.bucket, &path.key, &GetObjectOptions::default()).await {
        Ok(_) => Ok(true),
        Err(e) if e.is_not_found() => Ok(false),
        Err(e) => Err(e),
    }
}

/// Creates the directories a download into `path` needs.
pub fn make_parent(path: &std::path::Path) -> Result<(), Error> {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => std::fs::create_dir_all(dir)
            .map_err(|e| Error::Io { context: format!("creating the directory {}", dir.display()), source: e }),
        _ => Ok(()),
    }
}

/// Headers of uploaded objects.
pub fn object_options(t: &TransferArgs) -> PutObjectOptions {
    PutObjectOptions {
        content_type: t.content_type.clone(),
        acl: t.acl.clone(),
        storage_class: t.storage_class.clone(),
        ..Default::default()
    }
}

pub fn copy_options(t: &TransferArgs, cancel: CancellationToken, keep: bool) -> CopyOptions {
    let mut opts = CopyOptions {
        concurrency: t.concurrency,
        checkpoint_dir: t.checkpoint_dir.clone(),
        keep_on_failure: keep,
        cancel: Some(cancel),
        acl: t.acl.clone(),
        storage_class: t.storage_class.clone(),
        ..Default::default()
    };
    opts.part_size = t.part_size.unwrap_or(opts.part_size);
    opts.threshold = t.threshold.unwrap_or(opts.threshold);
    opts
}

fn finish_bar(bar: Option<(indicatif::ProgressBar, oss_client::ProgressFn)>, ok: bool) {
    if let Some((bar, _)) = bar {
        if ok {
            bar.finish();
        } else {
            bar.abandon();
        }
    }
}

pub fn transfer_options(t: &TransferArgs, cancel: CancellationToken, keep: bool) -> TransferOptions {
    let mut opts = TransferOptions {
        concurrency: t.concurrency,
        checkpoint_dir: t.checkpoint_dir.clone(),
        keep_on_failure: keep,
        cancel: Some(cancel),
        object: object_options(t),
        ..Default::default()
    };
    opts.part_size = t.part_size.unwrap_or(opts.part_size);
    opts.threshold = t.threshold.unwrap_or(opts.threshold);
    opts
}

fn transfer_json(operation: &str, src: &str, dst: &str, o: &oss_client::TransferOutput) -> serde_json::Value {
    json!({
        "operation": operation, "source": src, "destination": dst, "size": o.size, "etag": o.etag,
        "crc64": o.crc64.map(|c| c.to_string()), "multipart": o.upload_id.is_some(), "upload_id": o.upload_id,
        "parts": o.parts, "parts_resumed": o.parts_resumed, "request_id": o.request_id,
    })
}

pub async fn ls(client: &Client, out: &Output, args: LsArgs) -> Result<(), Error> {
    let Some(url) = args.url else {
        let mut marker = None;
        let mut all = Vec::new();
        loop {
            let opts =
                oss_client::ListBucketsOptions { marker: marker.clone(), max_keys: Some(1000), ..Default::default() };
            let page = client.list_buckets(&opts).await?.into_inner();
            for b in &page.buckets.bucket {
                out.line(format!("{:<24} {:<20} oss://{}", b.creation_date, b.location, b.name));
                all.push(json!({"name": b.name, "location": b.location, "creation_date": b.creation_date}));
            }
            match page.next_marker.filter(|m| page.is_truncated == Some(true) && !m.is_empty()) {
                Some(m) => marker = Some(m),
                None => break,
            }
        }
        out.json(json!({ "buckets": all }));
        return Ok(());
    };
    let base = oss(&url)?;
    if args.all_versions {
        return super::versions::ls(client, out, &base.bucket, &base.key, args.bytes).await;
    }
    let mut token = None;
    let (mut objects, mut prefixes) = (Vec::new(), Vec::new());
    loop {
        let opts = ListObjectsV2Options {
            prefix: Some(base.key.clone()).filter(|k| !k.is_empty()),
            delimiter: (!args.recursive).then(|| "/".to_owned()),
            continuation_token: token.clone(),
            max_keys: Some(1000),
            ..Default::default()
        };
        let page = client.list_objects_v2(&base.bucket, &opts).await?.into_inner();
        for p in &page.common_prefixes {
            out.line(format!("{:>12} {:<24} oss://{}/{}", "DIR", "", base.bucket, p.prefix));
            prefixes.push(p.prefix.clone());
        }
        for o in &page.contents {
            let size = if args.bytes { o.size.to_string() } else { human_size(o.size) };
            out.line(format!("{size:>12} {:<24} oss://{}/{}", o.last_modified, base.bucket, o.key));
            objects.push(json!({"key": o.key, "size": o.size, "etag": o.etag, "last_modified": o.last_modified,
                "storage_class": o.storage_class}));
        }
        match page.next_continuation_token.filter(|t| page.is_truncated && !t.is_empty()) {
            Some(t) => token = Some(t),
            None => break,
        }
    }
    out.json(json!({"bucket": base.bucket, "prefix": base.key, "objects": objects, "prefixes": prefixes}));
    Ok(())
}

pub async fn stat(client: &Client, out: &Output, url: &str, version_id: Option<String>) -> Result<(), Error> {
    let path = object(url)?;
    let head =
        client.head_object(&path.bucket, &path.key, &GetObjectOptions { version_id, ..Default::default() }).await?;
    let m = &head.data;
    let mut fields: Vec<(&str, Option<String>)> = vec![
        ("url", Some(path.to_string())),
        ("size", m.content_length.map(|n| n.to_string())),
        ("etag", m.etag.clone()),
        ("last_modified", m.last_modified.map(format_http_date)),
        ("content_type", m.content_type.clone()),
        ("object_type", m.object_type.clone()),
        ("storage_class", m.storage_class.clone()),
        ("crc64", m.crc64.map(|c| c.to_string())),
        ("content_md5", m.content_md5.clone()),
        ("cache_control", m.cache_control.clone()),
        ("content_disposition", m.content_disposition.clone()),
        ("content_encoding", m.content_encoding.clone()),
        ("expires", m.expires.clone()),
        ("version_id", m.version_id.clone()),
        ("restore", m.restore.clone()),
        ("request_id", head.request_id.clone()),
    ];
    fields.retain(|(_, v)| v.is_some());
    for (name, value) in &fields {
        out.line(format!("{name:<20} {}", value.as_deref().unwrap_or_default()));
    }
    for (k, v) in &m.metadata {
        out.line(format!("{:<20} {v}", format!("x-oss-meta-{k}")));
    }
    let mut doc: serde_json::Map<String, serde_json::Value> =
        fields.into_iter().map(|(n, v)| (n.to_owned(), json!(v))).collect();
    doc.insert("size".into(), json!(m.content_length));
    doc.insert("metadata".into(), json!(m.metadata));
    out.json(serde_json::Value::Object(doc));
    Ok(())
}

fn bucket_only(url: &str) -> Result<String, Error> {
    let p = oss(url)?;
    if !p.key.is_empty() {
        return Err(Error::Usage(format!("{url}: expected oss://bucket")));
    }
    Ok(p.bucket)
}

pub async fn mb(client: &Client, out: &Output, url: &str, acl: Option<&str>) -> Result<(), Error> {
    let bucket = bucket_only(url)?;
    let o = client.put_bucket(&bucket, acl, None).await?;
    out.line(format!("made oss://{bucket}"));
    out.json(json!({"bucket": bucket, "created": true, "request_id": o.request_id}));
    Ok(())
}

/// Asks `question` on the terminal and reads the answer; `consent` (-f) answers yes without
/// asking. Without a terminal to ask on and without consent, a usage error names the flag.
fn confirm(question: &str, consent: bool, flag: &str) -> Result<bool, Error> {
    use std::io::{BufRead, IsTerminal, Write};
    if consent {
        return Ok(true);
    }
    if !std::io::stdin().is_terminal() {
        return Err(Error::Usage(format!(
            "{question} Standard input is not a terminal to confirm on: pass {flag} to go ahead, or --dry-run to list"
        )));
    }
    let mut err = std::io::stderr().lock();
    let _ = write!(err, "{question} [y/N] ");
    let _ = err.flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| Error::Io { context: "reading the answer".to_owned(), source: e })?;
    Ok(matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes"))
}

/// Every key under `prefix` (all of the bucket when empty).
async fn all_keys(client: &Client, bucket: &str, prefix: &str) -> Result<Vec<(String, u64)>, Error> {
    client.list_prefix(bucket, prefix).map_ok(|o| (o.key, o.size)).try_collect().await
}

/// Deletes `keys` 1000 at a time (DeleteMultipleObjects), printing each.
async fn delete_keys(client: &Client, out: &Output, bucket: &str, keys: &[String]) -> Result<(), Error> {
    for batch in keys.chunks(1000) {
        client.delete_multiple_objects(bucket, batch, true, None).await?;
        for k in batch {
            out.line(format!("removed oss://{bucket}/{k}"));
        }
    }
    Ok(())
}

fn plural(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

pub async fn rb(client: &Client, out: &Output, args: RbArgs) -> Result<(), Error> {
    let bucket = bucket_only(&args.url)?;
    let (mut versions, mut uploads) = (Vec::new(), Vec::new());
    if args.force || args.dry_run {
        // Versions, not keys: a versioned bucket is empty only without any version or marker.
        versions = super::versions::all_versions(client, &bucket, "").await?;
        uploads = all_uploads(client, &bucket, "").await?;
    }
    let keys: Vec<String> = versions.iter().map(|v| v.key.clone()).collect();
    let what = format!(
        "oss://{bucket} with {} and {}",
        plural(keys.len(), "object"),
        plural(uploads.len(), "multipart upload")
    );
    if args.dry_run {
        for k in &keys {
            out.line(format!("would remove oss://{bucket}/{k}"));
        }
        for (key, id, _) in &uploads {
            out.line(format!("would abort {id} of oss://{bucket}/{key}"));
        }
        out.line(format!("would remove {what}; nothing was changed"));
        out.json(json!({"bucket": bucket, "dry_run": true, "objects": keys,
            "uploads": uploads.iter().map(|(k, id, _)| json!({"key": k, "upload_id": id})).collect::<Vec<_>>()}));
        return Ok(());
    }
    if args.force && !(keys.is_empty() && uploads.is_empty()) {
        // --force is the consent where nobody can be asked; on a terminal, ask unless --yes.
        let consent = args.yes || !std::io::IsTerminal::is_terminal(&std::io::stdin());
        if !confirm(&format!("Remove {what}?"), consent, "--yes")? {
            out.line("nothing was removed");
            return Ok(());
        }
        super::versions::delete_all(client, out, &bucket, &versions).await?;
        for (key, id, _) in &uploads {
            client.abort_multipart_upload(&bucket, key, id).await?;
            out.line(format!("aborted {id} of oss://{bucket}/{key}"));
        }
    }
    let o = client.delete_bucket(&bucket).await?;
    out.line(format!("removed oss://{bucket}"));
    out.json(json!({"bucket": bucket, "removed": true, "objects_removed": keys.len(),
        "uploads_aborted": uploads.len(), "request_id": o.request_id}));
    Ok(())
}

pub async fn rm(client: &Client, out: &Output, args: RmArgs) -> Result<(), Error> {
    let path = oss(&args.url)?;
    if let Some(version) = &args.version_id {
        let path = object(&args.url)?;
        if args.dry_run {
            out.line(format!("would remove version {version} of {path}"));
            out.json(json!({"dry_run": true, "objects": [path.key], "version_id": version}));
            return Ok(());
        }
        let removed = client.delete_object_version(&path.bucket, &path.key, version).await?;
        let what = if removed.delete_marker { "delete marker" } else { "version" };
        out.line(format!("removed {what} {version} of {path}"));
        out.json(json!({"removed": [path.key], "version_id": version, "delete_marker": removed.delete_marker}));
        return Ok(());
    }
    if !args.recursive {
        let path = object(&args.url)?;
        match client.head_object(&path.bucket, &path.key, &GetObjectOptions::default()).await {
            Ok(_) => {}
            Err(e) if e.is_not_found() && e.code() != Some("NoSuchBucket") => {
                out.json(json!({"removed": [], "missing": [path.key]}));
                if args.force {
                    out.line(format!("{path} does not exist; nothing to remove"));
                    return Ok(());
                }
                if args.dry_run {
                    out.line(format!("{path} does not exist"));
                    return Ok(());
                }
                // DeleteObject would succeed (it is idempotent), but a typo should not pass for
                // a removal: not found, exit code 3, unless -f.
                if !out.json {
                    eprintln!("ossc: {path} does not exist; nothing removed (-f makes that no error)");
                }
                out.set_exit(super::output::EXIT_NOT_FOUND);
                return Ok(());
            }
            Err(e) => return Err(e),
        }
        if args.dry_run {
            out.line(format!("would remove {path}"));
            out.json(json!({"dry_run": true, "objects": [path.key]}));
            return Ok(());
        }
        client.delete_object(&path.bucket, &path.key).await?;
        out.line(format!("removed {path}"));
        out.json(json!({"removed": [path.key]}));
        return Ok(());
    }
    let listed = all_keys(client, &path.bucket, &path.key).await?;
    let bytes: u64 = listed.iter().map(|(_, n)| n).sum();
    let keys: Vec<String> = listed.into_iter().map(|(k, _)| k).collect();
    let what = format!("{} ({}) under {path}", plural(keys.len(), "object"), human_size(bytes));
    if args.dry_run {
        for k in &keys {
            out.line(format!("would remove oss://{}/{k}", path.bucket));
        }
        out.line(format!("would remove {what}; nothing was changed"));
        out.json(json!({"dry_run": true, "objects": keys}));
        return Ok(());
    }
    if keys.is_empty() {
        out.line(format!("nothing under {path}"));
        out.json(json!({"removed": []}));
        return Ok(());
    }
    if !confirm(&format!("Remove {what}?"), args.force, "-f (--force)")? {
        out.line("nothing was removed");
        out.json(json!({"removed": []}));
        return Ok(());
    }
    delete_keys(client, out, &path.bucket, &keys).await?;
    out.json(json!({ "removed": keys }));
    Ok(())
}

pub async fn du(client: &Client, out: &Output, args: DuArgs) -> Result<(), Error> {
    let path = oss(&args.url)?;
    let listed = all_keys(client, &path.bucket, &path.key).await?;
    let bytes: u64 = listed.iter().map(|(_, n)| n).sum();
    out.line(format!("{} {} ({bytes} bytes) {path}", plural(listed.len(), "object"), human_size(bytes)));
    out.json(json!({"bucket": path.bucket, "prefix": path.key, "objects": listed.len(), "bytes": bytes}));
    Ok(())
}

pub async fn set_meta(client: &Client, out: &Output, args: SetMetaArgs) -> Result<(), Error> {
    let path = object(&args.url)?;
    let head = client.head_object(&path.bucket, &path.key, &GetObjectOptions::default()).await?;
    let mut req = CopyObjectRequest::new(&path.bucket, &path.key, &path.bucket, &path.key);
    req.metadata_directive = Some("REPLACE".to_owned());
    // The copy must be of the version looked at, or a concurrent write would be overwritten.
    req.if_match = head.etag.clone();
    let keep = |current: &Option<String>, given: &Option<String>| {
        given.clone().or_else(|| if args.replace { None } else { current.clone() })
    };
    let mut meta: std::collections::BTreeMap<String, String> =
        if args.replace { Default::default() } else { head.metadata.clone() };
    for name in &args.delete_meta {
        meta.remove(&name.to_ascii_lowercase());
    }
    for pair in &args.meta {
        let (k, v) =
            pair.split_once('=').ok_or_else(|| Error::Usage(format!("--meta {pair:?}: expected NAME=VALUE")))?;
        meta.insert(k.trim().to_ascii_lowercase(), v.to_owned());
    }
    req.content_type = keep(&head.content_type, &args.content_type);
    req.metadata = meta.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    req.storage_class = args.storage_class.clone();
    for (name, current, given) in [
        ("cache-control", &head.cache_control, &args.cache_control),
        ("content-disposition", &head.content_disposition, &args.content_disposition),
        ("content-encoding", &head.content_encoding, &args.content_encoding),
        ("expires", &head.expires, &args.expires),
    ] {
        if let Some(v) = keep(current, given) {
            req.headers.push((name.to_owned(), v));
        }
    }
    if let Some(lang) = head.content_language.clone().filter(|_| !args.replace) {
        req.headers.push(("content-language".to_owned(), lang));
    }
    let o = client.copy_object(&req).await?;
    out.line(format!("updated the metadata of {path}"));
    out.json(json!({"url": path.to_string(), "content_type": req.content_type, "metadata": meta,
        "request_id": o.request_id}));
    Ok(())
}

pub fn presign(client: &Client, out: &Output, args: PresignArgs) -> Result<(), Error> {
    let path = object(&args.url)?;
    let method = Method::from_bytes(args.method.to_ascii_uppercase().as_bytes())
        .map_err(|_| Error::Usage(format!("{:?} is not an HTTP method", args.method)))?;
    let mut req = PresignRequest::new(method, Some(&path.bucket), Some(&path.key), Duration::from_secs(args.expires));
    if let Some(ct) = &args.content_type {
        req.headers.push(("content-type".to_owned(), ct.clone()));
    }
    for h in &args.headers {
        let (name, value) =
            h.split_once(':').ok_or_else(|| Error::Usage(format!("--header {h:?}: expected \"NAME: VALUE\"")))?;
        let name = name.trim().to_ascii_lowercase();
        if name.is_empty() {
            return Err(Error::Usage(format!("--header {h:?}: no header name")));
        }
        req.additional_headers.push(name.clone());
        req.headers.push((name, value.trim().to_owned()));
    }
    let url = client.presign_request(&req)?;
    if out.json {
        out.json(json!({"url": url, "expires_in": args.expires, "headers": req.headers}));
    } else {
        // The URL is the point of the command, so quiet mode prints it too.
        super::output::print_line(&url);
    }
    Ok(())
}

/// Every multipart upload under `prefix`: (key, upload id, initiated).
async fn all_uploads(client: &Client, bucket: &str, prefix: &str) -> Result<Vec<(String, String, String)>, Error> {
    let mut uploads = Vec::new();
    let (mut key_marker, mut id_marker) = (None, None);
    loop {
        let opts = ListMultipartUploadsOptions {
            prefix: Some(prefix.to_owned()).filter(|k| !k.is_empty()),
            key_marker: key_marker.clone(),
            upload_id_marker: id_marker.clone(),
            max_uploads: Some(1000),
            ..Default::default()
        };
        let page = client.list_multipart_uploads(bucket, &opts).await?.into_inner();
        uploads.extend(page.uploads.iter().map(|u| (u.key.clone(), u.upload_id.clone(), u.initiated.clone())));
        if !page.is_truncated || page.next_key_marker.is_empty() {
            return Ok(uploads);
        }
        key_marker = Some(page.next_key_marker.clone());
        id_marker = Some(page.next_upload_id_marker.clone());
    }
}

pub async fn parts(client: &Client, out: &Output, args: PartsArgs) -> Result<(), Error> {
    let path = oss(&args.url)?;
    if let Some(upload_id) = &args.upload_id {
        let path = object(&args.url)?;
        if args.abort {
            client.abort_multipart_upload(&path.bucket, &path.key, upload_id).await?;
            out.line(format!("aborted {upload_id} of {path}"));
            out.json(json!({"aborted": [{"key": path.key, "upload_id": upload_id}]}));
            return Ok(());
        }
        let mut marker = None;
        let mut all = Vec::new();
        loop {
            let opts = ListPartsOptions { part_number_marker: marker, max_parts: Some(1000), ..Default::default() };
            let page = client.list_parts(&path.bucket, &path.key, upload_id, &opts).await?.into_inner();
            for p in &page.parts {
                out.line(format!("{:>6} {:>12} {} {}", p.part_number, p.size, p.etag, p.last_modified));
                all.push(json!({"part_number": p.part_number, "size": p.size, "etag": p.etag,
                    "last_modified": p.last_modified, "crc64": p.hash_crc64ecma.map(|c| c.to_string())}));
            }
            let next = page.next_part_number_marker.parse::<u32>().ok();
            if !page.is_truncated || next.is_none() || next == marker {
                break;
            }
            marker = next;
        }
        out.json(json!({"key": path.key, "upload_id": upload_id, "parts": all}));
        return Ok(());
    }
    if args.abort && !args.all {
        return Err(Error::Usage("--abort needs --upload-id, or --all for every upload under the prefix".to_owned()));
    }
    let uploads = all_uploads(client, &path.bucket, &path.key).await?;
    let mut listed = Vec::new();
    for (key, id, initiated) in &uploads {
        if args.abort {
            client.abort_multipart_upload(&path.bucket, key, id).await?;
            out.line(format!("aborted {id} of oss://{}/{key}", path.bucket));
        } else {
            out.line(format!("{initiated:<24} {id} oss://{}/{key}", path.bucket));
        }
        listed.push(json!({"key": key, "upload_id": id, "initiated": initiated}));
    }
    if args.abort {
        out.json(json!({ "aborted": listed }));
    } else {
        out.json(json!({ "uploads": listed }));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("102400"), Ok(102_400));
        assert_eq!(parse_size("10M"), Ok(10 << 20));
        assert_eq!(parse_size("10MiB"), Ok(10 << 20));
        assert_eq!(parse_size("1gb"), Ok(1 << 30));
        assert_eq!(parse_size("100K"), Ok(100 << 10));
        assert!(parse_size("ten").is_err());
        assert!(parse_size("10X").is_err());
        assert!(parse_size("99999999999T").is_err());
    }
}
