//! Closing and scale, `omnisocket` against raw tokio-tungstenite where a baseline exists:
//!
//! 1. `shutdown`: the latency of a clean `shutdown` against the raw tokio-tungstenite echo
//!    server (a separate process), next to the round-trip time measured on the same
//!    connections; the raw baseline is `close(None)` and reading until the stream ends.
//! 2. `timeout`: how far past its timeout a `shutdown` that the peer never answers resolves
//!    (`omnisocket-testserver`'s `/never-close`, in-process on a runtime of its own), next to
//!    how far past its deadline a bare `tokio::time::sleep` wakes (the timer's own slack).
//! 3. `idle`: memory per idle connection, client side: VmRSS before and after opening N
//!    connections (then after one echo on each), divided by N, in a fresh child process per
//!    run so no run inherits another's heap.
//! 4. `scale`: 10,000 connections opened at once, one echo each, then all shut down at
//!    once, in a fresh child process per run: the time of each phase, VmHWM, and every
//!    outcome must be `Shutdown::Clean` (the run fails otherwise).
//!
//! Runs of the two clients alternate (A B B A ...), and each figure is a median.
//!
//! ```text
//! cargo bench --bench lifecycle
//! OMNISOCKET_BENCH_PARTS=idle,scale OMNISOCKET_BENCH_SCALE_N=20000 cargo bench --bench lifecycle
//! ```
//!
//! Settings (environment): `OMNISOCKET_BENCH_PARTS` (default `shutdown,timeout,idle,scale`),
//! `OMNISOCKET_BENCH_SHUTDOWN_RUNS` (100), `OMNISOCKET_BENCH_TIMEOUT_RUNS` (20),
//! `OMNISOCKET_BENCH_IDLE_N` (1000), `OMNISOCKET_BENCH_SCALE_N` (10000),
//! `OMNISOCKET_BENCH_PROCESS_RUNS` (3, per client, for `idle` and `scale`),
//! `OMNISOCKET_BENCH_OPEN_CONCURRENCY` (1000: handshakes in flight while opening),
//! `OMNISOCKET_BENCH_RUNTIME` (`multi_thread`, 2 workers, or `current_thread`),
//! `OMNISOCKET_BENCH_READ_BUFFER` (bytes; the client's `Config::read_buffer`, default its default).

#[cfg(native)]
mod common;

#[cfg(native)]
fn main() {
    common::main(native::main);
}

#[cfg(web)]
fn main() {}

#[cfg(native)]
mod native {
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use futures_util::{SinkExt, StreamExt};
    use omnisocket::{Client, Message, Shutdown};
    use tokio::sync::Semaphore;
    use tokio::task::JoinSet;
    use tokio_tungstenite::tungstenite::Message as WsMessage;

    use crate::common::{
        ChildProcess, ROLE_VAR, RawSocket, Result, ServerProcess, bench_mode, connect_raw, env_or,
        median, percentile, raise_fd_limit, sized,
    };

    const ROLE_IDLE: &str = "idle";
    const ROLE_SCALE: &str = "scale";
    const KIND_VAR: &str = "OMNISOCKET_BENCH_KIND";
    const URL_VAR: &str = "OMNISOCKET_BENCH_URL";
    const N_VAR: &str = "OMNISOCKET_BENCH_N";
    const MESSAGE: &str = "0123456789abcdef0123456789abcdef";

    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    enum Kind {
        Omnisocket,
        Raw,
    }

    impl Kind {
        fn name(self) -> &'static str {
            match self {
                Kind::Omnisocket => "omnisocket",
                Kind::Raw => "tokio-tungstenite",
            }
        }

