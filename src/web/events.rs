//! What the socket's handlers and the timers report to their connection.
//!
//! Events flow one way: `socket`, `liveness` and the close timer only know a
//! [`Listener`], which the connection (`conn`) implements. They hold it weakly, so they
//! never keep a connection alive by themselves.

use std::rc::{Rc, Weak};

use web_sys::{CloseEvent, MessageEvent};

/// One thing that happened to a connection.
#[derive(Debug)]
pub(super) enum Event {
    /// The socket opened.
    Open,
    /// The socket received a message.
    Message(MessageEvent),
    /// The browser reported an error (a `close` follows).
    Error,
    /// The socket closed, cleanly or not.
    Close(CloseEvent),
    /// The heartbeat interval elapsed.
    HeartbeatDue,
    /// The answer deadline of the last heartbeat passed.
    HeartbeatUnanswered,
    /// The idle timer fired.
    IdleCheck,
    /// The closing handshake's deadline passed.
    CloseDeadline,
}

/// Who events are reported to: the connection.
pub(super) trait Listener {
    /// Handles `event`; called from the browser's event loop, never re-entrantly.
    fn on_event(self: Rc<Self>, event: Event);
}

/// A weak reference to a connection, as handlers and timers hold it.
pub(super) type WeakListener = Weak<dyn Listener>;

/// Reports `event` to `listener`, if the connection still exists.
pub(super) fn report(listener: &WeakListener, event: Event) {
    if let Some(listener) = listener.upgrade() {
        listener.on_event(event);
    }
}
