//! What the test server's own tests share: a plain tokio-tungstenite client with
//! timeouts, the wait for a connection's report, and a raw HTTP `GET`.

#![allow(
    dead_code,
    unreachable_pub,
    reason = "each test binary uses a different part"
)]

use std::time::Duration;

use futures_util::StreamExt;
use omnisocket_testserver::{ConnectionReport, TestServer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

pub const LONG: Duration = Duration::from_secs(10);

pub async fn connect(server: &TestServer, path: &str) -> Ws {
    let (ws, _resp) = timeout(LONG, connect_async(server.url(path)))
        .await
        .expect("connect timed out")
        .expect("connect failed");
    ws
}

/// The next message from the server, or `None` on end of stream; panics after LONG.
pub async fn next(ws: &mut Ws) -> Option<Result<Message, WsError>> {
    timeout(LONG, ws.next()).await.expect("no message in time")
}

pub async fn closed(server: &TestServer, id: &str) -> ConnectionReport {
    match server.wait_closed(id, LONG).await {
        Ok(r) => r,
        Err(last) => panic!("connection {id} did not close in time; last report: {last:#?}"),
    }
}

pub struct HttpResponse {
    pub status: u16,
    pub head: String,
    pub body: String,
}

/// `GET path` over plain HTTP, from another origin.
pub async fn http_get(server: &TestServer, path: &str) -> HttpResponse {
    let mut stream = TcpStream::connect(server.addr()).await.unwrap();
    let req = format!(
        "GET {path} HTTP/1.1\r\nHost: {}\r\nOrigin: http://other\r\n\r\n",
        server.addr()
    );
    stream.write_all(req.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    timeout(LONG, stream.read_to_end(&mut raw))
        .await
        .unwrap()
        .unwrap();
    let text = String::from_utf8(raw).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    HttpResponse {
        status,
        head: head.to_owned(),
        body: body.to_owned(),
    }
}
