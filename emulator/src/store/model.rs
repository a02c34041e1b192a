//! What the store keeps about buckets, objects, uploads and parts: plain data, serialised into
//! the index by serde.

use oss_protocol::{Acl, ObjectType, RestoreTier, StorageClass, VersionId, VersioningStatus};
use serde::{Deserialize, Serialize};

/// Identifies one immutable blob file: 128 random bits, so ids never collide across buckets,
/// restarts or crashes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct BlobId(pub(crate) String);

impl BlobId {
    /// Random throughout: blob files are spread over shard directories by their first digits.
    pub fn new() -> Self {
        BlobId(format!("{:032x}", rand::random::<u128>()))
    }

    /// Ordered by creation time, then random: for blobs kept in the index, whose B-trees take
    /// new ids at their right edge instead of dirtying a random page per insert (what makes
    /// writes slow down as a bucket grows).
    pub fn ordered() -> Self {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        BlobId(format!("{:016x}{:016x}", nanos as u64, rand::random::<u64>()))
    }

    /// Ids from the index or a directory listing: hex only, so they are safe as file names.
    pub fn parse(s: &str) -> Option<BlobId> {
        (s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()))
            .then(|| BlobId(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One contiguous run of an object's bytes: `len` bytes from `offset` of blob `blob`. Objects
/// and parts are lists of segments; copies share blobs by listing the same ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    pub blob: BlobId,
    pub offset: u64,
    pub len: u64,
    #[serde(default, skip_serializing_if = "Placement::is_file")]
    pub placement: Placement,
}

/// Where a blob's bytes live.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Placement {
    /// A file under `blobs/`.
    #[default]
    File,
    /// A row of the index (small bodies): written by the commit that references it, so a small
    /// PUT creates no file, and freed by the commit that drops its last reference.
    Index,
}

impl Placement {
    fn is_file(&self) -> bool {
        *self == Placement::File
    }
}

/// What an account sets for all its buckets.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountMeta {
    /// The account-level public access block: public ACLs and policies of every bucket of the
    /// account grant nothing while it stands.
    #[serde(default)]
    pub block_public_access: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BucketMeta {
    pub name: String,
    pub owner_id: String,
    pub region: String,
    pub acl: Acl,
    pub storage_class: StorageClass,
    pub data_redundancy_type: String,
    pub created_ms: i64,
    /// Bucket tags (PutBucketTags), in the order given.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<(String, String)>,
    /// PutBucketLifecycle's rules, validated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifecycle: Option<crate::lifecycle::Lifecycle>,
    /// `None` until PutBucketVersioning first sets it; it never returns to `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub versioning: Option<VersioningStatus>,
    /// CORS, referer, logging, default encryption and the other smaller configurations.
    #[serde(default, skip_serializing_if = "crate::configs::BucketConfigs::is_empty")]
    pub configs: crate::configs::BucketConfigs,
}

/// Everything stored about one object version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectMeta {
    pub key: String,
    /// A write proposes a fresh id; its commit keeps it only if the bucket's versioning is
    /// `Enabled` at that moment, and makes it `null` otherwise.
    #[serde(default = "VersionId::null", skip_serializing_if = "VersionId::is_null")]
    pub version_id: VersionId,
    /// A delete marker: a version with no data that makes its key look deleted.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub delete_marker: bool,
    pub size: u64,
    /// Quoted, as sent on the wire.
    pub etag: String,
    pub crc64: u64,
    pub last_modified_ms: i64,
    pub object_type: ObjectType,
    pub storage_class: StorageClass,
    /// [`Acl::Default`] inherits the bucket's ACL.
    pub acl: Acl,
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
    /// Object tags (`x-oss-tagging`, PutObjectTagging), in the order given.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<(String, String)>,
    /// The key a Symlink object points to (it has no data of its own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symlink_target: Option<String>,
    /// The last RestoreObject of an archived object (absent: frozen, never restored).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restore: Option<Restore>,
    pub segments: Vec<Segment>,
}

/// A restore of an archived object, in emulator time: readable from `ready_ms` until `expires_ms`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Restore {
    pub ready_ms: i64,
    pub expires_ms: i64,
    /// The tier asked for (cold archives only).
    pub tier: Option<RestoreTier>,
}

/// Where a restore stands at a given time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestoreState {
    /// Not restored (never, or the restored copy expired): the data cannot be read.
    Frozen,
    Ongoing,
    Restored {
        expires_ms: i64,
    },
}

impl Restore {
    pub fn state(&self, now_ms: i64) -> RestoreState {
        if now_ms < self.ready_ms {
            RestoreState::Ongoing
        } else if now_ms < self.expires_ms {
            RestoreState::Restored { expires_ms: self.expires_ms }
        } else {
            RestoreState::Frozen
        }
    }
}

impl ObjectMeta {
    /// A new, empty Normal object of `key`.
    pub fn new(key: impl Into<String>, storage_class: StorageClass) -> Self {
        ObjectMeta {
            key: key.into(),
            version_id: VersionId::null(),
            delete_marker: false,
            size: 0,
            etag: String::new(),
            crc64: 0,
            last_modified_ms: 0,
            object_type: ObjectType::Normal,
            storage_class,
            acl: Acl::Default,
            content_md5: None,
            headers: Vec::new(),
            user_meta: Vec::new(),
            sse: None,
            sse_key_id: None,
            sse_data_encryption: None,
            tags: Vec::new(),
            symlink_target: None,
            restore: None,
            segments: Vec::new(),
        }
    }

    /// A delete marker of `key`, made current at `now_ms`.
    pub fn delete_marker(key: &str, version_id: VersionId, now_ms: i64) -> Self {
        let mut meta = ObjectMeta::new(key, StorageClass::Standard);
        meta.version_id = version_id;
        meta.delete_marker = true;
        meta.last_modified_ms = now_ms;
        meta
    }

    /// Where the object's restore stands; `None` for classes read without one.
    pub fn restore_state(&self, now_ms: i64) -> Option<RestoreState> {
        if !self.storage_class.is_archive() {
            return None;
        }
        Some(self.restore.as_ref().map_or(RestoreState::Frozen, |r| r.state(now_ms)))
    }

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
    /// Initiated with `?sequential`: the completed object gets the whole content's MD5.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sequential: bool,
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
