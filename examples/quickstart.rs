//! Connects to the embedded test server, exchanges messages, shuts down and prints how the
//! closing handshake ended.
//!
//! ```text
//! cargo run --example quickstart
//! ```

#[cfg(native)]
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    use omnisocket::{Client, Config, Message, Shutdown};
    use std::time::Duration;

    let server = omnisocket_testserver::TestServer::start().await?;
    let url = server.url("/echo");
    println!("echo server listening at {url}");

    let mut client = Client::connect(&url, Config::default()).await?;
    for text in ["hello", "from", "omnisocket"] {
        client.send(Message::text(text)).await?;
    }
    client.send(Message::binary(vec![1, 2, 3])).await?;
    for _ in 0..4 {
        match client.recv().await {
            Some(Ok(message)) => println!("received {message:?}"),
            Some(Err(error)) => return Err(error.into()),
            None => break,
        }
    }

    // Close from another task through a sender handle, as an application would.
    let sender = client.sender();
    let outcome =
        tokio::spawn(async move { sender.shutdown(Duration::from_secs(2)).await }).await?;
    match &outcome {
        Shutdown::Clean(frame) => println!("shutdown: Clean, the server answered with {frame}"),
        Shutdown::TimedOut => println!("shutdown: TimedOut"),
        Shutdown::Abnormal(why) => println!("shutdown: Abnormal ({why})"),
        other => println!("shutdown: {other}"),
    }
    assert!(client.recv().await.is_none());

    // A peer that never answers: the timeout decides.
    let silent = Client::connect(&server.url("/never-close"), Config::default()).await?;
    let outcome = silent.shutdown(Duration::from_millis(300)).await;
    println!("shutdown against a peer that never answers: {outcome:?}");
    Ok(())
}

#[cfg(web)]
fn main() {}
