//! PutBucket, DeleteBucket, GetBucketLocation, GetBucketInfo, PutBucketAcl, GetBucketAcl.

use http::{Response, StatusCode};
use oss_protocol::headers::{ACL, RESOURCE_GROUP_ID};
use oss_protocol::xml::{
    self, AccessControlList, AccessControlPolicy, BucketDetail, BucketInfo, CreateBucketConfiguration,
    ServerSideEncryptionRule,
};

use super::object::owner_of;
use super::service::{extranet_endpoint, intranet_endpoint};
use super::{iso, read_small_body, Ctx};
use crate::access;
use crate::body::{Body, RequestBody};
use crate::error::{Code, OssError, Result};
use crate::respond;
use crate::store::BucketMeta;
use oss_protocol::{Acl, StorageClass};

fn bucket_acl(ctx: &Ctx) -> Result<Option<Acl>> {
    let Some(value) = ctx.header(ACL) else { return Ok(None) };
    match value.parse::<Acl>() {
        Ok(acl) if acl.fits_bucket() => Ok(Some(acl)),
        _ => Err(OssError::invalid_argument("no such bucket access control exists", ACL, value)),
    }
}

pub async fn put_bucket(ctx: &Ctx, body: RequestBody) -> Result<Response<Body>> {
    let account = access::require_account(&ctx.principal)?.clone();
    let name = ctx.bucket_name().to_owned();
    let acl = bucket_acl(ctx)?;
    let (body, _reserved) = read_small_body(ctx, body, 64 * 1024).await?.into_parts();
    let config: CreateBucketConfiguration = if body.iter().all(u8::is_ascii_whitespace) {
        CreateBucketConfiguration::default()
    } else {
        xml::from_xml(&super::body_text(body)?).map_err(OssError::malformed_xml)?
    };
    let storage_class = match config.storage_class.as_deref() {
        None => StorageClass::Standard,
        Some(class) => class
            .parse()
            .map_err(|_| OssError::invalid_argument("No such bucket storage class exists.", "StorageClass", class))?,
    };
    let redundancy = config.data_redundancy_type.clone().unwrap_or_else(|| "LRS".to_owned());
    if !matches!(redundancy.as_str(), "LRS" | "ZRS") {
        return Err(OssError::invalid_argument(
            "No such data redundancy type exists.",
            "DataRedundancyType",
            &redundancy,
        ));
    }
    let region = ctx.region.clone();
    if let Some(location) = config.location_constraint.as_deref().filter(|l| !l.is_empty()) {
        if location != format!("oss-{region}") && location != region {
            return Err(OssError::new(Code::InvalidLocationConstraint));
        }
    }
    let store = &ctx.state.store;
    if let Some(existing) = store.bucket(&name) {
        return existing_bucket(&existing, &account.id, &config);
    }
    let owned_here = store.buckets().iter().filter(|m| m.owner_id == account.id && m.region == region).count();
    if owned_here >= ctx.limits().max_buckets_per_region {
        return Err(OssError::new(Code::TooManyBuckets));
    }
    let configs = crate::configs::BucketConfigs {
        encryption: encryption_from_headers(ctx)?,
        resource_group: ctx.header(RESOURCE_GROUP_ID).map(crate::configs::parse_resource_group).transpose()?,
        ..Default::default()
    };
    let meta = BucketMeta {
        name,
        owner_id: account.id.clone(),
        region,
        acl: acl.unwrap_or(Acl::Private),
        storage_class,
        data_redundancy_type: redundancy,
        created_ms: ctx.now_ms(),
        tags: Vec::new(),
        lifecycle: None,
        versioning: None,
        configs,
    };
    match store.create_bucket(meta).await? {
        Ok(bucket) => {
            // ali-oss reads the new bucket's name from this header.
            let mut resp = respond::empty(StatusCode::OK);
            respond::set_header(&mut resp, "location", &format!("/{}", bucket.name));
            Ok(resp)
        }
        // Lost a race with a concurrent PutBucket of the same name.
        Err(existing) => existing_bucket(&existing, &account.id, &config),
    }
}

/// PutBucket of a name that exists: idempotent for the owner unless it would change the bucket.
fn existing_bucket(meta: &BucketMeta, account_id: &str, config: &CreateBucketConfiguration) -> Result<Response<Body>> {
    let conflict = OssError::new(Code::BucketAlreadyExists).with("BucketName", meta.name.as_str()).ec("0015-00000104");
    if meta.owner_id != account_id {
        return Err(conflict);
    }
    if config.storage_class.as_ref().is_some_and(|c| c != meta.storage_class.as_str()) {
        return Err(conflict.message("Cannot modify existing bucket's storage class."));
    }
    if config.data_redundancy_type.as_ref().is_some_and(|r| *r != meta.data_redundancy_type) {
        return Err(conflict.message("Cannot modify existing bucket's data redundancy type."));
    }
    Ok(respond::empty(StatusCode::OK))
}

