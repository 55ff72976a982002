//! Milliseconds on a monotonic clock, for the durations the logs report.

/// Milliseconds since an arbitrary moment of this process (natively) or page (in the
/// browser), never going back.
#[cfg(native)]
pub(crate) fn now_ms() -> u64 {
    use std::sync::OnceLock;
    use std::time::Instant;

    static START: OnceLock<Instant> = OnceLock::new();
    millis(START.get_or_init(Instant::now).elapsed())
}

/// Milliseconds since an arbitrary moment of this process (natively) or page (in the
/// browser), never going back.
#[cfg(web)]
pub(crate) fn now_ms() -> u64 {
    // Saturating: a clock reading is never negative or out of range.
    crate::web::now_ms() as u64
}

/// `duration` in whole milliseconds, saturating (in `u64`: a `u128` would bring 128-bit
/// formatting into the browser's wasm).
pub(crate) fn millis(duration: std::time::Duration) -> u64 {
    duration
        .as_secs()
        .saturating_mul(1000)
        .saturating_add(u64::from(duration.subsec_millis()))
}
