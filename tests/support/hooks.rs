//! The hook crates' browser suite: one list of cases ([`hook_cases!`]) that each hook
//! crate's `tests/browser.rs` runs on its framework, with the DOM helpers they share.
//!
//! A test file provides `mount(url, options)` and `mount_typed(url, options)` (the same
//! component showing a [`Line`]), each returning a [`Mounted`] whose handle has the
//! hooks' `try_send`, `shutdown` and `open`; `hook_cases!()` then declares the cases.

#![allow(
    dead_code,
    unreachable_pub,
    reason = "each test binary uses a different part"
)]

use std::time::Duration;

use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

use crate::support::{GENEROUS, sleep};

/// The typed messages of the JSON case.
#[derive(serde::Serialize, serde::Deserialize, Clone, Debug, PartialEq)]
pub struct Line {
    pub user: String,
    pub likes: u32,
}

/// A component mounted into its own container: `.state` shows the hook's state, `.message`
/// the last message (a `Line` as "user likes").
pub struct Mounted<H> {
    pub root: HtmlElement,
    pub ws: H,
    unmount: Option<Box<dyn FnOnce()>>,
}

impl<H> Mounted<H> {
    pub fn new(root: HtmlElement, ws: H, unmount: impl FnOnce() + 'static) -> Self {
        Self {
            root,
            ws,
            unmount: Some(Box::new(unmount)),
        }
    }

    /// Unmounts the component (frameworks may do it on their scheduler: waits until its
    /// text is gone) and removes the container.
    pub async fn unmount(mut self) {
        if let Some(unmount) = self.unmount.take() {
            unmount();
        }
        wait_for_text(&self.root, ".state", "the component is gone", str::is_empty).await;
        self.root.remove();
    }

    /// Waits until `.state` satisfies `done`.
    pub async fn state_until(&self, what: &str, done: impl Fn(&str) -> bool) -> String {
        wait_for_text(&self.root, ".state", what, done).await
    }

    /// Waits until `.message` reads `text`.
    pub async fn message_is(&self, text: &str) {
        wait_for_text(&self.root, ".message", "the message", |s| s == text).await;
    }

    pub fn state(&self) -> String {
        text_of(&self.root, ".state")
    }
}

