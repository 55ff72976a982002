//! The state of one connection, shared by its handles, and what the socket's events and
//! the timers do to it.
//!
//! Everything runs on the page's one thread: the handles, the socket's handlers and the
//! timers share one `RefCell`. No borrow is held across a call that could re-enter (the
//! browser queues its events and wakers only schedule tasks, but wakers are still woken,
//! and sockets dropped, after the borrow is released). The socket's handlers and the
//! timers hold a `Weak`, so they never keep a connection alive by themselves.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use gloo_timers::callback::Timeout;
use web_sys::{CloseEvent, MessageEvent, WebSocket};

use super::convert::{JsError, message_from_js, send_to_js};
use super::events::{Event, Listener, WeakListener, report};
use super::inbox::Inbox;
use super::liveness::Liveness;
use super::socket::Socket;
use super::timer::{delay_ms, now_ms};
use crate::gate::Gate;
use crate::in_flight::InFlight;
use crate::outcome::Outcome;
use crate::{Abnormal, CloseCode, CloseFrame, Config, Error, Message, Shutdown};

/// What the page sends when it gives up on a connection itself (a heartbeat unanswered, an
/// idle connection): a private-use code, as browsers may send only 1000 and 3000–4999.
const GIVING_UP: u16 = 4000;
/// What the page sends for a message over `Config::max_message_size`: the private-use
/// mirror of 1009 ("message too big"), which browsers may not send.
const TOO_BIG: u16 = 4009;
/// What the page sends when a message arrives while its receive queue is full: the
/// private-use mirror of 1013 ("try again later": overloaded).
const OVERLOADED: u16 = 4013;

/// How many [`Conn`]s exist (see [`live_connections`](super::live_connections)). An
/// atomic only to be a plain `static`; the page has one thread.
static LIVE: AtomicUsize = AtomicUsize::new(0);

/// How many connection states exist right now.
pub(super) fn live() -> usize {
    LIVE.load(Ordering::Relaxed)
}

/// One connection: its socket, its received messages, its closing handshake.
pub(crate) struct Conn {
    state: RefCell<State>,
    pub(super) outcome: Outcome,
    /// Itself, as the socket's handlers and the timers hold it.
    listener: WeakListener,
    /// The connection's `websocket` span, entered for the events of the socket and timers.
    span: tracing::Span,
    high_water: usize,
    send_queue: usize,
    max_message_size: Option<usize>,
}

struct State {
    phase: Phase,
    /// `None` once the connection is over: the socket has been closed or abandoned.
    socket: Option<Socket>,
    inbox: Inbox,
    liveness: Liveness,
    gate: Gate,
    in_flight: InFlight,
}

/// Where the connection stands.
enum Phase {
    /// Waiting for `open`; the waker of `connect`.
    Connecting(Option<Waker>),
    /// Open. `saw_error`: the browser fired `error` (a `close` follows).
    Open { saw_error: bool },
    /// `WebSocket.close(code, reason)` was called (it is called once): waiting for `close`
    /// until `give_up_at` (`now_ms()`), when `timer` fires.
    Closing {
        saw_error: bool,
        give_up_at: f64,
        timer: Timeout,
    },
    /// Over: failed before `open`, or ended with its outcome decided. Nothing is attached
    /// to the socket any more.
    Ended,
}

impl Phase {
    /// A close was requested or the connection ended: no more sends.
    fn is_closing(&self) -> bool {
        matches!(self, Self::Closing { .. } | Self::Ended)
    }
}

impl Conn {
    /// Takes over `ws` (not yet open) and attaches the handlers.
    pub(super) fn new(ws: WebSocket, config: &Config, span: &tracing::Span) -> Rc<Self> {
        let conn = Rc::new_cyclic(|me: &std::rc::Weak<Self>| {
            let listener: WeakListener = me.clone();
            Self {
                state: RefCell::new(State {
                    phase: Phase::Connecting(None),
                    socket: None,
                    inbox: Inbox::new(config.receive_queue, config.receive_queue_bytes),
                    liveness: Liveness::new(config),
                    gate: Gate::default(),
                    in_flight: InFlight::default(),
                }),
                outcome: Outcome::default(),
                listener,
                span: span.clone(),
                high_water: config.buffered_amount_high_water,
                send_queue: config.send_queue,
                max_message_size: config.max_message_size,
            }
        });
        LIVE.fetch_add(1, Ordering::Relaxed);
        let socket = Socket::attach(ws, &conn.listener);
        conn.state.borrow_mut().socket = Some(socket);
        conn
    }

