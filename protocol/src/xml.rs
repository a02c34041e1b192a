//! The XML documents of the operations the emulator implements, each one serde model used both to
//! write (emulator) and to read (client). No namespace, as OSS answers today: oss2 cannot find
//! elements under an S3-style `xmlns`.

use serde::{de::DeserializeOwned, Deserialize, Serialize};

mod configs;
mod tree;
pub use configs::*;
pub use tree::Element;

pub const DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

/// Serialises a model with the XML declaration in front.
pub fn to_xml<T: Serialize>(root: &str, value: &T) -> String {
    let body = quick_xml::se::to_string_with_root(root, value)
        .unwrap_or_else(|e| unreachable!("the models are plain data and always serialise: {e}"));
    format!("{DECLARATION}{body}")
}

/// Parses a model; the root element's name is not checked (callers that care use [`root_name`]).
/// Element text is kept exactly, leading and trailing whitespace included (quick-xml's
/// deserializer would trim it), because text is data: an object key may be `" lead"`.
///
/// A document type declaration is refused. No OSS body carries one, a DTD is how entity-expansion
/// attacks arrive, and quick-xml 0.37's deserializer panics (`unreachable!` in `read_text`) on a
/// `<!DOCTYPE>` between two pieces of an element's text, such as
/// `<Delete><Quiet>a<!DOCTYPE x>b</Quiet></Delete>`.
pub fn from_xml<T: DeserializeOwned>(xml: &str) -> Result<T, String> {
    quick_xml::de::from_str(&protect_edge_whitespace(xml)?).map_err(|e| e.to_string())
}

/// Rewrites the edge whitespace of every leaf element's text (text between a start tag and its
/// own end tag) as character references, which the deserializer's trimming leaves alone.
/// Whitespace between elements is untouched. Unparsable input is returned as it is, for the
/// deserializer to describe what is wrong; a DOCTYPE is an error (see [`from_xml`]).
fn protect_edge_whitespace(xml: &str) -> Result<String, String> {
    use quick_xml::events::Event;
    #[derive(PartialEq)]
    enum Kind {
        Start,
        End,
        Text,
        Other,
    }
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut events: Vec<(Kind, usize, usize)> = Vec::new();
    loop {
        let from = reader.buffer_position() as usize;
        let kind = match reader.read_event() {
            Ok(Event::Eof) => break,
            Ok(Event::Start(_)) => Kind::Start,
            Ok(Event::End(_)) => Kind::End,
            Ok(Event::Text(_)) => Kind::Text,
            Ok(Event::DocType(_)) => return Err("a document type declaration is not accepted".to_owned()),
            Ok(_) => Kind::Other,
            Err(_) => return Ok(xml.to_owned()),
        };
        events.push((kind, from, reader.buffer_position() as usize));
    }
    let is_space = |c: char| matches!(c, ' ' | '\t' | '\r' | '\n');
    let reference = |c: char| format!("&#{};", c as u32);
    let mut out = String::with_capacity(xml.len());
    for (i, (kind, from, to)) in events.iter().enumerate() {
        // The reader's positions fall on tag delimiters, so this never fails; if it did, the
        // document goes to the deserializer untouched rather than panicking.
        let Some(raw) = xml.get(*from..*to) else { return Ok(xml.to_owned()) };
        let leaf = *kind == Kind::Text
            && i.checked_sub(1).and_then(|p| events.get(p)).is_some_and(|e| e.0 == Kind::Start)
            && events.get(i + 1).is_some_and(|e| e.0 == Kind::End);
        if !leaf || !(raw.starts_with(is_space) || raw.ends_with(is_space)) {
            out.push_str(raw);
            continue;
        }
        let after_lead = raw.trim_start_matches(is_space);
        let inner = after_lead.trim_end_matches(is_space);
        let lead = raw.strip_suffix(after_lead).unwrap_or_default();
        let trail = after_lead.strip_prefix(inner).unwrap_or_default();
        out.extend(lead.chars().map(reference));
        out.push_str(inner);
        out.extend(trail.chars().map(reference));
    }
    Ok(out)
}

/// The name of the first element, to tell `<Delete>` from a wrong root.
pub fn root_name(xml: &str) -> Option<String> {
    let mut reader = quick_xml::Reader::from_str(xml);
    loop {
        match reader.read_event().ok()? {
            quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e) => {
                return Some(String::from_utf8_lossy(e.name().as_ref()).into_owned())
            }
            quick_xml::events::Event::Eof => return None,
            _ => {}
        }
    }
}

