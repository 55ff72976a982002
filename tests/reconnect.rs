//! The reconnecting client, natively and in headless Chromium, against the test server's
//! `/flaky` scenarios (which drop connections and refuse upgrades on cue) and its other
//! fault modes. Timings are asserted with generous bounds only.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]

#[macro_use]
mod support;

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use futures_util::future::{Either, select};
use omnisocket::reconnect::{
    Event, Events, GiveUpReason, Jitter, Reconnect, Reconnecting, State, Target, WhenFull,
};
use omnisocket::{Abnormal, Client, CloseCode, Config, Error, Message, Shutdown, WsSender};
use support::{GENEROUS, IN_BROWSER, Peer, Stopwatch, Until, sleep, unique_id};

/// Short delays, so that the cases run quickly.
fn quick() -> Reconnect {
    Reconnect::default().backoff(Duration::from_millis(20), Duration::from_millis(200))
}

/// A policy whose every delay is exactly `delay`: decorrelated jitter between equal bounds.
fn fixed(delay: Duration) -> Reconnect {
    Reconnect::default()
        .backoff(delay, delay)
        .jitter(Jitter::Decorrelated)
}

async fn start(peer: &Peer, path: &str, policy: Reconnect) -> Reconnecting<Client> {
    let url = peer.url(path);
    match Reconnecting::connect(&url, Config::default(), policy).await {
        Ok(ws) => ws,
        Err(error) => panic!("connect to {url} failed: {error}"),
    }
}

/// `future`'s output, or a panic naming `what` after `limit`.
async fn within<T>(limit: Duration, what: &str, future: impl Future<Output = T>) -> T {
    match select(pin!(future), pin!(sleep(limit))).await {
        Either::Left((output, _)) => output,
        Either::Right(((), _)) => panic!("{what}: nothing after {limit:?}"),
    }
}

/// The events up to and including the first that `done` accepts.
async fn events_until(events: &mut Events, done: impl Fn(&Event) -> bool) -> Vec<Event> {
    let mut seen = Vec::new();
    within(GENEROUS * 3, "waiting for an event", async {
        while let Some(event) = events.next().await {
            let last = done(&event);
            seen.push(event);
            if last {
                return;
            }
        }
        panic!("the events ended first: {seen:?}");
    })
    .await;
    seen
}

fn is_open(event: &Event) -> bool {
    matches!(event, Event::Open { .. })
}

fn is_closed(event: &Event) -> bool {
    matches!(event, Event::Closed { .. })
}

fn count(events: &[Event], what: fn(&Event) -> bool) -> usize {
    events.iter().filter(|event| what(event)).count()
}

/// What the server received on every connection of the scenario `id`, in order.
async fn received(peer: &Peer, id: &str, connections: u64) -> Vec<String> {
    let mut all = Vec::new();
    for n in 1..=connections {
        let report = peer
            .wait(&format!("{id}.{n}"), Until::TcpClosed, GENEROUS)
            .await;
        all.extend(report.first_messages);
    }
    all
}

/// A client with a queue of 5 whose first connection the server has just dropped; the next
/// attempt follows after 500 ms. Also its events and the scenario's id.
async fn disconnected(peer: &Peer, when_full: WhenFull) -> (Reconnecting<Client>, Events, String) {
    let id = unique_id("queue");
    let path = format!("/flaky?id={id}&drops=1&after_messages=1");
    let policy = fixed(Duration::from_millis(500)).queue(5, 1 << 20, when_full);
    let ws = start(peer, &path, policy).await;
    let mut events = ws.events();
    ws.send(Message::text("drop me")).await.unwrap();
    events_until(&mut events, is_closed).await;
    (ws, events, id)
}

/// After 100 messages into a queue of 5 that drops the oldest (from `disconnected`): 95
/// were reported discarded, and the next connection got the last 5.
async fn only_the_last_five_went_out(
    peer: &Peer,
    ws: &Reconnecting<Client>,
    events: &mut Events,
    id: &str,
) {
    let story = events_until(events, is_open).await;
    let discarded: usize = story
        .iter()
        .map(|e| match e {
            Event::Discarded { messages, .. } => *messages,
            _ => 0,
        })
        .sum();
    assert_eq!(discarded, 95, "{story:?}");
    assert!(ws.shutdown(GENEROUS).await.is_clean());
    let expected: Vec<String> = (95..100).map(|n| format!("0:{n}")).collect();
    let report = peer
        .wait(&format!("{id}.2"), Until::TcpClosed, GENEROUS)
        .await;
    assert_eq!(report.first_messages, expected);
}

