//! The baseline for the size of `omnisocket-leptos`: a minimal Leptos CSR app, a paragraph
//! with a fixed text and a button, mounted to the body. `min-leptos-hook` is the same
//! with the hook; the difference of their gzipped wasm is what the hook (and omnisocket)
//! adds to a Leptos app.

use leptos::prelude::*;
use wasm_bindgen::prelude::*;

#[component]
fn App() -> impl IntoView {
    let clicks = RwSignal::new(0u32);
    view! {
        <p>"connecting"</p>
        <button on:click=move |_| clicks.update(|n| *n += 1)>"Send"</button>
    }
}

/// Mounts the app to the body.
#[wasm_bindgen(start)]
pub fn start() {
    leptos::mount::mount_to_body(App);
}
