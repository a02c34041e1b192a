//! Accept loop and per-request pipeline: control plane or OSS; for OSS requests route →
//! authenticate → fault rules → operation → wire form, then one journal entry and one log line.
//! The web console's OSS requests enter the same pipeline at [`handle_console`].

use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant, SystemTime};

use http::header::{CONTENT_LENGTH, HOST};
use http::{Method, Request, Response};
use http_body::Body as _;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use oss_protocol::encoding::parse_query;
use oss_protocol::error::ErrorDocument;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};
use tokio_rustls::TlsAcceptor;

use crate::auth::{AuthKind, AuthRequest, Authenticator, Principal};
use crate::body::{self, Body};
use crate::endpoint::Endpoint;
use crate::error::{Code, OssError, Result};
use crate::fault::{BodyFault, FaultAction, FaultyBody, RequestFacts, FAULT_SET_HEADER};
use crate::journal::Entry;
use crate::ops::{self, Ctx};
use crate::route::Target;
use crate::{access, control, respond, route, State};

/// The connection was dropped on purpose (an injected fault): hyper closes it without answering.
#[derive(Debug)]
pub struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by an injected fault")
    }
}

impl std::error::Error for Dropped {}

/// Serves one listener until `shutdown` flips, then lets open requests finish (up to 10 s).
///
/// At most `connection_limit` connections are served at once: past it, new ones wait in the
/// listen backlog until one closes, instead of the process running out of file descriptors. A
/// connection closes when its request headers take longer than the header timeout (which also
/// bounds the wait for a kept-alive connection's next request) or no byte moves on it for the
/// idle timeout, so idle clients cannot lock everyone else out.
pub async fn serve(
    listener: TcpListener,
    region: String,
    state: Arc<State>,
    tls: Option<TlsAcceptor>,
    mut shutdown: watch::Receiver<bool>,
) {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let region: Arc<str> = region.into();
    let settings = &state.config.connections;
    let slots = Arc::new(Semaphore::new(settings.connection_limit()));
    let header_timeout = Duration::from_millis(settings.header_timeout_ms.max(1));
    let idle_timeout = Duration::from_millis(settings.idle_timeout_ms.max(1));
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
            _ = shutdown.changed() => break,
        };
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = shutdown.changed() => break,
        };
        let (stream, addr) = match accepted {
            Ok(accepted) => accepted,
            Err(e) => {
                // Typically EMFILE: back off instead of spinning.
                tracing::warn!("accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let (state, region) = (state.clone(), region.clone());
        let (stream, activity) = Watched::new(stream);
        let watcher = graceful.watcher();
        let tls = tls.clone();
        let serving = tokio::spawn(async move {
            let _slot = slot;
            // The handshake runs here, not in the accept loop, so a slow client delays only
            // itself; the header timeout bounds it as it bounds a plain request's headers.
            let io = match tokio::time::timeout(header_timeout, Conn::open(stream, tls.as_ref())).await {
                Ok(Ok(io)) => io,
                Ok(Err(e)) => {
                    tracing::debug!("TLS handshake failed: {e}");
                    return;
                }
                Err(_) => {
                    tracing::debug!("no request or TLS handshake within {header_timeout:?}");
                    return;
                }
            };
            let peer = Peer { addr, secure: matches!(io, Conn::Tls(_)) };
            let service = service_fn(move |req| {
                let (state, region) = (state.clone(), region.clone());
                async move { handle(state, &region, peer, req).await }
            });
            let conn = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout)
                .keep_alive(true)
                .serve_connection(TokioIo::new(io), service);
            if let Err(e) = watcher.watch(conn).await {
                tracing::debug!("connection ended: {e}");
            }
        });
        // The watchdog runs beside the connection rather than inside its task, so serving a
        // request never polls it; aborting the task closes the socket and frees the slot.
        let abort = serving.abort_handle();
        tokio::spawn(async move {
            tokio::select! {
                _ = serving => {}
                () = activity.idle_for(idle_timeout) => {
                    tracing::debug!("closing a connection idle for {idle_timeout:?}");
                    abort.abort();
                }
            }
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(Duration::from_secs(10)) => tracing::warn!("shutdown: gave up waiting for open connections"),
    }
}

/// When a byte last moved on a connection, in milliseconds since it opened.
struct Activity {
    opened: Instant,
    last_ms: AtomicU64,
}

impl Activity {
    fn touch(&self) {
        self.last_ms.store(self.opened.elapsed().as_millis() as u64, Ordering::Relaxed);
    }

    /// Resolves once no byte has moved for `limit`.
    async fn idle_for(&self, limit: Duration) {
        loop {
            let last = Duration::from_millis(self.last_ms.load(Ordering::Relaxed));
            let idle = self.opened.elapsed().saturating_sub(last);
            if idle >= limit {
                return;
            }
            tokio::time::sleep(limit - idle).await;
        }
    }
}

/// A socket that notes every read and write in its [`Activity`].
struct Watched {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl Watched {
    fn new(inner: TcpStream) -> (Watched, Arc<Activity>) {
        let activity = Arc::new(Activity { opened: Instant::now(), last_ms: AtomicU64::new(0) });
        (Watched { inner, activity: activity.clone() }, activity)
    }
}

/// The first byte of a TLS connection: a handshake record (RFC 8446, 5.1). No HTTP request
/// starts with it, so one port can serve both.
const TLS_HANDSHAKE: u8 = 0x16;

/// A connection, plain or TLS. With TLS configured a listener serves both: the first byte the
/// client sends tells a ClientHello from an HTTP request line, so `http://` and `https://`
/// endpoints share every port and the control API stays reachable without certificates.
enum Conn {
    Plain(Watched),
    Tls(Box<tokio_rustls::server::TlsStream<Watched>>),
}

impl Conn {
    async fn open(stream: Watched, tls: Option<&TlsAcceptor>) -> std::io::Result<Conn> {
        let Some(acceptor) = tls else { return Ok(Conn::Plain(stream)) };
        let mut first = [0u8; 1];
        if stream.inner.peek(&mut first).await? == 1 && first[0] == TLS_HANDSHAKE {
            Ok(Conn::Tls(Box::new(acceptor.accept(stream).await?)))
        } else {
            Ok(Conn::Plain(stream))
        }
    }
}

impl AsyncRead for Conn {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Conn {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_write(cx, data),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, data),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_flush(cx),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

impl AsyncRead for Watched {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            this.activity.touch();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_write(cx, data);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            this.activity.touch();
        }
        polled
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

/// One request, start to finish, as stages that each run once, in order: target (Host + path)
/// → endpoint (method + query) → authenticate → authorize → faults → handler → wire form. Every
/// OSS failure becomes an OSS error response; `Err` only when a fault asks for the connection to
/// be dropped. The journal entry is written by a guard, whichever stage ends the request.
pub async fn handle(
    state: Arc<State>,
    listener_region: &str,
    peer: Peer,
    req: Request<Incoming>,
) -> Result<Response<Body>, Dropped> {
    if req.uri().path().starts_with(control::PREFIX) {
        return Ok(control::handle(&state, listener_region, req).await);
    }
    let (parts, incoming) = req.into_parts();
    let (body, read_to_end) = body::request_body(incoming);
    pipeline(state, listener_region, peer, parts, body, read_to_end, None).await
}

/// The far end of a connection: what a bucket policy's `acs:SourceIp` and
/// `acs:SecureTransport` read.
#[derive(Debug, Clone, Copy)]
pub struct Peer {
    pub addr: std::net::SocketAddr,
    /// The connection is TLS.
    pub secure: bool,
}

/// An OSS request the web console makes for `account` (upload, download, delete, create): the
/// same pipeline as a client's, journaled and subject to fault rules, so what the console does
/// shows up in the journal like anything else. Only the signature check is skipped, because the
/// control plane's admin token already admitted the caller.
pub async fn handle_console(
    state: Arc<State>,
    region: &str,
    parts: http::request::Parts,
    body: body::RequestBody,
    read_to_end: body::ReadToEnd,
    account: crate::config::Account,
) -> Result<Response<Body>, Dropped> {
    // The emulator itself makes these requests, on the owner's behalf: to a policy they come from
    // loopback, in the clear.
    let peer = Peer { addr: (std::net::Ipv4Addr::LOCALHOST, 0).into(), secure: false };
    pipeline(state, region, peer, parts, body, read_to_end, Some(account)).await
}

async fn pipeline(
    state: Arc<State>,
    listener_region: &str,
    peer: Peer,
    parts: http::request::Parts,
    body: body::RequestBody,
    read_to_end: body::ReadToEnd,
    console: Option<crate::config::Account>,
) -> Result<Response<Body>, Dropped> {
    let now = state.clock.now();
    let host = parts
        .headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| parts.uri.authority().map(|a| a.as_str()))
        .unwrap_or_default()
        .to_owned();
    let mut record = Record::new(state.clone(), &parts, listener_region, now);
    let request_id = record.entry.request_id.clone();
    let is_head = parts.method == Method::HEAD;

    let declares_body = body_declared(&parts.headers);
    // What CORS needs of the request once its answer exists (the parts go to the stages).
    let cors_request = (parts.method != Method::OPTIONS)
        .then(|| (parts.method.clone(), parts.headers.get(http::header::ORIGIN).cloned()));
    let arrival = Arrival { host: &host, listener_region, peer, now, console: console.as_ref() };
    let outcome = run(&state, &mut record, &arrival, parts, (body, read_to_end)).await;
    let mut resp = outcome.unwrap_or_else(|err| {
        record.entry.error_code = Some(err.code.as_str().to_owned());
        respond::error(&err, is_head, &request_id, &host)
    });
    if let Some((method, origin)) = &cors_request {
        let bucket = state.store.bucket(&record.entry.bucket);
        if let Some(cors) = bucket.as_ref().and_then(|b| b.configs.cors.as_ref()) {
            crate::cors::decorate(cors, method, origin.as_ref().and_then(|o| o.to_str().ok()), &mut resp);
        }
    }
    if declares_body && !record.body_read.as_ref().is_some_and(body::ReadToEnd::get) {
        resp.headers_mut().insert(http::header::CONNECTION, http::HeaderValue::from_static("close"));
    }
    let mut resp = record.finish(resp, now);
    let body_fault = match record.action.take() {
        Some(FaultAction::ResetRequestAfter { .. } | FaultAction::CommitThenDrop) => {
            record.write();
            return Err(Dropped);
        }
        Some(FaultAction::Throttle { bytes_per_sec }) => Some(BodyFault::Throttle(bytes_per_sec)),
        Some(FaultAction::ResetResponseAfter { bytes }) => Some(BodyFault::CutAfter(bytes)),
        Some(FaultAction::StallAfter { bytes }) => Some(BodyFault::StallAfter(bytes)),
        _ => None,
    };
    if let Some(fault) = body_fault {
        resp = resp.map(|b| FaultyBody::new(b, fault).boxed_unsync());
    }
    Ok(Journaled::wrap(record, resp, is_head))
}

/// A response body counted on its way out. The journal entry is written when the body's last
/// byte is handed to the connection, or when it ends early (an error, a client gone), so
/// `bytes_out` counts streamed bodies and `duration_ms` runs to the end of the body. Written
/// while that last piece is produced rather than after it is sent, so a client that has read the
/// whole answer always finds the entry in the journal.
struct Journaled {
    inner: Body,
    record: Option<Record>,
    sent: u64,
    /// The Content-Length the response declares: reaching it is the end.
    expected: Option<u64>,
}

impl Journaled {
    fn wrap(mut record: Record, resp: Response<Body>, is_head: bool) -> Response<Body> {
        // A HEAD answer's body is never sent, an empty one ends before it starts.
        if is_head || resp.body().is_end_stream() {
            record.write();
            return resp;
        }
        let expected = resp.headers().get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        resp.map(|inner| Journaled { inner, record: Some(record), sent: 0, expected }.boxed_unsync())
    }

    fn done(&mut self) {
        if let Some(mut record) = self.record.take() {
            record.entry.bytes_out = self.sent;
            record.write();
        }
    }
}

impl http_body::Body for Journaled {
    type Data = bytes::Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<std::result::Result<http_body::Frame<bytes::Bytes>, std::io::Error>>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_frame(cx);
        match &polled {
            Poll::Ready(Some(Ok(frame))) => {
                this.sent += frame.data_ref().map_or(0, |d| d.len() as u64);
                if this.expected.is_some_and(|n| this.sent >= n) || this.inner.is_end_stream() {
                    this.done();
                }
            }
            Poll::Ready(Some(Err(_)) | None) => this.done(),
            Poll::Pending => {}
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

impl Drop for Journaled {
    fn drop(&mut self) {
        self.done();
    }
}

/// Where and when a request arrived.
#[derive(Clone, Copy)]
struct Arrival<'a> {
    host: &'a str,
    listener_region: &'a str,
    peer: Peer,
    now: SystemTime,
    /// The account a console request acts as (no signature to verify).
    console: Option<&'a crate::config::Account>,
}

/// The OSS stages of [`handle`]: the response, or the error to answer. The fault that fired, and
/// whether the body was read, are left in `record` either way (a cut request body still drops
/// the connection after its error).
async fn run(
    state: &Arc<State>,
    record: &mut Record,
    arrival: &Arrival<'_>,
    parts: http::request::Parts,
    (mut body, read_to_end): (body::RequestBody, body::ReadToEnd),
) -> Result<Response<Body>> {
    let Arrival { host, listener_region, peer, now, console } = *arrival;
    let query = parse_query(parts.uri.query().unwrap_or_default());
    let target = route::target(host, parts.uri.path(), listener_region, &state.config.host_names)?;
    record.entry.region = target.region.clone();
    let mut endpoint = Endpoint::parse(&parts.method, &target, &query, &parts.headers);
    match &endpoint {
        Ok(endpoint) => record.describe(endpoint, &parts.headers),
        Err(rejected) => {
            if let Some(op) = rejected.operation {
                record.entry.operation = op.name().to_owned();
            }
            record.entry.bucket = target.bucket.clone().unwrap_or_default();
            record.entry.key = target.key.clone().unwrap_or_default();
        }
    }

    // A form upload names its key and carries its credentials in the fields before the file:
    // those are read now, so that authentication, authorization, fault rules and the journal
    // see the object as they see any other upload's.
    let mut post = None;
    if let Ok(Endpoint::PostObject { object }) = &mut endpoint {
        let (form, file) = ops::post::read_form(&parts.headers, body).await?;
        object.key = form.key().to_owned();
        record.entry.key = object.key.clone();
        body = file;
        post = Some(form);
    }

    let authenticated = match (console, &mut post) {
        (Some(account), _) => Ok(Principal {
            kind: AuthKind::Console,
            account: Some(account.clone()),
            access_key_id: Some(account.access_key_id.clone()),
        }),
        (None, Some(form)) => {
            let bucket = target.bucket.as_deref().unwrap_or_default();
            ops::post::authenticate(state, form, bucket, &target.region, now)
        }
        // A preflight is answered by the CORS rules alone. Its URL is the actual request's, so a
        // presigned URL's signature comes along, signed for PUT or GET and never for OPTIONS:
        // checking it would refuse every browser upload through a presigned URL.
        (None, None) if matches!(endpoint, Ok(Endpoint::OptionObject { .. })) => {
            Ok(Principal { kind: AuthKind::Anonymous, account: None, access_key_id: None })
        }
        (None, None) => authenticate(state, &parts, &query, &target, now),
    };
    let principal = authenticated.inspect_err(|e| {
        record.entry.auth_error = Some(format!("{}: {}", e.code.as_str(), e.message));
        record.entry.signature = crate::auth::signature_detail(e);
        record.entry.access_key_id = crate::auth::named_access_key(e);
    })?;
    record.entry.auth = principal.kind.name().to_owned();
    record.entry.access_key_id = principal.access_key_id.clone();

    let endpoint = endpoint.map_err(|rejected| rejected.error)?;
    let endpoint = crate::ops::website::home_page(&state.store, endpoint, &principal, &query);
    if endpoint.operation().name() != record.entry.operation {
        record.describe(&endpoint, &parts.headers);
    }
    let header = |name| parts.headers.get(name).and_then(|v: &http::HeaderValue| v.to_str().ok());
    let caller = access::Caller {
        principal: &principal,
        region: &target.region,
        context: crate::policy::RequestContext {
            source_ip: Some(peer.addr.ip()),
            secure: peer.secure,
            now,
            user_agent: header(http::header::USER_AGENT),
            referer: header(http::header::REFERER),
            query: &query,
            headers: &parts.headers,
        },
    };
    let grant = access::authorize(&state.store, &caller, &endpoint.needs())
        .await
        // Only a refusal is an authorization verdict; a missing bucket is just that.
        .inspect_err(|e| {
            if e.code == Code::AccessDenied {
                record.entry.auth_error = Some(format!("{}: {}", e.code.as_str(), e.message));
            }
        })?;

    let facts = RequestFacts {
        operation: endpoint.operation(),
        bucket: endpoint.bucket().unwrap_or_default(),
        key: endpoint.key().unwrap_or_default(),
        access_key_id: principal.access_key_id.as_deref(),
    };
    let fault_set = parts.headers.get(FAULT_SET_HEADER).and_then(|v| v.to_str().ok());
    let fault = state.faults.pick(&facts, fault_set);
    record.entry.fault = fault.as_ref().map(|(id, _)| id.clone());
    record.action = fault.map(|(_, action)| action);

    record.body_read = Some(read_to_end);
    match &record.action {
        Some(FaultAction::ResetRequestAfter { bytes }) => {
            body = FaultyBody::new(body, BodyFault::CutAfter(*bytes)).boxed_unsync();
        }
        Some(FaultAction::Delay { ms }) => tokio::time::sleep(Duration::from_millis(*ms)).await,
        Some(FaultAction::Error { code, status, message, ec }) => {
            let doc = ErrorDocument {
                code: code.clone(),
                message: message.clone().unwrap_or_else(|| format!("{code} (injected fault)")),
                request_id: record.entry.request_id.clone(),
                host_id: host.to_owned(),
                extra: Vec::new(),
                ec: ec.clone(),
            };
            record.entry.error_code = Some(code.clone());
            return Ok(respond::error_document(*status, &doc, parts.method == Method::HEAD));
        }
        _ => {}
    }

    let headers = match &post {
        Some(form) => form.object_headers(&parts.headers)?,
        None => parts.headers,
    };
    let ctx = Ctx {
        state: state.clone(),
        headers,
        query,
        region: target.region,
        endpoint,
        principal,
        grant,
        now,
        post,
        peer,
    };
    ops::dispatch(&ctx, body).await
}

/// Whether the request says a body follows (a non-zero Content-Length, or chunked).
fn body_declared(headers: &http::HeaderMap) -> bool {
    let length = headers.get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).map(str::trim);
    length.is_some_and(|l| l != "0") || headers.contains_key(http::header::TRANSFER_ENCODING)
}

/// The journal entry and log line of one request, filled in by the stages as they learn things and
/// written once, when the response is ready.
struct Record {
    state: Arc<State>,
    entry: Entry,
    /// The fault rule's action, once one fired.
    action: Option<FaultAction>,
    /// Whether the handler read the request body to its end, once it had it.
    body_read: Option<body::ReadToEnd>,
    started: Instant,
    uri: http::Uri,
    written: bool,
}

impl Record {
    fn new(state: Arc<State>, parts: &http::request::Parts, region: &str, now: SystemTime) -> Record {
        let bytes_in =
            parts.headers.get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok()).unwrap_or(0);
        let entry = Entry {
            id: 0,
            time: crate::clock::iso_millis(now),
            request_id: state.new_request_id(),
            region: region.to_owned(),
            method: parts.method.to_string(),
            operation: "Unknown".to_owned(),
            bucket: String::new(),
            key: String::new(),
            auth: "none".to_owned(),
            access_key_id: None,
            status: 0,
            error_code: None,
            bytes_in,
            bytes_out: 0,
            duration_ms: 0.0,
            copy_source: None,
            fault: None,
            uri: crate::journal::masked_uri(&parts.uri),
            headers: crate::journal::masked_headers(&parts.headers),
            auth_error: None,
            signature: None,
        };
        Record {
            state,
            entry,
            action: None,
            body_read: None,
            started: Instant::now(),
            uri: parts.uri.clone(),
            written: false,
        }
    }

    fn describe(&mut self, endpoint: &Endpoint, headers: &http::HeaderMap) {
        self.entry.operation = endpoint.operation().name().to_owned();
        self.entry.bucket = endpoint.bucket().unwrap_or_default().to_owned();
        self.entry.key = endpoint.key().unwrap_or_default().to_owned();
        if endpoint.copy_source().is_some() {
            self.entry.copy_source =
                headers.get(oss_protocol::headers::COPY_SOURCE).and_then(|v| v.to_str().ok()).map(str::to_owned);
        }
    }

    /// Adds the headers every response carries; the entry is written once the body is out
    /// (see [`Journaled`]).
    fn finish(&mut self, mut resp: Response<Body>, now: SystemTime) -> Response<Body> {
        let elapsed = self.started.elapsed();
        respond::finish(&mut resp, &self.entry.request_id, now, elapsed.as_millis());
        self.entry.status = resp.status().as_u16();
        resp
    }

    fn write(&mut self) {
        if std::mem::replace(&mut self.written, true) {
            return;
        }
        self.entry.duration_ms = self.started.elapsed().as_secs_f64() * 1000.0;
        log(&self.entry, &self.uri);
        self.state.journal.record(std::mem::take(&mut self.entry));
    }
}

impl Drop for Record {
    fn drop(&mut self) {
        // The journal holds answered requests only (tests count them); an abandoned one, whose
        // client went away before the answer, is only logged.
        if !self.written {
            tracing::debug!(request_id = %self.entry.request_id, operation = %self.entry.operation, "abandoned: {}", self.uri);
        }
    }
}

/// Authenticates the request. An unknown access key aimed at a bucket that does not exist is
/// NoSuchBucket, as OSS answers: it looks the bucket up before it looks the key up.
fn authenticate(
    state: &State,
    parts: &http::request::Parts,
    query: &[(String, String)],
    target: &Target,
    now: SystemTime,
) -> Result<Principal> {
    let headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .map(|(n, v)| (n.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect();
    let result = Authenticator {
        accounts: &state.config.accounts,
        regions: &state.regions,
        mode: state.config.auth,
        now,
        max_skew: Duration::from_millis(state.config.limits.max_skew_ms),
    }
    .authenticate(&AuthRequest {
        method: parts.method.as_str(),
        bucket: target.bucket.as_deref(),
        key: target.key.as_deref(),
        query,
        headers: &headers,
        region: &target.region,
    });
    match (result, target.bucket.as_deref()) {
        (Err(e), Some(bucket)) if e.code == Code::InvalidAccessKeyId && state.store.bucket(bucket).is_none() => {
            Err(OssError::no_such_bucket(bucket))
        }
        (result, _) => result,
    }
}

fn log(entry: &Entry, uri: &http::Uri) {
    tracing::info!(
        target: "oss_emulator::request",
        request_id = %entry.request_id,
        operation = %entry.operation,
        bucket = %entry.bucket,
        key = %entry.key,
        status = entry.status,
        error = entry.error_code.as_deref().unwrap_or("-"),
        fault = entry.fault.as_deref().unwrap_or("-"),
        bytes_in = entry.bytes_in,
        bytes_out = entry.bytes_out,
        // Tenths of a millisecond: the journal keeps the full value, a log line is for reading.
        duration_ms = (entry.duration_ms * 10.0).round() / 10.0,
        "{} {uri}",
        entry.method
    );
}
