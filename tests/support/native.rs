//! The native side of the suite's support: an in-process test server and tokio's clock.

use std::time::{Duration, Instant};

use omnisocket_testserver::TestServer;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// `true` in the browser.
pub const IN_BROWSER: bool = false;

/// `false`: natively the tests run on no JavaScript engine.
pub fn engine_is_node() -> bool {
    false
}

/// `false`: natively the tests run on no JavaScript engine.
pub fn engine_is_firefox() -> bool {
    false
}

/// The test server of one test.
pub struct Peer {
    server: TestServer,
}

impl Peer {
    pub async fn start() -> Peer {
        match TestServer::start().await {
            Ok(server) => Peer { server },
            Err(error) => panic!("cannot start the test server: {error}"),
        }
    }

    /// `ws://127.0.0.1:PORT` + `path_and_query`.
    pub fn url(&self, path_and_query: &str) -> String {
        self.server.url(path_and_query)
    }

    pub fn port(&self) -> u16 {
        self.server.port()
    }

    /// An HTTP GET to the server, the same request the browser makes with `fetch`.
    pub(super) async fn get_body(&self, path: &str) -> String {
        let mut stream = TcpStream::connect(self.server.addr())
            .await
            .unwrap_or_else(|e| panic!("cannot reach the test server: {e}"));
        let request =
            format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        stream
            .write_all(request.as_bytes())
            .await
            .unwrap_or_else(|e| panic!("cannot ask the test server: {e}"));
        let mut response = String::new();
        stream
            .read_to_string(&mut response)
            .await
            .unwrap_or_else(|e| panic!("cannot read the test server's answer: {e}"));
        let body = response.split_once("\r\n\r\n").map_or("", |(_, body)| body);
        body.to_owned()
    }
}

pub async fn sleep(duration: Duration) {
    tokio::time::sleep(duration).await;
}

/// Measures elapsed time.
pub struct Stopwatch(Instant);

impl Stopwatch {
    pub fn start() -> Self {
        Stopwatch(Instant::now())
    }

    pub fn elapsed(&self) -> Duration {
        self.0.elapsed()
    }
}

pub(super) fn random_suffix() -> u32 {
    std::process::id()
}
