//! rusqlite (bundled SQLite), WAL mode. Table (bucket TEXT, key BLOB) -> meta BLOB, WITHOUT ROWID.
use crate::{Mode, Reader, Store};
use rusqlite::{params, Connection, OptionalExtension};
use std::path::Path;

pub struct Sqlite {
    conn: Connection,
    path: std::path::PathBuf,
    sync: &'static str,
}

fn connect(path: &Path) -> Connection {
    let conn = Connection::open(path).unwrap();
    let jm: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0)).unwrap();
    assert_eq!(jm, "wal");
    conn.pragma_update(None, "synchronous", "NORMAL").unwrap();
    conn.busy_timeout(std::time::Duration::from_secs(5)).unwrap();
    conn
}

impl Sqlite {
    pub fn open(dir: &Path) -> Self {
        std::fs::create_dir_all(dir).unwrap();
        let path = dir.join("index.sqlite");
        let conn = connect(&path);
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS objects(bucket TEXT NOT NULL, key BLOB NOT NULL, \
             meta BLOB NOT NULL, PRIMARY KEY(bucket, key)) WITHOUT ROWID",
        )
        .unwrap();
        Sqlite { conn, path, sync: "NORMAL" }
    }
}

/// Smallest byte string greater than every string with this prefix (None = no bound).
fn prefix_end(p: &[u8]) -> Option<Vec<u8>> {
    let mut v = p.to_vec();
    while let Some(last) = v.pop() {
        if last < 0xff {
            v.push(last + 1);
            return Some(v);
        }
    }
    None
}

fn get(conn: &Connection, bucket: &str, key: &[u8]) -> Option<Vec<u8>> {
    let mut st = conn.prepare_cached("SELECT meta FROM objects WHERE bucket=?1 AND key=?2").unwrap();
    st.query_row(params![bucket, key], |r| r.get(0)).optional().unwrap()
}

impl Store for Sqlite {
    fn put(&mut self, items: &[(&str, &[u8], &[u8])], mode: Mode) {
        // WAL + NORMAL: commit = write() into the WAL, no fsync -> survives kill -9.
        // WAL + FULL: WAL is fsynced at every commit -> survives power loss.
        let sync = if mode == Mode::Power { "FULL" } else { "NORMAL" };
        if self.sync != sync {
            self.conn.pragma_update(None, "synchronous", sync).unwrap();
            self.sync = sync;
        }
        self.conn.execute_batch("BEGIN IMMEDIATE").unwrap();
        {
            let mut st = self
                .conn
                .prepare_cached("INSERT OR REPLACE INTO objects(bucket, key, meta) VALUES (?1, ?2, ?3)")
                .unwrap();
            for (b, k, v) in items {
                st.execute(params![b, k, v]).unwrap();
            }
        }
        self.conn.execute_batch("COMMIT").unwrap();
    }

    fn get(&self, bucket: &str, key: &[u8]) -> Option<Vec<u8>> {
        get(&self.conn, bucket, key)
    }

    fn list(&self, bucket: &str, prefix: &[u8], marker: &[u8], limit: usize) -> Vec<(Vec<u8>, Vec<u8>)> {
        let end = prefix_end(prefix).unwrap_or_else(|| vec![0xff; 2048]);
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT key, meta FROM objects WHERE bucket=?1 AND key>?2 AND key>=?3 AND key<?4 \
                 ORDER BY key LIMIT ?5",
            )
            .unwrap();
        st.query_map(params![bucket, marker, prefix, end, limit as i64], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(|r| r.unwrap())
            .collect()
    }

    fn reader(&self) -> Reader {
        // A second connection: in WAL mode readers never block the writer and vice versa.
        let conn = connect(&self.path);
        Box::new(move |b, k| get(&conn, b, k))
    }
}
