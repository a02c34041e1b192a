//! The store: owns the data directory, never sees HTTP, and offers async methods that do their
//! own blocking work off the runtime threads.
//!
//! - **Metadata** lives in an SQLite index ([`index`]) in WAL mode: buckets, objects, uploads,
//!   parts and how many segments reference each blob. Nothing holds all keys in memory; listing
//!   reads the index in key order. Only bucket records (a few per account) are cached.
//! - **Data** lives in immutable blob files ([`layout`]). Copies list the source's blobs again
//!   instead of copying bytes, so CopyObject of 1 GiB costs what 1 KiB does.
//! - **Writes** go through one writer thread ([`writer`]) that commits everything queued in one
//!   transaction. A small PUT is one handoff: the body arrives in memory and the writer puts
//!   its blob file in place and commits. Every write checks its bucket inside its transaction,
//!   so a write racing DeleteBucket answers NoSuchBucket and leaves nothing behind.
//! - **Reads** are one `spawn_blocking`: look up, pin the blobs, and for small objects read the
//!   bytes too.
//! - **Freeing**: a commit that stops referencing a blob hands it to [`reclaim`], which deletes
//!   it in the background once no reader can reach it.
//!
//! Crash model: the index commit is the moment a write happens. Before it, nothing is visible and
//! the only leftovers are unreferenced blob files, swept in the background at the next start;
//! after it, everything the write references is in place. Complete and Abort are one
//! transaction each. What survives what depends on [`Durability`].

pub mod blob;
mod index;
pub mod layout;
pub mod model;
mod reclaim;
mod writer;

use std::collections::BTreeMap;
use std::io;
use std::ops::Bound;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use bytes::Bytes;
use oss_protocol::{VersionId, VersioningStatus};
use rusqlite::Connection;

use blob::Piece;
pub use blob::{Data, Incoming, Received};
pub use index::Durability;
pub use layout::Layout;
pub use model::{
    AccountMeta, BlobId, BucketMeta, ObjectMeta, PartMeta, Placement, Restore, RestoreState, Segment, UploadMeta,
};
pub use reclaim::Pin;

use crate::error::{Code, OssError, Result};
use crate::worm::Worm;
use reclaim::Reclaimer;
use writer::{Batch, Writer};

/// Objects this small are read whole in their lookup's blocking call: one handoff per GET.
pub const PRELOAD_MAX: u64 = 64 * 1024;

/// Read connections kept open between reads (each caches at most 4 MiB of index pages).
const MAX_POOLED_READERS: usize = 16;

/// What a scan visitor wants next.
pub enum Step {
    Next,
    /// Skip every remaining key that starts with this (a common prefix already reported).
    SkipPrefix(String),
    Stop,
}

/// Test hooks: simulated crashes at named steps of a commit, and a record of what was synced.
#[derive(Clone, Default)]
pub struct StoreHooks(Option<Arc<HooksInner>>);

#[derive(Default)]
struct HooksInner {
    crash_at: Mutex<Option<&'static str>>,
    synced: Mutex<Vec<SyncEvent>>,
}

/// What `power` durability synced, in order (recorded only with hooks on).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncEvent {
    Data(BlobId),
    Dir(PathBuf),
    /// An index commit, and whether SQLite synced it (`synchronous=FULL`).
    Index {
        synced: bool,
    },
}

impl StoreHooks {
    pub fn enabled() -> Self {
        StoreHooks(Some(Arc::default()))
    }

    /// The writer stops dead at `step` (`before-commit`, `after-commit`) of its next commit, as
    /// if the process had been killed there.
    pub fn crash_at(&self, step: &'static str) {
        if let Some(h) = &self.0 {
            *h.crash_at.lock().unwrap_or_else(PoisonError::into_inner) = Some(step);
        }
    }

    fn fire(&self, step: &'static str) -> bool {
        let Some(h) = &self.0 else { return false };
        let mut at = h.crash_at.lock().unwrap_or_else(PoisonError::into_inner);
        if *at == Some(step) {
            *at = None;
            return true;
        }
        false
    }

    fn record(&self, event: SyncEvent) {
        if let Some(h) = &self.0 {
            h.synced.lock().unwrap_or_else(PoisonError::into_inner).push(event);
        }
    }

    fn record_commit(&self, dirs: &std::collections::BTreeSet<PathBuf>, durability: Durability) {
        if self.0.is_some() {
            for dir in dirs {
                self.record(SyncEvent::Dir(dir.clone()));
            }
            self.record(SyncEvent::Index { synced: durability == Durability::Power });
        }
    }

    pub fn synced(&self) -> Vec<SyncEvent> {
        self.0.as_ref().map(|h| h.synced.lock().unwrap_or_else(PoisonError::into_inner).clone()).unwrap_or_default()
    }
}

/// An object found for reading: its metadata, where its bytes are (blob files pinned, small
/// blobs already read), and for small objects the bytes themselves.
#[derive(Debug)]
pub struct Opened {
    pub meta: ObjectMeta,
    pieces: Vec<Piece>,
    data: Option<Bytes>,
    pin: Pin,
}

struct Inner {
    layout: Layout,
    durability: Durability,
    buckets: RwLock<BTreeMap<String, Arc<BucketMeta>>>,
    /// Account settings by account id; an account that set nothing has none.
    accounts: RwLock<BTreeMap<String, AccountMeta>>,
    readers: Mutex<Vec<Connection>>,
    writer: Writer,
    reclaim: Arc<Reclaimer>,
    hooks: StoreHooks,
    sweeper: Mutex<Option<std::thread::JoinHandle<()>>>,
}

#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

fn invalid_data(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

/// Where a version's row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Row {
    Current,
    /// Its number among the key's noncurrent versions.
    Noncurrent(i64),
}

/// The current version of `key`, or the one `version` names.
fn find(conn: &Connection, bucket: &str, key: &str, version: Option<&VersionId>) -> Result<Option<(Row, ObjectMeta)>> {
    let current = index::get_object(conn, bucket, key)?;
    let Some(wanted) = version else { return Ok(current.map(|m| (Row::Current, m))) };
    match current {
        Some(m) if &m.version_id == wanted => Ok(Some((Row::Current, m))),
        // No current version: no noncurrent ones either.
        None => Ok(None),
        Some(_) => Ok(index::noncurrent_versions(conn, bucket, key)?
            .into_iter()
            .find(|(_, m)| &m.version_id == wanted)
            .map(|(seq, m)| (Row::Noncurrent(seq), m))),
    }
}

