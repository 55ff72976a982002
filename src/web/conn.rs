//! The state of one connection, shared by its handles, and what the socket's events and
//! the timers do to it.
//!
//! Everything runs on the page's one thread: the handles, the socket's handlers and the
//! timers share one `RefCell`. No borrow is held across a call that could re-enter (the
//! browser queues its events and wakers only schedule tasks, but wakers are still woken,
//! and sockets dropped, after the borrow is released). The socket's handlers and the
//! timers hold a `Weak`, so they never keep a connection alive by themselves.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use gloo_timers::callback::Timeout;
use js_sys::{ArrayBuffer, JsString, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CloseEvent, MessageEvent, WebSocket};

use super::gate::Gate;
use super::inbox::Inbox;
use super::js_error::JsError;
use super::liveness::{Check, Liveness};
use super::socket::Socket;
use super::timer::{delay_ms, now_ms};
use crate::{CloseCode, CloseFrame, Config, Error, Message, Shutdown};

/// What the page sends when it gives up on a connection itself (a heartbeat unanswered, an
/// idle connection): a private-use code, as browsers may send only 1000 and 3000–4999.
const GIVING_UP: u16 = 4000;
/// What the page sends for a message over `Config::max_message_size`: the private-use
/// mirror of 1009 ("message too big"), which browsers may not send.
const TOO_BIG: u16 = 4009;

/// How many [`Conn`]s exist (see [`live_connections`](super::live_connections)). An
/// atomic only to be a plain `static`; the page has one thread.
static LIVE: AtomicUsize = AtomicUsize::new(0);

/// How many connection states exist right now.
pub(super) fn live() -> usize {
    LIVE.load(Ordering::Relaxed)
}

/// One connection: its socket, its received messages, its closing handshake.
pub(super) struct Conn {
    state: RefCell<State>,
    high_water: usize,
    max_message_size: Option<usize>,
}

struct State {
    phase: Phase,
    /// `None` once the connection is over: the socket has been closed or abandoned.
    socket: Option<Socket>,
    inbox: Inbox,
    /// A close was requested or the connection ended: no more sends.
    closing: bool,
    /// `WebSocket.close(code, reason)` was called (it is called once).
    close_called: bool,
    /// When the closing handshake gives up (`now_ms()`), and the timer that does it.
    deadline: Option<(f64, Timeout)>,
    outcome: Option<Shutdown>,
    outcome_waiters: Vec<(u64, Waker)>,
    next_waiter: u64,
    liveness: Liveness,
    gate: Gate,
    /// The browser fired `error` after the connection opened (a `close` follows).
    saw_error: bool,
}

enum Phase {
    /// Waiting for `open`; the waker of `connect`.
    Connecting(Option<Waker>),
    Open,
    /// `error` or `close` came before `open`.
    Failed,
}

impl Conn {
    /// Takes over `ws` (not yet open) and attaches the handlers.
    pub(super) fn new(ws: WebSocket, config: &Config) -> Rc<Self> {
        let conn = Rc::new(Self {
            state: RefCell::new(State {
                phase: Phase::Connecting(None),
                socket: None,
                inbox: Inbox::default(),
                closing: false,
                close_called: false,
                deadline: None,
                outcome: None,
                outcome_waiters: Vec::new(),
                next_waiter: 0,
                liveness: Liveness::new(config),
                gate: Gate::default(),
                saw_error: false,
            }),
            high_water: config.buffered_amount_high_water,
            max_message_size: config.max_message_size,
        });
        LIVE.fetch_add(1, Ordering::Relaxed);
        let socket = Socket::attach(ws, &Rc::downgrade(&conn));
        conn.state.borrow_mut().socket = Some(socket);
        conn
    }

