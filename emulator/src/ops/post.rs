//! PostObject: an HTML form upload (fact sheet §8). The form's fields before the file carry the
//! key, the credentials and the object's metadata, so the server reads them ([`read_form`]) and
//! authenticates them ([`authenticate`]) before authorization, in place of the headers other
//! operations are judged on; the handler ([`post_object`]) then streams the file part into the
//! store as PutObject streams its body.

use std::time::SystemTime;

use http::{HeaderMap, HeaderName, HeaderValue, Response, StatusCode};
use oss_protocol::encoding::build_query;
use oss_protocol::headers::{
    FORBID_OVERWRITE, META_PREFIX, OBJECT_ACL, SERVER_SIDE_DATA_ENCRYPTION, SERVER_SIDE_ENCRYPTION,
    SERVER_SIDE_ENCRYPTION_KEY_ID, STORAGE_CLASS,
};

use super::meta::{object_template, DEFAULT_CONTENT_TYPE, STORED_HEADERS};
use super::{receive_body, validate_key, Ctx};
use crate::auth::{Authenticator, Principal};
use crate::body::{Body, RequestBody};
use crate::error::{Code, OssError, Result};
use crate::form::{self, field, Field, FilePart, FormReader};
use crate::post_policy::Policy;
use crate::respond::{self, set_header};
use crate::State;

/// Form fields that describe the object, with the meaning PutObject gives the same headers
/// (besides `x-oss-meta-*`). `x-oss-tagging` is not among them: PostObject does not take tags.
const OBJECT_FIELDS: &[&str] = &[
    OBJECT_ACL,
    STORAGE_CLASS,
    SERVER_SIDE_ENCRYPTION,
    SERVER_SIDE_ENCRYPTION_KEY_ID,
    SERVER_SIDE_DATA_ENCRYPTION,
    FORBID_OVERWRITE,
    "x-oss-security-token",
];

/// The upload callback a form asks for (`callback`, and one `x:var` field per variable).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Callback {
    /// The `callback` field: base64 of the callback's JSON.
    pub callback: String,
    /// `x:name` fields, names as sent.
    pub vars: Vec<(String, String)>,
}

/// A form as far as it precedes the file, and what was learnt from it.
#[derive(Debug, Clone)]
pub struct PostForm {
    pub fields: Vec<Field>,
    pub file: FilePart,
    /// The policy, once [`authenticate`] has read and checked it (anonymous forms have none).
    pub policy: Option<Policy>,
    pub callback: Option<Callback>,
}

impl PostForm {
    pub fn field(&self, name: &str) -> Option<&str> {
        field(&self.fields, name)
    }

    pub fn key(&self) -> &str {
        self.field("key").unwrap_or_default()
    }

    /// The headers the upload is treated as having sent: the request's own, where they are
    /// about the request (`x-oss-*`), with the form's object fields over them (a form's
    /// `x-oss-object-acl` beats the header). The request's entity headers describe the
    /// multipart body or the browser's caching, not the object, so they are dropped; the
    /// object's type is the `x-oss-content-type` field, else the `Content-Type` field, else the
    /// file part's own.
    pub fn object_headers(&self, request: &HeaderMap) -> Result<HeaderMap> {
        let mut headers = request.clone();
        for name in STORED_HEADERS.iter().chain(&["content-length", "content-md5", "transfer-encoding"]) {
            headers.remove(*name);
        }
        headers.remove(oss_protocol::headers::TAGGING);
        let mut seen: Vec<String> = Vec::new();
        for f in &self.fields {
            let name = f.name.to_ascii_lowercase();
            let wanted = name.starts_with(META_PREFIX)
                || OBJECT_FIELDS.contains(&name.as_str())
                || (STORED_HEADERS.contains(&name.as_str()) && name != "content-type");
            // The first of repeated fields counts, as for the policy's conditions.
            if !wanted || seen.contains(&name) {
                continue;
            }
            insert(&mut headers, &name, &f.value)?;
            seen.push(name);
        }
        let content_type = self.field("x-oss-content-type").or(self.field("content-type"));
        if let Some(content_type) = content_type.or(self.file.content_type.as_deref()) {
            insert(&mut headers, "content-type", content_type)?;
        }
        Ok(headers)
    }
}

fn insert(headers: &mut HeaderMap, name: &str, value: &str) -> Result<()> {
    let bad = || OssError::invalid_argument("The form field is not a valid header value.", name, value);
    let header = HeaderName::from_bytes(name.as_bytes()).map_err(|_| bad())?;
    let value = HeaderValue::from_bytes(value.trim().as_bytes()).map_err(|_| bad())?;
    headers.insert(header, value);
    Ok(())
}

