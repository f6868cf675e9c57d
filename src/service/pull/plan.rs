//! How to answer a request cookie, decided in the pull's snapshot.

use crate::domain::js_number::MAX_RAISED_VERSION;
use crate::domain::Version;
use crate::dto::{smallest_cookie_above, RequestCookie};
use crate::models::ServerState;
use crate::service::settings::PullStrategy;
use serde_json::Value;

/// How to answer a cookie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Plan {
    /// Nothing changed: echo the cookie.
    Unchanged(Version),
    /// `clear` and every live entry.
    Full,
    /// Entries and clients changed after this version.
    Since(Version),
    /// The cookie cannot be served as it is (malformed, or ahead of the server after a
    /// database reset): a full view under a cookie of at least this version, which the
    /// global version must first be raised to, in a write transaction.
    ResetAbove(Version),
}

/// The plan for `cookie` (`raw` as sent) under `strategy` at the snapshot's `state`.
pub(super) fn plan(
    cookie: RequestCookie,
    raw: &Value,
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
            Some(target) if target.get() <= MAX_RAISED_VERSION => Plan::ResetAbove(target),
            // No integer cookie can satisfy the client, or satisfying it would push the
            // global version near 2^53 for everyone: answer a full view at the current
            // version instead.
            _ => Plan::Full,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn at(version: i64, horizon: i64) -> ServerState {
        ServerState {
            version: Version::new(version),
            tombstone_horizon: Version::new(horizon),
            access_version: Version::new(0),
        }
    }

    fn planned(cookie: Value, strategy: PullStrategy, state: ServerState) -> Plan {
        plan(RequestCookie::parse(&cookie), &cookie, strategy, state)
    }

    #[test]
    fn cookies_map_onto_plans() {
        let v = Version::new;
        let version = PullStrategy::Version;
        assert_eq!(planned(json!(null), version, at(5, 0)), Plan::Full);
        assert_eq!(planned(json!(5), version, at(5, 0)), Plan::Unchanged(v(5)));
        assert_eq!(planned(json!(3), version, at(5, 0)), Plan::Since(v(3)));
        assert_eq!(planned(json!(3), version, at(5, 4)), Plan::Full);
        assert_eq!(planned(json!(3), PullStrategy::Reset, at(5, 0)), Plan::Full);
        assert_eq!(
            planned(json!(9), version, at(5, 0)),
            Plan::ResetAbove(v(10))
        );
        assert_eq!(planned(json!("abc"), version, at(5, 0)), Plan::Full);
        assert_eq!(planned(json!(1u64 << 53), version, at(5, 0)), Plan::Full);
    }
}
