//! [`Binding`]: a client tied to one component, from mount to unmount.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::future::Future;
use std::rc::Rc;
use std::time::Duration;

use super::options::Options;
use crate::reconnect::{ReconnectingSender, State};
use crate::{Abnormal, Error, Message, Shutdown};

impl<T> Options<T> {
    /// Ties these options to a component's two setters, called with each [`State`] and
    /// with each message read as `T` (after [`on_message`](Self::on_message)); see
    /// [`Binding`]. Starts nothing.
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

/// A client tied to one component: its [`Options`], URL and two setters, and the client
/// started last, if any. Cheap to clone (all clones are the same binding); made by
/// [`Options::bind`].
///
/// - [`mount`](Self::mount) and [`open`](Self::open) start the client when none runs: on
///   mount (unless [`manual`](Options::manual)), on a "Connect" button, and again after a
///   [`shutdown`](Self::shutdown) or once the policy gave up.
/// - [`try_send`](Self::try_send), [`shutdown`](Self::shutdown),
///   [`reconnect_now`](Self::reconnect_now) and [`sender`](Self::sender) reach the client
///   started last; while there is none, `try_send` fails with [`Error::Closed`] and
///   `shutdown` resolves at once.
/// - [`unmount`](Self::unmount) closes it (code 1000, in the background, bounded by
///   [`Config::close_timeout`](crate::Config::close_timeout)) and lets go of the setters
///   and options: nothing is called or started afterwards, so a reference cycle through a
///   setter cannot keep anything alive. The client's task ends with its connection.
///
/// In the browser only: natively (a server rendering the page) no client starts, and the
/// binding stays as it was bound.
pub struct Binding<T> {
    bound: Rc<RefCell<Option<Bound<T>>>>,
}

struct Bound<T> {
    url: String,
    options: Options<T>,
    set_state: Rc<dyn Fn(State)>,
    set_message: Rc<dyn Fn(T)>,
    /// The client started last, running or stopped.
    client: Option<Running>,
}

impl<T: 'static> Binding<T> {
    pub(super) fn new(
        url: &str,
        options: Options<T>,
        set_state: Rc<dyn Fn(State)>,
        set_message: Rc<dyn Fn(T)>,
    ) -> Self {
        let bound = Bound {
            url: url.to_owned(),
            options,
            set_state,
            set_message,
            client: None,
        };
        Self {
            bound: Rc::new(RefCell::new(Some(bound))),
        }
    }

    /// The component's mount (in an effect, which runs in the browser only): opens, unless
    /// the options are [`manual`](Options::manual).
    pub fn mount(&self) {
        let manual = self
            .bound
            .borrow()
            .as_ref()
            .is_none_or(|bound| bound.options.manual);
        if !manual {
            self.open();
        }
    }

    /// Starts a client unless one runs: a "Connect" button, or again after
    /// [`shutdown`](Self::shutdown) or once the policy gave up. An invalid URL or setting
    /// is a closed state with the error, at once. Nothing after [`unmount`](Self::unmount),
    /// and natively nothing at all.
    pub fn open(&self) {
        // The setters may run at once (an invalid URL) and reach this binding again
        // through the framework: nothing stays borrowed while they run.
        let bound_parts = {
            let bound = self.bound.borrow();
            match &*bound {
                Some(bound) if !bound.client.as_ref().is_some_and(Running::is_running) => Some((
                    bound.url.clone(),
                    bound.options.clone(),
                    Rc::clone(&bound.set_state),
                    Rc::clone(&bound.set_message),
                )),
                _ => None,
            }
        };
        let Some((url, options, set_state, set_message)) = bound_parts else {
            return;
        };
        let started =
            crate::platform::start_bound_client(|| start(&url, options, set_state, set_message));
        let Some(running) = started else {
            return;
        };
        let replaced = match &mut *self.bound.borrow_mut() {
            Some(bound) => bound.client.replace(running),
            // Unmounted while starting: the new client closes at once.
            None => Some(running),
        };
        drop(replaced);
    }
}

impl<T> Binding<T> {
    /// Sends a message without waiting (for event handlers): on the open connection, or
    /// queued for the next one; see [`ReconnectingSender::try_send`].
    ///
    /// # Errors
    /// [`Error::SendQueueFull`] when the queue is full; [`Error::Closed`] once the client
    /// stopped, and while there is none (before mount, on the server, after unmount).
    pub fn try_send(&self, message: Message) -> Result<(), Error> {
        match self.sender() {
            Some(sender) => sender.try_send(message),
            None => Err(Error::Closed),
        }
    }

    /// Stops reconnecting and closes with code 1000, waiting at most `timeout` for the
    /// server's answer; the state setter then hears the outcome. At once
    /// [`Abnormal::NotConnected`] while there is no client. The future owns what it needs:
    /// spawn it from an event handler.
    pub fn shutdown(&self, timeout: Duration) -> impl Future<Output = Shutdown> + use<T> {
        let sender = self.sender();
        async move {
            match sender {
                Some(sender) => sender.shutdown(timeout).await,
                None => Shutdown::Abnormal(Abnormal::NotConnected),
            }
        }
    }

    /// Cuts the wait before the next attempt short (a "retry now" button).
    pub fn reconnect_now(&self) {
        if let Some(sender) = self.sender() {
            sender.reconnect_now();
        }
    }

    /// The sender of the client started last, while there is one: to send and wait for
    /// room (`send(..).await`), or to close with a code of one's own.
    pub fn sender(&self) -> Option<ReconnectingSender> {
        let bound = self.bound.borrow();
        bound.as_ref()?.client.as_ref()?.sender.clone()
    }

