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

/// Waits until `count` returns 0 for each of the named counters; panics with the counts
/// left after a generous bound.
pub async fn wait_until_none_alive(counters: &[(&str, fn() -> usize)]) {
    for _ in 0..GENEROUS.as_millis() / 10 {
        if counters.iter().all(|(_, count)| count() == 0) {
            return;
        }
        sleep(Duration::from_millis(10)).await;
    }
    let left: Vec<String> = counters
        .iter()
        .map(|(name, count)| format!("{name}: {}", count()))
        .collect();
    panic!("still alive after {GENEROUS:?}: {}", left.join(", "));
}
