//! The queue of received messages between the socket's `message` handler and `recv`.

use std::collections::VecDeque;
use std::task::{Context, Poll, Waker};

use crate::{Error, Message};

type Item = Result<Message, Error>;

/// An unbounded single-consumer queue.
///
/// Unbounded because the browser cannot pause a `WebSocket`: whatever arrives must be
/// kept until `recv` takes it (`Config::receive_queue` applies natively only).
#[derive(Debug, Default)]
pub(super) struct Inbox {
    items: VecDeque<Item>,
    /// No more items will be pushed.
    ended: bool,
    /// The client was dropped: items are discarded.
    receiver_gone: bool,
    receiver: Option<Waker>,
}

impl Inbox {
    /// Adds a message or an error for `recv`. Returns the waker to wake once the caller has
    /// released its borrow of the state.
    #[must_use = "the receiver must be woken"]
    pub(super) fn push(&mut self, item: Item) -> Option<Waker> {
        if self.ended || self.receiver_gone {
            return None;
        }
        self.items.push_back(item);
        self.receiver.take()
    }

    /// Marks the end of the stream: `recv` returns `None` once the queue is empty.
    #[must_use = "the receiver must be woken"]
    pub(super) fn end(&mut self) -> Option<Waker> {
        self.ended = true;
        self.receiver.take()
    }

    /// The next item; `None` after the end.
    pub(super) fn poll_recv(&mut self, cx: &Context<'_>) -> Poll<Option<Item>> {
        match self.items.pop_front() {
            Some(item) => Poll::Ready(Some(item)),
            None if self.ended => Poll::Ready(None),
            None => {
                match &self.receiver {
                    Some(waker) if waker.will_wake(cx.waker()) => {}
                    _ => self.receiver = Some(cx.waker().clone()),
                }
                Poll::Pending
            }
        }
    }

    /// The client was dropped: discard what is queued and whatever comes later.
    pub(super) fn close_receiver(&mut self) {
        self.receiver_gone = true;
        // Dropping the queue rather than `clear()`, which would add `VecDeque::truncate`.
        self.items = VecDeque::new();
        self.receiver = None;
    }
}
