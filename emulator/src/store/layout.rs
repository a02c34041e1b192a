//! The on-disk layout under the data directory, the only place paths are made. Object keys are
//! untrusted and never become path components: a key maps to the SHA-256 of its bytes, bucket
//! names are checked against OSS's `[a-z0-9-]` rule, and blob and upload ids are our own hex.
//!
//! ```text
//! <data>/FORMAT                              layout version
//! <data>/tmp/                                in-flight bodies and metadata, emptied at start
//! <data>/buckets/<bucket>/bucket.json        bucket metadata
//! <data>/buckets/<bucket>/objects/<h2>/<sha256(key)>.json   object metadata (holds the key)
//! <data>/buckets/<bucket>/blobs/<id>         immutable data, one file per segment, shared by hard links
//! <data>/buckets/<bucket>/uploads/<upload-id>/upload.json, part-<n>.json
//! ```

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

pub const FORMAT_VERSION: &str = "oss-emulator-layout-1";

#[derive(Debug, Clone)]
pub struct Layout {
    root: PathBuf,
}

/// A name we generate ourselves (blob ids, upload ids): hex only, so it is safe as a file name.
pub fn is_hex_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

fn checked_bucket(bucket: &str) -> &str {
    // Callers validate names first; this guards the invariant that makes joining safe.
    assert!(oss_protocol::is_valid_bucket_name(bucket), "unvalidated bucket name reached the layout");
    bucket
}

fn checked_id(id: &str) -> &str {
    assert!(is_hex_id(id), "unvalidated id reached the layout");
    id
}

impl Layout {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn format_file(&self) -> PathBuf {
        self.root.join("FORMAT")
    }

    pub fn tmp_dir(&self) -> PathBuf {
        self.root.join("tmp")
    }

    /// A fresh path for an in-flight file.
    pub fn tmp_file(&self) -> PathBuf {
        self.tmp_dir().join(new_id())
    }

    pub fn buckets_dir(&self) -> PathBuf {
        self.root.join("buckets")
    }

    pub fn bucket_dir(&self, bucket: &str) -> PathBuf {
        self.buckets_dir().join(checked_bucket(bucket))
    }

    pub fn bucket_meta(&self, bucket: &str) -> PathBuf {
        self.bucket_dir(bucket).join("bucket.json")
    }

    pub fn objects_dir(&self, bucket: &str) -> PathBuf {
        self.bucket_dir(bucket).join("objects")
    }

    pub fn object_meta(&self, bucket: &str, key: &str) -> PathBuf {
        let hash = hex::encode(Sha256::digest(key.as_bytes()));
        self.objects_dir(bucket).join(&hash[..2]).join(format!("{hash}.json"))
    }

    pub fn blobs_dir(&self, bucket: &str) -> PathBuf {
        self.bucket_dir(bucket).join("blobs")
    }

    pub fn blob(&self, bucket: &str, id: &str) -> PathBuf {
        self.blobs_dir(bucket).join(checked_id(id))
    }

    pub fn uploads_dir(&self, bucket: &str) -> PathBuf {
        self.bucket_dir(bucket).join("uploads")
    }

    pub fn upload_dir(&self, bucket: &str, upload_id: &str) -> PathBuf {
        self.uploads_dir(bucket).join(checked_id(upload_id))
    }

    pub fn upload_meta(&self, bucket: &str, upload_id: &str) -> PathBuf {
        self.upload_dir(bucket, upload_id).join("upload.json")
    }

    pub fn part_meta(&self, bucket: &str, upload_id: &str, part_number: u32) -> PathBuf {
        self.upload_dir(bucket, upload_id).join(format!("part-{part_number:05}.json"))
    }
}

/// 128 random bits as 32 lowercase hex characters.
pub fn new_id() -> String {
    format!("{:032x}", rand::random::<u128>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_keys_stay_inside() {
        let layout = Layout::new("/data");
        for key in ["../../etc/passwd", "a/../../b", "/abs", "\0nul", &"x".repeat(5000), "中文/..", "..\\..\\win"] {
            let p = layout.object_meta("bucket", key);
            assert!(p.starts_with("/data/buckets/bucket/objects/"), "{p:?}");
            assert_eq!(p.components().count(), "/data/buckets/bucket/objects/xx/h.json".split('/').count());
        }
    }

    #[test]
    #[should_panic]
    fn bucket_names_are_checked() {
        Layout::new("/data").bucket_dir("../x");
    }

    #[test]
    fn ids() {
        assert!(is_hex_id(&new_id()));
        assert!(!is_hex_id("../x"));
        assert!(!is_hex_id(""));
    }
}
