//! [`State`]: where a [`Reconnecting`](super::Reconnecting) client stands, folded from its
//! [`Event`]s, for a user interface to show ([`Reconnecting::follow`](super::Reconnecting::follow)).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::events::Event;
use crate::{Abnormal, Error, Shutdown};

/// Where a [`Reconnecting`](super::Reconnecting) client stands: what a status line shows,
/// from before the application starts a client to after it stopped.
///
/// [`Reconnecting::follow`](super::Reconnecting::follow) hands it out as the client's events
/// set it, from `Connecting { attempt: 1 }` to `Closed`. [`Idle`](Self::Idle) is the one
/// state no client reports: a user interface that starts its client on demand (a
/// "Connect" button; the `ui` feature's manual mode) shows it until then, and a status
/// line needs no second type for that.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum State {
    /// No client has been started yet: the state a user interface holds before it starts
    /// one on demand (`ui::Options::manual`, with the `ui` feature). A
    /// [`Reconnecting`](super::Reconnecting) client never reports it.
    Idle,
    /// An attempt is under way.
    #[non_exhaustive]
    Connecting {
        /// The attempt's number (from 1 since the last stable connection).
        attempt: u32,
    },
    /// A connection is open.
    #[non_exhaustive]
    Open {
        /// The subprotocol the server chose, if any.
        protocol: Option<String>,
    },
    /// The last connection or attempt failed; attempt number `attempt` follows after `delay`.
    #[non_exhaustive]
    Retrying {
        /// The number of the attempt that follows.
        attempt: u32,
        /// The wait before it, jitter included.
        delay: Duration,
    },
    /// The client has stopped for good: `Ok` with how the last connection closed (after the
    /// application's `shutdown`, its outcome; [`Abnormal::NotConnected`] when none was
    /// open), or `Err` with the error of the attempt after which the policy gave up.
    Closed(Result<Shutdown, Arc<Error>>),
}

impl State {
    /// `true` while a connection is open.
    pub fn is_open(&self) -> bool {
        matches!(self, Self::Open { .. })
    }

    /// `true` once the client has stopped for good.
    pub fn is_closed(&self) -> bool {
        matches!(self, Self::Closed(_))
    }
}

impl Default for State {
    /// `Connecting { attempt: 1 }`: where every client starts.
    fn default() -> Self {
        Self::Connecting { attempt: 1 }
    }
}

impl fmt::Display for State {
    /// A status line: `not connected`, `connecting (attempt 1)`, `open`, `retrying in 1.2 s (attempt 2)`,
    /// `closed: closed cleanly by the peer with 1000`, `failed: ...`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Idle => f.write_str("not connected"),
            Self::Connecting { attempt } => write!(f, "connecting (attempt {attempt})"),
            Self::Open { protocol: None } => f.write_str("open"),
            Self::Open {
                protocol: Some(protocol),
            } => write!(f, "open ({protocol})"),
            Self::Retrying { attempt, delay } => write!(
                f,
                "retrying in {:.1} s (attempt {attempt})",
                delay.as_secs_f64()
            ),
            Self::Closed(Ok(outcome)) => write!(f, "closed: {outcome}"),
            Self::Closed(Err(error)) => write!(f, "failed: {error}"),
        }
    }
}

/// Folds a client's [`Event`]s into its [`State`], for
/// [`follow`](super::Reconnecting::follow).
#[derive(Debug, Clone, Default)]
pub(crate) struct StateTracker {
    state: State,
    /// How the last connection or attempt ended: the state if the policy gives up next.
    last_end: Option<Result<Shutdown, Arc<Error>>>,
}

impl StateTracker {
    /// The state after the events seen so far.
    pub(crate) fn state(&self) -> &State {
        &self.state
    }

