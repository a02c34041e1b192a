//! What a request asks for: one [`Endpoint`] variant per OSS operation, carrying its typed
//! parameters, with the OSS name ([`Operation`]) and what it needs of the caller ([`Need`]).
//!
//! Adding an operation is one variant, one row in [`Endpoint::parse`] (and in the table test
//! below), one arm in [`Endpoint::needs`], and one handler in `ops`.

use std::fmt;
use std::str::FromStr;

use http::{HeaderMap, Method};
use oss_protocol::headers::COPY_SOURCE;
use oss_protocol::VersionId;

use crate::error::{Code, OssError, Result};
use crate::route::Target;

macro_rules! operations {
    ($($op:ident),* $(,)?) => {
        /// An OSS operation's name, as the OSS API reference spells it: the journal, the request
        /// log and fault rules speak of operations by these names.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Operation { $($op,)* }

        impl Operation {
            /// Every operation the emulator knows.
            pub const ALL: &'static [Operation] = &[$(Operation::$op,)*];

            pub fn name(self) -> &'static str {
                match self { $(Operation::$op => stringify!($op),)* }
            }
        }
    };
}

operations! {
    ListBuckets, DescribeRegions, PutPublicAccessBlock, GetPublicAccessBlock, DeletePublicAccessBlock, GetUserQoSInfo, PutBucket, DeleteBucket, GetBucketLocation, GetBucketInfo, PutBucketAcl, GetBucketAcl,
    PutBucketTags, GetBucketTags, DeleteBucketTags, PutBucketLifecycle, GetBucketLifecycle, DeleteBucketLifecycle,
    PutBucketVersioning, GetBucketVersioning, ListObjectVersions, ListObjects, ListObjectsV2, DeleteMultipleObjects, ListMultipartUploads,
    PutObject, PostObject, CopyObject, GetObject, HeadObject, GetObjectMeta, DeleteObject, PutObjectAcl, GetObjectAcl,
    PutObjectTagging, GetObjectTagging, DeleteObjectTagging, RestoreObject, AppendObject, PutSymlink, GetSymlink,
    InitiateMultipartUpload, UploadPart, UploadPartCopy, CompleteMultipartUpload, AbortMultipartUpload, ListParts,
    PutBucketCors, GetBucketCors, DeleteBucketCors, PutBucketReferer, GetBucketReferer, PutBucketLogging, GetBucketLogging, DeleteBucketLogging,
    PutBucketEncryption, GetBucketEncryption, DeleteBucketEncryption, PutBucketRequestPayment, GetBucketRequestPayment, PutBucketPublicAccessBlock, GetBucketPublicAccessBlock, DeleteBucketPublicAccessBlock, PutBucketHttpsConfig, GetBucketHttpsConfig, GetBucketStat, OptionObject,
    PutBucketCallbackPolicy, GetBucketCallbackPolicy, DeleteBucketCallbackPolicy,
    PutBucketStorageCapacity, GetBucketStorageCapacity, PutBucketQoSInfo, GetBucketQoSInfo, DeleteBucketQoSInfo,
    InitiateBucketWorm, AbortBucketWorm, GetBucketWorm, ExtendBucketWorm, CompleteBucketWorm, PutBucketWebsite, GetBucketWebsite, DeleteBucketWebsite, PutBucketInventory, GetBucketInventory, ListBucketInventory, DeleteBucketInventory, PutBucketTransferAcceleration, GetBucketTransferAcceleration, PutBucketResourceGroup, GetBucketResourceGroup, PutBucketAccessMonitor, GetBucketAccessMonitor, ListLiveChannel,
    PutBucketPolicy, GetBucketPolicy, DeleteBucketPolicy, GetBucketPolicyStatus,
    // A sub-resource real OSS implements and the emulator does not: answered NotImplemented once
    // the caller and the bucket have been checked.
    NotImplemented,
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A name that is no operation, with the names that are (shown to whoever wrote it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownOperation(pub String);

impl fmt::Display for UnknownOperation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = Operation::ALL.iter().map(|o| o.name()).collect();
        write!(f, "unknown operation {:?}; the operations are: {}", self.0, names.join(", "))
    }
}

impl std::error::Error for UnknownOperation {}

impl FromStr for Operation {
    type Err = UnknownOperation;

    /// Exact names only: a rule for `UploadPartcopy` must be refused, not silently never fire.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Operation::ALL.iter().copied().find(|o| o.name() == s).ok_or_else(|| UnknownOperation(s.to_owned()))
    }
}

impl serde::Serialize for Operation {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> serde::Deserialize<'de> for Operation {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

/// A multipart upload id as the client sent it. Unknown or malformed ids are NoSuchUpload, which
/// only the store can tell, so this is not validated here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadId(pub String);

/// A part number, 1 to 10000.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct PartNumber(pub u32);

impl PartNumber {
    pub const MAX: u32 = 10_000;

    pub fn parse(raw: &str) -> Result<PartNumber> {
        match raw.parse::<u32>() {
            Ok(n) if (1..=Self::MAX).contains(&n) => Ok(PartNumber(n)),
            _ => Err(OssError::invalid_argument(
                "Part number must be an integer between 1 and 10000, inclusive.",
                "partNumber",
                raw,
            )),
        }
    }
}

/// A parsed `x-oss-copy-source`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopySource {
    pub bucket: String,
    pub key: String,
    pub version_id: Option<VersionId>,
}

/// An object addressed by a request: bucket, decoded key, and the version `?versionId=` names
/// (writes, which always make a new version, ignore it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectPath {
    pub bucket: String,
    pub key: String,
    pub version: Option<VersionId>,
}

/// A `versionId` as a request spells it: `null`, or an id of the shape OSS hands out.
pub fn parse_version_id(raw: &str) -> Result<VersionId> {
    if raw.is_empty() {
        return Err(
            OssError::invalid_argument("Version id can not be the empty string.", "versionId", raw).ec("0012-00000201")
        );
    }
    VersionId::parse(raw).ok_or_else(|| {
        OssError::invalid_argument("Invalid version id specified.", "versionId", raw).ec("0012-00000202")
    })
}