// --- Reconnecting ----------------------------------------------------------------------

case! {
    async fn three_drops_with_refusals_lose_and_repeat_nothing(peer) {
        // Each of the first three connections is dropped after three messages; after each
        // drop the server refuses upgrades for 600 ms (longer than the 200-400 ms Firefox
        // waits of its own before it reconnects to a path whose connection failed).
        let id = unique_id("drops");
        let path = format!("/flaky?id={id}&drops=3&after_messages=3&refuse_ms=600");
        let mut ws = start(peer, &path, quick()).await;
        let mut events = ws.events();
        let mut story = Vec::new();
        for round in 0..4 {
            for i in 0..3 {
                let n = round * 3 + i;
                ws.send(Message::text(format!("0:{n}"))).await.unwrap();
            }
            if round < 3 {
                // The messages of the next round are sent while disconnected: queued.
                story.extend(events_until(&mut events, is_closed).await);
            }
        }
        // The fourth connection echoes: every echo comes back, in order.
        let mut echoes = Vec::new();
        within(GENEROUS, "the last echoes", async {
            while let Some(message) = ws.recv().await {
                let text = message.as_text().unwrap().to_owned();
                let last = text == "0:11";
                echoes.push(text);
                if last {
                    break;
                }
            }
        })
        .await;
        assert!(ws.shutdown(GENEROUS).await.is_clean());
        story.extend(events_until(&mut events, |e| matches!(e, Event::Stopped { .. })).await);

        let expected: Vec<String> = (0..12).map(|n| format!("0:{n}")).collect();
        assert_eq!(received(peer, &id, 4).await, expected, "the server got each message once, in order");
        // The echoes of the dropped connections may stop short, never repeat or reorder.
        let mut last = -1;
        for echo in &echoes {
            let n: i32 = echo[2..].parse().unwrap();
            assert!(n > last, "echoes out of order: {echoes:?}");
            last = n;
        }
        let flaky = peer.flaky(&id).await;
        assert_eq!(flaky.accepted, 4, "{flaky:?}");
        assert!(flaky.refused >= 1, "{flaky:?}");
        // The first stream tells the story from the start: four connections opened.
        assert_eq!(count(&story, is_open), 4, "{story:?}");
        assert_eq!(count(&story, is_closed), 4, "{story:?}");
        assert_eq!(
            count(&story, |e| matches!(e, Event::ConnectFailed { .. })) as u64,
            flaky.refused,
            "{story:?}"
        );
        for event in &story {
            if let Event::Retrying { delay, .. } = event {
                assert!(*delay <= Duration::from_millis(200), "{story:?}");
            }
            if let Event::Closed { outcome: Shutdown::Abnormal(cause), .. } = event {
                assert!(matches!(cause, Abnormal::ConnectionLost(_)), "{story:?}");
            }
        }
        assert!(matches!(story.last(), Some(Event::Stopped { outcome: Shutdown::Clean(_), .. })));
    }
}

case! {
    async fn a_shutdown_during_the_wait_is_prompt_and_no_attempt_follows(peer) {
        let id = unique_id("wait");
        let path = format!("/flaky?id={id}&drops=1&after_messages=1");
        let mut ws = start(peer, &path, fixed(Duration::from_secs(1))).await;
        let mut events = ws.events();
        ws.send(Message::text("bye")).await.unwrap();
        events_until(&mut events, |e| matches!(e, Event::Retrying { .. })).await;
        ws.send(Message::text("queued, never sent")).await.unwrap();

        let stopwatch = Stopwatch::start();
        let outcome = ws.shutdown(GENEROUS).await;
        assert!(stopwatch.elapsed() < Duration::from_millis(500), "{:?}", stopwatch.elapsed());
        assert_eq!(outcome, Shutdown::Abnormal(Abnormal::NotConnected));
        let rest = events_until(&mut events, |e| matches!(e, Event::Stopped { .. })).await;
        assert!(
            rest.iter().any(|e| matches!(e, Event::Discarded { messages: 1, .. })),
            "{rest:?}"
        );
        assert!(events.next().await.is_none(), "the events end after Stopped");
        assert_eq!(ws.recv().await.map(|m| m.as_text().map(str::to_owned)), Some(Some("bye".into())));
        assert!(ws.recv().await.is_none());
        assert!(matches!(ws.send(Message::text("late")).await, Err(Error::Closed)));

        // Well past the delay the attempt would have come after: none came.
        sleep(Duration::from_millis(1500)).await;
        assert_eq!(peer.flaky(&id).await.upgrades, 1);
    }
}

