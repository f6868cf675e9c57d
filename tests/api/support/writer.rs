//! A client that behaves like Replicache toward server processes: one client in a group
//! of its own creates workload mutations, pushes every pending one, and pulls after
//! each push. A mutation stays pending until a pull confirms its lastMutationID, so a
//! push that failed (or whose answer was lost) is sent again with the same mutations.
//!
//! Every pull is checked as it arrives: the cookie never goes down (the client-view
//! model), it goes up after a push of new mutations was acknowledged (read-your-writes
//! across processes), and the view holds exactly the effects of the confirmed mutations.

use super::http::{Answer, Http, Transport};
use super::workload::{assert_view_matches_workload, workload_range};
use replichat_test_support::view::ClientView;
use serde_json::Value;
use std::cmp::Ordering;

/// How a request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// 200 with the expected body.
    Ok,
    /// 503 with a JSON error: the database was away; the client retries.
    Unavailable,
    /// No HTTP answer at all (the process is gone).
    Unreachable,
}

/// One Replicache-like client.
pub struct Writer {
    pub client: String,
    pub group: String,
    /// The client's cache, as built by its pulls.
    pub view: ClientView,
    /// Every cookie a pull answered, in order.
    pub cookies: Vec<Value>,
    /// Highest mutation id a push answered `{}` for.
    pub acknowledged: i64,
    /// Highest mutation id created so far.
    pub created: i64,
    /// Highest mutation id ever sent.
    sent: i64,
    /// A push of never-sent mutations was acknowledged since the last pull.
    fresh_ack: bool,
}

impl Writer {
    /// Client `<name>` in group `g-<name>`.
    pub fn new(name: &str) -> Writer {
        Writer {
            client: name.to_string(),
            group: format!("g-{name}"),
            view: ClientView::new(),
            cookies: Vec::new(),
            acknowledged: 0,
            created: 0,
            sent: 0,
            fresh_ack: false,
        }
    }

    /// The lastMutationID the last pull confirmed.
    pub fn confirmed(&self) -> i64 {
        self.view.lmids.get(&self.client).copied().unwrap_or(0)
    }

    /// Request number `n` of a steady load: two pushes of 1-3 new mutations, then a
    /// pull. As with Replicache, where pulls follow pokes and timers rather than each
    /// push, most pushes resend acknowledged mutations that no pull has confirmed yet.
    pub fn request(&mut self, server: &Http, n: usize) -> Outcome {
        if n % 3 == 2 {
            self.pull(server)
        } else {
            self.push(server, 1 + self.created % 3)
        }
    }

    /// Creates `new` mutations and pushes everything pending to `server`.
    pub fn push(&mut self, server: &Http, new: i64) -> Outcome {
        self.created += new;
        let (from, to) = (self.confirmed() + 1, self.created);
        if from > to {
            return Outcome::Ok;
        }
        let fresh = to > self.sent;
        self.sent = self.sent.max(to);
        let answer = server.push(&self.group, workload_range(&self.client, from, to));
        let outcome = classify(answer, "push", Answer::is_push_ok);
        if outcome == Outcome::Ok {
            self.acknowledged = self.acknowledged.max(to);
            self.fresh_ack |= fresh;
        }
        outcome
    }

    /// Pulls from `server` and checks the response against what this client knows.
    pub fn pull(&mut self, server: &Http) -> Outcome {
        let response = match server.pull(&self.group, self.view.cookie.clone()) {
            Ok(answer) if answer.status == 200 => answer.json(),
            other => return classify(other, "pull", |_| false),
        };
        let before = self.view.cookie.clone();
        self.view.apply(&response);
        let cookie = &response["cookie"];
        if self.fresh_ack {
            assert_eq!(
                replichat_test_support::view::compare_cookies(cookie, &before),
                Some(Ordering::Greater),
                "{}: the pull after an acknowledged push kept cookie {before}",
                self.client
            );
        }
        assert!(
            self.confirmed() >= self.acknowledged,
            "{}: pull confirms {} but mutations up to {} were acknowledged",
            self.client,
            self.confirmed(),
            self.acknowledged
        );
        assert_view_matches_workload(&self.view, &[self.client.as_str()]);
        self.fresh_ack = false;
        self.cookies.push(cookie.clone());
        Outcome::Ok
    }

    /// Pushes and pulls on `server` until every created mutation is confirmed; panics
    /// after `attempts` rounds.
    pub fn flush(&mut self, server: &Http, attempts: usize) {
        for _ in 0..attempts {
            if self.push(server, 0) == Outcome::Ok && self.pull(server) == Outcome::Ok {
                if self.confirmed() == self.created {
                    return;
                }
            } else {
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
        }
        panic!(
            "{}: only {} of {} mutations confirmed",
            self.client,
            self.confirmed(),
            self.created
        );
    }
}

/// Sorts an answer into an [`Outcome`]; anything but `expected`, a JSON 503 or a
/// transport failure (a 500, a Replicache error body, HTML) fails the test.
fn classify(
    answer: Result<Answer, Transport>,
    what: &str,
    expected: fn(&Answer) -> bool,
) -> Outcome {
    match answer {
        Ok(answer) if expected(&answer) => Outcome::Ok,
        Ok(answer) if answer.is_json_503() => Outcome::Unavailable,
        Ok(answer) => panic!("unexpected {what} answer: {answer:?}"),
        Err(_) => Outcome::Unreachable,
    }
}