/// Escapes text for element content or attribute values.
pub fn escape(s: &str) -> String {
    quick_xml::escape::escape(s).into_owned()
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Owner {
    #[serde(rename = "ID", default)]
    pub id: String,
    #[serde(rename = "DisplayName", default)]
    pub display_name: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessControlList {
    #[serde(rename = "Grant", default)]
    pub grant: String,
}

/// GetBucketAcl / GetObjectAcl.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessControlPolicy {
    #[serde(rename = "Owner", default)]
    pub owner: Owner,
    #[serde(rename = "AccessControlList", default)]
    pub access_control_list: AccessControlList,
}

/// PutBucket body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateBucketConfiguration {
    #[serde(rename = "StorageClass", skip_serializing_if = "Option::is_none", default)]
    pub storage_class: Option<String>,
    #[serde(rename = "DataRedundancyType", skip_serializing_if = "Option::is_none", default)]
    pub data_redundancy_type: Option<String>,
    #[serde(rename = "LocationConstraint", skip_serializing_if = "Option::is_none", default)]
    pub location_constraint: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BucketSummary {
    #[serde(rename = "CreationDate", default)]
    pub creation_date: String,
    #[serde(rename = "ExtranetEndpoint", default)]
    pub extranet_endpoint: String,
    #[serde(rename = "IntranetEndpoint", default)]
    pub intranet_endpoint: String,
    #[serde(rename = "Location", default)]
    pub location: String,
    #[serde(rename = "Name", default)]
    pub name: String,
    #[serde(rename = "Region", default)]
    pub region: String,
    #[serde(rename = "StorageClass", default)]
    pub storage_class: String,
    #[serde(rename = "ResourceGroupId", default, skip_serializing_if = "Option::is_none")]
    pub resource_group_id: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Buckets {
    #[serde(rename = "Bucket", default)]
    pub bucket: Vec<BucketSummary>,
}

/// One region of DescribeRegions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionInfo {
    /// `oss-cn-hangzhou`.
    #[serde(rename = "Region", default)]
    pub region: String,
    #[serde(rename = "InternetEndpoint", default)]
    pub internet_endpoint: String,
    #[serde(rename = "InternalEndpoint", default)]
    pub internal_endpoint: String,
    #[serde(rename = "AccelerateEndpoint", default)]
    pub accelerate_endpoint: String,
}

/// DescribeRegions (`GET /?regions`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionInfoList {
    #[serde(rename = "RegionInfo", default)]
    pub regions: Vec<RegionInfo>,
}

/// ListBuckets (GetService). The paging elements appear only when the result is truncated.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListAllMyBucketsResult {
    #[serde(rename = "Prefix", skip_serializing_if = "Option::is_none", default)]
    pub prefix: Option<String>,
    #[serde(rename = "Marker", skip_serializing_if = "Option::is_none", default)]
    pub marker: Option<String>,
    #[serde(rename = "MaxKeys", skip_serializing_if = "Option::is_none", default)]
    pub max_keys: Option<u32>,
    #[serde(rename = "IsTruncated", skip_serializing_if = "Option::is_none", default)]
    pub is_truncated: Option<bool>,
    #[serde(rename = "NextMarker", skip_serializing_if = "Option::is_none", default)]
    pub next_marker: Option<String>,
    #[serde(rename = "Owner", default)]
    pub owner: Owner,
    #[serde(rename = "Buckets", default)]
    pub buckets: Buckets,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BucketDetail {
    #[serde(rename = "CreationDate", default)]
    pub creation_date: String,
    #[serde(rename = "ExtranetEndpoint", default)]
    pub extranet_endpoint: String,
    #[serde(rename = "IntranetEndpoint", default)]
    pub intranet_endpoint: String,
    #[serde(rename = "Location", default)]
    pub location: String,
    #[serde(rename = "StorageClass", default)]
    pub storage_class: String,
    #[serde(rename = "DataRedundancyType", default)]
    pub data_redundancy_type: String,
    #[serde(rename = "TransferAcceleration", default)]
    pub transfer_acceleration: String,
    #[serde(rename = "CrossRegionReplication", default)]
    pub cross_region_replication: String,
    #[serde(rename = "Name", default)]
    pub name: String,
    #[serde(rename = "Region", default)]
    pub region: String,
    #[serde(rename = "Owner", default)]
    pub owner: Owner,
    #[serde(rename = "AccessControlList", default)]
    pub access_control_list: AccessControlList,
    #[serde(rename = "Comment", default)]
    pub comment: String,
    /// `Enabled` or `Suspended`; absent for a bucket whose versioning was never configured.
    #[serde(rename = "Versioning", skip_serializing_if = "Option::is_none", default)]
    pub versioning: Option<String>,
    #[serde(rename = "ServerSideEncryptionRule", default)]
    pub server_side_encryption_rule: ServerSideEncryptionRule,
    /// `Enabled` or `Disabled`.
    #[serde(rename = "AccessMonitor", default)]
    pub access_monitor: String,
    #[serde(rename = "BlockPublicAccess", default)]
    pub block_public_access: String,
    #[serde(rename = "ResourceGroupId", default)]
    pub resource_group_id: String,
}

