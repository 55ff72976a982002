//! `min-yew` with `omnisocket_yew::use_websocket`: the paragraph shows the hook's state, the
//! button sends `hi`. Its gzipped wasm minus `min-yew`'s is what the hook (omnisocket
//! included) adds to a Yew app.

use wasm_bindgen::prelude::*;
use omnisocket_yew::{Message, use_websocket};
use yew::prelude::*;

#[component]
fn App() -> Html {
    let ws = use_websocket("ws://127.0.0.1:9000/echo");
    let onclick = {
        let ws = ws.clone();
        Callback::from(move |_| {
            let _ = ws.try_send(Message::text("hi"));
        })
    };
    html! {
        <>
            <p>{ ws.state().to_string() }</p>
            <button {onclick}>{ "Send" }</button>
        </>
    }
}

/// Mounts the app to the body.
#[wasm_bindgen(start)]
pub fn start() {
    yew::Renderer::<App>::new().render();
}
