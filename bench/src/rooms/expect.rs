//! What a user of a [`Shape`] must see, and the differences between that and a pull.

use super::shape::Shape;
use crate::proto::PullView;
use serde_json::Value;
use std::collections::{HashMap, HashSet};

/// The room every replichat database has (public, no messages of a shape).
const GENERAL: &str = "general";

/// The entries of a user's full view that a shape made.
#[derive(Debug, Clone, Default)]
pub struct Expected {
    /// Room ids (without `general`).
    pub rooms: HashSet<String>,
    /// `<roomID>/<userID>` of every membership entry.
    pub members: HashSet<String>,
    /// Message id → its room id.
    pub messages: HashMap<String, String>,
}

impl Expected {
    /// What user `u` of `shape` can read.
    pub fn user(shape: &Shape, u: usize) -> Self {
        Self::of_rooms(shape, &shape.readable_by(u))
    }

    /// Everything `shape` creates (what its seeding user reads).
    pub fn everything(shape: &Shape) -> Self {
        Self::of_rooms(shape, &shape.included_rooms())
    }

    fn of_rooms(shape: &Shape, rooms: &[usize]) -> Self {
        let members = shape.members();
        let mut expected = Expected::default();
        for &r in rooms {
            let room = shape.room_id(r);
            if !shape.is_public(r) {
                expected
                    .members
                    .insert(format!("{room}/{}", shape.seed_user()));
                for &u in &members[r] {
                    expected
                        .members
                        .insert(format!("{room}/{}", shape.user_id(u)));
                }
            }
            for i in 0..shape.messages_in(r) {
                expected
                    .messages
                    .insert(shape.message_id(r, i), room.clone());
            }
            expected.rooms.insert(room);
        }
        expected
    }

    /// Every difference between `view` (a full view) and this, one line each.
    pub fn differences(&self, view: &PullView) -> Vec<String> {
        let mut problems = Vec::new();
        let rooms: Vec<&str> = view
            .puts_under("room/")
            .map(|(id, _)| id)
            .filter(|id| *id != GENERAL)
            .collect();
        compare("room", &self.rooms, &rooms, &mut problems);
        let members: Vec<&str> = view.puts_under("member/").map(|(k, _)| k).collect();
        compare("membership", &self.members, &members, &mut problems);
        let mut seen: Vec<&str> = Vec::new();
        let mut misplaced = 0usize;
        for (id, value) in view.message_puts() {
            seen.push(id);
            let room = value.and_then(|v| v.get("roomID")).and_then(Value::as_str);
            if let Some(expected) = self.messages.get(id) {
                misplaced += usize::from(room != Some(expected.as_str()));
            }
        }
        let ids: HashSet<String> = self.messages.keys().cloned().collect();
        compare("message", &ids, &seen, &mut problems);
        if misplaced > 0 {
            problems.push(format!("{misplaced} messages carry the wrong roomID"));
        }
        problems
    }
}

/// Adds a line to `problems` for entries missing from, extra in or repeated in `seen`.
fn compare(kind: &str, expected: &HashSet<String>, seen: &[&str], problems: &mut Vec<String>) {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for key in seen {
        *counts.entry(key).or_default() += 1;
    }
    let missing: Vec<&str> = expected
        .iter()
        .map(String::as_str)
        .filter(|k| !counts.contains_key(k))
        .collect();
    let extra: Vec<&str> = counts
        .keys()
        .copied()
        .filter(|k| !expected.contains(*k))
        .collect();
    let repeated = counts.values().filter(|c| **c > 1).count();
    if !missing.is_empty() {
        problems.push(format!(
            "{} of {} {kind} entries missing, e.g. {:?}",
            missing.len(),
            expected.len(),
            &missing[..missing.len().min(3)]
        ));
    }
    if !extra.is_empty() {
        problems.push(format!(
            "{} unexpected {kind} entries (the database must hold only the shape), e.g. {:?}",
            extra.len(),
            &extra[..extra.len().min(3)]
        ));
    }
    if repeated > 0 {
        problems.push(format!("{repeated} {kind} entries appear more than once"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn view_of(expected: &Expected) -> Value {
        let mut patch = vec![
            json!({"op": "clear"}),
            json!({"op": "put", "key": "room/general",
                                                           "value": {}}),
        ];
        for room in &expected.rooms {
            patch.push(json!({"op": "put", "key": format!("room/{room}"), "value": {}}));
        }
        for member in &expected.members {
            patch.push(json!({"op": "put", "key": format!("member/{member}"), "value": {}}));
        }
        for (id, room) in &expected.messages {
            patch.push(json!({"op": "put", "key": format!("message/{id}"),
                              "value": {"roomID": room}}));
        }
        json!({"cookie": 1, "lastMutationIDChanges": {}, "patch": patch})
    }

    #[test]
    fn an_exact_view_passes_and_changes_are_named() {
        let shape: Shape = "rooms=10,public=20,messages=95,users=6,per-user=2"
            .parse()
            .unwrap();
        let expected = Expected::user(&shape, 0);
        assert_eq!(expected.rooms.len(), 4);
        assert_eq!(expected.messages.len(), 40);
        let mut value = view_of(&expected);
        let view: PullView = serde_json::from_value(value.clone()).unwrap();
        assert!(expected.differences(&view).is_empty());
        let patch = value["patch"].as_array_mut().unwrap();
        patch.push(json!({"op": "put", "key": "message/stray", "value": {"roomID": "x"}}));
        patch.retain(|op| op["key"] != json!(format!("room/{}", shape.room_id(0))));
        let view: PullView = serde_json::from_value(value).unwrap();
        assert_eq!(expected.differences(&view).len(), 2);
    }
}
