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
//!   [`close`](WebSender::close) refuses the others with [`Error::InvalidCloseCode`].
//!   When the page gives up on a connection itself it sends 4000 (heartbeat unanswered,
//!   idle timeout) or 4009 (a message over [`Config::max_message_size`], the private-use
//!   mirror of 1009), since 1009 may not be sent from a page either.
//! - After `close()` the browser drops what the peer still sends (WHATWG spec), so `recv`
//!   may miss messages the peer sends during the handshake. A peer that closes first
//!   loses nothing.
//! - A timed-out close cannot be forced: the socket is abandoned (handlers removed) and the
//!   browser finishes it.
//! - Liveness needs [`Config::heartbeat`]: the page cannot send pings.
//! - Received messages cannot be paused: they are buffered until `recv` takes them
//!   ([`Config::receive_queue`] and [`Config::receive_queue_bytes`] do not apply). The
//!   size limit is checked once the browser has the whole message.
//! - A refused upgrade, an unreachable host and a TLS failure are all [`Error::Connect`]:
//!   the browser does not say which.

mod conn;
mod connect;
mod gate;
mod inbox;
mod js_error;
mod liveness;
mod socket;
mod timer;

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_core::{FusedStream, Stream};
use futures_sink::Sink;

use self::conn::Conn;
use self::gate::Turn;
use crate::{CloseCode, CloseFrame, Config, Error, Message, Shutdown, WsClient, WsSender};

/// The sending rule of this target.
const CLOSE_CODE_RULE: &str = "browsers accept only 1000 and 3000-4999 in WebSocket.close()";

/// A WebSocket client connection in the browser. See [`WsClient`] for what each method does.
///
/// Dropping it starts the closing handshake (code 1000) in the background, bounded by
/// [`Config::close_timeout`]; senders then get [`Error::Closed`]. Once the handshake ends
/// or times out nothing of the connection remains: no handler, no timer, no task.
pub struct WebClient {
    sender: WebSender,
    protocol: Option<String>,
    close_timeout: Duration,
    finished: bool,
}

/// A cloneable handle to a browser connection: sends and closes from any task of the page.
///
/// Not `Send`: JavaScript values live on one thread.
pub struct WebSender {
    conn: Rc<Conn>,
    close_timeout: Duration,
    /// The place in line reserved by `Sink::poll_ready`.
    turn: Option<Turn>,
    /// The handshake started by `Sink::poll_close`.
    closing: Option<Pin<Box<dyn Future<Output = Shutdown>>>>,
}

impl WebClient {
    /// Opens a connection. See [`WsClient::connect`].
    ///
    /// # Errors
    /// [`Error::InvalidUrl`] for a URL that is not `ws://` or `wss://`, or that the browser
    /// rejects; [`Error::InvalidHeader`] for an invalid or repeated subprotocol;
    /// [`Error::Unsupported`] when [`Config::header`] or [`Config::root_certificate_pem`]
    /// is used, or [`Config::keepalive`] without [`Config::heartbeat`];
    /// [`Error::Connect`] when the browser fails the connection before it opens (it does not
    /// say why); [`Error::ConnectTimeout`] after [`Config::connect_timeout`] (the socket is
    /// then closed and abandoned).
    pub async fn connect(url: &str, config: Config) -> Result<Self, Error> {
        let (conn, protocol) = connect::open(url, &config).await?;
        Ok(Self {
            sender: WebSender {
                conn,
                close_timeout: config.close_timeout,
                turn: None,
                closing: None,
            },
            protocol,
            close_timeout: config.close_timeout,
            finished: false,
        })
    }

    /// Sends a message. See [`WsClient::send`].
    ///
    /// # Errors
    /// [`Error::Closed`] once a shutdown has started or the connection has ended.
    pub async fn send(&self, message: Message) -> Result<(), Error> {
        self.sender.send(message).await
    }

