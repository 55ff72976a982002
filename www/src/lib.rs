//! The browser demo of the `omnisocket` crate.
//!
//! A page (`www/index.html`) on which a person picks how the test server should behave
//! (echo; never answer the Close; answer late; keep sending after the Close; close first;
//! drop the connection; drop it every N ms), connects, sends messages and shuts down, and
//! watches a live log of what happened: what was sent and received, and what
//! `shutdown(timeout)` reported (`Clean 1000 ""`, `TimedOut`, `Abnormal(..)`) and how long
//! it took. It also shows a close code the browser may not send being refused with an
//! error.
//!
//! With the last behaviour the page connects `omnisocket::reconnect::Reconnecting` instead of
//! the plain `Client`, and logs its events as they happen: each drop, the backoff before
//! each attempt, the refused attempts, the next Open and the messages queued meanwhile
//! going out; `shutdown(timeout)` then stops it for good.
//!
//! Everything here is built on omnisocket's public API. Natively this crate is empty;
//! `bash scripts/demo.sh` builds it for `wasm32-unknown-unknown`, runs `wasm-bindgen`, and
//! serves the page and the test server's WebSocket modes from one local origin.

#[cfg(web)]
mod app;
#[cfg(web)]
mod behaviour;
#[cfg(web)]
mod dom;
#[cfg(web)]
mod handle;
#[cfg(web)]
mod outcome;
#[cfg(web)]
mod reconnecting;

/// Runs when the wasm module is instantiated: finds the page's elements and wires them up.
///
/// # Errors
/// A description of what is missing when the page is not the demo's `index.html`; the
/// page's loader shows it.
#[cfg(web)]
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() -> Result<(), wasm_bindgen::JsValue> {
    app::start()
}
