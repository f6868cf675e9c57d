//! The chat's mutators: `createMessage`, `updateMessage`, `deleteMessage`.
//!
//! Every write is a single statement that either changes one row or none, so a
//! rejected mutation leaves nothing half-written even inside a larger transaction.
//! `createMessage` only validates and hands back the row: the push inserts the new
//! messages of a batch together (see [`Effect`]).

use crate::db::DbConn;
use crate::dto::Mutation;
use crate::models::NewMessage;
use crate::repository::MessageRepo;
use serde::Deserialize;
use serde_json::Value;

/// Bounds on mutator arguments (lengths in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MutationLimits {
    /// Longest accepted message id.
    pub max_id_len: usize,
    /// Longest accepted `from`.
    pub max_sender_len: usize,
    /// Longest accepted `content`.
    pub max_content_len: usize,
}

/// Why a mutator did not apply.
#[derive(Debug)]
pub enum MutatorError {
    /// A permanent, business-level refusal (unknown mutator, bad arguments, duplicate
    /// id, missing target): the mutation is skipped and its id still consumed.
    Rejected(String),
    /// The database failed; the caller decides whether to retry.
    Database(diesel::result::Error),
}

impl From<diesel::result::Error> for MutatorError {
    fn from(e: diesel::result::Error) -> Self {
        MutatorError::Database(e)
    }
}

/// Largest integer a JavaScript number holds exactly.
const MAX_SAFE_INTEGER: i64 = (1 << 53) - 1;

#[derive(Deserialize)]
struct CreateMessageArgs<'a> {
    id: &'a str,
    from: &'a str,
    content: &'a str,
    order: i64,
}

#[derive(Deserialize)]
struct UpdateMessageArgs<'a> {
    id: &'a str,
    content: &'a str,
}

#[derive(Deserialize)]
struct DeleteMessageArgs<'a> {
    id: &'a str,
}

/// What a mutator left for its caller to do.
#[derive(Debug)]
pub enum Effect<'m> {
    /// Insert this new message; a message with its id already existing (live or
    /// deleted) makes the mutation a rejected one.
    Insert(NewMessage<'m>),
    /// The mutator wrote its change already.
    Written,
}

/// Runs `mutation`'s mutator, stamping every row it writes with `version`.
/// `createMessage` writes nothing itself: it returns the row to insert.
pub fn apply<'m>(
    conn: &mut DbConn,
    mutation: &'m Mutation,
    version: i64,
    limits: &MutationLimits,
) -> Result<Effect<'m>, MutatorError> {
    match mutation.name.as_str() {
        "createMessage" => {
            let args: CreateMessageArgs = decode(&mutation.args)?;
            check_text("id", args.id, limits.max_id_len, false)?;
            check_text("from", args.from, limits.max_sender_len, true)?;
            check_text("content", args.content, limits.max_content_len, true)?;
            if !(-MAX_SAFE_INTEGER..=MAX_SAFE_INTEGER).contains(&args.order) {
                return Err(reject("order is outside the safe integer range"));
            }
            Ok(Effect::Insert(NewMessage {
                id: args.id,
                sender: args.from,
                content: args.content,
                ord: args.order,
                deleted: false,
                version,
            }))
        }
        "updateMessage" => {
            let args: UpdateMessageArgs = decode(&mutation.args)?;
            check_text("id", args.id, limits.max_id_len, false)?;
            check_text("content", args.content, limits.max_content_len, true)?;
            if !MessageRepo::update_content(conn, args.id, args.content, version)? {
                return Err(reject(format!("message {} does not exist", args.id)));
            }
            Ok(Effect::Written)
        }
        "deleteMessage" => {
            let args: DeleteMessageArgs = decode(&mutation.args)?;
            check_text("id", args.id, limits.max_id_len, false)?;
            let now = chrono::Utc::now().naive_utc();
            if !MessageRepo::soft_delete(conn, args.id, version, now)? {
                return Err(reject(format!("message {} does not exist", args.id)));
            }
            Ok(Effect::Written)
        }
        other => Err(reject(format!("unknown mutator {other:?}"))),
    }
}

/// True for mutators that read existing messages (so messages created earlier in the
/// same batch must be written before they run).
pub fn reads_messages(name: &str) -> bool {
    name != "createMessage"
}

fn reject(message: impl Into<String>) -> MutatorError {
    MutatorError::Rejected(message.into())
}

fn decode<'a, T: Deserialize<'a>>(args: &'a Value) -> Result<T, MutatorError> {
    T::deserialize(args).map_err(|e| reject(format!("invalid arguments: {e}")))
}

/// Rejects over-long text and NUL characters (PostgreSQL cannot store them).
fn check_text(
    field: &str,
    value: &str,
    max_chars: usize,
    may_be_empty: bool,
) -> Result<(), MutatorError> {
    if !may_be_empty && value.is_empty() {
        return Err(reject(format!("{field} must not be empty")));
    }
    if value.contains('\0') {
        return Err(reject(format!("{field} contains a NUL character")));
    }
    if value.len() > max_chars && value.chars().count() > max_chars {
        return Err(reject(format!(
            "{field} is longer than {max_chars} characters"
        )));
    }
    Ok(())
}
