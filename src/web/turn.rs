//! A sender's place in line: one send at a time, first come first served, with
//! backpressure.
//!
//! The browser's `send` is synchronous, so messages never interleave; what needs care is
//! waiting. While `bufferedAmount` is above the high-water mark, or the browser holds
//! `send_queue` messages unsent, every sender waits, and when there is room again they must
//! go out in the order they were called. Each send takes a
//! [`Turn`] in the connection's [`Gate`](crate::gate::Gate) and hands its message over only
//! when it is first and the buffer has room.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::conn::Conn;
use super::timer::Sleep;
use crate::Error;

/// How often a sender waiting for `bufferedAmount` to drop looks again (the browser
/// fires no event when it does).
const BACKPRESSURE_POLL_MS: u32 = 5;

/// A place in the line of senders; leaving it (on drop) lets the next sender go.
pub(super) struct Turn {
    conn: Rc<Conn>,
    id: u64,
    /// While first but the browser's buffer is above the high-water mark.
    backoff: Option<Sleep>,
}

impl Turn {
    /// Joins the line of `conn`'s senders.
    pub(super) fn new(conn: &Rc<Conn>) -> Self {
        Self {
            conn: Rc::clone(conn),
            id: conn.with_gate(|gate| gate.enter()),
            backoff: None,
        }
    }

    /// Ready when this sender is first and the browser has room (see `Conn::poll_turn`).
    ///
    /// # Errors
    /// [`Error::Closed`] once a shutdown has started or the connection has ended.
    pub(super) fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        loop {
            let room = std::task::ready!(self.conn.poll_turn(self.id, cx))?;
            if room {
                self.backoff = None;
                return Poll::Ready(Ok(()));
            }
            let backoff = self
                .backoff
                .get_or_insert_with(|| Sleep::new(BACKPRESSURE_POLL_MS));
            std::task::ready!(Pin::new(backoff).poll(cx));
            self.backoff = None;
        }
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        if let Some(next) = self.conn.with_gate(|gate| gate.leave(self.id)) {
            next.wake();
        }
    }
}

impl std::fmt::Debug for Turn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Turn")
            .field("id", &self.id)
            .field("backing_off", &self.backoff.is_some())
            .finish_non_exhaustive()
    }
}

/// A sender's slot: the turn it reserved with `Sink::poll_ready`, if any. A clone starts
/// with none.
#[derive(Debug, Default)]
pub(crate) struct Place(Option<Turn>);

impl Clone for Place {
    fn clone(&self) -> Self {
        Self(None)
    }
}

impl Place {
    /// Ready when this sender may hand over a message (see [`Turn::poll_ready`]).
    pub(super) fn poll_ready(
        &mut self,
        conn: &Rc<Conn>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), Error>> {
        let turn = self.0.get_or_insert_with(|| Turn::new(conn));
        let ready = std::task::ready!(turn.poll_ready(cx));
        if ready.is_err() {
            self.0 = None;
        }
        Poll::Ready(ready)
    }

    /// Gives up the reserved turn (once the message is handed over).
    pub(super) fn take(&mut self) -> Option<Turn> {
        self.0.take()
    }
}
