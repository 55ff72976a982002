//! The Yew hook in headless Chromium, against the suite's test server: the hook crates'
//! shared cases (`tests/support/hooks.rs`) on a Yew component mounted in the page.

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

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use hooks::{Mounted, container};
use omnisocket_yew::{UseWebSocket, UseWebSocketOptions, use_websocket_with};
use yew::prelude::*;

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

type Slot<T> = Rc<RefCell<Option<T>>>;

#[derive(Properties)]
struct ChatProps<T: 'static> {
    url: String,
    /// Read by the hook on the first render.
    options: UseWebSocketOptions<T>,
    /// Where the component leaves its handle, for the test.
    handle: Slot<UseWebSocket<T>>,
    /// How the last message is shown.
    show: fn(&T) -> String,
}

impl<T> PartialEq for ChatProps<T> {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.handle, &other.handle)
    }
}

/// The component under test: the hook's state and last message, as an app shows them.
#[component]
fn Chat<T: 'static>(props: &ChatProps<T>) -> Html {
    let ws = use_websocket_with(&props.url, props.options.clone());
    *props.handle.borrow_mut() = Some(ws.clone());
    html! {
        <>
            <p class="state">{ ws.state().to_string() }</p>
            <p class="message">{ ws.message().map(props.show).unwrap_or_default() }</p>
        </>
    }
}

/// Mounts the chat into a new container, once Yew has rendered it (on its scheduler).
async fn mount_showing<T: 'static>(
    url: String,
    options: UseWebSocketOptions<T>,
    show: fn(&T) -> String,
) -> Mounted<UseWebSocket<T>> {
    let root = container();
    let handle: Slot<UseWebSocket<T>> = Rc::default();
    let props = ChatProps {
        url,
        options,
        handle: Rc::clone(&handle),
        show,
    };
    let app = yew::Renderer::<Chat<T>>::with_root_and_props(root.clone().into(), props).render();
    for _ in 0..1000 {
        let rendered = handle.borrow_mut().take();
        if let Some(ws) = rendered {
            // An app handle does not unmount when dropped: `destroy` does.
            return Mounted::new(root, ws, move || app.destroy());
        }
        support::sleep(Duration::from_millis(1)).await;
    }
    panic!("the component did not render");
}

async fn mount(url: String, options: UseWebSocketOptions) -> Mounted<UseWebSocket> {
    mount_showing(url, options, |m| m.as_text().unwrap_or_default().to_owned()).await
}

async fn mount_typed(
    url: String,
    options: UseWebSocketOptions<hooks::Line>,
) -> Mounted<UseWebSocket<hooks::Line>> {
    mount_showing(url, options, |line| format!("{} {}", line.user, line.likes)).await
}

hook_cases!();
