//! The one error type of both backends.

use std::fmt::{self, Write as _};
use std::num::NonZeroU16;
use std::time::Duration;

use crate::shutdown::{Abnormal, Shutdown};

/// A cause, as [`Error::source`](std::error::Error::source) returns it.
pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// `Some(expr)` with `$detail` bound to the [`ErrorDetail`] of the variants that carry one,
/// `None` for the others: the one list of those variants, for `detail` and `detail_mut`.
macro_rules! with_detail {
    ($error:expr, $detail:ident => $expr:expr) => {
        match $error {
            Error::InvalidUrl($detail)
            | Error::Connect($detail)
            | Error::InvalidProxy($detail)
            | Error::Proxy($detail)
            | Error::ConnectTimeout($detail)
            | Error::UpgradeRefused($detail)
            | Error::InvalidHeader($detail)
            | Error::Protocol($detail)
            | Error::ConnectionLost($detail)
            | Error::CloseIncomplete($detail) => Some($expr),
            _ => None,
        }
    };
}

/// Everything that can go wrong, on both targets.
///
/// Match on the variant for what happened; read what an error is about through its
/// accessors ([`url`](Self::url), [`status`](Self::status), [`problem`](Self::problem),
/// ...), and its cause through [`source`](std::error::Error::source). The variants that
/// carry more than a few scalars carry an [`ErrorDetail`], which is read only that way.
///
/// # Formatting
/// `Display` says what went wrong at this crate's level, in words that say what to fix;
/// the underlying cause (a tungstenite or I/O error natively, the browser's exception in
/// the browser) is available through [`source`](std::error::Error::source). To print the
/// whole chain, walk `source()`.
///
/// A URL an error carries never shows a password (`ws://user:***@host/`), and a long one
/// is cut after about 200 bytes, with its full length added.
///
/// ```
/// use omnisocket::Error;
///
/// let err = omnisocket::CloseCode::try_from(999).unwrap_err();
/// assert!(matches!(err, Error::InvalidCloseCode { code: 999, .. }));
/// assert!(err.to_string().contains("999"));
/// ```
///
/// ```no_run
/// # async fn run() {
/// use omnisocket::{Client, Config, Error, WsClient};
///
/// match Client::connect("ws://127.0.0.1:9000/", Config::default()).await {
///     Ok(_client) => {}
///     Err(error @ Error::UpgradeRefused(_)) => {
///         println!("refused with HTTP {:?}: {:?}", error.status(), error.body());
///     }
///     Err(error) if error.is_connect() => println!("unreachable: {error}"),
///     Err(error) => println!("{error}"),
/// }
/// # }
/// ```
#[non_exhaustive]
pub enum Error {
    /// The URL cannot be used for a WebSocket connection: [`url`](Self::url) and
    /// [`problem`](Self::problem) say which and why; natively `source()` carries the URL
    /// parser's error when it found the problem.
    InvalidUrl(ErrorDetail),

    /// The server could not be reached: the host name did not resolve, the connection was
    /// refused, the TLS handshake failed, or the browser reported a failure before `open`.
    /// [`url`](Self::url) names the server, [`problem`](Self::problem) the failure, and
    /// `source()` carries the underlying error.
    Connect(ErrorDetail),

    /// The proxy URL, given to [`Config::proxy`](crate::Config::proxy) or found in the
    /// environment, is not one the client can use (see [`Proxy`](crate::Proxy) for the
    /// forms): [`proxy`](Self::proxy) and [`problem`](Self::problem) say which and why
    /// (and which environment variable it comes from, if one). Natively only.
    InvalidProxy(ErrorDetail),

    /// The proxy could not be reached or refused the tunnel to the server. Natively only.
    /// [`proxy`](Self::proxy) names it; [`problem`](Self::problem) says what went wrong
    /// (its answer: the HTTP status, the SOCKS reply; or the step that failed) and which
    /// environment variable named the proxy, if one did; [`status`](Self::status) is the
    /// HTTP status an HTTP proxy refused `CONNECT` with; `source()` carries the
    /// underlying error (I/O, SOCKS, HTTP parsing), when there is one.
    Proxy(ErrorDetail),