case! {
    async fn a_full_queue_refuses_while_disconnected_and_sends_what_it_kept(peer) {
        let (ws, mut events, id) = disconnected(peer, WhenFull::Refuse).await;

        let mut refused = 0;
        for n in 0..100 {
            match ws.send(Message::text(format!("0:{n}"))).await {
                Ok(()) => {}
                Err(Error::SendQueueFull) => refused += 1,
                Err(other) => panic!("{other}"),
            }
        }
        assert_eq!(refused, 95);
        events_until(&mut events, is_open).await;
        let second = peer.wait(&format!("{id}.2"), Until::HandshakeDone, GENEROUS).await;
        assert!(second.handshake_done);
        assert!(ws.shutdown(GENEROUS).await.is_clean());
        let expected: Vec<String> = (0..5).map(|n| format!("0:{n}")).collect();
        let report = peer.wait(&format!("{id}.2"), Until::TcpClosed, GENEROUS).await;
        assert_eq!(report.first_messages, expected);
    }
}

case! {
    async fn a_full_queue_drops_the_oldest_when_asked_and_says_so(peer) {
        let (ws, mut events, id) = disconnected(peer, WhenFull::DropOldest).await;

        for n in 0..100 {
            ws.send(Message::text(format!("0:{n}"))).await.unwrap();
        }
        only_the_last_five_went_out(peer, &ws, &mut events, &id).await;
    }
}

case! {
    async fn try_send_never_waits_and_keeps_the_order_of_send(peer) {
        let (mut ws, mut events, id) = disconnected(peer, WhenFull::Refuse).await;
        // Mixed with `send`, in one order; the queue holds 5.
        let mut refused = 0;
        for n in 0..8 {
            let message = Message::text(format!("0:{n}"));
            let result = if n % 2 == 0 { ws.try_send(message) } else { ws.send(message).await };
            match result {
                Ok(()) => {}
                Err(Error::SendQueueFull) => refused += 1,
                Err(other) => panic!("{other}"),
            }
        }
        assert_eq!(refused, 3);
        events_until(&mut events, is_open).await;
        // Once the queue has gone out (its echoes are back), try_send queues for
        // the open connection at once.
        for expected in ["drop me", "0:0", "0:1", "0:2", "0:3", "0:4"] {
            let echo = within(GENEROUS, "an echo", ws.recv()).await.unwrap();
            assert_eq!(echo.as_text(), Some(expected));
        }
        ws.sender().try_send(Message::text("0:8")).unwrap();
        assert!(ws.shutdown(GENEROUS).await.is_clean());
        let report = peer.wait(&format!("{id}.2"), Until::TcpClosed, GENEROUS).await;
        let expected: Vec<String> = (0..5).chain([8]).map(|n| format!("0:{n}")).collect();
        assert_eq!(report.first_messages, expected);
        assert!(matches!(ws.try_send(Message::text("late")), Err(Error::Closed)));
    }
}

case! {
    async fn a_shutdown_sends_all_that_was_queued_first_past_the_connections_own_queue(peer) {
        let id = unique_id("flush");
        let url = peer.url(&format!("/flaky?id={id}&drops=1&after_messages=1"));
        // The connection takes 2 messages at a time; 40 wait for it in the client's queue.
        let config = Config::default().send_queue(2);
        let policy = fixed(Duration::from_millis(300)).queue(100, 1 << 20, WhenFull::Refuse);
        let mut ws = Reconnecting::connect(&url, config, policy).await.unwrap();
        let mut events = ws.events();
        ws.send(Message::text("drop me")).await.unwrap();
        events_until(&mut events, is_closed).await;
        let expected: Vec<String> = (0..40).map(|n| format!("q:{n}")).collect();
        for text in &expected {
            ws.send(Message::text(text.as_str())).await.unwrap();
        }
        // Stopped the moment the connection opens, before much of the queue has gone out.
        events_until(&mut events, is_open).await;
        assert!(ws.shutdown(GENEROUS).await.is_clean());
        let report = peer.wait(&format!("{id}.2"), Until::TcpClosed, GENEROUS).await;
        assert_eq!(report.first_messages, expected);
        // The echoes that came before the server's Close are still there to read.
        let mut echoes = Vec::new();
        while let Some(echo) = within(GENEROUS, "an echo", ws.recv()).await {
            echoes.extend(echo.as_text().map(str::to_owned));
        }
        // The first connection echoed its one message before the server dropped it. Browsers
        // drop what arrives after the page called `close()` (WHATWG): there the echoes may
        // stop early, never out of order.
        assert_eq!(echoes.first().map(String::as_str), Some("drop me"));
        if IN_BROWSER {
            assert!(expected.starts_with(&echoes[1..]), "{echoes:?}");
        } else {
            assert_eq!(echoes[1..], expected);
        }
        let story = events_until(&mut events, |e| matches!(e, Event::Stopped { .. })).await;
        assert_eq!(count(&story, |e| matches!(e, Event::Discarded { .. })), 0, "{story:?}");
    }
}

