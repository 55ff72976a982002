//! The page's handle on its connection: whichever sender the client gives, the plain
//! client's `Sender` or the reconnecting client's `ReconnectingSender`, behind the one
//! sender contract, [`WsSender`].
//!
//! The page keeps one handle whatever the behaviour, so it holds it as a trait object:
//! [`WsSender`]'s methods return `impl Future`, which a trait object cannot, so
//! [`DynSender`] boxes them, once, for every [`WsSender`].

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::time::Duration;

use omnisocket::{CloseFrame, Error, Message, Shutdown, WsSender};

/// A boxed future of the page's one thread.
type Boxed<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// [`WsSender`] as a trait object.
pub(crate) trait DynSender {
    fn send(&self, message: Message) -> Boxed<'_, Result<(), Error>>;
    fn shutdown(&self, timeout: Duration) -> Boxed<'_, Shutdown>;
    fn close(&self, frame: CloseFrame, timeout: Duration) -> Boxed<'_, Result<Shutdown, Error>>;
}

impl<S: WsSender> DynSender for S {
    fn send(&self, message: Message) -> Boxed<'_, Result<(), Error>> {
        Box::pin(WsSender::send(self, message))
    }

    fn shutdown(&self, timeout: Duration) -> Boxed<'_, Shutdown> {
        Box::pin(WsSender::shutdown(self, timeout))
    }

    fn close(&self, frame: CloseFrame, timeout: Duration) -> Boxed<'_, Result<Shutdown, Error>> {
        Box::pin(WsSender::close(self, frame, timeout))
    }
}

/// Sends on, and closes, the current connection, whichever sender it has.
pub(crate) type Handle = Rc<dyn DynSender>;
