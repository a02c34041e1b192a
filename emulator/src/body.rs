//! Response bodies: small in-memory documents or streamed file segments, behind one boxed type.

use bytes::Bytes;
use http_body::Body as _;
use http_body_util::{combinators::UnsyncBoxBody, BodyExt, Empty, Full, StreamBody};

pub type Body = UnsyncBoxBody<Bytes, std::io::Error>;

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Request bodies as operations see them: boxed, so fault injection can cut one short.
pub type RequestBody = UnsyncBoxBody<Bytes, BoxError>;

/// The request body as operations see it, and a flag that says whether it was read to its end.
pub fn request_body(incoming: hyper::body::Incoming) -> (RequestBody, ReadToEnd) {
    let done = ReadToEnd(std::sync::Arc::new(std::sync::atomic::AtomicBool::new(incoming.is_end_stream())));
    let body = Tracked { inner: incoming, done: done.clone() }.map_err(BoxError::from).boxed_unsync();
    (body, done)
}

/// Whether a request body was read to its end. When it was not (a GET that declares a
/// Content-Length and sends nothing, an error answered before the upload was read), nobody can
/// tell where the next request on the connection begins: the answer must close it.
#[derive(Clone, Debug)]
pub struct ReadToEnd(std::sync::Arc<std::sync::atomic::AtomicBool>);

impl ReadToEnd {
    /// For a body made in memory (a console request): there is no connection to keep in step.
    pub fn done() -> Self {
        ReadToEnd(std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true)))
    }

    pub fn get(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }
}

struct Tracked {
    inner: hyper::body::Incoming,
    done: ReadToEnd,
}

impl http_body::Body for Tracked {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, hyper::Error>>> {
        let polled = std::pin::Pin::new(&mut self.inner).poll_frame(cx);
        if matches!(polled, std::task::Poll::Ready(None)) || self.inner.is_end_stream() {
            self.done.0.store(true, std::sync::atomic::Ordering::Relaxed);
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
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

/// The memory all buffered request bodies (XML documents, control API JSON) may hold at once,
/// across connections. Bodies reserve as they arrive, so forty 15 MiB uploads at once meet the
/// budget instead of the allocator.
#[derive(Clone)]
pub struct BodyBudget {
    available: std::sync::Arc<tokio::sync::Semaphore>,
}

/// A whole body read into memory, holding its share of the budget until dropped.
pub struct Buffered {
    pub data: Vec<u8>,
    reserved: Reserved,
}

/// A share of the body budget; given back when dropped.
pub struct Reserved(Option<tokio::sync::OwnedSemaphorePermit>);

impl Buffered {
    /// The bytes, and the reservation to keep for as long as they (or what is parsed from
    /// them) are held.
    pub fn into_parts(self) -> (Vec<u8>, Reserved) {
        (self.data, self.reserved)
    }
}

/// Why a body could not be buffered.
#[derive(Debug)]
pub enum BufferError {
    /// Longer than the caller allows for this kind of body.
    TooLarge,
    /// Every byte of the budget is taken by other bodies right now.
    OverBudget,
    /// The body broke off (the client went away or sent garbage).
    Broken(BoxError),
}

impl BodyBudget {
    pub fn new(bytes: usize) -> Self {
        let bytes = bytes.min(tokio::sync::Semaphore::MAX_PERMITS);
        BodyBudget { available: std::sync::Arc::new(tokio::sync::Semaphore::new(bytes)) }
    }

    /// Reads `body` whole, at most `limit` bytes, reserving budget for each piece as it comes.
    pub async fn read<B>(&self, body: B, limit: usize) -> Result<Buffered, BufferError>
    where
        B: http_body::Body<Data = Bytes>,
        B::Error: Into<BoxError>,
    {
        let mut body = std::pin::pin!(body);
        let mut out = Buffered { data: Vec::new(), reserved: Reserved(None) };
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|e| BufferError::Broken(e.into()))?;
            let Ok(data) = frame.into_data() else { continue };
            if out.data.len() + data.len() > limit {
                return Err(BufferError::TooLarge);
            }
            let n = u32::try_from(data.len()).map_err(|_| BufferError::TooLarge)?;
            let permit = self.available.clone().try_acquire_many_owned(n).map_err(|_| BufferError::OverBudget)?;
            match &mut out.reserved.0 {
                Some(held) => held.merge(permit),
                None => out.reserved.0 = Some(permit),
            }
            out.data.extend_from_slice(&data);
        }
        Ok(out)
    }
}
