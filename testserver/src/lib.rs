//! A WebSocket test server with fault modes chosen per connection by the URL.
//!
//! Used in-process by native tokio tests ([`TestServer::start`]) and as a separate
//! process (the `omnisocket-testserver` binary) by browser tests, which read what the
//! server observed over HTTP (`GET /report?id=..`).
//!
//! The HTTP upgrade and the frame layer are written by hand (tungstenite is only used
//! for `derive_accept_key`), so the server can misbehave on purpose: stay silent after
//! a Close, send data after a Close, drop or reset the TCP connection, never answer.
//! It only binds `127.0.0.1`.
//!
//! # URLs
//!
//! Every URL may carry `id=ID`, which keys the connection's [`ConnectionReport`]
//! (without it no report is kept; a reused id replaces the old report), and
//! `protocol=NAME` (answer that subprotocol if the client offered it) or
//! `force_protocol=NAME` (answer it even if the client did not offer it).
//!
//! | path | parameters | behaviour |
//! | --- | --- | --- |
//! | `/echo` | | echoes text/binary (same opcode), Pong for Ping, echoes the client's Close code+reason, then closes TCP |
//! | `/never-close` | `ms=N` (600000) | echoes; on the client's Close sends nothing and keeps reading until the client closes TCP or N ms pass |
//! | `/close-delay` | `ms=N` | like echo, answers Close after N ms |
//! | `/close-after-messages` | `n=N` (1), `gap_ms=G` (0) | like echo; on the client's Close first sends `"after-close 1"`..`"after-close N"`, G ms apart, then answers Close |
//! | `/close-first` | `code=C`, `reason=R`, `after_ms=N` (0) or `after_messages=M` | echoes; sends Close(C, R) (empty payload without `code`) after N ms or M messages, waits up to 5 s for the client's Close, closes TCP |
//! | `/drop` | `after_ms=N` (0) or `after_messages=M`, `reset=1` | echoes; closes TCP with no Close frame (`reset=1`: RST via `SO_LINGER` 0) |
//! | `/refuse`, `/refuse/<any>` | `status=S` (403) | refuses the upgrade with HTTP status S and a JSON body (the second form gives each refusal a path of its own: Firefox delays connections to a path that failed recently) |
//! | `/stall` | `ms=N` (60000) | reads the upgrade request and never answers; keeps the TCP connection open until the client closes it or N ms pass (connect timeouts) |
//! | `/half-open` | | handshake, then never reads or writes; closes after the client does or after 60 s |
//! | `/push` | `count=N` (1), `size=B` (0), `binary=1`, `violate=1` | sends N messages right away (`"push <i> "` padded with `x` to B bytes, or B bytes of `i as u8` when binary; `i` from 1), then with `violate=1` a frame with a reserved opcode (a protocol violation), then echoes |
//! | `/flood-after-close` | `bytes=N` (1 GiB), `size=B` (64 KiB) | like echo; on the client's Close first sends N bytes of binary messages of B bytes each (as fast as the client reads), then answers Close |
//! | `/sink` | | counts messages, echoes nothing; answers Ping and Close like echo |
//! | `/slow-read` | `ms=N` (10) | like sink, sleeps N ms after each message (backpressure) |
//! | `/flaky` | `id=X` (required), `refuse_first=N` (0), `drops=D` (0), `after_ms=N` (0) or `after_messages=M`, `close_code=C`, `reason=TEXT` (empty), `refuse_ms=W` (0) | stateful per id, for reconnecting clients (below) |
//!
//! `/flaky` keeps its state per `id` (counts in `GET /flaky-report?id=X`,
//! [`TestServer::flaky_report`]); each upgrade request is decided on arrival, under a
//! lock, by its own parameters (give every attempt the same URL):
//! - the first N upgrade requests of the id are refused with 503;
//! - while a server-ended connection (below) of the id is ending, and for W ms
//!   (`refuse_ms`) after its TCP connection has closed, upgrades are refused with 503;
//! - otherwise the upgrade is accepted and reports as `X.1`, `X.2`, ... (accept order).
//!   The first D accepted connections are ended by the server at the trigger
//!   (`after_ms`/`after_messages` as in `/drop`), echoing until then: dropped with no
//!   Close frame, or with `close_code=C` closed like `/close-first` (Close(C, TEXT)).
//!   Later ones behave like `/echo`. A connection the client ends before its trigger
//!   opens no `refuse_ms` window.
//!
//! Without `id` a `/flaky` request gets 400.
//!
//! Unknown paths get 404, bad parameters 400 (so a typo fails fast). After closing its
//! side the server keeps reading for up to 2 s to count what the client still sends
//! (duplicate Closes, data after Close).
//!
//! Plain HTTP on the same port (no `Upgrade` header), every answer with
//! `Access-Control-Allow-Origin: *`:
//! - `GET /health` → `ok` (text/plain)
//! - `GET /report?id=X` → the report as JSON, or 404 with `null`
//! - `GET /report?id=X&wait=FIELD&timeout_ms=N` → long-polls until FIELD holds
//!   (`tcp_closed`, `handshake_done`, `client_close`, `close_sent`) or N ms (default
//!   5000, at most 60000) pass, then answers with the report as it is
//! - `GET /reports` → every report as a JSON array
//! - `GET /flaky-report?id=X` → `{"upgrades":U,"refused":R,"accepted":A}` for the
//!   `/flaky` scenario X (see [`FlakyReport`]), or 404 with `null`
//! - `GET /closed-port` → `{"port":N}`, a loopback port nothing listens on (to see a
//!   connection refused)
//! - `GET /host?set=H` records, and `GET /host` answers as text, where the test command
//!   says the clients run (`chromium:page`, `firefox:dedicated-worker`, `node`, ...), so
//!   that the wasm suite can check it runs there
//! - with [`Options::static_dir`] (`--static DIR`), any other `GET` that is not a mode
//!   path → the file under DIR (`/` → `index.html`; a `..` segment → 403; 404 if missing),
//!   so a page and the modes it connects to share one origin (the browser demo, `www/`)
//!
//! # Example
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use std::time::Duration;
//! let server = omnisocket_testserver::TestServer::start().await?;
//! let url = server.url("/close-first?id=t1&code=4000&reason=bye");
//! // ... connect a client to `url` ...
//! let report = server
//!     .wait_report("t1", Duration::from_secs(5), |r| r.tcp_closed)
//!     .await;
//! assert_eq!(report.ok().and_then(|r| r.client_close), Some((Some(4000), "bye".into())));
//! # Ok(())
//! # }
//! ```

