//! What a case is made of: the steps, the mutations they record, the generators that
//! pick them, and the wire form of a mutation.

use super::{GROUPS, MAX_ID_LEN, MAX_STEPS, MESSAGES, ROOMS, TABS, TABS_PER_GROUP, USERS};
use proptest::prelude::*;
use replichat::domain::js_number::MAX_SAFE_INTEGER;
use replichat_test_support::bodies::mutation;
use serde_json::{json, Value};

/// One step of a case.
#[derive(Debug, Clone)]
pub enum Step {
    /// The tab records a mutation; it stays pending until a pull confirms it.
    Mutate { tab: usize, mutator: Mutator },
    /// The tab pushes its pending mutations, and those of the other tabs of its group
    /// with `siblings`; without the first of its own with `gap`.
    Push {
        tab: usize,
        siblings: bool,
        gap: bool,
    },
    /// The last push is sent again, as when its response was lost.
    Resend,
    /// The tab's pending mutations are pushed under another group (`shift` groups on),
    /// as the tab's user.
    Stray { tab: usize, shift: usize },
    /// The tab pulls with its cache's cookie.
    Pull { tab: usize },
    /// The tab's cache goes back `back` snapshots; past the oldest, to a fresh cache.
    Rewind { tab: usize, back: usize },
    /// The tab's user pulls for its group with a made-up cookie, outside its cache.
    Forge { tab: usize, cookie: Forged },
}

/// A cookie no honest cache of this group holds.
#[derive(Debug, Clone, Copy)]
pub enum Forged {
    /// This many versions before the current one (or 0 when that is negative).
    Behind(i64),
    /// Ahead of the current version.
    Ahead(i64),
    /// Text instead of a number.
    Text,
}

/// A room a mutation names: `general` or `r<n>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoomRef {
    General,
    Room(usize),
}

impl RoomRef {
    /// The room's id.
    pub fn id(self) -> String {
        match self {
            RoomRef::General => "general".into(),
            RoomRef::Room(n) => format!("r{n}"),
        }
    }
}

/// Who may read a room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    Public,
    Private,
}

impl Visibility {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Private => "private",
        }
    }
}

/// What a mutation asks for. Message `msg` is `m<msg>`, user `user` is `u<user>`.
#[derive(Debug, Clone, PartialEq)]
pub enum Mutator {
    CreateMessage {
        msg: usize,
        from: String,
        content: String,
        order: i64,
        /// `None` sends no `roomID` (the message goes to `general`).
        room: Option<RoomRef>,
    },
    UpdateMessage {
        msg: usize,
        content: String,
    },
    DeleteMessage {
        msg: usize,
    },
    CreateRoom {
        room: RoomRef,
        name: String,
        /// `None` sends no `visibility` (the room is private).
        visibility: Option<Visibility>,
    },
    RenameRoom {
        room: RoomRef,
        name: String,
    },
    DeleteRoom {
        room: RoomRef,
    },
    AddMember {
        room: RoomRef,
        user: usize,
    },
    RemoveMember {
        room: RoomRef,
        user: usize,
    },
    /// A mutator the server does not know.
    Unknown,
    /// Arguments the mutator does not accept.
    Invalid(Invalid),
}

/// Ways arguments can be wrong; each is refused whatever the state.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Invalid {
    OrderIsText,
    FractionalOrder,
    ContentMissing,
    NullArgs,
    EmptyId,
    NulInId,
    LongId,
    EmptyRoomId,
    SlashInRoomId,
    UnknownVisibility,
    EmptyUserId,
}

/// The id of message `msg`.
pub fn message_id(msg: usize) -> String {
    format!("m{msg}")
}

/// The id of user `user`.
pub fn user_id(user: usize) -> String {
    format!("u{user}")
}

/// Text around the server's length bound, with multi-byte characters so that bytes
/// and characters differ.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-c]{0,3}",
        1 => "[xé😀]{7,9}",
    ]
}

/// A room name: mostly a valid one, so that rooms get made and used.
fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => "[a-c]{1,3}",
        1 => Just(String::new()),
        1 => "[xé😀]{9}",
    ]
}

fn order() -> impl Strategy<Value = i64> {
    prop_oneof![
        8 => -3i64..10,
        1 => Just(MAX_SAFE_INTEGER),
        1 => Just(MAX_SAFE_INTEGER + 1),
        1 => Just(-MAX_SAFE_INTEGER - 1),
    ]
}

fn room() -> impl Strategy<Value = RoomRef> {
    prop_oneof![
        1 => Just(RoomRef::General),
        3 => (0..ROOMS).prop_map(RoomRef::Room),
    ]
}

/// A user id: one of the users with tabs, or one without any.
fn user() -> impl Strategy<Value = usize> {
    0..=USERS
}

