//! A minimal RFC 6455 frame codec: parse masked client frames, write unmasked server frames.
//!
//! Hand-written instead of tungstenite's protocol layer so the server keeps full control:
//! it may stay silent after a Close, send data after a Close, count duplicate Closes, etc.
//! Nothing here panics on peer input; every malformed frame is a [`FrameError`].

use bytes::{Buf, BytesMut};

/// The largest message (and therefore frame) the server accepts: 64 MiB.
pub const MAX_MESSAGE_SIZE: usize = 64 << 20;

/// Frame opcodes (RFC 6455 §5.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OpCode {
    Continuation,
    Text,
    Binary,
    Close,
    Ping,
    Pong,
}

impl OpCode {
    fn from_bits(bits: u8) -> Option<Self> {
        Some(match bits {
            0x0 => Self::Continuation,
            0x1 => Self::Text,
            0x2 => Self::Binary,
            0x8 => Self::Close,
            0x9 => Self::Ping,
            0xA => Self::Pong,
            _ => return None,
        })
    }

    fn bits(self) -> u8 {
        match self {
            Self::Continuation => 0x0,
            Self::Text => 0x1,
            Self::Binary => 0x2,
            Self::Close => 0x8,
            Self::Ping => 0x9,
            Self::Pong => 0xA,
        }
    }

    /// Close, Ping and Pong.
    pub(crate) fn is_control(self) -> bool {
        matches!(self, Self::Close | Self::Ping | Self::Pong)
    }
}

/// One frame received from the client, already unmasked.
#[derive(Debug)]
pub(crate) struct Frame {
    pub(crate) fin: bool,
    pub(crate) opcode: OpCode,
    pub(crate) payload: Vec<u8>,
}

/// Why a frame from the client was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FrameError {
    /// RSV1-3 set, but no extension was negotiated.
    ReservedBits(u8),
    /// Opcode 0x3-0x7 or 0xB-0xF.
    UnknownOpcode(u8),
    /// Client frames must be masked (RFC 6455 §5.1).
    Unmasked,
    /// Control frame with FIN clear or payload over 125 bytes.
    BadControlFrame,
    /// Payload length over [`MAX_MESSAGE_SIZE`], or the 64-bit length had its top bit set.
    TooLarge(u64),
}

impl std::fmt::Display for FrameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::ReservedBits(b) => write!(f, "reserved bits set in frame header (0x{b:02x})"),
            Self::UnknownOpcode(op) => write!(f, "unknown opcode 0x{op:x}"),
            Self::Unmasked => f.write_str("client frame is not masked"),
            Self::BadControlFrame => {
                f.write_str("control frame fragmented or longer than 125 bytes")
            }
            Self::TooLarge(n) => write!(
                f,
                "frame of {n} bytes exceeds the {MAX_MESSAGE_SIZE} byte limit"
            ),
        }
    }
}

