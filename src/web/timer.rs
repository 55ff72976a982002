//! Time in the browser: a monotonic clock and `Duration`s as `setTimeout` delays.
//!
//! The timers themselves are gloo-timers' `Timeout` and `Interval`, and [`Sleep`] on top of
//! `Timeout`; all cancel on drop, and every one is owned by the connection state or by a
//! future.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use gloo_timers::callback::Timeout;

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
pub(crate) fn delay_ms(duration: Duration) -> u32 {
    // `as_micros().div_ceil(1000)` in u64 rather than u128 (which would pull in a 128-bit
    // division): whole seconds are whole milliseconds, only the sub-second microseconds
    // round up. Saturating is exact here, as anything that large is capped anyway.
    let millis = duration
        .as_secs()
        .saturating_mul(1000)
        .saturating_add(u64::from(duration.subsec_micros().div_ceil(1000)));
    u32::try_from(millis).map_or(MAX_DELAY_MS, |millis| millis.min(MAX_DELAY_MS))
}

/// Milliseconds on a monotonic clock (`performance.now()`; `Date.now()` where it is missing).
pub(crate) fn now_ms() -> f64 {
    performance_now().unwrap_or_else(|_| js_sys::Date::now())
}

/// A future that resolves `ms` milliseconds after it was created (`setTimeout`); dropping
/// it clears the timer.
///
/// What gloo-timers' `TimeoutFuture` does, without the futures-channel oneshot it goes
/// through (about 1 KB of wasm): the timer's callback sets a flag and wakes the task.
pub(crate) struct Sleep {
    state: Rc<SleepState>,
    _timer: Timeout,
}

#[derive(Default)]
struct SleepState {
    fired: Cell<bool>,
    waker: Cell<Option<Waker>>,
}

impl Sleep {
    pub(crate) fn new(ms: u32) -> Self {
        let state = Rc::new(SleepState::default());
        let fired = Rc::clone(&state);
        let timer = Timeout::new(ms, move || {
            fired.fired.set(true);
            if let Some(waker) = fired.waker.take() {
                waker.wake();
            }
        });
        Self {
            state,
            _timer: timer,
        }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.state.fired.get() {
            return Poll::Ready(());
        }
        self.state.waker.set(Some(cx.waker().clone()));
        Poll::Pending
    }
}
