//! What the server observed on each connection, keyed by the `id=` query parameter.
//!
//! Connection tasks write into a shared [`Registry`]; tests read it in-process
//! ([`crate::TestServer::report`]) or over HTTP (`GET /report?id=..`). Every change
//! bumps a `watch` channel so waiters wake up without polling.
//!
//! The registry also keeps the state of each `/flaky` scenario (keyed by its `id=`),
//! which decides whether the next upgrade of that id is refused or accepted.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use tokio::time::Instant;

/// How many messages [`ConnectionReport::first_messages`] keeps.
pub const FIRST_MESSAGES_KEPT: usize = 200;

/// Text messages longer than this are kept in [`ConnectionReport::first_messages`] as
/// `"<text N bytes>"`, so that big-message tests do not make reports huge.
pub const KEPT_TEXT_MAX: usize = 64 * 1024;

/// Everything the server observed on one WebSocket connection.
///
/// Serialized as JSON by `GET /report?id=..`; the tuple fields become two-element
/// arrays (`[code_or_null, "reason"]`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionReport {
    /// The `id=` query parameter of the connection.
    pub id: String,
    /// The mode: the request path without its leading `/` (`"echo"`, `"close-first"`, ...).
    pub mode: String,
    /// The server answered `101 Switching Protocols`.
    pub handshake_done: bool,
    /// Complete text/binary messages received before the client's Close.
    pub messages_received: u64,
    /// Payload bytes of those messages.
    pub bytes_received: u64,
    /// The first [`FIRST_MESSAGES_KEPT`] messages: text as-is (as `"<text N bytes>"` if
    /// longer than [`KEPT_TEXT_MAX`]), binary as `"<binary N bytes>"`.
    pub first_messages: Vec<String>,
    /// The result of the `"<task>:<seq>"` ordering check over all text messages.
    pub sequence: SequenceCheck,
    /// How many Close frames the client sent, duplicates included.
    pub close_frames_received: u32,
    /// Code and reason of the client's first Close (`None` code: empty payload).
    pub client_close: Option<(Option<u16>, String)>,
    /// Code and reason of the Close the server sent (`None` code: empty payload).
    pub close_sent: Option<(Option<u16>, String)>,
    /// Data frames (text, binary, continuation) the client sent after its Close.
    pub frames_after_close: u32,
    /// The server saw EOF or an error from the client before it closed TCP itself.
    pub tcp_closed_by_client: bool,
    /// The connection is finished (closed by either side).
    ///
    /// After the server closes its side (FIN) it keeps reading until the client closes
    /// too, or for at most 2 s, so a client that holds on to the socket delays this.
    pub tcp_closed: bool,
    /// Why the server gave up on the connection, if the client broke the protocol.
    pub protocol_error: Option<String>,
}

/// Result of the per-task ordering check.
///
/// Text messages of the form `"<task>:<seq>"`, optionally followed by `":<anything>"`
/// (task and seq decimal), are checked: for each task the first seq must be 0 and each
/// next one exactly the previous plus one. Other messages are ignored, except those
/// that start with an ASCII digit but do not parse, which count as `malformed`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SequenceCheck {
    /// Distinct tasks seen.
    pub tasks: u32,
    /// Messages whose seq was not the expected one.
    pub violations: u64,
    /// Messages starting with a digit that do not parse as `task:seq[:rest]`.
    pub malformed: u64,
}

/// Per-connection state behind [`SequenceCheck`]: the next expected seq of each task.
#[derive(Debug, Default)]
pub(crate) struct SequenceTracker {
    next: HashMap<u64, u64>,
}

impl SequenceTracker {
    /// Feeds one text message into the check, updating `check`.
    ///
    /// After a violation the expected seq becomes one past the highest seq seen, so a
    /// lost message, a duplicate or a swapped pair each cost a bounded number of
    /// violations (1, 1 and 2) instead of poisoning the rest of the run.
    pub(crate) fn observe(&mut self, text: &str, check: &mut SequenceCheck) {
        if !text.starts_with(|c: char| c.is_ascii_digit()) {
            return;
        }
        let Some((task, seq)) = parse_task_seq(text) else {
            check.malformed += 1;
            return;
        };
        match self.next.get_mut(&task) {
            Some(expected) => {
                if seq != *expected {
                    check.violations += 1;
                }
                *expected = (*expected).max(seq.saturating_add(1));
            }
            None => {
                if seq != 0 {
                    check.violations += 1;
                }
                self.next.insert(task, seq.saturating_add(1));
                check.tasks = u32::try_from(self.next.len()).unwrap_or(u32::MAX);
            }
        }
    }
}

