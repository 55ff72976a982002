//! Data messages, close codes and close frames: the protocol types shared by both backends.

use std::fmt;

use bytes::Bytes;

use crate::Error;

/// A WebSocket data message: UTF-8 text or binary.
///
/// Ping, Pong and Close frames are not messages: the client answers pings itself, and the
/// closing handshake is driven by [`shutdown`](crate::WsClient::shutdown) and
/// [`close`](crate::WsClient::close).
///
/// Cloning is cheap natively: the payload is reference-counted. In the browser, where the
/// reference-counted buffer would cost its code in every program, a message built with
/// [`text`](Self::text) or received from the socket owns its buffer and a clone copies it;
/// one built with [`binary`](Self::binary) or [`text_from_utf8`](Self::text_from_utf8)
/// shares it there too.
///
/// ```
/// use omnisocket::Message;
///
/// let hello = Message::text("hello");
/// assert_eq!(hello.as_text(), Some("hello"));
///
/// let bytes = Message::binary(vec![1, 2, 3]);
/// assert!(!bytes.is_text());
/// assert_eq!(bytes.as_bytes(), &[1, 2, 3]);
/// ```
#[derive(Clone)]
pub struct Message {
    kind: Kind,
    /// For [`Kind::Text`], always valid UTF-8 (checked by every constructor).
    payload: Payload,
}

/// A message's bytes: the buffer of the `String` or `Vec` they were built from (not
/// copied), or a `Bytes` as given. Not `Bytes` throughout: turning a `Vec` into `Bytes`
/// brings its shared-buffer machinery (about 2 KB of wasm) into every program, even one
/// that never touches `Bytes`. `into_bytes` converts without copying.
#[derive(Clone)]
enum Payload {
    Vec(Vec<u8>),
    Bytes(Bytes),
}

impl Payload {
    /// Bytes the message owns: natively as `Bytes`, so that clones share them (the
    /// conversion does not copy); in the browser as the `Vec` itself (see above).
    fn owned(bytes: Vec<u8>) -> Self {
        #[cfg(native)]
        return Self::Bytes(Bytes::from(bytes));
        #[cfg(web)]
        return Self::Vec(bytes);
    }

    fn as_slice(&self) -> &[u8] {
        match self {
            Self::Vec(bytes) => bytes,
            Self::Bytes(bytes) => bytes,
        }
    }
}

/// The same kind and the same bytes, whatever holds them.
impl PartialEq for Message {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind && self.as_bytes() == other.as_bytes()
    }
}

impl Eq for Message {}

/// The kind, then the bytes, whatever holds them (as `Bytes` hashes: as its slice).
impl std::hash::Hash for Message {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.kind.hash(state);
        self.as_bytes().hash(state);
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Kind {
    Text,
    Binary,
}

impl Message {
    /// A text message.
    pub fn text(text: impl Into<String>) -> Self {
        Self {
            kind: Kind::Text,
            payload: Payload::owned(text.into().into_bytes()),
        }
    }

    /// A binary message, from `Vec<u8>`, `&[u8]`, `Bytes` and the like (see [`BinaryPayload`]).
    pub fn binary(bytes: impl BinaryPayload) -> Self {
        Self {
            kind: Kind::Binary,
            payload: Payload::Bytes(bytes.into_payload()),
        }
    }

