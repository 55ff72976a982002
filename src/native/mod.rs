//! The native backend: tokio and tokio-tungstenite, rustls for `wss://`.
//!
//! Each connection is owned by one background task, spawned on the current tokio runtime
//! by `connect`. Senders hand messages to it through a bounded queue; it hands received
//! messages to the client through another. The task ends when the connection does: after
//! the closing handshake, a timeout, an error, or `close_now`.

mod connect;
mod convert;
mod deadline;
mod driver;
mod inbox;
mod liveness;
mod shared;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_core::{FusedStream, Stream};
use futures_sink::Sink;
use tokio::sync::mpsc;
use tokio_util::sync::PollSender;

use self::driver::Driver;
use self::inbox::Inbox;
use self::liveness::Liveness;
use self::shared::Shared;
use crate::{CloseCode, CloseFrame, Config, Error, Message, Shutdown, WsClient, WsSender};

/// A native WebSocket client connection. See [`WsClient`] for what each method does.
///
/// Dropping it starts the closing handshake (code 1000) in the background, bounded by
/// [`Config::close_timeout`]; senders then get [`Error::Closed`].
#[derive(Debug)]
pub struct NativeClient {
    sender: NativeSender,
    protocol: Option<String>,
    close_timeout: Duration,
    finished: bool,
}

/// A cloneable, `Send` handle to a native connection: sends and closes from any task.
pub struct NativeSender {
    shared: Arc<Shared>,
    queue: PollSender<Message>,
    close_timeout: Duration,
    /// The handshake started by `Sink::poll_close`.
    closing: Option<Pin<Box<dyn Future<Output = Shutdown> + Send + Sync>>>,
}

