//! One async WebSocket client for the browser and for native code, with a closing handshake
//! that waits for the peer, for as long as you choose, and tells you what happened.
//!
//! - In the browser (`wasm32-unknown-unknown`) it runs on the browser's own `WebSocket`.
//! - Natively it runs on tokio and tokio-tungstenite (rustls for `wss://`).
//!
//! [`Client`] and its cloneable [`Sender`] are the same types on both targets; generic code
//! (such as a library that must not name a backend) is written against the [`WsClient`]
//! and [`WsSender`] traits they implement. The few items that exist on one target only are
//! marked *Available on `native` only* (every target but `wasm32-unknown-unknown`) or
//! *on `web` only* (`wasm32-unknown-unknown`); a setting that only one target can honour
//! says so in its docs.
//!
//! # Example
//!
//! ```no_run
//! use std::time::Duration;
//! use omnisocket::{Client, Config, Message, Shutdown, WsClient};
//!
//! # async fn run() -> Result<(), omnisocket::Error> {
//! let mut client = Client::connect("ws://127.0.0.1:9000/echo", Config::default()).await?;
//! client.send(Message::text("hello")).await?;
//!
//! // Another task can send and close through a cloneable handle.
//! let sender = client.sender();
//!
//! if let Some(reply) = client.recv().await {
//!     println!("got {:?}", reply?);
//! }
//! match sender.shutdown(Duration::from_secs(2)).await {
//!     Shutdown::Clean(frame) => println!("peer closed with {frame}"),
//!     Shutdown::TimedOut => println!("peer did not answer in time"),
//!     Shutdown::Abnormal(why) => println!("connection broke: {why}"),
//!     other => println!("{other}"), // `Shutdown` may tell more apart later
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # Closing
//!
//! [`shutdown`](WsClient::shutdown) and [`close`](WsClient::close) perform the RFC 6455
//! closing handshake: messages sent before the call go out first, the Close frame is sent
//! once however many tasks ask, and the call resolves as soon as the peer answers
//! ([`Shutdown::Clean`], with the peer's code and reason), when the timeout expires
//! ([`Shutdown::TimedOut`]), or when the connection breaks first ([`Shutdown::Abnormal`]).
//! Meanwhile [`recv`](WsClient::recv) keeps returning what the peer still sends, then `None`.
//! Dropping the [`Client`] starts the same handshake in the background, bounded by
//! [`Config::close_timeout`]. A timeout may be anything up to `Duration::MAX`, which
//! natively means "never" (in the browser: about 24.8 days, see below).
//!
//! # Reconnecting
//!
//! [`reconnect::Reconnecting`] wraps any [`WsClient`] in a connection that comes back after
//! a drop: exponential backoff with jitter per attempt, a bounded queue for what is sent
//! meanwhile, a URL callback per attempt, failures marked final, and
//! [`Event`](reconnect::Event)s for the user interface. See the [`reconnect`] module.
//!
//! # Leptos, Yew and typed messages
//!
//! The workspace's `omnisocket-leptos` and `omnisocket-yew` crates give a component
//! `use_websocket(url)`: connected on mount, reconnecting, its
//! [`State`](reconnect::State) and messages as the framework's reactive values, a
//! `try_send` that never waits, and a graceful close bounded by [`Config::close_timeout`] on
//! unmount. They are built on the `ui` feature ([`ui::Options`] and [`ui::Binding`], for
//! other frameworks). The `json` feature reads and writes messages as JSON:
//! `Message::json(&value)` and `message.json::<T>()` ([`DecodeJson`]), with a [`JsonError`]
//! that names the field. The `unstable-test-hooks` feature adds `test_hooks`, counters of
//! what is still alive for this workspace's leak tests: not covered by semver, for
//! dev-dependencies only.
//!
//! # Liveness
//!
//! [`Config::keepalive`] sends a ping every interval and declares the connection dead when
//! nothing comes back in time; [`Config::idle_timeout`] ends a connection on which nothing
//! arrives. Either is reported once by `recv` as an error, and the connection is closed.
//!
//! # Natively
//!
//! A tokio runtime is required, with its IO and time drivers enabled (`#[tokio::main]` and
//! `Builder::enable_all()` do that); outside any runtime `connect` fails with
//! [`Error::Environment`]. The socket is owned by one background task per connection;
//! sends go through a bounded queue ([`Config::send_queue`]), so `send` waits when the
//! network is slower than the senders. Custom headers and root certificates are supported.
//!
//! **Proxies.** By default a connection goes through the proxy the environment names, as
//! curl and Go read `HTTP_PROXY` (`ws://`), `HTTPS_PROXY` (`wss://`), `ALL_PROXY` and
//! `NO_PROXY`; [`Config::proxy`] names one (`http://` for HTTP `CONNECT`, `socks5://`,
//! `socks5h://`, each with optional `user:password@`), [`Config::no_proxy`] goes direct.
//! `wss://` stays end to end with the server through the tunnel. A proxy that is down or
//! refuses is an [`Error::Proxy`] that names it (never its password) and quotes its answer:
//! the HTTP status, or the SOCKS reply; a proxy URL that cannot work is an
//! [`Error::InvalidProxy`]. See [`Proxy`] for the rules.
//!
//! **Trust.** `wss://` servers are checked against the operating system's trust store by
//! default (the platform verifier; on Linux the system's certificate files, or
//! `SSL_CERT_FILE` / `SSL_CERT_DIR`), so a gateway's root installed there is trusted, plus
//! [`Config::root_certificate_pem`]. [`Trust::WebPki`] uses the built-in Mozilla roots
//! instead, [`Trust::Given`] only the given ones.
//!
//! **Memory.** An idle connection holds about 23 KiB: its read buffer
//! ([`Config::read_buffer`]) is 16 KiB, where tungstenite's default of 128 KiB makes it
//! 141 KiB; while data keeps coming the socket is read 128 KiB at a time into a buffer
//! freed afterwards, so large messages are not slowed (BENCHMARKS.md measures both).
//!
//! # In the browser
//!
//! The browser's `WebSocket` decides a few things that native code controls:
//!
//! - **No pings.** Browsers answer the server's pings but cannot send their own, so
//!   [`Config::keepalive`] needs an application-level [`Config::heartbeat`] message there
//!   (connect fails with [`Error::Unsupported`] without one). Any message from the peer
//!   counts as proof of life, on both targets.
//! - **Close codes.** `WebSocket.close()` accepts only 1000 and 3000–4999; natively every
//!   code RFC 6455 allows may be sent. Both targets check before sending and return
//!   [`Error::InvalidCloseCode`]; nothing is sent then.
//! - **Messages after `close()`.** The WHATWG spec makes the browser drop messages that
//!   arrive after the page called `close()`, so in the browser `recv` may not see what the
//!   peer sends during the handshake. Natively nothing is lost.
//! - **Codes the peer sends.** Chromium reports a server's Close that carries a code RFC
//!   6455 forbids (0, 999, 1004, 2999, ...) as a clean close, so [`Shutdown::Clean`] may
//!   hold a [`CloseCode`] that [`CloseCode::try_from`] would refuse: it is the code as
//!   received. Natively tungstenite fails such a Close as a protocol error (1002).
//! - **Timed-out closes.** A page cannot force a socket shut; after [`Shutdown::TimedOut`]
//!   the socket is abandoned with its listeners removed, and the browser finishes it.
//! - **Long timeouts.** `setTimeout` honours at most 2^31 - 1 ms, so every timeout and
//!   interval (in [`Config`], and those of `shutdown` and `close`) is capped at about 24.8
//!   days there; natively `Duration::MAX` means "never".
//! - **No headers, no custom roots, no proxy.** The browser sends its own headers, trusts
//!   its own store and uses its own proxy settings; [`Config::header`],
//!   [`Config::root_certificate_pem`], a [`Trust`] other than `System` and
//!   [`Config::proxy`] fail with [`Error::Unsupported`] instead of being ignored.
//! - **No upgrade status, no protocol details.** A refused upgrade is reported as
//!   [`Error::Connect`] and a peer's protocol violation as [`Error::ConnectionLost`]: the
//!   browser reports neither the HTTP status nor what went wrong (only an unclean close, 1006).
//! - **Giving up locally.** When the page ends a connection itself (heartbeat unanswered,
//!   idle timeout) it closes with 4000, with 4009 for a message over
//!   [`Config::max_message_size`] and with 4013 when its receive queue overflows, since
//!   browsers may not send 1001–2999 (natively: 1009; natively the queue never overflows).
//! - **Backpressure** uses `bufferedAmount` ([`Config::buffered_amount_high_water`], and
//!   [`Config::send_queue`] counts the messages it holds). Received messages cannot be
//!   paused: past [`Config::receive_queue`] or [`Config::receive_queue_bytes`] the
//!   connection fails with [`Error::ReceiveQueueFull`] (natively reading pauses instead).
//! - Handles are not `Send` (JavaScript values live on one thread); see [`MaybeSend`].
//! - **Size.** A minimal client is about 35 KB of gzipped wasm (gloo-net's: 20 KB; see
//!   BENCHMARKS.md); tracing's `release_max_level_off` feature takes the logs out of it
//!   (see [Logs](#logs)).
//!
//! # Engines, workers and Node
//!
//! The browser backend needs no `window`: it runs the same in a page and in a dedicated,
//! shared or service worker, and under Node, whose global `WebSocket` it uses (Node 22 and
//! later; Node 20 with `--experimental-websocket`). The whole behavioural suite runs in
//! each of them: Chromium 156 and Firefox 153 ESR, each in a page and in the three kinds
//! of worker, and Node 20 (README.md, "Tests"). What differs between them:
//!
//! - **The same in all of them:** the close codes a script may send (1000 and 3000–4999),
//!   a refused upgrade reported only as a failure before `open`, `bufferedAmount` lowered
//!   only in a later task (so [`Config::send_queue`] bounds the same), timers in workers.
//! - **Firefox delays reconnects to a failing path.** After a failed connection, Firefox
//!   holds back the next one to the same host, port and path by 200–400 ms, then 1.5
//!   times longer after each failure, up to a minute (RFC 6455, section 7.2.3); a
//!   successful connection to that path, or a minute without failures, clears it. This
//!   adds to the backoff of a [`reconnect::Reconnecting`] client; a connect timeout
//!   counts the wait too. Firefox also connects to one host at a time, queueing the rest.
//! - **Firefox keeps abandoned handshakes open.** A connection given up while connecting
//!   ([`Config::connect_timeout`], or a dropped `connect`) is closed for the page at once,
//!   but Firefox keeps its TCP connection until the server answers or hangs up. With six
//!   such connections pending to one server, Firefox holds back new connections to it
//!   (until its own 20 s open timeout). Chromium closes them at once. Likewise, after
//!   [`Shutdown::TimedOut`] Firefox keeps the abandoned connection until the peer hangs up
//!   or its own close timeout (20 s) passes; the page sees nothing of it (its listeners are
//!   gone), and such connections were seen to hold back new ones as well.
//! - **Firefox and an instant drop.** A connection the server drops in the same instant as
//!   its 101 answer is sometimes reported by Firefox as a failure to connect
//!   ([`Error::Connect`]) rather than as a connection opened, then lost.
//! - **Node echoes a Close without its reason** (the code only): the peer sees the echo of
//!   its own Close with an empty reason. [`Shutdown::Clean`] still holds the peer's frame.
//! - **Node refuses subprotocols that differ only in case** (`chat` and `Chat`), which
//!   RFC 6455 and browsers treat as distinct: `connect` fails with
//!   [`Error::InvalidHeader`] there.
//! - **No `online` event under Node.** A [`reconnect::Reconnecting`] client cuts its wait
//!   short on the `online` event of the page or worker; under Node only
//!   [`reconnect_now`](reconnect::Reconnecting::reconnect_now) does.
//!
//! # Logs
//!
//! Each connection logs its lifecycle through [`tracing`](https://docs.rs/tracing), on
//! both targets, in a `websocket` span (level `DEBUG`) whose `url` field is the URL with
//! its password masked (`ws://user:***@host/`) and shortened when long. Header values are
//! never logged.
//!
//! | event | level | fields |
//! |---|---|---|
//! | `connecting` | `DEBUG` | |
//! | `through a proxy` (natively) | `DEBUG` | `proxy` (its URL, password masked), `set_by` (`Config::proxy` or the environment variable) |
//! | `open` | `DEBUG` | `protocol` (the subprotocol chosen, if any) |
//! | `connect failed` | `DEBUG` | `error` |
//! | `close requested` | `DEBUG` | `code`, `timeout_ms` |
//! | `close sent` | `DEBUG` | `code` |
//! | `liveness check failed` (natively), `failing the connection` (in the browser: also for a message too large or a full receive queue) | `WARN` | `error`, `code` in the browser |
//! | `the peer broke the protocol; failing the connection` (natively) | `WARN` | `error`, `code` |
//! | `websocket closed` | `DEBUG` after a completed handshake, `INFO` otherwise | `outcome`, `reason` (the peer's), `close_took_ms` (since the first close request) |
//! | `reconnecting client` (each [`reconnect::Event`], outside the connections' spans) | `DEBUG` | `event` |
//!
//! An application that wants none of it, or not in release builds, enables tracing's
//! `max_level_off` or `release_max_level_off` feature: the events are then compiled out
//! (about 3 KB of gzipped wasm).