case! {
    async fn follow_shows_each_state_of_a_drop_and_the_return(peer) {
        let id = unique_id("state");
        let path = format!("/flaky?id={id}&drops=1&after_messages=1");
        let ws = start(peer, &path, fixed(Duration::from_millis(300))).await;
        let sender = ws.sender();
        let shown = std::cell::RefCell::new(Vec::new());
        let last = std::cell::RefCell::new(None);
        let follow = ws.follow(
            |state| {
                shown.borrow_mut().push(state.to_string());
                *last.borrow_mut() = Some(state.clone());
            },
            |_| {},
        );
        let drive = async {
            sender.send(Message::text("drop me")).await.unwrap();
            within(GENEROUS * 3, "the second connection", async {
                while shown.borrow().iter().filter(|line| *line == "open").count() < 2 {
                    sleep(Duration::from_millis(10)).await;
                }
            })
            .await;
            sender.shutdown(GENEROUS).await
        };
        let ((), outcome) = within(GENEROUS * 4, "follow", futures_util::future::join(follow, drive)).await;
        assert!(outcome.is_clean(), "{outcome:?}");
        let last = last.into_inner();
        assert!(matches!(last, Some(State::Closed(Ok(Shutdown::Clean(_))))), "{last:?}");
        let shown = shown.into_inner();
        let (closed, until_open) = shown.split_last().unwrap();
        assert!(closed.starts_with("closed: closed cleanly"), "{shown:?}");
        assert_eq!(until_open, ["connecting (attempt 1)", "open", "retrying in 0.3 s (attempt 2)", "connecting (attempt 2)", "open"]);
    }
}

case! {
    async fn follow_hands_every_state_and_message_to_its_callbacks(peer) {
        let id = unique_id("follow");
        let url = peer.url(&format!("/flaky?id={id}&drops=1&after_messages=1"));
        let ws = Reconnecting::start(&url, Config::default(), fixed(Duration::from_millis(200)))
            .unwrap();
        let sender = ws.sender();
        let states = std::cell::RefCell::new(Vec::new());
        let messages = std::cell::RefCell::new(Vec::new());
        let follow = ws.follow(
            |state| states.borrow_mut().push(state.to_string()),
            |message| messages.borrow_mut().push(message.as_text().unwrap().to_owned()),
        );
        let drive = async {
            sender.try_send(Message::text("drop me")).unwrap();
            within(GENEROUS * 3, "the second connection", async {
                while states.borrow().iter().filter(|s| *s == "open").count() < 2 {
                    sleep(Duration::from_millis(10)).await;
                }
            })
            .await;
            sender.try_send(Message::text("after")).unwrap();
            within(GENEROUS, "the echo on the second connection", async {
                while !messages.borrow().iter().any(|m| m == "after") {
                    sleep(Duration::from_millis(10)).await;
                }
            })
            .await;
            sender.shutdown(GENEROUS).await
        };
        let ((), outcome) = within(GENEROUS * 4, "follow", futures_util::future::join(follow, drive)).await;
        assert!(outcome.is_clean(), "{outcome:?}");
        let states = states.into_inner();
        assert_eq!(states.first().map(String::as_str), Some("connecting (attempt 1)"), "{states:?}");
        assert!(states.iter().any(|s| s.starts_with("retrying in")), "{states:?}");
        assert_eq!(states.iter().filter(|s| *s == "open").count(), 2, "{states:?}");
        let last = states.last().unwrap();
        assert!(last.starts_with("closed: closed cleanly by the peer with 1000"), "{states:?}");
        assert_eq!(messages.into_inner(), ["drop me", "after"]);
    }
}

