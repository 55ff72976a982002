//! The browser backend: the browser's own `WebSocket`, through web-sys.
//!
//! Everything runs on the page's thread, driven by the socket's events and by timers;
//! there is no background task while the connection is up. The JavaScript side (the
//! socket's handlers, the timers) is owned by the connection and released as soon as it
//! ends: after the closing handshake, a timeout, an error or `close_now`.
//!
//! What differs from the native backend, and why:
//!
//! - Close codes: `WebSocket.close()` accepts only 1000 and 3000–4999, so
//!   [`close`](crate::Sender::close) refuses the others with [`Error::InvalidCloseCode`].
//!   When the page gives up on a connection itself it sends 4000 (heartbeat unanswered,
//!   idle timeout), 4009 (a message over [`Config::max_message_size`], the private-use
//!   mirror of 1009) or 4013 (the receive queue overflowed, the mirror of 1013), since
//!   1009 and 1013 may not be sent from a page either.
//! - After `close()` the browser drops what the peer still sends (WHATWG spec), so `recv`
//!   may miss messages the peer sends during the handshake. A peer that closes first
//!   loses nothing.
//! - A timed-out close cannot be forced: the socket is abandoned (handlers removed) and the
//!   browser finishes it.
//! - Liveness needs [`Config::heartbeat`]: the page cannot send pings.
//! - Received messages cannot be paused: a message that arrives while the receive queue
//!   is full ([`Config::receive_queue`], [`Config::receive_queue_bytes`]) fails the
//!   connection with [`Error::ReceiveQueueFull`] after the queued messages. The size
//!   limit is checked once the browser has the whole message.
//! - A refused upgrade, an unreachable host and a TLS failure are all [`Error::Connect`]:
//!   the browser does not say which.
//!
//! Layering, with no cycle: `connect` and `turn` → `conn` → `socket` and `liveness` →
//! `events`; below them `inbox`, `convert` and `timer`. The socket's handlers and the
//! timers report through `events`, to the connection that owns them.

mod conn;
mod connect;
mod convert;
mod events;
mod inbox;
mod liveness;
mod socket;
pub(crate) mod timer;
mod turn;

use std::future::{Future, poll_fn};
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use self::conn::Conn;
use self::turn::{Place, Turn};
use crate::backend::{Backend, Opened, WaitOutcome};
use crate::close_rules::CloseCodeRule;
use crate::outcome::Outcome;
use crate::{CloseFrame, Config, Error, Message};

/// A handle to one browser connection.
pub(crate) type Handle = Rc<Conn>;

impl Backend for Handle {
    /// The turn a sender reserved with `Sink::poll_ready`.
    type SendSlot = Place;

    const CLOSE_CODES: CloseCodeRule = CloseCodeRule::BROWSER;

    fn open(
        url: &str,
        config: &Config,
        span: &tracing::Span,
    ) -> impl Future<Output = Result<Opened<Self>, Error>> {
        connect::open(url, config, span)
    }

    /// A turn of its own (the sender's place is the sink's), released once the browser
    /// has the message. A closing connection fails the turn at once (`Conn::poll_turn`).
    /// Written out rather than through `poll_ready` and `start_send`: 90 B less of
    /// gzipped wasm.
    async fn send(&self, _slot: &Place, message: Message) -> Result<(), Error> {
        let mut turn = Turn::new(self);
        poll_fn(|cx| turn.poll_ready(cx)).await?;
        let sent = self.send_now(&message);
        drop(turn);
        sent
    }

    fn poll_ready(&self, slot: &mut Place, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        slot.poll_ready(self, cx)
    }

    fn start_send(&self, slot: &mut Place, message: Message) -> Result<(), Error> {
        let turn = slot.take();
        let sent = self.send_now(&message);
        drop(turn);
        sent
    }

    fn release_slot(slot: &mut Place) {
        drop(slot.take());
    }

    fn poll_recv(&self, cx: &mut Context<'_>) -> Poll<Option<Result<Message, Error>>> {
        Conn::poll_recv(self, cx)
    }

    fn release_receiver(&self) {
        self.close_receiver();
    }

    fn is_closing(&self) -> bool {
        Conn::is_closing(self)
    }

    fn outcome(&self) -> &Outcome {
        &self.outcome
    }

    fn span(&self) -> &tracing::Span {
        Conn::span(self)
    }

    fn request_close(&self, frame: CloseFrame, timeout: Duration) {
        Conn::request_close(self, &frame, timeout);
    }

    fn abort(&self) {
        self.close_now();
    }

    /// Waits in a task of the page until the handshake ends or its deadline passes (both
    /// release everything), then ends.
    fn keep_until_decided(&self) {
        let outcome = WaitOutcome::new(Rc::clone(self));
        wasm_bindgen_futures::spawn_local(async move {
            let _ = outcome.await;
        });
    }
}

/// How many `WebSocket`s still have handlers; see `test_hooks::live_sockets`.
#[cfg_attr(
    not(feature = "unstable-test-hooks"),
    expect(dead_code, reason = "read by the test hooks only")
)]
pub(crate) fn live_sockets() -> usize {
    socket::live()
}

/// How many connection states are alive; see `test_hooks::live_connections`.
#[cfg_attr(
    not(feature = "unstable-test-hooks"),
    expect(dead_code, reason = "read by the test hooks only")
)]
pub(crate) fn live_connections() -> usize {
    conn::live()
}
