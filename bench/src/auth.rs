//! Tokens for servers run with `auth = "jwt"`: HS256, `sub` = the simulated user, valid for
//! a day, signed with the secret the server was given (`--jwt-secret`).

use crate::proto::ClientIdentity;
use anyhow::{Context, Result};
use jsonwebtoken::{encode, EncodingKey, Header};
use serde::Serialize;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// Lifetime of a token; far longer than any benchmark.
const VALID_SECS: u64 = 24 * 60 * 60;

#[derive(Serialize)]
struct Claims<'a> {
    sub: &'a str,
    exp: u64,
}

/// Signs tokens for any user with one shared secret.
#[derive(Clone)]
pub struct Minter {
    key: EncodingKey,
}

impl Minter {
    /// A minter for the HS256 `secret`.
    pub fn new(secret: &str) -> Self {
        Minter {
            key: EncodingKey::from_secret(secret.as_bytes()),
        }
    }

    /// A signed token naming `user` (for `?auth=` of the poke stream).
    pub fn token(&self, user: &str) -> Result<String> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .context("system clock before 1970")?;
        let claims = Claims {
            sub: user,
            exp: now.as_secs() + VALID_SECS,
        };
        encode(&Header::default(), &claims, &self.key).context("signing a token")
    }

    /// The `Authorization` header value of `user`.
    pub fn bearer(&self, user: &str) -> Result<Arc<str>> {
        Ok(Arc::from(format!("Bearer {}", self.token(user)?)))
    }

    /// A fresh client in a fresh group, acting as `user`.
    pub fn identity(&self, user: &str) -> Result<ClientIdentity> {
        Ok(ClientIdentity {
            auth: Some(self.bearer(user)?),
            ..ClientIdentity::fresh()
        })
    }
}

/// The minter of `--jwt-secret`, required by the rooms workloads: without authentication
/// every caller is the same user and private rooms mean nothing.
pub fn required(secret: Option<&str>, workload: &str) -> Result<Minter> {
    match secret {
        Some(secret) if !secret.is_empty() => Ok(Minter::new(secret)),
        _ => anyhow::bail!(
            "{workload} needs --jwt-secret (the server's ROCKET_JWT_SECRET, with ROCKET_AUTH=jwt)"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{decode, DecodingKey, Validation};
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct Read {
        sub: String,
    }

    #[test]
    fn tokens_verify_with_the_secret() {
        let token = Minter::new("s3cret").token("alice").unwrap();
        let key = DecodingKey::from_secret(b"s3cret");
        let read = decode::<Read>(&token, &key, &Validation::default()).unwrap();
        assert_eq!(read.claims.sub, "alice");
        assert!(decode::<Read>(
            &token,
            &DecodingKey::from_secret(b"x"),
            &Validation::default()
        )
        .is_err());
    }
}