case! {
    async fn the_target_callback_is_called_for_every_attempt(peer) {
        // Two refused attempts, then the echo server; each URL carries its attempt.
        let calls = Arc::new(AtomicU32::new(0));
        let id = unique_id("target");
        let base = peer.url("/").trim_end_matches('/').to_owned();
        let seen = Arc::clone(&calls);
        let target = Target::per_attempt(move |attempt, config| {
            let previous = seen.fetch_add(1, Ordering::Relaxed);
            assert_eq!(attempt, previous + 1, "called once per attempt, with its number");
            let path = if attempt < 3 {
                "/refuse?status=503".to_owned()
            } else {
                format!("/echo?id={id}-{attempt}")
            };
            let url = format!("{base}{path}");
            async move { Ok((url, config)) }
        });
        let ws = Reconnecting::connect(target, Config::default(), quick()).await.unwrap();
        assert_eq!(calls.load(Ordering::Relaxed), 3);
        let mut ws = ws;
        ws.send(Message::text("hello")).await.unwrap();
        assert_eq!(ws.recv().await.unwrap().as_text(), Some("hello"));
        assert!(ws.shutdown(GENEROUS).await.is_clean());
    }
}

case! {
    async fn each_attempt_is_bounded_by_the_connect_timeout(peer) {
        // The first attempt meets a server that never answers the upgrade.
        let base = peer.url("/").trim_end_matches('/').to_owned();
        let config = Config::default().connect_timeout(Duration::from_millis(300));
        let stopwatch = Stopwatch::start();
        let target = Target::per_attempt(move |attempt, config| {
            let path = if attempt == 1 { "/stall?ms=10000" } else { "/echo" };
            let target = (format!("{base}{path}"), config);
            async move { Ok(target) }
        });
        let ws = Reconnecting::start(target, config, quick()).unwrap();
        let mut events = ws.events();
        let story = events_until(&mut events, is_open).await;
        assert!(stopwatch.elapsed() < GENEROUS, "{:?}", stopwatch.elapsed());
        assert!(
            matches!(&story[1], Event::ConnectFailed { attempt: 1, error, .. } if matches!(**error, Error::ConnectTimeout(_))),
            "{story:?}"
        );
        assert!(matches!(story.last(), Some(Event::Open { attempt: 2, .. })), "{story:?}");
        assert!(ws.shutdown(GENEROUS).await.is_clean());
    }
}

case! {
    async fn an_error_of_the_target_callback_is_a_failed_attempt(peer) {
        let url = peer.url("/echo");
        let target = Target::per_attempt(move |attempt, config| {
            let url = url.clone();
            async move {
                if attempt == 1 {
                    Err(Error::Unsupported("no token yet"))
                } else {
                    Ok((url, config))
                }
            }
        });
        let ws = Reconnecting::connect(target, Config::default(), quick()).await;
        // `Unsupported` is final by default: connect fails with it, after one attempt.
        assert!(matches!(ws, Err(Error::Unsupported("no token yet"))), "{ws:?}");
    }
}

case! {
    async fn a_final_close_code_stops_the_retries(peer) {
        let id = unique_id("final");
        let path = format!("/flaky?id={id}&drops=1&after_messages=1&close_code=1008&reason=banned");
        let mut ws = start(peer, &path, quick()).await;
        let mut events = ws.events();
        ws.send(Message::text("hello")).await.unwrap();
        let story = events_until(&mut events, |e| matches!(e, Event::GaveUp { .. })).await;
        assert!(
            matches!(story.last(), Some(Event::GaveUp { reason: GiveUpReason::Final, .. })),
            "{story:?}"
        );
        assert!(events.next().await.is_none());
        // What was received before the Close is still returned, then the end.
        assert_eq!(ws.recv().await.unwrap().as_text(), Some("hello"));
        assert!(ws.recv().await.is_none());
        let outcome = ws.shutdown(GENEROUS).await;
        let frame = outcome.peer_frame().expect("the server's Close");
        assert_eq!((frame.code, frame.reason.as_str()), (CloseCode::POLICY_VIOLATION, "banned"));
        sleep(Duration::from_millis(500)).await;
        assert_eq!(peer.flaky(&id).await.upgrades, 1);
    }
}

case! {
    async fn max_attempts_bounds_the_attempts_of_connect(peer) {
        let id = unique_id("max");
        let url = peer.url(&format!("/flaky?id={id}&refuse_first=100"));
        let policy = quick().max_attempts(Some(3));
        let error = Reconnecting::connect(&url, Config::default(), policy)
            .await
            .unwrap_err();
        if IN_BROWSER {
            assert!(matches!(error, Error::Connect(_)), "{error}");
        } else {
            assert!(matches!(error, Error::UpgradeRefused(_)), "{error}");
            assert_eq!(error.status(), Some(503), "{error}");
        }
        assert_eq!(peer.flaky(&id).await.upgrades, 3);
    }
}

