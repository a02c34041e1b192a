//! One function per OSS operation, found by its OSS name in snake case. Operations parse their
//! headers, apply OSS's rules and call the store; they never touch the filesystem directly.

pub mod append;
pub mod bucket;
pub mod callback;
pub mod configs;
pub mod copy;
pub mod cors;
pub mod lifecycle;
pub mod list;
pub mod meta;
pub mod multipart;
pub mod object;
pub mod policy;
pub mod post;
pub mod restore;
pub mod service;
pub mod symlink;
pub mod tagging;
pub mod versioning;
pub mod website;
pub mod worm;

use std::sync::Arc;
use std::time::SystemTime;

use base64::Engine;
use http::{HeaderMap, Response};
use http_body_util::BodyExt;
use oss_protocol::encoding::uri_encode;
use oss_protocol::VersionId;

use crate::access::Grant;
use crate::auth::Principal;
use crate::body::{Body, BufferError, Buffered, RequestBody};
use crate::config::Limits;
use crate::endpoint::Endpoint;
use crate::error::{Code, OssError, Result};
use crate::store::{BucketMeta, Opened, Received, Store, PRELOAD_MAX};
use crate::State;

/// What an operation knows about its request, after authentication and authorization.
pub struct Ctx {
    pub state: Arc<State>,
    pub headers: HeaderMap,
    pub query: Vec<(String, String)>,
    /// The region the request addresses.
    pub region: String,
    pub endpoint: Endpoint,
    pub principal: Principal,
    /// The buckets authorization looked up.
    pub grant: Grant,
    pub now: SystemTime,
    /// A PostObject's form (its fields before the file); `None` for every other operation.
    pub post: Option<post::PostForm>,
    /// The connection, for the policy conditions of a second authorization (a link's target).
    pub peer: crate::server::Peer,
}