/// Reads the form's fields up to the file part: the form, and the body left to read (the file).
pub async fn read_form(headers: &HeaderMap, body: RequestBody) -> Result<(PostForm, RequestBody)> {
    let content_type = headers.get(http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let boundary = form::boundary(content_type)?;
    let mut reader = FormReader::new(body, &boundary);
    let (fields, file) = reader.read_fields().await?;
    let callback = field(&fields, "callback").map(|c| Callback {
        callback: c.to_owned(),
        vars: fields.iter().filter(|f| f.name.starts_with("x:")).map(|f| (f.name.clone(), f.value.clone())).collect(),
    });
    let form = PostForm { fields, file, policy: None, callback };
    Ok((form, reader.into_file_body()))
}

/// Who signed the form, and whether the form meets its policy. A missing `key` is refused first:
/// the 2021 error table maps it to IncorrectNumberOfFilesInPOSTRequest.
pub fn authenticate(
    state: &State,
    form: &mut PostForm,
    bucket: &str,
    region: &str,
    now: SystemTime,
) -> Result<Principal> {
    if form.field("key").is_none_or(str::is_empty) {
        return Err(OssError::new(Code::IncorrectNumberOfFilesInPOSTRequest));
    }
    let auth = Authenticator {
        accounts: &state.config.accounts,
        regions: &state.regions,
        mode: state.config.auth,
        now,
        max_skew: std::time::Duration::from_millis(state.config.limits.max_skew_ms),
    };
    let principal = match auth.authenticate_form(&form.fields, region) {
        // An unknown key aimed at a bucket that does not exist: OSS looks the bucket up first.
        Err(e) if e.code == Code::InvalidAccessKeyId && state.store.bucket(bucket).is_none() => {
            return Err(OssError::no_such_bucket(bucket))
        }
        other => other?,
    };
    if let Some(text) = form.field("policy") {
        let policy = Policy::parse(text)?;
        // Outside strict mode the emulator takes any credentials; a policy's conditions are the
        // form's own rules, checked in every mode but `off`.
        if state.config.auth != crate::config::AuthMode::Off {
            policy.check(now, bucket, &form.fields)?;
        }
        if form.field("x-oss-signature-version").is_some() {
            // A V4 policy must pin its own signing fields.
            for name in ["x-oss-signature-version", "x-oss-credential", "x-oss-date"] {
                if !policy.mentions(name) {
                    return Err(OssError::access_denied(format!(
                        "Invalid according to Policy: Policy Condition failed: {name} is not in the policy."
                    )));
                }
            }
        }
        form.policy = Some(policy);
    }
    Ok(principal)
}

/// Where a 201's `<Location>` points: the object under the host the form was posted to.
fn location(ctx: &Ctx, bucket: &str, key: &str) -> String {
    let host = ctx.header("host").unwrap_or_default();
    let key = oss_protocol::encoding::uri_encode(key, true);
    if host.starts_with(&format!("{bucket}.")) {
        format!("http://{host}/{key}")
    } else {
        format!("http://{host}/{bucket}/{key}")
    }
}

pub async fn post_object(ctx: &Ctx, body: RequestBody) -> Result<Response<Body>> {
    let form = ctx.post.as_ref().ok_or_else(|| OssError::internal("post_object", "no form was read"))?;
    let key = form.key().to_owned();
    validate_key(&key)?;
    let bucket = ctx.bucket()?;
    // Validated before anything is stored, as on PutObject.
    let callback = match &form.callback {
        Some(c) => Some(crate::callback::Callback::from_form(&c.callback, &c.vars, &bucket.configs.callback_policies)?),
        None => None,
    };
    let mut meta = object_template(ctx, &key, &bucket)?;
    meta.set_default_header("content-type", DEFAULT_CONTENT_TYPE);

    let limit = ctx.limits().max_object_size;
    let body = form::capped(
        body,
        limit,
        OssError::invalid_argument("Post body size must be less than 5G.", "Content-Length", ""),
    );
    let range = form.policy.as_ref().and_then(Policy::content_length_range);
    // [UNCONFIRMED] OSS's error table lists EntityTooSmall/EntityTooLarge "Your proposed upload
    // …" for sizes outside the policy's range, another page a 403 "Policy Condition failed": the
    // size-specific codes say more.
    let body = match range {
        Some((_, max)) => form::capped(body, max, OssError::new(Code::EntityTooLarge)),
        None => body,
    };
    let received = receive_body(ctx.store(), body, u64::MAX).await?;
    if range.is_some_and(|(min, _)| received.len < min) {
        ctx.store().discard(received.data).await;
        return Err(OssError::new(Code::EntityTooSmall));
    }
    let stored = super::object::store_received(ctx, &bucket, meta, received).await?;

    let redirect = form.field("success_action_redirect").map(str::trim).filter(|r| !r.is_empty());
    let mut resp = match (redirect, form.field("success_action_status").map(str::trim)) {
        // [UNCONFIRMED] OSS documents a redirect to the URL, not its status or query: S3 answers
        // 303 See Other with `bucket`, `key` and `etag` appended, and a page that reads those is
        // the only use of the redirect, so the same.
        (Some(url), _) => {
            let query = build_query([("bucket", bucket.name.as_str()), ("key", &key), ("etag", &stored.etag)]);
            let separator = if url.contains('?') { '&' } else { '?' };
            let mut resp = respond::empty(StatusCode::SEE_OTHER);
            set_header(&mut resp, "location", &format!("{url}{separator}{query}"));
            resp
        }
        (None, Some("200")) => respond::empty(StatusCode::OK),
        (None, Some("201")) => {
            use oss_protocol::xml::escape;
            let xml = format!(
                "{}<PostResponse><Bucket>{}</Bucket><Location>{}</Location><Key>{}</Key><ETag>{}</ETag></PostResponse>",
                oss_protocol::xml::DECLARATION,
                escape(&bucket.name),
                escape(&location(ctx, &bucket.name, &key)),
                escape(&key),
                escape(&stored.etag),
            );
            respond::xml(StatusCode::CREATED, xml)
        }
        // Any other value (or none) is the default 204.
        _ => respond::empty(StatusCode::NO_CONTENT),
    };
    super::object::write_stored_headers(&mut resp, &bucket, &stored);
    super::callback::answer(ctx, callback, &stored, resp).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(fields: &[(&str, &str)], file_type: Option<&str>) -> PostForm {
        PostForm {
            fields: fields.iter().map(|(n, v)| Field { name: (*n).into(), value: (*v).into() }).collect(),
            file: FilePart { filename: Some("f".into()), content_type: file_type.map(str::to_owned) },
            policy: None,
            callback: None,
        }
    }

    fn request() -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("content-type", HeaderValue::from_static("multipart/form-data; boundary=x"));
        h.insert("cache-control", HeaderValue::from_static("no-cache"));
        h.insert(OBJECT_ACL, HeaderValue::from_static("private"));
        h.insert("x-oss-tagging", HeaderValue::from_static("a=b"));
        h.insert("host", HeaderValue::from_static("b.localhost"));
        h
    }

    #[test]
    fn fields_become_headers() {
        let get = |h: &HeaderMap, n: &str| h.get(n).map(|v| v.to_str().unwrap().to_owned());
        let f = form(
            &[
                ("key", "k"),
                ("X-Oss-Meta-Color", "red"),
                ("x-oss-object-acl", "public-read"),
                ("Policy", "p"),
                ("Content-Disposition", "inline"),
            ],
            Some("text/plain"),
        );
        let h = f.object_headers(&request()).unwrap();
        assert_eq!(get(&h, "content-type").as_deref(), Some("text/plain"), "the file part's type");
        assert_eq!(get(&h, "x-oss-meta-color").as_deref(), Some("red"));
        assert_eq!(get(&h, OBJECT_ACL).as_deref(), Some("public-read"), "the field beats the header");
        assert_eq!(get(&h, "content-disposition").as_deref(), Some("inline"));
        assert_eq!(get(&h, "cache-control"), None, "the request's caching is not the object's");
        assert_eq!(get(&h, "x-oss-tagging"), None);
        assert_eq!(get(&h, "policy"), None);
        assert_eq!(get(&h, "host").as_deref(), Some("b.localhost"));

        let typed = form(&[("Content-Type", "image/png")], Some("text/plain"));
        assert_eq!(get(&typed.object_headers(&request()).unwrap(), "content-type").as_deref(), Some("image/png"));
        let both = form(&[("content-type", "image/png"), ("x-oss-content-type", "image/gif")], None);
        assert_eq!(get(&both.object_headers(&request()).unwrap(), "content-type").as_deref(), Some("image/gif"));
        let none = form(&[], None);
        assert_eq!(get(&none.object_headers(&request()).unwrap(), "content-type"), None);
    }
}
