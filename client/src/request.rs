//! The raw request builder every typed operation goes through, and the responses it yields.

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use futures_util::stream::Stream;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use oss_protocol::headers as h;
use oss_protocol::sign::{self, SignableRequest, V1Resource};
use oss_protocol::time::{format_http_date, format_v4_datetime};
use reqwest::{Method, Url};
use serde::de::DeserializeOwned;

use crate::client::Client;
use crate::config::{Credentials, SignatureVersion};
use crate::error::{Error, ServiceError};
use crate::retry::{self, Retry};

enum Body {
    Empty,
    Bytes(Bytes),
    Stream(reqwest::Body),
}

impl Body {
    /// A copy for another attempt; a stream can be sent only once.
    fn try_clone(&self) -> Option<Body> {
        match self {
            Body::Empty => Some(Body::Empty),
            Body::Bytes(b) => Some(Body::Bytes(b.clone())),
            Body::Stream(_) => None,
        }
    }
}

impl Client {
    /// A raw request: the escape hatch for anything the typed operations do not cover, and for
    /// malformed input. `bucket` and `key` are the decoded names; they are encoded into the URL
    /// and signed as they are.
    pub fn request(&self, method: Method, bucket: Option<&str>, key: Option<&str>) -> RequestBuilder {
        RequestBuilder::new(self.clone(), method, bucket, key)
    }
}

/// A request under construction. Header names are lowercased on entry; everything added with
/// [`header`](Self::header) is both sent and signed, exactly as given.
pub struct RequestBuilder {
    client: Client,
    method: Method,
    bucket: Option<String>,
    key: Option<String>,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    unsigned_headers: Vec<(String, String)>,
    removed_headers: Vec<String>,
    body: Body,
    sign: bool,
    date: Option<SystemTime>,
    credentials: Option<Option<Credentials>>,
    signature: Option<SignatureVersion>,
    region: Option<String>,
    additional_headers: Vec<String>,
    raw_path: Option<String>,
    raw_query: Option<String>,
    host: Option<String>,
    timeout: Option<Duration>,
    idempotent: Option<bool>,
}

impl RequestBuilder {
    pub(crate) fn new(client: Client, method: Method, bucket: Option<&str>, key: Option<&str>) -> Self {
        let headers = match client.config().request_payer {
            true => vec![(oss_protocol::headers::REQUEST_PAYER.to_owned(), "requester".to_owned())],
            false => Vec::new(),
        };
        RequestBuilder {
            client,
            method,
            bucket: bucket.map(str::to_owned),
            key: key.map(str::to_owned),
            query: Vec::new(),
            headers,
            unsigned_headers: Vec::new(),
            removed_headers: Vec::new(),
            body: Body::Empty,
            sign: true,
            date: None,
            credentials: None,
            signature: None,
            region: None,
            additional_headers: Vec::new(),
            raw_path: None,
            raw_query: None,
            host: None,
            timeout: None,
            idempotent: None,
        }
    }

