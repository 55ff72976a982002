//! The task behind a [`Reconnecting`](super::Reconnecting) client: it connects, pumps
//! messages both ways, notices the end of each connection, waits by the backoff and
//! connects again, until the application stops it or the policy gives up.
//!
//! Written once over [`WsClient`]: it uses a connection only through the trait's `connect`,
//! its [`Stream`](futures_core::Stream) of received messages and its sender's
//! [`Sink`](futures_sink::Sink) and `close` / `close_now`.

use std::future::{Future, poll_fn};
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_sink::Sink;

use super::backoff::Backoff;
use super::events::{Event, GiveUpReason};
use super::link::{Link, Stop};
use super::policy::{Failure, Reconnect};
use super::target::Target;
use crate::platform::{NetworkBack, Sleep, now_ms};
use crate::{Abnormal, CloseFrame, Config, Error, Shutdown, WsClient, WsSender};

/// The outcome of a client that stopped while no connection was open.
const NOT_CONNECTED: Shutdown = Shutdown::Abnormal(Abnormal::NotConnected);

/// How a run of attempts ended.
enum Attempts<C> {
    /// A connection is open.
    Open(C),
    /// The application stopped the client meanwhile.
    Stopped,
    /// The policy gave up after a failed attempt, with its error.
    GaveUp(Arc<Error>),
}

/// How the client ends.
enum End {
    /// The application stopped it.
    Stopped,
    /// The policy gave up, after an attempt that failed with this error (`None`: after a
    /// connection's end).
    GaveUp(Option<Arc<Error>>),
}

/// How an open connection's service ended.
enum Served {
    /// The application asked to stop.
    StopRequested,
    /// The connection ended by itself: the peer closed (`None`) or it broke.
    Ended(Option<Error>),
}

pub(super) struct Supervisor<C> {
    link: Link,
    policy: Reconnect,
    backoff: Backoff,
    target: Target,
    /// The settings each attempt starts from.
    config: Config,
    /// Attempts since the last stable connection.
    attempt: u32,
    _client: std::marker::PhantomData<fn() -> C>,
}