case! {
    browser_skip = "browsers do not report the HTTP status of a refused upgrade, so a 401 is retried like any failure there (see Reconnect::is_final_by_default)";
    async fn a_refused_upgrade_with_401_is_final_natively(peer) {
        let url = peer.url("/refuse?status=401");
        let error = Reconnecting::connect(&url, Config::default(), quick())
            .await
            .unwrap_err();
        assert!(matches!(error, Error::UpgradeRefused(_)), "{error}");
        assert_eq!(error.status(), Some(401), "{error}");
    }
}

case! {
    async fn invalid_urls_settings_and_policies_fail_at_once(peer) {
        let url = peer.url("/echo");
        let bad_policies = [
            Reconnect::default().backoff(Duration::ZERO, Duration::from_secs(1)),
            Reconnect::default().backoff(Duration::from_secs(2), Duration::from_secs(1)),
            Reconnect::default().factor(0.5),
            Reconnect::default().factor(f64::NAN),
            Reconnect::default().max_attempts(Some(0)),
            Reconnect::default().queue(0, 1, WhenFull::Refuse),
        ];
        for policy in bad_policies {
            let result = Reconnecting::connect(&url, Config::default(), policy).await;
            assert!(matches!(result, Err(Error::InvalidConfig { .. })), "{result:?}");
        }
        let result = Reconnecting::connect("http://x/", Config::default(), quick()).await;
        assert!(matches!(result, Err(Error::InvalidUrl(_))), "{result:?}");
        let config = Config::default().send_queue(0).connect_timeout(Duration::ZERO);
        let result = Reconnecting::connect(&url, config, quick()).await;
        assert!(matches!(result, Err(Error::InvalidConfig { .. })), "{result:?}");
    }
}

case! {
    async fn a_half_open_connection_is_detected_by_liveness_and_replaced(peer) {
        // The first connection goes silent; the heartbeat finds it dead, and the client
        // comes back on the second URL.
        let base = peer.url("/").trim_end_matches('/').to_owned();
        let id = unique_id("half");
        let config = Config::default()
            .keepalive(Duration::from_millis(200), Duration::from_millis(500))
            .heartbeat(Message::text("ping"));
        let target = Target::per_attempt(move |attempt, config| {
            let path = if attempt == 1 { "/half-open".to_owned() } else { format!("/echo?id={id}") };
            let target = (format!("{base}{path}"), config);
            async move { Ok(target) }
        });
        let ws = Reconnecting::connect(target, config, quick()).await.unwrap();
        let mut events = ws.events();
        let story = events_until(&mut events, is_open).await;
        // The first stream's story starts with the first connection, then the second.
        assert!(matches!(story.last(), Some(Event::Open { attempt: 1, .. })), "{story:?}");
        let story = events_until(&mut events, is_open).await;
        assert!(
            story.iter().any(|e| matches!(
                e,
                Event::Closed { outcome: Shutdown::Abnormal(Abnormal::PongTimeout), .. }
            )),
            "{story:?}"
        );
        assert!(matches!(story.last(), Some(Event::Open { attempt: 2, .. })), "{story:?}");
        assert!(ws.shutdown(GENEROUS).await.is_clean());
    }
}

case! {
    async fn reconnect_now_cuts_the_wait_short(peer) {
        let id = unique_id("now");
        let path = format!("/flaky?id={id}&drops=1&after_messages=1");
        let ws = start(peer, &path, fixed(Duration::from_secs(60))).await;
        let mut events = ws.events();
        ws.send(Message::text("go")).await.unwrap();
        events_until(&mut events, |e| matches!(e, Event::Retrying { .. })).await;
        let stopwatch = Stopwatch::start();
        ws.reconnect_now();
        events_until(&mut events, is_open).await;
        assert!(stopwatch.elapsed() < GENEROUS, "{:?}", stopwatch.elapsed());
        assert!(ws.shutdown(GENEROUS).await.is_clean());
    }
}

