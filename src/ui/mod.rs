//! A reconnecting client bound to a user interface (the `ui` feature, in the browser): what
//! the Leptos and Yew hooks (`omnisocket-leptos`, `omnisocket-yew`) are made of, for any other
//! framework to build its own.
//!
//! [`Options`] says how to connect, how to reconnect and how to read messages (as they
//! come, or as JSON into a type). [`Options::bind`] ties them to two setters (the
//! framework's reactive values for the [`State`] and the last message) in a [`Binding`]:
//! [`open`](Binding::open) starts the client (on mount, or later in
//! [`manual`](Options::manual) mode, and again after it stopped),
//! [`control`](Binding::control) sends and stops it, and [`unmount`](Binding::unmount)
//! closes it with code 1000, bounded by [`Config::close_timeout`], in the background, after
//! which nothing is called again.
//!
//! ```no_run
//! use omnisocket::ui::Options;
//!
//! let binding = Options::default().bind(
//!     "ws://127.0.0.1:9000/echo",
//!     |state| println!("{state}"),     // the framework's reactive value for the state
//!     |message| println!("{message:?}"), // and for the last message
//! );
//! binding.open(); // on mount (in the browser; natively, as on a server, nothing happens)
//! let _ = binding.control().send(omnisocket::Message::text("hi"));
//! binding.unmount(); // a graceful close in the background
//! ```

use std::fmt;
use std::rc::Rc;
use std::time::Duration;

use serde::de::DeserializeOwned;

use crate::json::{DecodeJson, JsonError};
use crate::reconnect::{Reconnect, State};
use crate::{Config, Message};

mod binding;
mod running;

pub use binding::Binding;
#[doc(hidden)]
pub use running::live_clients;
pub use running::{Control, Running};

/// How a [`Binding`]'s client connects, reconnects and reads its messages, and who hears
/// about them. `T` is what a message is read as: [`Message`] by default, any `Deserialize`
/// type with [`json`](Self::json).
///
/// ```
/// use serde::Deserialize;
/// use omnisocket::reconnect::Reconnect;
/// use omnisocket::ui::Options;
///
/// #[derive(Deserialize)]
/// struct Line {
///     user: String,
///     text: String,
/// }
///
/// let options = Options::json::<Line>()
///     .reconnect(Reconnect::default().max_attempts(Some(10)))
///     .on_message(|line: &Line| println!("{}: {}", line.user, line.text));
/// ```
#[cfg_attr(
    native,
    allow(
        dead_code,
        reason = "natively the options exist, but clients start in the browser only"
    )
)]
pub struct Options<T = Message> {
    config: Config,
    reconnect: Option<Reconnect>,
    manual: bool,
    decode: fn(&Message) -> Result<T, JsonError>,
    on_message: Option<OnMessage<T>>,
    on_state: Option<OnState>,
    on_decode_error: Option<OnDecodeError>,
}

type OnMessage<T> = Rc<dyn Fn(&T)>;
type OnState = Rc<dyn Fn(&State)>;
type OnDecodeError = Rc<dyn Fn(&JsonError, &Message)>;

impl Default for Options<Message> {
    /// Messages as they come, [`Config::default()`], [`Reconnect::default()`].
    fn default() -> Self {
        Self::with_decoder(|message| Ok(message.clone()))
    }
}

impl Options<Message> {
    /// Messages read as JSON into `T` ([`DecodeJson::json`]): `Options::json::<Line>()`.
    /// A message that does not fit goes to [`on_decode_error`](Options::on_decode_error)
    /// (by default a `tracing` warning that names the field) and not to the message setter.
    pub fn json<T: DeserializeOwned>() -> Options<T> {
        Options::with_decoder(|message| message.json::<T>())
    }
}

impl<T> Options<T> {
    fn with_decoder(decode: fn(&Message) -> Result<T, JsonError>) -> Self {
        Self {
            config: Config::default(),
            reconnect: Some(Reconnect::default()),
            manual: false,
            decode,
            on_message: None,
            on_state: None,
            on_decode_error: None,
        }
    }

    /// The connection's settings (subprotocols, timeouts, liveness). Its
    /// [`close_timeout`](Config::close_timeout) bounds the close when the [`Running`]
    /// client is dropped.
    pub fn config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// The reconnect policy ([`Reconnect::default()`] unless chosen).
    pub fn reconnect(mut self, policy: Reconnect) -> Self {
        self.reconnect = Some(policy);
        self
    }

    /// One connection, no retries: the state is closed after the first failure or close.
    pub fn no_reconnect(mut self) -> Self {
        self.reconnect = None;
        self
    }