/// Where each segment's bytes are: blob files stay files, small blobs are read from the index.
fn resolve(conn: &Connection, segments: &[Segment]) -> Result<Vec<Piece>> {
    // Parts copied from one small object all name its blob: read it once, slice it for each.
    let mut read: std::collections::HashMap<&BlobId, Bytes> = std::collections::HashMap::new();
    segments
        .iter()
        .map(|seg| match seg.placement {
            Placement::File => Ok(Piece::File { blob: seg.blob.clone(), offset: seg.offset, len: seg.len }),
            Placement::Index => {
                let bytes = match read.get(&seg.blob) {
                    Some(b) => b.clone(),
                    None => {
                        let b = Bytes::from(index::small_blob(conn, &seg.blob)?);
                        read.insert(&seg.blob, b.clone());
                        b
                    }
                };
                let (from, to) = (seg.offset as usize, (seg.offset + seg.len) as usize);
                if to > bytes.len() {
                    return Err(OssError::internal("index", "a small blob is shorter than its segment"));
                }
                Ok(Piece::Memory(bytes.slice(from..to)))
            }
        })
        .collect()
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f).await.map_err(|e| OssError::internal("blocking task", e))?
}

impl Store {
    /// Opens (or initialises) a data directory. Blocking; nothing here grows with the number of
    /// objects: leftovers of a crash are swept in the background afterwards.
    pub fn open(root: impl Into<PathBuf>, durability: Durability, hooks: StoreHooks) -> io::Result<Store> {
        let layout = Layout::new(root);
        std::fs::create_dir_all(layout.root())?;
        let fresh = match std::fs::read_to_string(layout.format_file()) {
            Ok(v) if v.trim() == layout::FORMAT_VERSION => false,
            Ok(v) if v.trim() == layout::FORMAT_VERSION_1 => {
                return Err(invalid_data(format!(
                    "{} was written by an earlier oss-emulator (layout 1, one JSON file per object). \
                     This version keeps metadata in an index and cannot read it. Start with a new \
                     --data-dir, or export the objects with the earlier version (e.g. `ossc cp -r`) \
                     and import them into a new one.",
                    layout.root().display()
                )))
            }
            Ok(v) => {
                return Err(invalid_data(format!(
                    "{} holds layout {:?}, this emulator reads {}",
                    layout.root().display(),
                    v.trim(),
                    layout::FORMAT_VERSION
                )))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => true,
            Err(e) => return Err(e),
        };
        if fresh {
            for dir in layout.shard_dirs() {
                std::fs::create_dir_all(dir)?;
            }
        }
        // The previous run's in-flight bodies: moved aside at once, deleted in the background.
        let trash = layout.trash_dir().join(BlobId::new().as_str());
        std::fs::create_dir_all(layout.trash_dir())?;
        match std::fs::rename(layout.tmp_dir(), &trash) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        std::fs::create_dir_all(layout.tmp_dir())?;
        let db_err = |e: rusqlite::Error| io::Error::other(format!("index {}: {e}", layout.index().display()));
        let conn = index::connect(&layout.index(), durability).map_err(db_err)?;
        index::create_schema(&conn).map_err(db_err)?;
        let buckets = index::load_buckets(&conn)
            .map_err(|e| io::Error::other(e.to_string()))?
            .into_iter()
            .map(|b| (b.name.clone(), Arc::new(b)))
            .collect();
        let accounts = index::load_accounts(&conn).map_err(|e| io::Error::other(e.to_string()))?.into_iter().collect();
        if fresh {
            std::fs::write(layout.format_file(), layout::FORMAT_VERSION)?;
            if durability == Durability::Power {
                std::fs::File::open(layout.root())?.sync_all()?;
            }
        }
        let reclaim = Reclaimer::start(layout.clone());
        reclaim.empty_trash(layout.trash_dir());
        let writer = Writer::start(conn, layout.clone(), durability, reclaim.clone(), hooks.clone())?;
        let store = Store {
            inner: Arc::new(Inner {
                layout,
                durability,
                buckets: RwLock::new(buckets),
                accounts: RwLock::new(accounts),
                readers: Mutex::new(Vec::new()),
                writer,
                reclaim,
                hooks,
                sweeper: Mutex::new(None),
            }),
        };
        let sweeper = store.sweep();
        *store.inner.sweeper.lock().unwrap_or_else(PoisonError::into_inner) = sweeper;
        Ok(store)
    }

    pub fn durability(&self) -> Durability {
        self.inner.durability
    }

    /// Starts receiving a body: small ones stay in memory, larger ones stream to `tmp/`.
    pub fn incoming(&self) -> Incoming {
        Incoming::new(self.inner.layout.tmp_dir())
    }

    /// A body already in memory (seeding from a manifest).
    pub fn receive_bytes(&self, data: Vec<u8>) -> Received {
        use md5::Digest;
        let md5 = md5::Md5::digest(&data).into();
        let crc64 = oss_protocol::crc64::checksum(&data);
        Received { len: data.len() as u64, md5, crc64, data: Data::Bytes(Bytes::from(data)) }
    }

    /// A body read from a local file (seeding from a directory).
    pub async fn receive_file(&self, path: PathBuf) -> Result<Received> {
        let tmp = self.inner.layout.tmp_dir();
        blocking(move || Ok(blob::receive_sync(&tmp, &mut std::fs::File::open(&path)?)?)).await
    }

    /// Waits until the crash sweep is done and blobs freed so far are deleted (tests).
    pub async fn settle(&self) {
        let reclaim = self.inner.reclaim.clone();
        let _ = tokio::task::spawn_blocking(move || {
            reclaim.wait_for_sweep();
            reclaim.flush()
        })
        .await;
    }

    /// Finishes the background work and closes the index, so that nothing writes into the data
    /// directory any more (an `--ephemeral` one is removed next). Writes answer errors after.
    pub async fn close(&self) {
        let store = self.clone();
        let _ = tokio::task::spawn_blocking(move || store.close_blocking()).await;
    }

    /// [`Store::close`] on the calling thread: it waits for at most one commit.
    pub fn close_blocking(&self) {
        // The readers first: the last connection to close checkpoints the log into the index.
        self.inner.readers.lock().unwrap_or_else(PoisonError::into_inner).clear();
        // Commits what is queued; the sweep's next check then fails and it ends.
        self.inner.writer.stop();
        let sweeper = self.inner.sweeper.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(sweeper) = sweeper {
            let _ = sweeper.join();
        }
        self.inner.reclaim.flush();
    }

    /// Runs a read against a pooled connection.
    fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let pooled = self.inner.readers.lock().unwrap_or_else(PoisonError::into_inner).pop();
        let conn = match pooled {
            Some(c) => c,
            None => index::connect(&self.inner.layout.index(), self.inner.durability)?,
        };
        let out = f(&conn);
        let mut pool = self.inner.readers.lock().unwrap_or_else(PoisonError::into_inner);
        // Bounded: a burst of readers opens connections, the pool keeps a few for next time.
        if pool.len() < MAX_POOLED_READERS {
            pool.push(conn);
        }
        out
    }

