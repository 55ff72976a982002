//! Browser benchmarks of `omnisocket`, run in headless Chromium by `wasm-bindgen-test-runner`
//! (see `tests/` and `scripts/bench_browser.sh` at the repository root).
//!
//! - [`rtt`]: sequential round trips of a 32-byte text message per second, for
//!   `omnisocket`'s `WebClient`, gloo-net, web-sys by hand and a plain JavaScript loop,
//!   against the same echo server, in interleaved runs.
//! - [`autobahn`]: the Autobahn client test cases driven from the page, by `omnisocket`
//!   (agent `omnisocket-web`) and by the browser's `WebSocket` from plain JavaScript (agent
//!   `chromium-raw`).
//!
//! Lines meant for the summary start with [`REPORT_PREFIX`].

#![cfg(web)]

pub mod autobahn;
mod js;
pub mod rtt;

/// Output lines starting with this are collected by `scripts/bench_browser.sh`.
pub const REPORT_PREFIX: &str = "BENCH|";

/// Prints one line to the browser console (shown with `-- --nocapture`).
pub fn say(line: &str) {
    web_sys::console::log_1(&line.into());
}

/// Prints one line for the summary (see [`REPORT_PREFIX`]).
pub fn report(line: &str) {
    say(&format!("{REPORT_PREFIX}{line}"));
}

/// Milliseconds from `performance.now()`: monotonic, sub-millisecond.
pub fn now_ms() -> f64 {
    js::performance_now()
}

/// A port given at compile time (`option_env!`: the servers run as separate processes and
/// bind any free port), or `None` when it is unset or not a port.
pub fn port(value: Option<&str>) -> Option<u16> {
    value.and_then(|v| v.trim().parse().ok())
}
