//! Sessions: sequences of push and pull requests that are close to what Replicache
//! sends, so that most of them get past decoding and reach the protocol rules (ids
//! from small pools, consecutive mutation ids, cookies the server issued), with any
//! field replaceable by arbitrary JSON or left out. Every choice favours the
//! well-formed value, and an exhausted input always picks it.
//!
//! Requests go to the tutorial's setup (no authentication) or, as one of the users
//! `u0`..`u2` (or with a missing or bad token), to the instances with JWT users; the
//! mutations cover every mutator, rooms and memberships included.
//!
//! Pulls that use a group's *honest* cookie (the last one that caller's cache of the
//! group accepted) are applied to a model of that cache with Replicache's acceptance
//! rules, so an answer the real client would reject fails the input.

use crate::app::{App, Server, PULL, PUSH, USERS};
use crate::checks;
use crate::json::{write_str, Json};
use arbitrary::{Arbitrary, Unstructured};
use replichat_test_support::view::ClientView;
use rocket::http::ContentType;
use serde_json::Value;
use std::collections::HashMap;

/// Client group ids the requests draw from.
pub const GROUPS: [&str; 3] = ["g0", "g1", "g2"];
/// Client ids the mutations draw from (any client may be pushed under any group).
pub const CLIENTS: [&str; 4] = ["c0", "c1", "c2", "c3"];
/// Message and room ids the mutators' `id` arguments draw from.
pub const IDS: [&str; 4] = ["m0", "m1", "r0", "r1"];
/// Room ids the `roomID` arguments draw from.
pub const ROOMS: [&str; 3] = ["general", "r0", "r1"];
/// Steps of a session that are run; the rest are ignored.
pub const MAX_STEPS: usize = 24;

/// One fuzz input of the `http_session` target.
#[derive(Arbitrary, Debug)]
pub struct Session {
    /// Requests, in order.
    pub steps: Vec<Step>,
}

/// One request.
#[derive(Debug)]
pub enum Step {
    /// A push.
    Push(PushSpec),
    /// A pull.
    Pull(PullSpec),
    /// Any JSON document, to the pull endpoint when `pull` is set.
    Raw {
        /// Send to the pull endpoint instead of the push endpoint.
        pull: bool,
        /// The body.
        body: Json,
    },
}

/// A field of a request: the sensible value, arbitrary JSON, or absent.
#[derive(Debug)]
pub enum Field<T> {
    /// The sensible value.
    Valid(T),
    /// Any JSON instead.
    Other(Json),
    /// Left out.
    Missing,
}

/// An identifier: from the field's pool, any string, any JSON, or absent.
#[derive(Debug)]
pub enum Id {
    /// `pool[index % pool.len()]`.
    Pool(u8),
    /// Any string.
    Text(String),
    /// Any JSON.
    Other(Json),
    /// Left out.
    Missing,
}

/// `pushVersion` / `pullVersion`.
#[derive(Debug)]
pub enum Version {
    /// `1`.
    One,
    /// Any JSON (`0`, `2`, `1.0`, `"1"`, ...).
    Other(Json),
    /// Left out.
    Missing,
}

/// The `Content-Type` header.
#[derive(Debug, Clone, Copy)]
pub enum Ct {
    /// `application/json`.
    Json,
    /// `application/json; charset=utf-8`.
    JsonUtf8,
    /// `application/vnd.replicache+json`.
    VendorJson,
    /// `text/plain`: refused.
    Text,
    /// No header.
    Missing,
}

/// Who sends a request, and so which instance answers it.
#[derive(Debug)]
pub enum Caller {
    /// Nobody: the instances without authentication.
    Anonymous,
    /// `USERS[k % 3]` with their token, to the instances with users.
    User(u8),
    /// No token, to the instances with users (401).
    NoToken,
    /// `Bearer <text>`, to the instances with users (401).
    BadToken(String),
}

/// A push request.
#[derive(Arbitrary, Debug)]
pub struct PushSpec {
    /// Which instance answers: the reset or the version one.
    pub reset_server: bool,
    /// Who sends it.
    pub caller: Caller,
    /// The content type.
    pub content_type: Ct,
    /// `pushVersion`.
    pub version: Version,
    /// `clientGroupID` (pool: [`GROUPS`]).
    pub group: Id,
    /// `mutations`.
    pub mutations: Field<Vec<MutationSpec>>,
    /// `profileID`.
    pub profile: Field<String>,
    /// `schemaVersion`.
    pub schema: Field<String>,
    /// Members appended after the others (a name may repeat one of them).
    pub extra: Rare<Vec<(String, Json)>>,
}

