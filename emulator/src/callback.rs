//! Upload callbacks (fact sheet §9): after PutObject or CompleteMultipartUpload stores the
//! object, the emulator POSTs the rendered `callbackBody` to the `callbackUrl`, signed as OSS
//! signs it (RSA-MD5 over path, query and body) with its own key, whose public half it serves at
//! the `x-oss-pub-key-url` it sends. The callback server's JSON becomes the answer; anything
//! else is 203 CallbackFailed with the object stored.
//!
//! Only loopback addresses are called (plus the hosts `callback_hosts` lists): no request can
//! make the emulator reach the network. Host names other than `localhost` are never resolved.

use std::net::IpAddr;
use std::sync::OnceLock;
use std::time::Duration;

use base64::Engine;
use serde::Deserialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use oss_protocol::xml::CallbackPolicyItem;

use crate::error::{Code, OssError, Result};

/// Base64 of the callback or its variables may not exceed this.
const MAX_ENCODED: usize = 5 * 1024;
const MAX_URLS: usize = 5;
/// The callback server must answer within this, with at most this much JSON.
const TIMEOUT: Duration = Duration::from_secs(5);
const MAX_ANSWER: usize = 1024 * 1024;
/// Where the emulator serves the public key of its callback signatures.
pub const PUBLIC_KEY_PATH: &str = "/_emulator/callback/public-key.pem";

fn invalid(message: &'static str) -> OssError {
    OssError::new(Code::InvalidArgument).message(message)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyType {
    Form,
    Json,
}

/// One callback target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    pub secure: bool,
    pub host: String,
    pub port: u16,
    /// Path and query, as given (`/` when empty).
    pub target: String,
}

/// A validated callback request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Callback {
    pub urls: Vec<Url>,
    pub host: Option<String>,
    pub body: String,
    pub body_type: BodyType,
    /// `x:` variables, lowercase names.
    pub vars: Vec<(String, String)>,
}

#[derive(Deserialize)]
struct Document {
    #[serde(rename = "callbackUrl", default)]
    url: String,
    #[serde(rename = "callbackHost", default)]
    host: Option<String>,
    #[serde(rename = "callbackBody", default)]
    body: String,
    #[serde(rename = "callbackBodyType", default)]
    body_type: Option<String>,
}

/// A callback that names one of the bucket's stored callbacks instead of spelling one out.
#[derive(Deserialize)]
struct PolicyReference {
    #[serde(rename = "callbackPolicy")]
    name: String,
}

/// `x-oss-callback` (or `?callback=`) and its variables, from either place but not both.
fn sourced<'a>(
    headers: &'a http::HeaderMap,
    query: &'a [(String, String)],
    header: &str,
    param: &str,
) -> Result<Option<&'a str>> {
    let from_header = headers.get(header).map(|v| v.to_str().unwrap_or_default());
    let from_query = query.iter().find(|(n, _)| n == param).map(|(_, v)| v.as_str());
    match (from_header, from_query) {
        (Some(_), Some(_)) => Err(invalid(if param == "callback" {
            "Either the callback query string parameter or the x-oss-callback header should be specified, not both."
        } else {
            "Either the callback-var query string parameter or the x-oss-callback-var header should be specified, not both."
        })),
        (one, other) => Ok(one.or(other).map(str::trim)),
    }
}

impl Callback {
    /// The callback a request asks for, validated before anything is stored; `policies` are the
    /// bucket's named callbacks, which `{"callbackPolicy":"<name>"}` refers to.
    pub fn requested(
        headers: &http::HeaderMap,
        query: &[(String, String)],
        policies: &[CallbackPolicyItem],
    ) -> Result<Option<Callback>> {
        let Some(encoded) = sourced(headers, query, "x-oss-callback", "callback")? else { return Ok(None) };
        let vars = sourced(headers, query, "x-oss-callback-var", "callback-var")?;
        match stored_policy(encoded, policies)? {
            Some(item) => {
                Callback::parse(&item.callback, Some(item.callback_var.as_str()).filter(|v| !v.is_empty()).or(vars))
            }
            None => Callback::parse(encoded, vars),
        }
        .map(Some)
    }

    /// PostObject's form: the `callback` field, and its variables as `x:` fields of their own.
    pub fn from_form(encoded: &str, vars: &[(String, String)], policies: &[CallbackPolicyItem]) -> Result<Callback> {
        let stored = stored_policy(encoded, policies)?;
        let mut callback = Callback::parse(stored.map_or(encoded, |item| item.callback.as_str()), None)?;
        callback.vars = vars.iter().filter(|(n, _)| n.starts_with("x:")).cloned().collect();
        Ok(callback)
    }

