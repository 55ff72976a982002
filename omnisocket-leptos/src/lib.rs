//! A [Leptos](https://leptos.dev) hook for [`omnisocket`]: a WebSocket that connects when the
//! component mounts, comes back after a drop (jittered backoff), shows its state and its
//! messages as signals, and closes gracefully, within a bound, when the component goes away.
//!
//! ```no_run
//! use leptos::prelude::*;
//! use omnisocket_leptos::{Message, use_websocket};
//!
//! #[component]
//! fn Echo() -> impl IntoView {
//!     let ws = use_websocket("ws://127.0.0.1:9000/echo");
//!     view! {
//!         <p>{move || ws.state.get().to_string()}</p>
//!         <button on:click=move |_| { let _ = ws.try_send(Message::text("hi")); }>"Send"</button>
//!         <p>{move || ws.message.get().and_then(|m| m.as_text().map(str::to_owned))}</p>
//!     }
//! }
//! ```
//!
//! # What it does
//!
//! - **Mount.** The connection starts when the component mounts (in an effect, so never on
//!   the server: with Leptos's `ssr` feature the hook does nothing and its state stays
//!   "connecting"; with `hydrate` it connects once the page is hydrated).
//! - **Reconnect.** By default with [`Reconnect::default()`] (backoff from 500 ms to 30 s,
//!   full jitter drawn per attempt, no limit); [`UseWebSocketOptions::reconnect`] chooses
//!   another policy, [`UseWebSocketOptions::no_reconnect`] none.
//! - **State.** [`UseWebSocket::state`] is a [`State`]: connecting (attempt), open,
//!   retrying (attempt and delay), closed (the [`Shutdown`] outcome, or the error after
//!   which the policy gave up). Its `Display` is a status line.
//! - **Messages.** [`UseWebSocket::message`] holds the last message;
//!   [`UseWebSocketOptions::on_message`] sees every one, in order (a signal shows only
//!   the last of those that arrive within one tick). Typed messages:
//!   [`UseWebSocketOptions::json`].
//! - **Send.** [`UseWebSocket::try_send`] never waits (for event handlers): a bounded
//!   queue holds what is sent while disconnected ([`Reconnect::queue`]); a full queue is an
//!   error, never an unbounded buffer. To wait for room, `ws.sender()` gives the client's
//!   [`ReconnectingSender`], whose `send` waits.
//! - **Open.** [`UseWebSocketOptions::manual`](omnisocket::ui::Options::manual)`(true)`
//!   waits for [`UseWebSocket::open`] (a "Connect" button; the state is [`State::Idle`],
//!   "not connected", until then), and `open` starts a new client after a `shutdown` or
//!   once the policy gave up.
//! - **Unmount.** The client stops reconnecting and performs the closing handshake (code
//!   1000), bounded by [`Config::close_timeout`]; its task ends with the connection, and
//!   no closure, timer or state stays behind.
//!
//! Unlike leptos-use's `use_websocket`, retries are jittered and back off, and unmounting
//! waits (boundedly) for the server's answer instead of abandoning the socket; the outcome
//! of [`UseWebSocket::shutdown`] says whether the server answered.

#![deny(unsafe_code)]

use std::fmt;
use std::future::Future;
use std::time::Duration;

use leptos::prelude::*;
use omnisocket::ui::Binding;

pub use omnisocket::reconnect::{Reconnect, ReconnectingSender, State};
pub use omnisocket::{self, Config, Error, JsonError, Message, Shutdown};

/// What [`use_websocket`] returns: the state and last message as signals, and the bound
/// client's [`Binding`]'s methods. `Copy`, like a signal: move it into as many closures as
/// needed.
pub struct UseWebSocket<T: Send + Sync + 'static = Message> {
    /// Where the connection stands.
    pub state: Signal<State>,
    /// The last message received (decoded, with [`UseWebSocketOptions::json`]).
    pub message: Signal<Option<T>>,
    binding: StoredValue<Binding<T>, LocalStorage>,
}

impl<T: Send + Sync + 'static> Clone for UseWebSocket<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for UseWebSocket<T> {}

impl<T: Send + Sync + 'static> fmt::Debug for UseWebSocket<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UseWebSocket")
            .field("state", &self.state.try_get_untracked())
            .finish_non_exhaustive()
    }
}

