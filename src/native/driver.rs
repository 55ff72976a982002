//! The task that owns one connection's socket: it writes the send queue, reads into the
//! inbox, answers pings, runs the liveness checks and the closing handshake.
//!
//! It is a hand-written future rather than a `select!` loop so that reading and writing
//! make progress independently: a peer that is slow to read never stops us from reading
//! (and so from seeing its Close), and vice versa.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use futures_core::Stream;
use futures_sink::Sink;
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::time::{Instant, Sleep};
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::error::{CapacityError, Error as WsError, ProtocolError};
use tokio_tungstenite::tungstenite::protocol::CloseFrame as WsCloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode as WsCloseCode;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::conn::Conn;
use super::convert::{from_ws_close, into_ws};
use super::liveness::{Liveness, LivenessEvent};
use super::read_ahead::ReadAhead;
use super::timer;
use crate::{Abnormal, CloseCode, CloseFrame, Error, Message, Shutdown};

pub(super) type Socket = WebSocketStream<MaybeTlsStream<ReadAhead<TcpStream>>>;

/// How many messages one poll reads or writes before yielding to other tasks.
const BUDGET: usize = 64;

pub(super) struct Driver {
    socket: Socket,
    conn: Arc<Conn>,
    outgoing: mpsc::Receiver<Message>,
    writer: Writer,
    /// Frames were written (or tungstenite queued a pong or the echo of a Close) and not
    /// flushed yet.
    unflushed: bool,
    liveness: Liveness,
    /// How long to wait for the server to end TCP once the handshake is over, and how long
    /// a failure may take to send its Close.
    linger: Duration,
    phase: Phase,
}

/// Where the outgoing side stands.
enum Writer {
    /// Takes the next message from the queue (or a due ping).
    Taking,
    /// A message taken that the socket was not ready for.
    Holding(WsMessage),
    /// The queue is closed and empty.
    Drained,
}

/// Where the connection stands.
enum Phase {
    /// Messages flow both ways; the liveness checks run.
    Open,
    /// A close was requested: the queue is closed, what it holds goes out, then `frame`.
    Closing {
        frame: CloseFrame,
        deadline: Pin<Box<Sleep>>,
    },
    /// Our Close went out; waiting for the peer's until the deadline.
    CloseSent { deadline: Pin<Box<Sleep>> },
    /// The peer broke the protocol: the connection is being failed.
    Failing(Failing),
    /// The peer's Close arrived: the handshake is complete and the outcome decided. Waiting
    /// a little for the server to end TCP, as it should.
    Closed { linger: Pin<Box<Sleep>> },
}

/// RFC 6455 7.1.7: fail the connection, sending a Close with the reason. The messages that
/// arrived before the violation are still delivered, and the answers the application sends
/// before `recv` reports the error go out before that Close (Autobahn 3.2, 4.1.3, 5.15...:
/// "echo, then fail").
struct Failing {
    /// The Close to send: 1002, 1007 or 1009.
    frame: CloseFrame,
    cause: Abnormal,
    /// Bounds the wait for `recv`, then the writing of the queue and the Close.
    deadline: Pin<Box<Sleep>>,
    stage: FailStage,
    /// The deadline of a close the application requested before or during the failure:
    /// [`Shutdown::TimedOut`] when it passes first.
    close_deadline: Option<Pin<Box<Sleep>>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FailStage {
    /// Until `recv` has taken what came before the violation (and the error).
    WaitingForRecv,
    /// The queue is closed; what it holds goes out, then the Close.
    Writing,
    /// The Close is written; the connection ends once it is flushed.
    CloseSent,
}

impl Phase {
    fn name(&self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Closing { .. } => "closing",
            Self::CloseSent { .. } => "close sent",
            Self::Failing(_) => "failing",
            Self::Closed { .. } => "closed",
        }
    }
}

impl std::fmt::Debug for Driver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Driver")
            .field("phase", &self.phase.name())
            .finish_non_exhaustive()
    }
}

/// The connection is over: the task ends and drops the socket.
struct Finished;

/// Brings `sleep` forward to `deadline`, never back.
fn bring_forward(sleep: &mut Pin<Box<Sleep>>, deadline: Instant) {
    if deadline < sleep.deadline() {
        sleep.as_mut().reset(deadline);
    }
}

