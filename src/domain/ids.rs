//! Ids as newtypes: a client, a client group, a user, a message and a room.
//!
//! Each is parsed once where it enters from the wire (serde for the envelope's ids,
//! the authenticator for users, the mutator arguments for messages) and read back from
//! the database as is: what was stored was checked when it arrived.

use super::sql_newtype::sql_newtype;
use super::text::{check_text, TextRule};
use diesel::sql_types::Text;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Longest accepted `clientGroupID`, `clientID` or user id, in bytes. Replicache's ids
/// have 18 characters (older clients sent 36-character UUIDs); PostgreSQL cannot index
/// a key of more than about 2,700 bytes.
pub const MAX_IDENTIFIER_BYTES: usize = 512;

/// Why a text could not be an id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdError(String);

impl fmt::Display for IdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for IdError {}

macro_rules! text_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize,
            diesel::expression::AsExpression, diesel::deserialize::FromSqlRow,
        )]
        #[serde(transparent)]
        #[diesel(sql_type = Text)]
        pub struct $name(String);

        impl $name {
            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        sql_newtype!($name, String, str, Text);
    };
}

/// The envelope's rule for ids: at most [`MAX_IDENTIFIER_BYTES`], no NUL (which
/// PostgreSQL cannot store). Empty ids are the client's business.
fn check_envelope_id(id: &str) -> Result<(), IdError> {
    if id.contains('\0') {
        return Err(IdError("an id must not contain NUL characters".into()));
    }
    if id.len() > MAX_IDENTIFIER_BYTES {
        return Err(IdError(format!(
            "an id must not be longer than {MAX_IDENTIFIER_BYTES} bytes"
        )));
    }
    Ok(())
}

macro_rules! envelope_id {
    ($(#[$doc:meta])* $name:ident) => {
        text_id!($(#[$doc])* $name);

        impl $name {
            /// Parses an id of a request envelope (see [`MAX_IDENTIFIER_BYTES`]).
            pub fn parse(id: String) -> Result<Self, IdError> {
                check_envelope_id(&id)?;
                Ok($name(id))
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdError;

            fn try_from(id: String) -> Result<Self, IdError> {
                Self::parse(id)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let id = String::deserialize(d)?;
                Self::parse(id).map_err(serde::de::Error::custom)
            }
        }
    };
}

envelope_id!(
    /// A Replicache client (`clientID`): one instance, about one tab load.
    ClientId
);

envelope_id!(
    /// A client group (`clientGroupID`): the clients sharing one local cache.
    ClientGroupId
);

text_id!(
    /// A user: the JWT `sub`, or `""` for the anonymous user when authentication is off.
    UserId
);

impl<'de> Deserialize<'de> for UserId {
    /// Reads a user id as [`UserId::parse`] does, or `""`, the anonymous user.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let id = String::deserialize(d)?;
        if id.is_empty() {
            return Ok(UserId::anonymous());
        }
        Self::parse(id).map_err(serde::de::Error::custom)
    }
}

impl UserId {
    /// The one user of a server without authentication.
    pub fn anonymous() -> Self {
        UserId(String::new())
    }

    /// Parses an authenticated user id: 1 to [`MAX_IDENTIFIER_BYTES`] bytes, no NUL.
    pub fn parse(id: String) -> Result<Self, IdError> {
        if id.is_empty() {
            return Err(IdError("a user id must not be empty".into()));
        }
        check_envelope_id(&id)?;
        Ok(UserId(id))
    }
}

macro_rules! argument_id {
    ($(#[$doc:meta])* $name:ident) => {
        text_id!($(#[$doc])* $name);

        impl $name {
            /// Parses an id from mutator argument `field`: not empty, no NUL, at most
            /// `max_chars` characters. The error names the rule.
            pub fn parse(field: &str, id: String, max_chars: usize) -> Result<Self, String> {
                check_text(field, &id, TextRule::required(max_chars))?;
                Ok($name(id))
            }
        }
    };
}

argument_id!(
    /// A chat message, chosen by the client (a nanoid); its key is `message/<id>`.
    MessageId
);

text_id!(
    /// A chat room, chosen by the client; its key is `room/<id>`. It holds no `/`, so
    /// that `member/<roomID>/<userID>` keys cannot be read two ways.
    RoomId
);

impl RoomId {
    /// Parses a room id from mutator argument `field`: not empty, no NUL or `/`, at most
    /// `max_chars` characters. The error names the rule.
    pub fn parse(field: &str, id: String, max_chars: usize) -> Result<Self, String> {
        check_text(field, &id, TextRule::required(max_chars))?;
        if id.contains('/') {
            return Err(format!("{field} must not contain \"/\""));
        }
        Ok(RoomId(id))
    }

    /// The public room every database has and every message without a room goes to.
    pub const GENERAL: &'static str = "general";

    /// The room `general`.
    pub fn general() -> Self {
        RoomId(Self::GENERAL.to_string())
    }

    /// True for the room `general`.
    pub fn is_general(&self) -> bool {
        self.0 == Self::GENERAL
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn decode(id: &str) -> Result<ClientId, serde_json::Error> {
        serde_json::from_value(json!(id))
    }

    #[test]
    fn ordinary_ids_pass() {
        let id = "xj4z7w3f2h9k1m5q8r";
        assert_eq!(decode(id).map(|c| c.to_string()).ok(), Some(id.to_string()));
        assert!(decode("").is_ok());
        let longest = "é".repeat(MAX_IDENTIFIER_BYTES / 2);
        assert!(decode(&longest).is_ok());
    }

    #[test]
    fn nul_and_overlong_ids_are_refused() {
        assert!(decode("g\0").is_err());
        assert!(decode(&"x".repeat(MAX_IDENTIFIER_BYTES + 1)).is_err());
        assert!(decode(&"é".repeat(MAX_IDENTIFIER_BYTES / 2 + 1)).is_err());
        assert!(ClientGroupId::parse("a\0b".into()).is_err());
    }

    #[test]
    fn users_must_name_someone() {
        assert!(UserId::parse("alice".into()).is_ok());
        assert!(UserId::parse(String::new()).is_err());
        assert!(UserId::parse("al\0ice".into()).is_err());
        assert!(UserId::parse("u".repeat(MAX_IDENTIFIER_BYTES + 1)).is_err());
        assert_eq!(UserId::anonymous().as_str(), "");
    }

    #[test]
    fn argument_ids_follow_the_configured_bound() {
        assert!(MessageId::parse("id", "m1".into(), 2).is_ok());
        assert!(MessageId::parse("id", "m12".into(), 2).is_err());
        assert!(MessageId::parse("id", String::new(), 2).is_err());
        assert!(MessageId::parse("id", "m\0".into(), 8).is_err());
        let error = RoomId::parse("roomID", "r".repeat(9), 8).err();
        assert_eq!(error.as_deref(), Some("roomID is longer than 8 characters"));
        assert!(RoomId::general().is_general());
        assert!(RoomId::parse("roomID", "a/b".into(), 8).is_err());
    }
}