impl<T: Send + Sync + 'static> UseWebSocket<T> {
    /// Sends a message without waiting: on the open connection, or queued for the next
    /// one. See [`Binding::try_send`].
    ///
    /// # Errors
    /// [`Error::SendQueueFull`] when the queue is full; [`Error::Closed`] once the client
    /// has stopped, and before the component mounted (or on the server).
    pub fn try_send(&self, message: Message) -> Result<(), Error> {
        self.binding().try_send(message)
    }

    /// Stops reconnecting and closes with code 1000, waiting at most `timeout` for the
    /// server's answer; the state then shows the outcome. From an event handler:
    /// `spawn_local(async move { ws.shutdown(timeout).await; })`. See [`Binding::shutdown`].
    pub fn shutdown(&self, timeout: Duration) -> impl Future<Output = Shutdown> + 'static {
        self.binding().shutdown(timeout)
    }

    /// Cuts the wait before the next attempt short (a "retry now" button).
    pub fn reconnect_now(&self) {
        self.binding().reconnect_now();
    }

    /// The client's sender, once the component has mounted: to send and wait for room
    /// (`send(..).await`), or to close with a code of your own.
    pub fn sender(&self) -> Option<ReconnectingSender> {
        self.binding().sender()
    }

    /// Starts the client unless one runs: in [`manual`](omnisocket::ui::Options::manual)
    /// mode (a "Connect" button), or again after `shutdown` or once the policy gave up.
    /// Nothing on the server, or after the component unmounted.
    pub fn open(&self) {
        self.binding().open();
    }

    /// The bound client; after the unmount (the stored value is gone), a binding to
    /// nothing.
    fn binding(&self) -> Binding<T> {
        self.binding.try_get_value().unwrap_or_default()
    }
}

/// Settings of [`use_websocket_with`], shaped like leptos-use's options of the same name
/// (see [`omnisocket::ui::Options`] for how theirs map): the connection, the reconnect
/// policy, typed messages ([`json`](omnisocket::ui::Options::json)), manual mode and the
/// message callback.
///
/// ```no_run
/// use serde::Deserialize;
/// use omnisocket_leptos::{Reconnect, UseWebSocketOptions, use_websocket_with};
/// # use leptos::prelude::*;
///
/// #[derive(Deserialize, Clone)]
/// struct Line {
///     user: String,
///     text: String,
/// }
///
/// # #[component] fn Chat() -> impl IntoView {
/// let options = UseWebSocketOptions::json::<Line>()
///     .reconnect(Reconnect::default().max_attempts(Some(10)))
///     .on_message(|line: &Line| leptos::logging::log!("{}: {}", line.user, line.text));
/// let ws = use_websocket_with("wss://example.com/chat", options);
/// // ws.message: Signal<Option<Line>>
/// # }
/// ```
pub type UseWebSocketOptions<T = Message> = omnisocket::ui::Options<T>;

/// A WebSocket to `url` for as long as the component is mounted, reconnecting by
/// [`Reconnect::default()`]. See the [crate docs](crate).
pub fn use_websocket(url: &str) -> UseWebSocket<Message> {
    use_websocket_with(url, UseWebSocketOptions::default())
}

/// [`use_websocket`] with settings: typed messages, the policy, manual mode, callbacks.
pub fn use_websocket_with<T: Send + Sync + 'static>(
    url: &str,
    options: UseWebSocketOptions<T>,
) -> UseWebSocket<T> {
    let state = RwSignal::new(options.initial_state());
    let message = RwSignal::new(None);
    let binding = options.bind(
        url,
        move |new| {
            state.try_set(new);
        },
        move |received| {
            message.try_set(Some(received));
        },
    );
    let stored = StoredValue::new_local(binding.clone());
    // Effects run in the browser only, once the component is mounted: never on the server.
    Effect::new(move |previous: Option<()>| {
        if previous.is_some() {
            return;
        }
        binding.mount();
        // Unmount: the client closes in the background, bounded by the close timeout.
        let binding = send_wrapper::SendWrapper::new(binding.clone());
        on_cleanup(move || binding.unmount());
    });
    UseWebSocket {
        state: state.into(),
        message: message.into(),
        binding: stored,
    }
}