    /// A binary message owning `bytes`, without going through `Bytes` (see [`Payload`]).
    #[cfg_attr(
        native,
        expect(dead_code, reason = "tungstenite hands binary messages over as Bytes")
    )]
    pub(crate) fn binary_vec(bytes: Vec<u8>) -> Self {
        Self {
            kind: Kind::Binary,
            payload: Payload::Vec(bytes),
        }
    }

    /// A text message from bytes, checking that they are UTF-8.
    ///
    /// # Errors
    /// [`Error::InvalidUtf8`] when `bytes` are not valid UTF-8.
    pub fn text_from_utf8(bytes: impl Into<Bytes>) -> Result<Self, Error> {
        let payload = bytes.into();
        std::str::from_utf8(&payload).map_err(Error::InvalidUtf8)?;
        Ok(Self {
            kind: Kind::Text,
            payload: Payload::Bytes(payload),
        })
    }

    /// `true` for a text message, `false` for a binary one.
    pub fn is_text(&self) -> bool {
        self.kind == Kind::Text
    }

    /// `true` for a binary message.
    pub fn is_binary(&self) -> bool {
        self.kind == Kind::Binary
    }

    /// The text of a text message; `None` for a binary message.
    pub fn as_text(&self) -> Option<&str> {
        match self.kind {
            // SAFETY: text payloads are checked to be UTF-8 when the message is built,
            // and never changed afterwards (`Bytes` is immutable, the `Vec` private).
            #[expect(unsafe_code, reason = "UTF-8 is checked once, at construction")]
            Kind::Text => Some(unsafe { std::str::from_utf8_unchecked(self.payload.as_slice()) }),
            Kind::Binary => None,
        }
    }

    /// The payload: the UTF-8 bytes of a text message or the bytes of a binary one.
    pub fn as_bytes(&self) -> &[u8] {
        self.payload.as_slice()
    }

    /// The payload, without copying.
    pub fn into_bytes(self) -> Bytes {
        match self.payload {
            Payload::Vec(bytes) => Bytes::from(bytes),
            Payload::Bytes(bytes) => bytes,
        }
    }

    /// The payload length in bytes.
    pub fn len(&self) -> usize {
        self.as_bytes().len()
    }

    /// `true` when the payload is empty.
    pub fn is_empty(&self) -> bool {
        self.as_bytes().is_empty()
    }

    /// Builds a text message from bytes the caller has already checked to be UTF-8.
    ///
    /// Backends use it for what their transport has validated (tungstenite checks every
    /// text frame; the browser hands over a JavaScript string).
    #[cfg_attr(
        web,
        expect(dead_code, reason = "the browser hands text over as a String")
    )]
    pub(crate) fn text_from_validated(payload: Bytes) -> Self {
        debug_assert!(std::str::from_utf8(&payload).is_ok());
        Self {
            kind: Kind::Text,
            payload: Payload::Bytes(payload),
        }
    }
}

impl fmt::Debug for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const SHOWN: usize = 64;
        match self.as_text() {
            Some(text) if text.len() <= SHOWN => f.debug_tuple("Text").field(&text).finish(),
            Some(text) => {
                let cut = (0..=SHOWN)
                    .rev()
                    .find(|&i| text.is_char_boundary(i))
                    .unwrap_or(0);
                write!(f, "Text({:?}… {} bytes)", &text[..cut], text.len())
            }
            None => write!(f, "Binary({} bytes)", self.len()),
        }
    }
}

/// What a binary [`Message`] can be built from. Owned buffers are taken without copying;
/// borrowed slices are copied.
pub trait BinaryPayload {
    /// The bytes of the payload.
    fn into_payload(self) -> Bytes;
}

impl BinaryPayload for Vec<u8> {
    fn into_payload(self) -> Bytes {
        Bytes::from(self)
    }
}

impl BinaryPayload for Bytes {
    fn into_payload(self) -> Bytes {
        self
    }
}

impl BinaryPayload for Box<[u8]> {
    fn into_payload(self) -> Bytes {
        Bytes::from(self)
    }
}

impl BinaryPayload for &[u8] {
    fn into_payload(self) -> Bytes {
        Bytes::copy_from_slice(self)
    }
}

impl BinaryPayload for &Vec<u8> {
    fn into_payload(self) -> Bytes {
        Bytes::copy_from_slice(self)
    }
}

impl<const N: usize> BinaryPayload for [u8; N] {
    fn into_payload(self) -> Bytes {
        Bytes::copy_from_slice(&self)
    }
}

impl<const N: usize> BinaryPayload for &[u8; N] {
    fn into_payload(self) -> Bytes {
        Bytes::copy_from_slice(self)
    }
}

impl From<String> for Message {
    fn from(text: String) -> Self {
        Self::text(text)
    }
}

impl From<&str> for Message {
    fn from(text: &str) -> Self {
        Self::text(text)
    }
}

impl From<Vec<u8>> for Message {
    fn from(bytes: Vec<u8>) -> Self {
        Self::binary(bytes)
    }
}

impl From<&[u8]> for Message {
    fn from(bytes: &[u8]) -> Self {
        Self::binary(bytes)
    }
}

impl From<Bytes> for Message {
    fn from(bytes: Bytes) -> Self {
        Self::binary(bytes)
    }
}

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
/// [`Error::InvalidCloseCode`] for a code it may not send; nothing is sent then.
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
pub struct CloseCode(u16);

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

impl TryFrom<u16> for CloseCode {
    type Error = Error;

