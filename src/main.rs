//! The replichat server binary: parses the command line, then serves, migrates or
//! checks the configuration. Every failure is one line on standard error and exit 1.

use clap::Parser;
use replichat::cli::{Cli, Command};
use replichat::config;
use std::process::ExitCode;

fn main() -> ExitCode {
    // `--help` and `--version` exit here, before anything is read or created.
    let cli = Cli::parse();
    let file = cli.config.clone().unwrap_or_else(config::default_file);
    if cli.config.is_some() && !file.is_file() {
        eprintln!("replichat: configuration file {} not found", file.display());
        return ExitCode::FAILURE;
    }
    let figment = config::figment(&file);
    let outcome = match cli.command() {
        Command::Serve => replichat::serve(figment),
        Command::Migrate => replichat::migrate(&figment).map(|applied| match applied.as_slice() {
            [] => println!("the database is up to date"),
            versions => {
                for version in versions {
                    println!("applied migration {version}");
                }
            }
        }),
        Command::CheckConfig => replichat::effective_config(&figment).map(|shown| {
            println!("{shown:#}");
        }),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("replichat: {e}");
            ExitCode::FAILURE
        }
    }
}
