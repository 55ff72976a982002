//! The stateful `/flaky` mode: refusals, server-ended connections and the refusal
//! window after them, driven by plain tokio-tungstenite clients. The window is wider
//! than in real use because the machine is shared.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::{Duration, Instant};

use common::{LONG, Ws, closed, connect, http_get, next};
use futures_util::SinkExt;
use omnisocket_testserver::{ConnectionReport, FlakyReport, TestServer};
use tokio::time::timeout;
use tokio_tungstenite::connect_async;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

/// The `refuse_ms` of these tests.
const WINDOW: Duration = Duration::from_millis(1000);
/// Slack added when waiting for the window to pass.
const MARGIN: Duration = Duration::from_millis(100);

/// The HTTP status with which the upgrade to `path` is refused; panics if it is accepted.
async fn refusal(server: &TestServer, path: &str) -> u16 {
    match timeout(LONG, connect_async(server.url(path)))
        .await
        .expect("connect timed out")
    {
        Err(WsError::Http(resp)) => resp.status().as_u16(),
        Err(other) => panic!("expected an HTTP refusal of {path}, got {other:?}"),
        Ok(_) => panic!("expected {path} to be refused, but it was accepted"),
    }
}

/// Sends `text` and expects it echoed.
async fn echo(ws: &mut Ws, text: &str) {
    ws.send(Message::text(text)).await.unwrap();
    assert_eq!(next(ws).await.unwrap().unwrap(), Message::text(text));
}

/// Reads until the stream ends and asserts that no Close frame came.
async fn expect_drop(mut ws: Ws) {
    while let Some(Ok(msg)) = next(&mut ws).await {
        assert!(
            !matches!(msg, Message::Close(_)),
            "expected a drop without a Close frame, got {msg:?}"
        );
    }
}

/// Closes with 1000 and reads until the server ends the stream.
async fn close_normally(mut ws: Ws) {
    ws.close(Some(CloseFrame {
        code: CloseCode::Normal,
        reason: "".into(),
    }))
    .await
    .unwrap();
    while let Some(Ok(_)) = next(&mut ws).await {}
}

fn counts(upgrades: u64, refused: u64, accepted: u64) -> Option<FlakyReport> {
    Some(FlakyReport {
        upgrades,
        refused,
        accepted,
    })
}

/// Expects the upgrade to `path` refused with 503 while the window opened at `ended` lasts;
/// a refusal that came too late says the machine was too slow, not that the server erred.
async fn refused_within_window(server: &TestServer, path: &str, ended: Instant) {
    assert_eq!(refusal(server, path).await, 503);
    assert!(
        ended.elapsed() < WINDOW,
        "the machine is too slow for this test"
    );
}

/// Waits until `WINDOW` (plus a margin) has passed since `since`.
async fn after_window(since: Instant) {
    tokio::time::sleep_until((since + WINDOW + MARGIN).into()).await;
}

/// `GET path`: status and body; every answer allows any origin.
async fn get(server: &TestServer, path: &str) -> (u16, String) {
    let response = http_get(server, path).await;
    assert!(
        response.head.contains("Access-Control-Allow-Origin: *"),
        "{}",
        response.head
    );
    (response.status, response.body)
}

