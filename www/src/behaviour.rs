//! The server behaviours the page offers: which test-server mode each one uses, and what
//! `shutdown(timeout)` should report with it.

use crate::reconnecting::{BASE, CAP, STABLE_AFTER};

/// How the test server treats the connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Behaviour {
    Echo,
    NeverClose,
    CloseDelay,
    CloseAfterMessages,
    CloseFirst,
    Drop,
    /// Drops every connection after N ms; the page connects with the reconnecting client.
    Reconnect,
}

/// What the peer sends first in [`Behaviour::CloseFirst`].
pub(crate) const PEER_CLOSE_CODE: u16 = 4001;
/// The reason the peer sends in [`Behaviour::CloseFirst`].
pub(crate) const PEER_CLOSE_REASON: &str = "bye";
/// How many messages the peer sends after our Close in [`Behaviour::CloseAfterMessages`].
const AFTER_CLOSE_MESSAGES: u32 = 3;
/// How long the server refuses upgrades after each drop in [`Behaviour::Reconnect`], so
/// that a reconnect meets a refused attempt or two and the backoff shows.
const REFUSE_MS: u32 = 600;

impl Behaviour {
    /// Every behaviour, in the order the page lists them.
    pub(crate) const ALL: [Self; 7] = [
        Self::Echo,
        Self::NeverClose,
        Self::CloseDelay,
        Self::CloseAfterMessages,
        Self::CloseFirst,
        Self::Drop,
        Self::Reconnect,
    ];

    /// The value of its `<option>`: the test server's mode path without the slash (for
    /// [`Behaviour::Reconnect`], which uses `/flaky`, a name of its own).
    pub(crate) fn key(self) -> &'static str {
        match self {
            Self::Echo => "echo",
            Self::NeverClose => "never-close",
            Self::CloseDelay => "close-delay",
            Self::CloseAfterMessages => "close-after-messages",
            Self::CloseFirst => "close-first",
            Self::Drop => "drop",
            Self::Reconnect => "reconnect",
        }
    }

    pub(crate) fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|b| b.key() == key)
    }

    /// The text of its `<option>`.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Self::Echo => "echoes, and answers the Close at once",
            Self::NeverClose => "never answers the Close",
            Self::CloseDelay => "answers the Close after N ms",
            Self::CloseAfterMessages => "sends 3 more messages after our Close",
            Self::CloseFirst => "closes first, with 4001 \"bye\", after N ms",
            Self::Drop => "drops the connection after N ms (no Close)",
            Self::Reconnect => "drops every N ms; the client reconnects",
        }
    }

    /// Whether the N ms parameter applies.
    pub(crate) fn uses_ms(self) -> bool {
        matches!(
            self,
            Self::CloseDelay | Self::CloseFirst | Self::Drop | Self::Reconnect
        )
    }

    /// The value of N the page starts with, or switches to, for this behaviour.
    pub(crate) fn default_ms(self) -> u32 {
        match self {
            Self::Reconnect => 3_000,
            _ => 1_000,
        }
    }

    /// Whether the page connects with the reconnecting client rather than the plain one.
    pub(crate) fn reconnects(self) -> bool {
        self == Self::Reconnect
    }

    /// The mode's path and query on the test server. `scenario` names this connection's
    /// state on the server: only [`Behaviour::Reconnect`] uses it, and needs a new one for
    /// every Connect.
    pub(crate) fn path(self, ms: u32, scenario: &str) -> String {
        match self {
            Self::Echo | Self::NeverClose => format!("/{}", self.key()),
            Self::CloseDelay => format!("/close-delay?ms={ms}"),
            Self::CloseAfterMessages => {
                format!("/close-after-messages?n={AFTER_CLOSE_MESSAGES}&gap_ms=50")
            }
            Self::CloseFirst => format!(
                "/close-first?code={PEER_CLOSE_CODE}&reason={PEER_CLOSE_REASON}&after_ms={ms}"
            ),
            Self::Drop => format!("/drop?after_ms={ms}"),
            Self::Reconnect => {
                format!("/flaky?id={scenario}&drops=1000000&after_ms={ms}&refuse_ms={REFUSE_MS}")
            }
        }
    }

    /// What to expect from `shutdown(timeout)`, in a sentence for the page.
    pub(crate) fn expectation(self, ms: u32, timeout_ms: u32) -> String {
        match self {
            Self::Echo => "Every message comes back. shutdown() resolves as soon as the \
                           server's Close arrives: expect Clean 1000 \"\" within a few ms."
                .to_owned(),
            Self::NeverClose => format!(
                "The server keeps echoing but ignores our Close. shutdown() gives up after \
                 the timeout: expect TimedOut after {timeout_ms} ms."
            ),
            Self::CloseDelay if ms < timeout_ms => format!(
                "The server answers our Close {ms} ms late, within the {timeout_ms} ms \
                 timeout: expect Clean 1000 \"\" after about {ms} ms."
            ),
            Self::CloseDelay => format!(
                "The server would answer after {ms} ms, but the timeout is {timeout_ms} ms: \
                 expect TimedOut after {timeout_ms} ms."
            ),
            Self::CloseAfterMessages => "After our Close the server sends 3 messages, then \
                 answers. Browsers drop messages that arrive after close() (WHATWG spec), so \
                 expect none of them in the log, then Clean 1000 \"\"."
                .to_owned(),
            Self::CloseFirst => format!(
                "{ms} ms after the connection opens the server sends Close {PEER_CLOSE_CODE} \
                 \"{PEER_CLOSE_REASON}\". recv() ends, and shutdown() reports the peer's \
                 frame at once: expect Clean {PEER_CLOSE_CODE} \"{PEER_CLOSE_REASON}\"."
            ),
            Self::Drop => format!(
                "{ms} ms after the connection opens the server closes TCP without a Close \
                 frame. recv() reports the loss: expect Abnormal(..)."
            ),
            Self::Reconnect => format!(
                "The server drops each connection {ms} ms after it opens, then refuses new \
                 ones for {REFUSE_MS} ms. Watch Closed, Retrying with the attempt and its \
                 delay ({} ms doubling up to {} s, jittered; the count starts over after {} s \
                 up), a refused attempt or two, then Open: what you sent meanwhile goes out \
                 then. shutdown() ends it for good, with no attempt after it: expect Clean \
                 1000 \"\" (Abnormal(no connection was open) between connections).",
                BASE.as_millis(),
                CAP.as_secs(),
                STABLE_AFTER.as_secs(),
            ),
        }
    }
}
