//! Which proxy the environment names for a server, as curl and Go read the variables. Pure
//! functions of the variables (passed in), so that the rules are tested without touching
//! the process's environment.

use std::net::IpAddr;

/// The variables that may name the proxy for `ws://` (`secure` false) or `wss://`, in the
/// order they are read: the scheme's own, then `ALL_PROXY`; lower case first, as curl
/// reads them.
pub(super) fn proxy_variables(secure: bool) -> [&'static str; 4] {
    if secure {
        ["https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"]
    } else {
        ["http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"]
    }
}

/// The proxy the environment names for the server at `host:port` (reached with `wss://`
/// when `secure`): the variable it comes from and its value. `None` when the server is
/// reached directly: no variable is set, or `NO_PROXY` matches the server.
///
/// `var` reads one variable; an empty value counts as unset. `HTTP_PROXY` in capitals is
/// ignored in a CGI program (`REQUEST_METHOD` set), where a request's `Proxy:` header may
/// have set it ("httpoxy").
pub(super) fn proxy_for(
    secure: bool,
    host: &str,
    port: u16,
    var: impl Fn(&str) -> Option<String>,
) -> Option<(&'static str, String)> {
    let set = |name: &str| var(name).filter(|value| !value.trim().is_empty());
    let cgi = set("REQUEST_METHOD").is_some();
    let (name, value) = proxy_variables(secure)
        .into_iter()
        .filter(|name| !(cgi && *name == "HTTP_PROXY"))
        .find_map(|name| set(name).map(|value| (name, value)))?;
    let no_proxy = set("no_proxy").or_else(|| set("NO_PROXY"));
    if no_proxy.is_some_and(|list| no_proxy_matches(&list, host, port)) {
        return None;
    }
    Some((name, value.trim().to_owned()))
}

/// Whether the `NO_PROXY` list `list` names the server at `host:port`. See
/// [`Proxy`](crate::Proxy) for the rules.
pub(super) fn no_proxy_matches(list: &str, host: &str, port: u16) -> bool {
    let host = normalize(host);
    let host_ip = host.parse::<IpAddr>().ok();
    list.split(|c: char| c == ',' || c.is_ascii_whitespace())
        .filter(|entry| !entry.is_empty())
        .any(|entry| {
            if entry == "*" {
                return true;
            }
            let (pattern, entry_port) = split_port(entry);
            if entry_port.is_some_and(|entry_port| entry_port != port) {
                return false;
            }
            match host_ip {
                Some(ip) => ip_matches(normalize(pattern).as_str(), ip),
                None => name_matches(&normalize(pattern), &host),
            }
        })
}

/// `host` as compared: lower case, without IPv6 brackets or a trailing dot.
fn normalize(host: &str) -> String {
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase()
}

/// An entry and its port, if it ends in one: `host:80`, `[::1]:80`, `10.0.0.0/8:80`. A
/// bare IPv6 address (`::1`, `fd00::/8`) has no port.
fn split_port(entry: &str) -> (&str, Option<u16>) {
    if let Some(rest) = entry.strip_prefix('[') {
        if let Some((address, after)) = rest.split_once(']') {
            let port = after.strip_prefix(':').and_then(|p| p.parse().ok());
            return (address, port);
        }
    }
    match entry.rsplit_once(':') {
        Some((pattern, port)) if !pattern.contains(':') => match port.parse() {
            Ok(port) => (pattern, Some(port)),
            Err(_) => (entry, None),
        },
        _ => (entry, None),
    }
}

/// `example.com`, `.example.com` and `*.example.com` match `example.com` and the names
/// under it.
fn name_matches(pattern: &str, host: &str) -> bool {
    let domain = pattern
        .strip_prefix("*.")
        .or_else(|| pattern.strip_prefix('.'))
        .unwrap_or(pattern);
    !domain.is_empty()
        && (host == domain
            || host
                .strip_suffix(domain)
                .is_some_and(|under| under.ends_with('.')))
}

