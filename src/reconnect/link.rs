//! The state the application's handles share with the supervisor task: where the client
//! stands, the send queue, the received messages, and the final outcome.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use super::events::{Event, Hub};
use super::policy::WhenFull;
use crate::outcome::Outcome;
use crate::platform::{Lock, Shared, millis, now_ms};
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
    /// The client's outcome, decided once when it stops: what every `shutdown` returns.
    outcome: Outcome,
    pub(super) hub: Hub,
}

#[derive(Debug)]
struct State {
    phase: Phase,
    outgoing: Outgoing,
    /// `None` once the `Reconnecting` is gone: nothing will be received any more.
    inbox: Option<Inbox>,
    /// The task, woken by sends, reads, stop requests and `hurry`.
    task: Option<Waker>,
    /// `reconnect_now` was called, or the network came back: cut the wait short.
    hurry: bool,
    /// The close timeout of the last connection's settings (at first the client's): for
    /// the end of a connection, and for the close of a dropped client.
    close_timeout: Duration,
}

/// Where the client stands.
#[derive(Debug)]
enum Phase {
    /// No connection has opened yet: sends queue under the full-queue policy. The waker of
    /// `connect`, which waits for the first connection.
    Starting(Option<Waker>),
    /// A connection is open: a full queue makes sends wait.
    Open,
    /// Between connections: sends queue under the full-queue policy.
    Disconnected,
    /// The application asked to stop: sends fail. The requests the task has yet to hand to
    /// the connection, in the order they came.
    Stopping(Vec<Stop>),
    /// The client has stopped and its outcome is decided. `failure`: why it gave up before
    /// any connection opened, for `connect` (which takes it).
    Stopped { failure: Option<Arc<Error>> },
}

/// What the application asked for when it stopped the client.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Stop {
    /// A closing handshake with this frame, to give up at this time (`platform::now_ms`).
    Close { frame: CloseFrame, deadline_ms: u64 },
    /// `close_now`: no handshake.
    Abort,
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

/// Messages sent while they cannot go out yet, within the policy's bounds, and the
/// senders waiting for room.
#[derive(Debug)]
struct Outgoing {
    messages: VecDeque<Message>,
    bytes: usize,
    max_messages: usize,
    max_bytes: usize,
    when_full: WhenFull,
    senders: Wakers,
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

    /// Drops every queued message; returns how many there were.
    fn clear(&mut self) -> usize {
        self.bytes = 0;
        std::mem::take(&mut self.messages).len()
    }
}

