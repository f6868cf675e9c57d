//! Token verification for `auth = "jwt"`.

use super::settings::{AuthMode, AuthSettings};
use super::Caller;
use crate::domain::{UserId, MAX_IDENTIFIER_BYTES};
use crate::error::ApiError;
use jsonwebtoken::{decode, Algorithm, DecodingKey, Validation};
use serde::Deserialize;

/// Claims read from a token; `exp` is checked by the validator.
#[derive(Debug, Deserialize)]
struct Claims {
    sub: String,
    /// Set on tokens of the development login, which count only while it is on.
    #[serde(default)]
    dev: bool,
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
        /// Whether tokens of the development login are accepted (`dev_login = true`).
        dev_tokens: bool,
    },
}

impl Authenticator {
    /// Builds the authenticator for `mode`; a JWT configuration without a usable key
    /// is an error (the server refuses to start rather than accept every token).
    pub fn new(settings: &AuthSettings) -> Result<Self, String> {
        if settings.auth == AuthMode::None {
            return Ok(Authenticator::Anonymous);
        }
        let (algorithm, key) = match settings.jwt_algorithm.as_str() {
            "HS256" if !settings.jwt_secret.is_empty() => (
                Algorithm::HS256,
                DecodingKey::from_secret(settings.jwt_secret.as_bytes()),
            ),
            "HS256" => return Err("auth = \"jwt\" with HS256 needs jwt_secret".into()),
            "RS256" => (
                Algorithm::RS256,
                pem_key(&settings.jwt_public_key, DecodingKey::from_rsa_pem)?,
            ),
            "ES256" => (
                Algorithm::ES256,
                pem_key(&settings.jwt_public_key, DecodingKey::from_ec_pem)?,
            ),
            other => {
                return Err(format!(
                    "unsupported jwt_algorithm {other:?} (HS256, RS256, ES256)"
                ))
            }
        };
        let mut validation = Validation::new(algorithm);
        validation.leeway = settings.jwt_leeway_secs;
        validation.validate_nbf = true;
        let (issuer, audience) = (&settings.jwt_issuer, &settings.jwt_audience);
        // A configured issuer or audience must be present, not only right when present.
        let mut required = vec!["exp", "sub"];
        required.extend((!issuer.is_empty()).then_some("iss"));
        required.extend((!audience.is_empty()).then_some("aud"));
        validation.set_required_spec_claims(&required);
        if !issuer.is_empty() {
            validation.set_issuer(&[issuer]);
        }
        if audience.is_empty() {
            validation.validate_aud = false;
        } else {
            validation.set_audience(&[audience]);
        }
        Ok(Authenticator::Jwt {
            key: Box::new(key),
            validation: Box::new(validation),
            dev_tokens: settings.dev_login,
        })
    }

    /// The caller named by `header` (the raw `Authorization` value).
    pub fn authenticate(&self, header: Option<&str>) -> Result<Caller, ApiError> {
        let Authenticator::Jwt {
            key,
            validation,
            dev_tokens,
        } = self
        else {
            return Ok(Caller::anonymous());
        };
        let token = header.map(bearer_token).unwrap_or_default();
        if token.is_empty() {
            return Err(ApiError::unauthorized("missing bearer token"));
        }
        let data = decode::<Claims>(token, key, validation)
            .map_err(|e| ApiError::unauthorized(format!("invalid token: {e}")))?;
        if data.claims.dev && !dev_tokens {
            return Err(ApiError::unauthorized(
                "invalid token: a development login token, and dev_login is off",
            ));
        }
        // The user id is stored as text: no NUL (PostgreSQL refuses it), bounded length.
        let user_id = UserId::parse(data.claims.sub).map_err(|_| {
            ApiError::unauthorized(format!(
                "invalid token: sub claim must be 1 to {MAX_IDENTIFIER_BYTES} bytes without NUL"
            ))
        })?;
        Ok(Caller { user_id })
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
        let settings = AuthSettings {
            auth: AuthMode::Jwt,
            jwt_secret: secret.into(),
            jwt_issuer: issuer.into(),
            jwt_audience: audience.into(),
            jwt_leeway_secs: 0,
            ..AuthSettings::default()
        };
        match Authenticator::new(&settings) {
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
            auth.authenticate(Some(&header))
                .map(|c| c.user_id.to_string()),
            Ok("alice".into())
        );
        let bare = token("s3cret", "bob", 60);
        assert_eq!(
            auth.authenticate(Some(&bare))
                .map(|c| c.user_id.to_string()),
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
        let settings = AuthSettings {
            auth: AuthMode::Jwt,
            ..AuthSettings::default()
        };
        assert!(Authenticator::new(&settings).is_err());
    }
}
