//! The baseline for the size of `omnisocket-yew`: a minimal Yew CSR app, a paragraph with a
//! fixed text and a button, mounted to the body. `min-yew-hook` is the same with the
//! hook; the difference of their gzipped wasm is what the hook (and omnisocket) adds to a
//! Yew app.

use wasm_bindgen::prelude::*;
use yew::prelude::*;

#[component]
fn App() -> Html {
    let clicks = use_state(|| 0u32);
    let onclick = {
        let clicks = clicks.clone();
        Callback::from(move |_| clicks.set(*clicks + 1))
    };
    html! {
        <>
            <p>{ "connecting" }</p>
            <button {onclick}>{ "Send" }</button>
        </>
    }
}

/// Mounts the app to the body.
#[wasm_bindgen(start)]
pub fn start() {
    yew::Renderer::<App>::new().render();
}
