//! `min-leptos` with `omnisocket_leptos::use_websocket`: the paragraph shows the hook's
//! state, the button sends `hi`. Its gzipped wasm minus `min-leptos`'s is what the hook
//! (omnisocket included) adds to a Leptos app.

use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use omnisocket_leptos::{Message, use_websocket};

#[component]
fn App() -> impl IntoView {
    let ws = use_websocket("ws://127.0.0.1:9000/echo");
    view! {
        <p>{move || ws.state.get().to_string()}</p>
        <button on:click=move |_| {
            let _ = ws.try_send(Message::text("hi"));
        }>"Send"</button>
    }
}

/// Mounts the app to the body.
#[wasm_bindgen(start)]
pub fn start() {
    leptos::mount::mount_to_body(App);
}
