//! The smaller bucket configurations (fact sheet §11): referer, logging, default encryption,
//! request payment, public access block and HTTPS (and the bucket policy, kept in
//! [`crate::policy`]). Each is validated on the way in and kept as
//! the document GetBucket* answers; what the emulator enforces of them is noted on each.

use oss_protocol::xml::Element;
use oss_protocol::xml::{
    ApplyServerSideEncryptionByDefault, BucketEncryptionRule, BucketLoggingStatus, HttpsConfiguration, HttpsTls,
    LoggingEnabled, RefererConfiguration, RefererList, RequestPaymentConfiguration,
};
use serde::{Deserialize, Serialize};

use crate::error::{Code, OssError, Result};

/// Everything a bucket stores of these configurations; `None` is "never set" (or deleted).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BucketConfigs {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cors: Option<crate::cors::Cors>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referer: Option<Referer>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logging: Option<LoggingEnabled>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption: Option<ApplyServerSideEncryptionByDefault>,
    /// Whether requesters pay (`Payer=Requester`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub requester_pays: bool,
    /// Public ACLs stop granting anything to anyone but the owner.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub block_public_access: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub https: Option<HttpsTls>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<crate::policy::BucketPolicy>,
    /// The retention policy; enforced by the store on overwrite and delete.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worm: Option<crate::worm::Worm>,
    /// The website document as given (see [`crate::website`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<Element>,
    /// Inventory configurations as given, ordered by id. Kept, not run: no reports are written.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inventories: Vec<Element>,
    /// `None` until PutBucketTransferAcceleration first sets it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer_acceleration: Option<bool>,
    /// `None` is the account's default resource group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_group: Option<String>,
    /// Access tracking: objects then carry `x-oss-last-access-time`, and lifecycle rules may use
    /// `IsAccessTime`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub access_monitor: bool,
    /// PutBucketStorageCapacity, in GB (`None`: no limit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_capacity_gb: Option<u64>,
    /// PutBucketQoSInfo's limits (`None`: never set, or deleted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qos: Option<crate::qos::QosLimits>,
    /// Named upload callbacks (PutBucketCallbackPolicy), each validated as `x-oss-callback` is.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub callback_policies: Vec<oss_protocol::xml::CallbackPolicyItem>,
}

impl BucketConfigs {
    pub fn is_empty(&self) -> bool {
        *self == BucketConfigs::default()
    }
}

/// `true` / `false` as OSS writes them; anything else is MalformedXML.
pub fn parse_bool(raw: &str, what: &str) -> Result<bool> {
    match raw.trim() {
        v if v.eq_ignore_ascii_case("true") => Ok(true),
        v if v.eq_ignore_ascii_case("false") => Ok(false),
        other => Err(OssError::malformed_xml(format!("{what} must be true or false, not {other:?}."))),
    }
}

/// `BlockPublicAccess`: only `true` blocks. oss2 writes Python's `str(None)` when the caller gives
/// no value, and its suite (which passes against OSS) reads `false` back, so anything else is off.
pub fn parse_block_public_access(raw: &str) -> bool {
    raw.trim().eq_ignore_ascii_case("true")
}

/// Hotlink protection, validated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Referer {
    pub allow_empty: bool,
    /// OSS answers `true` for a configuration that never said (the oss2 suite reads it back so).
    pub truncate_query_string: bool,
    #[serde(default)]
    pub truncate_path: Option<bool>,
    pub allow: Vec<String>,
    #[serde(default)]
    pub block: Vec<String>,
}

impl Referer {
    /// The answer of a bucket that never set one: empty referers allowed, no lists.
    pub fn open() -> Referer {
        Referer { allow_empty: true, truncate_query_string: true, truncate_path: None, allow: vec![], block: vec![] }
    }

    pub fn parse(doc: &RefererConfiguration) -> Result<Referer> {
        let flag = |raw: &Option<String>, what| raw.as_deref().map(|v| parse_bool(v, what)).transpose();
        Ok(Referer {
            allow_empty: parse_bool(&doc.allow_empty_referer, "AllowEmptyReferer")?,
            truncate_query_string: flag(&doc.allow_truncate_query_string, "AllowTruncateQueryString")?.unwrap_or(true),
            truncate_path: flag(&doc.truncate_path, "TruncatePath")?,
            allow: doc.referer_list.referers.clone(),
            block: doc.referer_blacklist.as_ref().map(|l| l.referers.clone()).unwrap_or_default(),
        })
    }

