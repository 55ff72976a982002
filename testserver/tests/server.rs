//! Drives the test server with a plain tokio-tungstenite client, and with raw frames
//! where tungstenite refuses to misbehave. Timings are generous: the machine is shared.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::{Duration, Instant};

use common::{LONG, Ws, closed, connect, http_get, next};
use futures_util::{SinkExt, StreamExt};
use omnisocket_testserver::{ConnectionReport, SequenceCheck, TestServer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;
use tokio_tungstenite::connect_async;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

/// Reads until the server ends the stream, then drops the client (closing TCP), so
/// the server need not wait out its 2 s linger before it reports `tcp_closed`.
async fn hang_up(mut ws: Ws) {
    while let Some(Ok(_)) = next(&mut ws).await {}
}

fn close_frame(code: u16, reason: &str) -> Option<CloseFrame> {
    Some(CloseFrame {
        code: CloseCode::from(code),
        reason: reason.into(),
    })
}

fn close_parts(msg: &Message) -> Option<(u16, String)> {
    match msg {
        Message::Close(Some(f)) => Some((u16::from(f.code), f.reason.to_string())),
        _ => None,
    }
}

#[tokio::test]
async fn echo_roundtrip_and_close() {
    let server = TestServer::start().await.unwrap();
    let mut ws = connect(&server, "/echo?id=e").await;
    assert_eq!(server.report("e").map(|r| r.handshake_done), Some(true));

    ws.send(Message::text("hello")).await.unwrap();
    assert_eq!(
        next(&mut ws).await.unwrap().unwrap(),
        Message::text("hello")
    );
    ws.send(Message::binary(vec![1u8, 2, 3])).await.unwrap();
    assert_eq!(
        next(&mut ws).await.unwrap().unwrap(),
        Message::binary(vec![1u8, 2, 3])
    );
    ws.send(Message::Ping(b"p".to_vec().into())).await.unwrap();
    assert_eq!(
        next(&mut ws).await.unwrap().unwrap(),
        Message::Pong(b"p".to_vec().into())
    );

    ws.close(close_frame(1000, "bye")).await.unwrap();
    let reply = next(&mut ws).await.unwrap().unwrap();
    assert_eq!(close_parts(&reply), Some((1000, "bye".to_owned())));
    // The server closes TCP after answering.
    assert!(matches!(next(&mut ws).await, None | Some(Err(_))));

    hang_up(ws).await;
    let r = closed(&server, "e").await;
    assert_eq!(r.mode, "echo");
    assert_eq!(r.messages_received, 2);
    assert_eq!(r.bytes_received, 8);
    assert_eq!(r.first_messages, ["hello", "<binary 3 bytes>"]);
    assert_eq!(r.client_close, Some((Some(1000), "bye".to_owned())));
    assert_eq!(r.close_sent, Some((Some(1000), "bye".to_owned())));
    assert_eq!(r.close_frames_received, 1);
    assert_eq!(r.frames_after_close, 0);
    assert!(!r.tcp_closed_by_client, "{r:#?}");
    assert_eq!(r.protocol_error, None);
    assert_eq!(server.wait_no_connections(LONG).await, Ok(()));
}

#[tokio::test]
async fn big_messages_are_echoed_and_summarised() {
    let server = TestServer::start().await.unwrap();
    let mut ws = connect(&server, "/echo?id=big").await;
    let text = "y".repeat(1 << 20);
    ws.send(Message::text(text.clone())).await.unwrap();
    assert_eq!(next(&mut ws).await.unwrap().unwrap(), Message::text(text));
    ws.send(Message::binary(vec![5u8; 3 << 20])).await.unwrap();
    assert_eq!(
        next(&mut ws).await.unwrap().unwrap(),
        Message::binary(vec![5u8; 3 << 20])
    );
    ws.close(None).await.unwrap();
    hang_up(ws).await;
    let r = closed(&server, "big").await;
    assert_eq!(
        r.first_messages,
        ["<text 1048576 bytes>", "<binary 3145728 bytes>"]
    );
    assert_eq!(r.bytes_received, 4 << 20);
}

#[tokio::test]
async fn refuse_with_status() {
    let server = TestServer::start().await.unwrap();
    let err = connect_async(server.url("/refuse?status=403&id=r"))
        .await
        .expect_err("the upgrade must be refused");
    match err {
        WsError::Http(resp) => assert_eq!(resp.status().as_u16(), 403),
        other => panic!("expected an HTTP error, got {other:?}"),
    }
    let r = closed(&server, "r").await;
    assert!(!r.handshake_done);
    assert_eq!(r.mode, "refuse");
}

#[tokio::test]
async fn unknown_path_is_404() {
    let server = TestServer::start().await.unwrap();
    match connect_async(server.url("/nope")).await {
        Err(WsError::Http(resp)) => assert_eq!(resp.status().as_u16(), 404),
        other => panic!("expected 404, got {other:?}"),
    }
}

#[tokio::test]
async fn close_first_with_code_and_reason() {
    let server = TestServer::start().await.unwrap();
    let mut ws = connect(
        &server,
        "/close-first?id=cf&code=4000&reason=going%20away&after_ms=50",
    )
    .await;
    let msg = next(&mut ws).await.unwrap().unwrap();
    assert_eq!(close_parts(&msg), Some((4000, "going away".to_owned())));
    // tungstenite answers the Close by itself; then the stream ends.
    assert!(matches!(next(&mut ws).await, None | Some(Err(_))));
    hang_up(ws).await;
    let r = closed(&server, "cf").await;
    assert_eq!(r.close_sent, Some((Some(4000), "going away".to_owned())));
    assert_eq!(r.client_close, Some((Some(4000), "going away".to_owned())));
    assert_eq!(r.close_frames_received, 1);
}

#[tokio::test]
async fn close_first_after_messages_without_code() {
    let server = TestServer::start().await.unwrap();
    let mut ws = connect(&server, "/close-first?id=cfm&after_messages=2").await;
    ws.send(Message::text("a")).await.unwrap();
    ws.send(Message::text("b")).await.unwrap();
    assert_eq!(next(&mut ws).await.unwrap().unwrap(), Message::text("a"));
    assert_eq!(next(&mut ws).await.unwrap().unwrap(), Message::text("b"));
    assert_eq!(next(&mut ws).await.unwrap().unwrap(), Message::Close(None));
    // Polling on lets tungstenite flush its automatic Close answer.
    assert!(matches!(next(&mut ws).await, None | Some(Err(_))));
    hang_up(ws).await;
    let r = closed(&server, "cfm").await;
    assert_eq!(r.close_sent, Some((None, String::new())));
    assert_eq!(r.client_close, Some((None, String::new())));
    assert_eq!(r.messages_received, 2);
}

#[tokio::test]
async fn close_after_messages_in_order() {
    let server = TestServer::start().await.unwrap();
    let mut ws = connect(&server, "/close-after-messages?id=cam&n=3&gap_ms=20").await;
    ws.close(close_frame(1000, "done")).await.unwrap();
    for i in 1..=3 {
        let msg = next(&mut ws).await.unwrap().unwrap();
        assert_eq!(msg, Message::text(format!("after-close {i}")));
    }
    let msg = next(&mut ws).await.unwrap().unwrap();
    assert_eq!(close_parts(&msg), Some((1000, "done".to_owned())));
    hang_up(ws).await;
    let r = closed(&server, "cam").await;
    assert_eq!(r.close_sent, Some((Some(1000), "done".to_owned())));
}

#[tokio::test]
async fn close_delay_answers_late() {
    let server = TestServer::start().await.unwrap();
    let mut ws = connect(&server, "/close-delay?id=cd&ms=300").await;
    let start = Instant::now();
    ws.close(None).await.unwrap();
    let msg = next(&mut ws).await.unwrap().unwrap();
    assert_eq!(msg, Message::Close(None));
    assert!(
        start.elapsed() >= Duration::from_millis(290),
        "{:?}",
        start.elapsed()
    );
    hang_up(ws).await;
    closed(&server, "cd").await;
}

#[tokio::test]
async fn never_close_stays_silent_until_client_drops() {
    let server = TestServer::start().await.unwrap();
    let mut ws = connect(&server, "/never-close?id=nc").await;
    ws.send(Message::text("x")).await.unwrap();
    assert_eq!(next(&mut ws).await.unwrap().unwrap(), Message::text("x"));
    ws.close(close_frame(1000, "")).await.unwrap();
    let waited = timeout(Duration::from_millis(300), ws.next()).await;
    assert!(waited.is_err(), "expected silence, got {waited:?}");
    let r = server
        .wait_report("nc", LONG, |r| r.client_close.is_some())
        .await
        .unwrap();
    assert!(!r.tcp_closed);
    assert_eq!(r.close_sent, None);

    drop(ws);
    let r = closed(&server, "nc").await;
    assert!(r.tcp_closed_by_client, "{r:#?}");
    assert_eq!(r.close_sent, None);
    assert_eq!(r.client_close, Some((Some(1000), String::new())));
}

#[tokio::test]
async fn drop_without_close_frame() {
    let server = TestServer::start().await.unwrap();
    for (id, query) in [("d1", "after_ms=100"), ("d2", "after_ms=100&reset=1")] {
        let mut ws = connect(&server, &format!("/drop?id={id}&{query}")).await;
        match next(&mut ws).await {
            None | Some(Err(_)) => {}
            Some(Ok(msg)) => panic!("expected the connection to drop, got {msg:?}"),
        }
        let r = closed(&server, id).await;
        assert_eq!(r.close_sent, None);
        assert!(!r.tcp_closed_by_client);
    }
    let mut ws = connect(&server, "/drop?id=d3&after_messages=2").await;
    ws.send(Message::text("1")).await.unwrap();
    ws.send(Message::text("2")).await.unwrap();
    let r = closed(&server, "d3").await;
    assert_eq!(r.messages_received, 2);
    // Echoes sent before the drop still arrive, then the stream ends without a Close.
    let mut got = Vec::new();
    while let Some(Ok(msg)) = next(&mut ws).await {
        got.push(msg);
    }
    assert_eq!(got, [Message::text("1"), Message::text("2")]);
}

#[tokio::test]
async fn push_then_echo() {
    let server = TestServer::start().await.unwrap();
    let mut ws = connect(&server, "/push?id=p&count=5&size=12").await;
    for i in 1..=5 {
        let msg = next(&mut ws).await.unwrap().unwrap();
        let expected = format!("push {i} ");
        let expected = format!("{expected}{}", "x".repeat(12 - expected.len()));
        assert_eq!(msg, Message::text(expected));
    }
    ws.send(Message::text("after")).await.unwrap();
    assert_eq!(
        next(&mut ws).await.unwrap().unwrap(),
        Message::text("after")
    );

    let mut ws = connect(&server, "/push?count=3&size=70000&binary=1").await;
    for i in 1..=3u8 {
        let msg = next(&mut ws).await.unwrap().unwrap();
        assert_eq!(msg, Message::binary(vec![i; 70_000]));
    }
}

#[tokio::test]
async fn sink_counts_and_echoes_nothing() {
    let server = TestServer::start().await.unwrap();
    let mut ws = connect(&server, "/sink?id=s").await;
    for i in 0..100 {
        ws.send(Message::text(format!("0:{i}"))).await.unwrap();
    }
    ws.send(Message::binary(vec![0u8; 1 << 20])).await.unwrap();
    ws.close(None).await.unwrap();
    // The first thing back is the Close answer: nothing was echoed.
    assert_eq!(next(&mut ws).await.unwrap().unwrap(), Message::Close(None));
    hang_up(ws).await;
    let r = closed(&server, "s").await;
    assert_eq!(r.messages_received, 101);
    assert_eq!(
        r.sequence,
        SequenceCheck {
            tasks: 1,
            violations: 0,
            malformed: 0
        }
    );
}

#[tokio::test]
async fn slow_read_delays_each_message() {
    let server = TestServer::start().await.unwrap();
    let mut ws = connect(&server, "/slow-read?id=sr&ms=50").await;
    let start = Instant::now();
    for i in 0..5 {
        ws.send(Message::text(format!("m{i}"))).await.unwrap();
    }
    server
        .wait_report("sr", LONG, |r| r.messages_received == 5)
        .await
        .unwrap();
    assert!(
        start.elapsed() >= Duration::from_millis(190),
        "{:?}",
        start.elapsed()
    );
}

#[tokio::test]
async fn sequence_check_in_order_and_out_of_order() {
    let server = TestServer::start().await.unwrap();

    let mut ws = connect(&server, "/sink?id=in-order").await;
    for seq in 0..50 {
        for task in 0..3 {
            ws.send(Message::text(format!("{task}:{seq}:payload")))
                .await
                .unwrap();
        }
    }
    ws.send(Message::text("not checked")).await.unwrap();
    ws.close(None).await.unwrap();
    hang_up(ws).await;
    let r = closed(&server, "in-order").await;
    assert_eq!(
        r.sequence,
        SequenceCheck {
            tasks: 3,
            violations: 0,
            malformed: 0
        }
    );
    assert_eq!(r.messages_received, 151);

    let mut ws = connect(&server, "/sink?id=out-of-order").await;
    for text in ["0:0", "0:2", "0:1", "0:3", "1:1", "7x", "2:y"] {
        ws.send(Message::text(text)).await.unwrap();
    }
    ws.close(None).await.unwrap();
    hang_up(ws).await;
    let r = closed(&server, "out-of-order").await;
    assert_eq!(
        r.sequence,
        SequenceCheck {
            tasks: 2,
            violations: 3,
            malformed: 2
        }
    );
}

#[tokio::test]
async fn subprotocol_is_answered_only_when_offered() {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let server = TestServer::start().await.unwrap();
    let mut req = server
        .url("/echo?protocol=chat")
        .into_client_request()
        .unwrap();
    req.headers_mut()
        .insert("Sec-WebSocket-Protocol", "superchat, chat".parse().unwrap());
    let (_ws, resp) = connect_async(req).await.unwrap();
    assert_eq!(
        resp.headers()
            .get("sec-websocket-protocol")
            .map(|v| v.to_str().unwrap()),
        Some("chat")
    );
    let (_ws, resp) = connect_async(server.url("/echo?protocol=chat"))
        .await
        .unwrap();
    assert!(resp.headers().get("sec-websocket-protocol").is_none());
}

#[tokio::test]
async fn half_open_never_answers() {
    let server = TestServer::start().await.unwrap();
    let mut ws = connect(&server, "/half-open?id=h").await;
    ws.send(Message::Ping(b"anyone?".to_vec().into()))
        .await
        .unwrap();
    ws.send(Message::text("hello?")).await.unwrap();
    let waited = timeout(Duration::from_millis(300), ws.next()).await;
    assert!(waited.is_err(), "expected silence, got {waited:?}");
    assert!(!server.report("h").unwrap().tcp_closed);
    drop(ws);
    let r = closed(&server, "h").await;
    assert!(r.tcp_closed_by_client);
    assert_eq!(r.messages_received, 0, "half-open does not even read");
}

#[tokio::test]
async fn stall_never_answers_the_upgrade() {
    let server = TestServer::start().await.unwrap();
    let attempt = timeout(
        Duration::from_millis(300),
        connect_async(server.url("/stall?id=st")),
    )
    .await;
    assert!(attempt.is_err(), "expected no answer, got {attempt:?}");
    let r = server.report("st").unwrap();
    assert_eq!(r.mode, "stall");
    assert!(!r.handshake_done);
    assert!(!r.tcp_closed, "the server gave up on a stalled upgrade");
    // The attempt above was dropped, which closes its TCP connection.
    let r = closed(&server, "st").await;
    assert!(r.tcp_closed_by_client, "{r:#?}");
    assert!(!r.handshake_done);

    // A raw client sees no byte either, and the connection stays open until it leaves.
    let mut stream = TcpStream::connect(server.addr()).await.unwrap();
    stream
        .write_all(
            b"GET /stall?id=st2 HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\
              Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
              Sec-WebSocket-Version: 13\r\n\r\n",
        )
        .await
        .unwrap();
    let mut byte = [0u8; 1];
    let waited = timeout(Duration::from_millis(300), stream.read(&mut byte)).await;
    assert!(waited.is_err(), "expected silence, got {waited:?}");
    assert_eq!(server.connections_open(), 1);
    drop(stream);
    let r = closed(&server, "st2").await;
    assert!(r.tcp_closed_by_client);
    server.wait_no_connections(LONG).await.unwrap();
}

#[tokio::test]
async fn shutdown_closes_everything() {
    let server = TestServer::start().await.unwrap();
    let mut a = connect(&server, "/never-close").await;
    let mut b = connect(&server, "/half-open").await;
    assert_eq!(server.connections_open(), 2);
    server.shutdown();
    for ws in [&mut a, &mut b] {
        assert!(matches!(next(ws).await, None | Some(Err(_))));
    }
    assert!(TcpStream::connect(server.addr()).await.is_err());
}

// ---- raw frames: what tungstenite will not send ----------------------------------

/// A minimal hand-rolled client.
struct Raw {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Raw {
    async fn connect(server: &TestServer, path: &str) -> Raw {
        let mut stream = TcpStream::connect(server.addr()).await.unwrap();
        let req = format!(
            "GET {path} HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
            server.addr()
        );
        stream.write_all(req.as_bytes()).await.unwrap();
        let mut raw = Raw {
            stream,
            buf: Vec::new(),
        };
        let head = loop {
            if let Some(end) = raw.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break raw.buf.drain(..end + 4).collect::<Vec<u8>>();
            }
            raw.fill().await;
        };
        let head = String::from_utf8(head).unwrap();
        assert!(head.starts_with("HTTP/1.1 101 "), "{head}");
        assert!(
            head.contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"),
            "{head}"
        );
        raw
    }

    async fn fill(&mut self) -> usize {
        let mut chunk = [0u8; 4096];
        let n = timeout(LONG, self.stream.read(&mut chunk))
            .await
            .expect("read timed out")
            .unwrap_or(0);
        self.buf.extend_from_slice(&chunk[..n]);
        n
    }

    /// A client frame: `first` is FIN/opcode, masked unless `unmasked`.
    fn frame(first: u8, payload: &[u8], unmasked: bool) -> Vec<u8> {
        assert!(payload.len() < 126);
        let mask = [9u8, 8, 7, 6];
        let mut out = vec![first, payload.len() as u8 | if unmasked { 0 } else { 0x80 }];
        if unmasked {
            out.extend_from_slice(payload);
        } else {
            out.extend_from_slice(&mask);
            out.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        }
        out
    }

    async fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).await.unwrap();
    }

    /// The next server frame as (first byte, payload); `None` at EOF.
    async fn read_frame(&mut self) -> Option<(u8, Vec<u8>)> {
        loop {
            if self.buf.len() >= 2 {
                assert_eq!(self.buf[1] & 0x80, 0, "server frames are unmasked");
                let (len, hl) = match self.buf[1] {
                    126 => (u16::from_be_bytes([self.buf[2], self.buf[3]]) as usize, 4),
                    127 => panic!("unexpectedly large frame"),
                    n => (n as usize, 2),
                };
                if self.buf.len() >= hl + len {
                    let first = self.buf[0];
                    let payload = self.buf[hl..hl + len].to_vec();
                    self.buf.drain(..hl + len);
                    return Some((first, payload));
                }
            }
            if self.fill().await == 0 {
                return None;
            }
        }
    }
}

