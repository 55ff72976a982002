//! [`Reconnecting`] and its cloneable [`ReconnectingSender`].

use std::future::{Future, poll_fn};
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_core::{FusedStream, Stream};
use futures_sink::Sink;

use super::events::Events;
use super::link::{Link, Linked, Stop, WaitOutcome, WhenOpenAndFull, deadline_after};
use super::policy::Reconnect;
use super::supervisor::Supervisor;
use super::target::Target;
use crate::platform::{CLOSE_CODES, Shared};
use crate::{Client, CloseFrame, Config, Error, MaybeSend, Message, Shutdown, WsClient, WsSender};

/// A connection that comes back: it reconnects by its [`Reconnect`] policy whenever the
/// connection ends, until the application stops it or the policy gives up.
///
/// Written once over [`WsClient`], so it runs the same on both targets: `C` is [`Client`]
/// for [`connect`](Reconnecting::connect) and [`start`](Reconnecting::start), an
/// application's own client type for [`with_client`](Self::with_client). A background task
/// (natively on the tokio runtime, in the browser on the page's event loop) owns the
/// connection; it ends with the client.
///
/// It is a [`Stream`] of the received messages and, as its [`ReconnectingSender`] is, a
/// [`Sink`] of messages to send.
///
/// - [`send`](Self::send) queues, in a bounded queue, while no connection is open
///   ([`Reconnect::queue`]); queued messages go out in order once one is.
/// - [`recv`](Self::recv) returns the messages of every connection in order, and `None`
///   once the client has stopped.
/// - [`events`](Self::events) tells the story: connecting, open, closed, retrying, gave up.
/// - [`shutdown`](Self::shutdown) performs the closing handshake and stops reconnecting;
///   while no connection is open it resolves at once, and no attempt follows.
///
/// # Delivery
///
/// A message is sent at most once. Messages still queued when a connection ends go out on
/// the next one. A message already handed to a connection (queued natively, or given to
/// the browser's `WebSocket`) when that connection broke may or may not have reached the
/// peer, and is not sent again: an application that needs every message delivered
/// acknowledges them itself. Received messages are never dropped while the client lives:
/// the end of a connection is noticed after what it received has gone to `recv`, so an
/// application must read them (see [`recv`](Self::recv)).
///
/// # Example
///
/// ```no_run
/// use std::time::Duration;
/// use futures_util::StreamExt;
/// use omnisocket::reconnect::{Event, Reconnect, Reconnecting};
/// use omnisocket::{Config, Message};
///
/// # async fn run() -> Result<(), omnisocket::Error> {
/// let policy = Reconnect::default()
///     .backoff(Duration::from_millis(200), Duration::from_secs(30))
///     .max_attempts(Some(10));
/// let mut ws = Reconnecting::connect("ws://127.0.0.1:9000/echo", Config::default(), policy).await?;
/// let mut events = ws.events();
/// # fn spawn(_task: impl std::future::Future<Output = ()>) {}
/// // In a task of its own: show the state to the user.
/// spawn(async move {
///     while let Some(event) = events.next().await {
///         if let Event::Retrying { attempt, delay, .. } = event {
///             println!("reconnecting in {delay:?} (attempt {attempt})");
///         }
///     }
/// });
/// ws.send(Message::text("hi")).await?; // queued while disconnected
/// if let Some(message) = ws.recv().await {
///     println!("{message:?}");
/// }
/// let outcome = ws.shutdown(Duration::from_secs(2)).await;
/// # Ok(())
/// # }
/// ```
pub struct Reconnecting<C: WsClient = Client> {
    sender: ReconnectingSender,
    /// `recv` has returned `None`.
    finished: bool,
    _client: PhantomData<fn() -> C>,
}

