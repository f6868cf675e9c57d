//! Token verification for `auth = "jwt"`.

use super::Caller;
use crate::dto::MAX_IDENTIFIER_BYTES;
use crate::error::ApiError;
use jsonwebtoken::{decode, Algorithm, DecodingKey, Validation};
use serde::Deserialize;

/// The authentication mode of the server.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum AuthMode {
    /// No authentication: every caller is the anonymous user.
    #[default]
    None,
    /// A JWT in the `Authorization` header; `sub` is the user id.
    Jwt,
}

/// Claims read from a token; `exp` is checked by the validator.
#[derive(Debug, Deserialize)]
struct Claims {
    sub: String,
}

/// Turns an `Authorization` header into a [`Caller`].
pub enum Authenticator {
    /// Everyone is anonymous.
    Anonymous,
    /// Tokens are verified with this key and validation.
    Jwt {
        /// Verification key (HS256 secret or RS256/ES256 public key).
        key: Box<DecodingKey>,
        /// Algorithm, expiry and optional issuer/audience rules.
        validation: Box<Validation>,
    },
}

/// The JWT settings of the application configuration.
#[derive(Debug, Clone, Copy)]
pub struct JwtSettings<'a> {
    /// `HS256`, `RS256` or `ES256`.
    pub algorithm: &'a str,
    /// HS256 shared secret.
    pub secret: &'a str,
    /// RS256/ES256 public key: PEM text or a path to a PEM file.
    pub public_key: &'a str,
    /// Required `iss`, if not empty.
    pub issuer: &'a str,
    /// Required `aud`, if not empty.
    pub audience: &'a str,
    /// Clock skew tolerated on `exp`/`nbf`, in seconds.
    pub leeway_secs: u64,
}

impl Authenticator {
    /// Builds the authenticator for `mode`; a JWT configuration without a usable key
    /// is an error (the server refuses to start rather than accept every token).
    pub fn new(mode: AuthMode, settings: JwtSettings<'_>) -> Result<Self, String> {
        if mode == AuthMode::None {
            return Ok(Authenticator::Anonymous);
        }
        let (algorithm, key) = match settings.algorithm {
            "HS256" if !settings.secret.is_empty() => (
                Algorithm::HS256,
                DecodingKey::from_secret(settings.secret.as_bytes()),
            ),
            "HS256" => return Err("auth = \"jwt\" with HS256 needs jwt_secret".into()),
            "RS256" => (
                Algorithm::RS256,
                pem_key(settings.public_key, DecodingKey::from_rsa_pem)?,
            ),
            "ES256" => (
                Algorithm::ES256,
                pem_key(settings.public_key, DecodingKey::from_ec_pem)?,
            ),
            other => {
                return Err(format!(
                    "unsupported jwt_algorithm {other:?} (HS256, RS256, ES256)"
                ))
            }
        };
        let mut validation = Validation::new(algorithm);
        validation.leeway = settings.leeway_secs;
        validation.validate_nbf = true;
        // A configured issuer or audience must be present, not only right when present.
        let mut required = vec!["exp", "sub"];
        required.extend((!settings.issuer.is_empty()).then_some("iss"));
        required.extend((!settings.audience.is_empty()).then_some("aud"));
        validation.set_required_spec_claims(&required);
        if !settings.issuer.is_empty() {
            validation.set_issuer(&[settings.issuer]);
        }
        if settings.audience.is_empty() {
            validation.validate_aud = false;
        } else {
            validation.set_audience(&[settings.audience]);
        }
        Ok(Authenticator::Jwt {
            key: Box::new(key),
            validation: Box::new(validation),
        })
    }

    /// The caller named by `header` (the raw `Authorization` value).
    pub fn authenticate(&self, header: Option<&str>) -> Result<Caller, ApiError> {
        let Authenticator::Jwt { key, validation } = self else {
            return Ok(Caller::anonymous());
        };
        let token = header.map(bearer_token).unwrap_or_default();
        if token.is_empty() {
            return Err(ApiError::unauthorized("missing bearer token"));
        }
        let data = decode::<Claims>(token, key, validation)
            .map_err(|e| ApiError::unauthorized(format!("invalid token: {e}")))?;
        let sub = &data.claims.sub;
        // The user id is stored as text: no NUL (PostgreSQL refuses it), bounded length.
        if sub.is_empty() || sub.contains('\0') || sub.len() > MAX_IDENTIFIER_BYTES {
            return Err(ApiError::unauthorized(
                "invalid token: sub claim must be 1 to 512 bytes without NUL",
            ));
        }
        Ok(Caller {
            user_id: data.claims.sub,
        })
    }
}