/// Takes one complete frame off the front of `buf`, if `buf` holds one.
///
/// Returns `Ok(None)` when more bytes are needed; `buf` is then left untouched, so a
/// read that is cancelled and restarted loses nothing.
pub(crate) fn parse_frame(buf: &mut BytesMut) -> Result<Option<Frame>, FrameError> {
    if buf.len() < 2 {
        return Ok(None);
    }
    let (b0, b1) = (buf[0], buf[1]);
    let fin = b0 & 0x80 != 0;
    let rsv = b0 & 0x70;
    if rsv != 0 {
        return Err(FrameError::ReservedBits(rsv));
    }
    let opcode = OpCode::from_bits(b0 & 0x0F).ok_or(FrameError::UnknownOpcode(b0 & 0x0F))?;
    let masked = b1 & 0x80 != 0;
    if !masked {
        return Err(FrameError::Unmasked);
    }
    let (len, mut header_len) = match b1 & 0x7F {
        126 => {
            if buf.len() < 4 {
                return Ok(None);
            }
            (u64::from(u16::from_be_bytes([buf[2], buf[3]])), 4)
        }
        127 => {
            if buf.len() < 10 {
                return Ok(None);
            }
            let mut raw = [0u8; 8];
            raw.copy_from_slice(&buf[2..10]);
            (u64::from_be_bytes(raw), 10)
        }
        n => (u64::from(n), 2),
    };
    if opcode.is_control() && (!fin || len > 125) {
        return Err(FrameError::BadControlFrame);
    }
    let len = match usize::try_from(len) {
        Ok(n) if n <= MAX_MESSAGE_SIZE => n,
        _ => return Err(FrameError::TooLarge(len)),
    };
    if buf.len() < header_len + 4 {
        return Ok(None);
    }
    let mut mask = [0u8; 4];
    mask.copy_from_slice(&buf[header_len..header_len + 4]);
    header_len += 4;
    if buf.len() < header_len + len {
        // Reserve up front so a large frame is read without repeated reallocation.
        buf.reserve(header_len + len - buf.len());
        return Ok(None);
    }
    buf.advance(header_len);
    let mut payload = buf.split_to(len).to_vec();
    for (i, byte) in payload.iter_mut().enumerate() {
        *byte ^= mask[i & 3];
    }
    Ok(Some(Frame {
        fin,
        opcode,
        payload,
    }))
}

/// Appends one unmasked server frame to `out`.
pub(crate) fn write_frame(out: &mut Vec<u8>, opcode: OpCode, fin: bool, payload: &[u8]) {
    out.push(if fin { 0x80 } else { 0 } | opcode.bits());
    let len = payload.len();
    if len < 126 {
        // `len < 126` so the cast is lossless.
        out.push(len as u8);
    } else if let Ok(len16) = u16::try_from(len) {
        out.push(126);
        out.extend_from_slice(&len16.to_be_bytes());
    } else {
        out.push(127);
        out.extend_from_slice(&(len as u64).to_be_bytes());
    }
    out.extend_from_slice(payload);
}

/// The payload of a Close frame: empty when `code` is `None`, else code then reason.
pub(crate) fn close_payload(code: Option<u16>, reason: &str) -> Vec<u8> {
    match code {
        None => Vec::new(),
        Some(code) => {
            let mut p = Vec::with_capacity(2 + reason.len());
            p.extend_from_slice(&code.to_be_bytes());
            p.extend_from_slice(reason.as_bytes());
            p
        }
    }
}

/// Decodes a Close payload into `(code, reason)`.
///
/// An empty payload is `(None, "")`. A one-byte payload or a reason that is not UTF-8
/// is an error (RFC 6455 §5.5.1, §7.1.6).
pub(crate) fn parse_close_payload(payload: &[u8]) -> Result<(Option<u16>, String), String> {
    match payload {
        [] => Ok((None, String::new())),
        [_] => Err("close frame with a one-byte payload".to_owned()),
        [hi, lo, reason @ ..] => {
            let code = u16::from_be_bytes([*hi, *lo]);
            let reason = std::str::from_utf8(reason)
                .map_err(|_| "close reason is not valid UTF-8".to_owned())?;
            Ok((Some(code), reason.to_owned()))
        }
    }
}

