//! What the reconnecting client needs from the target's runtime, and nothing else: a
//! background task, a timer, a random seed, and (in the browser) the news that the network
//! is back. Everything above this module is written once for both targets.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use crate::Error;

/// Runs `task` in the background: on the current tokio runtime natively, on the page's
/// event loop in the browser.
///
/// # Errors
/// [`Error::Environment`] natively outside a tokio runtime.
#[cfg(native)]
pub(super) fn spawn(task: impl Future<Output = ()> + Send + 'static) -> Result<(), Error> {
    let runtime = tokio::runtime::Handle::try_current().map_err(|_| {
        Error::Environment("a reconnecting client needs a tokio runtime to run its task in")
    })?;
    runtime.spawn(task);
    Ok(())
}

/// Runs `task` in the background: on the current tokio runtime natively, on the page's
/// event loop in the browser.
#[cfg(web)]
#[allow(
    clippy::unnecessary_wraps,
    reason = "the same signature as the native one, which can fail"
)]
pub(super) fn spawn(task: impl Future<Output = ()> + 'static) -> Result<(), Error> {
    wasm_bindgen_futures::spawn_local(task);
    Ok(())
}

/// A timer that fires once, `duration` after it was made; dropping it cancels it.
pub(super) struct Sleep {
    #[cfg(native)]
    inner: Pin<Box<tokio::time::Sleep>>,
    #[cfg(web)]
    inner: crate::web::timer::Sleep,
}

impl Sleep {
    pub(super) fn new(duration: Duration) -> Self {
        Self {
            #[cfg(native)]
            inner: Box::pin(tokio::time::sleep_until(crate::native::timer::from_now(
                duration,
            ))),
            #[cfg(web)]
            inner: crate::web::timer::Sleep::new(crate::web::timer::delay_ms(duration)),
        }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        Pin::new(&mut self.inner).poll(cx)
    }
}

impl std::fmt::Debug for Sleep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sleep")
    }
}

/// A seed for the backoff's jitter that differs between processes (natively: the
/// standard library's per-process random hash keys) and pages (`Math.random()`).
#[cfg(native)]
pub(super) fn seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(crate::clock::now_ms());
    hasher.finish()
}

/// A seed for the backoff's jitter that differs between processes (natively: the
/// standard library's per-process random hash keys) and pages (`Math.random()`).
#[cfg(web)]
pub(super) fn seed() -> u64 {
    // 53 random bits of `Math.random()`, the rest from the clock.
    let random = (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64;
    random ^ (crate::clock::now_ms() << 53)
}

/// Fires when the browser says the network is back (the `online` event of the page or
/// worker); natively it never fires, as the OS's network changes are not observed.
pub(super) struct NetworkBack {
    #[cfg(web)]
    inner: Option<online::Listener>,
}

impl NetworkBack {
    pub(super) fn new() -> Self {
        Self {
            #[cfg(web)]
            inner: online::Listener::new(),
        }
    }

    /// Ready once the network came back since this was made.
    pub(super) fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        #[cfg(web)]
        if let Some(listener) = &self.inner {
            return listener.poll(cx);
        }
        let _ = cx;
        Poll::Pending
    }
}

impl std::fmt::Debug for NetworkBack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NetworkBack")
    }
}

#[cfg(web)]
mod online {
    use std::cell::Cell;
    use std::rc::Rc;
    use std::task::{Context, Poll, Waker};

    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    use web_sys::EventTarget;

    /// An `online` listener on the global scope (`window` or a worker's `self`), removed
    /// when dropped.
    pub(super) struct Listener {
        target: EventTarget,
        callback: Closure<dyn FnMut()>,
        state: Rc<State>,
    }

    #[derive(Default)]
    struct State {
        fired: Cell<bool>,
        waker: Cell<Option<Waker>>,
    }

    impl Listener {
        /// `None` where the global scope is no event target (Node.js): there is no such
        /// news to wait for there.
        pub(super) fn new() -> Option<Self> {
            let target = js_sys::global().dyn_into::<EventTarget>().ok()?;
            let state = Rc::new(State::default());
            let fired = Rc::clone(&state);
            let callback = Closure::<dyn FnMut()>::new(move || {
                fired.fired.set(true);
                if let Some(waker) = fired.waker.take() {
                    waker.wake();
                }
            });
            target
                .add_event_listener_with_callback("online", callback.as_ref().unchecked_ref())
                .ok()?;
            Some(Self {
                target,
                callback,
                state,
            })
        }

        pub(super) fn poll(&self, cx: &mut Context<'_>) -> Poll<()> {
            if self.state.fired.get() {
                return Poll::Ready(());
            }
            self.state.waker.set(Some(cx.waker().clone()));
            Poll::Pending
        }
    }

    impl Drop for Listener {
        fn drop(&mut self) {
            // Removing a listener never throws; there is nothing to do if it did.
            let _ = self.target.remove_event_listener_with_callback(
                "online",
                self.callback.as_ref().unchecked_ref(),
            );
        }
    }
}