/// A bucket's default encryption; `SSEAlgorithm` is `None` when there is none.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerSideEncryptionRule {
    #[serde(rename = "SSEAlgorithm", default)]
    pub sse_algorithm: String,
    #[serde(rename = "KMSMasterKeyID", default, skip_serializing_if = "Option::is_none")]
    pub kms_master_key_id: Option<String>,
    #[serde(rename = "KMSDataEncryption", default, skip_serializing_if = "Option::is_none")]
    pub kms_data_encryption: Option<String>,
}

/// GetBucketInfo.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BucketInfo {
    #[serde(rename = "Bucket", default)]
    pub bucket: BucketDetail,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectSummary {
    #[serde(rename = "Key", default)]
    pub key: String,
    #[serde(rename = "LastModified", default)]
    pub last_modified: String,
    #[serde(rename = "ETag", default)]
    pub etag: String,
    #[serde(rename = "Type", default)]
    pub object_type: String,
    #[serde(rename = "Size", default)]
    pub size: u64,
    #[serde(rename = "StorageClass", default)]
    pub storage_class: String,
    /// An archived object's restore, as `x-oss-restore` spells it (absent: not restored).
    #[serde(rename = "RestoreInfo", skip_serializing_if = "Option::is_none", default)]
    pub restore_info: Option<String>,
    #[serde(rename = "Owner", skip_serializing_if = "Option::is_none", default)]
    pub owner: Option<Owner>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommonPrefix {
    #[serde(rename = "Prefix", default)]
    pub prefix: String,
}

/// ListObjects (v1: Marker/NextMarker) and ListObjectsV2 (StartAfter, tokens, KeyCount).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListBucketResult {
    #[serde(rename = "Name", default)]
    pub name: String,
    #[serde(rename = "Prefix", default)]
    pub prefix: String,
    #[serde(rename = "Marker", skip_serializing_if = "Option::is_none", default)]
    pub marker: Option<String>,
    #[serde(rename = "StartAfter", skip_serializing_if = "Option::is_none", default)]
    pub start_after: Option<String>,
    #[serde(rename = "ContinuationToken", skip_serializing_if = "Option::is_none", default)]
    pub continuation_token: Option<String>,
    #[serde(rename = "MaxKeys", default)]
    pub max_keys: u32,
    #[serde(rename = "Delimiter", default)]
    pub delimiter: String,
    #[serde(rename = "EncodingType", skip_serializing_if = "Option::is_none", default)]
    pub encoding_type: Option<String>,
    #[serde(rename = "IsTruncated", default)]
    pub is_truncated: bool,
    #[serde(rename = "NextMarker", skip_serializing_if = "Option::is_none", default)]
    pub next_marker: Option<String>,
    #[serde(rename = "NextContinuationToken", skip_serializing_if = "Option::is_none", default)]
    pub next_continuation_token: Option<String>,
    #[serde(rename = "KeyCount", skip_serializing_if = "Option::is_none", default)]
    pub key_count: Option<u32>,
    #[serde(rename = "Contents", default)]
    pub contents: Vec<ObjectSummary>,
    #[serde(rename = "CommonPrefixes", default)]
    pub common_prefixes: Vec<CommonPrefix>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteObjectEntry {
    #[serde(rename = "Key", default)]
    pub key: String,
    #[serde(rename = "VersionId", skip_serializing_if = "Option::is_none", default)]
    pub version_id: Option<String>,
}

/// PutBucketLifecycle's body and GetBucketLifecycle's answer. Numbers and dates stay strings
/// here so that a wrong value gets OSS's InvalidArgument, not a parse failure.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LifecycleConfiguration {
    #[serde(rename = "Rule", default)]
    pub rules: Vec<LifecycleRule>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LifecycleRule {
    #[serde(rename = "ID", default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(rename = "Prefix", default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    #[serde(rename = "Status", default)]
    pub status: String,
    #[serde(rename = "Filter", default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<LifecycleFilter>,
    #[serde(rename = "Expiration", default, skip_serializing_if = "Option::is_none")]
    pub expiration: Option<LifecycleExpiration>,
    #[serde(rename = "Transition", default, skip_serializing_if = "Vec::is_empty")]
    pub transitions: Vec<LifecycleTransition>,
    #[serde(rename = "AbortMultipartUpload", default, skip_serializing_if = "Option::is_none")]
    pub abort_multipart_upload: Option<LifecycleWhen>,
    #[serde(rename = "NoncurrentVersionExpiration", default, skip_serializing_if = "Option::is_none")]
    pub noncurrent_version_expiration: Option<NoncurrentVersionExpiration>,
    #[serde(rename = "NoncurrentVersionTransition", default, skip_serializing_if = "Vec::is_empty")]
    pub noncurrent_version_transitions: Vec<LifecycleTransition>,
    #[serde(rename = "Tag", default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}

/// `<Expiration>`: Days, CreatedBeforeDate (or its old spelling Date), or ExpiredObjectDeleteMarker.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LifecycleExpiration {
    #[serde(rename = "Days", default, skip_serializing_if = "Option::is_none")]
    pub days: Option<String>,
    #[serde(rename = "CreatedBeforeDate", default, skip_serializing_if = "Option::is_none")]
    pub created_before_date: Option<String>,
    #[serde(rename = "Date", default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    #[serde(rename = "ExpiredObjectDeleteMarker", default, skip_serializing_if = "Option::is_none")]
    pub expired_object_delete_marker: Option<String>,
}

/// `<AbortMultipartUpload>`: Days or CreatedBeforeDate.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LifecycleWhen {
    #[serde(rename = "Days", default, skip_serializing_if = "Option::is_none")]
    pub days: Option<String>,
    #[serde(rename = "CreatedBeforeDate", default, skip_serializing_if = "Option::is_none")]
    pub created_before_date: Option<String>,
}

