//! The smallest useful client on `omnisocket`: connect, send one text message, receive one
//! message, close with the closing handshake. Its wasm size is what the benchmark reports;
//! `min-gloo` and `min-websys` do the same on gloo-net and on web-sys alone.
//!
//! Errors become strings through `Display`, as an application would show them.

use std::time::Duration;

use wasm_bindgen::prelude::*;
use omnisocket::{Client, Message};

/// Connects to `url`, sends `hello`, returns the first message received as text, closes.
///
/// # Errors
/// The connection failed, or the server closed before sending anything.
#[wasm_bindgen]
pub async fn omnisocket_minimal(url: String) -> Result<String, JsValue> {
    let fail = |e: omnisocket::Error| JsValue::from_str(&e.to_string());
    let mut client = Client::connect(&url, omnisocket::Config::default())
        .await
        .map_err(fail)?;
    client.send(Message::text("hello")).await.map_err(fail)?;
    let reply = match client.recv().await {
        Some(Ok(message)) => message.as_text().unwrap_or_default().to_owned(),
        Some(Err(error)) => return Err(fail(error)),
        None => return Err(JsValue::from_str("closed before a reply")),
    };
    // Waits for the server's Close (or 2 s), as the other two do not.
    let _ = client.shutdown(Duration::from_secs(2)).await;
    Ok(reply)
}