fn close_bytes(code: u16, reason: &str) -> Vec<u8> {
    let mut p = code.to_be_bytes().to_vec();
    p.extend_from_slice(reason.as_bytes());
    p
}

#[tokio::test]
async fn duplicate_close_frames_and_data_after_close_are_counted() {
    let server = TestServer::start().await.unwrap();
    let mut raw = Raw::connect(&server, "/echo?id=dup").await;
    let mut bytes = Raw::frame(0x88, &close_bytes(1000, "first"), false);
    bytes.extend(Raw::frame(0x81, b"late", false));
    bytes.extend(Raw::frame(0x88, &close_bytes(1001, "second"), false));
    raw.send(&bytes).await;
    let (first, payload) = raw.read_frame().await.unwrap();
    assert_eq!((first, payload), (0x88, close_bytes(1000, "first")));
    assert_eq!(
        raw.read_frame().await,
        None,
        "nothing after the Close answer"
    );
    drop(raw);
    let r = closed(&server, "dup").await;
    assert_eq!(r.close_frames_received, 2, "{r:#?}");
    assert_eq!(r.frames_after_close, 1);
    assert_eq!(r.client_close, Some((Some(1000), "first".to_owned())));
    assert_eq!(r.messages_received, 0);
}

#[tokio::test]
async fn fragments_and_interleaved_ping() {
    let server = TestServer::start().await.unwrap();
    let mut raw = Raw::connect(&server, "/echo?id=frag").await;
    let mut bytes = Raw::frame(0x01, b"hel", false); // text, not final
    bytes.extend(Raw::frame(0x89, b"ping!", false)); // ping in between
    bytes.extend(Raw::frame(0x00, b"lo ", false)); // continuation
    bytes.extend(Raw::frame(0x80, b"world", false)); // final continuation
    raw.send(&bytes).await;
    assert_eq!(raw.read_frame().await, Some((0x8A, b"ping!".to_vec())));
    assert_eq!(
        raw.read_frame().await,
        Some((0x81, b"hello world".to_vec()))
    );
    raw.send(&Raw::frame(0x88, &[], false)).await;
    assert_eq!(raw.read_frame().await, Some((0x88, Vec::new())));
    drop(raw);
    let r = closed(&server, "frag").await;
    assert_eq!(r.first_messages, ["hello world"]);
    assert_eq!(r.client_close, Some((None, String::new())));
    assert_eq!(r.close_sent, Some((None, String::new())));
}

