//! The queue of received messages between the connection task and `recv`.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

use crate::{Error, Message};

type Item = Result<Message, Error>;

/// A single-producer, single-consumer queue with a soft capacity, in messages and in bytes.
///
/// The connection task stops reading from the network while the queue is full
/// ([`poll_room`](Inbox::poll_room)), which is the backpressure of the receiving side; while
/// a close is in progress it pushes regardless, so that nothing the peer sent is lost.
#[derive(Debug)]
pub(super) struct Inbox {
    capacity: usize,
    byte_capacity: usize,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    items: VecDeque<Item>,
    /// The payload bytes of the queued messages.
    bytes: usize,
    /// No more items will be pushed.
    ended: bool,
    /// The receiving side is gone: items are dropped and there is always room.
    receiver_gone: bool,
    receiver: Option<Waker>,
    producer: Option<Waker>,
}

impl Inbox {
    pub(super) fn new(capacity: usize, byte_capacity: usize) -> Self {
        Self {
            capacity,
            byte_capacity,
            state: Mutex::new(State::default()),
        }
    }

    /// Whether `state` holds as much as it may (an empty queue always has room).
    fn full(&self, state: &State) -> bool {
        !state.items.is_empty()
            && (state.items.len() >= self.capacity || state.bytes >= self.byte_capacity)
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // No code panics while holding the lock; recover the data if one ever did.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds a message or an error for `recv`, beyond the capacity if need be.
    pub(super) fn push(&self, item: Item) {
        let mut state = self.state();
        if state.ended || state.receiver_gone {
            return;
        }
        state.bytes += item_bytes(&item);
        state.items.push_back(item);
        wake(&mut state.receiver);
    }

    /// Marks the end of the stream: `recv` returns `None` once the queue is empty.
    pub(super) fn end(&self) {
        let mut state = self.state();
        state.ended = true;
        wake(&mut state.receiver);
    }

    /// Ready while the queue has room (or nobody receives any more).
    pub(super) fn poll_room(&self, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = self.state();
        if state.receiver_gone || !self.full(&state) {
            Poll::Ready(())
        } else {
            register(&mut state.producer, cx);
            Poll::Pending
        }
    }

    /// `true` while the queue is at capacity and somebody still receives.
    pub(super) fn is_full(&self) -> bool {
        let state = self.state();
        !state.receiver_gone && self.full(&state)
    }

    /// Ready once `recv` has taken every queued item (or nobody receives any more).
    pub(super) fn poll_drained(&self, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = self.state();
        if state.receiver_gone || state.items.is_empty() {
            Poll::Ready(())
        } else {
            register(&mut state.producer, cx);
            Poll::Pending
        }
    }

    /// The next item; `None` after the end.
    pub(super) fn poll_recv(&self, cx: &mut Context<'_>) -> Poll<Option<Item>> {
        let mut state = self.state();
        let was_full = self.full(&state);
        match state.items.pop_front() {
            Some(item) => {
                state.bytes -= item_bytes(&item);
                // The connection task waits for room, or (when failing the connection)
                // for the last item before the end to be taken.
                if was_full || (state.ended && state.items.is_empty()) {
                    wake(&mut state.producer);
                }
                Poll::Ready(Some(item))
            }
            None if state.ended => Poll::Ready(None),
            None => {
                register(&mut state.receiver, cx);
                Poll::Pending
            }
        }
    }

    /// The receiving side was dropped: discard what is queued and never fill up again.
    pub(super) fn close_receiver(&self) {
        let mut state = self.state();
        state.receiver_gone = true;
        state.items.clear();
        state.bytes = 0;
        wake(&mut state.producer);
    }
}

fn item_bytes(item: &Item) -> usize {
    item.as_ref().map_or(0, Message::len)
}

fn register(slot: &mut Option<Waker>, cx: &Context<'_>) {
    match slot {
        Some(waker) if waker.will_wake(cx.waker()) => {}
        _ => *slot = Some(cx.waker().clone()),
    }
}

fn wake(slot: &mut Option<Waker>) {
    if let Some(waker) = slot.take() {
        waker.wake();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::task::Waker;

    fn cx() -> Context<'static> {
        Context::from_waker(Waker::noop())
    }

    #[test]
    fn keeps_order_and_ends_after_the_last_item() {
        let inbox = Inbox::new(2, usize::MAX);
        inbox.push(Ok(Message::text("a")));
        inbox.push(Ok(Message::text("b")));
        inbox.end();
        let mut cx = cx();
        let texts: Vec<String> = std::iter::from_fn(|| match inbox.poll_recv(&mut cx) {
            Poll::Ready(Some(Ok(m))) => m.as_text().map(str::to_owned),
            _ => None,
        })
        .collect();
        assert_eq!(texts, ["a", "b"]);
        assert!(matches!(inbox.poll_recv(&mut cx), Poll::Ready(None)));
    }

    #[test]
    fn room_follows_the_capacity_but_push_never_drops() {
        let inbox = Inbox::new(1, usize::MAX);
        let mut cx = cx();
        assert!(inbox.poll_room(&mut cx).is_ready());
        inbox.push(Ok(Message::text("a")));
        assert!(inbox.poll_room(&mut cx).is_pending());
        inbox.push(Ok(Message::text("b")));
        assert!(matches!(inbox.poll_recv(&mut cx), Poll::Ready(Some(Ok(_)))));
        assert!(matches!(inbox.poll_recv(&mut cx), Poll::Ready(Some(Ok(_)))));
        assert!(inbox.poll_room(&mut cx).is_ready());
    }

    #[test]
    fn a_closed_receiver_always_has_room() {
        let inbox = Inbox::new(1, usize::MAX);
        inbox.push(Ok(Message::text("a")));
        inbox.close_receiver();
        assert!(inbox.poll_room(&mut cx()).is_ready());
    }

    #[test]
    fn room_also_follows_the_byte_capacity_and_one_large_message_always_fits() {
        let inbox = Inbox::new(100, 10);
        let mut cx = cx();
        inbox.push(Ok(Message::binary(vec![0u8; 6])));
        assert!(inbox.poll_room(&mut cx).is_ready());
        inbox.push(Ok(Message::binary(vec![0u8; 6])));
        assert!(
            inbox.poll_room(&mut cx).is_pending(),
            "12 bytes queued of 10"
        );
        assert!(inbox.is_full());
        assert!(matches!(inbox.poll_recv(&mut cx), Poll::Ready(Some(Ok(_)))));
        assert!(inbox.poll_room(&mut cx).is_ready(), "6 bytes queued of 10");
        assert!(matches!(inbox.poll_recv(&mut cx), Poll::Ready(Some(Ok(_)))));
        // Empty: a message over the byte capacity is still read.
        assert!(inbox.poll_room(&mut cx).is_ready());
        inbox.push(Ok(Message::binary(vec![0u8; 50])));
        assert!(inbox.poll_room(&mut cx).is_pending());
    }
}