/// `<Transition>` (Days or CreatedBeforeDate) and `<NoncurrentVersionTransition>` (NoncurrentDays).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LifecycleTransition {
    #[serde(rename = "Days", default, skip_serializing_if = "Option::is_none")]
    pub days: Option<String>,
    #[serde(rename = "CreatedBeforeDate", default, skip_serializing_if = "Option::is_none")]
    pub created_before_date: Option<String>,
    #[serde(rename = "NoncurrentDays", default, skip_serializing_if = "Option::is_none")]
    pub noncurrent_days: Option<String>,
    #[serde(rename = "StorageClass", default)]
    pub storage_class: String,
    #[serde(rename = "IsAccessTime", default, skip_serializing_if = "Option::is_none")]
    pub is_access_time: Option<String>,
    #[serde(rename = "ReturnToStdWhenVisit", default, skip_serializing_if = "Option::is_none")]
    pub return_to_std_when_visit: Option<String>,
    #[serde(rename = "AllowSmallFile", default, skip_serializing_if = "Option::is_none")]
    pub allow_small_file: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoncurrentVersionExpiration {
    #[serde(rename = "NoncurrentDays", default)]
    pub noncurrent_days: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LifecycleFilter {
    #[serde(rename = "Not", default, skip_serializing_if = "Vec::is_empty")]
    pub not: Vec<LifecycleNot>,
    #[serde(rename = "ObjectSizeGreaterThan", default, skip_serializing_if = "Option::is_none")]
    pub object_size_greater_than: Option<String>,
    #[serde(rename = "ObjectSizeLessThan", default, skip_serializing_if = "Option::is_none")]
    pub object_size_less_than: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LifecycleNot {
    #[serde(rename = "Prefix", default)]
    pub prefix: String,
    #[serde(rename = "Tag", default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<Tag>,
}

/// RestoreObject's optional body: `<RestoreRequest><Days>n</Days><JobParameters><Tier>…`.
/// Days and the tier stay strings here so that a wrong value gets OSS's InvalidArgument rather
/// than a parse failure.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestoreRequest {
    #[serde(rename = "Days", default, skip_serializing_if = "Option::is_none")]
    pub days: Option<String>,
    #[serde(rename = "JobParameters", default, skip_serializing_if = "Option::is_none")]
    pub job_parameters: Option<JobParameters>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobParameters {
    #[serde(rename = "Tier", default)]
    pub tier: String,
}

/// Object and bucket tags: `<Tagging><TagSet><Tag><Key/><Value/></Tag>…</TagSet></Tagging>`
/// (PutObjectTagging, GetObjectTagging, PutBucketTags, GetBucketTags).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tagging {
    #[serde(rename = "TagSet", default)]
    pub tag_set: TagSet,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagSet {
    #[serde(rename = "Tag", default)]
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tag {
    #[serde(rename = "Key", default)]
    pub key: String,
    #[serde(rename = "Value", default)]
    pub value: String,
}

impl Tagging {
    pub fn from_pairs(pairs: &[(String, String)]) -> Tagging {
        let tags = pairs.iter().map(|(key, value)| Tag { key: key.clone(), value: value.clone() }).collect();
        Tagging { tag_set: TagSet { tags } }
    }

    pub fn pairs(&self) -> Vec<(String, String)> {
        self.tag_set.tags.iter().map(|t| (t.key.clone(), t.value.clone())).collect()
    }
}

/// DeleteMultipleObjects request body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delete {
    #[serde(rename = "Quiet", skip_serializing_if = "Option::is_none", default)]
    pub quiet: Option<String>,
    #[serde(rename = "Object", default)]
    pub objects: Vec<DeleteObjectEntry>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletedObject {
    #[serde(rename = "Key", default)]
    pub key: String,
    /// The version removed, when the request named one.
    #[serde(rename = "VersionId", skip_serializing_if = "Option::is_none", default)]
    pub version_id: Option<String>,
    /// `true` when a delete marker was created or removed (never `false`).
    #[serde(rename = "DeleteMarker", skip_serializing_if = "Option::is_none", default)]
    pub delete_marker: Option<bool>,
    #[serde(rename = "DeleteMarkerVersionId", skip_serializing_if = "Option::is_none", default)]
    pub delete_marker_version_id: Option<String>,
}

/// PutBucketVersioning's body and GetBucketVersioning's answer (no `Status`: never configured).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersioningConfiguration {
    #[serde(rename = "Status", skip_serializing_if = "Option::is_none", default)]
    pub status: Option<String>,
}

/// One `<Version>` of ListObjectVersions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectVersion {
    #[serde(rename = "Key", default)]
    pub key: String,
    #[serde(rename = "VersionId", default)]
    pub version_id: String,
    #[serde(rename = "IsLatest", default)]
    pub is_latest: bool,
    #[serde(rename = "LastModified", default)]
    pub last_modified: String,
    #[serde(rename = "ETag", default)]
    pub etag: String,
    #[serde(rename = "Type", default)]
    pub object_type: String,
    #[serde(rename = "Size", default)]
    pub size: u64,
    #[serde(rename = "StorageClass", default)]
    pub storage_class: String,
    #[serde(rename = "RestoreInfo", skip_serializing_if = "Option::is_none", default)]
    pub restore_info: Option<String>,
    #[serde(rename = "Owner", default)]
    pub owner: Owner,
}

/// One `<DeleteMarker>` of ListObjectVersions: never a `<Type>`, which is how the Go SDK tells
/// the two apart.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteMarkerEntry {
    #[serde(rename = "Key", default)]
    pub key: String,
    #[serde(rename = "VersionId", default)]
    pub version_id: String,
    #[serde(rename = "IsLatest", default)]
    pub is_latest: bool,
    #[serde(rename = "LastModified", default)]
    pub last_modified: String,
    #[serde(rename = "Owner", default)]
    pub owner: Owner,
}

