//! The documents of bucket configurations (CORS, referer, logging, default encryption, request
//! payment, public access block, HTTPS, statistics). Values stay strings where OSS answers a bad
//! one with its own error rather than MalformedXML; the emulator validates them.

use serde::{Deserialize, Serialize};

/// PutBucketCors's body and GetBucketCors's answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorsConfiguration {
    #[serde(rename = "CORSRule", default)]
    pub rules: Vec<CorsRule>,
    /// `Vary: Origin` on every response of the bucket.
    #[serde(rename = "ResponseVary", default, skip_serializing_if = "Option::is_none")]
    pub response_vary: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorsRule {
    #[serde(rename = "AllowedOrigin", default)]
    pub allowed_origins: Vec<String>,
    #[serde(rename = "AllowedMethod", default)]
    pub allowed_methods: Vec<String>,
    #[serde(rename = "AllowedHeader", default, skip_serializing_if = "Vec::is_empty")]
    pub allowed_headers: Vec<String>,
    #[serde(rename = "ExposeHeader", default, skip_serializing_if = "Vec::is_empty")]
    pub expose_headers: Vec<String>,
    #[serde(rename = "MaxAgeSeconds", default, skip_serializing_if = "Option::is_none")]
    pub max_age_seconds: Option<String>,
}

/// PutBucketReferer's body and GetBucketReferer's answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefererConfiguration {
    #[serde(rename = "AllowEmptyReferer", default)]
    pub allow_empty_referer: String,
    #[serde(rename = "AllowTruncateQueryString", default, skip_serializing_if = "Option::is_none")]
    pub allow_truncate_query_string: Option<String>,
    #[serde(rename = "TruncatePath", default, skip_serializing_if = "Option::is_none")]
    pub truncate_path: Option<String>,
    #[serde(rename = "RefererList", default)]
    pub referer_list: RefererList,
    #[serde(rename = "RefererBlacklist", default, skip_serializing_if = "Option::is_none")]
    pub referer_blacklist: Option<RefererList>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefererList {
    #[serde(rename = "Referer", default)]
    pub referers: Vec<String>,
}

/// PutBucketLogging's body and GetBucketLogging's answer; no `LoggingEnabled`: logging is off.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BucketLoggingStatus {
    #[serde(rename = "LoggingEnabled", default, skip_serializing_if = "Option::is_none")]
    pub logging_enabled: Option<LoggingEnabled>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoggingEnabled {
    #[serde(rename = "TargetBucket", default)]
    pub target_bucket: String,
    #[serde(rename = "TargetPrefix", default)]
    pub target_prefix: String,
    #[serde(rename = "LoggingRole", default, skip_serializing_if = "Option::is_none")]
    pub logging_role: Option<String>,
}

/// PutBucketEncryption's body and GetBucketEncryption's answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BucketEncryptionRule {
    #[serde(rename = "ApplyServerSideEncryptionByDefault", default)]
    pub apply_by_default: ApplyServerSideEncryptionByDefault,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplyServerSideEncryptionByDefault {
    #[serde(rename = "SSEAlgorithm", default)]
    pub sse_algorithm: String,
    #[serde(rename = "KMSMasterKeyID", default, skip_serializing_if = "Option::is_none")]
    pub kms_master_key_id: Option<String>,
    #[serde(rename = "KMSDataEncryption", default, skip_serializing_if = "Option::is_none")]
    pub kms_data_encryption: Option<String>,
}

/// PutBucketRequestPayment's body and GetBucketRequestPayment's answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestPaymentConfiguration {
    #[serde(rename = "Payer", default)]
    pub payer: String,
}

/// Put/GetBucketPublicAccessBlock (and the account-level forms).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicAccessBlockConfiguration {
    #[serde(rename = "BlockPublicAccess", default)]
    pub block_public_access: String,
}