impl NativeClient {
    /// Opens a connection. See [`WsClient::connect`].
    ///
    /// # Errors
    /// See [`WsClient::connect`]; also [`Error::Environment`] outside a tokio runtime.
    pub async fn connect(url: &str, config: Config) -> Result<Self, Error> {
        let (socket, protocol) = connect::open(url, &config).await?;
        let shared = Arc::new(Shared::new(Inbox::new(
            config.receive_queue,
            config.receive_queue_bytes,
        )));
        let (queue, outgoing) = mpsc::channel(config.send_queue.max(1));
        let driver = Driver::new(
            socket,
            Arc::clone(&shared),
            outgoing,
            Liveness::new(&config),
            config.close_timeout,
        );
        tokio::spawn(driver);
        Ok(Self {
            sender: NativeSender {
                shared,
                queue: PollSender::new(queue),
                close_timeout: config.close_timeout,
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
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// A cloneable handle for other tasks.
    pub fn sender(&self) -> NativeSender {
        self.sender.clone()
    }

    /// Closes with code 1000. See [`WsSender::shutdown`].
    pub async fn shutdown(&self, timeout: Duration) -> Shutdown {
        self.sender.shutdown(timeout).await
    }

    /// Closes with `frame`. See [`WsSender::close`].
    ///
    /// # Errors
    /// [`Error::InvalidCloseCode`] or [`Error::CloseReasonTooLong`]; nothing is sent then.
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

impl Drop for NativeClient {
    fn drop(&mut self) {
        let shared = &self.sender.shared;
        shared.inbox.close_receiver();
        if shared.outcome().is_none() {
            shared.request_close(CloseFrame::normal(), deadline::from_now(self.close_timeout));
        }
    }
}

impl Stream for NativeClient {
    type Item = Result<Message, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.finished {
            return Poll::Ready(None);
        }
        let item = std::task::ready!(self.sender.shared.inbox.poll_recv(cx));
        if item.is_none() {
            self.finished = true;
        }
        Poll::Ready(item)
    }
}

impl FusedStream for NativeClient {
    fn is_terminated(&self) -> bool {
        self.finished
    }
}

impl Sink<Message> for NativeClient {
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

impl WsClient for NativeClient {
    type Sender = NativeSender;

    fn connect(url: &str, config: Config) -> impl Future<Output = Result<Self, Error>> + Send {
        Self::connect(url, config)
    }

    fn send(&self, message: Message) -> impl Future<Output = Result<(), Error>> + Send {
        Self::send(self, message)
    }

    fn recv(&mut self) -> impl Future<Output = Option<Result<Message, Error>>> + Send {
        Self::recv(self)
    }

    fn sender(&self) -> NativeSender {
        Self::sender(self)
    }

    fn shutdown(&self, timeout: Duration) -> impl Future<Output = Shutdown> + Send {
        Self::shutdown(self, timeout)
    }

    fn close(
        &self,
        frame: CloseFrame,
        timeout: Duration,
    ) -> impl Future<Output = Result<Shutdown, Error>> + Send {
        Self::close(self, frame, timeout)
    }

    fn close_now(&self) {
        Self::close_now(self);
    }

    fn protocol(&self) -> Option<&str> {
        Self::protocol(self)
    }
}

/// The sending rule of this target (RFC 6455).
const CLOSE_CODE_RULE: &str = "RFC 6455 allows sending 1000-1003, 1007-1014 and 3000-4999";

impl NativeSender {
    /// Sends a message. See [`WsClient::send`].
    ///
    /// # Errors
    /// [`Error::Closed`] once a shutdown has started or the connection has ended.
    pub async fn send(&self, message: Message) -> Result<(), Error> {
        if self.shared.is_closing() {
            return Err(Error::Closed);
        }
        let queue = self.queue.get_ref().ok_or(Error::Closed)?;
        queue.send(message).await.map_err(|_| Error::Closed)
    }

    /// Closes with code 1000 and waits for the peer. See [`WsSender::shutdown`].
    pub async fn shutdown(&self, timeout: Duration) -> Shutdown {
        self.start_close(CloseFrame::normal(), timeout).await
    }

    /// Closes with `frame` and waits for the peer. See [`WsSender::close`].
    ///
    /// # Errors
    /// [`Error::InvalidCloseCode`] when RFC 6455 forbids sending the code (1004, 1005,
    /// 1006, 1015, 1016–2999); [`Error::CloseReasonTooLong`] for a reason over 123 bytes.
    /// Nothing is sent then.
    pub async fn close(&self, frame: CloseFrame, timeout: Duration) -> Result<Shutdown, Error> {
        frame.check_sendable(CloseCode::is_sendable, CLOSE_CODE_RULE)?;
        Ok(self.start_close(frame, timeout).await)
    }

    fn start_close(
        &self,
        frame: CloseFrame,
        timeout: Duration,
    ) -> impl Future<Output = Shutdown> + Send + Sync + 'static {
        close_handshake(&self.shared, frame, timeout)
    }

    /// Ends the connection at once, without a handshake. See [`WsSender::close_now`].
    pub fn close_now(&self) {
        self.shared.request_abort();
    }

    /// `true` once a shutdown has started or the connection has ended.
    pub fn is_closed(&self) -> bool {
        self.shared.is_closing()
    }
}

/// Starts the closing handshake (unless it already ended) and waits for its outcome.
fn close_handshake(
    shared: &Arc<Shared>,
    frame: CloseFrame,
    timeout: Duration,
) -> impl Future<Output = Shutdown> + Send + Sync + 'static {
    let shared = Arc::clone(shared);
    let deadline = deadline::from_now(timeout);
    if shared.outcome().is_none() {
        shared.request_close(frame, deadline);
    }
    async move { shared.wait_outcome().await }
}

impl std::fmt::Debug for NativeSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NativeSender")
            .field("closed", &self.is_closed())
            .finish_non_exhaustive()
    }
}

impl Clone for NativeSender {
    fn clone(&self) -> Self {
        Self {
            shared: Arc::clone(&self.shared),
            queue: self.queue.clone(),
            close_timeout: self.close_timeout,
            closing: None,
        }
    }
}

impl Sink<Message> for NativeSender {
    type Error = Error;

    fn poll_ready(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        if self.shared.is_closing() {
            return Poll::Ready(Err(Error::Closed));
        }
        self.queue.poll_reserve(cx).map_err(|_| Error::Closed)
    }

    fn start_send(mut self: Pin<&mut Self>, item: Message) -> Result<(), Error> {
        self.queue.send_item(item).map_err(|_| Error::Closed)
    }

    /// Messages are accepted once queued: there is nothing more to flush.
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Poll::Ready(Ok(()))
    }

    /// Performs the closing handshake, bounded by [`Config::close_timeout`]. The outcome
    /// is then available from [`shutdown`](NativeSender::shutdown), which returns it again.
    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let this = &mut *self;
        let closing = this.closing.get_or_insert_with(|| {
            Box::pin(close_handshake(
                &this.shared,
                CloseFrame::normal(),
                this.close_timeout,
            ))
        });
        closing.as_mut().poll(cx).map(|_| Ok(()))
    }
}

impl WsSender for NativeSender {
    fn send(&self, message: Message) -> impl Future<Output = Result<(), Error>> + Send {
        Self::send(self, message)
    }

    fn shutdown(&self, timeout: Duration) -> impl Future<Output = Shutdown> + Send {
        Self::shutdown(self, timeout)
    }

    fn close(
        &self,
        frame: CloseFrame,
        timeout: Duration,
    ) -> impl Future<Output = Result<Shutdown, Error>> + Send {
        Self::close(self, frame, timeout)
    }

    fn close_now(&self) {
        Self::close_now(self);
    }

    fn is_closed(&self) -> bool {
        Self::is_closed(self)
    }
}
