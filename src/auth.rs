//! Who is calling: the user id that owns client groups.

use rocket::request::{FromRequest, Outcome, Request};

/// The authenticated caller. With authentication off every caller is the anonymous
/// user `""`, so ownership checks only separate clients between groups.
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
    type Error = crate::error::ApiError;

    async fn from_request(_req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        Outcome::Success(Caller::anonymous())
    }
}
