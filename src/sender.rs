//! [`Sender`]: a cloneable handle that sends and closes from any task.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_sink::Sink;

use crate::backend::{Backend, WaitOutcome};
use crate::platform::{CLOSE_CODES, Conn};
use crate::{CloseFrame, Error, MaybeSend, Message, Shutdown, WsSender};

/// A cloneable handle to a connection that sends and closes from any task: `Send` and
/// `Sync` natively; in the browser, from any task of the page (JavaScript values live on
/// one thread).
///
/// It is also a [`Sink`] of [`Message`]s whose `poll_close` performs the closing handshake,
/// bounded by [`Config::close_timeout`](crate::Config::close_timeout).
pub struct Sender {
    conn: Conn,
    slot: <Conn as Backend>::SendSlot,
    close_timeout: Duration,
    /// The handshake started by `Sink::poll_close`.
    closing: Option<WaitOutcome<Conn>>,
}

impl Sender {
    pub(crate) fn new(
        conn: Conn,
        slot: <Conn as Backend>::SendSlot,
        close_timeout: Duration,
    ) -> Self {
        Self {
            conn,
            slot,
            close_timeout,
            closing: None,
        }
    }

    pub(crate) fn conn(&self) -> &Conn {
        &self.conn
    }

    pub(crate) fn close_timeout(&self) -> Duration {
        self.close_timeout
    }

    /// Sends a message. Resolves when the message is accepted: queued natively (waiting
    /// while [`Config::send_queue`](crate::Config::send_queue) is full), handed to the
    /// browser in the browser (waiting while its `bufferedAmount` is above
    /// [`Config::buffered_amount_high_water`](crate::Config::buffered_amount_high_water);
    /// waiting sends go out in the order they were called). Messages from one task go out
    /// in order; messages from different tasks never interleave.
    ///
    /// # Errors
    /// [`Error::Closed`] once a shutdown has started or the connection has ended.
    pub fn send(&self, message: Message) -> impl Future<Output = Result<(), Error>> {
        self.conn.send(&self.slot, message)
    }

    /// Performs the closing handshake with code 1000, waiting at most `timeout` for the
    /// peer. See [`WsSender::shutdown`].
    pub async fn shutdown(&self, timeout: Duration) -> Shutdown {
        self.handshake(CloseFrame::normal(), timeout).await
    }

    /// Like [`shutdown`](Self::shutdown) with a chosen code and reason.
    ///
    /// # Errors
    /// [`Error::InvalidCloseCode`] when the code may not be sent on this target (natively
    /// RFC 6455 allows 1000–1003, 1007–1014 and 3000–4999; browsers accept only 1000 and
    /// 3000–4999); [`Error::CloseReasonTooLong`] for a reason over 123 bytes. Nothing is
    /// sent then.
    pub async fn close(&self, frame: CloseFrame, timeout: Duration) -> Result<Shutdown, Error> {
        frame.check_sendable(&CLOSE_CODES)?;
        Ok(self.handshake(frame, timeout).await)
    }

    /// Ends the connection at once, without a handshake. See [`WsSender::close_now`].
    pub fn close_now(&self) {
        self.conn.abort();
    }

    /// `true` once a shutdown has started or the connection has ended.
    pub fn is_closed(&self) -> bool {
        self.conn.is_closing()
    }

    /// Starts the closing handshake (unless the connection already ended) and returns the
    /// wait for its outcome.
    fn handshake(&self, frame: CloseFrame, timeout: Duration) -> WaitOutcome<Conn> {
        request_close(&self.conn, frame, timeout);
        WaitOutcome::new(self.conn.clone())
    }
}

/// Asks `conn` for the closing handshake, and logs the request in the connection's span
/// (unless the connection has ended).
pub(crate) fn request_close(conn: &Conn, frame: CloseFrame, timeout: Duration) {
    let outcome = conn.outcome();
    if !outcome.is_decided() {
        outcome.close_requested(conn.span(), frame.code.as_u16(), timeout);
    }
    conn.request_close(frame, timeout);
}

impl Clone for Sender {
    fn clone(&self) -> Self {
        Self::new(self.conn.clone(), self.slot.clone(), self.close_timeout)
    }
}

impl std::fmt::Debug for Sender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sender")
            .field("closed", &self.is_closed())
            .finish_non_exhaustive()
    }
}

impl Sink<Message> for Sender {
    type Error = Error;

    /// Ready when the message can be accepted at once (see [`send`](Sender::send)).
    fn poll_ready(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let this = &mut *self;
        if this.conn.is_closing() {
            return Poll::Ready(Err(Error::Closed));
        }
        this.conn.poll_ready(&mut this.slot, cx)
    }

    fn start_send(mut self: Pin<&mut Self>, item: Message) -> Result<(), Error> {
        let this = &mut *self;
        this.conn.start_send(&mut this.slot, item)
    }

    /// Messages are accepted once queued (natively) or handed to the browser: there is
    /// nothing more to flush.
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Poll::Ready(Ok(()))
    }

    /// Performs the closing handshake, bounded by
    /// [`Config::close_timeout`](crate::Config::close_timeout). The outcome is then
    /// available from [`shutdown`](Sender::shutdown), which returns it again.
    ///
    /// # Errors
    /// [`Error::CloseIncomplete`] with the outcome when the handshake did not complete
    /// ([`Shutdown::TimedOut`], [`Shutdown::Abnormal`]). A peer that closed first, with
    /// whatever code, completed it.
    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Conn::release_slot(&mut self.slot);
        let closing = match &mut self.closing {
            Some(closing) => closing,
            None => {
                let closing = self.handshake(CloseFrame::normal(), self.close_timeout);
                self.closing.insert(closing)
            }
        };
        Pin::new(closing).poll(cx).map(|outcome| match outcome {
            Shutdown::Clean(_) => Ok(()),
            incomplete => Err(Error::close_incomplete(incomplete)),
        })
    }
}

impl WsSender for Sender {
    fn send(&self, message: Message) -> impl Future<Output = Result<(), Error>> + MaybeSend {
        Self::send(self, message)
    }

    fn shutdown(&self, timeout: Duration) -> impl Future<Output = Shutdown> + MaybeSend {
        Self::shutdown(self, timeout)
    }

    fn close(
        &self,
        frame: CloseFrame,
        timeout: Duration,
    ) -> impl Future<Output = Result<Shutdown, Error>> + MaybeSend {
        Self::close(self, frame, timeout)
    }

    fn close_now(&self) {
        Self::close_now(self);
    }

    fn is_closed(&self) -> bool {
        Self::is_closed(self)
    }
}
