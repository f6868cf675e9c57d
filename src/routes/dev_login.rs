//! `POST /api/dev-login {"user": "<name>"}` → `{"token": "<jwt>"}`: development login,
//! served only with `dev_login = true` (otherwise a 404 saying it is off);
//! `GET /api/dev-login` says whether it is (`{"available": bool}`), so that the chat
//! page knows whether to ask for a name.

use super::body::JsonBody;
use crate::auth::DevLogin;
use crate::domain::UserId;
use crate::error::{ApiError, ErrorKind};
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
            None => rocket.mount("/", rocket::routes![dev_login_off]),
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

/// 404 while the development login is off.
#[rocket::post("/api/dev-login")]
pub fn dev_login_off() -> ApiError {
    ApiError::new(
        ErrorKind::NotFound,
        "the development login is off (dev_login = false)",
    )
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