    /// Whether sending this request twice has the effect of sending it once, which lets the
    /// configured [`crate::RetryPolicy`] retry it. Defaults to true for GET, HEAD, PUT and DELETE.
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = Some(idempotent);
        self
    }

    fn try_clone(&self) -> Option<RequestBuilder> {
        Some(RequestBuilder {
            client: self.client.clone(),
            method: self.method.clone(),
            bucket: self.bucket.clone(),
            key: self.key.clone(),
            query: self.query.clone(),
            headers: self.headers.clone(),
            unsigned_headers: self.unsigned_headers.clone(),
            removed_headers: self.removed_headers.clone(),
            body: self.body.try_clone()?,
            sign: self.sign,
            date: self.date,
            credentials: self.credentials.clone(),
            signature: self.signature,
            region: self.region.clone(),
            additional_headers: self.additional_headers.clone(),
            raw_path: self.raw_path.clone(),
            raw_query: self.raw_query.clone(),
            host: self.host.clone(),
            timeout: self.timeout,
            idempotent: self.idempotent,
        })
    }

    /// Sends with the client's retry policy: each attempt is signed anew (with the corrected
    /// clock after a skew error). A streamed body is sent once.
    async fn send_with_retries<T, F, Fut>(self, send: F) -> Result<T, Error>
    where
        F: Fn(PreparedRequest) -> Fut,
        Fut: std::future::Future<Output = Result<T, Error>>,
    {
        let client = self.client.clone();
        let rule = Retry {
            idempotent: self
                .idempotent
                .unwrap_or(matches!(self.method, Method::GET | Method::HEAD | Method::PUT | Method::DELETE)),
            clock_correctable: self.date.is_none(),
        };
        match self.try_clone() {
            Some(_) => {
                retry::run(&client, rule, || {
                    let next = self.try_clone();
                    let send = &send;
                    async move {
                        let next = next.ok_or_else(|| Error::usage("the request body cannot be repeated"))?;
                        send(next.prepare()?).await
                    }
                })
                .await
            }
            None => {
                let result = send(self.prepare()?).await;
                if let Err(e) = &result {
                    // Nothing to retry with, but the next request benefits from the correction.
                    if rule.clock_correctable {
                        client.learn_clock(e);
                    }
                }
                result
            }
        }
    }

    /// A decoded query parameter; an empty value is sent as a bare name (`?uploads`). Repeats are
    /// kept in order.
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }

    /// Adds the parameter only when `value` is `Some`.
    pub fn query_opt(self, name: &str, value: Option<impl Into<String>>) -> Self {
        match value {
            Some(v) => self.query(name, v),
            None => self,
        }
    }

    /// A header that is sent and signed. Repeats are sent as separate lines (and merged with `,`
    /// by the signer, as servers do). Setting `date`, `x-oss-date`, `x-oss-content-sha256`,
    /// `x-oss-security-token`, `authorization`, `host` or `content-length` replaces what the
    /// builder would have put there.
    pub fn header(mut self, name: impl AsRef<str>, value: impl Into<String>) -> Self {
        self.headers.push((name.as_ref().to_ascii_lowercase(), value.into()));
        self
    }

    pub fn header_opt(self, name: &str, value: Option<impl Into<String>>) -> Self {
        match value {
            Some(v) => self.header(name, v),
            None => self,
        }
    }

    /// A header added after signing: sent but not covered by the signature, to tamper with a
    /// signed request.
    pub fn unsigned_header(mut self, name: impl AsRef<str>, value: impl Into<String>) -> Self {
        self.unsigned_headers.push((name.as_ref().to_ascii_lowercase(), value.into()));
        self
    }

    /// Drops a header after signing, e.g. `date` to send a request without one.
    pub fn without_header(mut self, name: impl AsRef<str>) -> Self {
        self.removed_headers.push(name.as_ref().to_ascii_lowercase());
        self
    }

    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = Body::Bytes(body.into());
        self
    }

    /// A streamed body, sent chunked unless a `content-length` header is set.
    pub fn body_stream<S>(mut self, stream: S) -> Self
    where
        S: futures_util::TryStream + Send + 'static,
        S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
        Bytes: From<S::Ok>,
    {
        self.body = Body::Stream(reqwest::Body::wrap_stream(stream));
        self
    }

    /// Whether to sign (default true; anonymous clients never sign).
    pub fn sign(mut self, sign: bool) -> Self {
        self.sign = sign;
        self
    }

    /// The clock to sign with (and to put in `Date`/`x-oss-date`), for skew tests.
    pub fn date(mut self, date: SystemTime) -> Self {
        self.date = Some(date);
        self
    }

    /// Signs this request with other credentials (`None` = anonymous).
    pub fn credentials(mut self, credentials: Option<Credentials>) -> Self {
        self.credentials = Some(credentials);
        self
    }

    pub fn signature_version(mut self, version: SignatureVersion) -> Self {
        self.signature = Some(version);
        self
    }

    /// The V4 scope region for this request.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Headers to declare in V4 `AdditionalHeaders` (filtered as the SDKs do).
    pub fn additional_headers<I: IntoIterator<Item = S>, S: Into<String>>(mut self, names: I) -> Self {
        self.additional_headers = names.into_iter().map(Into::into).collect();
        self
    }

    /// Sends this path verbatim (already encoded) instead of the one built from bucket and key;
    /// the signature still covers bucket and key.
    pub fn raw_path(mut self, path: impl Into<String>) -> Self {
        self.raw_path = Some(path.into());
        self
    }

    /// Sends this query string verbatim (already encoded, without `?`); the signature still
    /// covers the pairs given to [`query`](Self::query).
    pub fn raw_query(mut self, query: impl Into<String>) -> Self {
        self.raw_query = Some(query.into());
        self
    }

    /// The Host header for this request.
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.host = Some(host.into());
        self
    }

    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Builds and signs the request without sending it.
    pub fn prepare(self) -> Result<PreparedRequest, Error> {
        let config = &self.client.inner.config;
        let target = self.client.target(
            self.bucket.as_deref(),
            self.key.as_deref(),
            self.raw_path.as_deref(),
            &self.query,
            self.raw_query.as_deref(),
        )?;
        let now = self.date.unwrap_or_else(|| self.client.now());
        let creds = match &self.credentials {
            Some(c) => c.clone(),
            None => config.current_credentials(),
        };
        let creds = creds.filter(|_| self.sign);
        let version = self.signature.unwrap_or(config.signature);
        let region = self.region.as_deref().unwrap_or(&config.region);

        let mut headers = self.headers;
        let has = |headers: &[(String, String)], name: &str| headers.iter().any(|(n, _)| n == name);
        let value = |headers: &[(String, String)], name: &str| {
            headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()).unwrap_or_default()
        };
        if !has(&headers, "host") {
            headers.insert(0, ("host".to_owned(), self.host.clone().unwrap_or(target.host.clone())));
        }
        if !has(&headers, "date") {
            headers.push(("date".to_owned(), format_http_date(now)));
        }
        let empty_body = match &self.body {
            Body::Empty => true,
            Body::Bytes(b) => b.is_empty(),
            Body::Stream(_) => false,
        };
        // hyper sends no Content-Length for an empty body, and OSS answers a bodiless PUT or POST
        // without one with 411 MissingContentLength.
        if empty_body && matches!(self.method, Method::PUT | Method::POST) && !has(&headers, "content-length") {
            headers.push(("content-length".to_owned(), "0".to_owned()));
        }

        let mut string_to_sign = None;
        if let Some(creds) = &creds {
            if let Some(token) = &creds.security_token {
                if !has(&headers, h::SECURITY_TOKEN) {
                    headers.push((h::SECURITY_TOKEN.to_owned(), token.clone()));
                }
            }
            let method = self.method.as_str();
            let authorization = match version {
                SignatureVersion::V1 => {
                    let date = value(&headers, "date");
                    let req = signable(method, &self.bucket, &self.key, &self.query, &headers);
                    string_to_sign = Some(sign::v1_string_to_sign(&req, &date, V1Resource::SubResources));
                    sign::sign_v1_header(&req, creds, &date)
                }
                SignatureVersion::V4 => {
                    if !has(&headers, h::DATE) {
                        headers.push((h::DATE.to_owned(), format_v4_datetime(now)));
                    }
                    if !has(&headers, h::CONTENT_SHA256) {
                        headers.push((h::CONTENT_SHA256.to_owned(), sign::UNSIGNED_PAYLOAD.to_owned()));
                    }
                    let datetime = value(&headers, h::DATE);
                    let requested: Vec<&str> = self.additional_headers.iter().map(String::as_str).collect();
                    let additional = sign::v4_additional_headers(&requested, &headers);
                    let req = signable(method, &self.bucket, &self.key, &self.query, &headers);
                    let product = &config.product;
                    string_to_sign = Some(v4_string_to_sign(&req, &additional, region, product, &datetime));
                    sign::sign_v4_header(&req, creds, region, product, &datetime, &additional)
                }
            };
            if !has(&headers, "authorization") {
                headers.push(("authorization".to_owned(), authorization));
            }
        }
        headers.extend(self.unsigned_headers);
        headers.retain(|(n, _)| !self.removed_headers.contains(n));

        Ok(PreparedRequest {
            client: self.client.clone(),
            method: self.method,
            url: target.url,
            headers,
            string_to_sign,
            body: self.body,
            timeout: self.timeout,
        })
    }

    /// Sends and reads the whole answer; a non-2xx status becomes [`Error::Service`]. Retried
    /// per the client's [`crate::RetryPolicy`].
    pub async fn send(self) -> Result<Response, Error> {
        self.send_with_retries(PreparedRequest::send).await
    }

    /// Sends once and reads the whole answer whatever its status; only transport failures are
    /// errors. Never retried: the escape hatch shows exactly what one request got.
    pub async fn send_raw(self) -> Result<Response, Error> {
        self.prepare()?.send_raw().await
    }

    /// Sends and returns as soon as the headers are in; the body is read on demand. A non-2xx
    /// status is read in full and becomes [`Error::Service`]. Retried until the headers arrive.
    pub async fn send_streaming(self) -> Result<StreamingResponse, Error> {
        self.send_with_retries(PreparedRequest::send_streaming).await
    }
}

