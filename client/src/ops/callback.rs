//! Upload callbacks: what PutObject and CompleteMultipartUpload ask OSS to POST once the object
//! is stored. The callback server's JSON becomes the operation's answer; when the callback fails
//! OSS answers 203 CallbackFailed (the object is stored all the same), which this client reports
//! as [`crate::Error::Service`] with code `CallbackFailed` and the upload's headers.

use base64::Engine;
use oss_protocol::headers as h;

use crate::request::RequestBuilder;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CallbackBodyType {
    /// `application/x-www-form-urlencoded`, OSS's default.
    #[default]
    Form,
    Json,
}

impl CallbackBodyType {
    pub fn as_str(self) -> &'static str {
        match self {
            CallbackBodyType::Form => "application/x-www-form-urlencoded",
            CallbackBodyType::Json => "application/json",
        }
    }
}

/// One upload callback. `body` is a template: `${bucket}`, `${object}`, `${etag}`, `${size}`,
/// `${mimeType}`, `${imageInfo.*}` and the `x:` variables in `vars` are filled in by OSS.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Callback {
    /// Tried in order until one answers (at most 5).
    pub urls: Vec<String>,
    /// The `Host` header of the callback request (default: the URL's host).
    pub host: Option<String>,
    pub body: String,
    pub body_type: CallbackBodyType,
    /// Custom variables; names start with `x:` and are lowercase (`x:user`).
    pub vars: Vec<(String, String)>,
    /// The name of a stored callback of the bucket, sent instead of the members above.
    pub policy: Option<String>,
}

impl Callback {
    pub fn new(url: impl Into<String>, body: impl Into<String>) -> Self {
        Callback { urls: vec![url.into()], body: body.into(), ..Default::default() }
    }

    /// One of the bucket's named callbacks (PutBucketCallbackPolicy), by name: the other
    /// members are then the stored callback's.
    pub fn stored(name: impl Into<String>) -> Self {
        Callback { policy: Some(name.into()), ..Default::default() }
    }

    pub fn body_type(mut self, body_type: CallbackBodyType) -> Self {
        self.body_type = body_type;
        self
    }

    pub fn var(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.vars.push((name.into(), value.into()));
        self
    }

    /// The `x-oss-callback` value: base64 of the callback's JSON.
    pub fn encoded(&self) -> String {
        let mut doc = serde_json::Map::new();
        if let Some(name) = &self.policy {
            doc.insert("callbackPolicy".into(), name.clone().into());
            return encode(&serde_json::Value::Object(doc));
        }
        doc.insert("callbackUrl".into(), self.urls.join(";").into());
        if let Some(host) = &self.host {
            doc.insert("callbackHost".into(), host.clone().into());
        }
        doc.insert("callbackBody".into(), self.body.clone().into());
        doc.insert("callbackBodyType".into(), self.body_type.as_str().into());
        encode(&serde_json::Value::Object(doc))
    }

    /// The `x-oss-callback-var` value, when there are variables.
    pub fn encoded_vars(&self) -> Option<String> {
        if self.vars.is_empty() {
            return None;
        }
        let vars: serde_json::Map<String, serde_json::Value> =
            self.vars.iter().map(|(n, v)| (n.clone(), v.clone().into())).collect();
        Some(encode(&serde_json::Value::Object(vars)))
    }

    pub(crate) fn apply(&self, req: RequestBuilder) -> RequestBuilder {
        req.header(h::CALLBACK, self.encoded()).header_opt(h::CALLBACK_VAR, self.encoded_vars())
    }
}

fn encode(doc: &serde_json::Value) -> String {
    base64::engine::general_purpose::STANDARD.encode(doc.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callbacks_encode_as_base64_json() {
        let cb = Callback::new("http://127.0.0.1:9/cb", "b=${bucket}").var("x:u", "1");
        let b64 = base64::engine::general_purpose::STANDARD;
        let doc: serde_json::Value = serde_json::from_slice(&b64.decode(cb.encoded()).unwrap()).unwrap();
        assert_eq!(doc["callbackUrl"], "http://127.0.0.1:9/cb");
        assert_eq!(doc["callbackBody"], "b=${bucket}");
        assert_eq!(doc["callbackBodyType"], "application/x-www-form-urlencoded");
        let vars: serde_json::Value = serde_json::from_slice(&b64.decode(cb.encoded_vars().unwrap()).unwrap()).unwrap();
        assert_eq!(vars["x:u"], "1");
        assert_eq!(Callback::new("u", "b").encoded_vars(), None);
    }
}