    /// The next message. See [`WsClient::recv`].
    pub async fn recv(&mut self) -> Option<Result<Message, Error>> {
        poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// A cloneable handle for other tasks.
    pub fn sender(&self) -> WebSender {
        self.sender.clone()
    }

    /// Closes with code 1000. See [`WsSender::shutdown`].
    pub async fn shutdown(&self, timeout: Duration) -> Shutdown {
        self.sender.shutdown(timeout).await
    }

    /// Closes with `frame`. See [`WsSender::close`].
    ///
    /// # Errors
    /// [`Error::InvalidCloseCode`] for a code other than 1000 and 3000–4999;
    /// [`Error::CloseReasonTooLong`] for a reason over 123 bytes. Nothing is sent then.
    pub async fn close(&self, frame: CloseFrame, timeout: Duration) -> Result<Shutdown, Error> {
        self.sender.close(frame, timeout).await
    }

    /// Ends the connection at once. See [`WsSender::close_now`].
    pub fn close_now(&self) {
        self.sender.close_now();
    }

    /// The subprotocol the server chose, if any.
    pub fn protocol(&self) -> Option<&str> {
        self.protocol.as_deref()
    }
}

impl Drop for WebClient {
    fn drop(&mut self) {
        let conn = &self.sender.conn;
        conn.close_receiver();
        if conn.outcome().is_none() {
            conn.request_close(&CloseFrame::normal(), self.close_timeout);
            // Keeps the connection until the handshake ends or its deadline passes (both
            // release everything), then ends itself.
            let outcome = conn.wait_outcome();
            wasm_bindgen_futures::spawn_local(async move {
                let _ = outcome.await;
            });
        }
    }
}

impl Stream for WebClient {
    type Item = Result<Message, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.finished {
            return Poll::Ready(None);
        }
        let item = std::task::ready!(self.sender.conn.poll_recv(cx));
        if item.is_none() {
            self.finished = true;
        }
        Poll::Ready(item)
    }
}

impl FusedStream for WebClient {
    fn is_terminated(&self) -> bool {
        self.finished
    }
}

impl Sink<Message> for WebClient {
    type Error = Error;

    fn poll_ready(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Pin::new(&mut self.sender).poll_ready(cx)
    }

    fn start_send(mut self: Pin<&mut Self>, item: Message) -> Result<(), Error> {
        Pin::new(&mut self.sender).start_send(item)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Pin::new(&mut self.sender).poll_flush(cx)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Pin::new(&mut self.sender).poll_close(cx)
    }
}

impl WsClient for WebClient {
    type Sender = WebSender;

    fn connect(url: &str, config: Config) -> impl Future<Output = Result<Self, Error>> {
        Self::connect(url, config)
    }

    fn send(&self, message: Message) -> impl Future<Output = Result<(), Error>> {
        Self::send(self, message)
    }

    fn recv(&mut self) -> impl Future<Output = Option<Result<Message, Error>>> {
        Self::recv(self)
    }

    fn sender(&self) -> WebSender {
        Self::sender(self)
    }

    fn shutdown(&self, timeout: Duration) -> impl Future<Output = Shutdown> {
        Self::shutdown(self, timeout)
    }

    fn close(
        &self,
        frame: CloseFrame,
        timeout: Duration,
    ) -> impl Future<Output = Result<Shutdown, Error>> {
        Self::close(self, frame, timeout)
    }

    fn close_now(&self) {
        Self::close_now(self);
    }

    fn protocol(&self) -> Option<&str> {
        Self::protocol(self)
    }
}

impl WebSender {
    /// Sends a message. See [`WsClient::send`].
    ///
    /// Resolves once the browser has the message; while its `bufferedAmount` is above
    /// [`Config::buffered_amount_high_water`] it waits, and waiting sends go out in the
    /// order they were called.
    ///
    /// # Errors
    /// [`Error::Closed`] once a shutdown has started or the connection has ended.
    pub async fn send(&self, message: Message) -> Result<(), Error> {
        if self.conn.is_closing() {
            return Err(Error::Closed);
        }
        let mut turn = Turn::new(&self.conn);
        poll_fn(|cx| turn.poll_ready(cx)).await?;
        let sent = self.conn.send_now(&message);
        drop(turn);
        sent
    }

    /// Closes with code 1000 and waits for the peer. See [`WsSender::shutdown`].
    pub async fn shutdown(&self, timeout: Duration) -> Shutdown {
        close_handshake(&self.conn, &CloseFrame::normal(), timeout).await
    }

    /// Closes with `frame` and waits for the peer. See [`WsSender::close`].
    ///
    /// # Errors
    /// [`Error::InvalidCloseCode`] for a code other than 1000 and 3000–4999 (what
    /// `WebSocket.close()` accepts); [`Error::CloseReasonTooLong`] for a reason over 123
    /// bytes. Nothing is sent then.
    pub async fn close(&self, frame: CloseFrame, timeout: Duration) -> Result<Shutdown, Error> {
        frame.check_sendable(CloseCode::is_sendable_by_browser, CLOSE_CODE_RULE)?;
        Ok(close_handshake(&self.conn, &frame, timeout).await)
    }