    /// `Ready(true)` once open, `Ready(false)` if the browser reported a failure first.
    pub(super) fn poll_open(&self, cx: &Context<'_>) -> Poll<bool> {
        let mut state = self.state.borrow_mut();
        match &mut state.phase {
            Phase::Open => Poll::Ready(true),
            Phase::Failed => Poll::Ready(false),
            Phase::Connecting(waker) => {
                *waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }

    /// The connection is open and has an owner: starts the liveness checks. Returns the
    /// subprotocol the server chose.
    pub(super) fn start(self: &Rc<Self>) -> Option<String> {
        let mut state = self.state.borrow_mut();
        state.liveness.start(&Rc::downgrade(self));
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

    pub(super) fn on_open(&self) {
        let waker = {
            let mut state = self.state.borrow_mut();
            match std::mem::replace(&mut state.phase, Phase::Open) {
                Phase::Connecting(waker) => waker,
                other => {
                    state.phase = other;
                    None
                }
            }
        };
        wake(waker);
    }

    pub(super) fn on_message(&self, event: &MessageEvent) {
        let message = match self.decode(&event.data()) {
            Ok(Some(message)) => message,
            Ok(None) => return,
            Err(too_large) => {
                self.fail_locally(too_large, TOO_BIG, "message too big");
                return;
            }
        };
        let waker = {
            let mut state = self.state.borrow_mut();
            state.liveness.saw_traffic();
            state.inbox.push(Ok(message))
        };
        wake(waker);
    }

    /// A message as received: text arrives as a JavaScript string, binary as an
    /// `ArrayBuffer` (see `Socket::attach`). `Err` for one over the size limit.
    fn decode(&self, data: &JsValue) -> Result<Option<Message>, Error> {
        let too_large = |size: usize| match self.max_message_size {
            Some(max) if size > max => Err(Error::MessageTooLarge { size, max }),
            _ => Ok(()),
        };
        if let Some(text) = data.dyn_ref::<JsString>() {
            // UTF-16 code units never outnumber UTF-8 bytes: a cheap first check that
            // spares copying a huge string.
            too_large(text.length() as usize)?;
            let Some(text) = data.as_string() else {
                return Ok(None);
            };
            too_large(text.len())?;
            Ok(Some(Message::text(text)))
        } else if let Some(buffer) = data.dyn_ref::<ArrayBuffer>() {
            too_large(buffer.byte_length() as usize)?;
            Ok(Some(Message::binary(Uint8Array::new(buffer).to_vec())))
        } else {
            tracing::debug!("ignoring a message that is neither text nor an ArrayBuffer");
            Ok(None)
        }
    }

    pub(super) fn on_error(&self) {
        let waker = {
            let mut state = self.state.borrow_mut();
            match &mut state.phase {
                Phase::Connecting(waker) => {
                    let waker = waker.take();
                    state.phase = Phase::Failed;
                    waker
                }
                Phase::Open => {
                    state.saw_error = true;
                    None
                }
                Phase::Failed => None,
            }
        };
        wake(waker);
    }

    pub(super) fn on_close(&self, event: &CloseEvent) {
        let saw_error = {
            let mut state = self.state.borrow_mut();
            match &mut state.phase {
                Phase::Open => state.saw_error,
                Phase::Connecting(waker) => {
                    let waker = waker.take();
                    state.phase = Phase::Failed;
                    drop(state);
                    wake(waker);
                    return;
                }
                Phase::Failed => return,
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
            let report = format!("the browser reported an unclean close with code {code}{after}");
            self.finish(
                Shutdown::Abnormal(format!(
                    "the connection ended without a closing handshake ({report})"
                )),
                Some(Error::ConnectionLost(Some(Box::new(JsError::reported(
                    report,
                ))))),
            );
        }
    }

    // --- liveness ---

    pub(super) fn on_liveness(self: &Rc<Self>, check: Check) {
        let weak = Rc::downgrade(self);
        let mut state = self.state.borrow_mut();
        match check {
            Check::Tick => {
                let heartbeat = state.liveness.tick(&weak);
                let ws = state.socket.as_ref().map(|socket| socket.ws().clone());
                drop(state);
                if let (Some(message), Some(ws)) = (heartbeat, ws) {
                    // Sent at once, not behind senders waiting for backpressure: it is
                    // tiny, and its answer deadline is already running.
                    if let Err(thrown) = send(&ws, &message) {
                        tracing::debug!(error = %JsError::from_js(&thrown), "heartbeat not sent");
                    }
                }
            }
            Check::AnswerDeadline => {
                let failed = state.liveness.answer_deadline_passed();
                drop(state);
                if let Some(error) = failed {
                    self.fail_locally(error, GIVING_UP, "heartbeat not answered");
                }
            }
            Check::Idle => {
                let failed = state.liveness.idle_check(&weak);
                drop(state);
                if let Some(error) = failed {
                    self.fail_locally(error, GIVING_UP, "idle timeout");
                }
            }
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

    /// The `bufferedAmount` above which senders wait.
    pub(super) fn high_water(&self) -> usize {
        self.high_water
    }

    pub(super) fn with_gate<R>(&self, f: impl FnOnce(&mut Gate) -> R) -> R {
        f(&mut self.state.borrow_mut().gate)
    }

    /// Ready with the socket's `bufferedAmount` once sender `id` is first in line.
    pub(super) fn poll_turn(&self, id: u64, cx: &Context<'_>) -> Poll<Result<usize, Error>> {
        let mut state = self.state.borrow_mut();
        if state.closing {
            return Poll::Ready(Err(Error::Closed));
        }
        if !state.gate.poll_first(id, cx) {
            return Poll::Pending;
        }
        match &state.socket {
            Some(socket) => Poll::Ready(Ok(socket.ws().buffered_amount() as usize)),
            None => Poll::Ready(Err(Error::Closed)),
        }
    }

    /// Hands `message` to the browser.
    ///
    /// # Errors
    /// [`Error::Closed`] once a shutdown has started or the connection has ended, or when
    /// the browser refuses the message (its socket is no longer open).
    pub(super) fn send_now(&self, message: &Message) -> Result<(), Error> {
        let ws = {
            let state = self.state.borrow();
            match (&state.socket, state.closing) {
                (Some(socket), false) => socket.ws().clone(),
                _ => return Err(Error::Closed),
            }
        };
        send(&ws, message).map_err(|thrown| {
            tracing::debug!(error = %JsError::from_js(&thrown), "the browser refused a message");
            Error::Closed
        })
    }

    // --- closing ---

    /// `true` once a close was requested or the connection ended.
    pub(super) fn is_closing(&self) -> bool {
        self.state.borrow().closing
    }

    /// The outcome, once known.
    pub(super) fn outcome(&self) -> Option<Shutdown> {
        self.state.borrow().outcome.clone()
    }

    /// Starts the closing handshake with `frame` (already checked), to give up after
    /// `timeout`. The browser's `close()` is called once; a later request can only bring
    /// the deadline forward. Nothing happens once the outcome is known.
    pub(super) fn request_close(self: &Rc<Self>, frame: &CloseFrame, timeout: Duration) {
        let give_up_at = now_ms() + timeout.as_secs_f64() * 1000.0;
        let (ws, replaced, liveness, senders) = {
            let mut state = self.state.borrow_mut();
            if state.outcome.is_some() {
                return;
            }
            state.closing = true;
            let senders = state.gate.take_wakers();
            // The browser drops what arrives after `close()`: traffic proves nothing now,
            // and the deadline bounds the wait.
            let liveness = std::mem::take(&mut state.liveness);
            let ws = if state.close_called {
                None
            } else {
                state.close_called = true;
                state.socket.as_ref().map(|socket| socket.ws().clone())
            };
            let earlier = match &state.deadline {
                Some((at, _)) => give_up_at < *at,
                None => true,
            };
            let replaced = if earlier {
                let conn = Rc::downgrade(self);
                let timer = Timeout::new(delay_ms(timeout), move || timed_out(&conn));
                state.deadline.replace((give_up_at, timer))
            } else {
                None
            };
            (ws, replaced, liveness, senders)
        };
        drop((replaced, liveness));
        senders.into_iter().for_each(Waker::wake);
        if let Some(ws) = ws {
            if let Err(thrown) = ws.close_with_code_and_reason(frame.code.as_u16(), &frame.reason) {
                let thrown = JsError::from_js(&thrown);
                self.finish(
                    Shutdown::Abnormal(format!("the browser refused to close: {thrown}")),
                    None,
                );
            }
        }
    }

    /// Ends the connection without a handshake: the socket is closed (no code) and
    /// abandoned.
    pub(super) fn close_now(&self) {
        self.finish(
            Shutdown::Abnormal("closed locally without a handshake (close_now)".into()),
            None,
        );
    }

    /// Gives up on the connection from this side: tells the peer why (best effort), reports
    /// `error` to `recv`, and abandons the socket.
    fn fail_locally(&self, error: Error, code: u16, reason: &str) {
        let ws = {
            let state = self.state.borrow();
            if state.outcome.is_some() {
                return;
            }
            state.socket.as_ref().map(|socket| socket.ws().clone())
        };
        if let Some(ws) = ws {
            if let Err(thrown) = ws.close_with_code_and_reason(code, reason) {
                tracing::debug!(error = %JsError::from_js(&thrown), "close failed");
            }
        }
        let why = error.to_string();
        self.finish(Shutdown::Abnormal(why), Some(error));
    }

    /// Records the outcome (the first one wins), ends the stream after `error` if any,
    /// detaches from the socket, stops every timer and wakes every waiter.
    fn finish(&self, outcome: Shutdown, error: Option<Error>) {
        let mut wakers = Vec::new();
        let released = {
            let mut state = self.state.borrow_mut();
            if state.outcome.is_some() {
                return;
            }
            tracing::debug!(%outcome, "websocket closed");
            if let Some(error) = error {
                wakers.extend(state.inbox.push(Err(error)));
            }
            wakers.extend(state.inbox.end());
            state.outcome = Some(outcome);
            state.closing = true;
            wakers.extend(state.outcome_waiters.drain(..).map(|(_, waker)| waker));
            wakers.extend(state.gate.take_wakers());
            (
                state.socket.take(),
                state.deadline.take(),
                std::mem::take(&mut state.liveness),
            )
        };
        drop(released);
        wakers.into_iter().for_each(Waker::wake);
    }

    /// A future resolving with the outcome; it keeps the connection alive until then.
    pub(super) fn wait_outcome(self: &Rc<Self>) -> WaitOutcome {
        WaitOutcome {
            conn: Rc::clone(self),
            id: None,
        }
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        LIVE.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The closing handshake's deadline passed.
fn timed_out(conn: &Weak<Conn>) {
    if let Some(conn) = conn.upgrade() {
        conn.finish(Shutdown::TimedOut, None);
    }
}

/// Hands a message to the browser's socket.
fn send(ws: &WebSocket, message: &Message) -> Result<(), JsValue> {
    match message.as_text() {
        Some(text) => ws.send_with_str(text),
        None => ws.send_with_u8_array(message.as_bytes()),
    }
}

fn wake(waker: Option<Waker>) {
    if let Some(waker) = waker {
        waker.wake();
    }
}

/// Waits for a connection's outcome (see [`Conn::wait_outcome`]).
pub(super) struct WaitOutcome {
    conn: Rc<Conn>,
    /// The place in `outcome_waiters`, once registered.
    id: Option<u64>,
}

impl Future for WaitOutcome {
    type Output = Shutdown;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Shutdown> {
        let this = &mut *self;
        let mut state = this.conn.state.borrow_mut();
        if let Some(outcome) = &state.outcome {
            return Poll::Ready(outcome.clone());
        }
        let id = match this.id {
            Some(id) => id,
            None => {
                let id = state.next_waiter;
                state.next_waiter = state.next_waiter.wrapping_add(1);
                this.id = Some(id);
                id
            }
        };
        match state
            .outcome_waiters
            .iter_mut()
            .find(|(other, _)| *other == id)
        {
            Some((_, waker)) => waker.clone_from(cx.waker()),
            None => state.outcome_waiters.push((id, cx.waker().clone())),
        }
        Poll::Pending
    }
}

impl Drop for WaitOutcome {
    fn drop(&mut self) {
        if let Some(id) = self.id {
            if let Ok(mut state) = self.conn.state.try_borrow_mut() {
                state.outcome_waiters.retain(|(other, _)| *other != id);
            }
        }
    }
}

impl std::fmt::Debug for WaitOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WaitOutcome")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Conn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut out = f.debug_struct("Conn");
        if let Ok(state) = self.state.try_borrow() {
            out.field("socket", &state.socket)
                .field("closing", &state.closing)
                .field("outcome", &state.outcome);
        }
        out.finish_non_exhaustive()
    }
}