/// One variant per OSS operation, with the parameters that identify what it acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    ListBuckets,
    /// `region`: the one asked about (`?regions=oss-cn-hangzhou`), or all.
    DescribeRegions {
        region: Option<String>,
    },
    /// The account-level public access block (`/?publicAccessBlock` on the service).
    PutPublicAccessBlock,
    GetPublicAccessBlock,
    DeletePublicAccessBlock,
    /// The account's bandwidth and QPS limits in the region (`GET /?qosInfo` on the service).
    GetUserQoSInfo,
    PutBucket {
        bucket: String,
    },
    DeleteBucket {
        bucket: String,
    },
    GetBucketLocation {
        bucket: String,
    },
    GetBucketInfo {
        bucket: String,
    },
    PutBucketAcl {
        bucket: String,
    },
    GetBucketAcl {
        bucket: String,
    },
    PutBucketTags {
        bucket: String,
    },
    GetBucketTags {
        bucket: String,
    },
    /// `?tagging` removes every tag, `?tagging=k1,k2` only those.
    DeleteBucketTags {
        bucket: String,
    },
    PutBucketLifecycle {
        bucket: String,
    },
    GetBucketLifecycle {
        bucket: String,
    },
    DeleteBucketLifecycle {
        bucket: String,
    },
    PutBucketVersioning {
        bucket: String,
    },
    GetBucketVersioning {
        bucket: String,
    },
    ListObjectVersions {
        bucket: String,
    },
    ListObjects {
        bucket: String,
    },
    ListObjectsV2 {
        bucket: String,
    },
    DeleteMultipleObjects {
        bucket: String,
    },
    ListMultipartUploads {
        bucket: String,
    },
    PutObject {
        object: ObjectPath,
    },
    /// An HTML form upload to the bucket (`POST /` on it). The key is a form field: it is empty
    /// when the request is routed and filled in once the fields before the file have been read
    /// (see `ops::post`), before authorization judges the caller on it.
    PostObject {
        object: ObjectPath,
    },
    CopyObject {
        object: ObjectPath,
        source: CopySource,
    },
    GetObject {
        object: ObjectPath,
    },
    HeadObject {
        object: ObjectPath,
    },
    GetObjectMeta {
        object: ObjectPath,
    },
    DeleteObject {
        object: ObjectPath,
    },
    PutObjectAcl {
        object: ObjectPath,
    },
    GetObjectAcl {
        object: ObjectPath,
    },
    PutObjectTagging {
        object: ObjectPath,
    },
    GetObjectTagging {
        object: ObjectPath,
    },
    DeleteObjectTagging {
        object: ObjectPath,
    },
    RestoreObject {
        object: ObjectPath,
    },
    /// `position` as sent (the handler answers a missing or bad one).
    AppendObject {
        object: ObjectPath,
        position: Option<String>,
    },
    PutSymlink {
        object: ObjectPath,
    },
    GetSymlink {
        object: ObjectPath,
    },
    InitiateMultipartUpload {
        object: ObjectPath,
    },
    UploadPart {
        object: ObjectPath,
        upload_id: UploadId,
        part_number: PartNumber,
    },
    UploadPartCopy {
        object: ObjectPath,
        upload_id: UploadId,
        part_number: PartNumber,
        source: CopySource,
    },
    CompleteMultipartUpload {
        object: ObjectPath,
        upload_id: UploadId,
    },
    AbortMultipartUpload {
        object: ObjectPath,
        upload_id: UploadId,
    },
    ListParts {
        object: ObjectPath,
        upload_id: UploadId,
    },
    PutBucketCors {
        bucket: String,
    },
    GetBucketCors {
        bucket: String,
    },
    DeleteBucketCors {
        bucket: String,
    },
    PutBucketReferer {
        bucket: String,
    },
    GetBucketReferer {
        bucket: String,
    },
    PutBucketLogging {
        bucket: String,
    },
    GetBucketLogging {
        bucket: String,
    },
    DeleteBucketLogging {
        bucket: String,
    },
    PutBucketEncryption {
        bucket: String,
    },
    GetBucketEncryption {
        bucket: String,
    },
    DeleteBucketEncryption {
        bucket: String,
    },
    PutBucketRequestPayment {
        bucket: String,
    },
    GetBucketRequestPayment {
        bucket: String,
    },
    PutBucketPublicAccessBlock {
        bucket: String,
    },
    GetBucketPublicAccessBlock {
        bucket: String,
    },
    DeleteBucketPublicAccessBlock {
        bucket: String,
    },
    PutBucketHttpsConfig {
        bucket: String,
    },
    GetBucketHttpsConfig {
        bucket: String,
    },
    GetBucketStat {
        bucket: String,
    },
    PutBucketCallbackPolicy {
        bucket: String,
    },
    GetBucketCallbackPolicy {
        bucket: String,
    },
    DeleteBucketCallbackPolicy {
        bucket: String,
    },
    PutBucketStorageCapacity {
        bucket: String,
    },
    GetBucketStorageCapacity {
        bucket: String,
    },
    PutBucketQoSInfo {
        bucket: String,
    },
    GetBucketQoSInfo {
        bucket: String,
    },
    DeleteBucketQoSInfo {
        bucket: String,
    },
    InitiateBucketWorm {
        bucket: String,
    },
    AbortBucketWorm {
        bucket: String,
    },
    GetBucketWorm {
        bucket: String,
    },
    ExtendBucketWorm {
        bucket: String,
    },
    CompleteBucketWorm {
        bucket: String,
    },
    PutBucketWebsite {
        bucket: String,
    },
    GetBucketWebsite {
        bucket: String,
    },
    DeleteBucketWebsite {
        bucket: String,
    },
    PutBucketInventory {
        bucket: String,
    },
    GetBucketInventory {
        bucket: String,
    },
    ListBucketInventory {
        bucket: String,
    },
    DeleteBucketInventory {
        bucket: String,
    },
    PutBucketTransferAcceleration {
        bucket: String,
    },
    GetBucketTransferAcceleration {
        bucket: String,
    },
    PutBucketResourceGroup {
        bucket: String,
    },
    GetBucketResourceGroup {
        bucket: String,
    },
    PutBucketAccessMonitor {
        bucket: String,
    },
    GetBucketAccessMonitor {
        bucket: String,
    },
    ListLiveChannel {
        bucket: String,
    },
    PutBucketPolicy {
        bucket: String,
    },
    GetBucketPolicy {
        bucket: String,
    },
    DeleteBucketPolicy {
        bucket: String,
    },
    GetBucketPolicyStatus {
        bucket: String,
    },
    /// A CORS preflight, of the bucket or of one of its keys (the key need not exist).
    OptionObject {
        bucket: String,
        key: Option<String>,
    },
    /// `feature` names what is missing, for the error message.
    NotImplemented {
        bucket: Option<String>,
        key: Option<String>,
        feature: String,
    },
}

/// The OSS action a caller must be allowed, as RAM and bucket policies name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    ListBuckets,
    DescribeRegions,
    PutPublicAccessBlock,
    GetPublicAccessBlock,
    DeletePublicAccessBlock,
    GetUserQoSInfo,
    PutBucket,
    DeleteBucket,
    GetBucketLocation,
    GetBucketInfo,
    GetBucketAcl,
    PutBucketAcl,
    ListObjects,
    ListMultipartUploads,
    ListParts,
    GetObject,
    PutObject,
    DeleteObject,
    GetObjectAcl,
    PutObjectAcl,
    PutBucketTagging,
    GetBucketTagging,
    DeleteBucketTagging,
    PutObjectTagging,
    GetObjectTagging,
    DeleteObjectTagging,
    RestoreObject,
    PutBucketLifecycle,
    GetBucketLifecycle,
    DeleteBucketLifecycle,
    PutBucketVersioning,
    GetBucketVersioning,
    ListObjectVersions,
    AbortMultipartUpload,
    PutBucketCors,
    GetBucketCors,
    DeleteBucketCors,
    PutBucketReferer,
    GetBucketReferer,
    PutBucketLogging,
    GetBucketLogging,
    DeleteBucketLogging,
    PutBucketEncryption,
    GetBucketEncryption,
    DeleteBucketEncryption,
    PutBucketRequestPayment,
    GetBucketRequestPayment,
    PutBucketPublicAccessBlock,
    GetBucketPublicAccessBlock,
    DeleteBucketPublicAccessBlock,
    PutBucketHttpsConfig,
    GetBucketHttpsConfig,
    GetBucketStat,
    PutBucketStorageCapacity,
    GetBucketStorageCapacity,
    PutBucketQoSInfo,
    GetBucketQoSInfo,
    DeleteBucketQoSInfo,
    PutBucketCallbackPolicy,
    GetBucketCallbackPolicy,
    DeleteBucketCallbackPolicy,
    InitiateBucketWorm,
    AbortBucketWorm,
    GetBucketWorm,
    ExtendBucketWorm,
    CompleteBucketWorm,
    PutBucketWebsite,
    GetBucketWebsite,
    DeleteBucketWebsite,
    PutBucketInventory,
    GetBucketInventory,
    ListBucketInventory,
    DeleteBucketInventory,
    PutBucketTransferAcceleration,
    GetBucketTransferAcceleration,
    PutBucketResourceGroup,
    GetBucketResourceGroup,
    PutBucketAccessMonitor,
    GetBucketAccessMonitor,
    ListLiveChannel,
    PutBucketPolicy,
    GetBucketPolicy,
    DeleteBucketPolicy,
    GetBucketPolicyStatus,
    /// A CORS preflight: anyone may ask, no signature needed.
    OptionObject,
    /// An operation the emulator does not implement; only the bucket owner gets as far as
    /// being told so.
    Unimplemented,
}

impl Action {
    /// The three actions an owner may always take, whatever the policy says.
    pub fn manages_policy(self) -> bool {
        matches!(self, Action::PutBucketPolicy | Action::GetBucketPolicy | Action::DeleteBucketPolicy)
    }