impl Driver {
    pub(super) fn new(
        socket: Socket,
        conn: Arc<Conn>,
        outgoing: mpsc::Receiver<Message>,
        liveness: Liveness,
        linger: Duration,
    ) -> Self {
        Self {
            socket,
            conn,
            outgoing,
            writer: Writer::Taking,
            unflushed: false,
            liveness,
            linger,
            phase: Phase::Open,
        }
    }

    fn handle_requests(&mut self, cx: &mut Context<'_>) -> Option<Finished> {
        let requests = self.conn.poll_requests(cx)?;
        if requests.abort {
            drop(requests);
            return Some(self.fail(Shutdown::Abnormal(Abnormal::Aborted), None));
        }
        let (frame, deadline) = (requests.close.clone(), requests.deadline);
        drop(requests);
        let (Some(frame), Some(deadline)) = (frame, deadline) else {
            return None;
        };
        match &mut self.phase {
            Phase::Open => {
                // No new messages from now on; those already queued still go out first.
                self.outgoing.close();
                self.phase = Phase::Closing {
                    frame,
                    deadline: Box::pin(tokio::time::sleep_until(deadline)),
                };
            }
            Phase::Closing {
                deadline: sleep, ..
            }
            | Phase::CloseSent { deadline: sleep } => {
                bring_forward(sleep, deadline);
            }
            Phase::Failing(failing) => {
                // Closing while a failure is pending: send the failure's code, now.
                if failing.stage == FailStage::WaitingForRecv {
                    failing.stage = FailStage::Writing;
                    self.outgoing.close();
                }
                match &mut failing.close_deadline {
                    Some(sleep) => bring_forward(sleep, deadline),
                    None => {
                        failing.close_deadline = Some(Box::pin(tokio::time::sleep_until(deadline)));
                    }
                }
            }
            Phase::Closed { .. } => {}
        }
        None
    }

    /// Ends the connection without a handshake (or after a failed one).
    fn fail(&mut self, outcome: Shutdown, error: Option<Error>) -> Finished {
        if let Some(error) = error {
            self.conn.inbox.push(Err(error));
        }
        self.conn.decide(outcome);
        self.conn.inbox.end();
        Finished
    }

    /// The peer's Close arrived: the handshake is complete. Reports it and waits a little
    /// for the server to end TCP.
    fn finish_handshake(&mut self, peer: CloseFrame) {
        self.conn.decide(Shutdown::Clean(peer));
        self.conn.inbox.end();
        self.outgoing.close();
        self.phase = Phase::Closed {
            linger: Box::pin(tokio::time::sleep(self.linger)),
        };
    }

    /// Whether data frames may still be written: not after our Close or the peer's.
    fn may_send_data(&self) -> bool {
        match &self.phase {
            Phase::Open | Phase::Closing { .. } => true,
            Phase::Failing(failing) => failing.stage != FailStage::CloseSent,
            Phase::CloseSent { .. } | Phase::Closed { .. } => false,
        }
    }

    /// The Close frame to write once the queue is drained, if one is due.
    fn close_due(&self) -> Option<&CloseFrame> {
        match &self.phase {
            Phase::Closing { frame, .. } => Some(frame),
            Phase::Failing(Failing {
                frame,
                stage: FailStage::Writing,
                ..
            }) => Some(frame),
            _ => None,
        }
    }

    /// Our Close is written: the next phase.
    fn close_written(&mut self) {
        match std::mem::replace(&mut self.phase, Phase::Open) {
            Phase::Closing { deadline, .. } => self.phase = Phase::CloseSent { deadline },
            Phase::Failing(mut failing) => {
                failing.stage = FailStage::CloseSent;
                self.phase = Phase::Failing(failing);
            }
            other => self.phase = other,
        }
    }

