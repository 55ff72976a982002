//! The URL checks both backends make before connecting, so that both report the same error.

use crate::Error;

/// Checks that `url` is an absolute `ws://` or `wss://` URL with a host.
///
/// The backends parse the URL fully afterwards (tungstenite natively, the browser's
/// `WebSocket` constructor in the browser); this catches the common mistakes with one
/// message on both targets.
pub(crate) fn check_websocket_url(url: &str) -> Result<(), Error> {
    let invalid = |problem: String| Error::InvalidUrl {
        url: url.to_owned(),
        problem,
    };
    // Byte searches rather than `split_once("://")` and `split`/`rsplit` on chars: the same
    // positions (all the delimiters are ASCII), without core's substring searcher (two-way
    // algorithm) and `str` slicing, whose panic path formats char boundaries.
    let bytes = url.as_bytes();
    let Some(at) = bytes.windows(3).position(|w| w == b"://") else {
        return Err(invalid(
            "it has no scheme; write it as ws://host:port/path or wss://host/path".into(),
        ));
    };
    let (scheme, rest) = bytes.split_at(at);
    let rest = rest.get(3..).unwrap_or_default();
    let is = |name: &str| scheme.eq_ignore_ascii_case(name.as_bytes());
    if is("http") {
        return Err(invalid(
            "the scheme must be ws or wss (use ws:// instead of http://)".into(),
        ));
    }
    if is("https") {
        return Err(invalid(
            "the scheme must be ws or wss (use wss:// instead of https://)".into(),
        ));
    }
    if !is("ws") && !is("wss") {
        let mut problem = String::from("the scheme must be ws or wss, not `");
        problem.push_str(&url.get(..at).unwrap_or_default().to_ascii_lowercase());
        problem.push('`');
        return Err(invalid(problem));
    }
    let authority_end = rest
        .iter()
        .position(|b| matches!(b, b'/' | b'?' | b'#'))
        .unwrap_or(rest.len());
    let authority = rest.get(..authority_end).unwrap_or_default();
    let host = match authority.iter().rposition(|&b| b == b'@') {
        Some(at) => authority.get(at + 1..).unwrap_or_default(),
        None => authority,
    };
    if host.first().is_none_or(|&b| b == b':') {
        return Err(invalid("it has no host".into()));
    }
    if bytes.contains(&b'#') {
        return Err(invalid(
            "WebSocket URLs cannot have a fragment (`#...`)".into(),
        ));
    }
    if url.chars().any(char::is_whitespace) {
        return Err(invalid("it contains white space".into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(url: &str) -> String {
        match check_websocket_url(url) {
            Err(Error::InvalidUrl { problem, .. }) => problem,
            other => panic!("{url}: expected InvalidUrl, got {other:?}"),
        }
    }

    #[test]
    fn accepts_ws_and_wss() {
        for url in [
            "ws://127.0.0.1:9000/echo",
            "WSS://example.com",
            "ws://[::1]:80/?a=b",
        ] {
            assert!(check_websocket_url(url).is_ok(), "{url}");
        }
    }

    #[test]
    fn says_what_to_fix() {
        assert!(problem("127.0.0.1:9000").contains("no scheme"));
        assert!(problem("http://a/").contains("ws:// instead of http://"));
        assert!(problem("https://a/").contains("wss://"));
        assert!(problem("htp://x").contains("`htp`"));
        assert!(problem("ws:///path").contains("no host"));
        assert!(problem("ws://a/#frag").contains("fragment"));
    }
}