    /// The policy spelling of an action on one object, or on one given version of it: reading,
    /// deleting, restoring, or the ACL or tags of a version are actions of their own
    /// (`oss:GetObjectVersion`, …).
    pub fn policy_name_for(self, versioned: bool) -> &'static str {
        match self {
            _ if !versioned => self.policy_name(),
            Action::GetObject => "oss:GetObjectVersion",
            Action::DeleteObject => "oss:DeleteObjectVersion",
            Action::GetObjectAcl => "oss:GetObjectVersionAcl",
            Action::PutObjectAcl => "oss:PutObjectVersionAcl",
            Action::RestoreObject => "oss:RestoreObjectVersion",
            Action::GetObjectTagging => "oss:GetObjectVersionTagging",
            Action::PutObjectTagging => "oss:PutObjectVersionTagging",
            Action::DeleteObjectTagging => "oss:DeleteObjectVersionTagging",
            other => other.policy_name(),
        }
    }

    /// `oss:GetObject`, the policy spelling.
    pub fn policy_name(self) -> &'static str {
        match self {
            Action::ListBuckets => "oss:ListBuckets",
            Action::DescribeRegions => "oss:DescribeRegions",
            Action::PutPublicAccessBlock => "oss:PutPublicAccessBlock",
            Action::GetPublicAccessBlock => "oss:GetPublicAccessBlock",
            Action::DeletePublicAccessBlock => "oss:DeletePublicAccessBlock",
            Action::GetUserQoSInfo => "oss:GetUserQoSInfo",
            Action::PutBucket => "oss:PutBucket",
            Action::DeleteBucket => "oss:DeleteBucket",
            Action::GetBucketLocation => "oss:GetBucketLocation",
            Action::GetBucketInfo => "oss:GetBucketInfo",
            Action::GetBucketAcl => "oss:GetBucketAcl",
            Action::PutBucketAcl => "oss:PutBucketAcl",
            Action::ListObjects => "oss:ListObjects",
            Action::ListMultipartUploads => "oss:ListMultipartUploads",
            Action::ListParts => "oss:ListParts",
            Action::GetObject => "oss:GetObject",
            Action::PutObject => "oss:PutObject",
            Action::DeleteObject => "oss:DeleteObject",
            Action::GetObjectAcl => "oss:GetObjectAcl",
            Action::PutObjectAcl => "oss:PutObjectAcl",
            Action::PutBucketTagging => "oss:PutBucketTagging",
            Action::GetBucketTagging => "oss:GetBucketTagging",
            Action::DeleteBucketTagging => "oss:DeleteBucketTagging",
            Action::PutObjectTagging => "oss:PutObjectTagging",
            Action::GetObjectTagging => "oss:GetObjectTagging",
            Action::DeleteObjectTagging => "oss:DeleteObjectTagging",
            Action::RestoreObject => "oss:RestoreObject",
            Action::PutBucketLifecycle => "oss:PutBucketLifecycle",
            Action::GetBucketLifecycle => "oss:GetBucketLifecycle",
            Action::DeleteBucketLifecycle => "oss:DeleteBucketLifecycle",
            Action::PutBucketVersioning => "oss:PutBucketVersioning",
            Action::GetBucketVersioning => "oss:GetBucketVersioning",
            Action::ListObjectVersions => "oss:ListObjectVersions",
            Action::AbortMultipartUpload => "oss:AbortMultipartUpload",
            Action::PutBucketCors => "oss:PutBucketCors",
            Action::GetBucketCors => "oss:GetBucketCors",
            Action::DeleteBucketCors => "oss:DeleteBucketCors",
            Action::PutBucketReferer => "oss:PutBucketReferer",
            Action::GetBucketReferer => "oss:GetBucketReferer",
            Action::PutBucketLogging => "oss:PutBucketLogging",
            Action::GetBucketLogging => "oss:GetBucketLogging",
            Action::DeleteBucketLogging => "oss:DeleteBucketLogging",
            Action::PutBucketEncryption => "oss:PutBucketEncryption",
            Action::GetBucketEncryption => "oss:GetBucketEncryption",
            Action::DeleteBucketEncryption => "oss:DeleteBucketEncryption",
            Action::PutBucketRequestPayment => "oss:PutBucketRequestPayment",
            Action::GetBucketRequestPayment => "oss:GetBucketRequestPayment",
            Action::PutBucketPublicAccessBlock => "oss:PutBucketPublicAccessBlock",
            Action::GetBucketPublicAccessBlock => "oss:GetBucketPublicAccessBlock",
            Action::DeleteBucketPublicAccessBlock => "oss:DeleteBucketPublicAccessBlock",
            Action::PutBucketHttpsConfig => "oss:PutBucketHttpsConfig",
            Action::GetBucketHttpsConfig => "oss:GetBucketHttpsConfig",
            Action::GetBucketStat => "oss:GetBucketStat",
            Action::PutBucketCallbackPolicy => "oss:PutBucketCallbackPolicy",
            Action::GetBucketCallbackPolicy => "oss:GetBucketCallbackPolicy",
            Action::DeleteBucketCallbackPolicy => "oss:DeleteBucketCallbackPolicy",
            Action::PutBucketStorageCapacity => "oss:PutBucketStorageCapacity",
            Action::GetBucketStorageCapacity => "oss:GetBucketStorageCapacity",
            Action::PutBucketQoSInfo => "oss:PutBucketQoSInfo",
            Action::GetBucketQoSInfo => "oss:GetBucketQoSInfo",
            Action::DeleteBucketQoSInfo => "oss:DeleteBucketQoSInfo",
            Action::InitiateBucketWorm => "oss:InitiateBucketWorm",
            Action::AbortBucketWorm => "oss:AbortBucketWorm",
            Action::GetBucketWorm => "oss:GetBucketWorm",
            Action::ExtendBucketWorm => "oss:ExtendBucketWorm",
            Action::CompleteBucketWorm => "oss:CompleteBucketWorm",
            Action::PutBucketWebsite => "oss:PutBucketWebsite",
            Action::GetBucketWebsite => "oss:GetBucketWebsite",
            Action::DeleteBucketWebsite => "oss:DeleteBucketWebsite",
            Action::PutBucketInventory => "oss:PutBucketInventory",
            Action::GetBucketInventory => "oss:GetBucketInventory",
            Action::ListBucketInventory => "oss:ListBucketInventory",
            Action::DeleteBucketInventory => "oss:DeleteBucketInventory",
            Action::PutBucketTransferAcceleration => "oss:PutBucketTransferAcceleration",
            Action::GetBucketTransferAcceleration => "oss:GetBucketTransferAcceleration",
            Action::PutBucketResourceGroup => "oss:PutBucketResourceGroup",
            Action::GetBucketResourceGroup => "oss:GetBucketResourceGroup",
            Action::PutBucketAccessMonitor => "oss:PutBucketAccessMonitor",
            Action::GetBucketAccessMonitor => "oss:GetBucketAccessMonitor",
            Action::ListLiveChannel => "oss:ListLiveChannel",
            Action::PutBucketPolicy => "oss:PutBucketPolicy",
            Action::GetBucketPolicy => "oss:GetBucketPolicy",
            Action::DeleteBucketPolicy => "oss:DeleteBucketPolicy",
            Action::GetBucketPolicyStatus => "oss:GetBucketPolicyStatus",
            Action::OptionObject => "oss:OptionObject",
            Action::Unimplemented => "oss:*",
        }
    }
}

/// What the action is asked of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource<'a> {
    /// The caller's account (ListBuckets, PutBucket).
    Account,
    Bucket(&'a str),
    Object {
        bucket: &'a str,
        key: &'a str,
        version: Option<&'a VersionId>,
    },
    /// The source of a copy: the same rules as an object, with the copy's own region error.
    CopySource {
        bucket: &'a str,
        key: &'a str,
        version: Option<&'a VersionId>,
    },
}

/// One permission an endpoint requires: `action` on `resource`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Need<'a> {
    pub action: Action,
    pub resource: Resource<'a>,
}

