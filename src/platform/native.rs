//! The platform natively: threads, so `Send` handles, a `Mutex` and an `Arc`; tokio for
//! tasks and timers.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use super::clock::millis;
use crate::Error;

/// `Send` natively, nothing in the browser.
///
/// Futures and handles of the native backend are `Send`, so they can move between tokio
/// worker threads; the browser's are not (JavaScript values live on one thread), and need
/// not be. Bounds written with `MaybeSend` hold on both targets.
pub trait MaybeSend: Send {}
impl<T: Send + ?Sized> MaybeSend for T {}

/// `Sync` natively, nothing in the browser: [`MaybeSend`]'s twin, for values shared
/// between threads natively (such as a callback behind an `Arc`).
pub trait MaybeSync: Sync {}
impl<T: Sync + ?Sized> MaybeSync for T {}

/// A value behind the target's lock: a `Mutex` natively, where handles move between
/// threads (a `RefCell` in the browser).
///
/// Nothing may be called while the guard is held that could take it again: natively that
/// would deadlock, in the browser it would panic.
#[derive(Debug, Default)]
pub(crate) struct Lock<T>(Mutex<T>);

impl<T> Lock<T> {
    pub(crate) fn new(value: T) -> Self {
        Self(Mutex::new(value))
    }

    /// Exclusive access until the guard is dropped.
    pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
        // No code panics while holding the lock; recover the data if one ever did.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Shared ownership of state that handles share: an `Arc` natively, where handles move
/// between threads (an `Rc` in the browser).
pub(crate) type Shared<T> = std::sync::Arc<T>;

/// Milliseconds since an arbitrary moment of this process, never going back.
pub(crate) fn now_ms() -> u64 {
    static START: OnceLock<Instant> = OnceLock::new();
    millis(START.get_or_init(Instant::now).elapsed())
}

/// Runs `task` in the background, on the current tokio runtime.
///
/// # Errors
/// [`Error::Environment`] outside a tokio runtime.
pub(crate) fn spawn(task: impl Future<Output = ()> + MaybeSend + 'static) -> Result<(), Error> {
    let runtime = tokio::runtime::Handle::try_current().map_err(|_| {
        Error::Environment("a reconnecting client needs a tokio runtime to run its task in")
    })?;
    runtime.spawn(task);
    Ok(())
}

/// Starts a client bound to a user interface (the `ui` feature): natively, never. There
/// the hooks' components render on a server, which must not connect, and the bound
/// client's callbacks are not `Send`; `start` is not called, and the binding stays as it
/// was bound.
#[cfg(feature = "ui")]
pub(crate) fn start_bound_client<R, F>(_start: impl FnOnce() -> (R, Option<F>)) -> Option<R>
where
    F: Future<Output = ()> + 'static,
{
    None
}

/// A timer that fires once, `duration` after it was made; dropping it cancels it. A
/// duration too large for the clock (up to `Duration::MAX`) means decades.
#[derive(Debug)]
pub(crate) struct Sleep(Pin<Box<tokio::time::Sleep>>);

impl Sleep {
    pub(crate) fn new(duration: Duration) -> Self {
        Self(Box::pin(tokio::time::sleep_until(
            crate::native::timer::from_now(duration),
        )))
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.0.as_mut().poll(cx)
    }
}

/// A seed for the backoff's jitter that differs between processes: the standard
/// library's per-process random hash keys, and the clock.
pub(crate) fn seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(now_ms());
    hasher.finish()
}

/// The news that the network is back, which natively never comes: the operating system's
/// network changes are not observed.
#[derive(Debug)]
pub(crate) struct NetworkBack;

impl NetworkBack {
    pub(crate) fn new() -> Self {
        Self
    }

    /// Ready once the network came back since this was made: never, natively.
    pub(crate) fn poll(&mut self, _cx: &mut Context<'_>) -> Poll<()> {
        Poll::Pending
    }
}