/// One mutation of a push.
#[derive(Arbitrary, Debug)]
pub struct MutationSpec {
    /// `clientID` (pool: [`CLIENTS`]).
    pub client: Id,
    /// `id`.
    pub id: MutationId,
    /// `name`.
    pub name: Name,
    /// `args`.
    pub args: Field<Args>,
    /// `timestamp`.
    pub timestamp: Field<f64>,
}

/// A mutation id relative to what this session already sent for the client.
#[derive(Debug)]
pub enum MutationId {
    /// One above the highest id sent so far for the client (which becomes the highest).
    Next,
    /// `highest - (k % 4)`, at least 1: a replay.
    Replay(u8),
    /// `highest + 2 + (k % 4)`: a gap.
    Gap(u8),
    /// Any integer.
    Int(i64),
    /// Any JSON.
    Other(Json),
    /// Left out.
    Missing,
}

/// A mutator name.
#[derive(Debug)]
pub enum Name {
    /// `createMessage`.
    Create,
    /// `updateMessage`.
    Update,
    /// `deleteMessage`.
    Delete,
    /// `createRoom`.
    CreateRoom,
    /// `renameRoom`.
    RenameRoom,
    /// `deleteRoom`.
    DeleteRoom,
    /// `addMember`.
    AddMember,
    /// `removeMember`.
    RemoveMember,
    /// Any string.
    Text(String),
    /// Any JSON.
    Other(Json),
}

/// Mutator arguments; every mutator reads the members it needs and ignores the rest.
#[derive(Arbitrary, Debug)]
pub struct Args {
    /// `id` (pool: [`IDS`]).
    pub id: Id,
    /// `from`.
    pub from: Field<String>,
    /// `content`.
    pub content: Field<String>,
    /// `order` (small, so that it is usually in range; [`Json`] reaches the edges).
    pub order: Field<i16>,
    /// `roomID` (pool: [`ROOMS`]).
    pub room: Id,
    /// `name` of a room.
    pub name: Field<String>,
    /// `visibility`: `"public"` when true, else `"private"`.
    pub public: Field<bool>,
    /// `userID` (pool: [`USERS`]).
    pub user: Id,
}

/// A pull request.
#[derive(Arbitrary, Debug)]
pub struct PullSpec {
    /// Which instance answers: the reset or the version one.
    pub reset_server: bool,
    /// Who sends it.
    pub caller: Caller,
    /// The content type.
    pub content_type: Ct,
    /// `pullVersion`.
    pub version: Version,
    /// `clientGroupID` (pool: [`GROUPS`]).
    pub group: Id,
    /// `cookie`.
    pub cookie: Cookie,
    /// `profileID`.
    pub profile: Field<String>,
    /// `schemaVersion`.
    pub schema: Field<String>,
    /// Members appended after the others.
    pub extra: Rare<Vec<(String, Json)>>,
}

/// The cookie of a pull.
#[derive(Debug)]
pub enum Cookie {
    /// The cookie the group's cache holds; its answer is applied to that cache.
    Honest,
    /// A cookie answered earlier in the session (`k % count`).
    Issued(u8),
    /// Any integer.
    Int(i64),
    /// Any JSON.
    Other(Json),
    /// Left out.
    Missing,
}

/// Picks an index by `weights`. An exhausted input picks 0, so the first choice
/// should be the sensible one: short inputs then make well-formed requests, which
/// get furthest into the server.
fn pick(u: &mut Unstructured<'_>, weights: &[u32]) -> arbitrary::Result<usize> {
    let total: u32 = weights.iter().sum();
    let mut roll = u.int_in_range(0..=total - 1)?;
    for (index, weight) in weights.iter().enumerate() {
        if roll < *weight {
            return Ok(index);
        }
        roll -= weight;
    }
    Ok(0)
}

/// A value that is present in one input out of eight.
#[derive(Debug)]
pub struct Rare<T>(pub Option<T>);

impl<'a, T: Arbitrary<'a>> Arbitrary<'a> for Rare<T> {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(Rare(match pick(u, &[7, 1])? {
            0 => None,
            _ => Some(u.arbitrary()?),
        }))
    }
}

