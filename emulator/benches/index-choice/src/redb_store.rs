//! redb: one table, key = bucket ++ 0x00 ++ object key (bytes), value = meta bytes.
use crate::{enc, Mode, Reader, Store};
use redb::{Database, Durability, ReadableDatabase, TableDefinition};
use std::ops::Bound;
use std::path::Path;
use std::sync::Arc;

const T: TableDefinition<&[u8], &[u8]> = TableDefinition::new("objects");

pub struct Redb {
    db: Arc<Database>,
}

impl Redb {
    pub fn open(dir: &Path) -> Self {
        std::fs::create_dir_all(dir).unwrap();
        let db = Database::create(dir.join("index.redb")).unwrap(); // default cache: 1 GiB
        let tx = db.begin_write().unwrap();
        tx.open_table(T).unwrap();
        tx.commit().unwrap();
        Redb { db: Arc::new(db) }
    }
}

fn get(db: &Database, bucket: &str, key: &[u8]) -> Option<Vec<u8>> {
    let tx = db.begin_read().unwrap();
    let t = tx.open_table(T).unwrap();
    t.get(enc(bucket, key).as_slice()).unwrap().map(|g| g.value().to_vec())
}

impl Store for Redb {
    fn put(&mut self, items: &[(&str, &[u8], &[u8])], mode: Mode) {
        let mut tx = self.db.begin_write().unwrap();
        // Durability::None is NOT crash-safe (lost unless a later Immediate commit happens),
        // so both Process and Power map to Immediate (fsync).
        let d = if mode == Mode::Volatile { Durability::None } else { Durability::Immediate };
        tx.set_durability(d).unwrap();
        {
            let mut t = tx.open_table(T).unwrap();
            for (b, k, v) in items {
                t.insert(enc(b, k).as_slice(), *v).unwrap();
            }
        }
        tx.commit().unwrap();
    }

    fn get(&self, bucket: &str, key: &[u8]) -> Option<Vec<u8>> {
        get(&self.db, bucket, key)
    }

    fn list(&self, bucket: &str, prefix: &[u8], marker: &[u8], limit: usize) -> Vec<(Vec<u8>, Vec<u8>)> {
        let full = enc(bucket, prefix);
        let start = enc(bucket, marker.max(prefix));
        let lo = if marker >= prefix { Bound::Excluded(start.as_slice()) } else { Bound::Included(start.as_slice()) };
        let tx = self.db.begin_read().unwrap();
        let t = tx.open_table(T).unwrap();
        t.range::<&[u8]>((lo, Bound::Unbounded))
            .unwrap()
            .map(|r| r.unwrap())
            .take_while(|(k, _)| k.value().starts_with(&full))
            .take(limit)
            .map(|(k, v)| (k.value()[bucket.len() + 1..].to_vec(), v.value().to_vec()))
            .collect()
    }

    fn reader(&self) -> Reader {
        let db = self.db.clone(); // MVCC: read txns run concurrently with the single writer
        Box::new(move |b, k| get(&db, b, k))
    }
}