    /// Writes queued messages, the Close frame when it is due, and flushes.
    ///
    /// `Ok(true)` when the pass stopped at its budget with more queued: the flush is then
    /// left to the next pass (this task is woken for it), so that a busy queue goes out in
    /// large writes; the pass that finds the queue empty flushes.
    fn poll_write(&mut self, cx: &mut Context<'_>) -> Result<bool, WsError> {
        let mut budget = BUDGET;
        let mut more_to_write = false;
        loop {
            if budget == 0 {
                // More may be queued: come back after other tasks had a turn.
                cx.waker().wake_by_ref();
                more_to_write = true;
                break;
            }
            budget -= 1;
            if !matches!(self.writer, Writer::Holding(_)) {
                if let Some(ping) = self.liveness.take_due_ping() {
                    self.writer = Writer::Holding(ping);
                } else if matches!(self.writer, Writer::Drained) || !self.may_send_data() {
                    break;
                } else {
                    match self.outgoing.poll_recv(cx) {
                        Poll::Ready(Some(message)) => {
                            self.writer = Writer::Holding(into_ws(message));
                        }
                        Poll::Ready(None) => {
                            self.writer = Writer::Drained;
                            break;
                        }
                        Poll::Pending => break,
                    }
                }
            }
            if !self.may_send_data() {
                // The peer closed meanwhile: nothing more may be sent.
                self.writer = Writer::Taking;
                break;
            }
            match Pin::new(&mut self.socket).poll_ready(cx) {
                Poll::Ready(ready) => ready?,
                Poll::Pending => return Ok(false),
            }
            if let Writer::Holding(message) = std::mem::replace(&mut self.writer, Writer::Taking) {
                Pin::new(&mut self.socket).start_send(message)?;
                self.unflushed = true;
            }
        }

        let close_frame = match self.writer {
            Writer::Drained => self.close_due().map(|frame| WsCloseFrame {
                code: WsCloseCode::from(frame.code.as_u16()),
                reason: frame.reason.clone().into(),
            }),
            Writer::Taking | Writer::Holding(_) => None,
        };
        if let Some(frame) = close_frame {
            if Pin::new(&mut self.socket).poll_ready(cx).is_ready() {
                tracing::debug!(code = u16::from(frame.code), "close sent");
                self.close_written();
                Pin::new(&mut self.socket).start_send(WsMessage::Close(Some(frame)))?;
                self.unflushed = true;
            }
        }

        if self.unflushed && !more_to_write {
            if let Poll::Ready(flushed) = Pin::new(&mut self.socket).poll_flush(cx) {
                flushed?;
                self.unflushed = false;
            }
        }
        Ok(more_to_write)
    }