/// Parses `"<task>:<seq>"` or `"<task>:<seq>:<anything>"`.
fn parse_task_seq(text: &str) -> Option<(u64, u64)> {
    let mut parts = text.splitn(3, ':');
    let task = parse_decimal(parts.next()?)?;
    let seq = parse_decimal(parts.next()?)?;
    Some((task, seq))
}

fn parse_decimal(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// The counts of one `/flaky` scenario (all its upgrade requests with the same `id=`).
///
/// Serialized as JSON by `GET /flaky-report?id=..`: `{"upgrades":U,"refused":R,"accepted":A}`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlakyReport {
    /// Upgrade requests of this id that reached the decision (`refused + accepted`).
    pub upgrades: u64,
    /// Upgrades refused with 503 (the first `refuse_first`, and those within
    /// `refuse_ms` of a server-ended connection).
    pub refused: u64,
    /// Upgrades accepted; the n-th one reports under the id `ID.n`.
    pub accepted: u64,
}

/// The refusal and drop rules of a `/flaky` request (its own query parameters).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct FlakyRules {
    /// Refuse the first this many upgrades of the id.
    pub(crate) refuse_first: u64,
    /// The first this many accepted connections are ended by the server.
    pub(crate) drops: u64,
    /// Refuse upgrades while a server-ended connection is ending and for this long
    /// after it has ended.
    pub(crate) refuse_for: Duration,
}

/// What a `/flaky` upgrade request gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Admission {
    /// Answer 503.
    Refuse,
    /// Upgrade; `n` is the 1-based accept order, `server_ends` whether the server ends
    /// this connection at the trigger (one of the first `drops`).
    Accept { n: u64, server_ends: bool },
}

/// The state of one `/flaky` id.
#[derive(Debug, Default)]
struct Scenario {
    counts: FlakyReport,
    /// Server-ended connections whose end has begun (Close sent or drop decided) but
    /// whose task has not finished yet.
    ending: u32,
    /// When the last server-ended connection finished.
    last_end: Option<Instant>,
}

impl Scenario {
    /// Counts one upgrade request arriving at `now` and decides what it gets.
    fn admit(&mut self, rules: FlakyRules, now: Instant) -> Admission {
        self.counts.upgrades += 1;
        let in_window = rules.refuse_for > Duration::ZERO
            && (self.ending > 0
                || self
                    .last_end
                    .is_some_and(|end| now.saturating_duration_since(end) < rules.refuse_for));
        if self.counts.upgrades <= rules.refuse_first || in_window {
            self.counts.refused += 1;
            return Admission::Refuse;
        }
        self.counts.accepted += 1;
        let n = self.counts.accepted;
        Admission::Accept {
            n,
            server_ends: n <= rules.drops,
        }
    }
}

/// The shared store of reports plus the open-connection counter.
#[derive(Debug)]
pub(crate) struct Registry {
    reports: Mutex<HashMap<String, ConnectionReport>>,
    /// `/flaky` state per id.
    scenarios: Mutex<HashMap<String, Scenario>>,
    open: AtomicUsize,
    changed: watch::Sender<()>,
    /// Where the test command says the clients run (`GET /host`).
    host: Mutex<String>,
}

