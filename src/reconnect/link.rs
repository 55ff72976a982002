//! The state the application's handles share with the supervisor task: the send queue,
//! the received messages, the stop request and the final outcome.

use std::collections::VecDeque;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use super::events::{Event, Hub};
use super::policy::WhenFull;
use crate::platform::{Lock, Shared};
use crate::{CloseFrame, Error, Message, Shutdown};

/// How many received messages wait here for `recv`, beyond those the connection itself
/// holds (its [`Config::receive_queue`](crate::Config::receive_queue)).
pub(super) const INBOX_CAPACITY: usize = 16;

/// The handles' and the task's shared state.
pub(super) type Link = Shared<Linked>;

/// See [`Link`].
#[derive(Debug)]
pub(super) struct Linked {
    state: Lock<State>,
    pub(super) hub: Hub,
}

/// Where the client stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Phase {
    /// No connection is open: sends queue under the full-queue policy.
    Disconnected,
    /// A connection is open: a full queue makes sends wait.
    Open,
    /// The application asked to stop (or the client gave up): sends fail.
    Stopping,
}

/// What the application asked for when it stopped the client.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Stop {
    /// A closing handshake with this frame, to give up at this time (`clock::now_ms`).
    Close { frame: CloseFrame, deadline_ms: u64 },
    /// `close_now`: no handshake.
    Abort,
}

#[derive(Debug)]
struct State {
    phase: Phase,
    outgoing: Outgoing,
    senders: Wakers,
    inbox: VecDeque<Message>,
    reader: Option<Waker>,
    /// The `Reconnecting` is gone: nothing will be received any more.
    reader_gone: bool,
    stop: Option<Stop>,
    outcome: Option<Shutdown>,
    outcome_waiters: Wakers,
    task: Option<Waker>,
    /// `reconnect_now` was called, or the network came back: cut the wait short.
    hurry: bool,
    /// A connection has been open (`connect` resolves).
    ever_open: bool,
    /// Why the client gave up before any connection opened.
    failure: Option<Arc<Error>>,
    /// The close timeout of the last connection's settings: for its end, and for the
    /// close of a dropped client.
    close_timeout: Duration,
}

/// Messages sent while they cannot go out yet, within the policy's bounds.
#[derive(Debug)]
struct Outgoing {
    messages: VecDeque<Message>,
    bytes: usize,
    max_messages: usize,
    max_bytes: usize,
    when_full: WhenFull,
}

impl Outgoing {
    fn has_room_for(&self, len: usize) -> bool {
        self.messages.is_empty()
            || (self.messages.len() < self.max_messages
                && self.bytes.saturating_add(len) <= self.max_bytes)
    }

    fn push(&mut self, message: Message) {
        self.bytes = self.bytes.saturating_add(message.as_bytes().len());
        self.messages.push_back(message);
    }

    fn pop(&mut self) -> Option<Message> {
        let message = self.messages.pop_front()?;
        self.bytes -= message.as_bytes().len();
        Some(message)
    }
}

/// What a send does with a full queue while a connection is open.
#[derive(Debug, Clone, Copy)]
pub(super) enum WhenOpenAndFull<'a> {
    /// Waits for room (`send`), registering this waker.
    Wait(&'a Waker),
    /// Fails with [`Error::SendQueueFull`] (`try_send`).
    Refuse,
    /// Queues the message anyway (`Sink::start_send`: `poll_ready` found room for one
    /// message, whose size may exceed the bytes left).
    Take,
}

/// Tasks to wake, each once however often it polled.
#[derive(Debug, Default)]
struct Wakers(Vec<Waker>);

impl Wakers {
    fn register(&mut self, waker: &Waker) {
        if !self.0.iter().any(|known| known.will_wake(waker)) {
            self.0.push(waker.clone());
        }
    }

    fn take(&mut self) -> Vec<Waker> {
        std::mem::take(&mut self.0)
    }
}

fn wake_all(wakers: Vec<Waker>) {
    for waker in wakers {
        waker.wake();
    }
}

fn wake(waker: Option<Waker>) {
    if let Some(waker) = waker {
        waker.wake();
    }
}

impl Linked {
    pub(super) fn new(max_messages: usize, max_bytes: usize, when_full: WhenFull) -> Link {
        Shared::new(Self {
            state: Lock::new(State {
                phase: Phase::Disconnected,
                outgoing: Outgoing {
                    messages: VecDeque::new(),
                    bytes: 0,
                    max_messages,
                    max_bytes,
                    when_full,
                },
                senders: Wakers::default(),
                inbox: VecDeque::new(),
                reader: None,
                reader_gone: false,
                stop: None,
                outcome: None,
                outcome_waiters: Wakers::default(),
                task: None,
                hurry: false,
                ever_open: false,
                failure: None,
                close_timeout: crate::Config::default().close_timeout,
            }),
            hub: Hub::new(),
        })
    }