/// What follows the header of a ListVersionsResult, in one order: versions and delete markers
/// interleave (a key's history newest first), then the common prefixes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum VersionEntry {
    Version(ObjectVersion),
    DeleteMarker(DeleteMarkerEntry),
    CommonPrefixes(CommonPrefix),
}

/// ListObjectVersions (`GET /?versions`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListVersionsResult {
    #[serde(rename = "Name", default)]
    pub name: String,
    #[serde(rename = "Prefix", default)]
    pub prefix: String,
    #[serde(rename = "KeyMarker", default)]
    pub key_marker: String,
    #[serde(rename = "VersionIdMarker", default)]
    pub version_id_marker: String,
    #[serde(rename = "NextKeyMarker", skip_serializing_if = "Option::is_none", default)]
    pub next_key_marker: Option<String>,
    #[serde(rename = "NextVersionIdMarker", skip_serializing_if = "Option::is_none", default)]
    pub next_version_id_marker: Option<String>,
    #[serde(rename = "MaxKeys", default)]
    pub max_keys: u32,
    #[serde(rename = "Delimiter", default)]
    pub delimiter: String,
    #[serde(rename = "EncodingType", skip_serializing_if = "Option::is_none", default)]
    pub encoding_type: Option<String>,
    #[serde(rename = "IsTruncated", default)]
    pub is_truncated: bool,
    #[serde(rename = "$value", default)]
    pub entries: Vec<VersionEntry>,
}

