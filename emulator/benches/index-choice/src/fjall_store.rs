//! fjall (LSM): one keyspace, key = bucket ++ 0x00 ++ object key, value = meta bytes.
use crate::{enc, Mode, Reader, Store};
use fjall::{Database, Keyspace, KeyspaceCreateOptions, PersistMode};
use std::ops::Bound;
use std::path::Path;

pub struct Fjall {
    db: Database,
    ks: Keyspace,
}

impl Fjall {
    pub fn open(dir: &Path) -> Self {
        let db = Database::builder(dir).open().unwrap(); // default block cache: 32 MiB
        let ks = db.keyspace("objects", KeyspaceCreateOptions::default).unwrap();
        Fjall { db, ks }
    }
}

impl Store for Fjall {
    fn put(&mut self, items: &[(&str, &[u8], &[u8])], mode: Mode) {
        if let [(b, k, v)] = items {
            self.ks.insert(enc(b, k), *v).unwrap();
        } else {
            let mut batch = self.db.batch(); // atomic write batch
            for (b, k, v) in items {
                batch.insert(&self.ks, enc(b, k), *v);
            }
            batch.commit().unwrap();
        }
        // Buffer = journal write() to the OS (survives kill -9); SyncAll = fsync.
        let pm = if mode == Mode::Power { PersistMode::SyncAll } else { PersistMode::Buffer };
        self.db.persist(pm).unwrap();
    }

    fn get(&self, bucket: &str, key: &[u8]) -> Option<Vec<u8>> {
        self.ks.get(enc(bucket, key)).unwrap().map(|v| v.to_vec())
    }

    fn list(&self, bucket: &str, prefix: &[u8], marker: &[u8], limit: usize) -> Vec<(Vec<u8>, Vec<u8>)> {
        let full = enc(bucket, prefix);
        let start = enc(bucket, marker.max(prefix));
        let lo = if marker >= prefix { Bound::Excluded(start) } else { Bound::Included(start) };
        self.ks
            .range::<Vec<u8>, _>((lo, Bound::Unbounded))
            .map(|g| g.into_inner().unwrap())
            .take_while(|(k, _)| k.starts_with(&full))
            .take(limit)
            .map(|(k, v)| (k[bucket.len() + 1..].to_vec(), v.to_vec()))
            .collect()
    }

    fn flush(&mut self) {
        self.ks.rotate_memtable_and_wait().unwrap();
    }

    fn reader(&self) -> Reader {
        let ks = self.ks.clone(); // thread-safe handle; reads see MVCC snapshots
        Box::new(move |b, k| ks.get(enc(b, k)).unwrap().map(|v| v.to_vec()))
    }
}
