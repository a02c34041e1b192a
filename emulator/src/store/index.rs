//! The metadata index: one SQLite database (WAL mode) holding buckets, objects, uploads, parts and
//! the reference counts of blob files. Every function here is one step of a read or of a write
//! transaction; the transaction itself belongs to the caller (the writer thread or a reader).
//!
//! Keys are stored as BLOBs so that SQLite orders them by their bytes, which is the order OSS
//! lists them in, and so that a prefix becomes a simple byte range.

use std::ops::Bound;

use rusqlite::{params, Connection, OptionalExtension};
use serde::{de::DeserializeOwned, Serialize};

use super::model::{AccountMeta, BlobId, BucketMeta, ObjectMeta, PartMeta, Placement, Segment, UploadMeta};
pub use crate::config::Durability;
use crate::error::{OssError, Result};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS buckets(name TEXT PRIMARY KEY, meta BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS objects(
    bucket TEXT NOT NULL, key BLOB NOT NULL, meta BLOB NOT NULL, PRIMARY KEY(bucket, key));
-- Noncurrent versions, for versioned buckets: (bucket, key, seq) orders a key's history.
CREATE TABLE IF NOT EXISTS versions(
    bucket TEXT NOT NULL, key BLOB NOT NULL, seq INTEGER NOT NULL, meta BLOB NOT NULL,
    PRIMARY KEY(bucket, key, seq));
CREATE TABLE IF NOT EXISTS uploads(
    bucket TEXT NOT NULL, upload_id TEXT NOT NULL, key BLOB NOT NULL, meta BLOB NOT NULL,
    PRIMARY KEY(bucket, upload_id));
CREATE INDEX IF NOT EXISTS uploads_by_key ON uploads(bucket, key, upload_id);
CREATE TABLE IF NOT EXISTS parts(
    bucket TEXT NOT NULL, upload_id TEXT NOT NULL, number INTEGER NOT NULL, meta BLOB NOT NULL,
    PRIMARY KEY(bucket, upload_id, number));
-- How many segments (of objects, versions and parts) list each blob file. A blob whose count
-- reaches zero is deleted after the commit that dropped it.
CREATE TABLE IF NOT EXISTS blobs(id TEXT PRIMARY KEY, refs INTEGER NOT NULL) WITHOUT ROWID;
-- The bytes of small blobs (Placement::Index), apart from their counts so that the counts stay
-- small rows. Created here for data directories of layout 2 written before it existed.
CREATE TABLE IF NOT EXISTS small_blobs(id TEXT PRIMARY KEY, data BLOB NOT NULL);
-- Settings of an account rather than of one bucket (the account-level public access block).
-- Created here for data directories written before it existed.
CREATE TABLE IF NOT EXISTS accounts(id TEXT PRIMARY KEY, meta BLOB NOT NULL);
";

fn db_err(e: rusqlite::Error) -> OssError {
    OssError::internal("index", e)
}

impl From<rusqlite::Error> for OssError {
    fn from(e: rusqlite::Error) -> Self {
        db_err(e)
    }
}

fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>> {
    serde_json::to_vec(value).map_err(|e| OssError::internal("index encode", e))
}

fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|e| OssError::internal("index decode", e))
}

/// Opens a connection with the settings every connection shares. The page cache is bounded
/// (4 MiB per connection), so memory does not grow with the number of objects.
pub fn connect(path: &std::path::Path, durability: Durability) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(30))?;
    let synchronous = match durability {
        Durability::None => "OFF",
        Durability::Process => "NORMAL",
        Durability::Power => "FULL",
    };
    conn.execute_batch(&format!(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous={synchronous}; PRAGMA cache_size=-4096;
         PRAGMA temp_store=MEMORY;"
    ))?;
    Ok(conn)
}

pub fn create_schema(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(SCHEMA)
}

