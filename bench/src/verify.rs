//! Verification of a push run through pull, as a Replicache client would see its state.
//!
//! For each client, one pull with a null cookie in the client's own group returns, in one
//! consistent snapshot, the client's lastMutationID `L` and every message. The rule:
//! - `acked <= L <= sent`: an acknowledged mutation is never forgotten, and the server never
//!   claims ids it was not sent. When every push was acknowledged (the normal case, thanks to
//!   the drain) this is `L == acked`.
//! - the client's messages are exactly ids `1..=L`, each once, with `from` = the client:
//!   every mutation is a valid `createMessage` with a fresh id, so each applied mutation must
//!   leave its message (none may go down the "error mode" path), and nothing past `L` may be
//!   visible (spec invariant: lmid N shows the effects of mutations <= N and none > N).
//!   Unacknowledged mutations may thus exist only if `L` covers them.
//! - when the server knows rooms and the messages named them, each message is in the room
//!   its mutation named (`roomID`).

use crate::http::{join, Http};
use crate::proto::{ClientIdentity, PullView, RoomCycle, PULL_PATH};
use crate::push::ClientLog;
use anyhow::{anyhow, Context, Result};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::Semaphore;

/// Result of verifying every client of a run.
#[derive(Debug, Default)]
pub struct Checks {
    /// Clients whose state matched.
    pub verified: usize,
    /// One line per mismatch.
    pub failures: Vec<String>,
}

/// Verifies each client with at most `concurrency` pulls in flight; `check_rooms`: also
/// the `roomID` of every message.
pub async fn clients(
    http: &Http,
    url: &str,
    logs: &[ClientLog],
    concurrency: usize,
    check_rooms: bool,
) -> Result<Checks> {
    let gate = Arc::new(Semaphore::new(concurrency.max(1)));
    let tasks: Vec<_> = logs
        .iter()
        .map(|log| {
            let (http, url, gate) = (http.clone(), join(url, PULL_PATH), Arc::clone(&gate));
            let (id, acked, sent) = (log.id.clone(), log.acked, log.sent);
            let rooms = check_rooms.then(|| log.rooms.clone());
            tokio::spawn(async move {
                let _permit = gate.acquire_owned().await?;
                let view = pull_full(&http, &url, &id).await?;
                let sent = Sent {
                    acked,
                    sent,
                    rooms: rooms.as_ref(),
                };
                Ok::<_, anyhow::Error>(check_client(&id, sent, &view))
            })
        })
        .collect();
    let mut checks = Checks::default();
    for task in tasks {
        let problems = task.await??;
        if problems.is_empty() {
            checks.verified += 1;
        }
        checks.failures.extend(problems);
    }
    Ok(checks)
}

/// A null-cookie pull in `id`'s group, parsed.
pub async fn pull_full(http: &Http, url: &str, id: &ClientIdentity) -> Result<PullView> {
    let reply = id.post(http, url, id.pull_body(&Value::Null)).await?;
    if !reply.is_ok() {
        return Err(anyhow!("verification pull failed: {}", reply.describe()));
    }
    let view: PullView = serde_json::from_slice(&reply.body)
        .context("verification pull: unexpected response shape")?;
    if view.cookie.is_null() {
        return Err(anyhow!("a null-cookie pull answered with a null cookie"));
    }
    Ok(view)
}

/// What one client sent and was told.
struct Sent<'a> {
    /// Highest acknowledged mutation id.
    acked: u64,
    /// Highest mutation id sent.
    sent: u64,
    /// The rooms its messages named, when the server stores rooms.
    rooms: Option<&'a RoomCycle>,
}

