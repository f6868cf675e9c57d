//! Pull: the client view changes since the request's cookie (spec §4, §7).
//!
//! The cookie is the integer global version under both strategies, read in the same
//! snapshot as the data, so a response with lastMutationID N holds exactly the effects
//! of mutations up to N. A cookie this server cannot serve incrementally (malformed,
//! ahead of the server, older than the tombstone horizon) gets a full reset with a
//! cookie the client accepts as newer.

use super::failure::{check_group, Failure};
use super::full_view_cache::{render_uncached, FullViewCache, ViewRead};
use super::Services;
use crate::auth::Caller;
use crate::config::PullStrategy;
use crate::db::{DbConn, TxMode};
use crate::dto::{
    smallest_cookie_above, PatchSource, ProtocolError, PullPayload, PullRequest, RequestCookie,
    VersionType,
};
use crate::error::ApiError;
use crate::models::ServerState;
use crate::repository::{ClientRepo, MessageRepo, ServerRepo};

/// The answer to a pull.
#[derive(Debug, Clone)]
pub enum PullOutcome {
    /// A pull response.
    Patch(PullPayload),
    /// A Replicache error body.
    Refused(ProtocolError),
}

impl Services {
    /// Answers `request` for `caller`.
    pub fn pull(&self, caller: &Caller, request: &PullRequest) -> Result<PullOutcome, ApiError> {
        if !self.config.accepts_schema_version(&request.schema_version) {
            return Ok(PullOutcome::Refused(ProtocolError::VersionNotSupported {
                version_type: VersionType::Schema,
            }));
        }
        let cookie = RequestCookie::parse(&request.cookie);
        let strategy = self.config.pull_strategy;
        let group_id = request.client_group_id.as_str();
        let read = self.db.transaction(TxMode::Read, |conn| {
            check_group(conn, caller, group_id)?;
            let state = ServerRepo::state(conn)?;
            match plan(cookie, &request.cookie, strategy, state) {
                Plan::Unchanged(version) => Ok(PullPayload::unchanged(version)),
                Plan::Full => {
                    full_view(conn, group_id, state, ViewSource::Shared(&self.full_views))
                }
                Plan::Since(from) => changes_since(conn, group_id, from, state.version),
                Plan::ResetAbove(target) => Err(Failure::NeedsReset(target)),
            }
        });
        let payload = match read {
            Err(Failure::NeedsReset(target)) => self.reset_above(caller, group_id, target),
            other => other,
        };
        match payload {
            Ok(payload) => Ok(PullOutcome::Patch(payload)),
            Err(failure) => Ok(PullOutcome::Refused(failure.into_refusal()?)),
        }
    }

    /// Raises the global version to `target` (so the new cookie is newer than the
    /// request's) and returns the full view, in one write transaction. The view is
    /// rendered privately: its version exists only if the commit succeeds.
    fn reset_above(
        &self,
        caller: &Caller,
        group_id: &str,
        target: i64,
    ) -> Result<PullPayload, Failure> {
        rocket::info!(
            "pull: unusable cookie for group {group_id}; full reset at version >= {target}"
        );
        self.db.transaction(TxMode::Write, |conn| {
            check_group(conn, caller, group_id)?;
            ServerRepo::raise_version(conn, target)?;
            let state = ServerRepo::state(conn)?;
            full_view(conn, group_id, state, ViewSource::Private)
        })
    }
}

/// Highest version a request cookie may raise the global version to. A forged cookie
/// near 2^53 would otherwise leave no versions that JavaScript can tell apart.
const MAX_RAISED_VERSION: i64 = 1 << 52;

/// How to answer a cookie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Plan {
    /// Nothing changed: echo the cookie.
    Unchanged(i64),
    /// `clear` and every live row.
    Full,
    /// Rows and clients changed after this version.
    Since(i64),
    /// The cookie cannot be served as is: reset under a cookie of at least this version.
    ResetAbove(i64),
}

fn plan(
    cookie: RequestCookie,
    raw: &serde_json::Value,
    strategy: PullStrategy,
    state: ServerState,
) -> Plan {
    match cookie {
        RequestCookie::Null => Plan::Full,
        RequestCookie::Version(v) if v == state.version => Plan::Unchanged(v),
        RequestCookie::Version(v) if v < state.version => match strategy {
            PullStrategy::Reset => Plan::Full,
            PullStrategy::Version if v < state.tombstone_horizon => Plan::Full,
            PullStrategy::Version => Plan::Since(v),
        },
        _ => match smallest_cookie_above(state.version, raw) {
            Some(target) if target == state.version => Plan::Full,
            Some(target) if target <= MAX_RAISED_VERSION => Plan::ResetAbove(target),
            // No integer cookie can satisfy the client, or satisfying it would push the
            // global version near 2^53 for everyone: answer a full view at the current
            // version instead.
            _ => Plan::Full,
        },
    }
}

/// Where a full view comes from.
#[derive(Debug, Clone, Copy)]
enum ViewSource<'a> {
    /// The shared cache, brought up to the snapshot: for snapshots of committed data.
    Shared(&'a FullViewCache),
    /// Read and rendered for this pull only: for a snapshot that includes this
    /// transaction's own uncommitted write.
    Private,
}

/// `clear` plus every live message and the lastMutationID of every client of the group.
fn full_view(
    conn: &mut DbConn,
    group_id: &str,
    state: ServerState,
    source: ViewSource<'_>,
) -> Result<PullPayload, Failure> {
    let last_mutation_id_changes = ClientRepo::mutation_ids_since(conn, group_id, i64::MIN)?;
    let view = match source {
        ViewSource::Shared(cache) => {
            cache.view(state.version, state.tombstone_horizon, |read| match read {
                ViewRead::AllLive => MessageRepo::all_live(conn),
                ViewRead::ChangedSince(version) => MessageRepo::changed_since(conn, version),
            })?
        }
        ViewSource::Private => render_uncached(&MessageRepo::all_live(conn)?)?,
    };
    Ok(PullPayload {
        cookie: state.version,
        last_mutation_id_changes,
        patch: PatchSource::Rendered(view),
    })
}

fn changes_since(
    conn: &mut DbConn,
    group_id: &str,
    from: i64,
    version: i64,
) -> Result<PullPayload, Failure> {
    Ok(PullPayload {
        cookie: version,
        last_mutation_id_changes: ClientRepo::mutation_ids_since(conn, group_id, from)?,
        patch: PatchSource::Rows {
            clear: false,
            messages: MessageRepo::changed_since(conn, from)?,
        },
    })
}
