//! The one thread that writes the index. Writes from every request queue here; the thread takes
//! all that are waiting, runs each in a savepoint of one transaction and commits them together,
//! so concurrent writers share one commit (and, in `power` mode, one sync). A job that fails
//! rolls back its own savepoint only.
//!
//! One writer also makes races simple: a PutObject and a DeleteBucket cannot interleave, each
//! sees the other's effect entirely or not at all.

use std::collections::BTreeSet;
use std::fs;
use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::Arc;

use rusqlite::Connection;

use super::blob;
use super::index::Durability;
use super::layout::Layout;
use super::model::{BlobId, Placement, Segment};
use super::reclaim::Reclaimer;
use super::StoreHooks;
use crate::error::{OssError, Result};

/// The most jobs one commit carries: bounds the latency a late job in a long queue sees.
const MAX_BATCH: usize = 256;

type Reply = Box<dyn FnOnce(Result<()>) + Send>;
type Job = Box<dyn FnOnce(&mut Batch<'_>) -> (bool, Reply) + Send>;

/// One job's view of the open transaction.
pub struct Batch<'a> {
    pub conn: &'a Connection,
    layout: &'a Layout,
    durability: Durability,
    /// Blobs this job stopped referencing (deleted after the commit).
    pub freed: Vec<BlobId>,
    /// Blob files this job put in place (deleted if the job or the commit fails).
    placed: Vec<BlobId>,
    /// Directories whose entries must be synced before the commit (`power`).
    dirs: &'a mut BTreeSet<PathBuf>,
}

impl Batch<'_> {
    /// Writes a body held in memory: into the index when it is small and `kind` allows it (no
    /// file to create, and in `power` mode nothing to sync but the commit), else straight into a
    /// new blob file.
    pub fn place_bytes(&mut self, data: &[u8], kind: Placement) -> Result<Segment> {
        let len = data.len() as u64;
        if kind == Placement::Index && data.len() <= blob::INDEX_BLOB_MAX {
            let id = BlobId::ordered();
            // The savepoint's rollback takes the row with it if the job fails.
            super::index::put_small_blob(self.conn, &id, data)?;
            return Ok(Segment { blob: id, offset: 0, len, placement: Placement::Index });
        }
        let id = BlobId::new();
        let path = self.layout.blob(&id);
        let written = fs::File::create(&path).and_then(|mut f| {
            f.write_all(data)?;
            if self.durability == Durability::Power {
                f.sync_data()?;
            }
            Ok(())
        });
        self.adopt(id.clone());
        written?;
        Ok(Segment { blob: id, offset: 0, len, placement: Placement::File })
    }

    /// Moves a received body of `len` bytes from `tmp/` into the blob file its name says.
    pub fn place_file(&mut self, tmp: &std::path::Path, len: u64) -> Result<Segment> {
        let placed = blob::tmp_blob_id(tmp).and_then(|id| fs::rename(tmp, self.layout.blob(&id)).map(|()| id));
        match placed {
            Ok(id) => {
                self.adopt(id.clone());
                Ok(Segment { blob: id, offset: 0, len, placement: Placement::File })
            }
            Err(e) => {
                let _ = fs::remove_file(tmp);
                Err(e.into())
            }
        }
    }

    fn adopt(&mut self, id: BlobId) {
        if self.durability == Durability::Power {
            self.dirs.insert(self.layout.shard_dir(&id));
        }
        self.placed.push(id);
    }
}

/// Which of `ids` no index row counts (the crash sweep, run as a write job so that it cannot
/// interleave with a job that places and commits a blob).
pub fn unreferenced(batch: &mut Batch<'_>, ids: Vec<BlobId>) -> Result<Vec<BlobId>> {
    let mut out = Vec::new();
    for id in ids {
        if !super::index::blob_is_referenced(batch.conn, &id)? {
            out.push(id);
        }
    }
    Ok(out)
}

/// `None` asks the thread to commit what it holds and stop.
type Message = Option<Job>;

#[derive(Clone)]
pub struct Writer {
    jobs: mpsc::Sender<Message>,
    thread: Arc<std::sync::Mutex<Option<std::thread::JoinHandle<()>>>>,
}

impl Writer {
    pub fn start(
        conn: Connection,
        layout: Layout,
        durability: Durability,
        reclaim: Arc<Reclaimer>,
        hooks: StoreHooks,
    ) -> io::Result<Writer> {
        let (tx, rx) = mpsc::channel::<Message>();
        let thread = std::thread::Builder::new().name("oss-index-writer".into()).spawn(move || {
            let mut conn = conn;
            let ctx = Loop { layout, durability, reclaim, hooks };
            while let Ok(Some(first)) = rx.recv() {
                let mut jobs = vec![first];
                let mut stop = false;
                while jobs.len() < MAX_BATCH {
                    match rx.try_recv() {
                        Ok(Some(job)) => jobs.push(job),
                        Ok(None) => {
                            stop = true;
                            break;
                        }
                        Err(_) => break,
                    }
                }
                if ctx.commit(&mut conn, jobs).is_break() || stop {
                    return;
                }
            }
        })?;
        Ok(Writer { jobs: tx, thread: Arc::new(std::sync::Mutex::new(Some(thread))) })
    }

