//! AppendObject: an Appendable object grows at its end, one request at a time.

use http::{Response, StatusCode};
use oss_protocol::headers::{HASH_CRC64ECMA, NEXT_APPEND_POSITION};
use oss_protocol::ObjectType;

use super::meta::{object_template, write_sse_headers, DEFAULT_CONTENT_TYPE};
use super::{receive_checked, require_length, validate_key, Ctx};
use crate::body::{Body, RequestBody};
use crate::error::{Code, OssError, Result};
use crate::respond::{self, set_header};

/// `POST /<key>?append&position=N`. Headers (type, metadata, ACL, class, tags, encryption) count
/// only on the append that creates the object; later ones keep what it set.
pub async fn append_object(ctx: &Ctx, position: Option<&str>, body: RequestBody) -> Result<Response<Body>> {
    let key = ctx.key().to_owned();
    validate_key(&key)?;
    let bucket = ctx.bucket()?;
    if ctx.version().is_some() {
        return Err(
            OssError::invalid_argument("AppendObject does not take a version id.", "versionId", "").ec("0016-00000504")
        );
    }
    let position = match position {
        None => return Err(OssError::new(Code::MissingArgument).with("ArgumentName", "position")),
        Some(raw) => raw
            .parse::<u64>()
            .map_err(|_| OssError::invalid_argument("The position is not a number.", "position", raw))?,
    };
    let mut first = object_template(ctx, &key, &bucket)?;
    first.set_default_header("content-type", DEFAULT_CONTENT_TYPE);
    first.object_type = ObjectType::Appendable;
    first.last_modified_ms = ctx.now_ms();
    first.version_id = ctx.new_version_id();
    require_length(ctx)?;
    let limit = ctx.limits().max_object_size;
    let received = receive_checked(ctx, body, limit).await?;
    let stored = ctx.store().append_object(&bucket.name, first, position, received, limit).await?;
    let mut resp = respond::empty(StatusCode::OK);
    set_header(&mut resp, NEXT_APPEND_POSITION, &stored.size.to_string());
    set_header(&mut resp, HASH_CRC64ECMA, &stored.crc64.to_string());
    set_header(&mut resp, "etag", &stored.etag);
    write_sse_headers(&mut resp, &stored);
    super::set_version_header(&mut resp, &bucket, &stored.version_id);
    Ok(resp)
}
