//! The payload of a poke `NOTIFY`: `*` for everyone, or a JSON array of user ids.
//! PostgreSQL refuses payloads of 8,000 bytes or more; targets that do not fit are
//! widened to everyone.

use super::PokeTargets;
use crate::domain::UserId;
use std::collections::BTreeSet;

/// The payload that pokes everyone.
const EVERYONE: &str = "*";

/// Longest payload sent; longer target lists become [`EVERYONE`].
const MAX_PAYLOAD_BYTES: usize = 7_900;

/// The payload announcing `targets`.
pub fn encode(targets: &PokeTargets) -> String {
    match targets {
        PokeTargets::Everyone => EVERYONE.to_string(),
        PokeTargets::Users(users) => match serde_json::to_string(users) {
            Ok(json) if json.len() <= MAX_PAYLOAD_BYTES => json,
            _ => EVERYONE.to_string(),
        },
    }
}

/// The targets a payload announces; anything unreadable pokes everyone (a poke too
/// many costs a pull, a poke too few a stale view).
pub fn decode(payload: &str) -> PokeTargets {
    match serde_json::from_str::<BTreeSet<UserId>>(payload) {
        Ok(users) if payload != EVERYONE => PokeTargets::Users(users),
        _ => PokeTargets::Everyone,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_round_trip_and_large_ones_widen_to_everyone() {
        let users: BTreeSet<UserId> = ["ann", "bob"]
            .iter()
            .filter_map(|u| UserId::parse(u.to_string()).ok())
            .collect();
        let targets = PokeTargets::Users(users);
        assert_eq!(decode(&encode(&targets)), targets);
        assert_eq!(
            decode(&encode(&PokeTargets::Everyone)),
            PokeTargets::Everyone
        );
        let many: BTreeSet<UserId> = (0..2_000)
            .filter_map(|n| UserId::parse(format!("user-{n}")).ok())
            .collect();
        assert_eq!(encode(&PokeTargets::Users(many)), "*");
        assert_eq!(decode("not json"), PokeTargets::Everyone);
    }
}
