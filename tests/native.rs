//! Native-only behaviour: what the browser has no counterpart for (Ping frames, headers,
//! TLS roots, tokio tasks, `Send` futures). The shared cases are in `behaviour.rs`.

#![cfg(native)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]

mod support;

use std::time::Duration;

use omnisocket::{Client, Config, Error, Message, Shutdown, Trust};
use support::{GENEROUS, Peer, Until, connect_with, unique_id};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

#[tokio::test]
async fn ping_frames_detect_a_half_open_connection() {
    let peer = Peer::start().await;
    let config =
        Config::default().keepalive(Duration::from_millis(100), Duration::from_millis(300));
    let mut client = connect_with(&peer, "/half-open", config).await;
    match client.recv().await {
        Some(Err(error @ Error::PongTimeout(_))) => {
            assert!(
                error.to_string().contains("did not answer a ping"),
                "{error}"
            );
        }
        other => panic!("expected PongTimeout, got {other:?}"),
    }
    assert!(client.recv().await.is_none());
}

#[tokio::test]
async fn answered_pings_keep_a_quiet_connection_open() {
    let peer = Peer::start().await;
    let config = Config::default().keepalive(Duration::from_millis(50), Duration::from_millis(300));
    let mut client = connect_with(&peer, "/echo", config).await;
    // Twelve ping intervals with no message: the pongs alone keep it alive.
    let quiet = tokio::time::timeout(Duration::from_millis(600), client.recv()).await;
    assert!(quiet.is_err(), "recv returned {quiet:?}");
    client.send(Message::text("still here")).await.unwrap();
    let echoed = client.recv().await.unwrap().unwrap();
    assert_eq!(echoed.as_text(), Some("still here"));
    assert!(client.shutdown(GENEROUS).await.is_clean());
}

#[tokio::test]
async fn connect_timeout_bounds_a_server_that_never_answers_the_upgrade() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let silent = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut sink = Vec::new();
        let _ = socket.read_to_end(&mut sink).await;
    });
    let config = Config::default().connect_timeout(Duration::from_millis(200));
    let result = Client::connect(&format!("ws://127.0.0.1:{port}/"), config).await;
    match result {
        Err(error @ Error::ConnectTimeout(_)) => {
            assert!(error.to_string().contains("200ms"), "{error}");
        }
        other => panic!("expected ConnectTimeout, got {other:?}"),
    }
    silent.abort();
}

#[tokio::test]
async fn custom_headers_are_sent_and_invalid_ones_refused() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut head = vec![0u8; 4096];
        let n = socket.read(&mut head).await.unwrap();
        let _ = socket
            .write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            .await;
        String::from_utf8_lossy(&head[..n]).to_lowercase()
    });
    let config = Config::default().header("Authorization", "Bearer t0ken");
    let result = Client::connect(&format!("ws://127.0.0.1:{port}/"), config).await;
    assert!(
        matches!(&result, Err(error @ Error::UpgradeRefused(_)) if error.status() == Some(400)),
        "{result:?}"
    );
    let request = server.await.unwrap();
    assert!(request.contains("authorization: bearer t0ken"), "{request}");

    let bad = Config::default().header("Bad Name", "x");
    let result = Client::connect(&format!("ws://127.0.0.1:{port}/"), bad).await;
    assert!(matches!(result, Err(Error::InvalidHeader(_))), "{result:?}");
    let bad = Config::default().protocol("has space");
    let result = Client::connect(&format!("ws://127.0.0.1:{port}/"), bad).await;
    assert!(matches!(result, Err(Error::InvalidHeader(_))), "{result:?}");
}

