//! [`Message`]: the data messages both backends send and receive.

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

// Every queued `Result<Message, Error>` pays for the largest variant: at most a word more
// than the message itself, on every target (checked when the crate is built). Natively
// 48 bytes (a `Message` is 40, an `Error` 40), on wasm32 24 (a `Message` is 20, an
// `Error` 24).
const _: () = assert!(
    std::mem::size_of::<Result<Message, Error>>()
        <= std::mem::size_of::<Message>() + std::mem::size_of::<usize>()
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(target_pointer_width = "64")]
    fn a_received_error_costs_a_word_more_than_a_message() {
        assert_eq!(std::mem::size_of::<Result<Message, Error>>(), 48);
    }

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
}