    /// The connection was not established within
    /// [`Config::connect_timeout`](crate::Config::connect_timeout):
    /// [`url`](Self::url) and [`timeout`](Self::timeout) say which and how long.
    ConnectTimeout(ErrorDetail),

    /// The server answered the upgrade request with an HTTP status instead of switching to
    /// WebSocket (natively only: browsers do not expose the status): see
    /// [`url`](Self::url), [`status`](Self::status) and [`body`](Self::body).
    UpgradeRefused(ErrorDetail),

    /// A header given to [`Config::header`](crate::Config::header), or a subprotocol given
    /// to [`Config::protocol`](crate::Config::protocol), cannot go into an HTTP header:
    /// [`header_name`](Self::header_name) and [`problem`](Self::problem) say which and
    /// why (never the header's value, which may be a credential).
    InvalidHeader(ErrorDetail),

    /// A setting of [`Config`](crate::Config) (or of a
    /// [`Reconnect`](crate::reconnect::Reconnect) policy) has a value that cannot work (for
    /// example a zero keepalive interval); the setter's documentation says which values are
    /// accepted.
    #[non_exhaustive]
    InvalidConfig {
        /// The setter, with its type: `Config::keepalive`, `Reconnect::backoff`, ...
        setting: &'static str,
        /// What is wrong with its value.
        problem: &'static str,
    },

    /// A setting of [`Config`](crate::Config) cannot be honoured on this target (for
    /// example custom headers in the browser). Never ignored silently.
    Unsupported(&'static str),

    /// This close code may not be sent on this target; nothing was sent.
    #[non_exhaustive]
    InvalidCloseCode {
        /// The code as given.
        code: u16,
        /// The rule it breaks.
        rule: &'static str,
    },

    /// The close reason is longer than the protocol allows; nothing was sent.
    #[non_exhaustive]
    CloseReasonTooLong {
        /// The reason's length in bytes.
        len: usize,
    },

    /// Bytes given as text are not valid UTF-8.
    InvalidUtf8(std::str::Utf8Error),

    /// The connection is closing or closed: the message was not sent.
    Closed,

    /// The peer sent a message larger than
    /// [`Config::max_message_size`](crate::Config::max_message_size).
    #[non_exhaustive]
    MessageTooLarge {
        /// The size of the message (or of the part received when the limit was hit).
        size: usize,
        /// The configured limit.
        max: usize,
    },

    /// No pong (or any other frame) arrived within the keepalive timeout after a ping or
    /// heartbeat: the peer or the path to it is dead. The connection has been closed.
    /// Carries the timeout.
    PongTimeout(Duration),

    /// Nothing arrived from the peer for
    /// [`Config::idle_timeout`](crate::Config::idle_timeout). The connection has been
    /// closed. Carries the timeout.
    IdleTimeout(Duration),

    /// The peer broke the WebSocket protocol (or sent invalid UTF-8 as text). The
    /// connection has been closed; `source()` carries the violation.
    Protocol(ErrorDetail),

    /// The connection ended without a closing handshake (reset, end of stream, or an
    /// unclean close reported by the browser); `source()` carries the cause, when there is
    /// one.
    ConnectionLost(ErrorDetail),

    /// The environment cannot run this backend (natively: no tokio runtime).
    Environment(&'static str),

    /// In the browser, which cannot pause a socket: more arrived than
    /// [`Config::receive_queue`](crate::Config::receive_queue) or
    /// [`receive_queue_bytes`](crate::Config::receive_queue_bytes) allow while nobody called
    /// `recv`. The connection has been closed with code 4013; everything received before
    /// is still returned first.
    ReceiveQueueFull,

    /// `Sink::poll_close` ended without a completed closing handshake: the peer did not
    /// answer in time, or the connection broke. [`outcome`](Self::outcome) says which.
    CloseIncomplete(ErrorDetail),

    /// A [`Reconnecting`](crate::reconnect::Reconnecting) client's send queue
    /// ([`Reconnect::queue`](crate::reconnect::Reconnect::queue)) is full: while no
    /// connection is open, with [`WhenFull::Refuse`](crate::reconnect::WhenFull::Refuse);
    /// at any time for `try_send`, which does not wait. The message was not queued.
    SendQueueFull,
}

/// What an [`Error`] carries beyond its variant: the URL, proxy or header it is about, the
/// problem in words, an HTTP status, the cause, ... Read it through `Error`'s accessors
/// ([`Error::url`], [`Error::status`], ...) and the cause through
/// [`source`](std::error::Error::source); it has no other use.
///
/// One pointer: every queued `Result<Message, Error>` pays for the largest variant, which
/// keeps `Error` small.
pub struct ErrorDetail(Box<Detail>);

struct Detail {
    /// What the error is about, as errors show it: a URL (`crate::redact::for_display`), a
    /// proxy's URL (`crate::proxy::redacted`) or a header's name (never its value); the
    /// variant says which. Empty when none.
    about: String,
    /// What went wrong, in words; empty when this layer has none (the cause then says it).
    problem: String,
    more: More,
    source: Option<BoxError>,
}

/// The rest, which at most one of the variants has. Few fields, each set by one
/// constructor: every constructor is code in the browser's wasm.
enum More {
    None,
    /// An HTTP status: the server's, with its body (`UpgradeRefused`), or an HTTP proxy's
    /// (`Proxy`).
    Status(NonZeroU16, Option<String>),
    Timeout(Duration),
    Outcome(Shutdown),
}

impl ErrorDetail {
    fn new(about: String, problem: String, more: More) -> Self {
        Self(Box::new(Detail {
            about,
            problem,
            more,
            source: None,
        }))
    }

    /// `name { about: .., problem: .., .. }` with the fields that are set, `about` named
    /// `about` (what it is, the variant says).
    fn fmt_fields(&self, f: &mut fmt::Formatter<'_>, name: &str, about: &str) -> fmt::Result {
        let d = &*self.0;
        let mut s = f.debug_struct(name);
        if !d.about.is_empty() {
            s.field(about, &d.about);
        }
        if !d.problem.is_empty() {
            s.field("problem", &d.problem);
        }
        match &d.more {
            More::None => {}
            More::Status(status, body) => {
                s.field("status", status);
                if let Some(body) = body {
                    s.field("body", body);
                }
            }
            More::Timeout(timeout) => {
                s.field("timeout", timeout);
            }
            More::Outcome(outcome) => {
                s.field("outcome", outcome);
            }
        }
        if let Some(source) = &d.source {
            s.field("source", source);
        }
        s.finish()
    }
}

/// The fields that are set.
impl fmt::Debug for ErrorDetail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.fmt_fields(f, "ErrorDetail", "about")
    }
}

