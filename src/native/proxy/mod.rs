//! Reaching the server through a proxy: which proxy (the setting or the environment), and
//! the tunnel through it (HTTP `CONNECT` or SOCKS5). Once the tunnel is open the
//! connection goes on as a direct one: TLS (for `wss://`) and the upgrade run end to end
//! with the server, through it.

mod env;
mod http;
mod socks;
mod tunnel;

use std::net::IpAddr;

use tokio::net::TcpStream;

pub(super) use self::tunnel::Server;
use self::tunnel::{Credentials, Refusal};
use crate::{Config, Error, Proxy};

/// A proxy to connect through.
#[derive(Debug)]
pub(super) struct ProxyServer {
    kind: Kind,
    /// A name, or an address (IPv6 without brackets).
    host: String,
    port: u16,
    credentials: Option<Credentials>,
    /// The URL as errors show it (no password).
    shown: String,
    /// The environment variable that named it, if it came from there.
    variable: Option<&'static str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    HttpConnect,
    /// SOCKS5; `remote_dns`: the proxy resolves the server's name (`socks5h://`).
    Socks5 {
        remote_dns: bool,
    },
}

/// The proxy to reach `server` through, if any, by the setting or the environment.
pub(super) fn choose(config: &Config, server: &Server) -> Result<Option<ProxyServer>, Error> {
    match &config.proxy {
        Proxy::Direct => Ok(None),
        Proxy::Url(url) => ProxyServer::parse(url, None).map(Some),
        Proxy::FromEnvironment => {
            let var = |name: &str| std::env::var(name).ok();
            match env::proxy_for(server.secure, &server.host, server.port, var) {
                Some((variable, url)) => ProxyServer::parse(&url, Some(variable)).map(Some),
                None => Ok(None),
            }
        }
    }
}

impl ProxyServer {
    /// Parses a proxy URL (see [`Proxy`] for the forms).
    fn parse(url: &str, variable: Option<&'static str>) -> Result<Self, Error> {
        let shown = crate::proxy::redacted(url);
        let invalid =
            |problem: String| Error::invalid_proxy(&shown, with_origin(problem, variable));
        let with_scheme;
        let full = if url.contains("://") {
            url
        } else {
            with_scheme = format!("http://{url}");
            &with_scheme
        };
        let parsed = url::Url::parse(full)
            .map_err(|error| invalid(format!("not a valid proxy URL ({error})")))?;
        let kind = match parsed.scheme() {
            "http" => Kind::HttpConnect,
            "socks5" => Kind::Socks5 { remote_dns: false },
            "socks5h" => Kind::Socks5 { remote_dns: true },
            "https" => {
                return Err(invalid(
                    "proxies reached over TLS (`https://`) are not supported; \
                     use `http://` (the tunnel still carries `wss://` end to end)"
                        .into(),
                ));
            }
            other => {
                return Err(invalid(format!(
                    "`{other}://` proxies are not supported; \
                     use `http://`, `socks5://` or `socks5h://`"
                )));
            }
        };
        if !matches!(parsed.path(), "" | "/") || parsed.query().is_some() {
            return Err(invalid("a proxy URL has no path or query".into()));
        }
        let host = match parsed.host() {
            Some(url::Host::Ipv6(address)) => address.to_string(),
            Some(url::Host::Ipv4(address)) => address.to_string(),
            Some(url::Host::Domain(name)) => proxy_host(name)
                .ok_or_else(|| invalid("the proxy's host is not a valid name".into()))?,
            None => return Err(invalid("the proxy URL has no host".into())),
        };
        let port = parsed.port().unwrap_or(match kind {
            Kind::HttpConnect => 80,
            Kind::Socks5 { .. } => 1080,
        });
        let decode = |part: &str| {
            percent_encoding::percent_decode_str(part)
                .decode_utf8()
                .map(|decoded| decoded.into_owned())
                .map_err(|_| invalid("the proxy's user or password is not UTF-8".into()))
        };
        let credentials = match (parsed.username(), parsed.password()) {
            ("", None) => None,
            (user, password) => Some(Credentials {
                user: decode(user)?,
                password: decode(password.unwrap_or_default())?,
            }),
        };
        Ok(Self {
            kind,
            host,
            port,
            credentials,
            shown,
            variable,
        })
    }

    /// Connects to the proxy and opens a tunnel through it to `server`.
    pub(super) async fn open_tunnel(&self, server: &Server) -> Result<TcpStream, Error> {
        let refused =
            |refusal: Refusal| self.error(refusal.problem, refusal.status, refusal.source);
        match self.kind {
            Kind::HttpConnect => {
                let mut stream = self.connect().await?;
                http::connect(&mut stream, &server.authority(), self.credentials.as_ref())
                    .await
                    .map_err(refused)?;
                Ok(stream)
            }
            Kind::Socks5 { remote_dns } => {
                let credentials = self.credentials.as_ref();
                let targets = socks::targets(server, remote_dns).await.map_err(refused)?;
                // A name resolved here may have several addresses: each is tried, through a
                // connection to the proxy of its own, as a direct connection tries them.
                let mut last = None;
                for target in targets {
                    let stream = self.connect().await?;
                    match socks::connect(stream, target, server, credentials).await {
                        Ok(tunnel) => return Ok(tunnel),
                        Err(refusal) => last = Some(refusal),
                    }
                }
                Err(refused(
                    last.unwrap_or_else(|| Refusal::new("no address to try")),
                ))
            }
        }
    }

