//! A model-based property test: random interleavings of pushes and pulls from several
//! tabs (clients) in several client groups, against the real server, compared with an
//! in-memory model of the chat after every step.
//!
//! Each tab behaves like a Replicache client: it records mutations locally, pushes
//! every one its cache has not yet seen confirmed (so replays happen naturally), pulls
//! with its cache's cookie and drops the mutations the answer confirms. On top of that
//! the generator loses push responses (the same body is sent again), pushes with a gap,
//! pushes a tab's mutations under a group it does not belong to, and rewinds a tab's
//! cache to an earlier snapshot or to a fresh one (a fork of an older cache).
//!
//! Requests run one at a time, so every answer must match the model exactly: a push
//! answers `{}`, `ClientStateNotFound` after a gap or a 403 for a foreign client; a
//! pull, applied with Replicache's acceptance rules, leaves the tab's cache holding
//! exactly the model's view (the room `general`, the messages, and the error entries of
//! the group's clients' refused mutations, the newest 20 per client) and the
//! lastMutationIDs of the group's clients. At
//! the end every tab pushes what it still has pending and pulls: then every mutation
//! ever recorded has been applied once.
//!
//! SQLite runs [`SQLITE_CASES`] cases, PostgreSQL (with `REPLICHAT_TEST_PG`)
//! [`POSTGRES_CASES`], each on a fresh database; `PROPTEST_CASES` overrides both.
//! A failure is shrunk to a short list of steps and saved under
//! `tests/proptest-regressions/model.txt`, from where later runs replay it first.

use crate::on_both_databases;
use crate::support::app::TestApp;
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, TestCaseError, TestRunner};
use replichat::config::AppConfig;
use replichat::domain::js_number::MAX_SAFE_INTEGER;
use replichat::service::{MutationLimits, PullStrategy};
use replichat_test_support::bodies::{general, message_value, mutation, push_body, rejected};
use replichat_test_support::database::Db;
use replichat_test_support::view::ClientView;
use rocket::http::Status;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Cases per run on SQLite.
const SQLITE_CASES: u32 = 64;
/// Cases per run on PostgreSQL (each creates a database).
const POSTGRES_CASES: u32 = 12;
/// Longest sequence of steps in a case.
const MAX_STEPS: usize = 40;

/// Client groups; tab `t` belongs to group `t / TABS_PER_GROUP`.
const GROUPS: usize = 3;
const TABS_PER_GROUP: usize = 2;
const TABS: usize = GROUPS * TABS_PER_GROUP;
/// Message ids are `m0` .. `m4`, so creates collide and edits hit deleted messages.
const MESSAGES: usize = 5;

/// Argument bounds the server runs with, small enough for the generator to cross.
const MAX_ID_LEN: usize = 6;
const MAX_TEXT_LEN: usize = 8;

/// Error entries the server keeps per client: the newest, by mutation id.
const KEPT_ERRORS: usize = 20;

/// One step of a case.
#[derive(Debug, Clone)]
enum Step {
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
    /// The tab's pending mutations are pushed under another group (`shift` groups on).
    Stray { tab: usize, shift: usize },
    /// The tab pulls with its cache's cookie.
    Pull { tab: usize },
    /// The tab's cache goes back `back` snapshots; past the oldest, to a fresh cache.
    Rewind { tab: usize, back: usize },
}

/// What a mutation asks for. Message `msg` is `m<msg>`.
#[derive(Debug, Clone, PartialEq)]
enum Mutator {
    Create {
        msg: usize,
        from: String,
        content: String,
        order: i64,
    },
    Update {
        msg: usize,
        content: String,
    },
    Delete {
        msg: usize,
    },
    /// A mutator the server does not know.
    Unknown,
    /// Arguments no mutator accepts.
    Invalid(Invalid),
}

/// Ways arguments can be wrong; each is refused whatever the state.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Invalid {
    OrderIsText,
    FractionalOrder,
    ContentMissing,
    NullArgs,
    EmptyId,
    NulInId,
    LongId,
}

fn message_id(msg: usize) -> String {
    format!("m{msg}")
}

/// Text around the server's length bound, with multi-byte characters so that bytes
/// and characters differ.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-c]{0,3}",
        1 => "[xé😀]{7,9}",
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

