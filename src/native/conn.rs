//! The state of one connection, shared by its handles and its task.
//!
//! The handles only ask (close, abort) and read (the inbox, the outcome); the connection
//! task alone acts on the socket and decides the outcome.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use futures_util::task::AtomicWaker;
use tokio::time::Instant;

use super::inbox::Inbox;
use crate::outcome::Outcome;
use crate::{CloseFrame, Shutdown};

/// What the handles ask of the connection task.
#[derive(Debug, Default)]
pub(super) struct Requests {
    /// The Close frame to send, from the first close request.
    pub(super) close: Option<CloseFrame>,
    /// The earliest deadline of all close requests.
    pub(super) deadline: Option<Instant>,
    /// `close_now` was called.
    pub(super) abort: bool,
}

/// One connection, shared by its handles and its task.
#[derive(Debug)]
pub(crate) struct Conn {
    /// Set once a close was requested or the connection ended: new sends fail at once.
    closing: AtomicBool,
    /// Set when `requests` changed and the task has not looked yet.
    requests_changed: AtomicBool,
    requests: Mutex<Requests>,
    task: AtomicWaker,
    pub(super) outcome: Outcome,
    pub(super) inbox: Inbox,
    /// The connection's `websocket` span.
    pub(super) span: tracing::Span,
}

impl Conn {
    pub(super) fn new(inbox: Inbox, span: tracing::Span) -> Self {
        Self {
            closing: AtomicBool::new(false),
            requests_changed: AtomicBool::new(false),
            requests: Mutex::new(Requests::default()),
            task: AtomicWaker::new(),
            outcome: Outcome::default(),
            inbox,
            span,
        }
    }

    pub(super) fn is_closing(&self) -> bool {
        self.closing.load(Ordering::Acquire)
    }

    pub(super) fn mark_closing(&self) {
        self.closing.store(true, Ordering::Release);
    }

    fn requests(&self) -> MutexGuard<'_, Requests> {
        self.requests.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn changed(&self) {
        self.requests_changed.store(true, Ordering::Release);
        self.task.wake();
    }

    /// Asks for the closing handshake with `frame`, to end by `deadline` at the latest.
    /// Only the first request's frame is sent; a later one can only bring the deadline forward.
    pub(super) fn request_close(&self, frame: CloseFrame, deadline: Instant) {
        self.mark_closing();
        {
            let mut requests = self.requests();
            requests.close.get_or_insert(frame);
            requests.deadline = Some(match requests.deadline {
                Some(earlier) => earlier.min(deadline),
                None => deadline,
            });
        }
        self.changed();
    }

    /// Asks the task to drop the connection without a handshake.
    pub(super) fn request_abort(&self) {
        self.mark_closing();
        self.requests().abort = true;
        self.changed();
    }

    /// For the task: registers its waker and takes the requests if they changed.
    pub(super) fn poll_requests(
        &self,
        cx: &std::task::Context<'_>,
    ) -> Option<MutexGuard<'_, Requests>> {
        self.task.register(cx.waker());
        if self.requests_changed.swap(false, Ordering::AcqRel) {
            Some(self.requests())
        } else {
            None
        }
    }

    /// For the task: records the outcome (the first one wins) and stops new sends.
    pub(super) fn decide(&self, outcome: Shutdown) {
        self.mark_closing();
        self.outcome.decide(outcome);
    }
}