mod files;
mod frames;
mod handshake;
mod http;
mod modes;
mod report;

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

pub use frames::MAX_MESSAGE_SIZE;
pub use report::{
    ConnectionReport, FIRST_MESSAGES_KEPT, FlakyReport, KEPT_TEXT_MAX, SequenceCheck,
};

use handshake::HeadError;
use modes::{Mode, Route};
use report::{Admission, ConnectionGuard, Registry, Reporter};

/// Settings for [`TestServer::start_with`].
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Options {
    /// Port to bind on 127.0.0.1. Default 0: the OS picks a free one (use this in tests).
    pub port: u16,
    /// Print each finished connection's report to stderr. Default false.
    pub verbose: bool,
    /// Serve the files of this directory for plain HTTP `GET`s that are not endpoints or
    /// mode paths (`/` → `index.html`). Default `None`: such requests get 404.
    pub static_dir: Option<PathBuf>,
}

impl Options {
    /// Sets [`Options::port`].
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Sets [`Options::verbose`].
    pub fn verbose(mut self, verbose: bool) -> Self {
        self.verbose = verbose;
        self
    }

    /// Sets [`Options::static_dir`].
    pub fn static_dir(mut self, dir: impl Into<Option<PathBuf>>) -> Self {
        self.static_dir = dir.into();
        self
    }
}

/// A running test server. Dropping it (or [`TestServer::shutdown`]) stops the
/// listener and every connection task.
#[derive(Debug)]
pub struct TestServer {
    addr: SocketAddr,
    registry: Arc<Registry>,
    accept_task: JoinHandle<()>,
}

impl TestServer {
    /// Binds `127.0.0.1:0` and serves on the current tokio runtime.
    pub async fn start() -> io::Result<Self> {
        Self::start_with(Options::default()).await
    }