fn mutator() -> impl Strategy<Value = Mutator> {
    let msg = 0..MESSAGES;
    let invalid = prop_oneof![
        Just(Invalid::OrderIsText),
        Just(Invalid::FractionalOrder),
        Just(Invalid::ContentMissing),
        Just(Invalid::NullArgs),
        Just(Invalid::EmptyId),
        Just(Invalid::NulInId),
        Just(Invalid::LongId),
    ];
    prop_oneof![
        5 => (msg.clone(), text(), text(), order()).prop_map(|(msg, from, content, order)| {
            Mutator::Create { msg, from, content, order }
        }),
        3 => (msg.clone(), text()).prop_map(|(msg, content)| Mutator::Update { msg, content }),
        2 => msg.prop_map(|msg| Mutator::Delete { msg }),
        1 => Just(Mutator::Unknown),
        1 => invalid.prop_map(Mutator::Invalid),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    let tab = 0..TABS;
    prop_oneof![
        12 => (tab.clone(), mutator()).prop_map(|(tab, mutator)| Step::Mutate { tab, mutator }),
        8 => (tab.clone(), any::<bool>(), prop::bool::weighted(0.1))
            .prop_map(|(tab, siblings, gap)| Step::Push { tab, siblings, gap }),
        2 => Just(Step::Resend),
        1 => (tab.clone(), 1..GROUPS).prop_map(|(tab, shift)| Step::Stray { tab, shift }),
        8 => tab.clone().prop_map(|tab| Step::Pull { tab }),
        2 => (tab, 0..4usize).prop_map(|(tab, back)| Step::Rewind { tab, back }),
    ]
}

/// One case: the server's pull strategy and the steps.
#[derive(Debug, Clone)]
struct Case {
    reset_strategy: bool,
    steps: Vec<Step>,
}

fn case() -> impl Strategy<Value = Case> {
    (any::<bool>(), prop::collection::vec(step(), 1..=MAX_STEPS)).prop_map(
        |(reset_strategy, steps)| Case {
            reset_strategy,
            steps,
        },
    )
}

/// The mutator name a mutation is sent with.
fn wire_name(mutator: &Mutator) -> &'static str {
    match mutator {
        Mutator::Create { .. } | Mutator::Invalid(_) => "createMessage",
        Mutator::Update { .. } => "updateMessage",
        Mutator::Delete { .. } => "deleteMessage",
        Mutator::Unknown => "archiveMessage",
    }
}

/// The wire form of mutation `id` of `client`.
fn wire(client: &str, id: i64, mutator: &Mutator) -> Value {
    let (name, args) = match mutator {
        Mutator::Create {
            msg,
            from,
            content,
            order,
        } => (
            "createMessage",
            json!({"id": message_id(*msg), "from": from, "content": content, "order": order}),
        ),
        Mutator::Update { msg, content } => (
            "updateMessage",
            json!({"id": message_id(*msg), "content": content}),
        ),
        Mutator::Delete { msg } => ("deleteMessage", json!({"id": message_id(*msg)})),
        Mutator::Unknown => ("archiveMessage", json!({"id": "m0"})),
        Mutator::Invalid(invalid) => {
            let create = |id: &str, order: Value| json!({"id": id, "from": "a", "content": "b", "order": order});
            let long_id = "m".repeat(MAX_ID_LEN + 1);
            let args = match invalid {
                Invalid::OrderIsText => create("m0", json!("1")),
                Invalid::FractionalOrder => create("m0", json!(1.5)),
                Invalid::ContentMissing => json!({"id": "m0", "from": "a", "order": 1}),
                Invalid::NullArgs => Value::Null,
                Invalid::EmptyId => create("", json!(1)),
                Invalid::NulInId => create("m\u{0}", json!(1)),
                Invalid::LongId => create(&long_id, json!(1)),
            };
            ("createMessage", args)
        }
    };
    mutation(client, id, name, args)
}

/// A mutation as a push carries it.
#[derive(Debug, Clone)]
struct Sent {
    client: String,
    id: i64,
    mutator: Mutator,
}

/// A stored message; deleted ones stay as tombstones (their id cannot be created again).
#[derive(Debug, Clone)]
struct Row {
    from: String,
    content: String,
    order: i64,
    deleted: bool,
}

/// How the server must answer a push.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PushAnswer {
    Accepted,
    ClientStateNotFound,
    Forbidden,
}

