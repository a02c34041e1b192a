//! The smaller bucket configurations: Put/GetBucketReferer, Put/Get/DeleteBucketLogging,
//! Put/Get/DeleteBucketEncryption, Put/GetBucketRequestPayment,
//! Put/Get/DeleteBucketPublicAccessBlock, Put/GetBucketHttpsConfig, and GetBucketStat. What each
//! may say is in [`crate::configs`].

use http::{Response, StatusCode};
use oss_protocol::xml::{
    self, AccessMonitorConfiguration, BucketCallbackPolicy, BucketEncryptionRule, BucketLoggingStatus,
    BucketResourceGroupConfiguration, BucketStat, BucketUserQos, Element, HttpsConfiguration, ListLiveChannelResult,
    PublicAccessBlockConfiguration, QoSConfiguration, RefererConfiguration, RequestPaymentConfiguration,
    TransferAccelerationConfiguration,
};
use oss_protocol::StorageClass;

use super::{read_xml, Ctx};
use crate::body::{Body, RequestBody};
use crate::configs::{self, BucketConfigs, Referer};
use crate::error::{Code, OssError, Result};
use crate::respond;
use crate::store::Step;

/// Every configuration document is small.
const LIMIT: usize = 64 * 1024;

async fn update(ctx: &Ctx, change: impl FnOnce(&mut BucketConfigs) + Send + 'static) -> Result<()> {
    ctx.store().update_bucket(ctx.bucket_name(), move |meta| change(&mut meta.configs)).await
}

fn answer<T: serde::Serialize>(root: &str, doc: &T) -> Result<Response<Body>> {
    Ok(respond::xml(StatusCode::OK, xml::to_xml(root, doc)))
}

fn ok() -> Result<Response<Body>> {
    Ok(respond::empty(StatusCode::OK))
}

fn deleted() -> Result<Response<Body>> {
    Ok(respond::empty(StatusCode::NO_CONTENT))
}

pub async fn put_bucket_referer(ctx: &Ctx, body: RequestBody) -> Result<Response<Body>> {
    let doc: RefererConfiguration = read_xml(ctx, body, "RefererConfiguration", LIMIT).await?;
    let referer = Referer::parse(&doc)?;
    update(ctx, move |c| c.referer = Some(referer)).await?;
    ok()
}

/// A bucket that never set one answers the open default.
pub fn get_bucket_referer(ctx: &Ctx) -> Result<Response<Body>> {
    let bucket = ctx.bucket()?;
    let referer = bucket.configs.referer.clone().unwrap_or_else(Referer::open);
    answer("RefererConfiguration", &referer.to_xml())
}

pub async fn put_bucket_logging(ctx: &Ctx, body: RequestBody) -> Result<Response<Body>> {
    let doc: BucketLoggingStatus = read_xml(ctx, body, "BucketLoggingStatus", LIMIT).await?;
    let bucket = ctx.bucket()?;
    let store = ctx.store();
    let target = |name: &str| store.bucket(name).map(|b| (b.owner_id.clone(), b.region.clone()));
    let logging = configs::parse_logging(doc, &bucket.owner_id, &bucket.region, target)?;
    update(ctx, move |c| c.logging = logging).await?;
    ok()
}

/// Logging off is an empty `<BucketLoggingStatus/>`, not an error.
pub fn get_bucket_logging(ctx: &Ctx) -> Result<Response<Body>> {
    answer("BucketLoggingStatus", &configs::logging_to_xml(ctx.bucket()?.configs.logging.as_ref()))
}

pub async fn delete_bucket_logging(ctx: &Ctx) -> Result<Response<Body>> {
    update(ctx, |c| c.logging = None).await?;
    deleted()
}

pub async fn put_bucket_encryption(ctx: &Ctx, body: RequestBody) -> Result<Response<Body>> {
    let doc: BucketEncryptionRule = read_xml(ctx, body, "ServerSideEncryptionRule", LIMIT).await?;
    let rule = configs::parse_encryption(doc)?;
    update(ctx, move |c| c.encryption = Some(rule)).await?;
    ok()
}

pub fn get_bucket_encryption(ctx: &Ctx) -> Result<Response<Body>> {
    let bucket = ctx.bucket()?;
    let rule = bucket.configs.encryption.as_ref().ok_or_else(|| OssError::new(Code::NoSuchServerSideEncryptionRule))?;
    answer("ServerSideEncryptionRule", &configs::encryption_to_xml(rule))
}

pub async fn delete_bucket_encryption(ctx: &Ctx) -> Result<Response<Body>> {
    update(ctx, |c| c.encryption = None).await?;
    deleted()
}

