//! The one error type of the client.

use std::fmt;
use std::time::SystemTime;

use base64::Engine;
use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use oss_protocol::error::{Code, ErrorDocument};
use oss_protocol::headers;

/// What went wrong with a request.
#[derive(Debug)]
pub enum Error {
    /// The server answered with a non-2xx status.
    Service(Box<ServiceError>),
    /// The request never got a complete answer (connection refused, timeout, reset, …).
    Transport(reqwest::Error),
    /// The data arrived, but its CRC-64 disagrees with `x-oss-hash-crc64ecma`.
    Integrity { operation: &'static str, client_crc: u64, server_crc: u64, request_id: Option<String> },
    /// A 2xx answer the client cannot read: malformed XML, a missing or unparsable header.
    InvalidResponse { message: String, status: StatusCode, request_id: Option<String> },
    /// The caller asked for something the client cannot express (bad endpoint, a header value
    /// with a newline, a key made only of dots, …).
    Usage(String),
    /// A local file could not be read or written (transfers, checkpoints, config files).
    Io { context: String, source: std::io::Error },
    /// The caller cancelled a long-running operation (a transfer's cancellation token).
    Cancelled,
}

/// What an error means, for callers that branch on the kind of failure rather than on codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// 404: no such bucket, key or upload.
    NotFound,
    /// 403 other than a signature or clock problem.
    AccessDenied,
    /// `SignatureDoesNotMatch`, `InvalidAccessKeyId`: the credentials are wrong.
    BadCredentials,
    /// `RequestTimeTooSkewed`: the local clock is off.
    ClockSkew,
    /// 409: the bucket exists, is not empty, the object may not be overwritten, …
    Conflict,
    /// 412 or 304: a condition did not hold.
    Precondition,
    /// Any other 4xx: the request itself is wrong.
    InvalidRequest,
    /// 5xx: the service failed; usually worth retrying.
    ServerError,
    /// A timeout, connection failure or reset.
    Transport,
    /// CRC-64 mismatch.
    Integrity,
    /// A 2xx answer the client cannot read.
    InvalidResponse,
    Usage,
    Io,
    Cancelled,
}

/// A non-2xx answer, with the `<Error>` document taken from the body or, for HEAD, from the
/// base64 `x-oss-err` header.
#[derive(Debug, Clone)]
pub struct ServiceError {
    pub status: StatusCode,
    /// `<Code>`; empty when the answer carried no error document (a bare 304, or HEAD without
    /// `x-oss-err`).
    pub code: String,
    pub message: String,
    /// The `x-oss-request-id` header, or `<RequestId>` when the header is absent.
    pub request_id: String,
    /// `<EC>`, or the `x-oss-ec` header when the document has none.
    pub ec: Option<String>,
    /// The parsed `<Error>` document; [`ServiceError::raw_xml`] gives it as it came.
    pub document: ErrorDocument,
    /// Where the document came from, for tests that care how HEAD errors travel.
    pub source: ErrorSource,
    pub headers: HeaderMap,
    pub body: Bytes,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorSource {
    Body,
    /// The base64 `x-oss-err` header (HEAD answers cannot carry a body).
    ErrHeader,
    /// Neither held a parsable `<Error>` document.
    None,
}

impl ServiceError {
    /// Builds the error from a complete answer.
    pub fn from_parts(status: StatusCode, headers: HeaderMap, body: Bytes) -> ServiceError {
        let (document, source) = if !body.is_empty() {
            match ErrorDocument::parse(&String::from_utf8_lossy(&body)) {
                Some(doc) => (doc, ErrorSource::Body),
                None => (ErrorDocument::default(), ErrorSource::None),
            }
        } else {
            match err_header_document(&headers) {
                Some(doc) => (doc, ErrorSource::ErrHeader),
                None => (ErrorDocument::default(), ErrorSource::None),
            }
        };
        let header = |name: &str| headers.get(name).map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let request_id = header(headers::REQUEST_ID).unwrap_or_else(|| document.request_id.clone());
        let ec = document.ec.clone().or_else(|| header(headers::EC));
        ServiceError {
            status,
            code: document.code.clone(),
            message: document.message.clone(),
            request_id,
            ec,
            document,
            source,
            headers,
            body,
        }
    }

