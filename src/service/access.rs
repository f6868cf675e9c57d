//! Who may use a client group: the check push and pull share (docs/protocol.md §9).

use crate::auth::Caller;
use crate::db::DbConn;
use crate::domain::ClientGroupId;
use crate::dto::ProtocolError;
use crate::error::ApiError;
use crate::models::ClientGroup;
use crate::repository::ClientGroupRepo;
use diesel::result::Error as QueryError;

/// Why a caller may not use a client group (or a client of it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupRefusal {
    /// It belongs to another user, or the client to another group: 403.
    Forbidden(String),
    /// GC removed its state: `ClientStateNotFound`.
    Collected,
}

impl GroupRefusal {
    /// The answer: Replicache's error body, or the HTTP error.
    pub fn into_answer(self) -> Result<ProtocolError, ApiError> {
        match self {
            GroupRefusal::Collected => Ok(ProtocolError::ClientStateNotFound),
            GroupRefusal::Forbidden(message) => Err(ApiError::forbidden(message)),
        }
    }
}

/// Refuses a tombstoned group or one owned by another user. A group never seen before
/// (`None`) is fine: new and forked groups are normal.
pub fn check_access(
    group: Option<&ClientGroup>,
    caller: &Caller,
    group_id: &ClientGroupId,
) -> Result<(), GroupRefusal> {
    match group {
        Some(group) if group.deleted_at.is_some() => Err(GroupRefusal::Collected),
        Some(group) if group.user_id != caller.user_id => Err(GroupRefusal::Forbidden(format!(
            "client group {group_id} belongs to another user"
        ))),
        _ => Ok(()),
    }
}

/// Loads the group and checks the caller may use it (see [`check_access`]).
pub fn check_group<F>(conn: &mut DbConn, caller: &Caller, group_id: &ClientGroupId) -> Result<(), F>
where
    F: From<GroupRefusal> + From<QueryError>,
{
    let group = ClientGroupRepo::find(conn, group_id)?;
    check_access(group.as_ref(), caller, group_id).map_err(F::from)
}
