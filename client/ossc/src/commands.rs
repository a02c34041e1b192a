//! The `ossc` commands.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use oss_client::protocol::time::format_http_date;
use oss_client::{
    CancellationToken, Client, CopyOptions, Error, GetObjectOptions, ListMultipartUploadsOptions, ListObjectsV2Options,
    ListPartsOptions, Method, ObjectPath, PresignRequest, PutObjectOptions, TransferOptions,
};
use serde_json::json;

use super::output::{human_size, Output};

#[derive(Args, Debug)]
pub struct CpArgs {
    /// oss://bucket/key or a local file.
    pub src: String,
    /// oss://bucket/key, oss://bucket/prefix/ (keeps the name), a local file or directory.
    pub dst: String,
    /// Preferred part size (doubled as needed to stay within 10 000 parts of at least 100 KiB);
    /// suffixes K, M, G are binary (10M = 10 MiB) [default: 64M for copies, 8M for transfers].
    #[arg(long, value_parser = parse_size)]
    pub part_size: Option<u64>,
    /// Parts moved at once.
    #[arg(long, default_value_t = 4)]
    pub concurrency: usize,
    /// Objects and files of at least this size go part by part [default: 1G for copies, 64M for
    /// transfers].
    #[arg(long, value_parser = parse_size, env = "OSSC_THRESHOLD")]
    pub threshold: Option<u64>,
    /// Keep checkpoints here so that an interrupted multipart transfer resumes when the same
    /// command runs again (and is not aborted on failure).
    #[arg(long, env = "OSSC_CHECKPOINT_DIR")]
    pub checkpoint_dir: Option<PathBuf>,
    /// Content-Type of an uploaded object.
    #[arg(long)]
    pub content_type: Option<String>,
}

#[derive(Args, Debug)]
pub struct LsArgs {
    /// oss://bucket[/prefix]; without it, the buckets.
    pub url: Option<String>,
    /// Everything under the prefix, not just one level.
    #[arg(long, short = 'r')]
    pub recursive: bool,
}

#[derive(Args, Debug)]
pub struct PresignArgs {
    pub url: String,
    /// HTTP method the URL is for.
    #[arg(long, default_value = "GET")]
    pub method: String,
    /// Validity in seconds.
    #[arg(long, default_value_t = 3600)]
    pub expires: u64,
}

