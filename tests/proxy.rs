//! Connections through real proxies, started by the tests: tinyproxy (HTTP CONNECT),
//! Dante (SOCKS5) and pproxy (SOCKS5 with a password); `ws://` to the test server and
//! `wss://` to an echo server whose certificate a test authority signed. Each proxy's log
//! shows that the tunnel went through it. The environment variables are in
//! `proxy_env.rs`, a process of their own.

#![cfg(native)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]

mod support;

use omnisocket::{Client, Config, Error, Message, Trust};
use support::proxies::{HttpRules, ProxyProcess};
use support::tls::Authority;
use support::{GENEROUS, Peer};

/// The servers a tunnel is tried to: the test server (`ws://`) and a TLS echo server
/// (`wss://`, its authority trusted alone).
struct Servers {
    peer: Peer,
    authority: Authority,
    tls_port: u16,
}

impl Servers {
    async fn start() -> Servers {
        let authority = Authority::new("omnisocket proxy tests");
        let tls_port = authority.echo_server().await;
        Servers {
            peer: Peer::start().await,
            authority,
            tls_port,
        }
    }

    /// The config for `url`, through `proxy`.
    fn config(&self, proxy: &str) -> Config {
        Config::default()
            .proxy(proxy)
            .trust(Trust::Given)
            .root_certificate_pem(self.authority.pem())
    }

    /// Echoes one message through `proxy` over `ws://` and over `wss://` (with `host` in
    /// the URL), and shuts down cleanly; checks that the proxy carried both.
    async fn echo_through(&self, proxy: &ProxyProcess, proxy_url: &str, host: &str) {
        let urls = [
            (
                self.peer.url("/echo").replace("127.0.0.1", host),
                self.peer.port(),
            ),
            (format!("wss://{host}:{}/", self.tls_port), self.tls_port),
        ];
        for (url, port) in urls {
            let mut client = Client::connect(&url, self.config(proxy_url))
                .await
                .unwrap_or_else(|error| panic!("{url} through {proxy_url}: {error}"));
            client.send(Message::text("through")).await.unwrap();
            let echoed = client.recv().await.unwrap().unwrap();
            assert_eq!(echoed.as_text(), Some("through"), "{url}");
            let outcome = client.shutdown(GENEROUS).await;
            assert!(outcome.is_clean(), "{url}: {outcome:?}");
            assert!(
                proxy.tunnelled_to(port),
                "{url}: the proxy did not log the tunnel:\n{}",
                proxy.output()
            );
        }
    }
}

/// The error of a connection that must fail, with checks that it never shows `password`.
async fn proxy_error(url: &str, config: Config, password: Option<&str>) -> (String, Option<u16>) {
    match Client::connect(url, config).await {
        Ok(_) => panic!("{url}: connected"),
        Err(error @ Error::Proxy(_)) => {
            let (shown, debug) = (error.to_string(), format!("{error:?}"));
            if let Some(password) = password {
                assert!(!shown.contains(password), "{shown}");
                assert!(!debug.contains(password), "{debug}");
            }
            (shown, error.status())
        }
        Err(other) => panic!("{url}: expected Error::Proxy, got {other:?}"),
    }
}

#[tokio::test]
async fn ws_and_wss_through_an_http_proxy() {
    let servers = Servers::start().await;
    let proxy = ProxyProcess::tinyproxy(HttpRules::default()).await;
    servers
        .echo_through(&proxy, &proxy.url("http", None), "127.0.0.1")
        .await;
    // A URL without a scheme is an HTTP proxy, as curl reads it.
    let bare = format!("127.0.0.1:{}", proxy.port());
    servers.echo_through(&proxy, &bare, "localhost").await;
}

