//! [`Reconnecting::follow`]: a client run for a user interface, its state and messages
//! handed to callbacks.

use std::future::poll_fn;
use std::pin::Pin;
use std::task::Poll;

use futures_core::Stream;

use super::client::Reconnecting;
use super::state::{State, StateTracker};
use crate::{Message, WsClient};

/// How many events and messages one poll hands out before it lets other tasks run.
const BUDGET: usize = 64;

impl<C: WsClient + 'static> Reconnecting<C> {
    /// Runs the client until it stops, for a user interface: `on_state` is called with its
    /// [`State`] whenever an event sets it, `on_message` with every message, in order.
    /// Resolves once the client has stopped (after `shutdown` or when the policy gave up)
    /// and both were told everything; the client is dropped then.
    ///
    /// The client moves in: take a [`sender`](Self::sender) first to send and stop it. The
    /// events are this call's [`events`](Self::events) (from the start for the first
    /// call). This is what a `ui::Binding` (the `ui` feature; the Leptos and Yew hooks)
    /// spawns when it opens.
    ///
    /// ```no_run
    /// use omnisocket::reconnect::{Reconnect, Reconnecting};
    /// use omnisocket::{Config, Message};
    ///
    /// # async fn run() -> Result<(), omnisocket::Error> {
    /// let ws = Reconnecting::start("ws://127.0.0.1:9000/echo", Config::default(), Reconnect::default())?;
    /// let sender = ws.sender();
    /// sender.try_send(Message::text("hi"))?;
    /// ws.follow(
    ///     |state| println!("{state}"),
    ///     |message| println!("{message:?}"),
    /// )
    /// .await;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn follow(
        mut self,
        mut on_state: impl FnMut(&State),
        mut on_message: impl FnMut(Message),
    ) {
        let mut events = Some(self.events());
        let mut messages_ended = false;
        let mut tracker = StateTracker::default();
        poll_fn(|cx| {
            for _ in 0..BUDGET {
                let mut progress = false;
                if let Some(stream) = events.as_mut() {
                    match Pin::new(stream).poll_next(cx) {
                        Poll::Ready(Some(event)) => {
                            if tracker.update(&event) {
                                on_state(tracker.state());
                            }
                            progress = true;
                        }
                        Poll::Ready(None) => events = None,
                        Poll::Pending => {}
                    }
                }
                if !messages_ended {
                    match Pin::new(&mut self).poll_next(cx) {
                        Poll::Ready(Some(message)) => {
                            on_message(message);
                            progress = true;
                        }
                        Poll::Ready(None) => messages_ended = true,
                        Poll::Pending => {}
                    }
                }
                if events.is_none() && messages_ended {
                    return Poll::Ready(());
                }
                if !progress {
                    return Poll::Pending;
                }
            }
            // More is ready: let other tasks run first.
            cx.waker().wake_by_ref();
            Poll::Pending
        })
        .await;
    }
}
