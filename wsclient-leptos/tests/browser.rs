//! The Leptos hook in headless Chromium, against the suite's test server: components mount
//! and unmount in the page, the test reads the DOM and the server's reports.

#![cfg(web)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]

#[path = "../../tests/support/mod.rs"]
mod support;

#[path = "../../tests/support/hooks.rs"]
mod hooks;

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use hooks::{container, text_of, wait_for_text, wait_until_nothing_alive};
use leptos::mount::mount_to;
use leptos::prelude::*;
use support::{GENEROUS, Peer, Until, unique_id};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::HtmlElement;
use wsclient::reconnect::Jitter;
use wsclient_leptos::{
    Message, Reconnect, UseWebSocket, UseWebSocketOptions, use_websocket, use_websocket_with,
};

wasm_bindgen_test_configure!(run_in_browser);

/// The component under test: the hook's state and last message, as an app shows them.
fn chat(ws: UseWebSocket) -> impl IntoView {
    view! {
        <p class="state">{move || ws.state.get().to_string()}</p>
        <p class="message">
            {move || ws.message.get().and_then(|m| m.as_text().map(str::to_owned))}
        </p>
    }
}

/// Mounts the chat on `url` (with `options`) into a new container; returns the container,
/// the handle the component got, and what unmounts it when dropped.
fn mount(url: String, options: UseWebSocketOptions) -> (HtmlElement, UseWebSocket, impl Drop) {
    let root = container();
    let slot = Rc::new(Cell::new(None));
    let handle = {
        let slot = Rc::clone(&slot);
        mount_to(root.clone(), move || {
            let ws = use_websocket_with(&url, options);
            slot.set(Some(ws));
            chat(ws)
        })
    };
    (root, slot.get().expect("the component ran"), handle)
}

#[wasm_bindgen_test]
async fn a_message_sent_comes_back_into_the_page() {
    let peer = Peer::start().await;
    let root = container();
    let url = peer.url(&format!("/echo?id={}", unique_id("leptos-echo")));
    let ws = Rc::new(Cell::new(None));
    let _mounted = {
        let ws = Rc::clone(&ws);
        mount_to(root.clone(), move || {
            let handle = use_websocket(&url);
            ws.set(Some(handle));
            chat(handle)
        })
    };
    let ws = ws.get().unwrap();
    wait_for_text(&root, ".state", "the connection opens", |s| s == "open").await;
    ws.send(Message::text("hello")).unwrap();
    wait_for_text(&root, ".message", "the echo", |s| s == "hello").await;
    assert!(ws.shutdown(GENEROUS).await.is_clean());
    let state = wait_for_text(&root, ".state", "closed", |s| s.starts_with("closed:")).await;
    assert!(
        state.starts_with("closed: closed cleanly by the peer with 1000"),
        "{state}"
    );
    assert!(matches!(
        ws.send(Message::text("late")),
        Err(wsclient::Error::Closed)
    ));
}

#[wasm_bindgen_test]
async fn a_dropped_connection_shows_retrying_then_open_again() {
    let peer = Peer::start().await;
    let id = unique_id("leptos-drop");
    let url = peer.url(&format!("/flaky?id={id}&drops=1&after_messages=1"));
    let delay = Duration::from_millis(400);
    let policy = Reconnect::default()
        .backoff(delay, delay)
        .jitter(Jitter::Decorrelated);
    let (root, ws, _mounted) = mount(url, UseWebSocketOptions::default().reconnect(policy));
    wait_for_text(&root, ".state", "the first connection", |s| s == "open").await;
    ws.send(Message::text("drop me")).unwrap();
    let retrying = wait_for_text(&root, ".state", "retrying", |s| s.starts_with("retrying")).await;
    assert_eq!(retrying, "retrying in 0.4 s (attempt 2)");
    wait_for_text(&root, ".state", "open again", |s| s == "open").await;
    assert_eq!(peer.flaky(&id).await.accepted, 2);
    ws.send(Message::text("after")).unwrap();
    wait_for_text(&root, ".message", "the echo", |s| s == "after").await;
}

#[wasm_bindgen_test]
async fn unmounting_closes_with_1000_and_the_server_answers() {
    let peer = Peer::start().await;
    let id = unique_id("leptos-unmount");
    let (root, _ws, mounted) = mount(
        peer.url(&format!("/echo?id={id}")),
        UseWebSocketOptions::default(),
    );
    wait_for_text(&root, ".state", "the connection opens", |s| s == "open").await;
    drop(mounted);
    assert_eq!(text_of(&root, ".state"), "", "the component is gone");
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
    root.remove();
}