/// The server as the protocol describes it.
#[derive(Debug, Default)]
struct Model {
    rows: BTreeMap<String, Row>,
    /// clientID -> (group, lastMutationID), for clients with a committed mutation.
    clients: BTreeMap<String, (String, i64)>,
    /// clientID -> mutation id -> (mutator name, reason) of its refused mutations, the
    /// newest [`KEPT_ERRORS`] only.
    errors: BTreeMap<String, BTreeMap<i64, (String, String)>>,
}

fn fits(text: &str) -> bool {
    text.chars().count() <= MAX_TEXT_LEN
}

/// The server's reason for a text argument `field` that breaks its length bound.
fn check_text(field: &str, text: &str) -> Result<(), String> {
    if fits(text) {
        Ok(())
    } else {
        Err(format!("{field} is longer than {MAX_TEXT_LEN} characters"))
    }
}

/// The server's reason for refusing arguments `invalid`, whatever the state.
fn invalid_reason(invalid: Invalid) -> String {
    match invalid {
        Invalid::OrderIsText => {
            "invalid arguments: invalid type: string \"1\", expected i64".into()
        }
        Invalid::FractionalOrder => {
            "invalid arguments: invalid type: floating point `1.5`, expected i64".into()
        }
        Invalid::ContentMissing => "invalid arguments: missing field `content`".into(),
        Invalid::NullArgs => {
            "invalid arguments: invalid type: null, expected struct CreateArgs".into()
        }
        Invalid::EmptyId => "id must not be empty".into(),
        Invalid::NulInId => "id contains a NUL character".into(),
        Invalid::LongId => format!("id is longer than {MAX_ID_LEN} characters"),
    }
}

impl Model {
    fn lmid(&self, client: &str) -> i64 {
        self.clients.get(client).map_or(0, |(_, lmid)| *lmid)
    }

    /// Processes a push of `batch` for `group`.
    fn push(&mut self, group: &str, batch: &[Sent]) -> PushAnswer {
        let foreign = batch
            .iter()
            .any(|sent| matches!(self.clients.get(&sent.client), Some((g, _)) if g != group));
        if foreign {
            return PushAnswer::Forbidden;
        }
        for sent in batch {
            let expected = self.lmid(&sent.client) + 1;
            if sent.id < expected {
                continue;
            }
            if sent.id > expected {
                return PushAnswer::ClientStateNotFound;
            }
            if let Err(reason) = self.apply(&sent.mutator) {
                let name = wire_name(&sent.mutator).to_string();
                let errors = self.errors.entry(sent.client.clone()).or_default();
                errors.insert(sent.id, (name, reason));
                if errors.len() > KEPT_ERRORS {
                    errors.pop_first();
                }
            }
            let registered = (group.to_string(), sent.id);
            self.clients.insert(sent.client.clone(), registered);
        }
        PushAnswer::Accepted
    }

    /// Runs a mutator; a refused one changes nothing (its id is consumed by the caller)
    /// and gives the server's reason, checked in the server's order: arguments first,
    /// then the state.
    fn apply(&mut self, mutator: &Mutator) -> Result<(), String> {
        match mutator {
            Mutator::Create {
                msg,
                from,
                content,
                order,
            } => {
                check_text("from", from)?;
                check_text("content", content)?;
                if order.abs() > MAX_SAFE_INTEGER {
                    return Err("order is outside the safe integer range".into());
                }
                let id = message_id(*msg);
                if self.rows.contains_key(&id) {
                    return Err(format!("message {id} already exists"));
                }
                let row = Row {
                    from: from.clone(),
                    content: content.clone(),
                    order: *order,
                    deleted: false,
                };
                self.rows.insert(id, row);
                Ok(())
            }
            Mutator::Update { msg, content } => {
                check_text("content", content)?;
                let id = message_id(*msg);
                match self.rows.get_mut(&id) {
                    Some(row) if !row.deleted => {
                        row.content = content.clone();
                        Ok(())
                    }
                    _ => Err(format!("message {id} does not exist")),
                }
            }
            Mutator::Delete { msg } => {
                let id = message_id(*msg);
                match self.rows.get_mut(&id) {
                    Some(row) if !row.deleted => {
                        row.deleted = true;
                        Ok(())
                    }
                    _ => Err(format!("message {id} does not exist")),
                }
            }
            Mutator::Unknown => Err(format!("unknown mutator {:?}", wire_name(mutator))),
            Mutator::Invalid(invalid) => Err(invalid_reason(*invalid)),
        }
    }