#[tokio::test]
async fn refusals_drops_and_recovery() {
    let server = TestServer::start().await.unwrap();
    let url = format!(
        "/flaky?id=f&refuse_first=1&drops=2&after_messages=1&refuse_ms={}",
        WINDOW.as_millis()
    );

    // refuse_first=1.
    assert_eq!(refusal(&server, &url).await, 503);
    assert_eq!(server.flaky_report("f"), counts(1, 1, 0));

    // Accepted (f.1): echoes one message, then drops without a Close frame.
    let mut ws = connect(&server, &url).await;
    echo(&mut ws, "one").await;
    expect_drop(ws).await;
    let ended = Instant::now();
    // An immediate reconnect falls within the window.
    refused_within_window(&server, &url, ended).await;
    assert_eq!(server.flaky_report("f"), counts(3, 2, 1));

    // After the window: accepted (f.2), dropped again, which opens a new window.
    after_window(ended).await;
    let mut ws = connect(&server, &url).await;
    echo(&mut ws, "two").await;
    expect_drop(ws).await;
    let ended = Instant::now();
    refused_within_window(&server, &url, ended).await;

    // Past the first two: f.3 echoes like /echo until the client closes.
    after_window(ended).await;
    let mut ws = connect(&server, &url).await;
    echo(&mut ws, "three").await;
    echo(&mut ws, "four").await;
    close_normally(ws).await;
    // A connection the client ended opens no window: f.4 is accepted at once.
    let mut ws = connect(&server, &url).await;
    echo(&mut ws, "five").await;
    close_normally(ws).await;

    assert_eq!(server.flaky_report("f"), counts(7, 3, 4));
    assert_eq!(
        get(&server, "/flaky-report?id=f").await,
        (200, r#"{"upgrades":7,"refused":3,"accepted":4}"#.to_owned())
    );

    for (id, messages) in [
        ("f.1", &["one"][..]),
        ("f.2", &["two"]),
        ("f.3", &["three", "four"]),
        ("f.4", &["five"]),
    ] {
        let r = closed(&server, id).await;
        assert_eq!(r.mode, "flaky", "{r:#?}");
        assert!(r.handshake_done, "{r:#?}");
        assert_eq!(r.first_messages, messages, "{r:#?}");
    }
    for id in ["f.1", "f.2"] {
        let r = closed(&server, id).await;
        assert_eq!(r.close_sent, None, "{r:#?}");
        assert_eq!(r.client_close, None, "{r:#?}");
        assert!(!r.tcp_closed_by_client, "{r:#?}");
    }
    for id in ["f.3", "f.4"] {
        let r = closed(&server, id).await;
        assert_eq!(r.client_close, Some((Some(1000), String::new())), "{r:#?}");
        assert_eq!(r.close_sent, Some((Some(1000), String::new())), "{r:#?}");
    }
    // Refused upgrades keep no report, nor does the bare id.
    assert_eq!(server.report("f.5"), None);
    assert_eq!(server.report("f"), None);
    let (status, body) = get(&server, "/report?id=f.2").await;
    assert_eq!(status, 200);
    let r: ConnectionReport = serde_json::from_str(&body).unwrap();
    assert_eq!(r.first_messages, ["two"]);
}

#[tokio::test]
async fn close_code_ends_with_a_close_frame() {
    let server = TestServer::start().await.unwrap();
    let url = format!(
        "/flaky?id=c&drops=1&close_code=4000&reason=bye%20now&after_ms=50&refuse_ms={}",
        WINDOW.as_millis()
    );
    let mut ws = connect(&server, &url).await;
    let msg = next(&mut ws).await.unwrap().unwrap();
    match msg {
        Message::Close(Some(f)) => {
            assert_eq!((u16::from(f.code), f.reason.as_str()), (4000, "bye now"));
        }
        other => panic!("expected Close(4000), got {other:?}"),
    }
    // The server's Close is out but the connection has not ended yet (tungstenite has
    // not even flushed its answer): a reconnect now is refused too.
    assert_eq!(refusal(&server, &url).await, 503);
    while let Some(Ok(_)) = next(&mut ws).await {}
    drop(ws);
    let r = closed(&server, "c.1").await;
    let ended = Instant::now();
    assert_eq!(r.close_sent, Some((Some(4000), "bye now".to_owned())));
    assert_eq!(r.client_close, Some((Some(4000), "bye now".to_owned())));
    assert_eq!(r.close_frames_received, 1);
    // Ended: the window runs from there.
    refused_within_window(&server, &url, ended).await;

    after_window(ended).await;
    let mut ws = connect(&server, &url).await;
    echo(&mut ws, "again").await;
    // Well after the 50 ms trigger, c.2 still echoes.
    tokio::time::sleep(Duration::from_millis(200)).await;
    echo(&mut ws, "still").await;
    close_normally(ws).await;
    let r = closed(&server, "c.2").await;
    assert_eq!(r.first_messages, ["again", "still"]);
    assert_eq!(r.close_sent, Some((Some(1000), String::new())));
    assert_eq!(server.flaky_report("c"), counts(4, 2, 2));
}

#[tokio::test]
async fn defaults_echo_and_keep_the_subprotocol() {
    let server = TestServer::start().await.unwrap();
    // No refusals, no drops: every connection echoes, each under its own report.
    for i in 1..=2 {
        let mut req = server
            .url("/flaky?id=p&protocol=chat")
            .into_client_request()
            .unwrap();
        req.headers_mut()
            .insert("Sec-WebSocket-Protocol", "superchat, chat".parse().unwrap());
        let (mut ws, resp) = timeout(LONG, connect_async(req)).await.unwrap().unwrap();
        assert_eq!(
            resp.headers()
                .get("sec-websocket-protocol")
                .map(|v| v.to_str().unwrap()),
            Some("chat")
        );
        echo(&mut ws, &format!("hello {i}")).await;
        close_normally(ws).await;
        let r = closed(&server, &format!("p.{i}")).await;
        assert_eq!(r.first_messages, [format!("hello {i}")]);
    }
    assert_eq!(server.flaky_report("p"), counts(2, 0, 2));
}

#[tokio::test]
async fn bad_requests() {
    let server = TestServer::start().await.unwrap();
    assert_eq!(refusal(&server, "/flaky?drops=1").await, 400);
    assert_eq!(refusal(&server, "/flaky?id=&drops=1").await, 400);
    assert_eq!(refusal(&server, "/flaky?id=b&refuse_first=x").await, 400);
    assert_eq!(refusal(&server, "/flaky?id=b&refuse_ms=-1").await, 400);
    // None of these reached the decision; neither does a request without Upgrade.
    assert_eq!(get(&server, "/flaky?id=b").await.0, 426);
    assert_eq!(server.flaky_report("b"), None);
    assert_eq!(
        get(&server, "/flaky-report?id=b").await,
        (404, "null".to_owned())
    );
    assert_eq!(get(&server, "/flaky-report").await.0, 400);
}
