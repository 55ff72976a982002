//! The Yew hook in headless Chromium, against the suite's test server: components mount
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

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use hooks::{container, text_of, wait_for_text, wait_until_nothing_alive};
use support::{GENEROUS, Peer, Until, sleep, unique_id};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::HtmlElement;
use wsclient::reconnect::Jitter;
use wsclient_yew::{
    Message, Reconnect, UseWebSocketHandle, UseWebSocketOptions, use_websocket_with,
};
use yew::AppHandle;
use yew::prelude::*;

wasm_bindgen_test_configure!(run_in_browser);

type Slot<T> = Rc<RefCell<Option<T>>>;

#[derive(Properties)]
struct ChatProps {
    url: String,
    /// Taken by the first render.
    options: Slot<UseWebSocketOptions>,
    /// Where the component leaves its handle, for the test to send and shut down.
    handle: Slot<UseWebSocketHandle>,
}

impl PartialEq for ChatProps {
    fn eq(&self, other: &Self) -> bool {
        self.url == other.url && Rc::ptr_eq(&self.handle, &other.handle)
    }
}

/// The component under test: the hook's state and last message, as an app shows them.
#[component]
fn Chat(props: &ChatProps) -> Html {
    let options = props.options.borrow_mut().take().unwrap_or_default();
    let ws = use_websocket_with(&props.url, options);
    *props.handle.borrow_mut() = Some(ws.clone());
    html! {
        <>
            <p class="state">{ ws.state().to_string() }</p>
            <p class="message">{ ws.message().and_then(Message::as_text).unwrap_or_default().to_owned() }</p>
        </>
    }
}

/// Mounts the chat on `url` (with `options`) into a new container; returns the container,
/// the handle the component got, and the app (`destroy` unmounts it).
async fn mount(
    url: String,
    options: UseWebSocketOptions,
) -> (HtmlElement, UseWebSocketHandle, AppHandle<Chat>) {
    let root = container();
    let handle: Slot<UseWebSocketHandle> = Rc::default();
    let props = ChatProps {
        url,
        options: Rc::new(RefCell::new(Some(options))),
        handle: Rc::clone(&handle),
    };
    let app = yew::Renderer::<Chat>::with_root_and_props(root.clone().into(), props).render();
    // Yew renders on its scheduler, after `render` returns.
    for _ in 0..1000 {
        if let Some(ws) = handle.borrow_mut().take() {
            return (root, ws, app);
        }
        sleep(Duration::from_millis(1)).await;
    }
    panic!("the component did not render");
}

#[wasm_bindgen_test]
async fn a_message_sent_comes_back_into_the_page() {
    let peer = Peer::start().await;
    let url = peer.url(&format!("/echo?id={}", unique_id("yew-echo")));
    let (root, ws, app) = mount(url, UseWebSocketOptions::default()).await;
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
    app.destroy();
}

#[wasm_bindgen_test]
async fn a_dropped_connection_shows_retrying_then_open_again() {
    let peer = Peer::start().await;
    let id = unique_id("yew-drop");
    let url = peer.url(&format!("/flaky?id={id}&drops=1&after_messages=1"));
    let delay = Duration::from_millis(400);
    let policy = Reconnect::default()
        .backoff(delay, delay)
        .jitter(Jitter::Decorrelated);
    let (root, ws, app) = mount(url, UseWebSocketOptions::default().reconnect(policy)).await;
    wait_for_text(&root, ".state", "the first connection", |s| s == "open").await;
    ws.send(Message::text("drop me")).unwrap();
    let retrying = wait_for_text(&root, ".state", "retrying", |s| s.starts_with("retrying")).await;
    assert_eq!(retrying, "retrying in 0.4 s (attempt 2)");
    wait_for_text(&root, ".state", "open again", |s| s == "open").await;
    assert_eq!(peer.flaky(&id).await.accepted, 2);
    ws.send(Message::text("after")).unwrap();
    wait_for_text(&root, ".message", "the echo", |s| s == "after").await;
    // An app handle does not unmount when dropped.
    app.destroy();
}

