//! The Replicache endpoints, push and pull, and the state they use.

use super::body::BodyLimit;
use super::{pull, push};
use crate::service::{PullService, PushService};
use rocket::fairing::AdHoc;

/// Mounts push and pull with the state they use (the [`crate::auth::Authenticator`]
/// their callers are checked with is managed by the application, for the poke stream
/// uses it too).
pub fn stage(push_service: PushService, pull_service: PullService, body_limit: BodyLimit) -> AdHoc {
    AdHoc::on_ignite("replicache push and pull", move |rocket| async move {
        rocket
            .manage(push_service)
            .manage(pull_service)
            .manage(body_limit)
            .mount("/", rocket::routes![push::push, pull::pull])
    })
}
