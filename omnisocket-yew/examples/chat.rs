//! A small chat on the Yew hook, against the demo server's echo: the status line is the
//! hook's `state()`, every echo comes through `on_message`, and unmounting the chat
//! closes its connection gracefully (code 1000).
//!
//! Run it with `bash scripts/demo.sh`, then open <http://127.0.0.1:8080/yew/>. The `path`
//! query parameter picks another of the server's paths, for example
//! `/yew/?path=/drop%3Fafter_ms%3D500` (dropped after 500 ms, then reconnecting).

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
mod app {
    use std::rc::Rc;
    use std::time::Duration;

    use omnisocket_yew::{Message, State, UseWebSocketOptions, use_websocket_with};
    use web_sys::HtmlInputElement;
    use yew::platform::spawn_local;
    use yew::prelude::*;

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

    /// The log: lines of a class (you, echo, info, error) and a text, appended one by one.
    #[derive(Clone, Default)]
    struct Log(Vec<(&'static str, String)>);

    impl Reducible for Log {
        type Action = (&'static str, String);

        fn reduce(self: Rc<Self>, line: Self::Action) -> Rc<Self> {
            let mut log = Rc::unwrap_or_clone(self);
            log.0.push(line);
            Rc::new(log)
        }
    }

    /// The chat: its own connection and log, for as long as it is mounted.
    #[component]
    fn Chat() -> Html {
        let log = use_reducer(Log::default);
        let input = use_node_ref();
        let push = log.dispatcher();
        let options = UseWebSocketOptions::default().on_message(move |message: &Message| {
            let text = message
                .as_text()
                .map_or_else(|| format!("({} bytes)", message.len()), str::to_owned);
            push.dispatch(("echo", format!("echo: {text}")));
        });
        let ws = use_websocket_with(&url().unwrap_or_default(), options);

        let send = {
            let (ws, push, input) = (ws.clone(), log.dispatcher(), input.clone());
            Callback::from(move |event: SubmitEvent| {
                event.prevent_default();
                let Some(input) = input.cast::<HtmlInputElement>() else {
                    return;
                };
                let line = input.value();
                match ws.try_send(Message::text(line.clone())) {
                    Ok(()) => push.dispatch(("you", format!("you: {line}"))),
                    Err(error) => push.dispatch(("error", format!("not sent: {error}"))),
                }
                input.set_value("");
            })
        };
        let shutdown = {
            let (ws, push) = (ws.clone(), log.dispatcher());
            Callback::from(move |_| {
                let (closing, push) = (ws.shutdown(Duration::from_secs(2)), push.clone());
                spawn_local(async move {
                    push.dispatch(("info", format!("shutdown: {}", closing.await)))
                });
            })
        };
        let retry = ws.clone();
        let reopen = ws.clone();

        html! {
            <section class="card chat" aria-label="Chat">
                <div class="row status-row">
                    <span id="state" data-state={kind(ws.state())}>{ ws.state().to_string() }</span>
                    <span class="actions">
                        <button id="open" type="button" class="quiet"
                            onclick={move |_: MouseEvent| reopen.open()}>
                            { "Open" }
                        </button>
                        <button id="retry" type="button" class="quiet"
                            onclick={move |_: MouseEvent| retry.reconnect_now()}>
                            { "Retry now" }
                        </button>
                        <button id="shutdown" type="button" class="quiet" onclick={shutdown}>
                            { "Shutdown" }
                        </button>
                    </span>
                </div>
                <ol id="log" aria-live="polite">
                    for (class, text) in &log.0 {
                        <li class={*class}>{ text }</li>
                    }
                </ol>
                <form class="row" onsubmit={send}>
                    <input id="text" ref={input} type="text" placeholder="say something"
                        aria-label="message" autocomplete="off" />
                    <button id="send" type="submit" class="primary">{ "Send" }</button>
                </form>
            </section>
        }
    }

    /// The page: the chat, and a button that unmounts it and mounts a fresh one.
    #[component]
    fn App() -> Html {
        let mounted = use_state(|| true);
        let toggle = mounted.clone();
        // Rendered: tell the check that the page is ready.
        use_effect_with((), |()| {
            if let Some(body) = web_sys::window().and_then(|w| w.document()?.body()) {
                let _ = body.set_attribute("data-ready", "true");
            }
        });
        html! {
            <>
                <header id="header">
                    <h1 id="title">{ "omnisocket " }<span>{ "+ Yew" }</span></h1>
                    <p id="tagline">
                        { "A chat on " }<code>{ "omnisocket_yew::use_websocket" }</code>
                        { ", echoed by this page's server. Unmount the chat: its connection \
                           closes gracefully (code 1000). Mount it again: a fresh one connects." }
                    </p>
                </header>
                <div class="row">
                    <button id="toggle" type="button"
                        onclick={move |_: MouseEvent| toggle.set(!*toggle)}>
                        { if *mounted { "Unmount" } else { "Mount" } }
                    </button>
                </div>
                if *mounted {
                    <Chat />
                } else {
                    <p class="card chat unmounted">{ "The chat is unmounted." }</p>
                }
                <footer id="footer">
                    <p>
                        <a href="../">{ "The demo" }</a>{ " · the same chat on " }
                        <a href="../leptos/">{ "Leptos" }</a>
                    </p>
                </footer>
            </>
        }
    }

    pub(crate) fn main() {
        yew::Renderer::<App>::new().render();
    }
}

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
fn main() {
    app::main();
}

// Natively there is no page to mount to (`cargo test --workspace` builds the examples).
#[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
fn main() {}