    /// `Ready(true)` once open, `Ready(false)` if the browser reported a failure first.
    pub(super) fn poll_open(&self, cx: &Context<'_>) -> Poll<bool> {
        let mut state = self.state.borrow_mut();
        match &mut state.phase {
            Phase::Connecting(waker) => {
                *waker = Some(cx.waker().clone());
                Poll::Pending
            }
            // Ended before `connect` looked: it had opened if its outcome was decided (a
            // connection that fails before `open` ends with none).
            Phase::Ended => Poll::Ready(self.outcome.is_decided()),
            Phase::Open { .. } | Phase::Closing { .. } => Poll::Ready(true),
        }
    }

    /// The connection is open and has an owner: starts the liveness checks. Returns the
    /// subprotocol the server chose.
    pub(super) fn start(&self) -> Option<String> {
        let mut state = self.state.borrow_mut();
        state.liveness.start(&self.listener);
        let protocol = state.socket.as_ref()?.ws().protocol();
        (!protocol.is_empty()).then_some(protocol)
    }

    /// Gives up on a connection that never opened (or whose `connect` gave up): closes the
    /// socket and detaches from it.
    pub(super) fn abandon(&self) {
        let socket = self.state.borrow_mut().socket.take();
        drop(socket);
    }

    // --- the socket's events ---

    fn on_open(&self) {
        let waker = {
            let mut state = self.state.borrow_mut();
            match &mut state.phase {
                Phase::Connecting(waker) => {
                    let waker = waker.take();
                    state.phase = Phase::Open { saw_error: false };
                    waker
                }
                _ => None,
            }
        };
        wake(waker);
    }

    fn on_message(&self, event: &MessageEvent) {
        let message = match message_from_js(&event.data(), self.max_message_size) {
            Ok(Some(message)) => message,
            Ok(None) => return,
            Err(too_large) => {
                self.fail_locally(too_large, TOO_BIG, "message too big");
                return;
            }
        };
        let waker = {
            let mut state = self.state.borrow_mut();
            if state.inbox.is_full() {
                None
            } else {
                state.liveness.saw_traffic();
                Some(state.inbox.push(Ok(message)))
            }
        };
        match waker {
            Some(waker) => wake(waker),
            // The page cannot pause the socket: past the bounds, fail rather than grow.
            None => self.fail_locally(Error::ReceiveQueueFull, OVERLOADED, "receive queue full"),
        }
    }

    fn on_error(&self) {
        let waker = {
            let mut state = self.state.borrow_mut();
            match &mut state.phase {
                Phase::Connecting(waker) => {
                    let waker = waker.take();
                    state.phase = Phase::Ended;
                    waker
                }
                Phase::Open { saw_error } | Phase::Closing { saw_error, .. } => {
                    *saw_error = true;
                    None
                }
                Phase::Ended => None,
            }
        };
        wake(waker);
    }

    fn on_close(&self, event: &CloseEvent) {
        let saw_error = {
            let mut state = self.state.borrow_mut();
            match &mut state.phase {
                Phase::Open { saw_error } | Phase::Closing { saw_error, .. } => *saw_error,
                Phase::Connecting(waker) => {
                    let waker = waker.take();
                    state.phase = Phase::Ended;
                    drop(state);
                    wake(waker);
                    return;
                }
                Phase::Ended => return,
            }
        };
        let code = event.code();
        if event.was_clean() {
            let frame = CloseFrame::new(CloseCode::from_wire(code), event.reason());
            self.finish(Shutdown::Clean(frame), None);
        } else {
            let after = if saw_error {
                ", after an error event"
            } else {
                ""
            };
            let code = u32::from(code); // formatted as `u32`, as everywhere else
            let report = format!("the browser reported an unclean close with code {code}{after}");
            let error = Error::connection_lost(JsError::reported(report));
            self.finish(Shutdown::Abnormal(Abnormal::caused_by(&error)), Some(error));
        }
    }

    // --- liveness ---

    fn on_heartbeat_due(&self) {
        let heartbeat = self.state.borrow_mut().liveness.tick(&self.listener);
        if let Some(message) = heartbeat {
            // Sent at once, not behind senders waiting for backpressure: it is tiny, and
            // its answer deadline is already running.
            if let Err(error) = self.hand_over(&message) {
                tracing::debug!(%error, "heartbeat not sent");
            }
        }
    }