/// An address (`10.1.2.3`, `::1`) or a range (`10.0.0.0/8`, `fd00::/8`) containing `ip`.
/// IPv4 addresses mapped into IPv6 (`::ffff:10.1.2.3`) are compared as IPv4.
fn ip_matches(pattern: &str, ip: IpAddr) -> bool {
    let (address, bits) = match pattern.split_once('/') {
        Some((address, bits)) => match bits.parse::<u32>() {
            Ok(bits) => (address, Some(bits)),
            Err(_) => return false,
        },
        None => (pattern, None),
    };
    let Ok(network) = address.parse::<IpAddr>() else {
        return false;
    };
    match (network.to_canonical(), ip.to_canonical()) {
        (IpAddr::V4(network), IpAddr::V4(ip)) => {
            prefix_matches(network.to_bits().into(), ip.to_bits().into(), bits, 32)
        }
        (IpAddr::V6(network), IpAddr::V6(ip)) => {
            prefix_matches(network.to_bits(), ip.to_bits(), bits, 128)
        }
        _ => false,
    }
}

/// Whether the first `bits` (all `width` when `None`) of `a` and `b` agree. A prefix
/// longer than the address matches nothing.
fn prefix_matches(a: u128, b: u128, bits: Option<u32>, width: u32) -> bool {
    let bits = bits.unwrap_or(width);
    if bits > width {
        return false;
    }
    let ignored = width - bits;
    a.checked_shr(ignored).unwrap_or(0) == b.checked_shr(ignored).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        |name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    fn chosen(secure: bool, vars: &[(&str, &str)]) -> Option<(&'static str, String)> {
        proxy_for(secure, "server.example", 443, env(vars))
    }

    #[test]
    fn each_scheme_reads_its_variable_then_all_proxy() {
        let vars = [
            ("HTTP_PROXY", "http://plain:1"),
            ("HTTPS_PROXY", "http://secure:1"),
            ("ALL_PROXY", "socks5://all:1"),
        ];
        assert_eq!(
            chosen(false, &vars),
            Some(("HTTP_PROXY", "http://plain:1".into()))
        );
        assert_eq!(
            chosen(true, &vars),
            Some(("HTTPS_PROXY", "http://secure:1".into()))
        );
        let only_all = [("ALL_PROXY", "socks5://all:1")];
        assert_eq!(
            chosen(false, &only_all),
            Some(("ALL_PROXY", "socks5://all:1".into()))
        );
        assert_eq!(
            chosen(true, &only_all),
            Some(("ALL_PROXY", "socks5://all:1".into()))
        );
        assert_eq!(chosen(true, &[("HTTP_PROXY", "http://plain:1")]), None);
        assert_eq!(chosen(false, &[]), None);
    }

    #[test]
    fn lower_case_comes_first_and_empty_is_unset() {
        let vars = [
            ("https_proxy", "http://lower:1"),
            ("HTTPS_PROXY", "http://upper:1"),
        ];
        assert_eq!(
            chosen(true, &vars),
            Some(("https_proxy", "http://lower:1".into()))
        );
        let vars = [("https_proxy", " "), ("HTTPS_PROXY", "http://upper:1")];
        assert_eq!(
            chosen(true, &vars),
            Some(("HTTPS_PROXY", "http://upper:1".into()))
        );
        let vars = [("http_proxy", ""), ("all_proxy", "socks5h://all:1")];
        assert_eq!(
            chosen(false, &vars),
            Some(("all_proxy", "socks5h://all:1".into()))
        );
    }

    #[test]
    fn upper_case_http_proxy_is_ignored_in_cgi_programs() {
        let vars = [
            ("HTTP_PROXY", "http://injected:1"),
            ("REQUEST_METHOD", "GET"),
        ];
        assert_eq!(chosen(false, &vars), None);
        let vars = [("http_proxy", "http://mine:1"), ("REQUEST_METHOD", "GET")];
        assert_eq!(
            chosen(false, &vars),
            Some(("http_proxy", "http://mine:1".into()))
        );
        let vars = [
            ("HTTPS_PROXY", "http://secure:1"),
            ("REQUEST_METHOD", "GET"),
        ];
        assert_eq!(
            chosen(true, &vars),
            Some(("HTTPS_PROXY", "http://secure:1".into()))
        );
    }

    #[test]
    fn no_proxy_sends_matching_servers_direct() {
        let vars = [
            ("HTTPS_PROXY", "http://p:1"),
            ("NO_PROXY", "other.example, server.example"),
        ];
        assert_eq!(chosen(true, &vars), None);
        let vars = [("HTTPS_PROXY", "http://p:1"), ("no_proxy", "other.example")];
        assert!(chosen(true, &vars).is_some());
        // Lower case first here too.
        let vars = [
            ("HTTPS_PROXY", "http://p:1"),
            ("no_proxy", "other.example"),
            ("NO_PROXY", "*"),
        ];
        assert!(chosen(true, &vars).is_some());
    }

    #[test]
    fn no_proxy_names_and_suffixes() {
        let m = |list: &str, host: &str| no_proxy_matches(list, host, 80);
        assert!(m("*", "anything.example"));
        assert!(m("example.com", "example.com"));
        assert!(m("example.com", "www.example.com"));
        assert!(m(".example.com", "example.com"));
        assert!(m(".example.com", "a.b.example.com"));
        assert!(m("*.example.com", "www.example.com"));
        assert!(m("EXAMPLE.com.", "www.Example.COM"));
        assert!(m("a, b ,example.com", "example.com"));
        assert!(m("a example.com", "example.com"));
        assert!(!m("example.com", "badexample.com"));
        assert!(!m("www.example.com", "example.com"));
        assert!(!m("example.com", "example.com.evil"));
        assert!(!m("", "example.com"));
        assert!(!m(".", "example.com"));
        assert!(
            !m("*example.com", "example.com"),
            "only `*` alone is a wildcard"
        );
        assert!(!m("localhost", "127.0.0.1"), "names are not resolved");
    }

    #[test]
    fn no_proxy_addresses_and_ranges() {
        let m = |list: &str, host: &str| no_proxy_matches(list, host, 80);
        assert!(m("127.0.0.1", "127.0.0.1"));
        assert!(!m("127.0.0.1", "127.0.0.2"));
        assert!(m("10.0.0.0/8", "10.200.3.4"));
        assert!(!m("10.0.0.0/8", "11.0.0.1"));
        assert!(m("0.0.0.0/0", "203.0.113.9"));
        assert!(m("192.168.1.7/32", "192.168.1.7"));
        assert!(
            !m("192.168.1.0/33", "192.168.1.7"),
            "a prefix longer than the address"
        );
        assert!(!m("192.168.1.0/x", "192.168.1.7"));
        assert!(m("::1", "[::1]"));
        assert!(m("[::1]", "::1"));
        assert!(m("fd00::/8", "[fd12:3456::1]"));
        assert!(!m("fd00::/8", "[fe80::1]"));
        assert!(m("::/0", "[2001:db8::1]"));
        assert!(m("10.1.2.3", "[::ffff:10.1.2.3]"), "IPv4 mapped into IPv6");
        assert!(!m("10.0.0.0/8", "[2001:db8::1]"));
        assert!(!m("example.com", "10.1.2.3"));
    }

    #[test]
    fn no_proxy_entries_with_a_port_match_that_port_only() {
        assert!(no_proxy_matches("example.com:8443", "example.com", 8443));
        assert!(!no_proxy_matches("example.com:8443", "example.com", 443));
        assert!(no_proxy_matches("[::1]:9000", "[::1]", 9000));
        assert!(!no_proxy_matches("[::1]:9000", "[::1]", 9001));
        assert!(no_proxy_matches("10.0.0.0/8:80", "10.9.9.9", 80));
        assert!(!no_proxy_matches("10.0.0.0/8:80", "10.9.9.9", 81));
        assert!(no_proxy_matches("127.0.0.1:9000", "127.0.0.1", 9000));
    }
}
