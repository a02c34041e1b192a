//! InitiateBucketWorm, AbortBucketWorm, CompleteBucketWorm, ExtendBucketWorm, GetBucketWorm.
//! What a policy protects is in [`crate::worm`]; the store enforces it.

use http::{Response, StatusCode};
use oss_protocol::headers::WORM_ID;
use oss_protocol::xml::{self, WormConfiguration, WormRetention};
use oss_protocol::VersioningStatus;

use super::{read_xml, Ctx};
use crate::body::{Body, RequestBody};
use crate::error::{Code, OssError, Result};
use crate::respond;
use crate::worm::{parse_days, Worm, WormState};

const LIMIT: usize = 16 * 1024;

fn no_such_worm() -> OssError {
    OssError::new(Code::NoSuchWORMConfiguration)
}

/// The policy `?wormId=` names, as it stands now.
fn named<'a>(worm: &'a mut Option<Worm>, id: &str, now_ms: i64) -> Result<&'a mut Worm> {
    if Worm::current(worm.as_ref(), now_ms).is_none() {
        *worm = None;
    }
    match worm {
        Some(w) if w.id == id => Ok(w),
        Some(_) => Err(no_such_worm().message("The specified WORM ID does not exist.")),
        None => Err(no_such_worm()),
    }
}

pub async fn initiate_bucket_worm(ctx: &Ctx, body: RequestBody) -> Result<Response<Body>> {
    let doc: WormRetention = read_xml(ctx, body, "InitiateWormConfiguration", LIMIT).await?;
    let days = parse_days(&doc.retention_period_in_days)?;
    let worm = Worm { id: ctx.state.new_upload_id(), state: WormState::InProgress, days, created_ms: ctx.now_ms() };
    let id = worm.id.clone();
    ctx.store()
        .try_update_bucket(ctx.bucket_name(), move |meta| {
            // [UNCONFIRMED] OSS documents retention as incompatible with suspended versioning
            // (EC 0027-00000003), not its code; InvalidRequest is its usual answer for a state.
            if meta.versioning == Some(VersioningStatus::Suspended) {
                return Err(OssError::new(Code::InvalidRequest)
                    .message("A retention policy cannot be configured on a bucket whose versioning is suspended.")
                    .ec("0027-00000003"));
            }
            if Worm::current(meta.configs.worm.as_ref(), worm.created_ms).is_some() {
                return Err(OssError::new(Code::WORMConfigurationAlreadyExists));
            }
            meta.configs.worm = Some(worm);
            Ok(())
        })
        .await?;
    let mut resp = respond::empty(StatusCode::OK);
    respond::set_header(&mut resp, WORM_ID, &id);
    Ok(resp)
}

/// Only an unlocked policy may be withdrawn.
pub async fn abort_bucket_worm(ctx: &Ctx) -> Result<Response<Body>> {
    let now = ctx.now_ms();
    ctx.store()
        .try_update_bucket(ctx.bucket_name(), move |meta| {
            match Worm::current(meta.configs.worm.as_ref(), now).map(|w| w.state) {
                None => return Err(no_such_worm()),
                Some(WormState::Locked) => return Err(OssError::new(Code::WORMConfigurationLocked)),
                Some(WormState::InProgress) => meta.configs.worm = None,
            }
            Ok(())
        })
        .await?;
    Ok(respond::empty(StatusCode::NO_CONTENT))
}

pub async fn complete_bucket_worm(ctx: &Ctx) -> Result<Response<Body>> {
    let id = ctx.param("wormId").unwrap_or_default().to_owned();
    let now = ctx.now_ms();
    ctx.store()
        .try_update_bucket(ctx.bucket_name(), move |meta| {
            named(&mut meta.configs.worm, &id, now)?.state = WormState::Locked;
            Ok(())
        })
        .await?;
    Ok(respond::empty(StatusCode::OK))
}

/// A locked policy's period may only grow.
pub async fn extend_bucket_worm(ctx: &Ctx, body: RequestBody) -> Result<Response<Body>> {
    let doc: WormRetention = read_xml(ctx, body, "ExtendWormConfiguration", LIMIT).await?;
    let days = parse_days(&doc.retention_period_in_days)?;
    let id = ctx.param("wormId").unwrap_or_default().to_owned();
    let now = ctx.now_ms();
    ctx.store()
        .try_update_bucket(ctx.bucket_name(), move |meta| {
            let worm = named(&mut meta.configs.worm, &id, now)?;
            if worm.state != WormState::Locked || days <= worm.days {
                return Err(OssError::new(Code::InvalidWORMConfiguration));
            }
            worm.days = days;
            Ok(())
        })
        .await?;
    Ok(respond::empty(StatusCode::OK))
}

pub fn get_bucket_worm(ctx: &Ctx) -> Result<Response<Body>> {
    let bucket = ctx.bucket()?;
    let worm = Worm::current(bucket.configs.worm.as_ref(), ctx.now_ms()).ok_or_else(no_such_worm)?;
    // OSS writes the date without zone or milliseconds.
    let created = super::iso(worm.created_ms);
    let doc = WormConfiguration {
        worm_id: worm.id.clone(),
        state: worm.state.as_str().to_owned(),
        retention_period_in_days: worm.days,
        creation_date: created.get(..19).unwrap_or(&created).to_owned(),
        expiration_date: None,
    };
    Ok(respond::xml(StatusCode::OK, xml::to_xml("WormConfiguration", &doc)))
}
