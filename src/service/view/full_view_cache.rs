//! Full views (`clear` + every entry a user can read), kept rendered per room and up to
//! date incrementally, so a reset-style pull costs the entries changed since the last
//! one rendered plus copying the user's rooms, instead of reading and encoding them.
//!
//! Every write stamps its rows with the global version it commits, and deletes leave
//! tombstones until GC purges them (recording the highest purged version as the
//! tombstone horizon). So the rooms at version `w` are the rooms at an older version `v`
//! plus the entries written after `v`, as long as `v` is not below the horizon. The
//! cache holds every live room's rendered operations by key, at the version it
//! reflects; a room whose own entry is gone (deleted) is dropped. A full view is the
//! rooms its user can read, joined; the joined views of the current version are kept
//! too (every user of a chat without private rooms shares one). Pulls that need the
//! cache meanwhile wait for one build (the lock) instead of each reading the tables.

use super::{encoding, RoomEntry};
use crate::domain::{RoomId, Version};
use crate::dto::{assemble_full_view, room_key, ViewEntry};
use diesel::result::QueryResult;
use serde_json::value::RawValue;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError};

/// Joined views kept at most; beyond it they are forgotten and rebuilt on demand.
const MAX_JOINED_VIEWS: usize = 256;

/// The entries a build asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViewRead {
    /// Every live entry.
    AllLive,
    /// Every entry, tombstones included, written after this version.
    ChangedSince(Version),
}

/// Holds every room rendered at one version (normally the newest one pulled).
#[derive(Debug, Default)]
pub struct FullViewCache {
    state: Mutex<Held>,
}

#[derive(Debug, Default)]
struct Held {
    /// The version `rooms` reflect; `None` before the first build.
    version: Option<Version>,
    rooms: HashMap<RoomId, RoomOps>,
    /// Full views of this version, by the (sorted) rooms they join.
    joined: HashMap<Vec<RoomId>, Arc<RawValue>>,
}

#[derive(Debug, Default)]
struct RoomOps {
    /// Rendered `put` of every live entry of the room, by key.
    ops: BTreeMap<String, Box<RawValue>>,
    /// `ops` joined with commas, built on demand.
    fragment: Option<Arc<str>>,
}

impl FullViewCache {
    /// The full view of `rooms` (sorted, distinct) at `version`, read through `read`
    /// inside the caller's snapshot of that version. `horizon` is the snapshot's
    /// tombstone horizon: a cache older than it may miss purged deletes and is rebuilt.
    pub fn view(
        &self,
        version: Version,
        horizon: Version,
        rooms: &[RoomId],
        mut read: impl FnMut(ViewRead) -> QueryResult<Vec<RoomEntry>>,
    ) -> QueryResult<Arc<RawValue>> {
        let mut held = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        match held.version {
            Some(v) if v == version => {}
            Some(v) if v < version && v >= horizon => {
                let entries = read(ViewRead::ChangedSince(v))?;
                held.apply(entries);
            }
            // First build, a cache below the horizon, or a snapshot older than the cache
            // (another pull got here first with a newer one, or the database went back
            // in time): read everything at this version.
            _ => {
                let entries = read(ViewRead::AllLive)?;
                held.rooms.clear();
                held.apply(entries);
            }
        }
        if held.version != Some(version) {
            held.version = Some(version);
            held.joined.clear();
        }
        held.join(rooms)
    }
}

impl Held {
    /// Brings changed entries into their rooms, then drops the rooms that are gone.
    fn apply(&mut self, entries: Vec<RoomEntry>) {
        for RoomEntry { room, entry } in entries {
            let ops = self.rooms.entry(room).or_default();
            ops.fragment = None;
            if entry.is_live() {
                let (key, op) = entry.into_parts();
                ops.ops.insert(key, op);
            } else {
                ops.ops.remove(entry.key());
            }
        }
        self.rooms
            .retain(|room, ops| ops.ops.contains_key(&room_key(room)));
    }

