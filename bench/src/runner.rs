//! Runs a workload against one or two servers, A/B interleaved, and reports medians.

use crate::stats::median;
use serde_json::{json, Map, Value};
use std::future::Future;

/// A server under test.
#[derive(Debug, Clone)]
pub struct Target {
    /// Short name for tables (e.g. `replichat`, `anchor`).
    pub name: String,
    /// Base URL, e.g. `http://127.0.0.1:18200`.
    pub url: String,
}

/// What one run measured: named figures in display order, and verification failures.
#[derive(Debug, Default)]
pub struct Outcome {
    /// `(metric, value)` pairs; names ending in `_ms` are latencies.
    pub metrics: Vec<(String, f64)>,
    /// Human-readable problems found by the run (lost writes, HTTP errors, ...).
    pub failures: Vec<String>,
}

impl Outcome {
    /// Appends a metric.
    pub fn put(&mut self, name: impl Into<String>, value: f64) {
        self.metrics.push((name.into(), value));
    }

    fn get(&self, name: &str) -> Option<f64> {
        self.metrics
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| *v)
    }
}

/// One run of one target.
#[derive(Debug)]
pub struct RunRecord {
    /// Index into the report's targets.
    pub target: usize,
    /// 0-based run number.
    pub run: usize,
    /// The measurement.
    pub outcome: Outcome,
}

/// Runs `run(target, run_index)` for `runs` rounds, each round visiting the targets in
/// order (A, B, A, B, ...). A run that returns an error is recorded as a failure.
pub async fn interleave<F, Fut>(targets: &[Target], runs: usize, mut run: F) -> Vec<RunRecord>
where
    F: FnMut(Target, usize) -> Fut,
    Fut: Future<Output = anyhow::Result<Outcome>>,
{
    let mut records = Vec::new();
    for round in 0..runs {
        for (index, target) in targets.iter().enumerate() {
            let outcome = run(target.clone(), round)
                .await
                .unwrap_or_else(|e| Outcome {
                    metrics: Vec::new(),
                    failures: vec![format!("run failed: {e:#}")],
                });
            let figures: Vec<String> = outcome
                .metrics
                .iter()
                .map(|(n, v)| format!("{n}={}", fmt(*v)))
                .collect();
            eprintln!(
                "[run {}/{runs}] {}: {}{}",
                round + 1,
                target.name,
                figures.join(" "),
                if outcome.failures.is_empty() {
                    ""
                } else {
                    "  FAILED"
                }
            );
            for failure in &outcome.failures {
                eprintln!("    {failure}");
            }
            records.push(RunRecord {
                target: index,
                run: round,
                outcome,
            });
        }
    }
    records
}

/// Everything measured by one command invocation.
#[derive(Debug)]
pub struct Report {
    /// One-line description of the workload and its parameters.
    pub workload: String,
    /// Parameters as JSON (for `--json`).
    pub params: Value,
    /// A, then B when comparing.
    pub targets: Vec<Target>,
    /// Metrics shown by `replichat-bench table`.
    pub headline: Vec<&'static str>,
    /// Every run, in execution order.
    pub records: Vec<RunRecord>,
}

impl Report {
    fn metric_names(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for record in &self.records {
            for (name, _) in &record.outcome.metrics {
                if !names.contains(name) {
                    names.push(name.clone());
                }
            }
        }
        names
    }

    /// Per-run values of `metric` for target `target`, in run order (NaN where missing).
    fn values(&self, target: usize, metric: &str) -> Vec<f64> {
        self.records
            .iter()
            .filter(|r| r.target == target)
            .map(|r| r.outcome.get(metric).unwrap_or(f64::NAN))
            .collect()
    }

    /// B/A for each round, when there are two targets.
    fn pair_ratios(&self, metric: &str) -> Vec<f64> {
        if self.targets.len() < 2 {
            return Vec::new();
        }
        let (a, b) = (self.values(0, metric), self.values(1, metric));
        a.iter().zip(&b).map(|(a, b)| b / a).collect()
    }

    /// Every failure, prefixed with its target and run.
    pub fn failures(&self) -> Vec<String> {
        self.records
            .iter()
            .flat_map(|r| {
                let name = &self.targets[r.target].name;
                r.outcome
                    .failures
                    .iter()
                    .map(move |f| format!("{name} run {}: {f}", r.run + 1))
            })
            .collect()
    }

    /// Prints the compact human table to stdout.
    pub fn print(&self) {
        println!("\n== {}", self.workload);
        let mut header = format!("{:<30}", "metric (median)");
        for t in &self.targets {
            header.push_str(&format!("{:>14}", truncate(&t.name, 13)));
        }
        if self.targets.len() > 1 {
            header.push_str(&format!("{:>10}  per-pair B/A", "B/A med"));
        }
        println!("{header}");
        for metric in self.metric_names() {
            let mut line = format!("{metric:<30}");
            for t in 0..self.targets.len() {
                line.push_str(&format!("{:>14}", fmt(median(&self.values(t, &metric)))));
            }
            let ratios = self.pair_ratios(&metric);
            if !ratios.is_empty() {
                let pairs: Vec<String> = ratios.iter().map(|r| fmt(*r)).collect();
                line.push_str(&format!(
                    "{:>10}  {}",
                    fmt(median(&ratios)),
                    pairs.join(" ")
                ));
            }
            println!("{line}");
        }
        let failures = self.failures();
        if failures.is_empty() {
            println!("verification: ok");
        } else {
            println!("verification: {} FAILURE(S)", failures.len());
            for f in failures {
                println!("  {f}");
            }
        }
    }

    /// The whole report as JSON: parameters, every run, medians and ratios.
    pub fn to_json(&self) -> Value {
        let runs: Vec<Value> = self
            .records
            .iter()
            .map(|r| {
                let metrics: Map<String, Value> = r
                    .outcome
                    .metrics
                    .iter()
                    .map(|(n, v)| (n.clone(), number(*v)))
                    .collect();
                json!({"target": self.targets[r.target].name, "run": r.run + 1,
                       "metrics": metrics, "failures": r.outcome.failures})
            })
            .collect();
        let mut summary = Map::new();
        for metric in self.metric_names() {
            let mut entry = Map::new();
            for (i, t) in self.targets.iter().enumerate() {
                entry.insert(t.name.clone(), number(median(&self.values(i, &metric))));
            }
            let ratios = self.pair_ratios(&metric);
            if !ratios.is_empty() {
                entry.insert("ratio_b_over_a".into(), number(median(&ratios)));
                entry.insert("ratios".into(), ratios.iter().map(|r| number(*r)).collect());
            }
            summary.insert(metric, Value::Object(entry));
        }
        let targets: Vec<Value> = self
            .targets
            .iter()
            .map(|t| json!({"name": t.name, "url": t.url}))
            .collect();
        json!({
            "workload": self.workload, "params": self.params, "targets": targets,
            "headline": self.headline, "summary": summary, "runs": runs,
            "failures": self.failures(), "ok": self.failures().is_empty(),
        })
    }
}

/// A JSON number, or null for NaN/infinity.
fn number(v: f64) -> Value {
    serde_json::Number::from_f64((v * 1000.0).round() / 1000.0).map_or(Value::Null, Value::Number)
}

/// Three significant-ish digits: `1234`, `12.3`, `1.23`, `-` for NaN.
pub fn fmt(v: f64) -> String {
    if !v.is_finite() {
        "-".into()
    } else if v.abs() >= 100.0 || (v.fract() == 0.0 && v.abs() < 1e15) {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// The first `n` characters of `s`.
pub fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}
