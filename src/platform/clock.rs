//! The clock's arithmetic, the same on both targets (the clock itself, `now_ms`, is the
//! target's).

/// `duration` in whole milliseconds, saturating (in `u64`: a `u128` would bring 128-bit
/// formatting into the browser's wasm).
pub(crate) fn millis(duration: std::time::Duration) -> u64 {
    duration
        .as_secs()
        .saturating_mul(1000)
        .saturating_add(u64::from(duration.subsec_millis()))
}
