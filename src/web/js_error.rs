//! What the browser reports (exceptions it throws, failures it signals with events),
//! converted at the boundary into a Rust error.

use std::fmt;

use wasm_bindgen::JsValue;

/// An exception thrown by a browser API, or a failure the browser reported, kept as text.
///
/// [`Error`](crate::Error) must stay `Send + Sync` and `JsValue` is neither, so the
/// exception's name and message are copied out where it is caught.
#[derive(Debug, Clone, PartialEq, Eq)]
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

    /// The exception's message.
    pub(super) fn message(&self) -> &str {
        &self.message
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

impl std::error::Error for JsError {}
