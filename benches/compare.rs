//! `omnisocket` against raw tokio-tungstenite (the same version, the one `omnisocket` uses),
//! both talking to one raw tokio-tungstenite echo server in a separate process:
//!
//! - `rtt_32B`: sequential round trips of a 32-byte text message on one connection;
//! - `echo_1MiB`: 1 MiB binary messages sent while their echoes are read (throughput of
//!   each direction), also against `omnisocket` with tungstenite's 128 KiB read buffer;
//! - `senders_64x32B`: 64 tasks sending 32-byte text messages at once on one connection,
//!   then one round trip that proves the server has read them all. The baselines: raw
//!   tokio-tungstenite with the sink half behind a `tokio::sync::Mutex` (each send flushes),
//!   and with the sink half owned by a writer task fed through a `tokio::sync::mpsc`
//!   channel (the same design as `omnisocket`'s connection task).
//!
//! First criterion measures each case (`target/criterion`), then the same cases run again
//! in interleaved rounds (A B, then B A, ...) with a fixed amount of work each, and the
//! summary reports the median rate of each client and the median of the per-round ratios,
//! which cancels most of the noise of a shared machine.
//!
//! ```text
//! cargo bench --bench compare                    # everything
//! cargo bench --bench compare -- rtt             # criterion filter; the rounds still run
//! OMNISOCKET_BENCH_ROUNDS=21 cargo bench --bench compare
//! OMNISOCKET_BENCH_CRITERION=0 cargo bench --bench compare   # only the interleaved rounds
//! OMNISOCKET_BENCH_READ_BUFFER=131072 cargo bench --bench compare   # another read buffer
//! OMNISOCKET_BENCH_ONLY=rtt_32B/current_thread OMNISOCKET_BENCH_CLIENTS=omnisocket \
//!     cargo bench --bench compare      # one case, one client (for a profiler)
//! ```

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

    use bytes::Bytes;
    use criterion::{BenchmarkId, Criterion, Throughput};
    use futures_util::stream::{SplitSink, SplitStream};
    use futures_util::{SinkExt, StreamExt};
    use omnisocket::{Client, Config, Message};
    use tokio::runtime::Runtime;
    use tokio::sync::{mpsc, oneshot};
    use tokio::task::JoinSet;
    use tokio_tungstenite::tungstenite::Message as WsMessage;

    use crate::common::{
        BoxError, RawSocket, Result, SYNC, ServerProcess, bench_mode, connect_raw, env_or, fail,
        median, percentile, sized,
    };

    const SMALL: usize = 32;
    const LARGE: usize = 1 << 20;
    const SENDERS: u64 = 64;

    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    enum Case {
        Rtt,
        Echo,
        Senders,
    }

    impl Case {
        fn name(self) -> &'static str {
            match self {
                Case::Rtt => "rtt_32B",
                Case::Echo => "echo_1MiB",
                Case::Senders => "senders_64x32B",
            }
        }

        fn path(self) -> &'static str {
            match self {
                Case::Senders => "/sink",
                _ => "/echo",
            }
        }

        /// What one unit of work is, for the summary.
        fn unit(self) -> &'static str {
            match self {
                Case::Rtt => "round trips/s",
                Case::Echo => "MiB/s each way",
                Case::Senders => "messages/s",
            }
        }

        /// Units of work per interleaved run: about 0.1-0.3 s each here.
        fn work(self, quick: bool) -> u64 {
            match (self, quick) {
                (_, true) => 64,
                (Case::Rtt, false) => 10_000,
                (Case::Echo, false) => 128,
                (Case::Senders, false) => 64 * 4_000,
            }
        }
    }

    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    enum Kind {
        Omnisocket,
        /// `omnisocket` with tungstenite's default read buffer (128 KiB) instead of its own
        /// (16 KiB): what the small buffer costs large messages.
        OmnisocketLargeBuffer,
        /// Raw tokio-tungstenite, one task owns the stream (or its two halves).
        Raw,
        /// Raw, the sink half behind a `tokio::sync::Mutex` shared by the senders.
        RawMutex,
        /// Raw, the sink half owned by a writer task fed by a `tokio::sync::mpsc` channel.
        RawMpsc,
    }

    impl Kind {
        fn name(self) -> &'static str {
            match self {
                Kind::Omnisocket => "omnisocket",
                Kind::OmnisocketLargeBuffer => "omnisocket-128KiB-buffer",
                Kind::Raw => "tokio-tungstenite",
                Kind::RawMutex => "tokio-tungstenite+Mutex",
                Kind::RawMpsc => "tokio-tungstenite+mpsc",
            }
        }
    }

    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    enum Flavor {
        CurrentThread,
        MultiThread,
    }

    impl Flavor {
        fn name(self) -> &'static str {
            match self {
                Flavor::CurrentThread => "current_thread",
                Flavor::MultiThread => "multi_thread",
            }
        }

        fn runtime(self) -> Result<Runtime> {
            let mut builder = match self {
                Flavor::CurrentThread => tokio::runtime::Builder::new_current_thread(),
                Flavor::MultiThread => {
                    let mut builder = tokio::runtime::Builder::new_multi_thread();
                    builder.worker_threads(2);
                    builder
                }
            };
            Ok(builder.enable_all().build()?)
        }
    }

    /// The cases measured, and the clients compared in each (the first is `omnisocket`).
    const PLAN: &[(Case, Flavor, &[Kind])] = &[
        (
            Case::Rtt,
            Flavor::CurrentThread,
            &[Kind::Omnisocket, Kind::Raw],
        ),
        (
            Case::Rtt,
            Flavor::MultiThread,
            &[Kind::Omnisocket, Kind::Raw],
        ),
        (
            Case::Echo,
            Flavor::CurrentThread,
            &[Kind::Omnisocket, Kind::Raw, Kind::OmnisocketLargeBuffer],
        ),
        (
            Case::Echo,
            Flavor::MultiThread,
            &[Kind::Omnisocket, Kind::Raw, Kind::OmnisocketLargeBuffer],
        ),
        (
            Case::Senders,
            Flavor::MultiThread,
            &[Kind::Omnisocket, Kind::RawMutex, Kind::RawMpsc],
        ),
    ];

    /// Work to do, and where to send (wall time, CPU time of this process) it took.
    type Command = (u64, oneshot::Sender<Result<Timing, String>>);

    #[derive(Clone, Copy, Debug)]
    struct Timing {
        wall: Duration,
        cpu: Duration,
    }

    /// One connection, owned by a task on its runtime (so that on a multi-thread runtime the
    /// measured code runs on a worker, as application tasks do), timing the work it is sent.
    struct Session {
        commands: mpsc::Sender<Command>,
    }

    impl Session {
        fn start(runtime: &Runtime, url: String, case: Case, kind: Kind) -> Result<Self> {
            runtime.block_on(async move {
                let (commands, mut incoming) = mpsc::channel::<Command>(1);
                let (ready_tx, ready) = oneshot::channel();
                tokio::spawn(async move {
                    let mut conn = match Conn::open(&url, case, kind).await {
                        Ok(conn) => {
                            let _ = ready_tx.send(Ok(()));
                            conn
                        }
                        Err(error) => {
                            let _ = ready_tx.send(Err(error.to_string()));
                            return;
                        }
                    };
                    while let Some((work, reply)) = incoming.recv().await {
                        let cpu = process_cpu_time();
                        let timed = conn.run(case, work).await.map_err(|e| e.to_string());
                        let timed = timed.map(|wall| Timing {
                            wall,
                            cpu: process_cpu_time().saturating_sub(cpu),
                        });
                        let _ = reply.send(timed);
                    }
                    conn.close().await;
                });
                ready.await??;
                Ok(Self { commands })
            })
        }

        /// Does `work` units and returns how long they took.
        fn run(&self, runtime: &Runtime, work: u64) -> Timing {
            runtime
                .block_on(async {
                    let (reply, answer) = oneshot::channel();
                    self.commands
                        .send((work, reply))
                        .await
                        .map_err(|_| "gone")?;
                    answer.await.map_err(|_| "gone")?.map_err(Into::into)
                })
                .unwrap_or_else(|e: BoxError| fail(e))
        }
    }

    enum Conn {
        Omnisocket(Client),
        Raw(Box<RawSocket>),
        RawSplit {
            sink: SplitSink<RawSocket, WsMessage>,
            stream: SplitStream<RawSocket>,
        },
        RawMutex {
            sink: Arc<tokio::sync::Mutex<SplitSink<RawSocket, WsMessage>>>,
            stream: SplitStream<RawSocket>,
        },
        RawMpsc {
            queue: mpsc::Sender<WsMessage>,
            stream: SplitStream<RawSocket>,
        },
    }

    impl Conn {
        async fn open(url: &str, case: Case, kind: Kind) -> Result<Self> {
            let omnisocket = match kind {
                Kind::Omnisocket => Some(crate::common::client_config()),
                Kind::OmnisocketLargeBuffer => Some(Config::default().read_buffer(128 * 1024)),
                _ => None,
            };
            if let Some(config) = omnisocket {
                return Ok(Conn::Omnisocket(Client::connect(url, config).await?));
            }
            let socket = connect_raw(url).await?;
            Ok(match (kind, case) {
                (Kind::Raw, Case::Rtt) => Conn::Raw(Box::new(socket)),
                (Kind::Raw, _) => {
                    let (sink, stream) = socket.split();
                    Conn::RawSplit { sink, stream }
                }
                (Kind::RawMutex, _) => {
                    let (sink, stream) = socket.split();
                    let sink = Arc::new(tokio::sync::Mutex::new(sink));
                    Conn::RawMutex { sink, stream }
                }
                (_, _) => {
                    let (sink, stream) = socket.split();
                    // The same queue length as `omnisocket`'s default send queue.
                    let (queue, outgoing) = mpsc::channel(Config::default().get_send_queue());
                    tokio::spawn(raw_writer(sink, outgoing));
                    Conn::RawMpsc { queue, stream }
                }
            })
        }

        async fn run(&mut self, case: Case, work: u64) -> Result<Duration> {
            match case {
                Case::Rtt => self.rtt(work).await,
                Case::Echo => self.echo(work).await,
                Case::Senders => self.senders(work).await,
            }
        }

        async fn rtt(&mut self, work: u64) -> Result<Duration> {
            let text = "x".repeat(SMALL);
            let start;
            match self {
                Conn::Omnisocket(client) => {
                    let message = Message::text(text);
                    start = Instant::now();
                    for _ in 0..work {
                        client.send(message.clone()).await?;
                        expect_len(client.recv().await.transpose()?.map(|m| m.len()), SMALL)?;
                    }
                }
                Conn::Raw(socket) => {
                    let message = WsMessage::text(text);
                    start = Instant::now();
                    for _ in 0..work {
                        socket.send(message.clone()).await?;
                        expect_len(socket.next().await.transpose()?.map(|m| m.len()), SMALL)?;
                    }
                }
                _ => return Err("no such combination".into()),
            }
            Ok(start.elapsed())
        }

        async fn echo(&mut self, work: u64) -> Result<Duration> {
            let payload = Bytes::from(vec![0xa5; LARGE]);
            let start = Instant::now();
            match self {
                Conn::Omnisocket(client) => {
                    let sender = client.sender();
                    let send = async {
                        for _ in 0..work {
                            sender.send(Message::binary(payload.clone())).await?;
                        }
                        Ok::<_, BoxError>(())
                    };
                    let receive = async {
                        for _ in 0..work {
                            expect_len(client.recv().await.transpose()?.map(|m| m.len()), LARGE)?;
                        }
                        Ok(())
                    };
                    let (sent, received) = tokio::join!(send, receive);
                    sent.and(received)?;
                }
                Conn::RawSplit { sink, stream } => {
                    let send = async {
                        for _ in 0..work {
                            sink.send(WsMessage::Binary(payload.clone())).await?;
                        }
                        Ok::<_, BoxError>(())
                    };
                    let receive = async {
                        for _ in 0..work {
                            expect_len(stream.next().await.transpose()?.map(|m| m.len()), LARGE)?;
                        }
                        Ok(())
                    };
                    let (sent, received) = tokio::join!(send, receive);
                    sent.and(received)?;
                }
                _ => return Err("no such combination".into()),
            }
            Ok(start.elapsed())
        }

        /// `work` messages from 64 tasks (rounded up to a multiple of 64), then a round
        /// trip; the time is scaled back to `work` messages.
        async fn senders(&mut self, work: u64) -> Result<Duration> {
            let each = work.div_ceil(SENDERS);
            let message = "y".repeat(SMALL);
            let mut tasks = JoinSet::new();
            let start = Instant::now();
            match self {
                Conn::Omnisocket(client) => {
                    let message = Message::text(message);
                    for _ in 0..SENDERS {
                        let (sender, message) = (client.sender(), message.clone());
                        tasks.spawn(async move {
                            for _ in 0..each {
                                sender.send(message.clone()).await?;
                            }
                            Ok::<_, BoxError>(())
                        });
                    }
                    while let Some(done) = tasks.join_next().await {
                        done??;
                    }
                    client.send(Message::text(SYNC)).await?;
                    expect_len(
                        client.recv().await.transpose()?.map(|m| m.len()),
                        SYNC.len(),
                    )?;
                }
                Conn::RawMutex { sink, stream } => {
                    let message = WsMessage::text(message);
                    for _ in 0..SENDERS {
                        let (sink, message) = (Arc::clone(sink), message.clone());
                        tasks.spawn(async move {
                            for _ in 0..each {
                                sink.lock().await.send(message.clone()).await?;
                            }
                            Ok(())
                        });
                    }
                    while let Some(done) = tasks.join_next().await {
                        done??;
                    }
                    sink.lock().await.send(WsMessage::text(SYNC)).await?;
                    expect_len(
                        stream.next().await.transpose()?.map(|m| m.len()),
                        SYNC.len(),
                    )?;
                }
                Conn::RawMpsc { queue, stream } => {
                    let message = WsMessage::text(message);
                    for _ in 0..SENDERS {
                        let (queue, message) = (queue.clone(), message.clone());
                        tasks.spawn(async move {
                            for _ in 0..each {
                                queue.send(message.clone()).await?;
                            }
                            Ok(())
                        });
                    }
                    while let Some(done) = tasks.join_next().await {
                        done??;
                    }
                    queue.send(WsMessage::text(SYNC)).await?;
                    expect_len(
                        stream.next().await.transpose()?.map(|m| m.len()),
                        SYNC.len(),
                    )?;
                }
                _ => return Err("no such combination".into()),
            }
            let elapsed = start.elapsed();
            Ok(elapsed.mul_f64(work as f64 / (each * SENDERS) as f64))
        }

        async fn close(self) {
            match self {
                Conn::Omnisocket(client) => {
                    client.shutdown(Duration::from_secs(5)).await;
                }
                Conn::Raw(mut socket) => {
                    let _ = (*socket).close(None).await;
                }
                Conn::RawSplit { mut sink, .. } => {
                    let _ = sink.close().await;
                }
                Conn::RawMutex { sink, .. } => {
                    let _ = sink.lock().await.close().await;
                }
                Conn::RawMpsc { .. } => {}
            }
        }
    }

    /// The writer task of the `RawMpsc` baseline: feeds what is queued, flushes when the
    /// queue is empty.
    async fn raw_writer(
        mut sink: SplitSink<RawSocket, WsMessage>,
        mut outgoing: mpsc::Receiver<WsMessage>,
    ) -> Result<()> {
        while let Some(message) = outgoing.recv().await {
            sink.feed(message).await?;
            while let Ok(message) = outgoing.try_recv() {
                sink.feed(message).await?;
            }
            sink.flush().await?;
        }
        sink.close().await?;
        Ok(())
    }

    /// CPU time used so far by every thread of this process.
    fn process_cpu_time() -> Duration {
        let mut now = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `now` is a valid, writable timespec and the clock id is a constant.
        unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut now) };
        Duration::new(now.tv_sec as u64, now.tv_nsec as u32)
    }

    fn expect_len(got: Option<usize>, want: usize) -> Result<()> {
        match got {
            Some(len) if len == want => Ok(()),
            Some(len) => Err(format!("echo of {len} bytes, expected {want}").into()),
            None => Err("the connection ended".into()),
        }
    }

    struct Row {
        case: Case,
        flavor: Flavor,
        sessions: Vec<(Kind, Session)>,
    }

    pub(crate) fn main() -> Result<()> {
        let bench = bench_mode();
        let server = ServerProcess::start()?;
        let runtimes = [
            (Flavor::CurrentThread, Flavor::CurrentThread.runtime()?),
            (Flavor::MultiThread, Flavor::MultiThread.runtime()?),
        ];
        let runtime = |flavor: Flavor| {
            runtimes
                .iter()
                .find(|(f, _)| *f == flavor)
                .map(|(_, runtime)| runtime)
                .ok_or("no runtime")
        };
        // Optional filters, for profiling one case or one client.
        let only = std::env::var("OMNISOCKET_BENCH_ONLY").unwrap_or_default();
        let clients = std::env::var("OMNISOCKET_BENCH_CLIENTS").unwrap_or_default();
        let mut rows = Vec::new();
        for &(case, flavor, kinds) in PLAN {
            if !format!("{}/{}", case.name(), flavor.name()).contains(&only) {
                continue;
            }
            let mut sessions = Vec::new();
            for &kind in kinds {
                if !clients.is_empty() && !clients.split(',').any(|name| name == kind.name()) {
                    continue;
                }
                let session =
                    Session::start(runtime(flavor)?, server.url(case.path()), case, kind)?;
                sessions.push((kind, session));
            }
            rows.push(Row {
                case,
                flavor,
                sessions,
            });
        }

        if env_or("OMNISOCKET_BENCH_CRITERION", 1) != 0 {
            let mut criterion = Criterion::default()
                .sample_size(20)
                .warm_up_time(Duration::from_secs(1))
                .measurement_time(Duration::from_secs(3))
                .without_plots()
                .configure_from_args();
            for case in [Case::Rtt, Case::Echo, Case::Senders] {
                let mut group = criterion.benchmark_group(case.name());
                group.throughput(match case {
                    Case::Echo => Throughput::Bytes(LARGE as u64),
                    _ => Throughput::Elements(1),
                });
                for row in rows.iter().filter(|row| row.case == case) {
                    let runtime = runtime(row.flavor)?;
                    for (kind, session) in &row.sessions {
                        let id = BenchmarkId::new(kind.name(), row.flavor.name());
                        group.bench_function(id, |b| {
                            b.iter_custom(|iters| session.run(runtime, iters).wall)
                        });
                    }
                }
                group.finish();
            }
            criterion.final_summary();
        }

        let quick = !bench || env_or("OMNISOCKET_BENCH_QUICK", 0) != 0;
        let rounds = sized(quick, 2, "OMNISOCKET_BENCH_ROUNDS", 21).max(1);
        println!();
        println!(
            "Interleaved rounds: {rounds} per case. Rate and client CPU time per unit: medians \
             of the rounds. omnisocket/this: median of the per-round ratios [10th-90th \
             percentile]; rate > 1 and cpu < 1 favour omnisocket."
        );
        for row in &rows {
            let runtime = runtime(row.flavor)?;
            let work = row.case.work(quick);
            let mut rates = vec![Vec::new(); row.sessions.len()];
            let mut cpu = vec![Vec::new(); row.sessions.len()];
            for round in 0..rounds {
                // A B C, then C B A, ...: no client always goes first.
                let mut order: Vec<usize> = (0..row.sessions.len()).collect();
                if round % 2 == 1 {
                    order.reverse();
                }
                for index in order {
                    let timing = row.sessions[index].1.run(runtime, work);
                    // Units per second (for `echo_1MiB` a unit is 1 MiB each way), and the
                    // client's CPU time per unit in microseconds.
                    rates[index].push(work as f64 / timing.wall.as_secs_f64());
                    cpu[index].push(timing.cpu.as_secs_f64() * 1e6 / work as f64);
                }
            }
            let label = format!("{}/{}", row.case.name(), row.flavor.name());
            for (index, (kind, _)) in row.sessions.iter().enumerate() {
                let mut line = format!(
                    "SUMMARY {label:<28} {:<24} {:>11.1} {:<15} cpu {:>8.2} us/unit",
                    kind.name(),
                    median(&rates[index]),
                    row.case.unit(),
                    median(&cpu[index]),
                );
                if index > 0 && row.sessions[0].0 == Kind::Omnisocket {
                    let ratio = |ours: &[f64], theirs: &[f64]| -> Vec<f64> {
                        ours.iter().zip(theirs).map(|(a, b)| a / b).collect()
                    };
                    let rate = ratio(&rates[0], &rates[index]);
                    let cost = ratio(&cpu[0], &cpu[index]);
                    line += &format!(
                        "  omnisocket/this: rate {:.3} [{:.3}-{:.3}], cpu {:.3} [{:.3}-{:.3}]",
                        median(&rate),
                        percentile(&rate, 10.0),
                        percentile(&rate, 90.0),
                        median(&cost),
                        percentile(&cost, 10.0),
                        percentile(&cost, 90.0),
                    );
                }
                println!("{line}");
            }
        }

        for row in rows {
            let runtime = runtime(row.flavor)?;
            for (_, session) in row.sessions {
                // Dropping the command queue ends the session task, which closes its connection.
                drop(session);
            }
            runtime.block_on(async { tokio::time::sleep(Duration::from_millis(10)).await });
        }
        drop(server);
        Ok(())
    }
}
