//! `replichat-bench`: a load generator for Replicache protocol v1 servers (push, pull, poke,
//! idle SSE memory, and the rooms workloads of a server with read authorization), with A/B
//! interleaved comparison against a second server.

mod auth;
mod cli;
mod http;
mod idle;
mod poke;
mod proto;
mod pull;
mod push;
mod rooms;
mod runner;
mod stats;
mod table;
mod verify;

use anyhow::{Context, Result};
use clap::Parser;
use cli::{Cli, Command, Common};
use http::Http;
use rooms::commands;
use runner::{interleave, Report, Target};
use serde_json::json;
use std::process::ExitCode;
use std::time::Duration;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cli.threads.max(1))
        .enable_all()
        .build()
        .expect("tokio runtime");
    match runtime.block_on(dispatch(cli)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Runs the command; `Ok(false)` when a verification failed.
async fn dispatch(cli: Cli) -> Result<bool> {
    let http = Http::new(Duration::from_secs_f64(cli.timeout_secs));
    let secret = cli.jwt_secret.as_deref();
    let report = match cli.command {
        Command::Push {
            common,
            clients,
            batch,
            seconds,
            drain_seconds,
            verify_concurrency,
            rooms,
        } => {
            let p = push::PushParams {
                clients,
                batch,
                seconds,
                drain_seconds,
                verify_concurrency,
                rooms,
            };
            let minter = secret.map(auth::Minter::new);
            let targets = common.targets();
            let records = interleave(&targets, common.runs, |t, _| {
                push::run(http.clone(), t.url, p, minter.clone())
            })
            .await;
            let rooms_note = match rooms {
                0 => String::new(),
                n => format!(" rooms={n}"),
            };
            let auth_note = if minter.is_some() { " jwt" } else { "" };
            Report {
                workload: format!("push C={clients} B={batch} T={seconds}s{rooms_note}{auth_note}"),
                params: json!({"clients": clients, "batch": batch, "seconds": seconds,
                               "drain_seconds": drain_seconds, "rooms": rooms,
                               "jwt": minter.is_some()}),
                targets,
                headline: vec!["mutations_per_s", "p50_ms", "p99_ms"],
                records,
            }
            .finish(&common)?
        }
        Command::Pull {
            common,
            messages,
            clients,
            seconds,
            cookie,
            compare_messages,
            preload_batch,
            strategy_note,
            churn_ms,
        } => {
            let targets = common.targets();
            let wanted = [messages, compare_messages.unwrap_or(messages)];
            let mut counts = Vec::new();
            for (t, m) in targets.iter().zip(wanted) {
                counts.push((
                    t.url.clone(),
                    pull::preload(&http, &t.url, m, preload_batch).await?,
                ));
            }
            let sizes = match compare_messages {
                Some(m) if common.compare.is_some() => format!("{messages}/{m}"),
                _ => messages.to_string(),
            };
            let p = pull::PullParams {
                clients,
                seconds,
                cookie,
                churn_ms,
            };
            let records = interleave(&targets, common.runs, |t, _| {
                let expected = counts
                    .iter()
                    .find(|(u, _)| *u == t.url)
                    .map_or(0, |(_, c)| *c);
                pull::run(http.clone(), t.url, p, expected)
            })
            .await;
            Report {
                workload: format!(
                    "pull M={sizes} C={clients} T={seconds}s cookie={}{}",
                    format!("{cookie:?}").to_lowercase(),
                    match churn_ms {
                        0 => String::new(),
                        ms => format!(" churn={ms}ms"),
                    }
                ),
                params: json!({"messages": messages, "compare_messages": compare_messages,
                               "clients": clients, "seconds": seconds,
                               "cookie": format!("{cookie:?}"), "strategy_note": strategy_note,
                               "churn_ms": churn_ms}),
                targets,
                headline: vec![
                    "null_pulls_per_s",
                    "null_p50_ms",
                    "last_pulls_per_s",
                    "last_p50_ms",
                ],
                records,
            }
            .finish(&common)?
        }
        Command::Poke {
            common,
            subscribers,
            pushes,
            interval_ms,
            subscribe_urls,
        } => {
            let interval = Duration::from_millis(interval_ms);
            let p = poke::PokeParams {
                subscribers,
                pushes,
                interval,
            };
            let targets = common.targets();
            let records = interleave(&targets, common.runs, |t, _| {
                poke::run(http.clone(), t.url, p, subscribe_urls.clone())
            })
            .await;
            Report {
                workload: format!("poke S={subscribers} N={pushes}"),
                params: json!({"subscribers": subscribers, "pushes": pushes, "interval_ms": interval_ms,
                               "subscribe_urls": subscribe_urls}),
                targets,
                headline: vec!["p50_ms", "p99_ms", "send_to_poke_p50_ms", "missed"],
                records,
            }
            .finish(&common)?
        }
        Command::SseIdle {
            url,
            name,
            server_pid,
            connections,
            settle_secs,
            max_added_mib,
            json,
        } => {
            let p = idle::IdleParams {
                connections,
                pid: server_pid,
                settle: Duration::from_secs_f64(settle_secs),
                max_added_mib,
            };
            let targets = vec![Target { name, url }];
            let records = interleave(&targets, 1, |t, _| idle::run(http.clone(), t.url, p)).await;
            let common = Common {
                url: String::new(),
                name: String::new(),
                compare: None,
                compare_name: String::new(),
                runs: 1,
                json,
            };
            Report {
                workload: format!("sse-idle N={connections}"),
                params: json!({"connections": connections, "server_pid": server_pid}),
                targets,
                headline: vec!["added_mib", "per_connection_kib"],
                records,
            }
            .finish(&common)?
        }
        Command::RoomsSeed { url, shape, batch } => {
            let minter = auth::required(secret, "rooms-seed")?;
            commands::seed_one(&http, &minter, &url, &shape, batch).await?;
            return Ok(true);
        }
        Command::RoomsPull(args) => {
            let minter = auth::required(secret, "rooms-pull")?;
            commands::pull(&http, minter, &args)
                .await?
                .finish(&args.common)?
        }
        Command::RoomsJoin {
            common,
            messages,
            batch,
        } => {
            let minter = auth::required(secret, "rooms-join")?;
            commands::join(&http, minter, &common, messages, batch)
                .await?
                .finish(&common)?
        }
        Command::RoomsPoke(args) => {
            let minter = auth::required(secret, "rooms-poke")?;
            commands::poke(&http, minter, &args)
                .await?
                .finish(&args.common)?
        }
        Command::Table { files } => return table::print(&files),
    };
    Ok(report)
}

impl Report {
    /// Prints the table, writes `--json`, and says whether every verification passed.
    fn finish(self, common: &Common) -> Result<bool> {
        self.print();
        if let Some(path) = &common.json {
            let text = serde_json::to_string_pretty(&self.to_json())?;
            std::fs::write(path, text).with_context(|| format!("writing {path:?}"))?;
        }
        Ok(self.failures().is_empty())
    }
}
