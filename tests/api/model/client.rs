//! The tabs (Replicache clients) of a case and the run that drives them against the
//! app, checking every answer against the model.

use super::server::{Model, PushAnswer, Sent};
use super::steps::{wire, Forged, Mutator, Step};
use super::{GROUPS, TABS, TABS_PER_GROUP, USERS};
use crate::support::app::TestApp;
use crate::support::users::token;
use replichat_test_support::bodies::{pull_body, push_body};
use replichat_test_support::view::{assert_pull_response_shape, ClientView};
use rocket::http::{ContentType, Header, Status};
use serde_json::{json, Value};

/// A Replicache client: its mutations and its cache.
#[derive(Debug, Default)]
struct Tab {
    id: String,
    group: String,
    /// Its user: `u<group mod USERS>` with authentication, the anonymous `""` without.
    user: String,
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

/// The last push: its group, its user and its batch.
#[derive(Debug, Clone)]
struct LastPush {
    group: String,
    user: String,
    batch: Vec<Sent>,
}

/// One case against one app.
pub struct Run<'a> {
    app: &'a TestApp,
    authenticated: bool,
    model: Model,
    tabs: Vec<Tab>,
    last_push: Option<LastPush>,
}

impl<'a> Run<'a> {
    /// Fresh tabs: `c<t>` in group `g<t / TABS_PER_GROUP>`.
    pub fn new(app: &'a TestApp, authenticated: bool) -> Self {
        let tabs = (0..TABS)
            .map(|t| {
                let group = t / TABS_PER_GROUP;
                Tab {
                    id: format!("c{t}"),
                    group: format!("g{group}"),
                    user: if authenticated {
                        format!("u{}", group % USERS)
                    } else {
                        String::new()
                    },
                    ..Tab::default()
                }
            })
            .collect();
        Run {
            app,
            authenticated,
            model: Model::default(),
            tabs,
            last_push: None,
        }
    }

