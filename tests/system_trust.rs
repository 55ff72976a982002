//! The default trust is the operating system's store, which on Linux honours
//! `SSL_CERT_FILE`: a process of its own, as the variable must be set before the first
//! `wss://` connection reads the store (once per process).

#![cfg(native)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]

mod support;

use omnisocket::{Client, Config, Error, Message, Trust};
use support::GENEROUS;
use support::tls::Authority;

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "current_thread")]
async fn a_ca_in_ssl_cert_file_is_trusted_by_default() {
    let corporate = Authority::new("omnisocket corporate gateway");
    let unknown = Authority::new("omnisocket unknown authority");
    let bundle = std::env::temp_dir().join(format!("omnisocket-ca-{}.pem", std::process::id()));
    std::fs::write(&bundle, corporate.pem()).unwrap();
    // SAFETY: the only test of this binary, before anything reads the environment.
    unsafe {
        std::env::set_var("SSL_CERT_FILE", &bundle);
        std::env::remove_var("SSL_CERT_DIR");
    }

    let trusted = format!("wss://localhost:{}/", corporate.echo_server().await);
    let mut client = Client::connect(&trusted, Config::default()).await.unwrap();
    client.send(Message::text("inspected")).await.unwrap();
    let echoed = client.recv().await.unwrap().unwrap();
    assert_eq!(echoed.as_text(), Some("inspected"));
    assert!(client.shutdown(GENEROUS).await.is_clean());

    // The built-in roots do not know the corporate authority; no store knows the other.
    let result = Client::connect(&trusted, Config::default().trust(Trust::WebPki)).await;
    assert!(matches!(result, Err(Error::Connect(_))), "{result:?}");
    let untrusted = format!("wss://localhost:{}/", unknown.echo_server().await);
    match Client::connect(&untrusted, Config::default()).await {
        Err(error @ Error::Connect(_)) => {
            assert!(error.to_string().contains("UnknownIssuer"), "{error}");
        }
        other => panic!("expected a refused certificate, got {other:?}"),
    }
    let _ = std::fs::remove_file(bundle);
}
