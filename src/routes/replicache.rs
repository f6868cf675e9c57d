//! The Replicache endpoints, push and pull, and the state they use.

use super::body::BodyLimit;
use super::{pull, push};
use crate::auth::Authenticator;
use crate::service::{PullService, PushService};
use rocket::fairing::AdHoc;

/// Mounts push and pull with the state they use.
pub fn stage(
    push_service: PushService,
    pull_service: PullService,
    authenticator: Authenticator,
    body_limit: BodyLimit,
) -> AdHoc {
    AdHoc::on_ignite("replicache push and pull", move |rocket| async move {
        rocket
            .manage(push_service)
            .manage(pull_service)
            .manage(authenticator)
            .manage(body_limit)
            .mount("/", rocket::routes![push::push, pull::pull])
    })
}