    /// Whether a request with this `Referer` header passes: a blacklist match is refused; a
    /// non-empty whitelist must match, or the referer be empty where empty ones are allowed.
    /// Patterns take `*` and `?`, and compare without regard to case (host names have none).
    pub fn allows(&self, referer: Option<&str>) -> bool {
        let referer = referer.map(str::trim).filter(|r| !r.is_empty());
        let Some(referer) = referer else { return self.allow.is_empty() || self.allow_empty };
        let mut seen = referer.to_lowercase();
        if self.truncate_query_string {
            seen.truncate(seen.find('?').unwrap_or(seen.len()));
        }
        if self.truncate_path == Some(true) {
            let host_from = seen.find("://").map_or(0, |i| i + 3);
            if let Some(slash) = seen[host_from..].find('/') {
                seen.truncate(host_from + slash);
            }
        }
        let matches = |pattern: &String| {
            let pattern = pattern.to_lowercase();
            crate::policy::glob(&pattern, &seen) || crate::policy::glob(&pattern, &referer.to_lowercase())
        };
        if self.block.iter().any(matches) {
            return false;
        }
        self.allow.is_empty() || self.allow.iter().any(matches)
    }

    pub fn to_xml(&self) -> RefererConfiguration {
        RefererConfiguration {
            allow_empty_referer: self.allow_empty.to_string(),
            allow_truncate_query_string: Some(self.truncate_query_string.to_string()),
            truncate_path: self.truncate_path.map(|b| b.to_string()),
            referer_list: RefererList { referers: self.allow.clone() },
            referer_blacklist: Some(RefererList { referers: self.block.clone() }),
        }
    }
}

/// PutBucketLogging's document: `Some` target, or `None` to switch logging off. The target must
/// be a bucket of the same owner in the same region (`bucket_of` finds it).
pub fn parse_logging(
    doc: BucketLoggingStatus,
    owner: &str,
    region: &str,
    bucket_of: impl Fn(&str) -> Option<(String, String)>,
) -> Result<Option<LoggingEnabled>> {
    let Some(enabled) = doc.logging_enabled else { return Ok(None) };
    let target_ok = matches!(bucket_of(&enabled.target_bucket), Some((o, r)) if o == owner && r == region);
    if !target_ok {
        return Err(OssError::new(Code::InvalidTargetBucketForLogging).with("TargetBucket", enabled.target_bucket));
    }
    Ok(Some(enabled))
}

pub fn logging_to_xml(logging: Option<&LoggingEnabled>) -> BucketLoggingStatus {
    BucketLoggingStatus { logging_enabled: logging.cloned() }
}

/// PutBucketEncryption's rule, validated; an empty `KMSMasterKeyID` is no key.
pub fn parse_encryption(doc: BucketEncryptionRule) -> Result<ApplyServerSideEncryptionByDefault> {
    let mut rule = doc.apply_by_default;
    rule.sse_algorithm = rule.sse_algorithm.trim().to_owned();
    if !["AES256", "KMS", "SM4"].contains(&rule.sse_algorithm.as_str()) {
        return Err(OssError::new(Code::InvalidEncryptionAlgorithmError));
    }
    rule.kms_master_key_id = rule.kms_master_key_id.filter(|k| !k.trim().is_empty());
    if rule.sse_algorithm != "KMS" && rule.kms_master_key_id.is_some() {
        return Err(OssError::new(Code::InvalidArgument)
            .message("KMSMasterKeyID is not applicable if the default sse algorithm is not KMS."));
    }
    rule.kms_data_encryption = rule.kms_data_encryption.filter(|k| !k.trim().is_empty());
    match rule.kms_data_encryption.as_deref() {
        None => {}
        Some("SM4") if rule.sse_algorithm == "KMS" => {}
        Some(other) => {
            return Err(OssError::invalid_argument(
                "KMSDataEncryption must be SM4, and only with the KMS algorithm.",
                "KMSDataEncryption",
                other,
            ))
        }
    }
    Ok(rule)
}

pub fn encryption_to_xml(rule: &ApplyServerSideEncryptionByDefault) -> BucketEncryptionRule {
    BucketEncryptionRule { apply_by_default: rule.clone() }
}

/// `BucketOwner` or `Requester`.
pub fn parse_payer(doc: &RequestPaymentConfiguration) -> Result<bool> {
    match doc.payer.trim() {
        "BucketOwner" => Ok(false),
        "Requester" => Ok(true),
        other => Err(OssError::malformed_xml(format!("Payer must be BucketOwner or Requester, not {other:?}."))),
    }
}