    /// Queues a write for the next commit and waits for it.
    async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Batch<'_>) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        self.inner.writer.submit(f).await.map_err(|_| writer::stopped())?
    }

    /// In `power` mode a body's bytes are synced by the request's own blocking call, in
    /// parallel with other requests, before its commit is queued; the commit then only renames
    /// them and syncs directories and the index.
    async fn prepare(&self, data: Data, kind: Placement) -> Result<Data> {
        // A small body goes into the index, synced by the commit itself.
        if self.inner.durability != Durability::Power || data.goes_to_index(kind) {
            return Ok(data);
        }
        let (tmp_dir, hooks) = (self.inner.layout.tmp_dir(), self.inner.hooks.clone());
        blocking(move || {
            let (data, id) = data.sync_in_tmp(&tmp_dir)?;
            hooks.record(SyncEvent::Data(id));
            Ok(data)
        })
        .await
    }

    /// Removes a received body that will not be stored.
    pub async fn discard(&self, data: Data) {
        if matches!(data, Data::File(_)) {
            let _ = tokio::task::spawn_blocking(move || data.discard()).await;
        }
    }

    /// Deletes blob files a crash left behind: written, never committed. Runs on a thread of its
    /// own after start-up, one shard directory at a time; each check is a write job, so it sees
    /// every blob the writer has placed either committed or removed.
    fn sweep(&self) -> Option<std::thread::JoinHandle<()>> {
        let store = self.clone();
        let spawned = std::thread::Builder::new().name("oss-sweep".into()).spawn(move || {
            let mut removed = 0usize;
            for shard in store.inner.layout.shard_dirs() {
                let Ok(entries) = std::fs::read_dir(&shard) else { continue };
                let ids: Vec<BlobId> =
                    entries.flatten().filter_map(|e| e.file_name().to_str().and_then(BlobId::parse)).collect();
                if ids.is_empty() {
                    continue;
                }
                match store.inner.writer.submit(move |b| writer::unreferenced(b, ids)).blocking_recv() {
                    Ok(Ok(orphans)) => {
                        removed += orphans.len();
                        store.inner.reclaim.free(orphans);
                    }
                    // The store is closing (or the writer died): the next start sweeps again.
                    _ => return,
                }
            }
            if removed > 0 {
                tracing::info!("removing {removed} blob files a crash left unreferenced");
            }
            store.inner.reclaim.sweep_done();
        });
        spawned.map_err(|e| tracing::warn!("could not start the crash sweep: {e}")).ok()
    }
}

// ---- buckets ----

impl Store {
    pub fn bucket(&self, name: &str) -> Option<Arc<BucketMeta>> {
        self.inner.buckets.read().unwrap_or_else(PoisonError::into_inner).get(name).cloned()
    }

    pub fn buckets(&self) -> Vec<Arc<BucketMeta>> {
        self.inner.buckets.read().unwrap_or_else(PoisonError::into_inner).values().cloned().collect()
    }

    fn cache_bucket(&self, meta: BucketMeta) -> Arc<BucketMeta> {
        let meta = Arc::new(meta);
        self.inner.buckets.write().unwrap_or_else(PoisonError::into_inner).insert(meta.name.clone(), meta.clone());
        meta
    }

    fn uncache_bucket(&self, name: &str) {
        self.inner.buckets.write().unwrap_or_else(PoisonError::into_inner).remove(name);
    }

    /// Creates a bucket, or returns the existing one untouched (`Err`).
    pub async fn create_bucket(
        &self,
        meta: BucketMeta,
    ) -> Result<std::result::Result<Arc<BucketMeta>, Arc<BucketMeta>>> {
        let created = self
            .write(move |b| match index::get_bucket(b.conn, &meta.name)? {
                Some(existing) => Ok(Err(existing)),
                None => {
                    index::put_bucket(b.conn, &meta)?;
                    Ok(Ok(meta))
                }
            })
            .await?;
        Ok(match created {
            Ok(meta) => Ok(self.cache_bucket(meta)),
            Err(existing) => Err(self.bucket(&existing.name).unwrap_or_else(|| Arc::new(existing))),
        })
    }

    /// Deletes an empty bucket (no objects, no pending uploads).
    pub async fn delete_bucket(&self, name: &str) -> Result<()> {
        let owned = name.to_owned();
        self.write(move |b| {
            let name = owned.as_str();
            index::require_bucket(b.conn, name)?;
            if index::has_objects(b.conn, name)? || index::has_versions(b.conn, name)? {
                return Err(OssError::new(Code::BucketNotEmpty).with("BucketName", name).ec("0015-00000301"));
            }
            if index::has_uploads(b.conn, name)? {
                return Err(OssError::new(Code::BucketNotEmpty)
                    .message("The bucket has Multipart Uploads.")
                    .with("BucketName", name)
                    .ec("0015-00000301"));
            }
            index::delete_bucket_row(b.conn, name)
        })
        .await?;
        self.uncache_bucket(name);
        Ok(())
    }

    pub async fn update_bucket(&self, name: &str, change: impl FnOnce(&mut BucketMeta) + Send + 'static) -> Result<()> {
        self.try_update_bucket(name, move |meta| {
            change(meta);
            Ok(())
        })
        .await
    }

