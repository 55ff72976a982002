//! The page's handle on its connection: the plain client's [`Sender`] or the reconnecting
//! client's [`ReconnectingSender`], which send and close alike.

use std::time::Duration;

use omnisocket::reconnect::ReconnectingSender;
use omnisocket::{CloseFrame, Error, Message, Sender, Shutdown};

/// Sends on, and closes, the current connection.
#[derive(Clone, Debug)]
pub(crate) enum Handle {
    /// One connection, over when it ends.
    Plain(Sender),
    /// A client that reconnects until the page stops it.
    Reconnecting(ReconnectingSender),
}

impl Handle {
    pub(crate) async fn send(&self, message: Message) -> Result<(), Error> {
        match self {
            Self::Plain(sender) => sender.send(message).await,
            Self::Reconnecting(sender) => sender.send(message).await,
        }
    }

    pub(crate) async fn shutdown(&self, timeout: Duration) -> Shutdown {
        match self {
            Self::Plain(sender) => sender.shutdown(timeout).await,
            Self::Reconnecting(sender) => sender.shutdown(timeout).await,
        }
    }

    pub(crate) async fn close(
        &self,
        frame: CloseFrame,
        timeout: Duration,
    ) -> Result<Shutdown, Error> {
        match self {
            Self::Plain(sender) => sender.close(frame, timeout).await,
            Self::Reconnecting(sender) => sender.close(frame, timeout).await,
        }
    }
}
