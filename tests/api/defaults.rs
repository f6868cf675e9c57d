//! Each default is written once, in its component's settings type (`AppConfig::default()`
//! composes them). `Rocket.toml` and the README's configuration table repeat them for
//! readers; these tests fail as soon as either says something else.

use replichat::config::AppConfig;
use std::collections::BTreeSet;

/// Keys of the tables that are Rocket's own settings, not the application's.
const ROCKET_KEYS: &[&str] = &["address", "port", "log_level"];

fn read(name: &str) -> String {
    let path = format!("{}/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

/// The keys `AppConfig` reads.
fn config_keys() -> BTreeSet<String> {
    let table = toml::Table::try_from(AppConfig::default()).expect("the defaults are TOML");
    table.keys().cloned().collect()
}

/// Checks that `table` names exactly the application's keys (besides Rocket's own) and
/// that reading it gives the defaults.
fn assert_states_the_defaults(source: &str, mut table: toml::Table) {
    for key in ROCKET_KEYS {
        table.remove(*key);
    }
    let stated: BTreeSet<String> = table.keys().cloned().collect();
    assert_eq!(stated, config_keys(), "the keys {source} lists");
    let read: AppConfig = toml::Value::Table(table)
        .try_into()
        .unwrap_or_else(|e| panic!("{source} does not read as the configuration: {e}"));
    assert_eq!(read, AppConfig::default(), "the defaults {source} states");
}

#[test]
fn rocket_toml_states_every_default() {
    let file: toml::Table = read("Rocket.toml").parse().expect("Rocket.toml is TOML");
    let defaults = match file.get("default") {
        Some(toml::Value::Table(table)) => table.clone(),
        _ => panic!("Rocket.toml has no [default] table"),
    };
    assert_states_the_defaults("Rocket.toml [default]", defaults);
}

#[test]
fn the_readme_configuration_table_states_every_default() {
    let readme = read("README.md");
    let section = readme
        .split("\n## Configuration")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("README.md has a Configuration section");
    let mut table = toml::Table::new();
    for row in section.lines().filter(|line| line.starts_with("| `")) {
        let cells: Vec<&str> = row.split(" | ").collect();
        let [keys, defaults, ..] = cells.as_slice() else {
            panic!("not a key | default | meaning row: {row}");
        };
        let keys: Vec<&str> = backticked(keys)
            .into_iter()
            .filter(|key| key.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
            .collect();
        let defaults: Vec<&str> = defaults.split(", ").collect();
        assert_eq!(keys.len(), defaults.len(), "one default per key: {row}");
        for (key, default) in keys.into_iter().zip(defaults) {
            table.insert(key.to_string(), readme_value(default));
        }
    }
    assert_states_the_defaults("README.md's configuration table", table);
}

/// The `code` spans of a table cell.
fn backticked(cell: &str) -> Vec<&str> {
    cell.split('`').skip(1).step_by(2).collect()
}

/// A default as the README writes it: `` `value` `` with an optional remark after it,
/// or the word "empty".
fn readme_value(text: &str) -> toml::Value {
    let text = text.trim();
    if text == "empty" {
        return toml::Value::from("");
    }
    let value = backticked(text)
        .first()
        .copied()
        .unwrap_or_else(|| panic!("a default must be `code` or empty: {text}"));
    match value {
        "[]" => toml::Value::Array(Vec::new()),
        "true" | "false" => toml::Value::from(value == "true"),
        number if number.parse::<i64>().is_ok() => {
            toml::Value::from(number.parse::<i64>().unwrap_or_default())
        }
        other => toml::Value::from(other),
    }
}
