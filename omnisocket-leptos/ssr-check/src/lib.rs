//! A Leptos app that uses the hook, built both ways an app with server-side rendering is:
//! `--features ssr` natively (the server renders the page; the hook must not connect) and
//! `--features hydrate` for wasm32 (the browser hydrates it; the hook connects then).
//!
//! ```text
//! cargo test -p omnisocket-leptos-ssr-check --features ssr
//! cargo build -p omnisocket-leptos-ssr-check --features hydrate --target wasm32-unknown-unknown
//! ```

use leptos::prelude::*;
use omnisocket_leptos::{Message, use_websocket};

/// A status line and a Send button on a WebSocket to `url`.
#[component]
pub fn App(
    /// The WebSocket's URL.
    url: String,
) -> impl IntoView {
    let ws = use_websocket(&url);
    view! {
        <p class="state">{move || ws.state.get().to_string()}</p>
        <button on:click=move |_| {
            let _ = ws.try_send(Message::text("hi"));
        }>"Send"</button>
    }
}

/// The browser half: hydrates the page the server rendered.
#[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    leptos::mount::hydrate_body(|| view! { <App url="ws://127.0.0.1:9000/echo".to_owned()/> });
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use std::time::Duration;

    use super::*;

    /// The server renders the page, and the hook opens no connection: a listener that the
    /// app points at sees nobody, while a tokio runtime (which a connection would use) runs.
    #[tokio::test]
    async fn the_server_renders_and_does_not_connect() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("ws://{}/echo", listener.local_addr().unwrap());
        let owner = Owner::new();
        let html = owner.with(|| view! { <App url/> }.to_html());
        assert!(html.contains("connecting (attempt 1)"), "{html}");
        assert!(html.contains("Send"), "{html}");
        let accepted = tokio::time::timeout(Duration::from_millis(500), listener.accept()).await;
        assert!(accepted.is_err(), "the hook connected on the server");
    }
}
