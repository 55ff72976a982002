//! Time in the browser: a monotonic clock and `Duration`s as `setTimeout` delays.
//!
//! The timers themselves are gloo-timers' (`Timeout`, `Interval`, `TimeoutFuture`), which
//! cancel on drop; every one is owned by the connection state or by a future.

use std::time::Duration;

use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen]
extern "C" {
    /// `performance.now()`: milliseconds on a monotonic clock (windows and workers).
    #[wasm_bindgen(catch, js_namespace = performance, js_name = now)]
    fn performance_now() -> Result<f64, wasm_bindgen::JsValue>;
}

/// The longest delay `setTimeout` honours (2^31 - 1 ms, about 24.8 days); a longer one
/// would overflow and fire at once.
const MAX_DELAY_MS: u32 = 0x7fff_ffff;

/// `duration` as a `setTimeout` delay: rounded up, so that a timer never fires early, and
/// capped at [`MAX_DELAY_MS`].
pub(super) fn delay_ms(duration: Duration) -> u32 {
    let millis = duration.as_micros().div_ceil(1000);
    u32::try_from(millis).map_or(MAX_DELAY_MS, |millis| millis.min(MAX_DELAY_MS))
}

/// Milliseconds on a monotonic clock (`performance.now()`; `Date.now()` where it is missing).
pub(super) fn now_ms() -> f64 {
    performance_now().unwrap_or_else(|_| js_sys::Date::now())
}
