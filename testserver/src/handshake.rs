//! Reading an HTTP/1.1 request head and answering the WebSocket upgrade by hand.

use std::time::Duration;

use bytes::BytesMut;
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

/// The longest request head accepted.
const MAX_HEAD: usize = 16 * 1024;
/// How long a client may take to send its request head.
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);

/// A parsed request head.
#[derive(Debug)]
pub(crate) struct Request {
    pub(crate) method: String,
    /// The path without the query, e.g. `/echo`.
    pub(crate) path: String,
    pub(crate) query: Query,
    headers: Vec<(String, String)>,
}

/// Why no request could be read.
#[derive(Debug)]
pub(crate) enum HeadError {
    /// The client closed, failed or was too slow before a full head arrived.
    Gone,
    /// The head was too long or did not parse; answer 400 with this text.
    Bad(String),
}

impl Request {
    /// The first value of header `name` (case-insensitive), trimmed.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// All comma-separated tokens of every `name` header, trimmed.
    pub(crate) fn header_tokens<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .flat_map(|(_, v)| v.split(','))
            .map(str::trim)
            .filter(|t| !t.is_empty())
    }

    /// The request asks for a WebSocket upgrade (`Upgrade: websocket`).
    pub(crate) fn wants_websocket(&self) -> bool {
        self.header_tokens("upgrade")
            .any(|t| t.eq_ignore_ascii_case("websocket"))
    }
}

/// Reads one request head from `stream`; bytes after the head stay in `buf`.
pub(crate) async fn read_request(
    stream: &mut TcpStream,
    buf: &mut BytesMut,
) -> Result<Request, HeadError> {
    let read_head = async {
        loop {
            if let Some(end) = find_head_end(buf) {
                let head = buf.split_to(end + 4);
                return parse_head(&head).map_err(HeadError::Bad);
            }
            if buf.len() > MAX_HEAD {
                return Err(HeadError::Bad("request head too large".to_owned()));
            }
            match stream.read_buf(buf).await {
                Ok(0) | Err(_) => return Err(HeadError::Gone),
                Ok(_) => {}
            }
        }
    };
    tokio::time::timeout(HEAD_TIMEOUT, read_head)
        .await
        .unwrap_or(Err(HeadError::Gone))
}

fn find_head_end(buf: &[u8]) -> Option<usize> {
    buf.windows(4).position(|w| w == b"\r\n\r\n")
}

fn parse_head(head: &[u8]) -> Result<Request, String> {
    let head = std::str::from_utf8(head).map_err(|_| "request head is not UTF-8".to_owned())?;
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(format!("malformed request line {request_line:?}"));
    };
    if !version.starts_with("HTTP/1.") {
        return Err(format!("unsupported HTTP version {version:?}"));
    }
    let mut headers = Vec::new();
    for line in lines.filter(|l| !l.is_empty()) {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| format!("malformed header line {line:?}"))?;
        headers.push((name.trim().to_owned(), value.trim().to_owned()));
    }
    // Absolute-form targets (`http://host/path`) are accepted too.
    let target = match target.find("://") {
        Some(i) => target[i + 3..]
            .find('/')
            .map_or("/", |j| &target[i + 3 + j..]),
        None => target,
    };
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    Ok(Request {
        method: method.to_owned(),
        path: percent_decode(path, false),
        query: Query::parse(query),
        headers,
    })
}

/// The decoded `name=value` pairs of a query string.
#[derive(Debug, Default)]
pub(crate) struct Query(Vec<(String, String)>);

impl Query {
    /// Parses `a=1&b=x%20y`; `+` is a space, a name without `=` has an empty value.
    pub(crate) fn parse(query: &str) -> Self {
        Self(
            query
                .split('&')
                .filter(|p| !p.is_empty())
                .map(|p| {
                    let (n, v) = p.split_once('=').unwrap_or((p, ""));
                    (percent_decode(n, true), percent_decode(v, true))
                })
                .collect(),
        )
    }