impl Ctx {
    /// The caller as authorization saw it, to judge an object the request reaches only once the
    /// handler runs (a symlink's target, a website's index or error document).
    pub fn caller(&self) -> crate::access::Caller<'_> {
        let header = |name| self.headers.get(name).and_then(|v: &http::HeaderValue| v.to_str().ok());
        crate::access::Caller {
            principal: &self.principal,
            region: &self.region,
            context: crate::policy::RequestContext {
                source_ip: Some(self.peer.addr.ip()),
                secure: self.peer.secure,
                now: self.now,
                user_agent: header(http::header::USER_AGENT),
                referer: header(http::header::REFERER),
                query: &self.query,
                headers: &self.headers,
            },
        }
    }

    /// Opens `key` of the request's bucket for a read made on the caller's behalf (a symlink's
    /// target, a website document), authorized as a GetObject of it would be: the policy, ACLs,
    /// public access block, referer and requester pays all apply. One lookup when authorization
    /// already opened the object to judge its ACL. A missing key (or a delete marker) is
    /// `Ok(None)` whatever the caller may read, as a lookup before the check would say.
    pub async fn open_for_read(&self, key: &str) -> Result<Option<Opened>> {
        let need = crate::endpoint::Need {
            action: crate::endpoint::Action::GetObject,
            resource: crate::endpoint::Resource::Object { bucket: self.bucket_name(), key, version: None },
        };
        let open = || self.store().open_object(self.bucket_name(), key, None, PRELOAD_MAX);
        match crate::access::authorize(self.store(), &self.caller(), &[need]).await {
            Ok(grant) => match grant.take_object() {
                Some(judged) => Ok(judged),
                None => open().await,
            },
            Err(denied) => match open().await? {
                Some(o) if !o.meta.delete_marker => Err(denied),
                _ => Ok(None),
            },
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim)
    }

    pub fn param(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    pub fn bucket_name(&self) -> &str {
        self.endpoint.bucket().unwrap_or_default()
    }

    pub fn key(&self) -> &str {
        self.endpoint.key().unwrap_or_default()
    }

    pub fn limits(&self) -> &Limits {
        &self.state.config.limits
    }

    pub fn store(&self) -> &Store {
        &self.state.store
    }

    /// The bucket the request names, as authorization granted it.
    pub fn bucket(&self) -> Result<Arc<BucketMeta>> {
        self.grant.bucket.clone().ok_or_else(|| OssError::internal("dispatch", "no bucket was authorized"))
    }

    /// The object a read names: the one authorization judged the caller on when it had to look,
    /// otherwise looked up now (one lookup either way).
    pub async fn object(&self) -> Result<Opened> {
        let found = match self.grant.take_object() {
            Some(judged) => judged,
            None => self.store().open_object(self.bucket_name(), self.key(), self.version(), PRELOAD_MAX).await?,
        };
        crate::store::require_live(found, |o| &o.meta, self.key(), self.version())
    }

    /// The metadata of the version a request names (no pins: for ACL, tagging and checks).
    pub async fn head(&self) -> Result<crate::store::ObjectMeta> {
        let found = self.store().head(self.bucket_name(), self.key(), self.version()).await?;
        crate::store::require_live(found, |m| m, self.key(), self.version())
    }

    /// The version `?versionId=` names.
    pub fn version(&self) -> Option<&VersionId> {
        self.endpoint.object().and_then(|o| o.version.as_ref())
    }

    /// A fresh version id, which the store keeps if the bucket is versioned.
    pub fn new_version_id(&self) -> VersionId {
        self.state.new_version_id()
    }

    /// `encoding-type=url` asks for percent-encoded keys (and the echo that says so).
    pub fn url_encoding(&self) -> bool {
        self.param("encoding-type").is_some_and(|v| v.eq_ignore_ascii_case("url"))
    }

    pub fn forbid_overwrite(&self) -> bool {
        self.header(oss_protocol::headers::FORBID_OVERWRITE).is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }

    /// The bandwidth cap the request asks for, validated.
    pub fn traffic_limit(&self) -> Result<Option<crate::throttle::TrafficLimit>> {
        crate::throttle::TrafficLimit::requested(&self.headers, &self.query)
    }

    /// Holds a server-side copy of `bytes` for as long as the request's cap says it takes.
    pub async fn pace_copy(&self, bytes: u64) -> Result<()> {
        if let Some(limit) = self.traffic_limit()? {
            tokio::time::sleep(limit.duration_of(bytes)).await;
        }
        Ok(())
    }

    pub fn now_ms(&self) -> i64 {
        to_ms(self.now)
    }
}

/// `x-oss-version-id` of the version a request wrote, read or changed, when the bucket is
/// versioned (an unversioned bucket's responses carry none: clients read its absence).
pub fn set_version_header(resp: &mut Response<Body>, bucket: &BucketMeta, version: &VersionId) {
    if bucket.versioning.is_some() {
        crate::respond::set_header(resp, oss_protocol::headers::VERSION_ID, version.as_str());
    }
}

/// Runs the endpoint's handler, paced by `x-oss-traffic-limit` where OSS honours it: the upload
/// is read, the download written, no faster than the cap (copies wait in their handlers).
pub async fn dispatch(ctx: &Ctx, body: RequestBody) -> Result<Response<Body>> {
    use crate::endpoint::Operation as O;
    use http_body_util::BodyExt;
    let operation = ctx.endpoint.operation();
    let limit = match operation {
        O::PutObject
        | O::PostObject
        | O::AppendObject
        | O::UploadPart
        | O::GetObject
        | O::CopyObject
        | O::UploadPartCopy => ctx.traffic_limit()?,
        _ => None,
    };
    let body = match limit {
        Some(limit) if operation != O::GetObject => crate::throttle::paced(body, limit).boxed_unsync(),
        _ => body,
    };
    let resp = handle(ctx, body).await?;
    Ok(match limit {
        Some(limit) if operation == O::GetObject => resp.map(|b| crate::throttle::paced(b, limit).boxed_unsync()),
        _ => resp,
    })
}