pub async fn put_bucket_request_payment(ctx: &Ctx, body: RequestBody) -> Result<Response<Body>> {
    let doc: RequestPaymentConfiguration = read_xml(ctx, body, "RequestPaymentConfiguration", LIMIT).await?;
    let requester_pays = configs::parse_payer(&doc)?;
    update(ctx, move |c| c.requester_pays = requester_pays).await?;
    ok()
}

pub fn get_bucket_request_payment(ctx: &Ctx) -> Result<Response<Body>> {
    answer("RequestPaymentConfiguration", &configs::payer_to_xml(ctx.bucket()?.configs.requester_pays))
}

pub async fn put_bucket_public_access_block(ctx: &Ctx, body: RequestBody) -> Result<Response<Body>> {
    let doc: PublicAccessBlockConfiguration = read_xml(ctx, body, "PublicAccessBlockConfiguration", LIMIT).await?;
    let block = configs::parse_block_public_access(&doc.block_public_access);
    update(ctx, move |c| c.block_public_access = block).await?;
    ok()
}

pub fn get_bucket_public_access_block(ctx: &Ctx) -> Result<Response<Body>> {
    let block = ctx.bucket()?.configs.block_public_access;
    answer("PublicAccessBlockConfiguration", &PublicAccessBlockConfiguration { block_public_access: block.to_string() })
}

pub async fn delete_bucket_public_access_block(ctx: &Ctx) -> Result<Response<Body>> {
    update(ctx, |c| c.block_public_access = false).await?;
    deleted()
}

/// The account-level block (`/?publicAccessBlock` on the service): the same document, kept for
/// the caller's account and in force on every bucket it owns.
pub async fn put_public_access_block(ctx: &Ctx, body: RequestBody) -> Result<Response<Body>> {
    let account = crate::access::require_account(&ctx.principal)?.id.clone();
    let doc: PublicAccessBlockConfiguration = read_xml(ctx, body, "PublicAccessBlockConfiguration", LIMIT).await?;
    let block = configs::parse_block_public_access(&doc.block_public_access);
    ctx.store().update_account(&account, move |a| a.block_public_access = block).await?;
    ok()
}

pub fn get_public_access_block(ctx: &Ctx) -> Result<Response<Body>> {
    let account = crate::access::require_account(&ctx.principal)?;
    let block = ctx.store().account(&account.id).block_public_access;
    answer("PublicAccessBlockConfiguration", &PublicAccessBlockConfiguration { block_public_access: block.to_string() })
}

pub async fn delete_public_access_block(ctx: &Ctx) -> Result<Response<Body>> {
    let account = crate::access::require_account(&ctx.principal)?.id.clone();
    ctx.store().update_account(&account, |a| a.block_public_access = false).await?;
    deleted()
}

pub async fn put_bucket_storage_capacity(ctx: &Ctx, body: RequestBody) -> Result<Response<Body>> {
    let doc: BucketUserQos = read_xml(ctx, body, "BucketUserQos", LIMIT).await?;
    let capacity = crate::qos::parse_capacity(&doc)?;
    update(ctx, move |c| c.storage_capacity_gb = capacity).await?;
    ok()
}

pub fn get_bucket_storage_capacity(ctx: &Ctx) -> Result<Response<Body>> {
    answer("BucketUserQos", &crate::qos::capacity_to_xml(ctx.bucket()?.configs.storage_capacity_gb))
}

pub async fn put_bucket_qos_info(ctx: &Ctx, body: RequestBody) -> Result<Response<Body>> {
    let doc: QoSConfiguration = read_xml(ctx, body, "QoSConfiguration", LIMIT).await?;
    let limits = crate::qos::parse(&doc, &crate::qos::ACCOUNT)?;
    update(ctx, move |c| c.qos = Some(limits)).await?;
    ok()
}

/// A bucket that never set limits has none (every member `-1`), as oss2's suite reads back.
pub fn get_bucket_qos_info(ctx: &Ctx) -> Result<Response<Body>> {
    let limits = ctx.bucket()?.configs.qos.unwrap_or_default();
    answer("QoSConfiguration", &crate::qos::to_xml(&limits, None))
}

pub async fn delete_bucket_qos_info(ctx: &Ctx) -> Result<Response<Body>> {
    update(ctx, |c| c.qos = None).await?;
    deleted()
}

pub fn get_user_qos_info(ctx: &Ctx) -> Result<Response<Body>> {
    crate::access::require_account(&ctx.principal)?;
    answer("QoSConfiguration", &crate::qos::to_xml(&crate::qos::ACCOUNT, Some(ctx.region.clone())))
}

pub async fn put_bucket_callback_policy(ctx: &Ctx, body: RequestBody) -> Result<Response<Body>> {
    let doc: BucketCallbackPolicy = read_xml(ctx, body, "BucketCallbackPolicy", LIMIT).await?;
    crate::callback::validate_policies(&doc.items)?;
    // An empty document (oss2 sends one for no policies) leaves the bucket with none.
    update(ctx, move |c| c.callback_policies = doc.items).await?;
    ok()
}

