//! The native backend: tokio and tokio-tungstenite, rustls for `wss://`.
//!
//! Each connection is owned by one background task (`driver`), spawned on the current
//! tokio runtime by `connect`. Senders hand messages to it through a bounded queue; it hands
//! received messages to the client through another (`inbox`). The task ends when the
//! connection does: after the closing handshake, a timeout, an error, or `close_now`.
//!
//! Layering, with no cycle: `connect` → `driver` → `conn` and `liveness` → `inbox`,
//! `timer`, `convert`; `connect` → `host` (the URL as it is sent), `proxy` (the way to the
//! server) and `tls` (the trusted roots); `connect` and `proxy` → `tcp`.

mod conn;
mod connect;
mod convert;
mod driver;
mod host;
mod inbox;
mod liveness;
mod proxy;
mod read_ahead;
mod tcp;
pub(crate) mod timer;
mod tls;

use std::future::Future;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio_util::sync::PollSender;

use self::conn::Conn;
use crate::backend::{Backend, Opened};
use crate::close_rules::CloseCodeRule;
use crate::outcome::Outcome;
use crate::{CloseFrame, Config, Error, Message};

/// A handle to one native connection.
pub(crate) type Handle = Arc<Conn>;

impl Backend for Handle {
    /// The sender's end of the send queue.
    type SendSlot = PollSender<Message>;

    const CLOSE_CODES: CloseCodeRule = CloseCodeRule::RFC_6455;

    fn open(
        url: &str,
        config: &Config,
        span: &tracing::Span,
    ) -> impl Future<Output = Result<Opened<Self>, Error>> {
        connect::open(url, config, span)
    }

    async fn send(&self, slot: &Self::SendSlot, message: Message) -> Result<(), Error> {
        if self.is_closing() {
            return Err(Error::Closed);
        }
        let queue = slot.get_ref().ok_or(Error::Closed)?;
        queue.send(message).await.map_err(|_| Error::Closed)
    }

    fn poll_ready(
        &self,
        slot: &mut Self::SendSlot,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), Error>> {
        slot.poll_reserve(cx).map_err(|_| Error::Closed)
    }

    fn start_send(&self, slot: &mut Self::SendSlot, message: Message) -> Result<(), Error> {
        slot.send_item(message).map_err(|_| Error::Closed)
    }

    fn release_slot(slot: &mut Self::SendSlot) {
        // An unused permit would keep the closed queue from ever reading as drained, and
        // so the Close from ever being written.
        slot.abort_send();
    }

    fn poll_recv(&self, cx: &mut Context<'_>) -> Poll<Option<Result<Message, Error>>> {
        self.inbox.poll_recv(cx)
    }

    fn release_receiver(&self) {
        self.inbox.close_receiver();
    }

    fn is_closing(&self) -> bool {
        Conn::is_closing(self)
    }

    fn outcome(&self) -> &Outcome {
        &self.outcome
    }

    fn span(&self) -> &tracing::Span {
        &self.span
    }

    fn request_close(&self, frame: CloseFrame, timeout: Duration) {
        if !self.outcome.is_decided() {
            Conn::request_close(self, frame, timer::from_now(timeout));
        }
    }

    fn abort(&self) {
        self.request_abort();
    }

    /// Nothing to do: the connection task holds the connection until it ends.
    fn keep_until_decided(&self) {}
}