/// Sub-resources of real OSS operations this emulator does not implement: answered with
/// NotImplemented rather than silently treated as a plain request of the object or bucket.
/// Query parameters that are in neither this list nor the routing table are ignored, as OSS
/// ignores parameters it does not know.
const UNIMPLEMENTED: &[&str] = &[
    "accessPoint",
    "asyncFetch",
    "bucketArchiveDirectRead",
    "cname",
    "comp",
    "dataRedundancyTransition",
    "img",
    "metaQuery",
    "objectInfo",
    "overwriteConfig",
    "replication",
    "replicationLocation",
    "replicationProgress",
    "responseHeader",
    "rtc",
    "style",
    "userDefinedLogFieldsConfig",
    "x-oss-async-process",
    "x-oss-process",
];

/// Sub-resources served on buckets only (and LiveChannel's `?live`, whose object-level forms
/// stay unimplemented).
const BUCKET_ONLY: &[&str] = &[
    "accessmonitor",
    "inventory",
    "inventoryId",
    "live",
    "qos",
    "qosInfo",
    "resourceGroup",
    "transferAcceleration",
    "website",
    "worm",
    "wormExtend",
    "wormId",
];

fn not_implemented(what: &str) -> OssError {
    OssError::new(Code::NotImplemented).message(format!("The OSS emulator does not implement {what}."))
}

/// Why a request names no endpoint: its operation, when that much is known (so the journal and
/// fault rules still see it), and the OSS error to answer after authentication.
#[derive(Debug)]
pub struct Rejected {
    pub operation: Option<Operation>,
    pub error: OssError,
}

impl Rejected {
    fn bare(error: OssError) -> Self {
        Rejected { operation: None, error }
    }
}

impl Endpoint {
    /// Method + target + sub-resources (+ `x-oss-copy-source`) → endpoint.
    pub fn parse(
        method: &Method,
        target: &Target,
        query: &[(String, String)],
        headers: &HeaderMap,
    ) -> Result<Endpoint, Rejected> {
        use Endpoint as E;
        let has = |name: &str| query.iter().any(|(n, _)| n == name);
        let param = |name: &str| query.iter().find(|(n, _)| n == name).map_or("", |(_, v)| v.as_str());
        // `?policy&comp=callback` is the bucket's callback policies; every other `comp` names an
        // operation not implemented here.
        let callback_policy = has("policy") && param("comp") == "callback";
        let unimplemented = |n: &str| UNIMPLEMENTED.contains(&n) && !(n == "comp" && callback_policy);
        if let Some((name, _)) = query.iter().find(|(n, _)| unimplemented(n)) {
            return Ok(E::NotImplemented {
                bucket: target.bucket.clone(),
                key: target.key.clone(),
                feature: format!("the '{name}' sub-resource"),
            });
        }
        let method_not_allowed = || Rejected::bare(OssError::new(Code::MethodNotAllowed));
        let copy = headers.contains_key(COPY_SOURCE);
        let copy_source = |op| {
            let raw = headers.get(COPY_SOURCE).and_then(|v| v.to_str().ok()).unwrap_or_default();
            parse_copy_source(raw).map_err(|error| Rejected { operation: Some(op), error })
        };
        let part_number =
            |op| PartNumber::parse(param("partNumber")).map_err(|error| Rejected { operation: Some(op), error });
        let upload_id = || UploadId(param("uploadId").to_owned());

        let Some(bucket) = target.bucket.clone() else {
            return match method.as_str() {
                "GET" if has("regions") => {
                    Ok(E::DescribeRegions { region: Some(param("regions").to_owned()).filter(|r| !r.is_empty()) })
                }
                "PUT" if has("publicAccessBlock") => Ok(E::PutPublicAccessBlock),
                "GET" if has("publicAccessBlock") => Ok(E::GetPublicAccessBlock),
                "DELETE" if has("publicAccessBlock") => Ok(E::DeletePublicAccessBlock),
                "GET" if has("qosInfo") => Ok(E::GetUserQoSInfo),
                "GET" => Ok(E::ListBuckets),
                _ => Err(method_not_allowed()),
            };
        };
        let Some(key) = target.key.clone() else {
            let endpoint = match method.as_str() {
                "PUT" if has("acl") => E::PutBucketAcl { bucket },
                "PUT" if has("tagging") => E::PutBucketTags { bucket },
                "PUT" if has("lifecycle") => E::PutBucketLifecycle { bucket },
                "GET" if has("lifecycle") => E::GetBucketLifecycle { bucket },
                "DELETE" if has("lifecycle") => E::DeleteBucketLifecycle { bucket },
                "PUT" if has("versioning") => E::PutBucketVersioning { bucket },
                "PUT" if has("cors") => E::PutBucketCors { bucket },
                "GET" if has("cors") => E::GetBucketCors { bucket },
                "DELETE" if has("cors") => E::DeleteBucketCors { bucket },
                "PUT" if has("referer") => E::PutBucketReferer { bucket },
                "GET" if has("referer") => E::GetBucketReferer { bucket },
                "PUT" if has("logging") => E::PutBucketLogging { bucket },
                "GET" if has("logging") => E::GetBucketLogging { bucket },
                "DELETE" if has("logging") => E::DeleteBucketLogging { bucket },
                "PUT" if has("encryption") => E::PutBucketEncryption { bucket },
                "GET" if has("encryption") => E::GetBucketEncryption { bucket },
                "DELETE" if has("encryption") => E::DeleteBucketEncryption { bucket },
                "PUT" if has("requestPayment") => E::PutBucketRequestPayment { bucket },
                "GET" if has("requestPayment") => E::GetBucketRequestPayment { bucket },
                "PUT" if has("publicAccessBlock") => E::PutBucketPublicAccessBlock { bucket },
                "GET" if has("publicAccessBlock") => E::GetBucketPublicAccessBlock { bucket },
                "DELETE" if has("publicAccessBlock") => E::DeleteBucketPublicAccessBlock { bucket },
                "PUT" if has("httpsConfig") => E::PutBucketHttpsConfig { bucket },
                "GET" if has("httpsConfig") => E::GetBucketHttpsConfig { bucket },
                "GET" if has("stat") => E::GetBucketStat { bucket },
                "PUT" if callback_policy => E::PutBucketCallbackPolicy { bucket },
                "GET" if callback_policy => E::GetBucketCallbackPolicy { bucket },
                "DELETE" if callback_policy => E::DeleteBucketCallbackPolicy { bucket },
                "PUT" if has("qos") => E::PutBucketStorageCapacity { bucket },
                "GET" if has("qos") => E::GetBucketStorageCapacity { bucket },
                "PUT" if has("qosInfo") => E::PutBucketQoSInfo { bucket },
                "GET" if has("qosInfo") => E::GetBucketQoSInfo { bucket },
                "DELETE" if has("qosInfo") => E::DeleteBucketQoSInfo { bucket },
                "POST" if has("worm") => E::InitiateBucketWorm { bucket },
                "DELETE" if has("worm") => E::AbortBucketWorm { bucket },
                "GET" if has("worm") => E::GetBucketWorm { bucket },
                "POST" if has("wormExtend") => E::ExtendBucketWorm { bucket },
                "POST" if has("wormId") => E::CompleteBucketWorm { bucket },
                "PUT" if has("website") => E::PutBucketWebsite { bucket },
                "GET" if has("website") => E::GetBucketWebsite { bucket },
                "DELETE" if has("website") => E::DeleteBucketWebsite { bucket },
                "PUT" if has("inventory") => E::PutBucketInventory { bucket },
                "GET" if has("inventoryId") => E::GetBucketInventory { bucket },
                "GET" if has("inventory") => E::ListBucketInventory { bucket },
                "DELETE" if has("inventory") => E::DeleteBucketInventory { bucket },
                "PUT" if has("transferAcceleration") => E::PutBucketTransferAcceleration { bucket },
                "GET" if has("transferAcceleration") => E::GetBucketTransferAcceleration { bucket },
                "PUT" if has("resourceGroup") => E::PutBucketResourceGroup { bucket },
                "GET" if has("resourceGroup") => E::GetBucketResourceGroup { bucket },
                "PUT" if has("accessmonitor") => E::PutBucketAccessMonitor { bucket },
                "GET" if has("accessmonitor") => E::GetBucketAccessMonitor { bucket },
                "GET" if has("live") => E::ListLiveChannel { bucket },
                "PUT" if has("policy") => E::PutBucketPolicy { bucket },
                "GET" if has("policy") => E::GetBucketPolicy { bucket },
                "DELETE" if has("policy") => E::DeleteBucketPolicy { bucket },
                "GET" if has("policyStatus") => E::GetBucketPolicyStatus { bucket },
                "GET" if has("versioning") => E::GetBucketVersioning { bucket },
                "GET" if has("versions") => E::ListObjectVersions { bucket },
                "GET" if has("tagging") => E::GetBucketTags { bucket },
                "DELETE" if has("tagging") => E::DeleteBucketTags { bucket },
                "PUT" => E::PutBucket { bucket },
                "GET" if has("acl") => E::GetBucketAcl { bucket },
                "GET" if has("location") => E::GetBucketLocation { bucket },
                "GET" if has("bucketInfo") => E::GetBucketInfo { bucket },
                "GET" if has("uploads") => E::ListMultipartUploads { bucket },
                "GET" if param("list-type") == "2" => E::ListObjectsV2 { bucket },
                "GET" => E::ListObjects { bucket },
                "DELETE" => E::DeleteBucket { bucket },
                "POST" if has("delete") => E::DeleteMultipleObjects { bucket },
                "OPTIONS" => E::OptionObject { bucket, key: None },
                // A sub-resource on a POST no arm above takes is some other operation, not a
                // form upload (`POST /b?cors` must not store an object).
                "POST" if query.iter().any(|(n, _)| oss_protocol::sign::V1_SUBRESOURCES.contains(&n.as_str())) => {
                    E::NotImplemented { bucket: Some(bucket), key: None, feature: "this POST request".to_owned() }
                }
                "POST" => E::PostObject { object: ObjectPath { bucket, key: String::new(), version: None } },
                _ => return Err(method_not_allowed()),
            };
            return Ok(endpoint);
        };
        // Sub-resources the emulator knows only on buckets would otherwise fall through to a
        // plain object write or read (`PUT /k?live` is PutLiveChannel, not PutObject).
        if let Some((name, _)) = query.iter().find(|(n, _)| BUCKET_ONLY.contains(&n.as_str())) {
            return Ok(E::NotImplemented {
                bucket: Some(bucket),
                key: Some(key),
                feature: format!("the '{name}' sub-resource on an object"),
            });
        }
        // A bad id is refused once the operation is known, so the journal and fault rules see it.
        let (version, bad_version) =
            match query.iter().find(|(n, _)| n == "versionId").map(|(_, raw)| parse_version_id(raw)).transpose() {
                Ok(version) => (version, None),
                Err(error) => (None, Some(error)),
            };
        let object = ObjectPath { bucket, key, version };
        let endpoint = match method.as_str() {
            "OPTIONS" => E::OptionObject { bucket: object.bucket, key: Some(object.key) },
            "POST" if has("restore") => E::RestoreObject { object },
            // `?restore` is only ever a POST; any other method must not fall through to a plain
            // GetObject or, worse, a PutObject that overwrites the archive.
            _ if has("restore") => return Err(method_not_allowed()),
            "POST" if has("append") => {
                E::AppendObject { object, position: has("position").then(|| param("position").to_owned()) }
            }
            "PUT" if has("symlink") => E::PutSymlink { object },
            "GET" if has("symlink") => E::GetSymlink { object },
            "PUT" if has("acl") => E::PutObjectAcl { object },
            "PUT" if has("tagging") => E::PutObjectTagging { object },
            "GET" if has("tagging") => E::GetObjectTagging { object },
            "DELETE" if has("tagging") => E::DeleteObjectTagging { object },
            "PUT" if (has("uploadId") || has("partNumber")) && copy => E::UploadPartCopy {
                object,
                upload_id: upload_id(),
                part_number: part_number(Operation::UploadPartCopy)?,
                source: copy_source(Operation::UploadPartCopy)?,
            },
            "PUT" if has("uploadId") || has("partNumber") => {
                E::UploadPart { object, upload_id: upload_id(), part_number: part_number(Operation::UploadPart)? }
            }
            "PUT" if copy => E::CopyObject { object, source: copy_source(Operation::CopyObject)? },
            "PUT" => E::PutObject { object },
            "GET" if has("acl") => E::GetObjectAcl { object },
            "GET" if has("uploadId") => E::ListParts { object, upload_id: upload_id() },
            "GET" => E::GetObject { object },
            "HEAD" if has("objectMeta") => E::GetObjectMeta { object },
            "HEAD" => E::HeadObject { object },
            "DELETE" if has("uploadId") => E::AbortMultipartUpload { object, upload_id: upload_id() },
            "DELETE" => E::DeleteObject { object },
            "POST" if has("uploads") => E::InitiateMultipartUpload { object },
            "POST" if has("uploadId") => E::CompleteMultipartUpload { object, upload_id: upload_id() },
            "POST" => E::NotImplemented {
                bucket: Some(object.bucket),
                key: Some(object.key),
                feature: "this POST request".to_owned(),
            },
            _ => return Err(method_not_allowed()),
        };
        match bad_version {
            Some(error) => Err(Rejected { operation: Some(endpoint.operation()), error }),
            None => Ok(endpoint),
        }
    }

