//! Round trips per second in headless Chromium (see `bench_browser::rtt`).
//!
//! Needs the echo server's port at compile time: `BENCH_ECHO_PORT`. Optional:
//! `BENCH_RTT_N` (round trips per run, default 2000), `BENCH_RTT_ROUNDS` (timed rounds,
//! default 21).

#![cfg(web)]

use bench_browser::{port, rtt, say};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn round_trips_per_second() {
    let Some(port) = port(option_env!("BENCH_ECHO_PORT")) else {
        say("BENCH_ECHO_PORT was not set at compile time: skipped");
        return;
    };
    let n = option_env!("BENCH_RTT_N")
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let rounds = option_env!("BENCH_RTT_ROUNDS")
        .and_then(|v| v.parse().ok())
        .unwrap_or(21);
    let url = format!("ws://127.0.0.1:{port}/");
    if let Err(error) = rtt::bench(&url, n, rounds).await {
        panic!("the round-trip benchmark failed: {error}");
    }
}