    /// Changes a bucket's metadata in one commit, if `change` approves of what it finds: a
    /// change that depends on the current state (a WORM policy's state) cannot race another.
    pub async fn try_update_bucket<T: Send + 'static>(
        &self,
        name: &str,
        change: impl FnOnce(&mut BucketMeta) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let owned = name.to_owned();
        let (meta, out) = self
            .write(move |b| {
                let mut meta = index::require_bucket(b.conn, &owned)?;
                let out = change(&mut meta)?;
                index::put_bucket(b.conn, &meta)?;
                Ok((meta, out))
            })
            .await?;
        self.cache_bucket(meta);
        Ok(out)
    }

    pub fn account(&self, id: &str) -> AccountMeta {
        self.inner.accounts.read().unwrap_or_else(PoisonError::into_inner).get(id).cloned().unwrap_or_default()
    }

    /// Whether public grants (ACLs, policies granting `*`) of `bucket` count for nothing: its own
    /// public access block, or its owner's account-level one.
    pub fn blocks_public_access(&self, bucket: &BucketMeta) -> bool {
        bucket.configs.block_public_access || self.account(&bucket.owner_id).block_public_access
    }

    /// Changes an account's settings in one commit.
    pub async fn update_account(&self, id: &str, change: impl FnOnce(&mut AccountMeta) + Send + 'static) -> Result<()> {
        let mut meta = self.account(id);
        change(&mut meta);
        let (owned, stored) = (id.to_owned(), meta.clone());
        self.write(move |b| index::put_account(b.conn, &owned, &stored)).await?;
        self.inner.accounts.write().unwrap_or_else(PoisonError::into_inner).insert(id.to_owned(), meta);
        Ok(())
    }

    /// Deletes buckets with everything in them (all, or just `only`): the control API's reset.
    /// Returns the names removed.
    pub async fn reset(&self, only: Option<&str>) -> Result<Vec<String>> {
        let names: Vec<String> = match only {
            Some(name) if self.bucket(name).is_some() => vec![name.to_owned()],
            Some(name) => return Err(OssError::no_such_bucket(name)),
            None => self.buckets().iter().map(|b| b.name.clone()).collect(),
        };
        for name in &names {
            // One bucket per commit, in slices, so a reset of a large bucket does not hold every
            // other writer behind one huge transaction.
            loop {
                let bucket = name.clone();
                let more = self
                    .write(move |b| {
                        const SLICE: usize = 2000;
                        let objects = index::scan_objects(b.conn, &bucket, Bound::Unbounded, None, SLICE)?;
                        for o in &objects {
                            index::delete_object_row(b.conn, &bucket, &o.key)?;
                            index::drop_refs(b.conn, &o.segments, &mut b.freed)?;
                        }
                        if objects.len() == SLICE {
                            return Ok(true);
                        }
                        let versions = index::some_versions(b.conn, &bucket, SLICE)?;
                        for (seq, v) in &versions {
                            index::delete_version_row(b.conn, &bucket, &v.key, *seq)?;
                            index::drop_refs(b.conn, &v.segments, &mut b.freed)?;
                        }
                        if versions.len() == SLICE {
                            return Ok(true);
                        }
                        for id in index::upload_ids(b.conn, &bucket)? {
                            for part in index::scan_parts(b.conn, &bucket, &id, 0, usize::MAX >> 1)? {
                                index::drop_refs(b.conn, &part.segments, &mut b.freed)?;
                            }
                            index::delete_upload_rows(b.conn, &bucket, &id)?;
                        }
                        index::delete_bucket_row(b.conn, &bucket)?;
                        Ok(false)
                    })
                    .await?;
                if !more {
                    break;
                }
            }
            self.uncache_bucket(name);
        }
        if only.is_none() {
            self.write(|b| index::delete_accounts(b.conn)).await?;
            self.inner.accounts.write().unwrap_or_else(PoisonError::into_inner).clear();
        }
        Ok(names)
    }
}

// ---- reading objects ----

impl Store {
    /// An object version's metadata (no pins: for checks, not for reading data): the current
    /// one, or the one `version` names. It may be a delete marker.
    pub async fn head(&self, bucket: &str, key: &str, version: Option<&VersionId>) -> Result<Option<ObjectMeta>> {
        let (store, bucket, key, version) = (self.clone(), bucket.to_owned(), key.to_owned(), version.cloned());
        blocking(move || store.read(|c| find(c, &bucket, &key, version.as_ref()).map(|f| f.map(|(_, m)| m)))).await
    }

    /// Finds an object version for reading (the current one, or the one `version` names; it may
    /// be a delete marker): pins its blobs, and reads it whole when it is at most `preload` bytes
    /// (one handoff for a small GET).
    pub async fn open_object(
        &self,
        bucket: &str,
        key: &str,
        version: Option<&VersionId>,
        preload: u64,
    ) -> Result<Option<Opened>> {
        let (store, bucket, key, version) = (self.clone(), bucket.to_owned(), key.to_owned(), version.cloned());
        blocking(move || store.open_blocking(&bucket, &key, version.as_ref(), preload)).await
    }

    fn open_blocking(
        &self,
        bucket: &str,
        key: &str,
        version: Option<&VersionId>,
        preload: u64,
    ) -> Result<Option<Opened>> {
        let reclaim = &self.inner.reclaim;
        let (meta, pieces, pin) = {
            let _lookup = reclaim.lookup();
            let found = self.read(|c| {
                // One snapshot for the row and its small blobs: a commit between the two reads
                // could drop the blobs the row names.
                let snapshot = c.unchecked_transaction()?;
                let Some((_, meta)) = find(&snapshot, bucket, key, version)? else { return Ok(None) };
                let pieces = resolve(&snapshot, &meta.segments)?;
                Ok(Some((meta, pieces)))
            })?;
            let Some((meta, pieces)) = found else { return Ok(None) };
            let files = meta.segments.iter().filter(|s| s.placement == Placement::File);
            let pin = reclaim.pin(files.map(|s| s.blob.clone()));
            (meta, pieces, pin)
        };
        let data = match pieces.as_slice() {
            [Piece::Memory(bytes)] => Some(bytes.clone()),
            _ if meta.size <= preload => {
                let mut buf = Vec::with_capacity(meta.size as usize);
                blob::for_each_chunk(&self.inner.layout, &pieces, 0, meta.size, |chunk| {
                    buf.extend_from_slice(chunk);
                    Ok(())
                })?;
                Some(Bytes::from(buf))
            }
            _ => None,
        };
        Ok(Some(Opened { meta, pieces, data, pin }))
    }