fn signable<'a>(
    method: &'a str,
    bucket: &'a Option<String>,
    key: &'a Option<String>,
    query: &'a [(String, String)],
    headers: &'a [(String, String)],
) -> SignableRequest<'a> {
    SignableRequest { method, bucket: bucket.as_deref(), key: key.as_deref(), query, headers }
}

/// The V4 string to sign, kept for comparison with the server's `<StringToSign>`.
fn v4_string_to_sign(
    req: &SignableRequest<'_>,
    additional: &[String],
    region: &str,
    product: &str,
    datetime: &str,
) -> String {
    let hashed = req
        .headers
        .iter()
        .find(|(n, _)| n == h::CONTENT_SHA256)
        .map(|(_, v)| v.as_str())
        .unwrap_or(sign::UNSIGNED_PAYLOAD);
    let canonical = sign::v4_canonical_request(req, additional, hashed, None);
    let date = datetime.get(..8).unwrap_or(datetime);
    sign::v4_string_to_sign(datetime, &sign::v4_scope(date, region, product), &canonical)
}

/// A signed request, ready to go. Inspecting it shows exactly what will be sent.
pub struct PreparedRequest {
    client: Client,
    pub method: Method,
    pub url: Url,
    /// Every header that will be sent, lowercase, in order (Host first). reqwest adds only
    /// `accept`, `user-agent` and the body framing.
    pub headers: Vec<(String, String)>,
    /// The V1 string to sign or the V4 string to sign; `None` when unsigned.
    pub string_to_sign: Option<String>,
    body: Body,
    timeout: Option<Duration>,
}

