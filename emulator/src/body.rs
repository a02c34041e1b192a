//! Response bodies: small in-memory documents or streamed file segments, behind one boxed type.

use bytes::Bytes;
use http_body_util::{combinators::UnsyncBoxBody, BodyExt, Empty, Full, StreamBody};

pub type Body = UnsyncBoxBody<Bytes, std::io::Error>;

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Request bodies as operations see them: boxed, so fault injection can cut one short.
pub type RequestBody = UnsyncBoxBody<Bytes, BoxError>;

pub fn request_body(incoming: hyper::body::Incoming) -> RequestBody {
    incoming.map_err(BoxError::from).boxed_unsync()
}

pub fn empty() -> Body {
    Empty::new().map_err(|never| match never {}).boxed_unsync()
}

pub fn full(data: impl Into<Bytes>) -> Body {
    Full::new(data.into()).map_err(|never| match never {}).boxed_unsync()
}

/// Streams a sequence of byte chunks (file reads) without holding the whole body.
pub fn stream<S>(s: S) -> Body
where
    S: futures_util::Stream<Item = std::io::Result<Bytes>> + Send + 'static,
{
    use futures_util::StreamExt;
    BodyExt::boxed_unsync(StreamBody::new(s.map(|r| r.map(hyper::body::Frame::data))))
}
