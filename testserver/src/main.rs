//! `omnisocket-testserver`: the test server as a process, for browser (wasm) tests.
//!
//! ```text
//! omnisocket-testserver [--port N] [--port-file PATH] [--static DIR] [--exit-on-stdin-close] [--verbose]
//! ```
//!
//! Prints exactly one line `PORT=NNNNN` to stdout once listening, writes the port to
//! `--port-file` (atomically, digits only) if given, and runs until SIGTERM/SIGINT (or
//! until stdin closes, with `--exit-on-stdin-close`). With `--static DIR` it also serves
//! the files of DIR (`/` → `index.html`) on the same port, for the browser demo.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use omnisocket_testserver::{Options, TestServer};

const USAGE: &str = "usage: omnisocket-testserver [--port N (default 0: any free port)] \
                     [--port-file PATH] [--static DIR] [--exit-on-stdin-close] [--verbose]";

#[derive(Debug, Default)]
struct Args {
    port: u16,
    port_file: Option<PathBuf>,
    static_dir: Option<PathBuf>,
    exit_on_stdin_close: bool,
    verbose: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args::default();
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) => (n.to_owned(), Some(v.to_owned())),
            None => (arg.clone(), None),
        };
        let mut value = |what: &str| {
            inline
                .clone()
                .or_else(|| it.next())
                .ok_or_else(|| format!("{name} needs {what}"))
        };
        match name.as_str() {
            "--port" => {
                let v = value("a port number")?;
                args.port = v.parse().map_err(|_| format!("invalid port {v:?}"))?;
            }
            "--port-file" => args.port_file = Some(PathBuf::from(value("a path")?)),
            "--static" => {
                let dir = PathBuf::from(value("a directory")?);
                if !dir.is_dir() {
                    return Err(format!("--static {}: not a directory", dir.display()));
                }
                args.static_dir = Some(dir);
            }
            "--exit-on-stdin-close" => args.exit_on_stdin_close = true,
            "--verbose" | "-v" => args.verbose = true,
            "--help" | "-h" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(args)
}

/// Writes `port` to `path` via a temporary file and a rename, so a reader polling
/// for the file never sees it half-written.
fn write_port_file(path: &PathBuf, port: u16) -> std::io::Result<()> {
    let mut tmp = path.clone().into_os_string();
    tmp.push(".tmp");
    std::fs::write(&tmp, port.to_string())?;
    std::fs::rename(&tmp, path)
}

async fn wait_for_stop(exit_on_stdin_close: bool) -> std::io::Result<()> {
    use tokio::io::AsyncReadExt;
    use tokio::signal::unix::{SignalKind, signal};

    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    let stdin_closed = async {
        if !exit_on_stdin_close {
            return std::future::pending().await;
        }
        let mut stdin = tokio::io::stdin();
        let mut buf = [0u8; 1024];
        while matches!(stdin.read(&mut buf).await, Ok(n) if n > 0) {}
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
        () = stdin_closed => {}
    }
    Ok(())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("omnisocket-testserver: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let options = Options::default()
        .port(args.port)
        .verbose(args.verbose)
        .static_dir(args.static_dir);
    let server = match TestServer::start_with(options).await {
        Ok(server) => server,
        Err(e) => {
            eprintln!(
                "omnisocket-testserver: cannot listen on 127.0.0.1:{}: {e}",
                args.port
            );
            return ExitCode::FAILURE;
        }
    };
    if let Some(path) = &args.port_file {
        if let Err(e) = write_port_file(path, server.port()) {
            eprintln!(
                "omnisocket-testserver: cannot write {}: {e}",
                path.display()
            );
            return ExitCode::FAILURE;
        }
    }
    let mut stdout = std::io::stdout().lock();
    if writeln!(stdout, "PORT={}", server.port())
        .and_then(|()| stdout.flush())
        .is_err()
    {
        // Whoever started us is not listening; keep serving anyway (they may use the port file).
        eprintln!("omnisocket-testserver: could not write the PORT line to stdout");
    }
    drop(stdout);
    if let Err(e) = wait_for_stop(args.exit_on_stdin_close).await {
        eprintln!("omnisocket-testserver: cannot install signal handlers: {e}");
        return ExitCode::FAILURE;
    }
    server.shutdown();
    // A blocked stdin read would otherwise keep the runtime from shutting down.
    std::process::exit(0);
}
