//! What the hook crates' browser tests share: a container element per test, reading the
//! page's text, and waiting for the page or for every client to be gone.

#![allow(
    dead_code,
    unreachable_pub,
    reason = "each test binary uses a different part"
)]

use std::time::Duration;

use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

use crate::support::{GENEROUS, sleep};

/// A fresh `<div>` in the page's body, for one component.
pub fn container() -> HtmlElement {
    let document = web_sys::window()
        .and_then(|window| window.document())
        .expect("a page with a document");
    let div = document.create_element("div").expect("a div");
    document
        .body()
        .expect("a body")
        .append_child(&div)
        .expect("the div in the body");
    div.dyn_into().expect("an HtmlElement")
}

/// The text of the first element under `root` that `selector` matches ("" if none).
pub fn text_of(root: &HtmlElement, selector: &str) -> String {
    root.query_selector(selector)
        .ok()
        .flatten()
        .and_then(|element| element.text_content())
        .unwrap_or_default()
}

/// Waits until the text of `selector` under `root` satisfies `done`; panics naming `what`
/// and showing the text after a generous bound. Returns the text.
pub async fn wait_for_text(
    root: &HtmlElement,
    selector: &str,
    what: &str,
    done: impl Fn(&str) -> bool,
) -> String {
    let deadline = GENEROUS.as_millis() / 5;
    for _ in 0..deadline {
        let text = text_of(root, selector);
        if done(&text) {
            return text;
        }
        sleep(Duration::from_millis(5)).await;
    }
    panic!(
        "{what}: `{selector}` still shows {:?}",
        text_of(root, selector)
    );
}

/// Waits until no socket has handlers, no connection state and no hook client is left;
/// panics with what is left after a generous bound.
pub async fn wait_until_nothing_alive() {
    let alive = || {
        (
            wsclient::web::live_sockets(),
            wsclient::web::live_connections(),
            wsclient::ui::live_clients(),
        )
    };
    for _ in 0..GENEROUS.as_millis() / 10 {
        if alive() == (0, 0, 0) {
            return;
        }
        sleep(Duration::from_millis(10)).await;
    }
    let (sockets, connections, clients) = alive();
    panic!(
        "still alive after {GENEROUS:?}: {sockets} sockets with handlers, {connections} \
         connection states, {clients} hook clients"
    );
}