    /// Logs that the connection goes through this proxy, and what named it.
    pub(super) fn log_use(&self, span: &tracing::Span) {
        tracing::debug!(
            parent: span,
            proxy = %self.shown,
            set_by = self.variable.unwrap_or("Config::proxy"),
            "through a proxy"
        );
    }

    /// A TCP connection to the proxy.
    async fn connect(&self) -> Result<TcpStream, Error> {
        super::tcp::open_tcp(&self.host, self.port)
            .await
            .map_err(|error| {
                self.error(
                    format!(
                        "the proxy could not be reached: {}",
                        super::tcp::describe_io(&error)
                    ),
                    None,
                    Some(Box::new(error)),
                )
            })
    }

    fn error(
        &self,
        problem: String,
        status: Option<u16>,
        source: Option<crate::BoxError>,
    ) -> Error {
        let error = Error::proxy_failed(&self.shown, with_origin(problem, self.variable), status);
        match source {
            Some(source) => error.with_source(source),
            None => error,
        }
    }
}

/// `problem`, saying which environment variable named the proxy, if one did.
fn with_origin(problem: String, variable: Option<&'static str>) -> String {
    match variable {
        Some(variable) => format!("{problem} (the proxy is set by {variable})"),
        None => problem,
    }
}

/// A proxy's host name as given in a `socks5://` URL (which `url` leaves as written): an
/// IPv4 address, or a name in ASCII (converted from an internationalized one).
fn proxy_host(name: &str) -> Option<String> {
    let decoded = percent_encoding::percent_decode_str(name)
        .decode_utf8()
        .ok()?;
    if let Ok(address) = decoded.parse::<IpAddr>() {
        return Some(address.to_string());
    }
    idna::domain_to_ascii_cow(decoded.as_bytes(), idna::AsciiDenyList::URL)
        .ok()
        .filter(|ascii| !ascii.is_empty())
        .map(|ascii| ascii.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(url: &str) -> ProxyServer {
        match ProxyServer::parse(url, None) {
            Ok(proxy) => proxy,
            Err(error) => panic!("{url}: {error}"),
        }
    }

    fn problem(url: &str, variable: Option<&'static str>) -> String {
        match ProxyServer::parse(url, variable) {
            Ok(proxy) => panic!("{url} parsed: {proxy:?}"),
            Err(error) => error.to_string(),
        }
    }

    #[test]
    fn each_kind_of_proxy_url() {
        let http = parse("http://proxy.corp:3128");
        assert_eq!(
            (http.kind, http.host.as_str(), http.port),
            (Kind::HttpConnect, "proxy.corp", 3128)
        );
        assert!(http.credentials.is_none());
        let socks = parse("socks5://10.0.0.1");
        assert_eq!(
            (socks.kind, socks.host.as_str(), socks.port),
            (Kind::Socks5 { remote_dns: false }, "10.0.0.1", 1080)
        );
        let socks = parse("SOCKS5H://[::1]:9050/");
        assert_eq!(
            (socks.kind, socks.host.as_str(), socks.port),
            (Kind::Socks5 { remote_dns: true }, "::1", 9050)
        );
        let bare = parse("proxy.corp:8080");
        assert_eq!((bare.kind, bare.port), (Kind::HttpConnect, 8080));
        assert_eq!(parse("http://proxy").port, 80);
        assert_eq!(
            parse("socks5h://Bücher.example").host,
            "xn--bcher-kva.example"
        );
    }

    #[test]
    fn credentials_are_percent_decoded_and_never_shown() {
        let proxy = parse("socks5h://alice%40corp:p%3Ass%20word@proxy:1080");
        let credentials = proxy.credentials.as_ref().unwrap();
        assert_eq!(credentials.user, "alice@corp");
        assert_eq!(credentials.password, "p:ss word");
        assert!(!format!("{proxy:?}").contains("ss"), "{proxy:?}");
        assert_eq!(
            proxy.shown.as_str(),
            "socks5h://alice%40corp:***@proxy:1080"
        );
        let user_only = parse("http://bob@proxy:1");
        assert_eq!(user_only.credentials.as_ref().unwrap().password, "");
    }

    #[test]
    fn bad_proxy_urls_say_what_is_wrong_and_where_they_come_from() {
        let shown = problem("ftp://alice:s3cret@proxy:21", Some("HTTPS_PROXY"));
        assert!(
            shown.contains("`ftp://` proxies are not supported"),
            "{shown}"
        );
        assert!(
            shown.contains("(the proxy is set by HTTPS_PROXY)"),
            "{shown}"
        );
        assert!(shown.contains("alice:***@proxy"), "{shown}");
        assert!(!shown.contains("s3cret"), "{shown}");
        let shown = problem("https://proxy:443", None);
        assert!(shown.contains("over TLS"), "{shown}");
        let shown = problem("http://proxy:99999", None);
        assert!(shown.contains("not a valid proxy URL"), "{shown}");
        let shown = problem("http://proxy:1/path", None);
        assert!(shown.contains("no path"), "{shown}");
        let shown = problem("socks5://:1080", None);
        assert!(shown.contains("host"), "{shown}");
        let shown = problem("socks5://u:%FF@proxy", None);
        assert!(shown.contains("not UTF-8"), "{shown}");
        assert!(problem("", None).contains("not a valid proxy URL"));
    }

    #[test]
    fn servers_are_named_as_connect_names_them() {
        let server = |host: &str| Server {
            host: host.into(),
            port: 443,
            secure: true,
        };
        assert_eq!(server("example.com").authority(), "example.com:443");
        assert_eq!(server("::1").authority(), "[::1]:443");
    }
}