    /// An extra element of the error document (`Key`, `BucketName`, `StringToSign`, …).
    pub fn extra(&self, name: &str) -> Option<&str> {
        self.document.extra(name)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| std::str::from_utf8(v.as_bytes()).ok())
    }

    /// The error XML as received: the body, or the decoded `x-oss-err` header of a HEAD answer.
    pub fn raw_xml(&self) -> Option<String> {
        match self.source {
            ErrorSource::Body => Some(String::from_utf8_lossy(&self.body).into_owned()),
            ErrorSource::ErrHeader => {
                let raw = self.headers.get(headers::ERR)?;
                let xml = base64::engine::general_purpose::STANDARD.decode(raw.as_bytes().trim_ascii()).ok()?;
                Some(String::from_utf8_lossy(&xml).into_owned())
            }
            ErrorSource::None => None,
        }
    }

    /// The server's clock: `<ServerTime>` of a `RequestTimeTooSkewed` document, else the `Date`
    /// header (every OSS answer has one).
    pub fn server_time(&self) -> Option<SystemTime> {
        self.extra("ServerTime")
            .and_then(oss_protocol::time::parse_iso8601)
            .or_else(|| self.header("date").and_then(oss_protocol::time::parse_http_date_lenient))
    }
}

/// Decodes `x-oss-err: base64(<Error>…)`.
fn err_header_document(headers: &HeaderMap) -> Option<ErrorDocument> {
    let raw = headers.get(headers::ERR)?;
    let xml = base64::engine::general_purpose::STANDARD.decode(raw.as_bytes().trim_ascii()).ok()?;
    ErrorDocument::parse(&String::from_utf8_lossy(&xml))
}

impl Error {
    pub(crate) fn usage(message: impl Into<String>) -> Error {
        Error::Usage(message.into())
    }

    pub(crate) fn invalid(message: impl Into<String>, status: StatusCode, headers: &HeaderMap) -> Error {
        Error::InvalidResponse {
            message: message.into(),
            status,
            request_id: headers.get(headers::REQUEST_ID).map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()),
        }
    }

    pub fn service(&self) -> Option<&ServiceError> {
        match self {
            Error::Service(e) => Some(e),
            _ => None,
        }
    }

    /// The HTTP status of a service error.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Service(e) => Some(e.status),
            Error::InvalidResponse { status, .. } => Some(*status),
            Error::Transport(e) => e.status(),
            _ => None,
        }
    }

    /// The OSS error code, when the server sent one.
    pub fn code(&self) -> Option<&str> {
        self.service().map(|e| e.code.as_str()).filter(|c| !c.is_empty())
    }

    /// The code as one of the catalogued ones.
    pub fn protocol_code(&self) -> Option<Code> {
        self.code().and_then(Code::parse)
    }

    pub fn is_code(&self, code: Code) -> bool {
        self.code() == Some(code.as_str())
    }

    pub fn ec(&self) -> Option<&str> {
        self.service().and_then(|e| e.ec.as_deref())
    }

    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Service(e) => Some(e.request_id.as_str()).filter(|r| !r.is_empty()),
            Error::Integrity { request_id, .. } | Error::InvalidResponse { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }

    fn has_status(&self, status: u16) -> bool {
        self.service().is_some_and(|e| e.status.as_u16() == status)
    }

    /// Any 404 (NoSuchKey, NoSuchBucket, NoSuchUpload, or a HEAD without a document).
    pub fn is_not_found(&self) -> bool {
        self.has_status(404)
    }

    /// 403 `AccessDenied`, or a 403 without a document to say otherwise.
    pub fn is_access_denied(&self) -> bool {
        self.has_status(403) && matches!(self.code(), None | Some("AccessDenied"))
    }

    pub fn is_precondition_failed(&self) -> bool {
        self.has_status(412)
    }

    pub fn is_not_modified(&self) -> bool {
        self.has_status(304)
    }

    pub fn is_transport(&self) -> bool {
        matches!(self, Error::Transport(_))
    }

    pub fn is_integrity(&self) -> bool {
        matches!(self, Error::Integrity { .. })
    }

    pub fn is_clock_skew(&self) -> bool {
        self.code() == Some(Code::RequestTimeTooSkewed.as_str())
    }

    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Transport(e) if e.is_timeout())
    }

    /// Whether trying the same request again may succeed: 5xx (but 501), timeouts, connection
    /// failures and resets, and clock skew (once the clock is corrected). Whether it is *safe*
    /// depends on the operation; the retry layer only retries idempotent ones.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Service(e) => {
                let s = e.status.as_u16();
                (s >= 500 && s != 501 && s != 505) || self.is_clock_skew()
            }
            // A body cut mid-way surfaces as a body error, or as a decode error when read in chunks.
            Error::Transport(e) => e.is_timeout() || e.is_connect() || e.is_request() || e.is_body() || e.is_decode(),
            _ => false,
        }
    }

    /// The meaning of the error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Service(e) => match e.status.as_u16() {
                404 => ErrorKind::NotFound,
                403 if self.is_clock_skew() => ErrorKind::ClockSkew,
                403 if matches!(self.code(), Some("SignatureDoesNotMatch" | "InvalidAccessKeyId")) => {
                    ErrorKind::BadCredentials
                }
                403 => ErrorKind::AccessDenied,
                409 => ErrorKind::Conflict,
                304 | 412 => ErrorKind::Precondition,
                500.. => ErrorKind::ServerError,
                _ => ErrorKind::InvalidRequest,
            },
            Error::Transport(_) => ErrorKind::Transport,
            Error::Integrity { .. } => ErrorKind::Integrity,
            Error::InvalidResponse { .. } => ErrorKind::InvalidResponse,
            Error::Usage(_) => ErrorKind::Usage,
            Error::Io { .. } => ErrorKind::Io,
            Error::Cancelled => ErrorKind::Cancelled,
        }
    }

    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> Error {
        Error::Io { context: context.into(), source }
    }
}

