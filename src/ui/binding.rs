//! [`Binding`]: a client tied to one component, from mount to unmount.

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

use super::{Control, Options, Running};
use crate::reconnect::State;

/// A client tied to one component: its [`Options`], URL and two setters, and the client
/// that runs now, if any. Cheap to clone (all clones are the same binding).
///
/// - [`open`](Self::open) starts the client when none runs: on mount (unless
///   [`manual`](Options::manual)), and again after a `shutdown` or once the policy gave up.
/// - [`control`](Self::control) sends and stops the client that runs.
/// - [`unmount`](Self::unmount) closes it (code 1000, in the background, bounded by the
///   close timeout) and lets go of the setters and options: nothing is called or started
///   afterwards, so a reference cycle through a setter cannot keep anything alive.
pub struct Binding<T> {
    bound: Rc<RefCell<Option<Bound<T>>>>,
}

#[cfg_attr(native, allow(dead_code, reason = "clients start in the browser only"))]
struct Bound<T> {
    url: String,
    options: Options<T>,
    set_state: Rc<dyn Fn(State)>,
    set_message: Rc<dyn Fn(T)>,
    running: Option<Running>,
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
            running: None,
        };
        Self {
            bound: Rc::new(RefCell::new(Some(bound))),
        }
    }

    /// Starts the client unless one runs; nothing after [`unmount`](Self::unmount).
    /// Natively (a server rendering the page) it does nothing: clients start in the
    /// browser only.
    pub fn open(&self) {
        #[cfg(web)]
        {
            // The setters may run at once (an invalid URL) and reach this binding again
            // through the framework: nothing stays borrowed while they run.
            let start = {
                let bound = self.bound.borrow();
                match &*bound {
                    Some(bound) if !bound.running.as_ref().is_some_and(Running::is_running) => {
                        Some((
                            bound.url.clone(),
                            bound.options.clone(),
                            Rc::clone(&bound.set_state),
                            Rc::clone(&bound.set_message),
                        ))
                    }
                    _ => None,
                }
            };
            let Some((url, options, set_state, set_message)) = start else {
                return;
            };
            let running =
                options.start(&url, move |state| set_state(state), move |m| set_message(m));
            let replaced = match &mut *self.bound.borrow_mut() {
                Some(bound) => bound.running.replace(running),
                // Unmounted while starting: the new client closes at once.
                None => Some(running),
            };
            drop(replaced);
        }
    }

    /// What sends and stops the client that runs (empty while none does).
    pub fn control(&self) -> Control {
        match &*self.bound.borrow() {
            Some(Bound {
                running: Some(running),
                ..
            }) => running.control(),
            _ => Control::default(),
        }
    }

    /// The component's unmount: the client closes in the background, and the binding
    /// lets go of everything it holds.
    pub fn unmount(&self) {
        let bound = self.bound.borrow_mut().take();
        drop(bound);
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
                .field("url", &crate::url::for_display(&bound.url))
                .field("running", &bound.running),
            None => debug.field("unmounted", &true),
        };
        debug.finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;
    use crate::Error;

    #[test]
    fn natively_nothing_starts_and_unmount_lets_go_of_the_setters() {
        let calls = Rc::new(Cell::new(0));
        let options = Options::default().manual();
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
        binding.open();
        assert!(matches!(
            binding.control().send(crate::Message::text("x")),
            Err(Error::Closed)
        ));
        assert_eq!(Rc::strong_count(&calls), 2, "the setter is held");
        binding.clone().unmount();
        assert_eq!(Rc::strong_count(&calls), 1, "the setter was let go of");
        binding.unmount();
        binding.open();
        assert_eq!(calls.get(), 0);
        assert!(format!("{binding:?}").contains("unmounted"));
    }
}
