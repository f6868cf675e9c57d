//! The `one-new` phase: lock-step rounds of one push and a pull of every group.

use super::answers::{one_put, parse};
use super::log::PhaseLog;
use super::{Run, MAX_PROBLEMS};
use crate::proto::{random_id, ClientIdentity};
use crate::rooms::shape::{MEASURED, PREFIX};
use anyhow::{bail, Result};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::{Duration, Instant};

impl Run<'_> {
    /// Lock-step rounds until `deadline`: one push into one of the user's rooms, then a
    /// pull of every group. Returns the ids of the messages each group wrote.
    pub(super) async fn one_new(
        &self,
        ids: &[ClientIdentity],
        mut cookies: Vec<Value>,
        deadline: Instant,
    ) -> Result<(PhaseLog, Vec<Vec<String>>)> {
        let shape = &self.subject.shape;
        let mut rooms = shape.private_rooms_of(MEASURED);
        if rooms.is_empty() {
            rooms = shape.readable_by(MEASURED);
        }
        if rooms.is_empty() {
            bail!("one-new: the measured user of shape {shape} reads no room");
        }
        let tag = random_id();
        let mut written: Vec<Vec<String>> = vec![Vec::new(); ids.len()];
        let mut log = PhaseLog::default();
        let mut pulling = Duration::ZERO;
        let mut round = 0usize;
        while Instant::now() < deadline && log.problems.len() < MAX_PROBLEMS {
            let writer = round % ids.len();
            let room = shape.room_id(rooms[round % rooms.len()]);
            let message = format!("{PREFIX}-new-{tag}-{round}");
            let args = json!({"id": message, "from": "bench", "order": round,
                              "content": format!("new message {round}"), "roomID": room});
            let id = &ids[writer];
            let mutation_id = written[writer].len() as u64 + 1;
            let body = id.push_of(vec![id.mutation(mutation_id, "createMessage", args)]);
            id.post_until_ok(&self.http, &self.push_url, body, "one-new push")
                .await?;
            written[writer].push(message.clone());

            let started = Instant::now();
            let tasks: Vec<_> = ids
                .iter()
                .zip(&cookies)
                .map(|(id, cookie)| {
                    let (http, url) = (self.http.clone(), self.pull_url.clone());
                    let body = id.pull_body(cookie);
                    let id = id.clone();
                    tokio::spawn(async move { id.post(&http, &url, body).await })
                })
                .collect();
            let mut replies = Vec::with_capacity(tasks.len());
            for task in tasks {
                replies.push(task.await??);
            }
            pulling += started.elapsed();
            for (group, reply) in replies.iter().enumerate() {
                let lmids: HashMap<String, u64> = if group == writer {
                    HashMap::from([(ids[writer].client.clone(), mutation_id)])
                } else {
                    HashMap::new()
                };
                match parse(reply) {
                    Ok(view) => match one_put(&view, &message, &room, &lmids) {
                        Ok(()) => {
                            log.add(reply);
                            cookies[group] = view.cookie;
                        }
                        Err(problem) => log.problems.push(problem),
                    },
                    Err(problem) => log.problems.push(problem),
                }
            }
            round += 1;
        }
        log.seconds = pulling.as_secs_f64().max(f64::MIN_POSITIVE);
        Ok((log, written))
    }

    /// Deletes the messages `one-new` wrote, each group its own, so the live data is
    /// the shape's again.
    pub(super) async fn delete_written(
        &self,
        ids: &[ClientIdentity],
        written: Vec<Vec<String>>,
    ) -> Result<()> {
        for (id, messages) in ids.iter().zip(written) {
            if messages.is_empty() {
                continue;
            }
            let first = messages.len() as u64 + 1;
            let mutations = messages
                .iter()
                .zip(first..)
                .map(|(message, mutation_id)| {
                    id.mutation(mutation_id, "deleteMessage", json!({"id": message}))
                })
                .collect();
            id.post_until_ok(
                &self.http,
                &self.push_url,
                id.push_of(mutations),
                "deleting the one-new messages",
            )
            .await?;
        }
        Ok(())
    }
}