    /// Reads what the peer sent. `Ready` when the connection is over.
    fn poll_read(&mut self, cx: &mut Context<'_>) -> Poll<Finished> {
        for _ in 0..BUDGET {
            // The queue's bounds hold while closing too, whatever the peer sends: a peer
            // whose Close waits behind more than the queue holds is answered once `recv`
            // takes what came first, or the close deadline passes.
            if self.conn.inbox.poll_room(cx).is_pending() {
                return Poll::Pending;
            }
            let Some(item) = ready!(Pin::new(&mut self.socket).poll_next(cx)) else {
                return Poll::Ready(self.stream_ended());
            };
            let message = match item {
                Ok(message) => message,
                Err(error) => match self.read_failed(error) {
                    Some(finished) => return Poll::Ready(finished),
                    // Failing: stop reading, the peer's data is not processed any more.
                    None => return Poll::Pending,
                },
            };
            self.liveness.saw_traffic();
            match message {
                WsMessage::Text(text) => self
                    .conn
                    .inbox
                    .push(Ok(Message::text_from_validated(text.into()))),
                WsMessage::Binary(bytes) => self.conn.inbox.push(Ok(Message::binary(bytes))),
                WsMessage::Ping(_) => self.unflushed = true, // tungstenite queued the pong
                WsMessage::Pong(_) | WsMessage::Frame(_) => {}
                WsMessage::Close(frame) => {
                    // tungstenite queued the echo if the peer closed first.
                    self.unflushed = true;
                    self.finish_handshake(from_ws_close(frame));
                    // Let the tasks waiting for the outcome run before this one reads the
                    // end of TCP and tears the socket down.
                    yield_to_other_tasks(cx);
                    return Poll::Pending;
                }
            }
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }

    /// The stream ended without an error: after a completed handshake that is the server
    /// closing TCP, as it should.
    fn stream_ended(&mut self) -> Finished {
        if matches!(self.phase, Phase::Closed { .. }) {
            return Finished;
        }
        let error = Error::stream_ended();
        self.fail(Shutdown::Abnormal(Abnormal::caused_by(&error)), Some(error))
    }

    /// A read error. A protocol violation (the socket still works) starts failing the
    /// connection and returns `None`; anything else ends it at once.
    fn read_failed(&mut self, error: WsError) -> Option<Finished> {
        if matches!(self.phase, Phase::Closed { .. }) {
            // The handshake is complete; how TCP ends does not matter any more.
            return Some(Finished);
        }
        let (close_code, reported) = classify(error);
        let cause = Abnormal::caused_by(&reported);
        match close_code {
            Some(code) if self.may_send_data() => {
                tracing::warn!(
                    error = %cause,
                    code = code.as_u16(),
                    "the peer broke the protocol; failing the connection"
                );
                let frame = CloseFrame::new(code, failure_reason(&reported));
                self.conn.inbox.push(Err(reported));
                self.conn.inbox.end();
                // A close the application requested whose Close has not gone out yet (the
                // queue is still being written): the connection fails with the violation's
                // code instead, as RFC 6455 7.1.7 asks, once the queue is written. The queue
                // is closed already, so no answer is left to wait for from `recv`.
                let close_deadline = match std::mem::replace(&mut self.phase, Phase::Open) {
                    Phase::Closing { deadline, .. } => Some(deadline),
                    _ => None,
                };
                let stage = match close_deadline {
                    Some(_) => FailStage::Writing,
                    None => FailStage::WaitingForRecv,
                };
                self.phase = Phase::Failing(Failing {
                    frame,
                    cause,
                    deadline: Box::pin(tokio::time::sleep(self.linger)),
                    stage,
                    close_deadline,
                });
                None
            }
            _ => Some(self.fail(Shutdown::Abnormal(cause), Some(reported))),
        }
    }

    /// Drives a pending failure: `Ready` when the connection is over.
    fn poll_failing(&mut self, cx: &mut Context<'_>) -> Poll<Finished> {
        let Phase::Failing(failing) = &mut self.phase else {
            return Poll::Pending;
        };
        let expired = failing.deadline.as_mut().poll(cx).is_ready();
        let done = match failing.stage {
            FailStage::WaitingForRecv => {
                if !expired && self.conn.inbox.poll_drained(cx).is_pending() {
                    return Poll::Pending;
                }
                failing.stage = FailStage::Writing;
                failing
                    .deadline
                    .as_mut()
                    .reset(timer::from_now(self.linger));
                self.conn.mark_closing();
                self.outgoing.close();
                cx.waker().wake_by_ref(); // write the rest of the queue and the Close
                false
            }
            FailStage::Writing => expired,
            FailStage::CloseSent => expired || !self.unflushed,
        };
        if done {
            let cause = failing.cause.clone();
            return Poll::Ready(self.fail(Shutdown::Abnormal(cause), None));
        }
        Poll::Pending
    }

    /// Whether the deadline of the closing handshake the application requested has passed.
    ///
    /// Called last in a pass, after the write that puts the Close out: registering a timer
    /// wakes the runtime's timer thread, which would otherwise delay the Close by a system
    /// call. The clock is read as well as the timer polled: by then a busy pass has used up
    /// the task's cooperative budget, and tokio's timers then answer `Pending` whatever the
    /// time (a peer flooding after our Close kept a 4 s deadline waiting 7.6 s).
    fn close_deadline_passed(&mut self, cx: &mut Context<'_>) -> bool {
        let deadline = match &mut self.phase {
            Phase::Closing { deadline, .. } | Phase::CloseSent { deadline } => Some(deadline),
            Phase::Failing(failing) => failing.close_deadline.as_mut(),
            Phase::Open | Phase::Closed { .. } => None,
        };
        deadline.is_some_and(|deadline| {
            deadline.deadline() <= Instant::now() || deadline.as_mut().poll(cx).is_ready()
        })
    }
}

/// Arranges for this task to be polled again after the tasks that are ready now.
///
/// tokio's yield defers the wake-up until the worker has run what is ready (and polled
/// the network); waking ourselves instead would have the runtime wake another worker to
/// take this task, a system call. Worth it where others should go first (after the
/// handshake), not to keep a busy connection going (there the deferral costs more).
fn yield_to_other_tasks(cx: &mut Context<'_>) {
    let yielded = std::pin::pin!(tokio::task::yield_now());
    if yielded.poll(cx).is_ready() {
        cx.waker().wake_by_ref();
    }
}

/// The close code to fail the connection with (`None`: the transport is gone) and the
/// error `recv` reports.
fn classify(error: WsError) -> (Option<CloseCode>, Error) {
    match error {
        WsError::Capacity(CapacityError::MessageTooLong { size, max_size }) => (
            Some(CloseCode::MESSAGE_TOO_BIG),
            Error::MessageTooLarge {
                size,
                max: max_size,
            },
        ),
        WsError::Utf8(_) => (Some(CloseCode::INVALID_PAYLOAD), Error::protocol(error)),
        WsError::Protocol(ProtocolError::ResetWithoutClosingHandshake) => {
            (None, Error::connection_lost(error))
        }
        WsError::Protocol(_) | WsError::Capacity(_) => {
            (Some(CloseCode::PROTOCOL_ERROR), Error::protocol(error))
        }
        other => (None, Error::connection_lost(other)),
    }
}

fn failure_reason(error: &Error) -> &'static str {
    match error {
        Error::MessageTooLarge { .. } => "message too big",
        _ => "protocol error",
    }
}

