//! [`Running`], a started client, and [`Control`], what a component's handle sends and
//! stops it through.

use std::cell::Cell;
use std::fmt;
use std::future::Future;
use std::rc::Rc;
use std::time::Duration;

use crate::reconnect::ReconnectingSender;
use crate::{Error, Message, Shutdown};

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
    #[cfg_attr(native, allow(dead_code, reason = "clients start in the browser only"))]
    pub(super) fn new(
        sender: Option<ReconnectingSender>,
        mounted: Rc<Cell<bool>>,
        close_timeout: Duration,
    ) -> Self {
        Self {
            sender,
            mounted,
            close_timeout,
        }
    }

    /// `true` while the client runs: it started, and has neither been shut down nor given up.
    pub fn is_running(&self) -> bool {
        self.sender
            .as_ref()
            .is_some_and(|sender| !sender.is_closed())
    }

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
pub(super) struct Live;

impl Live {
    #[cfg_attr(native, allow(dead_code, reason = "clients start in the browser only"))]
    pub(super) fn new() -> Self {
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
