//! HTTP routes: decode → call → encode, no SQL and no protocol rules. Each feature
//! has a `stage` that mounts its routes with the state they use (and nothing more).

mod body;
pub mod catchers;
pub mod cors;
pub mod dev_login;
mod exchange;
pub mod health;
pub mod limits;
pub mod poke;
mod pull;
mod push;
pub mod replicache;
pub mod root;
mod settings;
pub mod version;

pub use body::{BodyLimit, JsonBody};
pub use settings::{HttpSettings, MetricsPlacement};

use crate::error::ApiError;

/// Runs blocking work (database, JSON of large bodies) off the async executor.
pub(crate) async fn blocking<T, F>(work: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, ApiError> + Send + 'static,
{
    rocket::tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ApiError::internal(format!("request task failed: {e}")))?
}
