//! The browser's `WebSocket` and the closures listening to it, owned together.
//!
//! Dropping a [`Socket`] removes every handler from the `WebSocket`, drops the closures and
//! closes the socket if it is still connecting or open: an abandoned socket has nothing of
//! ours left attached and cannot call back into a connection that is gone.

use std::sync::atomic::{AtomicUsize, Ordering};

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{BinaryType, WebSocket};

use super::convert::JsError;
use super::events::{Event, WeakListener, report};

/// `WebSocket.CLOSING`: the closing handshake has started.
const CLOSING: u16 = 2;

/// How many [`Socket`]s exist: sockets with our handlers attached (see
/// [`live_sockets`](super::live_sockets)). An atomic only to be a plain `static`; the page
/// has one thread.
static LIVE: AtomicUsize = AtomicUsize::new(0);

/// How many sockets of this page have our handlers attached right now.
pub(super) fn live() -> usize {
    LIVE.load(Ordering::Relaxed)
}

/// A `WebSocket` with our four handlers attached.
///
/// All four closures have one type, taking the base `Event` (the `message` and `close`
/// handlers cast it to what the browser passes them): each closure type costs its own
/// wasm-bindgen glue.
pub(super) struct Socket {
    ws: WebSocket,
    // Held only to stay alive while the handlers refer to them.
    _on_open: Closure<dyn FnMut(web_sys::Event)>,
    _on_message: Closure<dyn FnMut(web_sys::Event)>,
    _on_error: Closure<dyn FnMut(web_sys::Event)>,
    _on_close: Closure<dyn FnMut(web_sys::Event)>,
}

impl Socket {
    /// Prepares `ws` and attaches handlers that report to `listener` (while it exists).
    pub(super) fn attach(ws: WebSocket, listener: &WeakListener) -> Self {
        // Binary messages as `ArrayBuffer`s, which can be read synchronously in the
        // `message` handler; the default, `Blob`, can only be read asynchronously, which
        // would let later messages overtake it.
        ws.set_binary_type(BinaryType::Arraybuffer);

        let on_open = {
            let listener = listener.clone();
            Closure::<dyn FnMut(web_sys::Event)>::new(move |_| report(&listener, Event::Open))
        };
        let on_message = {
            let listener = listener.clone();
            Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
                report(&listener, Event::Message(event.unchecked_into()));
            })
        };
        let on_error = {
            let listener = listener.clone();
            Closure::<dyn FnMut(web_sys::Event)>::new(move |_| report(&listener, Event::Error))
        };
        let on_close = {
            let listener = listener.clone();
            Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
                report(&listener, Event::Close(event.unchecked_into()));
            })
        };
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        LIVE.fetch_add(1, Ordering::Relaxed);
        Self {
            ws,
            _on_open: on_open,
            _on_message: on_message,
            _on_error: on_error,
            _on_close: on_close,
        }
    }

    /// The browser's socket.
    pub(super) fn ws(&self) -> &WebSocket {
        &self.ws
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        self.ws.set_onopen(None);
        self.ws.set_onmessage(None);
        self.ws.set_onerror(None);
        self.ws.set_onclose(None);
        LIVE.fetch_sub(1, Ordering::Relaxed);
        if self.ws.ready_state() < CLOSING {
            // `close()` without a code never throws; there is nothing to do if it did.
            if let Err(error) = self.ws.close() {
                let error = JsError::from_js(&error);
                tracing::debug!(%error, "closing an abandoned WebSocket failed");
            }
        }
        // The closures are dropped with `self`, after the handlers stopped referring to
        // them. One of them may be running right now (the socket is abandoned from its own
        // handler); wasm-bindgen frees a closure only once its last call has returned.
    }
}

impl std::fmt::Debug for Socket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Socket")
            .field("url", &self.ws.url())
            .field("ready_state", &self.ws.ready_state())
            .finish_non_exhaustive()
    }
}