    pub fn parse(encoded: &str, encoded_vars: Option<&str>) -> Result<Callback> {
        if encoded.len() > MAX_ENCODED {
            return Err(invalid("The length of callback exceed max value."));
        }
        let b64 = base64::engine::general_purpose::STANDARD;
        let raw = b64.decode(encoded).map_err(|_| invalid("The callback configuration is not base64 encoded."))?;
        let doc: Document =
            serde_json::from_slice(&raw).map_err(|_| invalid("The callback configuration is not json format."))?;
        let urls: Vec<&str> = doc.url.split(';').map(str::trim).filter(|u| !u.is_empty()).collect();
        if urls.is_empty() {
            return Err(invalid("The callback url configuration is invalid."));
        }
        if urls.len() > MAX_URLS {
            return Err(invalid("The number of callback url exceed max value."));
        }
        let urls = urls.into_iter().map(parse_url).collect::<Result<Vec<_>>>()?;
        let host = doc.host.map(|h| h.trim().to_owned()).filter(|h| !h.is_empty());
        if host.as_deref().is_some_and(|h| h.contains(['/', ' '])) {
            return Err(invalid("The callback host configuration is invalid."));
        }
        if doc.body.trim().is_empty() {
            return Err(invalid("The callback body is empty."));
        }
        if !template_is_valid(&doc.body) {
            return Err(invalid("The callback body is invalid."));
        }
        let body_type = match doc.body_type.as_deref().map(str::trim) {
            None | Some("") | Some("application/x-www-form-urlencoded") => BodyType::Form,
            Some("application/json") => BodyType::Json,
            Some(_) => return Err(invalid("The callback body type configuration is invalid.")),
        };
        let vars = match encoded_vars {
            None => Vec::new(),
            Some(encoded) => {
                if encoded.len() > MAX_ENCODED {
                    return Err(invalid("The length of callback var exceed max value."));
                }
                let raw = b64.decode(encoded).map_err(|_| invalid("The callback var is not expecten json."))?;
                let map: serde_json::Map<String, serde_json::Value> =
                    serde_json::from_slice(&raw).map_err(|_| invalid("The callback var is not expecten json."))?;
                // Only `x:` names are variables; OSS accepts other members and ignores them (the
                // oss2 suite sends some and expects the upload to go on).
                map.into_iter()
                    .filter(|(name, _)| name.starts_with("x:"))
                    .map(|(name, value)| {
                        let text = match value {
                            serde_json::Value::String(s) => s,
                            other => other.to_string(),
                        };
                        (name, text)
                    })
                    .collect()
            }
        };
        Ok(Callback { urls, host, body: doc.body, body_type, vars })
    }
}

/// The stored callback `encoded` names, if it is a `{"callbackPolicy": …}` reference. A name the
/// bucket does not have is an invalid callback (UNCONFIRMED: OSS documents no message for it).
fn stored_policy<'a>(encoded: &str, policies: &'a [CallbackPolicyItem]) -> Result<Option<&'a CallbackPolicyItem>> {
    let b64 = base64::engine::general_purpose::STANDARD;
    let Some(reference) = b64.decode(encoded).ok().and_then(|raw| serde_json::from_slice::<PolicyReference>(&raw).ok())
    else {
        return Ok(None);
    };
    match policies.iter().find(|p| p.name == reference.name) {
        Some(item) => Ok(Some(item)),
        None => Err(invalid("The callback policy of the bucket does not exist.")),
    }
}

/// PutBucketCallbackPolicy: every named callback must be one `x-oss-callback` could carry.
pub fn validate_policies(items: &[CallbackPolicyItem]) -> Result<()> {
    for item in items {
        if item.name.trim().is_empty() {
            return Err(invalid("The callback policy name is empty."));
        }
        Callback::parse(&item.callback, Some(item.callback_var.as_str()).filter(|v| !v.is_empty()))?;
    }
    Ok(())
}