#[tokio::test]
async fn an_http_proxy_with_credentials() {
    let servers = Servers::start().await;
    let credentials = ("alice", "s3cret-pw");
    let proxy = ProxyProcess::tinyproxy(HttpRules {
        credentials: Some(credentials),
        ..HttpRules::default()
    })
    .await;
    servers
        .echo_through(&proxy, &proxy.url("http", Some(credentials)), "127.0.0.1")
        .await;

    let url = servers.peer.url("/echo");
    let wrong = proxy.url("http", Some(("alice", "wrong-pw")));
    let (shown, status) = proxy_error(&url, servers.config(&wrong), Some("wrong-pw")).await;
    // tinyproxy answers wrong credentials with 401 rather than 407.
    assert!(matches!(status, Some(401 | 407)), "{shown}");
    assert!(shown.contains("refused the credentials"), "{shown}");
    assert!(shown.contains("alice:***@127.0.0.1"), "{shown}");

    let (shown, status) = proxy_error(&url, servers.config(&proxy.url("http", None)), None).await;
    assert_eq!(status, Some(407), "{shown}");
    assert!(shown.contains("asks for credentials"), "{shown}");
}

#[tokio::test]
async fn a_reconnecting_client_gives_up_when_the_proxy_refuses_its_credentials() {
    use omnisocket::reconnect::{Reconnect, Reconnecting};
    let servers = Servers::start().await;
    let proxy = ProxyProcess::tinyproxy(HttpRules {
        credentials: Some(("alice", "s3cret-pw")),
        ..HttpRules::default()
    })
    .await;
    let wrong = proxy.url("http", Some(("alice", "wrong-pw")));
    // Retrying could not help: the first refusal ends it, whatever the attempts left.
    let policy = Reconnect::default().max_attempts(Some(50));
    let result =
        Reconnecting::<Client>::connect(&servers.peer.url("/echo"), servers.config(&wrong), policy)
            .await;
    match result {
        Err(error @ Error::Proxy(_)) => assert_eq!(error.status(), Some(401)),
        Err(other) => panic!("expected Error::Proxy, got {other:?}"),
        Ok(_) => panic!("connected with wrong credentials"),
    }
    let request = format!("CONNECT 127.0.0.1:{} ", servers.peer.port());
    let attempts = proxy.output().matches(&request).count();
    assert_eq!(attempts, 1, "{}", proxy.output());
}

#[tokio::test]
async fn an_http_proxy_that_refuses_the_tunnel() {
    let servers = Servers::start().await;
    let proxy = ProxyProcess::tinyproxy(HttpRules {
        only_port: Some(443),
        ..HttpRules::default()
    })
    .await;
    let url = servers.peer.url("/echo");
    let (shown, status) = proxy_error(&url, servers.config(&proxy.url("http", None)), None).await;
    assert_eq!(status, Some(403), "{shown}");
    let tunnel = format!(
        "refused the tunnel to 127.0.0.1:{} (HTTP 403",
        servers.peer.port()
    );
    assert!(shown.contains(&tunnel), "{shown}");
    assert!(shown.contains(&proxy.url("http", None)), "{shown}");
}

#[tokio::test]
async fn ws_and_wss_through_a_socks5_proxy() {
    let servers = Servers::start().await;
    let closed = servers.peer.closed_port().await;
    let proxy = ProxyProcess::dante(closed).await;
    // socks5: the client resolves `localhost`; socks5h: the proxy does.
    for scheme in ["socks5", "socks5h"] {
        servers
            .echo_through(&proxy, &proxy.url(scheme, None), "localhost")
            .await;
    }
    servers
        .echo_through(&proxy, &proxy.url("socks5", None), "127.0.0.1")
        .await;
}