    /// The client view of `group`: the room `general`, `message/<id>` -> value of every
    /// live message, and the kept error entries of the group's clients.
    fn view(&self, group: &str) -> BTreeMap<String, Value> {
        let entry = |op: Value| (op["key"].as_str().unwrap().to_string(), op["value"].clone());
        let messages = self
            .rows
            .iter()
            .filter(|(_, row)| !row.deleted)
            .map(|(id, row)| {
                let value = message_value(&row.from, &row.content, row.order);
                (format!("message/{id}"), value)
            });
        let errors = self
            .errors
            .iter()
            .filter(|(client, _)| self.clients.get(*client).is_some_and(|(g, _)| g == group))
            .flat_map(|(client, errors)| {
                errors
                    .iter()
                    .map(|(id, (name, reason))| entry(rejected(client, *id, name, reason)))
            });
        std::iter::once(entry(general()))
            .chain(messages)
            .chain(errors)
            .collect()
    }

    /// lastMutationID of every client registered in `group`.
    fn lmids(&self, group: &str) -> BTreeMap<String, i64> {
        self.clients
            .iter()
            .filter(|(_, (g, _))| g == group)
            .map(|(client, (_, lmid))| (client.clone(), *lmid))
            .collect()
    }
}

/// A Replicache client: its mutations and its cache.
#[derive(Debug, Default)]
struct Tab {
    id: String,
    group: String,
    /// Mutations recorded so far (ids 1..=recorded).
    recorded: i64,
    /// Recorded mutations not yet confirmed by this tab's cache, in id order.
    pending: Vec<(i64, Mutator)>,
    cache: ClientView,
    /// The cache after each pull, oldest first.
    snapshots: Vec<ClientView>,
}

impl Tab {
    /// The pending mutations as a push carries them, without the first with `skip_first`.
    fn batch(&self, skip_first: bool) -> impl Iterator<Item = Sent> + '_ {
        let skip = usize::from(skip_first);
        self.pending.iter().skip(skip).map(|(id, mutator)| Sent {
            client: self.id.clone(),
            id: *id,
            mutator: mutator.clone(),
        })
    }
}

/// One case against one app.
struct Run<'a> {
    app: &'a TestApp,
    model: Model,
    tabs: Vec<Tab>,
    /// The last push: group and batch.
    last_push: Option<(String, Vec<Sent>)>,
}

impl<'a> Run<'a> {
    fn new(app: &'a TestApp) -> Self {
        let tabs = (0..TABS)
            .map(|t| Tab {
                id: format!("c{t}"),
                group: format!("g{}", t / TABS_PER_GROUP),
                ..Tab::default()
            })
            .collect();
        Run {
            app,
            model: Model::default(),
            tabs,
            last_push: None,
        }
    }

    async fn step(&mut self, step: &Step) {
        match step {
            Step::Mutate { tab, mutator } => {
                let tab = &mut self.tabs[*tab];
                tab.recorded += 1;
                tab.pending.push((tab.recorded, mutator.clone()));
            }
            Step::Push { tab, siblings, gap } => {
                let pusher = &self.tabs[*tab];
                let mut batch: Vec<_> = pusher.batch(*gap).collect();
                if *siblings {
                    let others = self
                        .tabs
                        .iter()
                        .filter(|t| t.group == pusher.group && t.id != pusher.id);
                    batch.extend(others.flat_map(|t| t.batch(false)));
                }
                self.push(pusher.group.clone(), batch).await;
            }
            Step::Resend => {
                if let Some((group, batch)) = self.last_push.clone() {
                    self.push(group, batch).await;
                }
            }
            Step::Stray { tab, shift } => {
                let pusher = &self.tabs[*tab];
                let home = *tab / TABS_PER_GROUP;
                let group = format!("g{}", (home + shift) % GROUPS);
                let batch = pusher.batch(false).collect();
                self.push(group, batch).await;
            }
            Step::Pull { tab } => self.pull(*tab).await,
            Step::Rewind { tab, back } => {
                let tab = &mut self.tabs[*tab];
                tab.cache = match tab.snapshots.len().checked_sub(back + 1) {
                    Some(index) => tab.snapshots[index].clone(),
                    None => ClientView::new(),
                };
            }
        }
    }

