//! `X-Replichat-Version` on every response: which build answered.

use rocket::fairing::AdHoc;

/// The response header that names the version.
pub const VERSION_HEADER: &str = "X-Replichat-Version";

/// Adds [`VERSION_HEADER`] to every response.
pub fn stage() -> AdHoc {
    AdHoc::on_response("version header", |_, response| {
        Box::pin(async move {
            response.set_raw_header(VERSION_HEADER, crate::VERSION);
        })
    })
}
