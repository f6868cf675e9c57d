//! The full view (`clear` + every live entry), kept rendered and up to date
//! incrementally, so a reset-style pull costs the entries changed since the last one
//! rendered instead of a read and an encoding of every table.
//!
//! Every write stamps its rows with the global version it commits, and deletes leave
//! tombstones until GC purges them (recording the highest purged version as the
//! tombstone horizon). So the view of version `w` is the view of an older version `v`
//! plus the entries written after `v`, as long as `v` is not below the horizon. The
//! cache holds each live entry's rendered operation by key and the assembled view of
//! the version it reflects; pulls that need it meanwhile wait for one build (the lock)
//! instead of each reading the tables.

use super::encoding;
use crate::domain::Version;
use crate::dto::{assemble_full_view, ViewEntry};
use diesel::result::QueryResult;
use serde_json::value::RawValue;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

/// The entries a build asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViewRead {
    /// Every live entry.
    AllLive,
    /// Every entry, tombstones included, written after this version.
    ChangedSince(Version),
}

/// Holds the rendered full view of one version (normally the newest one pulled).
#[derive(Debug, Default)]
pub struct FullViewCache {
    state: Mutex<Held>,
}

#[derive(Debug, Default)]
struct Held {
    /// The version `ops` and `view` reflect; `None` before the first build.
    version: Option<Version>,
    /// Rendered `put` of every live entry, by key.
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
        version: Version,
        horizon: Version,
        mut read: impl FnMut(ViewRead) -> QueryResult<Vec<ViewEntry>>,
    ) -> QueryResult<Arc<RawValue>> {
        let mut held = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        match held.version {
            Some(v) if v == version => {
                if let Some(view) = &held.view {
                    return Ok(Arc::clone(view));
                }
            }
            Some(v) if v < version && v >= horizon => {
                for entry in read(ViewRead::ChangedSince(v))? {
                    held.apply(entry);
                }
            }
            // First build, a cache below the horizon, or a snapshot older than the cache
            // (another pull got here first with a newer one, or the database went back
            // in time): read everything at this version.
            _ => {
                let entries = read(ViewRead::AllLive)?;
                held.view = None;
                held.ops = live_ops(entries);
            }
        }
        held.version = Some(version);
        let view = assemble_full_view(held.ops.values().map(AsRef::as_ref)).map_err(encoding)?;
        held.view = Some(Arc::clone(&view));
        Ok(view)
    }
}

impl Held {
    /// Brings one changed entry into `ops`: a `del` removes its key.
    fn apply(&mut self, entry: ViewEntry) {
        self.view = None;
        if entry.is_live() {
            let (key, op) = entry.into_parts();
            self.ops.insert(key, op);
        } else {
            self.ops.remove(entry.key());
        }
    }
}

/// The full view of `entries` (the live ones) rendered afresh and not kept: for a
/// transaction that may still fail to commit, whose view must not reach other pulls.
pub fn render_uncached(entries: Vec<ViewEntry>) -> QueryResult<Arc<RawValue>> {
    let ops = live_ops(entries);
    assemble_full_view(ops.values().map(AsRef::as_ref)).map_err(encoding)
}

fn live_ops(entries: Vec<ViewEntry>) -> BTreeMap<String, Box<RawValue>> {
    entries
        .into_iter()
        .filter(ViewEntry::is_live)
        .map(ViewEntry::into_parts)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn put(key: &str, content: &str) -> ViewEntry {
        ViewEntry::put(format!("message/{key}"), &json!({"content": content}))
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn del(key: &str) -> ViewEntry {
        ViewEntry::del(format!("message/{key}")).unwrap_or_else(|e| panic!("{e}"))
    }

    fn contents(view: &RawValue) -> Vec<String> {
        let value: Value = serde_json::from_str(view.get()).unwrap_or_default();
        let ops = value.as_array().cloned().unwrap_or_default();
        ops.iter()
            .map(|op| match op["op"].as_str() {
                Some("put") => op["value"]["content"].as_str().unwrap_or("?").to_string(),
                other => other.unwrap_or("?").to_string(),
            })
            .collect()
    }

    fn v(n: i64) -> Version {
        Version::new(n)
    }

    #[test]
    fn builds_once_then_applies_only_the_changes() {
        let cache = FullViewCache::default();
        let mut reads = Vec::new();
        let first = cache
            .view(v(2), v(0), |read| {
                reads.push(read);
                Ok(vec![put("a", "A"), put("b", "B")])
            })
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(contents(&first), ["clear", "A", "B"]);
        let again = cache
            .view(v(2), v(0), |read| panic!("no read expected, got {read:?}"))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(again.get(), first.get());

        let next = cache
            .view(v(4), v(0), |read| {
                reads.push(read);
                Ok(vec![put("a", "A2"), del("b")])
            })
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(contents(&next), ["clear", "A2"]);
        assert_eq!(reads, [ViewRead::AllLive, ViewRead::ChangedSince(v(2))]);
    }

    #[test]
    fn rebuilds_below_the_horizon_or_for_an_older_snapshot() {
        let cache = FullViewCache::default();
        let rows = |_: ViewRead| Ok(vec![put("a", "A")]);
        cache
            .view(v(5), v(0), rows)
            .unwrap_or_else(|e| panic!("{e}"));
        let mut reads = Vec::new();
        cache
            .view(v(9), v(7), |read| {
                reads.push(read);
                Ok(vec![put("c", "C")])
            })
            .unwrap_or_else(|e| panic!("{e}"));
        let older = cache
            .view(v(8), v(7), |read| {
                reads.push(read);
                Ok(vec![put("old", "O")])
            })
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(contents(&older), ["clear", "O"]);
        cache
            .view(v(9), v(7), |read| {
                reads.push(read);
                Ok(vec![put("c", "C")])
            })
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            reads,
            [
                ViewRead::AllLive,
                ViewRead::AllLive,
                ViewRead::ChangedSince(v(8))
            ],
            "5 < horizon 7: rebuilt; 8 < 9: rebuilt at 8; then only the changes"
        );
    }
}
