//! Development login: tokens for any user name, signed with the HS256 secret the server
//! verifies tokens with. Off unless `dev_login = true`; never for production, since
//! anyone can log in as anyone.

use super::settings::{AuthMode, AuthSettings};
use crate::domain::UserId;
use crate::error::ApiError;
use jsonwebtoken::{encode, EncodingKey, Header};
use serde::Serialize;

/// How long a development token is valid.
const TOKEN_LIFETIME_SECS: i64 = 24 * 3600;

/// Signs development tokens.
pub struct DevLogin {
    key: EncodingKey,
    issuer: Option<String>,
    audience: Option<String>,
}

#[derive(Serialize)]
struct Claims<'a> {
    sub: &'a str,
    exp: i64,
    iat: i64,
    /// Marks the token as the development login's (refused once it is off).
    dev: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    iss: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    aud: Option<&'a str>,
}

impl DevLogin {
    /// The signer `settings` ask for: none unless `dev_login` is on, and an error when it
    /// is on without `auth = "jwt"`, HS256 and a secret (the server then refuses to start).
    pub fn new(settings: &AuthSettings) -> Result<Option<Self>, String> {
        if !settings.dev_login {
            return Ok(None);
        }
        let hs256 = settings.auth == AuthMode::Jwt
            && settings.jwt_algorithm == "HS256"
            && !settings.jwt_secret.is_empty();
        if !hs256 {
            return Err(
                "dev_login = true needs auth = \"jwt\", jwt_algorithm = \"HS256\" and a jwt_secret"
                    .into(),
            );
        }
        let non_empty = |text: &str| (!text.is_empty()).then(|| text.to_string());
        Ok(Some(DevLogin {
            key: EncodingKey::from_secret(settings.jwt_secret.as_bytes()),
            issuer: non_empty(&settings.jwt_issuer),
            audience: non_empty(&settings.jwt_audience),
        }))
    }

    /// A token naming `user`, valid for a day.
    pub fn issue(&self, user: &UserId) -> Result<String, ApiError> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: user.as_str(),
            exp: now + TOKEN_LIFETIME_SECS,
            iat: now,
            dev: true,
            iss: self.issuer.as_deref(),
            aud: self.audience.as_deref(),
        };
        encode(&Header::default(), &claims, &self.key)
            .map_err(|e| ApiError::internal(format!("cannot sign a token: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Authenticator;

    fn settings(dev_login: bool, secret: &str) -> AuthSettings {
        AuthSettings {
            auth: AuthMode::Jwt,
            jwt_secret: secret.into(),
            jwt_issuer: "me".into(),
            dev_login,
            ..AuthSettings::default()
        }
    }

    #[test]
    fn issued_tokens_authenticate_their_user() {
        let settings = settings(true, "s3cret");
        let login = DevLogin::new(&settings).ok().flatten();
        let login = login.unwrap_or_else(|| panic!("dev login is on"));
        let alice = UserId::parse("alice".into()).unwrap_or_else(|e| panic!("{e}"));
        let token = login.issue(&alice).unwrap_or_else(|e| panic!("{e:?}"));
        let auth = Authenticator::new(&settings).unwrap_or_else(|e| panic!("{e}"));
        let caller = auth.authenticate(Some(&format!("Bearer {token}")));
        assert_eq!(caller.map(|c| c.user_id), Ok(alice));
        // Once the development login is off, its tokens no longer count.
        let off = Authenticator::new(&AuthSettings {
            dev_login: false,
            ..settings.clone()
        })
        .unwrap_or_else(|e| panic!("{e}"));
        let refused = off.authenticate(Some(&format!("Bearer {token}")));
        assert_eq!(refused.map_err(|e| e.status.code), Err(401));
    }

    #[test]
    fn it_is_off_by_default_and_refused_without_hs256() {
        assert!(matches!(DevLogin::new(&AuthSettings::default()), Ok(None)));
        assert!(DevLogin::new(&settings(true, "")).is_err());
        let mut none = settings(true, "s");
        none.auth = AuthMode::None;
        assert!(DevLogin::new(&none).is_err());
    }
}