    /// The first value of `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Parses the value of `name`; absent is `Ok(None)`, unparsable is an error text.
    pub(crate) fn num<T: std::str::FromStr>(&self, name: &str) -> Result<Option<T>, String> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => v
                .parse()
                .map(Some)
                .map_err(|_| format!("query parameter {name}={v:?} is not a valid number")),
        }
    }

    /// `name=1` / `name=true` (or a bare `name`) is true; absent, `0` and `false` are false.
    pub(crate) fn flag(&self, name: &str) -> bool {
        matches!(self.get(name), Some("" | "1" | "true" | "yes"))
    }
}

/// Decodes `%XX` escapes (and `+` as space in query components); bad escapes stay as-is.
fn percent_decode(s: &str, plus_is_space: bool) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    None => out.push(b'%'),
                }
            }
            b'+' if plus_is_space => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The `101 Switching Protocols` answer to a request carrying `key`.
pub(crate) fn switching_protocols(key: &str, protocol: Option<&str>) -> Vec<u8> {
    let accept = tungstenite::handshake::derive_accept_key(key.as_bytes());
    let mut resp = format!(
        "HTTP/1.1 101 Switching Protocols\r\n\
         Upgrade: websocket\r\n\
         Connection: Upgrade\r\n\
         Sec-WebSocket-Accept: {accept}\r\n"
    );
    if let Some(p) = protocol {
        resp.push_str(&format!("Sec-WebSocket-Protocol: {p}\r\n"));
    }
    resp.push_str("\r\n");
    resp.into_bytes()
}

/// Checks the upgrade headers and returns the `Sec-WebSocket-Key`.
pub(crate) fn websocket_key(req: &Request) -> Result<&str, String> {
    if req.method != "GET" {
        return Err(format!("WebSocket upgrade needs GET, not {}", req.method));
    }
    if !req
        .header_tokens("connection")
        .any(|t| t.eq_ignore_ascii_case("upgrade"))
    {
        return Err("missing `Connection: Upgrade`".to_owned());
    }
    if req.header("sec-websocket-version") != Some("13") {
        return Err("missing or unsupported Sec-WebSocket-Version (need 13)".to_owned());
    }
    req.header("sec-websocket-key")
        .filter(|k| !k.is_empty())
        .ok_or_else(|| "missing Sec-WebSocket-Key".to_owned())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn parses_head() {
        let head = b"GET /close-first?code=4000&reason=bye%20now+x&after_ms HTTP/1.1\r\n\
            Host: x\r\nUpgrade: WebSocket\r\nConnection: keep-alive, Upgrade\r\n\
            Sec-WebSocket-Protocol: a, b\r\nSec-WebSocket-Protocol: c\r\n\r\n";
        let req = parse_head(head).expect("parses");
        assert_eq!(req.path, "/close-first");
        assert_eq!(req.query.num::<u16>("code"), Ok(Some(4000)));
        assert_eq!(req.query.get("reason"), Some("bye now x"));
        assert!(req.query.flag("after_ms"));
        assert!(req.query.num::<u16>("reason").is_err());
        assert!(req.wants_websocket());
        let protos: Vec<_> = req.header_tokens("sec-websocket-protocol").collect();
        assert_eq!(protos, ["a", "b", "c"]);
    }

    #[test]
    fn rejects_garbage_heads() {
        assert!(parse_head(b"GARBAGE\r\n\r\n").is_err());
        assert!(parse_head(b"GET / HTTP/2\r\n\r\n").is_err());
        assert!(parse_head(b"GET / HTTP/1.1\r\nno colon\r\n\r\n").is_err());
        assert!(parse_head(&[0xFF, b'\r', b'\n', b'\r', b'\n']).is_err());
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%2Fb%zz%4", true), "a/b%zz%4");
        assert_eq!(percent_decode("%", true), "%");
        assert_eq!(percent_decode("a+b", false), "a+b");
        assert_eq!(percent_decode("%C3%A9", true), "é");
    }

    #[test]
    fn accept_key_matches_rfc_example() {
        let resp = switching_protocols("dGhlIHNhbXBsZSBub25jZQ==", Some("chat"));
        let resp = String::from_utf8_lossy(&resp);
        assert!(resp.contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"));
        assert!(resp.contains("Sec-WebSocket-Protocol: chat\r\n"));
    }
}
