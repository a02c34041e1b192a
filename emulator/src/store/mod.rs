//! The filesystem store: owns the data directory, never sees HTTP.
//!
//! Durability and atomicity come from one rule: data files are immutable once written, and an
//! object becomes visible only by renaming its metadata file into place while the bucket's index
//! lock is held. A reader sees the old version or the new one; a crash (even `kill -9`) leaves at
//! worst unreferenced files, removed at the next start.
//!
//! Sharing: an object is a list of [`Segment`]s over blob files, and every object version and
//! every upload part *owns* its blob files. Copies hard-link the source's blobs under new names
//! instead of rewriting bytes, so CopyObject of 1 GiB costs what 1 KiB does, and deleting either
//! side leaves the other intact (the filesystem counts the links). Where hard links are not
//! possible, the bytes are copied instead.

pub mod blob;
pub mod layout;

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use serde::{de::DeserializeOwned, Deserialize, Serialize};

pub use blob::{BlobWriter, Segment, WrittenBlob};
pub use layout::Layout;

use crate::error::{Code, OssError, Result};

fn read<T>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(PoisonError::into_inner)
}

fn write<T>(lock: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(PoisonError::into_inner)
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BucketMeta {
    pub name: String,
    pub owner_id: String,
    pub region: String,
    pub acl: String,
    pub storage_class: String,
    pub data_redundancy_type: String,
    pub created_ms: i64,
}

/// Everything stored about one object version.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectMeta {
    pub key: String,
    pub size: u64,
    /// Quoted, as sent on the wire.
    pub etag: String,
    pub crc64: u64,
    pub last_modified_ms: i64,
    /// `Normal` or `Multipart`.
    pub object_type: String,
    pub storage_class: String,
    /// `default` inherits the bucket's ACL.
    pub acl: String,
    /// Base64 MD5, only for Normal objects.
    pub content_md5: Option<String>,
    /// Standard headers kept with the object (lowercase name, value): content-type,
    /// cache-control, content-disposition, content-encoding, content-language, expires.
    pub headers: Vec<(String, String)>,
    /// `x-oss-meta-*` headers (lowercase full name, value).
    pub user_meta: Vec<(String, String)>,
    pub sse: Option<String>,
    pub sse_key_id: Option<String>,
    /// `SM4` when SSE-KMS encrypts the data with SM4 (`x-oss-server-side-data-encryption`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sse_data_encryption: Option<String>,
    /// `k=v&k2=v2` as sent in `x-oss-tagging`.
    pub tagging: Option<String>,
    pub segments: Vec<Segment>,
}

impl ObjectMeta {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// Stores `value` under `name` unless the object already has that header.
    pub fn set_default_header(&mut self, name: &str, value: &str) {
        if self.header(name).is_none() {
            self.headers.insert(0, (name.to_owned(), value.to_owned()));
        }
    }
}

/// A published object version. Its blob files are unlinked when it has been replaced or deleted
/// *and* the last reader holding it is done, so a GET streaming an old version never breaks.
#[derive(Debug)]
pub struct ObjectVersion {
    pub meta: ObjectMeta,
    blobs_dir: PathBuf,
    retired: AtomicBool,
}

impl ObjectVersion {
    pub fn blobs_dir(&self) -> &Path {
        &self.blobs_dir
    }

    fn retire(&self) {
        self.retired.store(true, Ordering::Release);
    }
}

impl Drop for ObjectVersion {
    fn drop(&mut self) {
        if self.retired.load(Ordering::Acquire) {
            remove_blobs(&self.blobs_dir, &self.meta.segments);
        }
    }
}