    pub fn operation(&self) -> Operation {
        use Endpoint as E;
        use Operation as O;
        match self {
            E::ListBuckets => O::ListBuckets,
            E::DescribeRegions { .. } => O::DescribeRegions,
            E::PutPublicAccessBlock => O::PutPublicAccessBlock,
            E::GetPublicAccessBlock => O::GetPublicAccessBlock,
            E::DeletePublicAccessBlock => O::DeletePublicAccessBlock,
            E::GetUserQoSInfo => O::GetUserQoSInfo,
            E::PutBucket { .. } => O::PutBucket,
            E::DeleteBucket { .. } => O::DeleteBucket,
            E::GetBucketLocation { .. } => O::GetBucketLocation,
            E::GetBucketInfo { .. } => O::GetBucketInfo,
            E::PutBucketAcl { .. } => O::PutBucketAcl,
            E::GetBucketAcl { .. } => O::GetBucketAcl,
            E::PutBucketTags { .. } => O::PutBucketTags,
            E::GetBucketTags { .. } => O::GetBucketTags,
            E::DeleteBucketTags { .. } => O::DeleteBucketTags,
            E::PutBucketLifecycle { .. } => O::PutBucketLifecycle,
            E::GetBucketLifecycle { .. } => O::GetBucketLifecycle,
            E::DeleteBucketLifecycle { .. } => O::DeleteBucketLifecycle,
            E::PutBucketVersioning { .. } => O::PutBucketVersioning,
            E::GetBucketVersioning { .. } => O::GetBucketVersioning,
            E::ListObjectVersions { .. } => O::ListObjectVersions,
            E::ListObjects { .. } => O::ListObjects,
            E::ListObjectsV2 { .. } => O::ListObjectsV2,
            E::DeleteMultipleObjects { .. } => O::DeleteMultipleObjects,
            E::ListMultipartUploads { .. } => O::ListMultipartUploads,
            E::PutObject { .. } => O::PutObject,
            E::PostObject { .. } => O::PostObject,
            E::CopyObject { .. } => O::CopyObject,
            E::GetObject { .. } => O::GetObject,
            E::HeadObject { .. } => O::HeadObject,
            E::GetObjectMeta { .. } => O::GetObjectMeta,
            E::DeleteObject { .. } => O::DeleteObject,
            E::PutObjectAcl { .. } => O::PutObjectAcl,
            E::GetObjectAcl { .. } => O::GetObjectAcl,
            E::PutObjectTagging { .. } => O::PutObjectTagging,
            E::GetObjectTagging { .. } => O::GetObjectTagging,
            E::DeleteObjectTagging { .. } => O::DeleteObjectTagging,
            E::RestoreObject { .. } => O::RestoreObject,
            E::AppendObject { .. } => O::AppendObject,
            E::PutSymlink { .. } => O::PutSymlink,
            E::GetSymlink { .. } => O::GetSymlink,
            E::InitiateMultipartUpload { .. } => O::InitiateMultipartUpload,
            E::UploadPart { .. } => O::UploadPart,
            E::UploadPartCopy { .. } => O::UploadPartCopy,
            E::CompleteMultipartUpload { .. } => O::CompleteMultipartUpload,
            E::AbortMultipartUpload { .. } => O::AbortMultipartUpload,
            E::ListParts { .. } => O::ListParts,
            E::PutBucketCors { .. } => O::PutBucketCors,
            E::GetBucketCors { .. } => O::GetBucketCors,
            E::DeleteBucketCors { .. } => O::DeleteBucketCors,
            E::PutBucketReferer { .. } => O::PutBucketReferer,
            E::GetBucketReferer { .. } => O::GetBucketReferer,
            E::PutBucketLogging { .. } => O::PutBucketLogging,
            E::GetBucketLogging { .. } => O::GetBucketLogging,
            E::DeleteBucketLogging { .. } => O::DeleteBucketLogging,
            E::PutBucketEncryption { .. } => O::PutBucketEncryption,
            E::GetBucketEncryption { .. } => O::GetBucketEncryption,
            E::DeleteBucketEncryption { .. } => O::DeleteBucketEncryption,
            E::PutBucketRequestPayment { .. } => O::PutBucketRequestPayment,
            E::GetBucketRequestPayment { .. } => O::GetBucketRequestPayment,
            E::PutBucketPublicAccessBlock { .. } => O::PutBucketPublicAccessBlock,
            E::GetBucketPublicAccessBlock { .. } => O::GetBucketPublicAccessBlock,
            E::DeleteBucketPublicAccessBlock { .. } => O::DeleteBucketPublicAccessBlock,
            E::PutBucketHttpsConfig { .. } => O::PutBucketHttpsConfig,
            E::GetBucketHttpsConfig { .. } => O::GetBucketHttpsConfig,
            E::GetBucketStat { .. } => O::GetBucketStat,
            E::PutBucketCallbackPolicy { .. } => O::PutBucketCallbackPolicy,
            E::GetBucketCallbackPolicy { .. } => O::GetBucketCallbackPolicy,
            E::DeleteBucketCallbackPolicy { .. } => O::DeleteBucketCallbackPolicy,
            E::PutBucketStorageCapacity { .. } => O::PutBucketStorageCapacity,
            E::GetBucketStorageCapacity { .. } => O::GetBucketStorageCapacity,
            E::PutBucketQoSInfo { .. } => O::PutBucketQoSInfo,
            E::GetBucketQoSInfo { .. } => O::GetBucketQoSInfo,
            E::DeleteBucketQoSInfo { .. } => O::DeleteBucketQoSInfo,
            E::InitiateBucketWorm { .. } => O::InitiateBucketWorm,
            E::AbortBucketWorm { .. } => O::AbortBucketWorm,
            E::GetBucketWorm { .. } => O::GetBucketWorm,
            E::ExtendBucketWorm { .. } => O::ExtendBucketWorm,
            E::CompleteBucketWorm { .. } => O::CompleteBucketWorm,
            E::PutBucketWebsite { .. } => O::PutBucketWebsite,
            E::GetBucketWebsite { .. } => O::GetBucketWebsite,
            E::DeleteBucketWebsite { .. } => O::DeleteBucketWebsite,
            E::PutBucketInventory { .. } => O::PutBucketInventory,
            E::GetBucketInventory { .. } => O::GetBucketInventory,
            E::ListBucketInventory { .. } => O::ListBucketInventory,
            E::DeleteBucketInventory { .. } => O::DeleteBucketInventory,
            E::PutBucketTransferAcceleration { .. } => O::PutBucketTransferAcceleration,
            E::GetBucketTransferAcceleration { .. } => O::GetBucketTransferAcceleration,
            E::PutBucketResourceGroup { .. } => O::PutBucketResourceGroup,
            E::GetBucketResourceGroup { .. } => O::GetBucketResourceGroup,
            E::PutBucketAccessMonitor { .. } => O::PutBucketAccessMonitor,
            E::GetBucketAccessMonitor { .. } => O::GetBucketAccessMonitor,
            E::ListLiveChannel { .. } => O::ListLiveChannel,
            E::PutBucketPolicy { .. } => O::PutBucketPolicy,
            E::GetBucketPolicy { .. } => O::GetBucketPolicy,
            E::DeleteBucketPolicy { .. } => O::DeleteBucketPolicy,
            E::GetBucketPolicyStatus { .. } => O::GetBucketPolicyStatus,
            E::OptionObject { .. } => O::OptionObject,
            E::NotImplemented { .. } => O::NotImplemented,
        }
    }