    /// Streams `len` bytes from `start` of an opened object. The stream holds the pins, so the
    /// bytes outlive any concurrent overwrite or delete until it is done.
    pub fn stream(&self, opened: Opened, start: u64, len: u64) -> blob::ByteStream {
        blob::stream(self.inner.layout.clone(), opened.pieces, opened.data, opened.pin, start, len)
    }

    /// MD5 and CRC-64 of a range of an opened object (UploadPartCopy's part ETag and CRC).
    pub async fn digest(&self, opened: &Opened, start: u64, len: u64) -> Result<([u8; 16], u64)> {
        let layout = self.inner.layout.clone();
        let pieces = match &opened.data {
            Some(bytes) => vec![Piece::Memory(bytes.clone())],
            None => opened.pieces.clone(),
        };
        // Bytes in memory need no blocking thread.
        if pieces.iter().all(|p| matches!(p, Piece::Memory(_))) {
            return Ok(blob::digest_range(&layout, &pieces, start, len)?);
        }
        blocking(move || Ok(blob::digest_range(&layout, &pieces, start, len)?)).await
    }

    /// Visits objects in key order: keys starting with `prefix`, after `after` when given, until
    /// the visitor says stop. Keys whose current version is a delete marker are not objects. The
    /// visitor runs on a blocking thread; its state is handed back.
    pub async fn scan<S, V>(&self, bucket: &str, prefix: &str, after: Option<&str>, state: S, mut visit: V) -> Result<S>
    where
        S: Send + 'static,
        V: FnMut(&mut S, &ObjectMeta) -> Step + Send + 'static,
    {
        let from = after.map(|a| (a.to_owned(), false));
        self.scan_rows(bucket, prefix, from, false, state, move |s, m, _| match m.delete_marker {
            true => Step::Next,
            false => visit(s, m),
        })
        .await
    }

    /// Visits every version (delete markers too) in key order, each key's newest first, with
    /// whether it is the current one: keys starting with `prefix`, from `from` (a key, and whether
    /// that key itself is included).
    pub async fn scan_versions<S, V>(
        &self,
        bucket: &str,
        prefix: &str,
        from: Option<(String, bool)>,
        state: S,
        visit: V,
    ) -> Result<S>
    where
        S: Send + 'static,
        V: FnMut(&mut S, &ObjectMeta, bool) -> Step + Send + 'static,
    {
        self.scan_rows(bucket, prefix, from, true, state, visit).await
    }

    async fn scan_rows<S, V>(
        &self,
        bucket: &str,
        prefix: &str,
        from: Option<(String, bool)>,
        history: bool,
        mut state: S,
        mut visit: V,
    ) -> Result<S>
    where
        S: Send + 'static,
        V: FnMut(&mut S, &ObjectMeta, bool) -> Step + Send + 'static,
    {
        const BATCH: usize = 256;
        let (store, bucket, prefix) = (self.clone(), bucket.to_owned(), prefix.to_owned());
        blocking(move || {
            let until = index::prefix_end(prefix.as_bytes());
            let (mut lower, mut inclusive) = match from {
                Some((key, incl)) if key.as_str() >= prefix.as_str() => (key.into_bytes(), incl),
                _ => (prefix.as_bytes().to_vec(), true),
            };
            store.read(|c| loop {
                let from = if inclusive { Bound::Included(&lower[..]) } else { Bound::Excluded(&lower[..]) };
                let rows = index::scan_objects(c, &bucket, from, until.as_deref(), BATCH)?;
                let full = rows.len() == BATCH;
                let mut next: Option<(Vec<u8>, bool)> = None;
                'rows: for meta in &rows {
                    let older = match history {
                        true => index::noncurrent_versions(c, &bucket, &meta.key)?,
                        false => Vec::new(),
                    };
                    let versions = std::iter::once((meta, true)).chain(older.iter().map(|(_, m)| (m, false)));
                    for (version, latest) in versions {
                        match visit(&mut state, version, latest) {
                            Step::Next => next = Some((meta.key.as_bytes().to_vec(), false)),
                            Step::SkipPrefix(p) => match index::prefix_end(p.as_bytes()) {
                                Some(end) => {
                                    next = Some((end, true));
                                    break 'rows;
                                }
                                None => return Ok(()),
                            },
                            Step::Stop => return Ok(()),
                        }
                    }
                }
                match next {
                    Some((key, incl)) if full || incl => {
                        lower = key;
                        inclusive = incl;
                    }
                    _ => return Ok(()),
                }
            })?;
            Ok(state)
        })
        .await
    }
}

// ---- writing objects ----

/// Approves (or refuses) the version a write would replace.
pub type Check = Box<dyn FnOnce(Option<&ObjectMeta>) -> Result<()> + Send>;

/// What a delete did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deleted {
    /// Something was there: an object, or the version asked for.
    pub existed: bool,
    /// The version removed (a delete by id), or the delete marker created.
    pub version_id: Option<VersionId>,
    /// A delete marker was created, or the version removed was one.
    pub delete_marker: bool,
}

/// Makes `meta` the current version of its key, after `check` approves the one it replaces.
/// `fresh`: its blobs were just placed by this job; otherwise they are shared with another
/// object, which must still exist. The bucket's versioning decides what becomes of the version
/// that was current, and whether `meta` keeps the id it proposes.
fn publish(b: &mut Batch<'_>, bucket: &str, meta: &mut ObjectMeta, fresh: bool, check: Check) -> Result<bool> {
    let owner = index::require_bucket(b.conn, bucket)?;
    let versioning = owner.versioning;
    if versioning != Some(VersioningStatus::Enabled) {
        meta.version_id = VersionId::null();
    }
    let old = index::get_object(b.conn, bucket, &meta.key)?;
    // Under retention an unversioned key may not be replaced (a versioned one keeps what it had).
    let retained = old.as_ref().filter(|o| versioning.is_none() && !o.delete_marker);
    if retained.is_some_and(|o| Worm::protects(owner.configs.worm.as_ref(), o.last_modified_ms, meta.last_modified_ms))
    {
        return Err(Worm::immutable());
    }
    // A versioned bucket replaces nothing (OSS ignores x-oss-forbid-overwrite there), and a
    // delete marker is no object to protect.
    check(old.as_ref().filter(|o| versioning.is_none() && !o.delete_marker))?;
    if !index::add_refs(b.conn, &meta.segments, fresh)? {
        return Ok(false);
    }
    index::put_object_row(b.conn, bucket, meta)?;
    supersede(b, bucket, versioning, old, meta)?;
    Ok(true)
}