impl Registry {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Self {
            reports: Mutex::new(HashMap::new()),
            scenarios: Mutex::new(HashMap::new()),
            open: AtomicUsize::new(0),
            changed: watch::Sender::new(()),
            host: Mutex::new(String::new()),
        })
    }

    /// Where the clients of the next test run are said to run (`GET /host?set=`).
    pub(crate) fn set_host(&self, host: &str) {
        *self.host.lock().unwrap_or_else(PoisonError::into_inner) = host.to_owned();
    }

    /// Where the clients run, as last set; empty if never set.
    pub(crate) fn host(&self) -> String {
        self.host
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, ConnectionReport>> {
        // A panic elsewhere must not make every later report unreadable.
        self.reports.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn scenarios(&self) -> MutexGuard<'_, HashMap<String, Scenario>> {
        self.scenarios
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn notify(&self) {
        self.changed.send_replace(());
    }

    /// A copy of the report for `id`, if any connection used that id.
    pub(crate) fn get(&self, id: &str) -> Option<ConnectionReport> {
        self.lock().get(id).cloned()
    }

    /// Copies of all reports, sorted by id.
    pub(crate) fn all(&self) -> Vec<ConnectionReport> {
        let mut all: Vec<_> = self.lock().values().cloned().collect();
        all.sort_by(|a, b| a.id.cmp(&b.id));
        all
    }

    /// Counts a `/flaky` upgrade request of `id` and decides, under the lock, whether it
    /// is refused or accepted (and then whether the server ends it).
    pub(crate) fn flaky_admit(&self, id: &str, rules: FlakyRules) -> Admission {
        let now = Instant::now();
        self.scenarios()
            .entry(id.to_owned())
            .or_default()
            .admit(rules, now)
    }

    /// The counts of the `/flaky` scenario `id`, if any upgrade request used it.
    pub(crate) fn flaky_report(&self, id: &str) -> Option<FlakyReport> {
        self.scenarios().get(id).map(|s| s.counts)
    }

    /// A handle for a `/flaky` connection the server will end, which opens the
    /// `refuse_ms` window of `id` (see [`ServerEnd`]).
    pub(crate) fn server_end(self: &Arc<Self>, id: &str) -> ServerEnd {
        ServerEnd {
            registry: Arc::clone(self),
            id: id.to_owned(),
            began: false,
        }
    }

    /// Number of TCP connections currently open.
    pub(crate) fn open_connections(&self) -> usize {
        self.open.load(Ordering::SeqCst)
    }

    /// Counts one open TCP connection until the returned guard is dropped.
    pub(crate) fn connection_guard(self: &Arc<Self>) -> ConnectionGuard {
        self.open.fetch_add(1, Ordering::SeqCst);
        self.notify();
        ConnectionGuard {
            registry: Arc::clone(self),
        }
    }

    /// Waits until `pred` holds for the report of `id`, or `timeout` passes.
    ///
    /// Returns `Ok(report)` when the predicate held, otherwise `Err` with the report
    /// as it was at the deadline (`None` if there is none).
    pub(crate) async fn wait(
        &self,
        id: &str,
        timeout: Duration,
        mut pred: impl FnMut(&ConnectionReport) -> bool,
    ) -> Result<ConnectionReport, Option<ConnectionReport>> {
        let mut rx = self.changed.subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            // Marks the current value seen *before* reading, so no change is missed.
            rx.borrow_and_update();
            // The predicate runs under the lock so that reports are only cloned once.
            if let Some(report) = self.lock().get(id).filter(|r| pred(r)) {
                return Ok(report.clone());
            }
            match tokio::time::timeout_at(deadline, rx.changed()).await {
                Ok(Ok(())) => {}
                // Timed out, or the sender is gone (cannot happen while `self` lives).
                _ => {
                    let last = self.get(id);
                    return match last {
                        Some(r) if pred(&r) => Ok(r),
                        last => Err(last),
                    };
                }
            }
        }
    }

    /// Waits until `pred` holds for the number of open connections, or `timeout` passes.
    pub(crate) async fn wait_open(
        &self,
        timeout: Duration,
        mut pred: impl FnMut(usize) -> bool,
    ) -> Result<usize, usize> {
        let mut rx = self.changed.subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            rx.borrow_and_update();
            let open = self.open_connections();
            if pred(open) {
                return Ok(open);
            }
            match tokio::time::timeout_at(deadline, rx.changed()).await {
                Ok(Ok(())) => {}
                _ => return Err(self.open_connections()),
            }
        }
    }
}

/// Decrements the open-connection count when dropped (also when the task is aborted).
#[derive(Debug)]
pub(crate) struct ConnectionGuard {
    registry: Arc<Registry>,
}

impl Drop for ConnectionGuard {
    fn drop(&mut self) {
        self.registry.open.fetch_sub(1, Ordering::SeqCst);
        self.registry.notify();
    }
}

/// Held by a `/flaky` connection that the server ends at its trigger.
///
/// [`ServerEnd::begin`] when the server starts ending it (sends its Close, or drops it);
/// from then on upgrades of the id are refused (with `refuse_ms` > 0). Dropping a begun
/// handle, after the socket is closed, records the end: the `refuse_ms` window starts.
/// A connection that the client ends before the trigger opens no window.
#[derive(Debug)]
pub(crate) struct ServerEnd {
    registry: Arc<Registry>,
    id: String,
    began: bool,
}

impl ServerEnd {
    /// Marks the server-side end as begun; idempotent.
    pub(crate) fn begin(&mut self) {
        if self.began {
            return;
        }
        self.began = true;
        if let Some(s) = self.registry.scenarios().get_mut(&self.id) {
            s.ending += 1;
        }
    }
}

impl Drop for ServerEnd {
    fn drop(&mut self) {
        if !self.began {
            return;
        }
        if let Some(s) = self.registry.scenarios().get_mut(&self.id) {
            s.ending = s.ending.saturating_sub(1);
            s.last_end = Some(Instant::now());
        }
    }
}

