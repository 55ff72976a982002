//! Typed messages as JSON (the `json` feature): [`Message::json`] builds a text message from
//! any `Serialize` value, [`DecodeJson::json`] reads one back into any `Deserialize` type,
//! and a [`JsonError`] names the field that failed.
//!
//! ```
//! use serde::{Deserialize, Serialize};
//! use omnisocket::{DecodeJson, Message};
//!
//! #[derive(Serialize, Deserialize, Debug, PartialEq)]
//! struct Chat {
//!     user: String,
//!     likes: u32,
//! }
//!
//! let message = Message::json(&Chat { user: "ada".into(), likes: 3 })?;
//! assert_eq!(message.as_text(), Some(r#"{"user":"ada","likes":3}"#));
//! assert_eq!(message.json::<Chat>()?, Chat { user: "ada".into(), likes: 3 });
//!
//! let error = Message::text(r#"{"user":"ada","likes":"many"}"#).json::<Chat>().unwrap_err();
//! assert_eq!(error.path(), "likes");
//! assert!(error.to_string().starts_with("JSON field `likes`: invalid type: string"));
//! # Ok::<(), omnisocket::JsonError>(())
//! ```

use std::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::Message;

impl Message {
    /// A text message holding `value` as JSON.
    ///
    /// # Errors
    /// [`JsonError`] when `value` cannot be written as JSON (a map whose keys are not
    /// strings, or a `Serialize` implementation that fails), naming the field.
    pub fn json<T: Serialize + ?Sized>(value: &T) -> Result<Self, JsonError> {
        let mut text = Vec::with_capacity(128);
        let mut serializer = serde_json::Serializer::new(&mut text);
        serde_path_to_error::serialize(value, &mut serializer).map_err(JsonError::from_path)?;
        // serde_json writes UTF-8 only.
        Message::text_from_utf8(text).map_err(|_| JsonError {
            path: String::new(),
            source: serde::ser::Error::custom("the JSON written was not UTF-8"),
        })
    }
}

/// Reads a message as JSON: `message.json::<T>()`. A trait, so that the name can also be
/// [`Message::json`]'s, which builds one; bring it in scope with `use omnisocket::DecodeJson`.
pub trait DecodeJson {
    /// The message's payload (text, or binary holding UTF-8 JSON) read as a `T`.
    ///
    /// # Errors
    /// [`JsonError`] when the payload is not JSON, or not of the shape of `T`; its
    /// [`path`](JsonError::path) names the field (`items[2].name`).
    fn json<T: DeserializeOwned>(&self) -> Result<T, JsonError>;
}

impl DecodeJson for Message {
    fn json<T: DeserializeOwned>(&self) -> Result<T, JsonError> {
        let mut deserializer = serde_json::Deserializer::from_slice(self.as_bytes());
        let value =
            serde_path_to_error::deserialize(&mut deserializer).map_err(JsonError::from_path)?;
        deserializer.end().map_err(|source| JsonError {
            path: String::new(),
            source,
        })?;
        Ok(value)
    }
}

/// A message that could not be written or read as JSON, and where.
#[derive(Debug)]
pub struct JsonError {
    path: String,
    source: serde_json::Error,
}

impl JsonError {
    fn from_path(error: serde_path_to_error::Error<serde_json::Error>) -> Self {
        let path = error.path().to_string();
        Self {
            // serde_path_to_error writes the document's root as ".".
            path: if path == "." { String::new() } else { path },
            source: error.into_inner(),
        }
    }

    /// The field that failed, as `user.name` or `items[2]`; empty when the document as a
    /// whole is at fault (not JSON, or of another type than expected).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Where in the text the reading stopped, as (line, column) counted from 1; `None`
    /// for an error while writing.
    pub fn position(&self) -> Option<(usize, usize)> {
        (self.source.line() > 0).then(|| (self.source.line(), self.source.column()))
    }
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "JSON: {}", self.source)
        } else {
            write!(f, "JSON field `{}`: {}", self.path, self.source)
        }
    }
}

impl std::error::Error for JsonError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Serialize};

    use super::*;

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Room {
        name: String,
        members: Vec<Member>,
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Member {
        id: u32,
        nick: Option<String>,
    }

    fn room() -> Room {
        Room {
            name: "lobby".into(),
            members: vec![
                Member { id: 1, nick: None },
                Member {
                    id: 2,
                    nick: Some("é".into()),
                },
            ],
        }
    }

    #[test]
    fn a_value_goes_out_as_text_and_comes_back() {
        let message = Message::json(&room()).unwrap();
        assert!(message.is_text());
        assert_eq!(message.json::<Room>().unwrap(), room());
    }

    #[test]
    fn binary_utf8_json_is_read_too() {
        let message = Message::binary(br#"{"id":7,"nick":null}"#.to_vec());
        assert_eq!(
            message.json::<Member>().unwrap(),
            Member { id: 7, nick: None }
        );
    }

    #[test]
    fn a_wrong_type_names_the_nested_field() {
        let text = r#"{"name":"lobby","members":[{"id":1,"nick":null},{"id":"two","nick":null}]}"#;
        let error = Message::text(text).json::<Room>().unwrap_err();
        assert_eq!(error.path(), "members[1].id");
        let shown = error.to_string();
        assert!(
            shown.starts_with("JSON field `members[1].id`: invalid type: string \"two\""),
            "{shown}"
        );
        assert!(error.position().is_some());
    }

    #[test]
    fn a_missing_field_is_named() {
        let error = Message::text(r#"{"members":[]}"#)
            .json::<Room>()
            .unwrap_err();
        assert!(
            error.to_string().contains("missing field `name`"),
            "{error}"
        );
    }

    #[test]
    fn text_that_is_not_json_says_where() {
        let error = Message::text("hello").json::<Room>().unwrap_err();
        assert_eq!(error.path(), "");
        assert_eq!(error.position(), Some((1, 1)));
        assert!(
            error.to_string().starts_with("JSON: expected value"),
            "{error}"
        );
    }

    #[test]
    fn trailing_text_after_the_document_is_refused() {
        let error = Message::text(r#"{"id":1,"nick":null} extra"#)
            .json::<Member>()
            .unwrap_err();
        assert!(error.to_string().contains("trailing characters"), "{error}");
    }

    #[test]
    fn a_map_with_keys_that_are_not_strings_fails_to_write_naming_the_field() {
        #[derive(Serialize)]
        struct Scores {
            by_pair: BTreeMap<(u8, u8), u32>,
        }
        let scores = Scores {
            by_pair: BTreeMap::from([((1, 2), 3)]),
        };
        let error = Message::json(&scores).unwrap_err();
        assert_eq!(error.path(), "by_pair");
        assert_eq!(error.position(), None);
        assert!(
            error.to_string().contains("key must be a string"),
            "{error}"
        );
    }
}