    /// Runs one step and checks its answer.
    pub async fn step(&mut self, step: &Step) {
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
                let (group, user) = (pusher.group.clone(), pusher.user.clone());
                self.push(LastPush { group, user, batch }).await;
            }
            Step::Resend => {
                if let Some(last) = self.last_push.clone() {
                    self.push(last).await;
                }
            }
            Step::Stray { tab, shift } => {
                let pusher = &self.tabs[*tab];
                let home = *tab / TABS_PER_GROUP;
                let group = format!("g{}", (home + shift) % GROUPS);
                let batch = pusher.batch(false).collect();
                let user = pusher.user.clone();
                self.push(LastPush { group, user, batch }).await;
            }
            Step::Pull { tab } => self.pull(*tab).await,
            Step::Rewind { tab, back } => {
                let tab = &mut self.tabs[*tab];
                tab.cache = match tab.snapshots.len().checked_sub(back + 1) {
                    Some(index) => tab.snapshots[index].clone(),
                    None => ClientView::new(),
                };
            }
            Step::Forge { tab, cookie } => self.forge(*tab, *cookie).await,
        }
    }

    /// POSTs `body` to `path` as `user`; returns the status and the JSON answer.
    async fn post(&self, path: &str, user: &str, body: &Value) -> (Status, Value) {
        let headers = if self.authenticated {
            let bearer = format!("Bearer {}", token(user));
            vec![Header::new("Authorization", bearer)]
        } else {
            Vec::new()
        };
        let response = self
            .app
            .post_raw(path, Some(ContentType::JSON), headers, body.to_string())
            .await;
        (response.status, response.json())
    }

    /// Sends a push and checks its answer against the model's.
    async fn push(&mut self, push: LastPush) {
        let mutations = push
            .batch
            .iter()
            .map(|sent| wire(&sent.client, sent.id, &sent.mutator))
            .collect();
        let request = push_body(&push.group, mutations);
        let (status, body) = self
            .post("/api/replicache-push", &push.user, &request)
            .await;
        let answer = (status, body["error"].as_str());
        let expected = match self.model.push(&push.group, &push.user, &push.batch) {
            PushAnswer::Accepted => (Status::Ok, None),
            PushAnswer::ClientStateNotFound => (Status::Ok, Some("ClientStateNotFound")),
            PushAnswer::Forbidden => (Status::Forbidden, Some("forbidden")),
        };
        assert_eq!(
            answer, expected,
            "answer {body} to the push {request} by {:?}",
            push.user
        );
        if status == Status::Ok {
            let members = body.as_object().map_or(usize::MAX, |m| m.len());
            assert_eq!(members, usize::from(expected.1.is_some()), "answer {body}");
        }
        self.last_push = Some(push);
    }

    /// Pulls for `tab` with `cookie` as its user. A group that is another user's is
    /// refused with 403; `None` then.
    async fn pull_from(&self, tab: usize, cookie: Value) -> Option<Value> {
        let tab = &self.tabs[tab];
        let request = pull_body(&tab.group, cookie);
        let (status, answer) = self.post("/api/replicache-pull", &tab.user, &request).await;
        if self.model.foreign_group(&tab.group, &tab.user) {
            let refused = (status, answer["error"].as_str());
            assert_eq!(
                refused,
                (Status::Forbidden, Some("forbidden")),
                "pull {request} by {:?} for another user's group: {answer}",
                tab.user
            );
            return None;
        }
        assert_eq!(status, Status::Ok, "pull {request}: {answer}");
        Some(answer)
    }

    /// Pulls for `tab`, applies the answer to its cache and compares with the model.
    async fn pull(&mut self, index: usize) {
        let cookie = self.tabs[index].cache.cookie.clone();
        let Some(answer) = self.pull_from(index, cookie).await else {
            return;
        };
        let tab = &mut self.tabs[index];
        tab.cache.apply(&answer);
        assert_eq!(
            tab.cache.data,
            self.model.view(&tab.group, &tab.user),
            "the cache of {} (user {:?}) after {answer}",
            tab.id,
            tab.user
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

    /// Pulls for `tab` with a forged cookie, outside its cache: whatever the server
    /// makes of the cookie, every entry it puts is one the user may read now, with its
    /// current value, and every lastMutationID is one of the group's.
    async fn forge(&mut self, index: usize, forged: Forged) {
        let current = self.tabs[index].cache.cookie.as_i64().unwrap_or(0);
        let cookie = match forged {
            Forged::Behind(back) => json!((current - back).max(0)),
            Forged::Ahead(ahead) => json!(current + ahead),
            Forged::Text => json!("forged"),
        };
        let Some(answer) = self.pull_from(index, cookie.clone()).await else {
            return;
        };
        assert_pull_response_shape(&answer);
        let tab = &self.tabs[index];
        let view = self.model.view(&tab.group, &tab.user);
        for op in answer["patch"].as_array().into_iter().flatten() {
            if op["op"] == "put" {
                let key = op["key"].as_str().unwrap_or_default();
                assert_eq!(
                    view.get(key),
                    Some(&op["value"]),
                    "{key} as {:?} put by the pull of {} from the forged cookie {cookie}",
                    tab.user,
                    tab.id
                );
            }
        }
        let lmids = self.model.lmids(&tab.group);
        for (client, lmid) in answer["lastMutationIDChanges"]
            .as_object()
            .into_iter()
            .flatten()
        {
            assert_eq!(
                lmids.get(client).map(|l| json!(l)).as_ref(),
                Some(lmid),
                "lastMutationID of {client} in the pull of {} from {cookie}",
                tab.id
            );
        }
    }

    /// Every tab pushes what it has pending and pulls; then every tab's cache equals the
    /// model, and every mutation of a tab that stayed in its group (and whose group
    /// stayed its user's) has been applied.
    pub async fn finish(&mut self) {
        for tab in 0..TABS {
            let pusher = &self.tabs[tab];
            let push = LastPush {
                group: pusher.group.clone(),
                user: pusher.user.clone(),
                batch: pusher.batch(false).collect(),
            };
            self.push(push).await;
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
            if group == tab.group && !self.model.foreign_group(&tab.group, &tab.user) {
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