impl<'a> Arbitrary<'a> for Step {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(match pick(u, &[8, 8, 1])? {
            0 => Step::Push(u.arbitrary()?),
            1 => Step::Pull(u.arbitrary()?),
            _ => Step::Raw {
                pull: u.arbitrary()?,
                body: u.arbitrary()?,
            },
        })
    }
}

impl<'a, T: Arbitrary<'a>> Arbitrary<'a> for Field<T> {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(match pick(u, &[14, 1, 1])? {
            0 => Field::Valid(u.arbitrary()?),
            1 => Field::Other(u.arbitrary()?),
            _ => Field::Missing,
        })
    }
}

impl<'a> Arbitrary<'a> for Id {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(match pick(u, &[14, 1, 1, 1])? {
            0 => Id::Pool(u.arbitrary()?),
            1 => Id::Text(u.arbitrary()?),
            2 => Id::Other(u.arbitrary()?),
            _ => Id::Missing,
        })
    }
}

impl<'a> Arbitrary<'a> for Version {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(match pick(u, &[14, 1, 1])? {
            0 => Version::One,
            1 => Version::Other(u.arbitrary()?),
            _ => Version::Missing,
        })
    }
}

impl<'a> Arbitrary<'a> for Ct {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(match pick(u, &[12, 1, 1, 1, 1])? {
            0 => Ct::Json,
            1 => Ct::JsonUtf8,
            2 => Ct::VendorJson,
            3 => Ct::Text,
            _ => Ct::Missing,
        })
    }
}

impl<'a> Arbitrary<'a> for Cookie {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(match pick(u, &[8, 4, 1, 1, 1])? {
            0 => Cookie::Honest,
            1 => Cookie::Issued(u.arbitrary()?),
            2 => Cookie::Int(u.arbitrary()?),
            3 => Cookie::Other(u.arbitrary()?),
            _ => Cookie::Missing,
        })
    }
}

impl<'a> Arbitrary<'a> for MutationId {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(match pick(u, &[12, 3, 1, 1, 1, 1])? {
            0 => MutationId::Next,
            1 => MutationId::Replay(u.arbitrary()?),
            2 => MutationId::Gap(u.arbitrary()?),
            3 => MutationId::Int(u.arbitrary()?),
            4 => MutationId::Other(u.arbitrary()?),
            _ => MutationId::Missing,
        })
    }
}

impl<'a> Arbitrary<'a> for Name {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(match pick(u, &[6, 3, 2, 3, 1, 1, 3, 2, 1, 1])? {
            0 => Name::Create,
            1 => Name::Update,
            2 => Name::Delete,
            3 => Name::CreateRoom,
            4 => Name::RenameRoom,
            5 => Name::DeleteRoom,
            6 => Name::AddMember,
            7 => Name::RemoveMember,
            8 => Name::Text(u.arbitrary()?),
            _ => Name::Other(u.arbitrary()?),
        })
    }
}

impl<'a> Arbitrary<'a> for Caller {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(match pick(u, &[8, 8, 1, 1])? {
            0 => Caller::Anonymous,
            1 => Caller::User(u.arbitrary()?),
            2 => Caller::NoToken,
            _ => Caller::BadToken(u.arbitrary()?),
        })
    }
}

impl Caller {
    /// The instance that answers, and the `Authorization` header.
    fn route(&self, app: &App, reset: bool) -> (Server, Option<String>) {
        let users = !matches!(self, Caller::Anonymous);
        let authorization = match self {
            Caller::Anonymous | Caller::NoToken => None,
            Caller::User(k) => Some(app.token(*k).to_string()),
            // Header values are visible ASCII; anything else is not a token either.
            Caller::BadToken(text) => Some(format!(
                "Bearer {}",
                text.chars()
                    .filter(|c| c.is_ascii_graphic())
                    .collect::<String>()
            )),
        };
        (Server { reset, users }, authorization)
    }

    /// Whose caches an answer updates: each caller has its own for each group.
    fn cache_owner(&self) -> String {
        match self {
            Caller::Anonymous => String::new(),
            Caller::User(k) => USERS[usize::from(*k) % USERS.len()].to_string(),
            Caller::NoToken | Caller::BadToken(_) => "(refused)".into(),
        }
    }
}