/// Reading an error.
impl Error {
    /// The URL the error is about, without its password and shortened when long:
    /// [`InvalidUrl`](Self::InvalidUrl), [`Connect`](Self::Connect),
    /// [`ConnectTimeout`](Self::ConnectTimeout), [`UpgradeRefused`](Self::UpgradeRefused).
    pub fn url(&self) -> Option<&str> {
        match self {
            Self::InvalidUrl(d)
            | Self::Connect(d)
            | Self::ConnectTimeout(d)
            | Self::UpgradeRefused(d) => Some(&d.0.about),
            _ => None,
        }
    }

    /// The proxy's URL, without its password and shortened when long:
    /// [`InvalidProxy`](Self::InvalidProxy), [`Proxy`](Self::Proxy).
    pub fn proxy(&self) -> Option<&str> {
        match self {
            Self::InvalidProxy(d) | Self::Proxy(d) => Some(&d.0.about),
            _ => None,
        }
    }

    /// The name of the header (never its value): [`InvalidHeader`](Self::InvalidHeader).
    pub fn header_name(&self) -> Option<&str> {
        match self {
            Self::InvalidHeader(d) => Some(&d.0.about),
            _ => None,
        }
    }

    /// What went wrong, in words, without the URL, proxy or header it concerns (which
    /// `Display` adds): [`InvalidUrl`](Self::InvalidUrl), [`Connect`](Self::Connect)
    /// (when known), [`InvalidProxy`](Self::InvalidProxy), [`Proxy`](Self::Proxy),
    /// [`InvalidHeader`](Self::InvalidHeader), [`InvalidConfig`](Self::InvalidConfig).
    pub fn problem(&self) -> Option<&str> {
        match self {
            Self::InvalidConfig { problem, .. } => Some(problem),
            _ => Some(self.detail()?.problem.as_str()).filter(|problem| !problem.is_empty()),
        }
    }