/// Every mismatch between what the client sent/was told and what the pull shows.
fn check_client(id: &ClientIdentity, sent: Sent<'_>, view: &PullView) -> Vec<String> {
    let Sent { acked, sent, rooms } = sent;
    let who = &id.client;
    let lmid = view.lmids.get(who).copied().unwrap_or(0);
    let mut problems = Vec::new();
    if lmid < acked {
        problems.push(format!(
            "client {who}: lastMutationID {lmid} < highest acknowledged id {acked} (acknowledged writes lost)"
        ));
    }
    if lmid > sent {
        problems.push(format!(
            "client {who}: lastMutationID {lmid} > highest id ever sent {sent}"
        ));
    }
    let prefix = format!("{who}-");
    let mut seen: HashMap<u64, usize> = HashMap::new();
    let (mut wrong_from, mut wrong_room) = (0usize, 0usize);
    for (key, value) in view.message_puts() {
        let Some(n) = key
            .strip_prefix(&prefix)
            .and_then(|n| n.parse::<u64>().ok())
        else {
            continue;
        };
        *seen.entry(n).or_default() += 1;
        let field = |name: &str| value.and_then(|v| v.get(name)).and_then(Value::as_str);
        if field("from") != Some(who.as_str()) {
            wrong_from += 1;
        }
        if rooms.is_some_and(|r| field("roomID") != r.room(n)) {
            wrong_room += 1;
        }
    }
    let missing: Vec<u64> = (1..=lmid).filter(|n| !seen.contains_key(n)).collect();
    let mut beyond: Vec<u64> = seen.keys().copied().filter(|n| *n > lmid).collect();
    beyond.sort_unstable();
    let duplicated = seen.values().filter(|c| **c > 1).count();
    if !missing.is_empty() {
        problems.push(format!(
            "client {who}: {} of ids 1..={lmid} have no message (lost writes), e.g. {:?}",
            missing.len(),
            &missing[..missing.len().min(5)]
        ));
    }
    if !beyond.is_empty() {
        problems.push(format!(
            "client {who}: {} messages beyond lastMutationID {lmid}, e.g. {:?}",
            beyond.len(),
            &beyond[..beyond.len().min(5)]
        ));
    }
    if duplicated > 0 {
        problems.push(format!(
            "client {who}: {duplicated} message keys appear more than once"
        ));
    }
    if wrong_from > 0 {
        problems.push(format!(
            "client {who}: {wrong_from} messages with a wrong `from`"
        ));
    }
    if wrong_room > 0 {
        problems.push(format!(
            "client {who}: {wrong_room} messages not in the room their mutation named"
        ));
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn view(id: &ClientIdentity, lmid: u64, messages: &[u64]) -> PullView {
        let patch: Vec<Value> = messages
            .iter()
            .map(|n| {
                json!({"op": "put", "key": format!("message/{}", id.message_id(*n)),
                            "value": {"from": id.client, "content": "x", "order": n}})
            })
            .collect();
        serde_json::from_value(
            json!({"cookie": 7, "lastMutationIDChanges": {&id.client: lmid},
                                      "patch": patch}),
        )
        .unwrap()
    }

    fn sent(acked: u64, sent: u64) -> Sent<'static> {
        Sent {
            acked,
            sent,
            rooms: None,
        }
    }

    #[test]
    fn exact_state_passes() {
        let id = ClientIdentity::fresh();
        assert!(check_client(&id, sent(3, 3), &view(&id, 3, &[1, 2, 3])).is_empty());
        // Unacknowledged id 4 applied: allowed because the lmid covers it.
        assert!(check_client(&id, sent(3, 4), &view(&id, 4, &[1, 2, 3, 4])).is_empty());
        assert!(check_client(&id, sent(3, 4), &view(&id, 3, &[1, 2, 3])).is_empty());
    }

    #[test]
    fn losses_and_phantoms_fail() {
        let id = ClientIdentity::fresh();
        assert_eq!(
            check_client(&id, sent(3, 3), &view(&id, 2, &[1, 2])).len(),
            1
        );
        assert_eq!(
            check_client(&id, sent(3, 3), &view(&id, 3, &[1, 3])).len(),
            1
        );
        assert_eq!(
            check_client(&id, sent(3, 4), &view(&id, 3, &[1, 2, 3, 4])).len(),
            1
        );
        assert_eq!(
            check_client(&id, sent(3, 3), &view(&id, 3, &[1, 2, 3, 3])).len(),
            1
        );
        assert_eq!(
            check_client(&id, sent(3, 3), &view(&id, 5, &[1, 2, 3])).len(),
            2
        );
    }

    #[test]
    fn messages_must_be_in_their_rooms() {
        let id = ClientIdentity::fresh();
        let rooms = RoomCycle::new(vec!["a".to_string(), "b".to_string()].into(), 0);
        let mut pulled = view(&id, 2, &[1, 2]);
        let in_rooms = |acked, pulled: &PullView| {
            let sent = Sent {
                acked,
                sent: acked,
                rooms: Some(&rooms),
            };
            check_client(&id, sent, pulled).len()
        };
        assert_eq!(in_rooms(2, &pulled), 1);
        for (op, room) in pulled.patch.iter_mut().zip(["b", "a"]) {
            if let Some(value) = op.value.as_mut() {
                value["roomID"] = json!(room);
            }
        }
        assert_eq!(in_rooms(2, &pulled), 0);
    }
}
