//! The process's log (README "Configuration", `log_format`): levels on every line,
//! rejected mutations at `warn` with their client, id, mutator and reason, one JSON
//! object a line with `log_format = "json"`, and none of Rocket's per-request chatter
//! at the default level.

use super::ProcDb;
use crate::support::process::ServerProcess;
use replichat::observability::LogFormat;
use replichat_test_support::bodies::{mutation, push_body};
use replichat_test_support::database::Db;
use serde_json::{json, Value};
use std::time::Duration;

/// A push with a refused mutation (a mutator nobody knows, its name trying to forge a
/// log line), then a health probe.
fn exercise(server: &ServerProcess) {
    let refused = mutation("c1", 1, "archive\nINFO forged", json!({}));
    let answer = server
        .http
        .post_json("/api/replicache-push", &push_body("g1", vec![refused]))
        .expect("push");
    assert!(answer.is_push_ok(), "{answer:?}");
    assert_eq!(server.http.get("/healthz").expect("healthz").status, 200);
}

/// Stops the server gracefully, so that its log is complete.
fn stop(server: &mut ServerProcess) {
    server.terminate();
    let status = server.wait_exit(Duration::from_secs(10));
    assert!(status.is_some_and(|s| s.success()), "{status:?}");
}

#[test]
fn text_lines_carry_a_level_and_rejections_are_warnings() {
    let database = ProcDb::new(Db::Sqlite, "logs_text");
    let mut server = ServerProcess::start("logs-text", &database.url);
    exercise(&server);
    stop(&mut server);
    let output = server.output();
    let lines: Vec<&str> = output.lines().collect();
    let levels = ["INFO", "WARN", "ERROR", "DEBUG", "TRACE"];
    for line in &lines {
        let level = line.split_whitespace().nth(1).unwrap_or_default();
        assert!(levels.contains(&level), "a line without a level: {line:?}");
    }
    let rejection = lines
        .iter()
        .find(|line| line.contains("rejected"))
        .unwrap_or_else(|| panic!("no rejection logged:\n{output}"));
    assert!(rejection.contains(" WARN "), "{rejection}");
    for part in [
        "client \"c1\"",
        "mutation 1",
        "unknown mutator",
        "archive\\nINFO forged",
    ] {
        assert!(
            rejection.contains(part),
            "{part:?} missing from {rejection}"
        );
    }
    assert!(
        !output.contains("\nINFO forged"),
        "a forged line:\n{output}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains(" INFO ") && l.contains("GET /healthz 200")),
        "no request line:\n{output}"
    );
    for chatter in [">> Matched", "Outcome:", "Response succeeded", "Routes:"] {
        assert!(
            !output.contains(chatter),
            "Rocket's chatter {chatter:?}:\n{output}"
        );
    }
}

#[test]
fn json_lines_are_objects_with_fields() {
    let database = ProcDb::new(Db::Sqlite, "logs_json");
    let mut server = ServerProcess::builder("logs-json", &database.url)
        .configure(|c| c.logging.log_format = LogFormat::Json)
        .start();
    exercise(&server);
    stop(&mut server);
    let output = server.output();
    let records: Vec<Value> = output
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect();
    for record in &records {
        for member in ["time", "level", "target", "message"] {
            assert!(record[member].is_string(), "{member} missing: {record}");
        }
    }
    let request = records
        .iter()
        .find(|r| r["path"] == "/healthz")
        .unwrap_or_else(|| panic!("no request record:\n{output}"));
    assert_eq!(request["level"], "INFO");
    assert_eq!(request["method"], "GET");
    assert_eq!(request["status"], 200);
    assert!(request["latency_ms"].is_f64(), "{request}");
    let rejection = records
        .iter()
        .find(|r| r["mutator"].is_string())
        .unwrap_or_else(|| panic!("no rejection record:\n{output}"));
    assert_eq!(rejection["level"], "WARN");
    assert_eq!(rejection["client"], "c1");
    assert_eq!(rejection["group"], "g1");
    assert_eq!(rejection["mutation_id"], 1);
    assert_eq!(rejection["mutator"], "archive\nINFO forged");
    assert!(rejection["reason"]
        .as_str()
        .is_some_and(|r| r.starts_with("unknown mutator")));
}
