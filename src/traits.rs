//! The traits generic code is written against: [`WsClient`] and [`WsSender`].

use std::future::Future;
use std::time::Duration;

use futures_core::Stream;
use futures_sink::Sink;

use crate::{CloseFrame, Config, Error, MaybeSend, Message, Shutdown};

/// A WebSocket client connection: what both backends implement.
///
/// [`Client`](crate::Client) is the current target's implementation; write generic code
/// against this trait when it must not name a backend.
///
/// Receiving is `&mut self` (one reader); sending and closing are `&self` and may run
/// concurrently from many tasks, directly or through [`sender`](Self::sender) handles.
///
/// ```no_run
/// use std::time::Duration;
/// use omnisocket::{Config, Message, Shutdown, WsClient};
///
/// // Works with either backend.
/// async fn greet<C: WsClient>(url: &str) -> Result<Shutdown, omnisocket::Error> {
///     let mut client = C::connect(url, Config::default()).await?;
///     client.send(Message::text("hello")).await?;
///     if let Some(reply) = client.recv().await {
///         println!("{:?}", reply?);
///     }
///     Ok(client.shutdown(Duration::from_secs(2)).await)
/// }
/// ```
pub trait WsClient: Stream<Item = Result<Message, Error>> + Unpin + Sized + MaybeSend {
    /// The cloneable handle returned by [`sender`](Self::sender).
    type Sender: WsSender;

    /// Opens a connection to a `ws://` or `wss://` URL.
    ///
    /// # Errors
    /// [`Error::InvalidUrl`] for a URL that is not `ws://` or `wss://`;
    /// [`Error::Connect`] when the server cannot be reached;
    /// [`Error::ConnectTimeout`] after [`Config::connect_timeout`];
    /// [`Error::UpgradeRefused`] (natively) when the server answers with an HTTP status;
    /// [`Error::Unsupported`] for a setting the target cannot honour.
    fn connect(url: &str, config: Config) -> impl Future<Output = Result<Self, Error>> + MaybeSend;

    /// The next message from the peer. `None` after the peer's Close (or after an error has
    /// been returned once): the stream is fused.
    ///
    /// # Errors
    /// [`Error::ConnectionLost`], [`Error::Protocol`], [`Error::MessageTooLarge`],
    /// [`Error::PongTimeout`], [`Error::IdleTimeout`]: each ends the connection.
    fn recv(&mut self) -> impl Future<Output = Option<Result<Message, Error>>> + MaybeSend;

    /// The client's own sender, through which the sending and closing methods below go.
    fn as_sender(&self) -> &Self::Sender;

    /// The subprotocol the server chose, if any.
    fn protocol(&self) -> Option<&str>;

    /// A cloneable handle that can send and close from other tasks.
    fn sender(&self) -> Self::Sender {
        self.as_sender().clone()
    }

    /// See [`WsSender::send`].
    fn send(&self, message: Message) -> impl Future<Output = Result<(), Error>> + MaybeSend {
        self.as_sender().send(message)
    }

    /// See [`WsSender::shutdown`].
    fn shutdown(&self, timeout: Duration) -> impl Future<Output = Shutdown> + MaybeSend {
        self.as_sender().shutdown(timeout)
    }

    /// See [`WsSender::close`].
    fn close(
        &self,
        frame: CloseFrame,
        timeout: Duration,
    ) -> impl Future<Output = Result<Shutdown, Error>> + MaybeSend {
        self.as_sender().close(frame, timeout)
    }

    /// See [`WsSender::close_now`].
    fn close_now(&self) {
        self.as_sender().close_now();
    }
}

/// A cloneable handle to a connection that can send and close from any task.
///
/// It is also a [`Sink`] of [`Message`]s whose `poll_close` performs the closing handshake
/// (bounded by [`Config::close_timeout`]).
pub trait WsSender: Clone + Sink<Message, Error = Error> + Unpin + MaybeSend + 'static {
    /// Sends a message. Resolves when the message is accepted: queued natively (waiting while
    /// the send queue is full), handed to the browser in the browser (waiting while
    /// `bufferedAmount` is above the high-water mark). Messages from one task go out in order;
    /// messages from different tasks never interleave.
    ///
    /// # Errors
    /// [`Error::Closed`] once a shutdown has started or the connection has ended.
    fn send(&self, message: Message) -> impl Future<Output = Result<(), Error>> + MaybeSend;

    /// Performs the closing handshake with code 1000, waiting at most `timeout` for the peer.
    ///
    /// Messages sent before the call go out before the Close frame. The Close is sent once:
    /// concurrent and repeated calls share one handshake and resolve with the same outcome
    /// (when they pass different timeouts, the earliest deadline applies to all). While it
    /// runs, the receiving side keeps getting what the peer sends until the peer's Close.
    ///
    /// Resolves with [`Shutdown::Clean`] as soon as the peer answers, [`Shutdown::TimedOut`]
    /// when it does not answer in time, [`Shutdown::Abnormal`] when the transport ends first.
    /// If the peer closed first, resolves at once with its frame.
    fn shutdown(&self, timeout: Duration) -> impl Future<Output = Shutdown> + MaybeSend;

    /// Like [`shutdown`](Self::shutdown) with a chosen code and reason.
    ///
    /// # Errors
    /// [`Error::InvalidCloseCode`] when the code may not be sent on this target (see
    /// [`CloseCode`](crate::CloseCode)); [`Error::CloseReasonTooLong`] for a reason over
    /// 123 bytes. Nothing is sent then.
    fn close(
        &self,
        frame: CloseFrame,
        timeout: Duration,
    ) -> impl Future<Output = Result<Shutdown, Error>> + MaybeSend;

    /// Ends the connection at once without a closing handshake: natively the TCP connection
    /// is closed, in the browser the socket is closed and abandoned. Pending and later
    /// shutdowns resolve with [`Shutdown::Abnormal`], unless the connection had already
    /// ended: then they keep its outcome (a completed handshake stays [`Shutdown::Clean`]).
    fn close_now(&self);

    /// `true` once a shutdown has started or the connection has ended.
    fn is_closed(&self) -> bool;
}
