//! Seeds a server with a [`Shape`]: the seeding user pushes its plan (rooms, memberships,
//! messages) in large batches from one client whose ids never change, so seeding again
//! resumes after the client's lastMutationID (nothing when it is complete), and checks
//! through its own pull that the server holds exactly the shape.

use super::expect::Expected;
use super::shape::{Shape, PREFIX};
use crate::auth::Minter;
use crate::http::{join, Http};
use crate::proto::{ClientIdentity, PullView, PULL_PATH, PUSH_PATH};
use crate::verify::pull_full;
use anyhow::{bail, Result};
use std::time::Instant;

/// What seeding did.
#[derive(Debug, Clone, Copy)]
pub struct Seeded {
    /// Mutations pushed now (0: the server held the shape already).
    pub pushed: u64,
    /// Seconds spent, checks included.
    pub seconds: f64,
}

/// The seeding user's one client, in a group of fixed id.
fn seeder(shape: &Shape, minter: &Minter) -> Result<ClientIdentity> {
    Ok(ClientIdentity {
        group: format!("{PREFIX}-seed-group"),
        client: format!("{PREFIX}-seed-client"),
        auth: Some(minter.bearer(&shape.seed_user())?),
    })
}

/// Brings `url` to `shape`, `batch` mutations per push, and checks the result.
pub async fn seed(
    http: &Http,
    url: &str,
    shape: &Shape,
    minter: &Minter,
    batch: usize,
) -> Result<Seeded> {
    let started = Instant::now();
    let id = seeder(shape, minter)?;
    let pull_url = join(url, PULL_PATH);
    let plan = shape.plan();
    let total = plan.len() as u64;
    let view = pull_full(http, &pull_url, &id).await?;
    let done = view.lmids.get(&id.client).copied().unwrap_or(0);
    if done > total {
        bail!(
            "{url}: the seeding client applied {done} mutations, more than the {total} of \
             shape {shape}: the database holds another shape; seed a fresh one"
        );
    }
    let push_url = join(url, PUSH_PATH);
    let mut next = done as usize;
    while next < plan.len() {
        let end = (next + batch.max(1)).min(plan.len());
        let mutations = plan[next..end]
            .iter()
            .zip(next as u64 + 1..)
            .map(|(step, mutation_id)| {
                let (name, args) = shape.mutation(*step);
                id.mutation(mutation_id, name, args)
            })
            .collect();
        let what = format!("seeding push of mutations {}..={end}", next + 1);
        id.post_until_ok(http, &push_url, id.push_of(mutations), &what)
            .await?;
        next = end;
        if (next / batch.max(1)) % 20 == 0 || next == plan.len() {
            eprintln!(
                "seeding {url}: {next}/{total} mutations, {:.1} s",
                started.elapsed().as_secs_f64()
            );
        }
    }
    let view = if next as u64 > done {
        pull_full(http, &pull_url, &id).await?
    } else {
        view
    };
    let problems = check_seeded(&view, &id, shape, total);
    if !problems.is_empty() {
        bail!("{url} does not hold shape {shape}: {}", problems.join("; "));
    }
    Ok(Seeded {
        pushed: next as u64 - done,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Differences between the seeding user's view and everything of `shape`.
fn check_seeded(view: &PullView, id: &ClientIdentity, shape: &Shape, total: u64) -> Vec<String> {
    let mut problems = Expected::everything(shape).differences(view);
    let lmid = view.lmids.get(&id.client).copied().unwrap_or(0);
    if lmid != total {
        problems.push(format!(
            "the seeding client's lastMutationID is {lmid}, not {total}"
        ));
    }
    let errors: Vec<String> = view
        .puts_under("error/")
        .map(|(key, value)| {
            let why = value
                .and_then(|v| v.get("message"))
                .map_or_else(String::new, ToString::to_string);
            format!("{key}: {why}")
        })
        .collect();
    if !errors.is_empty() {
        problems.push(format!(
            "{} seeding mutations were refused, e.g. {:?}",
            errors.len(),
            &errors[..errors.len().min(3)]
        ));
    }
    problems
}
