//! A reconnecting client bound to a user interface (the `ui` feature, in the browser): what
//! the Leptos and Yew hooks (`omnisocket-leptos`, `omnisocket-yew`) are made of, for any other
//! framework to build its own.
//!
//! [`Options`] says how to connect, how to reconnect and how to read messages (as they
//! come, or as JSON into a type). [`Options::bind`] ties them to a component's two setters
//! (the framework's reactive values for the [`State`](crate::reconnect::State) and the last message) in a
//! [`Binding`], the one handle of a bound client:
//!
//! | the component's        | the [`Binding`]'s                                          |
//! |------------------------|------------------------------------------------------------|
//! | mount (an effect)      | [`mount`](Binding::mount): opens, unless [`manual`](Options::manual) |
//! | "Connect" button       | [`open`](Binding::open): a new client unless one runs        |
//! | event handlers         | [`try_send`](Binding::try_send) (never waits), [`shutdown`](Binding::shutdown), [`reconnect_now`](Binding::reconnect_now), [`sender`](Binding::sender) |
//! | unmount (a cleanup)    | [`unmount`](Binding::unmount): a close with code 1000 in the background |
//!
//! The state setter is the one way to hear about the state; the message setter gets every
//! message, and [`Options::on_message`] too (for a reactive value that may show only the
//! last of those that arrive at once).
//!
//! ```no_run
//! use omnisocket::ui::Options;
//!
//! let binding = Options::default().bind(
//!     "ws://127.0.0.1:9000/echo",
//!     |state| println!("{state}"),       // the framework's reactive value for the state
//!     |message| println!("{message:?}"), // and for the last message
//! );
//! binding.mount(); // in the browser; natively (as on a server) nothing starts
//! let _ = binding.try_send(omnisocket::Message::text("hi"));
//! binding.unmount(); // a graceful close in the background
//! ```

mod binding;
mod options;

pub use binding::Binding;
#[cfg(feature = "unstable-test-hooks")]
pub(crate) use binding::live_clients;
pub use options::Options;
