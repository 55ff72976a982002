//! The proxy environment variables, end to end, against tinyproxy: a process of its own,
//! as the variables are the whole process's. One test, so that no other test runs while
//! they change. The rules themselves (scheme to variable, `NO_PROXY` matching) are unit
//! tests of `src/native/proxy/env.rs`.

#![cfg(native)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]

mod support;

use omnisocket::{Client, Config, Error, Message};
use support::proxies::{HttpRules, ProxyProcess};
use support::tls::Authority;
use support::{GENEROUS, Peer};

const VARIABLES: [&str; 8] = [
    "http_proxy",
    "HTTP_PROXY",
    "https_proxy",
    "HTTPS_PROXY",
    "all_proxy",
    "ALL_PROXY",
    "no_proxy",
    "NO_PROXY",
];

/// Sets the proxy variables to exactly `vars`.
fn set_environment(vars: &[(&str, &str)]) {
    for name in VARIABLES {
        // SAFETY: this binary's only test changes the variables between connections, while
        // no other thread of the process reads the environment.
        unsafe { std::env::remove_var(name) };
    }
    for (name, value) in vars {
        // SAFETY: as above.
        unsafe { std::env::set_var(name, value) };
    }
}

async fn echo(url: &str, config: Config) -> Result<(), Error> {
    let mut client = Client::connect(url, config).await?;
    client.send(Message::text("via env")).await?;
    let echoed = client.recv().await.unwrap()?;
    assert_eq!(echoed.as_text(), Some("via env"));
    assert!(client.shutdown(GENEROUS).await.is_clean());
    Ok(())
}

#[tokio::test(flavor = "current_thread")]
async fn the_environment_names_the_proxy() {
    let peer = Peer::start().await;
    let authority = Authority::new("omnisocket proxy environment");
    let tls_port = authority.echo_server().await;
    let credentials = ("erin", "env-s3cret");
    let proxy = ProxyProcess::tinyproxy(HttpRules {
        credentials: Some(credentials),
        ..HttpRules::default()
    })
    .await;
    let good = proxy.url("http", Some(credentials));
    let wrong = proxy.url("http", Some(("erin", "wrong-pw")));
    let down = format!("http://127.0.0.1:{}", peer.closed_port().await);
    let ws = peer.url("/echo");
    let wss = format!("wss://localhost:{tls_port}/");
    let tls = || Config::default().root_certificate_pem(authority.pem());

    // ws:// takes HTTP_PROXY: wrong credentials fail, naming the variable...
    set_environment(&[("HTTP_PROXY", &wrong)]);
    match echo(&ws, Config::default()).await {
        Err(error @ Error::Proxy(_)) => {
            let shown = error.to_string();
            assert!(shown.contains("refused the credentials"), "{shown}");
            assert!(
                shown.contains("(the proxy is set by HTTP_PROXY)"),
                "{shown}"
            );
            assert!(!shown.contains("wrong-pw"), "{shown}");
        }
        other => panic!("expected Error::Proxy, got {other:?}"),
    }
    // ...and the lower-case variable comes first.
    set_environment(&[("HTTP_PROXY", &wrong), ("http_proxy", &good)]);
    echo(&ws, Config::default()).await.unwrap();
    assert!(proxy.tunnelled_to(peer.port()), "{}", proxy.output());

    // wss:// takes HTTPS_PROXY, not HTTP_PROXY; ALL_PROXY when it is unset.
    set_environment(&[("HTTPS_PROXY", &good), ("HTTP_PROXY", &down)]);
    echo(&wss, tls()).await.unwrap();
    assert!(proxy.tunnelled_to(tls_port), "{}", proxy.output());
    set_environment(&[("ALL_PROXY", &down)]);
    let result = echo(&wss, tls()).await;
    assert!(
        matches!(&result, Err(error @ Error::Proxy(_))
            if error.problem().is_some_and(|problem| problem.contains("ALL_PROXY"))),
        "{result:?}"
    );

    // NO_PROXY and `no_proxy()` go direct; `proxy(url)` wins over the environment.
    set_environment(&[("HTTP_PROXY", &down), ("NO_PROXY", "example.com,127.0.0.1")]);
    echo(&ws, Config::default()).await.unwrap();
    set_environment(&[("HTTP_PROXY", &down), ("no_proxy", "*")]);
    echo(&ws, Config::default()).await.unwrap();
    set_environment(&[("HTTP_PROXY", &down)]);
    echo(&ws, Config::default().no_proxy()).await.unwrap();
    echo(&ws, Config::default().proxy(&good)).await.unwrap();

    // A variable that is not a proxy URL is an error that names it.
    set_environment(&[("https_proxy", "ftp://frank:pw@proxy:21")]);
    match echo(&wss, tls()).await {
        Err(error @ Error::InvalidProxy(_)) => {
            assert_eq!(error.proxy(), Some("ftp://frank:***@proxy:21"));
            let problem = error.problem().unwrap_or_default();
            assert!(
                problem.contains("(the proxy is set by https_proxy)"),
                "{problem}"
            );
        }
        other => panic!("expected Error::InvalidProxy, got {other:?}"),
    }
    set_environment(&[]);
}
