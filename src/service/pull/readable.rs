//! Which rooms a user can read, remembered per user for as long as the server's access
//! version stays the same.
//!
//! Only room and membership rows decide who can read what, and every write of one
//! marks the access version (read in each pull's snapshot), so a set computed at an
//! access version holds for every snapshot at that access version, on every process.
//! A pull then skips the two or three queries of the set.

use crate::db::DbConn;
use crate::domain::{RoomId, UserId, Version};
use crate::repository::RoomRepo;
use diesel::result::QueryResult;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// Users remembered at most; past it the cache starts over (its entries are cheap to
/// recompute).
const MAX_USERS: usize = 100_000;

/// A user's readable rooms, sorted, and the access version they were read at.
type Known = HashMap<UserId, (Version, Arc<Vec<RoomId>>)>;

/// The readable rooms of recent users, by access version.
#[derive(Debug, Default)]
pub struct ReadableRooms {
    known: Mutex<Known>,
}

impl ReadableRooms {
    /// The rooms `user` can read in a snapshot whose access version is
    /// `access_version`, sorted: remembered, or read and remembered.
    pub fn of(
        &self,
        conn: &mut DbConn,
        user: &UserId,
        access_version: Version,
    ) -> QueryResult<Arc<Vec<RoomId>>> {
        if let Some((at, rooms)) = self.lock().get(user) {
            if *at == access_version {
                return Ok(Arc::clone(rooms));
            }
        }
        let mut rooms = RoomRepo::readable_by(conn, user)?;
        rooms.sort_unstable();
        rooms.dedup();
        let rooms = Arc::new(rooms);
        let mut known = self.lock();
        if known.len() >= MAX_USERS {
            known.clear();
        }
        // A newer snapshot's set wins over an older one's.
        let newer = known.get(user).is_none_or(|(at, _)| *at <= access_version);
        if newer {
            known.insert(user.clone(), (access_version, Arc::clone(&rooms)));
        }
        Ok(rooms)
    }

    fn lock(&self) -> MutexGuard<'_, Known> {
        self.known.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
