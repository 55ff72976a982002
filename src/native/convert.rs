//! Conversions between this crate's types and tungstenite's.

use tokio_tungstenite::tungstenite::protocol::CloseFrame as WsCloseFrame;
use tokio_tungstenite::tungstenite::{Message as WsMessage, Utf8Bytes};

use crate::{CloseCode, CloseFrame, Message};

/// A message as tungstenite sends it, without copying the payload.
pub(super) fn into_ws(message: Message) -> WsMessage {
    if message.is_text() {
        // SAFETY: a text `Message` is UTF-8, checked when it was built.
        #[expect(
            unsafe_code,
            reason = "skips a second UTF-8 check of every text message"
        )]
        let text = unsafe { Utf8Bytes::from_bytes_unchecked(message.into_bytes()) };
        WsMessage::Text(text)
    } else {
        WsMessage::Binary(message.into_bytes())
    }
}

/// The peer's Close frame as reported: code 1005 when it carried no status.
pub(super) fn from_ws_close(frame: Option<WsCloseFrame>) -> CloseFrame {
    match frame {
        Some(frame) => CloseFrame {
            code: CloseCode::from_wire(frame.code.into()),
            reason: frame.reason.as_str().to_owned(),
        },
        None => CloseFrame::no_status(),
    }
}