    /// Binds `127.0.0.1:options.port` and serves on the current tokio runtime.
    pub async fn start_with(options: Options) -> io::Result<Self> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, options.port)).await?;
        let addr = listener.local_addr()?;
        let registry = Registry::new();
        let accept_task = tokio::spawn(accept_loop(
            listener,
            Arc::clone(&registry),
            options.verbose,
            options.static_dir.map(Arc::from),
        ));
        Ok(Self {
            addr,
            registry,
            accept_task,
        })
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The address the server listens on (always on 127.0.0.1).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `ws://127.0.0.1:PORT` followed by `path_and_query` (a leading `/` is added if missing).
    pub fn url(&self, path_and_query: &str) -> String {
        format!("ws://{}{}", self.addr, slash(path_and_query))
    }

    /// `http://127.0.0.1:PORT` followed by `path_and_query`, for the HTTP endpoints.
    pub fn http_url(&self, path_and_query: &str) -> String {
        format!("http://{}{}", self.addr, slash(path_and_query))
    }

    /// What the server has observed so far on the connection with `id=id`.
    pub fn report(&self, id: &str) -> Option<ConnectionReport> {
        self.registry.get(id)
    }

    /// The counts of the `/flaky` scenario `id=id` (as `GET /flaky-report?id=..`), or
    /// `None` if no upgrade request used that id. Each accepted connection of the
    /// scenario has its own [`report`](Self::report) under `"{id}.{n}"` (n from 1).
    pub fn flaky_report(&self, id: &str) -> Option<FlakyReport> {
        self.registry.flaky_report(id)
    }

    /// Every report kept so far, sorted by id.
    pub fn reports(&self) -> Vec<ConnectionReport> {
        self.registry.all()
    }

    /// Waits until the report of `id` exists and satisfies `pred`, or `timeout` passes.
    ///
    /// `Ok(report)` when the predicate held; otherwise `Err` with the report as it was
    /// at the deadline (`None` if no connection used that id), handy in assertion
    /// messages. Woken by every change, no polling.
    pub async fn wait_report(
        &self,
        id: &str,
        timeout: Duration,
        pred: impl FnMut(&ConnectionReport) -> bool,
    ) -> Result<ConnectionReport, Option<ConnectionReport>> {
        self.registry.wait(id, timeout, pred).await
    }

    /// [`wait_report`](Self::wait_report) until the connection has ended (`tcp_closed`).
    pub async fn wait_closed(
        &self,
        id: &str,
        timeout: Duration,
    ) -> Result<ConnectionReport, Option<ConnectionReport>> {
        self.registry.wait(id, timeout, |r| r.tcp_closed).await
    }

    /// TCP connections currently open, in every mode and including plain HTTP ones.
    pub fn connections_open(&self) -> usize {
        self.registry.open_connections()
    }

    /// Waits until no connection is open; `Err(open)` if some still are after `timeout`.
    pub async fn wait_no_connections(&self, timeout: Duration) -> Result<(), usize> {
        self.registry
            .wait_open(timeout, |open| open == 0)
            .await
            .map(drop)
    }

    /// Stops the listener and aborts every connection task. Idempotent.
    pub fn shutdown(&self) {
        // The accept task owns the connection tasks (a JoinSet), which abort with it.
        self.accept_task.abort();
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn slash(path: &str) -> String {
    if path.starts_with('/') {
        path.to_owned()
    } else {
        format!("/{path}")
    }
}

async fn accept_loop(
    listener: TcpListener,
    registry: Arc<Registry>,
    verbose: bool,
    static_dir: Option<Arc<Path>>,
) {
    let mut tasks = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => {
                    let guard = registry.connection_guard();
                    let static_dir = static_dir.clone();
                    tasks.spawn(handle_connection(stream, Arc::clone(&registry), guard, verbose, static_dir));
                }
                // E.g. out of file descriptors: back off briefly instead of spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
        }
    }
}

