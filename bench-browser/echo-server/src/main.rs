//! A plain WebSocket echo server for the browser round-trip benchmark.
//!
//! ```text
//! bench-echo-server [PORT]      (default 0: any free port)
//! ```
//!
//! Listens on 127.0.0.1, prints one line `PORT=N` once listening, and sends every text
//! and binary message back on the connection it came from, unchanged. Pings are answered
//! and Closes echoed by tokio-tungstenite. Runs until killed.
//!
//! Deliberately the simplest fast server: one current-thread tokio runtime (the browser
//! needs the other core), `TCP_NODELAY`, one task per connection, nothing else. Every
//! client of the benchmark talks to the same process, so the server's share of a round
//! trip is the same for all of them.

use std::io::Write;

use futures_util::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::Message;

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let port: u16 = match std::env::args().nth(1) {
        Some(arg) => arg.parse().map_err(|_| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("usage: bench-echo-server [PORT], not {arg:?}"),
            )
        })?,
        None => 0,
    };
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    let port = listener.local_addr()?.port();
    let mut stdout = std::io::stdout();
    writeln!(stdout, "PORT={port}")?;
    stdout.flush()?;

    loop {
        let (stream, _) = listener.accept().await?;
        tokio::spawn(echo(stream));
    }
}

/// Echoes one connection's messages until it ends.
async fn echo(stream: TcpStream) {
    if stream.set_nodelay(true).is_err() {
        return;
    }
    let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await else {
        return;
    };
    while let Some(Ok(message)) = ws.next().await {
        if matches!(message, Message::Text(_) | Message::Binary(_))
            && ws.send(message).await.is_err()
        {
            break;
        }
    }
}
