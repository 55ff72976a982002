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
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err(invalid(
            "it has no scheme; write it as ws://host:port/path or wss://host/path".into(),
        ));
    };
    match scheme.to_ascii_lowercase().as_str() {
        "ws" | "wss" => {}
        "http" => {
            return Err(invalid(
                "the scheme must be ws or wss (use ws:// instead of http://)".into(),
            ));
        }
        "https" => {
            return Err(invalid(
                "the scheme must be ws or wss (use wss:// instead of https://)".into(),
            ));
        }
        other => {
            return Err(invalid(format!(
                "the scheme must be ws or wss, not `{other}`"
            )));
        }
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or("");
    if host.is_empty() || host.starts_with(':') {
        return Err(invalid("it has no host".into()));
    }
    if url.contains('#') {
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