impl<C: WsClient + 'static> Supervisor<C> {
    pub(super) fn new(link: Link, policy: Reconnect, target: Target, config: Config) -> Self {
        Self {
            link,
            backoff: policy.backoff_state(),
            policy,
            target,
            config,
            attempt: 0,
            _client: std::marker::PhantomData,
        }
    }

    fn emit(&self, event: Event) {
        self.link.hub.emit(&event);
    }

    /// Attempts to connect until one succeeds, the policy gives up, or the application
    /// stops the client. With `wait_first`, the first attempt waits its backoff delay too.
    async fn connect(&mut self, wait_first: bool) -> Attempts<C> {
        let mut wait = wait_first;
        loop {
            if wait {
                // A `reconnect_now` from before this wait does not cut it short.
                self.link.take_hurry();
                let delay = self.backoff.next_delay();
                self.emit(Event::Retrying {
                    attempt: self.attempt.saturating_add(1),
                    delay,
                });
                if !self.wait(delay).await {
                    return Attempts::Stopped;
                }
            }
            wait = true;
            self.attempt = self.attempt.saturating_add(1);
            let attempt = self.attempt;
            self.emit(Event::Connecting { attempt });
            let once = attempt_once::<C>(&mut self.target, &self.config, attempt);
            let error = match until_stopped(&self.link, once).await {
                None => return Attempts::Stopped,
                Some(Ok((client, close_timeout))) => {
                    let protocol = client.protocol().map(str::to_owned);
                    self.emit(Event::Open { attempt, protocol });
                    self.link.opened(close_timeout);
                    return Attempts::Open(client);
                }
                Some(Err(error)) => error,
            };
            let is_final = self.policy.is_final(&Failure::Connect(&error));
            let error = Arc::new(error);
            self.emit(Event::ConnectFailed {
                attempt,
                error: Arc::clone(&error),
            });
            if let Some(reason) = self.gives_up(is_final) {
                self.emit(Event::GaveUp {
                    attempts: attempt,
                    reason,
                });
                return Attempts::GaveUp(error);
            }
        }
    }

    /// Whether the policy gives up after a failure (`is_final`: the failure is final).
    fn gives_up(&self, is_final: bool) -> Option<GiveUpReason> {
        if is_final {
            Some(GiveUpReason::Final)
        } else if self
            .policy
            .max_attempts
            .is_some_and(|max| self.attempt >= max)
        {
            Some(GiveUpReason::MaxAttempts)
        } else {
            None
        }
    }

    /// Waits `delay`, cut short by `reconnect_now` or the network coming back; `false` if
    /// the application stopped the client meanwhile.
    async fn wait(&mut self, delay: Duration) -> bool {
        let mut sleep = Sleep::new(delay);
        let mut network = NetworkBack::new();
        poll_fn(|cx| {
            self.link.register_task(cx);
            if self.link.is_stopping() {
                return Poll::Ready(false);
            }
            if self.link.take_hurry()
                || network.poll(cx).is_ready()
                || Pin::new(&mut sleep).poll(cx).is_ready()
            {
                return Poll::Ready(true);
            }
            Poll::Pending
        })
        .await
    }

    /// The task's body: connects, then serves connections until the client stops.
    pub(super) async fn run(mut self) {
        let mut client = match self.connect(false).await {
            Attempts::Open(client) => client,
            Attempts::GaveUp(error) => return self.finish(NOT_CONNECTED, End::GaveUp(Some(error))),
            Attempts::Stopped => return self.finish(NOT_CONNECTED, End::Stopped),
        };
        loop {
            let opened_ms = now_ms();
            let mut sender = client.sender();
            let served = self.serve(&mut client, &mut sender).await;
            let uptime = Duration::from_millis(now_ms().saturating_sub(opened_ms));
            let error = match served {
                Served::StopRequested => {
                    let outcome = self.close(&mut client, &mut sender).await;
                    self.link.decide(outcome.clone());
                    self.emit(Event::Closed {
                        outcome: outcome.clone(),
                        uptime,
                    });
                    self.drain(&mut client).await;
                    return self.finish(outcome, End::Stopped);
                }
                Served::Ended(error) => error,
            };
            self.link.disconnected();
            // Decided by now (the connection failed, or the peer closed and was answered).
            let outcome = sender.shutdown(self.link.close_timeout()).await;
            if let Some(error) = &error {
                tracing::debug!(%error, "the connection ended");
            }
            self.emit(Event::Closed {
                outcome: outcome.clone(),
                uptime,
            });
            drop((client, sender));
            if uptime >= self.policy.stable_after {
                self.attempt = 0;
                self.backoff.reset();
            }
            let is_final = self.policy.is_final(&Failure::Closed(&outcome));
            if let Some(reason) = self.gives_up(is_final) {
                self.emit(Event::GaveUp {
                    attempts: self.attempt,
                    reason,
                });
                return self.finish(outcome, End::GaveUp(None));
            }
            client = match self.connect(true).await {
                Attempts::Open(client) => client,
                Attempts::Stopped => return self.finish(NOT_CONNECTED, End::Stopped),
                Attempts::GaveUp(error) => {
                    return self.finish(NOT_CONNECTED, End::GaveUp(Some(error)));
                }
            };
        }
    }

    /// Pumps messages both ways until the connection ends or the application asks to stop.
    async fn serve(&mut self, client: &mut C, sender: &mut C::Sender) -> Served {
        let mut sending = true;
        poll_fn(|cx| {
            self.link.register_task(cx);
            if self.link.is_stopping() {
                return Poll::Ready(Served::StopRequested);
            }
            if sending {
                sending = Self::forward(&self.link, sender, cx);
            }
            Self::receive(&self.link, client, cx).map(Served::Ended)
        })
        .await
    }

    /// Hands queued messages to the connection while it takes them; `false` once it
    /// refuses (it is closing: the receiving side sees the end).
    fn forward(link: &Link, sender: &mut C::Sender, cx: &mut Context<'_>) -> bool {
        while link.has_outgoing() {
            match Pin::new(&mut *sender).poll_ready(cx) {
                Poll::Pending => return true,
                Poll::Ready(Err(_)) => return false,
                Poll::Ready(Ok(())) => {
                    let Some(message) = link.pop_outgoing() else {
                        return true;
                    };
                    // Handed over: from here the message belongs to this connection, and
                    // is never sent again (see "Delivery" on `Reconnecting`).
                    if Pin::new(&mut *sender).start_send(message).is_err() {
                        return false;
                    }
                }
            }
        }
        true
    }

    /// Moves received messages to `recv` while it has room. Ready when the connection's
    /// stream ended: with the error that ended it, or `None` after the peer's Close.
    fn receive(link: &Link, client: &mut C, cx: &mut Context<'_>) -> Poll<Option<Error>> {
        loop {
            let room = link.inbox_room();
            if room == Some(false) {
                return Poll::Pending;
            }
            match std::task::ready!(Pin::new(&mut *client).poll_next(cx)) {
                Some(Ok(message)) => {
                    if room.is_some() {
                        link.deliver(message);
                    }
                }
                Some(Err(error)) => return Poll::Ready(Some(error)),
                None => return Poll::Ready(None),
            }
        }
    }

    /// The application's stop while a connection is open. What the queue holds goes out
    /// first, waiting for the connection to take it, until the earliest deadline of the
    /// stop requests (at once for `close_now`); then each stop request is handed to the
    /// connection as it comes, and the connection's backend adds them up as it does its
    /// own `shutdown`s and `close`s (the first frame is sent, the earliest deadline
    /// applies, `close_now` ends it at once) and decides the outcome by its own deadline.
    /// What the connection could not take by then is discarded when the client stops.
    async fn close(&mut self, client: &mut C, sender: &mut C::Sender) -> Shutdown {
        // The sender is used through `&mut` only, so that the task stays `Send` with a
        // sender that is not `Sync`.
        let mut flushing = true;
        // The earliest deadline, and a timer for it: the flush may not outlast it.
        let mut flush_deadline: Option<(u64, Sleep)> = None;
        let mut handshakes = Vec::new();
        poll_fn(|cx| {
            self.link.register_task(cx);
            if flushing {
                flushing = Self::forward(&self.link, sender, cx)
                    && self.link.has_outgoing()
                    && !Self::flush_deadline_passed(&self.link, &mut flush_deadline, cx);
                if flushing {
                    let _ = Self::receive(&self.link, client, cx);
                    return Poll::Pending;
                }
            }
            for request in self.link.take_requests() {
                let (frame, timeout) = match request {
                    Stop::Close { frame, deadline_ms } => (frame, until(deadline_ms)),
                    Stop::Abort => {
                        sender.close_now();
                        (CloseFrame::normal(), Duration::ZERO)
                    }
                };
                handshakes.push(Box::pin(hand_over(sender.clone(), frame, timeout)));
            }
            // Every request resolves with the connection's one outcome.
            for handshake in &mut handshakes {
                if let Poll::Ready(outcome) = handshake.as_mut().poll(cx) {
                    return Poll::Ready(outcome);
                }
            }
            // Received messages keep going to `recv` until the peer's Close.
            let _ = Self::receive(&self.link, client, cx);
            Poll::Pending
        })
        .await
    }

    /// `true` once the earliest deadline of the stop requests has passed (or one is
    /// `close_now`); otherwise its timer is armed in `timer` to wake the task then.
    fn flush_deadline_passed(
        link: &Link,
        timer: &mut Option<(u64, Sleep)>,
        cx: &mut Context<'_>,
    ) -> bool {
        let Some(deadline_ms) = link.earliest_stop_deadline() else {
            return true;
        };
        if deadline_ms <= now_ms() {
            return true;
        }
        let sleep = match timer {
            Some((armed_for, sleep)) if *armed_for == deadline_ms => sleep,
            slot => &mut slot.insert((deadline_ms, Sleep::new(until(deadline_ms)))).1,
        };
        Pin::new(sleep).poll(cx).is_ready()
    }

    /// Hands what the last connection still received to `recv`, until its end or until
    /// nobody reads any more.
    async fn drain(&mut self, client: &mut C) {
        poll_fn(|cx| {
            self.link.register_task(cx);
            if self.link.reader_gone() {
                return Poll::Ready(());
            }
            Self::receive(&self.link, client, cx).map(drop)
        })
        .await;
    }

    /// The client has stopped: every handle learns the outcome, and the events end.
    fn finish(self, outcome: Shutdown, end: End) {
        // Moved, not cloned: `connect` takes the error back out of its `Arc`.
        let (failure, stopped) = match end {
            End::GaveUp(failure) => (failure, false),
            End::Stopped => (None, true),
        };
        let discarded = self.link.finish(outcome.clone(), failure);
        if discarded > 0 {
            self.emit(Event::Discarded {
                messages: discarded,
            });
        }
        if stopped {
            self.emit(Event::Stopped { outcome });
        }
        self.link.hub.end();
    }
}

