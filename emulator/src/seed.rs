//! Seeding: buckets and objects created at start (`--seed DIR|FILE.json`) or through the control
//! API, from a directory tree (`DIR/<bucket>/<key…>`) or a JSON manifest.

use std::collections::BTreeMap;
use std::path::Path;

use base64::Engine;
use serde::{Deserialize, Serialize};

use crate::config::Account;
use crate::error::{Code, OssError, Result};
use crate::store::{BucketMeta, ObjectMeta, Received, Store};
use oss_protocol::{Acl, StorageClass};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub buckets: Vec<SeedBucket>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedBucket {
    pub name: String,
    /// Owner's access key id (default: the first account).
    #[serde(default)]
    pub owner: Option<String>,
    /// Default: the emulator's region.
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub acl: Option<String>,
    #[serde(default)]
    pub objects: Vec<SeedObject>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedObject {
    pub key: String,
    /// UTF-8 content.
    #[serde(default)]
    pub content: Option<String>,
    #[serde(default)]
    pub content_base64: Option<String>,
    #[serde(default)]
    pub content_type: Option<String>,
    /// `x-oss-meta-<name>` values, by name.
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
    #[serde(default)]
    pub acl: Option<String>,
}

/// What seeding created.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Seeded {
    pub buckets: usize,
    pub objects: usize,
}

fn invalid(message: String) -> OssError {
    OssError::new(Code::InvalidArgument).message(message)
}

/// Prefixes an error with the object it is about: a seed that fails at start must say which
/// entry to fix.
fn at(bucket: &str, key: &str, e: OssError) -> OssError {
    let message = format!("bucket {bucket:?}, key {key:?}: {}", e.message);
    e.message(message)
}

/// Applies a manifest: buckets are created if missing (existing ones are reused), objects
/// overwritten.
pub async fn apply(
    store: &Store,
    accounts: &[Account],
    region: &str,
    now_ms: i64,
    manifest: &Manifest,
) -> Result<Seeded> {
    let mut seeded = Seeded::default();
    for b in &manifest.buckets {
        let owner = match &b.owner {
            Some(ak) => accounts
                .iter()
                .find(|a| &a.access_key_id == ak)
                .ok_or_else(|| invalid(format!("unknown owner {ak}")))?,
            None => accounts.first().ok_or_else(|| invalid("no accounts configured".into()))?,
        };
        if !oss_protocol::is_valid_bucket_name(&b.name) {
            return Err(OssError::new(Code::InvalidBucketName)
                .with("BucketName", b.name.as_str())
                .message(format!("bucket {:?}: not a valid bucket name", b.name)));
        }
        let acl = match b.acl.as_deref() {
            None => Acl::Private,
            Some(text) => match text.parse::<Acl>() {
                Ok(acl) if acl.fits_bucket() => acl,
                _ => return Err(invalid(format!("bucket {}: invalid acl {text}", b.name))),
            },
        };
        let meta = BucketMeta {
            name: b.name.clone(),
            owner_id: owner.id.clone(),
            region: b.region.clone().unwrap_or_else(|| region.to_owned()),
            acl,
            storage_class: StorageClass::Standard,
            data_redundancy_type: "LRS".into(),
            created_ms: now_ms,
            tags: Vec::new(),
            lifecycle: None,
            versioning: None,
            configs: Default::default(),
        };
        let created = store.create_bucket(meta).await.map_err(|e| {
            let message = format!("bucket {:?}: {}", b.name, e.message);
            e.message(message)
        })?;
        let bucket = match created {
            Ok(created) => {
                seeded.buckets += 1;
                created
            }
            Err(existing) => existing,
        };
        for o in &b.objects {
            let at = |e| at(&b.name, &o.key, e);
            let data = match (&o.content, &o.content_base64) {
                (Some(text), None) => text.clone().into_bytes(),
                (None, Some(b64)) => base64::engine::general_purpose::STANDARD
                    .decode(b64)
                    .map_err(|e| at(invalid(format!("content_base64: {e}"))))?,
                (None, None) => Vec::new(),
                (Some(_), Some(_)) => return Err(at(invalid("content and content_base64 both set".into()))),
            };
            crate::ops::validate_key(&o.key).map_err(at)?;
            let mut meta = ObjectMeta::new(o.key.clone(), StorageClass::Standard);
            meta.acl = match o.acl.as_deref() {
                None => Acl::Default,
                Some(text) => text.parse().map_err(|e| at(invalid(format!("{e}"))))?,
            };
            meta.last_modified_ms = now_ms;
            meta.headers = vec![(
                "content-type".into(),
                o.content_type.clone().unwrap_or_else(|| default_content_type(&o.key).into()),
            )];
            meta.user_meta =
                o.metadata.iter().map(|(k, v)| (format!("x-oss-meta-{}", k.to_ascii_lowercase()), v.clone())).collect();
            let received = store.receive_bytes(data);
            store_object(store, &bucket.name, meta, received).await.map_err(at)?;
            seeded.objects += 1;
        }
    }
    Ok(seeded)
}