    /// Commits what is queued, then stops the thread and waits until it has closed its
    /// connection; later submissions answer [`stopped`].
    pub fn stop(&self) {
        let _ = self.jobs.send(None);
        let handle = self.thread.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
        if let Some(handle) = handle {
            let _ = handle.join();
        }
    }

    /// Queues `f` for the next commit; the receiver answers after that commit, with `f`'s result
    /// if the commit succeeded.
    pub fn submit<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Batch<'_>) -> Result<T> + Send + 'static,
    ) -> tokio::sync::oneshot::Receiver<Result<T>> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |batch| {
            let result = f(batch);
            let ok = result.is_ok();
            let reply: Reply = Box::new(move |committed| {
                let _ = tx.send(committed.and(result));
            });
            (ok, reply)
        });
        // A writer that stopped drops the job, and with it the sender: the caller sees an error.
        let _ = self.jobs.send(Some(job));
        rx
    }
}

/// The receiving end of [`Writer::submit`], as an error when the writer is gone.
pub fn stopped() -> OssError {
    OssError::internal("index writer", "the writer thread has stopped")
}

struct Loop {
    layout: Layout,
    durability: Durability,
    reclaim: Arc<Reclaimer>,
    hooks: StoreHooks,
}

impl Loop {
    fn commit(&self, conn: &mut Connection, jobs: Vec<Job>) -> std::ops::ControlFlow<()> {
        use std::ops::ControlFlow;
        let mut replies: Vec<(Reply, Option<OssError>)> = Vec::with_capacity(jobs.len());
        let mut freed = Vec::new();
        let mut placed = Vec::new();
        let mut dirs = BTreeSet::new();
        let tx = match conn.transaction() {
            Ok(tx) => tx,
            Err(e) => {
                let err = OssError::internal("index transaction", e);
                for job in jobs {
                    // Run nothing: a job's result without its transaction would be a lie.
                    drop(job);
                }
                tracing::error!("{err}");
                return ControlFlow::Continue(());
            }
        };
        let mut tx = tx;
        for job in jobs {
            let mut sp = match tx.savepoint() {
                Ok(sp) => sp,
                Err(e) => {
                    tracing::error!("index savepoint: {e}");
                    continue;
                }
            };
            sp.set_drop_behavior(rusqlite::DropBehavior::Rollback);
            let mut batch = Batch {
                conn: &sp,
                layout: &self.layout,
                durability: self.durability,
                freed: Vec::new(),
                placed: Vec::new(),
                dirs: &mut dirs,
            };
            let (ok, reply) = job(&mut batch);
            let (job_freed, job_placed) = (std::mem::take(&mut batch.freed), std::mem::take(&mut batch.placed));
            // A job that succeeded but whose savepoint could not be released did not happen:
            // its caller must hear that, whatever the batch's commit says.
            let released = if ok { sp.commit().map_err(OssError::from) } else { Ok(()) };
            if ok && released.is_ok() {
                freed.extend(job_freed);
                placed.extend(job_placed);
            } else {
                self.remove(&job_placed);
            }
            replies.push((reply, released.err()));
        }
        let synced = if self.durability == Durability::Power { self.sync_dirs(&dirs) } else { Ok(()) };
        if self.hooks.fire("before-commit") {
            // A simulated crash: the transaction rolls back as if the process had died here.
            return ControlFlow::Break(());
        }
        let committed = synced.map_err(OssError::from).and_then(|()| tx.commit().map_err(OssError::from));
        if committed.is_ok() && self.hooks.fire("after-commit") {
            return ControlFlow::Break(());
        }
        match &committed {
            Ok(()) => {
                self.hooks.record_commit(&dirs, self.durability);
                self.reclaim.free(freed);
            }
            Err(_) => self.remove(&placed),
        }
        for (reply, failed) in replies {
            reply(failed.map_or_else(|| committed.clone(), Err));
        }
        ControlFlow::Continue(())
    }

    fn remove(&self, placed: &[BlobId]) {
        for id in placed {
            let _ = fs::remove_file(self.layout.blob(id));
        }
    }

    fn sync_dirs(&self, dirs: &BTreeSet<PathBuf>) -> io::Result<()> {
        for dir in dirs {
            fs::File::open(dir)?.sync_all()?;
        }
        Ok(())
    }
}