pub fn get_bucket_callback_policy(ctx: &Ctx) -> Result<Response<Body>> {
    let items = ctx.bucket()?.configs.callback_policies.clone();
    if items.is_empty() {
        return Err(OssError::new(Code::BucketCallbackPolicyNotExist));
    }
    answer("BucketCallbackPolicy", &BucketCallbackPolicy { items })
}

pub async fn delete_bucket_callback_policy(ctx: &Ctx) -> Result<Response<Body>> {
    update(ctx, |c| c.callback_policies.clear()).await?;
    deleted()
}

pub async fn put_bucket_https_config(ctx: &Ctx, body: RequestBody) -> Result<Response<Body>> {
    let doc: HttpsConfiguration = read_xml(ctx, body, "HttpsConfiguration", LIMIT).await?;
    let tls = configs::parse_https(doc)?;
    update(ctx, move |c| c.https = Some(tls)).await?;
    ok()
}

pub fn get_bucket_https_config(ctx: &Ctx) -> Result<Response<Body>> {
    answer("HttpsConfiguration", &configs::https_to_xml(ctx.bucket()?.configs.https.as_ref()))
}

pub async fn put_bucket_inventory(ctx: &Ctx, body: RequestBody) -> Result<Response<Body>> {
    let id = ctx.param("inventoryId").unwrap_or_default().to_owned();
    let doc = configs::parse_inventory(&super::read_text(ctx, body, LIMIT).await?, &id)?;
    ctx.store()
        .try_update_bucket(ctx.bucket_name(), move |meta| {
            let all = &mut meta.configs.inventories;
            match all.binary_search_by(|d| configs::inventory_id(d).cmp(&id)) {
                Ok(_) => Err(OssError::new(Code::InventoryConfigurationAlreadyExists)),
                Err(_) if all.len() >= configs::MAX_INVENTORIES => Err(OssError::new(Code::InventoryExceedLimit)),
                Err(at) => {
                    all.insert(at, doc);
                    Ok(())
                }
            }
        })
        .await?;
    ok()
}

fn no_such_inventory() -> OssError {
    OssError::new(Code::NoSuchInventory)
}

pub fn get_bucket_inventory(ctx: &Ctx) -> Result<Response<Body>> {
    let bucket = ctx.bucket()?;
    let id = ctx.param("inventoryId").unwrap_or_default();
    let doc =
        bucket.configs.inventories.iter().find(|d| configs::inventory_id(d) == id).ok_or_else(no_such_inventory)?;
    Ok(respond::xml(StatusCode::OK, doc.to_document()))
}

/// 100 to a page, by id; the continuation token is the id the next page starts at. A bucket
/// without any answers NoSuchInventory, as OSS does.
pub fn list_bucket_inventory(ctx: &Ctx) -> Result<Response<Body>> {
    const PAGE: usize = 100;
    let bucket = ctx.bucket()?;
    let all = &bucket.configs.inventories;
    if all.is_empty() {
        return Err(no_such_inventory());
    }
    let token = ctx.param("continuation-token").filter(|t| !t.is_empty());
    let from = token.map_or(0, |t| all.partition_point(|d| configs::inventory_id(d) < t));
    let page = &all[from..all.len().min(from + PAGE)];
    let next = all.get(from + PAGE).map(configs::inventory_id);
    let mut root = Element::new("ListInventoryConfigurationsResult");
    root.children.extend(page.iter().cloned());
    root.children.push(Element::leaf("IsTruncated", next.is_some().to_string()));
    if let Some(token) = token {
        root.children.push(Element::leaf("ContinuationToken", token));
    }
    if let Some(next) = next {
        root.children.push(Element::leaf("NextContinuationToken", next));
    }
    Ok(respond::xml(StatusCode::OK, root.to_document()))
}

pub async fn delete_bucket_inventory(ctx: &Ctx) -> Result<Response<Body>> {
    let id = ctx.param("inventoryId").unwrap_or_default().to_owned();
    update(ctx, move |c| c.inventories.retain(|d| configs::inventory_id(d) != id)).await?;
    deleted()
}

pub async fn put_bucket_transfer_acceleration(ctx: &Ctx, body: RequestBody) -> Result<Response<Body>> {
    let doc: TransferAccelerationConfiguration =
        read_xml(ctx, body, "TransferAccelerationConfiguration", LIMIT).await?;
    let enabled = configs::parse_bool(&doc.enabled, "Enabled")?;
    update(ctx, move |c| c.transfer_acceleration = Some(enabled)).await?;
    ok()
}

/// A bucket that never set it has no configuration to show.
pub fn get_bucket_transfer_acceleration(ctx: &Ctx) -> Result<Response<Body>> {
    let enabled = ctx.bucket()?.configs.transfer_acceleration;
    let enabled = enabled.ok_or_else(|| OssError::new(Code::NoSuchTransferAccelerationConfiguration))?;
    answer("TransferAccelerationConfiguration", &TransferAccelerationConfiguration { enabled: enabled.to_string() })
}