    /// The HTTP status: the server's answer to the upgrade for
    /// [`UpgradeRefused`](Self::UpgradeRefused), and an HTTP proxy's answer to `CONNECT`
    /// for [`Proxy`](Self::Proxy) when it refused the tunnel.
    pub fn status(&self) -> Option<u16> {
        match self.detail()?.more {
            More::Status(status, _) => Some(status.get()),
            _ => None,
        }
    }

    /// The body of the server's answer for [`UpgradeRefused`](Self::UpgradeRefused), if
    /// it was UTF-8 and not empty.
    pub fn body(&self) -> Option<&str> {
        match &self.detail()?.more {
            More::Status(_, body) => body.as_deref(),
            _ => None,
        }
    }

    /// The timeout that expired: [`ConnectTimeout`](Self::ConnectTimeout),
    /// [`PongTimeout`](Self::PongTimeout), [`IdleTimeout`](Self::IdleTimeout).
    pub fn timeout(&self) -> Option<Duration> {
        match self {
            Self::PongTimeout(timeout) | Self::IdleTimeout(timeout) => Some(*timeout),
            _ => match self.detail()?.more {
                More::Timeout(timeout) => Some(timeout),
                _ => None,
            },
        }
    }

    /// How the closing handshake ended, for [`CloseIncomplete`](Self::CloseIncomplete):
    /// [`Shutdown::TimedOut`] or [`Shutdown::Abnormal`].
    pub fn outcome(&self) -> Option<&Shutdown> {
        match &self.detail()?.more {
            More::Outcome(outcome) => Some(outcome),
            _ => None,
        }
    }

    /// Whether a timer ran out: [`ConnectTimeout`](Self::ConnectTimeout),
    /// [`PongTimeout`](Self::PongTimeout), [`IdleTimeout`](Self::IdleTimeout), and a
    /// [`CloseIncomplete`](Self::CloseIncomplete) whose peer did not answer in time.
    pub fn is_timeout(&self) -> bool {
        match self {
            Self::ConnectTimeout(_) | Self::PongTimeout(_) | Self::IdleTimeout(_) => true,
            Self::CloseIncomplete(_) => self.outcome() == Some(&Shutdown::TimedOut),
            _ => false,
        }
    }

    /// Whether a connection could not be established although the URL and the settings
    /// were usable: the server or the proxy could not be reached or refused, or it took
    /// too long ([`Connect`](Self::Connect), [`ConnectTimeout`](Self::ConnectTimeout),
    /// [`UpgradeRefused`](Self::UpgradeRefused), [`Proxy`](Self::Proxy)).
    pub fn is_connect(&self) -> bool {
        matches!(
            self,
            Self::Connect(_) | Self::ConnectTimeout(_) | Self::UpgradeRefused(_) | Self::Proxy(_)
        )
    }

    /// The cause's text, for the end a connection's error causes
    /// ([`Abnormal::caused_by`](crate::Abnormal)). Not through `source()`, which would
    /// bring `Utf8Error`'s `Display` and `Debug` into every browser build.
    pub(crate) fn cause_text(&self) -> Option<String> {
        Some(self.detail()?.source.as_ref()?.to_string())
    }

    fn detail(&self) -> Option<&Detail> {
        with_detail!(self, detail => &detail.0)
    }
}

/// Making an error: for implementors of [`WsClient`](crate::WsClient) (a fake client in
/// tests, say), what a connection reports.
impl Error {
    /// [`Error::ConnectionLost`]: the connection ended without a closing handshake, because
    /// of `cause` (a string works too).
    ///
    /// ```
    /// use omnisocket::Error;
    ///
    /// let error = Error::connection_lost("reset by the fake server");
    /// assert!(matches!(error, Error::ConnectionLost(_)));
    /// let cause = std::error::Error::source(&error).map(|cause| cause.to_string());
    /// assert_eq!(cause.as_deref(), Some("reset by the fake server"));
    /// ```
    pub fn connection_lost(cause: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::stream_ended().with_source(cause)
    }

    /// [`Error::Protocol`]: the peer broke the protocol, as `cause` says.
    pub fn protocol(cause: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Protocol(ErrorDetail::new(String::new(), String::new(), More::None))
            .with_source(cause)
    }