#[tokio::test]
async fn a_socks5_proxy_names_its_refusal() {
    let servers = Servers::start().await;
    let blocked = servers.peer.closed_port().await;
    let proxy = ProxyProcess::dante(blocked).await;
    let config = servers.config(&proxy.url("socks5h", None));

    let url = format!("ws://127.0.0.1:{blocked}/");
    let (shown, status) = proxy_error(&url, config.clone(), None).await;
    assert_eq!(status, None);
    let expected = format!(
        "refused the tunnel to 127.0.0.1:{blocked}: connection not allowed by ruleset (reply 2)"
    );
    assert!(shown.contains(&expected), "{shown}");

    let closed = servers.peer.closed_port().await;
    let url = format!("ws://127.0.0.1:{closed}/");
    let (shown, _) = proxy_error(&url, config.clone(), None).await;
    assert!(shown.contains("connection refused (reply 5)"), "{shown}");

    let (shown, _) = proxy_error("ws://no-such-host.invalid/", config, None).await;
    assert!(shown.contains("host unreachable (reply 4)"), "{shown}");
}

#[tokio::test]
async fn a_socks5_proxy_with_credentials() {
    let servers = Servers::start().await;
    let credentials = ("bob", "pa55-word");
    let proxy = ProxyProcess::pproxy_socks5(credentials.0, credentials.1).await;
    for scheme in ["socks5", "socks5h"] {
        servers
            .echo_through(&proxy, &proxy.url(scheme, Some(credentials)), "localhost")
            .await;
    }

    let url = servers.peer.url("/echo");
    let wrong = proxy.url("socks5h", Some(("bob", "wrong-pw")));
    let (shown, _) = proxy_error(&url, servers.config(&wrong), Some("wrong-pw")).await;
    // pproxy ends the connection instead of sending a failure status.
    assert!(
        shown.contains("refused the credentials") || shown.contains("wrong credentials?"),
        "{shown}"
    );
    assert!(shown.contains("bob:***@127.0.0.1"), "{shown}");

    let (shown, _) = proxy_error(&url, servers.config(&proxy.url("socks5h", None)), None).await;
    assert!(
        shown.contains("asks for credentials") || shown.contains("does it want credentials?"),
        "{shown}"
    );
}

#[tokio::test]
async fn a_proxy_that_is_down_is_named() {
    let peer = Peer::start().await;
    let closed = peer.closed_port().await;
    for scheme in ["http", "socks5", "socks5h"] {
        let proxy = format!("{scheme}://carol:hunter2@127.0.0.1:{closed}");
        let config = Config::default().proxy(&proxy);
        let (shown, status) = proxy_error(&peer.url("/echo"), config, Some("hunter2")).await;
        assert_eq!(status, None);
        let expected = format!(
            "could not connect through the proxy `{scheme}://carol:***@127.0.0.1:{closed}`: \
             the proxy could not be reached: connection refused"
        );
        assert!(shown.starts_with(&expected), "{shown}");
    }
}

#[tokio::test]
async fn a_proxy_url_that_cannot_work_is_refused_before_connecting() {
    let peer = Peer::start().await;
    for (proxy, expected) in [
        ("https://127.0.0.1:1", "over TLS"),
        (
            "socks4://127.0.0.1:1",
            "`socks4://` proxies are not supported",
        ),
        ("http://127.0.0.1:1/path", "no path"),
        ("http://dave:pw@[::1", "not a valid proxy URL"),
    ] {
        let config = Config::default().proxy(proxy);
        match Client::connect(&peer.url("/echo"), config).await {
            Err(error @ Error::InvalidProxy(_)) => {
                let shown = error.to_string();
                assert!(shown.contains(expected), "{proxy}: {shown}");
            }
            other => panic!("{proxy}: expected Error::InvalidProxy, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn the_connect_timeout_covers_the_proxy() {
    // A "proxy" that accepts the connection and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let _silent = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    for scheme in ["http", "socks5h"] {
        let config = Config::default()
            .proxy(format!("{scheme}://127.0.0.1:{port}"))
            .connect_timeout(std::time::Duration::from_millis(300));
        let result = Client::connect("ws://127.0.0.1:9/", config).await;
        assert!(
            matches!(result, Err(Error::ConnectTimeout(_))),
            "{scheme}: {result:?}"
        );
    }
}