    /// Sends a push and checks its answer against the model's.
    async fn push(&mut self, group: String, batch: Vec<Sent>) {
        let mutations = batch
            .iter()
            .map(|sent| wire(&sent.client, sent.id, &sent.mutator))
            .collect();
        let request = push_body(&group, mutations);
        let (status, body) = self.app.push(&request).await;
        let answer = (status, body["error"].as_str());
        let expected = match self.model.push(&group, &batch) {
            PushAnswer::Accepted => (Status::Ok, None),
            PushAnswer::ClientStateNotFound => (Status::Ok, Some("ClientStateNotFound")),
            PushAnswer::Forbidden => (Status::Forbidden, Some("forbidden")),
        };
        assert_eq!(answer, expected, "answer {body} to the push {request}");
        if status == Status::Ok {
            let members = body.as_object().map_or(usize::MAX, |m| m.len());
            assert_eq!(members, usize::from(expected.1.is_some()), "answer {body}");
        }
        self.last_push = Some((group, batch));
    }

    /// Pulls for `tab`, applies the answer to its cache and compares with the model.
    async fn pull(&mut self, tab: usize) {
        let tab = &mut self.tabs[tab];
        let answer = self.app.pull_ok(&tab.group, tab.cache.cookie.clone()).await;
        tab.cache.apply(&answer);
        assert_eq!(
            tab.cache.data,
            self.model.view(&tab.group),
            "messages in the cache of {} after {answer}",
            tab.id
        );
        assert_eq!(
            tab.cache.lmids,
            self.model.lmids(&tab.group),
            "lastMutationIDs in the cache of {} after {answer}",
            tab.id
        );
        let confirmed = tab.cache.lmids.get(&tab.id).copied().unwrap_or(0);
        tab.pending.retain(|(id, _)| *id > confirmed);
        tab.snapshots.push(tab.cache.clone());
    }

    /// Every tab pushes what it has pending and pulls; then every tab's cache equals the
    /// model, and every mutation of a tab that stayed in its group has been applied.
    async fn finish(&mut self) {
        for tab in 0..TABS {
            let pusher = &self.tabs[tab];
            let batch = pusher.batch(false).collect();
            self.push(pusher.group.clone(), batch).await;
        }
        for tab in 0..TABS {
            self.pull(tab).await;
        }
        for tab in &self.tabs {
            let (group, lmid) = self
                .model
                .clients
                .get(&tab.id)
                .cloned()
                .unwrap_or((tab.group.clone(), 0));
            if group == tab.group {
                assert_eq!(
                    (lmid, tab.cache.lmids.get(&tab.id).copied().unwrap_or(0)),
                    (tab.recorded, tab.recorded),
                    "{} recorded {} mutations",
                    tab.id,
                    tab.recorded
                );
                assert!(
                    tab.pending.is_empty(),
                    "{} still has pending mutations",
                    tab.id
                );
            }
        }
    }
}

/// The app's configuration for a case: the strategy and the small argument bounds.
fn configure(reset: bool) -> impl FnOnce(&mut AppConfig) {
    move |config| {
        config.protocol.pull_strategy = if reset {
            PullStrategy::Reset
        } else {
            PullStrategy::Version
        };
        config.limits = MutationLimits {
            max_message_id_len: MAX_ID_LEN,
            max_sender_len: MAX_TEXT_LEN,
            max_content_len: MAX_TEXT_LEN,
        };
        config.logging.request_log = false;
    }
}

/// Runs one case on a fresh database.
fn run_case(db: Db, case: &Case) {
    let runtime = rocket::tokio::runtime::Runtime::new().expect("a tokio runtime");
    runtime.block_on(async {
        let app = TestApp::builder(db, "model")
            .configure(configure(case.reset_strategy))
            .start()
            .await;
        let mut run = Run::new(&app);
        for step in &case.steps {
            run.step(step).await;
        }
        run.finish().await;
    });
}

/// Runs `cases` random cases (or `PROPTEST_CASES`) on `db`, shrinking a failure.
fn check_against_model(db: Db, cases: u32) {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(cases);
    let config = Config {
        cases,
        max_shrink_iters: 512,
        source_file: Some(file!()),
        failure_persistence: Some(Box::new(FileFailurePersistence::SourceParallel(
            "proptest-regressions",
        ))),
        ..Config::default()
    };
    let result = TestRunner::new(config).run(&case(), |case| {
        run_case(db, &case);
        Ok::<(), TestCaseError>(())
    });
    if let Err(failure) = result {
        panic!("{failure}");
    }
}

on_both_databases!(
    agrees_with_the_model,
    blocking | db | {
        let cases = match db {
            Db::Sqlite => SQLITE_CASES,
            Db::Postgres => POSTGRES_CASES,
        };
        check_against_model(db, cases);
    }
);