impl std::fmt::Debug for PreparedRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreparedRequest")
            .field("method", &self.method)
            .field("url", &self.url.as_str())
            .field("headers", &self.headers)
            .field("string_to_sign", &self.string_to_sign)
            .finish_non_exhaustive()
    }
}

impl PreparedRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    async fn execute(self) -> Result<reqwest::Response, Error> {
        let mut header_map = HeaderMap::new();
        for (name, value) in &self.headers {
            let n = HeaderName::from_bytes(name.as_bytes())
                .map_err(|e| Error::usage(format!("header name {name:?}: {e}")))?;
            let v = HeaderValue::from_str(value)
                .map_err(|e| Error::usage(format!("header {name} value {value:?}: {e}")))?;
            header_map.append(n, v);
        }
        let mut req = self.client.inner.http.request(self.method, self.url).headers(header_map);
        match self.body {
            Body::Empty => {}
            Body::Bytes(b) => req = req.body(b),
            Body::Stream(s) => req = req.body(s),
        }
        if let Some(t) = self.timeout {
            req = req.timeout(t);
        }
        Ok(req.send().await?)
    }

    pub async fn send(self) -> Result<Response, Error> {
        let response = self.send_raw().await?;
        // 203 is how OSS says an upload's callback failed (CallbackFailed, the object stored):
        // an error the caller must see, with the upload's headers kept in it.
        if response.status.is_success() && response.status != StatusCode::NON_AUTHORITATIVE_INFORMATION {
            Ok(response)
        } else {
            Err(ServiceError::from_parts(response.status, response.headers, response.body).into())
        }
    }

    pub async fn send_raw(self) -> Result<Response, Error> {
        let resp = self.execute().await?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = resp.bytes().await?;
        Ok(Response { status, headers, body })
    }

    pub async fn send_streaming(self) -> Result<StreamingResponse, Error> {
        let resp = self.execute().await?;
        let status = resp.status();
        let headers = resp.headers().clone();
        if !status.is_success() {
            let body = resp.bytes().await?;
            return Err(ServiceError::from_parts(status, headers, body).into());
        }
        Ok(StreamingResponse { status, headers, inner: resp })
    }
}

