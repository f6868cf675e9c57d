//! The closed-loop phases: `current` (the current cookie) and `reset` (a null cookie).

use super::answers::{parse, unchanged};
use super::log::{gather, merge, PhaseLog};
use super::Run;
use crate::proto::{ClientIdentity, PullView};
use crate::pull::churn;
use crate::rooms::shape::PREFIX;
use anyhow::Result;
use bytes::Bytes;
use serde_json::Value;
use std::time::{Duration, Instant};

impl Run<'_> {
    /// Closed-loop pulls with the current cookie until `deadline`.
    pub(super) async fn current(
        &self,
        ids: &[ClientIdentity],
        cookies: Vec<Value>,
        deadline: Instant,
    ) -> Result<PhaseLog> {
        let started = Instant::now();
        let tasks: Vec<_> = ids
            .iter()
            .zip(cookies)
            .map(|(id, cookie)| {
                let (http, url, id) = (self.http.clone(), self.pull_url.clone(), id.clone());
                tokio::spawn(async move {
                    let mut log = PhaseLog::default();
                    while Instant::now() < deadline && log.problems.len() < 3 {
                        let reply = id.post(&http, &url, id.pull_body(&cookie)).await?;
                        match parse(&reply) {
                            Ok(view) if unchanged(&view, &cookie) => log.add(&reply),
                            Ok(_) => log.problems.push(format!(
                                "a pull with the current cookie answered changes: {}",
                                reply.describe()
                            )),
                            Err(problem) => log.problems.push(problem),
                        }
                    }
                    anyhow::Ok(log)
                })
            })
            .collect();
        gather(tasks, started, self.p.seconds).await
    }

    /// Closed-loop null-cookie pulls until `deadline`, optionally while another user
    /// keeps moving the version.
    pub(super) async fn reset(
        &self,
        ids: &[ClientIdentity],
        deadline: Instant,
    ) -> Result<PhaseLog> {
        let started = Instant::now();
        let churning = (self.p.churn_ms > 0).then(|| -> Result<_> {
            let id = self.p.minter.identity(&format!("{PREFIX}-churn"))?;
            let every = Duration::from_millis(self.p.churn_ms);
            let (http, url) = (self.http.clone(), self.push_url.clone());
            Ok(tokio::spawn(churn(http, url, id, every, deadline)))
        });
        let churning = churning.transpose()?;
        let same_length = churning.is_none();
        let tasks: Vec<_> = ids
            .iter()
            .map(|id| {
                let (http, url, id) = (self.http.clone(), self.pull_url.clone(), id.clone());
                tokio::spawn(async move {
                    let mut log = PhaseLog::default();
                    let mut answers: (Option<Bytes>, Option<Bytes>) = (None, None);
                    while Instant::now() < deadline && log.problems.len() < 3 {
                        let reply = id.post(&http, &url, id.pull_body(&Value::Null)).await?;
                        if !reply.is_ok() {
                            log.problems
                                .push(format!("null pull failed: {}", reply.describe()));
                            continue;
                        }
                        let first_len = answers.0.as_ref().map(Bytes::len);
                        if same_length && first_len.is_some_and(|n| n != reply.body.len()) {
                            log.problems.push(format!(
                                "full views of one unchanged state differ in length: {:?} and {}",
                                first_len,
                                reply.body.len()
                            ));
                        }
                        log.add(&reply);
                        let body = reply.body.clone();
                        answers = (answers.0.or_else(|| Some(body.clone())), Some(body));
                    }
                    anyhow::Ok((log, answers))
                })
            })
            .collect();
        let mut logs = Vec::with_capacity(tasks.len());
        for task in tasks {
            let (mut log, (first, last)) = task.await??;
            for body in [first, last].into_iter().flatten() {
                match serde_json::from_slice::<PullView>(&body) {
                    Ok(view) => log
                        .problems
                        .extend(self.subject.expected.differences(&view)),
                    Err(e) => log.problems.push(format!("unreadable full view: {e}")),
                }
            }
            logs.push(log);
        }
        let mut log = merge(logs, started, self.p.seconds);
        if let Some(churning) = churning {
            log.churn_pushes = Some(churning.await??);
        }
        Ok(log)
    }
}