    /// `clear` and the operations of `rooms`, joined (and kept for the next pull).
    fn join(&mut self, rooms: &[RoomId]) -> QueryResult<Arc<RawValue>> {
        if let Some(view) = self.joined.get(rooms) {
            return Ok(Arc::clone(view));
        }
        let mut text = String::from(r#"[{"op":"clear"}"#);
        for room in rooms {
            let Some(ops) = self.rooms.get_mut(room) else {
                continue;
            };
            let fragment = ops.fragment.get_or_insert_with(|| {
                let parts: Vec<&str> = ops.ops.values().map(|op| op.get()).collect();
                Arc::from(parts.join(","))
            });
            if !fragment.is_empty() {
                text.push(',');
                text.push_str(fragment);
            }
        }
        text.push(']');
        let view: Arc<RawValue> = RawValue::from_string(text).map_err(encoding)?.into();
        if self.joined.len() >= MAX_JOINED_VIEWS {
            self.joined.clear();
        }
        self.joined.insert(rooms.to_vec(), Arc::clone(&view));
        Ok(view)
    }
}

/// The full view of `entries` (the live ones) rendered afresh and not kept: for a
/// transaction that may still fail to commit, whose view must not reach other pulls.
pub fn render_uncached(entries: Vec<ViewEntry>) -> QueryResult<Arc<RawValue>> {
    let ops: BTreeMap<String, Box<RawValue>> = entries
        .into_iter()
        .filter(ViewEntry::is_live)
        .map(ViewEntry::into_parts)
        .collect();
    assemble_full_view(ops.values().map(AsRef::as_ref)).map_err(encoding)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn room(id: &str) -> RoomId {
        RoomId::parse("id", id.into(), 16).unwrap_or_else(|e| panic!("{e}"))
    }

    fn entry(room_id: &str, key: &str, content: Option<&str>) -> RoomEntry {
        let entry = match content {
            Some(content) => ViewEntry::put(key.into(), &json!({ "content": content })),
            None => ViewEntry::del(key.into()),
        };
        RoomEntry {
            room: room(room_id),
            entry: entry.unwrap_or_else(|e| panic!("{e}")),
        }
    }

    fn room_row(id: &str) -> RoomEntry {
        entry(id, &format!("room/{id}"), Some(id))
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
    fn builds_once_then_applies_only_the_changes_per_room() {
        let cache = FullViewCache::default();
        let (a, b) = (room("a"), room("b"));
        let mut reads = Vec::new();
        let first = cache
            .view(v(2), v(0), &[a.clone(), b.clone()], |read| {
                reads.push(read);
                Ok(vec![
                    room_row("a"),
                    entry("a", "message/1", Some("A1")),
                    room_row("b"),
                    entry("b", "message/2", Some("B2")),
                ])
            })
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(contents(&first), ["clear", "A1", "a", "B2", "b"]);
        let only_b = cache
            .view(v(2), v(0), std::slice::from_ref(&b), |read| {
                panic!("no read expected, got {read:?}")
            })
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(contents(&only_b), ["clear", "B2", "b"]);

        let next = cache
            .view(v(4), v(0), &[a.clone(), b.clone()], |read| {
                reads.push(read);
                Ok(vec![
                    entry("a", "message/1", None),
                    entry("b", "room/b", None),
                ])
            })
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(contents(&next), ["clear", "a"], "b was deleted, 1 too");
        assert_eq!(reads, [ViewRead::AllLive, ViewRead::ChangedSince(v(2))]);
    }

    #[test]
    fn rebuilds_below_the_horizon_or_for_an_older_snapshot() {
        let cache = FullViewCache::default();
        let rooms = [room("a")];
        let all = |_: ViewRead| Ok(vec![room_row("a")]);
        cache
            .view(v(5), v(0), &rooms, all)
            .unwrap_or_else(|e| panic!("{e}"));
        let mut reads = Vec::new();
        for (version, horizon) in [(9, 7), (8, 7), (9, 7)] {
            cache
                .view(v(version), v(horizon), &rooms, |read| {
                    reads.push(read);
                    Ok(vec![room_row("a")])
                })
                .unwrap_or_else(|e| panic!("{e}"));
        }
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
