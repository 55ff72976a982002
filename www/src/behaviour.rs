//! The server behaviours the page offers: which test-server mode each one uses, and what
//! `shutdown(timeout)` should report with it.

/// How the test server treats the connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Behaviour {
    Echo,
    NeverClose,
    CloseDelay,
    CloseAfterMessages,
    CloseFirst,
    Drop,
}

/// What the peer sends first in [`Behaviour::CloseFirst`].
pub(crate) const PEER_CLOSE_CODE: u16 = 4001;
/// The reason the peer sends in [`Behaviour::CloseFirst`].
pub(crate) const PEER_CLOSE_REASON: &str = "bye";
/// How many messages the peer sends after our Close in [`Behaviour::CloseAfterMessages`].
const AFTER_CLOSE_MESSAGES: u32 = 3;

impl Behaviour {
    /// Every behaviour, in the order the page lists them.
    pub(crate) const ALL: [Self; 6] = [
        Self::Echo,
        Self::NeverClose,
        Self::CloseDelay,
        Self::CloseAfterMessages,
        Self::CloseFirst,
        Self::Drop,
    ];

    /// The value of its `<option>`: the test server's mode path without the slash.
    pub(crate) fn key(self) -> &'static str {
        match self {
            Self::Echo => "echo",
            Self::NeverClose => "never-close",
            Self::CloseDelay => "close-delay",
            Self::CloseAfterMessages => "close-after-messages",
            Self::CloseFirst => "close-first",
            Self::Drop => "drop",
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
        }
    }

    /// Whether the N ms parameter applies.
    pub(crate) fn uses_ms(self) -> bool {
        matches!(self, Self::CloseDelay | Self::CloseFirst | Self::Drop)
    }

    /// The mode's path and query on the test server.
    pub(crate) fn path(self, ms: u32) -> String {
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
        }
    }
}
