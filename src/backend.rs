//! The private interface between the public front ([`Client`](crate::Client),
//! [`Sender`](crate::Sender)) and a backend: what differs between targets is how bytes move
//! and how time passes, and nothing else.
//!
//! Each backend implements [`Backend`] for its connection handle (`native::Handle`, an
//! `Arc`; `web::Handle`, an `Rc`), and `platform::Conn` names the current target's one.
//! The front is written once against it, with no generics: the trait makes the compiler
//! check that both backends offer the same interface.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use crate::close_rules::CloseCodeRule;
use crate::outcome::Outcome;
use crate::{CloseFrame, Config, Error, MaybeSend, Message, Shutdown};

/// An open connection, as a backend hands it to the front.
pub(crate) struct Opened<B: Backend> {
    pub(crate) conn: B,
    /// The first sender's slot.
    pub(crate) slot: B::SendSlot,
    /// The subprotocol the server chose.
    pub(crate) protocol: Option<String>,
}

/// What a backend's connection handle offers the front. Cloning a handle is cheap; every
/// clone refers to the same connection.
pub(crate) trait Backend: Clone + Unpin + MaybeSend + 'static {
    /// One sender's own state for `Sink::poll_ready` and `start_send` (natively its end of
    /// the send queue, in the browser its place in line). A clone starts afresh.
    type SendSlot: Clone + Unpin + MaybeSend;

    /// The close codes `close` may send on this target.
    const CLOSE_CODES: CloseCodeRule;

    /// Connects and waits until the connection is open. The front has checked the URL and
    /// the settings common to both targets (`check_websocket_url`, `Config::check`). `span` is the connection's
    /// `websocket` span, for what the backend logs while the connection lives.
    fn open(
        url: &str,
        config: &Config,
        span: &tracing::Span,
    ) -> impl Future<Output = Result<Opened<Self>, Error>> + MaybeSend;

    /// Sends `message` through `slot`; resolves once the backend has accepted it, or with
    /// [`Error::Closed`] once the connection is closing (checked when first polled).
    fn send(
        &self,
        slot: &Self::SendSlot,
        message: Message,
    ) -> impl Future<Output = Result<(), Error>> + MaybeSend;

    /// Ready when `slot` may hand over one message with [`start_send`](Self::start_send).
    fn poll_ready(
        &self,
        slot: &mut Self::SendSlot,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), Error>>;

    /// Hands over the message `poll_ready` made room for.
    fn start_send(&self, slot: &mut Self::SendSlot, message: Message) -> Result<(), Error>;

    /// Gives up what `poll_ready` reserved without a message following: a closing sink
    /// must not hold a place that the queue (natively) or the other senders (in the
    /// browser) wait for.
    fn release_slot(slot: &mut Self::SendSlot);

    /// The next received message or error; `None` after the end.
    fn poll_recv(&self, cx: &mut Context<'_>) -> Poll<Option<Result<Message, Error>>>;

    /// The client is gone: nothing will be received any more.
    fn release_receiver(&self);

    /// `true` once a close was requested or the connection ended: sends fail.
    fn is_closing(&self) -> bool;

    /// How the connection ended, once it has.
    fn outcome(&self) -> &Outcome;

    /// The connection's `websocket` span, which `connect` made.
    fn span(&self) -> &tracing::Span;

    /// Starts the closing handshake with `frame` (already checked), to give up after
    /// `timeout`. The Close is sent once; a later request can only bring the deadline
    /// forward. Nothing happens once the outcome is decided.
    fn request_close(&self, frame: CloseFrame, timeout: Duration);

    /// Ends the connection at once, without a handshake.
    fn abort(&self);

    /// Keeps the connection until its outcome is decided although every handle is gone
    /// (the background close of a dropped client).
    fn keep_until_decided(&self);
}

/// Waits for a connection's outcome; it holds a handle, so the connection stays alive
/// (in the browser: its socket and timers) until the outcome is decided or this is dropped.
///
/// The backend alone decides, by its own deadline, so every waiter sees the same outcome,
/// and this future needs no timer of its own (natively a timer would cost a wake-up of the
/// runtime's timer thread on every shutdown).
pub(crate) struct WaitOutcome<B: Backend> {
    conn: B,
    id: Option<u64>,
}

impl<B: Backend> WaitOutcome<B> {
    pub(crate) fn new(conn: B) -> Self {
        Self { conn, id: None }
    }
}

impl<B: Backend> Future for WaitOutcome<B> {
    type Output = Shutdown;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Shutdown> {
        let this = self.get_mut();
        this.conn.outcome().poll_wait(&mut this.id, cx)
    }
}

impl<B: Backend> Drop for WaitOutcome<B> {
    fn drop(&mut self) {
        if let Some(id) = self.id {
            self.conn.outcome().forget(id);
        }
    }
}

impl<B: Backend> std::fmt::Debug for WaitOutcome<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WaitOutcome")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}
