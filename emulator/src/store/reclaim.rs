//! Freeing blob files, off the request path and never under a reader.
//!
//! A commit that stops referencing a blob hands its id here; a background thread deletes the file
//! once no reader can still reach it. Readers are protected in two steps:
//! - a lookup (index read, then [`Pins::pin`] of the blobs it found) runs under the read side of
//!   `gate`. Before deleting anything freed by a commit, the thread passes through the write side,
//!   so every lookup that could have seen the old index state has finished and pinned by then;
//! - a pinned blob is not deleted until its last pin is dropped (a GET streaming an old version
//!   reads it to the end).
//!
//! At start-up the same thread deletes the previous run's temporary files, and the blob files
//! the crash sweep (see `Store::sweep`) finds no index row for.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard};

use super::layout::Layout;
use super::model::BlobId;

enum Work {
    Free(Vec<BlobId>),
    /// Delete the previous run's temporary files.
    EmptyTrash(PathBuf),
    /// Answers once everything sent before it is done (tests).
    Flush(mpsc::Sender<()>),
}

#[derive(Default)]
struct PinState {
    pins: HashMap<BlobId, usize>,
    /// Freed while pinned: deleted when the last pin goes.
    dead: HashSet<BlobId>,
}

pub struct Reclaimer {
    layout: Layout,
    gate: RwLock<()>,
    state: Mutex<PinState>,
    work: Mutex<mpsc::Sender<Work>>,
    swept: (Mutex<bool>, std::sync::Condvar),
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Reclaimer {
    pub fn start(layout: Layout) -> Arc<Reclaimer> {
        let (tx, rx) = mpsc::channel();
        let reclaimer = Arc::new(Reclaimer {
            layout,
            gate: RwLock::new(()),
            state: Mutex::new(PinState::default()),
            work: Mutex::new(tx),
            swept: (Mutex::new(false), std::sync::Condvar::new()),
        });
        let weak = Arc::downgrade(&reclaimer);
        let spawned = std::thread::Builder::new().name("oss-reclaim".into()).spawn(move || {
            while let Ok(work) = rx.recv() {
                let Some(r) = weak.upgrade() else { return };
                r.run(work);
            }
        });
        if let Err(e) = spawned {
            tracing::error!("could not start the blob reclaimer: {e}; freed blobs stay on disk");
        }
        reclaimer
    }

    /// Hold this while looking an object up and pinning its blobs.
    pub fn lookup(&self) -> RwLockReadGuard<'_, ()> {
        self.gate.read().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn pin(self: &Arc<Self>, blobs: impl IntoIterator<Item = BlobId>) -> Pin {
        let blobs: Vec<BlobId> = blobs.into_iter().collect();
        let mut state = lock(&self.state);
        for id in &blobs {
            *state.pins.entry(id.clone()).or_default() += 1;
        }
        Pin { reclaimer: self.clone(), blobs }
    }

    fn send(&self, work: Work) {
        // The thread ends only with the store; a send that fails leaves files for the next sweep.
        let _ = lock(&self.work).send(work);
    }

    pub fn free(&self, blobs: Vec<BlobId>) {
        if !blobs.is_empty() {
            self.send(Work::Free(blobs));
        }
    }

    pub fn empty_trash(&self, trash: PathBuf) {
        self.send(Work::EmptyTrash(trash));
    }

    /// The crash sweep has checked every shard.
    pub fn sweep_done(&self) {
        *lock(&self.swept.0) = true;
        self.swept.1.notify_all();
    }

    pub fn wait_for_sweep(&self) {
        let mut done = lock(&self.swept.0);
        while !*done {
            done = self.swept.1.wait(done).unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Waits until all work sent so far is done.
    pub fn flush(&self) {
        let (tx, rx) = mpsc::channel();
        self.send(Work::Flush(tx));
        let _ = rx.recv();
    }

    fn run(&self, work: Work) {
        match work {
            Work::Free(blobs) => {
                // The barrier: lookups that began before the freeing commit are done after this.
                drop(self.gate.write().unwrap_or_else(PoisonError::into_inner));
                let unpinned: Vec<BlobId> = {
                    let mut state = lock(&self.state);
                    blobs
                        .into_iter()
                        .filter(|id| {
                            if state.pins.contains_key(id) {
                                state.dead.insert(id.clone());
                                false
                            } else {
                                true
                            }
                        })
                        .collect()
                };
                for id in unpinned {
                    self.delete(&id);
                }
            }
            Work::EmptyTrash(trash) => {
                if let Err(e) = std::fs::remove_dir_all(&trash) {
                    if e.kind() != std::io::ErrorKind::NotFound {
                        tracing::warn!("could not remove {}: {e}", trash.display());
                    }
                }
                let _ = std::fs::create_dir_all(&trash);
            }
            Work::Flush(done) => {
                let _ = done.send(());
            }
        }
    }

    fn delete(&self, id: &BlobId) {
        if let Err(e) = std::fs::remove_file(self.layout.blob(id)) {
            if e.kind() != std::io::ErrorKind::NotFound {
                tracing::warn!("could not remove blob {}: {e}", id.as_str());
            }
        }
    }
}

/// Blobs a reader is using; dropping it lets the reclaimer delete those freed meanwhile.
pub struct Pin {
    reclaimer: Arc<Reclaimer>,
    blobs: Vec<BlobId>,
}

impl std::fmt::Debug for Pin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pin").field("blobs", &self.blobs.len()).finish()
    }
}

impl Drop for Pin {
    fn drop(&mut self) {
        let mut released = Vec::new();
        {
            let mut state = lock(&self.reclaimer.state);
            for id in self.blobs.drain(..) {
                if let Some(n) = state.pins.get_mut(&id) {
                    *n -= 1;
                    if *n == 0 {
                        state.pins.remove(&id);
                        if state.dead.remove(&id) {
                            released.push(id);
                        }
                    }
                }
            }
        }
        // Deleted by the reclaimer's thread, never here: this may run on a runtime thread.
        self.reclaimer.free(released);
    }
}
