//! The Leptos hook in headless Chromium, against the suite's test server: the hook crates'
//! shared cases (`tests/support/hooks.rs`) on a Leptos component mounted in the page.

#![cfg(web)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]

#[path = "../../tests/support/mod.rs"]
mod support;

#[macro_use]
#[path = "../../tests/support/hooks.rs"]
mod hooks;

use std::cell::Cell;
use std::rc::Rc;

use hooks::{Mounted, container};
use leptos::mount::mount_to;
use leptos::prelude::*;
use omnisocket_leptos::{UseWebSocket, UseWebSocketOptions, use_websocket_with};

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

/// Mounts a component that shows the hook's state and its last message (as `show` writes
/// it) into a new container.
fn mount_showing<T: Send + Sync + Clone + 'static>(
    url: String,
    options: UseWebSocketOptions<T>,
    show: fn(T) -> String,
) -> Mounted<UseWebSocket<T>> {
    let root = container();
    let slot = Rc::new(Cell::new(None));
    let unmount = {
        let slot = Rc::clone(&slot);
        mount_to(root.clone(), move || {
            let ws = use_websocket_with(&url, options);
            slot.set(Some(ws));
            view! {
                <p class="state">{move || ws.state.get().to_string()}</p>
                <p class="message">{move || ws.message.get().map(show)}</p>
            }
        })
    };
    // Leptos renders at once; dropping its handle unmounts.
    Mounted::new(root, slot.get().expect("the component ran"), move || {
        drop(unmount)
    })
}

async fn mount(url: String, options: UseWebSocketOptions) -> Mounted<UseWebSocket> {
    mount_showing(url, options, |m| m.as_text().unwrap_or_default().to_owned())
}

async fn mount_typed(
    url: String,
    options: UseWebSocketOptions<hooks::Line>,
) -> Mounted<UseWebSocket<hooks::Line>> {
    mount_showing(url, options, |line| format!("{} {}", line.user, line.likes))
}

hook_cases!();