    /// The bucket the request names, if any.
    pub fn bucket(&self) -> Option<&str> {
        match self {
            Endpoint::ListBuckets
            | Endpoint::DescribeRegions { .. }
            | Endpoint::PutPublicAccessBlock
            | Endpoint::GetPublicAccessBlock
            | Endpoint::DeletePublicAccessBlock
            | Endpoint::GetUserQoSInfo => None,
            Endpoint::NotImplemented { bucket, .. } => bucket.as_deref(),
            _ => self.object().map(|o| o.bucket.as_str()).or_else(|| self.bucket_only()),
        }
    }

    fn bucket_only(&self) -> Option<&str> {
        use Endpoint as E;
        match self {
            E::PutBucket { bucket }
            | E::DeleteBucket { bucket }
            | E::GetBucketLocation { bucket }
            | E::GetBucketInfo { bucket }
            | E::PutBucketAcl { bucket }
            | E::GetBucketAcl { bucket }
            | E::PutBucketTags { bucket }
            | E::GetBucketTags { bucket }
            | E::DeleteBucketTags { bucket }
            | E::PutBucketLifecycle { bucket }
            | E::GetBucketLifecycle { bucket }
            | E::DeleteBucketLifecycle { bucket }
            | E::PutBucketVersioning { bucket }
            | E::GetBucketVersioning { bucket }
            | E::ListObjectVersions { bucket }
            | E::ListObjects { bucket }
            | E::ListObjectsV2 { bucket }
            | E::DeleteMultipleObjects { bucket }
            | E::ListMultipartUploads { bucket }
            | E::PutBucketCors { bucket }
            | E::GetBucketCors { bucket }
            | E::DeleteBucketCors { bucket }
            | E::PutBucketReferer { bucket }
            | E::GetBucketReferer { bucket }
            | E::PutBucketLogging { bucket }
            | E::GetBucketLogging { bucket }
            | E::DeleteBucketLogging { bucket }
            | E::PutBucketEncryption { bucket }
            | E::GetBucketEncryption { bucket }
            | E::DeleteBucketEncryption { bucket }
            | E::PutBucketRequestPayment { bucket }
            | E::GetBucketRequestPayment { bucket }
            | E::PutBucketPublicAccessBlock { bucket }
            | E::GetBucketPublicAccessBlock { bucket }
            | E::DeleteBucketPublicAccessBlock { bucket }
            | E::PutBucketHttpsConfig { bucket }
            | E::GetBucketHttpsConfig { bucket }
            | E::GetBucketStat { bucket }
            | E::PutBucketCallbackPolicy { bucket }
            | E::GetBucketCallbackPolicy { bucket }
            | E::DeleteBucketCallbackPolicy { bucket }
            | E::PutBucketStorageCapacity { bucket }
            | E::GetBucketStorageCapacity { bucket }
            | E::PutBucketQoSInfo { bucket }
            | E::GetBucketQoSInfo { bucket }
            | E::DeleteBucketQoSInfo { bucket }
            | E::InitiateBucketWorm { bucket }
            | E::AbortBucketWorm { bucket }
            | E::GetBucketWorm { bucket }
            | E::ExtendBucketWorm { bucket }
            | E::CompleteBucketWorm { bucket }
            | E::PutBucketWebsite { bucket }
            | E::GetBucketWebsite { bucket }
            | E::DeleteBucketWebsite { bucket }
            | E::PutBucketInventory { bucket }
            | E::GetBucketInventory { bucket }
            | E::ListBucketInventory { bucket }
            | E::DeleteBucketInventory { bucket }
            | E::PutBucketTransferAcceleration { bucket }
            | E::GetBucketTransferAcceleration { bucket }
            | E::PutBucketResourceGroup { bucket }
            | E::GetBucketResourceGroup { bucket }
            | E::PutBucketAccessMonitor { bucket }
            | E::GetBucketAccessMonitor { bucket }
            | E::ListLiveChannel { bucket }
            | E::PutBucketPolicy { bucket }
            | E::GetBucketPolicy { bucket }
            | E::DeleteBucketPolicy { bucket }
            | E::GetBucketPolicyStatus { bucket }
            | E::OptionObject { bucket, .. } => Some(bucket),
            _ => None,
        }
    }