impl Reconnecting<Client> {
    /// Connects to `target` (a URL, or a [`Target::per_attempt`]), retrying by `policy`,
    /// and resolves once a connection is open.
    ///
    /// # Errors
    /// At once, without an attempt: [`Error::InvalidUrl`] and [`Error::InvalidConfig`]
    /// for an invalid URL, setting or policy. After the attempts: the last attempt's error,
    /// when it was final ([`Reconnect::give_up_when`]) or
    /// [`max_attempts`](Reconnect::max_attempts) were made. Natively
    /// [`Error::Environment`] outside a tokio runtime.
    pub async fn connect(
        target: impl Into<Target>,
        config: Config,
        policy: Reconnect,
    ) -> Result<Self, Error> {
        Self::start(target, config, policy)?.opened().await
    }

    /// Like [`connect`](Self::connect), but returns at once, before the first attempt:
    /// [`events`](Self::events) then tells the whole story, the first attempts included
    /// (for a user interface that shows "connecting…"), [`send`](Self::send) queues until
    /// a connection opens, and [`shutdown`](Self::shutdown) cancels the attempts. When
    /// the policy gives up before any connection opened, the events end with
    /// [`Event::GaveUp`](super::Event::GaveUp) after the last
    /// [`Event::ConnectFailed`](super::Event::ConnectFailed), and `recv` returns `None`.
    ///
    /// # Errors
    /// [`Error::InvalidUrl`] and [`Error::InvalidConfig`] for an invalid URL, setting or
    /// policy; natively [`Error::Environment`] outside a tokio runtime.
    pub fn start(
        target: impl Into<Target>,
        config: Config,
        policy: Reconnect,
    ) -> Result<Self, Error> {
        Self::with_client(target, config, policy)
    }

    /// `self` once a connection is open, or the error that made the policy give up.
    async fn opened(self) -> Result<Self, Error> {
        match poll_fn(|cx| self.sender.link.poll_opened(cx)).await {
            Ok(()) => Ok(self),
            Err(Some(error)) => {
                self.sender.link.hub.forget_unclaimed();
                Err(unshare(error))
            }
            // Only the application stops a client, and it does not hold this one yet.
            Err(None) => Err(Error::Closed),
        }
    }
}

impl<C: WsClient + 'static> Reconnecting<C> {
    /// [`start`](Reconnecting::start) over a client of the application's own: a
    /// [`WsClient`] that wraps [`Client`], or a fake in the application's tests. The type
    /// is named at the call, `Reconnecting::<MyClient>::with_client(url, config, policy)`;
    /// every connection is made by `C::connect`. It returns at once: the
    /// [`events`](Self::events) say when a connection opens.
    ///
    /// ```no_run
    /// use omnisocket::reconnect::{Reconnect, Reconnecting};
    /// use omnisocket::{Config, Error, WsClient};
    ///
    /// // Written once for any client type: the application's fake in its tests.
    /// fn live<C: WsClient + 'static>(url: &str) -> Result<Reconnecting<C>, Error> {
    ///     Reconnecting::<C>::with_client(url, Config::default(), Reconnect::default())
    /// }
    /// # async fn run() -> Result<(), Error> {
    /// let ws = live::<omnisocket::Client>("ws://127.0.0.1:9000/echo")?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// As [`start`](Reconnecting::start).
    pub fn with_client(
        target: impl Into<Target>,
        config: Config,
        policy: Reconnect,
    ) -> Result<Self, Error> {
        let target = target.into();
        target.check(&config)?;
        policy.check()?;
        let link = Linked::new(
            policy.queue_messages,
            policy.queue_bytes,
            policy.when_full,
            config.close_timeout,
        );
        let supervisor = Supervisor::<C>::new(Shared::clone(&link), policy, target, config);
        crate::platform::spawn(supervisor.run())?;
        Ok(Self {
            sender: ReconnectingSender::new(link),
            finished: false,
            _client: PhantomData,
        })
    }
}

/// The error of the last attempt. While `connect` runs nobody can hold the events, and the
/// unread ones are forgotten first, so the error is not shared; were it, its text is kept.
fn unshare(error: Arc<Error>) -> Error {
    Arc::try_unwrap(error).unwrap_or_else(|shared| Error::connection_lost(shared.to_string()))
}