/// What becomes of `old` now that `new` is current: unversioned buckets forget it, versioned ones
/// keep it as noncurrent, except a `null` version, which a new `null` version replaces (a key has
/// at most one).
fn supersede(
    b: &mut Batch<'_>,
    bucket: &str,
    versioning: Option<VersioningStatus>,
    old: Option<ObjectMeta>,
    new: &ObjectMeta,
) -> Result<()> {
    if let Some(old) = old {
        if versioning.is_none() || (old.version_id.is_null() && new.version_id.is_null()) {
            index::drop_refs(b.conn, &old.segments, &mut b.freed)?;
        } else {
            index::push_version(b.conn, bucket, &old)?;
        }
    }
    if versioning.is_some() && new.version_id.is_null() {
        let older = index::noncurrent_versions(b.conn, bucket, &new.key)?;
        if let Some((seq, null)) = older.into_iter().find(|(_, m)| m.version_id.is_null()) {
            index::delete_version_row(b.conn, bucket, &new.key, seq)?;
            index::drop_refs(b.conn, &null.segments, &mut b.freed)?;
        }
    }
    Ok(())
}

/// One delete inside a commit: see [`Store::delete_objects`].
/// Under retention, nothing is removed for good while it is protected; a delete marker hides
/// and removes nothing, so it is allowed.
fn delete_one(b: &mut Batch<'_>, owner: &BucketMeta, d: &Delete) -> Result<Deleted> {
    let (bucket, versioning) = (owner.name.as_str(), owner.versioning);
    let protected = |m: &ObjectMeta| Worm::protects(owner.configs.worm.as_ref(), m.last_modified_ms, d.now_ms);
    let Some(wanted) = &d.version else {
        let Some(versioning) = versioning else {
            let old = index::get_object(b.conn, bucket, &d.key)?;
            if old.as_ref().is_some_and(protected) {
                return Err(Worm::immutable());
            }
            if let Some(old) = &old {
                index::delete_object_row(b.conn, bucket, &d.key)?;
                index::drop_refs(b.conn, &old.segments, &mut b.freed)?;
            }
            return Ok(Deleted { existed: old.is_some(), version_id: None, delete_marker: false });
        };
        // A versioned bucket keeps what was there and puts a delete marker on top, whether or
        // not the key had an object (as S3 does; OSS documents nothing else).
        let id = match versioning {
            VersioningStatus::Enabled => d.marker_id.clone(),
            VersioningStatus::Suspended => VersionId::null(),
        };
        let marker = ObjectMeta::delete_marker(&d.key, id, d.now_ms);
        let old = index::get_object(b.conn, bucket, &d.key)?;
        index::put_object_row(b.conn, bucket, &marker)?;
        supersede(b, bucket, Some(versioning), old, &marker)?;
        return Ok(Deleted { existed: true, version_id: Some(marker.version_id), delete_marker: true });
    };
    let found = find(b.conn, bucket, &d.key, Some(wanted))?;
    let Some((row, removed)) = found else {
        // Nothing to remove is no error: the version is gone either way.
        return Ok(Deleted { existed: false, version_id: Some(wanted.clone()), delete_marker: false });
    };
    if !removed.delete_marker && protected(&removed) {
        return Err(Worm::immutable());
    }
    match row {
        Row::Current => {
            index::delete_object_row(b.conn, bucket, &d.key)?;
            // The newest noncurrent version becomes current; removing a current delete marker
            // brings the object back.
            if let Some((seq, newest)) = index::noncurrent_versions(b.conn, bucket, &d.key)?.into_iter().next() {
                index::delete_version_row(b.conn, bucket, &d.key, seq)?;
                index::put_object_row(b.conn, bucket, &newest)?;
            }
        }
        Row::Noncurrent(seq) => index::delete_version_row(b.conn, bucket, &d.key, seq)?,
    }
    index::drop_refs(b.conn, &removed.segments, &mut b.freed)?;
    Ok(Deleted { existed: true, version_id: Some(removed.version_id), delete_marker: removed.delete_marker })
}

/// One key of a DeleteObject or DeleteMultipleObjects.
#[derive(Debug, Clone)]
pub struct Delete {
    pub key: String,
    /// Remove this version for good; without it, the current version is deleted (in a
    /// versioned bucket: hidden behind a new delete marker).
    pub version: Option<VersionId>,
    /// The id a delete marker gets in an `Enabled` bucket.
    pub marker_id: VersionId,
    pub now_ms: i64,
}

impl Store {
    /// Stores a new object from a received body.
    pub async fn put_object(&self, bucket: &str, mut meta: ObjectMeta, data: Data, check: Check) -> Result<ObjectMeta> {
        let data = self.prepare(data, Placement::Index).await?;
        let bucket = bucket.to_owned();
        self.write(move |b| {
            meta.segments = vec![data.place(b, meta.size, Placement::Index)?];
            publish(b, &bucket, &mut meta, true, check)?;
            Ok(meta)
        })
        .await
    }

    /// Stores an object whose segments are a source object's (CopyObject): no bytes move. If the
    /// source was deleted after it was read, NoSuchKey names `source_key`.
    pub async fn copy_object(
        &self,
        bucket: &str,
        mut meta: ObjectMeta,
        source_key: &str,
        check: Check,
    ) -> Result<ObjectMeta> {
        let (bucket, source_key) = (bucket.to_owned(), source_key.to_owned());
        self.write(move |b| {
            if publish(b, &bucket, &mut meta, false, check)? {
                Ok(meta)
            } else {
                Err(OssError::no_such_key(&source_key))
            }
        })
        .await
    }