#[wasm_bindgen_test]
async fn two_hundred_mounts_and_unmounts_leave_nothing_alive() {
    let peer = Peer::start().await;
    let ids: Vec<String> = (0..200)
        .map(|n| unique_id(&format!("leptos-churn-{n}")))
        .collect();
    for (n, id) in ids.iter().enumerate() {
        let (root, _ws, mounted) = mount(
            peer.url(&format!("/echo?id={id}")),
            UseWebSocketOptions::default(),
        );
        // Half unmount once open, half at once (before the effect, or while connecting).
        if n % 2 == 0 {
            wait_for_text(&root, ".state", "the connection opens", |s| s == "open").await;
        }
        drop(mounted);
        root.remove();
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

#[derive(serde::Serialize, serde::Deserialize, Clone, Debug, PartialEq)]
struct Line {
    user: String,
    likes: u32,
}

#[wasm_bindgen_test]
async fn typed_messages_are_read_as_json_and_a_bad_one_names_its_field() {
    let peer = Peer::start().await;
    let url = peer.url(&format!("/echo?id={}", unique_id("leptos-json")));
    let errors = Rc::new(std::cell::RefCell::new(Vec::new()));
    let options = UseWebSocketOptions::json::<Line>().on_decode_error({
        let errors = Rc::clone(&errors);
        move |error, message| {
            errors
                .borrow_mut()
                .push((error.to_string(), message.clone()))
        }
    });
    let root = container();
    let slot = Rc::new(Cell::new(None));
    let _mounted = {
        let slot = Rc::clone(&slot);
        mount_to(root.clone(), move || {
            let ws = use_websocket_with(&url, options);
            slot.set(Some(ws));
            view! {
                <p class="state">{move || ws.state.get().to_string()}</p>
                <p class="message">{move || ws.message.get().map(|l: Line| format!("{} {}", l.user, l.likes))}</p>
            }
        })
    };
    let ws = slot.get().unwrap();
    wait_for_text(&root, ".state", "the connection opens", |s| s == "open").await;
    let line = Line {
        user: "ada".into(),
        likes: 3,
    };
    ws.send(Message::json(&line).unwrap()).unwrap();
    wait_for_text(&root, ".message", "the typed echo", |s| s == "ada 3").await;
    ws.send(Message::text(r#"{"user":"bob","likes":"many"}"#))
        .unwrap();
    ws.send(
        Message::json(&Line {
            user: "cy".into(),
            likes: 4,
        })
        .unwrap(),
    )
    .unwrap();
    wait_for_text(&root, ".message", "the next typed echo", |s| s == "cy 4").await;
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

#[wasm_bindgen_test]
async fn manual_mode_waits_for_open_and_open_starts_again_after_a_shutdown() {
    let peer = Peer::start().await;
    let id = unique_id("leptos-manual");
    let url = peer.url(&format!("/flaky?id={id}"));
    let (root, ws, mounted) = mount(url, UseWebSocketOptions::default().manual());
    wait_for_text(&root, ".state", "the first render", |s| !s.is_empty()).await;
    support::sleep(Duration::from_millis(300)).await;
    assert_eq!(text_of(&root, ".state"), "not connected");
    assert_eq!(
        peer.flaky(&id).await.upgrades,
        0,
        "nothing connects before open"
    );
    assert!(matches!(
        ws.send(Message::text("early")),
        Err(wsclient::Error::Closed)
    ));

    ws.open();
    wait_for_text(&root, ".state", "open", |s| s == "open").await;
    ws.open(); // while one runs: nothing
    assert!(ws.shutdown(GENEROUS).await.is_clean());
    wait_for_text(&root, ".state", "closed", |s| s.starts_with("closed:")).await;
    ws.open();
    wait_for_text(&root, ".state", "open again", |s| s == "open").await;
    assert_eq!(peer.flaky(&id).await.upgrades, 2);
    drop(mounted);
    let report = peer
        .wait(&format!("{id}.2"), Until::TcpClosed, GENEROUS)
        .await;
    assert_eq!(
        report.client_close,
        Some((Some(1000), String::new())),
        "{report:?}"
    );
    ws.open(); // after unmount: nothing
    support::sleep(Duration::from_millis(200)).await;
    assert_eq!(peer.flaky(&id).await.upgrades, 2);
    root.remove();
}