impl From<reqwest::Error> for Error {
    fn from(e: reqwest::Error) -> Self {
        Error::Transport(e)
    }
}

impl From<ServiceError> for Error {
    fn from(e: ServiceError) -> Self {
        Error::Service(Box::new(e))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Service(e) => {
                write!(f, "OSS error {}", e.status.as_u16())?;
                if !e.code.is_empty() {
                    write!(f, " {}", e.code)?;
                }
                if !e.message.is_empty() {
                    write!(f, ": {}", e.message)?;
                }
                if let Some(ec) = &e.ec {
                    write!(f, " (EC {ec})")?;
                }
                if !e.request_id.is_empty() {
                    write!(f, " [request {}]", e.request_id)?;
                }
                Ok(())
            }
            Error::Transport(e) if e.is_connect() => {
                // reqwest's own text ("error sending request for url") hides the reason, which
                // is at the bottom of the source chain ("Connection refused (os error 111)").
                let mut cause: &(dyn std::error::Error + 'static) = e;
                let mut refused = false;
                while let Some(next) = cause.source() {
                    cause = next;
                    refused |= cause
                        .downcast_ref::<std::io::Error>()
                        .is_some_and(|io| io.kind() == std::io::ErrorKind::ConnectionRefused);
                }
                let url = e.url().map(|u| format!("{}://{}", u.scheme(), u.authority()));
                let url = url.as_deref().unwrap_or("the endpoint");
                write!(f, "cannot connect to {url}: {cause}")?;
                let local = e.url().and_then(|u| u.host_str()).is_some_and(|h| {
                    let h = h.trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase();
                    h.parse::<std::net::IpAddr>()
                        .map_or(h == "localhost" || h.ends_with(".localhost"), |ip| ip.is_loopback())
                });
                // Refused on this machine: almost always an emulator that is not running (yet).
                if refused && local {
                    write!(
                        f,
                        " (is the emulator running? start it with `oss-emulator` or `cargo run -p oss-emulator`)"
                    )?;
                }
                Ok(())
            }
            Error::Transport(e) => write!(f, "transport error: {e}"),
            Error::Integrity { operation, client_crc, server_crc, request_id } => write!(
                f,
                "{operation}: CRC-64 mismatch, client {client_crc} vs server {server_crc} [request {}]",
                request_id.as_deref().unwrap_or("-")
            ),
            Error::InvalidResponse { message, status, request_id } => write!(
                f,
                "invalid response ({}): {message} [request {}]",
                status.as_u16(),
                request_id.as_deref().unwrap_or("-")
            ),
            Error::Usage(message) => write!(f, "usage error: {message}"),
            Error::Io { context, source } => write!(f, "{context}: {source}"),
            Error::Cancelled => f.write_str("cancelled"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Transport(e) => Some(e),
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn doc() -> ErrorDocument {
        ErrorDocument {
            code: "NoSuchKey".into(),
            message: Code::NoSuchKey.default_message().into(),
            request_id: "5C3D9175B6FC201293AD0000".into(),
            host_id: "b.oss-cn-hangzhou.aliyuncs.com".into(),
            extra: vec![("Key".into(), "dir/a b".into())],
            ec: Some("0026-00000001".into()),
        }
    }

    #[test]
    fn decodes_xml_body() {
        let mut headers = HeaderMap::new();
        headers.insert("x-oss-request-id", HeaderValue::from_static("RID"));
        let e: Error = ServiceError::from_parts(StatusCode::NOT_FOUND, headers, Bytes::from(doc().to_xml())).into();
        assert_eq!(e.code(), Some("NoSuchKey"));
        assert!(e.is_code(Code::NoSuchKey));
        assert_eq!(e.protocol_code(), Some(Code::NoSuchKey));
        assert!(e.is_not_found());
        assert!(!e.is_access_denied());
        assert_eq!(e.ec(), Some("0026-00000001"));
        assert_eq!(e.request_id(), Some("RID"));
        let s = e.service().unwrap();
        assert_eq!(s.extra("Key"), Some("dir/a b"));
        assert_eq!(s.source, ErrorSource::Body);
        assert_eq!(s.message, Code::NoSuchKey.default_message());
    }

    #[test]
    fn decodes_head_err_header() {
        let b64 = base64::engine::general_purpose::STANDARD.encode(doc().to_xml());
        let mut headers = HeaderMap::new();
        headers.insert("x-oss-err", HeaderValue::from_str(&b64).unwrap());
        headers.insert("x-oss-ec", HeaderValue::from_static("0026-00000001"));
        let e: Error = ServiceError::from_parts(StatusCode::NOT_FOUND, headers, Bytes::new()).into();
        assert_eq!(e.code(), Some("NoSuchKey"));
        assert_eq!(e.request_id(), Some("5C3D9175B6FC201293AD0000"));
        assert_eq!(e.service().unwrap().source, ErrorSource::ErrHeader);
    }

    #[test]
    fn bare_statuses() {
        let e: Error = ServiceError::from_parts(StatusCode::NOT_FOUND, HeaderMap::new(), Bytes::new()).into();
        assert!(e.is_not_found());
        assert_eq!(e.code(), None);
        assert_eq!(e.service().unwrap().source, ErrorSource::None);

        let mut headers = HeaderMap::new();
        headers.insert("x-oss-ec", HeaderValue::from_static("0002-00000040"));
        let e: Error = ServiceError::from_parts(StatusCode::FORBIDDEN, headers, Bytes::new()).into();
        assert!(e.is_access_denied());
        assert_eq!(e.ec(), Some("0002-00000040"));

        let e: Error = ServiceError::from_parts(StatusCode::PRECONDITION_FAILED, HeaderMap::new(), Bytes::new()).into();
        assert!(e.is_precondition_failed());
        let e: Error = ServiceError::from_parts(StatusCode::NOT_MODIFIED, HeaderMap::new(), Bytes::new()).into();
        assert!(e.is_not_modified());

        // A non-XML body is kept for inspection and yields no code.
        let e: Error =
            ServiceError::from_parts(StatusCode::BAD_GATEWAY, HeaderMap::new(), Bytes::from_static(b"<html>")).into();
        assert_eq!(e.code(), None);
        assert_eq!(e.service().unwrap().body.as_ref(), b"<html>");
    }

    #[test]
    fn signature_mismatch_is_not_access_denied() {
        let d = ErrorDocument { code: "SignatureDoesNotMatch".into(), ..Default::default() };
        let e: Error =
            ServiceError::from_parts(StatusCode::FORBIDDEN, HeaderMap::new(), Bytes::from(d.to_xml())).into();
        assert!(!e.is_access_denied());
        assert!(e.is_code(Code::SignatureDoesNotMatch));
    }
}
