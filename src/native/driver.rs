//! The task that owns one connection's socket: it writes the send queue, reads into the
//! inbox, answers pings, runs the liveness checks and the closing handshake.
//!
//! It is a hand-written future rather than a `select!` loop so that reading and writing
//! make progress independently: a peer that is slow to read never stops us from reading
//! (and so from seeing its Close), and vice versa.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use futures_core::Stream;
use futures_sink::Sink;
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::time::Sleep;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::error::{CapacityError, Error as WsError, ProtocolError};
use tokio_tungstenite::tungstenite::protocol::CloseFrame as WsCloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode as WsCloseCode;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::convert::{from_ws_close, into_ws};
use super::deadline;
use super::liveness::{Liveness, LivenessEvent};
use super::shared::Shared;
use crate::{CloseCode, CloseFrame, Error, Message, Shutdown};

pub(super) type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How many messages one poll reads or writes before yielding to other tasks.
const BUDGET: usize = 64;

pub(super) struct Driver {
    socket: Socket,
    shared: std::sync::Arc<Shared>,
    outgoing: mpsc::Receiver<Message>,
    /// A message taken from the queue that the socket was not ready for.
    pending: Option<WsMessage>,
    /// The queue is closed and empty.
    outgoing_done: bool,
    needs_flush: bool,
    liveness: Liveness,
    /// How long to wait for the server to end TCP once the handshake is over.
    linger: Duration,
    close: CloseState,
    /// The peer broke the protocol; the connection is failed once `recv` has taken what
    /// came before the violation and the answers already queued went out.
    failing: Option<Failing>,
}

struct Failing {
    /// The Close to send: 1002, 1007 or 1009.
    frame: CloseFrame,
    why: String,
    /// Bounds both the wait for `recv` and the writing of the queue and the Close.
    deadline: Pin<Box<Sleep>>,
    /// `recv` has taken the error (or the wait is over): the queue is closed and the Close
    /// goes out after what it holds.
    started: bool,
}

#[derive(Default)]
struct CloseState {
    /// The frame to send, once a close was requested.
    frame: Option<CloseFrame>,
    sent: bool,
    /// The peer's Close arrived (first or as the answer to ours).
    peer_closed: bool,
    deadline: Option<Pin<Box<Sleep>>>,
    /// After the outcome: waiting for the server to end TCP.
    linger: Option<Pin<Box<Sleep>>>,
}

impl std::fmt::Debug for Driver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Driver")
            .field("close_sent", &self.close.sent)
            .field("peer_closed", &self.close.peer_closed)
            .finish_non_exhaustive()
    }
}

/// The connection is over: the task ends and drops the socket.
struct Finished;

impl Driver {
    pub(super) fn new(
        socket: Socket,
        shared: std::sync::Arc<Shared>,
        outgoing: mpsc::Receiver<Message>,
        liveness: Liveness,
        linger: Duration,
    ) -> Self {
        Self {
            socket,
            shared,
            outgoing,
            pending: None,
            outgoing_done: false,
            needs_flush: false,
            liveness,
            linger,
            close: CloseState::default(),
            failing: None,
        }
    }

    fn handle_requests(&mut self, cx: &mut Context<'_>) -> Option<Finished> {
        let requests = self.shared.poll_requests(cx)?;
        if requests.abort {
            drop(requests);
            return Some(self.fail(
                Shutdown::Abnormal("closed locally without a handshake (close_now)".into()),
                None,
            ));
        }
        let (frame, deadline) = (requests.close.clone(), requests.deadline);
        drop(requests);
        if let Some(frame) = frame {
            if let Some(failing) = &mut self.failing {
                // Closing while a failure is pending: send the failure's code, now.
                failing.started = true;
                self.outgoing.close();
                self.close.frame = Some(failing.frame.clone());
            } else if self.close.frame.is_none() {
                // No new messages from now on; those already queued still go out first.
                self.outgoing.close();
                self.close.frame = Some(frame);
            }
            if let Some(deadline) = deadline {
                match &mut self.close.deadline {
                    Some(sleep) if sleep.deadline() <= deadline => {}
                    Some(sleep) => sleep.as_mut().reset(deadline),
                    None => {
                        self.close.deadline = Some(Box::pin(tokio::time::sleep_until(deadline)))
                    }
                }
            }
        }
        None
    }

    /// Ends the connection without a handshake (or after a failed one).
    fn fail(&mut self, outcome: Shutdown, error: Option<Error>) -> Finished {
        if let Some(error) = error {
            self.shared.inbox.push(Err(error));
        }
        self.shared.decide(outcome);
        self.shared.inbox.end();
        Finished
    }