    /// AppendObject: adds the received bytes at `position` of an Appendable object, or makes
    /// `first` (an Appendable object with no bytes yet, modified now) of them at position 0. The
    /// object stays the same version; its CRC-64 continues over the new bytes. `max_size` bounds
    /// the result.
    pub async fn append_object(
        &self,
        bucket: &str,
        first: ObjectMeta,
        position: u64,
        received: Received,
        max_size: u64,
    ) -> Result<ObjectMeta> {
        let (added, added_crc) = (received.len, received.crc64);
        let data = self.prepare(received.data, Placement::Index).await?;
        let bucket = bucket.to_owned();
        self.write(move |b| {
            // Placed first: a refusal below then removes the bytes with the job's rollback.
            let segment = data.place(b, added, Placement::Index)?;
            let current = index::get_object(b.conn, &bucket, &first.key)?.filter(|m| !m.delete_marker);
            let length = current.as_ref().map_or(0, |m| m.size);
            if current.as_ref().is_some_and(|m| m.object_type != oss_protocol::ObjectType::Appendable) {
                return Err(OssError::new(Code::ObjectNotAppendable).ec("0026-00000015"));
            }
            if position != length {
                return Err(OssError::new(Code::PositionNotEqualToLength)
                    .ec("0026-00000016")
                    .header(oss_protocol::headers::NEXT_APPEND_POSITION, length.to_string()));
            }
            if length + added > max_size {
                return Err(OssError::new(Code::EntityTooLarge)
                    .message("The appendable object would exceed the maximum object size."));
            }
            let now_ms = first.last_modified_ms;
            let existed = current.is_some();
            let mut meta = current.unwrap_or(first);
            meta.crc64 = oss_protocol::crc64::combine(meta.crc64, added_crc, added);
            meta.size = length + added;
            // [UNCONFIRMED] OSS documents no recipe for an appendable object's ETag (it is no MD5
            // of the whole); this one changes with every append, as OSS's does.
            meta.etag = format!("\"{:016X}{:016X}\"", meta.crc64, meta.size);
            meta.last_modified_ms = now_ms;
            if existed {
                // The same version grows: no new version per append.
                index::add_refs(b.conn, std::slice::from_ref(&segment), true)?;
                meta.segments.push(segment);
                index::put_object_row(b.conn, &bucket, &meta)?;
            } else {
                meta.segments = vec![segment];
                publish(b, &bucket, &mut meta, true, Box::new(|_| Ok(())))?;
            }
            Ok(meta)
        })
        .await
    }

    /// Deletes one key or version.
    pub async fn delete_object(&self, bucket: &str, delete: Delete) -> Result<Deleted> {
        let mut deleted = self.delete_objects(bucket, vec![delete]).await?;
        deleted.pop().ok_or_else(|| OssError::internal("delete", "no outcome"))
    }

    /// Deletes keys or versions in one commit, with what each delete did.
    pub async fn delete_objects(&self, bucket: &str, deletes: Vec<Delete>) -> Result<Vec<Deleted>> {
        let bucket = bucket.to_owned();
        self.write(move |b| {
            let owner = index::require_bucket(b.conn, &bucket)?;
            deletes.iter().map(|d| delete_one(b, &owner, d)).collect()
        })
        .await
    }

    /// Changes an object version's metadata in place (its data stays), atomically with respect
    /// to every other write of the key: the current version, or the one `version` names. A delete
    /// marker has no metadata to change.
    pub async fn update_object<T: Send + 'static>(
        &self,
        bucket: &str,
        key: &str,
        version: Option<&VersionId>,
        change: impl FnOnce(&mut ObjectMeta) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let (bucket, key, version) = (bucket.to_owned(), key.to_owned(), version.cloned());
        self.write(move |b| {
            index::require_bucket(b.conn, &bucket)?;
            let found = find(b.conn, &bucket, &key, version.as_ref())?;
            let (row, mut meta) = require_live(found, |(_, m)| m, &key, version.as_ref())?;
            // A change that fails stores nothing: the job's savepoint rolls back.
            let out = change(&mut meta)?;
            match row {
                Row::Current => index::put_object_row(b.conn, &bucket, &meta)?,
                Row::Noncurrent(seq) => index::put_version_row(b.conn, &bucket, seq, &meta)?,
            }
            Ok(out)
        })
        .await
    }
}

/// The version a request names, or the error OSS answers when there is none to act on: NoSuchKey
/// (nothing current, or a delete marker is), NoSuchVersion, or MethodNotAllowed for a delete
/// marker named by its id. The delete marker errors carry its headers.
pub fn require_live<T>(
    found: Option<T>,
    meta_of: impl Fn(&T) -> &ObjectMeta,
    key: &str,
    version: Option<&VersionId>,
) -> Result<T> {
    let marker_headers = |e: OssError, m: &ObjectMeta| {
        e.header(oss_protocol::headers::DELETE_MARKER, "true")
            .header(oss_protocol::headers::VERSION_ID, m.version_id.as_str())
    };
    let Some(found) = found else {
        return Err(match version {
            None => OssError::no_such_key(key),
            Some(v) => OssError::no_such_version(v.as_str()),
        });
    };
    let meta = meta_of(&found);
    match (meta.delete_marker, version) {
        (false, _) => Ok(found),
        (true, None) => Err(marker_headers(OssError::no_such_key(key), meta)),
        (true, Some(_)) => Err(marker_headers(
            OssError::new(Code::MethodNotAllowed)
                .with("Method", "GET")
                .with("ResourceType", "DeleteMarker")
                .header("allow", "DELETE"),
            meta,
        )),
    }
}

// ---- multipart uploads ----

/// What a part's bytes are: a received body, or a range of another object (UploadPartCopy).
pub enum PartData {
    Received(Data),
    /// Segments of a source object, shared; `source_key` for the error if it is gone meanwhile.
    Shared {
        segments: Vec<Segment>,
        source_key: String,
    },
}

impl Store {
    pub async fn create_upload(&self, bucket: &str, meta: UploadMeta) -> Result<()> {
        let bucket = bucket.to_owned();
        self.write(move |b| {
            index::require_bucket(b.conn, &bucket)?;
            index::put_upload(b.conn, &bucket, &meta)
        })
        .await
    }

    pub async fn upload(&self, bucket: &str, upload_id: &str) -> Result<Option<UploadMeta>> {
        let (store, bucket, id) = (self.clone(), bucket.to_owned(), upload_id.to_owned());
        blocking(move || store.read(|c| index::get_upload(c, &bucket, &id))).await
    }

