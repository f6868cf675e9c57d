//! The service layer: owns transactions and retries, applies the protocol's rules and
//! calls repositories. Knows nothing of HTTP beyond returning [`crate::error::ApiError`].

mod combiner;
mod failure;
mod full_view_cache;
mod gc;
mod mutators;
mod pull;
mod push;
mod push_apply;

pub use full_view_cache::FullViewCache;
pub use gc::GcReport;
pub use mutators::{MutationLimits, MutatorError};
pub use pull::PullOutcome;
pub use push::{PushAnswer, PushJob, PushOutcome, PushReport};

use crate::auth::Authenticator;
use crate::config::AppConfig;
use crate::db::Database;
use crate::observability::{Metrics, Snapshot};
use crate::poke::PokeHub;
use combiner::Combiner;

/// Everything a request needs: the database, the settings, the poke hub and metrics.
pub struct Services {
    /// The connection pool.
    pub db: Database,
    /// Application settings.
    pub config: AppConfig,
    /// Fan-out of "pull soon" hints to SSE streams of this process.
    pub pokes: PokeHub,
    /// This process's Prometheus metrics.
    pub metrics: Metrics,
    /// Turns `Authorization` headers into callers.
    pub auth: Authenticator,
    /// The full view (clear + every live message), rendered and kept up to date
    /// incrementally.
    pub full_views: FullViewCache,
    /// Gathers concurrent pushes into shared write transactions.
    push_combiner: Combiner<PushJob, PushAnswer>,
}

impl Services {
    /// Bundles the parts, with metrics that include the database's retry counter and the
    /// authenticator the configuration asks for.
    pub fn new(db: Database, config: AppConfig, pokes: PokeHub) -> Result<Self, String> {
        let metrics = Metrics::new(db.retry_counter()).map_err(|e| format!("metrics: {e}"))?;
        let auth = Authenticator::new(config.auth, config.jwt_settings())?;
        Ok(Services {
            db,
            config,
            pokes,
            metrics,
            auth,
            full_views: FullViewCache::default(),
            push_combiner: Combiner::new(push::MAX_PUSHES_PER_TRANSACTION),
        })
    }

    /// The Prometheus exposition, with gauges sampled now.
    pub fn render_metrics(&self) -> String {
        let (pool_connections, pool_idle) = self.db.pool_state();
        self.metrics.render(Snapshot {
            sse_streams: self.pokes.subscribers(),
            pool_connections,
            pool_idle,
        })
    }
}
