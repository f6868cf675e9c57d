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

use crate::http::{join, Http};
use crate::proto::{ClientIdentity, PullView, PULL_PATH};
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

/// Verifies each client with at most `concurrency` pulls in flight.
pub async fn clients(
    http: &Http,
    url: &str,
    logs: &[ClientLog],
    concurrency: usize,
) -> Result<Checks> {
    let gate = Arc::new(Semaphore::new(concurrency.max(1)));
    let tasks: Vec<_> = logs
        .iter()
        .map(|log| {
            let (http, url, gate) = (http.clone(), join(url, PULL_PATH), Arc::clone(&gate));
            let (id, acked, sent) = (log.id.clone(), log.acked, log.sent);
            tokio::spawn(async move {
                let _permit = gate.acquire_owned().await?;
                let view = pull_full(&http, &url, &id).await?;
                Ok::<_, anyhow::Error>(check_client(&id, acked, sent, &view))
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
    let reply = http.post_json(url, id.pull_body(&Value::Null)).await?;
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

/// Every mismatch between what the client sent/was told and what the pull shows.
fn check_client(id: &ClientIdentity, acked: u64, sent: u64, view: &PullView) -> Vec<String> {
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
    let mut wrong_from = 0usize;
    for (key, value) in view.message_puts() {
        let Some(n) = key
            .strip_prefix(&prefix)
            .and_then(|n| n.parse::<u64>().ok())
        else {
            continue;
        };
        *seen.entry(n).or_default() += 1;
        if value.and_then(|v| v.get("from")).and_then(Value::as_str) != Some(who.as_str()) {
            wrong_from += 1;
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

    #[test]
    fn exact_state_passes() {
        let id = ClientIdentity::fresh();
        assert!(check_client(&id, 3, 3, &view(&id, 3, &[1, 2, 3])).is_empty());
        // Unacknowledged id 4 applied: allowed because the lmid covers it.
        assert!(check_client(&id, 3, 4, &view(&id, 4, &[1, 2, 3, 4])).is_empty());
        assert!(check_client(&id, 3, 4, &view(&id, 3, &[1, 2, 3])).is_empty());
    }

    #[test]
    fn losses_and_phantoms_fail() {
        let id = ClientIdentity::fresh();
        assert_eq!(check_client(&id, 3, 3, &view(&id, 2, &[1, 2])).len(), 1);
        assert_eq!(check_client(&id, 3, 3, &view(&id, 3, &[1, 3])).len(), 1);
        assert_eq!(
            check_client(&id, 3, 4, &view(&id, 3, &[1, 2, 3, 4])).len(),
            1
        );
        assert_eq!(
            check_client(&id, 3, 3, &view(&id, 3, &[1, 2, 3, 3])).len(),
            1
        );
        assert_eq!(check_client(&id, 3, 3, &view(&id, 5, &[1, 2, 3])).len(), 2);
    }
}
