//! [`Options`]: how a bound client connects, reconnects and reads its messages.

use std::fmt;
use std::rc::Rc;

use serde::de::DeserializeOwned;

use crate::json::{DecodeJson, JsonError};
use crate::reconnect::{Reconnect, State};
use crate::{Config, Message};

/// How a [`Binding`](super::Binding)'s client connects, reconnects and reads its messages. `T` is what a
/// message is read as: [`Message`] by default, any `Deserialize` type with
/// [`json`](Self::json).
///
/// The hooks' `UseWebSocketOptions` is this type. What leptos-use's and yew-hooks'
/// options of that name set is here too: [`manual`](Self::manual) (their `manual`, or
/// `immediate(false)`), [`on_message`](Self::on_message), the policy in
/// [`reconnect`](Self::reconnect) (their `reconnect_limit` is
/// [`Reconnect::max_attempts`], their `reconnect_interval` [`Reconnect::backoff`]), and
/// subprotocols in the [`config`](Self::config) ([`Config::protocol`]). Their open, close
/// and error callbacks are changes of the [`State`], which the binding's state setter
/// hears.
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
pub struct Options<T = Message> {
    pub(super) config: Config,
    pub(super) reconnect: Option<Reconnect>,
    pub(super) manual: bool,
    pub(super) decode: fn(&Message) -> Result<T, JsonError>,
    pub(super) on_message: Option<OnMessage<T>>,
    pub(super) on_decode_error: Option<OnDecodeError>,
}

pub(super) type OnMessage<T> = Rc<dyn Fn(&T)>;
pub(super) type OnDecodeError = Rc<dyn Fn(&JsonError, &Message)>;

impl Default for Options<Message> {
    /// Messages as they come, [`Config::default()`], [`Reconnect::default()`], opened on
    /// mount.
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
            on_decode_error: None,
        }
    }

    /// The connection's settings (subprotocols, timeouts, liveness); [`Config::default()`]
    /// unless chosen. Its [`close_timeout`](Config::close_timeout) bounds the close on
    /// unmount.
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

    /// Called with every message, in order, until unmount (a reactive value may show only
    /// the last of those that arrive at once).
    pub fn on_message(mut self, callback: impl Fn(&T) + 'static) -> Self {
        self.on_message = Some(Rc::new(callback));
        self
    }

    /// Called with a message that [`json`](Options::json) could not read, and why.
    pub fn on_decode_error(mut self, callback: impl Fn(&JsonError, &Message) + 'static) -> Self {
        self.on_decode_error = Some(Rc::new(callback));
        self
    }

    /// With `true`, connect only when [`Binding::open`](super::Binding::open) is called (a "Connect" button), not
    /// on [`mount`](super::Binding::mount); the state is [`State::Idle`] until then. `false` by
    /// default.
    pub fn manual(mut self, manual: bool) -> Self {
        self.manual = manual;
        self
    }

    /// The state to show before the binding's first state: [`State::Idle`] in
    /// [`manual`](Self::manual) mode, else `Connecting { attempt: 1 }`. (What a hook's
    /// reactive value starts with.)
    pub fn initial_state(&self) -> State {
        if self.manual {
            State::Idle
        } else {
            State::default()
        }
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
            on_decode_error: self.on_decode_error.clone(),
        }
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
