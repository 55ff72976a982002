//! Plain HTTP answers: `/health`, `/report`, `/flaky-report`, refusals and errors.
//!
//! Every answer carries `Access-Control-Allow-Origin: *` (browser tests load their page
//! from another origin) and `Connection: close` (one request per connection).

use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use crate::handshake::Request;
use crate::report::{ConnectionReport, Registry};

/// Default and maximum long-poll time of `GET /report?wait=..`.
const DEFAULT_WAIT: Duration = Duration::from_secs(5);
const MAX_WAIT: Duration = Duration::from_secs(60);

fn reason_phrase(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        426 => "Upgrade Required",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

/// A complete HTTP/1.1 response.
pub(crate) fn response(status: u16, content_type: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status} {}\r\n\
         Content-Type: {content_type}\r\n\
         Content-Length: {}\r\n\
         Access-Control-Allow-Origin: *\r\n\
         Access-Control-Allow-Methods: GET, OPTIONS\r\n\
         Access-Control-Allow-Headers: *\r\n\
         Access-Control-Allow-Private-Network: true\r\n\
         Cache-Control: no-store\r\n\
         Connection: close\r\n\r\n",
        reason_phrase(status),
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

/// A JSON response.
pub(crate) fn json(status: u16, body: &str) -> Vec<u8> {
    response(status, "application/json", body.as_bytes())
}

/// A JSON error response: `{"error": "..."}`.
pub(crate) fn json_error(status: u16, message: &str) -> Vec<u8> {
    json(status, &serde_json::json!({ "error": message }).to_string())
}

/// Writes `resp`, then closes the connection politely.
pub(crate) async fn send_and_close(stream: &mut TcpStream, resp: &[u8]) {
    // The client may already be gone; there is nobody to tell.
    let _ = stream.write_all(resp).await;
    let _ = stream.shutdown().await;
}

/// Whether `path` is one of the plain HTTP endpoints served here.
pub(crate) fn is_endpoint(path: &str) -> bool {
    matches!(
        path,
        "/health" | "/report" | "/reports" | "/flaky-report" | "/closed-port" | "/host"
    )
}

/// Answers a plain HTTP request for one of the [`is_endpoint`] paths.
pub(crate) async fn serve(req: &Request, registry: &Registry) -> Vec<u8> {
    if req.method == "OPTIONS" {
        return response(204, "application/json", b"");
    }
    if req.method != "GET" {
        return json_error(405, "only GET is supported");
    }
    match req.path.as_str() {
        "/health" => response(200, "text/plain", b"ok"),
        "/reports" => json(200, &to_json(&registry.all())),
        "/closed-port" => closed_port(),
        "/flaky-report" => flaky_report(req, registry),
        "/host" => host(req, registry),
        _ => report(req, registry).await,
    }
}

/// `GET /closed-port`: `{"port":N}`, a loopback port that was free a moment ago and that
/// nothing listens on, so that a client can see a connection refused. (Binding port 0 and
/// closing it again; the kernel hands out ports in turn, so it stays free for a while.)
fn closed_port() -> Vec<u8> {
    match std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()) {
        Ok(addr) => json(200, &format!("{{\"port\":{}}}", addr.port())),
        Err(error) => json_error(500, &format!("cannot find a free port: {error}")),
    }
}

/// `GET /host?set=H` records where the clients of the next run are said to run (the test
/// command's `chromium:dedicated-worker`, `node`, ...); `GET /host` answers it as text, so
/// that the suite can check it runs where the command says.
fn host(req: &Request, registry: &Registry) -> Vec<u8> {
    if let Some(host) = req.query.get("set") {
        registry.set_host(host);
    }
    response(200, "text/plain", registry.host().as_bytes())
}

/// `GET /flaky-report?id=X`: the counts of the `/flaky` scenario X, or 404 with `null`.
fn flaky_report(req: &Request, registry: &Registry) -> Vec<u8> {
    let Some(id) = req.query.get("id") else {
        return json_error(400, "missing id= parameter");
    };
    match registry.flaky_report(id) {
        Some(r) => json(200, &to_json(&r)),
        None => json(404, "null"),
    }
}

/// `GET /report?id=X[&wait=FIELD&timeout_ms=N]`.
async fn report(req: &Request, registry: &Registry) -> Vec<u8> {
    let Some(id) = req.query.get("id") else {
        return json_error(400, "missing id= parameter");
    };
    let pred: fn(&ConnectionReport) -> bool = match req.query.get("wait") {
        None | Some("") => {
            return match registry.get(id) {
                Some(r) => json(200, &to_json(&r)),
                None => json(404, "null"),
            };
        }
        Some("tcp_closed") => |r| r.tcp_closed,
        Some("handshake_done") => |r| r.handshake_done,
        Some("client_close") => |r| r.client_close.is_some(),
        Some("close_sent") => |r| r.close_sent.is_some(),
        Some(other) => {
            return json_error(
                400,
                &format!(
                    "wait={other:?} is not supported (use tcp_closed, handshake_done, client_close or close_sent)"
                ),
            );
        }
    };
    let timeout = match req.query.num::<u64>("timeout_ms") {
        Ok(ms) => ms.map_or(DEFAULT_WAIT, Duration::from_millis).min(MAX_WAIT),
        Err(e) => return json_error(400, &e),
    };
    match registry.wait(id, timeout, pred).await {
        Ok(r) | Err(Some(r)) => json(200, &to_json(&r)),
        Err(None) => json(404, "null"),
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}
