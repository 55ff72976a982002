//! [`Shutdown`]: how a closing handshake ended, and [`Abnormal`]: why it did not complete.

use std::fmt;

use crate::close::CloseFrame;

/// How a closing handshake ended: what [`shutdown`](crate::WsClient::shutdown) and
/// [`close`](crate::WsClient::close) resolve to.
///
/// More ways may be told apart in later versions: a `match` needs a `_` arm.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Shutdown {
    /// The handshake completed. Carries the peer's code and reason (1005 "no status" if its
    /// Close carried none). Also the answer when the peer closed first.
    Clean(CloseFrame),
    /// The peer did not answer before the timeout. Natively the TCP connection is then
    /// closed; in the browser the socket is abandoned (see the crate docs).
    TimedOut,
    /// The connection ended without a completed handshake (status 1006): the transport
    /// failed, the connection was aborted with `close_now` or failed by a check, or it was
    /// already dead. Carries the cause, which a program can match on.
    Abnormal(Abnormal),
}

/// Why a connection ended without a completed closing handshake: what
/// [`Shutdown::Abnormal`] carries.
///
/// The causes an [`Error`](crate::Error) also reports have the same name there
/// (`ConnectionLost`, `Protocol`, `MessageTooLarge`, `PongTimeout`, `IdleTimeout`,
/// `ReceiveQueueFull`): the error `recv` returned, and the cause of the end.
///
/// ```
/// use omnisocket::{Abnormal, Shutdown};
///
/// fn should_retry(outcome: &Shutdown) -> bool {
///     matches!(
///         outcome,
///         Shutdown::TimedOut
///             | Shutdown::Abnormal(Abnormal::ConnectionLost(_) | Abnormal::PongTimeout)
///     )
/// }
/// assert!(should_retry(&Shutdown::Abnormal(Abnormal::PongTimeout)));
/// assert!(should_retry(&Shutdown::Abnormal(Abnormal::connection_lost("reset"))));
/// assert!(!should_retry(&Shutdown::Abnormal(Abnormal::Aborted)));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Abnormal {
    /// [`close_now`](crate::WsClient::close_now) ended the connection without a handshake.
    Aborted,
    /// The transport ended without a Close frame: end of stream, a reset, a failed write,
    /// or an unclean close reported by the browser. [`detail`](Self::detail) says what was
    /// seen.
    ConnectionLost(AbnormalDetail),
    /// The peer broke the WebSocket protocol (or sent invalid UTF-8 as text): the
    /// connection was failed with close code 1002 or 1007. [`detail`](Self::detail) says
    /// how.
    Protocol(AbnormalDetail),
    /// The peer sent a message over
    /// [`Config::max_message_size`](crate::Config::max_message_size): the connection was
    /// failed with close code 1009 (4009 in the browser).
    MessageTooLarge,
    /// Nothing answered a ping or heartbeat within the
    /// [`keepalive`](crate::Config::keepalive) timeout.
    PongTimeout,
    /// Nothing arrived for [`Config::idle_timeout`](crate::Config::idle_timeout).
    IdleTimeout,
    /// In the browser, which cannot pause a socket: the page did not take received
    /// messages in time and the receive queue overflowed its bounds (close code 4013).
    ReceiveQueueFull,
    /// Natively: the connection's task was stopped with its runtime before the connection
    /// ended.
    RuntimeStopped,
    /// A [`Reconnecting`](crate::reconnect::Reconnecting) client had no connection open
    /// when it stopped (it was waiting to reconnect, or gave up).
    NotConnected,
}

/// What an [`Abnormal::ConnectionLost`] or [`Abnormal::Protocol`] says it saw, in words;
/// read it with [`Abnormal::detail`].
#[derive(Clone, PartialEq, Eq)]
pub struct AbnormalDetail(String);

/// The text alone, as the variant's own payload would show.
impl fmt::Debug for AbnormalDetail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl Abnormal {
    /// [`Abnormal::ConnectionLost`], with what was seen: for implementors of
    /// [`WsClient`](crate::WsClient), whose `shutdown` reports it.
    pub fn connection_lost(detail: impl Into<String>) -> Self {
        Self::ConnectionLost(AbnormalDetail(detail.into()))
    }

    /// [`Abnormal::Protocol`], with the violation: for implementors of
    /// [`WsClient`](crate::WsClient).
    pub fn protocol(detail: impl Into<String>) -> Self {
        Self::Protocol(AbnormalDetail(detail.into()))
    }

    /// What was seen, in words, for [`ConnectionLost`](Self::ConnectionLost) and
    /// [`Protocol`](Self::Protocol): the text of the error that ended the connection.
    pub fn detail(&self) -> Option<&str> {
        match self {
            Self::ConnectionLost(detail) | Self::Protocol(detail) => Some(&detail.0),
            _ => None,
        }
    }
}

impl fmt::Display for Abnormal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Aborted => f.write_str("closed locally without a handshake (close_now)"),
            Self::ConnectionLost(what) => write!(f, "the connection was lost: {}", what.0),
            Self::Protocol(what) => write!(f, "the peer broke the protocol: {}", what.0),
            Self::MessageTooLarge => f.write_str("the peer sent a message over the size limit"),
            Self::PongTimeout => f.write_str("the peer did not answer a ping or heartbeat"),
            Self::IdleTimeout => f.write_str("nothing was received for the idle timeout"),
            Self::ReceiveQueueFull => {
                f.write_str("received messages were not taken in time (receive queue full)")
            }
            Self::RuntimeStopped => f.write_str("the connection's runtime stopped"),
            Self::NotConnected => f.write_str("no connection was open"),
        }
    }
}

impl Shutdown {
    /// `true` for [`Shutdown::Clean`].
    pub fn is_clean(&self) -> bool {
        matches!(self, Self::Clean(_))
    }

    /// The peer's close frame, for a clean shutdown.
    pub fn peer_frame(&self) -> Option<&CloseFrame> {
        match self {
            Self::Clean(frame) => Some(frame),
            Self::TimedOut | Self::Abnormal(_) => None,
        }
    }

    /// The cause, for [`Shutdown::Abnormal`].
    pub fn abnormal(&self) -> Option<&Abnormal> {
        match self {
            Self::Abnormal(cause) => Some(cause),
            Self::Clean(_) | Self::TimedOut => None,
        }
    }
}

impl fmt::Display for Shutdown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Clean(frame) => write!(f, "closed cleanly by the peer with {frame}"),
            Self::TimedOut => f.write_str("the peer did not answer the close in time"),
            Self::Abnormal(cause) => write!(f, "closed abnormally: {cause}"),
        }
    }
}

/// `Shutdown`'s `Display` without a clean close's reason, for the `websocket closed` event
/// (which carries the reason as a field of its own) and `Error::CloseIncomplete` (whose
/// outcome has none). Written out: calling `Shutdown`'s `Display` would keep
/// `CloseFrame`'s, and its quoting (about 4 KB of wasm), reachable.
pub(crate) struct WithoutReason<'a>(pub(crate) &'a Shutdown);

impl fmt::Display for WithoutReason<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Shutdown::Clean(frame) => write!(f, "closed cleanly by the peer with {}", frame.code),
            Shutdown::TimedOut => f.write_str("the peer did not answer the close in time"),
            Shutdown::Abnormal(cause) => write!(f, "closed abnormally: {cause}"),
        }
    }
}