fn parse_url(raw: &str) -> Result<Url> {
    let bad = || invalid("The callback url configuration is invalid.");
    let (secure, rest) = match raw.split_once("://") {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => (false, rest),
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("https") => (true, rest),
        Some(_) => return Err(bad()),
        None => (false, raw),
    };
    let cut = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, target) = rest.split_at(cut);
    let target = match target {
        "" => "/".to_owned(),
        t if t.starts_with('?') => format!("/{t}"),
        t => t.to_owned(),
    };
    let (host, port) = match authority.rsplit_once(':').filter(|(h, _)| !h.ends_with(']') || !h.contains('[')) {
        // `[::1]:8080` and `host:port`; a bare `[::1]` has its colons inside the brackets.
        Some((host, port)) if !authority.ends_with(']') => (host, port.parse::<u16>().map_err(|_| bad())?),
        _ => (authority, if secure { 443 } else { 80 }),
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() || host.contains(['@', ' ']) {
        return Err(bad());
    }
    Ok(Url { secure, host: host.to_owned(), port, target })
}

/// `${name}` (or `$(name)`) placeholders must close.
fn template_is_valid(body: &str) -> bool {
    let mut rest = body;
    while let Some(at) = rest.find('$') {
        rest = &rest[at + 1..];
        let close = match rest.chars().next() {
            Some('{') => '}',
            Some('(') => ')',
            _ => continue,
        };
        match rest.find(close) {
            Some(end) if end > 1 => rest = &rest[end + 1..],
            _ => return false,
        }
    }
    true
}

/// What the template's system variables stand for.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub bucket: String,
    pub object: String,
    /// Without quotes, as OSS sends it.
    pub etag: String,
    pub size: u64,
    pub mime_type: String,
    pub crc64: u64,
    pub content_md5: String,
    pub operation: String,
}

impl Callback {
    /// The body to send: each known variable replaced (URL-encoded for a form, a JSON value for
    /// JSON); an unknown one becomes empty, as OSS renders a missing variable. Of the newer
    /// system variables (UNCONFIRMED in the fact sheet) those the stored object answers are
    /// filled; `${reqId}` and `${clientIp}` render empty.
    pub fn render(&self, facts: &Facts) -> String {
        let mut out = String::with_capacity(self.body.len());
        let mut rest = self.body.as_str();
        while let Some(at) = rest.find('$') {
            out.push_str(&rest[..at]);
            rest = &rest[at..];
            let close = match rest.as_bytes().get(1) {
                Some(b'{') => '}',
                Some(b'(') => ')',
                _ => {
                    out.push('$');
                    rest = &rest[1..];
                    continue;
                }
            };
            let Some(end) = rest.find(close) else { break };
            let name = &rest[2..end];
            rest = &rest[end + 1..];
            let (text, number) = match name {
                "bucket" => (facts.bucket.clone(), false),
                "object" => (facts.object.clone(), false),
                "etag" => (facts.etag.clone(), false),
                "size" => (facts.size.to_string(), true),
                "mimeType" => (facts.mime_type.clone(), false),
                "crc64" => (facts.crc64.to_string(), false),
                "contentMd5" => (facts.content_md5.clone(), false),
                "operation" => (facts.operation.clone(), false),
                n if n.starts_with("imageInfo.") => (String::new(), false),
                n => (self.vars.iter().find(|(v, _)| v == n).map(|(_, t)| t.clone()).unwrap_or_default(), false),
            };
            match self.body_type {
                BodyType::Form => out.push_str(&oss_protocol::encoding::uri_encode(&text, false)),
                BodyType::Json if number => out.push_str(&text),
                BodyType::Json => out.push_str(&serde_json::Value::String(text).to_string()),
            }
        }
        out.push_str(rest);
        out
    }

    pub fn content_type(&self) -> &'static str {
        match self.body_type {
            BodyType::Form => "application/x-www-form-urlencoded",
            BodyType::Json => "application/json",
        }
    }
}

/// How a callback ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The server's JSON, to become the upload's answer.
    Answered(Vec<u8>),
    /// The CallbackFailed message.
    Failed(String),
}

/// The emulator's callback key pair (1024-bit, as OSS's own public key is), made on first use.
fn key() -> &'static rsa::RsaPrivateKey {
    static KEY: OnceLock<rsa::RsaPrivateKey> = OnceLock::new();
    KEY.get_or_init(|| {
        let mut rng = rand::thread_rng();
        rsa::RsaPrivateKey::new(&mut rng, 1024).expect("RSA key generation")
    })
}