impl Ct {
    fn header(self) -> Option<ContentType> {
        match self {
            Ct::Json => Some(ContentType::JSON),
            Ct::JsonUtf8 => Some(ContentType::JSON.with_params(("charset", "utf-8"))),
            Ct::VendorJson => Some(ContentType::new("application", "vnd.replicache+json")),
            Ct::Text => Some(ContentType::Plain),
            Ct::Missing => None,
        }
    }
}

/// JSON text of a string.
fn string(s: &str) -> String {
    let mut out = String::new();
    write_str(&mut out, s);
    out
}

impl Id {
    /// The member's text, or `None` when left out.
    fn text(&self, pool: &[&str]) -> Option<String> {
        match self {
            Id::Pool(i) => Some(string(pool[usize::from(*i) % pool.len()])),
            Id::Text(s) => Some(string(s)),
            Id::Other(json) => Some(json.text()),
            Id::Missing => None,
        }
    }
}

impl Version {
    fn text(&self) -> Option<String> {
        match self {
            Version::One => Some("1".into()),
            Version::Other(json) => Some(json.text()),
            Version::Missing => None,
        }
    }
}

impl<T> Field<T> {
    /// The member's text, with `valid` rendering the sensible value.
    fn text(&self, valid: impl FnOnce(&T) -> String) -> Option<String> {
        match self {
            Field::Valid(value) => Some(valid(value)),
            Field::Other(json) => Some(json.text()),
            Field::Missing => None,
        }
    }
}

/// Writes a JSON object member by member.
struct Object(String);

impl Object {
    fn new() -> Self {
        Object("{".into())
    }

    /// Adds `name: value` unless `value` is `None`.
    fn member(mut self, name: &str, value: Option<String>) -> Self {
        if let Some(value) = value {
            if self.0.len() > 1 {
                self.0.push(',');
            }
            write_str(&mut self.0, name);
            self.0.push(':');
            self.0.push_str(&value);
        }
        self
    }

    fn extra(self, members: &[(String, Json)]) -> Self {
        members
            .iter()
            .fold(self, |o, (name, value)| o.member(name, Some(value.text())))
    }

    fn finish(mut self) -> String {
        self.0.push('}');
        self.0
    }
}

/// Runs a session's steps against the app and checks every answer.
pub struct Runner<'a> {
    app: &'a App,
    /// Highest mutation id sent per `clientID` (by its JSON text).
    highest: HashMap<String, i64>,
    /// The honest cache of each caller (by user id) and group (by its JSON text).
    caches: HashMap<(String, String), ClientView>,
    /// Every cookie answered so far.
    issued: Vec<Value>,
}

impl<'a> Runner<'a> {
    /// A runner over `app`, which the caller has reset.
    pub fn new(app: &'a App) -> Self {
        Runner {
            app,
            highest: HashMap::new(),
            caches: HashMap::new(),
            issued: Vec::new(),
        }
    }

    /// Runs the first [`MAX_STEPS`] steps of `session`.
    pub fn run(&mut self, session: &Session) {
        for step in session.steps.iter().take(MAX_STEPS) {
            match step {
                Step::Push(push) => self.push(push),
                Step::Pull(pull) => self.pull(pull),
                Step::Raw { pull, body } => {
                    let body = body.text();
                    if *pull {
                        let answer = self.app.post(
                            Server::TUTORIAL,
                            PULL,
                            Some(ContentType::JSON),
                            None,
                            body.as_bytes(),
                        );
                        if let Some(response) = checks::pull_answer(&answer) {
                            self.cookie_progress(&body, &response);
                        }
                    } else {
                        let answer = self.app.post(
                            Server::TUTORIAL,
                            PUSH,
                            Some(ContentType::JSON),
                            None,
                            body.as_bytes(),
                        );
                        checks::push_answer(&answer);
                    }
                }
            }
        }
    }

    fn push(&mut self, spec: &PushSpec) {
        let mutations = spec.mutations.text(|list| {
            let items: Vec<String> = list.iter().map(|m| self.mutation(m)).collect();
            format!("[{}]", items.join(","))
        });
        let body = Object::new()
            .member("pushVersion", spec.version.text())
            .member("clientGroupID", spec.group.text(&GROUPS))
            .member("mutations", mutations)
            .member("profileID", spec.profile.text(|s| string(s)))
            .member("schemaVersion", spec.schema.text(|s| string(s)))
            .extra(spec.extra.0.as_deref().unwrap_or_default())
            .finish();
        let (server, authorization) = spec.caller.route(self.app, spec.reset_server);
        let answer = self.app.post(
            server,
            PUSH,
            spec.content_type.header(),
            authorization,
            body.as_bytes(),
        );
        checks::push_answer(&answer);
    }