impl<C: WsClient> Reconnecting<C> {
    /// Sends a message, or queues it while no connection is open. See
    /// [`ReconnectingSender::send`].
    ///
    /// # Errors
    /// [`Error::SendQueueFull`] while disconnected with a full queue (under
    /// [`WhenFull::Refuse`](super::WhenFull::Refuse)); [`Error::Closed`] once the client
    /// stops.
    pub fn send(&self, message: Message) -> impl Future<Output = Result<(), Error>> + use<'_, C> {
        self.sender.send(message)
    }

    /// Sends a message without waiting; see [`ReconnectingSender::try_send`].
    ///
    /// # Errors
    /// [`Error::SendQueueFull`] when the queue is full; [`Error::Closed`] once the client
    /// stops.
    pub fn try_send(&self, message: Message) -> Result<(), Error> {
        self.sender.try_send(message)
    }

    /// The next message, from whichever connection is open; `None` once the client has
    /// stopped (after `shutdown`, or when the policy gave up) and every message received
    /// before was returned.
    ///
    /// Read what arrives, even in an application that only sends: as with a connection's
    /// own queue, up to 16 unread messages (beyond the connection's
    /// [`Config::receive_queue`]) pause reading, and a paused connection's end is noticed
    /// only once they are read.
    pub fn recv(&mut self) -> impl Future<Output = Option<Message>> + use<'_, C> {
        poll_fn(|cx| Pin::new(&mut *self).poll_next(cx))
    }

    /// A stream of what happens: the first call's from the start (the first attempts
    /// included, at most the last 64 of them), later calls' from the moment of the call.
    /// See [`Event`](super::Event).
    pub fn events(&self) -> Events {
        self.sender.link.hub.subscribe()
    }

    /// A cloneable handle that sends and stops from other tasks.
    pub fn sender(&self) -> ReconnectingSender {
        self.sender.clone()
    }

    /// Stops reconnecting and closes the connection with code 1000, waiting at most
    /// `timeout` for the peer. See [`ReconnectingSender::shutdown`].
    pub fn shutdown(&self, timeout: Duration) -> impl Future<Output = Shutdown> + use<'_, C> {
        self.sender.shutdown(timeout)
    }

    /// Like [`shutdown`](Self::shutdown) with a chosen code and reason. See
    /// [`ReconnectingSender::close`].
    ///
    /// # Errors
    /// [`Error::InvalidCloseCode`] or [`Error::CloseReasonTooLong`]; nothing happens then.
    pub fn close(
        &self,
        frame: CloseFrame,
        timeout: Duration,
    ) -> impl Future<Output = Result<Shutdown, Error>> + use<'_, C> {
        self.sender.close(frame, timeout)
    }

    /// Stops reconnecting and ends the connection at once, without a handshake.
    pub fn close_now(&self) {
        self.sender.close_now();
    }

    /// Cuts the wait before the next attempt short. See [`ReconnectingSender::reconnect_now`].
    pub fn reconnect_now(&self) {
        self.sender.reconnect_now();
    }
}

impl<C: WsClient> Drop for Reconnecting<C> {
    /// Stops reconnecting; an open connection is closed in the background (code 1000,
    /// bounded by [`Config::close_timeout`]), unless a shutdown is already under way.
    /// Senders then get [`Error::Closed`].
    fn drop(&mut self) {
        let link = &self.sender.link;
        link.release_reader();
        if !link.is_stopping() {
            link.request_stop(Stop::Close {
                frame: CloseFrame::normal(),
                deadline_ms: deadline_after(link.close_timeout()),
            });
        }
    }
}

impl<C: WsClient> Stream for Reconnecting<C> {
    type Item = Message;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Message>> {
        if self.finished {
            return Poll::Ready(None);
        }
        let item = std::task::ready!(self.sender.link.poll_recv(cx));
        self.finished = item.is_none();
        Poll::Ready(item)
    }
}

