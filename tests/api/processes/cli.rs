//! The command line (README "Command line"): `--help` and `--version` answer and touch
//! nothing; `check-config` prints the settings with secrets redacted and refuses
//! unknown keys, unknown database schemes and TLS; `migrate` migrates and exits;
//! `--config` must name a file that exists.

use super::ProcDb;
use replichat_test_support::database::Db;
use std::path::Path;
use std::process::{Command, Output};

/// Runs the binary with `args` in the empty directory `dir`, with `env` on top of a
/// clean replichat environment.
fn replichat(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_replichat"));
    command
        .current_dir(dir)
        .args(args)
        .env_remove("ROCKET_PROFILE")
        .env_remove("ROCKET_CONFIG")
        .env_remove("DATABASE_URL");
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("run the replichat binary")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The names of the files in `dir`.
fn files(dir: &Path) -> Vec<String> {
    let entries = std::fs::read_dir(dir).expect("read the directory");
    entries
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect()
}

#[test]
fn help_and_version_print_and_exit_touching_nothing() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let version = replichat(dir.path(), &["--version"], &[]);
    assert!(version.status.success());
    assert_eq!(
        text(&version.stdout),
        format!("replichat {}\n", replichat::VERSION)
    );
    for flag in ["--help", "-h", "help"] {
        let help = replichat(dir.path(), &[flag], &[]);
        assert!(help.status.success(), "{flag}");
        let out = text(&help.stdout);
        for command in ["serve", "migrate", "check-config"] {
            assert!(
                out.contains(command),
                "{flag} does not list {command}: {out}"
            );
        }
    }
    let wrong = replichat(dir.path(), &["sever"], &[]);
    assert!(!wrong.status.success());
    assert!(
        text(&wrong.stderr).contains("serve"),
        "{}",
        text(&wrong.stderr)
    );
    assert_eq!(
        files(dir.path()),
        Vec::<String>::new(),
        "files were created"
    );
}

#[test]
fn check_config_prints_the_settings_with_secrets_redacted() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let env = [
        ("ROCKET_AUTH", "jwt"),
        ("ROCKET_JWT_SECRET", "very-secret-value"),
        ("DATABASE_URL", "postgres://app:hunter2@db.internal/chat"),
    ];
    let checked = replichat(dir.path(), &["check-config"], &env);
    let out = text(&checked.stdout);
    assert!(checked.status.success(), "{}", text(&checked.stderr));
    let shown: serde_json::Value = serde_json::from_str(&out).expect("JSON settings");
    assert_eq!(shown["replichat"]["auth"], "jwt");
    assert_eq!(shown["replichat"]["jwt_secret"], "***");
    assert_eq!(
        shown["replichat"]["database_url"],
        "postgres://app:***@db.internal/chat"
    );
    assert_eq!(shown["version"], replichat::VERSION);
    assert!(shown["rocket"]["port"].is_u64(), "{out}");
    assert!(!out.contains("very-secret-value") && !out.contains("hunter2"));
    assert_eq!(
        files(dir.path()),
        Vec::<String>::new(),
        "check-config opened a database"
    );
}

#[test]
fn check_config_refuses_what_would_be_ignored_or_misread() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let cases: [(&[(&str, &str)], &str); 5] = [
        (
            &[("ROCKET_PULL_STRATGY", "reset")],
            "unknown setting pull_stratgy (did you mean pull_strategy?)",
        ),
        (&[("ROCKET_COLOUR", "blue")], "unknown setting colour"),
        (
            &[("DATABASE_URL", "postgress://h/db")],
            "unsupported scheme \"postgress\"",
        ),
        (
            &[("DATABASE_URL", "mysql://h/db")],
            "unsupported scheme \"mysql\"",
        ),
        (
            &[("ROCKET_TLS", "{certs=\"c.pem\",key=\"k.pem\"}")],
            "tls: this build serves plain HTTP",
        ),
    ];
    for (env, expected) in cases {
        for command in [&["check-config"][..], &["serve"], &["migrate"]] {
            let refused = replichat(dir.path(), command, env);
            let err = text(&refused.stderr);
            assert!(
                !refused.status.success(),
                "{env:?} {command:?} was accepted"
            );
            assert!(err.contains(expected), "{env:?} {command:?}: {err}");
        }
    }
    let missing = replichat(
        dir.path(),
        &["--config", "nowhere.toml", "check-config"],
        &[],
    );
    assert!(!missing.status.success());
    assert!(text(&missing.stderr).contains("nowhere.toml not found"));
    assert_eq!(
        files(dir.path()),
        Vec::<String>::new(),
        "a refused start left files"
    );
}

#[test]
fn migrate_applies_the_migrations_once_and_exits() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let database = ProcDb::new(Db::Sqlite, "cli_migrate");
    let env = [("DATABASE_URL", database.url.as_str())];
    let first = replichat(dir.path(), &["migrate"], &env);
    assert!(first.status.success(), "{}", text(&first.stderr));
    let applied = text(&first.stdout).matches("applied migration").count();
    assert!(applied >= 3, "{}", text(&first.stdout));
    let again = replichat(dir.path(), &["migrate"], &env);
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert_eq!(text(&again.stdout), "the database is up to date\n");
    let mut direct = database.direct();
    let recorded = direct.number("SELECT count(*) AS n FROM __diesel_schema_migrations");
    assert_eq!(recorded, applied as i64);
}

#[test]
fn a_named_configuration_file_is_read_from_anywhere() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let elsewhere = tempfile::tempdir().expect("another temporary directory");
    let file = elsewhere.path().join("replichat.toml");
    let settings = "[default]\npull_strategy = \"reset\"\nport = 18999\n";
    std::fs::write(&file, settings).expect("write the configuration file");
    let path = file.to_string_lossy().into_owned();
    let checked = replichat(dir.path(), &["check-config", "--config", &path], &[]);
    assert!(checked.status.success(), "{}", text(&checked.stderr));
    let shown: serde_json::Value = serde_json::from_slice(&checked.stdout).expect("JSON settings");
    assert_eq!(shown["replichat"]["pull_strategy"], "reset");
    assert_eq!(shown["rocket"]["port"], 18999);
}
