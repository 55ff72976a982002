//! The minimal client of `min-omnisocket` on web-sys alone, with no helper crate: the floor
//! for the size of a Rust WebSocket client in the browser. Connect, send one text message,
//! receive one message, close and wait for the `close` event.
//!
//! Written as a careful application would: the handlers are removed and their closures
//! dropped once done (no `Closure::forget`); the one-shot `close` handler frees itself when
//! the event fires.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{CloseEvent, Event, MessageEvent, WebSocket};

/// Connects to `url`, sends `hello`, returns the first message received as text, closes.
///
/// # Errors
/// The connection failed, or the server closed before sending anything.
#[wasm_bindgen]
pub async fn websys_minimal(url: String) -> Result<String, JsValue> {
    let ws = WebSocket::new(&url)?;
    // The promise settles with the first message (or rejects on error/close first); the
    // second with the `close` event.
    let settle: Rc<RefCell<Option<(Function, Function)>>> = Rc::default();
    let first = Promise::new(&mut |resolve, reject| {
        *settle.borrow_mut() = Some((resolve, reject));
    });
    let on_open = {
        let ws = ws.clone();
        Closure::<dyn FnMut(Event)>::new(move |_: Event| {
            let _ = ws.send_with_str("hello");
        })
    };
    let on_message = {
        let settle = Rc::clone(&settle);
        Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            if let Some((resolve, _)) = settle.borrow_mut().take() {
                let _ = resolve.call1(&JsValue::NULL, &event.data());
            }
        })
    };
    let on_end = {
        let settle = Rc::clone(&settle);
        Closure::<dyn FnMut(Event)>::new(move |_: Event| {
            if let Some((_, reject)) = settle.borrow_mut().take() {
                let _ = reject.call1(&JsValue::NULL, &JsValue::from_str("closed before a reply"));
            }
        })
    };
    ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    ws.set_onerror(Some(on_end.as_ref().unchecked_ref()));
    ws.set_onclose(Some(on_end.as_ref().unchecked_ref()));
    let reply = JsFuture::from(first).await;

    ws.set_onopen(None);
    ws.set_onmessage(None);
    ws.set_onerror(None);
    ws.set_onclose(None);
    if ws.ready_state() != WebSocket::CLOSED {
        let closed = Promise::new(&mut |resolve, _| {
            // Called once: the `close` event always fires on a socket not yet closed.
            let on_close = Closure::once_into_js(move |_: CloseEvent| {
                let _ = resolve.call0(&JsValue::NULL);
            });
            ws.set_onclose(Some(on_close.unchecked_ref()));
        });
        ws.close_with_code(1000)?;
        JsFuture::from(closed).await?;
    }
    ws.set_onclose(None);
    Ok(reply?.as_string().unwrap_or_default())
}
