//! How fast a [`Reconnecting`](omnisocket::reconnect::Reconnecting) client comes back after
//! a drop, against `omnisocket-testserver`'s `/flaky` (in-process, on a runtime and thread of
//! its own), next to baselines measured in the same run on the same server:
//!
//! - `detect`: from sending the message after which the server drops the connection to the
//!   client's `Closed` event, next to the same on a plain `Client` (`/drop`), from the send
//!   to `recv` reporting the end.
//! - `reconnect`: from the `Closed` event to the `Open` event, minus the delay the backoff
//!   drew (the client's own cost of coming back: a new handshake and its bookkeeping), next
//!   to what a loop written by hand pays for the same: `tokio::time::sleep` of the same
//!   delay then `Client::connect`, minus the delay (tokio's timers round up to the next
//!   millisecond, which both pay).
//!
//! Cycles of the two alternate, and each figure is a median.
//!
//! ```text
//! cargo bench --bench reconnect
//! OMNISOCKET_BENCH_RECONNECT_CYCLES=500 cargo bench --bench reconnect
//! ```

#[cfg(native)]
#[allow(
    dead_code,
    reason = "the echo server process and raw connections serve the other benchmarks"
)]
mod common;

#[cfg(native)]
fn main() {
    common::main(native::main);
}

#[cfg(web)]
fn main() {}

#[cfg(native)]
mod native {
    use std::time::{Duration, Instant};

    use omnisocket::reconnect::{Event, Events, Reconnect, Reconnecting};
    use omnisocket::{Client, Config, Message};

    use crate::common::{Result, bench_mode, env_or, median, percentile, sized};

    const MESSAGE: &str = "0123456789abcdef0123456789abcdef";

    pub(crate) fn main() -> Result<()> {
        let quick = !bench_mode() || env_or("OMNISOCKET_BENCH_QUICK", 0) != 0;
        let cycles = sized(quick, 3, "OMNISOCKET_BENCH_RECONNECT_CYCLES", 200);
        let server_runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()?;
        let server = server_runtime.block_on(omnisocket_testserver::TestServer::start())?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        // Every connection of the scenario is dropped after one message; upgrades are never
        // refused, so every attempt opens.
        let flaky = server.url(&format!(
            "/flaky?id=bench&drops={}&after_messages=1",
            cycles + 1
        ));
        let echo = server.url("/echo");
        let dropping = server.url("/drop?after_messages=1");
        let figures = runtime.block_on(async move {
            tokio::spawn(async move { measure(&flaky, &echo, &dropping, cycles).await }).await?
        })?;
        report(cycles, &figures);
        drop(server);
        server_runtime.shutdown_timeout(Duration::from_secs(1));
        Ok(())
    }

    /// Milliseconds of each kind, one per cycle.
    #[derive(Default)]
    struct Figures {
        detect: Vec<f64>,
        plain_detect: Vec<f64>,
        reconnect: Vec<f64>,
        connect: Vec<f64>,
        delays: Vec<f64>,
    }

    async fn measure(flaky: &str, echo: &str, dropping: &str, cycles: u64) -> Result<Figures> {
        // Delays of at most 1 ms, drawn anew for each attempt, and subtracted below.
        let policy = Reconnect::default()
            .backoff(Duration::from_micros(1), Duration::from_millis(1))
            .stable_after(Duration::ZERO);
        let mut ws = Reconnecting::connect(flaky, Config::default(), policy).await?;
        let mut events = ws.events();
        let sender = ws.sender();
        // The echoes are read as they come, so that nothing holds the connections up.
        let reader = tokio::spawn(async move { while ws.recv().await.is_some() {} });
        let mut figures = Figures::default();
        let mut delay = Duration::from_micros(500);
        for _ in 0..cycles {
            // The baselines: a plain client's drop, then a hand-written reconnect (the last
            // delay drawn, then a plain connect).
            let mut client = Client::connect(dropping, Config::default()).await?;
            let start = Instant::now();
            client.send(Message::text(MESSAGE)).await?;
            while let Some(Ok(_)) = client.recv().await {}
            figures.plain_detect.push(ms(start.elapsed()));
            let start = Instant::now();
            tokio::time::sleep(delay).await;
            let client = Client::connect(echo, Config::default()).await?;
            figures
                .connect
                .push(ms(start.elapsed().saturating_sub(delay)));
            drop(client);

            // The server drops the reconnecting client's connection after this message.
            let sent = Instant::now();
            sender.send(Message::text(MESSAGE)).await?;
            let closed = next(&mut events, |e| matches!(e, Event::Closed { .. }))
                .await?
                .1;
            figures.detect.push(ms(closed - sent));
            let (retrying, _) = next(&mut events, |e| matches!(e, Event::Retrying { .. })).await?;
            let Event::Retrying { delay: drawn, .. } = retrying else {
                return Err("expected Retrying".into());
            };
            delay = drawn;
            let opened = next(&mut events, |e| matches!(e, Event::Open { .. }))
                .await?
                .1;
            figures
                .reconnect
                .push(ms((opened - closed).saturating_sub(delay)));
            figures.delays.push(ms(delay));
        }
        sender.shutdown(Duration::from_secs(2)).await;
        reader.await?;
        Ok(figures)
    }

    /// The next event that `wanted` accepts, and when it arrived.
    async fn next(events: &mut Events, wanted: fn(&Event) -> bool) -> Result<(Event, Instant)> {
        while let Some(event) = events.next().await {
            if let Event::GaveUp { .. } | Event::Stopped { .. } = event {
                return Err(format!("the client stopped: {event:?}").into());
            }
            if wanted(&event) {
                return Ok((event, Instant::now()));
            }
        }
        Err("the events ended".into())
    }

    fn ms(duration: Duration) -> f64 {
        duration.as_secs_f64() * 1e3
    }

    fn report(cycles: u64, f: &Figures) {
        println!();
        println!("Reconnect after a drop, {cycles} cycles (ms; medians, p90 in brackets):");
        println!(
            "SUMMARY reconnect/detect  drop to Closed {:>6.3} (p90 {:>6.3})  plain Client, drop to recv's end {:>6.3} (p90 {:>6.3})  ratio {:.2}",
            median(&f.detect),
            percentile(&f.detect, 90.0),
            median(&f.plain_detect),
            percentile(&f.plain_detect, 90.0),
            median(&f.detect) / median(&f.plain_detect),
        );
        println!(
            "SUMMARY reconnect/open    Closed to Open - delay {:>6.3} (p90 {:>6.3})  by hand (sleep, connect) - delay {:>6.3} (p90 {:>6.3})  ratio {:.2}  (delays drawn: median {:.3})",
            median(&f.reconnect),
            percentile(&f.reconnect, 90.0),
            median(&f.connect),
            percentile(&f.connect, 90.0),
            median(&f.reconnect) / median(&f.connect),
            median(&f.delays),
        );
    }
}