#![deny(missing_docs, missing_debug_implementations)]
#![deny(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod backend;
mod client;
mod close;
mod close_rules;
mod config;
mod error;
#[cfg(any(web, test))]
mod gate;
#[cfg(any(web, test))]
mod in_flight;
#[cfg(feature = "json")]
mod json;
mod message;
mod outcome;
mod platform;
mod proxy;
pub mod reconnect;
mod redact;
mod sender;
mod shutdown;
#[cfg(feature = "unstable-test-hooks")]
#[cfg_attr(docsrs, doc(cfg(feature = "unstable-test-hooks")))]
pub mod test_hooks;
mod traits;
#[cfg(feature = "ui")]
#[cfg_attr(docsrs, doc(cfg(feature = "ui")))]
pub mod ui;
mod url;

#[cfg(native)]
mod native;
#[cfg(web)]
mod web;

pub use bytes::Bytes;
pub use client::Client;
pub use close::{CloseCode, CloseFrame, MAX_CLOSE_REASON_BYTES};
pub use config::{Config, Trust};
#[cfg(native)] // the native backend's causes; the browser's are `JsError`s
pub(crate) use error::BoxError;
pub use error::{Error, ErrorDetail};
#[cfg(feature = "json")]
#[cfg_attr(docsrs, doc(cfg(feature = "json")))]
pub use json::{DecodeJson, JsonError};
pub use message::{BinaryPayload, Message};
pub use shutdown::{Abnormal, AbnormalDetail, Shutdown};
// Each target defines them (`Send` and `Sync` natively, nothing in the browser): no
// "available on one target only" mark.
#[cfg_attr(docsrs, doc(auto_cfg = false))]
pub use platform::{MaybeSend, MaybeSync};
pub use proxy::Proxy;
pub use sender::Sender;
pub use traits::{WsClient, WsSender};

/// Compile-time checks that the front implements the contract, and is `Send` natively.
fn _assert_impls() {
    fn client<C: WsClient>() {}
    fn sender<S: WsSender>() {}
    fn stream<
        S: futures_core::Stream<Item = Result<Message, Error>> + futures_core::FusedStream,
    >() {
    }
    fn sink<S: futures_sink::Sink<Message, Error = Error>>() {}
    client::<Client>();
    sender::<Sender>();
    stream::<Client>();
    sink::<Client>();
    sink::<Sender>();

    #[cfg(native)]
    {
        fn send_sync<T: Send + Sync + 'static>() {}
        send_sync::<Client>();
        send_sync::<Sender>();
        send_sync::<Error>();
        send_sync::<reconnect::Reconnecting>();
        send_sync::<reconnect::ReconnectingSender>();
        send_sync::<reconnect::Events>();
        send_sync::<reconnect::Event>();
    }
}