/// PutBucketHttpsConfig's body and GetBucketHttpsConfig's answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpsConfiguration {
    #[serde(rename = "TLS", default)]
    pub tls: HttpsTls,
    #[serde(rename = "CipherSuite", default, skip_serializing_if = "Option::is_none")]
    pub cipher_suite: Option<HttpsCipherSuite>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpsTls {
    #[serde(rename = "Enable", default)]
    pub enable: String,
    #[serde(rename = "TLSVersion", default, skip_serializing_if = "Vec::is_empty")]
    pub tls_versions: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpsCipherSuite {
    #[serde(rename = "Enable", default)]
    pub enable: String,
    #[serde(rename = "StrongCipherSuite", default, skip_serializing_if = "Option::is_none")]
    pub strong_cipher_suite: Option<String>,
    #[serde(rename = "CustomCipherSuite", default, skip_serializing_if = "Vec::is_empty")]
    pub custom_cipher_suites: Vec<String>,
    #[serde(rename = "TLS13CustomCipherSuite", default, skip_serializing_if = "Vec::is_empty")]
    pub tls13_custom_cipher_suites: Vec<String>,
}

/// GetBucketStat: bytes and counts, computed live by the emulator.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BucketStat {
    #[serde(rename = "Storage", default)]
    pub storage: u64,
    #[serde(rename = "ObjectCount", default)]
    pub object_count: u64,
    #[serde(rename = "MultipartUploadCount", default)]
    pub multipart_upload_count: u64,
    #[serde(rename = "LiveChannelCount", default)]
    pub live_channel_count: u64,
    /// Unix seconds of the last change.
    #[serde(rename = "LastModifiedTime", default)]
    pub last_modified_time: i64,
    #[serde(rename = "StandardStorage", default)]
    pub standard_storage: u64,
    #[serde(rename = "StandardObjectCount", default)]
    pub standard_object_count: u64,
    #[serde(rename = "InfrequentAccessStorage", default)]
    pub infrequent_access_storage: u64,
    #[serde(rename = "InfrequentAccessRealStorage", default)]
    pub infrequent_access_real_storage: u64,
    #[serde(rename = "InfrequentAccessObjectCount", default)]
    pub infrequent_access_object_count: u64,
    #[serde(rename = "ArchiveStorage", default)]
    pub archive_storage: u64,
    #[serde(rename = "ArchiveRealStorage", default)]
    pub archive_real_storage: u64,
    #[serde(rename = "ArchiveObjectCount", default)]
    pub archive_object_count: u64,
    #[serde(rename = "ColdArchiveStorage", default)]
    pub cold_archive_storage: u64,
    #[serde(rename = "ColdArchiveRealStorage", default)]
    pub cold_archive_real_storage: u64,
    #[serde(rename = "ColdArchiveObjectCount", default)]
    pub cold_archive_object_count: u64,
    #[serde(rename = "DeepColdArchiveStorage", default)]
    pub deep_cold_archive_storage: u64,
    #[serde(rename = "DeepColdArchiveRealStorage", default)]
    pub deep_cold_archive_real_storage: u64,
    #[serde(rename = "DeepColdArchiveObjectCount", default)]
    pub deep_cold_archive_object_count: u64,
    #[serde(rename = "MultipartPartCount", default)]
    pub multipart_part_count: u64,
    #[serde(rename = "DeleteMarkerCount", default)]
    pub delete_marker_count: u64,
}

/// GetBucketPolicyStatus: whether the bucket policy grants everyone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyStatus {
    #[serde(rename = "IsPublic", default)]
    pub is_public: bool,
}

/// InitiateBucketWorm's body (ExtendBucketWorm's has the same shape under its own root).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WormRetention {
    #[serde(rename = "RetentionPeriodInDays", default)]
    pub retention_period_in_days: String,
}

/// GetBucketWorm's answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WormConfiguration {
    #[serde(rename = "WormId")]
    pub worm_id: String,
    #[serde(rename = "State")]
    pub state: String,
    #[serde(rename = "RetentionPeriodInDays")]
    pub retention_period_in_days: u32,
    /// `2020-10-15T15:50:32`: no zone, no milliseconds, as OSS writes it.
    #[serde(rename = "CreationDate")]
    pub creation_date: String,
    #[serde(rename = "ExpirationDate", default, skip_serializing_if = "Option::is_none")]
    pub expiration_date: Option<String>,
}