/// One attempt: the target's URL and settings, then the connection, with its settings'
/// close timeout.
async fn attempt_once<C: WsClient>(
    target: &mut Target,
    config: &Config,
    attempt: u32,
) -> Result<(C, Duration), Error> {
    let (url, config) = target.resolve(attempt, config).await?;
    let close_timeout = config.close_timeout;
    Ok((C::connect(&url, config).await?, close_timeout))
}

/// What a stop request handed to the connection resolves with: the connection's outcome.
async fn hand_over<S: WsSender>(sender: S, frame: CloseFrame, timeout: Duration) -> Shutdown {
    // The frame was checked against this target's rule when the application asked; a
    // client of the application's own may still refuse it, and is then ended without a
    // handshake rather than left open.
    match sender.close(frame, timeout).await {
        Ok(outcome) => outcome,
        Err(_) => {
            sender.close_now();
            Shutdown::Abnormal(Abnormal::Aborted)
        }
    }
}

/// `future`'s output, or `None` as soon as the application stops the client (the future
/// is then dropped, which cancels an attempt under way).
async fn until_stopped<T>(link: &Link, future: impl Future<Output = T>) -> Option<T> {
    let mut future = pin!(future);
    poll_fn(|cx| {
        link.register_task(cx);
        if link.is_stopping() {
            return Poll::Ready(None);
        }
        future.as_mut().poll(cx).map(Some)
    })
    .await
}

/// The time left until `deadline_ms`, zero once it has passed.
fn until(deadline_ms: u64) -> Duration {
    Duration::from_millis(deadline_ms.saturating_sub(now_ms()))
}