    /// Takes `event` into account; `true` when it set the [`state`](Self::state) (to a new
    /// one, or to the same again), `false` for events that leave it as it was.
    pub(crate) fn update(&mut self, event: &Event) -> bool {
        let next = match event {
            Event::Connecting { attempt } => State::Connecting { attempt: *attempt },
            Event::Open { protocol, .. } => State::Open {
                protocol: protocol.clone(),
            },
            Event::Retrying { attempt, delay } => State::Retrying {
                attempt: *attempt,
                delay: *delay,
            },
            Event::Stopped { outcome } => State::Closed(Ok(outcome.clone())),
            Event::GaveUp { .. } => State::Closed(
                self.last_end
                    .take()
                    .unwrap_or(Ok(Shutdown::Abnormal(Abnormal::NotConnected))),
            ),
            Event::ConnectFailed { error, .. } => {
                self.last_end = Some(Err(Arc::clone(error)));
                return false;
            }
            Event::Closed { outcome, .. } => {
                self.last_end = Some(Ok(outcome.clone()));
                return false;
            }
            // Discarded, Missed: the state stays.
            _ => return false,
        };
        self.state = next;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CloseFrame;

    fn fold(events: &[Event]) -> State {
        let mut tracker = StateTracker::default();
        for event in events {
            tracker.update(event);
        }
        tracker.state().clone()
    }

    #[test]
    fn an_event_that_sets_the_state_says_so() {
        let mut tracker = StateTracker::default();
        assert!(tracker.update(&Event::Open {
            attempt: 1,
            protocol: None
        }));
        assert!(tracker.state().is_open());
        let retrying = Event::Retrying {
            attempt: 1,
            delay: Duration::from_millis(300),
        };
        assert!(tracker.update(&retrying));
        assert_eq!(tracker.state().to_string(), "retrying in 0.3 s (attempt 1)");
    }

    #[test]
    fn a_dropped_connection_shows_retrying_then_open() {
        let state = fold(&[
            Event::Connecting { attempt: 1 },
            Event::Open {
                attempt: 1,
                protocol: Some("chat".into()),
            },
        ]);
        assert_eq!(state.to_string(), "open (chat)");
        let state = fold(&[
            Event::Open {
                attempt: 1,
                protocol: None,
            },
            Event::Closed {
                outcome: Shutdown::Abnormal(Abnormal::connection_lost("reset")),
                uptime: Duration::from_secs(1),
            },
            Event::Retrying {
                attempt: 1,
                delay: Duration::from_millis(1250),
            },
        ]);
        assert_eq!(state.to_string(), "retrying in 1.2 s (attempt 1)");
    }

    #[test]
    fn giving_up_after_a_failed_attempt_carries_its_error() {
        let state = fold(&[
            Event::Connecting { attempt: 3 },
            Event::ConnectFailed {
                attempt: 3,
                error: Arc::new(Error::Closed),
            },
            Event::GaveUp {
                attempts: 3,
                reason: super::super::GiveUpReason::MaxAttempts,
            },
        ]);
        assert!(matches!(&state, State::Closed(Err(error)) if matches!(**error, Error::Closed)));
        assert!(state.to_string().starts_with("failed: "), "{state}");
    }

    #[test]
    fn giving_up_after_a_close_carries_its_outcome() {
        let outcome = Shutdown::Clean(CloseFrame::normal());
        let state = fold(&[
            Event::Open {
                attempt: 1,
                protocol: None,
            },
            Event::Closed {
                outcome: outcome.clone(),
                uptime: Duration::ZERO,
            },
            Event::GaveUp {
                attempts: 0,
                reason: super::super::GiveUpReason::Final,
            },
        ]);
        assert!(matches!(state, State::Closed(Ok(ref o)) if *o == outcome));
    }

    #[test]
    fn a_shutdown_ends_with_its_outcome_and_other_events_change_nothing() {
        let mut tracker = StateTracker::default();
        assert!(!tracker.update(&Event::Discarded { messages: 2 }));
        assert!(!tracker.update(&Event::Missed { events: 5 }));
        assert!(matches!(tracker.state(), State::Connecting { attempt: 1 }));
        assert!(tracker.update(&Event::Stopped {
            outcome: Shutdown::Abnormal(Abnormal::NotConnected)
        }));
        assert!(tracker.state().is_closed());
        assert_eq!(
            tracker.state().to_string(),
            "closed: closed abnormally: no connection was open"
        );
    }
}
