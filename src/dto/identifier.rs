//! Client and client-group ids as the envelope may carry them.

use serde::de::Error;
use serde::{Deserialize, Deserializer};

/// Longest accepted `clientGroupID` / `clientID`, in bytes. Replicache's ids have 18
/// characters (older clients sent 36-character UUIDs); PostgreSQL cannot index a key
/// of more than about 2,700 bytes.
pub const MAX_IDENTIFIER_BYTES: usize = 512;

/// Decodes a `clientGroupID` or `clientID`: a string of at most
/// [`MAX_IDENTIFIER_BYTES`] without NUL characters (which PostgreSQL cannot store).
/// Anything else makes the envelope malformed (400) on every backend alike.
pub fn identifier<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let id = String::deserialize(deserializer)?;
    if id.contains('\0') {
        return Err(D::Error::custom("an id must not contain NUL characters"));
    }
    if id.len() > MAX_IDENTIFIER_BYTES {
        return Err(D::Error::custom(format!(
            "an id must not be longer than {MAX_IDENTIFIER_BYTES} bytes"
        )));
    }
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Debug, Deserialize)]
    struct Holder {
        #[serde(deserialize_with = "identifier")]
        id: String,
    }

    fn decode(id: &str) -> Result<String, serde_json::Error> {
        serde_json::from_value::<Holder>(json!({ "id": id })).map(|h| h.id)
    }

    #[test]
    fn ordinary_ids_pass() {
        assert_eq!(decode("xj4z7w3f2h9k1m5q8r").unwrap(), "xj4z7w3f2h9k1m5q8r");
        assert_eq!(decode("").unwrap(), "");
        let longest = "é".repeat(MAX_IDENTIFIER_BYTES / 2);
        assert_eq!(decode(&longest).unwrap(), longest);
    }

    #[test]
    fn nul_and_overlong_ids_are_refused() {
        assert!(decode("g\0").is_err());
        assert!(decode(&"x".repeat(MAX_IDENTIFIER_BYTES + 1)).is_err());
        assert!(decode(&"é".repeat(MAX_IDENTIFIER_BYTES / 2 + 1)).is_err());
    }
}
