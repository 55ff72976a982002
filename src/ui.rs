//! A reconnecting client bound to a user interface (the `ui` feature, in the browser): what
//! the Leptos and Yew hooks (`wsclient-leptos`, `wsclient-yew`) are made of, for any other
//! framework to build its own.
//!
//! [`Options`] says how to connect, how to reconnect and how to read messages (as they
//! come, or as JSON into a type); `Options::start` spawns the client, hands its
//! [`State`] and messages to two setters (the framework's reactive values) and the
//! callbacks, and returns a [`Running`] whose drop is the component's unmount: the setters
//! and callbacks are not called again, and the client closes with code 1000, bounded by
//! [`Config::close_timeout`], in the background.
//!
//! ```no_run
//! use wsclient::ui::Options;
//!
//! # #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
//! # fn mount() {
//! let running = Options::default().start(
//!     "ws://127.0.0.1:9000/echo",
//!     |state| web_sys::console::log_1(&state.to_string().into()),
//!     |message| web_sys::console::log_1(&format!("{message:?}").into()),
//! );
//! let _ = running.control().send(wsclient::Message::text("hi"));
//! drop(running); // unmount: a graceful close in the background
//! # }
//! ```

use std::cell::Cell;
use std::fmt;
use std::future::Future;
use std::rc::Rc;
use std::time::Duration;

use serde::de::DeserializeOwned;

use crate::json::{DecodeJson, JsonError};
use crate::reconnect::{Reconnect, ReconnectingSender, State};
use crate::{Config, Error, Message, Shutdown};

/// How a [`Running`] client connects, reconnects and reads its messages, and who hears
/// about them. `T` is what a message is read as: [`Message`] by default, any `Deserialize`
/// type with [`json`](Self::json).
///
/// ```
/// use serde::Deserialize;
/// use wsclient::reconnect::Reconnect;
/// use wsclient::ui::Options;
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

    /// The close timeout of these settings: how long a dropped [`Running`] client waits
    /// for the server's answer.
    pub fn close_timeout(&self) -> Duration {
        self.config.close_timeout
    }
}

#[cfg(web)]
impl<T: 'static> Options<T> {
    /// Starts a [`Reconnecting`](crate::reconnect::Reconnecting) client to `url` in the background: `set_state` is called
    /// with each [`State`] and `set_message` with each message read as `T` (after the
    /// callbacks of these options), until the returned [`Running`] is dropped. An invalid
    /// URL or setting is a closed state with the error, at once.
    pub fn start(
        self,
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
        } = self;
        let close_timeout = config.close_timeout;
        let mounted = Rc::new(Cell::new(true));
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
                return Running {
                    sender: None,
                    mounted,
                    close_timeout,
                };
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
        let live = Live::new();
        wasm_bindgen_futures::spawn_local(async move {
            client.follow(show_state, show_message).await;
            drop(live);
        });
        Running {
            sender: Some(sender),
            mounted,
            close_timeout,
        }
    }
}

impl<T> fmt::Debug for Options<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Options")
            .field("config", &self.config)
            .field("reconnect", &self.reconnect)
            .finish_non_exhaustive()
    }
}

/// A client started by `Options::start`. Dropping it is the component's unmount: the
/// setters and callbacks are not called again, and the client stops reconnecting and
/// closes with code 1000 in the background, waiting at most the close timeout for the
/// server; its task ends then, and nothing of it stays behind.
pub struct Running {
    /// `None` when the client could not start.
    sender: Option<ReconnectingSender>,
    mounted: Rc<Cell<bool>>,
    close_timeout: Duration,
}

impl Running {
    /// What sends and stops this client, for the component's handle.
    pub fn control(&self) -> Control {
        Control(self.sender.clone())
    }
}

/// What a component's handle sends and stops a [`Running`] client through: cheap to clone,
/// and empty until the client started (before the component mounted, on the server) or
/// when it could not start.
#[derive(Debug, Clone, Default)]
pub struct Control(Option<ReconnectingSender>);

impl Control {
    /// Sends without waiting; see [`ReconnectingSender::try_send`].
    ///
    /// # Errors
    /// [`Error::SendQueueFull`] when the queue is full; [`Error::Closed`] once the client
    /// stopped, and while there is none.
    pub fn send(&self, message: Message) -> Result<(), Error> {
        match &self.0 {
            Some(sender) => sender.try_send(message),
            None => Err(Error::Closed),
        }
    }

    /// Stops reconnecting and closes with code 1000, waiting at most `timeout` for the
    /// server's answer; [`Abnormal::NotConnected`](crate::Abnormal::NotConnected) at once
    /// while there is no client.
    pub fn shutdown(&self, timeout: Duration) -> impl Future<Output = Shutdown> + use<> {
        let sender = self.0.clone();
        async move {
            match sender {
                Some(sender) => sender.shutdown(timeout).await,
                None => Shutdown::Abnormal(crate::Abnormal::NotConnected),
            }
        }
    }

    /// Cuts the wait before the next attempt short (a "retry now" button).
    pub fn reconnect_now(&self) {
        if let Some(sender) = &self.0 {
            sender.reconnect_now();
        }
    }

    /// The client's sender, while there is a client: to send and wait for room, or to
    /// close with a code of one's own.
    pub fn sender(&self) -> Option<&ReconnectingSender> {
        self.0.as_ref()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.mounted.set(false);
        if let Some(sender) = self.sender.take() {
            let timeout = self.close_timeout;
            #[cfg(web)]
            wasm_bindgen_futures::spawn_local(async move {
                sender.shutdown(timeout).await;
            });
            #[cfg(native)]
            let _ = (sender, timeout);
        }
    }
}

impl fmt::Debug for Running {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Running")
            .field("sender", &self.sender)
            .finish_non_exhaustive()
    }
}

thread_local! {
    static LIVE: Cell<usize> = const { Cell::new(0) };
}

/// Counts the clients started by `Options::start` whose task still runs.
struct Live;

impl Live {
    #[cfg_attr(native, allow(dead_code, reason = "clients start in the browser only"))]
    fn new() -> Self {
        LIVE.with(|live| live.set(live.get() + 1));
        Self
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        LIVE.with(|live| live.set(live.get() - 1));
    }
}

/// Diagnostics hook for leak tests: how many clients started by `Options::start` on this
/// thread still run (until their connection has closed after the drop of their
/// [`Running`]). Not part of the API: it may change or go away in any release.
#[doc(hidden)]
pub fn live_clients() -> usize {
    LIVE.with(Cell::get)
}