/// The smallest byte string greater than every string starting with `prefix` (`None`: there is
/// none, the range is unbounded above).
pub fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xff {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

// ---- buckets ----

pub fn load_buckets(conn: &Connection) -> Result<Vec<BucketMeta>> {
    let mut stmt = conn.prepare("SELECT meta FROM buckets ORDER BY name")?;
    let rows = stmt.query_map([], |r| r.get::<_, Vec<u8>>(0))?;
    rows.map(|r| decode(&r?)).collect()
}

pub fn load_accounts(conn: &Connection) -> Result<Vec<(String, AccountMeta)>> {
    let mut stmt = conn.prepare("SELECT id, meta FROM accounts")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?)))?;
    rows.map(|r| {
        let (id, meta) = r?;
        Ok((id, decode(&meta)?))
    })
    .collect()
}

pub fn put_account(conn: &Connection, id: &str, meta: &AccountMeta) -> Result<()> {
    conn.prepare_cached("INSERT OR REPLACE INTO accounts(id, meta) VALUES (?1, ?2)")?
        .execute(params![id, encode(meta)?])?;
    Ok(())
}

pub fn delete_accounts(conn: &Connection) -> Result<()> {
    conn.execute("DELETE FROM accounts", [])?;
    Ok(())
}

pub fn get_bucket(conn: &Connection, name: &str) -> Result<Option<BucketMeta>> {
    let row: Option<Vec<u8>> =
        conn.prepare_cached("SELECT meta FROM buckets WHERE name = ?1")?.query_row([name], |r| r.get(0)).optional()?;
    row.map(|m| decode(&m)).transpose()
}

/// The bucket a write goes into, or NoSuchBucket: every write checks inside its own transaction,
/// so a write that loses a race with DeleteBucket fails cleanly instead of leaving an orphan.
pub fn require_bucket(conn: &Connection, name: &str) -> Result<BucketMeta> {
    get_bucket(conn, name)?.ok_or_else(|| OssError::no_such_bucket(name))
}

pub fn put_bucket(conn: &Connection, meta: &BucketMeta) -> Result<()> {
    conn.prepare_cached("INSERT OR REPLACE INTO buckets(name, meta) VALUES (?1, ?2)")?
        .execute(params![meta.name, encode(meta)?])?;
    Ok(())
}

pub fn delete_bucket_row(conn: &Connection, name: &str) -> Result<()> {
    conn.prepare_cached("DELETE FROM buckets WHERE name = ?1")?.execute([name])?;
    Ok(())
}

pub fn has_objects(conn: &Connection, bucket: &str) -> Result<bool> {
    Ok(conn.prepare_cached("SELECT 1 FROM objects WHERE bucket = ?1 LIMIT 1")?.exists([bucket])?)
}

pub fn has_versions(conn: &Connection, bucket: &str) -> Result<bool> {
    Ok(conn.prepare_cached("SELECT 1 FROM versions WHERE bucket = ?1 LIMIT 1")?.exists([bucket])?)
}

pub fn has_uploads(conn: &Connection, bucket: &str) -> Result<bool> {
    Ok(conn.prepare_cached("SELECT 1 FROM uploads WHERE bucket = ?1 LIMIT 1")?.exists([bucket])?)
}

// ---- blob references ----

/// Counts new references to blobs. `fresh` blobs were just written and have no row yet; shared
/// ones must still be alive (a copy whose source was deleted meanwhile fails here, before it
/// could point at a blob about to be removed).
pub fn add_refs(conn: &Connection, segments: &[Segment], fresh: bool) -> Result<bool> {
    for seg in segments {
        if fresh {
            conn.prepare_cached(
                "INSERT INTO blobs(id, refs) VALUES (?1, 1) ON CONFLICT(id) DO UPDATE SET refs = refs + 1",
            )?
            .execute([seg.blob.as_str()])?;
        } else {
            let n =
                conn.prepare_cached("UPDATE blobs SET refs = refs + 1 WHERE id = ?1")?.execute([seg.blob.as_str()])?;
            if n == 0 {
                return Ok(false);
            }
        }
    }
    Ok(true)
}

