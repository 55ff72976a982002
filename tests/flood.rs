//! A peer that floods after our Close: memory stays within the receive bounds and the
//! close deadline still rules. Natively only (the browser's receive bound is a case of
//! `behaviour.rs`).
//!
//! A test binary of its own: it measures the peak resident memory of its process, which
//! other tests running beside it would disturb. Its cases run one after the other.

#![cfg(native)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use omnisocket::{Client, Config, Sender, Shutdown};
use support::{GENEROUS, Peer, Stopwatch, Until, connect_with, unique_id};
use tokio::sync::Mutex;

/// The cases share the process's memory statistics: one at a time.
static ONE_AT_A_TIME: Mutex<()> = Mutex::const_new(());

/// What the peer sends after our Close: 1 GiB in 64 KiB messages.
const FLOOD: &str = "/flood-after-close?bytes=1073741824&size=65536";
/// A flood that outlasts any deadline here (1 TiB; loopback carries about 2 GiB/s).
const ENDLESS_FLOOD: &str = "/flood-after-close?bytes=1099511627776&size=65536";

/// A value of `/proc/self/status`, in KiB.
fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/self/status"))
}

/// Resets the process's peak resident memory (`VmHWM`) to its current size.
fn reset_peak() {
    std::fs::write("/proc/self/clear_refs", "5").expect("reset VmHWM");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_after_our_close_stays_within_the_receive_bounds_when_nobody_reads() {
    let _alone = ONE_AT_A_TIME.lock().await;
    let peer = Peer::start().await;
    let id = unique_id("flood-unread");
    let config = Config::default()
        .receive_queue(64)
        .receive_queue_bytes(1 << 20);
    let client = connect_with(&peer, &format!("{FLOOD}&id={id}"), config).await;

    reset_peak();
    let before = status_kib("VmRSS");
    let watch = Stopwatch::start();
    // Nobody reads: the peer's Close waits behind more than the queue holds.
    let outcome = client.shutdown(Duration::from_secs(3)).await;
    let took = watch.elapsed();
    let growth_mib = status_kib("VmHWM").saturating_sub(before) / 1024;

    assert_eq!(outcome, Shutdown::TimedOut);
    assert!(took < GENEROUS, "the 3 s shutdown took {took:?}");
    // The bound (1 MiB of queued messages, one 64 KiB message in the making), the
    // socket's buffers and the runtime's; a connection that read the flood would have
    // grown by up to 1 GiB.
    assert!(
        growth_mib < 16,
        "peak memory grew by {growth_mib} MiB while the peer flooded"
    );
    peer.wait(&id, Until::TcpClosed, GENEROUS).await;
}

/// A client whose peer floods endlessly once it gets the client's Close, and the id of the
/// connection in the server's reports.
async fn endless_flood(peer: &Peer, name: &str) -> (Client, String) {
    let id = unique_id(name);
    let url = format!("{ENDLESS_FLOOD}&id={id}");
    (connect_with(peer, &url, Config::default()).await, id)
}

/// `sender.shutdown(1 s)`, which must time out, and soon after the deadline: a deadline
/// that the connection's task missed while busy would come much later (or never).
async fn shutdown_times_out_in_time(sender: &Sender, context: impl Fn() -> String) {
    let watch = Stopwatch::start();
    let outcome = sender.shutdown(Duration::from_secs(1)).await;
    let took = watch.elapsed();
    assert_eq!(outcome, Shutdown::TimedOut, "after {took:?}{}", context());
    assert!(
        took < Duration::from_secs(2),
        "the 1 s shutdown took {took:?}{}",
        context()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_close_deadline_rules_while_a_dropped_client_discards_a_flood() {
    let _alone = ONE_AT_A_TIME.lock().await;
    let peer = Peer::start().await;
    let (client, id) = endless_flood(&peer, "flood-dropped").await;
    let sender = client.sender();
    // Nobody will read: what arrives is discarded as fast as it comes, so the task reads
    // without pause until the deadline.
    drop(client);
    shutdown_times_out_in_time(&sender, String::new).await;
    peer.wait(&id, Until::TcpClosed, GENEROUS).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_close_deadline_rules_while_the_application_reads_a_flood() {
    let _alone = ONE_AT_A_TIME.lock().await;
    let peer = Peer::start().await;
    let (mut client, _) = endless_flood(&peer, "flood-read").await;
    let sender = client.sender();
    let read = Arc::new(AtomicU64::new(0));
    let reader = tokio::spawn({
        let read = Arc::clone(&read);
        async move {
            while let Some(Ok(message)) = client.recv().await {
                read.fetch_add(message.len() as u64, Ordering::Relaxed);
            }
        }
    });
    let bytes_read = || format!(", {} bytes read", read.load(Ordering::Relaxed));
    shutdown_times_out_in_time(&sender, bytes_read).await;
    reader.await.expect("the reader");
    assert!(read.load(Ordering::Relaxed) > 0, "the flood was not read");
}
