//! The Autobahn client cases from headless Chromium (see `bench_browser::autobahn`).
//!
//! Each agent needs its own kosoku fuzzing server (it exits after writing the reports),
//! whose port is given at compile time: `BENCH_AUTOBAHN_PORT_OMNISOCKET` (agent
//! `omnisocket-web`) and `BENCH_AUTOBAHN_PORT_RAW` (agent `chromium-raw`). A test whose port
//! is unset is skipped; run one at a time with a filter (`-- omnisocket_web`). Set
//! `WASM_BINDGEN_TEST_TIMEOUT` to a few hundred seconds: the suite takes minutes.

#![cfg(web)]

use bench_browser::autobahn::{self, Agent};
use bench_browser::{port, say};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

/// A case still running after this long is abandoned.
const CASE_TIMEOUT_MS: u32 = 60_000;

async fn run(agent: Agent, port: Option<u16>) {
    let Some(port) = port else {
        say(&format!(
            "{}: no fuzzing server port at compile time: skipped",
            agent.name()
        ));
        return;
    };
    if let Err(error) = autobahn::run(agent, port, CASE_TIMEOUT_MS).await {
        panic!("{}: {error}", agent.name());
    }
}

#[wasm_bindgen_test]
async fn autobahn_omnisocket_web() {
    run(
        Agent::OmnisocketWeb,
        port(option_env!("BENCH_AUTOBAHN_PORT_OMNISOCKET")),
    )
    .await;
}

#[wasm_bindgen_test]
async fn autobahn_chromium_raw() {
    run(
        Agent::ChromiumRaw,
        port(option_env!("BENCH_AUTOBAHN_PORT_RAW")),
    )
    .await;
}
