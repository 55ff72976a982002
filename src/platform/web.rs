//! The platform in the browser: one thread, so handles need not be `Send`, a `RefCell` and
//! an `Rc`; the page's event loop for tasks, `setTimeout` for timers.

use std::cell::{Cell, RefCell, RefMut};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::EventTarget;

use crate::Error;
use crate::web::timer;

/// `Send` natively, nothing in the browser.
///
/// Futures and handles of the native backend are `Send`, so they can move between tokio
/// worker threads; the browser's are not (JavaScript values live on one thread), and need
/// not be. Bounds written with `MaybeSend` hold on both targets.
pub trait MaybeSend {}
impl<T: ?Sized> MaybeSend for T {}

/// `Sync` natively, nothing in the browser: [`MaybeSend`]'s twin, for values shared
/// between threads natively (such as a callback behind an `Arc`).
pub trait MaybeSync {}
impl<T: ?Sized> MaybeSync for T {}

/// A value behind the target's lock: a `RefCell` in the browser, where everything runs on
/// the page's one thread and a blocking lock has no place (a `Mutex` natively).
///
/// Nothing may be called while the guard is held that could take it again: natively that
/// would deadlock, in the browser it would panic.
#[derive(Debug, Default)]
pub(crate) struct Lock<T>(RefCell<T>);

impl<T> Lock<T> {
    pub(crate) fn new(value: T) -> Self {
        Self(RefCell::new(value))
    }

    /// Exclusive access until the guard is dropped.
    pub(crate) fn lock(&self) -> RefMut<'_, T> {
        self.0.borrow_mut()
    }
}

/// Shared ownership of state that handles share: an `Rc` in the browser (an `Arc`
/// natively, where handles move between threads).
pub(crate) type Shared<T> = Rc<T>;

/// Milliseconds since an arbitrary moment of this page, never going back.
pub(crate) fn now_ms() -> u64 {
    // Saturating: a clock reading is never negative or out of range.
    timer::now_ms() as u64
}

/// Runs `task` in the background, on the page's event loop.
///
/// # Errors
/// None in the browser; natively [`Error::Environment`] outside a tokio runtime.
pub(crate) fn spawn(task: impl Future<Output = ()> + MaybeSend + 'static) -> Result<(), Error> {
    wasm_bindgen_futures::spawn_local(task);
    Ok(())
}

/// Starts a client bound to a user interface (the `ui` feature): `start` makes it, and
/// its task (which hands the client's states and messages to the page) runs on the page's
/// event loop.
#[cfg(feature = "ui")]
pub(crate) fn start_bound_client<R, F>(start: impl FnOnce() -> (R, Option<F>)) -> Option<R>
where
    F: Future<Output = ()> + 'static,
{
    let (running, task) = start();
    if let Some(task) = task {
        wasm_bindgen_futures::spawn_local(task);
    }
    Some(running)
}

/// A timer that fires once, `duration` after it was made (at most about 24.8 days, what
/// `setTimeout` honours); dropping it cancels it.
pub(crate) struct Sleep(timer::Sleep);

impl Sleep {
    pub(crate) fn new(duration: Duration) -> Self {
        Self(timer::Sleep::new(timer::delay_ms(duration)))
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        Pin::new(&mut self.0).poll(cx)
    }
}

impl std::fmt::Debug for Sleep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sleep")
    }
}

/// A seed for the backoff's jitter that differs between pages: `Math.random()`, and the
/// clock.
pub(crate) fn seed() -> u64 {
    // 53 random bits of `Math.random()`, the rest from the clock.
    let random = (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64;
    random ^ (now_ms() << 53)
}

/// Fires when the browser says the network is back: the `online` event of the page or
/// worker. Under Node, whose global scope is no event target, it never fires.
pub(crate) struct NetworkBack(Option<Online>);

impl NetworkBack {
    pub(crate) fn new() -> Self {
        Self(Online::new())
    }

    /// Ready once the network came back since this was made.
    pub(crate) fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        match &self.0 {
            Some(online) => online.poll(cx),
            None => Poll::Pending,
        }
    }
}

impl std::fmt::Debug for NetworkBack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NetworkBack")
    }
}

/// An `online` listener on the global scope (`window` or a worker's `self`), removed
/// when dropped.
struct Online {
    target: EventTarget,
    callback: Closure<dyn FnMut()>,
    state: Rc<OnlineState>,
}

#[derive(Default)]
struct OnlineState {
    fired: Cell<bool>,
    waker: Cell<Option<Waker>>,
}

impl Online {
    /// `None` where the global scope is no event target (Node.js): there is no such news
    /// to wait for there.
    fn new() -> Option<Self> {
        let target = js_sys::global().dyn_into::<EventTarget>().ok()?;
        let state = Rc::new(OnlineState::default());
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

    fn poll(&self, cx: &mut Context<'_>) -> Poll<()> {
        if self.state.fired.get() {
            return Poll::Ready(());
        }
        self.state.waker.set(Some(cx.waker().clone()));
        Poll::Pending
    }
}

impl Drop for Online {
    fn drop(&mut self) {
        // Removing a listener never throws; there is nothing to do if it did.
        let _ = self
            .target
            .remove_event_listener_with_callback("online", self.callback.as_ref().unchecked_ref());
    }
}
