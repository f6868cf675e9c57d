//! Who is calling: the user id that owns client groups.
//!
//! `auth = "none"` (the tutorial's behaviour): every caller is the anonymous user `""`,
//! so ownership checks only keep clients from moving between groups.
//! `auth = "jwt"`: the `Authorization` header must carry a valid, unexpired JWT
//! (`Bearer <token>` or the bare token, as Replicache sends its `auth` option); its
//! `sub` claim is the user id. A missing or invalid token is a 401, which makes the
//! Replicache client call `getAuth` and retry.

mod dev_login;
mod jwt;
mod settings;

pub use dev_login::DevLogin;
pub use jwt::Authenticator;
pub use settings::{AuthMode, AuthSettings};

use crate::domain::UserId;
use crate::error::ApiError;
use rocket::request::{FromRequest, Outcome, Request};
use rocket::State;

/// The authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// Stable user id; `""` for the anonymous user.
    pub user_id: UserId,
}

impl Caller {
    /// The anonymous caller used when authentication is off.
    pub fn anonymous() -> Self {
        Caller {
            user_id: UserId::anonymous(),
        }
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Caller {
    type Error = ApiError;

    /// Authenticates with the managed [`Authenticator`] (its absence is a 500).
    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        let authenticator = match req.guard::<&State<Authenticator>>().await {
            Outcome::Success(authenticator) => authenticator,
            _ => {
                let error = ApiError::internal("the authenticator is not managed");
                return Outcome::Error((error.status, error));
            }
        };
        match authenticator.authenticate(req.headers().get_one("Authorization")) {
            Ok(caller) => Outcome::Success(caller),
            Err(error) => Outcome::Error((error.status, error)),
        }
    }
}
