//! Shared by the benchmark binaries: the echo server (a separate process started from the
//! same executable), raw tokio-tungstenite connections, child processes and statistics.
//!
//! The echo server is raw tokio-tungstenite on a current-thread runtime, one task per
//! connection, Nagle off. It echoes every text and binary message (feeding whatever is
//! already readable, then flushing once), answers pings and the client's Close, and ends TCP
//! after the closing handshake. On `/sink` it discards data messages except the text
//! [`SYNC`], which it echoes, so a client can tell when everything it sent has been read.

use std::error::Error;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use futures_util::{FutureExt, SinkExt, StreamExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub(crate) type BoxError = Box<dyn Error + Send + Sync>;
pub(crate) type Result<T, E = BoxError> = std::result::Result<T, E>;

/// A raw tokio-tungstenite client connection, as `connect_async` returns it.
pub(crate) type RawSocket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Which part this process plays; unset in the process `cargo bench` starts.
pub(crate) const ROLE_VAR: &str = "OMNISOCKET_BENCH_ROLE";
const ROLE_SERVER: &str = "echo-server";

/// The text message the server echoes on `/sink`.
pub(crate) const SYNC: &str = "__sync__";

/// Prints the error and ends the process: benchmarks fail loudly, without panicking.
pub(crate) fn fail(error: impl std::fmt::Display) -> ! {
    eprintln!("benchmark failed: {error}");
    std::process::exit(1)
}

/// The `main` of a benchmark binary: the echo server when started as one, otherwise `run`,
/// failing loudly on its error.
pub(crate) fn main(run: fn() -> Result<()>) {
    serve_if_server();
    if let Err(error) = run() {
        fail(error);
    }
}

/// `setting` from the environment (or `default`) in a full run; `quick` in a smoke run.
pub(crate) fn sized(quick: bool, quick_value: u64, setting: &str, default: u64) -> u64 {
    if quick {
        quick_value
    } else {
        env_or(setting, default)
    }
}

/// `true` when cargo runs the binary as a benchmark (`cargo bench`), `false` in test mode
/// (`cargo test --benches`), where every part runs once with tiny counts.
pub(crate) fn bench_mode() -> bool {
    std::env::args().any(|arg| arg == "--bench")
}

/// An environment variable as a number, or `default`.
pub(crate) fn env_or(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(value) => value
            .parse()
            .unwrap_or_else(|_| fail(format!("{name}={value:?} is not a number"))),
        Err(_) => default,
    }
}

/// The client's config in the benchmarks: the default, with the read buffer of
/// `OMNISOCKET_BENCH_READ_BUFFER` (bytes) when set, to compare sizes.
#[allow(dead_code, reason = "not every benchmark uses it")]
pub(crate) fn client_config() -> omnisocket::Config {
    let config = omnisocket::Config::default();
    match std::env::var("OMNISOCKET_BENCH_READ_BUFFER") {
        Ok(_) => {
            let default = config.get_read_buffer() as u64;
            config.read_buffer(env_or("OMNISOCKET_BENCH_READ_BUFFER", default) as usize)
        }
        Err(_) => config,
    }
}

/// Raises the soft open-files limit to the hard one (10,000 connections need 10,000 fds
/// on each side). Returns the new soft limit.
pub(crate) fn raise_fd_limit() -> u64 {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `limit` is a valid, writable rlimit; RLIMIT_NOFILE is a valid resource.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return 0;
    }
    limit.rlim_cur = limit.rlim_max;
    // SAFETY: as above; raising the soft limit up to the hard one needs no privilege.
    unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) };
    limit.rlim_cur
}

/// Opens a raw tokio-tungstenite connection with Nagle off, as `omnisocket` does.
pub(crate) async fn connect_raw(url: &str) -> Result<RawSocket> {
    let (socket, _) = tokio_tungstenite::connect_async_with_config(url, None, true).await?;
    Ok(socket)
}

