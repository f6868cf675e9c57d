//! The full view (`clear` + every live message), kept rendered and up to date
//! incrementally, so a reset-style pull costs the rows changed since the last one
//! rendered instead of a read and an encoding of the whole table.
//!
//! Every write stamps its rows with the global version it commits, and deletes leave
//! tombstones until GC purges them (recording the highest purged version as the
//! tombstone horizon). So the view of version `w` is the view of an older version `v`
//! plus the rows with a version above `v`, as long as `v` is not below the horizon.
//! The cache holds each live message's rendered operation by id and the assembled view
//! of the version it reflects; pulls that need it meanwhile wait for one build (the
//! lock) instead of each reading the table.

use crate::dto::{assemble_full_view, render_op};
use crate::models::Message;
use diesel::result::{Error as QueryError, QueryResult};
use serde_json::value::RawValue;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

/// The rows a build asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViewRead {
    /// Every live message.
    AllLive,
    /// Every message, tombstones included, written after this version.
    ChangedSince(i64),
}

/// Holds the rendered full view of one version (normally the newest one pulled).
#[derive(Debug, Default)]
pub struct FullViewCache {
    state: Mutex<Held>,
}

#[derive(Debug, Default)]
struct Held {
    /// The version `ops` and `view` reflect; `None` before the first build.
    version: Option<i64>,
    /// Rendered `put` of every live message, by id.
    ops: BTreeMap<String, Box<RawValue>>,
    /// `clear` + `ops`, assembled.
    view: Option<Arc<RawValue>>,
}

impl FullViewCache {
    /// The full view at `version`, read through `read` inside the caller's snapshot of
    /// that version. `horizon` is the snapshot's tombstone horizon: a cache older than
    /// it may miss purged deletes and is rebuilt.
    pub fn view(
        &self,
        version: i64,
        horizon: i64,
        mut read: impl FnMut(ViewRead) -> QueryResult<Vec<Message>>,
    ) -> QueryResult<Arc<RawValue>> {
        let mut held = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        match held.version {
            Some(v) if v == version => {
                if let Some(view) = &held.view {
                    return Ok(Arc::clone(view));
                }
            }
            Some(v) if v < version && v >= horizon => {
                for row in read(ViewRead::ChangedSince(v))? {
                    held.apply(&row)?;
                }
            }
            // First build, a cache below the horizon, or a snapshot older than the cache
            // (another pull got here first with a newer one, or the database went back
            // in time): read everything at this version.
            _ => {
                let rows = read(ViewRead::AllLive)?;
                held.view = None;
                held.ops = render_all(&rows)?;
            }
        }
        held.version = Some(version);
        let view = assemble_full_view(held.ops.values().map(AsRef::as_ref)).map_err(encoding)?;
        held.view = Some(Arc::clone(&view));
        Ok(view)
    }
}

impl Held {
    /// Brings one changed row into `ops`: a tombstone removes its message.
    fn apply(&mut self, row: &Message) -> QueryResult<()> {
        self.view = None;
        if row.deleted {
            self.ops.remove(&row.id);
        } else {
            self.ops
                .insert(row.id.clone(), render_op(row).map_err(encoding)?);
        }
        Ok(())
    }
}

/// The full view of `rows` (the live messages) rendered afresh and not kept: for a
/// transaction that may still fail to commit, whose view must not reach other pulls.
pub fn render_uncached(rows: &[Message]) -> QueryResult<Arc<RawValue>> {
    let ops = render_all(rows)?;
    assemble_full_view(ops.values().map(AsRef::as_ref)).map_err(encoding)
}

fn render_all(rows: &[Message]) -> QueryResult<BTreeMap<String, Box<RawValue>>> {
    rows.iter()
        .filter(|row| !row.deleted)
        .map(|row| Ok((row.id.clone(), render_op(row).map_err(encoding)?)))
        .collect()
}

/// A JSON encoding failure (not expected for rows of strings and integers) reported
/// like a database failure to read the view.
fn encoding(error: serde_json::Error) -> QueryError {
    QueryError::SerializationError(Box::new(error))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn message(id: &str, content: &str, version: i64, deleted: bool) -> Message {
        Message {
            id: id.to_string(),
            sender: "s".to_string(),
            content: content.to_string(),
            ord: 1,
            deleted,
            version,
            deleted_at: None,
        }
    }

    fn keys(view: &RawValue) -> Vec<String> {
        let ops: Vec<Value> = serde_json::from_str(view.get()).unwrap_or_default();
        ops.iter()
            .map(|op| format!("{}:{}", op["op"], op["value"]["content"]))
            .collect()
    }

    #[test]
    fn builds_once_then_applies_only_the_changes() {
        let cache = FullViewCache::default();
        let mut reads = Vec::new();
        let first = cache
            .view(2, 0, |read| {
                reads.push(read);
                Ok(vec![
                    message("a", "A", 1, false),
                    message("b", "B", 2, false),
                ])
            })
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            keys(&first),
            ["\"clear\":null", "\"put\":\"A\"", "\"put\":\"B\""]
        );
        let again = cache
            .view(2, 0, |read| panic!("no read expected, got {read:?}"))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(again.get(), first.get());

        let next = cache
            .view(4, 0, |read| {
                reads.push(read);
                Ok(vec![
                    message("a", "A2", 3, false),
                    message("b", "B", 4, true),
                ])
            })
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(keys(&next), ["\"clear\":null", "\"put\":\"A2\""]);
        assert_eq!(reads, [ViewRead::AllLive, ViewRead::ChangedSince(2)]);
        let value: Value = serde_json::from_str(next.get()).unwrap_or_default();
        assert_eq!(
            value,
            json!([{"op": "clear"}, {"op": "put", "key": "message/a",
                                      "value": {"from": "s", "content": "A2", "order": 1}}])
        );
    }

    #[test]
    fn rebuilds_below_the_horizon_or_for_an_older_snapshot() {
        let cache = FullViewCache::default();
        let rows = |_: ViewRead| Ok(vec![message("a", "A", 1, false)]);
        cache.view(5, 0, rows).unwrap_or_else(|e| panic!("{e}"));
        let mut reads = Vec::new();
        cache
            .view(9, 7, |read| {
                reads.push(read);
                Ok(vec![message("c", "C", 9, false)])
            })
            .unwrap_or_else(|e| panic!("{e}"));
        let older = cache
            .view(8, 7, |read| {
                reads.push(read);
                Ok(vec![message("old", "O", 8, false)])
            })
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(keys(&older), ["\"clear\":null", "\"put\":\"O\""]);
        cache
            .view(9, 7, |read| {
                reads.push(read);
                Ok(vec![message("c", "C", 9, false)])
            })
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            reads,
            [
                ViewRead::AllLive,
                ViewRead::AllLive,
                ViewRead::ChangedSince(8)
            ],
            "5 < horizon 7: rebuilt; 8 < 9: rebuilt at 8; then only the changes"
        );
    }
}
