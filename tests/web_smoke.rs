//! THROWAWAY smoke test of the browser backend, written while the shared behavioural suite
//! did not exist yet. Delete it once the suite covers the browser.
//!
//! ```text
//! cargo run -p wsclient-testserver -- --port-file /tmp/wsport &
//! WSCLIENT_TEST_SERVER_PORT=$(cat /tmp/wsport) \
//! CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
//! CHROMEDRIVER=/usr/bin/chromedriver \
//! cargo test --target wasm32-unknown-unknown --test web_smoke
//! ```

#![cfg(all(target_arch = "wasm32", target_os = "unknown"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use gloo_timers::future::TimeoutFuture;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use wsclient::{Client, CloseCode, CloseFrame, Config, Error, Message, Shutdown};

wasm_bindgen_test_configure!(run_in_browser);

fn port() -> &'static str {
    match option_env!("WSCLIENT_TEST_SERVER_PORT") {
        Some(port) => port,
        None => panic!("build with WSCLIENT_TEST_SERVER_PORT set to the test server's port"),
    }
}

fn url(path: &str) -> String {
    format!("ws://127.0.0.1:{}{path}", port())
}

fn now() -> f64 {
    js_sys::Date::now()
}

fn unique(name: &str) -> String {
    format!("{name}-{}", (js_sys::Math::random() * 1e9) as u64)
}

/// GET http://127.0.0.1:PORT/report?... as a JS object.
async fn report(query: &str) -> JsValue {
    let fetch = js_sys::Reflect::get(&js_sys::global(), &"fetch".into()).unwrap();
    let fetch: js_sys::Function = fetch.unchecked_into();
    let address = format!("http://127.0.0.1:{}/report?{query}", port());
    let promise = fetch.call1(&JsValue::NULL, &address.into()).unwrap();
    let response = JsFuture::from(js_sys::Promise::from(promise))
        .await
        .unwrap();
    let text = js_sys::Reflect::get(&response, &"text".into()).unwrap();
    let text: js_sys::Function = text.unchecked_into();
    let body = text.call0(&response).unwrap();
    let body = JsFuture::from(js_sys::Promise::from(body)).await.unwrap();
    js_sys::JSON::parse(&body.as_string().unwrap()).unwrap()
}

fn field(value: &JsValue, path: &[&str]) -> JsValue {
    path.iter().fold(value.clone(), |value, key| {
        js_sys::Reflect::get(&value, &(*key).into()).unwrap_or(JsValue::UNDEFINED)
    })
}

async fn connect(path: &str, config: Config) -> Client {
    Client::connect(&url(path), config).await.expect("connect")
}

#[wasm_bindgen_test]
async fn echo_text_and_binary_then_clean_shutdown() {
    let mut client = connect("/echo", Config::default()).await;
    assert_eq!(client.protocol(), None);
    client.send(Message::text("hello")).await.unwrap();
    client.send(Message::binary(vec![1u8, 2, 3])).await.unwrap();
    let text = client.recv().await.unwrap().unwrap();
    assert_eq!(text.as_text(), Some("hello"));
    let binary = client.recv().await.unwrap().unwrap();
    assert!(binary.is_binary());
    assert_eq!(binary.as_bytes(), &[1, 2, 3]);
    let outcome = client.shutdown(Duration::from_secs(3)).await;
    assert_eq!(outcome, Shutdown::Clean(CloseFrame::normal()));
    assert!(client.recv().await.is_none());
    assert!(matches!(
        client.send(Message::text("late")).await,
        Err(Error::Closed)
    ));
}

#[wasm_bindgen_test]
async fn close_with_code_and_reason_is_echoed() {
    let id = unique("close-code");
    let client = connect(&format!("/echo?id={id}"), Config::default()).await;
    let frame = CloseFrame::new(CloseCode::try_from(4321).unwrap(), "done here");
    let outcome = client
        .close(frame.clone(), Duration::from_secs(3))
        .await
        .unwrap();
    assert_eq!(outcome, Shutdown::Clean(frame));
    let report = report(&format!("id={id}&wait=tcp_closed&timeout_ms=3000")).await;
    let close = field(&report, &["client_close"]);
    assert_eq!(
        js_sys::JSON::stringify(&close)
            .unwrap()
            .as_string()
            .unwrap(),
        "[4321,\"done here\"]"
    );
}

#[wasm_bindgen_test]
async fn subprotocol_is_reported() {
    let client = connect(
        "/echo?protocol=chat.v2",
        Config::default().protocol("chat.v1").protocol("chat.v2"),
    )
    .await;
    assert_eq!(client.protocol(), Some("chat.v2"));
}

