//! `Options::static_dir` / `--static DIR`: files next to the WebSocket modes on one port,
//! and no way out of the directory.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use omnisocket_testserver::{Options, TestServer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;
use tokio_tungstenite::connect_async;
use tokio_tungstenite::tungstenite::Message;

/// A fresh directory `<tmp>/wsts-static-<pid>-<name>/` holding `www/` (served) and a
/// `secret.txt` next to it (not served).
fn fixture(name: &str) -> (PathBuf, PathBuf) {
    let base = std::env::temp_dir().join(format!("wsts-static-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let www = base.join("www");
    std::fs::create_dir_all(www.join("pkg")).unwrap();
    std::fs::create_dir_all(www.join("docs")).unwrap();
    std::fs::write(www.join("index.html"), "<!doctype html><title>demo</title>").unwrap();
    std::fs::write(www.join("style.css"), "body{}").unwrap();
    std::fs::write(www.join("pkg/app.js"), "export {};").unwrap();
    std::fs::write(www.join("pkg/app_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    std::fs::write(www.join("logo.svg"), "<svg/>").unwrap();
    std::fs::write(www.join("data.json"), "{}").unwrap();
    std::fs::write(www.join("docs/index.html"), "docs").unwrap();
    std::fs::write(base.join("secret.txt"), "secret").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(base.join("secret.txt"), www.join("link.txt")).unwrap();
    (base, www)
}

struct Response {
    status: u16,
    content_type: String,
    body: Vec<u8>,
}

/// Sends `request_target` verbatim (no normalisation, unlike HTTP client libraries).
async fn get(port: u16, request_target: &str) -> Response {
    get_with(port, "GET", request_target).await
}

async fn get_with(port: u16, method: &str, request_target: &str) -> Response {
    let mut s = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let req = format!("{method} {request_target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    timeout(Duration::from_secs(10), s.read_to_end(&mut raw))
        .await
        .expect("response in time")
        .unwrap();
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8(raw[..end].to_vec()).unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    let content_type = head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Type: "))
        .unwrap_or_default()
        .to_owned();
    Response {
        status,
        content_type,
        body: raw[end + 4..].to_vec(),
    }
}

async fn server(www: &Path) -> TestServer {
    TestServer::start_with(Options::default().static_dir(www.to_path_buf()))
        .await
        .unwrap()
}

#[tokio::test]
async fn serves_files_with_their_content_types() {
    let (base, www) = fixture("types");
    let server = server(&www).await;
    let port = server.port();

    let index = get(port, "/").await;
    assert_eq!(index.status, 200);
    assert_eq!(index.content_type, "text/html; charset=utf-8");
    assert_eq!(index.body, b"<!doctype html><title>demo</title>");
    assert_eq!(get(port, "/index.html?v=1").await.body, index.body);
    assert_eq!(get(port, "/docs/").await.body, b"docs");
    assert_eq!(get(port, "/docs").await.body, b"docs");

    for (path, content_type) in [
        ("/style.css", "text/css; charset=utf-8"),
        ("/pkg/app.js", "text/javascript; charset=utf-8"),
        ("/pkg/app_bg.wasm", "application/wasm"),
        ("/logo.svg", "image/svg+xml"),
        ("/data.json", "application/json"),
    ] {
        let resp = get(port, path).await;
        assert_eq!(resp.status, 200, "{path}");
        assert_eq!(resp.content_type, content_type, "{path}");
    }
    assert_eq!(get(port, "/pkg/app_bg.wasm").await.body, b"\0asm\x01\0\0\0");

    assert_eq!(get(port, "/missing.js").await.status, 404);
    assert_eq!(get(port, "/pkg/").await.status, 404);
    assert_eq!(get_with(port, "POST", "/index.html").await.status, 405);
    let _ = std::fs::remove_dir_all(base);
}

#[tokio::test]
async fn refuses_to_leave_the_directory() {
    let (base, www) = fixture("traversal");
    let server = server(&www).await;
    let port = server.port();
    for target in [
        "/../secret.txt",
        "/pkg/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E%2Fsecret.txt",
        "/pkg/..%2f..%2fsecret.txt",
        "/..%5csecret.txt",
        "/..",
        "http://127.0.0.1/../secret.txt",
    ] {
        let resp = get(port, target).await;
        assert_eq!(resp.status, 403, "{target}");
        assert_ne!(resp.body, b"secret", "{target}");
    }
    // A symbolic link pointing out of the directory is refused too.
    #[cfg(unix)]
    assert_eq!(get(port, "/link.txt").await.status, 403);
    let _ = std::fs::remove_dir_all(base);
}

#[tokio::test]
async fn endpoints_and_modes_still_win() {
    let (base, www) = fixture("modes");
    // A file named like an endpoint or a mode is shadowed by it.
    std::fs::write(www.join("health"), "file").unwrap();
    std::fs::write(www.join("echo"), "file").unwrap();
    let server = server(&www).await;
    let port = server.port();

    let health = get(port, "/health").await;
    assert_eq!((health.status, health.body), (200, b"ok".to_vec()));
    assert_eq!(get(port, "/echo").await.status, 426);

    let (mut ws, _) = connect_async(server.url("/echo")).await.unwrap();
    ws.send(Message::text("hi")).await.unwrap();
    let echoed = timeout(Duration::from_secs(10), ws.next()).await.unwrap();
    assert_eq!(echoed.unwrap().unwrap(), Message::text("hi"));
    ws.close(None).await.unwrap();

    // A WebSocket upgrade to a file's path is refused (404), not answered with the file.
    assert!(connect_async(server.url("/index.html")).await.is_err());
    let _ = std::fs::remove_dir_all(base);
}

#[tokio::test]
async fn without_static_dir_nothing_is_served() {
    let server = TestServer::start().await.unwrap();
    assert_eq!(get(server.port(), "/").await.status, 404);
    assert_eq!(get(server.port(), "/index.html").await.status, 404);
}

#[test]
fn binary_serves_static_dir_and_rejects_a_missing_one() {
    let (base, www) = fixture("binary");
    let mut child = Command::new(env!("CARGO_BIN_EXE_omnisocket-testserver"))
        .args(["--static", www.to_str().unwrap(), "--exit-on-stdin-close"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port: u16 = line
        .trim_end()
        .strip_prefix("PORT=")
        .unwrap()
        .parse()
        .unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let index = rt.block_on(get(port, "/"));
    assert_eq!(index.status, 200);
    assert_eq!(index.body, b"<!doctype html><title>demo</title>");
    assert_eq!(rt.block_on(get(port, "/../secret.txt")).status, 403);
    drop(child.stdin.take());
    assert!(child.wait().unwrap().success());

    let missing = base.join("does-not-exist");
    let status = Command::new(env!("CARGO_BIN_EXE_omnisocket-testserver"))
        .args(["--static", missing.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(2));
    let _ = std::fs::remove_dir_all(base);
}
