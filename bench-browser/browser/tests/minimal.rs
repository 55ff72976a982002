//! Runs the three minimal clients whose wasm size is measured (`min-omnisocket`, `min-gloo`,
//! `min-websys`) once against the echo server: what is measured works.
//!
//! Needs `BENCH_ECHO_PORT` at compile time.

#![cfg(web)]

use bench_browser::{port, report, say};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn minimal_clients_echo() {
    let Some(port) = port(option_env!("BENCH_ECHO_PORT")) else {
        say("BENCH_ECHO_PORT was not set at compile time: skipped");
        return;
    };
    let url = format!("ws://127.0.0.1:{port}/");
    let replies = [
        (
            "min-omnisocket",
            min_omnisocket::omnisocket_minimal(url.clone()).await,
        ),
        ("min-gloo", min_gloo::gloo_minimal(url.clone()).await),
        ("min-websys", min_websys::websys_minimal(url.clone()).await),
    ];
    for (name, reply) in replies {
        match reply {
            Ok(text) if text == "hello" => report(&format!("minimal|{name}|ok")),
            other => panic!("{name}: expected the echo `hello`, got {other:?}"),
        }
    }
}