/// DeleteMultipleObjects response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteResult {
    #[serde(rename = "EncodingType", skip_serializing_if = "Option::is_none", default)]
    pub encoding_type: Option<String>,
    #[serde(rename = "Deleted", default)]
    pub deleted: Vec<DeletedObject>,
}

/// CopyObject response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CopyObjectResult {
    #[serde(rename = "ETag", default)]
    pub etag: String,
    #[serde(rename = "LastModified", default)]
    pub last_modified: String,
}

/// UploadPartCopy response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CopyPartResult {
    #[serde(rename = "LastModified", default)]
    pub last_modified: String,
    #[serde(rename = "ETag", default)]
    pub etag: String,
}

/// InitiateMultipartUpload response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InitiateMultipartUploadResult {
    #[serde(rename = "Bucket", default)]
    pub bucket: String,
    #[serde(rename = "Key", default)]
    pub key: String,
    #[serde(rename = "UploadId", default)]
    pub upload_id: String,
    #[serde(rename = "EncodingType", skip_serializing_if = "Option::is_none", default)]
    pub encoding_type: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompletePart {
    /// Kept as text: a malformed number must become MalformedXML/InvalidPart, not a parse panic.
    #[serde(rename = "PartNumber", default)]
    pub part_number: String,
    #[serde(rename = "ETag", default)]
    pub etag: String,
}

/// CompleteMultipartUpload request body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompleteMultipartUpload {
    #[serde(rename = "Part", default)]
    pub parts: Vec<CompletePart>,
}

/// CompleteMultipartUpload response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompleteMultipartUploadResult {
    #[serde(rename = "EncodingType", skip_serializing_if = "Option::is_none", default)]
    pub encoding_type: Option<String>,
    #[serde(rename = "Location", default)]
    pub location: String,
    #[serde(rename = "Bucket", default)]
    pub bucket: String,
    #[serde(rename = "Key", default)]
    pub key: String,
    #[serde(rename = "ETag", default)]
    pub etag: String,
    /// The callback server's JSON, which replaces this document on the wire when the upload
    /// asked for a callback (the other members then come from the answer's headers).
    #[serde(skip)]
    pub callback_answer: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartSummary {
    #[serde(rename = "PartNumber", default)]
    pub part_number: u32,
    #[serde(rename = "LastModified", default)]
    pub last_modified: String,
    #[serde(rename = "ETag", default)]
    pub etag: String,
    #[serde(rename = "HashCrc64ecma", skip_serializing_if = "Option::is_none", default)]
    pub hash_crc64ecma: Option<u64>,
    #[serde(rename = "Size", default)]
    pub size: u64,
}