pub async fn delete_bucket(ctx: &Ctx) -> Result<Response<Body>> {
    let bucket = ctx.bucket()?;
    ctx.store().delete_bucket(&bucket.name).await?;
    Ok(respond::empty(StatusCode::NO_CONTENT))
}

pub fn get_bucket_location(ctx: &Ctx) -> Result<Response<Body>> {
    let bucket = ctx.bucket()?;
    Ok(respond::xml(StatusCode::OK, xml::location_constraint(&format!("oss-{}", bucket.region))))
}

pub fn get_bucket_info(ctx: &Ctx) -> Result<Response<Body>> {
    let m = ctx.bucket()?;
    let info = BucketInfo {
        bucket: BucketDetail {
            creation_date: iso(m.created_ms),
            extranet_endpoint: extranet_endpoint(&m.region),
            intranet_endpoint: intranet_endpoint(&m.region),
            location: format!("oss-{}", m.region),
            storage_class: m.storage_class.to_string(),
            data_redundancy_type: m.data_redundancy_type.clone(),
            transfer_acceleration: if m.configs.transfer_acceleration == Some(true) { "Enabled" } else { "Disabled" }
                .to_owned(),
            cross_region_replication: "Disabled".to_owned(),
            name: m.name.clone(),
            region: m.region.clone(),
            owner: owner_of(&m),
            access_control_list: AccessControlList { grant: m.acl.to_string() },
            comment: String::new(),
            versioning: m.versioning.map(|v| v.to_string()),
            // Without a default encryption OSS still answers the element (oss2 reads it).
            server_side_encryption_rule: match &m.configs.encryption {
                Some(rule) => ServerSideEncryptionRule {
                    sse_algorithm: rule.sse_algorithm.clone(),
                    kms_master_key_id: rule.kms_master_key_id.clone(),
                    kms_data_encryption: rule.kms_data_encryption.clone(),
                },
                None => ServerSideEncryptionRule { sse_algorithm: "None".to_owned(), ..Default::default() },
            },
            access_monitor: crate::configs::access_monitor_status(m.configs.access_monitor).to_owned(),
            block_public_access: m.configs.block_public_access.to_string(),
            resource_group_id: crate::configs::resource_group_of(&m),
        },
    };
    Ok(respond::xml(StatusCode::OK, xml::to_xml("BucketInfo", &info)))
}

pub async fn put_bucket_acl(ctx: &Ctx) -> Result<Response<Body>> {
    let bucket = ctx.bucket()?;
    let acl =
        bucket_acl(ctx)?.ok_or_else(|| OssError::invalid_argument("no such bucket access control exists", ACL, ""))?;
    let name = bucket.name.clone();
    ctx.store().update_bucket(&name, move |m| m.acl = acl).await?;
    let mut resp = respond::empty(StatusCode::OK);
    respond::set_header(&mut resp, "location", &format!("/{name}"));
    Ok(resp)
}

pub fn get_bucket_acl(ctx: &Ctx) -> Result<Response<Body>> {
    let bucket = ctx.bucket()?;
    let policy = AccessControlPolicy {
        owner: owner_of(&bucket),
        access_control_list: AccessControlList { grant: bucket.acl.to_string() },
    };
    Ok(respond::xml(StatusCode::OK, xml::to_xml("AccessControlPolicy", &policy)))
}

/// PutBucket's `x-oss-server-side-encryption` headers set the bucket's default encryption, as
/// PutBucketEncryption would (and with its rules).
fn encryption_from_headers(ctx: &Ctx) -> Result<Option<oss_protocol::xml::ApplyServerSideEncryptionByDefault>> {
    use oss_protocol::headers::{SERVER_SIDE_DATA_ENCRYPTION, SERVER_SIDE_ENCRYPTION, SERVER_SIDE_ENCRYPTION_KEY_ID};
    let Some(algorithm) = ctx.header(SERVER_SIDE_ENCRYPTION) else { return Ok(None) };
    let rule = oss_protocol::xml::BucketEncryptionRule {
        apply_by_default: oss_protocol::xml::ApplyServerSideEncryptionByDefault {
            sse_algorithm: algorithm.to_owned(),
            kms_master_key_id: ctx.header(SERVER_SIDE_ENCRYPTION_KEY_ID).map(str::to_owned),
            kms_data_encryption: ctx.header(SERVER_SIDE_DATA_ENCRYPTION).map(str::to_owned),
        },
    };
    crate::configs::parse_encryption(rule).map(Some)
}
