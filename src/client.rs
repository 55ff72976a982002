//! [`Client`]: one connection, the same on both targets.

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_core::{FusedStream, Stream};
use futures_sink::Sink;

use crate::backend::{Backend, Opened};
use crate::platform::Conn;
use crate::{CloseFrame, Config, Error, MaybeSend, Message, Sender, Shutdown, WsClient};

/// A WebSocket client connection: natively on tokio-tungstenite, in the browser on the
/// browser's own `WebSocket`. See [`WsClient`] for what each method does, and the crate
/// docs for what differs in the browser.
///
/// Receiving is `&mut self` (one reader); sending and closing are `&self`, and also go
/// through cloneable [`Sender`]s. It is a [`Stream`] of received messages and a [`Sink`] of
/// messages to send.
///
/// Dropping it starts the closing handshake (code 1000) in the background, bounded by
/// [`Config::close_timeout`]; senders then get [`Error::Closed`]. A handshake already under
/// way (a `shutdown` or `close` started earlier) keeps its own deadline, longer or not.
/// Nothing of the connection outlives it for long: natively its task ends once the server
/// has closed TCP after the handshake, or at the close deadline at the latest; in the
/// browser every handler, timer and closure is released as soon as the handshake ends or
/// times out.
#[derive(Debug)]
pub struct Client {
    sender: Sender,
    protocol: Option<String>,
    /// The stream has returned `None`.
    finished: bool,
}

impl Client {
    /// Opens a connection to a `ws://` or `wss://` URL and waits until it is open.
    ///
    /// # Errors
    /// [`Error::InvalidUrl`] for a URL that is not `ws://` or `wss://`;
    /// [`Error::InvalidHeader`] for an invalid header or subprotocol;
    /// [`Error::Connect`] when the server cannot be reached;
    /// [`Error::ConnectTimeout`] after [`Config::connect_timeout`];
    /// [`Error::Unsupported`] for a setting the target cannot honour.
    ///
    /// Natively: [`Error::UpgradeRefused`] when the server answers with an HTTP status;
    /// [`Error::Environment`] outside a tokio runtime.
    ///
    /// In the browser: a refused upgrade, an unreachable host and a TLS failure are all
    /// [`Error::Connect`] (the browser does not say which); [`Config::header`],
    /// [`Config::root_certificate_pem`] and [`Config::keepalive`] without
    /// [`Config::heartbeat`] are [`Error::Unsupported`].
    pub async fn connect(url: &str, config: Config) -> Result<Self, Error> {
        let span = tracing::debug_span!("websocket", url = %crate::redact::for_display(url));
        tracing::debug!(parent: &span, "connecting");
        // The span is named as each event's parent rather than entered around the future:
        // `Instrumented` costs 1.6 KB of wasm.
        // The checks both targets make, then the backend's connect.
        let checked = crate::url::check_websocket_url(url).and_then(|()| config.check());
        let opened = match checked {
            Ok(()) => Conn::open(url, &config, &span).await,
            Err(error) => Err(error),
        };
        let Opened {
            conn,
            slot,
            protocol,
        } = match opened {
            Ok(opened) => {
                let protocol = opened.protocol.as_deref();
                tracing::debug!(parent: &span, protocol, "open");
                opened
            }
            Err(error) => {
                tracing::debug!(parent: &span, %error, "connect failed");
                return Err(error);
            }
        };
        Ok(Self {
            sender: Sender::new(conn, slot, config.close_timeout),
            protocol,
            finished: false,
        })
    }

    /// Sends a message. See [`WsSender::send`](crate::WsSender::send).
    ///
    /// # Errors
    /// [`Error::Closed`] once a shutdown has started or the connection has ended.
    pub fn send(&self, message: Message) -> impl Future<Output = Result<(), Error>> {
        self.sender.send(message)
    }

    /// The next message from the peer; `None` after the peer's Close (or after an error
    /// has been returned once). See [`WsClient::recv`].
    pub fn recv(&mut self) -> impl Future<Output = Option<Result<Message, Error>>> {
        poll_fn(|cx| Pin::new(&mut *self).poll_next(cx))
    }

    /// A cloneable handle that sends and closes from other tasks.
    pub fn sender(&self) -> Sender {
        self.sender.clone()
    }

    /// Closes with code 1000 and waits for the peer's answer, at most `timeout`.
    /// See [`Sender::shutdown`].
    pub fn shutdown(&self, timeout: Duration) -> impl Future<Output = Shutdown> {
        self.sender.shutdown(timeout)
    }

    /// Closes with a chosen code and reason. See [`Sender::close`].
    ///
    /// # Errors
    /// [`Error::InvalidCloseCode`] or [`Error::CloseReasonTooLong`]; nothing is sent then.
    pub fn close(
        &self,
        frame: CloseFrame,
        timeout: Duration,
    ) -> impl Future<Output = Result<Shutdown, Error>> {
        self.sender.close(frame, timeout)
    }

    /// Ends the connection at once, without a handshake. See [`Sender::close_now`].
    pub fn close_now(&self) {
        self.sender.close_now();
    }

    /// The subprotocol the server chose, if any.
    pub fn protocol(&self) -> Option<&str> {
        self.protocol.as_deref()
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let conn = self.sender.conn();
        conn.release_receiver();
        if !conn.outcome().is_decided() {
            // A shutdown already under way keeps its own deadline, however long.
            if !conn.is_closing() {
                let timeout = self.sender.close_timeout();
                crate::sender::request_close(conn, CloseFrame::normal(), timeout);
            }
            conn.keep_until_decided();
        }
    }
}

impl Stream for Client {
    type Item = Result<Message, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.finished {
            return Poll::Ready(None);
        }
        let item = std::task::ready!(self.sender.conn().poll_recv(cx));
        if item.is_none() {
            self.finished = true;
        }
        Poll::Ready(item)
    }
}

impl FusedStream for Client {
    fn is_terminated(&self) -> bool {
        self.finished
    }
}

/// The same as the client's [`Sender`]'s: `poll_close` performs the closing handshake.
impl Sink<Message> for Client {
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

impl WsClient for Client {
    type Sender = Sender;

    fn connect(url: &str, config: Config) -> impl Future<Output = Result<Self, Error>> + MaybeSend {
        Self::connect(url, config)
    }

    fn recv(&mut self) -> impl Future<Output = Option<Result<Message, Error>>> + MaybeSend {
        Self::recv(self)
    }

    fn as_sender(&self) -> &Sender {
        &self.sender
    }

    fn protocol(&self) -> Option<&str> {
        Self::protocol(self)
    }
}
