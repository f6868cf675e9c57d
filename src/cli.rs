//! The command line: `replichat [--config FILE] [serve | migrate | check-config]`.
//! `--help` and `--version` print and exit before anything is read or opened.

use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// A Replicache sync backend for the chat app: push, pull and pokes over SQLite or
/// PostgreSQL. Settings come from Rocket.toml, ROCKET_* variables and DATABASE_URL.
#[derive(Debug, Parser)]
#[command(name = "replichat", version, about, long_about = None)]
pub struct Cli {
    /// Read settings from FILE instead of ./Rocket.toml (or ROCKET_CONFIG); it must exist.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// What to do; `serve` when left out.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Subcommand)]
pub enum Command {
    /// Migrate the database and serve HTTP until SIGTERM or Ctrl-C (the default).
    Serve,
    /// Apply pending migrations and exit (for deploy pipelines).
    Migrate,
    /// Check the configuration, print it with secrets redacted and exit; non-zero on
    /// any error. Opens no database.
    CheckConfig,
}

impl Cli {
    /// The subcommand to run.
    pub fn command(&self) -> Command {
        self.command.unwrap_or(Command::Serve)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("replichat").chain(args.iter().copied()))
    }

    #[test]
    fn serve_is_the_default_and_the_config_flag_goes_anywhere() {
        let cli = parse(&[]).map_err(|e| e.to_string());
        assert_eq!(cli.map(|c| c.command()), Ok(Command::Serve));
        let cli = parse(&["check-config", "--config", "/etc/replichat.toml"]);
        let cli = cli
            .map_err(|e| e.to_string())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(cli.command(), Command::CheckConfig);
        assert_eq!(cli.config, Some(PathBuf::from("/etc/replichat.toml")));
    }

    #[test]
    fn help_and_version_are_answers_not_commands() {
        for flag in ["--help", "-h", "--version", "-V"] {
            let kind = parse(&[flag]).err().map(|e| e.kind());
            assert!(
                matches!(
                    kind,
                    Some(
                        clap::error::ErrorKind::DisplayHelp
                            | clap::error::ErrorKind::DisplayVersion
                    )
                ),
                "{flag}: {kind:?}"
            );
        }
        assert!(parse(&["serv"]).is_err());
    }
}