/// A complete answer.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Response {
    /// A header as text (UTF-8 values included); `None` when absent or not UTF-8.
    pub fn header(&self, name: &str) -> Option<&str> {
        header_str(&self.headers, name)
    }

    /// Every value of a repeated header.
    pub fn header_all(&self, name: &str) -> Vec<&str> {
        self.headers.get_all(name).iter().filter_map(|v| std::str::from_utf8(v.as_bytes()).ok()).collect()
    }

    pub fn request_id(&self) -> Option<&str> {
        self.header(h::REQUEST_ID)
    }

    /// The body as text, invalid UTF-8 replaced.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as one of the oss-protocol XML models, checking the root element's name.
    pub fn xml<T: DeserializeOwned>(&self, root: &str) -> Result<T, Error> {
        parse_xml(self.status, &self.headers, &self.body, root)
    }

    /// `x-oss-hash-crc64ecma`; an unparsable value is an error.
    pub fn crc64(&self) -> Result<Option<u64>, Error> {
        header_u64(self.status, &self.headers, h::HASH_CRC64ECMA)
    }

    /// The answer read as an error, whatever its status (for `send_raw` users).
    pub fn into_service_error(self) -> ServiceError {
        ServiceError::from_parts(self.status, self.headers, self.body)
    }
}

/// A 2xx answer whose body has not been read yet.
#[derive(Debug)]
pub struct StreamingResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    inner: reqwest::Response,
}

impl StreamingResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        header_str(&self.headers, name)
    }

    /// The next piece of the body; `None` at the end.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>, Error> {
        Ok(self.inner.chunk().await?)
    }

    pub async fn bytes(self) -> Result<Bytes, Error> {
        Ok(self.inner.bytes().await?)
    }

    pub fn into_stream(self) -> impl Stream<Item = Result<Bytes, Error>> + Send {
        use futures_util::StreamExt;
        self.inner.bytes_stream().map(|r| r.map_err(Error::from))
    }
}

pub(crate) fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| std::str::from_utf8(v.as_bytes()).ok())
}

pub(crate) fn header_u64(status: StatusCode, headers: &HeaderMap, name: &str) -> Result<Option<u64>, Error> {
    match headers.get(name) {
        None => Ok(None),
        Some(v) => std::str::from_utf8(v.as_bytes())
            .ok()
            .and_then(|s| s.trim().parse::<u64>().ok())
            .map(Some)
            .ok_or_else(|| Error::invalid(format!("{name}: {v:?} is not a decimal integer"), status, headers)),
    }
}

