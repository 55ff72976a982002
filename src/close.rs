//! Close codes and close frames, as the peer reports them and as the client sends them.
//! What may be sent, and the errors for the rest, are in `close_rules.rs`.

use std::fmt;

/// A close status code (RFC 6455, section 7.4).
///
/// Any code from 1000 to 4999 can be represented, because that is what a peer may report;
/// which codes may be *sent* depends on the target:
///
/// - Natively (RFC 6455): 1000–1003, 1007–1014 and 3000–4999. 1004, 1005, 1006 and 1015
///   are reserved for reporting and never sent; 1016–2999 are reserved for future use.
/// - In the browser: 1000 and 3000–4999 only, as `WebSocket.close()` allows no others.
///
/// [`close`](crate::WsClient::close) checks the rule of its target and returns
/// [`Error::InvalidCloseCode`](crate::Error::InvalidCloseCode) for a code it may not send; nothing is sent then.
///
/// ```
/// use omnisocket::CloseCode;
///
/// assert_eq!(CloseCode::NORMAL.as_u16(), 1000);
/// assert_eq!(CloseCode::try_from(4001).map(CloseCode::as_u16).ok(), Some(4001));
/// assert!(CloseCode::try_from(999).is_err());
/// assert!(!CloseCode::NO_STATUS.is_sendable());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CloseCode(pub(crate) u16);

impl CloseCode {
    /// 1000: the purpose of the connection has been fulfilled.
    pub const NORMAL: Self = Self(1000);
    /// 1001: the endpoint is going away (server shutdown, page navigation).
    pub const GOING_AWAY: Self = Self(1001);
    /// 1002: protocol error.
    pub const PROTOCOL_ERROR: Self = Self(1002);
    /// 1003: a data type the endpoint cannot accept.
    pub const UNSUPPORTED_DATA: Self = Self(1003);
    /// 1005: reported when a Close frame carried no status code. Never sent.
    pub const NO_STATUS: Self = Self(1005);
    /// 1006: reported when the connection ended without a Close frame. Never sent.
    pub const ABNORMAL: Self = Self(1006);
    /// 1007: a message's data did not match its type (for example invalid UTF-8).
    pub const INVALID_PAYLOAD: Self = Self(1007);
    /// 1008: a message violated the endpoint's policy.
    pub const POLICY_VIOLATION: Self = Self(1008);
    /// 1009: a message was too big to process.
    pub const MESSAGE_TOO_BIG: Self = Self(1009);
    /// 1010: the client expected an extension the server did not negotiate.
    pub const MANDATORY_EXTENSION: Self = Self(1010);
    /// 1011: the server hit an unexpected condition.
    pub const INTERNAL_ERROR: Self = Self(1011);
    /// 1012: the service is restarting.
    pub const SERVICE_RESTART: Self = Self(1012);
    /// 1013: try again later.
    pub const TRY_AGAIN_LATER: Self = Self(1013);
    /// 1014: a gateway received an invalid response.
    pub const BAD_GATEWAY: Self = Self(1014);
    /// 1015: reported when the TLS handshake failed. Never sent.
    pub const TLS_HANDSHAKE: Self = Self(1015);

    /// The numeric code.
    pub const fn as_u16(self) -> u16 {
        self.0
    }

    /// `true` if RFC 6455 allows an endpoint to send this code in a Close frame.
    pub const fn is_sendable(self) -> bool {
        matches!(self.0, 1000..=1003 | 1007..=1014 | 3000..=4999)
    }

    /// `true` if the browser's `WebSocket.close()` accepts this code (1000 and 3000–4999).
    pub const fn is_sendable_by_browser(self) -> bool {
        matches!(self.0, 1000 | 3000..=4999)
    }

    /// A code as received on the wire, kept as it is so that nothing the peer said is lost.
    pub(crate) const fn from_wire(code: u16) -> Self {
        Self(code)
    }
}

impl From<CloseCode> for u16 {
    fn from(code: CloseCode) -> u16 {
        code.0
    }
}

impl fmt::Debug for CloseCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Through `u32`: `u16`'s own formatting would be one more copy in wasm.
        write!(f, "CloseCode({})", u32::from(self.0))
    }
}

impl fmt::Display for CloseCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&u32::from(self.0), f)
    }
}

/// The longest close reason the protocol allows, in bytes of UTF-8.
pub const MAX_CLOSE_REASON_BYTES: usize = 123;

/// The status code and reason of a Close frame.
///
/// ```
/// use omnisocket::{CloseCode, CloseFrame};
///
/// let frame = CloseFrame::new(CloseCode::try_from(4001)?, "bye");
/// assert_eq!(frame.code.as_u16(), 4001);
/// # Ok::<(), omnisocket::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CloseFrame {
    /// The status code.
    pub code: CloseCode,
    /// The reason: at most [`MAX_CLOSE_REASON_BYTES`] bytes of UTF-8 when sent.
    pub reason: String,
}

impl CloseFrame {
    /// A close frame with the given code and reason.
    pub fn new(code: CloseCode, reason: impl Into<String>) -> Self {
        Self {
            code,
            reason: reason.into(),
        }
    }

    /// Code 1000 with no reason, what [`shutdown`](crate::WsClient::shutdown) sends.
    pub fn normal() -> Self {
        Self::new(CloseCode::NORMAL, "")
    }

    /// What is reported when the peer's Close frame carried no status code (1005).
    pub fn no_status() -> Self {
        Self::new(CloseCode::NO_STATUS, "")
    }
}

impl fmt::Display for CloseFrame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.reason.is_empty() {
            write!(f, "{}", self.code)
        } else {
            write!(f, "{} {:?}", self.code, self.reason)
        }
    }
}