    /// The handshake is complete: report it and wait a little for the server to end TCP.
    fn finish_handshake(&mut self, peer: CloseFrame) {
        self.shared.decide(Shutdown::Clean(peer));
        self.shared.inbox.end();
        self.outgoing.close();
        if self.close.linger.is_none() {
            self.close.linger = Some(Box::pin(tokio::time::sleep(self.linger)));
        }
    }

    fn may_send_data(&self) -> bool {
        !self.close.sent && !self.close.peer_closed
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
            if self.pending.is_none() {
                if let Some(ping) = self.liveness.take_due_ping() {
                    self.pending = Some(ping);
                } else if self.outgoing_done || !self.may_send_data() {
                    break;
                } else {
                    match self.outgoing.poll_recv(cx) {
                        Poll::Ready(Some(message)) => self.pending = Some(into_ws(message)),
                        Poll::Ready(None) => {
                            self.outgoing_done = true;
                            break;
                        }
                        Poll::Pending => break,
                    }
                }
            }
            if !self.may_send_data() {
                // The peer closed meanwhile: nothing more may be sent.
                self.pending = None;
                break;
            }
            match Pin::new(&mut self.socket).poll_ready(cx) {
                Poll::Ready(ready) => ready?,
                Poll::Pending => return Ok(false),
            }
            if let Some(message) = self.pending.take() {
                Pin::new(&mut self.socket).start_send(message)?;
                self.needs_flush = true;
            }
        }

        let close_due = self.outgoing_done && self.pending.is_none() && self.may_send_data();
        if let (true, Some(frame)) = (close_due, &self.close.frame) {
            if Pin::new(&mut self.socket).poll_ready(cx).is_ready() {
                let frame = WsCloseFrame {
                    code: WsCloseCode::from(frame.code.as_u16()),
                    reason: frame.reason.clone().into(),
                };
                self.close.sent = true;
                Pin::new(&mut self.socket).start_send(WsMessage::Close(Some(frame)))?;
                self.needs_flush = true;
            }
        }

