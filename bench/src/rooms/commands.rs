//! The rooms subcommands: each prepares its targets, runs them A/B interleaved and hands
//! back the report.

use super::expect::Expected;
use super::join::JoinParams;
use super::pgstats::RowCounter;
use super::poke::RoomsPokeParams;
use super::pull::{Params, Subject};
use super::seed::seed;
use super::shape::{Shape, MEASURED};
use crate::auth::Minter;
use crate::cli::{Common, RoomsPokeArgs, RoomsPullArgs};
use crate::http::Http;
use crate::runner::{interleave, Report, Target};
use anyhow::Result;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

/// `rooms-seed`: seeds `url` with `shape`.
pub async fn seed_one(
    http: &Http,
    minter: &Minter,
    url: &str,
    shape: &Shape,
    batch: usize,
) -> Result<()> {
    let seeded = seed(http, url, shape, minter, batch).await?;
    println!(
        "{url}: shape {shape} in place ({} mutations pushed now, {:.1} s, checked)",
        seeded.pushed, seeded.seconds
    );
    Ok(())
}

/// `rooms-pull`.
pub async fn pull(http: &Http, minter: Minter, args: &RoomsPullArgs) -> Result<Report> {
    let common = &args.common;
    let targets = common.targets();
    let shapes = [
        args.shape.clone(),
        args.compare_shape.clone().unwrap_or(args.shape.clone()),
    ];
    let databases = [&args.database_url, &args.compare_database_url];
    let mut subjects = Vec::with_capacity(targets.len());
    for ((target, shape), database) in targets.iter().zip(&shapes).zip(databases) {
        let seeded = seed(http, &target.url, shape, &minter, args.seed_batch).await?;
        eprintln!(
            "{}: shape {shape} ({} mutations pushed now, {:.1} s)",
            target.name, seeded.pushed, seeded.seconds
        );
        let counter = match database {
            Some(url) => Some(RowCounter::connect(url).await?),
            None => None,
        };
        subjects.push(Subject {
            expected: Arc::new(Expected::user(shape, MEASURED)),
            shape: shape.clone(),
            counter,
        });
    }
    let params = Params {
        clients: args.clients,
        seconds: args.seconds,
        phases: args.phases.clone(),
        churn_ms: args.churn_ms,
        minter,
    };
    let (params, subjects) = (&params, &subjects);
    let records = interleave(&targets, common.runs, |t, _| {
        let subject = subject_of(&targets, subjects, &t);
        super::pull::run(http.clone(), t.url, params, subject)
    })
    .await;
    let labels: Vec<String> = shapes[..targets.len()].iter().map(Shape::label).collect();
    let phases: Vec<&str> = args.phases.iter().map(|p| p.label()).collect();
    Ok(Report {
        workload: format!(
            "rooms-pull {} C={} {}{}",
            labels.join("/"),
            args.clients,
            phases.join(","),
            match args.churn_ms {
                0 => String::new(),
                ms => format!(" churn={ms}ms"),
            }
        ),
        params: json!({"shapes": shapes[..targets.len()].iter().map(ToString::to_string)
                                    .collect::<Vec<_>>(),
                       "clients": args.clients, "seconds": args.seconds, "phases": phases,
                       "churn_ms": args.churn_ms, "strategy_note": args.strategy_note,
                       "rows_counted": [args.database_url.is_some(),
                                        args.compare_database_url.is_some()]}),
        targets,
        headline: vec![
            "current_p50_ms",
            "current_pulls_per_s",
            "current_msg_rows_per_pull",
            "one_new_p50_ms",
            "one_new_p99_ms",
            "one_new_pulls_per_s",
            "one_new_msg_rows_per_pull",
            "reset_p50_ms",
            "reset_pulls_per_s",
            "reset_msg_rows_per_pull",
        ],
        records,
    })
}

/// The subject of `target` (targets and subjects are in the same order).
fn subject_of<'a>(targets: &[Target], subjects: &'a [Subject], target: &Target) -> &'a Subject {
    let index = targets
        .iter()
        .position(|t| t.url == target.url && t.name == target.name)
        .unwrap_or(0);
    &subjects[index]
}

/// `rooms-join`.
pub async fn join(
    http: &Http,
    minter: Minter,
    common: &Common,
    messages: u64,
    batch: usize,
) -> Result<Report> {
    let targets = common.targets();
    let p = JoinParams {
        messages,
        batch,
        minter,
    };
    let p = &p;
    let records = interleave(&targets, common.runs, |t, _| {
        super::join::run(http.clone(), t.url, p)
    })
    .await;
    Ok(Report {
        workload: format!("rooms-join M={messages}"),
        params: json!({"messages": messages, "batch": batch}),
        targets,
        headline: vec!["join_ms", "join_bytes"],
        records,
    })
}

/// `rooms-poke`.
pub async fn poke(http: &Http, minter: Minter, args: &RoomsPokeArgs) -> Result<Report> {
    let targets = args.common.targets();
    let p = RoomsPokeParams {
        streams: args.streams,
        rooms: args.rooms,
        pushes: args.pushes,
        interval: Duration::from_millis(args.interval_ms),
        window: Duration::from_millis(args.window_ms),
        minter,
    };
    let (p, urls) = (&p, &args.subscribe_urls);
    let records = interleave(&targets, args.common.runs, |t, _| {
        super::poke::run(http.clone(), t.url, p, urls)
    })
    .await;
    Ok(Report {
        workload: format!(
            "rooms-poke S={} P={} N={} procs={}",
            args.streams,
            args.rooms,
            args.pushes,
            urls.len().max(1)
        ),
        params: json!({"streams": args.streams, "rooms": args.rooms, "pushes": args.pushes,
                       "interval_ms": args.interval_ms, "window_ms": args.window_ms,
                       "subscribe_urls": urls}),
        targets,
        headline: vec![
            "p50_ms",
            "p99_ms",
            "pokes_expected",
            "pokes_received",
            "stray_pokes",
        ],
        records,
    })
}