/// Drops references. Small blobs nobody lists any more go with this transaction (readers
/// hold their bytes, read in their own snapshot); blob files are appended to `freed`.
pub fn drop_refs(conn: &Connection, segments: &[Segment], freed: &mut Vec<BlobId>) -> Result<()> {
    for seg in segments {
        let left: Option<i64> = conn
            .prepare_cached("UPDATE blobs SET refs = refs - 1 WHERE id = ?1 RETURNING refs")?
            .query_row([seg.blob.as_str()], |r| r.get(0))
            .optional()?;
        if left.is_some_and(|n| n <= 0) {
            conn.prepare_cached("DELETE FROM blobs WHERE id = ?1")?.execute([seg.blob.as_str()])?;
            match seg.placement {
                Placement::Index => {
                    conn.prepare_cached("DELETE FROM small_blobs WHERE id = ?1")?.execute([seg.blob.as_str()])?;
                }
                Placement::File => freed.push(seg.blob.clone()),
            }
        }
    }
    Ok(())
}

pub fn put_small_blob(conn: &Connection, id: &BlobId, data: &[u8]) -> Result<()> {
    conn.prepare_cached("INSERT INTO small_blobs(id, data) VALUES (?1, ?2)")?.execute(params![id.as_str(), data])?;
    Ok(())
}

/// A small blob's bytes; an error when a segment names one the index does not hold.
pub fn small_blob(conn: &Connection, id: &BlobId) -> Result<Vec<u8>> {
    conn.prepare_cached("SELECT data FROM small_blobs WHERE id = ?1")?
        .query_row([id.as_str()], |r| r.get(0))
        .optional()?
        .ok_or_else(|| OssError::internal("index", format!("small blob {} is missing", id.as_str())))
}

pub fn blob_is_referenced(conn: &Connection, id: &BlobId) -> Result<bool> {
    Ok(conn.prepare_cached("SELECT 1 FROM blobs WHERE id = ?1")?.exists([id.as_str()])?)
}

// ---- objects ----

pub fn get_object(conn: &Connection, bucket: &str, key: &str) -> Result<Option<ObjectMeta>> {
    let row: Option<Vec<u8>> = conn
        .prepare_cached("SELECT meta FROM objects WHERE bucket = ?1 AND key = ?2")?
        .query_row(params![bucket, key.as_bytes()], |r| r.get(0))
        .optional()?;
    row.map(|m| decode(&m)).transpose()
}

pub fn put_object_row(conn: &Connection, bucket: &str, meta: &ObjectMeta) -> Result<()> {
    conn.prepare_cached("INSERT OR REPLACE INTO objects(bucket, key, meta) VALUES (?1, ?2, ?3)")?.execute(params![
        bucket,
        meta.key.as_bytes(),
        encode(meta)?
    ])?;
    Ok(())
}

pub fn delete_object_row(conn: &Connection, bucket: &str, key: &str) -> Result<()> {
    conn.prepare_cached("DELETE FROM objects WHERE bucket = ?1 AND key = ?2")?
        .execute(params![bucket, key.as_bytes()])?;
    Ok(())
}

