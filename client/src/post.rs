//! PostObject: the fields of an HTML form that uploads straight to a bucket (policy and
//! signature, V1 or V4, made here so a browser never sees the secret), and a way to submit such
//! a form from Rust.

use std::time::{Duration, SystemTime};

use base64::Engine;
use bytes::Bytes;
use oss_protocol::sign;
use oss_protocol::time::{format_iso8601, format_v4_datetime};
use reqwest::Method;
use serde_json::{json, Value};

use crate::client::Client;
use crate::config::SignatureVersion;
use crate::error::Error;
use crate::request::{RequestBuilder, Response};

/// One condition of a PostObject policy. Field names are written without the `$`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PostCondition {
    /// The field must be exactly this; the form gets the field with this value.
    Eq(String, String),
    /// The field must start with this (an empty prefix allows anything the browser sends).
    StartsWith(String, String),
    /// The field must be one of these.
    In(String, Vec<String>),
    /// The field must be none of these.
    NotIn(String, Vec<String>),
    /// The file's size in bytes, inclusive.
    ContentLengthRange(u64, u64),
}

impl PostCondition {
    pub fn eq(field: impl Into<String>, value: impl Into<String>) -> Self {
        PostCondition::Eq(field.into(), value.into())
    }

    pub fn starts_with(field: impl Into<String>, prefix: impl Into<String>) -> Self {
        PostCondition::StartsWith(field.into(), prefix.into())
    }

    fn to_json(&self) -> Value {
        let var = |f: &str| format!("${f}");
        match self {
            PostCondition::Eq(f, v) => json!(["eq", var(f), v]),
            PostCondition::StartsWith(f, p) => json!(["starts-with", var(f), p]),
            PostCondition::In(f, vs) => json!(["in", var(f), vs]),
            PostCondition::NotIn(f, vs) => json!(["not-in", var(f), vs]),
            PostCondition::ContentLengthRange(min, max) => json!(["content-length-range", min, max]),
        }
    }
}

/// A signed form: where to post it and its fields, in order, the `file` part still to add
/// (last, as OSS requires).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostForm {
    /// The form's `action`: the bucket's URL.
    pub url: String,
    pub bucket: String,
    pub fields: Vec<(String, String)>,
    /// The policy as JSON text (its base64 is the `policy` field).
    pub policy: String,
}

impl PostForm {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// Adds a field the policy does not constrain (OSS does not ask every field to be in it).
    pub fn with_field(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.fields.push((name.into(), value.into()));
        self
    }
}

/// A `multipart/form-data` body: `fields` in order, then the file part. Returns the
/// Content-Type (with its boundary) and the body. `file` may be `None` to compose a form OSS
/// must refuse.
pub fn multipart_body(fields: &[(String, String)], file: Option<(&str, Option<&str>, &[u8])>) -> (String, Bytes) {
    let nanos = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let mut boundary = format!("----OssClientFormBoundary{nanos:x}");
    // A boundary must not occur in any part; with a clock-derived one it practically never
    // does, and when it does a longer one is tried.
    let occurs = |b: &str| {
        let needle = b.as_bytes();
        let in_file = file.is_some_and(|(_, _, data)| data.windows(needle.len()).any(|w| w == needle));
        in_file || fields.iter().any(|(_, v)| v.contains(b))
    };
    while occurs(&boundary) {
        boundary.push('x');
    }
    let mut body = Vec::new();
    let quote = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
    for (name, value) in fields {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        body.extend_from_slice(format!("Content-Disposition: form-data; name=\"{}\"\r\n\r\n", quote(name)).as_bytes());
        body.extend_from_slice(value.as_bytes());
        body.extend_from_slice(b"\r\n");
    }
    if let Some((file_name, content_type, data)) = file {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        body.extend_from_slice(
            format!("Content-Disposition: form-data; name=\"file\"; filename=\"{}\"\r\n", quote(file_name)).as_bytes(),
        );
        if let Some(t) = content_type {
            body.extend_from_slice(format!("Content-Type: {t}\r\n").as_bytes());
        }
        body.extend_from_slice(b"\r\n");
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), Bytes::from(body))
}

impl Client {
    /// A form that uploads `key` into `bucket` until `expires` from now, under `conditions` (the
    /// bucket and the key are pinned already), signed per the configured signature version.
    /// Every [`PostCondition::Eq`] also becomes a field of the form.
    pub fn post_object_form(
        &self,
        bucket: &str,
        key: &str,
        conditions: &[PostCondition],
        expires: Duration,
    ) -> Result<PostForm, Error> {
        self.post_object_form_at(bucket, key, conditions, expires, self.now())
    }

