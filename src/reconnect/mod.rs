//! A connection that comes back after a drop: [`Reconnecting`], with exponential backoff
//! and jitter drawn per attempt, a bounded queue for what is sent meanwhile, and
//! [`Event`]s for the user interface.
//!
//! ```no_run
//! use std::time::Duration;
//! use omnisocket::reconnect::{Event, Reconnect, Reconnecting};
//! use omnisocket::{Config, Message, Shutdown};
//!
//! # async fn run() -> Result<(), omnisocket::Error> {
//! let policy = Reconnect::default()
//!     .backoff(Duration::from_millis(200), Duration::from_secs(30)) // base, cap
//!     .max_attempts(Some(10)); // None: forever
//! let mut ws = Reconnecting::connect("ws://127.0.0.1:9000/echo", Config::default(), policy).await?;
//! let events = ws.events(); // an owned Stream<Item = Event>: 'static, Send natively
//! ws.send(Message::text("hi")).await?; // queued while disconnected
//! while let Some(message) = ws.recv().await {
//!     // every connection's messages, in order
//! #   break;
//! }
//! let outcome: Shutdown = ws.shutdown(Duration::from_secs(2)).await;
//! # Ok(())
//! # }
//! ```
//!
//! # What it does
//!
//! - **Backoff.** After a failure the next attempt waits a delay drawn anew for every
//!   attempt ([`Jitter::Full`] by default, [`Jitter::Decorrelated`] on request), growing
//!   by [`Reconnect::factor`] from [`Reconnect::backoff`]'s base up to its cap. The first
//!   attempt of [`Reconnecting::connect`] does not wait. Each attempt is bounded by
//!   [`Config::connect_timeout`](crate::Config::connect_timeout).
//! - **Reset.** The backoff and the attempt count start again only after a connection
//!   stayed up for [`Reconnect::stable_after`]: a server that accepts and drops at once
//!   meets growing delays, and [`Reconnect::max_attempts`] still applies.
//! - **Liveness.** A connection that a liveness check ends
//!   ([`Config::keepalive`](crate::Config::keepalive),
//!   [`Config::idle_timeout`](crate::Config::idle_timeout)) is reconnected like one that
//!   broke: that is how a half-open connection is survived.
//! - **Final failures.** [`Reconnect::give_up_when`] decides what is not worth retrying
//!   ([`Reconnect::is_final_by_default`]: invalid settings, a refused upgrade with most
//!   4xx statuses natively, a Close that says the client is at fault).
//! - **Stopping.** [`Reconnecting::shutdown`], [`close`](Reconnecting::close),
//!   [`close_now`](Reconnecting::close_now) and dropping the client stop it for good; no
//!   attempt ever follows them.
//! - **The network coming back.** In the browser (a page or a worker) the `online` event
//!   cuts the wait before the next attempt short; natively, and anywhere (Node too),
//!   [`Reconnecting::reconnect_now`] does.
//! - **Firefox waits too.** After failed connections to a path Firefox adds a delay of
//!   its own to the next one (200–400 ms, growing 1.5 times per failure, up to a minute),
//!   on top of the backoff; see the crate docs, "Engines, workers and Node".
//!
//! # Why full jitter by default
//!
//! When a server restarts, all its clients lose it at the same moment. Full jitter
//! spreads their first attempts over the whole window `[0, base]`, then `[0, 2·base]`,
//! and so on, which keeps the load on the returning server the flattest and lets most
//! clients come back within the first window; decorrelated jitter never waits less than
//! `base`, which suits servers that need a moment before they accept again.

mod backoff;
mod client;
mod events;
mod follow;
mod link;
mod policy;
mod state;
mod supervisor;
mod target;

pub use backoff::Jitter;
pub use client::{Reconnecting, ReconnectingSender};
pub use events::{Event, Events, GiveUpReason};
pub use policy::{Failure, Reconnect, WhenFull};
pub use state::State;
pub use target::Target;
