//! The one place responses get their wire form: common headers on everything, and errors as
//! OSS writes them (XML body, or an empty body with `x-oss-err` where no body may go).

use base64::Engine;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE, DATE, SERVER};
use http::{HeaderValue, Response, StatusCode};
use oss_protocol::error::ErrorDocument;
use oss_protocol::headers::{EC, ERR, REQUEST_ID, SERVER_TIME};

use crate::body::{self, Body};
use crate::error::OssError;

pub fn xml(status: StatusCode, xml: String) -> Response<Body> {
    let mut resp = Response::new(body::full(xml));
    *resp.status_mut() = status;
    resp.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/xml"));
    resp
}

pub fn empty(status: StatusCode) -> Response<Body> {
    let mut resp = Response::new(body::empty());
    *resp.status_mut() = status;
    resp
}

/// Sets a header from any string; values that are not valid header text are dropped, since
/// they can only come from stored user input that HTTP cannot carry anyway.
pub fn set_header(resp: &mut Response<Body>, name: &str, value: &str) {
    if let (Ok(name), Ok(value)) = (http::HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(value)) {
        resp.headers_mut().insert(name, value);
    }
}

/// The wire form of an error. HEAD responses and 304s carry no body; HEAD errors put the
/// base64 error document in `x-oss-err`, which the SDKs decode.
pub fn error(err: &OssError, is_head: bool, request_id: &str, host: &str) -> Response<Body> {
    let doc = ErrorDocument {
        code: err.code.as_str().to_owned(),
        message: err.message.to_string(),
        request_id: request_id.to_owned(),
        host_id: host.to_owned(),
        extra: err.extra.iter().map(|(n, v)| ((*n).to_owned(), v.clone())).collect(),
        ec: err.ec.map(str::to_owned),
    };
    let mut resp = error_document(err.status(), &doc, is_head);
    for (name, value) in &err.headers {
        set_header(&mut resp, name, value);
    }
    resp
}

/// Any error document (also codes the emulator never produces itself, for injected faults).
pub fn error_document(status: u16, doc: &ErrorDocument, is_head: bool) -> Response<Body> {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut resp = if status == StatusCode::NOT_MODIFIED {
        empty(status)
    } else if is_head {
        let mut r = empty(status);
        let encoded = base64::engine::general_purpose::STANDARD.encode(doc.to_xml());
        set_header(&mut r, ERR, &encoded);
        r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/xml"));
        r
    } else {
        xml(status, doc.to_xml())
    };
    if let Some(ec) = &doc.ec {
        set_header(&mut resp, EC, ec);
    }
    resp
}

/// Headers every OSS response carries.
pub fn finish(resp: &mut Response<Body>, request_id: &str, now: std::time::SystemTime, elapsed_ms: u128) {
    set_header(resp, REQUEST_ID, request_id);
    set_header(resp, DATE.as_str(), &oss_protocol::time::format_http_date(now));
    resp.headers_mut().insert(SERVER, HeaderValue::from_static("AliyunOSS"));
    set_header(resp, SERVER_TIME, &elapsed_ms.to_string());
    if resp.status() == StatusCode::NO_CONTENT || resp.status() == StatusCode::NOT_MODIFIED {
        resp.headers_mut().remove(CONTENT_LENGTH);
    }
}
