//! How a connection ended, decided once, and the future that waits for it.
//!
//! Each backend keeps one [`Outcome`] per connection and decides it exactly once (natively
//! the connection task, in the browser the socket's events and the close timer).
//! Every `shutdown`, `close` and `Sink::poll_close` waits on it (through
//! `backend::WaitOutcome`, which holds the connection meanwhile), so concurrent and
//! repeated calls resolve with the same answer.

use std::task::{Context, Poll, Waker};
use std::time::Duration;

use crate::Shutdown;
use crate::platform::{Lock, millis, now_ms};
use crate::shutdown::WithoutReason;

/// The outcome of one connection, once known, and the tasks waiting for it.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    state: Lock<State>,
}

#[derive(Debug, Default)]
struct State {
    decided: Option<Shutdown>,
    /// When the first close was requested (`platform::now_ms`), for the log.
    close_requested_at: Option<u64>,
    /// The tasks waiting, by the id of their `WaitOutcome`.
    waiters: Vec<(u64, Waker)>,
    next_id: u64,
}

impl Outcome {
    /// The outcome, once decided.
    #[cfg(test)]
    fn get(&self) -> Option<Shutdown> {
        self.state.lock().decided.clone()
    }

    /// `true` once the outcome is decided.
    pub(crate) fn is_decided(&self) -> bool {
        self.state.lock().decided.is_some()
    }

    /// Logs a close request in the connection's `span`, and notes the time of the first
    /// for the log of the outcome.
    pub(crate) fn close_requested(&self, span: &tracing::Span, code: u16, timeout: Duration) {
        tracing::debug!(
            parent: span,
            code,
            timeout_ms = millis(timeout),
            "close requested"
        );
        let mut state = self.state.lock();
        if state.decided.is_none() && state.close_requested_at.is_none() {
            state.close_requested_at = Some(now_ms());
        }
    }

    /// Records the outcome and wakes every waiter. The first decision wins; later ones
    /// change nothing and return `false`.
    pub(crate) fn decide(&self, outcome: Shutdown) -> bool {
        self.record(outcome, true)
    }

    /// As [`decide`](Self::decide), without the `websocket closed` event: for the
    /// reconnecting client as a whole, whose connections each log their own end.
    pub(crate) fn decide_quietly(&self, outcome: Shutdown) -> bool {
        self.record(outcome, false)
    }

    fn record(&self, outcome: Shutdown, log: bool) -> bool {
        let (waiters, requested_at) = {
            let mut state = self.state.lock();
            if state.decided.is_some() {
                return false;
            }
            state.decided = Some(outcome.clone());
            (std::mem::take(&mut state.waiters), state.close_requested_at)
        };
        // Logged and woken after the lock is released: a subscriber, or waking (or
        // dropping) a waker, may run code that comes back here.
        if log {
            let close_took_ms = requested_at.map(|at| now_ms().saturating_sub(at));
            log_closed(&outcome, close_took_ms);
        }
        waiters.into_iter().for_each(|(_, waker)| waker.wake());
        true
    }

    /// Ready with the outcome once decided; otherwise registers `cx` under `id` (given one
    /// on the first call).
    pub(crate) fn poll_wait(&self, id: &mut Option<u64>, cx: &Context<'_>) -> Poll<Shutdown> {
        let mut state = self.state.lock();
        if let Some(outcome) = &state.decided {
            return Poll::Ready(outcome.clone());
        }
        let id = *id.get_or_insert_with(|| {
            let id = state.next_id;
            state.next_id = state.next_id.wrapping_add(1);
            id
        });
        let replaced = match state.waiters.iter_mut().find(|(other, _)| *other == id) {
            Some((_, waker)) if waker.will_wake(cx.waker()) => None,
            Some((_, waker)) => Some(std::mem::replace(waker, cx.waker().clone())),
            None => {
                state.waiters.push((id, cx.waker().clone()));
                None
            }
        };
        // Dropped after the lock is released: dropping a task's last waker may drop the
        // task, and with it a handle that asks for this lock.
        drop(state);
        drop(replaced);
        Poll::Pending
    }

    /// A waiter gave up.
    pub(crate) fn forget(&self, id: u64) {
        let removed = {
            let mut state = self.state.lock();
            let at = state.waiters.iter().position(|(other, _)| *other == id);
            at.map(|at| state.waiters.swap_remove(at))
        };
        drop(removed); // after the lock is released, as in `poll_wait`
    }
}

/// The `websocket closed` event, once per connection: at `DEBUG` after a completed
/// handshake, at `INFO` otherwise. `close_took_ms`: since the first close request, if any.
fn log_closed(outcome: &Shutdown, close_took_ms: Option<u64>) {
    // The peer's reason as a field of its own rather than inside `%outcome`: `CloseFrame`'s
    // `Display` quotes it with `{:?}`, which would bring core's `str` escaping and its
    // Unicode tables (about 4 KB of wasm) into every program.
    let reason = outcome
        .peer_frame()
        .map(|frame| frame.reason.as_str())
        .filter(|reason| !reason.is_empty());
    if outcome.is_clean() {
        tracing::debug!(outcome = %WithoutReason(outcome), reason, close_took_ms, "websocket closed");
    } else {
        tracing::info!(outcome = %WithoutReason(outcome), close_took_ms, "websocket closed");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_decision_wins_and_later_ones_change_nothing() {
        let outcome = Outcome::default();
        assert_eq!(outcome.get(), None);
        assert!(outcome.decide(Shutdown::TimedOut));
        assert!(!outcome.decide(Shutdown::Abnormal(crate::Abnormal::Aborted)));
        assert_eq!(outcome.get(), Some(Shutdown::TimedOut));
    }

    #[test]
    fn waiters_are_woken_once_and_see_the_same_outcome() {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::task::Wake;

        struct Count(AtomicUsize);
        impl Wake for Count {
            fn wake(self: Arc<Self>) {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(Arc::clone(&count));
        let cx = Context::from_waker(&waker);

        let outcome = Outcome::default();
        let (mut a, mut b, mut gone) = (None, None, None);
        assert!(outcome.poll_wait(&mut a, &cx).is_pending());
        assert!(outcome.poll_wait(&mut b, &cx).is_pending());
        assert!(outcome.poll_wait(&mut gone, &cx).is_pending());
        assert!(outcome.poll_wait(&mut a, &cx).is_pending(), "polled again");
        outcome.forget(gone.unwrap_or_default());
        outcome.decide(Shutdown::TimedOut);
        assert_eq!(count.0.load(Ordering::SeqCst), 2, "a and b, once each");
        assert_eq!(
            outcome.poll_wait(&mut a, &cx),
            Poll::Ready(Shutdown::TimedOut)
        );
        assert_eq!(
            outcome.poll_wait(&mut b, &cx),
            Poll::Ready(Shutdown::TimedOut)
        );
    }
}