impl<C: WsClient> FusedStream for Reconnecting<C> {
    fn is_terminated(&self) -> bool {
        self.finished
    }
}

/// The same as its [`ReconnectingSender`]'s: `poll_close` stops the client with the closing
/// handshake.
impl<C: WsClient> Sink<Message> for Reconnecting<C> {
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

impl<C: WsClient> std::fmt::Debug for Reconnecting<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reconnecting")
            .field("stopped", &self.sender.is_closed())
            .finish_non_exhaustive()
    }
}

/// A cloneable handle to a [`Reconnecting`] client that sends and stops from any task
/// (`Send` and `Sync` natively).
///
/// It implements the sender contract, [`WsSender`], as a connection's
/// [`Sender`](crate::Sender) does, so code written once against it takes either. It is
/// also a [`Sink`] of [`Message`]s: `poll_ready` waits for room in the queue as
/// [`send`](Self::send) does (and fails as it does while disconnected under
/// [`WhenFull::Refuse`](super::WhenFull::Refuse)), and `poll_close` stops the client with
/// the closing handshake, bounded by
/// [`Config::close_timeout`](crate::Config::close_timeout).
pub struct ReconnectingSender {
    link: Link,
    /// The wait for the outcome, once `Sink::poll_close` has asked the client to stop.
    closing: Option<WaitOutcome>,
}

impl ReconnectingSender {
    fn new(link: Link) -> Self {
        Self {
            link,
            closing: None,
        }
    }

    /// Sends a message. While a connection is open it is queued for it, waiting while the
    /// queue is full; while none is open it is queued for the next one, and a full queue
    /// applies [`WhenFull`](super::WhenFull). Messages go out in the order they were
    /// queued.
    ///
    /// # Errors
    /// [`Error::SendQueueFull`] while disconnected with a full queue under
    /// [`WhenFull::Refuse`](super::WhenFull::Refuse); [`Error::Closed`] once the client
    /// stops (shutdown, dropped, or given up).
    pub async fn send(&self, message: Message) -> Result<(), Error> {
        let mut message = Some(message);
        poll_fn(|cx| {
            self.link
                .poll_send(&mut message, WhenOpenAndFull::Wait(cx.waker()))
        })
        .await
    }

    /// Sends a message without waiting, for code that cannot await (an event handler):
    /// queued as [`send`](Self::send) queues it when there is room, refused when there is
    /// none. Messages go out in the order they were queued, whichever way.
    ///
    /// # Errors
    /// [`Error::SendQueueFull`] when the queue is full (while disconnected: under
    /// [`WhenFull::Refuse`](super::WhenFull::Refuse)); the message is dropped then.
    /// [`Error::Closed`] once the client stops.
    pub fn try_send(&self, message: Message) -> Result<(), Error> {
        match self
            .link
            .poll_send(&mut Some(message), WhenOpenAndFull::Refuse)
        {
            Poll::Ready(result) => result,
            // Refused rather than waiting, as asked.
            Poll::Pending => Err(Error::SendQueueFull),
        }
    }

    /// Stops reconnecting and performs the closing handshake with code 1000, waiting at
    /// most `timeout`: messages queued before go out first, as fast as the connection
    /// takes them, until the deadline (what has not gone out by then, when the peer does
    /// not read, is discarded: [`Event::Discarded`](super::Event::Discarded)). Resolves as a
    /// connection's [`shutdown`](crate::WsSender::shutdown) does, and the connection
    /// decides: concurrent and repeated calls (and [`close`](Self::close),
    /// [`close_now`](Self::close_now)) share one outcome, and the earliest deadline
    /// applies. Resolves at once with
    /// [`Abnormal::NotConnected`](crate::Abnormal::NotConnected) while no connection is
    /// open (during the wait before an attempt, or the attempt itself, which is dropped):
    /// no attempt follows, and what was queued is discarded.
    pub async fn shutdown(&self, timeout: Duration) -> Shutdown {
        self.stop(Stop::Close {
            frame: CloseFrame::normal(),
            deadline_ms: deadline_after(timeout),
        })
        .await
    }