/// Received messages on their way to `recv`, and its waker.
#[derive(Debug, Default)]
struct Inbox {
    messages: VecDeque<Message>,
    reader: Option<Waker>,
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

/// Wakes what a change of state concerns, once the lock is released: waking (or dropping)
/// a waker may run code that comes back here.
fn wake(wakers: impl IntoIterator<Item = Waker>) {
    for waker in wakers {
        waker.wake();
    }
}

impl Linked {
    pub(super) fn new(
        max_messages: usize,
        max_bytes: usize,
        when_full: WhenFull,
        close_timeout: Duration,
    ) -> Link {
        Shared::new(Self {
            state: Lock::new(State {
                phase: Phase::Starting(None),
                outgoing: Outgoing {
                    messages: VecDeque::new(),
                    bytes: 0,
                    max_messages,
                    max_bytes,
                    when_full,
                    senders: Wakers::default(),
                },
                inbox: Some(Inbox::default()),
                task: None,
                hurry: false,
                close_timeout,
            }),
            outcome: Outcome::default(),
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
            let mut guard = self.state.lock();
            let state = &mut *guard;
            let outgoing = &mut state.outgoing;
            match &state.phase {
                Phase::Stopping(_) | Phase::Stopped { .. } => {
                    return Poll::Ready(Err(Error::Closed));
                }
                _ if outgoing.has_room_for(len) => {}
                Phase::Open => match open_and_full {
                    WhenOpenAndFull::Wait(waiter) => {
                        outgoing.senders.register(waiter);
                        return Poll::Pending;
                    }
                    WhenOpenAndFull::Refuse => return Poll::Ready(Err(Error::SendQueueFull)),
                    WhenOpenAndFull::Take => {}
                },
                Phase::Starting(_) | Phase::Disconnected => match outgoing.when_full {
                    WhenFull::Refuse => return Poll::Ready(Err(Error::SendQueueFull)),
                    WhenFull::DropOldest => {
                        while !outgoing.has_room_for(len) {
                            outgoing.pop();
                            discarded += 1;
                        }
                    }
                },
            }
            let Some(message) = message.take() else {
                return Poll::Ready(Ok(()));
            };
            outgoing.push(message);
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
        let mut guard = self.state.lock();
        let state = &mut *guard;
        let outgoing = &mut state.outgoing;
        match &state.phase {
            Phase::Stopping(_) | Phase::Stopped { .. } => Poll::Ready(Err(Error::Closed)),
            _ if outgoing.has_room_for(0) => Poll::Ready(Ok(())),
            Phase::Open => {
                outgoing.senders.register(cx.waker());
                Poll::Pending
            }
            Phase::Starting(_) | Phase::Disconnected => match outgoing.when_full {
                WhenFull::Refuse => Poll::Ready(Err(Error::SendQueueFull)),
                WhenFull::DropOldest => Poll::Ready(Ok(())),
            },
        }
    }

    /// `recv`: the next received message; `None` once the client has stopped and
    /// everything received was taken.
    pub(super) fn poll_recv(&self, cx: &mut Context<'_>) -> Poll<Option<Message>> {
        let (item, task) = {
            let mut guard = self.state.lock();
            let state = &mut *guard;
            let stopped = matches!(state.phase, Phase::Stopped { .. });
            let Some(inbox) = state.inbox.as_mut() else {
                return Poll::Ready(None);
            };
            match inbox.messages.pop_front() {
                Some(message) => {
                    // The task waits for room once the inbox is full.
                    let was_full = inbox.messages.len() + 1 == INBOX_CAPACITY;
                    let task = if was_full { state.task.take() } else { None };
                    (Poll::Ready(Some(message)), task)
                }
                // Stopped once the last connection's stream ended: nothing more comes.
                None if stopped => (Poll::Ready(None), None),
                None => {
                    inbox.reader = Some(cx.waker().clone());
                    (Poll::Pending, None)
                }
            }
        };
        wake(task);
        item
    }

    /// The `Reconnecting` is gone.
    pub(super) fn release_reader(&self) {
        let (inbox, task) = {
            let mut state = self.state.lock();
            (state.inbox.take(), state.task.take())
        };
        drop(inbox);
        wake(task);
    }

    /// Asks the task to stop, with `stop`: it hands every request to the open connection
    /// in turn, whose backend decides what they add up to (see [`WsSender::shutdown`](
    /// crate::WsSender::shutdown)). Nothing happens once the client has stopped.
    pub(super) fn request_stop(&self, stop: Stop) {
        let wakers = {
            let mut state = self.state.lock();
            let previous = match &mut state.phase {
                Phase::Stopped { .. } => return,
                Phase::Stopping(requests) => {
                    requests.push(stop);
                    None
                }
                phase => Some(std::mem::replace(phase, Phase::Stopping(vec![stop]))),
            };
            let mut wakers = state.outgoing.senders.take();
            wakers.extend(state.task.take());
            // Nobody waits for the first connection any more: this one stops first.
            if let Some(Phase::Starting(connect)) = previous {
                wakers.extend(connect);
            }
            wakers
        };
        wake(wakers);
    }

    /// The client's outcome, once it has stopped.
    pub(super) fn wait_outcome(link: &Link) -> WaitOutcome {
        WaitOutcome {
            link: Shared::clone(link),
            id: None,
        }
    }

    /// The client's outcome, for `Sink::poll_close`; `id` as [`WaitOutcome`] keeps it.
    pub(super) fn poll_outcome(&self, id: &mut Option<u64>, cx: &Context<'_>) -> Poll<Shutdown> {
        self.outcome.poll_wait(id, cx)
    }

    /// A wait registered with `id` is given up.
    pub(super) fn forget_wait(&self, id: u64) {
        self.outcome.forget(id);
    }

    /// Ready once the first connection is open (`Ok` also when the client stopped since),
    /// or with why the client stopped before (`None`: the application stopped it).
    pub(super) fn poll_opened(&self, cx: &mut Context<'_>) -> Poll<Result<(), Option<Arc<Error>>>> {
        let mut state = self.state.lock();
        match &mut state.phase {
            Phase::Starting(connect) => {
                *connect = Some(cx.waker().clone());
                Poll::Pending
            }
            Phase::Open | Phase::Disconnected => Poll::Ready(Ok(())),
            Phase::Stopping(_) => Poll::Ready(Err(None)),
            Phase::Stopped { failure } => {
                Poll::Ready(failure.take().map_or(Ok(()), |e| Err(Some(e))))
            }
        }
    }

    /// The close timeout for a dropped client, and for `Sink::poll_close`.
    pub(super) fn close_timeout(&self) -> Duration {
        self.state.lock().close_timeout
    }

    /// `true` once the client stops or has stopped.
    pub(super) fn is_stopping(&self) -> bool {
        matches!(
            self.state.lock().phase,
            Phase::Stopping(_) | Phase::Stopped { .. }
        )
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

    /// The earliest time by which a stop request not yet taken wants the connection
    /// closed (`platform::now_ms`; 0 for `close_now`), if there is one.
    pub(super) fn earliest_stop_deadline(&self) -> Option<u64> {
        match &self.state.lock().phase {
            Phase::Stopping(requests) => requests
                .iter()
                .map(|request| match request {
                    Stop::Close { deadline_ms, .. } => *deadline_ms,
                    Stop::Abort => 0,
                })
                .min(),
            _ => None,
        }
    }

    /// The stop requests not yet taken, in order; empty unless the client stops.
    pub(super) fn take_requests(&self) -> Vec<Stop> {
        match &mut self.state.lock().phase {
            Phase::Stopping(requests) => std::mem::take(requests),
            _ => Vec::new(),
        }
    }

    /// Takes the `hurry` flag.
    pub(super) fn take_hurry(&self) -> bool {
        std::mem::take(&mut self.state.lock().hurry)
    }

    /// A connection is open, with settings whose close timeout is `close_timeout`: sends
    /// queue for it, and `connect` resolves. Unless the client stops meanwhile.
    pub(super) fn opened(&self, close_timeout: Duration) {
        let wakers = {
            let mut guard = self.state.lock();
            let state = &mut *guard;
            state.close_timeout = close_timeout;
            let mut wakers = state.outgoing.senders.take();
            match &mut state.phase {
                Phase::Starting(connect) => {
                    wakers.extend(connect.take());
                    state.phase = Phase::Open;
                }
                Phase::Disconnected => state.phase = Phase::Open,
                _ => {}
            }
            wakers
        };
        wake(wakers);
    }

    /// The connection ended: sends queue under the full-queue policy until the next.
    pub(super) fn disconnected(&self) {
        let senders = {
            let mut state = self.state.lock();
            if matches!(state.phase, Phase::Open) {
                state.phase = Phase::Disconnected;
            }
            state.outgoing.senders.take()
        };
        wake(senders);
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
            (message, state.outgoing.senders.take())
        };
        wake(senders);
        message
    }

    /// `Some(true)` if the inbox has room for a message, `Some(false)` if it is full,
    /// `None` if nobody will read it (received messages are then dropped).
    pub(super) fn inbox_room(&self) -> Option<bool> {
        let state = self.state.lock();
        let inbox = state.inbox.as_ref()?;
        Some(inbox.messages.len() < INBOX_CAPACITY)
    }

    /// Hands a received message to `recv`.
    pub(super) fn deliver(&self, message: Message) {
        let reader = {
            let mut state = self.state.lock();
            let Some(inbox) = state.inbox.as_mut() else {
                return;
            };
            inbox.messages.push_back(message);
            inbox.reader.take()
        };
        wake(reader);
    }

    /// The client has stopped with `outcome` (`failure`: the error of the last attempt
    /// when it gave up after one): sends fail, shutdowns resolve, `connect` learns why if
    /// no connection opened, and `recv` ends once the inbox is empty (the last
    /// connection's stream has ended). Returns how many queued messages were never sent.
    pub(super) fn finish(&self, outcome: Shutdown, failure: Option<Arc<Error>>) -> usize {
        let (discarded, wakers) = {
            let mut state = self.state.lock();
            let before_open = matches!(state.phase, Phase::Starting(_));
            let previous = std::mem::replace(
                &mut state.phase,
                Phase::Stopped {
                    failure: failure.filter(|_| before_open),
                },
            );
            let discarded = state.outgoing.clear();
            let mut wakers = state.outgoing.senders.take();
            wakers.extend(state.inbox.as_mut().and_then(|inbox| inbox.reader.take()));
            if let Phase::Starting(connect) = previous {
                wakers.extend(connect);
            }
            (discarded, wakers)
        };
        // The client's handles learn the outcome here; each connection logged its own end.
        self.outcome.decide_quietly(outcome);
        wake(wakers);
        discarded
    }

    /// The stopping client's outcome is known: its handles learn it now, before the last
    /// connection's remaining messages have been handed to `recv` (which may never happen
    /// if nobody reads). [`finish`](Self::finish) keeps it.
    pub(super) fn decide(&self, outcome: Shutdown) {
        self.outcome.decide_quietly(outcome);
    }

    /// `true` once the `Reconnecting` is gone.
    pub(super) fn reader_gone(&self) -> bool {
        self.state.lock().inbox.is_none()
    }
}

/// Waits for a client's outcome; dropped, it leaves no waker behind.
#[derive(Debug)]
pub(super) struct WaitOutcome {
    link: Link,
    id: Option<u64>,
}

impl Future for WaitOutcome {
    type Output = Shutdown;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Shutdown> {
        let this = &mut *self;
        this.link.poll_outcome(&mut this.id, cx)
    }
}

impl Drop for WaitOutcome {
    fn drop(&mut self) {
        if let Some(id) = self.id {
            self.link.forget_wait(id);
        }
    }
}

/// `timeout` from now, as a deadline on `platform::now_ms`.
pub(super) fn deadline_after(timeout: Duration) -> u64 {
    now_ms().saturating_add(millis(timeout))
}
