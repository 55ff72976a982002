//! Runs the Autobahn client test cases against `omnisocket`, through its public API only.
//!
//! Start a fuzzing server first (`scripts/autobahn.sh` does all of this), then:
//!
//! ```text
//! kosoku -m fuzzingserver -x '12.*' -x '13.*' 127.0.0.1:PORT
//! cargo run --release --example autobahn -- PORT
//! ```
//!
//! The port comes from the first argument or from `AUTOBAHN_PORT`. Every text and binary
//! message is echoed back as it came (same kind, same payload) until the case ends; the
//! fuzzing server judges the rest (pings, fragmentation, UTF-8, the closing handshake).
//! The baseline on raw tokio-tungstenite is `examples/autobahn_raw.rs`.

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

    use omnisocket::{Client, Config, Error, Message, Shutdown};

    const AGENT: &str = "omnisocket";
    /// Case 9.* sends messages of up to 16 MiB (in one frame for 9.1.6 and 9.2.6).
    const MAX_MESSAGE_SIZE: usize = 64 << 20;
    /// How long the peer has to answer our Close (it has usually closed first).
    const CLOSE_TIMEOUT: Duration = Duration::from_secs(2);
    /// A safety net so that one stuck case cannot hang a CI run.
    const CASE_TIMEOUT: Duration = Duration::from_secs(120);

    pub(crate) async fn main() -> ExitCode {
        let Some(port) = port() else {
            eprintln!("usage: autobahn PORT (or set AUTOBAHN_PORT)");
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

    fn config() -> Config {
        Config::default()
            .max_message_size(MAX_MESSAGE_SIZE)
            // Echo reads one message and sends it back; a deep queue lets the connection
            // task write while the next message is read.
            .send_queue(256)
            .receive_queue(256)
            .close_timeout(CLOSE_TIMEOUT)
    }

    /// Runs one case: echoes every message until the peer closes or the connection fails.
    /// Returns a one-line account of how it ended.
    async fn run_case(base: &str, case: usize) -> Result<String, Error> {
        let url = format!("{base}/runCase?case={case}&agent={AGENT}");
        let mut client = Client::connect(&url, config()).await?;
        let mut echoed = 0usize;
        let mut notes = Vec::new();
        while let Some(item) = client.recv().await {
            match item {
                Ok(message) => match client.send(message).await {
                    Ok(()) => echoed += 1,
                    // The connection is closing or failed; keep reading until it ends.
                    Err(error) => notes.push(format!("echo failed: {error}")),
                },
                // The client failed the connection (what most protocol-violation cases
                // expect); `recv` returns `None` next.
                Err(error) => notes.push(format!("recv error: {error}")),
            }
        }
        // `None`: the peer's Close arrived (and was answered) or the connection ended.
        // Either way the outcome is known, so this returns at once with it.
        let outcome = client.shutdown(CLOSE_TIMEOUT).await;
        let outcome = match outcome {
            Shutdown::Clean(frame) => format!("clean, peer sent {}", frame.code.as_u16()),
            Shutdown::TimedOut => "close timed out".to_owned(),
            Shutdown::Abnormal(why) => format!("abnormal ({why})"),
            other => other.to_string(),
        };
        notes.insert(0, format!("echoed {echoed}, {outcome}"));
        Ok(notes.join("; "))
    }

    async fn case_count(base: &str) -> Result<usize, String> {
        let url = format!("{base}/getCaseCount");
        let mut client = Client::connect(&url, config())
            .await
            .map_err(|e| e.to_string())?;
        let mut count = None;
        while let Some(item) = client.recv().await {
            let message: Message = item.map_err(|e| e.to_string())?;
            let text = message.as_text().unwrap_or_default().trim();
            count = Some(
                text.parse::<usize>()
                    .map_err(|_| format!("not a case count: {text:?}"))?,
            );
        }
        let _ = client.shutdown(CLOSE_TIMEOUT).await;
        count.ok_or_else(|| "the server sent no case count".to_owned())
    }

    async fn update_reports(base: &str) -> Result<(), String> {
        let url = format!("{base}/updateReports?agent={AGENT}");
        let mut client = Client::connect(&url, config())
            .await
            .map_err(|e| e.to_string())?;
        // The server writes the reports, then closes or (kosoku) exits and drops the
        // connection: either is the end of the run, so errors here are of no interest.
        while let Some(item) = client.recv().await {
            if item.is_err() {
                break;
            }
        }
        let _ = client.shutdown(CLOSE_TIMEOUT).await;
        Ok(())
    }
}
