//! The URL checks both backends make before connecting, so that both report the same error.

use crate::Error;
use crate::redact::authority;

/// Checks that `url` is an absolute `ws://` or `wss://` URL with a host and a usable port.
///
/// The backends parse the URL fully afterwards (tungstenite natively, the browser's
/// `WebSocket` constructor in the browser); this catches the common mistakes with one
/// message on both targets. Host names outside ASCII pass: natively they are converted to
/// punycode before connecting, and the browser does the same.
pub(crate) fn check_websocket_url(url: &str) -> Result<(), Error> {
    let invalid = |problem: &str| Error::invalid_url(url, problem);
    let bytes = url.as_bytes();
    let Some((start, end)) = authority(bytes) else {
        return Err(invalid(
            "it has no scheme; write it as ws://host:port/path or wss://host/path",
        ));
    };
    let scheme = bytes.get(..start - 3).unwrap_or_default();
    let is = |name: &str| scheme.eq_ignore_ascii_case(name.as_bytes());
    if is("http") {
        return Err(invalid(
            "the scheme must be ws or wss (use ws:// instead of http://)",
        ));
    }
    if is("https") {
        return Err(invalid(
            "the scheme must be ws or wss (use wss:// instead of https://)",
        ));
    }
    if !is("ws") && !is("wss") {
        let mut problem = String::from("the scheme must be ws or wss, not `");
        problem.push_str(
            &url.get(..start - 3)
                .unwrap_or_default()
                .to_ascii_lowercase(),
        );
        problem.push('`');
        return Err(invalid(&problem));
    }
    let authority = bytes.get(start..end).unwrap_or_default();
    let host = match authority.iter().rposition(|&b| b == b'@') {
        Some(at) => authority.get(at + 1..).unwrap_or_default(),
        None => authority,
    };
    if host.first().is_none_or(|&b| b == b':') {
        return Err(invalid("it has no host"));
    }
    // The port follows the host's last `:`, outside an IPv6 literal's brackets.
    let port = match host.iter().rposition(|&b| b == b':' || b == b']') {
        Some(colon) if host.get(colon) == Some(&b':') => host.get(colon + 1..),
        _ => None,
    };
    if let Some(port) = port.filter(|port| !port.is_empty()) {
        // Leading zeros are allowed (`:080` is 80), as browsers allow them.
        let mut value = 0u32;
        for &b in port {
            value = value * 10 + u32::from(b.wrapping_sub(b'0'));
            if !b.is_ascii_digit() || value > 0xffff {
                value = 0;
                break;
            }
        }
        if value == 0 {
            return Err(invalid("the port must be a number from 1 to 65535"));
        }
    }
    if bytes.contains(&b'#') {
        return Err(invalid("WebSocket URLs cannot have a fragment (`#...`)"));
    }
    if url.chars().any(char::is_whitespace) {
        return Err(invalid("it contains white space"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(url: &str) -> String {
        match check_websocket_url(url) {
            Err(error @ Error::InvalidUrl(_)) => error.problem().unwrap_or_default().into(),
            other => panic!("{url}: expected InvalidUrl, got {other:?}"),
        }
    }

    #[test]
    fn accepts_ws_and_wss() {
        for url in [
            "ws://127.0.0.1:9000/echo",
            "WSS://example.com",
            "ws://[::1]:80/?a=b",
            "ws://[::1]/",
            "ws://[2001:db8::1]:65535",
            "ws://host:/",
            "ws://host:080/",
            "ws://user:pass@host:1/",
            "ws://bücher.example/",
            "wss://пример.испытание:8443/путь",
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

    #[test]
    fn ports_outside_1_to_65535_are_invalid_urls() {
        for url in [
            "ws://127.0.0.1:0/",
            "ws://host:00/",
            "ws://host:65536/",
            "ws://host:99999999999999999999/",
            "ws://host:8o/",
            "ws://host:-1/",
            "ws://[::1]:0/",
            "ws://[::1]:70000",
            "ws://u:p@host:0?x",
        ] {
            assert!(problem(url).contains("port"), "{url}");
        }
    }

    #[test]
    fn errors_show_urls_without_passwords_and_shortened() {
        let error = problem_error("ws://user:secret@host:0/");
        assert!(
            !format!("{error} {error:?}").contains("secret"),
            "{error:?}"
        );
        let error = problem_error(&format!("ws://host:0/{}", "x".repeat(200_000)));
        assert!(error.to_string().len() < 400, "{}", error.to_string().len());
    }

    fn problem_error(url: &str) -> Error {
        check_websocket_url(url).expect_err(url)
    }
}
