//! What differs between the targets, for the code written once: every `#[cfg]` that the
//! front, `reconnect` and `ui` need is here, and they name no backend.
//!
//! | | natively | in the browser |
//! |---|---|---|
//! | `Conn`, the connection handle | `native::Handle` (an `Arc`) | `web::Handle` (an `Rc`) |
//! | `Lock`, `Shared` | `Mutex`, `Arc` | `RefCell`, `Rc` |
//! | `MaybeSend`, `MaybeSync` | `Send`, `Sync` | nothing |
//! | `now_ms` | `Instant` | `performance.now()` |
//! | `spawn` | on the current tokio runtime | on the page's event loop |
//! | `Sleep` | tokio's timer | `setTimeout` |
//! | `seed` | the standard library's random hash keys | `Math.random()` |
//! | `NetworkBack` | never fires | the `online` event |
//!
//! Layering, with no cycle: `native` or `web` (one of them is compiled) and `clock` use
//! nothing of the crate but the backends' timers (and `Error`); the backends, and what they
//! use (`backend`, `outcome`), reach only them. `Conn`, defined here, names a backend: it is
//! for the front (`Client`, `Sender`) and the reconnecting client, above the backends.

mod clock;
#[cfg(native)]
mod native;
#[cfg(web)]
mod web;

use crate::backend::Backend;
use crate::close_rules::CloseCodeRule;

pub(crate) use self::clock::millis;
#[cfg(all(native, feature = "ui"))]
pub(crate) use self::native::start_bound_client;
#[cfg(native)]
pub(crate) use self::native::{Lock, NetworkBack, Shared, Sleep, now_ms, seed, spawn};
#[cfg(native)]
pub use self::native::{MaybeSend, MaybeSync};
#[cfg(all(web, feature = "ui"))]
pub(crate) use self::web::start_bound_client;
#[cfg(web)]
pub(crate) use self::web::{Lock, NetworkBack, Shared, Sleep, now_ms, seed, spawn};
#[cfg(web)]
pub use self::web::{MaybeSend, MaybeSync};

/// The current target's connection handle.
#[cfg(native)]
pub(crate) type Conn = crate::native::Handle;
/// The current target's connection handle.
#[cfg(web)]
pub(crate) type Conn = crate::web::Handle;

/// The close codes `close` may send on this target.
pub(crate) const CLOSE_CODES: CloseCodeRule = <Conn as Backend>::CLOSE_CODES;
