//! The order of sends: one at a time, first come first served, with backpressure.
//!
//! The browser's `send` is synchronous, so messages never interleave; what needs care is
//! waiting. While `bufferedAmount` is above the high-water mark every sender waits, and
//! when it drops they must go out in the order they were called. Each send takes a
//! [`Turn`] in a FIFO and hands its message over only when it is first and the buffer
//! has room.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use gloo_timers::future::TimeoutFuture;

use super::conn::Conn;
use crate::Error;

/// How often a sender waiting for `bufferedAmount` to drop looks again (the browser
/// fires no event when it does).
const BACKPRESSURE_POLL_MS: u32 = 5;

/// The FIFO of senders waiting for their turn.
#[derive(Debug, Default)]
pub(super) struct Gate {
    queue: VecDeque<(u64, Option<Waker>)>,
    next_id: u64,
}

impl Gate {
    /// Joins the end of the queue.
    fn enter(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1);
        self.queue.push_back((id, None));
        id
    }

    /// `true` when `id` is first; otherwise remembers to wake it when it becomes first.
    pub(super) fn poll_first(&mut self, id: u64, cx: &Context<'_>) -> bool {
        let mut waiting = self.queue.iter_mut();
        if waiting.next().is_some_and(|(first, _)| *first == id) {
            return true;
        }
        if let Some((_, waker)) = waiting.find(|(other, _)| *other == id) {
            match waker {
                Some(waker) if waker.will_wake(cx.waker()) => {}
                _ => *waker = Some(cx.waker().clone()),
            }
        }
        false
    }

    /// Leaves the queue; returns the waker of the new first sender if `id` was first.
    #[must_use = "the next sender must be woken"]
    fn leave(&mut self, id: u64) -> Option<Waker> {
        let position = self.queue.iter().position(|(other, _)| *other == id)?;
        self.queue.remove(position);
        if position == 0 {
            self.queue.front_mut().and_then(|(_, waker)| waker.take())
        } else {
            None
        }
    }

    /// Every waiting sender's waker: the connection is closing, they must all fail.
    pub(super) fn take_wakers(&mut self) -> Vec<Waker> {
        self.queue
            .iter_mut()
            .filter_map(|(_, waker)| waker.take())
            .collect()
    }
}

/// A place in the [`Gate`]; leaving it (on drop) lets the next sender go.
pub(super) struct Turn {
    conn: Rc<Conn>,
    id: u64,
    /// While first but the browser's buffer is above the high-water mark.
    backoff: Option<TimeoutFuture>,
}

impl Turn {
    /// Joins the queue of `conn`'s senders.
    pub(super) fn new(conn: &Rc<Conn>) -> Self {
        Self {
            conn: Rc::clone(conn),
            id: conn.with_gate(Gate::enter),
            backoff: None,
        }
    }

    /// Ready when this sender is first and the browser's buffer has room.
    ///
    /// # Errors
    /// [`Error::Closed`] once a shutdown has started or the connection has ended.
    pub(super) fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        loop {
            let buffered = std::task::ready!(self.conn.poll_turn(self.id, cx))?;
            if buffered <= self.conn.high_water() {
                self.backoff = None;
                return Poll::Ready(Ok(()));
            }
            let backoff = self
                .backoff
                .get_or_insert_with(|| TimeoutFuture::new(BACKPRESSURE_POLL_MS));
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Wake;

    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;

    /// A waker that counts how often it was woken.
    struct Counter(AtomicUsize);

    impl Wake for Counter {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn counter() -> (Arc<Counter>, Waker) {
        let counter = Arc::new(Counter(AtomicUsize::new(0)));
        (Arc::clone(&counter), Waker::from(counter))
    }

    fn woken(counter: &Counter) -> usize {
        counter.0.load(Ordering::SeqCst)
    }

    #[wasm_bindgen_test]
    fn senders_take_turns_in_the_order_they_came() {
        let mut gate = Gate::default();
        let (a, b, c) = (gate.enter(), gate.enter(), gate.enter());
        let (b_count, b_waker) = counter();
        let (c_count, c_waker) = counter();
        assert!(!gate.poll_first(c, &Context::from_waker(&c_waker)));
        assert!(!gate.poll_first(b, &Context::from_waker(&b_waker)));
        assert!(gate.poll_first(a, &Context::from_waker(Waker::noop())));

        // The first leaving wakes the next in line, not the one that asked last.
        gate.leave(a).expect("b is waiting").wake();
        assert_eq!((woken(&b_count), woken(&c_count)), (1, 0));
        assert!(!gate.poll_first(c, &Context::from_waker(&c_waker)));
        assert!(gate.poll_first(b, &Context::from_waker(&b_waker)));
        gate.leave(b).expect("c is waiting").wake();
        assert_eq!(woken(&c_count), 1);
        assert!(gate.poll_first(c, &Context::from_waker(&c_waker)));
    }

    #[wasm_bindgen_test]
    fn a_sender_giving_up_in_the_middle_keeps_the_order() {
        let mut gate = Gate::default();
        let (a, b, c) = (gate.enter(), gate.enter(), gate.enter());
        let (c_count, c_waker) = counter();
        assert!(!gate.poll_first(c, &Context::from_waker(&c_waker)));
        // b is dropped while waiting: nobody is woken, a is still first.
        assert!(gate.leave(b).is_none());
        assert!(gate.poll_first(a, &Context::from_waker(Waker::noop())));
        gate.leave(a).expect("c is next").wake();
        assert_eq!(woken(&c_count), 1);
        assert!(gate.poll_first(c, &Context::from_waker(&c_waker)));
    }
}
