//! Bucket QoS: the storage capacity (`?qos`) and the bandwidth and request-rate limits
//! (`?qosInfo`) of a bucket, bounded by its account's limits in the region. Stored, validated and
//! returned; not enforced (the emulator has no bandwidth to share out, and OSS documents no
//! error for a full bucket). `-1` on the wire means no limit, `None` here.

use oss_protocol::xml::{BucketUserQos, QoSConfiguration};
use serde::{Deserialize, Serialize};

use crate::error::{OssError, Result};

/// Total, intranet and extranet limit of one quantity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Split {
    pub total: Option<u64>,
    pub intranet: Option<u64>,
    pub extranet: Option<u64>,
}

/// Upload and download bandwidth (Gbit/s) and requests per second.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QosLimits {
    pub upload: Split,
    pub download: Split,
    pub qps: Split,
}

/// What every emulated account may use in a region: 10 Gbit/s each way, as OSS grants accounts
/// in its mainland regions by default, and no request-rate limit. UNCONFIRMED: the fact sheets
/// have no figures; the official oss2 suite only needs positive bandwidths and a QPS that is
/// positive or `-1`.
pub const ACCOUNT: QosLimits = QosLimits {
    upload: Split { total: Some(10), intranet: Some(10), extranet: Some(10) },
    download: Split { total: Some(10), intranet: Some(10), extranet: Some(10) },
    qps: Split { total: None, intranet: None, extranet: None },
};

/// `-1` is no limit; otherwise a positive number no larger than `cap` (`None`: unbounded).
fn limit(raw: Option<&str>, what: &str, cap: Option<u64>) -> Result<Option<u64>> {
    let raw = raw.map(str::trim).unwrap_or("-1");
    let bad = || {
        OssError::invalid_argument(
            format!("{what} must be -1 or a positive integer within the limit above it."),
            what,
            raw,
        )
    };
    if raw == "-1" {
        return Ok(None);
    }
    let value: u64 = raw.parse().map_err(|_| bad())?;
    if value == 0 || cap.is_some_and(|c| value > c) {
        return Err(bad());
    }
    Ok(Some(value))
}

fn split(
    (total, intranet, extranet): (&Option<String>, &Option<String>, &Option<String>),
    names: [&str; 3],
    account: Split,
) -> Result<Split> {
    let total = limit(total.as_deref(), names[0], account.total)?;
    // A part cannot exceed the whole: the bucket's total, or the account's when it sets none.
    let whole = total.or(account.total);
    Ok(Split {
        total,
        intranet: limit(intranet.as_deref(), names[1], whole)?,
        extranet: limit(extranet.as_deref(), names[2], whole)?,
    })
}

/// PutBucketQoSInfo's document, within `account`'s limits; a missing member is no limit.
pub fn parse(doc: &QoSConfiguration, account: &QosLimits) -> Result<QosLimits> {
    Ok(QosLimits {
        upload: split(
            (&doc.total_upload_bandwidth, &doc.intranet_upload_bandwidth, &doc.extranet_upload_bandwidth),
            ["TotalUploadBandwidth", "IntranetUploadBandwidth", "ExtranetUploadBandwidth"],
            account.upload,
        )?,
        download: split(
            (&doc.total_download_bandwidth, &doc.intranet_download_bandwidth, &doc.extranet_download_bandwidth),
            ["TotalDownloadBandwidth", "IntranetDownloadBandwidth", "ExtranetDownloadBandwidth"],
            account.download,
        )?,
        qps: split(
            (&doc.total_qps, &doc.intranet_qps, &doc.extranet_qps),
            ["TotalQps", "IntranetQps", "ExtranetQps"],
            account.qps,
        )?,
    })
}

fn text(value: Option<u64>) -> Option<String> {
    Some(value.map_or_else(|| "-1".to_owned(), |v| v.to_string()))
}

/// The document GetBucketQoSInfo (`region: None`) and GetUserQoSInfo answer.
pub fn to_xml(limits: &QosLimits, region: Option<String>) -> QoSConfiguration {
    QoSConfiguration {
        region,
        total_upload_bandwidth: text(limits.upload.total),
        intranet_upload_bandwidth: text(limits.upload.intranet),
        extranet_upload_bandwidth: text(limits.upload.extranet),
        total_download_bandwidth: text(limits.download.total),
        intranet_download_bandwidth: text(limits.download.intranet),
        extranet_download_bandwidth: text(limits.download.extranet),
        total_qps: text(limits.qps.total),
        intranet_qps: text(limits.qps.intranet),
        extranet_qps: text(limits.qps.extranet),
    }
}

/// PutBucketStorageCapacity: GB, `-1` for none; `0` is allowed (a bucket nothing may grow).
pub fn parse_capacity(doc: &BucketUserQos) -> Result<Option<u64>> {
    let raw = doc.storage_capacity.trim();
    if raw == "-1" {
        return Ok(None);
    }
    raw.parse().map(Some).map_err(|_| {
        OssError::invalid_argument("StorageCapacity must be -1 or a non-negative integer.", "StorageCapacity", raw)
    })
}

pub fn capacity_to_xml(capacity: Option<u64>) -> BucketUserQos {
    BucketUserQos { storage_capacity: capacity.map_or_else(|| "-1".to_owned(), |c| c.to_string()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(total_upload: Option<&str>, intranet_upload: Option<&str>, extranet_qps: Option<&str>) -> QoSConfiguration {
        QoSConfiguration {
            total_upload_bandwidth: total_upload.map(str::to_owned),
            intranet_upload_bandwidth: intranet_upload.map(str::to_owned),
            extranet_qps: extranet_qps.map(str::to_owned),
            ..Default::default()
        }
    }

    #[test]
    fn limits_nest_within_the_account() {
        let empty = parse(&QoSConfiguration::default(), &ACCOUNT).unwrap();
        assert_eq!(empty, QosLimits::default(), "missing members are no limit");
        assert_eq!(to_xml(&empty, None).total_qps.as_deref(), Some("-1"));
        let set = parse(&doc(Some("-1"), Some("2"), Some("500")), &ACCOUNT).unwrap();
        assert_eq!((set.upload.total, set.upload.intranet, set.qps.extranet), (None, Some(2), Some(500)));
        assert!(parse(&doc(Some("11"), None, None), &ACCOUNT).is_err(), "above the account's total");
        assert!(parse(&doc(Some("5"), Some("6"), None), &ACCOUNT).is_err(), "a part above the bucket's total");
        assert!(parse(&doc(None, Some("11"), None), &ACCOUNT).is_err(), "a part above the account's total");
        assert!(parse(&doc(Some("0"), None, None), &ACCOUNT).is_err());
        assert!(parse(&doc(Some("-2"), None, None), &ACCOUNT).is_err());
        assert!(parse(&doc(Some("x"), None, None), &ACCOUNT).is_err());
    }

    #[test]
    fn capacity_is_minus_one_or_a_size() {
        let cap = |v: &str| parse_capacity(&BucketUserQos { storage_capacity: v.into() });
        assert_eq!(cap("-1").unwrap(), None);
        assert_eq!(cap("100").unwrap(), Some(100));
        assert_eq!(cap("0").unwrap(), Some(0));
        assert!(cap("-2").is_err() && cap("").is_err());
        assert_eq!(capacity_to_xml(None).storage_capacity, "-1");
    }
}