#[wasm_bindgen_test]
async fn never_close_times_out_within_the_timeout() {
    let mut client = connect("/never-close", Config::default()).await;
    let started = now();
    let outcome = client.shutdown(Duration::from_millis(500)).await;
    let took = now() - started;
    assert_eq!(outcome, Shutdown::TimedOut);
    assert!((480.0..1500.0).contains(&took), "took {took} ms");
    assert!(client.recv().await.is_none());
    assert!(matches!(
        client.send(Message::text("x")).await,
        Err(Error::Closed)
    ));
    // A later shutdown returns the same outcome at once.
    assert_eq!(
        client.shutdown(Duration::from_secs(5)).await,
        Shutdown::TimedOut
    );
}

#[wasm_bindgen_test]
async fn concurrent_shutdowns_share_one_handshake_and_the_earliest_deadline() {
    let client = connect("/never-close", Config::default()).await;
    let sender = client.sender();
    let started = now();
    let (a, b) = futures_util::join!(
        client.shutdown(Duration::from_secs(10)),
        sender.shutdown(Duration::from_millis(300)),
    );
    let took = now() - started;
    assert_eq!(a, Shutdown::TimedOut);
    assert_eq!(b, Shutdown::TimedOut);
    assert!(took < 2000.0, "took {took} ms");
}

#[wasm_bindgen_test]
async fn peer_closes_first_with_4001_bye() {
    let mut client = connect(
        "/close-first?code=4001&reason=bye&after_ms=100",
        Config::default(),
    )
    .await;
    assert!(client.recv().await.is_none());
    let started = now();
    let outcome = client.shutdown(Duration::from_secs(5)).await;
    assert!(now() - started < 100.0);
    assert_eq!(
        outcome,
        Shutdown::Clean(CloseFrame::new(CloseCode::try_from(4001).unwrap(), "bye"))
    );
}

#[wasm_bindgen_test]
async fn peer_close_without_status_is_1005() {
    let mut client = connect("/close-first?after_ms=50", Config::default()).await;
    assert!(client.recv().await.is_none());
    let outcome = client.shutdown(Duration::from_secs(5)).await;
    assert_eq!(outcome, Shutdown::Clean(CloseFrame::no_status()));
}

#[wasm_bindgen_test]
async fn invalid_close_codes_and_reasons_are_refused_before_the_browser() {
    let id = unique("invalid-codes");
    let mut client = connect(&format!("/echo?id={id}"), Config::default()).await;
    for code in [1001u16, 2000, 1005, 1011, 2999] {
        let frame = CloseFrame::new(CloseCode::try_from(code).unwrap(), "");
        match client.close(frame, Duration::from_secs(1)).await {
            Err(Error::InvalidCloseCode { code: got, .. }) => assert_eq!(got, code),
            other => panic!("{code}: {other:?}"),
        }
    }
    assert!(matches!(
        CloseCode::try_from(999),
        Err(Error::InvalidCloseCode { code: 999, .. })
    ));
    let long = CloseFrame::new(CloseCode::NORMAL, "x".repeat(124));
    assert!(matches!(
        client.close(long, Duration::from_secs(1)).await,
        Err(Error::CloseReasonTooLong { len: 124 })
    ));
    // Nothing was sent: the connection still works.
    client.send(Message::text("still open")).await.unwrap();
    assert_eq!(
        client.recv().await.unwrap().unwrap().as_text(),
        Some("still open")
    );
    let ok = CloseFrame::new(CloseCode::NORMAL, "y".repeat(123));
    assert!(
        client
            .close(ok, Duration::from_secs(3))
            .await
            .unwrap()
            .is_clean()
    );
    let report = report(&format!("id={id}&wait=tcp_closed&timeout_ms=3000")).await;
    assert_eq!(
        field(&report, &["close_frames_received"]).as_f64(),
        Some(1.0)
    );
}

#[wasm_bindgen_test]
async fn refused_upgrade_is_a_connect_error() {
    match Client::connect(&url("/refuse?status=403"), Config::default()).await {
        Err(Error::Connect { problem, .. }) => {
            assert!(problem.contains("browsers do not say which"))
        }
        other => panic!("{other:?}"),
    }
}

#[wasm_bindgen_test]
async fn unreachable_port_is_a_connect_error() {
    // Port 9 (discard) is closed on the test machine.
    assert!(matches!(
        Client::connect("ws://127.0.0.1:9/", Config::default()).await,
        Err(Error::Connect { .. })
    ));
}

