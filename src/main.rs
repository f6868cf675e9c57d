//! The replichat server binary.

use std::process::ExitCode;

/// Serves until a graceful shutdown (exit 0). A failed launch, such as an unreachable
/// database or one migrated by a newer version, has been logged by then: exit 1
/// instead of panicking with a backtrace.
#[rocket::main]
async fn main() -> ExitCode {
    match replichat::rocket().launch().await {
        Ok(_) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("replichat: {}", error.pretty_print());
            ExitCode::FAILURE
        }
    }
}
