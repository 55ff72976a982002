//! How a native connection reaches its server: the [`Proxy`] setting.

/// How a native connection reaches its server. See [`Config::proxy`](crate::Config::proxy).
///
/// # Proxy URLs
///
/// | URL | what the client does |
/// |---|---|
/// | `http://host:port` | HTTP `CONNECT host:port` to the proxy (port 80 when left out); the proxy opens a TCP tunnel |
/// | `socks5://host:port` | SOCKS5 (port 1080 when left out); the client resolves the server's name and hands the proxy an address |
/// | `socks5h://host:port` | SOCKS5; the proxy resolves the server's name (for names only the proxy's network knows) |
/// | `host:port` | as `http://host:port`, as curl reads it |
///
/// Each may carry `user:password@` before the host, percent-encoded where needed
/// (`%40` for `@`): HTTP proxies get them as `Proxy-Authorization: Basic`, SOCKS5 proxies
/// as username and password (RFC 1929). Errors and `Debug` show the user but never the
/// password. For `wss://` the TLS session runs end to end with the server, through the
/// tunnel: the proxy sees only the server's name and port. Proxies reached over TLS
/// (`https://` proxy URLs) are not supported: `connect` says so.
///
/// # The environment
///
/// [`Proxy::FromEnvironment`] reads, at each `connect`, the variables curl and Go read:
///
/// | variable | for |
/// |---|---|
/// | `http_proxy`, then `HTTP_PROXY` | `ws://` |
/// | `https_proxy`, then `HTTPS_PROXY` | `wss://` |
/// | `all_proxy`, then `ALL_PROXY` | either, when the one above is unset |
/// | `no_proxy`, then `NO_PROXY` | servers reached directly |
///
/// An empty variable counts as unset. `HTTP_PROXY` in capitals is ignored when
/// `REQUEST_METHOD` is set, as curl and Go ignore it: in a CGI program it may come from a
/// request's `Proxy:` header.
///
/// `NO_PROXY` is a list separated by commas (or spaces): `*` alone matches every server;
/// `example.com` and `.example.com` (and `*.example.com`) both match `example.com` and
/// every name under it, as curl reads them; `192.168.0.0/16` or `fd00::/8` match
/// addresses in that range, `10.1.2.3` and `::1` (or `[::1]`) one address; any entry may
/// end in `:port` to match only that port. Names are compared without regard to case and
/// to a trailing dot, and never resolved: `localhost` does not match `127.0.0.1`. A
/// server on the loopback is proxied like any other unless `NO_PROXY` names it (curl's
/// rule; Go skips the proxy for it).
///
/// A variable whose URL is not one of the above makes `connect` fail with
/// [`Error::InvalidProxy`](crate::Error::InvalidProxy), naming the variable.
#[derive(Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Proxy {
    /// The proxy the environment names, if any (the default).
    #[default]
    FromEnvironment,
    /// No proxy, whatever the environment says.
    Direct,
    /// This proxy, whatever the environment says.
    Url(String),
}

/// The URL with its password as `***`.
impl std::fmt::Debug for Proxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::FromEnvironment => f.write_str("FromEnvironment"),
            Self::Direct => f.write_str("Direct"),
            Self::Url(url) => f.debug_tuple("Url").field(&redacted(url).as_str()).finish(),
        }
    }
}

/// `url` as errors and `Debug` show a proxy URL: the password as `***`, also in a URL
/// without a scheme (`user:pass@host:port`, which curl reads as `http://`).
pub(crate) fn redacted(url: &str) -> String {
    if url.contains("://") {
        crate::redact::for_display(url)
    } else {
        let shown = crate::redact::for_display(&format!("http://{url}"));
        match shown.strip_prefix("http://") {
            Some(rest) => rest.to_owned(),
            None => shown,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_password() {
        for url in [
            "http://alice:s3cret@proxy:3128",
            "socks5h://alice:s3cret@proxy",
            "alice:s3cret@proxy:3128",
        ] {
            let shown = format!("{:?}", Proxy::Url(url.into()));
            assert!(!shown.contains("s3cret"), "{shown}");
            assert!(shown.contains("alice:***@proxy"), "{shown}");
        }
        assert_eq!(
            format!("{:?}", Proxy::Url("http://proxy:3128".into())),
            r#"Url("http://proxy:3128")"#
        );
    }
}