#[tokio::test]
async fn protocol_errors_end_the_connection() {
    let server = TestServer::start().await.unwrap();
    let mut too_big = vec![0x82, 0x80 | 127];
    too_big.extend_from_slice(&(64u64 * 1024 * 1024 + 1).to_be_bytes());
    too_big.extend_from_slice(&[1, 2, 3, 4]);
    let cases: [(&str, Vec<u8>); 5] = [
        ("too-big", too_big),
        ("unmasked", Raw::frame(0x81, b"x", true)),
        ("badutf8", Raw::frame(0x81, &[0xFF, 0xFE], false)),
        ("orphan", Raw::frame(0x80, b"x", false)),
        ("opcode", Raw::frame(0x83, b"x", false)),
    ];
    for (id, bytes) in cases {
        let mut raw = Raw::connect(&server, &format!("/echo?id={id}")).await;
        raw.send(&bytes).await;
        assert_eq!(
            raw.read_frame().await,
            None,
            "{id}: expected the server to hang up"
        );
        let r = closed(&server, id).await;
        assert!(r.protocol_error.is_some(), "{id}: {r:#?}");
        assert_eq!(r.messages_received, 0);
    }
}

#[tokio::test]
async fn invalid_close_code_is_answered_with_1002() {
    let server = TestServer::start().await.unwrap();
    let mut raw = Raw::connect(&server, "/echo?id=bad-code").await;
    raw.send(&Raw::frame(0x88, &close_bytes(1005, ""), false))
        .await;
    let (first, payload) = raw.read_frame().await.unwrap();
    assert_eq!(first, 0x88);
    assert_eq!(payload[..2], 1002u16.to_be_bytes());
    drop(raw);
    let r = closed(&server, "bad-code").await;
    assert_eq!(r.client_close, Some((Some(1005), String::new())));
    assert!(r.protocol_error.is_some());
}