pub(crate) fn parse_xml<T: DeserializeOwned>(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    root: &str,
) -> Result<T, Error> {
    let text = std::str::from_utf8(body).map_err(|_| Error::invalid("XML body is not UTF-8", status, headers))?;
    match oss_protocol::xml::root_name(text) {
        Some(name) if name == root => {}
        other => {
            return Err(Error::invalid(
                format!("expected an XML document with root <{root}>, got {other:?}"),
                status,
                headers,
            ))
        }
    }
    oss_protocol::xml::from_xml(text).map_err(|e| Error::invalid(format!("<{root}>: {e}"), status, headers))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Config;
    use oss_protocol::time::{from_unix_seconds, parse_http_date};
    use serde_json::Value;

    fn fixtures() -> Value {
        serde_json::from_str(include_str!("../../fixtures/signatures.json")).expect("fixture JSON")
    }

    fn pairs(v: &Value) -> Vec<(String, String)> {
        v.as_array()
            .expect("pairs")
            .iter()
            .map(|p| (p[0].as_str().unwrap().to_owned(), p[1].as_str().unwrap().to_owned()))
            .collect()
    }

    fn client(version: SignatureVersion, region: &str, case: &Value) -> Client {
        let mut config = Config::new("http://127.0.0.1:9000", region)
            .credentials(case["access_key_id"].as_str().unwrap(), case["access_key_secret"].as_str().unwrap())
            .signature(version);
        if let Some(token) = case["security_token"].as_str() {
            config = config.security_token(token);
        }
        Client::new(config).unwrap()
    }

    fn builder(c: &Client, case: &Value) -> RequestBuilder {
        let method = Method::from_bytes(case["method"].as_str().unwrap().as_bytes()).unwrap();
        let mut req = c.request(method, case["bucket"].as_str(), case["key"].as_str());
        for (n, v) in pairs(&case["query"]) {
            req = req.query(n, v);
        }
        for (n, v) in pairs(&case["headers"]) {
            req = req.header(n, v);
        }
        req
    }

    #[test]
    fn v1_header_vectors() {
        for case in fixtures()["v1_header"].as_array().unwrap() {
            let c = client(SignatureVersion::V1, "cn-hangzhou", case);
            let date = parse_http_date(case["date"].as_str().unwrap()).unwrap();
            let prepared = builder(&c, case).date(date).prepare().unwrap();
            assert_eq!(prepared.header("date"), case["date"].as_str());
            assert_eq!(prepared.string_to_sign.as_deref(), case["string_to_sign"].as_str(), "{}", case["name"]);
            assert_eq!(prepared.header("authorization"), case["authorization"].as_str(), "{}", case["name"]);
        }
    }

    #[test]
    fn v4_header_vectors() {
        for case in fixtures()["v4_header"].as_array().unwrap() {
            let mut c = client(SignatureVersion::V4, case["region"].as_str().unwrap(), case);
            let product = case["product"].as_str().unwrap();
            if product != "oss" {
                c = Client::new(c.config().clone().product(product)).unwrap();
            }
            let additional: Vec<String> =
                case["additional_headers"].as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_owned()).collect();
            let time = from_unix_seconds(case["time"].as_i64().unwrap());
            let prepared = builder(&c, case).date(time).additional_headers(additional).prepare().unwrap();
            assert_eq!(prepared.header("authorization"), case["authorization"].as_str(), "{}", case["name"]);
            assert_eq!(prepared.header("x-oss-date"), Some(format_v4_datetime(time).as_str()));
            assert_eq!(prepared.header("date"), Some(format_http_date(time).as_str()));
            assert_eq!(prepared.header("x-oss-security-token"), case["security_token"].as_str());
            // The fixture already carries x-oss-content-sha256; it must not be doubled.
            assert_eq!(prepared.headers.iter().filter(|(n, _)| n == "x-oss-content-sha256").count(), 1);
        }
    }

    #[test]
    fn v4_adds_required_headers() {
        let c = Client::new(Config::new("http://127.0.0.1:9000", "oss-cn-hangzhou").credentials("ak", "sk")).unwrap();
        let time = from_unix_seconds(1702743657);
        let p = c.request(Method::PUT, Some("b"), Some("a b/c+d")).date(time).prepare().unwrap();
        assert_eq!(p.url.as_str(), "http://127.0.0.1:9000/b/a%20b/c%2Bd");
        assert_eq!(p.headers[0], ("host".to_owned(), "127.0.0.1:9000".to_owned()));
        assert_eq!(p.header("x-oss-content-sha256"), Some("UNSIGNED-PAYLOAD"));
        assert_eq!(p.header("x-oss-date"), Some("20231216T162057Z"));
        assert_eq!(p.header("content-length"), Some("0"));
        let auth = p.header("authorization").unwrap();
        assert!(
            auth.starts_with("OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,Signature=")
        );
        let sts = p.string_to_sign.as_deref().unwrap();
        assert!(sts.starts_with("OSS4-HMAC-SHA256\n20231216T162057Z\n20231216/cn-hangzhou/oss/aliyun_v4_request\n"));
    }

    #[test]
    fn tampering_and_anonymous() {
        let c = Client::new(
            Config::new("http://127.0.0.1:9000", "cn-hangzhou")
                .credentials("ak", "sk")
                .signature(SignatureVersion::V1)
                .security_token("tok"),
        )
        .unwrap();
        let time = from_unix_seconds(1672223261);
        let signed = c.request(Method::GET, Some("b"), Some("k")).date(time).prepare().unwrap();
        assert_eq!(signed.header("x-oss-security-token"), Some("tok"));
        assert_eq!(
            signed.string_to_sign.as_deref(),
            Some("GET\n\n\nWed, 28 Dec 2022 10:27:41 GMT\nx-oss-security-token:tok\n/b/k")
        );
        let tampered = c
            .request(Method::GET, Some("b"), Some("k"))
            .date(time)
            .unsigned_header("x-oss-meta-extra", "1")
            .without_header("date")
            .prepare()
            .unwrap();
        assert_eq!(tampered.header("authorization"), signed.header("authorization"));
        assert_eq!(tampered.header("x-oss-meta-extra"), Some("1"));
        assert_eq!(tampered.header("date"), None);

        let unsigned = c.request(Method::GET, Some("b"), Some("k")).sign(false).prepare().unwrap();
        assert_eq!(unsigned.header("authorization"), None);
        assert_eq!(unsigned.header("x-oss-security-token"), None);
        assert!(unsigned.header("date").is_some());
        let anon = c.request(Method::GET, Some("b"), Some("k")).credentials(None).prepare().unwrap();
        assert_eq!(anon.header("authorization"), None);

        let own = c.request(Method::GET, Some("b"), None).header("Authorization", "OSS x:y").prepare().unwrap();
        assert_eq!(own.headers.iter().filter(|(n, _)| n == "authorization").count(), 1);
        assert_eq!(own.header("authorization"), Some("OSS x:y"));
    }

    #[test]
    fn host_header_is_signed_as_sent() {
        let c = Client::new(
            Config::new("http://127.0.0.1:9000", "cn-hangzhou")
                .credentials("ak", "sk")
                .addressing(crate::Addressing::VirtualHost)
                .host_override(Some("oss-cn-hangzhou.aliyuncs.com".into())),
        )
        .unwrap();
        let p = c
            .request(Method::GET, Some("b"), Some("k"))
            .additional_headers(["host"])
            .date(from_unix_seconds(1702743657))
            .prepare()
            .unwrap();
        assert_eq!(p.url.as_str(), "http://127.0.0.1:9000/k");
        assert_eq!(p.header("host"), Some("b.oss-cn-hangzhou.aliyuncs.com"));
        assert!(p.header("authorization").unwrap().contains(",AdditionalHeaders=host,"));
    }
}