        fn from_name(name: &str) -> Result<Self> {
            [Kind::Omnisocket, Kind::Raw]
                .into_iter()
                .find(|kind| kind.name() == name)
                .ok_or_else(|| format!("unknown client {name:?}").into())
        }
    }

    /// `[A, B]`, then `[B, A]`, ...
    fn alternate(run: u64) -> [Kind; 2] {
        if run % 2 == 0 {
            [Kind::Omnisocket, Kind::Raw]
        } else {
            [Kind::Raw, Kind::Omnisocket]
        }
    }

    /// The clients' runtime: multi-thread with 2 workers, or current-thread when
    /// `OMNISOCKET_BENCH_RUNTIME=current_thread`.
    fn runtime() -> Result<tokio::runtime::Runtime> {
        let mut builder = match std::env::var("OMNISOCKET_BENCH_RUNTIME").as_deref() {
            Ok("current_thread") => tokio::runtime::Builder::new_current_thread(),
            Ok("multi_thread") | Err(_) => {
                let mut builder = tokio::runtime::Builder::new_multi_thread();
                builder.worker_threads(2);
                builder
            }
            Ok(other) => return Err(format!("unknown runtime {other:?}").into()),
        };
        Ok(builder.enable_all().build()?)
    }

    /// Runs `future` as a task on `runtime` (on a worker thread, as application code runs).
    fn run_on<T: Send + 'static>(
        runtime: &tokio::runtime::Runtime,
        future: impl Future<Output = Result<T>> + Send + 'static,
    ) -> Result<T> {
        runtime.block_on(async { tokio::spawn(future).await? })
    }

    pub(crate) fn main() -> Result<()> {
        match std::env::var(ROLE_VAR).as_deref() {
            Ok(ROLE_IDLE) => return child_idle(),
            Ok(ROLE_SCALE) => return child_scale(),
            _ => {}
        }
        let quick = !bench_mode() || env_or("OMNISOCKET_BENCH_QUICK", 0) != 0;
        let parts = std::env::var("OMNISOCKET_BENCH_PARTS")
            .unwrap_or_else(|_| "shutdown,timeout,idle,scale".into());
        let server = ServerProcess::start()?;
        let runtime = runtime()?;
        for part in parts.split(',') {
            match part.trim() {
                "shutdown" => {
                    let runs = sized(quick, 4, "OMNISOCKET_BENCH_SHUTDOWN_RUNS", 100);
                    shutdown_latency(&runtime, &server, runs)?;
                }
                "timeout" => {
                    let runs = sized(quick, 2, "OMNISOCKET_BENCH_TIMEOUT_RUNS", 20);
                    timeout_overshoot(&runtime, runs)?;
                }
                "idle" => {
                    let n = sized(quick, 10, "OMNISOCKET_BENCH_IDLE_N", 1000);
                    let runs = sized(quick, 1, "OMNISOCKET_BENCH_PROCESS_RUNS", 3);
                    idle_memory(&server, n, runs)?;
                }
                "scale" => {
                    let n = sized(quick, 100, "OMNISOCKET_BENCH_SCALE_N", 10_000);
                    let runs = sized(quick, 1, "OMNISOCKET_BENCH_PROCESS_RUNS", 3);
                    scale(&server, n, runs)?;
                }
                "" => {}
                other => return Err(format!("unknown part {other:?}").into()),
            }
        }
        Ok(())
    }

    // ---- 1. Clean shutdown latency ------------------------------------------------------

    /// Round trips measured on each connection before it is closed.
    const RTT_SAMPLES: usize = 5;

    fn shutdown_latency(
        runtime: &tokio::runtime::Runtime,
        server: &ServerProcess,
        runs: u64,
    ) -> Result<()> {
        let url = server.url("/echo");
        // The raw baseline twice: a bare `close`, and the same under `tokio::time::timeout`
        // (what a close bounded in time costs raw: registering a timer wakes the runtime's
        // timer thread, which `omnisocket`'s bounded shutdown pays too).
        const CLOSERS: [&str; 3] = [
            "omnisocket",
            "tokio-tungstenite",
            "tokio-tungstenite+timeout",
        ];
        let mut rtt = [Vec::new(), Vec::new(), Vec::new()];
        let mut close = [Vec::new(), Vec::new(), Vec::new()];
        // Each connection's close time over its own median round trip: the machine's state
        // changes from one connection to the next, this ratio much less.
        let mut ratio = [Vec::new(), Vec::new(), Vec::new()];
        for run in 0..runs {
            // A B C, then B C A, then C A B: no client always goes first.
            for offset in 0..CLOSERS.len() {
                let slot = (offset + run as usize) % CLOSERS.len();
                let url = url.clone();
                let (rtts, closed) = run_on(runtime, async move {
                    match slot {
                        0 => close_omnisocket(&url).await,
                        1 => close_raw(&url, false).await,
                        _ => close_raw(&url, true).await,
                    }
                })?;
                let rtts: Vec<f64> = rtts.iter().map(Duration::as_secs_f64).collect();
                ratio[slot].push(closed.as_secs_f64() / median(&rtts));
                rtt[slot].extend(rtts);
                close[slot].push(closed.as_secs_f64());
            }
        }
        println!();
        println!(
            "Clean shutdown latency, {runs} connections per client (us; median and 90th percentile; \
             close/rtt: median over connections of close time / that connection's median RTT):"
        );
        for (slot, name) in CLOSERS.iter().enumerate() {
            println!(
                "SUMMARY shutdown/clean {:<26} close {:>6.1} (p90 {:>6.1})  rtt {:>6.1} (p90 {:>6.1})  close/rtt {:.2} (p90 {:.2})",
                name,
                median(&close[slot]) * 1e6,
                percentile(&close[slot], 90.0) * 1e6,
                median(&rtt[slot]) * 1e6,
                percentile(&rtt[slot], 90.0) * 1e6,
                median(&ratio[slot]),
                percentile(&ratio[slot], 90.0),
            );
        }
        Ok(())
    }

    async fn close_omnisocket(url: &str) -> Result<(Vec<Duration>, Duration)> {
        let mut client = Client::connect(url, crate::common::client_config()).await?;
        let mut rtts = Vec::new();
        for _ in 0..=RTT_SAMPLES {
            let start = Instant::now();
            client.send(Message::text(MESSAGE)).await?;
            client.recv().await.ok_or("no echo")??;
            rtts.push(start.elapsed());
        }
        rtts.remove(0); // the first one warms up
        let start = Instant::now();
        let outcome = client.shutdown(Duration::from_secs(5)).await;
        let elapsed = start.elapsed();
        match outcome {
            Shutdown::Clean(_) => Ok((rtts, elapsed)),
            other => Err(format!("shutdown ended with {other:?}").into()),
        }
    }

    /// `bounded`: the close runs under a 5 s `tokio::time::timeout`, like a bounded shutdown.
    async fn close_raw(url: &str, bounded: bool) -> Result<(Vec<Duration>, Duration)> {
        let mut socket = connect_raw(url).await?;
        let mut rtts = Vec::new();
        for _ in 0..=RTT_SAMPLES {
            let start = Instant::now();
            socket.send(WsMessage::text(MESSAGE)).await?;
            socket.next().await.ok_or("no echo")??;
            rtts.push(start.elapsed());
        }
        rtts.remove(0);
        let start = Instant::now();
        let clean = if bounded {
            tokio::time::timeout(Duration::from_secs(5), close_raw_socket(&mut socket))
                .await
                .unwrap_or(false)
        } else {
            close_raw_socket(&mut socket).await
        };
        let elapsed = start.elapsed();
        if clean {
            Ok((rtts, elapsed))
        } else {
            Err("the raw close did not complete".into())
        }
    }

    /// Sends a Close and reads until the peer's Close; `true` if it came.
    async fn close_raw_socket(socket: &mut RawSocket) -> bool {
        if socket.close(None).await.is_err() {
            return false;
        }
        loop {
            match socket.next().await {
                Some(Ok(WsMessage::Close(_))) => return true,
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return false,
            }
        }
    }

    // ---- 2. Timed-out shutdown overshoot -------------------------------------------------

    const TIMEOUTS: [Duration; 2] = [Duration::from_millis(50), Duration::from_millis(200)];

    fn timeout_overshoot(runtime: &tokio::runtime::Runtime, runs: u64) -> Result<()> {
        // The test server on a runtime (and thread) of its own, so that it never waits for
        // the client's workers.
        let server_runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()?;
        let server = server_runtime.block_on(omnisocket_testserver::TestServer::start())?;
        let url = server.url("/never-close");
        println!();
        println!(
            "Timed-out shutdown against /never-close, {runs} runs per timeout (ms past the timeout):"
        );
        for timeout in TIMEOUTS {
            let mut shutdown_over = Vec::new();
            let mut sleep_over = Vec::new();
            for _ in 0..runs {
                let url = url.clone();
                let (over, slept) = run_on(runtime, async move {
                    let mut client = Client::connect(&url, crate::common::client_config()).await?;
                    client.send(Message::text(MESSAGE)).await?;
                    client.recv().await.ok_or("no echo")??;
                    let start = Instant::now();
                    let outcome = client.shutdown(timeout).await;
                    let over = start.elapsed().saturating_sub(timeout);
                    if outcome != Shutdown::TimedOut {
                        return Err(format!("expected TimedOut, got {outcome:?}").into());
                    }
                    // The timer's own slack, for comparison.
                    let start = Instant::now();
                    tokio::time::sleep(timeout).await;
                    Ok((over, start.elapsed().saturating_sub(timeout)))
                })?;
                shutdown_over.push(over.as_secs_f64() * 1e3);
                sleep_over.push(slept.as_secs_f64() * 1e3);
            }
            println!(
                "SUMMARY shutdown/timeout {:>4} ms  overshoot median {:.2} ms, max {:.2} ms  (bare sleep: median {:.2}, max {:.2})",
                timeout.as_millis(),
                median(&shutdown_over),
                percentile(&shutdown_over, 100.0),
                median(&sleep_over),
                percentile(&sleep_over, 100.0),
            );
        }
        drop(server);
        server_runtime.shutdown_timeout(Duration::from_secs(1));
        Ok(())
    }

    // ---- 3. Memory per idle connection ---------------------------------------------------

    fn idle_memory(server: &ServerProcess, n: u64, runs: u64) -> Result<()> {
        let mut connected = [Vec::new(), Vec::new()];
        let mut exchanged = [Vec::new(), Vec::new()];
        for run in 0..runs {
            for kind in alternate(run) {
                let line = run_child(ROLE_IDLE, kind, server, n)?;
                let values = parse_result(&line)?;
                let slot = kind as usize;
                connected[slot].push(field(&values, "connected_kib")? / n as f64);
                exchanged[slot].push(field(&values, "exchanged_kib")? / n as f64);
            }
        }
        println!();
        println!(
            "Memory per idle connection, client side (VmRSS delta / {n}, KiB; median of {runs} processes):"
        );
        for kind in [Kind::Omnisocket, Kind::Raw] {
            let slot = kind as usize;
            println!(
                "SUMMARY idle/{n} {:<18} connected {:>6.1} KiB/conn  after one echo {:>6.1} KiB/conn",
                kind.name(),
                median(&connected[slot]),
                median(&exchanged[slot]),
            );
        }
        Ok(())
    }

    fn child_idle() -> Result<()> {
        raise_fd_limit();
        let (kind, url, n) = child_settings()?;
        let runtime = runtime()?;
        let result = run_on(&runtime, async move {
            // Warm up: one connection opened, used and closed, so that what is measured is
            // the cost of a connection and not of the first one.
            let mut conns = Conns::open(kind, &url, 1, 1).await?;
            conns.echo_all().await?;
            conns.close_all().await?;
            tokio::time::sleep(Duration::from_millis(100)).await;
            let before = vm_kib("VmRSS")?;
            let mut conns = Conns::open(kind, &url, n, 100).await?;
            tokio::time::sleep(Duration::from_millis(200)).await;
            let connected = vm_kib("VmRSS")? - before;
            conns.echo_all().await?;
            tokio::time::sleep(Duration::from_millis(200)).await;
            let exchanged = vm_kib("VmRSS")? - before;
            conns.close_all().await?;
            Ok(format!(
                "RESULT connected_kib={connected} exchanged_kib={exchanged}"
            ))
        })?;
        println!("{result}");
        Ok(())
    }

    // ---- 4. 10,000 connections -----------------------------------------------------------

    fn scale(server: &ServerProcess, n: u64, runs: u64) -> Result<()> {
        let names = ["open_s", "echo_s", "shutdown_s", "hwm_kib", "rss_open_kib"];
        let mut figures = [Vec::new(), Vec::new()];
        for run in 0..runs {
            for kind in alternate(run) {
                let line = run_child(ROLE_SCALE, kind, server, n)?;
                let values = parse_result(&line)?;
                let row: Result<Vec<f64>> = names.iter().map(|name| field(&values, name)).collect();
                figures[kind as usize].push(row?);
            }
        }
        println!();
        println!(
            "{n} connections at once, in a fresh process per run (median of {runs} runs per client):"
        );
        for kind in [Kind::Omnisocket, Kind::Raw] {
            let rows = &figures[kind as usize];
            let column = |i: usize| median(&rows.iter().map(|row| row[i]).collect::<Vec<_>>());
            println!(
                "SUMMARY scale/{n} {:<18} open {:>6.3} s  echo {:>6.3} s  shutdown {:>6.3} s  \
                 VmHWM {:>7.1} MiB  RSS open {:>7.1} MiB  all Clean",
                kind.name(),
                column(0),
                column(1),
                column(2),
                column(3) / 1024.0,
                column(4) / 1024.0,
            );
        }
        Ok(())
    }

    fn child_scale() -> Result<()> {
        let limit = raise_fd_limit();
        let (kind, url, n) = child_settings()?;
        if limit < n + 100 {
            return Err(
                format!("the open-files limit is {limit}, {n} connections need more").into(),
            );
        }
        let concurrency = env_or("OMNISOCKET_BENCH_OPEN_CONCURRENCY", 1000) as usize;
        let runtime = runtime()?;
        let result = run_on(&runtime, async move {
            let start = Instant::now();
            let mut conns = Conns::open(kind, &url, n, concurrency).await?;
            let open = start.elapsed();
            let rss_open = vm_kib("VmRSS")?;
            let start = Instant::now();
            conns.echo_all().await?;
            let echo = start.elapsed();
            let start = Instant::now();
            conns.close_all().await?;
            let shutdown = start.elapsed();
            Ok(format!(
                "RESULT open_s={} echo_s={} shutdown_s={} rss_open_kib={rss_open} hwm_kib={}",
                open.as_secs_f64(),
                echo.as_secs_f64(),
                shutdown.as_secs_f64(),
                vm_kib("VmHWM")?,
            ))
        })?;
        println!("{result}");
        Ok(())
    }

    // ---- Many connections of one kind ----------------------------------------------------

    enum Conns {
        Omnisocket(Vec<Client>),
        Raw(Vec<RawSocket>),
    }

    impl Conns {
        /// Opens `n` connections, at most `concurrency` handshakes at a time.
        async fn open(kind: Kind, url: &str, n: u64, concurrency: usize) -> Result<Self> {
            let permits = Arc::new(Semaphore::new(concurrency.max(1)));
            match kind {
                Kind::Omnisocket => {
                    let mut tasks = JoinSet::new();
                    for _ in 0..n {
                        let (url, permits) = (url.to_owned(), Arc::clone(&permits));
                        tasks.spawn(async move {
                            let _permit = permits.acquire_owned().await?;
                            Ok(Client::connect(&url, crate::common::client_config()).await?)
                        });
                    }
                    Ok(Conns::Omnisocket(join_all(tasks).await?))
                }
                Kind::Raw => {
                    let mut tasks = JoinSet::new();
                    for _ in 0..n {
                        let (url, permits) = (url.to_owned(), Arc::clone(&permits));
                        tasks.spawn(async move {
                            let _permit = permits.acquire_owned().await?;
                            connect_raw(&url).await
                        });
                    }
                    Ok(Conns::Raw(join_all(tasks).await?))
                }
            }
        }

        /// One echo on every connection, all at once.
        async fn echo_all(&mut self) -> Result<()> {
            match self {
                Conns::Omnisocket(clients) => {
                    let mut tasks = JoinSet::new();
                    for mut client in std::mem::take(clients) {
                        tasks.spawn(async move {
                            client.send(Message::text(MESSAGE)).await?;
                            client.recv().await.ok_or("no echo")??;
                            Ok(client)
                        });
                    }
                    *clients = join_all(tasks).await?;
                }
                Conns::Raw(sockets) => {
                    let mut tasks = JoinSet::new();
                    for mut socket in std::mem::take(sockets) {
                        tasks.spawn(async move {
                            socket.send(WsMessage::text(MESSAGE)).await?;
                            socket.next().await.ok_or("no echo")??;
                            Ok(socket)
                        });
                    }
                    *sockets = join_all(tasks).await?;
                }
            }
            Ok(())
        }

        /// Closes every connection at once; an error unless every one closed cleanly.
        async fn close_all(self) -> Result<()> {
            let mut tasks = JoinSet::new();
            match self {
                Conns::Omnisocket(clients) => {
                    for client in clients {
                        tasks.spawn(async move {
                            let outcome = client.shutdown(Duration::from_secs(30)).await;
                            matches!(outcome, Shutdown::Clean(_))
                        });
                    }
                }
                Conns::Raw(sockets) => {
                    for mut socket in sockets {
                        tasks.spawn(async move { close_raw_socket(&mut socket).await });
                    }
                }
            }
            let (mut clean, mut total) = (0, 0);
            while let Some(done) = tasks.join_next().await {
                total += 1;
                clean += u64::from(done?);
            }
            if clean == total {
                Ok(())
            } else {
                Err(format!("only {clean} of {total} connections closed cleanly").into())
            }
        }
    }

    /// Every task's value, or the first error.
    async fn join_all<T: 'static>(mut tasks: JoinSet<Result<T>>) -> Result<Vec<T>> {
        let mut all = Vec::with_capacity(tasks.len());
        while let Some(done) = tasks.join_next().await {
            all.push(done??);
        }
        Ok(all)
    }

    // ---- Child processes and /proc ---------------------------------------------------------

    fn run_child(role: &str, kind: Kind, server: &ServerProcess, n: u64) -> Result<String> {
        let env = [
            (KIND_VAR, kind.name().to_owned()),
            (URL_VAR, server.url("/echo")),
            (N_VAR, n.to_string()),
        ];
        let mut child = ChildProcess::spawn(role, &env)?;
        let line = child.read_line()?;
        child.wait()?;
        Ok(line)
    }

    fn child_settings() -> Result<(Kind, String, u64)> {
        let kind = Kind::from_name(&std::env::var(KIND_VAR)?)?;
        let url = std::env::var(URL_VAR)?;
        Ok((kind, url, env_or(N_VAR, 0)))
    }

    fn parse_result(line: &str) -> Result<Vec<(String, f64)>> {
        let fields = line
            .strip_prefix("RESULT ")
            .ok_or_else(|| format!("unexpected child output {line:?}"))?;
        fields
            .split_whitespace()
            .map(|field| {
                let (name, value) = field.split_once('=').ok_or("no `=`")?;
                Ok((name.to_owned(), value.parse()?))
            })
            .collect()
    }

    fn field(values: &[(String, f64)], name: &str) -> Result<f64> {
        values
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, value)| *value)
            .ok_or_else(|| format!("no {name} in the child's result").into())
    }

    /// A `Vm*` line of /proc/self/status, in KiB.
    fn vm_kib(name: &str) -> Result<i64> {
        let status = std::fs::read_to_string("/proc/self/status")?;
        status
            .lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix(':'))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .ok_or_else(|| format!("no {name} in /proc/self/status").into())
    }
}
