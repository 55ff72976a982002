//! The URL checks both backends make before connecting, so that both report the same error,
//! and the form in which a URL appears in errors.

use crate::Error;

/// How many bytes of a URL an error quotes; the rest is summarised by its length.
const DISPLAY_MAX: usize = 200;

/// `url` as errors quote it: the password of its user info replaced by `***`
/// (`ws://user:***@host/`), and cut after about 200 bytes (on a character boundary) with
/// the full length added (`… (200000 bytes)`). Every URL an error carries goes through this.
pub(crate) fn for_display(url: &str) -> String {
    use std::fmt::Write as _;
    // Through `write!` rather than `push_str`s, which are inlined: smaller in wasm.
    let (start, end) = password(url.as_bytes()).unwrap_or((url.len(), url.len()));
    let head = url.get(..start).unwrap_or_default();
    let stars = if start < end { "***" } else { "" };
    let tail = url.get(end..).unwrap_or_default();
    let mut shown = String::new();
    let _ = write!(shown, "{head}{stars}{tail}");
    if shown.len() > DISPLAY_MAX {
        let mut cut = DISPLAY_MAX;
        while !shown.is_char_boundary(cut) {
            cut -= 1;
        }
        shown.truncate(cut);
        let _ = write!(shown, "… ({} bytes)", url.len());
    }
    shown
}

/// Where the authority of `url` starts and ends (after `scheme://`, before the path,
/// query or fragment), or `None` without a `://`.
///
/// Byte searches rather than `split_once("://")` and `split`/`rsplit` on chars: the same
/// positions (all the delimiters are ASCII), without core's substring searcher (two-way
/// algorithm) and `str` slicing, whose panic path formats char boundaries.
pub(crate) fn authority(url: &[u8]) -> Option<(usize, usize)> {
    let start = url.windows(3).position(|w| w == b"://")? + 3;
    let len = url
        .get(start..)
        .unwrap_or_default()
        .iter()
        .position(|b| matches!(b, b'/' | b'?' | b'#'))
        .unwrap_or(url.len() - start);
    Some((start, start + len))
}

/// Where the password of `url`'s user info starts and ends (`user:` .. `@`), if it has one.
fn password(url: &[u8]) -> Option<(usize, usize)> {
    let (start, end) = authority(url)?;
    let authority = url.get(start..end)?;
    let at = authority.iter().rposition(|&b| b == b'@')?;
    let colon = authority.get(..at)?.iter().position(|&b| b == b':')?;
    Some((start + colon + 1, start + at))
}

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
    fn passwords_are_never_shown() {
        assert_eq!(for_display("ws://user:secret@host/"), "ws://user:***@host/");
        assert_eq!(for_display("wss://:secret@h:1/p?q"), "wss://:***@h:1/p?q");
        // The last `@` of the authority ends the user info, as browsers parse it.
        assert_eq!(for_display("ws://u:a@b@host/x@y"), "ws://u:***@host/x@y");
        // Nothing to hide.
        for url in [
            "ws://user@host/",
            "ws://host/a:b@c",
            "ws://host/?x=a:b@c",
            "x",
        ] {
            assert_eq!(for_display(url), url);
        }
        let error = problem_error("ws://user:secret@host:0/");
        assert!(
            !format!("{error} {error:?}").contains("secret"),
            "{error:?}"
        );
    }

    fn problem_error(url: &str) -> Error {
        check_websocket_url(url).expect_err(url)
    }

    #[test]
    fn long_urls_are_shortened_on_a_char_boundary() {
        let long = format!("ws://host/{}", "é".repeat(100_000));
        let shown = for_display(&long);
        assert!(shown.len() < 300, "{}", shown.len());
        assert!(shown.ends_with("… (200010 bytes)"), "{shown}");
        assert!(shown.starts_with("ws://host/é"));
        // Every cut position, with characters of every width.
        for pad in 0..4 {
            let url = format!("ws://h/{}{}", "a".repeat(pad), "€😀".repeat(100));
            assert!(for_display(&url).contains("bytes)"));
        }
        let short = "ws://host/".to_owned() + &"a".repeat(190);
        assert_eq!(for_display(&short), short);
        let error = problem_error(&format!("ws://host:0/{}", "x".repeat(200_000)));
        assert!(error.to_string().len() < 400, "{}", error.to_string().len());
    }
}