/// ListParts response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListPartsResult {
    #[serde(rename = "EncodingType", skip_serializing_if = "Option::is_none", default)]
    pub encoding_type: Option<String>,
    #[serde(rename = "Bucket", default)]
    pub bucket: String,
    #[serde(rename = "Key", default)]
    pub key: String,
    #[serde(rename = "UploadId", default)]
    pub upload_id: String,
    #[serde(rename = "PartNumberMarker", default)]
    pub part_number_marker: String,
    #[serde(rename = "NextPartNumberMarker", default)]
    pub next_part_number_marker: String,
    #[serde(rename = "MaxParts", default)]
    pub max_parts: u32,
    #[serde(rename = "IsTruncated", default)]
    pub is_truncated: bool,
    #[serde(rename = "Part", default)]
    pub parts: Vec<PartSummary>,
    /// The client-side encryption envelope an encrypting SDK gave at Initiate (as
    /// `x-oss-meta-client-side-encryption-*`), so that it can resume the upload; absent otherwise.
    #[serde(rename = "ClientEncryptionKey", skip_serializing_if = "Option::is_none", default)]
    pub client_encryption_key: Option<String>,
    #[serde(rename = "ClientEncryptionStart", skip_serializing_if = "Option::is_none", default)]
    pub client_encryption_start: Option<String>,
    #[serde(rename = "ClientEncryptionCekAlg", skip_serializing_if = "Option::is_none", default)]
    pub client_encryption_cek_alg: Option<String>,
    #[serde(rename = "ClientEncryptionWrapAlg", skip_serializing_if = "Option::is_none", default)]
    pub client_encryption_wrap_alg: Option<String>,
    #[serde(rename = "ClientEncryptionDataSize", skip_serializing_if = "Option::is_none", default)]
    pub client_encryption_data_size: Option<u64>,
    #[serde(rename = "ClientEncryptionPartSize", skip_serializing_if = "Option::is_none", default)]
    pub client_encryption_part_size: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadSummary {
    #[serde(rename = "Key", default)]
    pub key: String,
    #[serde(rename = "UploadId", default)]
    pub upload_id: String,
    #[serde(rename = "Initiated", default)]
    pub initiated: String,
}

/// ListMultipartUploads response. The Next markers are always present (oss2 requires them).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListMultipartUploadsResult {
    #[serde(rename = "EncodingType", skip_serializing_if = "Option::is_none", default)]
    pub encoding_type: Option<String>,
    #[serde(rename = "Bucket", default)]
    pub bucket: String,
    #[serde(rename = "KeyMarker", default)]
    pub key_marker: String,
    #[serde(rename = "UploadIdMarker", default)]
    pub upload_id_marker: String,
    #[serde(rename = "NextKeyMarker", default)]
    pub next_key_marker: String,
    #[serde(rename = "NextUploadIdMarker", default)]
    pub next_upload_id_marker: String,
    #[serde(rename = "Delimiter", default)]
    pub delimiter: String,
    #[serde(rename = "Prefix", default)]
    pub prefix: String,
    #[serde(rename = "MaxUploads", default)]
    pub max_uploads: u32,
    #[serde(rename = "IsTruncated", default)]
    pub is_truncated: bool,
    #[serde(rename = "Upload", default)]
    pub uploads: Vec<UploadSummary>,
    #[serde(rename = "CommonPrefixes", default)]
    pub common_prefixes: Vec<CommonPrefix>,
}

/// `<LocationConstraint>oss-cn-hangzhou</LocationConstraint>` (a text root, written by hand).
pub fn location_constraint(location: &str) -> String {
    format!("{DECLARATION}<LocationConstraint>{}</LocationConstraint>", escape(location))
}