#[wasm_bindgen_test]
async fn unmounting_closes_with_1000_and_the_server_answers() {
    let peer = Peer::start().await;
    let id = unique_id("yew-unmount");
    let (root, ws, app) = mount(
        peer.url(&format!("/echo?id={id}")),
        UseWebSocketOptions::default(),
    )
    .await;
    wait_for_text(&root, ".state", "the connection opens", |s| s == "open").await;
    drop(ws);
    app.destroy();
    // Yew unmounts on its scheduler too.
    wait_for_text(&root, ".state", "the component is gone", str::is_empty).await;
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
        .map(|n| unique_id(&format!("yew-churn-{n}")))
        .collect();
    for (n, id) in ids.iter().enumerate() {
        let (root, ws, app) = mount(
            peer.url(&format!("/echo?id={id}")),
            UseWebSocketOptions::default(),
        )
        .await;
        // Half unmount once open, half at once (while connecting).
        if n % 2 == 0 {
            wait_for_text(&root, ".state", "the connection opens", |s| s == "open").await;
        }
        drop(ws);
        app.destroy();
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

#[derive(Properties)]
struct TypedProps {
    url: String,
    options: Slot<UseWebSocketOptions<Line>>,
    handle: Slot<UseWebSocketHandle<Line>>,
}

impl PartialEq for TypedProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.handle, &other.handle)
    }
}

#[component]
fn TypedChat(props: &TypedProps) -> Html {
    let options = props
        .options
        .borrow_mut()
        .take()
        .unwrap_or_else(UseWebSocketOptions::json::<Line>);
    let ws = use_websocket_with(&props.url, options);
    *props.handle.borrow_mut() = Some(ws.clone());
    html! {
        <>
            <p class="state">{ ws.state().to_string() }</p>
            <p class="message">{ ws.message().map(|l| format!("{} {}", l.user, l.likes)).unwrap_or_default() }</p>
        </>
    }
}

#[wasm_bindgen_test]
async fn typed_messages_are_read_as_json_and_a_bad_one_names_its_field() {
    let peer = Peer::start().await;
    let url = peer.url(&format!("/echo?id={}", unique_id("yew-json")));
    let errors = Rc::new(RefCell::new(Vec::new()));
    let options = UseWebSocketOptions::json::<Line>().on_decode_error({
        let errors = Rc::clone(&errors);
        move |error, message| {
            errors
                .borrow_mut()
                .push((error.to_string(), message.clone()))
        }
    });
    let root = container();
    let handle: Slot<UseWebSocketHandle<Line>> = Rc::default();
    let props = TypedProps {
        url,
        options: Rc::new(RefCell::new(Some(options))),
        handle: Rc::clone(&handle),
    };
    let app = yew::Renderer::<TypedChat>::with_root_and_props(root.clone().into(), props).render();
    wait_for_text(&root, ".state", "the connection opens", |s| s == "open").await;
    let ws = handle.borrow().clone().unwrap();
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
    app.destroy();
}

#[wasm_bindgen_test]
async fn manual_mode_waits_for_open_and_open_starts_again_after_a_shutdown() {
    let peer = Peer::start().await;
    let id = unique_id("yew-manual");
    let url = peer.url(&format!("/flaky?id={id}"));
    let (root, ws, app) = mount(url, UseWebSocketOptions::default().manual()).await;
    wait_for_text(&root, ".state", "the first render", |s| !s.is_empty()).await;
    sleep(Duration::from_millis(300)).await;
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
    app.destroy();
    let report = peer
        .wait(&format!("{id}.2"), Until::TcpClosed, GENEROUS)
        .await;
    assert_eq!(
        report.client_close,
        Some((Some(1000), String::new())),
        "{report:?}"
    );
    ws.open(); // after unmount: nothing
    sleep(Duration::from_millis(200)).await;
    assert_eq!(peer.flaky(&id).await.upgrades, 2);
    root.remove();
}