/// Up to `limit` objects of `bucket` in key order, from `from`, below `until`.
pub fn scan_objects(
    conn: &Connection,
    bucket: &str,
    from: Bound<&[u8]>,
    until: Option<&[u8]>,
    limit: usize,
) -> Result<Vec<ObjectMeta>> {
    let (op, lower): (&str, &[u8]) = match from {
        Bound::Included(k) => (">=", k),
        Bound::Excluded(k) => (">", k),
        Bound::Unbounded => (">=", b""),
    };
    let sql = match until {
        Some(_) => {
            format!("SELECT meta FROM objects WHERE bucket = ?1 AND key {op} ?2 AND key < ?3 ORDER BY key LIMIT ?4")
        }
        None => format!("SELECT meta FROM objects WHERE bucket = ?1 AND key {op} ?2 ORDER BY key LIMIT ?3"),
    };
    let mut stmt = conn.prepare_cached(&sql)?;
    let limit = limit as i64;
    let rows: Vec<Vec<u8>> = match until {
        Some(end) => stmt.query_map(params![bucket, lower, end, limit], |r| r.get(0))?.collect::<Result<_, _>>()?,
        None => stmt.query_map(params![bucket, lower, limit], |r| r.get(0))?.collect::<Result<_, _>>()?,
    };
    rows.iter().map(|m| decode(m)).collect()
}

// ---- noncurrent versions ----
//
// A key's noncurrent versions are numbered in the order they stopped being current, so the
// highest number is the newest. A key with noncurrent versions always has a current one in
// `objects` (removing the current version promotes the newest), which lets listings walk
// `objects` and look up each key's history.

/// Keeps `meta`, which stopped being current, as the newest noncurrent version of its key.
pub fn push_version(conn: &Connection, bucket: &str, meta: &ObjectMeta) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO versions(bucket, key, seq, meta) SELECT ?1, ?2, COALESCE(MAX(seq), 0) + 1, ?3
         FROM versions WHERE bucket = ?1 AND key = ?2",
    )?
    .execute(params![bucket, meta.key.as_bytes(), encode(meta)?])?;
    Ok(())
}