impl<H> Drop for Mounted<H> {
    /// A case that fails still unmounts its component, so that the next cases' counts of
    /// what is alive stay true.
    fn drop(&mut self) {
        if let Some(unmount) = self.unmount.take() {
            unmount();
            self.root.remove();
        }
    }
}

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
    for _ in 0..GENEROUS.as_millis() / 5 {
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
            omnisocket::test_hooks::live_sockets(),
            omnisocket::test_hooks::live_connections(),
            omnisocket::test_hooks::live_clients(),
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

/// The cases, for the `mount` and `mount_typed` of the file that expands it.
macro_rules! hook_cases {
    () => {
        mod cases {
            use std::time::Duration as CaseDuration;

            use super::hooks::{Line, wait_until_nothing_alive};
            use super::support::{GENEROUS, Peer, Until, sleep, unique_id};
            use super::{mount, mount_typed};
            use omnisocket::reconnect::{Jitter, Reconnect};
            use omnisocket::ui::Options;
            use omnisocket::{Error, Message};
            use wasm_bindgen_test::wasm_bindgen_test;

            #[wasm_bindgen_test]
            async fn a_message_sent_comes_back_into_the_page() {
                let peer = Peer::start().await;
                let url = peer.url(&format!("/echo?id={}", unique_id("echo")));
                let page = mount(url, Options::default()).await;
                page.state_until("the connection opens", |s| s == "open")
                    .await;
                page.ws.try_send(Message::text("hello")).unwrap();
                page.message_is("hello").await;
                assert!(page.ws.shutdown(GENEROUS).await.is_clean());
                let state = page
                    .state_until("closed", |s| s.starts_with("closed:"))
                    .await;
                assert!(
                    state.starts_with("closed: closed cleanly by the peer with 1000"),
                    "{state}"
                );
                assert!(matches!(
                    page.ws.try_send(Message::text("late")),
                    Err(Error::Closed)
                ));
                page.unmount().await;
            }

            #[wasm_bindgen_test]
            async fn a_dropped_connection_shows_retrying_then_open_again() {
                let peer = Peer::start().await;
                let id = unique_id("drop");
                let url = peer.url(&format!("/flaky?id={id}&drops=1&after_messages=1"));
                let delay = CaseDuration::from_millis(400);
                let policy = Reconnect::default()
                    .backoff(delay, delay)
                    .jitter(Jitter::Decorrelated);
                let page = mount(url, Options::default().reconnect(policy)).await;
                page.state_until("the first connection", |s| s == "open")
                    .await;
                page.ws.try_send(Message::text("drop me")).unwrap();
                let retrying = page
                    .state_until("retrying", |s| s.starts_with("retrying"))
                    .await;
                assert_eq!(retrying, "retrying in 0.4 s (attempt 2)");
                page.state_until("open again", |s| s == "open").await;
                assert_eq!(peer.flaky(&id).await.accepted, 2);
                page.ws.try_send(Message::text("after")).unwrap();
                page.message_is("after").await;
                page.unmount().await;
            }

            #[wasm_bindgen_test]
            async fn unmounting_closes_with_1000_and_the_server_answers() {
                let peer = Peer::start().await;
                let id = unique_id("unmount");
                let page = mount(peer.url(&format!("/echo?id={id}")), Options::default()).await;
                page.state_until("the connection opens", |s| s == "open")
                    .await;
                page.unmount().await;
                let report = peer.wait(&id, Until::TcpClosed, GENEROUS).await;
                assert_eq!(
                    report.client_close,
                    Some((Some(1000), String::new())),
                    "{report:?}"
                );
                assert!(
                    report.close_sent.is_some(),
                    "the server answered the Close: {report:?}"
                );
                assert!(
                    !report.tcp_closed_by_client,
                    "the server closed TCP first, after the handshake: {report:?}"
                );
            }

            #[wasm_bindgen_test]
            async fn two_hundred_mounts_and_unmounts_leave_nothing_alive() {
                let peer = Peer::start().await;
                let ids: Vec<String> = (0..200).map(|n| unique_id(&format!("churn-{n}"))).collect();
                for (n, id) in ids.iter().enumerate() {
                    let page = mount(peer.url(&format!("/echo?id={id}")), Options::default()).await;
                    // Half unmount once open, half at once (before or while connecting).
                    if n % 2 == 0 {
                        page.state_until("the connection opens", |s| s == "open")
                            .await;
                    }
                    page.unmount().await;
                }
                wait_until_nothing_alive().await;
                // Every connection that opened was closed with a clean handshake.
                for id in ids.iter().step_by(2) {
                    let report = peer.wait(id, Until::TcpClosed, GENEROUS).await;
                    assert_eq!(
                        report.client_close,
                        Some((Some(1000), String::new())),
                        "{report:?}"
                    );
                    assert!(report.close_sent.is_some(), "{report:?}");
                }
            }

            #[wasm_bindgen_test]
            async fn typed_messages_are_read_as_json_and_a_bad_one_names_its_field() {
                let peer = Peer::start().await;
                let url = peer.url(&format!("/echo?id={}", unique_id("json")));
                let errors = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
                let options = Options::json::<Line>().on_decode_error({
                    let errors = std::rc::Rc::clone(&errors);
                    move |error, message| {
                        errors
                            .borrow_mut()
                            .push((error.to_string(), message.clone()))
                    }
                });
                let page = mount_typed(url, options).await;
                page.state_until("the connection opens", |s| s == "open")
                    .await;
                let line = Line {
                    user: "ada".into(),
                    likes: 3,
                };
                page.ws.try_send(Message::json(&line).unwrap()).unwrap();
                page.message_is("ada 3").await;
                page.ws
                    .try_send(Message::text(r#"{"user":"bob","likes":"many"}"#))
                    .unwrap();
                page.ws
                    .try_send(
                        Message::json(&Line {
                            user: "cy".into(),
                            likes: 4,
                        })
                        .unwrap(),
                    )
                    .unwrap();
                page.message_is("cy 4").await;
                {
                    let errors = errors.borrow();
                    assert_eq!(errors.len(), 1, "{errors:?}");
                    assert!(
                        errors[0]
                            .0
                            .starts_with("JSON field `likes`: invalid type: string"),
                        "{errors:?}"
                    );
                    assert_eq!(
                        errors[0].1.as_text(),
                        Some(r#"{"user":"bob","likes":"many"}"#),
                        "the message is handed over"
                    );
                }
                page.unmount().await;
            }

            #[wasm_bindgen_test]
            async fn manual_mode_waits_for_open_and_open_starts_again_after_a_shutdown() {
                let peer = Peer::start().await;
                let id = unique_id("manual");
                let page = mount(
                    peer.url(&format!("/flaky?id={id}")),
                    Options::default().manual(true),
                )
                .await;
                page.state_until("the first render", |s| !s.is_empty())
                    .await;
                sleep(CaseDuration::from_millis(300)).await;
                assert_eq!(page.state(), "not connected");
                assert_eq!(
                    peer.flaky(&id).await.upgrades,
                    0,
                    "nothing connects before open"
                );
                assert!(matches!(
                    page.ws.try_send(Message::text("early")),
                    Err(Error::Closed)
                ));

                page.ws.open();
                page.state_until("open", |s| s == "open").await;
                page.ws.open(); // while one runs: nothing
                assert!(page.ws.shutdown(GENEROUS).await.is_clean());
                page.state_until("closed", |s| s.starts_with("closed:"))
                    .await;
                page.ws.open();
                page.state_until("open again", |s| s == "open").await;
                assert_eq!(peer.flaky(&id).await.upgrades, 2);
                let ws = page.ws.clone();
                page.unmount().await;
                let report = peer
                    .wait(&format!("{id}.2"), Until::TcpClosed, GENEROUS)
                    .await;
                assert_eq!(
                    report.client_close,
                    Some((Some(1000), String::new())),
                    "{report:?}"
                );
                ws.open(); // after unmount: nothing, and no panic
                sleep(CaseDuration::from_millis(200)).await;
                assert_eq!(peer.flaky(&id).await.upgrades, 2);
            }
        }
    };
}