/// The token of `Bearer <token>`, or the whole value when it has no scheme.
fn bearer_token(header: &str) -> &str {
    let header = header.trim();
    match header.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
        _ => header,
    }
}

/// Reads a PEM key given inline or as a file path.
fn pem_key(
    value: &str,
    parse: fn(&[u8]) -> jsonwebtoken::errors::Result<DecodingKey>,
) -> Result<DecodingKey, String> {
    if value.is_empty() {
        return Err("auth = \"jwt\" with RS256/ES256 needs jwt_public_key".into());
    }
    let pem = if value.trim_start().starts_with("-----BEGIN") {
        value.as_bytes().to_vec()
    } else {
        std::fs::read(value).map_err(|e| format!("cannot read jwt_public_key {value}: {e}"))?
    };
    parse(&pem).map_err(|e| format!("invalid jwt_public_key: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{encode, EncodingKey, Header};

    fn now() -> i64 {
        chrono::Utc::now().timestamp()
    }

    fn hs256(secret: &str) -> Authenticator {
        hs256_for(secret, "", "")
    }

    fn hs256_for(secret: &str, issuer: &str, audience: &str) -> Authenticator {
        let settings = JwtSettings {
            algorithm: "HS256",
            secret,
            public_key: "",
            issuer,
            audience,
            leeway_secs: 0,
        };
        match Authenticator::new(AuthMode::Jwt, settings) {
            Ok(auth) => auth,
            Err(e) => panic!("{e}"),
        }
    }

    fn token(secret: &str, sub: &str, exp_offset: i64) -> String {
        let exp = now() + exp_offset;
        signed(secret, &serde_json::json!({"sub": sub, "exp": exp}))
    }

    fn signed(secret: &str, claims: &serde_json::Value) -> String {
        encode(
            &Header::default(),
            claims,
            &EncodingKey::from_secret(secret.as_bytes()),
        )
        .unwrap_or_default()
    }

    #[test]
    fn valid_tokens_name_the_user() {
        let auth = hs256("s3cret");
        let header = format!("Bearer {}", token("s3cret", "alice", 60));
        assert_eq!(
            auth.authenticate(Some(&header)).map(|c| c.user_id),
            Ok("alice".into())
        );
        let bare = token("s3cret", "bob", 60);
        assert_eq!(
            auth.authenticate(Some(&bare)).map(|c| c.user_id),
            Ok("bob".into())
        );
    }

    #[test]
    fn a_configured_issuer_and_audience_are_required() {
        let auth = hs256_for("s3cret", "me", "app");
        let exp = now() + 600;
        let claims = [
            (
                serde_json::json!({"sub": "z", "exp": exp, "iss": "me", "aud": "app"}),
                Ok(200),
            ),
            (
                serde_json::json!({"sub": "z", "exp": exp, "iss": "me"}),
                Err(401),
            ),
            (
                serde_json::json!({"sub": "z", "exp": exp, "aud": "app"}),
                Err(401),
            ),
            (
                serde_json::json!({"sub": "z", "exp": exp, "iss": "you", "aud": "app"}),
                Err(401),
            ),
        ];
        for (claims, expected) in claims {
            let result = auth.authenticate(Some(&signed("s3cret", &claims)));
            assert_eq!(
                result.map(|_| 200).map_err(|e| e.status.code),
                expected,
                "{claims}"
            );
        }
    }

    #[test]
    fn missing_forged_and_expired_tokens_are_401() {
        let auth = hs256("s3cret");
        for header in [
            None,
            Some(String::new()),
            Some(format!("Bearer {}", token("other", "alice", 60))),
            Some(format!("Bearer {}", token("s3cret", "alice", -120))),
            Some("Bearer not.a.jwt".to_string()),
            Some(token("s3cret", "al\0ice", 60)),
            Some(token("s3cret", &"u".repeat(MAX_IDENTIFIER_BYTES + 1), 60)),
            Some(signed(
                "s3cret",
                &serde_json::json!({"sub": "alice", "exp": now() + 600, "nbf": now() + 3600}),
            )),
        ] {
            let result = auth.authenticate(header.as_deref());
            assert_eq!(result.map_err(|e| e.status.code), Err(401), "{header:?}");
        }
    }

    #[test]
    fn jwt_mode_needs_a_key() {
        let settings = JwtSettings {
            algorithm: "HS256",
            secret: "",
            public_key: "",
            issuer: "",
            audience: "",
            leeway_secs: 0,
        };
        assert!(Authenticator::new(AuthMode::Jwt, settings).is_err());
    }
}