/// A connection's handle on its own report; a no-op when the URL had no `id=`.
#[derive(Debug)]
pub(crate) struct Reporter {
    registry: Arc<Registry>,
    id: Option<String>,
}

impl Reporter {
    /// Creates (or replaces) the report for `id` with a fresh one for `mode`.
    pub(crate) fn new(registry: Arc<Registry>, id: Option<String>, mode: &str) -> Self {
        if let Some(id) = &id {
            let fresh = ConnectionReport {
                id: id.clone(),
                mode: mode.to_owned(),
                ..ConnectionReport::default()
            };
            registry.lock().insert(id.clone(), fresh);
            registry.notify();
        }
        Self { registry, id }
    }

    /// Applies `f` to the report (if this connection keeps one) and wakes waiters.
    pub(crate) fn update(&self, f: impl FnOnce(&mut ConnectionReport)) {
        let Some(id) = &self.id else { return };
        {
            let mut reports = self.registry.lock();
            if let Some(report) = reports.get_mut(id) {
                f(report);
            }
        }
        self.registry.notify();
    }

    /// The id this connection reports under, if any.
    pub(crate) fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// A copy of this connection's report, if it keeps one.
    pub(crate) fn snapshot(&self) -> Option<ConnectionReport> {
        self.id.as_deref().and_then(|id| self.registry.get(id))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn run(msgs: &[&str]) -> SequenceCheck {
        let mut tracker = SequenceTracker::default();
        let mut check = SequenceCheck::default();
        for m in msgs {
            tracker.observe(m, &mut check);
        }
        check
    }

    #[test]
    fn in_order_interleaved_tasks() {
        let c = run(&["0:0", "1:0", "0:1:payload", "1:1", "hello", "0:2"]);
        assert_eq!(
            c,
            SequenceCheck {
                tasks: 2,
                violations: 0,
                malformed: 0
            }
        );
    }

    #[test]
    fn swapped_pair_is_two_violations() {
        let c = run(&["0:0", "0:2", "0:1", "0:3"]);
        assert_eq!(c.violations, 2, "{c:?}"); // 2 != 1, 1 != 3, then 3 is expected
        let c = run(&["0:0", "0:2", "0:3"]);
        assert_eq!(c.violations, 1, "{c:?}"); // one lost message
        let c = run(&["0:0", "0:1", "0:1", "0:2"]);
        assert_eq!(c.violations, 1, "{c:?}"); // duplicate 1, then 2 matches again
    }

    #[test]
    fn flaky_admission() {
        let rules = FlakyRules {
            refuse_first: 1,
            drops: 2,
            refuse_for: Duration::from_millis(300),
        };
        let t0 = Instant::now();
        let mut s = Scenario::default();
        assert_eq!(s.admit(rules, t0), Admission::Refuse);
        assert_eq!(
            s.admit(rules, t0),
            Admission::Accept {
                n: 1,
                server_ends: true
            }
        );
        // Ending, then ended: refused until 300 ms after the end.
        s.ending = 1;
        assert_eq!(s.admit(rules, t0), Admission::Refuse);
        s.ending = 0;
        s.last_end = Some(t0);
        assert_eq!(
            s.admit(rules, t0 + Duration::from_millis(299)),
            Admission::Refuse
        );
        let later = t0 + Duration::from_millis(300);
        assert_eq!(
            s.admit(rules, later),
            Admission::Accept {
                n: 2,
                server_ends: true
            }
        );
        s.last_end = Some(later);
        let much_later = later + Duration::from_secs(1);
        assert_eq!(
            s.admit(rules, much_later),
            Admission::Accept {
                n: 3,
                server_ends: false
            }
        );
        assert_eq!(
            s.counts,
            FlakyReport {
                upgrades: 6,
                refused: 3,
                accepted: 3
            }
        );
        // Without refuse_ms no window opens.
        let mut s = Scenario {
            ending: 1,
            last_end: Some(t0),
            ..Scenario::default()
        };
        assert!(matches!(
            s.admit(FlakyRules::default(), t0),
            Admission::Accept {
                n: 1,
                server_ends: false
            }
        ));
    }

    #[test]
    fn first_seq_must_be_zero() {
        assert_eq!(run(&["5:1"]).violations, 1);
    }

    #[test]
    fn malformed_and_ignored() {
        let c = run(&["1:", "1:x", "12abc", "1", "x:1", "", "after-close 1"]);
        assert_eq!(c.malformed, 4, "{c:?}");
        assert_eq!(c.tasks, 0);
    }
}
