//! The URL as the native backend sends it: an internationalized host name converted to
//! punycode, as browsers convert it (`ws://bücher.example/` connects to
//! `xn--bcher-kva.example`), and no user info, which tungstenite never sends (the
//! `Host` header leaves it out) and which could only end up in its error messages.

use std::borrow::Cow;

use crate::Error;

/// `url` with its host in ASCII and without user info; `url` itself when that is already so.
/// The URL has passed `check_websocket_url`.
pub(super) fn wire_url(url: &str) -> Result<Cow<'_, str>, Error> {
    let Some((start, end)) = crate::redact::authority(url.as_bytes()) else {
        return Ok(Cow::Borrowed(url));
    };
    // The delimiters are ASCII: `start` and `end` are character boundaries.
    let (before, authority, path) = match (url.get(..start), url.get(start..end), url.get(end..)) {
        (Some(before), Some(authority), Some(path)) => (before, authority, path),
        _ => return Ok(Cow::Borrowed(url)),
    };
    let (had_user_info, host_port) = match authority.rfind('@') {
        Some(at) => (true, &authority[at + 1..]),
        None => (false, authority),
    };
    // An IPv6 literal (`[::1]:80`) is ASCII; otherwise the port follows the first `:`.
    let (host, port) = match host_port.find(':') {
        Some(colon) if !host_port.starts_with('[') => host_port.split_at(colon),
        _ => (host_port, ""),
    };
    if host.is_ascii() && !had_user_info {
        return Ok(Cow::Borrowed(url));
    }
    let host = if host.is_ascii() {
        Cow::Borrowed(host)
    } else {
        idna::domain_to_ascii_cow(host.as_bytes(), idna::AsciiDenyList::URL).map_err(|error| {
            Error::invalid_url(url, "the host is not a valid internationalized domain name")
                .with_source(error)
        })?
    };
    Ok(Cow::Owned([before, &host, port, path].concat()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wire(url: &str) -> String {
        match wire_url(url) {
            Ok(url) => url.into_owned(),
            Err(error) => panic!("{url}: {error}"),
        }
    }

    #[test]
    fn internationalized_hosts_become_punycode() {
        assert_eq!(wire("ws://bücher.example/"), "ws://xn--bcher-kva.example/");
        assert_eq!(
            wire("wss://пример.испытание:8443/путь?q"),
            "wss://xn--e1afmkfd.xn--80akhbyknj4f:8443/путь?q"
        );
        assert_eq!(wire("ws://BÜCHER.example"), "ws://xn--bcher-kva.example");
    }

    #[test]
    fn ascii_hosts_are_kept_and_user_info_dropped() {
        for url in [
            "ws://127.0.0.1:9000/echo",
            "ws://[::1]:80/?a=b",
            "ws://Host/",
        ] {
            assert!(matches!(wire_url(url), Ok(Cow::Borrowed(same)) if same == url));
        }
        assert_eq!(wire("ws://user:secret@host:1/p"), "ws://host:1/p");
        assert_eq!(
            wire("ws://u:p@bücher.example/"),
            "ws://xn--bcher-kva.example/"
        );
    }

    #[test]
    fn invalid_international_names_are_invalid_urls() {
        let result = wire_url("ws://a\u{fffd}b.example/");
        match result {
            // The IDNA error is the cause.
            Err(error @ Error::InvalidUrl(_)) => {
                assert!(std::error::Error::source(&error).is_some(), "{error:?}");
            }
            other => panic!("expected InvalidUrl, got {other:?}"),
        }
    }
}