        if self.needs_flush && !more_to_write {
            if let Poll::Ready(flushed) = Pin::new(&mut self.socket).poll_flush(cx) {
                flushed?;
                self.needs_flush = false;
            }
        }
        Ok(more_to_write)
    }

    /// Reads what the peer sent. `Ready` when the connection is over.
    fn poll_read(&mut self, cx: &mut Context<'_>) -> Poll<Finished> {
        for _ in 0..BUDGET {
            let closing = self.close.frame.is_some() || self.close.peer_closed;
            if !closing && self.shared.inbox.poll_room(cx).is_pending() {
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
                    .shared
                    .inbox
                    .push(Ok(Message::text_from_validated(text.into()))),
                WsMessage::Binary(bytes) => self.shared.inbox.push(Ok(Message::binary(bytes))),
                WsMessage::Ping(_) => self.needs_flush = true, // tungstenite queued the pong
                WsMessage::Pong(_) | WsMessage::Frame(_) => {}
                WsMessage::Close(frame) => {
                    let peer = from_ws_close(frame);
                    self.close.peer_closed = true;
                    self.needs_flush = true; // tungstenite queued the echo if the peer closed first
                    self.finish_handshake(peer);
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
        if self.close.peer_closed {
            return Finished;
        }
        self.fail(
            Shutdown::Abnormal("the connection ended without a Close frame".into()),
            Some(Error::ConnectionLost(None)),
        )
    }

    /// A read error. A protocol violation (the socket still works) starts failing the
    /// connection and returns `None`; anything else ends it at once.
    fn read_failed(&mut self, error: WsError) -> Option<Finished> {
        if self.close.peer_closed {
            // The handshake is complete; how TCP ends does not matter any more.
            return Some(Finished);
        }
        let (close_code, reported) = classify(error);
        let why = format!("{reported}");
        match close_code {
            Some(code) if self.may_send_data() => {
                // RFC 6455 7.1.7: fail the connection, sending a Close with the reason. The
                // messages that arrived before the violation are still delivered, and the
                // answers the application sends before `recv` reports the error go out
                // before that Close (Autobahn 3.2, 4.1.3, 5.15...: "echo, then fail").
                let frame = CloseFrame::new(code, failure_reason(&reported));
                self.shared.inbox.push(Err(reported));
                self.shared.inbox.end();
                self.failing = Some(Failing {
                    frame,
                    why,
                    deadline: Box::pin(tokio::time::sleep(self.linger)),
                    started: false,
                });
                None
            }
            _ => Some(self.fail(Shutdown::Abnormal(why), Some(reported))),
        }
    }

    /// Drives a pending failure: `Ready` when the connection is over.
    fn poll_failing(&mut self, cx: &mut Context<'_>) -> Poll<Finished> {
        let Some(failing) = &mut self.failing else {
            return Poll::Pending;
        };
        let expired = failing.deadline.as_mut().poll(cx).is_ready();
        if !failing.started {
            if !expired && self.shared.inbox.poll_drained(cx).is_pending() {
                return Poll::Pending;
            }
            failing.started = true;
            failing
                .deadline
                .as_mut()
                .reset(deadline::from_now(self.linger));
            self.shared.mark_closing();
            self.outgoing.close();
            self.close.frame = Some(failing.frame.clone());
            cx.waker().wake_by_ref(); // write the rest of the queue and the Close
            return Poll::Pending;
        }
        if expired || (self.close.sent && !self.needs_flush) {
            let why = failing.why.clone();
            return Poll::Ready(self.fail(Shutdown::Abnormal(why), None));
        }
        Poll::Pending
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
        WsError::Utf8(_) => (
            Some(CloseCode::INVALID_PAYLOAD),
            Error::Protocol(Box::new(error)),
        ),
        WsError::Protocol(ProtocolError::ResetWithoutClosingHandshake) => {
            (None, Error::ConnectionLost(Some(Box::new(error))))
        }
        WsError::Protocol(_) | WsError::Capacity(_) => (
            Some(CloseCode::PROTOCOL_ERROR),
            Error::Protocol(Box::new(error)),
        ),
        other => (None, Error::ConnectionLost(Some(Box::new(other)))),
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
        if let Some(linger) = &mut this.close.linger {
            if linger.as_mut().poll(cx).is_ready() {
                return Poll::Ready(());
            }
        }
        // Once a close is under way its own deadline bounds the connection (as in the
        // browser); before that, liveness runs. While `recv` has not taken what is queued,
        // reading is paused and pongs go unseen: the queued messages are the proof of life.
        if this.close.frame.is_none() && !this.close.peer_closed && this.failing.is_none() {
            // (Only with a check enabled: `is_full` takes the inbox's lock on every poll.)
            if this.liveness.enabled() && this.shared.inbox.is_full() {
                this.liveness.saw_traffic();
            }
            if let Poll::Ready(LivenessEvent::Dead(error)) = this.liveness.poll(cx) {
                let why = error.to_string();
                this.fail(Shutdown::Abnormal(why), Some(error));
                return Poll::Ready(());
            }
        }

        if let Poll::Ready(Finished) = this.poll_failing(cx) {
            return Poll::Ready(());
        }
        let more_to_write = match this.poll_write(cx) {
            Ok(more) => more,
            Err(error) => {
                if !this.close.peer_closed {
                    let (_, reported) = classify(error);
                    let why = format!("{reported}");
                    this.fail(Shutdown::Abnormal(why), Some(reported));
                }
                return Poll::Ready(());
            }
        };
        if this.failing.is_none() {
            if let Poll::Ready(Finished) = this.poll_read(cx) {
                return Poll::Ready(());
            }
        }
        if this.failing.is_some() {
            // A violation may just have been read (its wait must be registered now, or
            // nothing wakes this task), or the Close just written and flushed.
            if let Poll::Ready(Finished) = this.poll_failing(cx) {
                return Poll::Ready(());
            }
        }
        // The handshake's deadline is polled (so its timer registered) only after the Close
        // went out: registering a timer wakes the runtime's timer thread, which would
        // otherwise delay the Close by a system call.
        if let Some(deadline) = &mut this.close.deadline {
            if deadline.as_mut().poll(cx).is_ready() && !this.close.peer_closed {
                this.fail(Shutdown::TimedOut, None);
                return Poll::Ready(());
            }
        }
        // Reading may have queued a pong or the echo of the peer's Close.
        if this.needs_flush && !more_to_write {
            if let Poll::Ready(flushed) = Pin::new(&mut this.socket).poll_flush(cx) {
                this.needs_flush = false;
                if flushed.is_err() && !this.close.peer_closed {
                    this.fail(
                        Shutdown::Abnormal("the connection failed while writing".into()),
                        Some(Error::ConnectionLost(
                            flushed.err().map(|e| Box::new(e) as _),
                        )),
                    );
                    return Poll::Ready(());
                }
            }
        }
        Poll::Pending
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // However the task ends (finished, or dropped with its runtime), release every waiter.
        self.shared
            .decide(Shutdown::Abnormal("the connection task stopped".into()));
        self.shared.inbox.end();
    }
}
