//! Background tasks started at liftoff and stopped at shutdown: the PostgreSQL poke
//! listener and the garbage-collection sweeper.

use crate::db::Backend;
use crate::poke;
use crate::service::Services;
use rocket::tokio::{self, time};
use rocket::{Orbit, Rocket};
use std::sync::Arc;
use std::time::Duration;

/// Starts the tasks this configuration needs.
pub async fn start(rocket: &Rocket<Orbit>) {
    let Some(services) = rocket.state::<Arc<Services>>() else {
        return;
    };
    if services.db.backend() == Backend::Postgres {
        poke::spawn_listener(
            services.config.database_url.clone(),
            services.pokes.clone(),
            rocket.shutdown(),
        );
    }
    if services.config.gc_interval_secs > 0 {
        spawn_gc_sweeper(Arc::clone(services), rocket.shutdown());
    }
}

/// Sweeps at start and then every `gc_interval_secs`. Safe with several processes: a
/// sweep runs under the global write lock and every step is idempotent.
fn spawn_gc_sweeper(services: Arc<Services>, mut shutdown: rocket::Shutdown) {
    let period = Duration::from_secs(services.config.gc_interval_secs);
    tokio::spawn(async move {
        let mut ticker = time::interval(period);
        ticker.set_missed_tick_behavior(time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticker.tick() => sweep(Arc::clone(&services)).await,
                _ = &mut shutdown => break,
            }
        }
    });
}

async fn sweep(services: Arc<Services>) {
    let now = chrono::Utc::now().naive_utc();
    match tokio::task::spawn_blocking(move || services.collect_garbage(now)).await {
        Ok(Ok(report)) if report != Default::default() => rocket::info!("gc: {report:?}"),
        Ok(Ok(_)) => {}
        Ok(Err(e)) => rocket::warn!("gc sweep failed: {}", e.message),
        Err(e) => rocket::error!("gc sweep task failed: {e}"),
    }
}