pub fn payer_to_xml(requester_pays: bool) -> RequestPaymentConfiguration {
    let payer = if requester_pays { "Requester" } else { "BucketOwner" };
    RequestPaymentConfiguration { payer: payer.to_owned() }
}

const TLS_VERSIONS: &[&str] = &["TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"];

/// PutBucketHttpsConfig: enabling TLS needs at least one known version; repeats collapse.
pub fn parse_https(doc: HttpsConfiguration) -> Result<HttpsTls> {
    let enable = parse_bool(&doc.tls.enable, "TLS/Enable")?;
    let mut versions: Vec<String> = Vec::new();
    for v in doc.tls.tls_versions.iter().map(|v| v.trim()) {
        if !TLS_VERSIONS.contains(&v) {
            return Err(OssError::malformed_xml(format!("Unknown TLSVersion {v:?}.")));
        }
        if !versions.iter().any(|x| x == v) {
            versions.push(v.to_owned());
        }
    }
    if enable && versions.is_empty() {
        return Err(OssError::malformed_xml("Enabling TLS needs at least one TLSVersion."));
    }
    Ok(HttpsTls { enable: enable.to_string(), tls_versions: versions })
}

pub fn https_to_xml(tls: Option<&HttpsTls>) -> HttpsConfiguration {
    let tls = tls.cloned().unwrap_or_else(|| HttpsTls { enable: "false".to_owned(), tls_versions: vec![] });
    HttpsConfiguration { tls, cipher_suite: None }
}

/// Booleans as OSS writes them back (`true`, `false`): SDKs send Python's `True`, and parse
/// only the lowercase forms.
pub fn normalize_booleans(e: &mut Element) {
    if e.children.is_empty() {
        if e.text.eq_ignore_ascii_case("true") || e.text.eq_ignore_ascii_case("false") {
            e.text.make_ascii_lowercase();
        }
        return;
    }
    e.children.iter_mut().for_each(normalize_booleans);
}

/// The most inventory configurations a bucket may have.
pub const MAX_INVENTORIES: usize = 1000;

/// PutBucketInventory's document, validated against the `inventoryId` it is put under.
pub fn parse_inventory(text: &str, id: &str) -> Result<Element> {
    let doc = Element::parse(text).map_err(OssError::malformed_xml)?;
    if doc.name != "InventoryConfiguration" {
        return Err(OssError::malformed_xml("the root node is not named InventoryConfiguration."));
    }
    let bad = |what: &str| {
        OssError::new(Code::InvalidArgument).message(format!("The inventory configuration is invalid: {what}."))
    };
    if doc.text_of("Id") != Some(id) || id.is_empty() {
        return Err(bad("Id must equal the inventoryId of the request"));
    }
    parse_bool(doc.text_of("IsEnabled").unwrap_or_default(), "IsEnabled")?;
    let oss_destination = doc.child("Destination").and_then(|d| d.child("OSSBucketDestination"));
    let destination = oss_destination.ok_or_else(|| bad("Destination/OSSBucketDestination is required"))?;
    if destination.text_of("Format") != Some("CSV") {
        return Err(bad("Format must be CSV"));
    }
    if destination.text_of("Bucket").is_none_or(|b| !b.starts_with("acs:oss:::")) {
        return Err(bad("Bucket must be acs:oss:::<bucket>"));
    }
    let frequency = doc.child("Schedule").and_then(|s| s.text_of("Frequency"));
    if !matches!(frequency, Some("Daily" | "Weekly")) {
        return Err(bad("Schedule/Frequency must be Daily or Weekly"));
    }
    if !matches!(doc.text_of("IncludedObjectVersions"), Some("All" | "Current")) {
        return Err(bad("IncludedObjectVersions must be All or Current"));
    }
    let mut doc = doc;
    normalize_booleans(&mut doc);
    // OSS lists the filter's storage classes in its own (alphabetical) order.
    let classes = doc.children.iter_mut().filter(|c| c.name == "Filter").flat_map(|f| f.children.iter_mut());
    for list in classes.filter(|c| c.name == "StorageClass") {
        let mut names: Vec<&str> = list.text.split(',').map(str::trim).filter(|n| !n.is_empty()).collect();
        names.sort_unstable();
        names.dedup();
        list.text = names.join(",");
    }
    Ok(doc)
}

/// The id an inventory document is kept under.
pub fn inventory_id(doc: &Element) -> &str {
    doc.text_of("Id").unwrap_or_default()
}

