//! Who is calling: the user id that owns client groups.
//!
//! `auth = "none"` (the tutorial's behaviour): every caller is the anonymous user `""`,
//! so ownership checks only keep clients from moving between groups.
//! `auth = "jwt"`: the `Authorization` header must carry a valid, unexpired JWT
//! (`Bearer <token>` or the bare token, as Replicache sends its `auth` option); its
//! `sub` claim is the user id. A missing or invalid token is a 401, which makes the
//! Replicache client call `getAuth` and retry.

mod jwt;

pub use jwt::{AuthMode, Authenticator, JwtSettings};

use crate::error::ApiError;
use crate::service::Services;
use rocket::http::Status;
use rocket::request::{FromRequest, Outcome, Request};
use std::sync::Arc;

/// The authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Caller {
    /// Stable user id; `""` for the anonymous user.
    pub user_id: String,
}

impl Caller {
    /// The anonymous caller used when authentication is off.
    pub fn anonymous() -> Self {
        Caller::default()
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Caller {
    type Error = ApiError;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        let Some(services) = req.rocket().state::<Arc<Services>>() else {
            let error = ApiError::internal("application state is missing");
            return Outcome::Error((Status::InternalServerError, error));
        };
        match services
            .auth
            .authenticate(req.headers().get_one("Authorization"))
        {
            Ok(caller) => Outcome::Success(caller),
            Err(error) => Outcome::Error((error.status, error)),
        }
    }
}