    /// Accepts 1000–4999.
    ///
    /// # Errors
    /// [`Error::InvalidCloseCode`] for anything outside 1000–4999.
    fn try_from(code: u16) -> Result<Self, Error> {
        if (1000..=4999).contains(&code) {
            Ok(Self(code))
        } else {
            Err(Error::InvalidCloseCode {
                code,
                rule: "close codes range from 1000 to 4999",
            })
        }
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

    /// Checks that this frame may be sent under `rule`, the current target's, and that its
    /// reason fits.
    pub(crate) fn check_sendable(&self, rule: &CloseCodeRule) -> Result<(), Error> {
        if !(rule.allows)(self.code) {
            return Err(Error::InvalidCloseCode {
                code: self.code.as_u16(),
                rule: rule.in_words,
            });
        }
        if self.reason.len() > MAX_CLOSE_REASON_BYTES {
            return Err(Error::CloseReasonTooLong {
                len: self.reason.len(),
            });
        }
        Ok(())
    }
}

/// Which close codes a target may send, and the rule in words for
/// [`Error::InvalidCloseCode`].
#[derive(Debug)]
pub(crate) struct CloseCodeRule {
    pub(crate) allows: fn(CloseCode) -> bool,
    pub(crate) in_words: &'static str,
}

#[cfg_attr(
    all(web, not(test)),
    expect(dead_code, reason = "the browser's rule applies there")
)]
impl CloseCodeRule {
    /// What RFC 6455 allows an endpoint to send: the native rule.
    pub(crate) const RFC_6455: Self = Self {
        allows: CloseCode::is_sendable,
        in_words: "RFC 6455 allows sending 1000-1003, 1007-1014 and 3000-4999",
    };
}

#[cfg_attr(native, expect(dead_code, reason = "RFC 6455's rule applies there"))]
impl CloseCodeRule {
    /// What `WebSocket.close()` accepts: the browser's rule.
    pub(crate) const BROWSER: Self = Self {
        allows: CloseCode::is_sendable_by_browser,
        in_words: "browsers accept only 1000 and 3000-4999 in WebSocket.close()",
    };
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

    /// The cause of a connection that ended with `error`.
    pub(crate) fn caused_by(error: &crate::Error) -> Self {
        use crate::Error;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_binary_constructors_keep_their_kind() {
        assert!(Message::text(String::from("a")).is_text());
        assert!(Message::from("a").is_text());
        assert!(Message::from(vec![1u8]).is_binary());
        assert!(Message::from(&[1u8][..]).is_binary());
        assert_eq!(Message::binary(vec![0xff]).as_text(), None);
    }

    #[test]
    fn text_from_utf8_rejects_invalid_bytes() {
        assert!(Message::text_from_utf8(vec![0xff, 0xfe]).is_err());
        let ok = Message::text_from_utf8("é".as_bytes().to_vec());
        assert_eq!(ok.ok().as_ref().and_then(Message::as_text), Some("é"));
    }

    #[test]
    fn debug_truncates_long_text_on_a_char_boundary() {
        let long = "é".repeat(100);
        let shown = format!("{:?}", Message::text(long));
        assert!(shown.contains("200 bytes"), "{shown}");
    }

    #[test]
    fn close_code_range_is_checked() {
        for bad in [0, 999, 5000, u16::MAX] {
            assert!(CloseCode::try_from(bad).is_err(), "{bad}");
        }
        for good in [1000, 1005, 2999, 3000, 4999] {
            assert_eq!(CloseCode::try_from(good).map(u16::from).ok(), Some(good));
        }
    }

    #[test]
    fn sendable_rules_follow_the_rfc_and_the_browser() {
        let sendable: Vec<u16> = (1000..=4999)
            .filter(|&c| CloseCode(c).is_sendable())
            .collect();
        assert!(sendable.contains(&1000) && sendable.contains(&1014));
        for reserved in [1004, 1005, 1006, 1015, 1016, 2999] {
            assert!(!sendable.contains(&reserved), "{reserved}");
        }
        assert!(CloseCode(1000).is_sendable_by_browser());
        assert!(!CloseCode(1001).is_sendable_by_browser());
        assert!(CloseCode(3000).is_sendable_by_browser());
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
    fn reason_of_124_bytes_is_refused() {
        let frame = CloseFrame::new(CloseCode::NORMAL, "x".repeat(124));
        let err = frame.check_sendable(&CloseCodeRule::RFC_6455);
        assert!(matches!(err, Err(Error::CloseReasonTooLong { len: 124 })));
        let frame = CloseFrame::new(CloseCode::NORMAL, "x".repeat(123));
        assert!(frame.check_sendable(&CloseCodeRule::RFC_6455).is_ok());
    }
}