/// A key's noncurrent versions, newest first, with their numbers.
pub fn noncurrent_versions(conn: &Connection, bucket: &str, key: &str) -> Result<Vec<(i64, ObjectMeta)>> {
    let mut stmt =
        conn.prepare_cached("SELECT seq, meta FROM versions WHERE bucket = ?1 AND key = ?2 ORDER BY seq DESC")?;
    let rows: Vec<(i64, Vec<u8>)> =
        stmt.query_map(params![bucket, key.as_bytes()], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
    rows.into_iter().map(|(seq, m)| Ok((seq, decode(&m)?))).collect()
}

pub fn put_version_row(conn: &Connection, bucket: &str, seq: i64, meta: &ObjectMeta) -> Result<()> {
    conn.prepare_cached("UPDATE versions SET meta = ?4 WHERE bucket = ?1 AND key = ?2 AND seq = ?3")?
        .execute(params![bucket, meta.key.as_bytes(), seq, encode(meta)?])?;
    Ok(())
}

pub fn delete_version_row(conn: &Connection, bucket: &str, key: &str, seq: i64) -> Result<()> {
    conn.prepare_cached("DELETE FROM versions WHERE bucket = ?1 AND key = ?2 AND seq = ?3")?.execute(params![
        bucket,
        key.as_bytes(),
        seq
    ])?;
    Ok(())
}

/// Up to `limit` noncurrent versions of `bucket` (the reset removes them all).
pub fn some_versions(conn: &Connection, bucket: &str, limit: usize) -> Result<Vec<(i64, ObjectMeta)>> {
    let mut stmt = conn.prepare_cached("SELECT seq, meta FROM versions WHERE bucket = ?1 LIMIT ?2")?;
    let rows: Vec<(i64, Vec<u8>)> =
        stmt.query_map(params![bucket, limit as i64], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
    rows.into_iter().map(|(seq, m)| Ok((seq, decode(&m)?))).collect()
}

// ---- uploads and parts ----

pub fn get_upload(conn: &Connection, bucket: &str, upload_id: &str) -> Result<Option<UploadMeta>> {
    let row: Option<Vec<u8>> = conn
        .prepare_cached("SELECT meta FROM uploads WHERE bucket = ?1 AND upload_id = ?2")?
        .query_row(params![bucket, upload_id], |r| r.get(0))
        .optional()?;
    row.map(|m| decode(&m)).transpose()
}

pub fn put_upload(conn: &Connection, bucket: &str, meta: &UploadMeta) -> Result<()> {
    conn.prepare_cached("INSERT INTO uploads(bucket, upload_id, key, meta) VALUES (?1, ?2, ?3, ?4)")?
        .execute(params![bucket, meta.upload_id, meta.key.as_bytes(), encode(meta)?])?;
    Ok(())
}

pub fn delete_upload_rows(conn: &Connection, bucket: &str, upload_id: &str) -> Result<()> {
    conn.prepare_cached("DELETE FROM parts WHERE bucket = ?1 AND upload_id = ?2")?.execute([bucket, upload_id])?;
    conn.prepare_cached("DELETE FROM uploads WHERE bucket = ?1 AND upload_id = ?2")?.execute([bucket, upload_id])?;
    Ok(())
}

/// Uploads of `bucket` ordered by (key, upload id), strictly after `after` (when given), up to
/// `limit`, with keys below `until`.
pub fn scan_uploads(
    conn: &Connection,
    bucket: &str,
    after: (&[u8], &str),
    until: Option<&[u8]>,
    limit: usize,
) -> Result<Vec<UploadMeta>> {
    let mut stmt = conn.prepare_cached(
        "SELECT meta FROM uploads WHERE bucket = ?1 AND (key, upload_id) > (?2, ?3)
         AND (?4 IS NULL OR key < ?4) ORDER BY key, upload_id LIMIT ?5",
    )?;
    let rows: Vec<Vec<u8>> = stmt
        .query_map(params![bucket, after.0, after.1, until, limit as i64], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    rows.iter().map(|m| decode(m)).collect()
}

pub fn get_part(conn: &Connection, bucket: &str, upload_id: &str, number: u32) -> Result<Option<PartMeta>> {
    let row: Option<Vec<u8>> = conn
        .prepare_cached("SELECT meta FROM parts WHERE bucket = ?1 AND upload_id = ?2 AND number = ?3")?
        .query_row(params![bucket, upload_id, number], |r| r.get(0))
        .optional()?;
    row.map(|m| decode(&m)).transpose()
}

pub fn put_part_row(conn: &Connection, bucket: &str, upload_id: &str, part: &PartMeta) -> Result<()> {
    conn.prepare_cached("INSERT OR REPLACE INTO parts(bucket, upload_id, number, meta) VALUES (?1, ?2, ?3, ?4)")?
        .execute(params![bucket, upload_id, part.number, encode(part)?])?;
    Ok(())
}

/// Parts numbered above `after`, in order, up to `limit`.
pub fn scan_parts(conn: &Connection, bucket: &str, upload_id: &str, after: u32, limit: usize) -> Result<Vec<PartMeta>> {
    let mut stmt = conn.prepare_cached(
        "SELECT meta FROM parts WHERE bucket = ?1 AND upload_id = ?2 AND number > ?3 ORDER BY number LIMIT ?4",
    )?;
    let rows: Vec<Vec<u8>> =
        stmt.query_map(params![bucket, upload_id, after, limit as i64], |r| r.get(0))?.collect::<Result<_, _>>()?;
    rows.iter().map(|m| decode(m)).collect()
}

/// Every upload id of `bucket` (the control API's reset removes them all).
pub fn upload_ids(conn: &Connection, bucket: &str) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached("SELECT upload_id FROM uploads WHERE bucket = ?1")?;
    let ids = stmt.query_map([bucket], |r| r.get(0))?.collect::<Result<_, _>>()?;
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_ends() {
        assert_eq!(prefix_end(b"ab"), Some(b"ac".to_vec()));
        assert_eq!(prefix_end(b"a\xff"), Some(b"b".to_vec()));
        assert_eq!(prefix_end(b"\xff\xff"), None);
        assert_eq!(prefix_end(b""), None);
    }
}
