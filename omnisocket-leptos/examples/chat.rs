//! A small chat on the Leptos hook, against the demo server's echo: the status line is
//! the hook's `state` signal, every echo comes through `on_message`, and unmounting the
//! chat closes its connection gracefully (code 1000).
//!
//! Run it with `bash scripts/demo.sh`, then open <http://127.0.0.1:8080/leptos/>. The
//! `path` query parameter picks another of the server's paths, for example
//! `/leptos/?path=/drop%3Fafter_ms%3D500` (dropped after 500 ms, then reconnecting).

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
mod app {
    use std::time::Duration;

    use leptos::ev::SubmitEvent;
    use leptos::prelude::*;
    use leptos::task::spawn_local;
    use omnisocket_leptos::{Message, State, UseWebSocketOptions, use_websocket_with};

    /// The server on this page's own host: its `/echo`, or the `path` query parameter.
    fn url() -> Option<String> {
        let location = web_sys::window()?.location();
        let search = web_sys::UrlSearchParams::new_with_str(&location.search().ok()?).ok()?;
        let path = search.get("path").unwrap_or_else(|| "/echo".into());
        Some(format!("ws://{}{path}", location.host().ok()?))
    }

    /// The status line's colour.
    fn kind(state: &State) -> &'static str {
        match state {
            State::Idle | State::Connecting { .. } => "connecting",
            State::Open { .. } => "open",
            State::Retrying { .. } => "retrying",
            State::Closed(Ok(_)) => "closed",
            _ => "failed",
        }
    }

    /// The chat: its own connection and log, for as long as it is mounted.
    #[component]
    fn Chat() -> impl IntoView {
        // Lines of the log: a class (you, echo, info, error) and a text.
        let log = RwSignal::new(Vec::<(&'static str, String)>::new());
        let push = move |class: &'static str, text: String| {
            log.try_update(|log| log.push((class, text)));
        };
        let options = UseWebSocketOptions::default().on_message(move |message: &Message| {
            let text = message
                .as_text()
                .map_or_else(|| format!("({} bytes)", message.len()), str::to_owned);
            push("echo", format!("echo: {text}"));
        });
        let ws = use_websocket_with(&url().unwrap_or_default(), options);
        let text = RwSignal::new(String::new());

        let send = move |event: SubmitEvent| {
            event.prevent_default();
            let line = text.get_untracked();
            match ws.try_send(Message::text(line.clone())) {
                Ok(()) => push("you", format!("you: {line}")),
                Err(error) => push("error", format!("not sent: {error}")),
            }
            text.set(String::new());
        };
        let shutdown = move |_| {
            let closing = ws.shutdown(Duration::from_secs(2));
            spawn_local(async move { push("info", format!("shutdown: {}", closing.await)) });
        };

        view! {
            <section class="card chat" aria-label="Chat">
                <div class="row status-row">
                    <span id="state" data-state=move || ws.state.with(kind)>
                        {move || ws.state.get().to_string()}
                    </span>
                    <span class="actions">
                        <button id="open" type="button" class="quiet" on:click=move |_| ws.open()>
                            "Open"
                        </button>
                        <button id="retry" type="button" class="quiet"
                            on:click=move |_| ws.reconnect_now()>
                            "Retry now"
                        </button>
                        <button id="shutdown" type="button" class="quiet" on:click=shutdown>
                            "Shutdown"
                        </button>
                    </span>
                </div>
                <ol id="log" aria-live="polite">
                    {move || {
                        log.get()
                            .into_iter()
                            .map(|(class, text)| view! { <li class=class>{text}</li> })
                            .collect_view()
                    }}
                </ol>
                <form class="row" on:submit=send>
                    <input id="text" type="text" placeholder="say something" aria-label="message"
                        autocomplete="off" bind:value=text />
                    <button id="send" type="submit" class="primary">"Send"</button>
                </form>
            </section>
        }
    }

    /// The page: the chat, and a button that unmounts it and mounts a fresh one.
    #[component]
    fn App() -> impl IntoView {
        let mounted = RwSignal::new(true);
        view! {
            <header id="header">
                <h1 id="title">"omnisocket " <span>"+ Leptos"</span></h1>
                <p id="tagline">
                    "A chat on " <code>"omnisocket_leptos::use_websocket"</code> ", echoed by this "
                    "page's server. Unmount the chat: its connection closes gracefully (code "
                    "1000). Mount it again: a fresh one connects."
                </p>
            </header>
            <div class="row">
                <button id="toggle" type="button" on:click=move |_| mounted.update(|m| *m = !*m)>
                    {move || if mounted.get() { "Unmount" } else { "Mount" }}
                </button>
            </div>
            <Show
                when=move || mounted.get()
                fallback=|| view! { <p class="card chat unmounted">"The chat is unmounted."</p> }
            >
                <Chat />
            </Show>
            <footer id="footer">
                <p>
                    <a href="../">"The demo"</a> " · the same chat on " <a href="../yew/">"Yew"</a>
                </p>
            </footer>
        }
    }

    pub(crate) fn main() {
        mount_to_body(App);
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-ready", "true");
        }
    }
}

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
fn main() {
    app::main();
}

// Natively there is no page to mount to (`cargo test --workspace` builds the examples).
#[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
fn main() {}