    /// [`Error::Connect`]: the server at `url` could not be reached, because of `cause`.
    /// The URL is kept as errors show it: without its password, shortened when long.
    pub fn connect(url: &str, cause: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::connect_failed(url, String::new()).with_source(cause)
    }
}

/// The crate's own constructors: each URL through `crate::redact::for_display`, here.
impl Error {
    pub(crate) fn invalid_url(url: &str, problem: impl Into<String>) -> Self {
        let about = crate::redact::for_display(url);
        Self::InvalidUrl(ErrorDetail::new(about, problem.into(), More::None))
    }

    /// [`Error::Connect`] with the failure in words (the cause is added with
    /// [`with_source`](Self::with_source)).
    pub(crate) fn connect_failed(url: &str, problem: impl Into<String>) -> Self {
        let about = crate::redact::for_display(url);
        Self::Connect(ErrorDetail::new(about, problem.into(), More::None))
    }

    /// `proxy` as `crate::proxy::redacted` shows it.
    #[cfg_attr(
        all(web, not(test)),
        expect(dead_code, reason = "proxies are native only")
    )]
    pub(crate) fn invalid_proxy(proxy: &str, problem: impl Into<String>) -> Self {
        Self::InvalidProxy(ErrorDetail::new(
            proxy.to_owned(),
            problem.into(),
            More::None,
        ))
    }

    /// `proxy` as `crate::proxy::redacted` shows it; `status` is an HTTP proxy's answer.
    #[cfg_attr(
        all(web, not(test)),
        expect(dead_code, reason = "proxies are native only")
    )]
    pub(crate) fn proxy_failed(
        proxy: &str,
        problem: impl Into<String>,
        status: Option<u16>,
    ) -> Self {
        let more = match status.and_then(NonZeroU16::new) {
            Some(status) => More::Status(status, None),
            None => More::None,
        };
        Self::Proxy(ErrorDetail::new(proxy.to_owned(), problem.into(), more))
    }

    pub(crate) fn connect_timeout(url: &str, timeout: Duration) -> Self {
        let about = crate::redact::for_display(url);
        Self::ConnectTimeout(ErrorDetail::new(
            about,
            String::new(),
            More::Timeout(timeout),
        ))
    }

    #[cfg_attr(
        all(web, not(test)),
        expect(dead_code, reason = "browsers do not report the status")
    )]
    pub(crate) fn upgrade_refused(url: &str, status: u16, body: Option<String>) -> Self {
        let more = match NonZeroU16::new(status) {
            Some(status) => More::Status(status, body),
            None => More::None,
        };
        let about = crate::redact::for_display(url);
        Self::UpgradeRefused(ErrorDetail::new(about, String::new(), more))
    }

    pub(crate) fn invalid_header(name: &str, problem: impl Into<String>) -> Self {
        Self::InvalidHeader(ErrorDetail::new(
            name.to_owned(),
            problem.into(),
            More::None,
        ))
    }

    /// [`Error::ConnectionLost`] with nothing to blame: the stream ended without a Close.
    pub(crate) fn stream_ended() -> Self {
        Self::ConnectionLost(ErrorDetail::new(String::new(), String::new(), More::None))
    }

    pub(crate) fn close_incomplete(outcome: Shutdown) -> Self {
        Self::CloseIncomplete(ErrorDetail::new(
            String::new(),
            String::new(),
            More::Outcome(outcome),
        ))
    }

    /// The same error, caused by `source` (for the variants that carry a detail).
    pub(crate) fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        if let Some(detail) = self.detail_mut() {
            detail.source = Some(source.into());
        }
        self
    }

    fn detail_mut(&mut self) -> Option<&mut Detail> {
        with_detail!(self, detail => &mut detail.0)
    }
}

