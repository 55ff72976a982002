//! The Autobahn client test cases, driven from the page against a kosoku fuzzing server.
//!
//! For each case the agent connects to `/runCase?case=N&agent=AGENT`, sends every text and
//! binary message back as it came (same kind, same payload) until the connection ends,
//! then finishes; the fuzzing server judges the rest (fragmentation, UTF-8, pings, which
//! the browser answers, and the closing handshake). `/getCaseCount` comes first,
//! `/updateReports?agent=AGENT` last. Both agents follow exactly this logic:
//!
//! - `omnisocket-web`: `omnisocket::Client` (the browser's `WebClient`), echoing until `recv()`
//!   returns `None` or an error, then `shutdown`, which returns at once with the outcome
//!   when the connection has already ended.
//! - `chromium-raw`: the page's `WebSocket` from plain JavaScript (`binaryType =
//!   "arraybuffer"`, `onmessage` sends `event.data` back) until `close` fires.

use std::pin::pin;
use std::time::Duration;

use futures_util::future::{Either, select};
use gloo_timers::future::TimeoutFuture;
use wasm_bindgen_futures::JsFuture;
use omnisocket::{Client, Config, Shutdown};

use crate::{js, now_ms, report, say};

/// How long the peer has to answer a Close (it has usually closed first).
const CLOSE_TIMEOUT: Duration = Duration::from_secs(2);
/// The largest message of the suite is 16 MiB (9.1.6, 9.2.6).
const MAX_MESSAGE_SIZE: usize = 64 << 20;
/// How long `/getCaseCount` and `/updateReports` may take.
const CONTROL_TIMEOUT_MS: u32 = 120_000;

/// Who drives the cases.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Agent {
    /// `omnisocket`'s `WebClient`.
    OmnisocketWeb,
    /// The browser's `WebSocket` from plain JavaScript.
    ChromiumRaw,
}

impl Agent {
    /// The agent name in the reports.
    pub fn name(self) -> &'static str {
        match self {
            Agent::OmnisocketWeb => "omnisocket-web",
            Agent::ChromiumRaw => "chromium-raw",
        }
    }
}

/// Runs every case of the fuzzing server at `127.0.0.1:port` as `agent`, then asks it to
/// write its reports. A case still running after `case_timeout_ms` is abandoned (and
/// reported as such by the server).
///
/// # Errors
/// `/getCaseCount` or `/updateReports` failed.
pub async fn run(agent: Agent, port: u16, case_timeout_ms: u32) -> Result<(), String> {
    let base = format!("ws://127.0.0.1:{port}");
    let name = agent.name();
    let count_url = format!("{base}/getCaseCount");
    let count = match agent {
        Agent::OmnisocketWeb => omnisocket_last_text(&count_url).await?,
        Agent::ChromiumRaw => raw_last_text(&count_url).await?,
    };
    let count: u32 = count
        .trim()
        .parse()
        .map_err(|_| format!("not a case count: {count:?}"))?;
    say(&format!("{name}: running {count} cases against {base}"));

    let started = now_ms();
    let mut slowest = (0.0, 0);
    for case in 1..=count {
        let url = format!("{base}/runCase?case={case}&agent={name}");
        let case_started = now_ms();
        let note = match agent {
            Agent::OmnisocketWeb => {
                let timeout = TimeoutFuture::new(case_timeout_ms);
                match select(pin!(omnisocket_case(&url)), timeout).await {
                    Either::Left((note, _)) => note,
                    Either::Right(_) => format!("no end after {case_timeout_ms} ms, abandoned"),
                }
            }
            Agent::ChromiumRaw => JsFuture::from(js::raw_case(&url, case_timeout_ms))
                .await
                .ok()
                .and_then(|note| note.as_string())
                .unwrap_or_else(|| "rawCase failed".to_owned()),
        };
        let ms = now_ms() - case_started;
        if ms > slowest.0 {
            slowest = (ms, case);
        }
        say(&format!("{name}: case {case}/{count} ({ms:.0} ms): {note}"));
    }
    let seconds = (now_ms() - started) / 1000.0;
    say(&format!(
        "{name}: {count} cases in {seconds:.1} s (slowest: case {} in {:.1} s)",
        slowest.1,
        slowest.0 / 1000.0
    ));

    let update_url = format!("{base}/updateReports?agent={name}");
    match agent {
        Agent::OmnisocketWeb => omnisocket_last_text(&update_url).await?,
        Agent::ChromiumRaw => raw_last_text(&update_url).await?,
    };
    report(&format!("autobahn|{name}|{count} cases|{seconds:.1} s"));
    Ok(())
}

fn config() -> Config {
    Config::default()
        .max_message_size(MAX_MESSAGE_SIZE)
        .close_timeout(CLOSE_TIMEOUT)
}

/// One case as `omnisocket-web`; returns a line saying how it ended.
async fn omnisocket_case(url: &str) -> String {
    let mut client = match Client::connect(url, config()).await {
        Ok(client) => client,
        Err(error) => return format!("connect failed: {error}"),
    };
    let mut echoed = 0usize;
    let mut notes = Vec::new();
    while let Some(item) = client.recv().await {
        match item {
            Ok(message) => match client.send(message).await {
                Ok(()) => echoed += 1,
                // Closing or closed: keep reading until the end.
                Err(error) => notes.push(format!("echo failed: {error}")),
            },
            Err(error) => {
                notes.push(format!("recv error: {error}"));
                break;
            }
        }
    }
    let outcome = match client.shutdown(CLOSE_TIMEOUT).await {
        Shutdown::Clean(frame) => format!("clean, peer sent {}", frame.code.as_u16()),
        Shutdown::TimedOut => "close timed out".to_owned(),
        Shutdown::Abnormal(why) => format!("abnormal ({why})"),
        other => other.to_string(),
    };
    notes.insert(0, format!("echoed {echoed}, {outcome}"));
    notes.join("; ")
}

/// Connects with `omnisocket` and returns the last text message before the end (an error
/// after the connection opened ends it too, as with the raw agent).
async fn omnisocket_last_text(url: &str) -> Result<String, String> {
    let run = async {
        let mut client = Client::connect(url, config())
            .await
            .map_err(|e| format!("{url}: {e}"))?;
        let mut text = String::new();
        while let Some(item) = client.recv().await {
            match item {
                Ok(message) => {
                    if let Some(t) = message.as_text() {
                        t.clone_into(&mut text);
                    }
                }
                // kosoku exits right after writing the reports, without a closing
                // handshake; what was received before counts.
                Err(error) => {
                    say(&format!("{url}: {error}"));
                    break;
                }
            }
        }
        let _ = client.shutdown(CLOSE_TIMEOUT).await;
        Ok(text)
    };
    match select(pin!(run), TimeoutFuture::new(CONTROL_TIMEOUT_MS)).await {
        Either::Left((result, _)) => result,
        Either::Right(_) => Err(format!("{url}: no end after {CONTROL_TIMEOUT_MS} ms")),
    }
}

/// Connects with the page's `WebSocket` and returns the last text message before the end.
async fn raw_last_text(url: &str) -> Result<String, String> {
    let text = JsFuture::from(js::raw_last_text(url, CONTROL_TIMEOUT_MS))
        .await
        .map_err(|e| format!("{url}: {e:?}"))?;
    Ok(text.as_string().unwrap_or_default())
}