/// `Enabled` / `Disabled`; anything else is MalformedXML, as OSS answers.
pub fn parse_access_monitor(raw: &str) -> Result<bool> {
    match raw.trim() {
        "Enabled" => Ok(true),
        "Disabled" => Ok(false),
        other => Err(OssError::malformed_xml(format!("Status must be Enabled or Disabled, not {other:?}."))),
    }
}

pub fn access_monitor_status(enabled: bool) -> &'static str {
    if enabled {
        "Enabled"
    } else {
        "Disabled"
    }
}

/// The account's default resource group: OSS gives every account one, with an id of this shape.
pub fn default_resource_group(owner_id: &str) -> String {
    use md5::Digest;
    let digest = md5::Md5::digest(owner_id.as_bytes());
    format!("rg-acfm{}", &hex::encode(digest)[..11])
}

/// The resource group a bucket is in.
pub fn resource_group_of(bucket: &crate::store::BucketMeta) -> String {
    bucket.configs.resource_group.clone().unwrap_or_else(|| default_resource_group(&bucket.owner_id))
}

/// `rg-` and letters and digits. [UNCONFIRMED] OSS asks Resource Manager whether the group
/// exists; the emulator, which has none, accepts any well-formed id.
pub fn parse_resource_group(raw: &str) -> Result<String> {
    let id = raw.trim();
    let well_formed = id
        .strip_prefix("rg-")
        .is_some_and(|rest| !rest.is_empty() && rest.len() <= 64 && rest.chars().all(|c| c.is_ascii_alphanumeric()));
    if !well_formed {
        return Err(OssError::new(Code::ResourceGroupIdPreCheckError).with("ResourceGroupId", id));
    }
    Ok(id.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn referers_are_judged_by_both_lists() {
        let referer = |allow_empty, allow: &[&str], block: &[&str]| Referer {
            allow_empty,
            truncate_query_string: true,
            truncate_path: None,
            allow: allow.iter().map(|s| s.to_string()).collect(),
            block: block.iter().map(|s| s.to_string()).collect(),
        };
        let open = Referer::open();
        assert!(open.allows(None) && open.allows(Some("http://any.example")));
        let list = referer(false, &["http://*.example.com", "https://a?.org"], &["http://bad.example.com*"]);
        assert!(list.allows(Some("http://www.Example.com")));
        assert!(list.allows(Some("https://ab.org?x=1")));
        assert!(!list.allows(Some("https://abc.org")));
        assert!(!list.allows(Some("http://bad.example.com/page")));
        assert!(!list.allows(None));
        assert!(referer(true, &["http://a"], &[]).allows(Some("")));
        let blocked_only = referer(false, &[], &["*evil*"]);
        assert!(blocked_only.allows(None) && !blocked_only.allows(Some("http://evil.example")));
    }

    #[test]
    fn encryption_rules_follow_the_algorithm() {
        let rule = |alg: &str, key: Option<&str>| BucketEncryptionRule {
            apply_by_default: ApplyServerSideEncryptionByDefault {
                sse_algorithm: alg.to_owned(),
                kms_master_key_id: key.map(str::to_owned),
                kms_data_encryption: None,
            },
        };
        assert_eq!(parse_encryption(rule("AES256", Some("k"))).unwrap_err().code, Code::InvalidArgument);
        assert_eq!(parse_encryption(rule("random", None)).unwrap_err().code, Code::InvalidEncryptionAlgorithmError);
        assert_eq!(parse_encryption(rule("KMS", Some(""))).unwrap().kms_master_key_id, None);
        assert_eq!(parse_encryption(rule("KMS", Some("k"))).unwrap().kms_master_key_id.as_deref(), Some("k"));
    }

    #[test]
    fn https_needs_a_known_version_when_enabled() {
        let doc = |enable: &str, versions: &[&str]| HttpsConfiguration {
            tls: HttpsTls { enable: enable.to_owned(), tls_versions: versions.iter().map(|v| v.to_string()).collect() },
            cipher_suite: None,
        };
        assert_eq!(parse_https(doc("true", &[])).unwrap_err().code, Code::MalformedXML);
        assert_eq!(parse_https(doc("true", &["aaa"])).unwrap_err().code, Code::MalformedXML);
        assert_eq!(parse_https(doc("true", &["TLSv1.2", "TLSv1.2"])).unwrap().tls_versions, ["TLSv1.2"]);
        assert!(parse_https(doc("false", &[])).is_ok());
    }
}