/// As derived, with the detail's fields shown as the variant's own (`Connect { url: ..,
/// problem: .., source: .. }`), those that are set.
impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (name, about, detail) = match self {
            Self::InvalidUrl(d) => ("InvalidUrl", "url", d),
            Self::Connect(d) => ("Connect", "url", d),
            Self::InvalidProxy(d) => ("InvalidProxy", "proxy", d),
            Self::Proxy(d) => ("Proxy", "proxy", d),
            Self::ConnectTimeout(d) => ("ConnectTimeout", "url", d),
            Self::UpgradeRefused(d) => ("UpgradeRefused", "url", d),
            Self::InvalidHeader(d) => ("InvalidHeader", "name", d),
            Self::Protocol(d) => ("Protocol", "", d),
            Self::ConnectionLost(d) => ("ConnectionLost", "", d),
            Self::CloseIncomplete(d) => ("CloseIncomplete", "", d),
            Self::InvalidConfig { setting, problem } => {
                return f
                    .debug_struct("InvalidConfig")
                    .field("setting", setting)
                    .field("problem", problem)
                    .finish();
            }
            Self::Unsupported(what) => return f.debug_tuple("Unsupported").field(what).finish(),
            Self::InvalidCloseCode { code, rule } => {
                return f
                    .debug_struct("InvalidCloseCode")
                    .field("code", code)
                    .field("rule", rule)
                    .finish();
            }
            Self::CloseReasonTooLong { len } => {
                return f
                    .debug_struct("CloseReasonTooLong")
                    .field("len", len)
                    .finish();
            }
            Self::InvalidUtf8(error) => return f.debug_tuple("InvalidUtf8").field(error).finish(),
            Self::Closed => return f.write_str("Closed"),
            Self::MessageTooLarge { size, max } => {
                return f
                    .debug_struct("MessageTooLarge")
                    .field("size", size)
                    .field("max", max)
                    .finish();
            }
            Self::PongTimeout(timeout) => {
                return f.debug_tuple("PongTimeout").field(timeout).finish();
            }
            Self::IdleTimeout(timeout) => {
                return f.debug_tuple("IdleTimeout").field(timeout).finish();
            }
            Self::Environment(what) => return f.debug_tuple("Environment").field(what).finish(),
            Self::ReceiveQueueFull => return f.write_str("ReceiveQueueFull"),
            Self::SendQueueFull => return f.write_str("SendQueueFull"),
        };
        detail.fmt_fields(f, name, about)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidUrl(d) => {
                write!(f, "invalid URL `{}`: {}", d.0.about, d.0.problem)
            }
            Self::Connect(d) => {
                write!(f, "could not connect to `{}`", d.0.about)?;
                if d.0.problem.is_empty() {
                    Ok(())
                } else {
                    write!(f, ": {}", d.0.problem)
                }
            }
            Self::InvalidProxy(d) => {
                write!(f, "invalid proxy `{}`: {}", d.0.about, d.0.problem)
            }
            Self::Proxy(d) => write!(
                f,
                "could not connect through the proxy `{}`: {}",
                d.0.about, d.0.problem
            ),
            Self::ConnectTimeout(d) => {
                write!(f, "connecting to `{}` took longer than ", d.0.about)?;
                match d.0.more {
                    More::Timeout(timeout) => fmt::Display::fmt(&DebugDuration(&timeout), f),
                    _ => Ok(()),
                }
            }
            Self::UpgradeRefused(d) => {
                write!(
                    f,
                    "the server at `{}` refused the WebSocket upgrade with HTTP ",
                    d.0.about
                )?;
                match d.0.more {
                    More::Status(status, _) => write_digits(f, u64::from(status.get())),
                    _ => Ok(()),
                }
            }
            Self::InvalidHeader(d) => {
                write!(f, "invalid header `{}`: {}", d.0.about, d.0.problem)
            }
            Self::InvalidConfig { setting, problem } => {
                write!(f, "invalid setting `{setting}`: {problem}")
            }
            Self::Unsupported(what) => write!(f, "unsupported on this target: {what}"),
            Self::InvalidCloseCode { code, rule } => {
                write!(f, "close code {} may not be sent: {rule}", u32::from(*code))
            }
            Self::CloseReasonTooLong { len } => write!(
                f,
                "close reason is {len} bytes long; at most 123 bytes of UTF-8 are allowed"
            ),
            Self::InvalidUtf8(_) => f.write_str("text message is not valid UTF-8"),
            Self::Closed => {
                f.write_str("the connection is closed or closing; nothing more can be sent")
            }
            Self::MessageTooLarge { size, max } => write!(
                f,
                "the peer sent a message of {size} bytes; the limit is {max} bytes"
            ),
            Self::PongTimeout(timeout) => write!(
                f,
                "the peer did not answer a ping or heartbeat within {}; the connection is \
                 presumed dead",
                DebugDuration(timeout)
            ),
            Self::IdleTimeout(timeout) => write!(
                f,
                "nothing was received for {}; the connection was closed as idle",
                DebugDuration(timeout)
            ),
            Self::Protocol(_) => f.write_str("the peer broke the WebSocket protocol"),
            Self::ConnectionLost(_) => f.write_str("the connection was lost"),
            Self::Environment(what) => f.write_str(what),
            Self::ReceiveQueueFull => f.write_str(
                "received messages were not taken in time: the receive queue overflowed \
                 (Config::receive_queue / receive_queue_bytes); the connection was closed",
            ),
            // Written without the peer's reason (which this outcome never has): `Shutdown`'s
            // `Display` would bring `CloseFrame`'s quoting, about 4 KB of wasm.
            Self::CloseIncomplete(d) => {
                f.write_str("the closing handshake did not complete")?;
                match &d.0.more {
                    More::Outcome(outcome) => {
                        write!(f, ": {}", crate::shutdown::WithoutReason(outcome))
                    }
                    _ => Ok(()),
                }
            }
            Self::SendQueueFull => {
                f.write_str("the send queue is full (Reconnect::queue); the message was not queued")
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::InvalidUtf8(error) => Some(error),
            _ => {
                let source = self.detail()?.source.as_ref()?;
                Some(&**source)
            }
        }
    }
}