/// If this process was started as the echo server, serves until stdin closes, then exits.
fn serve_if_server() {
    if std::env::var(ROLE_VAR).as_deref() != Ok(ROLE_SERVER) {
        return;
    }
    raise_fd_limit();
    // The parent holds our stdin: when it goes away, so do we.
    std::thread::spawn(|| {
        let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
        std::process::exit(0);
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| fail(e));
    let result: Result<()> = runtime.block_on(async {
        let socket = TcpSocket::new_v4()?;
        socket.bind("127.0.0.1:0".parse()?)?;
        let listener = socket.listen(4096)?;
        println!("PORT={}", listener.local_addr()?.port());
        std::io::stdout().flush()?;
        loop {
            let (stream, _) = listener.accept().await?;
            tokio::spawn(async move {
                // A client that goes away abruptly is not the server's problem.
                let _ = serve_connection(stream).await;
            });
        }
    });
    if let Err(error) = result {
        fail(error);
    }
    std::process::exit(0);
}

async fn serve_connection(stream: TcpStream) -> Result<()> {
    stream.set_nodelay(true)?;
    let mut path = String::new();
    #[expect(
        clippy::result_large_err,
        reason = "the callback's signature is tungstenite's"
    )]
    let remember_path = |request: &Request, response: Response| {
        path = request.uri().path().to_owned();
        Ok(response)
    };
    let mut ws = tokio_tungstenite::accept_hdr_async(stream, remember_path).await?;
    let sink = path == "/sink";
    let mut unflushed = false;
    loop {
        let next = if unflushed {
            // Echo everything already readable before paying for one flush.
            match ws.next().now_or_never() {
                Some(next) => next,
                None => {
                    ws.flush().await?;
                    unflushed = false;
                    continue;
                }
            }
        } else {
            ws.next().await
        };
        let Some(message) = next else {
            return Ok(());
        };
        match message? {
            WsMessage::Text(text) if sink && text.as_str() != SYNC => {}
            WsMessage::Binary(_) if sink => {}
            message @ (WsMessage::Text(_) | WsMessage::Binary(_)) => {
                ws.feed(message).await?;
                unflushed = true;
            }
            // tungstenite queued the pong or the answer to the Close: flush it.
            _ => unflushed = true,
        }
    }
}

/// The echo server process. Killed (by its PID, through `Child::kill`) when dropped.
pub(crate) struct ServerProcess {
    process: ChildProcess,
    port: u16,
}

impl ServerProcess {
    pub(crate) fn start() -> Result<Self> {
        let mut process = ChildProcess::spawn(ROLE_SERVER, &[])?;
        let line = process.read_line()?;
        let port = line
            .strip_prefix("PORT=")
            .and_then(|port| port.trim().parse().ok())
            .ok_or_else(|| format!("the echo server printed {line:?} instead of PORT=N"))?;
        Ok(Self { process, port })
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("ws://127.0.0.1:{}{path}", self.port)
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.process.child.kill();
        let _ = self.process.wait();
    }
}

/// A child process of this executable playing `role`, talking in lines on stdin/stdout.
pub(crate) struct ChildProcess {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
}

impl ChildProcess {
    pub(crate) fn spawn(role: &str, env: &[(&str, String)]) -> Result<Self> {
        let mut command = Command::new(std::env::current_exe()?);
        command
            .env(ROLE_VAR, role)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        for (name, value) in env {
            command.env(name, value);
        }
        let mut child = command.spawn()?;
        let stdin = child.stdin.take();
        let stdout = BufReader::new(child.stdout.take().ok_or("no stdout")?);
        Ok(Self {
            child,
            stdin,
            stdout,
        })
    }

    /// The next line the child prints; an error if it exits first.
    pub(crate) fn read_line(&mut self) -> Result<String> {
        let mut line = String::new();
        if self.stdout.read_line(&mut line)? == 0 {
            let status = self.child.wait()?;
            return Err(format!("the child process ended ({status}) without answering").into());
        }
        Ok(line.trim_end().to_owned())
    }

    /// Closes the child's stdin (its signal to exit), waits for it and checks its status.
    pub(crate) fn wait(&mut self) -> Result<()> {
        drop(self.stdin.take());
        let status = self.child.wait()?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("the child process failed: {status}").into())
        }
    }
}

/// The median of `values` (the mean of the middle two for an even count); 0 when empty.
pub(crate) fn median(values: &[f64]) -> f64 {
    percentile(values, 50.0)
}

/// The `p`th percentile of `values`, interpolating linearly; 0 when empty.
pub(crate) fn percentile(values: &[f64], p: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => 0.0,
        n => {
            let rank = p / 100.0 * (n - 1) as f64;
            let (low, high) = (rank.floor() as usize, rank.ceil() as usize);
            sorted[low] + (sorted[high] - sorted[low]) * (rank - low as f64)
        }
    }
}
