//! `POST /api/dev-login {"user": "<name>"}` → `{"token": "<jwt>"}`: development login,
//! mounted only with `dev_login = true`; `GET /api/dev-login` says whether it is
//! (`{"available": bool}`), so that the chat page knows whether to ask for a name.

use super::body::JsonBody;
use crate::auth::DevLogin;
use crate::domain::UserId;
use crate::error::ApiError;
use rocket::fairing::AdHoc;
use rocket::serde::json::{json, Value};
use rocket::State;
use serde::Deserialize;

/// Mounts the login when `login` is set, and its status in any case.
pub fn stage(login: Option<DevLogin>) -> AdHoc {
    AdHoc::on_ignite("development login", move |rocket| async move {
        let available = DevLoginAvailable(login.is_some());
        let rocket = rocket
            .manage(available)
            .mount("/", rocket::routes![dev_login_status]);
        match login {
            Some(login) => {
                rocket::warn!("dev_login is on: anyone can log in as anyone (development only)");
                rocket.manage(login).mount("/", rocket::routes![dev_login])
            }
            None => rocket,
        }
    })
}

/// Whether the development login is served.
pub struct DevLoginAvailable(bool);

/// `{"available": bool}`.
#[rocket::get("/api/dev-login")]
pub fn dev_login_status(available: &State<DevLoginAvailable>) -> Value {
    json!({ "available": available.0 })
}

#[derive(Deserialize)]
struct LoginRequest {
    user: String,
}

/// A token for the user named in the body.
#[rocket::post("/api/dev-login", data = "<body>")]
pub fn dev_login(
    body: Result<JsonBody, ApiError>,
    login: &State<DevLogin>,
) -> Result<Value, ApiError> {
    let request: LoginRequest = body?.parse()?;
    let user = UserId::parse(request.user)
        .map_err(|e| ApiError::bad_request(format!("invalid user: {e}")))?;
    Ok(json!({ "token": login.issue(&user)? }))
}