/// One arm per OSS operation.
async fn handle(ctx: &Ctx, body: RequestBody) -> Result<Response<Body>> {
    use Endpoint as E;
    match &ctx.endpoint {
        E::ListBuckets => service::list_buckets(ctx),
        E::DescribeRegions { region } => service::describe_regions(ctx, region.as_deref()),
        E::PutPublicAccessBlock => configs::put_public_access_block(ctx, body).await,
        E::GetPublicAccessBlock => configs::get_public_access_block(ctx),
        E::GetUserQoSInfo => configs::get_user_qos_info(ctx),
        E::PutBucketCallbackPolicy { .. } => configs::put_bucket_callback_policy(ctx, body).await,
        E::GetBucketCallbackPolicy { .. } => configs::get_bucket_callback_policy(ctx),
        E::DeleteBucketCallbackPolicy { .. } => configs::delete_bucket_callback_policy(ctx).await,
        E::PutBucketStorageCapacity { .. } => configs::put_bucket_storage_capacity(ctx, body).await,
        E::GetBucketStorageCapacity { .. } => configs::get_bucket_storage_capacity(ctx),
        E::PutBucketQoSInfo { .. } => configs::put_bucket_qos_info(ctx, body).await,
        E::GetBucketQoSInfo { .. } => configs::get_bucket_qos_info(ctx),
        E::DeleteBucketQoSInfo { .. } => configs::delete_bucket_qos_info(ctx).await,
        E::DeletePublicAccessBlock => configs::delete_public_access_block(ctx).await,
        E::PutBucket { .. } => bucket::put_bucket(ctx, body).await,
        E::DeleteBucket { .. } => bucket::delete_bucket(ctx).await,
        E::GetBucketLocation { .. } => bucket::get_bucket_location(ctx),
        E::GetBucketInfo { .. } => bucket::get_bucket_info(ctx),
        E::PutBucketAcl { .. } => bucket::put_bucket_acl(ctx).await,
        E::GetBucketAcl { .. } => bucket::get_bucket_acl(ctx),
        E::PutBucketTags { .. } => tagging::put_bucket_tags(ctx, body).await,
        E::GetBucketTags { .. } => tagging::get_bucket_tags(ctx),
        E::DeleteBucketTags { .. } => tagging::delete_bucket_tags(ctx).await,
        E::ListObjects { .. } => list::list_objects(ctx).await,
        E::ListObjectsV2 { .. } => list::list_objects_v2(ctx).await,
        E::DeleteMultipleObjects { .. } => object::delete_multiple_objects(ctx, body).await,
        E::ListMultipartUploads { .. } => multipart::list_multipart_uploads(ctx).await,
        E::PutObject { .. } => object::put_object(ctx, body).await,
        E::PostObject { .. } => post::post_object(ctx, body).await,
        E::CopyObject { source, .. } => copy::copy_object(ctx, source).await,
        E::GetObject { .. } => object::get_object(ctx).await,
        E::HeadObject { .. } => object::head_object(ctx).await,
        E::GetObjectMeta { .. } => object::get_object_meta(ctx).await,
        E::DeleteObject { .. } => object::delete_object(ctx).await,
        E::PutObjectAcl { .. } => object::put_object_acl(ctx).await,
        E::GetObjectAcl { .. } => object::get_object_acl(ctx).await,
        E::PutObjectTagging { .. } => tagging::put_object_tagging(ctx, body).await,
        E::GetObjectTagging { .. } => tagging::get_object_tagging(ctx).await,
        E::DeleteObjectTagging { .. } => tagging::delete_object_tagging(ctx).await,
        E::RestoreObject { .. } => restore::restore_object(ctx, body).await,
        E::AppendObject { position, .. } => append::append_object(ctx, position.as_deref(), body).await,
        E::PutSymlink { .. } => symlink::put_symlink(ctx).await,
        E::GetSymlink { .. } => symlink::get_symlink(ctx).await,
        E::PutBucketLifecycle { .. } => lifecycle::put_bucket_lifecycle(ctx, body).await,
        E::GetBucketLifecycle { .. } => lifecycle::get_bucket_lifecycle(ctx),
        E::DeleteBucketLifecycle { .. } => lifecycle::delete_bucket_lifecycle(ctx).await,
        E::PutBucketVersioning { .. } => versioning::put_bucket_versioning(ctx, body).await,
        E::GetBucketVersioning { .. } => versioning::get_bucket_versioning(ctx),
        E::ListObjectVersions { .. } => versioning::list_object_versions(ctx).await,
        E::InitiateMultipartUpload { .. } => multipart::initiate_multipart_upload(ctx).await,
        E::UploadPart { upload_id, part_number, .. } => {
            multipart::upload_part(ctx, upload_id, *part_number, body).await
        }
        E::UploadPartCopy { upload_id, part_number, source, .. } => {
            copy::upload_part_copy(ctx, upload_id, *part_number, source).await
        }
        E::CompleteMultipartUpload { upload_id, .. } => {
            multipart::complete_multipart_upload(ctx, upload_id, body).await
        }
        E::AbortMultipartUpload { upload_id, .. } => multipart::abort_multipart_upload(ctx, upload_id).await,
        E::ListParts { upload_id, .. } => multipart::list_parts(ctx, upload_id).await,
        E::PutBucketCors { .. } => cors::put_bucket_cors(ctx, body).await,
        E::GetBucketCors { .. } => cors::get_bucket_cors(ctx),
        E::DeleteBucketCors { .. } => cors::delete_bucket_cors(ctx).await,
        E::OptionObject { .. } => cors::option_object(ctx),
        E::PutBucketReferer { .. } => configs::put_bucket_referer(ctx, body).await,
        E::GetBucketReferer { .. } => configs::get_bucket_referer(ctx),
        E::PutBucketLogging { .. } => configs::put_bucket_logging(ctx, body).await,
        E::GetBucketLogging { .. } => configs::get_bucket_logging(ctx),
        E::DeleteBucketLogging { .. } => configs::delete_bucket_logging(ctx).await,
        E::PutBucketEncryption { .. } => configs::put_bucket_encryption(ctx, body).await,
        E::GetBucketEncryption { .. } => configs::get_bucket_encryption(ctx),
        E::DeleteBucketEncryption { .. } => configs::delete_bucket_encryption(ctx).await,
        E::PutBucketRequestPayment { .. } => configs::put_bucket_request_payment(ctx, body).await,
        E::GetBucketRequestPayment { .. } => configs::get_bucket_request_payment(ctx),
        E::PutBucketPublicAccessBlock { .. } => configs::put_bucket_public_access_block(ctx, body).await,
        E::GetBucketPublicAccessBlock { .. } => configs::get_bucket_public_access_block(ctx),
        E::DeleteBucketPublicAccessBlock { .. } => configs::delete_bucket_public_access_block(ctx).await,
        E::PutBucketHttpsConfig { .. } => configs::put_bucket_https_config(ctx, body).await,
        E::GetBucketHttpsConfig { .. } => configs::get_bucket_https_config(ctx),
        E::GetBucketStat { .. } => configs::get_bucket_stat(ctx).await,
        E::InitiateBucketWorm { .. } => worm::initiate_bucket_worm(ctx, body).await,
        E::AbortBucketWorm { .. } => worm::abort_bucket_worm(ctx).await,
        E::GetBucketWorm { .. } => worm::get_bucket_worm(ctx),
        E::ExtendBucketWorm { .. } => worm::extend_bucket_worm(ctx, body).await,
        E::CompleteBucketWorm { .. } => worm::complete_bucket_worm(ctx).await,
        E::PutBucketWebsite { .. } => website::put_bucket_website(ctx, body).await,
        E::GetBucketWebsite { .. } => website::get_bucket_website(ctx),
        E::DeleteBucketWebsite { .. } => website::delete_bucket_website(ctx).await,
        E::PutBucketInventory { .. } => configs::put_bucket_inventory(ctx, body).await,
        E::GetBucketInventory { .. } => configs::get_bucket_inventory(ctx),
        E::ListBucketInventory { .. } => configs::list_bucket_inventory(ctx),
        E::DeleteBucketInventory { .. } => configs::delete_bucket_inventory(ctx).await,
        E::PutBucketTransferAcceleration { .. } => configs::put_bucket_transfer_acceleration(ctx, body).await,
        E::GetBucketTransferAcceleration { .. } => configs::get_bucket_transfer_acceleration(ctx),
        E::PutBucketResourceGroup { .. } => configs::put_bucket_resource_group(ctx, body).await,
        E::GetBucketResourceGroup { .. } => configs::get_bucket_resource_group(ctx),
        E::PutBucketAccessMonitor { .. } => configs::put_bucket_access_monitor(ctx, body).await,
        E::GetBucketAccessMonitor { .. } => configs::get_bucket_access_monitor(ctx),
        E::ListLiveChannel { .. } => configs::list_live_channel(ctx),
        E::PutBucketPolicy { .. } => policy::put_bucket_policy(ctx, body).await,
        E::GetBucketPolicy { .. } => policy::get_bucket_policy(ctx),
        E::DeleteBucketPolicy { .. } => policy::delete_bucket_policy(ctx).await,
        E::GetBucketPolicyStatus { .. } => policy::get_bucket_policy_status(ctx),
        E::NotImplemented { .. } => {
            Err(ctx.endpoint.not_implemented_error().unwrap_or_else(|| OssError::new(Code::NotImplemented)))
        }
    }
}