    /// [`Client::post_object_form`] as of `now` (for expiry tests).
    pub fn post_object_form_at(
        &self,
        bucket: &str,
        key: &str,
        conditions: &[PostCondition],
        expires: Duration,
        now: SystemTime,
    ) -> Result<PostForm, Error> {
        let config = self.config();
        let creds = config
            .current_credentials()
            .ok_or_else(|| Error::usage("a PostObject form needs credentials; the client is anonymous"))?;
        let mut fields = vec![("key".to_owned(), key.to_owned())];
        let mut policy_conditions = vec![json!({ "bucket": bucket }), json!(["eq", "$key", key])];
        for c in conditions {
            if let PostCondition::Eq(name, value) = c {
                fields.push((name.clone(), value.clone()));
            }
            policy_conditions.push(c.to_json());
        }
        if let Some(token) = &creds.security_token {
            fields.push(("x-oss-security-token".to_owned(), token.clone()));
            policy_conditions.push(json!({ "x-oss-security-token": token }));
        }
        let version = config.signature;
        let v4 = match version {
            SignatureVersion::V1 => None,
            SignatureVersion::V4 => {
                let datetime = format_v4_datetime(now);
                let date = datetime.get(..8).unwrap_or_default().to_owned();
                let scope = sign::v4_scope(&date, &config.region, &config.product);
                let credential = format!("{}/{scope}", creds.access_key_id);
                for (name, value) in [
                    ("x-oss-signature-version", "OSS4-HMAC-SHA256"),
                    ("x-oss-credential", credential.as_str()),
                    ("x-oss-date", datetime.as_str()),
                ] {
                    fields.push((name.to_owned(), value.to_owned()));
                    policy_conditions.push(json!({ name: value }));
                }
                Some(date)
            }
        };
        let policy =
            json!({ "expiration": format_iso8601(now + expires), "conditions": policy_conditions }).to_string();
        let encoded = base64::engine::general_purpose::STANDARD.encode(&policy);
        match v4 {
            None => {
                let signature = sign::v1_signature(&creds.access_key_secret, &encoded);
                fields.push(("OSSAccessKeyId".to_owned(), creds.access_key_id.clone()));
                fields.push(("policy".to_owned(), encoded));
                fields.push(("Signature".to_owned(), signature));
            }
            Some(date) => {
                let signature =
                    sign::v4_signature(&creds.access_key_secret, &date, &config.region, &config.product, &encoded);
                fields.push(("policy".to_owned(), encoded));
                fields.push(("x-oss-signature".to_owned(), signature));
            }
        }
        let url = self.url(Some(bucket), None)?.to_string();
        Ok(PostForm { url, bucket: bucket.to_owned(), fields, policy })
    }

    /// The request that submits `form` with a file, unsent (the form carries its own
    /// credentials, so the request itself is not signed).
    pub fn post_object_request(
        &self,
        form: &PostForm,
        file_name: &str,
        content_type: Option<&str>,
        data: &[u8],
    ) -> RequestBuilder {
        let (form_type, body) = multipart_body(&form.fields, Some((file_name, content_type, data)));
        self.request(Method::POST, Some(&form.bucket), None).sign(false).header("content-type", form_type).body(body)
    }

    /// Submits `form` with a file. A 2xx answer (204 by default, 200 or 201 as the form's
    /// `success_action_status` asks) is `Ok`; an OSS error is [`Error::Service`].
    pub async fn post_object(
        &self,
        form: &PostForm,
        file_name: &str,
        content_type: Option<&str>,
        data: &[u8],
    ) -> Result<Response, Error> {
        self.post_object_request(form, file_name, content_type, data).send().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Config;

    fn client(version: SignatureVersion) -> Client {
        Client::new(Config::new("http://127.0.0.1:9000", "cn-hangzhou").credentials("ak", "sk").signature(version))
            .unwrap()
    }

    fn policy_of(form: &PostForm) -> Value {
        let raw = base64::engine::general_purpose::STANDARD.decode(form.field("policy").unwrap()).unwrap();
        serde_json::from_slice(&raw).unwrap()
    }

    #[test]
    fn v1_form() {
        let now = oss_protocol::time::parse_iso8601("2030-01-02T03:04:05Z").unwrap();
        let conditions = [PostCondition::eq("x-oss-meta-a", "1"), PostCondition::ContentLengthRange(1, 10)];
        let form = client(SignatureVersion::V1)
            .post_object_form_at("b", "dir/k", &conditions, Duration::from_secs(60), now)
            .unwrap();
        assert_eq!(form.url, "http://127.0.0.1:9000/b/");
        assert_eq!(form.field("key"), Some("dir/k"));
        assert_eq!(form.field("x-oss-meta-a"), Some("1"));
        assert_eq!(form.field("OSSAccessKeyId"), Some("ak"));
        let policy = policy_of(&form);
        assert_eq!(policy["expiration"], "2030-01-02T03:05:05.000Z");
        assert_eq!(policy["conditions"][0], json!({"bucket": "b"}));
        assert_eq!(policy["conditions"][3], json!(["content-length-range", 1, 10]));
        let signature = sign::v1_signature("sk", form.field("policy").unwrap());
        assert_eq!(form.field("Signature"), Some(signature.as_str()));
    }

    #[test]
    fn v4_form_pins_its_signing_fields() {
        let now = oss_protocol::time::parse_iso8601("2030-01-02T03:04:05Z").unwrap();
        let form =
            client(SignatureVersion::V4).post_object_form_at("b", "k", &[], Duration::from_secs(60), now).unwrap();
        assert_eq!(form.field("x-oss-credential"), Some("ak/20300102/cn-hangzhou/oss/aliyun_v4_request"));
        assert_eq!(form.field("x-oss-date"), Some("20300102T030405Z"));
        let conditions = policy_of(&form)["conditions"].clone();
        for name in ["x-oss-signature-version", "x-oss-credential", "x-oss-date"] {
            assert!(conditions.as_array().unwrap().iter().any(|c| c.get(name).is_some()), "{name}");
        }
        let expected = sign::v4_signature("sk", "20300102", "cn-hangzhou", "oss", form.field("policy").unwrap());
        assert_eq!(form.field("x-oss-signature"), Some(expected.as_str()));
    }

    #[test]
    fn multipart_layout() {
        let fields = vec![("key".to_owned(), "k".to_owned())];
        let (content_type, body) = multipart_body(&fields, Some(("a\"b.txt", Some("text/plain"), b"hi")));
        let boundary = content_type.strip_prefix("multipart/form-data; boundary=").unwrap();
        let expected = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nk\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\\\"b.txt\"\r\nContent-Type: text/plain\r\n\r\nhi\r\n--{boundary}--\r\n"
        );
        assert_eq!(std::str::from_utf8(&body).unwrap(), expected);
    }
}
