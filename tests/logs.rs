//! The connection's lifecycle as `tracing` spans and events, captured natively: what an
//! application sees in its logs, and that no secret is among it.

#![cfg(native)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use omnisocket::{Client, Config, Message, Shutdown};
use support::{GENEROUS, Peer, next_text};
use tracing::Level;

/// Everything the subscriber writes, as text.
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl Logs {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl Write for Logs {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Captures the events of this thread (the connection's task runs on it too: the runtime
/// has one thread) at `TRACE` and above.
fn capture() -> (Logs, tracing::subscriber::DefaultGuard) {
    let logs = Logs::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    (logs, tracing::subscriber::set_default(subscriber))
}

/// The lines of `logs` that contain `what`, or a panic that shows them all.
fn lines_with<'a>(logs: &'a str, what: &str) -> Vec<&'a str> {
    let lines: Vec<&str> = logs.lines().filter(|line| line.contains(what)).collect();
    assert!(!lines.is_empty(), "no `{what}` in the logs:\n{logs}");
    lines
}

#[tokio::test]
async fn a_connection_logs_its_lifecycle_in_its_span_without_secrets() {
    let peer = Peer::start().await;
    let (logs, _guard) = capture();
    let url = peer
        .url("/echo?protocol=chat.v1")
        .replacen("ws://", "ws://alice:hunter2@", 1);
    let config = Config::default()
        .protocol("chat.v1")
        .header("Authorization", "Bearer s3cret-token")
        .header("Cookie", "session=c00kie");
    let mut client = Client::connect(&url, config).await.unwrap();
    client.send(Message::text("hello")).await.unwrap();
    assert_eq!(next_text(&mut client).await, "hello");
    assert!(client.shutdown(GENEROUS).await.is_clean());

    let logs = logs.text();
    for secret in ["hunter2", "s3cret-token", "c00kie"] {
        assert!(!logs.contains(secret), "`{secret}` is in the logs:\n{logs}");
    }
    // Every event is in the connection's span, which names the URL without its password.
    let span = "websocket{url=ws://alice:***@127.0.0.1";
    for event in [
        "connecting",
        "open",
        "close requested",
        "close sent",
        "websocket closed",
    ] {
        for line in lines_with(&logs, event) {
            assert!(line.contains(span), "not in the span: {line}");
        }
    }
    assert!(lines_with(&logs, "open")[0].contains("protocol=\"chat.v1\""));
    assert!(lines_with(&logs, "close requested")[0].contains("code=1000"));
    assert!(lines_with(&logs, "close requested")[0].contains("timeout_ms="));
    assert!(lines_with(&logs, "close sent")[0].contains("code=1000"));
    let closed = lines_with(&logs, "websocket closed")[0];
    assert!(closed.contains("DEBUG"), "{closed}");
    assert!(
        closed.contains("closed cleanly by the peer with 1000"),
        "{closed}"
    );
    assert!(closed.contains("close_took_ms="), "{closed}");
}

#[tokio::test]
async fn a_failed_liveness_check_is_a_warning_and_the_end_is_logged() {
    let peer = Peer::start().await;
    let (logs, _guard) = capture();
    let config = Config::default().keepalive(Duration::from_millis(50), Duration::from_millis(150));
    let mut client = Client::connect(&peer.url("/half-open"), config)
        .await
        .unwrap();
    assert!(matches!(client.recv().await, Some(Err(_))));
    assert!(matches!(
        client.shutdown(GENEROUS).await,
        Shutdown::Abnormal(_)
    ));

    let logs = logs.text();
    let failed = lines_with(&logs, "liveness check failed")[0];
    assert!(failed.contains("WARN"), "{failed}");
    let closed = lines_with(&logs, "websocket closed")[0];
    assert!(closed.contains("INFO"), "{closed}");
    assert!(closed.contains("closed abnormally"), "{closed}");
}

#[tokio::test]
async fn a_failed_connect_is_logged_with_its_error() {
    let peer = Peer::start().await;
    let (logs, _guard) = capture();
    let url = peer
        .url("/refuse?status=403")
        .replacen("ws://", "ws://bob:pa55word@", 1);
    assert!(Client::connect(&url, Config::default()).await.is_err());
    let logs = logs.text();
    assert!(
        !logs.contains("pa55word"),
        "the password is in the logs:\n{logs}"
    );
    let failed = lines_with(&logs, "connect failed")[0];
    assert!(failed.contains("403"), "{failed}");
}

#[tokio::test]
async fn the_proxy_is_logged_without_its_password() {
    let peer = Peer::start().await;
    let closed = peer.closed_port().await;
    let (logs, _guard) = capture();
    let config = Config::default().proxy(format!("socks5h://gina:pr0xy-pw@127.0.0.1:{closed}"));
    let result = Client::connect(&peer.url("/echo"), config).await;
    assert!(result.is_err(), "the proxy is down: {result:?}");

    let logs = logs.text();
    assert!(!logs.contains("pr0xy-pw"), "{logs}");
    let line = lines_with(&logs, "through a proxy")[0];
    let expected = format!("proxy=socks5h://gina:***@127.0.0.1:{closed}");
    assert!(line.contains(&expected), "{line}");
    assert!(line.contains("set_by=\"Config::proxy\""), "{line}");
    lines_with(&logs, "connect failed");
}