pub fn to_ms(t: SystemTime) -> i64 {
    match t.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => d.as_millis() as i64,
        Err(e) => -(e.duration().as_millis() as i64),
    }
}

pub fn from_ms(ms: i64) -> SystemTime {
    oss_protocol::time::from_unix_seconds(ms.div_euclid(1000))
        + std::time::Duration::from_millis(ms.rem_euclid(1000) as u64)
}

pub fn iso(ms: i64) -> String {
    oss_protocol::time::format_iso8601(from_ms(ms))
}

pub fn http_date(ms: i64) -> String {
    oss_protocol::time::format_http_date(from_ms(ms))
}

/// Percent-encodes for `encoding-type=url` responses (everything outside unreserved characters,
/// `/` included, which both the Python and Go SDKs decode).
pub fn encode_if(url: bool, s: &str) -> String {
    if url {
        uri_encode(s, false)
    } else {
        s.to_owned()
    }
}

/// OSS object names: 1–1023 bytes of UTF-8 (already guaranteed), not starting with `/` or `\`.
pub fn validate_key(key: &str) -> Result<()> {
    if key.is_empty() {
        return Err(OssError::new(Code::InvalidObjectName)
            .message("The Object name can not be empty.")
            .ec("0016-00000002"));
    }
    if key.len() > 1023 {
        return Err(OssError::new(Code::InvalidObjectName)
            .message("The Length of Object name must be less than 1024.")
            .ec("0016-00000002"));
    }
    if key.starts_with('/') || key.starts_with('\\') {
        return Err(OssError::new(Code::InvalidObjectName).ec("0016-00000005"));
    }
    Ok(())
}