/// Stores a received body as the new current version of `meta.key`.
async fn store_object(store: &Store, bucket: &str, mut meta: ObjectMeta, received: Received) -> Result<()> {
    meta.size = received.len;
    meta.crc64 = received.crc64;
    meta.etag = oss_protocol::etag_from_md5(&received.md5);
    meta.content_md5 = Some(base64::engine::general_purpose::STANDARD.encode(received.md5));
    store.put_object(bucket, meta, received.data, Box::new(|_| Ok(()))).await?;
    Ok(())
}

/// A file of a seed directory and the object it becomes.
pub struct SeedFile {
    pub bucket: String,
    pub key: String,
    pub path: std::path::PathBuf,
}

/// A manifest from a directory tree: each top-level directory is a bucket, each file below it an
/// object whose key is its relative path with `/` separators.
pub fn manifest_from_dir(dir: &Path) -> std::io::Result<(Manifest, Vec<SeedFile>)> {
    let mut manifest = Manifest::default();
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if !entry.file_type()?.is_dir() {
            continue;
        }
        let bucket = entry.file_name().to_string_lossy().into_owned();
        manifest.buckets.push(SeedBucket { name: bucket.clone(), ..SeedBucket::default() });
        let mut stack = vec![entry.path()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d)? {
                let e = e?;
                if e.file_type()?.is_dir() {
                    stack.push(e.path());
                } else if let Ok(rel) = e.path().strip_prefix(entry.path()) {
                    let key = rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
                    files.push(SeedFile { bucket: bucket.clone(), key, path: e.path() });
                }
            }
        }
    }
    Ok((manifest, files))
}

/// Seeds from a directory tree or a `.json` manifest file.
pub async fn seed_path(store: &Store, accounts: &[Account], region: &str, now_ms: i64, path: &Path) -> Result<Seeded> {
    let path = path.to_path_buf();
    let (manifest, files) = tokio::task::spawn_blocking(move || -> Result<(Manifest, Vec<SeedFile>)> {
        let unreadable = |e: std::io::Error| invalid(format!("seed {}: {e}", path.display()));
        if path.is_dir() {
            Ok(manifest_from_dir(&path).map_err(unreadable)?)
        } else {
            let text = std::fs::read_to_string(&path).map_err(unreadable)?;
            let manifest = serde_json::from_str(&text).map_err(|e| invalid(format!("{}: {e}", path.display())))?;
            Ok((manifest, Vec::new()))
        }
    })
    .await
    .map_err(|e| OssError::internal("seed", e))??;
    let mut seeded = apply(store, accounts, region, now_ms, &manifest).await?;
    for SeedFile { bucket: bucket_name, key, path: file } in files {
        let at = |e| at(&bucket_name, &key, e);
        let bucket = store.bucket(&bucket_name).ok_or_else(|| at(OssError::no_such_bucket(&bucket_name)))?;
        crate::ops::validate_key(&key).map_err(at)?;
        let mut meta = ObjectMeta::new(key.clone(), StorageClass::Standard);
        meta.last_modified_ms = now_ms;
        meta.headers = vec![("content-type".into(), default_content_type(&key).into())];
        // The I/O error itself, not the InternalError it would become: the file is the user's.
        let shown = file.display().to_string();
        tokio::fs::File::open(&file).await.map_err(|e| at(invalid(format!("reading {shown}: {e}"))))?;
        let received = store.receive_file(file).await.map_err(at)?;
        store_object(store, &bucket.name, meta, received).await.map_err(at)?;
        seeded.objects += 1;
    }
    Ok(seeded)
}

/// A seeded object without a declared type gets one from its extension, as the SDKs guess one
/// when they upload a file.
pub fn default_content_type(key: &str) -> &'static str {
    let ext = key.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    match ext.as_str() {
        "txt" => "text/plain",
        "html" | "htm" => "text/html",
        "css" => "text/css",
        "js" => "application/javascript",
        "json" => "application/json",
        "xml" => "application/xml",
        "csv" => "text/csv",
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "svg" => "image/svg+xml",
        "webp" => "image/webp",
        "pdf" => "application/pdf",
        "zip" => "application/zip",
        "gz" | "tgz" => "application/x-gzip",
        "tar" => "application/x-tar",
        "mp4" => "video/mp4",
        "mp3" => "audio/mpeg",
        _ => "application/octet-stream",
    }
}
