//! [`Event`]s and the bounded feeds that carry them to each [`Events`] stream.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use futures_core::{FusedStream, Stream};

use crate::platform::{Lock, Shared};
use crate::{Error, Shutdown};

/// How many events a stream holds for a reader that does not keep up; older ones are then
/// replaced by one [`Event::Missed`].
pub(super) const FEED_CAPACITY: usize = 64;

/// What happened to a [`Reconnecting`](super::Reconnecting) client, in order.
///
/// A typical story: `Connecting { attempt: 1 }`, `Open { attempt: 1 }`; the connection
/// breaks: `Closed { .. }`, `Retrying { attempt: 1, delay }`, `Connecting { attempt: 1 }`,
/// `ConnectFailed { attempt: 1 }`, `Retrying { attempt: 2, delay }`, ..., `Open`; and at
/// the end `Closed` and `Stopped` after `shutdown`, or `GaveUp`.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Event {
    /// Attempt number `attempt` starts (counted from 1 since the last stable connection).
    #[non_exhaustive]
    Connecting {
        /// The attempt's number.
        attempt: u32,
    },
    /// A connection is open; queued messages go out now.
    #[non_exhaustive]
    Open {
        /// The attempt that opened it.
        attempt: u32,
        /// The subprotocol the server chose, if any.
        protocol: Option<String>,
    },
    /// An attempt failed.
    #[non_exhaustive]
    ConnectFailed {
        /// The attempt's number.
        attempt: u32,
        /// Why (shared, as every stream gets the event).
        error: Arc<Error>,
    },
    /// An open connection ended.
    #[non_exhaustive]
    Closed {
        /// How: [`Shutdown::Clean`] with the server's code and reason, or
        /// [`Shutdown::Abnormal`] with the cause (the connection broke, a liveness check
        /// failed, ...). After the application's `shutdown`, its outcome.
        outcome: Shutdown,
        /// How long the connection was open.
        uptime: Duration,
    },
    /// Attempt number `attempt` follows after `delay`.
    #[non_exhaustive]
    Retrying {
        /// The number of the attempt that follows.
        attempt: u32,
        /// The wait before it, jitter included.
        delay: Duration,
    },
    /// Queued messages were dropped without being sent: the oldest, to make room under
    /// [`WhenFull::DropOldest`](super::WhenFull::DropOldest), or those still queued when
    /// the client stopped without a connection to send them on. Drops that follow each
    /// other before the stream is read add up in one event.
    #[non_exhaustive]
    Discarded {
        /// How many messages.
        messages: usize,
    },
    /// The application stopped the client (`shutdown`, `close`, `close_now`, or dropping
    /// it): the last event. `outcome` is what `shutdown` returns;
    /// [`Abnormal::NotConnected`](crate::Abnormal::NotConnected) when no connection was open.
    #[non_exhaustive]
    Stopped {
        /// The outcome of the last connection's close.
        outcome: Shutdown,
    },
    /// No attempt follows: the client has stopped; the last event but for a
    /// [`Discarded`](Self::Discarded) for what was still queued. `shutdown` returns at
    /// once from now on, with the last connection's outcome when a connection's end was
    /// the last failure, or [`Abnormal::NotConnected`](crate::Abnormal::NotConnected) when
    /// an attempt was.
    #[non_exhaustive]
    GaveUp {
        /// Attempts made since the last stable connection.
        attempts: u32,
        /// Why it stopped.
        reason: GiveUpReason,
    },
    /// This stream fell behind by more than 64 events; the oldest of them were dropped.
    #[non_exhaustive]
    Missed {
        /// How many events were dropped.
        events: u64,
    },
}

/// Why a [`Reconnecting`](super::Reconnecting) client gave up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum GiveUpReason {
    /// [`Reconnect::max_attempts`](super::Reconnect::max_attempts) attempts failed in a row.
    MaxAttempts,
    /// The last failure was final ([`Reconnect::give_up_when`](super::Reconnect::give_up_when)).
    Final,
}

/// Where events go: one bounded feed per [`Events`] stream.
#[derive(Debug)]
pub(super) struct Hub {
    state: Lock<HubState>,
}

#[derive(Debug)]
struct HubState {
    feeds: Vec<Shared<Lock<Feed>>>,
    /// The feed that collects the first events until the first stream takes it, so that
    /// the first [`Events`] tells the story from the start.
    unclaimed: Option<Shared<Lock<Feed>>>,
    ended: bool,
}

