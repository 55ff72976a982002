//! [`Reconnect`]: when to try again, how long to wait, and when to give up.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::backoff::{Backoff, Jitter};
use crate::{CloseCode, Error, MaybeSend, MaybeSync, Shutdown};

/// What ended an attempt or a connection, as the [`give_up_when`](Reconnect::give_up_when)
/// predicate sees it.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum Failure<'a> {
    /// An attempt to connect failed (or the target callback failed).
    Connect(&'a Error),
    /// An open connection ended, with this outcome.
    Closed(&'a Shutdown),
}

/// What to do when the send queue is full while no connection is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum WhenFull {
    /// `send` fails with [`Error::SendQueueFull`]; the message is not queued. The default.
    #[default]
    Refuse,
    /// The oldest queued message is dropped to make room, and an
    /// [`Event::Discarded`](super::Event::Discarded) says so.
    DropOldest,
}

/// A [`give_up_when`](Reconnect::give_up_when) predicate: `Send` and `Sync` natively, as
/// its supertraits make `dyn GiveUp` (a policy moves to the client's task).
trait GiveUp: Fn(&Failure<'_>) -> bool + MaybeSend + MaybeSync {}
impl<F: Fn(&Failure<'_>) -> bool + MaybeSend + MaybeSync> GiveUp for F {}

type Predicate = Arc<dyn GiveUp>;

/// The reconnect policy: exponential backoff with jitter, a limit on attempts, a bounded
/// send queue for the time without a connection, and which failures are final.
///
/// ```
/// use std::time::Duration;
/// use omnisocket::reconnect::{Jitter, Reconnect, WhenFull};
///
/// let policy = Reconnect::default()
///     .backoff(Duration::from_millis(200), Duration::from_secs(30)) // base, cap
///     .jitter(Jitter::Decorrelated)
///     .max_attempts(Some(10)) // None: forever
///     .stable_after(Duration::from_secs(10))
///     .queue(100, 1 << 20, WhenFull::DropOldest);
/// ```
#[derive(Clone)]
pub struct Reconnect {
    pub(super) base: Duration,
    pub(super) cap: Duration,
    pub(super) factor: f64,
    pub(super) jitter: Jitter,
    pub(super) max_attempts: Option<u32>,
    pub(super) stable_after: Duration,
    pub(super) queue_messages: usize,
    pub(super) queue_bytes: usize,
    pub(super) when_full: WhenFull,
    pub(super) seed: Option<u64>,
    give_up_when: Predicate,
}

impl Default for Reconnect {
    /// Base 500 ms, cap 30 s, factor 2, [`Jitter::Full`], no limit on attempts, stable
    /// after 5 s, a queue of 256 messages and 1 MiB that refuses when full, and
    /// [`Reconnect::is_final_by_default`] for what is final.
    fn default() -> Self {
        Self {
            base: Duration::from_millis(500),
            cap: Duration::from_secs(30),
            factor: 2.0,
            jitter: Jitter::Full,
            max_attempts: None,
            stable_after: Duration::from_secs(5),
            queue_messages: 256,
            queue_bytes: 1 << 20,
            when_full: WhenFull::Refuse,
            seed: None,
            give_up_when: Arc::new(Self::is_final_by_default),
        }
    }
}

impl Reconnect {
    /// The delays: the first retry waits at most `base` (at least `base` with
    /// [`Jitter::Decorrelated`]), each later window grows by [`factor`](Self::factor), and
    /// no delay is ever longer than `cap`. Default 500 ms and 30 s. `base` must be above
    /// zero and at most `cap`.
    #[must_use]
    pub fn backoff(mut self, base: Duration, cap: Duration) -> Self {
        self.base = base;
        self.cap = cap;
        self
    }

    /// How fast the delays grow: the window of each attempt is this many times the one
    /// before. Default 2; at least 1.
    #[must_use]
    pub fn factor(mut self, factor: f64) -> Self {
        self.factor = factor;
        self
    }

    /// How the random part of each delay is drawn; [`Jitter::Full`] by default. A delay is
    /// drawn anew for every attempt, so clients that lost the same server do not come back
    /// in step.
    #[must_use]
    pub fn jitter(mut self, jitter: Jitter) -> Self {
        self.jitter = jitter;
        self
    }

    /// How many attempts in a row may fail before giving up; `None` (the default) tries
    /// forever. The count starts again after a connection stayed up for
    /// [`stable_after`](Self::stable_after). At least 1.
    #[must_use]
    pub fn max_attempts(mut self, attempts: Option<u32>) -> Self {
        self.max_attempts = attempts;
        self
    }

    /// How long a connection must stay up for the backoff (and the attempt count) to start
    /// again from the beginning; default 5 s. A server that accepts and drops at once is so
    /// met with growing delays, not hammered.
    #[must_use]
    pub fn stable_after(mut self, uptime: Duration) -> Self {
        self.stable_after = uptime;
        self
    }

    /// The queue of messages sent while no connection is open: at most `messages` messages
    /// and `bytes` bytes (a message larger than `bytes` is queued only into an empty
    /// queue), and what happens when it is full. Default 256 messages, 1 MiB,
    /// [`WhenFull::Refuse`]. While a connection is open a full queue makes `send` wait
    /// instead, as the connection's own queue does. `messages` must be at least 1.
    #[must_use]
    pub fn queue(mut self, messages: usize, bytes: usize, when_full: WhenFull) -> Self {
        self.queue_messages = messages;
        self.queue_bytes = bytes;
        self.when_full = when_full;
        self
    }

    /// Decides which failures are final: when `predicate` returns `true`, no attempt
    /// follows and [`Event::GaveUp`](super::Event::GaveUp) says why. Replaces
    /// [`is_final_by_default`](Self::is_final_by_default), which a predicate may call to
    /// add to it.
    ///
    /// ```
    /// use omnisocket::reconnect::{Failure, Reconnect};
    /// use omnisocket::Shutdown;
    ///
    /// // Also stop when the server closes with 4001 ("logged out", say).
    /// let policy = Reconnect::default().give_up_when(|failure| {
    ///     Reconnect::is_final_by_default(failure)
    ///         || matches!(failure, Failure::Closed(Shutdown::Clean(frame)) if frame.code.as_u16() == 4001)
    /// });
    /// ```
    #[must_use]
    pub fn give_up_when(
        mut self,
        predicate: impl Fn(&Failure<'_>) -> bool + MaybeSend + MaybeSync + 'static,
    ) -> Self {
        self.give_up_when = Arc::new(predicate);
        self
    }

    /// Fixes the seed of the jitter's random numbers (by default a different seed per
    /// client), for reproducible delays in tests.
    #[must_use]
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// The default of [`give_up_when`](Self::give_up_when): what retrying cannot fix.
    ///
    /// - A URL, setting, header or proxy that is invalid or that the target cannot honour
    ///   ([`Error::InvalidUrl`], [`Error::InvalidConfig`], [`Error::InvalidHeader`],
    ///   [`Error::InvalidProxy`], [`Error::Unsupported`]), and [`Error::Environment`]
    ///   (natively, no tokio runtime).
    /// - An upgrade the server refused with a 4xx status (401, 403, 404, ...), except 408
    ///   Request Timeout and 429 Too Many Requests; the same for an HTTP proxy's answer to
    ///   `CONNECT` ([`Error::Proxy`]: 403, 407 credentials refused, ...). Only natively:
    ///   browsers do not report the status, a refused upgrade there is an
    ///   [`Error::Connect`] like a network failure. A proxy that is down, and a SOCKS
    ///   proxy's refusal, are retried.
    /// - A Close from the server that says the client is at fault: 1002 protocol error,
    ///   1003 unsupported data, 1007 invalid payload, 1008 policy violation, 1010 missing
    ///   extension. Every other code (1000, 1001 going away, 1011, 1012 restart, 1013 try
    ///   again later, 4000–4999, ...) and every connection that broke is retried.
    pub fn is_final_by_default(failure: &Failure<'_>) -> bool {
        match failure {
            Failure::Connect(error) => match error {
                Error::InvalidUrl(_)
                | Error::InvalidConfig { .. }
                | Error::InvalidHeader(_)
                | Error::InvalidProxy(_)
                | Error::Unsupported(_)
                | Error::Environment(_) => true,
                Error::UpgradeRefused(_) | Error::Proxy(_) => {
                    error.status().is_some_and(client_error)
                }
                _ => false,
            },
            Failure::Closed(Shutdown::Clean(frame)) => matches!(
                frame.code,
                CloseCode::PROTOCOL_ERROR
                    | CloseCode::UNSUPPORTED_DATA
                    | CloseCode::INVALID_PAYLOAD
                    | CloseCode::POLICY_VIOLATION
                    | CloseCode::MANDATORY_EXTENSION
            ),
            Failure::Closed(_) => false,
        }
    }

    pub(super) fn is_final(&self, failure: &Failure<'_>) -> bool {
        (self.give_up_when)(failure)
    }

    /// The backoff this policy describes.
    pub(super) fn backoff_state(&self) -> Backoff {
        let seed = self.seed.unwrap_or_else(crate::platform::seed);
        Backoff::new(self.base, self.cap, self.factor, self.jitter, seed)
    }

    /// Refuses settings that cannot work, as `Config::check` does.
    pub(super) fn check(&self) -> Result<(), Error> {
        let invalid = |setting: &'static str, problem: &'static str| {
            Err(Error::InvalidConfig { setting, problem })
        };
        if self.base.is_zero() {
            return invalid("Reconnect::backoff", "the base delay must be above zero");
        }
        if self.base > self.cap {
            return invalid(
                "Reconnect::backoff",
                "the base delay must be at most the cap",
            );
        }
        if !(self.factor.is_finite() && self.factor >= 1.0) {
            return invalid(
                "Reconnect::factor",
                "the factor must be a finite number of at least 1",
            );
        }
        if self.max_attempts == Some(0) {
            return invalid(
                "Reconnect::max_attempts",
                "at least one attempt: Some(0) would never connect",
            );
        }
        if self.queue_messages == 0 {
            return invalid(
                "Reconnect::queue",
                "the queue must hold at least one message",
            );
        }
        Ok(())
    }
}

impl fmt::Debug for Reconnect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reconnect")
            .field("base", &self.base)
            .field("cap", &self.cap)
            .field("factor", &self.factor)
            .field("jitter", &self.jitter)
            .field("max_attempts", &self.max_attempts)
            .field("stable_after", &self.stable_after)
            .field("queue_messages", &self.queue_messages)
            .field("queue_bytes", &self.queue_bytes)
            .field("when_full", &self.when_full)
            .field("seed", &self.seed)
            .finish_non_exhaustive()
    }
}

/// A 4xx status that retrying cannot fix: all but 408 Request Timeout and 429 Too Many
/// Requests.
fn client_error(status: u16) -> bool {
    (400..500).contains(&status) && !matches!(status, 408 | 429)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn connect_failure_is_final(error: Error) -> bool {
        Reconnect::is_final_by_default(&Failure::Connect(&error))
    }

    fn refused_by_proxy(status: Option<u16>) -> Error {
        Error::proxy_failed("http://proxy:3128", "refused", status)
    }

    #[test]
    fn what_a_proxy_says_is_final_as_what_a_server_says() {
        for status in [401, 403, 407] {
            assert!(
                connect_failure_is_final(refused_by_proxy(Some(status))),
                "{status}"
            );
        }
        for status in [408, 429, 502, 503] {
            assert!(
                !connect_failure_is_final(refused_by_proxy(Some(status))),
                "{status}"
            );
        }
        // Down, or a SOCKS refusal: retried.
        assert!(!connect_failure_is_final(refused_by_proxy(None)));
        assert!(connect_failure_is_final(Error::invalid_proxy(
            "ftp://proxy",
            "not supported"
        )));
        let refused = |status| Error::upgrade_refused("ws://server/", status, None);
        assert!(connect_failure_is_final(refused(401)));
        assert!(!connect_failure_is_final(refused(429)));
        assert!(!connect_failure_is_final(refused(500)));
    }
}