    /// Ends the connection at once, without a handshake: the socket is closed and
    /// abandoned. See [`WsSender::close_now`].
    pub fn close_now(&self) {
        self.conn.close_now();
    }

    /// `true` once a shutdown has started or the connection has ended.
    pub fn is_closed(&self) -> bool {
        self.conn.is_closing()
    }
}

/// Starts the closing handshake (unless it already ended) and waits for its outcome.
fn close_handshake(
    conn: &Rc<Conn>,
    frame: &CloseFrame,
    timeout: Duration,
) -> impl Future<Output = Shutdown> + 'static {
    conn.request_close(frame, timeout);
    conn.wait_outcome()
}

/// Diagnostics hook for leak tests: how many `WebSocket`s of this page still have this
/// crate's handlers (and their closures) attached.
///
/// Every connection attaches four handlers when it is created and removes them (dropping
/// the closures) as soon as it ends: after the closing handshake, a timeout, an error,
/// `close_now`, a failed or timed-out connect, or the background close of a dropped
/// client. Once every connection has ended this is 0. Not part of the API: it may change
/// or go away in any release.
#[doc(hidden)]
pub fn live_sockets() -> usize {
    socket::live()
}

/// Diagnostics hook for leak tests: how many connection states (each owning its socket,
/// timers and received messages) are still alive on this page, whether ended or not.
///
/// A connection's state lives as long as a handle to it (client, sender, a pending
/// `shutdown`) or the background close of a dropped client; once all are gone this
/// returns to 0. A state that outlives them is a reference cycle. Not part of the API: it
/// may change or go away in any release.
#[doc(hidden)]
pub fn live_connections() -> usize {
    conn::live()
}

impl std::fmt::Debug for WebClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebClient")
            .field("protocol", &self.protocol)
            .field("finished", &self.finished)
            .field("sender", &self.sender)
            .finish()
    }
}

impl std::fmt::Debug for WebSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebSender")
            .field("closed", &self.is_closed())
            .finish_non_exhaustive()
    }
}

impl Clone for WebSender {
    fn clone(&self) -> Self {
        Self {
            conn: Rc::clone(&self.conn),
            close_timeout: self.close_timeout,
            turn: None,
            closing: None,
        }
    }
}

impl Sink<Message> for WebSender {
    type Error = Error;

    /// Ready when this sender's turn has come and the browser's buffer has room.
    fn poll_ready(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let this = &mut *self;
        let turn = this.turn.get_or_insert_with(|| Turn::new(&this.conn));
        let ready = std::task::ready!(turn.poll_ready(cx));
        if ready.is_err() {
            this.turn = None;
        }
        Poll::Ready(ready)
    }

    fn start_send(mut self: Pin<&mut Self>, item: Message) -> Result<(), Error> {
        let turn = self.turn.take();
        let sent = self.conn.send_now(&item);
        drop(turn);
        sent
    }

    /// Messages are accepted once the browser has them: there is nothing more to flush.
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Poll::Ready(Ok(()))
    }

    /// Performs the closing handshake, bounded by [`Config::close_timeout`]. The outcome
    /// is then available from [`shutdown`](WebSender::shutdown), which returns it again.
    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let this = &mut *self;
        this.turn = None;
        let closing = this.closing.get_or_insert_with(|| {
            Box::pin(close_handshake(
                &this.conn,
                &CloseFrame::normal(),
                this.close_timeout,
            ))
        });
        closing.as_mut().poll(cx).map(|_| Ok(()))
    }
}

impl WsSender for WebSender {
    fn send(&self, message: Message) -> impl Future<Output = Result<(), Error>> {
        Self::send(self, message)
    }

    fn shutdown(&self, timeout: Duration) -> impl Future<Output = Shutdown> {
        Self::shutdown(self, timeout)
    }

    fn close(
        &self,
        frame: CloseFrame,
        timeout: Duration,
    ) -> impl Future<Output = Result<Shutdown, Error>> {
        Self::close(self, frame, timeout)
    }

    fn close_now(&self) {
        Self::close_now(self);
    }

    fn is_closed(&self) -> bool {
        Self::is_closed(self)
    }
}
