//! The rooms data set: R rooms (a share of them public), M messages spread evenly over
//! them, U users each a member of K private rooms, everything created by one seeding user
//! who owns every room. All ids follow from the numbers, so two databases seeded with one
//! shape hold the same entries, and a shape restricted to the measured user's rooms
//! (`mine`) holds exactly the rooms, memberships and messages that user sees in the full
//! shape: their view is the same, byte for byte, in both.

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};
use std::fmt;
use std::str::FromStr;

/// Prefix of every id a shape creates.
pub const PREFIX: &str = "rb";

/// The user whose pulls `rooms-pull` measures (user 0).
pub const MEASURED: usize = 0;

/// The numbers a data set is made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shape {
    /// Rooms, public ones first.
    pub rooms: usize,
    /// Share of public rooms, in percent (rounded to whole rooms).
    pub public_percent: usize,
    /// Messages, spread evenly over the rooms.
    pub messages: u64,
    /// Users besides the seeding user.
    pub users: usize,
    /// Private rooms each user is a member of (at most the number of private rooms).
    pub per_user: usize,
    /// Only the rooms the measured user can read, with their members and messages.
    pub only_measured: bool,
}

/// One mutation of the seeding user's plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// `createRoom` of room `r`.
    Room(usize),
    /// `addMember` of user `u` to room `r`.
    Member(usize, usize),
    /// `createMessage` number `i` in room `r`.
    Message(usize, u64),
}

impl Shape {
    /// 1,000 rooms (10 % public), 100,000 messages, 1,000 users in 5 private rooms each.
    pub fn big() -> Self {
        Shape {
            rooms: 1_000,
            public_percent: 10,
            messages: 100_000,
            users: 1_000,
            per_user: 5,
            only_measured: false,
        }
    }

    /// One private room of 1,000 messages with the measured user as its only member.
    pub fn small() -> Self {
        Shape {
            rooms: 1,
            public_percent: 0,
            messages: 1_000,
            users: 1,
            per_user: 1,
            only_measured: false,
        }
    }

    /// Number of public rooms (rooms `0..public_rooms()`).
    pub fn public_rooms(&self) -> usize {
        ((self.rooms * self.public_percent + 50) / 100).min(self.rooms)
    }

    fn private_rooms(&self) -> usize {
        self.rooms - self.public_rooms()
    }

    /// Whether room `r` is public.
    pub fn is_public(&self, r: usize) -> bool {
        r < self.public_rooms()
    }

    /// The id of room `r`.
    pub fn room_id(&self, r: usize) -> String {
        format!("{PREFIX}-r{r}")
    }

    /// The id of user `u`.
    pub fn user_id(&self, u: usize) -> String {
        format!("{PREFIX}-u{u}")
    }

    /// The user who creates and owns everything.
    pub fn seed_user(&self) -> String {
        format!("{PREFIX}-seed")
    }

    /// The id of message `i` of room `r`.
    pub fn message_id(&self, r: usize, i: u64) -> String {
        format!("{PREFIX}-r{r}-m{i}")
    }

    /// Messages in room `r`: an even share of M, the first rooms taking the remainder.
    pub fn messages_in(&self, r: usize) -> u64 {
        let rooms = self.rooms.max(1) as u64;
        self.messages / rooms + u64::from((r as u64) < self.messages % rooms)
    }

    /// The private rooms of user `u`: K consecutive ones (modulo the private rooms), so
    /// users 0, 1, ... have disjoint rooms as long as there are enough.
    pub fn private_rooms_of(&self, u: usize) -> Vec<usize> {
        let (first, count) = (self.public_rooms(), self.private_rooms());
        (0..self.per_user.min(count))
            .map(|j| first + (u * self.per_user + j) % count)
            .collect()
    }

    /// The rooms user `u` can read, ascending.
    pub fn readable_by(&self, u: usize) -> Vec<usize> {
        let mut rooms: Vec<usize> = (0..self.public_rooms()).collect();
        let mut private = self.private_rooms_of(u);
        private.sort_unstable();
        rooms.extend(private);
        rooms
    }

    /// Members (besides the seeding owner) of every room, by room index.
    pub fn members(&self) -> Vec<Vec<usize>> {
        let mut members = vec![Vec::new(); self.rooms];
        for u in 0..self.users {
            for r in self.private_rooms_of(u) {
                members[r].push(u);
            }
        }
        members
    }

    /// The rooms this shape creates: every room, or those the measured user reads.
    pub fn included_rooms(&self) -> Vec<usize> {
        if self.only_measured {
            self.readable_by(MEASURED)
        } else {
            (0..self.rooms).collect()
        }
    }

    /// The seeding user's mutations in order: rooms, memberships, messages.
    pub fn plan(&self) -> Vec<Step> {
        let rooms = self.included_rooms();
        let members = self.members();
        let mut plan: Vec<Step> = rooms.iter().map(|&r| Step::Room(r)).collect();
        for &r in &rooms {
            plan.extend(members[r].iter().map(|&u| Step::Member(r, u)));
        }
        for &r in &rooms {
            plan.extend((0..self.messages_in(r)).map(|i| Step::Message(r, i)));
        }
        plan
    }

