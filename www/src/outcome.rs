//! How the page writes a close's outcome, in the outcome box and in the log.

use omnisocket::Shutdown;

/// `Clean 1000 ""`, `TimedOut` or `Abnormal(..)`, as the outcome box shows an outcome, and
/// the box's `data-outcome` (its colour).
pub(crate) fn outcome_parts(outcome: &Shutdown) -> (String, &'static str) {
    match outcome {
        Shutdown::Clean(frame) => (format!("Clean {} {:?}", frame.code, frame.reason), "clean"),
        Shutdown::TimedOut => ("TimedOut".to_owned(), "timedout"),
        Shutdown::Abnormal(why) => (format!("Abnormal({why})"), "abnormal"),
        // Any later kind of end is not a clean one.
        other => (other.to_string(), "abnormal"),
    }
}