fn visibility() -> impl Strategy<Value = Option<Visibility>> {
    prop_oneof![
        Just(None),
        Just(Some(Visibility::Private)),
        Just(Some(Visibility::Public)),
    ]
}

fn invalid() -> impl Strategy<Value = Invalid> {
    prop_oneof![
        Just(Invalid::OrderIsText),
        Just(Invalid::FractionalOrder),
        Just(Invalid::ContentMissing),
        Just(Invalid::NullArgs),
        Just(Invalid::EmptyId),
        Just(Invalid::NulInId),
        Just(Invalid::LongId),
        Just(Invalid::EmptyRoomId),
        Just(Invalid::SlashInRoomId),
        Just(Invalid::UnknownVisibility),
        Just(Invalid::EmptyUserId),
    ]
}

fn mutator() -> impl Strategy<Value = Mutator> {
    let msg = 0..MESSAGES;
    let message_room = prop_oneof![1 => Just(None), 4 => room().prop_map(Some)];
    prop_oneof![
        6 => (msg.clone(), text(), text(), order(), message_room).prop_map(
            |(msg, from, content, order, room)| Mutator::CreateMessage { msg, from, content, order, room }
        ),
        2 => (msg.clone(), text()).prop_map(|(msg, content)| Mutator::UpdateMessage { msg, content }),
        2 => msg.prop_map(|msg| Mutator::DeleteMessage { msg }),
        4 => (room(), name(), visibility()).prop_map(|(room, name, visibility)| {
            Mutator::CreateRoom { room, name, visibility }
        }),
        1 => (room(), name()).prop_map(|(room, name)| Mutator::RenameRoom { room, name }),
        1 => room().prop_map(|room| Mutator::DeleteRoom { room }),
        4 => (room(), user()).prop_map(|(room, user)| Mutator::AddMember { room, user }),
        3 => (room(), user()).prop_map(|(room, user)| Mutator::RemoveMember { room, user }),
        1 => Just(Mutator::Unknown),
        1 => invalid().prop_map(Mutator::Invalid),
    ]
}

fn forged() -> impl Strategy<Value = Forged> {
    prop_oneof![
        3 => (1i64..6).prop_map(Forged::Behind),
        1 => (1i64..1_000).prop_map(Forged::Ahead),
        1 => Just(Forged::Text),
    ]
}

/// With `own`, a `removeMember` of tab `tab` removes the tab's own user (leaving), so
/// that removals often pass the rules.
fn leaving(tab: usize, mutator: Mutator, own: bool) -> Mutator {
    match mutator {
        Mutator::RemoveMember { room, .. } if own => Mutator::RemoveMember {
            room,
            user: (tab / TABS_PER_GROUP) % USERS,
        },
        other => other,
    }
}

fn step() -> impl Strategy<Value = Step> {
    let tab = 0..TABS;
    prop_oneof![
        14 => (tab.clone(), mutator(), any::<bool>()).prop_map(|(tab, mutator, own)| {
            Step::Mutate { tab, mutator: leaving(tab, mutator, own) }
        }),
        8 => (tab.clone(), any::<bool>(), prop::bool::weighted(0.1))
            .prop_map(|(tab, siblings, gap)| Step::Push { tab, siblings, gap }),
        2 => Just(Step::Resend),
        1 => (tab.clone(), 1..GROUPS).prop_map(|(tab, shift)| Step::Stray { tab, shift }),
        8 => tab.clone().prop_map(|tab| Step::Pull { tab }),
        2 => (tab.clone(), 0..4usize).prop_map(|(tab, back)| Step::Rewind { tab, back }),
        1 => (tab, forged()).prop_map(|(tab, cookie)| Step::Forge { tab, cookie }),
    ]
}

/// One case: how the server runs and the steps.
#[derive(Debug, Clone)]
pub struct Case {
    /// The `reset` pull strategy instead of `version`.
    pub reset_strategy: bool,
    /// JWT users (group `g<k>` is user `u<k mod USERS>`'s) instead of `auth = "none"`,
    /// where everyone is the anonymous user.
    pub authenticated: bool,
    pub steps: Vec<Step>,
}