impl Future for Driver {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();

        if let Some(Finished) = this.handle_requests(cx) {
            return Poll::Ready(());
        }
        if let Phase::Closed { linger } = &mut this.phase {
            if linger.as_mut().poll(cx).is_ready() {
                return Poll::Ready(());
            }
        }
        // Once a close is under way its own deadline bounds the connection (as in the
        // browser); before that, liveness runs. While `recv` has not taken what is queued,
        // reading is paused and pongs go unseen: the queued messages are the proof of life.
        if matches!(this.phase, Phase::Open) {
            // (Only with a check enabled: `is_full` takes the inbox's lock on every poll.)
            if this.liveness.enabled() && this.conn.inbox.is_full() {
                this.liveness.saw_traffic();
            }
            if let Poll::Ready(LivenessEvent::Dead(error)) = this.liveness.poll(cx) {
                tracing::warn!(%error, "liveness check failed");
                let cause = Abnormal::caused_by(&error);
                this.fail(Shutdown::Abnormal(cause), Some(error));
                return Poll::Ready(());
            }
        }

        if let Poll::Ready(Finished) = this.poll_failing(cx) {
            return Poll::Ready(());
        }
        let more_to_write = match this.poll_write(cx) {
            Ok(more) => more,
            Err(error) => {
                if !matches!(this.phase, Phase::Closed { .. }) {
                    let (_, reported) = classify(error);
                    let cause = Abnormal::caused_by(&reported);
                    this.fail(Shutdown::Abnormal(cause), Some(reported));
                }
                return Poll::Ready(());
            }
        };
        if !matches!(this.phase, Phase::Failing(_)) {
            if let Poll::Ready(Finished) = this.poll_read(cx) {
                return Poll::Ready(());
            }
        }
        if matches!(this.phase, Phase::Failing(_)) {
            // A violation may just have been read (its wait must be registered now, or
            // nothing wakes this task), or the Close just written and flushed.
            if let Poll::Ready(Finished) = this.poll_failing(cx) {
                return Poll::Ready(());
            }
        }
        if this.close_deadline_passed(cx) {
            this.fail(Shutdown::TimedOut, None);
            return Poll::Ready(());
        }
        // Reading may have queued a pong or the echo of the peer's Close.
        if this.unflushed && !more_to_write {
            if let Poll::Ready(flushed) = Pin::new(&mut this.socket).poll_flush(cx) {
                this.unflushed = false;
                if let Err(error) = flushed {
                    if !matches!(this.phase, Phase::Closed { .. }) {
                        let error = Error::connection_lost(error);
                        this.fail(Shutdown::Abnormal(Abnormal::caused_by(&error)), Some(error));
                        return Poll::Ready(());
                    }
                }
            }
        }
        Poll::Pending
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // However the task ends (finished, or dropped with its runtime), release every waiter.
        self.conn
            .decide(Shutdown::Abnormal(Abnormal::RuntimeStopped));
        self.conn.inbox.end();
    }
}