#[derive(Args, Debug)]
pub struct PartsArgs {
    /// oss://bucket[/prefix] to list uploads; oss://bucket/key with --upload-id for one upload.
    pub url: String,
    #[arg(long)]
    pub upload_id: Option<String>,
    /// Abort the upload given by --upload-id, or with --all every upload under the prefix.
    #[arg(long)]
    pub abort: bool,
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

fn oss(url: &str) -> Result<ObjectPath, Error> {
    ObjectPath::parse(url)
}

fn object(url: &str) -> Result<ObjectPath, Error> {
    let p = oss(url)?;
    if p.key.is_empty() {
        return Err(Error::Usage(format!("{url} names a bucket, not an object")));
    }
    Ok(p)
}

/// Cancels `token` on Ctrl-C, so a transfer can stop between parts and clean up (or keep its
/// checkpoint) instead of dying mid-way; a second Ctrl-C exits at once.
fn cancel_on_ctrl_c() -> CancellationToken {
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

pub async fn cp(client: &Client, out: &Output, args: CpArgs) -> Result<(), Error> {
    let cancel = cancel_on_ctrl_c();
    let keep = args.checkpoint_dir.is_some();
    let (src_oss, dst_oss) = (ObjectPath::is_oss_url(&args.src), ObjectPath::is_oss_url(&args.dst));
    let result = match (src_oss, dst_oss) {
        (true, true) => {
            let src = object(&args.src)?;
            let mut dst = oss(&args.dst)?;
            if dst.is_prefix() {
                dst = dst.join(src.file_name().unwrap_or(&src.key));
            }
            let mut opts = CopyOptions {
                concurrency: args.concurrency,
                checkpoint_dir: args.checkpoint_dir.clone(),
                keep_on_failure: keep,
                cancel: Some(cancel.clone()),
                ..Default::default()
            };
            opts.part_size = args.part_size.unwrap_or(opts.part_size);
            opts.threshold = args.threshold.unwrap_or(opts.threshold);
            let bar = out.progress("copy", 0);
            opts.progress = bar.as_ref().map(|(_, f)| f.clone());
            let res = client.copy(&src, &dst, &opts).await;
            finish_bar(bar, res.is_ok());
            res.map(|o| {
                out.line(format!(
                    "copied {src} -> {dst} ({}, {})",
                    human_size(o.size),
                    if o.multipart() {
                        format!("multipart: {} parts, {} resumed", o.parts, o.parts_resumed)
                    } else {
                        "CopyObject".to_owned()
                    }
                ));
                out.json(json!({
                    "operation": "copy", "source": src.to_string(), "destination": dst.to_string(),
                    "size": o.size, "etag": o.etag, "crc64": o.crc64.map(|c| c.to_string()),
                    "multipart": o.multipart(), "upload_id": o.upload_id, "parts": o.parts,
                    "parts_resumed": o.parts_resumed, "request_id": o.request_id,
                }));
            })
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
            let mut opts = transfer_options(&args, cancel.clone(), keep);
            opts.object = PutObjectOptions { content_type: args.content_type.clone(), ..Default::default() };
            let size = std::fs::metadata(&src).map(|m| m.len()).unwrap_or(0);
            let bar = out.progress("upload", size);
            opts.progress = bar.as_ref().map(|(_, f)| f.clone());
            let res = client.upload_file(&src, &dst, &opts).await;
            finish_bar(bar, res.is_ok());
            res.map(|o| {
                out.line(format!("uploaded {} -> {dst} ({})", src.display(), human_size(o.size)));
                out.json(transfer_json("upload", &src.display().to_string(), &dst.to_string(), &o));
            })
        }
        (true, false) => {
            let src = object(&args.src)?;
            let mut dst = PathBuf::from(&args.dst);
            if args.dst.ends_with('/') || args.dst.ends_with(std::path::MAIN_SEPARATOR) || dst.is_dir() {
                let name = src.file_name().ok_or_else(|| Error::Usage(format!("{src} has no file name")))?;
                dst = dst.join(name);
            }
            let mut opts = transfer_options(&args, cancel.clone(), keep);
            let bar = out.progress("download", 0);
            opts.progress = bar.as_ref().map(|(_, f)| f.clone());
            let res = client.download_file(&src, &dst, &opts).await;
            finish_bar(bar, res.is_ok());
            res.map(|o| {
                out.line(format!("downloaded {src} -> {} ({})", dst.display(), human_size(o.size)));
                out.json(transfer_json("download", &src.to_string(), &dst.display().to_string(), &o));
            })
        }
        (false, false) => Err(Error::Usage("cp needs an oss:// URL on at least one side".to_owned())),
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

/// Fills the bar on success; on failure leaves it where the transfer stopped.
fn finish_bar(bar: Option<(indicatif::ProgressBar, oss_client::ProgressFn)>, ok: bool) {
    if let Some((bar, _)) = bar {
        if ok {
            bar.finish();
        } else {
            bar.abandon();
        }
    }
}

fn transfer_options(args: &CpArgs, cancel: CancellationToken, keep: bool) -> TransferOptions {
    let mut opts = TransferOptions {
        concurrency: args.concurrency,
        checkpoint_dir: args.checkpoint_dir.clone(),
        keep_on_failure: keep,
        cancel: Some(cancel),
        ..Default::default()
    };
    opts.part_size = args.part_size.unwrap_or(opts.part_size);
    opts.threshold = args.threshold.unwrap_or(opts.threshold);
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
            out.line(format!("{:>12} {:<24} oss://{}/{}", o.size, o.last_modified, base.bucket, o.key));
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

pub async fn stat(client: &Client, out: &Output, url: &str) -> Result<(), Error> {
    let path = object(url)?;
    let head = client.head_object(&path.bucket, &path.key, &GetObjectOptions::default()).await?;
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

pub async fn rb(client: &Client, out: &Output, url: &str) -> Result<(), Error> {
    let bucket = bucket_only(url)?;
    let o = client.delete_bucket(&bucket).await?;
    out.line(format!("removed oss://{bucket}"));
    out.json(json!({"bucket": bucket, "removed": true, "request_id": o.request_id}));
    Ok(())
}

pub async fn rm(client: &Client, out: &Output, url: &str, recursive: bool) -> Result<(), Error> {
    let path = oss(url)?;
    if !recursive {
        let path = object(url)?;
        client.delete_object(&path.bucket, &path.key).await?;
        out.line(format!("removed {path}"));
        out.json(json!({"removed": [path.key]}));
        return Ok(());
    }
    let mut removed = Vec::new();
    loop {
        // Always the first page: what was deleted is gone from the next listing.
        let opts = ListObjectsV2Options {
            prefix: Some(path.key.clone()).filter(|k| !k.is_empty()),
            max_keys: Some(1000),
            ..Default::default()
        };
        let page = client.list_objects_v2(&path.bucket, &opts).await?.into_inner();
        let keys: Vec<String> = page.contents.iter().map(|o| o.key.clone()).collect();
        if keys.is_empty() {
            break;
        }
        client.delete_multiple_objects(&path.bucket, &keys, true, None).await?;
        for k in &keys {
            out.line(format!("removed oss://{}/{k}", path.bucket));
        }
        removed.extend(keys);
        if !page.is_truncated {
            break;
        }
    }
    out.json(json!({ "removed": removed }));
    Ok(())
}

pub fn presign(client: &Client, out: &Output, args: PresignArgs) -> Result<(), Error> {
    let path = object(&args.url)?;
    let method = Method::from_bytes(args.method.to_ascii_uppercase().as_bytes())
        .map_err(|_| Error::Usage(format!("{:?} is not an HTTP method", args.method)))?;
    let req = PresignRequest::new(method, Some(&path.bucket), Some(&path.key), Duration::from_secs(args.expires));
    let url = client.presign_request(&req)?;
    if out.json {
        out.json(json!({"url": url, "expires_in": args.expires}));
    } else {
        // The URL is the point of the command, so quiet mode prints it too.
        println!("{url}");
    }
    Ok(())
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
    let mut uploads = Vec::new();
    let (mut key_marker, mut id_marker) = (None, None);
    loop {
        let opts = ListMultipartUploadsOptions {
            prefix: Some(path.key.clone()).filter(|k| !k.is_empty()),
            key_marker: key_marker.clone(),
            upload_id_marker: id_marker.clone(),
            max_uploads: Some(1000),
            ..Default::default()
        };
        let page = client.list_multipart_uploads(&path.bucket, &opts).await?.into_inner();
        uploads.extend(page.uploads.iter().map(|u| (u.key.clone(), u.upload_id.clone(), u.initiated.clone())));
        if !page.is_truncated || page.next_key_marker.is_empty() {
            break;
        }
        key_marker = Some(page.next_key_marker.clone());
        id_marker = Some(page.next_upload_id_marker.clone());
    }
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
