//! The flow a user of the crate runs in their own CI: `wasm-pack test` in headless Chromium
//! and Firefox (README.md, "Testing with wasm-pack"). One small case against the test
//! server; the whole suite runs through `scripts/test_js.sh`.
//!
//! Unlike the other wasm test files, this one names its host in the source, as a user's
//! test would: `wasm-pack test --chrome` and `--firefox` run only files configured for the
//! browser.

#![cfg(web)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]

mod support;

use omnisocket::Message;
use support::{GENEROUS, Peer, connect, next_text};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn echo_and_a_clean_shutdown_under_wasm_pack() {
    let peer = Peer::start().await;
    let mut client = connect(&peer, "/echo").await;
    client.send(Message::text("from wasm-pack")).await.unwrap();
    assert_eq!(next_text(&mut client).await, "from wasm-pack");
    assert!(client.shutdown(GENEROUS).await.is_clean());
}
