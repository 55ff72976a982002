//! Time natively: deadlines from durations the caller chose, which may be as large as
//! `Duration::MAX`.
//!
//! `Instant + Duration` panics when the sum does not fit; a caller asking to wait
//! "forever" gets a deadline decades away instead, as tokio's own `sleep` does.

use std::time::Duration;

use tokio::time::Instant;

/// About 30 years: far enough to mean "never", near enough to fit in an `Instant`.
const FAR_FUTURE: Duration = Duration::from_secs(86_400 * 365 * 30);

/// `start + duration`, or about 30 years after `start` when that does not fit.
pub(super) fn after(start: Instant, duration: Duration) -> Instant {
    start
        .checked_add(duration)
        .or_else(|| start.checked_add(FAR_FUTURE))
        .unwrap_or(start)
}

/// [`after`] from now.
pub(crate) fn from_now(duration: Duration) -> Instant {
    after(Instant::now(), duration)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_durations_give_a_far_deadline_instead_of_a_panic() {
        let now = Instant::now();
        assert_eq!(
            after(now, Duration::from_secs(1)),
            now + Duration::from_secs(1)
        );
        assert!(after(now, Duration::MAX) >= now + Duration::from_secs(86_400 * 365));
        assert!(from_now(Duration::MAX) > now);
    }
}