#[tokio::test]
async fn upgrade_refusal_carries_status_and_body() {
    let peer = Peer::start().await;
    match Client::connect(&peer.url("/refuse?status=403"), Config::default()).await {
        Err(error @ Error::UpgradeRefused(_)) if error.status() == Some(403) => {
            assert!(error.to_string().contains("HTTP 403"), "{error}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn connecting_outside_a_tokio_runtime_is_an_error_not_a_panic() {
    let result =
        futures_executor::block_on(Client::connect("ws://127.0.0.1:1/", Config::default()));
    assert!(matches!(result, Err(Error::Environment(_))), "{result:?}");
}

#[test]
fn dropping_the_client_leaves_no_task_running() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    // The server runs on its own runtime so that only the client's tasks are counted.
    let server_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let peer = server_runtime.block_on(Peer::start());
    let id = unique_id("tasks");
    runtime.block_on(async {
        let before = tokio::runtime::Handle::current()
            .metrics()
            .num_alive_tasks();
        let client = Client::connect(&peer.url(&format!("/echo?id={id}")), Config::default())
            .await
            .unwrap();
        client.send(Message::text("x")).await.unwrap();
        let sender = client.sender();
        drop(client);
        let mut alive = usize::MAX;
        for _ in 0..100 {
            alive = tokio::runtime::Handle::current()
                .metrics()
                .num_alive_tasks();
            if alive == before {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(alive, before, "the connection task outlived the client");
        assert!(matches!(
            sender.send(Message::text("x")).await,
            Err(Error::Closed)
        ));
        assert!(sender.is_closed());
    });
    let report = server_runtime.block_on(peer.wait(&id, Until::TcpClosed, GENEROUS));
    assert_eq!(report.client_close, Some((Some(1000), String::new())));
}

#[tokio::test]
async fn shutdown_from_a_spawned_task_through_a_sender() {
    let peer = Peer::start().await;
    let mut client = connect_with(&peer, "/close-delay?ms=50", Config::default()).await;
    let sender = client.sender();
    let closer = tokio::spawn(async move { sender.shutdown(GENEROUS).await });
    assert!(client.recv().await.is_none());
    assert!(matches!(closer.await.unwrap(), Shutdown::Clean(_)));
}

#[tokio::test]
async fn futures_and_handles_are_send() {
    fn send<T: Send>(_: &T) {}
    let peer = Peer::start().await;
    let mut client = connect_with(&peer, "/echo", Config::default()).await;
    let sender = client.sender();
    send(&client.send(Message::text("a")));
    send(&sender.send(Message::text("a")));
    send(&sender.shutdown(GENEROUS));
    send(&client.recv());
    send(&Client::connect("ws://127.0.0.1:1/", Config::default()));
    send(&sender);
}

#[tokio::test]
async fn wss_with_a_custom_root_certificate() {
    let authority = support::tls::Authority::new("omnisocket native tests");
    let port = authority.echo_server().await;
    let url = format!("wss://localhost:{port}/");

    let untrusted = Client::connect(&url, Config::default()).await;
    assert!(matches!(untrusted, Err(Error::Connect(_))), "{untrusted:?}");

    let config = Config::default().root_certificate_pem(authority.pem());
    let mut client = Client::connect(&url, config).await.unwrap();
    client.send(Message::text("over tls")).await.unwrap();
    assert_eq!(
        client.recv().await.unwrap().unwrap().as_text(),
        Some("over tls")
    );
    assert!(client.shutdown(GENEROUS).await.is_clean());
}

#[tokio::test]
async fn every_trust_setting_takes_the_given_roots() {
    let authority = support::tls::Authority::new("omnisocket trust settings");
    let port = authority.echo_server().await;
    let url = format!("wss://127.0.0.1:{port}/");
    for trust in [Trust::System, Trust::WebPki, Trust::Given] {
        let config = Config::default()
            .trust(trust)
            .root_certificate_pem(authority.pem());
        let mut client = Client::connect(&url, config)
            .await
            .unwrap_or_else(|error| panic!("{trust:?}: {error}"));
        client.send(Message::text("trusted")).await.unwrap();
        let echoed = client.recv().await.unwrap().unwrap();
        assert_eq!(echoed.as_text(), Some("trusted"), "{trust:?}");
        assert!(client.shutdown(GENEROUS).await.is_clean(), "{trust:?}");
    }
    // Without the authority, neither the system nor the web PKI knows it.
    for trust in [Trust::System, Trust::WebPki] {
        let result = Client::connect(&url, Config::default().trust(trust)).await;
        match result {
            Err(error @ Error::Connect(_)) => {
                assert!(error.to_string().contains("UnknownIssuer"), "{error}")
            }
            other => panic!("{trust:?}: {other:?}"),
        }
    }
    let result = Client::connect(&url, Config::default().trust(Trust::Given)).await;
    assert!(
        matches!(
            result,
            Err(Error::InvalidConfig {
                setting: "Config::trust",
                ..
            })
        ),
        "{result:?}"
    );
}

#[tokio::test]
async fn invalid_root_certificate_is_a_clear_error() {
    let config = Config::default().root_certificate_pem(
        "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n",
    );
    let result = Client::connect("wss://localhost:1/", config).await;
    match result {
        Err(error @ Error::Connect(_)) => {
            assert!(error.to_string().contains("root certificate"), "{error}")
        }
        other => panic!("{other:?}"),
    }
}

/// Whether `error` or one of its causes is a `T`.
fn caused_by<T: std::error::Error + 'static>(error: &Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(error) = cause {
        if error.is::<T>() {
            return true;
        }
        cause = error.source();
    }
    false
}

#[tokio::test]
async fn tls_set_up_errors_keep_their_cause_in_the_source_chain() {
    let url = "wss://localhost:1/";
    let bad_pem = "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n";
    let config = Config::default().root_certificate_pem(bad_pem);
    match Client::connect(url, config).await {
        Err(error @ Error::Connect(_)) => {
            assert!(
                caused_by::<rustls::pki_types::pem::Error>(&error),
                "{error:?}"
            );
        }
        other => panic!("{other:?}"),
    }
    // Valid PEM, but not a certificate rustls accepts as a root.
    let not_a_certificate = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    let config = Config::default().root_certificate_pem(not_a_certificate);
    match Client::connect(url, config).await {
        Err(error @ Error::Connect(_)) => {
            assert!(error.to_string().contains("rejected"), "{error}");
            assert!(caused_by::<rustls::Error>(&error), "{error:?}");
        }
        other => panic!("{other:?}"),
    }
}

/// A peer that breaks the protocol right after some messages: the messages are delivered,
/// the replies the application sends to them still go out, then the connection is failed
/// with 1002. (Autobahn 3.2, 4.1.3, 5.15: "echo, then fail".)
#[tokio::test]
async fn replies_sent_before_a_protocol_violation_is_reported_still_go_out() {
    let peer = Peer::start().await;
    let id = unique_id("violate");
    let path = format!("/push?count=3&size=16&violate=1&id={id}");
    let mut client = connect_with(&peer, &path, Config::default()).await;
    let mut echoed = 0;
    loop {
        match client.recv().await {
            Some(Ok(message)) => {
                client.send(message).await.unwrap();
                echoed += 1;
            }
            Some(Err(Error::Protocol(_))) => break,
            other => panic!("expected messages then a protocol error, got {other:?}"),
        }
    }
    assert_eq!(echoed, 3);
    assert!(client.recv().await.is_none());
    assert!(matches!(
        client.shutdown(GENEROUS).await,
        Shutdown::Abnormal(_)
    ));
    let report = peer.wait(&id, Until::TcpClosed, GENEROUS).await;
    assert_eq!(report.messages_received, 3, "a reply was dropped");
    assert_eq!(report.client_close.map(|(code, _)| code), Some(Some(1002)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_waits_while_the_peer_does_not_read() {
    let peer = Peer::start().await;
    // The server reads nothing: once the kernel's buffers and the send queue are full,
    // `send` must wait rather than buffer without bound.
    let client = connect_with(&peer, "/half-open", Config::default().send_queue(2)).await;
    let chunk = Message::binary(vec![7u8; 1 << 20]);
    let mut accepted = 0;
    let blocked = loop {
        let send = client.send(chunk.clone());
        match tokio::time::timeout(Duration::from_secs(1), send).await {
            Ok(Ok(())) => accepted += 1,
            Ok(Err(error)) => panic!("send failed: {error}"),
            Err(_) => break true,
        }
        if accepted == 256 {
            break false;
        }
    };
    assert!(
        blocked,
        "256 MiB were accepted although the peer reads nothing"
    );
    assert!(accepted >= 2, "the send queue held {accepted} messages");
    assert_eq!(
        client.shutdown(Duration::from_millis(200)).await,
        Shutdown::TimedOut
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_reader_is_not_mistaken_for_a_dead_peer() {
    let peer = Peer::start().await;
    // The receive queue fills and reading pauses, so the pongs wait behind the pushed
    // messages; those messages prove the peer alive.
    let config = Config::default()
        .receive_queue(4)
        .keepalive(Duration::from_millis(50), Duration::from_millis(150))
        .idle_timeout(Duration::from_millis(300));
    let mut client = connect_with(&peer, "/push?count=100&size=64", config).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    for i in 1..=100 {
        match client.recv().await {
            Some(Ok(message)) => {
                let text = message.as_text().unwrap_or_default();
                assert!(text.starts_with(&format!("push {i} ")), "{text}");
            }
            other => panic!("message {i}: expected a message, got {other:?}"),
        }
    }
    assert!(client.shutdown(GENEROUS).await.is_clean());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_spawned_tasks_send_in_order_from_every_worker_thread() {
    let peer = Peer::start().await;
    let id = unique_id("spawned");
    let client = connect_with(&peer, &format!("/sink?id={id}"), Config::default()).await;
    let mut tasks = tokio::task::JoinSet::new();
    for task in 0..64 {
        let sender = client.sender();
        tasks.spawn(async move {
            for seq in 0..1000 {
                let message = Message::text(format!("{task}:{seq}:payload"));
                sender.send(message).await.unwrap();
                if seq % 100 == 0 {
                    tokio::task::yield_now().await; // move between worker threads
                }
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
    assert!(client.shutdown(Duration::from_secs(20)).await.is_clean());
    let report = peer.wait(&id, Until::TcpClosed, GENEROUS).await;
    assert_eq!(report.messages_received, 64_000);
    assert_eq!(report.sequence.tasks, 64);
    assert_eq!(
        report.sequence.violations, 0,
        "a task's messages arrived out of order"
    );
    assert_eq!(report.sequence.malformed, 0, "a message arrived damaged");
}

#[tokio::test]
async fn an_oversized_message_fails_the_connection_with_1009() {
    let peer = Peer::start().await;
    let id = unique_id("too-big");
    let config = Config::default().max_message_size(1000);
    let path = format!("/push?id={id}&count=1&size=5000&binary=1");
    let mut client = connect_with(&peer, &path, config).await;
    assert!(matches!(
        client.recv().await,
        Some(Err(Error::MessageTooLarge { max: 1000, .. }))
    ));
    assert!(client.recv().await.is_none());
    let report = peer.wait(&id, Until::TcpClosed, GENEROUS).await;
    assert_eq!(
        report.client_close.as_ref().map(|(code, _)| *code),
        Some(Some(1009)),
        "{report:?}"
    );
}
