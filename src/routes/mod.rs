//! HTTP routes: thin adapters from requests to services. No SQL, no protocol rules.

mod body;
mod catchers;
mod cors;
mod health;
mod metrics;
mod poke;
mod pull;
mod push;
mod root;

pub use body::JsonBody;
pub use cors::Cors;
pub use root::web_files;

use crate::error::ApiError;
use rocket::{Catcher, Route};

/// Every route of the application.
pub fn all() -> Vec<Route> {
    rocket::routes![
        push::push,
        pull::pull,
        poke::poke,
        health::healthz,
        metrics::metrics,
        cors::preflight,
        root::index,
    ]
}

/// JSON catchers for every error status.
pub fn catchers() -> Vec<Catcher> {
    catchers::all()
}

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
