//! An HTTP proxy's tunnel: `CONNECT host:port`, with Basic credentials when the proxy URL
//! has them.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::tunnel::{Credentials, Refusal};

/// The longest answer head read from a proxy; a longer one is refused.
const MAX_ANSWER: usize = 16 * 1024;

/// Asks the proxy on `stream` for a tunnel to `authority` (`host:port`) and reads its
/// answer. On success the stream carries the tunnel.
pub(super) async fn connect(
    stream: &mut TcpStream,
    authority: &str,
    credentials: Option<&Credentials>,
) -> Result<(), Refusal> {
    let request = request(authority, credentials);
    let io_error = |doing: &str, error: std::io::Error| Refusal {
        problem: format!("{doing}: {}", super::super::tcp::describe_io(&error)),
        status: None,
        source: Some(Box::new(error)),
    };
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(|error| io_error("the CONNECT request could not be sent", error))?;

    let mut answer = Vec::with_capacity(1024);
    loop {
        if answer.len() >= MAX_ANSWER {
            return Err(Refusal::new(format!(
                "its answer to CONNECT {authority} is longer than {} KiB",
                MAX_ANSWER / 1024
            )));
        }
        let mut chunk = [0; 1024];
        let read = stream
            .read(&mut chunk)
            .await
            .map_err(|error| io_error("its answer to CONNECT could not be read", error))?;
        if read == 0 {
            return Err(Refusal::new(format!(
                "it closed the connection without answering CONNECT {authority}"
            )));
        }
        answer.extend_from_slice(chunk.get(..read).unwrap_or_default());
        if let Some(outcome) = read_answer(&answer, authority, credentials.is_some()) {
            return outcome;
        }
    }
}

/// The request: `CONNECT`, `Host`, and `Proxy-Authorization` when there are credentials.
fn request(authority: &str, credentials: Option<&Credentials>) -> String {
    let mut request = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n");
    if let Some(Credentials { user, password }) = credentials {
        let token = data_encoding::BASE64.encode(format!("{user}:{password}").as_bytes());
        request.push_str(&format!("Proxy-Authorization: Basic {token}\r\n"));
    }
    request.push_str("\r\n");
    request
}

/// What the answer read so far says: `None` while its head is incomplete.
fn read_answer(
    answer: &[u8],
    authority: &str,
    sent_credentials: bool,
) -> Option<Result<(), Refusal>> {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut response = httparse::Response::new(&mut headers);
    let head_len = match response.parse(answer) {
        Ok(httparse::Status::Partial) => return None,
        Ok(httparse::Status::Complete(head_len)) => head_len,
        Err(error) => {
            return Some(Err(Refusal {
                problem: format!("its answer to CONNECT {authority} is not valid HTTP"),
                status: None,
                source: Some(Box::new(error)),
            }));
        }
    };
    let status = response.code.unwrap_or_default();
    let reason = response.reason.unwrap_or_default();
    let answered = format!("HTTP {status} {reason}");
    let answered = answered.trim_end();
    let refused = |problem: String| {
        Some(Err(Refusal {
            problem,
            status: Some(status),
            source: None,
        }))
    };
    match status {
        200..=299 if answer.len() > head_len => Some(Err(Refusal::new(format!(
            "it sent data of its own after accepting CONNECT {authority} ({answered})"
        )))),
        200..=299 => Some(Ok(())),
        // 407 is the proxy's own; some (tinyproxy) answer wrong credentials with 401.
        401 | 407 if sent_credentials => {
            refused(format!("it refused the credentials ({answered})"))
        }
        401 | 407 => refused(format!(
            "it asks for credentials ({answered}); give them in the proxy URL \
             (`http://user:password@host:port`)"
        )),
        _ => refused(format!("it refused the tunnel to {authority} ({answered})")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(answer: &str, credentials: bool) -> (String, Option<u16>) {
        match read_answer(answer.as_bytes(), "example.com:443", credentials) {
            Some(Err(refusal)) => (refusal.problem, refusal.status),
            other => panic!("{answer:?}: {other:?}"),
        }
    }

    #[test]
    fn the_request_carries_basic_credentials() {
        let credentials = Credentials {
            user: "alice".into(),
            password: "s3cret:x".into(),
        };
        assert_eq!(
            request("[::1]:443", Some(&credentials)),
            "CONNECT [::1]:443 HTTP/1.1\r\nHost: [::1]:443\r\n\
             Proxy-Authorization: Basic YWxpY2U6czNjcmV0Ong=\r\n\r\n"
        );
        assert_eq!(
            request("example.com:80", None),
            "CONNECT example.com:80 HTTP/1.1\r\nHost: example.com:80\r\n\r\n"
        );
    }

    #[test]
    fn answers() {
        let ok = "HTTP/1.1 200 Connection established\r\nProxy-Agent: x\r\n\r\n";
        assert!(matches!(
            read_answer(ok.as_bytes(), "a:1", false),
            Some(Ok(()))
        ));
        assert!(read_answer(b"HTTP/1.1 200 OK\r\nVia: x\r\n", "a:1", false).is_none());
        let (text, status) = problem("HTTP/1.1 403 Forbidden\r\n\r\n<html>", false);
        assert_eq!(status, Some(403));
        assert_eq!(
            text,
            "it refused the tunnel to example.com:443 (HTTP 403 Forbidden)"
        );
        let (text, status) = problem("HTTP/1.0 407 Proxy Authentication Required\r\n\r\n", false);
        assert_eq!(status, Some(407));
        assert!(text.starts_with("it asks for credentials"), "{text}");
        let (text, _) = problem("HTTP/1.0 401 Unauthorized\r\n\r\n", true);
        assert_eq!(text, "it refused the credentials (HTTP 401 Unauthorized)");
        let (text, status) = problem("SSH-2.0-OpenSSH\r\n\r\n", false);
        assert!(text.contains("not valid HTTP"), "{text}");
        assert_eq!(status, None);
        let (text, _) = problem("HTTP/1.1 200 OK\r\n\r\nsurprise", false);
        assert!(text.contains("data of its own"), "{text}");
    }
}
