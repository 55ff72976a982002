//! [`Reconnecting`] and its cloneable [`ReconnectingSender`].

use std::future::{Future, poll_fn};
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_core::{FusedStream, Stream};

use super::events::Events;
use super::link::{Link, Linked, Stop, deadline_after};
use super::policy::Reconnect;
use super::supervisor::{Supervisor, TargetFn};
use crate::platform::{CLOSE_CODES, Shared};
use crate::{Client, CloseFrame, Config, Error, MaybeSend, Message, Shutdown, WsClient};

/// A connection that comes back: it reconnects by its [`Reconnect`] policy whenever the
/// connection ends, until the application stops it or the policy gives up.
///
/// Written once over [`WsClient`] (`C` is [`Client`] unless chosen), so it runs the same
/// on both targets. A background task (natively on the tokio runtime, in the browser on the
/// page's event loop) owns the connection; it ends with the client.
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
/// use omnisocket::{Client, Config, Message};
///
/// # async fn run() -> Result<(), omnisocket::Error> {
/// let policy = Reconnect::default()
///     .backoff(Duration::from_millis(200), Duration::from_secs(30))
///     .max_attempts(Some(10));
/// let mut ws =
///     Reconnecting::<Client>::connect("ws://127.0.0.1:9000/echo", Config::default(), policy)
///         .await?;
/// let mut events = ws.events();
/// # let spawn = |_: futures_util::stream::Collect<omnisocket::reconnect::Events, Vec<Event>>| ();
/// // In a task of its own: show the state to the user.
/// # /*
/// spawn(async move {
///     while let Some(event) = events.next().await {
///         if let Event::Retrying { attempt, delay } = event {
///             println!("reconnecting in {delay:?} (attempt {attempt})");
///         }
///     }
/// });
/// # */
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

impl<C: WsClient + 'static> Reconnecting<C> {
    /// Connects to `url`, retrying by `policy`, and resolves once a connection is open.
    ///
    /// # Errors
    /// At once, without an attempt: [`Error::InvalidUrl`] and [`Error::InvalidConfig`]
    /// for an invalid URL, setting or policy. After the attempts: the last attempt's error,
    /// when it was final ([`Reconnect::give_up_when`]) or
    /// [`max_attempts`](Reconnect::max_attempts) were made. Natively
    /// [`Error::Environment`] outside a tokio runtime.
    pub async fn connect(url: &str, config: Config, policy: Reconnect) -> Result<Self, Error> {
        Self::start(url, config, policy)?.opened().await
    }

    /// Like [`connect`](Self::connect), with the URL and settings of each attempt from
    /// `target`, called with the attempt's number before every attempt: to refresh a token
    /// in the URL or a header, or to move to another server. An error from it counts as a
    /// failed attempt (final or not, as the policy decides). It is not bounded in time:
    /// give it a timeout of its own if it may hang. The connection's own attempt is bounded
    /// by [`Config::connect_timeout`].
    ///
    /// ```no_run
    /// use omnisocket::reconnect::{Reconnect, Reconnecting};
    /// use omnisocket::{Client, Config};
    ///
    /// # async fn fresh_token() -> Result<String, omnisocket::Error> { Ok("t".into()) }
    /// # async fn run() -> Result<(), omnisocket::Error> {
    /// let ws = Reconnecting::<Client>::connect_with(Reconnect::default(), |attempt| async move {
    ///     let token = fresh_token().await?;
    ///     Ok((format!("wss://example.com/live?token={token}&attempt={attempt}"), Config::default()))
    /// })
    /// .await?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// As [`connect`](Self::connect).
    pub async fn connect_with<F, Fut>(policy: Reconnect, target: F) -> Result<Self, Error>
    where
        F: FnMut(u32) -> Fut + MaybeSend + 'static,
        Fut: Future<Output = Result<(String, Config), Error>> + MaybeSend + 'static,
    {
        Self::start_with(policy, target)?.opened().await
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
    pub fn start(url: &str, config: Config, policy: Reconnect) -> Result<Self, Error> {
        crate::url::check_websocket_url(url)?;
        config.check()?;
        let url = url.to_owned();
        Self::start_with(policy, move |_attempt| {
            let target = (url.clone(), config.clone());
            async move { Ok(target) }
        })
    }

    /// [`start`](Self::start) with a target callback, as
    /// [`connect_with`](Self::connect_with).
    ///
    /// # Errors
    /// As [`start`](Self::start).
    pub fn start_with<F, Fut>(policy: Reconnect, mut target: F) -> Result<Self, Error>
    where
        F: FnMut(u32) -> Fut + MaybeSend + 'static,
        Fut: Future<Output = Result<(String, Config), Error>> + MaybeSend + 'static,
    {
        policy.check()?;
        let link = Linked::new(policy.queue_messages, policy.queue_bytes, policy.when_full);
        let target: TargetFn = Box::new(move |attempt| Box::pin(target(attempt)));
        let supervisor = Supervisor::<C>::new(Shared::clone(&link), policy, target);
        crate::platform::spawn(supervisor.run())?;
        Ok(Self {
            sender: ReconnectingSender { link },
            finished: false,
            _client: PhantomData,
        })
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

/// The error of the last attempt. While `connect` runs nobody can hold the events, and the
/// unread ones are forgotten first, so the error is not shared; were it, its text is kept.
fn unshare(error: Arc<Error>) -> Error {
    Arc::try_unwrap(error)
        .unwrap_or_else(|shared| Error::ConnectionLost(Some(shared.to_string().into())))
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

impl<C: WsClient> std::fmt::Debug for Reconnecting<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reconnecting")
            .field("stopped", &self.sender.is_closed())
            .finish_non_exhaustive()
    }
}

/// A cloneable handle to a [`Reconnecting`] client that sends and stops from any task
/// (`Send` and `Sync` natively).
#[derive(Clone)]
pub struct ReconnectingSender {
    link: Link,
}

impl ReconnectingSender {
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
        poll_fn(|cx| self.link.poll_send(&mut message, Some(cx.waker()))).await
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
        match self.link.poll_send(&mut Some(message), None) {
            Poll::Ready(result) => result,
            // Without a waiter a send never waits.
            Poll::Pending => Err(Error::SendQueueFull),
        }
    }

    /// Stops reconnecting and performs the closing handshake with code 1000, waiting at
    /// most `timeout`: messages queued before go out first. Resolves as a connection's
    /// [`shutdown`](crate::WsSender::shutdown) does; at once with
    /// [`Abnormal::NotConnected`](crate::Abnormal::NotConnected) while no connection is
    /// open (during the wait before an attempt, or the attempt itself, which is dropped):
    /// no attempt follows, and what was queued is discarded
    /// ([`Event::Discarded`](super::Event::Discarded)). Concurrent and repeated calls
    /// share one outcome; the earliest deadline applies.
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
        poll_fn(|cx| self.link.poll_outcome(cx)).await
    }
}

impl std::fmt::Debug for ReconnectingSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReconnectingSender")
            .field("stopped", &self.is_closed())
            .finish_non_exhaustive()
    }
}
