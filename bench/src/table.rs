//! `replichat-bench table`: one table from several `--json` reports.

use crate::runner::{fmt, truncate};
use anyhow::{Context, Result};
use serde_json::Value;
use std::path::PathBuf;

/// Prints one row per headline metric of every report; returns false if any report failed.
pub fn print(files: &[PathBuf]) -> Result<bool> {
    println!(
        "{:<56} {:<26} {:>22} {:>22} {:>8}  verified",
        "workload", "metric", "A", "B", "B/A"
    );
    let mut all_ok = true;
    for file in files {
        let text = std::fs::read_to_string(file).with_context(|| format!("reading {file:?}"))?;
        let report: Value =
            serde_json::from_str(&text).with_context(|| format!("parsing {file:?}"))?;
        let ok = report["ok"].as_bool().unwrap_or(false);
        all_ok &= ok;
        let names: Vec<&str> = report["targets"]
            .as_array()
            .map(|ts| ts.iter().filter_map(|t| t["name"].as_str()).collect())
            .unwrap_or_default();
        let workload = report["workload"].as_str().unwrap_or("?");
        for metric in report["headline"].as_array().into_iter().flatten() {
            let metric = metric.as_str().unwrap_or("?");
            let entry = &report["summary"][metric];
            if entry.is_null() {
                continue;
            }
            let cell = |i: usize| match names.get(i) {
                Some(name) => format!(
                    "{} {}",
                    name,
                    fmt(entry[*name].as_f64().unwrap_or(f64::NAN))
                ),
                None => String::new(),
            };
            let ratio = entry["ratio_b_over_a"]
                .as_f64()
                .map(fmt)
                .unwrap_or_default();
            println!(
                "{:<56} {:<26} {:>22} {:>22} {:>8}  {}",
                truncate(workload, 56),
                metric,
                cell(0),
                cell(1),
                ratio,
                if ok { "ok" } else { "FAILED" }
            );
        }
    }
    Ok(all_ok)
}