/// The PEM the emulator serves at [`PUBLIC_KEY_PATH`].
pub async fn public_key_pem() -> Result<String> {
    use rsa::pkcs8::EncodePublicKey;
    let pem = tokio::task::spawn_blocking(|| key().to_public_key().to_public_key_pem(rsa::pkcs8::LineEnding::LF))
        .await
        .map_err(|e| OssError::internal("callback key", e))?;
    pem.map_err(|e| OssError::internal("callback key", e))
}

/// `base64(RSA-MD5(url_decode(path) + query + "\n" + body))`, OSS's callback signature.
fn sign(target: &str, body: &str) -> String {
    use rsa::signature::{SignatureEncoding, Signer};
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p, format!("?{q}")),
        None => (target, String::new()),
    };
    let decoded = oss_protocol::encoding::percent_decode_lossy(path, false);
    let signed = format!("{decoded}{query}\n{body}");
    let signer = rsa::pkcs1v15::SigningKey::<md5::Md5>::new(key().clone());
    base64::engine::general_purpose::STANDARD.encode(signer.sign(signed.as_bytes()).to_bytes())
}

/// Whether the emulator may call `host`: loopback, or listed.
fn allowed(host: &str, listed: &[String]) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
        || listed.iter().any(|h| h.eq_ignore_ascii_case(host))
}

/// Calls the URLs in order until one answers well. `key_url` is the full URL of the public key.
pub async fn run(callback: &Callback, facts: &Facts, key_url: &str, listed: &[String]) -> Outcome {
    let body = callback.render(facts);
    let signature = {
        let body = body.clone();
        let targets: Vec<String> = callback.urls.iter().map(|u| u.target.clone()).collect();
        tokio::task::spawn_blocking(move || targets.iter().map(|t| sign(t, &body)).collect::<Vec<_>>()).await
    };
    let Ok(signatures) = signature else { return Outcome::Failed("Error Status : -1.Internal error.".to_owned()) };
    let key_url = base64::engine::general_purpose::STANDARD.encode(key_url);
    let mut last =
        Outcome::Failed("Error Status : -1.OSS can not connect to your callbackUrl, please check it.".to_owned());
    for (url, signature) in callback.urls.iter().zip(signatures) {
        if !allowed(&url.host, listed) {
            last = Outcome::Failed(format!(
                "Error Status : -1.OSS can not connect to your callbackUrl, please check it. (The OSS emulator calls back loopback addresses only; {} is not one: allow it with --callback-allow.)",
                url.host
            ));
            continue;
        }
        if url.secure {
            last = Outcome::Failed("Error Status : -1.The OSS emulator calls back over http only.".to_owned());
            continue;
        }
        let host = callback.host.clone().unwrap_or_else(|| match url.port {
            80 => url.host.clone(),
            port => format!("{}:{port}", url.host),
        });
        let request = format!(
            "POST {} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Type: {}\r\nContent-Length: {}\r\nUser-Agent: http-client/0.0.1\r\nAuthorization: {signature}\r\nx-oss-pub-key-url: {key_url}\r\n\r\n{body}",
            url.target,
            callback.content_type(),
            body.len(),
        );
        last = match tokio::time::timeout(TIMEOUT, exchange(url, request.as_bytes())).await {
            Err(_) => Outcome::Failed("Cost too long time.".to_owned()),
            Ok(outcome) => outcome,
        };
        if matches!(last, Outcome::Answered(_)) {
            break;
        }
    }
    last
}