    fn on_heartbeat_unanswered(&self) {
        let failed = self.state.borrow_mut().liveness.answer_deadline_passed();
        if let Some(error) = failed {
            self.fail_locally(error, GIVING_UP, "heartbeat not answered");
        }
    }

    fn on_idle_check(&self) {
        let failed = self.state.borrow_mut().liveness.idle_check(&self.listener);
        if let Some(error) = failed {
            self.fail_locally(error, GIVING_UP, "idle timeout");
        }
    }

    // --- receiving ---

    pub(super) fn poll_recv(&self, cx: &Context<'_>) -> Poll<Option<Result<Message, Error>>> {
        self.state.borrow_mut().inbox.poll_recv(cx)
    }

    /// The client is gone: nothing will be received any more.
    pub(super) fn close_receiver(&self) {
        self.state.borrow_mut().inbox.close_receiver();
    }

    // --- sending ---

    pub(super) fn with_gate<R>(&self, f: impl FnOnce(&mut Gate) -> R) -> R {
        f(&mut self.state.borrow_mut().gate)
    }

    /// Ready once sender `id` is first in line, with whether the browser has room for one
    /// more message: `bufferedAmount` at most `Config::buffered_amount_high_water`, and
    /// fewer than `Config::send_queue` messages unsent.
    pub(super) fn poll_turn(&self, id: u64, cx: &Context<'_>) -> Poll<Result<bool, Error>> {
        let mut state = self.state.borrow_mut();
        if state.phase.is_closing() {
            return Poll::Ready(Err(Error::Closed));
        }
        if !state.gate.poll_first(id, cx) {
            return Poll::Pending;
        }
        let Some(buffered) = state.socket.as_ref().map(|s| s.ws().buffered_amount()) else {
            return Poll::Ready(Err(Error::Closed));
        };
        let room = buffered as usize <= self.high_water
            && state.in_flight.count(buffered) < self.send_queue;
        Poll::Ready(Ok(room))
    }

    /// Hands a message from a sender to the browser.
    ///
    /// # Errors
    /// [`Error::Closed`] once a shutdown has started or the connection has ended, or when
    /// the browser refuses the message (its socket is no longer open).
    pub(super) fn send_now(&self, message: &Message) -> Result<(), Error> {
        if self.is_closing() {
            return Err(Error::Closed);
        }
        self.hand_over(message).map_err(|error| {
            tracing::debug!(%error, "the browser refused a message");
            Error::Closed
        })
    }

    /// Hands `message` to the browser and counts it as unsent.
    fn hand_over(&self, message: &Message) -> Result<(), JsError> {
        let ws = {
            let state = self.state.borrow();
            match &state.socket {
                Some(socket) => socket.ws().clone(),
                None => return Err(JsError::reported("the connection has ended")),
            }
        };
        let buffered = ws.buffered_amount();
        send_to_js(&ws, message).map_err(|thrown| JsError::from_js(&thrown))?;
        let mut state = self.state.borrow_mut();
        state.in_flight.handed_over(message.len(), buffered);
        Ok(())
    }

    // --- closing ---

    /// The connection's `websocket` span.
    pub(super) fn span(&self) -> &tracing::Span {
        &self.span
    }

    /// `true` once a close was requested or the connection ended.
    pub(super) fn is_closing(&self) -> bool {
        self.state.borrow().phase.is_closing()
    }