case! {
    async fn a_short_lived_connection_does_not_reset_the_backoff(peer) {
        // Every connection is dropped at once: without a stable connection the attempt
        // count keeps growing and max_attempts ends it.
        let id = unique_id("short");
        let path = format!("/flaky?id={id}&drops=100&after_ms=50");
        let policy = quick().max_attempts(Some(4)).stable_after(Duration::from_secs(60));
        let ws = start(peer, &path, policy).await;
        let mut events = ws.events();
        let story = events_until(&mut events, |e| matches!(e, Event::GaveUp { .. })).await;
        let attempts: Vec<u32> = story
            .iter()
            .filter_map(|e| match e {
                Event::Connecting { attempt, .. } => Some(*attempt),
                _ => None,
            })
            .collect();
        assert_eq!(attempts, [1, 2, 3, 4], "{story:?}");
        assert!(
            matches!(story.last(), Some(Event::GaveUp { attempts: 4, reason: GiveUpReason::MaxAttempts, .. })),
            "{story:?}"
        );
        // The last failure was a connection's end: its outcome is the client's.
        let outcome = ws.shutdown(GENEROUS).await;
        assert!(matches!(outcome, Shutdown::Abnormal(Abnormal::ConnectionLost(_))), "{outcome:?}");
        assert_eq!(peer.flaky(&id).await.accepted, 4);
    }
}

case! {
    async fn start_tells_the_first_attempts_too_and_a_shutdown_cancels_them(peer) {
        let id = unique_id("start");
        let url = peer.url(&format!("/flaky?id={id}&refuse_first=100"));
        let ws = Reconnecting::start(&url, Config::default(), fixed(Duration::from_secs(60)))
            .unwrap();
        let mut events = ws.events();
        ws.send(Message::text("queued before any connection")).await.unwrap();
        let story = events_until(&mut events, |e| matches!(e, Event::Retrying { .. })).await;
        assert!(matches!(story[0], Event::Connecting { attempt: 1, .. }), "{story:?}");
        assert!(matches!(story[1], Event::ConnectFailed { attempt: 1, .. }), "{story:?}");
        assert!(matches!(story[2], Event::Retrying { attempt: 2, .. }), "{story:?}");
        assert_eq!(ws.shutdown(GENEROUS).await, Shutdown::Abnormal(Abnormal::NotConnected));
        let rest = events_until(&mut events, |e| matches!(e, Event::Stopped { .. })).await;
        assert!(matches!(rest[..], [Event::Discarded { messages: 1, .. }, Event::Stopped { .. }]), "{rest:?}");
        assert_eq!(peer.flaky(&id).await.upgrades, 1);
    }
}

case! {
    async fn start_gives_up_like_connect_and_says_why_in_the_events(peer) {
        let id = unique_id("start-max");
        let url = peer.url(&format!("/flaky?id={id}&refuse_first=100"));
        let mut ws = Reconnecting::start(&url, Config::default(), quick().max_attempts(Some(2)))
            .unwrap();
        let mut events = ws.events();
        let story = events_until(&mut events, |e| matches!(e, Event::GaveUp { .. })).await;
        assert_eq!(count(&story, |e| matches!(e, Event::ConnectFailed { .. })), 2, "{story:?}");
        assert!(ws.recv().await.is_none());
        assert!(matches!(ws.send(Message::text("late")).await, Err(Error::Closed)));
        assert_eq!(ws.shutdown(GENEROUS).await, Shutdown::Abnormal(Abnormal::NotConnected));
    }
}

case! {
    async fn dropping_the_client_closes_its_connection_cleanly(peer) {
        let id = unique_id("dropped");
        let ws = start(peer, &format!("/echo?id={id}"), quick()).await;
        let sender = ws.sender();
        let mut events = ws.events();
        drop(ws);
        let report = peer.wait(&id, Until::TcpClosed, GENEROUS).await;
        assert_eq!(report.client_close, Some((Some(1000), String::new())));
        assert!(report.close_sent.is_some(), "the server answered: a clean handshake");
        let story = events_until(&mut events, |e| matches!(e, Event::Stopped { .. })).await;
        assert!(matches!(story.last(), Some(Event::Stopped { outcome: Shutdown::Clean(_), .. })));
        assert!(matches!(sender.send(Message::text("late")).await, Err(Error::Closed)));
    }
}

// --- One sender contract ---------------------------------------------------------------