    /// The object the request names, if any.
    pub fn object(&self) -> Option<&ObjectPath> {
        use Endpoint as E;
        match self {
            E::PutObject { object }
            | E::PostObject { object }
            | E::CopyObject { object, .. }
            | E::GetObject { object }
            | E::HeadObject { object }
            | E::GetObjectMeta { object }
            | E::DeleteObject { object }
            | E::PutObjectAcl { object }
            | E::GetObjectAcl { object }
            | E::PutObjectTagging { object }
            | E::GetObjectTagging { object }
            | E::DeleteObjectTagging { object }
            | E::RestoreObject { object }
            | E::AppendObject { object, .. }
            | E::PutSymlink { object }
            | E::GetSymlink { object }
            | E::InitiateMultipartUpload { object }
            | E::UploadPart { object, .. }
            | E::UploadPartCopy { object, .. }
            | E::CompleteMultipartUpload { object, .. }
            | E::AbortMultipartUpload { object, .. }
            | E::ListParts { object, .. } => Some(object),
            _ => None,
        }
    }

    /// The key the request names, if any.
    pub fn key(&self) -> Option<&str> {
        match self {
            Endpoint::NotImplemented { key, .. } | Endpoint::OptionObject { key, .. } => key.as_deref(),
            _ => self.object().map(|o| o.key.as_str()),
        }
    }

    /// The copy source, for the two copy operations.
    pub fn copy_source(&self) -> Option<&CopySource> {
        match self {
            Endpoint::CopyObject { source, .. } | Endpoint::UploadPartCopy { source, .. } => Some(source),
            _ => None,
        }
    }