    fn mutation(&mut self, spec: &MutationSpec) -> String {
        let client = spec.client.text(&CLIENTS);
        let highest = self
            .highest
            .entry(client.clone().unwrap_or_default())
            .or_default();
        let id = match &spec.id {
            MutationId::Next => {
                *highest += 1;
                Some(highest.to_string())
            }
            MutationId::Replay(k) => Some((*highest - i64::from(k % 4)).max(1).to_string()),
            MutationId::Gap(k) => Some((*highest + 2 + i64::from(k % 4)).to_string()),
            MutationId::Int(i) => Some(i.to_string()),
            MutationId::Other(json) => Some(json.text()),
            MutationId::Missing => None,
        };
        let name = match &spec.name {
            Name::Create => string("createMessage"),
            Name::Update => string("updateMessage"),
            Name::Delete => string("deleteMessage"),
            Name::CreateRoom => string("createRoom"),
            Name::RenameRoom => string("renameRoom"),
            Name::DeleteRoom => string("deleteRoom"),
            Name::AddMember => string("addMember"),
            Name::RemoveMember => string("removeMember"),
            Name::Text(s) => string(s),
            Name::Other(json) => json.text(),
        };
        let args = spec.args.text(|args| {
            Object::new()
                .member("id", args.id.text(&IDS))
                .member("from", args.from.text(|s| string(s)))
                .member("content", args.content.text(|s| string(s)))
                .member("order", args.order.text(i16::to_string))
                .member("roomID", args.room.text(&ROOMS))
                .member("name", args.name.text(|s| string(s)))
                .member(
                    "visibility",
                    args.public
                        .text(|p| string(if *p { "public" } else { "private" })),
                )
                .member("userID", args.user.text(&USERS))
                .finish()
        });
        Object::new()
            .member("clientID", client)
            .member("id", id)
            .member("name", Some(name))
            .member("args", args)
            .member("timestamp", spec.timestamp.text(|t| Json::Float(*t).text()))
            .finish()
    }

    fn pull(&mut self, spec: &PullSpec) {
        let group = spec.group.text(&GROUPS);
        let cache_key = (spec.caller.cache_owner(), group.clone().unwrap_or_default());
        let honest = matches!(spec.cookie, Cookie::Honest);
        let cookie = match &spec.cookie {
            Cookie::Honest => Some(
                self.caches
                    .entry(cache_key.clone())
                    .or_default()
                    .cookie
                    .to_string(),
            ),
            Cookie::Issued(k) if !self.issued.is_empty() => {
                Some(self.issued[usize::from(*k) % self.issued.len()].to_string())
            }
            Cookie::Issued(_) => Some("null".into()),
            Cookie::Int(i) => Some(i.to_string()),
            Cookie::Other(json) => Some(json.text()),
            Cookie::Missing => None,
        };
        let body = Object::new()
            .member("pullVersion", spec.version.text())
            .member("clientGroupID", group)
            .member("cookie", cookie)
            .member("profileID", spec.profile.text(|s| string(s)))
            .member("schemaVersion", spec.schema.text(|s| string(s)))
            .extra(spec.extra.0.as_deref().unwrap_or_default())
            .finish();
        let (server, authorization) = spec.caller.route(self.app, spec.reset_server);
        let answer = self.app.post(
            server,
            PULL,
            spec.content_type.header(),
            authorization,
            body.as_bytes(),
        );
        let Some(response) = checks::pull_answer(&answer) else {
            return;
        };
        self.cookie_progress(&body, &response);
        if honest {
            // Panics where the client would reject the response.
            self.caches.entry(cache_key).or_default().apply(&response);
        }
    }

    /// Checks the answered cookie against the request's, as the server decoded it.
    fn cookie_progress(&mut self, body: &str, response: &Value) {
        let request = checks::decoded_pull_request(body.as_bytes());
        checks::cookie_progress(&request.cookie, response);
        self.issued.push(response["cookie"].clone());
    }
}
