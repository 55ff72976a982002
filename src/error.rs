//! The one error type of both backends.

use std::fmt::Write as _;
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
/// Text fields are boxed (`Box<str>`, and `Box<String>` for URLs: one pointer) so that an
/// `Error`, which every queued `Result<Message, Error>` pays for, stays small. A URL
/// an error carries never shows a password (`ws://user:***@host/`), and a long one is cut
/// after about 200 bytes, with its full length added.
///
/// ```
/// use omnisocket::Error;
///
/// let err = omnisocket::CloseCode::try_from(999).unwrap_err();
/// assert!(matches!(err, Error::InvalidCloseCode { code: 999, .. }));
/// assert!(err.to_string().contains("999"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The URL cannot be used for a WebSocket connection.
    #[error("invalid URL `{url}`: {problem}")]
    InvalidUrl {
        /// The URL as given (without its password, shortened when long).
        url: Box<String>,
        /// What is wrong with it.
        problem: Box<str>,
        /// The URL parser's own error, natively, when it found the problem.
        #[source]
        source: Option<BoxError>,
    },

    /// The server could not be reached: the host name did not resolve, the connection was
    /// refused, the TLS handshake failed, or the browser reported a failure before `open`.
    #[error("could not connect to `{url}`: {problem}")]
    Connect {
        /// The URL being connected to (without its password, shortened when long).
        url: Box<String>,
        /// A short description of the failure.
        problem: Box<str>,
        /// The underlying error.
        #[source]
        source: Option<BoxError>,
    },

    /// The proxy URL, given to [`Config::proxy`](crate::Config::proxy) or found in the
    /// environment, is not one the client can use (see [`Proxy`](crate::Proxy) for the
    /// forms). Natively only.
    #[error("invalid proxy `{proxy}`: {problem}")]
    InvalidProxy {
        /// The proxy's URL as given (without its password, shortened when long).
        proxy: Box<String>,
        /// What is wrong with it, and which environment variable it comes from, if one.
        problem: Box<str>,
    },

    /// The proxy could not be reached or refused the tunnel to the server. Natively only.
    #[error("could not connect through the proxy `{proxy}`: {problem}")]
    Proxy {
        /// The proxy's URL (without its password, shortened when long).
        proxy: Box<String>,
        /// What went wrong: the proxy's answer (its HTTP status, its SOCKS reply), or the
        /// step that failed; and which environment variable named the proxy, if one did.
        problem: Box<str>,
        /// The HTTP status an HTTP proxy answered `CONNECT` with, when it refused
        /// (`NonZeroU16` keeps `Error` within its size on every target).
        status: Option<std::num::NonZeroU16>,
        /// The underlying error (I/O, SOCKS, HTTP parsing), when there is one.
        #[source]
        source: Option<BoxError>,
    },

    /// The connection was not established within [`Config::connect_timeout`](crate::Config).
    #[error("connecting to `{url}` took longer than {}", DebugDuration(.timeout))]
    ConnectTimeout {
        /// The URL being connected to (without its password, shortened when long).
        url: Box<String>,
        /// The configured timeout.
        timeout: Duration,
    },

    /// The server answered the upgrade request with an HTTP status instead of switching to
    /// WebSocket (natively only: browsers do not expose the status).
    #[error("the server at `{url}` refused the WebSocket upgrade with HTTP {status}")]
    UpgradeRefused {
        /// The URL being connected to (without its password, shortened when long).
        url: Box<String>,
        /// The HTTP status code of the answer.
        status: u16,
        /// The body of the answer, if it was UTF-8 and not empty.
        body: Option<Box<str>>,
    },

    /// A header given in [`Config::header`](crate::Config::header) is not a valid HTTP header.
    #[error("invalid header `{name}`: {problem}")]
    InvalidHeader {
        /// The header name as given (never its value, which may be a credential).
        name: Box<str>,
        /// What is wrong with it.
        problem: Box<str>,
    },

    /// A setting of [`Config`](crate::Config) (or of a
    /// [`Reconnect`](crate::reconnect::Reconnect) policy) has a value that cannot work (for
    /// example a zero keepalive interval); the setter's documentation says which values are
    /// accepted.
    #[error("invalid setting `{setting}`: {problem}")]
    InvalidConfig {
        /// The setter, with its type: `Config::keepalive`, `Reconnect::backoff`, ...
        setting: &'static str,
        /// What is wrong with its value.
        problem: &'static str,
    },

    /// A setting of [`Config`](crate::Config) cannot be honoured on this target (for
    /// example custom headers in the browser). Never ignored silently.
    #[error("unsupported on this target: {0}")]
    Unsupported(&'static str),

    /// This close code may not be sent on this target; nothing was sent.
    #[error("close code {} may not be sent: {rule}", u32::from(*.code))]
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
        "the peer did not answer a ping or heartbeat within {}; the connection is presumed dead",
        DebugDuration(.0)
    )]
    PongTimeout(Duration),

    /// Nothing arrived from the peer for [`Config::idle_timeout`](crate::Config). The
    /// connection has been closed.
    #[error("nothing was received for {}; the connection was closed as idle", DebugDuration(.0))]
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

    /// In the browser, which cannot pause a socket: more arrived than
    /// [`Config::receive_queue`](crate::Config::receive_queue) or
    /// [`receive_queue_bytes`](crate::Config::receive_queue_bytes) allow while nobody called
    /// `recv`. The connection has been closed with code 4013; everything received before
    /// is still returned first.
    #[error(
        "received messages were not taken in time: the receive queue overflowed \
         (Config::receive_queue / receive_queue_bytes); the connection was closed"
    )]
    ReceiveQueueFull,

    /// `Sink::poll_close` ended without a completed closing handshake: the peer did not
    /// answer in time, or the connection broke. Carries the outcome.
    // Written without the peer's reason (which this outcome never has): `Shutdown`'s
    // `Display` would bring `CloseFrame`'s quoting, about 4 KB of wasm.
    #[error(
        "the closing handshake did not complete: {}",
        crate::message::WithoutReason(.0)
    )]
    CloseIncomplete(Box<crate::Shutdown>),

    /// A [`Reconnecting`](crate::reconnect::Reconnecting) client has no connection open
    /// and its send queue is full ([`Reconnect::queue`](crate::reconnect::Reconnect::queue)
    /// with [`WhenFull::Refuse`](crate::reconnect::WhenFull::Refuse)); the message was not
    /// queued.
    #[error(
        "not connected and the send queue is full (Reconnect::queue); the message was not queued"
    )]
    SendQueueFull,
}