    /// Called with every message, in order, until the [`Running`] client is dropped (a
    /// reactive value may show only the last of those that arrive at once).
    pub fn on_message(mut self, callback: impl Fn(&T) + 'static) -> Self {
        self.on_message = Some(Rc::new(callback));
        self
    }

    /// Called with every state, until the [`Running`] client is dropped.
    pub fn on_state(mut self, callback: impl Fn(&State) + 'static) -> Self {
        self.on_state = Some(Rc::new(callback));
        self
    }

    /// Called with a message that [`json`](Self::json) could not read, and why.
    pub fn on_decode_error(mut self, callback: impl Fn(&JsonError, &Message) + 'static) -> Self {
        self.on_decode_error = Some(Rc::new(callback));
        self
    }

    /// Connect only when [`Binding::open`] is called (a "Connect" button), not on mount.
    pub fn manual(mut self) -> Self {
        self.manual = true;
        self
    }

    /// Whether the client waits for [`Binding::open`] ([`manual`](Self::manual)).
    pub fn is_manual(&self) -> bool {
        self.manual
    }

    /// The state to show before the first event: [`State::Idle`] in
    /// [`manual`](Self::manual) mode, else `Connecting { attempt: 1 }`.
    pub fn initial_state(&self) -> State {
        if self.manual {
            State::Idle
        } else {
            State::default()
        }
    }

    /// The close timeout of these settings: how long a closing client waits for the
    /// server's answer after an unmount.
    pub fn close_timeout(&self) -> Duration {
        self.config.close_timeout
    }

    /// Ties these options to a component's two setters; see [`Binding`]. Starts nothing.
    pub fn bind(
        self,
        url: &str,
        set_state: impl Fn(State) + 'static,
        set_message: impl Fn(T) + 'static,
    ) -> Binding<T>
    where
        T: 'static,
    {
        Binding::new(url, self, Rc::new(set_state), Rc::new(set_message))
    }
}

impl<T> Clone for Options<T> {
    fn clone(&self) -> Self {
        Self {
            config: self.config.clone(),
            reconnect: self.reconnect.clone(),
            manual: self.manual,
            decode: self.decode,
            on_message: self.on_message.clone(),
            on_state: self.on_state.clone(),
            on_decode_error: self.on_decode_error.clone(),
        }
    }
}

#[cfg(web)]
impl<T: 'static> Options<T> {
    /// Starts a [`Reconnecting`](crate::reconnect::Reconnecting) client to `url` in the
    /// background: `set_state` is called with each [`State`] and `set_message` with each
    /// message read as `T` (after the callbacks of these options), until the returned
    /// [`Running`] is dropped. An invalid URL or setting is a closed state with the error,
    /// at once. (What [`Binding::open`] does.)
    pub fn start(
        &self,
        url: &str,
        set_state: impl Fn(State) + 'static,
        set_message: impl Fn(T) + 'static,
    ) -> Running {
        use std::sync::Arc;

        use crate::Client;
        use crate::reconnect::Reconnecting;

        let Self {
            config,
            reconnect,
            decode,
            on_message,
            on_state,
            on_decode_error,
            manual: _,
        } = self.clone();
        let close_timeout = config.close_timeout;
        let mounted = Rc::new(std::cell::Cell::new(true));
        let show_state = {
            let mounted = Rc::clone(&mounted);
            move |state: &State| {
                if mounted.get() {
                    if let Some(on_state) = &on_state {
                        on_state(state);
                    }
                    set_state(state.clone());
                }
            }
        };
        let policy = reconnect.unwrap_or_else(|| Reconnect::default().give_up_when(|_| true));
        let client = match Reconnecting::<Client>::start(url, config, policy) {
            Ok(client) => client,
            Err(error) => {
                show_state(&State::Closed(Err(Arc::new(error))));
                return Running::new(None, mounted, close_timeout);
            }
        };
        let show_message = {
            let mounted = Rc::clone(&mounted);
            move |received: Message| {
                if !mounted.get() {
                    return;
                }
                match decode(&received) {
                    Ok(value) => {
                        if let Some(on_message) = &on_message {
                            on_message(&value);
                        }
                        set_message(value);
                    }
                    Err(error) => match &on_decode_error {
                        Some(on_decode_error) => on_decode_error(&error, &received),
                        None => {
                            tracing::warn!(%error, "a received message was not the JSON expected");
                        }
                    },
                }
            }
        };
        let sender = client.sender();
        let live = running::Live::new();
        wasm_bindgen_futures::spawn_local(async move {
            client.follow(show_state, show_message).await;
            drop(live);
        });
        Running::new(Some(sender), mounted, close_timeout)
    }
}

impl<T> fmt::Debug for Options<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Options")
            .field("config", &self.config)
            .field("reconnect", &self.reconnect)
            .field("manual", &self.manual)
            .finish_non_exhaustive()
    }
}
