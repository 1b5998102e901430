//! The server on a real loopback socket under hostile clients: hundreds of clients that stall
//! in their headers or mid-body, idle keep-alive connections, and requests for another host.
//! Bounded in count and time so that it runs in CI.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use unspin_core::Engine;
use unspin_server::{serve, AppState, Limits};

/// Starts the server with `limits` on a free loopback port; returns its address.
async fn start(limits: Limits) -> std::net::SocketAddr {
    let engine = Engine::new(unspin_testkit::default_model().clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(serve(listener, AppState::new(engine, None, limits)));
    addr
}

/// Sends one whole request (with `Connection: close`) and returns the status code and body.
async fn request(addr: std::net::SocketAddr, host: &str, path: &str, body: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body.as_bytes()).await.unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).await.unwrap();
    let status = reply
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = reply.split("\r\n\r\n").nth(1).unwrap_or("").to_owned();
    (status, body)
}

/// Whether the server closes `stream` (reads end of file) within `within`.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 1024];
    loop {
        match tokio::time::timeout(within, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue,
            Err(_) => return false,
        }
    }
}

const CHECK: &str = r#"{"text": "The officers stated that the council will open an inquiry."}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_and_idle_clients_are_cut_off_and_others_are_still_served() {
    let limits = Limits {
        header_timeout: Duration::from_secs(1),
        timeout: Duration::from_secs(2),
        queue: 16,
        connections: 512,
        ..Limits::default()
    };
    let addr = start(limits).await;

    // 300 clients stall in their headers.
    let mut stalled_heads = Vec::new();
    for _ in 0..300 {
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(b"POST /v1/check HTTP/1.1\r\nHost: localhost\r\n")
            .await
            .unwrap();
        stalled_heads.push(s);
    }
    // 16 more fill every request slot with a body that never comes, on another route.
    let mut stalled_bodies = Vec::new();
    for _ in 0..16 {
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(
            b"POST /v1/restore HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"text\": \"",
        )
        .await
        .unwrap();
        stalled_bodies.push(s);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;

    // The request limit is the server's, not the route's: /v1/check is turned away too.
    let (status, body) = request(addr, "localhost", "/v1/check", CHECK).await;
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("overloaded"), "{body}");

    // Within the request deadline the stalled bodies are answered with a timeout and their
    // slots freed; a new request is then served.
    let started = Instant::now();
    let served = loop {
        let (status, body) = request(addr, "localhost", "/v1/check", CHECK).await;
        if status == 200 {
            break body;
        }
        assert!(
            started.elapsed() < Duration::from_secs(8),
            "still not served after {:?}: {status} {body}",
            started.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(served.contains("\"verdict\""), "{served}");
    for s in &mut stalled_bodies {
        assert!(closed_within(s, Duration::from_secs(5)).await);
    }

    // The stalled headers are cut off after the header timeout.
    for s in &mut stalled_heads {
        assert!(
            closed_within(s, Duration::from_secs(5)).await,
            "a client stalled in its headers is still connected"
        );
    }

    // An idle kept-alive connection is closed too.
    let mut idle = TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /v1/check HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{CHECK}",
        CHECK.len()
    );
    idle.write_all(head.as_bytes()).await.unwrap();
    assert!(closed_within(&mut idle, Duration::from_secs(10)).await);
}

#[tokio::test]
async fn a_loopback_server_answers_only_requests_for_localhost() {
    let addr = start(Limits::default()).await;
    let (status, body) = request(addr, "attacker.example", "/v1/check", CHECK).await;
    assert_eq!(status, 421, "{body}");
    assert!(body.contains("wrong_host"), "{body}");
    for host in [
        "localhost",
        &addr.to_string(),
        &format!("localhost:{}", addr.port()),
    ] {
        let (status, body) = request(addr, host, "/v1/check", CHECK).await;
        assert_eq!(status, 200, "{host}: {body}");
    }
    let v6 = format!("[::1]:{}", addr.port());
    assert_eq!(request(addr, &v6, "/v1/check", CHECK).await.0, 200);
}