    /// Starts the closing handshake with `frame` (already checked), to give up after
    /// `timeout`. The browser's `close()` is called once; a later request can only bring
    /// the deadline forward. Nothing happens once the connection has ended.
    pub(super) fn request_close(&self, frame: &CloseFrame, timeout: Duration) {
        let give_up_at = now_ms() + timeout.as_secs_f64() * 1000.0;
        let deadline_timer = || {
            let listener = self.listener.clone();
            Timeout::new(delay_ms(timeout), move || {
                report(&listener, Event::CloseDeadline);
            })
        };
        let (ws, replaced, liveness, senders) = {
            let mut state = self.state.borrow_mut();
            let (ws, replaced) = match &mut state.phase {
                Phase::Open { saw_error } => {
                    let saw_error = *saw_error;
                    state.phase = Phase::Closing {
                        saw_error,
                        give_up_at,
                        timer: deadline_timer(),
                    };
                    (
                        state.socket.as_ref().map(|socket| socket.ws().clone()),
                        None,
                    )
                }
                Phase::Closing {
                    give_up_at: at,
                    timer,
                    ..
                } => {
                    let replaced = (give_up_at < *at).then(|| {
                        *at = give_up_at;
                        std::mem::replace(timer, deadline_timer())
                    });
                    (None, replaced)
                }
                Phase::Connecting(_) | Phase::Ended => return,
            };
            let senders = state.gate.take_wakers();
            // The browser drops what arrives after `close()`: traffic proves nothing now,
            // and the deadline bounds the wait.
            let liveness = std::mem::take(&mut state.liveness);
            (ws, replaced, liveness, senders)
        };
        drop((replaced, liveness));
        senders.into_iter().for_each(Waker::wake);
        if let Some(ws) = ws {
            let code = frame.code.as_u16();
            tracing::debug!(parent: &self.span, code, "close sent");
            if let Err(thrown) = ws.close_with_code_and_reason(code, &frame.reason) {
                let thrown = JsError::from_js(&thrown);
                self.finish(
                    Shutdown::Abnormal(Abnormal::connection_lost(format!(
                        "the browser refused to close: {thrown}"
                    ))),
                    None,
                );
            }
        }
    }

    /// Ends the connection without a handshake: the socket is closed (no code) and
    /// abandoned.
    pub(super) fn close_now(&self) {
        let _in_span = self.span.enter();
        self.finish(Shutdown::Abnormal(Abnormal::Aborted), None);
    }

    /// Gives up on the connection from this side: tells the peer why (best effort), reports
    /// `error` to `recv`, and abandons the socket.
    fn fail_locally(&self, error: Error, code: u16, reason: &str) {
        let ws = {
            let state = self.state.borrow();
            if matches!(state.phase, Phase::Ended) {
                return;
            }
            state.socket.as_ref().map(|socket| socket.ws().clone())
        };
        tracing::warn!(%error, code, "failing the connection");
        if let Some(ws) = ws {
            if let Err(thrown) = ws.close_with_code_and_reason(code, reason) {
                tracing::debug!(error = %JsError::from_js(&thrown), "close failed");
            }
        }
        self.finish(Shutdown::Abnormal(Abnormal::caused_by(&error)), Some(error));
    }

    /// Decides the outcome (the first one wins), ends the stream after `error` if any,
    /// detaches from the socket, stops every timer and wakes every waiter.
    fn finish(&self, outcome: Shutdown, error: Option<Error>) {
        let mut wakers = Vec::new();
        let released = {
            let mut state = self.state.borrow_mut();
            if matches!(state.phase, Phase::Ended) {
                return;
            }
            if let Some(error) = error {
                wakers.extend(state.inbox.push(Err(error)));
            }
            wakers.extend(state.inbox.end());
            wakers.extend(state.gate.take_wakers());
            (
                std::mem::replace(&mut state.phase, Phase::Ended),
                state.socket.take(),
                std::mem::take(&mut state.liveness),
            )
        };
        drop(released);
        self.outcome.decide(outcome);
        wakers.into_iter().for_each(Waker::wake);
    }
}

impl Listener for Conn {
    fn on_event(self: Rc<Self>, event: Event) {
        let _in_span = self.span.enter();
        match event {
            Event::Open => self.on_open(),
            Event::Message(message) => self.on_message(&message),
            Event::Error => self.on_error(),
            Event::Close(close) => self.on_close(&close),
            Event::HeartbeatDue => self.on_heartbeat_due(),
            Event::HeartbeatUnanswered => self.on_heartbeat_unanswered(),
            Event::IdleCheck => self.on_idle_check(),
            Event::CloseDeadline => self.finish(Shutdown::TimedOut, None),
        }
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        LIVE.fetch_sub(1, Ordering::Relaxed);
    }
}

fn wake(waker: Option<Waker>) {
    if let Some(waker) = waker {
        waker.wake();
    }
}

impl std::fmt::Debug for Conn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut out = f.debug_struct("Conn");
        if let Ok(state) = self.state.try_borrow() {
            out.field("socket", &state.socket)
                .field("closing", &state.phase.is_closing());
        }
        out.field("outcome", &self.outcome).finish_non_exhaustive()
    }
}
