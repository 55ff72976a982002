//! The one error type of both backends.

use std::time::Duration;

/// A boxed cause, carried by [`Error::source`](std::error::Error::source).
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can go wrong, on both targets.
///
/// # Formatting
/// `Display` says what went wrong at this crate's level, in words that say what to fix;
/// the underlying cause (a tungstenite or I/O error natively, the browser's exception in
/// the browser) is available through [`source`](std::error::Error::source). To print the
/// whole chain, walk `source()`.
///
/// ```
/// use wsclient::Error;
///
/// let err = wsclient::CloseCode::try_from(999).unwrap_err();
/// assert!(matches!(err, Error::InvalidCloseCode { code: 999, .. }));
/// assert!(err.to_string().contains("999"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The URL cannot be used for a WebSocket connection.
    #[error("invalid URL `{url}`: {problem}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        problem: String,
    },

    /// The server could not be reached: the host name did not resolve, the connection was
    /// refused, the TLS handshake failed, or the browser reported a failure before `open`.
    #[error("could not connect to `{url}`: {problem}")]
    Connect {
        /// The URL being connected to.
        url: String,
        /// A short description of the failure.
        problem: String,
        /// The underlying error.
        #[source]
        source: Option<BoxError>,
    },

    /// The connection was not established within [`Config::connect_timeout`](crate::Config).
    #[error("connecting to `{url}` took longer than {timeout:?}")]
    ConnectTimeout {
        /// The URL being connected to.
        url: String,
        /// The configured timeout.
        timeout: Duration,
    },

    /// The server answered the upgrade request with an HTTP status instead of switching to
    /// WebSocket (natively only: browsers do not expose the status).
    #[error("the server at `{url}` refused the WebSocket upgrade with HTTP {status}")]
    UpgradeRefused {
        /// The URL being connected to.
        url: String,
        /// The HTTP status code of the answer.
        status: u16,
        /// The body of the answer, if it was UTF-8 and not empty.
        body: Option<String>,
    },

    /// A header given in [`Config::header`](crate::Config::header) is not a valid HTTP header.
    #[error("invalid header `{name}`: {problem}")]
    InvalidHeader {
        /// The header name as given.
        name: String,
        /// What is wrong with it.
        problem: String,
    },

    /// A setting of [`Config`](crate::Config) cannot be honoured on this target (for
    /// example custom headers in the browser). Never ignored silently.
    #[error("unsupported on this target: {0}")]
    Unsupported(&'static str),

    /// This close code may not be sent on this target; nothing was sent.
    #[error("close code {code} may not be sent: {rule}")]
    InvalidCloseCode {
        /// The code as given.
        code: u16,
        /// The rule it breaks.
        rule: &'static str,
    },

    /// The close reason is longer than the protocol allows; nothing was sent.
    #[error("close reason is {len} bytes long; at most 123 bytes of UTF-8 are allowed")]
    CloseReasonTooLong {
        /// The reason's length in bytes.
        len: usize,
    },

    /// Bytes given as text are not valid UTF-8.
    #[error("text message is not valid UTF-8")]
    InvalidUtf8(#[source] std::str::Utf8Error),

    /// The connection is closing or closed: the message was not sent.
    #[error("the connection is closed or closing; nothing more can be sent")]
    Closed,

    /// The peer sent a message larger than [`Config::max_message_size`](crate::Config).
    #[error("the peer sent a message of {size} bytes; the limit is {max} bytes")]
    MessageTooLarge {
        /// The size of the message (or of the part received when the limit was hit).
        size: usize,
        /// The configured limit.
        max: usize,
    },

    /// No pong (or any other frame) arrived within the pong timeout after a ping or
    /// heartbeat: the peer or the path to it is dead. The connection has been closed.
    #[error(
        "the peer did not answer a ping or heartbeat within {0:?}; the connection is presumed dead"
    )]
    PongTimeout(Duration),

    /// Nothing arrived from the peer for [`Config::idle_timeout`](crate::Config). The
    /// connection has been closed.
    #[error("nothing was received for {0:?}; the connection was closed as idle")]
    IdleTimeout(Duration),

    /// The peer broke the WebSocket protocol. The connection has been closed.
    #[error("the peer broke the WebSocket protocol")]
    Protocol(#[source] BoxError),

    /// The connection ended without a closing handshake (reset, end of stream, or an
    /// unclean close reported by the browser).
    #[error("the connection was lost")]
    ConnectionLost(#[source] Option<BoxError>),

    /// The environment cannot run this backend (natively: no tokio runtime).
    #[error("{0}")]
    Environment(&'static str),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_is_send_sync_and_small() {
        fn assert_send_sync<T: Send + Sync + 'static>() {}
        assert_send_sync::<Error>();
        assert!(
            std::mem::size_of::<Error>() <= 88,
            "{}",
            std::mem::size_of::<Error>()
        );
    }

    #[test]
    fn display_names_what_to_fix() {
        let err = Error::InvalidUrl {
            url: "htp://x".into(),
            problem: "the scheme must be ws or wss".into(),
        };
        assert_eq!(
            err.to_string(),
            "invalid URL `htp://x`: the scheme must be ws or wss"
        );
        let err = Error::UpgradeRefused {
            url: "ws://a/".into(),
            status: 403,
            body: None,
        };
        assert!(err.to_string().contains("HTTP 403"));
    }
}