/// The `Content-MD5` a request declares, as raw digest bytes.
pub fn content_md5(ctx: &Ctx) -> Result<Option<[u8; 16]>> {
    let Some(value) = ctx.header("content-md5") else { return Ok(None) };
    base64::engine::general_purpose::STANDARD
        .decode(value)
        .ok()
        .and_then(|bytes| <[u8; 16]>::try_from(bytes.as_slice()).ok())
        .map(Some)
        .ok_or_else(|| OssError::new(Code::InvalidDigest).ec("0016-00000101"))
}

/// A body must come with a length or chunked encoding (fact sheet: 411 otherwise).
pub fn require_length(ctx: &Ctx) -> Result<Option<u64>> {
    if let Some(len) = ctx.header("content-length") {
        return len
            .parse()
            .map(Some)
            .map_err(|_| OssError::invalid_argument("Invalid Content-Length.", "Content-Length", len));
    }
    let chunked = ctx.header("transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    if chunked {
        Ok(None)
    } else {
        Err(OssError::new(Code::MissingContentLength))
    }
}

fn body_too_large() -> OssError {
    OssError::invalid_argument("Your proposed upload exceeds the maximum allowed size.", "Content-Length", "")
}

/// Receives a request body into the store (in memory while small), hashing as it goes.
pub async fn receive_body(store: &Store, mut body: RequestBody, limit: u64) -> Result<Received> {
    let mut incoming = store.incoming();
    while let Some(frame) = body.frame().await {
        let frame = match frame {
            Ok(frame) => frame,
            Err(e) => {
                incoming.abort().await;
                // A body that knows why it failed in OSS's terms (a form whose file part is cut
                // or too large) says so; any other failure is the client gone quiet.
                if let Some(err) = e.downcast_ref::<OssError>() {
                    return Err(err.clone());
                }
                tracing::debug!("request body ended early: {e}");
                return Err(OssError::new(Code::RequestTimeout));
            }
        };
        if let Ok(data) = frame.into_data() {
            if incoming.len() + data.len() as u64 > limit {
                incoming.abort().await;
                return Err(body_too_large());
            }
            if let Err(e) = incoming.push(&data).await {
                incoming.abort().await;
                return Err(e.into());
            }
        }
    }
    Ok(incoming.finish().await?)
}

