//! The process's log: one line per record on standard output, as text or as one JSON
//! object a line, for replichat's records and Rocket's alike (both log through the
//! `log` crate, so one small logger serves both; see README "Logs").
//!
//! Levels follow Rocket's `log_level`: `off`; `critical` (warnings and errors);
//! `normal` (also information, such as one line per request); `debug` (also debug
//! records, and Rocket's and its libraries' own per-request and start-up chatter,
//! which the other levels leave out except for their warnings and errors).

use log::kv::{Key, Value as KvValue, VisitSource};
use log::{Level, LevelFilter, Log, Metadata, Record};
use rocket::config::LogLevel;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::io::Write;

/// How log lines are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// `time LEVEL message`, for people.
    #[default]
    Text,
    /// `{"time", "level", "target", "message", ...fields}`, for log collectors.
    Json,
}

/// The logger installed by [`install`].
struct Logger {
    format: LogFormat,
    level: LevelFilter,
}

/// Installs the process's logger with `format`, at Rocket's `level`. Returns false
/// when a logger was installed already (the first one stays).
pub fn install(format: LogFormat, level: LogLevel) -> bool {
    let level = level_filter(level);
    let installed = log::set_boxed_logger(Box::new(Logger { format, level })).is_ok();
    if installed {
        log::set_max_level(level);
    }
    installed
}

/// The `log` level filter of one of Rocket's levels.
fn level_filter(level: LogLevel) -> LevelFilter {
    match level {
        LogLevel::Off => LevelFilter::Off,
        LogLevel::Critical => LevelFilter::Warn,
        LogLevel::Normal => LevelFilter::Info,
        LogLevel::Debug => LevelFilter::Debug,
    }
}

/// True for records of replichat itself, as opposed to Rocket and the libraries.
fn is_own(target: &str) -> bool {
    target == "replichat" || target.starts_with("replichat::")
}

impl Log for Logger {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        if metadata.level() > self.level {
            return false;
        }
        // Others' information is chatter unless debugging.
        is_own(metadata.target()) || metadata.level() <= Level::Warn || self.level >= Level::Debug
    }

    fn log(&self, record: &Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        // Rocket downgrades some start-up lines to information by logging them as
        // warnings under `rocket::launch`; they are chatter too.
        let launch = record.target().starts_with("rocket::launch");
        if launch && self.level < Level::Debug {
            return;
        }
        let line = match self.format {
            LogFormat::Text => text_line(record),
            LogFormat::Json => json_line(record),
        };
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(line.as_bytes());
    }

    fn flush(&self) {
        let _ = std::io::stdout().flush();
    }
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// `time LEVEL message\n`; Rocket's indented lines keep their `>>`. Line breaks and
/// other control characters in the message are escaped, so that text from a request
/// cannot forge a line.
fn text_line(record: &Record<'_>) -> String {
    let indent = if record.target().ends_with('_') {
        ">> "
    } else {
        ""
    };
    let message = escape_controls(&record.args().to_string());
    format!("{} {:<5} {indent}{message}\n", now(), record.level())
}

/// `text` with control characters escaped (`\n`, `\u{7}`).
fn escape_controls(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            escaped.extend(c.escape_default());
        } else {
            escaped.push(c);
        }
    }
    escaped
}

/// One JSON object: time, level, target, message and the record's fields.
fn json_line(record: &Record<'_>) -> String {
    let mut object = Map::new();
    object.insert("time".into(), Value::String(now()));
    object.insert("level".into(), Value::String(record.level().to_string()));
    object.insert(
        "target".into(),
        Value::String(record.target().trim_end_matches("::_").to_string()),
    );
    object.insert("message".into(), Value::String(record.args().to_string()));
    let mut fields = Fields(&mut object);
    let _ = record.key_values().visit(&mut fields);
    let mut line = Value::Object(object).to_string();
    line.push('\n');
    line
}

/// Collects a record's key-value fields into the JSON object.
struct Fields<'a>(&'a mut Map<String, Value>);

impl<'kvs> VisitSource<'kvs> for Fields<'_> {
    fn visit_pair(&mut self, key: Key<'kvs>, value: KvValue<'kvs>) -> Result<(), log::kv::Error> {
        let value = if let Some(n) = value.to_i64() {
            Value::from(n)
        } else if let Some(n) = value.to_u64() {
            Value::from(n)
        } else if let Some(x) = value.to_f64() {
            Value::from(x)
        } else if let Some(b) = value.to_bool() {
            Value::from(b)
        } else {
            Value::String(value.to_string())
        };
        self.0.insert(key.as_str().to_string(), value);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record_line(format: LogFormat) -> String {
        let fields: [(&str, KvValue<'_>); 3] = [
            ("status", KvValue::from(200u16)),
            ("path", KvValue::from("/healthz")),
            ("latency_ms", KvValue::from(1.5f64)),
        ];
        let record = Record::builder()
            .level(Level::Info)
            .target("replichat::request")
            .args(format_args!("GET /healthz 200"))
            .key_values(&fields)
            .build();
        match format {
            LogFormat::Text => text_line(&record),
            LogFormat::Json => json_line(&record),
        }
    }

    #[test]
    fn json_lines_carry_the_fields_as_members() {
        let line = record_line(LogFormat::Json);
        let object: Value = serde_json::from_str(&line).unwrap_or_default();
        assert_eq!(object["level"], "INFO");
        assert_eq!(object["target"], "replichat::request");
        assert_eq!(object["message"], "GET /healthz 200");
        assert_eq!(object["status"], 200);
        assert_eq!(object["path"], "/healthz");
        assert_eq!(object["latency_ms"], 1.5);
        assert!(object["time"].as_str().is_some_and(|t| t.ends_with('Z')));
        assert!(line.ends_with('\n') && line.matches('\n').count() == 1);
    }

    #[test]
    fn text_lines_carry_time_level_and_message() {
        let line = record_line(LogFormat::Text);
        let parts: Vec<&str> = line.trim_end().splitn(3, ' ').collect();
        assert_eq!(parts.get(1), Some(&"INFO"));
        assert_eq!(
            parts.get(2).map(|m| m.trim_start()),
            Some("GET /healthz 200")
        );
    }

    #[test]
    fn a_text_line_is_one_line_whatever_the_message() {
        let record = Record::builder()
            .level(Level::Warn)
            .target("replichat::service")
            .args(format_args!("rejected: id a\n2026-01-01 INFO forged"))
            .build();
        let line = text_line(&record);
        assert_eq!(line.matches('\n').count(), 1, "{line}");
        assert!(line.contains("id a\\n2026"), "{line}");
    }

    #[test]
    fn others_information_is_chatter_unless_debugging() {
        let normal = Logger {
            format: LogFormat::Text,
            level: LevelFilter::Info,
        };
        let meta = |level, target| Metadata::builder().level(level).target(target).build();
        assert!(normal.enabled(&meta(Level::Info, "replichat::service::push")));
        assert!(!normal.enabled(&meta(Level::Info, "rocket::server")));
        assert!(normal.enabled(&meta(Level::Warn, "rocket::server")));
        assert!(!normal.enabled(&meta(Level::Debug, "replichat::db")));
        let debug = Logger {
            format: LogFormat::Json,
            level: LevelFilter::Debug,
        };
        assert!(debug.enabled(&meta(Level::Info, "rocket::server")));
    }
}