    /// Stores a part, replacing one with the same number.
    pub async fn put_part(
        &self,
        bucket: &str,
        upload_id: &str,
        mut part: PartMeta,
        data: PartData,
    ) -> Result<PartMeta> {
        let data = match data {
            // Parts are always files: an object of many small parts (a lowered --min-part-size)
            // would otherwise be read whole into memory when opened.
            PartData::Received(d) => PartData::Received(self.prepare(d, Placement::File).await?),
            shared => shared,
        };
        let (bucket, upload_id) = (bucket.to_owned(), upload_id.to_owned());
        self.write(move |b| {
            // A received body is placed first, so that any failure below removes it with the
            // job's rollback.
            let shared_from = match data {
                PartData::Received(d) => {
                    part.segments = vec![d.place(b, part.size, Placement::File)?];
                    None
                }
                PartData::Shared { segments, source_key } => {
                    part.segments = segments;
                    Some(source_key)
                }
            };
            if index::get_upload(b.conn, &bucket, &upload_id)?.is_none() {
                return Err(OssError::no_such_upload(&upload_id));
            }
            if !index::add_refs(b.conn, &part.segments, shared_from.is_none())? {
                return Err(OssError::no_such_key(shared_from.as_deref().unwrap_or_default()));
            }
            if let Some(old) = index::get_part(b.conn, &bucket, &upload_id, part.number)? {
                index::drop_refs(b.conn, &old.segments, &mut b.freed)?;
            }
            index::put_part_row(b.conn, &bucket, &upload_id, &part)?;
            Ok(part)
        })
        .await
    }

    /// Parts numbered above `after`, in order, at most `limit`.
    pub async fn parts(&self, bucket: &str, upload_id: &str, after: u32, limit: usize) -> Result<Vec<PartMeta>> {
        let (store, bucket, id) = (self.clone(), bucket.to_owned(), upload_id.to_owned());
        blocking(move || store.read(|c| index::scan_parts(c, &bucket, &id, after, limit))).await
    }

    /// Visits uploads ordered by (key, upload id) with keys starting with `prefix`, strictly after
    /// (`key_marker`, `id_marker`), until the visitor says stop.
    pub async fn scan_uploads<S, V>(
        &self,
        bucket: &str,
        prefix: &str,
        after: (String, String),
        mut state: S,
        mut visit: V,
    ) -> Result<S>
    where
        S: Send + 'static,
        V: FnMut(&mut S, &UploadMeta) -> Step + Send + 'static,
    {
        const BATCH: usize = 256;
        let (store, bucket, prefix) = (self.clone(), bucket.to_owned(), prefix.to_owned());
        blocking(move || {
            let until = index::prefix_end(prefix.as_bytes());
            // The scan is strictly after a cursor (key, upload id); ids are never empty, so
            // (k, "") is "just before every upload of k".
            let (key_marker, id_marker) = after;
            let from_marker = match (key_marker.is_empty(), id_marker.is_empty()) {
                (true, _) => (Vec::new(), String::new()),
                // Only keys after the marker: the smallest byte string above it is marker + NUL.
                (false, true) => ([key_marker.as_bytes(), b"\0"].concat(), String::new()),
                (false, false) => (key_marker.into_bytes(), id_marker),
            };
            let mut cursor = from_marker.max((prefix.as_bytes().to_vec(), String::new()));
            store.read(|c| loop {
                let rows = index::scan_uploads(c, &bucket, (&cursor.0, &cursor.1), until.as_deref(), BATCH)?;
                let mut skipped = false;
                for upload in &rows {
                    match visit(&mut state, upload) {
                        Step::Next => cursor = (upload.key.as_bytes().to_vec(), upload.upload_id.clone()),
                        Step::SkipPrefix(p) => match index::prefix_end(p.as_bytes()) {
                            Some(end) => {
                                cursor = (end, String::new());
                                skipped = true;
                                break;
                            }
                            None => return Ok(()),
                        },
                        Step::Stop => return Ok(()),
                    }
                }
                if !skipped && rows.len() < BATCH {
                    return Ok(());
                }
            })?;
            Ok(state)
        })
        .await
    }

    /// Completes an upload in one transaction: `assemble` picks and validates parts and returns
    /// the object to publish (its segments the parts' own); the upload and its parts go in the
    /// same commit, so after a crash the upload is either still pending with every part, or
    /// gone with its object visible.
    pub async fn complete_upload(
        &self,
        bucket: &str,
        upload_id: &str,
        key: &str,
        assemble: impl FnOnce(&UploadMeta, &BTreeMap<u32, PartMeta>) -> Result<ObjectMeta> + Send + 'static,
        check: Check,
    ) -> Result<ObjectMeta> {
        let (bucket, upload_id, key) = (bucket.to_owned(), upload_id.to_owned(), key.to_owned());
        self.write(move |b| {
            let upload = index::get_upload(b.conn, &bucket, &upload_id)?
                .filter(|u| u.key == key)
                .ok_or_else(|| OssError::no_such_upload(&upload_id))?;
            let parts: BTreeMap<u32, PartMeta> = index::scan_parts(b.conn, &bucket, &upload_id, 0, usize::MAX >> 1)?
                .into_iter()
                .map(|p| (p.number, p))
                .collect();
            let mut meta = assemble(&upload, &parts)?;
            if !publish(b, &bucket, &mut meta, false, check)? {
                return Err(OssError::internal("complete", "a part's blob is missing from the index"));
            }
            for part in parts.values() {
                index::drop_refs(b.conn, &part.segments, &mut b.freed)?;
            }
            index::delete_upload_rows(b.conn, &bucket, &upload_id)?;
            Ok(meta)
        })
        .await
    }

    /// Aborts an upload and frees its parts, in one transaction.
    pub async fn abort_upload(&self, bucket: &str, upload_id: &str, key: &str) -> Result<()> {
        let (bucket, upload_id, key) = (bucket.to_owned(), upload_id.to_owned(), key.to_owned());
        self.write(move |b| {
            index::get_upload(b.conn, &bucket, &upload_id)?
                .filter(|u| u.key == key)
                .ok_or_else(|| OssError::no_such_upload(&upload_id))?;
            for part in index::scan_parts(b.conn, &bucket, &upload_id, 0, usize::MAX >> 1)? {
                index::drop_refs(b.conn, &part.segments, &mut b.freed)?;
            }
            index::delete_upload_rows(b.conn, &bucket, &upload_id)
        })
        .await
    }
}

#[cfg(test)]
mod tests;