/// Reads the text of the first element named `name` (for text-root documents).
pub fn element_text(xml: &str, name: &str) -> Option<String> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut inside = false;
    let mut text = String::new();
    loop {
        match reader.read_event().ok()? {
            quick_xml::events::Event::Start(e) if e.name().as_ref() == name.as_bytes() => inside = true,
            quick_xml::events::Event::Text(t) if inside => text.push_str(&t.unescape().ok()?),
            quick_xml::events::Event::End(e) if inside && e.name().as_ref() == name.as_bytes() => return Some(text),
            quick_xml::events::Event::Eof => return None,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_round_trip_and_escaping() {
        let doc = ListBucketResult {
            name: "b".into(),
            marker: Some(String::new()),
            max_keys: 100,
            contents: vec![ObjectSummary {
                key: "a<&>\"b".into(),
                etag: "\"E\"".into(),
                size: 3,
                ..Default::default()
            }],
            ..Default::default()
        };
        let xml = to_xml("ListBucketResult", &doc);
        assert!(xml.starts_with(DECLARATION));
        assert!(xml.contains("<Key>a&lt;&amp;&gt;"), "{xml}");
        assert!(!xml.contains("xmlns"));
        let back: ListBucketResult = from_xml(&xml).unwrap();
        assert_eq!(back, doc);
        assert_eq!(root_name(&xml).as_deref(), Some("ListBucketResult"));
    }

    #[test]
    fn complete_body_forms() {
        let xml = "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>&#34;AB&#34;</ETag></Part><Part><PartNumber>2</PartNumber><ETag>CD</ETag></Part></CompleteMultipartUpload>";
        let c: CompleteMultipartUpload = from_xml(xml).unwrap();
        assert_eq!(c.parts.len(), 2);
        assert_eq!(c.parts[0].etag, "\"AB\"");
        let empty: CompleteMultipartUpload = from_xml("<CompleteMultipartUpload></CompleteMultipartUpload>").unwrap();
        assert!(empty.parts.is_empty());
    }

    #[test]
    fn exact_text_keeps_edge_whitespace() {
        let xml = "<Delete>\n  <Quiet>true</Quiet>\n  <Object><Key> lead</Key></Object>\n  \
                   <Object><Key>trail \t</Key></Object><Object><Key>   </Key></Object>\n  \
                   <Object><Key> a &amp; b </Key></Object></Delete>";
        let d: Delete = from_xml(xml).unwrap();
        let keys: Vec<&str> = d.objects.iter().map(|o| o.key.as_str()).collect();
        assert_eq!(keys, [" lead", "trail \t", "   ", " a & b "]);
        assert_eq!(d.quiet.as_deref(), Some("true"));
        // Not XML at all: handed through, for the parser to refuse.
        assert!(from_xml::<Delete>("<Delete><Object>").is_err());
    }

    /// quick-xml 0.37's deserializer hit `unreachable!()` on all but the last of these (the
    /// property tests found it); the DOCTYPE is refused before it gets there.
    #[test]
    fn doctype_is_refused_not_a_panic() {
        assert!(from_xml::<Delete>("<Delete><Quiet>a<!DOCTYPE x>b</Quiet></Delete>").is_err());
        assert!(from_xml::<Delete>("<Delete><Object><Key>a<!DOCTYPE x>b</Key></Object></Delete>").is_err());
        let body = "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>a<!DOCTYPE x>b</ETag></Part>\
                    </CompleteMultipartUpload>";
        assert!(from_xml::<CompleteMultipartUpload>(body).is_err());
        let body = "<CreateBucketConfiguration><StorageClass><![CDATA[ x ]]><!DOCTYPE a><![CDATA[ x ]]>";
        assert!(from_xml::<CreateBucketConfiguration>(body).is_err());
        assert!(from_xml::<CompleteMultipartUpload>("<!DOCTYPE a><CompleteMultipartUpload/>").is_err());
    }

    /// Versions and delete markers interleave in one order, and the client reads them back in
    /// that order; a marker carries no `<Type>`.
    #[test]
    fn version_listing_keeps_one_order() {
        let listing = ListVersionsResult {
            name: "b".into(),
            max_keys: 100,
            is_truncated: true,
            next_key_marker: Some("k".into()),
            next_version_id_marker: Some("v1".into()),
            entries: vec![
                VersionEntry::DeleteMarker(DeleteMarkerEntry {
                    key: "k".into(),
                    version_id: "v2".into(),
                    ..Default::default()
                }),
                VersionEntry::Version(ObjectVersion {
                    key: "k".into(),
                    version_id: "v1".into(),
                    object_type: "Normal".into(),
                    ..Default::default()
                }),
                VersionEntry::DeleteMarker(DeleteMarkerEntry {
                    key: "k".into(),
                    version_id: "v0".into(),
                    ..Default::default()
                }),
                VersionEntry::CommonPrefixes(CommonPrefix { prefix: "p/".into() }),
            ],
            ..Default::default()
        };
        let xml = to_xml("ListVersionsResult", &listing);
        assert!(xml.contains("<DeleteMarker><Key>k</Key><VersionId>v2</VersionId><IsLatest>false</IsLatest>"), "{xml}");
        let marker = &xml[xml.find("<DeleteMarker>").unwrap()..xml.find("</DeleteMarker>").unwrap()];
        assert!(!marker.contains("<Type>"), "{xml}");
        let back: ListVersionsResult = from_xml(&xml).unwrap();
        assert_eq!(back, listing);
    }

    #[test]
    fn location_text_root() {
        let xml = location_constraint("oss-cn-hangzhou");
        assert_eq!(element_text(&xml, "LocationConstraint").as_deref(), Some("oss-cn-hangzhou"));
    }
}
