//! The baseline for `examples/autobahn.rs`: the same Autobahn echo driver written directly
//! on tokio-tungstenite, reported under the agent `tokio-tungstenite`.
//!
//! ```text
//! kosoku -m fuzzingserver -x '12.*' -x '13.*' 127.0.0.1:PORT
//! cargo run --release --example autobahn_raw -- PORT
//! ```
//!
//! The port comes from the first argument or from `AUTOBAHN_PORT`. It uses the same
//! maximum message and frame sizes as the `omnisocket` driver, so differences between the two
//! reports come from `omnisocket`'s connection task, not from the limits.

#[cfg(native)]
#[tokio::main]
async fn main() -> std::process::ExitCode {
    driver::main().await
}

#[cfg(web)]
fn main() {}

#[cfg(native)]
mod driver {
    use std::process::ExitCode;
    use std::time::{Duration, Instant};

    use futures_util::{SinkExt, StreamExt};
    use tokio::net::TcpStream;
    use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
    use tokio_tungstenite::tungstenite::{Error, Message};
    use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

    const AGENT: &str = "tokio-tungstenite";
    /// The same limit as the `omnisocket` driver (which sets both the message and the frame
    /// limit to its `max_message_size`).
    const MAX_MESSAGE_SIZE: usize = 64 << 20;
    /// A safety net so that one stuck case cannot hang a CI run.
    const CASE_TIMEOUT: Duration = Duration::from_secs(120);

    type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

    pub(crate) async fn main() -> ExitCode {
        let Some(port) = port() else {
            eprintln!("usage: autobahn_raw PORT (or set AUTOBAHN_PORT)");
            return ExitCode::from(2);
        };
        let base = format!("ws://127.0.0.1:{port}");

        let count = match case_count(&base).await {
            Ok(count) => count,
            Err(error) => {
                eprintln!("getCaseCount failed: {error}");
                return ExitCode::FAILURE;
            }
        };
        println!("{AGENT}: running {count} cases against {base}");

        let started = Instant::now();
        for case in 1..=count {
            let case_started = Instant::now();
            let report = match tokio::time::timeout(CASE_TIMEOUT, run_case(&base, case)).await {
                Ok(Ok(report)) => report,
                Ok(Err(error)) => format!("connect failed: {error}"),
                Err(_) => format!("no end after {CASE_TIMEOUT:?}, abandoned"),
            };
            println!(
                "case {case}/{count} ({:.2?}): {report}",
                case_started.elapsed()
            );
        }
        println!("{AGENT}: {count} cases in {:.1?}", started.elapsed());

        match update_reports(&base).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("updateReports failed: {error}");
                ExitCode::FAILURE
            }
        }
    }

    fn port() -> Option<u16> {
        std::env::args()
            .nth(1)
            .or_else(|| std::env::var("AUTOBAHN_PORT").ok())
            .and_then(|port| port.trim().parse().ok())
    }

    async fn connect(url: &str) -> Result<Socket, Error> {
        let config = WebSocketConfig::default()
            .max_message_size(Some(MAX_MESSAGE_SIZE))
            .max_frame_size(Some(MAX_MESSAGE_SIZE));
        // `true`: TCP_NODELAY, as omnisocket sets it.
        let (socket, _response) =
            tokio_tungstenite::connect_async_with_config(url, Some(config), true).await?;
        Ok(socket)
    }

    /// Runs one case: echoes every message until the stream ends or fails. tungstenite
    /// answers pings and the peer's Close itself, and flushes those answers while reading.
    async fn run_case(base: &str, case: usize) -> Result<String, Error> {
        let url = format!("{base}/runCase?case={case}&agent={AGENT}");
        let mut socket = connect(&url).await?;
        let mut echoed = 0usize;
        let mut ending = "stream ended".to_owned();
        while let Some(item) = socket.next().await {
            match item {
                Ok(message @ (Message::Text(_) | Message::Binary(_))) => {
                    match socket.send(message).await {
                        Ok(()) => echoed += 1,
                        Err(error) => {
                            ending = format!("echo failed: {error}");
                            break;
                        }
                    }
                }
                Ok(Message::Close(frame)) => {
                    let code = frame.map_or(1005, |frame| u16::from(frame.code));
                    ending = format!("peer closed with {code}");
                }
                Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_)) => {}
                Err(error) => {
                    ending = format!("read error: {error}");
                    break;
                }
            }
        }
        // Dropping the socket closes TCP (the server normally has already).
        Ok(format!("echoed {echoed}, {ending}"))
    }

    async fn case_count(base: &str) -> Result<usize, String> {
        let mut socket = connect(&format!("{base}/getCaseCount"))
            .await
            .map_err(|e| e.to_string())?;
        let mut count = None;
        while let Some(item) = socket.next().await {
            if let Message::Text(text) = item.map_err(|e| e.to_string())? {
                let text = text.as_str().trim();
                count = Some(
                    text.parse::<usize>()
                        .map_err(|_| format!("not a case count: {text:?}"))?,
                );
            }
        }
        count.ok_or_else(|| "the server sent no case count".to_owned())
    }

    async fn update_reports(base: &str) -> Result<(), String> {
        let mut socket = connect(&format!("{base}/updateReports?agent={AGENT}"))
            .await
            .map_err(|e| e.to_string())?;
        // The server writes the reports, then closes or (kosoku) exits and drops the
        // connection: either is the end of the run, so errors here are of no interest.
        while let Some(item) = socket.next().await {
            if item.is_err() {
                break;
            }
        }
        Ok(())
    }
}