/// What code written once against the sender contract does, whichever sender it is given:
/// a send, a send through the `Sink`, the closing handshake. (`SinkExt` is named at each
/// call: imported, its `send` would be ambiguous with `WsSender::send`.)
async fn send_and_shut_down<S: WsSender>(sender: S) -> Shutdown {
    sender.send(Message::text("sent")).await.unwrap();
    let mut sink = sender.clone();
    futures_util::SinkExt::send(&mut sink, Message::text("sunk"))
        .await
        .unwrap();
    let outcome = sender.shutdown(GENEROUS).await;
    assert!(sender.is_closed() && sink.is_closed());
    assert!(matches!(
        sender.send(Message::text("late")).await,
        Err(Error::Closed)
    ));
    assert!(matches!(
        futures_util::SinkExt::send(&mut sink, Message::text("late")).await,
        Err(Error::Closed)
    ));
    outcome
}

case! {
    async fn generic_code_sends_and_shuts_down_through_either_sender(peer) {
        let plain = unique_id("contract-plain");
        let client = Client::connect(&peer.url(&format!("/echo?id={plain}")), Config::default())
            .await
            .unwrap();
        let outcome = send_and_shut_down(client.sender()).await;
        assert!(outcome.is_clean(), "{outcome:?}");

        let reconnecting = unique_id("contract-reconnecting");
        let ws = start(peer, &format!("/echo?id={reconnecting}"), quick()).await;
        let outcome = send_and_shut_down(ws.sender()).await;
        assert!(outcome.is_clean(), "{outcome:?}");

        for id in [plain, reconnecting] {
            let report = peer.wait(&id, Until::TcpClosed, GENEROUS).await;
            assert_eq!(report.first_messages, ["sent", "sunk"], "{id}");
            assert_eq!(report.client_close, Some((Some(1000), String::new())), "{id}");
        }
    }
}

case! {
    async fn the_sink_refuses_a_full_queue_as_send_does_and_closes_with_a_handshake(peer) {
        let (ws, mut events, id) = disconnected(peer, WhenFull::Refuse).await;
        let mut sink = ws.sender();
        for n in 0..5 {
            futures_util::SinkExt::send(&mut sink, Message::text(format!("0:{n}")))
                .await
                .unwrap();
        }
        let refused = futures_util::SinkExt::send(&mut sink, Message::text("0:5")).await;
        assert!(matches!(refused, Err(Error::SendQueueFull)), "{refused:?}");
        events_until(&mut events, is_open).await;
        // Queued messages go out before the Close.
        futures_util::SinkExt::close(&mut sink).await.unwrap();
        assert!(sink.is_closed());
        assert!(ws.shutdown(GENEROUS).await.is_clean(), "the same outcome again");
        let report = peer.wait(&format!("{id}.2"), Until::TcpClosed, GENEROUS).await;
        let expected: Vec<String> = (0..5).map(|n| format!("0:{n}")).collect();
        assert_eq!(report.first_messages, expected);
        assert_eq!(report.client_close, Some((Some(1000), String::new())));
    }
}

case! {
    async fn the_sink_drops_the_oldest_as_send_does_when_asked(peer) {
        let (ws, mut events, id) = disconnected(peer, WhenFull::DropOldest).await;
        let mut sink = ws.sender();
        for n in 0..100 {
            futures_util::SinkExt::send(&mut sink, Message::text(format!("0:{n}")))
                .await
                .unwrap();
        }
        only_the_last_five_went_out(peer, &ws, &mut events, &id).await;
    }
}

/// The browser's `online` event cuts the wait short; natively nothing plays its part
/// (`reconnect_now` does it, above).
#[cfg(web)]
#[wasm_bindgen_test::wasm_bindgen_test]
async fn the_online_event_cuts_the_wait_short() {
    if support::engine_is_node() {
        // Skipped under Node: it has no `online` event, and its global scope is no event
        // target, so the client listens for nothing there (`reconnect_now` still works).
        return;
    }
    let peer = &Peer::start().await;
    let id = unique_id("online");
    let path = format!("/flaky?id={id}&drops=1&after_messages=1");
    let ws = start(peer, &path, fixed(Duration::from_secs(60))).await;
    let mut events = ws.events();
    ws.send(Message::text("go")).await.unwrap();
    events_until(&mut events, |e| matches!(e, Event::Retrying { .. })).await;
    // Dispatched on the global scope, which is what the client listens on: the window in a
    // page, the worker's own scope in a worker.
    use wasm_bindgen::JsCast;
    let online = web_sys::Event::new("online").unwrap();
    let global: web_sys::EventTarget = js_sys::global().unchecked_into();
    global.dispatch_event(&online).unwrap();
    events_until(&mut events, is_open).await;
    assert!(ws.shutdown(GENEROUS).await.is_clean());
}