pub async fn put_bucket_resource_group(ctx: &Ctx, body: RequestBody) -> Result<Response<Body>> {
    let doc: BucketResourceGroupConfiguration = read_xml(ctx, body, "BucketResourceGroupConfiguration", LIMIT).await?;
    let group = configs::parse_resource_group(&doc.resource_group_id)?;
    update(ctx, move |c| c.resource_group = Some(group)).await?;
    ok()
}

pub fn get_bucket_resource_group(ctx: &Ctx) -> Result<Response<Body>> {
    let group = configs::resource_group_of(ctx.bucket()?.as_ref());
    answer("BucketResourceGroupConfiguration", &BucketResourceGroupConfiguration { resource_group_id: group })
}

pub async fn put_bucket_access_monitor(ctx: &Ctx, body: RequestBody) -> Result<Response<Body>> {
    let doc: AccessMonitorConfiguration = read_xml(ctx, body, "AccessMonitorConfiguration", LIMIT).await?;
    let enabled = configs::parse_access_monitor(&doc.status)?;
    update(ctx, move |c| c.access_monitor = enabled).await?;
    ok()
}

pub fn get_bucket_access_monitor(ctx: &Ctx) -> Result<Response<Body>> {
    let status = configs::access_monitor_status(ctx.bucket()?.configs.access_monitor).to_owned();
    answer("AccessMonitorConfiguration", &AccessMonitorConfiguration { status })
}

/// The emulator keeps no live channels (RTMP ingest is out of its scope), so the list is empty;
/// SDK clean-up code lists them before deleting a bucket.
pub fn list_live_channel(ctx: &Ctx) -> Result<Response<Body>> {
    let max_keys = super::parse_max(ctx, "max-keys", 100, 1000)?;
    let doc = ListLiveChannelResult {
        prefix: ctx.param("prefix").unwrap_or_default().to_owned(),
        marker: ctx.param("marker").unwrap_or_default().to_owned(),
        max_keys,
        is_truncated: false,
        next_marker: String::new(),
    };
    answer("ListLiveChannelResult", &doc)
}

/// Counted live from the index (OSS updates its figures within the hour). Every version counts,
/// as it is stored and billed; "Storage" of the infrequent and archive classes bills at least
/// 64 KiB per object, "RealStorage" the bytes themselves.
pub async fn get_bucket_stat(ctx: &Ctx) -> Result<Response<Body>> {
    const MIN_BILLED: u64 = 64 * 1024;
    let bucket = ctx.bucket()?;
    let mut stat = ctx
        .store()
        .scan_versions(bucket.name.as_str(), "", None, BucketStat::default(), |s, m, _| {
            s.last_modified_time = s.last_modified_time.max(m.last_modified_ms.div_euclid(1000));
            if m.delete_marker {
                s.delete_marker_count += 1;
                return Step::Next;
            }
            let billed = m.size.max(MIN_BILLED);
            s.object_count += 1;
            s.storage += m.size;
            let (storage, real, count) = match m.storage_class {
                StorageClass::Standard => (&mut s.standard_storage, None, &mut s.standard_object_count),
                StorageClass::IA => (
                    &mut s.infrequent_access_storage,
                    Some(&mut s.infrequent_access_real_storage),
                    &mut s.infrequent_access_object_count,
                ),
                StorageClass::Archive => {
                    (&mut s.archive_storage, Some(&mut s.archive_real_storage), &mut s.archive_object_count)
                }
                StorageClass::ColdArchive => (
                    &mut s.cold_archive_storage,
                    Some(&mut s.cold_archive_real_storage),
                    &mut s.cold_archive_object_count,
                ),
                StorageClass::DeepColdArchive => (
                    &mut s.deep_cold_archive_storage,
                    Some(&mut s.deep_cold_archive_real_storage),
                    &mut s.deep_cold_archive_object_count,
                ),
            };
            *count += 1;
            match real {
                Some(real) => {
                    *storage += billed;
                    *real += m.size;
                }
                None => *storage += m.size,
            }
            Step::Next
        })
        .await?;
    let uploads = ctx
        .store()
        .scan_uploads(bucket.name.as_str(), "", (String::new(), String::new()), Vec::new(), |ids, u| {
            ids.push(u.upload_id.clone());
            Step::Next
        })
        .await?;
    stat.multipart_upload_count = uploads.len() as u64;
    for id in &uploads {
        stat.multipart_part_count +=
            ctx.store().parts(&bucket.name, id, 0, crate::endpoint::PartNumber::MAX as usize).await?.len() as u64;
    }
    answer("BucketStat", &stat)
}