// Here rather than beside `Abnormal`, so that `shutdown.rs` needs nothing of `Error`.
impl Abnormal {
    /// The cause of a connection that ended with `error`.
    pub(crate) fn caused_by(error: &Error) -> Self {
        let source = error.cause_text();
        match error {
            Error::MessageTooLarge { .. } => Self::MessageTooLarge,
            Error::PongTimeout(_) => Self::PongTimeout,
            Error::IdleTimeout(_) => Self::IdleTimeout,
            Error::ReceiveQueueFull => Self::ReceiveQueueFull,
            Error::Protocol(_) => Self::protocol(source.unwrap_or_default()),
            Error::ConnectionLost(_) => Self::connection_lost(
                source.unwrap_or_else(|| "the stream ended without a Close frame".into()),
            ),
            other => Self::connection_lost(other.to_string()),
        }
    }
}

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
    fn an_error_and_the_end_it_causes_have_one_name() {
        let second = std::time::Duration::from_secs(1);
        for (error, cause) in [
            (
                Error::protocol("bad opcode"),
                Abnormal::protocol("bad opcode"),
            ),
            (
                Error::connection_lost("reset"),
                Abnormal::connection_lost("reset"),
            ),
            (
                Error::stream_ended(),
                Abnormal::connection_lost("the stream ended without a Close frame"),
            ),
            (Error::PongTimeout(second), Abnormal::PongTimeout),
            (Error::IdleTimeout(second), Abnormal::IdleTimeout),
            (Error::ReceiveQueueFull, Abnormal::ReceiveQueueFull),
            (
                Error::MessageTooLarge { size: 2, max: 1 },
                Abnormal::MessageTooLarge,
            ),
        ] {
            assert_eq!(Abnormal::caused_by(&error), cause, "{error:?}");
        }
        let lost = Abnormal::connection_lost("reset");
        assert_eq!(lost.detail(), Some("reset"));
        assert_eq!(lost.to_string(), "the connection was lost: reset");
        assert_eq!(format!("{lost:?}"), r#"ConnectionLost("reset")"#);
        let broken = Abnormal::protocol("bad opcode");
        assert_eq!(
            broken.to_string(),
            "the peer broke the protocol: bad opcode"
        );
        assert_eq!(Abnormal::Aborted.detail(), None);
    }

    #[test]
    fn error_is_send_sync_and_small() {
        fn assert_send_sync<T: Send + Sync + 'static>() {}
        assert_send_sync::<Error>();
        // The bound beside a message is checked at compile time on every target (in
        // message.rs); these are the figures for 64-bit targets.
        #[cfg(target_pointer_width = "64")]
        {
            use std::mem::size_of;
            assert_eq!(size_of::<Error>(), 40);
            assert_eq!(size_of::<ErrorDetail>(), size_of::<usize>());
        }
    }

    #[test]
    fn display_names_what_to_fix() {
        let err = Error::invalid_url("htp://x", "the scheme must be ws or wss");
        assert_eq!(
            err.to_string(),
            "invalid URL `htp://x`: the scheme must be ws or wss"
        );
        let err = Error::upgrade_refused("ws://a/", 403, None);
        assert!(err.to_string().contains("HTTP 403"), "{err}");
        let err = Error::connect("ws://a/", "refused by the fake");
        assert_eq!(err.to_string(), "could not connect to `ws://a/`");
        let err = Error::connect_failed("ws://a/", "connection refused");
        assert_eq!(
            err.to_string(),
            "could not connect to `ws://a/`: connection refused"
        );
    }

    #[test]
    fn accessors_read_what_each_variant_carries() {
        let err = Error::upgrade_refused("ws://alice:s3cret@a/", 401, Some("who?".into()));
        assert_eq!(err.url(), Some("ws://alice:***@a/"));
        assert_eq!((err.status(), err.body()), (Some(401), Some("who?")));
        assert!(err.is_connect() && !err.is_timeout());
        assert_eq!(
            (err.proxy(), err.problem(), err.timeout()),
            (None, None, None)
        );

        let err = Error::proxy_failed("http://proxy:3128", "refused", Some(407));
        assert_eq!(err.proxy(), Some("http://proxy:3128"));
        assert_eq!((err.status(), err.problem()), (Some(407), Some("refused")));
        assert_eq!(err.url(), None);
        assert!(err.is_connect());
        let err = Error::proxy_failed("socks5://proxy", "refused", None);
        assert_eq!(err.status(), None);

        let second = Duration::from_secs(1);
        let err = Error::connect_timeout("ws://a/", second);
        assert_eq!((err.timeout(), err.url()), (Some(second), Some("ws://a/")));
        assert!(err.is_connect() && err.is_timeout());
        assert_eq!(Error::PongTimeout(second).timeout(), Some(second));
        assert!(Error::IdleTimeout(second).is_timeout());
        assert!(!Error::Closed.is_timeout() && !Error::Closed.is_connect());

        let err = Error::invalid_header("X-Token", "not a valid HTTP header name");
        assert_eq!(err.header_name(), Some("X-Token"));
        assert_eq!(err.problem(), Some("not a valid HTTP header name"));
        assert!(!err.is_connect());

        let err = Error::close_incomplete(Shutdown::TimedOut);
        assert_eq!(err.outcome(), Some(&Shutdown::TimedOut));
        assert!(err.is_timeout());
        assert_eq!(
            err.to_string(),
            "the closing handshake did not complete: the peer did not answer the close in time"
        );

        let err = Error::InvalidConfig {
            setting: "Config::keepalive",
            problem: "no",
        };
        assert_eq!(err.problem(), Some("no"));
    }

    #[test]
    fn the_cause_is_the_source() {
        use std::error::Error as _;
        let err = Error::invalid_url("ws://a/", "bad").with_source("the parser said so");
        assert_eq!(
            err.source().map(ToString::to_string).as_deref(),
            Some("the parser said so")
        );
        assert!(Error::invalid_url("ws://a/", "bad").source().is_none());
        assert!(Error::stream_ended().source().is_none());
        let err = Error::protocol("bad frame");
        assert_eq!(err.to_string(), "the peer broke the WebSocket protocol");
        assert_eq!(
            err.source().map(ToString::to_string).as_deref(),
            Some("bad frame")
        );
        // Debug shows what is set, and only that.
        let shown = format!("{:?}", Error::connection_lost("reset"));
        assert_eq!(shown, r#"ConnectionLost { source: "reset" }"#);
        let shown = format!("{:?}", Error::upgrade_refused("ws://a/", 401, None));
        assert_eq!(shown, r#"UpgradeRefused { url: "ws://a/", status: 401 }"#);
        let shown = format!("{:?}", Error::invalid_header("X", "bad"));
        assert_eq!(shown, r#"InvalidHeader { name: "X", problem: "bad" }"#);
    }
}