#[wasm_bindgen_test]
async fn unsupported_settings_are_refused() {
    let headers = Config::default().header("Authorization", "Bearer x");
    assert!(matches!(
        Client::connect(&url("/echo"), headers).await,
        Err(Error::Unsupported(_))
    ));
    let roots = Config::default().root_certificate_pem(b"-----".to_vec());
    assert!(matches!(
        Client::connect(&url("/echo"), roots).await,
        Err(Error::Unsupported(_))
    ));
    let pings = Config::default().keepalive(Duration::from_secs(1), Duration::from_secs(1));
    match Client::connect(&url("/echo"), pings).await {
        Err(Error::Unsupported(why)) => assert!(why.contains("Config::heartbeat")),
        other => panic!("{other:?}"),
    }
}

#[wasm_bindgen_test]
async fn invalid_urls_and_protocols() {
    assert!(matches!(
        Client::connect("http://127.0.0.1/", Config::default()).await,
        Err(Error::InvalidUrl { .. })
    ));
    assert!(matches!(
        Client::connect("ws://exa mple/", Config::default()).await,
        Err(Error::InvalidUrl { .. })
    ));
    let bad = Config::default().protocol("a b");
    assert!(matches!(
        Client::connect(&url("/echo"), bad).await,
        Err(Error::InvalidHeader { .. })
    ));
}

#[wasm_bindgen_test]
async fn dropped_connection_is_connection_lost_then_none() {
    let mut client = connect("/drop?after_ms=100", Config::default()).await;
    assert!(matches!(
        client.recv().await,
        Some(Err(Error::ConnectionLost(_)))
    ));
    assert!(client.recv().await.is_none());
    assert!(matches!(
        client.shutdown(Duration::from_secs(1)).await,
        Shutdown::Abnormal(_)
    ));
}

#[wasm_bindgen_test]
async fn close_now_is_abnormal() {
    let mut client = connect("/never-close", Config::default()).await;
    client.close_now();
    assert!(client.recv().await.is_none());
    match client.shutdown(Duration::from_secs(1)).await {
        Shutdown::Abnormal(why) => assert!(why.contains("close_now")),
        other => panic!("{other:?}"),
    }
}

#[wasm_bindgen_test]
async fn unanswered_heartbeat_is_a_pong_timeout() {
    let config = Config::default()
        .keepalive(Duration::from_millis(200), Duration::from_millis(300))
        .heartbeat("ping");
    let mut client = connect("/half-open", config).await;
    let started = now();
    assert!(matches!(
        client.recv().await,
        Some(Err(Error::PongTimeout(_)))
    ));
    let took = now() - started;
    assert!((450.0..2000.0).contains(&took), "took {took} ms");
    assert!(client.recv().await.is_none());
    assert!(matches!(
        client.shutdown(Duration::from_secs(1)).await,
        Shutdown::Abnormal(_)
    ));
}

#[wasm_bindgen_test]
async fn answered_heartbeat_keeps_the_connection() {
    let config = Config::default()
        .keepalive(Duration::from_millis(100), Duration::from_millis(300))
        .heartbeat("ping");
    let mut client = connect("/echo", config).await;
    let mut echoes = 0;
    while echoes < 5 {
        assert_eq!(
            client.recv().await.unwrap().unwrap().as_text(),
            Some("ping")
        );
        echoes += 1;
    }
    assert!(client.shutdown(Duration::from_secs(2)).await.is_clean());
}

#[wasm_bindgen_test]
async fn idle_connection_times_out() {
    let mut client = connect(
        "/sink",
        Config::default().idle_timeout(Duration::from_millis(300)),
    )
    .await;
    let started = now();
    assert!(matches!(
        client.recv().await,
        Some(Err(Error::IdleTimeout(_)))
    ));
    let took = now() - started;
    assert!((280.0..2000.0).contains(&took), "took {took} ms");
    assert!(client.recv().await.is_none());
}

#[wasm_bindgen_test]
async fn too_large_message_ends_the_connection() {
    let mut client = connect(
        "/push?count=1&size=2000",
        Config::default().max_message_size(1000),
    )
    .await;
    assert!(matches!(
        client.recv().await,
        Some(Err(Error::MessageTooLarge {
            size: 2000,
            max: 1000
        }))
    ));
    assert!(client.recv().await.is_none());
    let mut client = connect(
        "/push?count=1&size=2000&binary=1",
        Config::default().max_message_size(1000),
    )
    .await;
    assert!(matches!(
        client.recv().await,
        Some(Err(Error::MessageTooLarge { .. }))
    ));
}

