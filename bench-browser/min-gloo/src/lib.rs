//! The minimal client of `min-omnisocket`, on gloo-net's `websocket` feature: connect, send
//! one text message, receive one message, close.
//!
//! gloo-net's `close` sends the Close and returns at once (it has no way to wait for the
//! server's answer); otherwise this does what `min-omnisocket` does.

use futures_util::{SinkExt as _, StreamExt as _};
use gloo_net::websocket::Message;
use gloo_net::websocket::futures::WebSocket;
use wasm_bindgen::prelude::*;

/// Connects to `url`, sends `hello`, returns the first message received as text, closes.
///
/// # Errors
/// The connection failed, or the server closed before sending anything.
#[wasm_bindgen]
pub async fn gloo_minimal(url: String) -> Result<String, JsValue> {
    let mut ws = WebSocket::open(&url).map_err(|e| JsValue::from_str(&e.to_string()))?;
    ws.send(Message::Text("hello".to_owned()))
        .await
        .map_err(|e| JsValue::from_str(&e.to_string()))?;
    let reply = match ws.next().await {
        Some(Ok(Message::Text(text))) => text,
        Some(Ok(Message::Bytes(_))) => String::new(),
        Some(Err(error)) => return Err(JsValue::from_str(&error.to_string())),
        None => return Err(JsValue::from_str("closed before a reply")),
    };
    ws.close(Some(1000), None)
        .map_err(|e| JsValue::from_str(&e.to_string()))?;
    Ok(reply)
}