// Every queued `Result<Message, Error>` pays for the largest variant: at most a word more
// than the message itself, on every target (checked when the crate is built). Natively
// 48 bytes (a `Message` is 40), on wasm32 24 (a `Message` is 20).
const _: () = assert!(
    std::mem::size_of::<Result<crate::Message, Error>>()
        <= std::mem::size_of::<crate::Message>() + std::mem::size_of::<usize>()
);

/// Writes a `Duration` exactly as its `Debug` does without flags (`1.5s`, `100ms`, `0ns`),
/// without pulling core's general `fmt_decimal` (rounding, precision, padding) into wasm.
struct DebugDuration<'a>(&'a Duration);

impl std::fmt::Display for DebugDuration<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (secs, nanos) = (self.0.as_secs(), self.0.subsec_nanos());
        let (whole, mut fraction, mut digit, unit) = if secs > 0 {
            (secs, nanos, 100_000_000, "s")
        } else if nanos >= 1_000_000 {
            (
                u64::from(nanos / 1_000_000),
                nanos % 1_000_000,
                100_000,
                "ms",
            )
        } else if nanos >= 1_000 {
            (u64::from(nanos / 1_000), nanos % 1_000, 100, "µs")
        } else {
            (u64::from(nanos), 0, 1, "ns")
        };
        write_digits(f, whole)?;
        if fraction > 0 {
            f.write_str(".")?;
            // As core's `fmt_decimal`: digits while any are left (`digit` stays non-zero:
            // `fraction < digit * 10` throughout).
            while fraction > 0 && digit > 0 {
                f.write_char(char::from(b'0' + (fraction / digit) as u8))?;
                fraction %= digit;
                digit /= 10;
            }
        }
        f.write_str(unit)
    }
}

/// `n` in decimal, as `Display` without flags writes it: `u64`'s own `Display` would be
/// one more integer formatter in the wasm.
fn write_digits(f: &mut std::fmt::Formatter<'_>, n: u64) -> std::fmt::Result {
    if n >= 10 {
        write_digits(f, n / 10)?;
    }
    f.write_char(char::from(b'0' + (n % 10) as u8))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_their_debug() {
        for d in [
            Duration::ZERO,
            Duration::from_nanos(1),
            Duration::from_nanos(999),
            Duration::from_nanos(1_000),
            Duration::from_nanos(1_500),
            Duration::from_nanos(999_999),
            Duration::from_millis(1),
            Duration::from_micros(1_001),
            Duration::from_nanos(123_456_789),
            Duration::from_secs(1),
            Duration::from_millis(1_500),
            Duration::from_nanos(2_000_000_001),
            Duration::from_secs(10),
            Duration::new(u64::MAX, 999_999_999),
        ] {
            assert_eq!(DebugDuration(&d).to_string(), format!("{d:?}"));
        }
    }

    #[test]
    fn error_is_send_sync_and_small() {
        fn assert_send_sync<T: Send + Sync + 'static>() {}
        assert_send_sync::<Error>();
        // The bounds themselves are checked at compile time on every target (below the
        // enum); these are the figures for 64-bit targets.
        #[cfg(target_pointer_width = "64")]
        {
            use std::mem::size_of;
            assert_eq!(size_of::<Error>(), 48);
            assert_eq!(size_of::<Result<crate::Message, Error>>(), 48);
        }
        // wasm32 (where unit tests do not run; the compile-time check does): 24 and 24.
    }

    #[test]
    fn display_names_what_to_fix() {
        let err = Error::InvalidUrl {
            url: crate::url::for_display("htp://x"),
            problem: "the scheme must be ws or wss".into(),
            source: None,
        };
        assert_eq!(
            err.to_string(),
            "invalid URL `htp://x`: the scheme must be ws or wss"
        );
        let err = Error::UpgradeRefused {
            url: Box::new("ws://a/".into()),
            status: 403,
            body: None,
        };
        assert!(err.to_string().contains("HTTP 403"));
    }
}