#[wasm_bindgen_test]
async fn pushed_messages_arrive_in_order() {
    let mut client = connect("/push?count=50&size=100", Config::default()).await;
    for i in 1..=50 {
        let message = client.recv().await.unwrap().unwrap();
        assert!(
            message
                .as_text()
                .unwrap()
                .starts_with(&format!("push {i} "))
        );
        assert_eq!(message.len(), 100);
    }
    assert!(client.shutdown(Duration::from_secs(2)).await.is_clean());
}

#[wasm_bindgen_test]
async fn concurrent_senders_keep_their_order_under_backpressure() {
    let id = unique("order");
    let client = connect(
        &format!("/sink?id={id}"),
        Config::default().buffered_amount_high_water(1000),
    )
    .await;
    let payload = "p".repeat(2000);
    let tasks = (0..4).map(|task| {
        let sender = client.sender();
        let payload = payload.clone();
        async move {
            for seq in 0..25 {
                sender
                    .send(Message::text(format!("{task}:{seq}:{payload}")))
                    .await
                    .unwrap();
            }
        }
    });
    futures_util::future::join_all(tasks).await;
    let outcome = client.shutdown(Duration::from_secs(5)).await;
    assert!(outcome.is_clean(), "{outcome:?}");
    let report = report(&format!("id={id}&wait=tcp_closed&timeout_ms=3000")).await;
    assert_eq!(field(&report, &["messages_received"]).as_f64(), Some(100.0));
    assert_eq!(field(&report, &["sequence", "tasks"]).as_f64(), Some(4.0));
    assert_eq!(
        field(&report, &["sequence", "violations"]).as_f64(),
        Some(0.0)
    );
}

#[wasm_bindgen_test]
async fn sink_and_stream_work() {
    let mut client = connect("/echo", Config::default()).await;
    let mut sender = client.sender();
    sender.send(Message::text("via sink")).await.unwrap();
    assert_eq!(
        client.next().await.unwrap().unwrap().as_text(),
        Some("via sink")
    );
    SinkExt::close(&mut sender).await.unwrap();
    assert!(client.next().await.is_none());
    assert!(
        client
            .sender()
            .shutdown(Duration::from_secs(1))
            .await
            .is_clean()
    );
}

#[wasm_bindgen_test]
async fn dropping_the_client_closes_with_1000() {
    let id = unique("drop");
    let client = connect(&format!("/echo?id={id}"), Config::default()).await;
    let sender = client.sender();
    drop(client);
    assert!(matches!(
        sender.send(Message::text("x")).await,
        Err(Error::Closed)
    ));
    let report = report(&format!("id={id}&wait=tcp_closed&timeout_ms=3000")).await;
    let close = field(&report, &["client_close"]);
    assert_eq!(
        js_sys::JSON::stringify(&close)
            .unwrap()
            .as_string()
            .unwrap(),
        "[1000,\"\"]"
    );
    TimeoutFuture::new(50).await;
    assert!(sender.is_closed());
}

#[wasm_bindgen_test]
async fn messages_after_our_close_are_dropped_by_the_browser() {
    let mut client = connect("/close-after-messages?n=3", Config::default()).await;
    let outcome = client.shutdown(Duration::from_secs(3)).await;
    assert!(outcome.is_clean(), "{outcome:?}");
    // WHATWG: messages arriving after close() are discarded.
    assert!(client.recv().await.is_none());
}

#[wasm_bindgen_test]
async fn slow_close_answer_within_the_timeout_is_clean() {
    let client = connect("/close-delay?ms=300", Config::default()).await;
    let started = now();
    let outcome = client.shutdown(Duration::from_secs(3)).await;
    let took = now() - started;
    assert!(outcome.is_clean(), "{outcome:?}");
    assert!((280.0..1500.0).contains(&took), "took {took} ms");
}

#[wasm_bindgen_test]
async fn connect_timeout_against_a_silent_server() {
    // A TCP listener that accepts and never answers; started by hand for this run.
    let Some(port) = option_env!("WEB_SMOKE_SILENT_PORT") else {
        return;
    };
    let started = now();
    let config = Config::default().connect_timeout(Duration::from_millis(300));
    match Client::connect(&format!("ws://127.0.0.1:{port}/"), config).await {
        Err(Error::ConnectTimeout { timeout, .. }) => {
            assert_eq!(timeout, Duration::from_millis(300))
        }
        other => panic!("{other:?}"),
    }
    let took = now() - started;
    assert!((280.0..1500.0).contains(&took), "took {took} ms");
}
