//! The lock around state that a connection's handles share: a `Mutex` natively, where
//! handles move between threads, and a `RefCell` in the browser, where everything runs on
//! the page's one thread and a blocking lock has no place.
//!
//! Nothing may be called while the guard is held that could take it again: natively that
//! would deadlock, in the browser it would panic.

#[cfg(native)]
use std::sync::{Mutex as Inner, MutexGuard as Guard, PoisonError};

#[cfg(web)]
use std::cell::{RefCell as Inner, RefMut as Guard};

/// A value behind the current target's lock.
#[derive(Debug, Default)]
pub(crate) struct Lock<T>(Inner<T>);

impl<T> Lock<T> {
    pub(crate) fn new(value: T) -> Self {
        Self(Inner::new(value))
    }

    /// Exclusive access until the guard is dropped.
    #[cfg(native)]
    pub(crate) fn lock(&self) -> Guard<'_, T> {
        // No code panics while holding the lock; recover the data if one ever did.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Exclusive access until the guard is dropped.
    #[cfg(web)]
    pub(crate) fn lock(&self) -> Guard<'_, T> {
        self.0.borrow_mut()
    }
}

/// Shared ownership of state that the handles share: an `Arc` natively, where handles move
/// between threads, an `Rc` in the browser.
#[cfg(native)]
pub(crate) type Shared<T> = std::sync::Arc<T>;
/// Shared ownership of state that the handles share: an `Arc` natively, where handles move
/// between threads, an `Rc` in the browser.
#[cfg(web)]
pub(crate) type Shared<T> = std::rc::Rc<T>;