/// Receives a body and checks it against the `Content-MD5` the request declared.
pub async fn receive_checked(ctx: &Ctx, body: RequestBody, limit: u64) -> Result<Received> {
    let expected_md5 = content_md5(ctx)?;
    let received = receive_body(ctx.store(), body, limit).await?;
    if expected_md5.is_some_and(|md5| md5 != received.md5) {
        ctx.store().discard(received.data).await;
        return Err(OssError::new(Code::InvalidDigest).ec("0016-00000102"));
    }
    Ok(received)
}

/// Reads a small XML request body whole: at most `limit` bytes, within the server's memory
/// budget for buffered bodies.
pub async fn read_small_body(ctx: &Ctx, body: RequestBody, limit: usize) -> Result<Buffered> {
    ctx.state.body_budget.read(body, limit).await.map_err(|e| match e {
        BufferError::TooLarge => OssError::malformed_xml("The XML body is larger than allowed."),
        BufferError::OverBudget => OssError::new(Code::ServiceUnavailable),
        BufferError::Broken(_) => OssError::new(Code::RequestTimeout),
    })
}

/// Checks a whole small body against `Content-MD5`, when the request sent one.
pub fn check_body_md5(ctx: &Ctx, body: &[u8]) -> Result<()> {
    use md5::{Digest, Md5};
    match content_md5(ctx)? {
        Some(expected) if expected != <[u8; 16]>::from(Md5::digest(body)) => {
            Err(OssError::new(Code::InvalidDigest).ec("0016-00000102"))
        }
        _ => Ok(()),
    }
}

/// Reads a small XML document whose root must be `root`, checked against `Content-MD5` when the
/// request sent one: a wrong root or a document that does not fit the model is MalformedXML.
/// A small body as text, its Content-MD5 checked: for documents kept as an element tree.
pub async fn read_text(ctx: &Ctx, body: RequestBody, limit: usize) -> Result<String> {
    let (body, _reserved) = read_small_body(ctx, body, limit).await?.into_parts();
    check_body_md5(ctx, &body)?;
    body_text(body)
}

pub async fn read_xml<T: serde::de::DeserializeOwned>(
    ctx: &Ctx,
    body: RequestBody,
    root: &str,
    limit: usize,
) -> Result<T> {
    let text = read_text(ctx, body, limit).await?;
    if oss_protocol::xml::root_name(&text).as_deref() != Some(root) {
        return Err(OssError::malformed_xml(format!("the root node is not named {root}.")));
    }
    oss_protocol::xml::from_xml(&text).map_err(OssError::malformed_xml)
}

pub fn body_text(body: Vec<u8>) -> Result<String> {
    String::from_utf8(body).map_err(|_| OssError::malformed_xml("The XML body is not valid UTF-8."))
}

pub fn parse_max(ctx: &Ctx, name: &str, default: u32, max: u32) -> Result<u32> {
    match ctx.param(name) {
        None | Some("") => Ok(default),
        Some(v) => match v.parse::<i64>() {
            Ok(n) if (0..=i64::from(max)).contains(&n) => Ok(n as u32),
            _ => Err(OssError::invalid_argument(
                format!("Argument {name} must be an integer between 0 and {max}."),
                name,
                v,
            )),
        },
    }
}
