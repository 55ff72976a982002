//! The order of waiting senders: first come, first served.
//!
//! The browser backend's senders wait in this FIFO while `bufferedAmount` is above the
//! high-water mark, and go out in the order they came once it drops. A pure queue of ids
//! and wakers, so that its tests run natively as well.

use std::task::{Context, Waker};

/// The FIFO of senders waiting for their turn.
///
/// A `Vec` rather than a `VecDeque`: the queue is short (the senders waiting at one time),
/// and `VecDeque::remove` brings its ring-buffer shuffling into the wasm (about 0.5 KB
/// gzipped).
#[derive(Debug, Default)]
pub(crate) struct Gate {
    queue: Vec<(u64, Option<Waker>)>,
    next_id: u64,
}

impl Gate {
    /// Joins the end of the queue.
    pub(crate) fn enter(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1);
        self.queue.push((id, None));
        id
    }

    /// `true` when `id` is first; otherwise remembers to wake it when it becomes first.
    pub(crate) fn poll_first(&mut self, id: u64, cx: &Context<'_>) -> bool {
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
    pub(crate) fn leave(&mut self, id: u64) -> Option<Waker> {
        let position = self.queue.iter().position(|(other, _)| *other == id)?;
        self.queue.remove(position);
        if position == 0 {
            self.queue.first_mut().and_then(|(_, waker)| waker.take())
        } else {
            None
        }
    }

    /// Every waiting sender's waker: the connection is closing, they must all fail.
    pub(crate) fn take_wakers(&mut self) -> Vec<Waker> {
        self.queue
            .iter_mut()
            .filter_map(|(_, waker)| waker.take())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Wake;

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

    #[test]
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

    #[test]
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

    #[test]
    fn closing_wakes_every_waiting_sender_once() {
        let mut gate = Gate::default();
        let (a, b, c) = (gate.enter(), gate.enter(), gate.enter());
        let (b_count, b_waker) = counter();
        let (c_count, c_waker) = counter();
        assert!(gate.poll_first(a, &Context::from_waker(Waker::noop())));
        assert!(!gate.poll_first(b, &Context::from_waker(&b_waker)));
        assert!(!gate.poll_first(c, &Context::from_waker(&c_waker)));
        gate.take_wakers().into_iter().for_each(Waker::wake);
        assert_eq!((woken(&b_count), woken(&c_count)), (1, 1));
        assert!(gate.take_wakers().is_empty(), "each waker is taken once");
    }
}