// ---- HTTP endpoints ------------------------------------------------------------

#[tokio::test]
async fn the_host_endpoint_keeps_what_the_test_command_set() {
    let server = TestServer::start().await.unwrap();
    assert_eq!(http_get(&server, "/host").await.body, "");
    let set = http_get(&server, "/host?set=firefox%3Adedicated-worker").await;
    assert_eq!(
        (set.status, set.body.as_str()),
        (200, "firefox:dedicated-worker")
    );
    assert_eq!(
        http_get(&server, "/host").await.body,
        "firefox:dedicated-worker"
    );
}

#[tokio::test]
async fn http_report_endpoint() {
    let server = TestServer::start().await.unwrap();

    let health = http_get(&server, "/health").await;
    assert_eq!((health.status, health.body.as_str()), (200, "ok"));
    assert!(health.head.contains("Access-Control-Allow-Origin: *"));

    let missing = http_get(&server, "/report?id=nobody").await;
    assert_eq!((missing.status, missing.body.as_str()), (404, "null"));
    assert!(missing.head.contains("Content-Type: application/json"));
    assert!(missing.head.contains("Access-Control-Allow-Origin: *"));

    let mut ws = connect(&server, "/echo?id=web").await;
    ws.send(Message::text("0:0")).await.unwrap();
    next(&mut ws).await.unwrap().unwrap();

    let now = http_get(&server, "/report?id=web").await;
    assert_eq!(now.status, 200);
    let report: ConnectionReport = serde_json::from_str(&now.body).unwrap();
    assert!(report.handshake_done && !report.tcp_closed);
    assert_eq!(report.first_messages, ["0:0"]);

    // Long-poll: close the client while the request waits.
    let closer = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        ws.close(close_frame(4001, "from test")).await.unwrap();
        while let Some(Ok(_)) = ws.next().await {}
    });
    let waited = http_get(&server, "/report?id=web&wait=tcp_closed&timeout_ms=8000").await;
    assert_eq!(waited.status, 200);
    let report: serde_json::Value = serde_json::from_str(&waited.body).unwrap();
    assert_eq!(report["tcp_closed"], true);
    assert_eq!(
        report["client_close"],
        serde_json::json!([4001, "from test"])
    );
    assert_eq!(report["sequence"]["tasks"], 1);
    closer.await.unwrap();

    // A wait that cannot succeed returns the report as it is after the timeout.
    let start = Instant::now();
    let _hold = connect(&server, "/never-close?id=idle").await;
    let r = http_get(&server, "/report?id=idle&wait=client_close&timeout_ms=200").await;
    assert_eq!(r.status, 200);
    assert!(start.elapsed() >= Duration::from_millis(190));
    let report: ConnectionReport = serde_json::from_str(&r.body).unwrap();
    assert_eq!(report.client_close, None);

    assert_eq!(
        http_get(&server, "/report?id=web&wait=bogus").await.status,
        400
    );
    assert_eq!(http_get(&server, "/echo").await.status, 426);
    assert_eq!(http_get(&server, "/elsewhere").await.status, 404);
    let refused = http_get(&server, "/refuse?status=401").await;
    assert_eq!(refused.status, 401);
    assert!(refused.head.contains("Access-Control-Allow-Origin: *"));
}
