//! The service layer: owns transactions and retries, applies the protocol's rules and
//! calls repositories. Knows nothing of HTTP beyond returning [`crate::error::ApiError`].

mod failure;
mod mutators;
mod pull;
mod push;

pub use mutators::{MutationLimits, MutatorError};
pub use pull::PullOutcome;
pub use push::{PushOutcome, PushReport};

use crate::config::AppConfig;
use crate::db::Database;
use crate::poke::PokeHub;

/// Everything a request needs: the database, the settings and the poke hub.
pub struct Services {
    /// The connection pool.
    pub db: Database,
    /// Application settings.
    pub config: AppConfig,
    /// Fan-out of "pull soon" hints to SSE streams of this process.
    pub pokes: PokeHub,
}

impl Services {
    /// Bundles the parts.
    pub fn new(db: Database, config: AppConfig, pokes: PokeHub) -> Self {
        Services { db, config, pokes }
    }
}
