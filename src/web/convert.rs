//! Conversions between this crate's types and the browser's: received messages, and what
//! the browser reports (exceptions it throws, failures it signals with events) as a Rust
//! error.

use std::fmt;

use js_sys::{ArrayBuffer, JsString, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::WebSocket;

use crate::{Error, Message};

/// A received message's `data` as a [`Message`]: text arrives as a JavaScript string,
/// binary as an `ArrayBuffer` (see `Socket::attach`). `Ok(None)` for anything else (which
/// is ignored); `Err` for a message over `max_size`.
pub(super) fn message_from_js(
    data: &JsValue,
    max_size: Option<usize>,
) -> Result<Option<Message>, Error> {
    let too_large = |size: usize| match max_size {
        Some(max) if size > max => Err(Error::MessageTooLarge { size, max }),
        _ => Ok(()),
    };
    if let Some(text) = data.dyn_ref::<JsString>() {
        // UTF-16 code units never outnumber UTF-8 bytes: a cheap first check that spares
        // copying a huge string.
        too_large(text.length() as usize)?;
        let Some(text) = data.as_string() else {
            return Ok(None);
        };
        too_large(text.len())?;
        Ok(Some(Message::text(text)))
    } else if let Some(buffer) = data.dyn_ref::<ArrayBuffer>() {
        too_large(buffer.byte_length() as usize)?;
        Ok(Some(Message::binary_vec(Uint8Array::new(buffer).to_vec())))
    } else {
        tracing::debug!("ignoring a message that is neither text nor an ArrayBuffer");
        Ok(None)
    }
}

/// Hands a message to the browser's socket.
pub(super) fn send_to_js(ws: &WebSocket, message: &Message) -> Result<(), JsValue> {
    match message.as_text() {
        Some(text) => ws.send_with_str(text),
        None => ws.send_with_u8_array(message.as_bytes()),
    }
}

/// An exception thrown by a browser API, or a failure the browser reported, kept as text.
///
/// [`Error`](crate::Error) must stay `Send + Sync` and `JsValue` is neither, so the
/// exception's name and message are copied out where it is caught.
#[derive(Clone, PartialEq, Eq)]
pub(super) struct JsError {
    /// The exception's `name` (`SyntaxError`, `InvalidStateError`, ...), when it has one.
    name: Option<String>,
    message: String,
}

impl JsError {
    /// Copies the name and message out of a thrown value (an `Error`, a `DOMException`,
    /// a string, or anything else).
    pub(super) fn from_js(value: &JsValue) -> Self {
        let field = |key: &str| {
            if value.is_object() {
                js_sys::Reflect::get(value, &JsValue::from_str(key))
                    .ok()
                    .and_then(|field| field.as_string())
                    .filter(|text| !text.is_empty())
            } else {
                None
            }
        };
        let name = field("name");
        let message = field("message")
            .or_else(|| value.as_string())
            .unwrap_or_else(|| format!("{value:?}"));
        Self { name, message }
    }

    /// A failure the browser reported without an exception (an event).
    pub(super) fn reported(message: impl Into<String>) -> Self {
        Self {
            name: None,
            message: message.into(),
        }
    }

    /// The exception's `name`, such as `"SyntaxError"`.
    pub(super) fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }
}

impl fmt::Display for JsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            Some(name) => write!(f, "{name}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// `JsError(SyntaxError: message)`: the `Display` text, not the derived field-by-field
/// form, whose quoting of the strings would bring core's `str` escaping (and its Unicode
/// tables, about 4 KB of wasm) into every program, as it sits in `dyn Error`'s vtable.
/// Written out rather than with `debug_tuple`, which brings `{:#?}`'s indenting writer.
impl fmt::Debug for JsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JsError(")?;
        fmt::Display::fmt(self, f)?;
        f.write_str(")")
    }
}

impl std::error::Error for JsError {}