/// A prelude: most rooms made (mostly private) by some tab, which adds a few members
/// and pushes at once, so that the random steps after it meet rooms that exist and
/// members who can leave or be removed.
fn prelude() -> impl Strategy<Value = Vec<Step>> {
    let visibility = prop_oneof![3 => Just(Visibility::Private), 1 => Just(Visibility::Public)];
    let made = (
        0..TABS,
        name(),
        visibility,
        prop::collection::vec(user(), 0..=2),
    );
    let room = prop::option::weighted(0.8, made);
    prop::collection::vec(room, ROOMS).prop_map(|rooms| {
        let mut steps = Vec::new();
        for (n, made) in rooms.into_iter().enumerate() {
            let Some((tab, name, visibility, members)) = made else {
                continue;
            };
            let room = RoomRef::Room(n);
            let create = Mutator::CreateRoom {
                room,
                name,
                visibility: Some(visibility),
            };
            steps.push(Step::Mutate {
                tab,
                mutator: create,
            });
            for user in members {
                let mutator = Mutator::AddMember { room, user };
                steps.push(Step::Mutate { tab, mutator });
            }
            steps.push(Step::Push {
                tab,
                siblings: false,
                gap: false,
            });
        }
        steps
    })
}

/// Cases: mostly with users, since that is where read authorization lives.
pub fn case() -> impl Strategy<Value = Case> {
    (
        any::<bool>(),
        prop::bool::weighted(0.75),
        prelude(),
        prop::collection::vec(step(), 1..=MAX_STEPS),
    )
        .prop_map(|(reset_strategy, authenticated, mut steps, random)| {
            steps.extend(random);
            Case {
                reset_strategy,
                authenticated,
                steps,
            }
        })
}

/// The mutator name a mutation is sent with.
pub fn wire_name(mutator: &Mutator) -> &'static str {
    match mutator {
        Mutator::CreateMessage { .. } => "createMessage",
        Mutator::UpdateMessage { .. } => "updateMessage",
        Mutator::DeleteMessage { .. } => "deleteMessage",
        Mutator::CreateRoom { .. } => "createRoom",
        Mutator::RenameRoom { .. } => "renameRoom",
        Mutator::DeleteRoom { .. } => "deleteRoom",
        Mutator::AddMember { .. } => "addMember",
        Mutator::RemoveMember { .. } => "removeMember",
        Mutator::Unknown => "archiveMessage",
        Mutator::Invalid(Invalid::SlashInRoomId | Invalid::UnknownVisibility) => "createRoom",
        Mutator::Invalid(Invalid::EmptyUserId) => "addMember",
        Mutator::Invalid(_) => "createMessage",
    }
}

/// The arguments a mutation is sent with.
fn wire_args(mutator: &Mutator) -> Value {
    match mutator {
        Mutator::CreateMessage {
            msg,
            from,
            content,
            order,
            room,
        } => {
            let mut args =
                json!({"id": message_id(*msg), "from": from, "content": content, "order": order});
            if let Some(room) = room {
                args["roomID"] = json!(room.id());
            }
            args
        }
        Mutator::UpdateMessage { msg, content } => {
            json!({"id": message_id(*msg), "content": content})
        }
        Mutator::DeleteMessage { msg } => json!({"id": message_id(*msg)}),
        Mutator::CreateRoom {
            room,
            name,
            visibility,
        } => {
            let mut args = json!({"id": room.id(), "name": name});
            if let Some(visibility) = visibility {
                args["visibility"] = json!(visibility.as_str());
            }
            args
        }
        Mutator::RenameRoom { room, name } => json!({"id": room.id(), "name": name}),
        Mutator::DeleteRoom { room } => json!({"id": room.id()}),
        Mutator::AddMember { room, user } | Mutator::RemoveMember { room, user } => {
            json!({"roomID": room.id(), "userID": user_id(*user)})
        }
        Mutator::Unknown => json!({"id": "m0"}),
        Mutator::Invalid(invalid) => invalid_args(*invalid),
    }
}

fn invalid_args(invalid: Invalid) -> Value {
    let create =
        |id: &str, order: Value| json!({"id": id, "from": "a", "content": "b", "order": order});
    match invalid {
        Invalid::OrderIsText => create("m0", json!("1")),
        Invalid::FractionalOrder => create("m0", json!(1.5)),
        Invalid::ContentMissing => json!({"id": "m0", "from": "a", "order": 1}),
        Invalid::NullArgs => Value::Null,
        Invalid::EmptyId => create("", json!(1)),
        Invalid::NulInId => create("m\u{0}", json!(1)),
        Invalid::LongId => create(&"m".repeat(MAX_ID_LEN + 1), json!(1)),
        Invalid::EmptyRoomId => {
            json!({"id": "m0", "from": "a", "content": "b", "order": 1, "roomID": ""})
        }
        Invalid::SlashInRoomId => json!({"id": "r/0", "name": "n"}),
        Invalid::UnknownVisibility => json!({"id": "r0", "name": "n", "visibility": "secret"}),
        Invalid::EmptyUserId => json!({"roomID": "r0", "userID": ""}),
    }
}

/// The wire form of mutation `id` of `client`.
pub fn wire(client: &str, id: i64, mutator: &Mutator) -> Value {
    mutation(client, id, wire_name(mutator), wire_args(mutator))
}
