//! What a close code or frame must be to be accepted or sent, and the errors that say why
//! not. Apart from the types (`close.rs`), so that those need nothing of `Error`, which
//! carries them.

use crate::close::{CloseCode, CloseFrame, MAX_CLOSE_REASON_BYTES};
use crate::error::Error;

impl TryFrom<u16> for CloseCode {
    type Error = Error;

    /// Accepts 1000–4999.
    ///
    /// # Errors
    /// [`Error::InvalidCloseCode`] for anything outside 1000–4999.
    fn try_from(code: u16) -> Result<Self, Error> {
        if (1000..=4999).contains(&code) {
            Ok(CloseCode(code))
        } else {
            Err(Error::InvalidCloseCode {
                code,
                rule: "close codes range from 1000 to 4999",
            })
        }
    }
}

impl CloseFrame {
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn reason_of_124_bytes_is_refused() {
        let frame = CloseFrame::new(CloseCode::NORMAL, "x".repeat(124));
        let err = frame.check_sendable(&CloseCodeRule::RFC_6455);
        assert!(matches!(err, Err(Error::CloseReasonTooLong { len: 124 })));
        let frame = CloseFrame::new(CloseCode::NORMAL, "x".repeat(123));
        assert!(frame.check_sendable(&CloseCodeRule::RFC_6455).is_ok());
    }
}