fn remove_blobs(blobs_dir: &Path, segments: &[Segment]) {
    for seg in segments {
        if let Err(e) = fs::remove_file(blobs_dir.join(&seg.blob)) {
            if e.kind() != io::ErrorKind::NotFound {
                tracing::warn!("could not remove blob {}: {e}", seg.blob);
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadMeta {
    pub upload_id: String,
    pub key: String,
    pub initiated_ms: i64,
    /// Headers, metadata, ACL, storage class, encryption and tagging for the final object.
    pub template: ObjectMeta,
    /// `x-oss-forbid-overwrite` given at initiation, enforced again at completion.
    #[serde(default)]
    pub forbid_overwrite: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartMeta {
    pub number: u32,
    pub etag: String,
    pub size: u64,
    pub crc64: u64,
    pub last_modified_ms: i64,
    pub segments: Vec<Segment>,
}

#[derive(Debug)]
pub struct Upload {
    pub meta: UploadMeta,
    state: Mutex<UploadState>,
}

#[derive(Debug, Default)]
struct UploadState {
    parts: BTreeMap<u32, PartMeta>,
    /// Completed or aborted: every later operation on it is NoSuchUpload.
    done: bool,
}

impl Upload {
    pub fn parts(&self) -> Vec<PartMeta> {
        lock(&self.state).parts.values().cloned().collect()
    }
}

#[derive(Debug)]
pub struct Bucket {
    layout: Layout,
    pub name: String,
    meta: RwLock<BucketMeta>,
    objects: RwLock<BTreeMap<String, Arc<ObjectVersion>>>,
    uploads: Mutex<BTreeMap<String, Arc<Upload>>>,
    /// Set by DeleteBucket while it holds the index locks: a write that raced it must fail
    /// rather than publish into a directory about to vanish.
    deleted: AtomicBool,
}

pub struct Store {
    layout: Layout,
    buckets: RwLock<BTreeMap<String, Arc<Bucket>>>,
}

fn write_json_atomic<T: Serialize>(layout: &Layout, path: &Path, value: &T) -> io::Result<()> {
    let tmp = layout.tmp_file();
    fs::write(&tmp, serde_json::to_vec(value).map_err(io::Error::other)?)?;
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    fs::rename(&tmp, path).inspect_err(|_| {
        let _ = fs::remove_file(&tmp);
    })
}

fn read_json<T: DeserializeOwned>(path: &Path) -> io::Result<T> {
    serde_json::from_slice(&fs::read(path)?).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

/// Removes a directory tree by first renaming it into `tmp/`, so it vanishes atomically.
fn remove_tree(layout: &Layout, dir: &Path) -> io::Result<()> {
    let grave = layout.tmp_file();
    fs::rename(dir, &grave)?;
    fs::remove_dir_all(&grave)
}

impl Store {
    /// Opens (or initialises) a data directory, loads the indexes and removes what a crash left.
    pub fn open(root: impl Into<PathBuf>) -> io::Result<Store> {
        let layout = Layout::new(root);
        fs::create_dir_all(layout.root())?;
        match fs::read_to_string(layout.format_file()) {
            Ok(v) if v.trim() == layout::FORMAT_VERSION => {}
            Ok(v) => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "{} holds layout {:?}, this emulator reads {}",
                        layout.root().display(),
                        v.trim(),
                        layout::FORMAT_VERSION
                    ),
                ))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                fs::write(layout.format_file(), layout::FORMAT_VERSION)?;
            }
            Err(e) => return Err(e),
        }
        let _ = fs::remove_dir_all(layout.tmp_dir());
        fs::create_dir_all(layout.tmp_dir())?;
        fs::create_dir_all(layout.buckets_dir())?;
        let mut buckets = BTreeMap::new();
        for entry in fs::read_dir(layout.buckets_dir())? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if !oss_protocol::is_valid_bucket_name(&name) {
                continue;
            }
            match Bucket::load(&layout, &name)? {
                Some(bucket) => {
                    buckets.insert(name, Arc::new(bucket));
                }
                // A bucket whose creation did not finish.
                None => remove_tree(&layout, &entry.path())?,
            }
        }
        Ok(Store { layout, buckets: RwLock::new(buckets) })
    }

    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    pub fn bucket(&self, name: &str) -> Option<Arc<Bucket>> {
        read(&self.buckets).get(name).cloned()
    }

    pub fn buckets(&self) -> Vec<Arc<Bucket>> {
        read(&self.buckets).values().cloned().collect()
    }

    /// Creates a bucket, or returns the existing one untouched.
    pub fn create_bucket(&self, meta: BucketMeta) -> io::Result<std::result::Result<Arc<Bucket>, Arc<Bucket>>> {
        let mut buckets = write(&self.buckets);
        if let Some(existing) = buckets.get(&meta.name) {
            return Ok(Err(existing.clone()));
        }
        let name = meta.name.clone();
        let dir = self.layout.bucket_dir(&name);
        for sub in [self.layout.objects_dir(&name), self.layout.blobs_dir(&name), self.layout.uploads_dir(&name)] {
            fs::create_dir_all(sub)?;
        }
        if let Err(e) = write_json_atomic(&self.layout, &self.layout.bucket_meta(&name), &meta) {
            let _ = fs::remove_dir_all(&dir);
            return Err(e);
        }
        let bucket = Arc::new(Bucket::new(self.layout.clone(), meta));
        buckets.insert(name, bucket.clone());
        Ok(Ok(bucket))
    }

    /// Deletes an empty bucket (no objects, no pending uploads).
    pub fn delete_bucket(&self, name: &str) -> Result<()> {
        let mut buckets = write(&self.buckets);
        let bucket = buckets.get(name).ok_or_else(|| OssError::no_such_bucket(name))?.clone();
        let objects = write(&bucket.objects);
        let uploads = lock(&bucket.uploads);
        if !objects.is_empty() {
            return Err(OssError::new(Code::BucketNotEmpty).with("BucketName", name).ec("0015-00000301"));
        }
        if !uploads.is_empty() {
            return Err(OssError::new(Code::BucketNotEmpty)
                .message("The bucket has Multipart Uploads.")
                .with("BucketName", name)
                .ec("0015-00000301"));
        }
        remove_tree(&self.layout, &self.layout.bucket_dir(name))?;
        bucket.deleted.store(true, Ordering::Release);
        buckets.remove(name);
        Ok(())
    }
}

impl Store {
    /// Deletes buckets with everything in them (all, or just `only`): the control API's reset.
    /// Returns the names removed.
    pub fn reset(&self, only: Option<&str>) -> Result<Vec<String>> {
        let mut buckets = write(&self.buckets);
        let names: Vec<String> = match only {
            Some(name) if buckets.contains_key(name) => vec![name.to_owned()],
            Some(name) => return Err(OssError::no_such_bucket(name)),
            None => buckets.keys().cloned().collect(),
        };
        for name in &names {
            if let Some(bucket) = buckets.remove(name) {
                let _objects = write(&bucket.objects);
                let _uploads = lock(&bucket.uploads);
                bucket.deleted.store(true, Ordering::Release);
                remove_tree(&self.layout, &self.layout.bucket_dir(name))?;
            }
        }
        Ok(names)
    }
}

impl Bucket {
    fn new(layout: Layout, meta: BucketMeta) -> Self {
        Bucket {
            layout,
            name: meta.name.clone(),
            meta: RwLock::new(meta),
            objects: RwLock::new(BTreeMap::new()),
            uploads: Mutex::new(BTreeMap::new()),
            deleted: AtomicBool::new(false),
        }
    }

    fn load(layout: &Layout, name: &str) -> io::Result<Option<Bucket>> {
        let meta: BucketMeta = match read_json(&layout.bucket_meta(name)) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let bucket = Bucket::new(layout.clone(), meta);
        let blobs_dir = layout.blobs_dir(name);
        let mut referenced = HashSet::new();
        {
            let mut objects = write(&bucket.objects);
            for shard in read_dir_or_empty(&layout.objects_dir(name))? {
                for file in read_dir_or_empty(&shard)? {
                    let meta: ObjectMeta = match read_json(&file) {
                        Ok(m) => m,
                        Err(e) => {
                            tracing::warn!("skipping unreadable object metadata {}: {e}", file.display());
                            continue;
                        }
                    };
                    if layout.object_meta(name, &meta.key) != file {
                        tracing::warn!("skipping misplaced object metadata {}", file.display());
                        continue;
                    }
                    referenced.extend(meta.segments.iter().map(|s| s.blob.clone()));
                    let version = ObjectVersion { meta, blobs_dir: blobs_dir.clone(), retired: AtomicBool::new(false) };
                    objects.insert(version.meta.key.clone(), Arc::new(version));
                }
            }
        }
        {
            let mut uploads = lock(&bucket.uploads);
            for dir in read_dir_or_empty(&layout.uploads_dir(name))? {
                let Ok(meta) = read_json::<UploadMeta>(&dir.join("upload.json")) else {
                    remove_tree(layout, &dir)?;
                    continue;
                };
                if !layout::is_hex_id(&meta.upload_id) || layout.upload_dir(name, &meta.upload_id) != dir {
                    continue;
                }
                let mut state = UploadState::default();
                for file in read_dir_or_empty(&dir)? {
                    if file.file_name().is_some_and(|f| f.to_string_lossy().starts_with("part-")) {
                        if let Ok(part) = read_json::<PartMeta>(&file) {
                            referenced.extend(part.segments.iter().map(|s| s.blob.clone()));
                            state.parts.insert(part.number, part);
                        }
                    }
                }
                uploads.insert(meta.upload_id.clone(), Arc::new(Upload { meta, state: Mutex::new(state) }));
            }
        }
        // Blobs no metadata refers to: bodies whose publish was interrupted, or versions whose
        // removal was.
        for blob in read_dir_or_empty(&blobs_dir)? {
            let id = blob.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
            if !referenced.contains(&id) {
                let _ = fs::remove_file(&blob);
            }
        }
        Ok(Some(bucket))
    }

    pub fn meta(&self) -> BucketMeta {
        read(&self.meta).clone()
    }

    pub fn update_meta(&self, f: impl FnOnce(&mut BucketMeta)) -> io::Result<()> {
        let mut meta = write(&self.meta);
        let mut updated = meta.clone();
        f(&mut updated);
        write_json_atomic(&self.layout, &self.layout.bucket_meta(&self.name), &updated)?;
        *meta = updated;
        Ok(())
    }

    pub fn blobs_dir(&self) -> PathBuf {
        self.layout.blobs_dir(&self.name)
    }

    pub fn tmp_file(&self) -> PathBuf {
        self.layout.tmp_file()
    }

    pub fn get(&self, key: &str) -> Option<Arc<ObjectVersion>> {
        read(&self.objects).get(key).cloned()
    }

    pub fn is_empty(&self) -> bool {
        read(&self.objects).is_empty()
    }

    /// Visits objects in key order with keys `> after` (all when `None`) starting with `prefix`,
    /// until `visit` returns false.
    pub fn scan(&self, after: Option<&str>, prefix: &str, mut visit: impl FnMut(&ObjectMeta) -> bool) {
        use std::ops::Bound;
        let objects = read(&self.objects);
        let lower = match after {
            Some(a) if a >= prefix => Bound::Excluded(a.to_owned()),
            _ => Bound::Included(prefix.to_owned()),
        };
        for (key, version) in objects.range((lower, Bound::Unbounded)) {
            if !key.starts_with(prefix) {
                break;
            }
            if !visit(&version.meta) {
                break;
            }
        }
    }

    /// Moves a written body into the blob directory under a fresh id.
    pub fn adopt(&self, written: WrittenBlob) -> io::Result<Segment> {
        let id = layout::new_id();
        let path = self.layout.blob(&self.name, &id);
        if let Err(e) = fs::rename(&written.tmp_path, &path) {
            written.discard();
            return Err(e);
        }
        Ok(Segment { blob: id, offset: 0, len: written.len })
    }

    /// Gives this bucket its own link to `len` bytes from `from` within each source segment
    /// (hard link; byte copy where links are impossible, e.g. across filesystems).
    pub fn link(&self, src_blobs: &Path, pieces: &[(&Segment, u64, u64)]) -> io::Result<Vec<Segment>> {
        let mut out: Vec<Segment> = Vec::with_capacity(pieces.len());
        for (seg, from, len) in pieces {
            let id = layout::new_id();
            let dst = self.layout.blob(&self.name, &id);
            let src = src_blobs.join(&seg.blob);
            let linked = match fs::hard_link(&src, &dst) {
                Ok(()) => Ok(Segment { blob: id, offset: seg.offset + from, len: *len }),
                Err(_) => {
                    copy_range(&src, &dst, seg.offset + from, *len).map(|()| Segment { blob: id, offset: 0, len: *len })
                }
            };
            match linked {
                Ok(s) => out.push(s),
                Err(e) => {
                    remove_blobs(&self.blobs_dir(), &out);
                    return Err(e);
                }
            }
        }
        Ok(out)
    }

    /// Publishes `meta` (whose segments this call now owns) as the object's current version,
    /// after `check` approves the version it replaces. On any failure the segments are removed.
    pub fn publish(
        &self,
        meta: ObjectMeta,
        check: impl FnOnce(Option<&ObjectVersion>) -> Result<()>,
    ) -> Result<Arc<ObjectVersion>> {
        let blobs_dir = self.blobs_dir();
        let fail = |e: OssError, meta: &ObjectMeta| {
            remove_blobs(&blobs_dir, &meta.segments);
            Err(e)
        };
        let tmp = self.layout.tmp_file();
        if let Err(e) = fs::write(&tmp, serde_json::to_vec(&meta).map_err(io::Error::other)?) {
            return fail(e.into(), &meta);
        }
        let path = self.layout.object_meta(&self.name, &meta.key);
        let mut objects = write(&self.objects);
        if self.deleted.load(Ordering::Acquire) {
            let _ = fs::remove_file(&tmp);
            return fail(OssError::no_such_bucket(&self.name), &meta);
        }
        let current = objects.get(&meta.key).cloned();
        if let Err(e) = check(current.as_deref()) {
            let _ = fs::remove_file(&tmp);
            return fail(e, &meta);
        }
        let renamed = path.parent().map_or(Ok(()), fs::create_dir_all).and_then(|()| fs::rename(&tmp, &path));
        if let Err(e) = renamed {
            let _ = fs::remove_file(&tmp);
            return fail(e.into(), &meta);
        }
        let version = Arc::new(ObjectVersion { meta, blobs_dir, retired: AtomicBool::new(false) });
        if let Some(old) = objects.insert(version.meta.key.clone(), version.clone()) {
            old.retire();
        }
        Ok(version)
    }

    /// Removes an object; `false` when there was none.
    pub fn delete(&self, key: &str) -> io::Result<bool> {
        let mut objects = write(&self.objects);
        if !objects.contains_key(key) {
            return Ok(false);
        }
        match fs::remove_file(self.layout.object_meta(&self.name, key)) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        if let Some(old) = objects.remove(key) {
            old.retire();
        }
        Ok(true)
    }

    pub fn create_upload(&self, meta: UploadMeta) -> Result<Arc<Upload>> {
        let mut uploads = lock(&self.uploads);
        if self.deleted.load(Ordering::Acquire) {
            return Err(OssError::no_such_bucket(&self.name));
        }
        fs::create_dir_all(self.layout.upload_dir(&self.name, &meta.upload_id))?;
        write_json_atomic(&self.layout, &self.layout.upload_meta(&self.name, &meta.upload_id), &meta)?;
        let upload = Arc::new(Upload { meta, state: Mutex::new(UploadState::default()) });
        uploads.insert(upload.meta.upload_id.clone(), upload.clone());
        Ok(upload)
    }

    pub fn upload(&self, upload_id: &str) -> Option<Arc<Upload>> {
        lock(&self.uploads).get(upload_id).cloned()
    }

    pub fn uploads(&self) -> Vec<Arc<Upload>> {
        lock(&self.uploads).values().cloned().collect()
    }

    pub fn has_uploads(&self) -> bool {
        !lock(&self.uploads).is_empty()
    }

    /// Stores a part (whose segments this call now owns), replacing one with the same number.
    pub fn put_part(&self, upload: &Upload, part: PartMeta) -> Result<()> {
        let path = self.layout.part_meta(&self.name, &upload.meta.upload_id, part.number);
        let mut state = lock(&upload.state);
        if state.done {
            remove_blobs(&self.blobs_dir(), &part.segments);
            return Err(OssError::no_such_upload(&upload.meta.upload_id));
        }
        if let Err(e) = write_json_atomic(&self.layout, &path, &part) {
            remove_blobs(&self.blobs_dir(), &part.segments);
            return Err(e.into());
        }
        if let Some(old) = state.parts.insert(part.number, part) {
            remove_blobs(&self.blobs_dir(), &old.segments);
        }
        Ok(())
    }

    /// Completes an upload: `assemble` picks and validates parts and returns the object to
    /// publish (segments still the parts' own); this call links them, publishes after `check`,
    /// and removes the upload. Holding the upload's lock throughout makes Complete and Abort
    /// mutually exclusive: exactly one of them wins.
    pub fn complete_upload(
        &self,
        upload: &Upload,
        assemble: impl FnOnce(&BTreeMap<u32, PartMeta>) -> Result<ObjectMeta>,
        check: impl FnOnce(Option<&ObjectVersion>) -> Result<()>,
    ) -> Result<Arc<ObjectVersion>> {
        let mut state = lock(&upload.state);
        if state.done {
            return Err(OssError::no_such_upload(&upload.meta.upload_id));
        }
        let mut meta = assemble(&state.parts)?;
        let blobs = self.blobs_dir();
        let pieces: Vec<(&Segment, u64, u64)> = meta.segments.iter().map(|s| (s, 0, s.len)).collect();
        meta.segments = self.link(&blobs, &pieces)?;
        let version = self.publish(meta, check)?;
        state.done = true;
        drop(state);
        // The object is published: a failure to tidy the upload away must not turn this success
        // into an error (the leftovers are collected at the next start).
        if let Err(e) = self.forget_upload(upload) {
            tracing::warn!("completed upload {} could not be removed: {e}", upload.meta.upload_id);
        }
        Ok(version)
    }

    /// Aborts an upload and deletes its parts.
    pub fn abort_upload(&self, upload: &Upload) -> Result<()> {
        let mut state = lock(&upload.state);
        if state.done {
            return Err(OssError::no_such_upload(&upload.meta.upload_id));
        }
        state.done = true;
        drop(state);
        self.forget_upload(upload)
    }

    fn forget_upload(&self, upload: &Upload) -> Result<()> {
        lock(&self.uploads).remove(&upload.meta.upload_id);
        let dir = self.layout.upload_dir(&self.name, &upload.meta.upload_id);
        let parts = std::mem::take(&mut lock(&upload.state).parts);
        for part in parts.values() {
            remove_blobs(&self.blobs_dir(), &part.segments);
        }
        remove_tree(&self.layout, &dir)?;
        Ok(())
    }
}

fn read_dir_or_empty(dir: &Path) -> io::Result<Vec<PathBuf>> {
    match fs::read_dir(dir) {
        Ok(entries) => entries.map(|e| e.map(|e| e.path())).collect(),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

fn copy_range(src: &Path, dst: &Path, offset: u64, len: u64) -> io::Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    let mut input = fs::File::open(src)?;
    input.seek(SeekFrom::Start(offset))?;
    let mut output = fs::File::create(dst)?;
    let copied = io::copy(&mut input.take(len), &mut output)?;
    if copied != len {
        let _ = fs::remove_file(dst);
        return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "source blob shorter than its metadata"));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