    // --- the application's side ---

    /// Queues `message`, or applies the full-queue policy: while disconnected the
    /// client's [`WhenFull`], while open `open_and_full` (see [`WhenOpenAndFull`]).
    pub(super) fn poll_send(
        &self,
        message: &mut Option<Message>,
        open_and_full: WhenOpenAndFull<'_>,
    ) -> Poll<Result<(), Error>> {
        let len = message.as_ref().map_or(0, |m| m.as_bytes().len());
        let mut discarded = 0;
        let task = {
            let mut state = self.state.lock();
            match state.phase {
                Phase::Stopping => return Poll::Ready(Err(Error::Closed)),
                _ if state.outgoing.has_room_for(len) => {}
                Phase::Open => match open_and_full {
                    WhenOpenAndFull::Wait(waiter) => {
                        state.senders.register(waiter);
                        return Poll::Pending;
                    }
                    WhenOpenAndFull::Refuse => return Poll::Ready(Err(Error::SendQueueFull)),
                    WhenOpenAndFull::Take => {}
                },
                Phase::Disconnected => match state.outgoing.when_full {
                    WhenFull::Refuse => return Poll::Ready(Err(Error::SendQueueFull)),
                    WhenFull::DropOldest => {
                        while !state.outgoing.has_room_for(len) {
                            state.outgoing.pop();
                            discarded += 1;
                        }
                    }
                },
            }
            let Some(message) = message.take() else {
                return Poll::Ready(Ok(()));
            };
            state.outgoing.push(message);
            state.task.take()
        };
        wake(task);
        if discarded > 0 {
            self.hub.emit(&Event::Discarded {
                messages: discarded,
            });
        }
        Poll::Ready(Ok(()))
    }

    /// `Sink::poll_ready`: ready when a message may be handed over as `send` would queue
    /// it. Under [`WhenFull::DropOldest`] while disconnected it is ready at once: room is
    /// made when the message comes, so that nothing is dropped for a message that does
    /// not.
    pub(super) fn poll_ready(&self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let mut state = self.state.lock();
        match state.phase {
            Phase::Stopping => Poll::Ready(Err(Error::Closed)),
            _ if state.outgoing.has_room_for(0) => Poll::Ready(Ok(())),
            Phase::Open => {
                state.senders.register(cx.waker());
                Poll::Pending
            }
            Phase::Disconnected => match state.outgoing.when_full {
                WhenFull::Refuse => Poll::Ready(Err(Error::SendQueueFull)),
                WhenFull::DropOldest => Poll::Ready(Ok(())),
            },
        }
    }

    /// `recv`: the next received message; `None` once the client has stopped and
    /// everything received was taken.
    pub(super) fn poll_recv(&self, cx: &mut Context<'_>) -> Poll<Option<Message>> {
        let task = {
            let mut state = self.state.lock();
            match state.inbox.pop_front() {
                Some(message) => {
                    let task = if state.inbox.len() + 1 == INBOX_CAPACITY {
                        state.task.take()
                    } else {
                        None
                    };
                    (Poll::Ready(Some(message)), task)
                }
                // Decided once the last connection's stream ended: nothing more comes.
                None if state.outcome.is_some() => (Poll::Ready(None), None),
                None => {
                    state.reader = Some(cx.waker().clone());
                    (Poll::Pending, None)
                }
            }
        };
        wake(task.1);
        task.0
    }

    /// The `Reconnecting` is gone.
    pub(super) fn release_reader(&self) {
        let task = {
            let mut state = self.state.lock();
            state.reader_gone = true;
            state.inbox.clear();
            state.task.take()
        };
        wake(task);
    }

    /// Asks the task to stop: the first request's frame is sent, the earliest deadline
    /// applies, and an abort overrides a handshake.
    pub(super) fn request_stop(&self, stop: Stop) {
        let task = {
            let mut state = self.state.lock();
            if state.outcome.is_some() {
                return;
            }
            state.phase = Phase::Stopping;
            let merged = match (state.stop.take(), stop) {
                (None, stop) | (Some(_), stop @ Stop::Abort) | (Some(stop @ Stop::Abort), _) => {
                    stop
                }
                (
                    Some(Stop::Close { frame, deadline_ms }),
                    Stop::Close {
                        deadline_ms: later, ..
                    },
                ) => Stop::Close {
                    frame,
                    deadline_ms: deadline_ms.min(later),
                },
            };
            state.stop = Some(merged);
            let senders = state.senders.take();
            (state.task.take(), senders)
        };
        wake(task.0);
        wake_all(task.1);
    }

    /// The final outcome, once the client has stopped.
    pub(super) fn poll_outcome(&self, cx: &mut Context<'_>) -> Poll<Shutdown> {
        let mut state = self.state.lock();
        match &state.outcome {
            Some(outcome) => Poll::Ready(outcome.clone()),
            None => {
                state.outcome_waiters.register(cx.waker());
                Poll::Pending
            }
        }
    }

