//! Counters of what is still alive, for leak tests (the `unstable-test-hooks` feature).
//!
//! **Unstable: not covered by semver.** These exist for this workspace's own tests (the
//! browser suite's 500-connection leak check, the hooks' mount and unmount churn); any of
//! them may change or go away in any release, a patch release included. Enable the feature
//! in `[dev-dependencies]` only, never for a build that ships.

/// How many `WebSocket`s of this page still have this crate's handlers (and their
/// closures) attached.
///
/// Every connection attaches four handlers when it is created and removes them (dropping
/// the closures) as soon as it ends: after the closing handshake, a timeout, an error,
/// `close_now`, a failed or timed-out connect, or the background close of a dropped
/// client. Once every connection has ended this is 0.
#[cfg(web)]
pub fn live_sockets() -> usize {
    crate::web::live_sockets()
}

/// How many connection states (each owning its socket, timers and received messages) are
/// still alive on this page, whether ended or not.
///
/// A connection's state lives as long as a handle to it (client, sender, a pending
/// `shutdown`) or the background close of a dropped client; once all are gone this
/// returns to 0. A state that outlives them is a reference cycle.
#[cfg(web)]
pub fn live_connections() -> usize {
    crate::web::live_connections()
}

/// How many clients started by a [`ui::Binding`](crate::ui::Binding) on this thread still
/// run their task (until their connection has closed after the unmount).
#[cfg(feature = "ui")]
#[cfg_attr(docsrs, doc(cfg(feature = "ui")))]
pub fn live_clients() -> usize {
    crate::ui::live_clients()
}
