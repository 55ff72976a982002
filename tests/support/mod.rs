//! What the behavioural suite needs from its target: the test server, timers and clocks.
//!
//! Natively the server runs in-process (one per test, on port 0); in the browser it is a
//! separate process started by the test command, whose port is compiled in through
//! `OMNISOCKET_TEST_SERVER_PORT`. Both read the server's reports over HTTP, so the cases
//! see the same thing on both targets.

#![allow(
    dead_code,
    unused_macros,
    unreachable_pub,
    reason = "each test binary uses a different part"
)]

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use omnisocket::{Client, CloseCode, CloseFrame, Config};
use serde::Deserialize;

/// Declares one case for both targets.
macro_rules! case {
    (browser_skip = $why:tt; async fn $name:ident($peer:ident) $body:block) => {
        #[cfg_attr(native, tokio::test(flavor = "multi_thread", worker_threads = 2))]
        #[cfg_attr(web, wasm_bindgen_test::wasm_bindgen_test)]
        #[cfg_attr(web, ignore = $why)]
        async fn $name() {
            let $peer = &Peer::start().await;
            $body
        }
    };
    (async fn $name:ident($peer:ident) $body:block) => {
        #[cfg_attr(native, tokio::test(flavor = "multi_thread", worker_threads = 2))]
        #[cfg_attr(web, wasm_bindgen_test::wasm_bindgen_test)]
        async fn $name() {
            let $peer = &Peer::start().await;
            $body
        }
    };
}

#[cfg(native)]
mod native;
#[cfg(native)]
pub use native::*;
#[cfg(native)]
pub mod proxies;
#[cfg(native)]
pub mod tls;

#[cfg(web)]
mod browser;
#[cfg(web)]
pub use browser::*;

/// What the test server observed on one connection (a subset of its JSON report).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Report {
    pub id: String,
    pub handshake_done: bool,
    pub messages_received: u64,
    pub first_messages: Vec<String>,
    pub sequence: Sequence,
    pub close_frames_received: u32,
    pub client_close: Option<(Option<u16>, String)>,
    pub close_sent: Option<(Option<u16>, String)>,
    pub frames_after_close: u32,
    pub tcp_closed_by_client: bool,
    pub tcp_closed: bool,
    pub protocol_error: Option<String>,
}

/// What the test server counted for one `/flaky` scenario.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub struct Flaky {
    pub upgrades: u64,
    pub refused: u64,
    pub accepted: u64,
}

/// The server's per-task ordering check over `"<task>:<seq>"` messages.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(default)]
pub struct Sequence {
    pub tasks: u32,
    pub violations: u64,
    pub malformed: u64,
}

/// The report field `Peer::wait` waits for.
#[derive(Debug, Clone, Copy)]
pub enum Until {
    HandshakeDone,
    ClientClose,
    TcpClosed,
}

impl Until {
    fn as_query(self) -> &'static str {
        match self {
            Until::HandshakeDone => "handshake_done",
            Until::ClientClose => "client_close",
            Until::TcpClosed => "tcp_closed",
        }
    }
}

/// What both targets ask of the test server; each target's `Peer` brings `get_body`.
impl Peer {
    /// The report of connection `id` as it is now.
    pub async fn report(&self, id: &str) -> Report {
        self.get(&report_path(id, None, 0)).await
    }

    /// The report of connection `id` once `until` holds, or after `timeout`.
    pub async fn wait(&self, id: &str, until: Until, timeout: Duration) -> Report {
        self.get(&report_path(id, Some(until), timeout.as_millis() as u64))
            .await
    }

    /// What the server counted for the `/flaky` scenario `id`.
    pub async fn flaky(&self, id: &str) -> Flaky {
        let body = self.get_body(&format!("/flaky-report?id={id}")).await;
        match serde_json::from_str::<Option<Flaky>>(&body) {
            Ok(flaky) => flaky.unwrap_or_default(),
            Err(error) => panic!("the test server's flaky report is not JSON ({error}): {body}"),
        }
    }

    /// A loopback port nothing listens on (the server's `/closed-port`).
    pub async fn closed_port(&self) -> u16 {
        parse_closed_port(&self.get_body("/closed-port").await)
    }

    async fn get(&self, path: &str) -> Report {
        parse_report(&self.get_body(path).await)
    }
}

/// How long a case waits for what should come at once: generous, as the machines that run
/// the tests are shared and slow; the timings that matter are in the benchmarks.
pub const GENEROUS: Duration = Duration::from_secs(5);

/// A client connected to the test server's `path`, or a panic that says why not.
pub async fn connect_with(peer: &Peer, path: &str, config: Config) -> Client {
    let url = peer.url(path);
    match Client::connect(&url, config).await {
        Ok(client) => client,
        Err(error) => panic!("connect to {url} failed: {error}"),
    }
}

/// A client connected to the test server's `path` with the default config.
pub async fn connect(peer: &Peer, path: &str) -> Client {
    connect_with(peer, path, Config::default()).await
}

/// A close frame with a code the test knows to be valid.
pub fn frame(code: u16, reason: &str) -> CloseFrame {
    match CloseCode::try_from(code) {
        Ok(code) => CloseFrame::new(code, reason),
        Err(error) => panic!("{error}"),
    }
}

/// The next message, which must be text.
pub async fn next_text(client: &mut Client) -> String {
    match client.recv().await {
        Some(Ok(message)) => message.as_text().unwrap_or_default().to_owned(),
        other => panic!("expected a message, got {other:?}"),
    }
}

/// A connection id unique within this test binary, for the server's reports.
pub fn unique_id(name: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    format!(
        "{name}-{}-{}",
        NEXT.fetch_add(1, Ordering::Relaxed),
        random_suffix()
    )
}

fn report_path(id: &str, until: Option<Until>, timeout_ms: u64) -> String {
    match until {
        Some(until) => format!(
            "/report?id={id}&wait={}&timeout_ms={timeout_ms}",
            until.as_query()
        ),
        None => format!("/report?id={id}"),
    }
}

/// The port in the test server's answer to `/closed-port`.
fn parse_closed_port(body: &str) -> u16 {
    #[derive(Deserialize)]
    struct Port {
        port: u16,
    }
    match serde_json::from_str::<Port>(body) {
        Ok(Port { port }) => port,
        Err(error) => {
            panic!("the test server's /closed-port answer is not a port ({error}): {body}")
        }
    }
}

fn parse_report(body: &str) -> Report {
    match serde_json::from_str::<Option<Report>>(body) {
        Ok(Some(report)) => report,
        Ok(None) => Report::default(),
        Err(error) => panic!("the test server's report is not JSON ({error}): {body}"),
    }
}