    /// Ready once the first connection is open, or with why the client stopped before
    /// (`None`: the application stopped it).
    pub(super) fn poll_opened(&self, cx: &mut Context<'_>) -> Poll<Result<(), Option<Arc<Error>>>> {
        let mut state = self.state.lock();
        if state.ever_open {
            Poll::Ready(Ok(()))
        } else if state.outcome.is_some() {
            Poll::Ready(Err(state.failure.take()))
        } else {
            state.outcome_waiters.register(cx.waker());
            Poll::Pending
        }
    }

    /// The close timeout for a dropped client.
    pub(super) fn close_timeout(&self) -> Duration {
        self.state.lock().close_timeout
    }

    /// `true` once the client stops or has stopped.
    pub(super) fn is_stopping(&self) -> bool {
        self.state.lock().phase == Phase::Stopping
    }

    /// Cuts the wait before the next attempt short.
    pub(super) fn hurry(&self) {
        let task = {
            let mut state = self.state.lock();
            state.hurry = true;
            state.task.take()
        };
        wake(task);
    }

    // --- the task's side ---

    /// Registers the task to be woken by sends, reads, stop requests and `hurry`.
    pub(super) fn register_task(&self, cx: &mut Context<'_>) {
        self.state.lock().task = Some(cx.waker().clone());
    }

    /// The stop request, if any.
    pub(super) fn stop_requested(&self) -> Option<Stop> {
        self.state.lock().stop.clone()
    }

    /// Takes the `hurry` flag.
    pub(super) fn take_hurry(&self) -> bool {
        std::mem::take(&mut self.state.lock().hurry)
    }

    /// Moves to `phase` (unless stopping) and lets waiting senders look again.
    pub(super) fn set_phase(&self, phase: Phase) {
        let senders = {
            let mut state = self.state.lock();
            if state.phase != Phase::Stopping {
                state.phase = phase;
            }
            let mut wakers = state.senders.take();
            if phase == Phase::Open && !state.ever_open {
                state.ever_open = true;
                wakers.extend(state.outcome_waiters.take());
            }
            wakers
        };
        wake_all(senders);
    }

    /// A connection opened with settings whose close timeout is `timeout`.
    pub(super) fn set_close_timeout(&self, timeout: Duration) {
        self.state.lock().close_timeout = timeout;
    }

    /// The client gave up before any connection opened, because of `error`.
    pub(super) fn set_failure(&self, error: Arc<Error>) {
        self.state.lock().failure = Some(error);
    }

    /// `true` while a queued message waits.
    pub(super) fn has_outgoing(&self) -> bool {
        !self.state.lock().outgoing.messages.is_empty()
    }

    /// The oldest queued message; a waiting sender may now find room.
    pub(super) fn pop_outgoing(&self) -> Option<Message> {
        let (message, senders) = {
            let mut state = self.state.lock();
            let message = state.outgoing.pop();
            (message, state.senders.take())
        };
        wake_all(senders);
        message
    }

    /// `Some(true)` if the inbox has room for a message, `Some(false)` if it is full,
    /// `None` if nobody will read it (received messages are then dropped).
    pub(super) fn inbox_room(&self) -> Option<bool> {
        let state = self.state.lock();
        if state.reader_gone {
            None
        } else {
            Some(state.inbox.len() < INBOX_CAPACITY)
        }
    }

    /// Hands a received message to `recv`.
    pub(super) fn deliver(&self, message: Message) {
        let reader = {
            let mut state = self.state.lock();
            if state.reader_gone {
                return;
            }
            state.inbox.push_back(message);
            state.reader.take()
        };
        wake(reader);
    }

    /// The client has stopped with `outcome`: sends fail, shutdowns resolve, and `recv`
    /// ends once the inbox is empty (the last connection's stream has ended). Returns how
    /// many queued messages were never sent.
    pub(super) fn finish(&self, outcome: Shutdown) -> usize {
        let (discarded, wakers) = {
            let mut state = self.state.lock();
            state.phase = Phase::Stopping;
            state.outcome.get_or_insert(outcome);
            let discarded = state.outgoing.messages.len();
            state.outgoing.messages.clear();
            state.outgoing.bytes = 0;
            let mut wakers = state.outcome_waiters.take();
            wakers.extend(state.senders.take());
            wakers.extend(state.reader.take());
            (discarded, wakers)
        };
        wake_all(wakers);
        discarded
    }

    /// `true` once the `Reconnecting` is gone.
    pub(super) fn reader_gone(&self) -> bool {
        self.state.lock().reader_gone
    }
}

/// `timeout` from now, as a deadline on `clock::now_ms`.
pub(super) fn deadline_after(timeout: Duration) -> u64 {
    crate::platform::now_ms().saturating_add(crate::platform::millis(timeout))
}
