//! What keeps slow, idle or greedy clients from locking others out: the header timeout, the idle
//! timeout, the connection limit and the memory budget for buffered bodies. Raw sockets against
//! an in-process emulator.

use std::time::Duration;

use oss_emulator::{Connections, Emulator, RunningEmulator};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn emulator(connections: Connections) -> RunningEmulator {
    Emulator::builder().auth(oss_emulator::AuthMode::Off).connections(connections).start().await.expect("start")
}

/// Sends one request on a fresh connection and returns the status line.
async fn status_line(em: &RunningEmulator, request: &str) -> String {
    let mut s = TcpStream::connect(em.addr()).await.expect("connect");
    s.write_all(request.as_bytes()).await.expect("send");
    let mut buf = vec![0; 4096];
    let n = s.read(&mut buf).await.expect("read");
    String::from_utf8_lossy(&buf[..n]).lines().next().unwrap_or_default().to_owned()
}

/// Reads until the server closes the connection; `true` when it did within `within`.
async fn closed_within(s: &mut TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 1024];
    tokio::time::timeout(within, async {
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await
    .is_ok()
}

#[tokio::test]
async fn idle_sockets_at_the_connection_limit_do_not_lock_clients_out() {
    let em = emulator(Connections { max_connections: 8, header_timeout_ms: 500, ..Default::default() }).await;
    // Eight clients connect and say nothing: every slot is taken.
    let mut idle = Vec::new();
    for _ in 0..8 {
        idle.push(TcpStream::connect(em.addr()).await.expect("connect"));
    }
    // A ninth is served once the header timeout has closed the silent ones.
    let served =
        tokio::time::timeout(Duration::from_secs(10), status_line(&em, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"))
            .await
            .expect("served after the idle connections timed out");
    assert!(served.starts_with("HTTP/1.1 200"), "{served}");
    for mut s in idle {
        assert!(closed_within(&mut s, Duration::from_secs(5)).await, "an idle connection stayed open");
    }
}

#[tokio::test]
async fn headers_that_never_finish_are_cut_off() {
    let em = emulator(Connections { header_timeout_ms: 300, ..Default::default() }).await;
    let mut s = TcpStream::connect(em.addr()).await.expect("connect");
    s.write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ").await.expect("send");
    assert!(closed_within(&mut s, Duration::from_secs(5)).await, "a half-sent header kept its connection");
}

#[tokio::test]
async fn a_stalled_body_is_closed_after_the_idle_timeout() {
    let em = emulator(Connections { idle_timeout_ms: 300, ..Default::default() }).await;
    assert!(status_line(&em, "PUT /stall HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n")
        .await
        .contains("200"));
    let mut s = TcpStream::connect(em.addr()).await.expect("connect");
    s.write_all(b"PUT /stall/k HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\nonly a few bytes")
        .await
        .expect("send");
    assert!(closed_within(&mut s, Duration::from_secs(5)).await, "a stalled upload kept its connection");
    // Nothing half-written was stored.
    let got = status_line(&em, "HEAD /stall/k HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").await;
    assert!(got.contains("404"), "{got}");
}

#[tokio::test]
async fn buffered_bodies_share_one_memory_budget() {
    let em = emulator(Connections { body_memory: 64 * 1024, ..Default::default() }).await;
    assert!(status_line(&em, "PUT /budget HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n")
        .await
        .contains("200"));
    let delete = |keys: usize| {
        let objects: String = (0..keys).map(|i| format!("<Object><Key>key-{i:06}</Key></Object>")).collect();
        let body = format!("<Delete><Quiet>true</Quiet>{objects}</Delete>");
        format!("POST /budget/?delete HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\n\r\n{body}", body.len())
    };
    // About 36 KB: within the budget.
    let small = status_line(&em, &delete(1000)).await;
    assert!(small.starts_with("HTTP/1.1 200"), "{small}");
    // Two bodies of 36 KB at once do not fit in 64 KB: the one that arrives second is refused
    // with 503 rather than allocated. Hold the first open by sending all but its last byte.
    let first = delete(1000);
    let mut holder = TcpStream::connect(em.addr()).await.expect("connect");
    holder.write_all(&first.as_bytes()[..first.len() - 1]).await.expect("send");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let second = status_line(&em, &delete(1000)).await;
    assert!(second.starts_with("HTTP/1.1 503"), "{second}");
    holder.write_all(&first.as_bytes()[first.len() - 1..]).await.expect("finish");
    let mut buf = vec![0; 4096];
    let n = holder.read(&mut buf).await.expect("read");
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"), "the first body completes");
    // The budget is free again.
    assert!(status_line(&em, &delete(1000)).await.starts_with("HTTP/1.1 200"));
}

/// A request that declares a body the server never reads (a GET with a Content-Length and no
/// bytes, as oss2 sends when told to) is answered with `Connection: close`: the next request on
/// that connection could not be told apart from the missing body.
#[tokio::test]
async fn an_unread_body_closes_the_connection_after_the_answer() {
    let em = emulator(Connections::default()).await;
    assert!(status_line(&em, "PUT /unread HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n")
        .await
        .contains("200"));
    let mut s = TcpStream::connect(em.addr()).await.expect("connect");
    s.write_all(b"GET /unread/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 9\r\n\r\n").await.expect("send");
    let mut buf = vec![0; 8192];
    let n = s.read(&mut buf).await.expect("read");
    let head = String::from_utf8_lossy(&buf[..n]).to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 200") && head.contains("connection: close"), "{head}");
    // A request whose body was read keeps its connection.
    let mut s = TcpStream::connect(em.addr()).await.expect("connect");
    s.write_all(b"PUT /unread/k HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n\r\nhi").await.expect("send");
    let n = s.read(&mut buf).await.expect("read");
    let head = String::from_utf8_lossy(&buf[..n]).to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 200") && !head.contains("connection: close"), "{head}");
}
