//! A [Yew](https://yew.rs) hook for [`omnisocket`]: a WebSocket that connects when the
//! component mounts, comes back after a drop (jittered backoff), shows its state and its
//! messages as component state, and closes gracefully, within a bound, when the component
//! goes away.
//!
//! ```no_run
//! use yew::prelude::*;
//! use omnisocket_yew::{Message, use_websocket};
//!
//! #[component]
//! fn Echo() -> Html {
//!     let ws = use_websocket("ws://127.0.0.1:9000/echo");
//!     let send = {
//!         let ws = ws.clone();
//!         Callback::from(move |_| { let _ = ws.try_send(Message::text("hi")); })
//!     };
//!     html! {
//!         <>
//!             <p>{ ws.state().to_string() }</p>
//!             <button onclick={send}>{ "Send" }</button>
//!             <p>{ ws.message().and_then(|m| m.as_text()).unwrap_or_default() }</p>
//!         </>
//!     }
//! }
//! ```
//!
//! # What it does
//!
//! - **Mount.** The connection starts when the component mounts (in an effect, so never
//!   during server-side rendering).
//! - **Reconnect.** By default with [`Reconnect::default()`] (backoff from 500 ms to 30 s,
//!   full jitter drawn per attempt, no limit); [`UseWebSocketOptions::reconnect`] chooses
//!   another policy, [`UseWebSocketOptions::no_reconnect`] none.
//! - **State.** [`UseWebSocket::state`] is a [`State`]: connecting (attempt), open,
//!   retrying (attempt and delay), closed (the [`Shutdown`] outcome, or the error after
//!   which the policy gave up). Its `Display` is a status line. A change re-renders.
//! - **Messages.** [`UseWebSocket::message`] is the last message;
//!   [`UseWebSocketOptions::on_message`] sees every one, in order. Typed messages:
//!   [`UseWebSocketOptions::json`].
//! - **Send.** [`UseWebSocket::try_send`] never waits (for callbacks): a bounded queue
//!   holds what is sent while disconnected ([`Reconnect::queue`]); a full queue is an
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
//! Unlike yew-hooks' `use_websocket`, retries are jittered and back off, and unmounting
//! waits (boundedly) for the server's answer instead of abandoning the socket; the outcome
//! of [`UseWebSocket::shutdown`] says whether the server answered.

#![deny(unsafe_code)]

use std::fmt;
use std::future::Future;
use std::time::Duration;

use omnisocket::ui::Binding;
use yew::prelude::*;

pub use omnisocket::reconnect::{Reconnect, ReconnectingSender, State};
pub use omnisocket::{self, Config, Error, JsonError, Message, Shutdown};

/// What [`use_websocket`] returns: the state and last message of this render, and the
/// bound client's [`Binding`]'s methods. Cheap to clone into callbacks.
pub struct UseWebSocket<T: 'static = Message> {
    state: UseStateHandle<State>,
    message: UseStateHandle<Option<T>>,
    binding: Binding<T>,
}

impl<T: 'static> Clone for UseWebSocket<T> {
    fn clone(&self) -> Self {
        Self {
            state: self.state.clone(),
            message: self.message.clone(),
            binding: self.binding.clone(),
        }
    }
}

impl<T: 'static> fmt::Debug for UseWebSocket<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UseWebSocket")
            .field("state", &*self.state)
            .finish_non_exhaustive()
    }
}

impl<T: 'static> UseWebSocket<T> {
    /// Where the connection stands.
    pub fn state(&self) -> &State {
        &self.state
    }

    /// The last message received (decoded, with [`UseWebSocketOptions::json`]).
    pub fn message(&self) -> Option<&T> {
        self.message.as_ref()
    }

    /// Sends a message without waiting: on the open connection, or queued for the next
    /// one. See [`Binding::try_send`].
    ///
    /// # Errors
    /// [`Error::SendQueueFull`] when the queue is full; [`Error::Closed`] once the client
    /// has stopped, and before the component mounted (or on the server).
    pub fn try_send(&self, message: Message) -> Result<(), Error> {
        self.binding.try_send(message)
    }

    /// Stops reconnecting and closes with code 1000, waiting at most `timeout` for the
    /// server's answer; the state then shows the outcome. From a callback:
    /// `spawn_local(async move { ws.shutdown(timeout).await; })`. See [`Binding::shutdown`].
    pub fn shutdown(&self, timeout: Duration) -> impl Future<Output = Shutdown> + 'static {
        self.binding.shutdown(timeout)
    }

    /// Cuts the wait before the next attempt short (a "retry now" button).
    pub fn reconnect_now(&self) {
        self.binding.reconnect_now();
    }

    /// The client's sender, once the component has mounted: to send and wait for room
    /// (`send(..).await`), or to close with a code of your own.
    pub fn sender(&self) -> Option<ReconnectingSender> {
        self.binding.sender()
    }

    /// Starts the client unless one runs: in [`manual`](omnisocket::ui::Options::manual)
    /// mode (a "Connect" button), or again after `shutdown` or once the policy gave up.
    /// Nothing after the component unmounted.
    pub fn open(&self) {
        self.binding.open();
    }
}

/// Settings of [`use_websocket_with`], shaped like yew-hooks' options of the same name
/// (see [`omnisocket::ui::Options`] for how theirs map): the connection, the reconnect
/// policy, typed messages ([`json`](omnisocket::ui::Options::json)), manual mode and the
/// message callback. Read on the first render only.
///
/// ```no_run
/// use serde::Deserialize;
/// use omnisocket_yew::{Reconnect, UseWebSocketOptions, use_websocket_with};
/// # use yew::prelude::*;
///
/// #[derive(Deserialize)]
/// struct Line {
///     user: String,
///     text: String,
/// }
///
/// # #[component] fn Chat() -> Html {
/// let seen = use_mut_ref(Vec::new);
/// let options = UseWebSocketOptions::json::<Line>()
///     .reconnect(Reconnect::default().max_attempts(Some(10)))
///     .on_message(move |line: &Line| seen.borrow_mut().push(line.text.clone()));
/// let ws = use_websocket_with("wss://example.com/chat", options);
/// // ws.message(): Option<&Line>
/// # html! {}
/// # }
/// ```
pub type UseWebSocketOptions<T = Message> = omnisocket::ui::Options<T>;

/// A WebSocket to `url` for as long as the component is mounted, reconnecting by
/// [`Reconnect::default()`]. See the [crate docs](crate).
#[hook]
pub fn use_websocket(url: &str) -> UseWebSocket<Message> {
    use_websocket_with(url, UseWebSocketOptions::default())
}

/// [`use_websocket`] with settings: typed messages, the policy, manual mode, callbacks.
/// The URL and the settings of the first render are used.
#[hook]
pub fn use_websocket_with<T: 'static>(
    url: &str,
    options: UseWebSocketOptions<T>,
) -> UseWebSocket<T> {
    let state = use_state(|| options.initial_state());
    let message = use_state(|| None);
    let binding = {
        let set_state = state.setter();
        let set_message = message.setter();
        let url = url.to_owned();
        (*use_state(move || {
            options.bind(
                &url,
                move |new| set_state.set(new),
                move |received| set_message.set(Some(received)),
            )
        }))
        .clone()
    };
    {
        let binding = binding.clone();
        // Effects run in the browser only, once the component is mounted.
        use_effect_with((), move |()| {
            binding.mount();
            // Unmount: the client closes in the background, bounded by the close timeout.
            move || binding.unmount()
        });
    }
    UseWebSocket {
        state,
        message,
        binding,
    }
}
