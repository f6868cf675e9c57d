//! The chat's mutators, parsed once into a typed [`Mutator`] and applied inside the
//! push transaction.
//!
//! Adding a mutator is one change here: a variant, its arm in [`Mutator::parse`] and
//! its arm in [`Mutator::apply`]. Every write is a single statement that changes one
//! row or none, so a rejected mutation leaves nothing half-written even inside a
//! larger transaction. `createMessage` only hands back the row: the push inserts the
//! new messages of a batch together (see [`Effect`]).

mod limits;

pub use limits::MutationLimits;

use crate::db::DbConn;
use crate::domain::js_number::is_safe_integer;
use crate::domain::{check_text, MessageId, TextRule, Version};
use crate::models::NewMessage;
use crate::repository::MessageRepo;
use chrono::NaiveDateTime;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;
use std::fmt;

/// A mutation the server knows, with its checked arguments.
// Variants are named after the mutators on the wire (`createMessage`, ...).
#[allow(clippy::enum_variant_names)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mutator {
    /// `createMessage {id, from, content, order}`: a new message.
    CreateMessage {
        /// The new message's id.
        id: MessageId,
        /// Its author's display name.
        from: String,
        /// Its text.
        content: String,
        /// Its sort position, a safe JavaScript integer.
        order: i64,
    },
    /// `updateMessage {id, content}`: new text for a live message.
    UpdateMessage {
        /// The message.
        id: MessageId,
        /// The new text.
        content: String,
    },
    /// `deleteMessage {id}`: a live message becomes a tombstone.
    DeleteMessage {
        /// The message.
        id: MessageId,
    },
}

/// Why a mutation is refused for good (its id is still consumed). The reason names the
/// rule that was broken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection(pub String);

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why a mutator did not apply.
#[derive(Debug)]
pub enum MutatorError {
    /// A permanent refusal (a missing target, ...).
    Rejected(Rejection),
    /// The database failed; the push decides whether to retry.
    Database(diesel::result::Error),
}

impl From<diesel::result::Error> for MutatorError {
    fn from(e: diesel::result::Error) -> Self {
        MutatorError::Database(e)
    }
}

/// What applying a mutator left for the push to do.
#[derive(Debug)]
pub enum Effect<'m> {
    /// Insert this new message; a message with its id already existing (live or
    /// deleted) makes the mutation a rejected one.
    Insert(NewMessage<'m>),
    /// The mutator wrote its change already.
    Written,
}

#[derive(Deserialize)]
struct CreateMessageArgs {
    id: String,
    from: String,
    content: String,
    order: i64,
}

#[derive(Deserialize)]
struct UpdateMessageArgs {
    id: String,
    content: String,
}

#[derive(Deserialize)]
struct DeleteMessageArgs {
    id: String,
}

impl Mutator {
    /// Parses the mutation `name(args)` and checks its arguments against `limits`.
    pub fn parse(name: &str, args: Value, limits: &MutationLimits) -> Result<Self, Rejection> {
        let id = |id: String| MessageId::parse(id, limits.max_message_id_len).map_err(Rejection);
        let content = TextRule::optional(limits.max_content_len);
        match name {
            "createMessage" => {
                let args: CreateMessageArgs = decode(args)?;
                let from = TextRule::optional(limits.max_sender_len);
                let id = id(args.id)?;
                check("from", &args.from, from)?;
                check("content", &args.content, content)?;
                if !is_safe_integer(args.order) {
                    return Err(Rejection("order is outside the safe integer range".into()));
                }
                Ok(Mutator::CreateMessage {
                    id,
                    from: args.from,
                    content: args.content,
                    order: args.order,
                })
            }
            "updateMessage" => {
                let args: UpdateMessageArgs = decode(args)?;
                let id = id(args.id)?;
                check("content", &args.content, content)?;
                Ok(Mutator::UpdateMessage {
                    id,
                    content: args.content,
                })
            }
            "deleteMessage" => {
                let args: DeleteMessageArgs = decode(args)?;
                Ok(Mutator::DeleteMessage { id: id(args.id)? })
            }
            other => Err(Rejection(format!("unknown mutator {other:?}"))),
        }
    }

    /// True when the mutator reads existing rows, so rows created earlier in the same
    /// batch must be written before it runs.
    pub fn reads_existing_rows(&self) -> bool {
        !matches!(self, Mutator::CreateMessage { .. })
    }

    /// Runs the mutator at `now`, stamping every row it writes with `version`.
    pub fn apply(
        &self,
        conn: &mut DbConn,
        version: Version,
        now: NaiveDateTime,
    ) -> Result<Effect<'_>, MutatorError> {
        match self {
            Mutator::CreateMessage {
                id,
                from,
                content,
                order,
            } => Ok(Effect::Insert(NewMessage {
                id,
                sender: from,
                content,
                ord: *order,
                deleted: false,
                version,
            })),
            Mutator::UpdateMessage { id, content } => {
                if !MessageRepo::update_content(conn, id, content, version)? {
                    return Err(missing(id));
                }
                Ok(Effect::Written)
            }
            Mutator::DeleteMessage { id } => {
                if !MessageRepo::soft_delete(conn, id, version, now)? {
                    return Err(missing(id));
                }
                Ok(Effect::Written)
            }
        }
    }
}

fn missing(id: &MessageId) -> MutatorError {
    MutatorError::Rejected(Rejection(format!("message {id} does not exist")))
}

fn decode<T: DeserializeOwned>(args: Value) -> Result<T, Rejection> {
    serde_json::from_value(args).map_err(|e| Rejection(format!("invalid arguments: {e}")))
}

fn check(field: &str, value: &str, rule: TextRule) -> Result<(), Rejection> {
    check_text(field, value, rule).map_err(Rejection)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(name: &str, args: Value) -> Result<Mutator, Rejection> {
        Mutator::parse(name, args, &MutationLimits::default())
    }

    #[test]
    fn arguments_are_typed_and_checked_once() {
        let created = parse(
            "createMessage",
            json!({"id": "m1", "from": "ann", "content": "hi", "order": 3}),
        );
        assert!(matches!(
            created,
            Ok(Mutator::CreateMessage { order: 3, .. })
        ));
        let rejected = [
            (
                "createMessage",
                json!({"id": "m1", "from": "a", "content": "c"}),
            ),
            (
                "createMessage",
                json!({"id": "", "from": "a", "content": "c", "order": 1}),
            ),
            (
                "createMessage",
                json!({"id": "m", "from": "a", "content": "c", "order": 1i64 << 60}),
            ),
            ("updateMessage", json!({"id": "m1", "content": "x\u{0}"})),
            ("deleteMessage", json!(null)),
            ("dropTables", json!({})),
        ];
        for (name, args) in rejected {
            assert!(parse(name, args.clone()).is_err(), "{name} {args}");
        }
        let update = parse("updateMessage", json!({"id": "m1", "content": "x"}));
        assert!(update.is_ok_and(|m| m.reads_existing_rows()));
    }
}
