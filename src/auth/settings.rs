//! Authentication settings, with their defaults.

use serde::{Deserialize, Serialize};

/// The authentication mode of the server.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthMode {
    /// No authentication: every caller is the anonymous user.
    #[default]
    None,
    /// A JWT in the `Authorization` header; `sub` is the user id.
    Jwt,
}

/// How callers are authenticated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AuthSettings {
    /// `none` (everyone is anonymous) or `jwt`.
    pub auth: AuthMode,
    /// JWT algorithm: `HS256`, `RS256` or `ES256`.
    pub jwt_algorithm: String,
    /// HS256 shared secret.
    pub jwt_secret: String,
    /// RS256/ES256 public key: PEM text or a path to a PEM file.
    pub jwt_public_key: String,
    /// Required token issuer (`iss`); empty accepts any.
    pub jwt_issuer: String,
    /// Required token audience (`aud`); empty skips the check.
    pub jwt_audience: String,
    /// Clock skew tolerated on `exp` and `nbf`, in seconds.
    pub jwt_leeway_secs: u64,
    /// Serve `POST /api/dev-login`, which signs a token for any user name: for
    /// development and local trials only. Needs `auth = "jwt"` with HS256.
    pub dev_login: bool,
}

impl Default for AuthSettings {
    fn default() -> Self {
        AuthSettings {
            auth: AuthMode::None,
            jwt_algorithm: "HS256".into(),
            jwt_secret: String::new(),
            jwt_public_key: String::new(),
            jwt_issuer: String::new(),
            jwt_audience: String::new(),
            jwt_leeway_secs: 30,
            dev_login: false,
        }
    }
}
