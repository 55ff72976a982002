//! What the default trust (the operating system's store, `Trust::System`) adds to the time
//! a `wss://` connection takes, against the built-in Mozilla roots (`Trust::WebPki`, the
//! default before it). Both trust the benchmark's own certificate authority through
//! `Config::root_certificate_pem`; the server is the tests' raw tokio-tungstenite echo
//! server behind tokio-rustls, in this process, on a thread of its own.
//!
//! - `first`: the first connection of a process, which loads the trust store (each run a
//!   new process; the two settings alternate);
//! - `steady`: later connections, open and closed one after another (interleaved rounds of
//!   each setting; the ratio of each round, then the median).
//!
//! ```text
//! cargo bench --bench trust
//! OMNISOCKET_BENCH_FIRST_RUNS=21 OMNISOCKET_BENCH_ROUNDS=21 cargo bench --bench trust
//! ```

#[cfg(native)]
#[allow(
    dead_code,
    reason = "the echo server process and raw clients are for the other benchmarks"
)]
mod common;

#[cfg(native)]
#[allow(
    clippy::expect_used,
    unreachable_pub,
    reason = "the tests' own authority, as the tests use it: it fails loudly"
)]
#[path = "../tests/support/tls.rs"]
mod tls;

#[cfg(native)]
fn main() {
    common::main(native::main);
}

#[cfg(web)]
fn main() {}

#[cfg(native)]
mod native {
    use std::time::{Duration, Instant};

    use omnisocket::{Client, Config, Trust};

    use crate::common::{ChildProcess, ROLE_VAR, Result, bench_mode, median, percentile, sized};

    const ROLE_FIRST: &str = "trust-first";
    const TRUST_VAR: &str = "OMNISOCKET_BENCH_TRUST";
    const URL_VAR: &str = "OMNISOCKET_BENCH_URL";
    const CA_VAR: &str = "OMNISOCKET_BENCH_CA_PEM";
    const SETTINGS: [Trust; 2] = [Trust::System, Trust::WebPki];

    pub(crate) fn main() -> Result<()> {
        if std::env::var(ROLE_VAR).as_deref() == Ok(ROLE_FIRST) {
            return child_first();
        }
        let quick = !bench_mode();
        let first_runs = sized(quick, 2, "OMNISOCKET_BENCH_FIRST_RUNS", 15);
        let rounds = sized(quick, 2, "OMNISOCKET_BENCH_ROUNDS", 15);
        let per_round = sized(quick, 2, "OMNISOCKET_BENCH_CONNECTS", 40);

        let (url, ca_pem) = start_server()?;
        println!("First connection of a process (ms; {first_runs} processes each):");
        let mut first = [Vec::new(), Vec::new()];
        for run in 0..first_runs {
            for index in order(run) {
                let env = [
                    (TRUST_VAR, format!("{:?}", SETTINGS[index])),
                    (URL_VAR, url.clone()),
                    (CA_VAR, ca_pem.clone()),
                ];
                let mut child = ChildProcess::spawn(ROLE_FIRST, &env)?;
                let line = child.read_line()?;
                child.wait()?;
                let ms: f64 = line
                    .strip_prefix("RESULT first_ms=")
                    .ok_or_else(|| format!("unexpected child output {line:?}"))?
                    .parse()?;
                first[index].push(ms);
            }
        }
        for (index, trust) in SETTINGS.iter().enumerate() {
            println!(
                "SUMMARY first {:<8} median {:>6.2} ms  p10 {:>6.2}  p90 {:>6.2}",
                format!("{trust:?}"),
                median(&first[index]),
                percentile(&first[index], 10.0),
                percentile(&first[index], 90.0),
            );
        }

        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let mut steady = [Vec::new(), Vec::new()];
        let mut ratios = Vec::new();
        runtime.block_on(async {
            // One connection each first: what is measured is not the first.
            for trust in SETTINGS {
                connect_and_close(&url, config(trust, &ca_pem)).await?;
            }
            for round in 0..rounds {
                let mut means = [0.0; 2];
                for index in order(round) {
                    let config = config(SETTINGS[index], &ca_pem);
                    let started = Instant::now();
                    for _ in 0..per_round {
                        connect_and_close(&url, config.clone()).await?;
                    }
                    means[index] = started.elapsed().as_secs_f64() * 1e3 / per_round as f64;
                    steady[index].push(means[index]);
                }
                ratios.push(means[0] / means[1]);
            }
            Result::<()>::Ok(())
        })?;
        println!(
            "Later connections, each opened then closed (ms; {rounds} rounds of {per_round}):"
        );
        for (index, trust) in SETTINGS.iter().enumerate() {
            println!(
                "SUMMARY steady {:<8} median {:>6.3} ms per connection",
                format!("{trust:?}"),
                median(&steady[index]),
            );
        }
        println!(
            "SUMMARY steady System / WebPki  {:.3} [p10 {:.3} - p90 {:.3}]",
            median(&ratios),
            percentile(&ratios, 10.0),
            percentile(&ratios, 90.0),
        );
        Ok(())
    }

    /// The two settings' order in round `round`: alternating, so that neither always goes
    /// first.
    fn order(round: u64) -> [usize; 2] {
        if round % 2 == 0 { [0, 1] } else { [1, 0] }
    }

    fn config(trust: Trust, ca_pem: &str) -> Config {
        Config::default()
            .trust(trust)
            .root_certificate_pem(ca_pem.as_bytes())
    }

    async fn connect_and_close(url: &str, config: Config) -> Result<()> {
        let client = Client::connect(url, config).await?;
        let outcome = client.shutdown(Duration::from_secs(5)).await;
        if !outcome.is_clean() {
            return Err(format!("the shutdown was not clean: {outcome:?}").into());
        }
        Ok(())
    }

    /// A child process: the time of its first connection, in ms.
    fn child_first() -> Result<()> {
        let trust = match std::env::var(TRUST_VAR)?.as_str() {
            "System" => Trust::System,
            "WebPki" => Trust::WebPki,
            other => return Err(format!("unknown trust setting {other}").into()),
        };
        let (url, ca_pem) = (std::env::var(URL_VAR)?, std::env::var(CA_VAR)?);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let elapsed = runtime.block_on(async {
            let started = Instant::now();
            let client = Client::connect(&url, config(trust, &ca_pem)).await?;
            let elapsed = started.elapsed();
            client.shutdown(Duration::from_secs(5)).await;
            Result::<Duration>::Ok(elapsed)
        })?;
        println!("RESULT first_ms={}", elapsed.as_secs_f64() * 1e3);
        Ok(())
    }

    /// Starts the `wss://` echo server of the tests (`tests/support/tls.rs`) on a thread
    /// and runtime of its own; returns its URL and the PEM of the authority that signed
    /// its certificate.
    fn start_server() -> Result<(String, String)> {
        let authority = crate::tls::Authority::new("omnisocket trust benchmark");
        let ca_pem = authority.pem();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let (port_tx, port_rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            runtime.block_on(async move {
                let _ = port_tx.send(authority.echo_server().await);
                std::future::pending::<()>().await
            })
        });
        let port = port_rx.recv()?;
        Ok((format!("wss://localhost:{port}/"), ca_pem))
    }
}
