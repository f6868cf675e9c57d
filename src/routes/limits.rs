//! `GET /api/limits`: the bounds the server applies to mutator arguments and bodies,
//! so that a page can check input before the server refuses it (instead of carrying
//! its own copy of the numbers).

use crate::service::MutationLimits;
use rocket::data::ByteUnit;
use rocket::fairing::AdHoc;
use rocket::serde::json::{json, Value};
use rocket::State;

/// What `/api/limits` reports.
pub struct Limits {
    mutations: MutationLimits,
    body_limit: ByteUnit,
}

/// Mounts `/api/limits`.
pub fn stage(mutations: MutationLimits, body_limit: ByteUnit) -> AdHoc {
    let limits = Limits {
        mutations,
        body_limit,
    };
    AdHoc::on_ignite("limits", move |rocket| async move {
        rocket
            .manage(limits)
            .mount("/", rocket::routes![limits_route])
    })
}

/// `{"max_message_id_len", "max_sender_len", "max_content_len"}` (characters) and
/// `body_limit` (bytes).
#[rocket::get("/api/limits")]
pub fn limits_route(limits: &State<Limits>) -> Value {
    let m = limits.mutations;
    json!({
        "max_message_id_len": m.max_message_id_len,
        "max_sender_len": m.max_sender_len,
        "max_content_len": m.max_content_len,
        "body_limit": limits.body_limit.as_u64(),
    })
}