#[derive(Debug, Default)]
struct Feed {
    events: VecDeque<Event>,
    missed: u64,
    ended: bool,
    reader: Option<Waker>,
}

impl Hub {
    pub(super) fn new() -> Self {
        let first = Shared::new(Lock::new(Feed::default()));
        Self {
            state: Lock::new(HubState {
                feeds: vec![Shared::clone(&first)],
                unclaimed: Some(first),
                ended: false,
            }),
        }
    }

    /// A new stream of the events from now on (ended at once if the client has stopped);
    /// the first stream also gets those from before it, from the first on.
    pub(super) fn subscribe(&self) -> Events {
        let mut state = self.state.lock();
        if let Some(feed) = state.unclaimed.take() {
            return Events { feed };
        }
        let feed = Shared::new(Lock::new(Feed {
            ended: state.ended,
            ..Feed::default()
        }));
        if !state.ended {
            // The feeds of dropped streams go here rather than on every event.
            state.feeds.retain(|feed| Shared::strong_count(feed) > 1);
            state.feeds.push(Shared::clone(&feed));
        }
        Events { feed }
    }

    /// Drops what the first stream would have got, as nobody will take it (a `connect`
    /// that failed), so that the events give up their share of its error.
    pub(super) fn forget_unclaimed(&self) {
        let mut state = self.state.lock();
        if let Some(feed) = state.unclaimed.take() {
            state.feeds.retain(|kept| !Shared::ptr_eq(kept, &feed));
            feed.lock().events.clear();
        }
    }

    /// Hands `event` to every stream.
    pub(super) fn emit(&self, event: &Event) {
        tracing::debug!(?event, "reconnecting client");
        let mut readers = Vec::new();
        let state = self.state.lock();
        for feed in &state.feeds {
            let reader = {
                let mut feed = feed.lock();
                // A burst of discarded messages is one event.
                if let (
                    Event::Discarded { messages },
                    Some(Event::Discarded { messages: unread }),
                ) = (event, feed.events.back_mut())
                {
                    *unread += messages;
                    continue;
                }
                if feed.events.len() == FEED_CAPACITY {
                    feed.events.pop_front();
                    feed.missed += 1;
                }
                feed.events.push_back(event.clone());
                feed.reader.take()
            };
            readers.extend(reader);
        }
        // Woken once the lock is let go: a waker may run code that emits again.
        drop(state);
        for reader in readers {
            reader.wake();
        }
    }

    /// No event follows: every stream ends once read.
    pub(super) fn end(&self) {
        let feeds = {
            let mut state = self.state.lock();
            state.ended = true;
            std::mem::take(&mut state.feeds)
        };
        for feed in feeds {
            let reader = {
                let mut feed = feed.lock();
                feed.ended = true;
                feed.reader.take()
            };
            if let Some(reader) = reader {
                reader.wake();
            }
        }
    }
}

/// The events of a [`Reconnecting`](super::Reconnecting) client, from the moment
/// [`events`](super::Reconnecting::events) was called: an owned `'static` [`Stream`]
/// (`Send` natively) that ends after the client's last event.
///
/// Each stream holds at most 64 unread events; a reader that falls further behind gets one
/// [`Event::Missed`] in place of the oldest ones, so a forgotten stream costs a bounded
/// amount of memory.
#[derive(Debug)]
pub struct Events {
    feed: Shared<Lock<Feed>>,
}

impl Events {
    /// The next event; `None` after the client's last one. The same as
    /// `StreamExt::next`, without the import.
    pub async fn next(&mut self) -> Option<Event> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }
}

impl Stream for Events {
    type Item = Event;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Event>> {
        let mut feed = self.feed.lock();
        if feed.missed > 0 {
            let events = std::mem::take(&mut feed.missed);
            return Poll::Ready(Some(Event::Missed { events }));
        }
        if let Some(event) = feed.events.pop_front() {
            return Poll::Ready(Some(event));
        }
        if feed.ended {
            return Poll::Ready(None);
        }
        feed.reader = Some(cx.waker().clone());
        Poll::Pending
    }
}

impl FusedStream for Events {
    fn is_terminated(&self) -> bool {
        let feed = self.feed.lock();
        feed.ended && feed.missed == 0 && feed.events.is_empty()
    }
}
