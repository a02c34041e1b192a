//! The on-disk layout under the data directory, the only place paths are made. Object keys and
//! bucket names never become path components: they live in the index. Blob files are named by
//! their [`BlobId`] (our own hex) and spread over 256 shard directories.
//!
//! ```text
//! <data>/FORMAT            layout version
//! <data>/index.sqlite      the metadata index (with its -wal and -shm files)
//! <data>/blobs/<xx>/<id>   immutable object and part data, shared by copies
//! <data>/tmp/              bodies being received; emptied at start
//! ```

use std::path::{Path, PathBuf};

use super::model::BlobId;

pub const FORMAT_VERSION: &str = "oss-emulator-layout-2";
/// What the first store wrote: one JSON file per object, metadata all in memory.
pub const FORMAT_VERSION_1: &str = "oss-emulator-layout-1";

#[derive(Debug, Clone)]
pub struct Layout {
    root: PathBuf,
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

    pub fn index(&self) -> PathBuf {
        self.root.join("index.sqlite")
    }

    pub fn tmp_dir(&self) -> PathBuf {
        self.root.join("tmp")
    }

    /// Where a previous run's temporary files wait to be deleted in the background.
    pub fn trash_dir(&self) -> PathBuf {
        self.root.join("trash")
    }

    pub fn blobs_dir(&self) -> PathBuf {
        self.root.join("blobs")
    }

    pub fn shard_dir(&self, id: &BlobId) -> PathBuf {
        self.blobs_dir().join(&id.as_str()[..2])
    }

    pub fn blob(&self, id: &BlobId) -> PathBuf {
        self.shard_dir(id).join(id.as_str())
    }

    /// The 256 shard directories, created once when the data directory is initialised.
    pub fn shard_dirs(&self) -> impl Iterator<Item = PathBuf> + '_ {
        (0..=255u8).map(|i| self.blobs_dir().join(format!("{i:02x}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_paths_stay_inside() {
        let layout = Layout::new("/data");
        let id = BlobId::new();
        let p = layout.blob(&id);
        assert!(p.starts_with("/data/blobs/"));
        assert_eq!(p.components().count(), 5);
        assert!(BlobId::parse("../../etc/passwd").is_none());
        assert!(BlobId::parse(&"A".repeat(32)).is_none(), "only our own lowercase hex");
        assert!(layout.shard_dirs().any(|d| d == layout.shard_dir(&id)));
    }
}