    /// What the caller must be allowed, in the order OSS checks it.
    pub fn needs(&self) -> Vec<Need<'_>> {
        use Action as A;
        use Endpoint as E;
        match self {
            E::ListBuckets => vec![Need { action: A::ListBuckets, resource: Resource::Account }],
            E::DescribeRegions { .. } => vec![Need { action: A::DescribeRegions, resource: Resource::Account }],
            E::PutPublicAccessBlock => vec![Need { action: A::PutPublicAccessBlock, resource: Resource::Account }],
            E::GetPublicAccessBlock => vec![Need { action: A::GetPublicAccessBlock, resource: Resource::Account }],
            E::DeletePublicAccessBlock => {
                vec![Need { action: A::DeletePublicAccessBlock, resource: Resource::Account }]
            }
            E::GetUserQoSInfo => vec![Need { action: A::GetUserQoSInfo, resource: Resource::Account }],
            E::PutBucket { .. } => vec![Need { action: A::PutBucket, resource: Resource::Account }],
            E::DeleteBucket { bucket } => vec![on_bucket(A::DeleteBucket, bucket)],
            E::GetBucketLocation { bucket } => vec![on_bucket(A::GetBucketLocation, bucket)],
            E::GetBucketInfo { bucket } => vec![on_bucket(A::GetBucketInfo, bucket)],
            E::PutBucketAcl { bucket } => vec![on_bucket(A::PutBucketAcl, bucket)],
            E::GetBucketAcl { bucket } => vec![on_bucket(A::GetBucketAcl, bucket)],
            E::PutBucketTags { bucket } => vec![on_bucket(A::PutBucketTagging, bucket)],
            E::GetBucketTags { bucket } => vec![on_bucket(A::GetBucketTagging, bucket)],
            E::DeleteBucketTags { bucket } => vec![on_bucket(A::DeleteBucketTagging, bucket)],
            E::PutBucketLifecycle { bucket } => vec![on_bucket(A::PutBucketLifecycle, bucket)],
            E::GetBucketLifecycle { bucket } => vec![on_bucket(A::GetBucketLifecycle, bucket)],
            E::DeleteBucketLifecycle { bucket } => vec![on_bucket(A::DeleteBucketLifecycle, bucket)],
            E::PutBucketVersioning { bucket } => vec![on_bucket(A::PutBucketVersioning, bucket)],
            E::GetBucketVersioning { bucket } => vec![on_bucket(A::GetBucketVersioning, bucket)],
            E::ListObjectVersions { bucket } => vec![on_bucket(A::ListObjectVersions, bucket)],
            E::ListObjects { bucket } | E::ListObjectsV2 { bucket } => vec![on_bucket(A::ListObjects, bucket)],
            E::DeleteMultipleObjects { bucket } => vec![on_bucket(A::DeleteObject, bucket)],
            E::ListMultipartUploads { bucket } => vec![on_bucket(A::ListMultipartUploads, bucket)],
            // RAM knows no actions of their own for these: appending and linking are writes.
            E::PutObject { object }
            | E::PostObject { object }
            | E::AppendObject { object, .. }
            | E::PutSymlink { object }
            | E::InitiateMultipartUpload { object }
            | E::UploadPart { object, .. }
            | E::CompleteMultipartUpload { object, .. } => vec![on_object(A::PutObject, object)],
            E::CopyObject { object, source } | E::UploadPartCopy { object, source, .. } => {
                vec![on_object(A::PutObject, object), from_source(source)]
            }
            E::GetObject { object }
            | E::HeadObject { object }
            | E::GetObjectMeta { object }
            | E::GetSymlink { object } => {
                vec![on_object(A::GetObject, object)]
            }
            E::DeleteObject { object } => vec![on_object(A::DeleteObject, object)],
            E::AbortMultipartUpload { object, .. } => vec![on_object(A::AbortMultipartUpload, object)],
            E::PutObjectAcl { object } => vec![on_object(A::PutObjectAcl, object)],
            E::GetObjectAcl { object } => vec![on_object(A::GetObjectAcl, object)],
            E::PutObjectTagging { object } => vec![on_object(A::PutObjectTagging, object)],
            E::GetObjectTagging { object } => vec![on_object(A::GetObjectTagging, object)],
            E::DeleteObjectTagging { object } => vec![on_object(A::DeleteObjectTagging, object)],
            E::RestoreObject { object } => vec![on_object(A::RestoreObject, object)],
            E::ListParts { object, .. } => vec![on_object(A::ListParts, object)],
            E::PutBucketCors { bucket } => vec![on_bucket(A::PutBucketCors, bucket)],
            E::GetBucketCors { bucket } => vec![on_bucket(A::GetBucketCors, bucket)],
            E::DeleteBucketCors { bucket } => vec![on_bucket(A::DeleteBucketCors, bucket)],
            E::PutBucketReferer { bucket } => vec![on_bucket(A::PutBucketReferer, bucket)],
            E::GetBucketReferer { bucket } => vec![on_bucket(A::GetBucketReferer, bucket)],
            E::PutBucketLogging { bucket } => vec![on_bucket(A::PutBucketLogging, bucket)],
            E::GetBucketLogging { bucket } => vec![on_bucket(A::GetBucketLogging, bucket)],
            E::DeleteBucketLogging { bucket } => vec![on_bucket(A::DeleteBucketLogging, bucket)],
            E::PutBucketEncryption { bucket } => vec![on_bucket(A::PutBucketEncryption, bucket)],
            E::GetBucketEncryption { bucket } => vec![on_bucket(A::GetBucketEncryption, bucket)],
            E::DeleteBucketEncryption { bucket } => vec![on_bucket(A::DeleteBucketEncryption, bucket)],
            E::PutBucketRequestPayment { bucket } => vec![on_bucket(A::PutBucketRequestPayment, bucket)],
            E::GetBucketRequestPayment { bucket } => vec![on_bucket(A::GetBucketRequestPayment, bucket)],
            E::PutBucketPublicAccessBlock { bucket } => vec![on_bucket(A::PutBucketPublicAccessBlock, bucket)],
            E::GetBucketPublicAccessBlock { bucket } => vec![on_bucket(A::GetBucketPublicAccessBlock, bucket)],
            E::DeleteBucketPublicAccessBlock { bucket } => vec![on_bucket(A::DeleteBucketPublicAccessBlock, bucket)],
            E::PutBucketHttpsConfig { bucket } => vec![on_bucket(A::PutBucketHttpsConfig, bucket)],
            E::GetBucketHttpsConfig { bucket } => vec![on_bucket(A::GetBucketHttpsConfig, bucket)],
            E::GetBucketStat { bucket } => vec![on_bucket(A::GetBucketStat, bucket)],
            E::PutBucketCallbackPolicy { bucket } => vec![on_bucket(A::PutBucketCallbackPolicy, bucket)],
            E::GetBucketCallbackPolicy { bucket } => vec![on_bucket(A::GetBucketCallbackPolicy, bucket)],
            E::DeleteBucketCallbackPolicy { bucket } => vec![on_bucket(A::DeleteBucketCallbackPolicy, bucket)],
            E::PutBucketStorageCapacity { bucket } => vec![on_bucket(A::PutBucketStorageCapacity, bucket)],
            E::GetBucketStorageCapacity { bucket } => vec![on_bucket(A::GetBucketStorageCapacity, bucket)],
            E::PutBucketQoSInfo { bucket } => vec![on_bucket(A::PutBucketQoSInfo, bucket)],
            E::GetBucketQoSInfo { bucket } => vec![on_bucket(A::GetBucketQoSInfo, bucket)],
            E::DeleteBucketQoSInfo { bucket } => vec![on_bucket(A::DeleteBucketQoSInfo, bucket)],
            E::InitiateBucketWorm { bucket } => vec![on_bucket(A::InitiateBucketWorm, bucket)],
            E::AbortBucketWorm { bucket } => vec![on_bucket(A::AbortBucketWorm, bucket)],
            E::GetBucketWorm { bucket } => vec![on_bucket(A::GetBucketWorm, bucket)],
            E::ExtendBucketWorm { bucket } => vec![on_bucket(A::ExtendBucketWorm, bucket)],
            E::CompleteBucketWorm { bucket } => vec![on_bucket(A::CompleteBucketWorm, bucket)],
            E::PutBucketWebsite { bucket } => vec![on_bucket(A::PutBucketWebsite, bucket)],
            E::GetBucketWebsite { bucket } => vec![on_bucket(A::GetBucketWebsite, bucket)],
            E::DeleteBucketWebsite { bucket } => vec![on_bucket(A::DeleteBucketWebsite, bucket)],
            E::PutBucketInventory { bucket } => vec![on_bucket(A::PutBucketInventory, bucket)],
            E::GetBucketInventory { bucket } => vec![on_bucket(A::GetBucketInventory, bucket)],
            E::ListBucketInventory { bucket } => vec![on_bucket(A::ListBucketInventory, bucket)],
            E::DeleteBucketInventory { bucket } => vec![on_bucket(A::DeleteBucketInventory, bucket)],
            E::PutBucketTransferAcceleration { bucket } => vec![on_bucket(A::PutBucketTransferAcceleration, bucket)],
            E::GetBucketTransferAcceleration { bucket } => vec![on_bucket(A::GetBucketTransferAcceleration, bucket)],
            E::PutBucketResourceGroup { bucket } => vec![on_bucket(A::PutBucketResourceGroup, bucket)],
            E::GetBucketResourceGroup { bucket } => vec![on_bucket(A::GetBucketResourceGroup, bucket)],
            E::PutBucketAccessMonitor { bucket } => vec![on_bucket(A::PutBucketAccessMonitor, bucket)],
            E::GetBucketAccessMonitor { bucket } => vec![on_bucket(A::GetBucketAccessMonitor, bucket)],
            E::ListLiveChannel { bucket } => vec![on_bucket(A::ListLiveChannel, bucket)],
            E::PutBucketPolicy { bucket } => vec![on_bucket(A::PutBucketPolicy, bucket)],
            E::GetBucketPolicy { bucket } => vec![on_bucket(A::GetBucketPolicy, bucket)],
            E::DeleteBucketPolicy { bucket } => vec![on_bucket(A::DeleteBucketPolicy, bucket)],
            E::GetBucketPolicyStatus { bucket } => vec![on_bucket(A::GetBucketPolicyStatus, bucket)],
            E::OptionObject { bucket, .. } => vec![on_bucket(A::OptionObject, bucket)],
            E::NotImplemented { bucket: Some(bucket), .. } => vec![on_bucket(A::Unimplemented, bucket)],
            E::NotImplemented { bucket: None, .. } => {
                vec![Need { action: A::Unimplemented, resource: Resource::Account }]
            }
        }
    }

    /// The error a NotImplemented endpoint answers once its checks have passed.
    pub fn not_implemented_error(&self) -> Option<OssError> {
        match self {
            Endpoint::NotImplemented { feature, .. } => Some(not_implemented(feature)),
            _ => None,
        }
    }
}

fn on_bucket(action: Action, bucket: &str) -> Need<'_> {
    Need { action, resource: Resource::Bucket(bucket) }
}

fn on_object(action: Action, o: &ObjectPath) -> Need<'_> {
    Need { action, resource: Resource::Object { bucket: &o.bucket, key: &o.key, version: o.version.as_ref() } }
}

fn from_source(s: &CopySource) -> Need<'_> {
    let resource = Resource::CopySource { bucket: &s.bucket, key: &s.key, version: s.version_id.as_ref() };
    Need { action: Action::GetObject, resource }
}

fn bad_source() -> OssError {
    OssError::new(Code::InvalidArgument)
        .message("Copy Source must mention the source bucket and key: /sourcebucket/sourcekey.")
        .with("ArgumentName", COPY_SOURCE)
        .ec("0042-00000301")
}

/// `/bucket/key[?versionId=v]`, the key percent-encoded by the client. Decoding treats `+` as a
/// space because the Go v1 SDK encodes with `url.QueryEscape` (space → `+`, `+` → `%2B`); every
/// other SDK encodes `+` as `%2B`, so a literal `+` can only mean a space.
pub fn parse_copy_source(raw: &str) -> Result<CopySource> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(bad_source().ec("0042-00000302"));
    }
    let (path, query) = raw.split_once('?').unwrap_or((raw, ""));
    let version_id = oss_protocol::encoding::parse_query(query)
        .into_iter()
        .find(|(n, _)| n == "versionId")
        .map(|(_, v)| parse_version_id(&v))
        .transpose()?;
    let decoded = String::from_utf8(oss_protocol::encoding::percent_decode(path, true)).map_err(|_| bad_source())?;
    let rest = decoded.strip_prefix('/').ok_or_else(bad_source)?;
    let (bucket, key) = rest.split_once('/').ok_or_else(bad_source)?;
    if bucket.is_empty() || key.is_empty() {
        return Err(bad_source());
    }
    Ok(CopySource { bucket: bucket.to_owned(), key: key.to_owned(), version_id })
}

#[cfg(test)]
mod tests;