/// Put/GetBucketTransferAcceleration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferAccelerationConfiguration {
    #[serde(rename = "Enabled", default)]
    pub enabled: String,
}

/// Put/GetBucketResourceGroup.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BucketResourceGroupConfiguration {
    #[serde(rename = "ResourceGroupId", default)]
    pub resource_group_id: String,
}

/// Put/GetBucketAccessMonitor: `Enabled` or `Disabled`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessMonitorConfiguration {
    #[serde(rename = "Status", default)]
    pub status: String,
}

/// ListLiveChannel's answer. The emulator keeps no channels (RTMP ingest is not emulated), so
/// the list is always empty; the envelope is what SDKs read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListLiveChannelResult {
    #[serde(rename = "Prefix", default)]
    pub prefix: String,
    #[serde(rename = "Marker", default)]
    pub marker: String,
    #[serde(rename = "MaxKeys", default)]
    pub max_keys: u32,
    #[serde(rename = "IsTruncated", default)]
    pub is_truncated: bool,
    #[serde(rename = "NextMarker", default)]
    pub next_marker: String,
}

/// PutBucketStorageCapacity's body (`?qos`) and GetBucketStorageCapacity's answer: the
/// bucket's capacity in GB, `-1` for none.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BucketUserQos {
    #[serde(rename = "StorageCapacity", default)]
    pub storage_capacity: String,
}

/// PutBucketQoSInfo's body and the answer of GetBucketQoSInfo and (with `Region`)
/// GetUserQoSInfo: bandwidths in Gbit/s and requests per second, `-1` for no limit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QoSConfiguration {
    #[serde(rename = "Region", default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(rename = "TotalUploadBandwidth", default, skip_serializing_if = "Option::is_none")]
    pub total_upload_bandwidth: Option<String>,
    #[serde(rename = "IntranetUploadBandwidth", default, skip_serializing_if = "Option::is_none")]
    pub intranet_upload_bandwidth: Option<String>,
    #[serde(rename = "ExtranetUploadBandwidth", default, skip_serializing_if = "Option::is_none")]
    pub extranet_upload_bandwidth: Option<String>,
    #[serde(rename = "TotalDownloadBandwidth", default, skip_serializing_if = "Option::is_none")]
    pub total_download_bandwidth: Option<String>,
    #[serde(rename = "IntranetDownloadBandwidth", default, skip_serializing_if = "Option::is_none")]
    pub intranet_download_bandwidth: Option<String>,
    #[serde(rename = "ExtranetDownloadBandwidth", default, skip_serializing_if = "Option::is_none")]
    pub extranet_download_bandwidth: Option<String>,
    #[serde(rename = "TotalQps", default, skip_serializing_if = "Option::is_none")]
    pub total_qps: Option<String>,
    #[serde(rename = "IntranetQps", default, skip_serializing_if = "Option::is_none")]
    pub intranet_qps: Option<String>,
    #[serde(rename = "ExtranetQps", default, skip_serializing_if = "Option::is_none")]
    pub extranet_qps: Option<String>,
}

/// PutBucketCallbackPolicy's body and GetBucketCallbackPolicy's answer (`?policy&comp=callback`):
/// named callbacks an upload can ask for with `{"callbackPolicy":"<name>"}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BucketCallbackPolicy {
    #[serde(rename = "PolicyItem", default)]
    pub items: Vec<CallbackPolicyItem>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallbackPolicyItem {
    #[serde(rename = "PolicyName", default)]
    pub name: String,
    /// Base64 of the callback's JSON, as `x-oss-callback` carries it.
    #[serde(rename = "Callback", default)]
    pub callback: String,
    /// Base64 of the variables' JSON; empty for none.
    #[serde(rename = "CallbackVar", default)]
    pub callback_var: String,
}
