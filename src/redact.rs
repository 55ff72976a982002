//! URLs as errors, logs and `Debug` show them: the password masked, long ones shortened.
//! Apart from the checks (`url.rs`), so that `Error`, which quotes URLs, needs nothing that
//! makes errors.

/// How many bytes of a URL an error quotes; the rest is summarised by its length.
const DISPLAY_MAX: usize = 200;

/// `url` as errors quote it: the password of its user info replaced by `***`
/// (`ws://user:***@host/`), and cut after about 200 bytes (on a character boundary) with
/// the full length added (`… (200000 bytes)`). Every URL an error carries goes through this.
pub(crate) fn for_display(url: &str) -> String {
    use std::fmt::Write as _;
    // Through `write!` rather than `push_str`s, which are inlined: smaller in wasm.
    let (start, end) = password(url.as_bytes()).unwrap_or((url.len(), url.len()));
    let head = url.get(..start).unwrap_or_default();
    let stars = if start < end { "***" } else { "" };
    let tail = url.get(end..).unwrap_or_default();
    let mut shown = String::new();
    let _ = write!(shown, "{head}{stars}{tail}");
    if shown.len() > DISPLAY_MAX {
        let mut cut = DISPLAY_MAX;
        while !shown.is_char_boundary(cut) {
            cut -= 1;
        }
        shown.truncate(cut);
        let _ = write!(shown, "… ({} bytes)", url.len());
    }
    shown
}

/// Where the authority of `url` starts and ends (after `scheme://`, before the path,
/// query or fragment), or `None` without a `://`.
///
/// Byte searches rather than `split_once("://")` and `split`/`rsplit` on chars: the same
/// positions (all the delimiters are ASCII), without core's substring searcher (two-way
/// algorithm) and `str` slicing, whose panic path formats char boundaries.
pub(crate) fn authority(url: &[u8]) -> Option<(usize, usize)> {
    let start = url.windows(3).position(|w| w == b"://")? + 3;
    let len = url
        .get(start..)
        .unwrap_or_default()
        .iter()
        .position(|b| matches!(b, b'/' | b'?' | b'#'))
        .unwrap_or(url.len() - start);
    Some((start, start + len))
}

/// Where the password of `url`'s user info starts and ends (`user:` .. `@`), if it has one.
fn password(url: &[u8]) -> Option<(usize, usize)> {
    let (start, end) = authority(url)?;
    let authority = url.get(start..end)?;
    let at = authority.iter().rposition(|&b| b == b'@')?;
    let colon = authority.get(..at)?.iter().position(|&b| b == b':')?;
    Some((start + colon + 1, start + at))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_never_shown() {
        assert_eq!(for_display("ws://user:secret@host/"), "ws://user:***@host/");
        assert_eq!(for_display("wss://:secret@h:1/p?q"), "wss://:***@h:1/p?q");
        // The last `@` of the authority ends the user info, as browsers parse it.
        assert_eq!(for_display("ws://u:a@b@host/x@y"), "ws://u:***@host/x@y");
        // Nothing to hide.
        for url in [
            "ws://user@host/",
            "ws://host/a:b@c",
            "ws://host/?x=a:b@c",
            "x",
        ] {
            assert_eq!(for_display(url), url);
        }
    }

    #[test]
    fn long_urls_are_shortened_on_a_char_boundary() {
        let long = format!("ws://host/{}", "é".repeat(100_000));
        let shown = for_display(&long);
        assert!(shown.len() < 300, "{}", shown.len());
        assert!(shown.ends_with("… (200010 bytes)"), "{shown}");
        assert!(shown.starts_with("ws://host/é"));
        // Every cut position, with characters of every width.
        for pad in 0..4 {
            let url = format!("ws://h/{}{}", "a".repeat(pad), "€😀".repeat(100));
            assert!(for_display(&url).contains("bytes)"));
        }
        let short = "ws://host/".to_owned() + &"a".repeat(190);
        assert_eq!(for_display(&short), short);
    }
}