    /// The mutator name and arguments of `step`.
    pub fn mutation(&self, step: Step) -> (&'static str, Value) {
        match step {
            Step::Room(r) => (
                "createRoom",
                json!({"id": self.room_id(r), "name": format!("room {r}"),
                       "visibility": if self.is_public(r) { "public" } else { "private" }}),
            ),
            Step::Member(r, u) => (
                "addMember",
                json!({"roomID": self.room_id(r), "userID": self.user_id(u)}),
            ),
            Step::Message(r, i) => (
                "createMessage",
                json!({"id": self.message_id(r, i), "from": "seed",
                       "content": format!("message {i} of room {r}"), "order": i,
                       "roomID": self.room_id(r)}),
            ),
        }
    }

    /// A short name for workload titles, e.g. `R1000:M100k` or `R1000:M100k:mine`.
    pub fn label(&self) -> String {
        let messages = match self.messages {
            m if m >= 1_000 && m % 1_000 == 0 => format!("{}k", m / 1_000),
            m => m.to_string(),
        };
        let mine = if self.only_measured { ":mine" } else { "" };
        format!("R{}:M{messages}{mine}", self.rooms)
    }

    fn set(&mut self, key: &str, value: &str) -> Result<()> {
        let number = || -> Result<usize> {
            value
                .parse()
                .with_context(|| format!("shape: {key}={value} is not a number"))
        };
        match key {
            "rooms" => self.rooms = number()?,
            "public" => self.public_percent = number()?,
            "messages" => self.messages = number()? as u64,
            "users" => self.users = number()?,
            "per-user" => self.per_user = number()?,
            other => {
                bail!("shape: unknown key {other:?} (rooms, public, messages, users, per-user)")
            }
        }
        Ok(())
    }
}

/// `big`, `small` or `mine` (big, only the measured user's rooms), then any of
/// `rooms=N`, `public=PERCENT`, `messages=N`, `users=N`, `per-user=K`, `mine`,
/// comma-separated; e.g. `rooms=50,messages=2000,users=50`.
impl FromStr for Shape {
    type Err = anyhow::Error;

    fn from_str(text: &str) -> Result<Self> {
        let mut shape = Shape::big();
        for (i, token) in text.split(',').map(str::trim).enumerate() {
            match token {
                "big" if i == 0 => shape = Shape::big(),
                "small" if i == 0 => shape = Shape::small(),
                "mine" => shape.only_measured = true,
                _ => match token.split_once('=') {
                    Some((key, value)) => shape.set(key.trim(), value.trim())?,
                    None => bail!("shape: cannot read {token:?} (big, small, mine, key=value)"),
                },
            }
        }
        if shape.rooms == 0 || shape.users == 0 {
            bail!("shape: needs at least one room and one user");
        }
        if shape.public_percent > 100 {
            bail!("shape: public={} is more than 100 %", shape.public_percent);
        }
        Ok(shape)
    }
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "R={} pub={} M={} U={} K={}{}",
            self.rooms,
            self.public_rooms(),
            self.messages,
            self.users,
            self.per_user,
            if self.only_measured { " mine" } else { "" }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_and_overrides_parse() {
        assert_eq!("big".parse::<Shape>().unwrap(), Shape::big());
        let small: Shape = "small".parse().unwrap();
        assert_eq!(small, Shape::small());
        let custom: Shape = "rooms=50,messages=2000,users=50,mine".parse().unwrap();
        assert_eq!(
            (custom.rooms, custom.messages, custom.users),
            (50, 2000, 50)
        );
        assert!(custom.only_measured);
        assert!("rooms=x".parse::<Shape>().is_err());
        assert!("colour=red".parse::<Shape>().is_err());
    }

    #[test]
    fn big_shape_spreads_as_documented() {
        let big = Shape::big();
        assert_eq!(big.public_rooms(), 100);
        assert_eq!(
            (0..big.rooms).map(|r| big.messages_in(r)).sum::<u64>(),
            100_000
        );
        let mine = big.private_rooms_of(MEASURED);
        assert_eq!(mine.len(), 5);
        assert!(mine.iter().all(|r| !big.is_public(*r)));
        // The first users' private rooms are disjoint.
        let next = big.private_rooms_of(1);
        assert!(mine.iter().all(|r| !next.contains(r)));
        let plan = big.plan();
        let members = plan
            .iter()
            .filter(|s| matches!(s, Step::Member(..)))
            .count();
        assert_eq!(members, 5_000);
        assert_eq!(plan.len(), 1_000 + 5_000 + 100_000);
    }

    #[test]
    fn mine_keeps_exactly_the_measured_users_rooms() {
        let mut mine = Shape::big();
        mine.only_measured = true;
        let plan = mine.plan();
        let rooms = plan.iter().filter(|s| matches!(s, Step::Room(_))).count();
        let messages = plan
            .iter()
            .filter(|s| matches!(s, Step::Message(..)))
            .count();
        assert_eq!(rooms, 105);
        assert_eq!(messages, 10_500);
        let full: Vec<Step> = Shape::big()
            .plan()
            .into_iter()
            .filter(|s| match s {
                Step::Room(r) | Step::Member(r, _) | Step::Message(r, _) => {
                    mine.readable_by(MEASURED).contains(r)
                }
            })
            .collect();
        assert_eq!(plan, full);
    }
}
