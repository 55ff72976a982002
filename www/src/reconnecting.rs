//! The reconnecting client as the page uses it: its policy, and how each of its events
//! reads in the log and moves the status pill.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use omnisocket::Error;
use omnisocket::reconnect::{Event, Failure, GiveUpReason, Reconnect};

use crate::outcome::outcome_parts;

/// The backoff's first window: the first retry waits up to this long.
pub(crate) const BASE: Duration = Duration::from_millis(200);
/// No wait before an attempt is longer than this.
pub(crate) const CAP: Duration = Duration::from_secs(5);
/// A connection that stayed up this long starts the attempt count and the backoff over.
pub(crate) const STABLE_AFTER: Duration = Duration::from_secs(2);

/// The page's policy: retry for ever after a drop, with a backoff short enough to watch.
///
/// `opened` is set once the first connection is open. Until then every failed attempt is
/// final, so that Connect reports a server that cannot be reached at once, as it does with
/// the plain client; after that the client retries for as long as the page stays.
pub(crate) fn policy(opened: Rc<Cell<bool>>) -> Reconnect {
    Reconnect::default()
        .backoff(BASE, CAP)
        .stable_after(STABLE_AFTER)
        .give_up_when(move |failure| {
            Reconnect::is_final_by_default(failure)
                || (!opened.get() && matches!(failure, Failure::Connect(_)))
        })
}

/// How an event looks on the page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tone {
    /// Waiting before an attempt, or making one.
    Retry,
    /// A connection is open.
    Up,
    /// A connection ended, or an attempt failed.
    Down,
    /// The client stopped, or something was lost on the way.
    Stop,
}

/// One event, as a line of the log.
#[derive(Debug)]
pub(crate) struct Line {
    pub(crate) tone: Tone,
    pub(crate) text: String,
    /// Whether a connection is open after this event; `None` when it does not say.
    pub(crate) open: Option<bool>,
}

/// The log line of `event`.
pub(crate) fn describe(event: &Event) -> Line {
    let line = |tone, text: String, open| Line { tone, text, open };
    match event {
        Event::Connecting { attempt, .. } => line(
            Tone::Retry,
            format!("Connecting (attempt {attempt})"),
            Some(false),
        ),
        Event::Retrying { attempt, delay, .. } => line(
            Tone::Retry,
            format!("Retrying in {} ms (attempt {attempt})", delay.as_millis()),
            Some(false),
        ),
        Event::Open {
            attempt, protocol, ..
        } => {
            let protocol = protocol
                .as_deref()
                .map(|p| format!(", subprotocol {p:?}"))
                .unwrap_or_default();
            line(
                Tone::Up,
                format!("Open (attempt {attempt}{protocol})"),
                Some(true),
            )
        }
        Event::ConnectFailed { attempt, error, .. } => line(
            Tone::Down,
            format!("attempt {attempt} failed: {}", short_error(error)),
            Some(false),
        ),
        Event::Closed {
            outcome, uptime, ..
        } => line(
            Tone::Down,
            format!(
                "Closed after {} ms: {}",
                uptime.as_millis(),
                outcome_text(outcome)
            ),
            Some(false),
        ),
        Event::Discarded { messages, .. } => line(
            Tone::Stop,
            format!("{messages} queued message(s) discarded, never sent"),
            None,
        ),
        Event::Stopped { outcome, .. } => line(
            Tone::Stop,
            format!("Stopped: {}", outcome_text(outcome)),
            Some(false),
        ),
        Event::GaveUp {
            attempts, reason, ..
        } => {
            let why = match reason {
                GiveUpReason::MaxAttempts => "too many failed attempts",
                GiveUpReason::Final => "the last failure cannot be fixed by retrying",
                _ => "the policy said so",
            };
            let text = format!("Gave up after {attempts} attempt(s): {why}");
            line(Tone::Stop, text, Some(false))
        }
        Event::Missed { events, .. } => line(
            Tone::Stop,
            format!("{events} event(s) missed: the page fell behind"),
            None,
        ),
        other => line(Tone::Stop, format!("{other:?}"), None),
    }
}

/// `Clean 1000 ""`, `TimedOut` or `Abnormal(..)`, as in the outcome box.
fn outcome_text(outcome: &omnisocket::Shutdown) -> String {
    outcome_parts(outcome).0
}

/// An attempt's error without the URL, which the log already shows.
fn short_error(error: &Error) -> String {
    match error {
        Error::Connect(_) => error
            .problem()
            .map_or_else(|| error.to_string(), str::to_owned),
        Error::ConnectTimeout(_) => {
            let timeout = error.timeout().unwrap_or_default();
            format!("no connection within {} ms", timeout.as_millis())
        }
        other => other.to_string(),
    }
}