/// Whether a peer may put `code` on the wire (RFC 6455 §7.4).
pub(crate) fn is_valid_close_code(code: u16) -> bool {
    matches!(code, 1000..=1003 | 1007..=1011 | 3000..=4999)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    /// Builds a masked client frame, as a client would.
    fn client_frame(first: u8, payload: &[u8]) -> BytesMut {
        let mask = [0x12, 0x34, 0x56, 0x78];
        let mut out = vec![first];
        let len = payload.len();
        if len < 126 {
            out.push(0x80 | len as u8);
        } else if len <= 0xFFFF {
            out.push(0x80 | 126);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        } else {
            out.push(0x80 | 127);
            out.extend_from_slice(&(len as u64).to_be_bytes());
        }
        out.extend_from_slice(&mask);
        out.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        BytesMut::from(&out[..])
    }

    #[test]
    fn parses_masked_text_in_pieces() {
        let full = client_frame(0x81, b"hello");
        for cut in 0..full.len() {
            let mut part = BytesMut::from(&full[..cut]);
            assert!(matches!(parse_frame(&mut part), Ok(None)), "cut {cut}");
            assert_eq!(part.len(), cut, "buffer must be untouched");
        }
        let mut buf = full.clone();
        buf.extend_from_slice(&[0x89]);
        let f = parse_frame(&mut buf).ok().flatten();
        let f = f.as_ref().map(|f| (f.fin, f.opcode, f.payload.as_slice()));
        assert_eq!(f, Some((true, OpCode::Text, &b"hello"[..])));
        assert_eq!(&buf[..], &[0x89], "the next frame's bytes stay");
    }

    #[test]
    fn parses_extended_lengths() {
        for len in [125, 126, 65535, 65536, 200_000] {
            let payload = vec![7u8; len];
            let mut buf = client_frame(0x82, &payload);
            let f = parse_frame(&mut buf).ok().flatten();
            assert_eq!(f.map(|f| f.payload), Some(payload));
        }
    }

    #[test]
    fn rejects_bad_frames() {
        let mut unmasked = BytesMut::from(&[0x81u8, 0x01, b'a'][..]);
        assert_eq!(parse_frame(&mut unmasked).err(), Some(FrameError::Unmasked));
        let mut rsv = client_frame(0xC1, b"a");
        assert!(matches!(
            parse_frame(&mut rsv),
            Err(FrameError::ReservedBits(_))
        ));
        let mut op = client_frame(0x83, b"a");
        assert_eq!(
            parse_frame(&mut op).err(),
            Some(FrameError::UnknownOpcode(3))
        );
        let mut frag_ping = client_frame(0x09, b"a");
        assert_eq!(
            parse_frame(&mut frag_ping).err(),
            Some(FrameError::BadControlFrame)
        );
        let mut big_ping = client_frame(0x89, &[0; 126]);
        assert_eq!(
            parse_frame(&mut big_ping).err(),
            Some(FrameError::BadControlFrame)
        );
        let mut huge = BytesMut::from(&[0x82u8, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0][..]);
        assert!(matches!(
            parse_frame(&mut huge),
            Err(FrameError::TooLarge(_))
        ));
        let mut over = BytesMut::from(&[0x82u8, 0xFF, 0, 0, 0, 0, 0x04, 0, 0, 1][..]);
        assert!(matches!(
            parse_frame(&mut over),
            Err(FrameError::TooLarge(_))
        ));
    }

    #[test]
    fn writes_unmasked_frames() {
        let mut out = Vec::new();
        write_frame(&mut out, OpCode::Text, true, b"hi");
        assert_eq!(out, [0x81, 2, b'h', b'i']);
        let mut out = Vec::new();
        write_frame(&mut out, OpCode::Binary, true, &[0; 300]);
        assert_eq!(&out[..4], &[0x82, 126, 1, 44]);
        let mut out = Vec::new();
        write_frame(&mut out, OpCode::Binary, true, &vec![0; 70_000]);
        assert_eq!(&out[..10], &[0x82, 127, 0, 0, 0, 0, 0, 1, 0x11, 0x70]);
    }

    #[test]
    fn close_payloads() {
        assert_eq!(parse_close_payload(&[]), Ok((None, String::new())));
        assert!(parse_close_payload(&[3]).is_err());
        assert!(parse_close_payload(&[3, 232, 0xFF]).is_err());
        let p = close_payload(Some(4000), "bye");
        assert_eq!(parse_close_payload(&p), Ok((Some(4000), "bye".to_owned())));
        assert!(close_payload(None, "ignored").is_empty());
        assert!(is_valid_close_code(1000) && is_valid_close_code(4999));
        assert!(!is_valid_close_code(1005) && !is_valid_close_code(999));
    }
}