    /// Like [`shutdown`](Self::shutdown) with a chosen code and reason.
    ///
    /// # Errors
    /// [`Error::InvalidCloseCode`] when the code may not be sent on this target, or
    /// [`Error::CloseReasonTooLong`] (see [`CloseCode`](crate::CloseCode)); nothing
    /// happens then.
    pub async fn close(&self, frame: CloseFrame, timeout: Duration) -> Result<Shutdown, Error> {
        frame.check_sendable(&CLOSE_CODES)?;
        Ok(self
            .stop(Stop::Close {
                frame,
                deadline_ms: deadline_after(timeout),
            })
            .await)
    }

    /// Stops reconnecting and ends the connection at once, without a handshake.
    pub fn close_now(&self) {
        self.link.request_stop(Stop::Abort);
    }

    /// Cuts the wait before the next attempt short, as the browser's `online` event does
    /// (for a "retry now" button, or when the application knows the network is back).
    /// Nothing happens while a connection is open or an attempt is under way.
    pub fn reconnect_now(&self) {
        self.link.hurry();
    }

    /// `true` once the client stops (shutdown, dropped, or given up).
    pub fn is_closed(&self) -> bool {
        self.link.is_stopping()
    }

    async fn stop(&self, stop: Stop) -> Shutdown {
        self.link.request_stop(stop);
        Linked::wait_outcome(&self.link).await
    }
}

impl Clone for ReconnectingSender {
    fn clone(&self) -> Self {
        Self::new(Shared::clone(&self.link))
    }
}

impl Sink<Message> for ReconnectingSender {
    type Error = Error;

    /// Ready when [`send`](ReconnectingSender::send) would queue a message at once.
    ///
    /// # Errors
    /// As [`send`](ReconnectingSender::send): [`Error::SendQueueFull`] while disconnected
    /// with a full queue under [`WhenFull::Refuse`](super::WhenFull::Refuse),
    /// [`Error::Closed`] once the client stops.
    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.link.poll_ready(cx)
    }

    fn start_send(self: Pin<&mut Self>, item: Message) -> Result<(), Error> {
        match self.link.poll_send(&mut Some(item), WhenOpenAndFull::Take) {
            Poll::Ready(result) => result,
            Poll::Pending => Err(Error::SendQueueFull),
        }
    }

    /// Messages are accepted once queued: there is nothing more to flush.
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Poll::Ready(Ok(()))
    }

    /// Stops the client with the closing handshake (code 1000; queued messages go out
    /// first), bounded by the close timeout of the client's
    /// [`Config`](crate::Config::close_timeout). The outcome is then available from
    /// [`shutdown`](ReconnectingSender::shutdown), which returns it again.
    ///
    /// # Errors
    /// [`Error::CloseIncomplete`] with the outcome when the handshake did not complete
    /// ([`Shutdown::TimedOut`], [`Shutdown::Abnormal`]; also while no connection was open).
    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let this = &mut *self;
        let closing = match &mut this.closing {
            Some(closing) => closing,
            None => {
                this.link.request_stop(Stop::Close {
                    frame: CloseFrame::normal(),
                    deadline_ms: deadline_after(this.link.close_timeout()),
                });
                this.closing.insert(Linked::wait_outcome(&this.link))
            }
        };
        Pin::new(closing).poll(cx).map(|outcome| match outcome {
            Shutdown::Clean(_) => Ok(()),
            incomplete => Err(Error::close_incomplete(incomplete)),
        })
    }
}

impl WsSender for ReconnectingSender {
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

impl std::fmt::Debug for ReconnectingSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReconnectingSender")
            .field("stopped", &self.is_closed())
            .finish_non_exhaustive()
    }
}
