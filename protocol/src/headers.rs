//! Header names of the OSS protocol, lowercase as HTTP/1.1 libraries normalise them.

pub const REQUEST_ID: &str = "x-oss-request-id";
pub const EC: &str = "x-oss-ec";
pub const ERR: &str = "x-oss-err";
pub const SERVER_TIME: &str = "x-oss-server-time";
pub const HASH_CRC64ECMA: &str = "x-oss-hash-crc64ecma";
pub const OBJECT_TYPE: &str = "x-oss-object-type";
pub const STORAGE_CLASS: &str = "x-oss-storage-class";
pub const RESTORE: &str = "x-oss-restore";
pub const VERSION_ID: &str = "x-oss-version-id";
pub const DELETE_MARKER: &str = "x-oss-delete-marker";
pub const COPY_SOURCE_VERSION_ID: &str = "x-oss-copy-source-version-id";
pub const RESTORE_PRIORITY: &str = "x-oss-object-restore-priority";
pub const DATE: &str = "x-oss-date";
pub const CONTENT_SHA256: &str = "x-oss-content-sha256";
pub const SECURITY_TOKEN: &str = "x-oss-security-token";
pub const ACL: &str = "x-oss-acl";
pub const OBJECT_ACL: &str = "x-oss-object-acl";
pub const FORBID_OVERWRITE: &str = "x-oss-forbid-overwrite";
pub const META_PREFIX: &str = "x-oss-meta-";
pub const COPY_SOURCE: &str = "x-oss-copy-source";
pub const COPY_SOURCE_RANGE: &str = "x-oss-copy-source-range";
pub const COPY_SOURCE_IF_MATCH: &str = "x-oss-copy-source-if-match";
pub const COPY_SOURCE_IF_NONE_MATCH: &str = "x-oss-copy-source-if-none-match";
pub const COPY_SOURCE_IF_UNMODIFIED_SINCE: &str = "x-oss-copy-source-if-unmodified-since";
pub const COPY_SOURCE_IF_MODIFIED_SINCE: &str = "x-oss-copy-source-if-modified-since";
pub const METADATA_DIRECTIVE: &str = "x-oss-metadata-directive";
pub const TAGGING: &str = "x-oss-tagging";
pub const TAGGING_DIRECTIVE: &str = "x-oss-tagging-directive";
pub const TAGGING_COUNT: &str = "x-oss-tagging-count";
pub const SERVER_SIDE_ENCRYPTION: &str = "x-oss-server-side-encryption";
pub const SERVER_SIDE_ENCRYPTION_KEY_ID: &str = "x-oss-server-side-encryption-key-id";
pub const SERVER_SIDE_DATA_ENCRYPTION: &str = "x-oss-server-side-data-encryption";
pub const RANGE_BEHAVIOR: &str = "x-oss-range-behavior";
pub const COMPLETE_ALL: &str = "x-oss-complete-all";
pub const NEXT_APPEND_POSITION: &str = "x-oss-next-append-position";
pub const SYMLINK_TARGET: &str = "x-oss-symlink-target";
/// `requester` when the caller pays for a request to a requester-pays bucket (also accepted as a
/// query parameter).
pub const REQUEST_PAYER: &str = "x-oss-request-payer";
/// The id InitiateBucketWorm hands out, for CompleteBucketWorm and ExtendBucketWorm.
pub const WORM_ID: &str = "x-oss-worm-id";
/// PutBucket's resource group, and ListBuckets' filter by one.
pub const RESOURCE_GROUP_ID: &str = "x-oss-resource-group-id";
/// A bandwidth cap for one transfer, in bits per second.
pub const TRAFFIC_LIMIT: &str = "x-oss-traffic-limit";
pub const CALLBACK: &str = "x-oss-callback";
pub const CALLBACK_VAR: &str = "x-oss-callback-var";