async fn handle_connection(
    mut stream: TcpStream,
    registry: Arc<Registry>,
    guard: ConnectionGuard,
    verbose: bool,
    static_dir: Option<Arc<Path>>,
) {
    // Tests care about latency, not about packet counts.
    let _ = stream.set_nodelay(true);
    let mut buf = BytesMut::with_capacity(16 * 1024);
    let req = match handshake::read_request(&mut stream, &mut buf).await {
        Ok(req) => req,
        Err(HeadError::Gone) => return,
        Err(HeadError::Bad(msg)) => {
            return http::send_and_close(&mut stream, &http::json_error(400, &msg)).await;
        }
    };
    let wants_ws = req.wants_websocket();
    if !wants_ws && (http::is_endpoint(&req.path) || req.method == "OPTIONS") {
        let resp = http::serve(&req, &registry).await;
        return http::send_and_close(&mut stream, &resp).await;
    }
    let route = match modes::route(&req.path, &req.query) {
        Ok(Some(route)) => route,
        Ok(None) => {
            if let (false, Some(dir)) = (wants_ws, &static_dir) {
                let resp = files::serve(dir, &req).await;
                return http::send_and_close(&mut stream, &resp).await;
            }
            let msg = format!("unknown path {}", req.path);
            return http::send_and_close(&mut stream, &http::json_error(404, &msg)).await;
        }
        Err(msg) => {
            return http::send_and_close(&mut stream, &http::json_error(400, &msg)).await;
        }
    };
    let id = req
        .query
        .get("id")
        .filter(|id| !id.is_empty())
        .map(str::to_owned);
    let mode_name = req.path.trim_start_matches('/');
    let (mode, flaky) = match route {
        Route::Refuse(status) => {
            let rep = Reporter::new(Arc::clone(&registry), id, mode_name);
            let body = format!("refused by test server with status {status}");
            http::send_and_close(&mut stream, &http::json_error(status, &body)).await;
            drop(stream);
            drop(guard);
            rep.update(|r| r.tcp_closed = true);
            return;
        }
        Route::Stall(limit) => {
            let rep = Reporter::new(Arc::clone(&registry), id, mode_name);
            let closed_by_client = modes::stall(&mut stream, limit).await;
            drop(stream);
            drop(guard);
            rep.update(|r| {
                r.tcp_closed = true;
                r.tcp_closed_by_client = closed_by_client;
            });
            return;
        }
        Route::WebSocket(mode) => (mode, None),
        // Decided below, once the request is known to be a valid upgrade. Connections
        // past the first `drops` echo.
        Route::Flaky(flaky) => (Mode::Echo, Some(flaky)),
    };
    if !wants_ws {
        let msg = format!(
            "{} is a WebSocket endpoint: send an Upgrade request",
            req.path
        );
        return http::send_and_close(&mut stream, &http::json_error(426, &msg)).await;
    }
    let key = match handshake::websocket_key(&req) {
        Ok(key) => key,
        Err(msg) => {
            return http::send_and_close(&mut stream, &http::json_error(400, &msg)).await;
        }
    };
    let protocol = match (req.query.get("force_protocol"), req.query.get("protocol")) {
        (Some(forced), _) => Some(forced),
        (None, Some(wanted)) => req
            .header_tokens("sec-websocket-protocol")
            .find(|offered| *offered == wanted),
        (None, None) => None,
    };
    let (mode, id, server_end) = match flaky {
        None => (mode, id, None),
        Some(flaky) => match registry.flaky_admit(&flaky.id, flaky.rules) {
            Admission::Refuse => {
                let body = format!("refused by test server (flaky id {})", flaky.id);
                return http::send_and_close(&mut stream, &http::json_error(503, &body)).await;
            }
            Admission::Accept { n, server_ends } => {
                let conn_id = format!("{}.{n}", flaky.id);
                if server_ends {
                    let end = registry.server_end(&flaky.id);
                    (flaky.server_ended, Some(conn_id), Some(end))
                } else {
                    (mode, Some(conn_id), None)
                }
            }
        },
    };
    let rep = Reporter::new(Arc::clone(&registry), id, mode_name);
    let response = handshake::switching_protocols(key, protocol);
    if stream.write_all(&response).await.is_err() {
        drop(stream);
        drop(guard);
        rep.update(|r| {
            r.tcp_closed = true;
            r.tcp_closed_by_client = true;
        });
        return;
    }
    rep.update(|r| r.handshake_done = true);
    modes::run(stream, buf, mode, rep, guard, server_end, verbose).await;
}
