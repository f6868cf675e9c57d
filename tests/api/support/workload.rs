//! A deterministic per-client workload whose every mutation has a visible effect, and
//! its model: the messages a client's first `n` mutations must leave in the view.
//! Lets tests check "lastMutationID N ⇔ exactly the effects of mutations ≤ N".

use replichat_test_support::bodies::{
    create_message, delete_message, message_value, mutation, update_message,
};
use replichat_test_support::view::ClientView;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// What mutation `k` of a workload does.
enum Step {
    Create,
    /// Rewrites the content of the message created by mutation `k - 1`.
    Edit,
    /// Deletes the message created by mutation `k - 1`.
    Delete,
    /// A mutator the server does not know (error mode: the id is consumed, and an error
    /// entry is written for the client's group).
    Unknown,
    /// `createMessage` with an `order` of the wrong type (error mode, likewise).
    BadArgs,
}

fn step(k: i64) -> Step {
    match (k % 10, k % 50) {
        (0, _) => Step::Edit,
        (5, _) => Step::Delete,
        (_, 37) => Step::Unknown,
        (_, 23) => Step::BadArgs,
        _ => Step::Create,
    }
}

fn message_id(client: &str, k: i64) -> String {
    format!("{client}-{k}")
}

/// Mutation `k` (1-based) of `client`'s workload.
pub fn workload_mutation(client: &str, k: i64) -> Value {
    let own = message_id(client, k);
    let previous = message_id(client, k - 1);
    match step(k) {
        Step::Create => create_message(client, k, &own, &own, k),
        Step::Edit => update_message(client, k, &previous, &format!("{previous} edited")),
        Step::Delete => delete_message(client, k, &previous),
        Step::Unknown => mutation(client, k, "bogusMutator", json!({"id": own})),
        Step::BadArgs => {
            let args = json!({"id": own, "from": "tester", "content": own, "order": "NaN"});
            mutation(client, k, "createMessage", args)
        }
    }
}

/// Mutations `from..=to` of `client`'s workload.
pub fn workload_range(client: &str, from: i64, to: i64) -> Vec<Value> {
    (from..=to).map(|k| workload_mutation(client, k)).collect()
}

/// The view entries (`message/<id>` -> value) after `client`'s first `n` mutations.
pub fn workload_view(client: &str, n: i64) -> BTreeMap<String, Value> {
    let mut view = BTreeMap::new();
    for k in 1..=n {
        let key = |k| format!("message/{}", message_id(client, k));
        match step(k) {
            Step::Create => {
                let own = message_id(client, k);
                view.insert(key(k), message_value("tester", &own, k));
            }
            Step::Edit => {
                let edited = format!("{} edited", message_id(client, k - 1));
                if let Some(value) = view.get_mut(&key(k - 1)) {
                    value["content"] = json!(edited);
                }
            }
            Step::Delete => {
                view.remove(&key(k - 1));
            }
            Step::Unknown | Step::BadArgs => {}
        }
    }
    view
}

/// Error entries kept per client (the newest, by mutation id).
const KEPT_ERRORS: usize = 20;

/// The error entries (`error/<client>/<k>` -> value) the refused mutations among
/// `client`'s first `n` leave in the view of its group: the newest [`KEPT_ERRORS`].
pub fn workload_errors(client: &str, n: i64) -> BTreeMap<String, Value> {
    let refused: Vec<(i64, Value)> = (1..=n)
        .filter_map(|k| {
            let value = match step(k) {
                Step::Unknown => {
                    json!({"name": "bogusMutator", "message": "unknown mutator \"bogusMutator\""})
                }
                Step::BadArgs => json!({
                    "name": "createMessage",
                    "message": "invalid arguments: invalid type: string \"NaN\", expected i64",
                }),
                _ => return None,
            };
            Some((k, value))
        })
        .collect();
    let skip = refused.len().saturating_sub(KEPT_ERRORS);
    refused
        .into_iter()
        .skip(skip)
        .map(|(k, value)| (format!("error/{client}/{k}"), value))
        .collect()
}

/// Asserts that, for each of `clients`, the view holds exactly the effects of that
/// client's mutations up to the lastMutationID the view holds for it.
pub fn assert_view_matches_workload(view: &ClientView, clients: &[&str]) {
    for client in clients {
        let lmid = view.lmids.get(*client).copied().unwrap_or(0);
        let prefix = format!("message/{client}-");
        let actual: BTreeMap<String, Value> = view
            .data
            .iter()
            .filter(|(key, _)| key.starts_with(&prefix))
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect();
        assert_eq!(
            actual,
            workload_view(client, lmid),
            "view of {client} at lastMutationID {lmid} (cookie {})",
            view.cookie
        );
    }
}

/// Number of row writes (creates, edits, deletes) among a client's first `n` mutations.
pub fn workload_writes(n: i64) -> i64 {
    let writes = (1..=n).filter(|&k| !matches!(step(k), Step::Unknown | Step::BadArgs));
    writes.count() as i64
}
