//! The queue of received messages between the socket's `message` handler and `recv`.

use std::collections::VecDeque;
use std::task::{Context, Poll, Waker};

use crate::{Error, Message};

type Item = Result<Message, Error>;

/// A single-consumer queue with a capacity, in messages and in bytes.
///
/// The browser cannot pause a `WebSocket`, so the queue cannot hold the socket back: the
/// connection checks [`is_full`](Inbox::is_full) before it pushes a message, and fails
/// instead of growing past the bounds (`Config::receive_queue`, `receive_queue_bytes`).
#[derive(Debug)]
pub(super) struct Inbox {
    items: VecDeque<Item>,
    capacity: usize,
    byte_capacity: usize,
    /// The payload bytes of the queued messages.
    bytes: usize,
    /// No more items will be pushed.
    ended: bool,
    /// The client was dropped: items are discarded.
    receiver_gone: bool,
    receiver: Option<Waker>,
}

impl Inbox {
    pub(super) fn new(capacity: usize, byte_capacity: usize) -> Self {
        Self {
            items: VecDeque::new(),
            capacity,
            byte_capacity,
            bytes: 0,
            ended: false,
            receiver_gone: false,
            receiver: None,
        }
    }

    /// Whether the queue holds as much as it may (an empty queue always has room, and
    /// nothing is kept once the receiver is gone).
    pub(super) fn is_full(&self) -> bool {
        !self.items.is_empty()
            && !self.receiver_gone
            && (self.items.len() >= self.capacity || self.bytes >= self.byte_capacity)
    }

    /// Adds a message or an error for `recv`. Returns the waker to wake once the caller has
    /// released its borrow of the state.
    #[must_use = "the receiver must be woken"]
    pub(super) fn push(&mut self, item: Item) -> Option<Waker> {
        if self.ended || self.receiver_gone {
            return None;
        }
        self.bytes += item_bytes(&item);
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
            Some(item) => {
                self.bytes -= item_bytes(&item);
                Poll::Ready(Some(item))
            }
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

fn item_bytes(item: &Item) -> usize {
    item.as_ref().map_or(0, Message::len)
}