    /// The component's unmount: the client closes in the background, and the binding
    /// lets go of everything it holds. Every clone is unmounted.
    pub fn unmount(&self) {
        let bound = self.bound.borrow_mut().take();
        drop(bound);
    }
}

impl<T> Default for Binding<T> {
    /// A binding to nothing, as after [`unmount`](Self::unmount): a placeholder for a
    /// framework whose storage of the real one can be gone (a disposed reactive owner).
    fn default() -> Self {
        Self {
            bound: Rc::new(RefCell::new(None)),
        }
    }
}

impl<T> Clone for Binding<T> {
    fn clone(&self) -> Self {
        Self {
            bound: Rc::clone(&self.bound),
        }
    }
}

impl<T> fmt::Debug for Binding<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bound = self.bound.borrow();
        let mut debug = f.debug_struct("Binding");
        match &*bound {
            Some(bound) => debug
                .field("url", &crate::redact::for_display(&bound.url))
                .field("client", &bound.client),
            None => debug.field("unmounted", &true),
        };
        debug.finish_non_exhaustive()
    }
}

/// A started client. Dropping it is the unmount (or the next `open`): the setters are not
/// called again, and the client stops reconnecting and closes with code 1000 in the
/// background, waiting at most the close timeout for the server; its task ends then.
struct Running {
    /// `None` when the client could not start.
    sender: Option<ReconnectingSender>,
    /// Whether the setters may still be called.
    mounted: Rc<Cell<bool>>,
    close_timeout: Duration,
}

impl Running {
    /// `true` while the client runs: it started, and has neither been shut down nor given up.
    fn is_running(&self) -> bool {
        self.sender
            .as_ref()
            .is_some_and(|sender| !sender.is_closed())
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.mounted.set(false);
        if let Some(sender) = self.sender.take() {
            let timeout = self.close_timeout;
            // The sender's own close ends the client's task; nothing waits for this one.
            let _ = crate::platform::spawn(async move {
                sender.shutdown(timeout).await;
            });
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

/// Starts a [`Reconnecting`](crate::reconnect::Reconnecting) client to `url` in the
/// background, handing its states and messages (read as `T`) to the setters until the
/// returned [`Running`] is dropped; also the task that does it, for the platform to run.
fn start<T: 'static>(
    url: &str,
    options: Options<T>,
    set_state: Rc<dyn Fn(State)>,
    set_message: Rc<dyn Fn(T)>,
) -> (Running, Option<impl Future<Output = ()> + 'static>) {
    use std::sync::Arc;

    use crate::reconnect::{Reconnect, Reconnecting};

    let Options {
        config,
        reconnect,
        decode,
        on_message,
        on_decode_error,
        manual: _,
    } = options;
    let close_timeout = config.get_close_timeout();
    let mounted = Rc::new(Cell::new(true));
    let show_state = {
        let mounted = Rc::clone(&mounted);
        move |state: &State| {
            if mounted.get() {
                set_state(state.clone());
            }
        }
    };
    let policy = reconnect.unwrap_or_else(|| Reconnect::default().give_up_when(|_| true));
    let client = match Reconnecting::start(url, config, policy) {
        Ok(client) => client,
        Err(error) => {
            show_state(&State::Closed(Err(Arc::new(error))));
            let running = Running {
                sender: None,
                mounted,
                close_timeout,
            };
            return (running, None);
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
    let task = async move {
        client.follow(show_state, show_message).await;
        drop(live);
    };
    let running = Running {
        sender: Some(sender),
        mounted,
        close_timeout,
    };
    (running, Some(task))
}

thread_local! {
    static LIVE: Cell<usize> = const { Cell::new(0) };
}

/// Counts the bound clients whose task still runs, for the leak tests
/// ([`test_hooks::live_clients`](crate::test_hooks::live_clients)).
struct Live;

impl Live {
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

/// How many clients started by a [`Binding`] on this thread still run their task.
#[cfg(feature = "unstable-test-hooks")]
pub(crate) fn live_clients() -> usize {
    LIVE.with(Cell::get)
}

#[cfg(test)]
mod tests {
    use futures_util::FutureExt;

    use super::*;

    #[test]
    fn natively_nothing_starts_and_unmount_lets_go_of_the_setters() {
        let calls = Rc::new(Cell::new(0));
        let options = Options::default().manual(true);
        assert!(matches!(options.initial_state(), State::Idle));
        assert!(matches!(
            Options::default().initial_state(),
            State::Connecting { attempt: 1 }
        ));
        let binding = options.bind(
            "ws://127.0.0.1:9/",
            {
                let calls = Rc::clone(&calls);
                move |_| calls.set(calls.get() + 1)
            },
            |_| {},
        );
        binding.mount();
        binding.open();
        assert!(matches!(
            binding.try_send(Message::text("x")),
            Err(Error::Closed)
        ));
        assert!(binding.sender().is_none());
        assert_eq!(Rc::strong_count(&calls), 2, "the setter is held");
        binding.clone().unmount();
        assert_eq!(Rc::strong_count(&calls), 1, "the setter was let go of");
        binding.unmount();
        binding.open();
        assert_eq!(calls.get(), 0);
        assert!(format!("{binding:?}").contains("unmounted"));
    }

    #[test]
    fn a_default_binding_is_unmounted_and_shuts_down_at_once() {
        let binding = Binding::<Message>::default();
        binding.mount();
        binding.reconnect_now();
        assert!(matches!(
            binding.try_send(Message::text("x")),
            Err(Error::Closed)
        ));
        let outcome = binding.shutdown(Duration::from_secs(1)).now_or_never();
        assert_eq!(outcome, Some(Shutdown::Abnormal(Abnormal::NotConnected)));
        assert!(format!("{binding:?}").contains("unmounted"));
    }
}