async fn exchange(url: &Url, request: &[u8]) -> Outcome {
    let unreachable =
        || Outcome::Failed("Error Status : -1.OSS can not connect to your callbackUrl, please check it.".to_owned());
    let Ok(mut stream) = tokio::net::TcpStream::connect((url.host.as_str(), url.port)).await else {
        return unreachable();
    };
    if stream.write_all(request).await.is_err() {
        return unreachable();
    }
    let mut answer = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    let head_end = loop {
        if let Some(at) = answer.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return unreachable(),
            Ok(n) => answer.extend_from_slice(&chunk[..n]),
        }
        if answer.len() > 64 * 1024 {
            return Outcome::Failed("Error Status : -1.The callback server's headers are too long.".to_owned());
        }
    };
    let head = String::from_utf8_lossy(&answer[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let status: u16 = lines.next().and_then(|l| l.split_whitespace().nth(1)).and_then(|s| s.parse().ok()).unwrap_or(0);
    let length = lines
        .filter_map(|l| l.split_once(':'))
        .find(|(n, _)| n.trim().eq_ignore_ascii_case("content-length"))
        .map(|(_, v)| v.trim().parse::<usize>());
    if status != 200 {
        return Outcome::Failed(format!("Error status : {status}."));
    }
    let length = match length {
        None => return Outcome::Failed("Error Status : 400.User server missing content-length.".to_owned()),
        Some(Err(_)) => {
            return Outcome::Failed("Error Status : 400.User server return invalid conent-length value.".to_owned())
        }
        Some(Ok(n)) if n > MAX_ANSWER => {
            return Outcome::Failed("Error Status : 400.User server return too long content-length value.".to_owned())
        }
        Some(Ok(n)) => n,
    };
    let mut body = answer.split_off(head_end + 4);
    while body.len() < length {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => body.extend_from_slice(&chunk[..n]),
        }
    }
    body.truncate(length);
    if serde_json::from_slice::<serde_json::Value>(&body).is_err() {
        return Outcome::Failed("Response body is not valid json format.".to_owned());
    }
    Outcome::Answered(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(json: &str) -> String {
        base64::engine::general_purpose::STANDARD.encode(json)
    }

    #[test]
    fn callbacks_are_validated_as_oss_validates_them() {
        let parse = |json: &str| Callback::parse(&encode(json), None).map_err(|e| e.message.into_owned());
        assert_eq!(parse("{").unwrap_err(), "The callback configuration is not json format.");
        assert_eq!(
            Callback::parse("%%", None).unwrap_err().message,
            "The callback configuration is not base64 encoded."
        );
        assert_eq!(parse(r#"{"callbackBody":"a"}"#).unwrap_err(), "The callback url configuration is invalid.");
        assert_eq!(
            parse(r#"{"callbackUrl":"10.101.166.30:test","callbackBody":"a"}"#).unwrap_err(),
            "The callback url configuration is invalid."
        );
        assert_eq!(parse(r#"{"callbackUrl":"http://a"}"#).unwrap_err(), "The callback body is empty.");
        assert_eq!(
            parse(r#"{"callbackUrl":"http://a","callbackBody":"x=${bucket"}"#).unwrap_err(),
            "The callback body is invalid."
        );
        let six = r#"{"callbackUrl":"a;b;c;d;e;f","callbackBody":"x"}"#;
        assert_eq!(parse(six).unwrap_err(), "The number of callback url exceed max value.");
        let bad_type = r#"{"callbackUrl":"http://a","callbackBody":"x","callbackBodyType":"text/plain"}"#;
        assert_eq!(parse(bad_type).unwrap_err(), "The callback body type configuration is invalid.");
        let ok = parse(r#"{"callbackUrl":"http://127.0.0.1:8080/cb?x=1;[::1]","callbackBody":"b=${bucket}"}"#).unwrap();
        assert_eq!(ok.urls[0], Url { secure: false, host: "127.0.0.1".into(), port: 8080, target: "/cb?x=1".into() });
        assert_eq!(ok.urls[1], Url { secure: false, host: "::1".into(), port: 80, target: "/".into() });
    }

    #[test]
    fn templates_render_per_body_type() {
        let facts = Facts {
            bucket: "b".into(),
            object: "a b/c".into(),
            size: 5,
            mime_type: "text/plain".into(),
            ..Default::default()
        };
        let vars = encode(r#"{"x:v":"1 2","other":"ignored"}"#);
        let form = Callback::parse(&encode(r#"{"callbackUrl":"http://a","callbackBody":"o=${object}&m=$(mimeType)&v=${x:v}&i=${imageInfo.width}&s=${size}"}"#), Some(&vars)).unwrap();
        assert_eq!(form.vars, [("x:v".to_owned(), "1 2".to_owned())]);
        assert_eq!(form.render(&facts), "o=a%20b%2Fc&m=text%2Fplain&v=1%202&i=&s=5");
        let json = Callback::parse(&encode(r#"{"callbackUrl":"http://a","callbackBody":"{\"o\":${object},\"s\":${size}}","callbackBodyType":"application/json"}"#), None).unwrap();
        assert_eq!(json.render(&facts), r#"{"o":"a b/c","s":5}"#);
    }

    #[test]
    fn only_loopback_or_listed_hosts_are_called() {
        assert!(allowed("127.0.0.1", &[]) && allowed("::1", &[]) && allowed("LOCALHOST", &[]));
        assert!(!allowed("10.0.0.1", &[]) && !allowed("cbsrv.example", &[]));
        assert!(allowed("cbsrv.example", &["cbsrv.example".to_owned()]));
    }
}
