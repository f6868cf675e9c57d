//! The application's settings: every component's own settings type, read together.
//!
//! Sources, lowest precedence first: each component's defaults (its `Default`, the one
//! place a default is written), `Rocket.toml`, `ROCKET_*` environment variables, then
//! `DATABASE_URL` (the variable the diesel CLI reads too). The keys are flat
//! (`pool_size`, `auth`, ...); each component's type takes its own, and a key that
//! neither replichat nor Rocket reads is an error ([`keys`]). Only the composition
//! root (`lib.rs`) and the command line read this.

mod keys;

use crate::auth::AuthSettings;
use crate::db::DbSettings;
use crate::observability::LogSettings;
use crate::poke::PokeSettings;
use crate::routes::HttpSettings;
use crate::service::{GcSettings, MutationLimits, ProtocolSettings};
use rocket::figment::providers::{Env, Format, Toml};
use rocket::figment::{Figment, Profile};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Everything the application reads from configuration, by component.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppConfig {
    /// The database, the pool and the transaction runner.
    #[serde(flatten)]
    pub database: DbSettings,
    /// Pull strategy and served schema versions.
    #[serde(flatten)]
    pub protocol: ProtocolSettings,
    /// Bounds on mutator arguments.
    #[serde(flatten)]
    pub limits: MutationLimits,
    /// Authentication.
    #[serde(flatten)]
    pub auth: AuthSettings,
    /// Body limit, CORS and the chat page.
    #[serde(flatten)]
    pub http: HttpSettings,
    /// The poke stream.
    #[serde(flatten)]
    pub pokes: PokeSettings,
    /// Server-side garbage collection.
    #[serde(flatten)]
    pub gc: GcSettings,
    /// The request log.
    #[serde(flatten)]
    pub logging: LogSettings,
}

impl AppConfig {
    /// Reads the settings from `figment` (Rocket's own keys are left to Rocket; any
    /// other key is an error naming the nearest known one). Each component is read on
    /// its own, so that an error names the key and where its value came from (a
    /// flattened read would lose both).
    pub fn from_figment(figment: &Figment) -> Result<Self, String> {
        keys::check_keys(figment, &Self::keys())?;
        Self::extract_components(figment).map_err(|e| e.to_string())
    }

    /// The settings with secrets hidden: the JWT secret and any database password.
    pub fn redacted(&self) -> AppConfig {
        let mut shown = self.clone();
        shown.database.database_url = self.database.redacted_url();
        if !shown.auth.jwt_secret.is_empty() {
            shown.auth.jwt_secret = "***".into();
        }
        shown
    }

    /// Every key replichat reads.
    pub fn keys() -> BTreeSet<String> {
        match serde_json::to_value(AppConfig::default()) {
            Ok(serde_json::Value::Object(map)) => map.into_iter().map(|(key, _)| key).collect(),
            _ => BTreeSet::new(),
        }
    }

    fn extract_components(figment: &Figment) -> Result<Self, Box<rocket::figment::Error>> {
        Ok(AppConfig {
            database: extract(figment)?,
            protocol: extract(figment)?,
            limits: extract(figment)?,
            auth: extract(figment)?,
            http: extract(figment)?,
            pokes: extract(figment)?,
            gc: extract(figment)?,
            logging: extract(figment)?,
        })
    }
}

/// One component's settings.
fn extract<T: serde::de::DeserializeOwned>(
    figment: &Figment,
) -> Result<T, Box<rocket::figment::Error>> {
    figment.extract().map_err(Box::new)
}

/// The configuration file read when none is named: `ROCKET_CONFIG`, else
/// `Rocket.toml` in the working directory.
pub fn default_file() -> PathBuf {
    Env::var_or("ROCKET_CONFIG", "Rocket.toml").into()
}

/// The configuration from `file` (its `[default]` and selected profile tables), then
/// `ROCKET_*` variables, then `DATABASE_URL`, over every default; the profile is
/// `ROCKET_PROFILE`, else `debug` in debug builds and `release` in release builds.
/// A missing file is no error here (the defaults apply); the command line refuses a
/// missing file it was told to read.
pub fn figment(file: &Path) -> Figment {
    Figment::from(rocket::Config::default())
        .merge(Toml::file(file).nested())
        .merge(
            Env::prefixed("ROCKET_")
                .ignore(&["PROFILE", "CONFIG"])
                .global(),
        )
        .merge(Env::raw().only(&["DATABASE_URL"]))
        .select(Profile::from_env_or(
            "ROCKET_PROFILE",
            rocket::Config::DEFAULT_PROFILE,
        ))
}

/// [`figment`] of [`default_file`].
pub fn default_figment() -> Figment {
    figment(&default_file())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::AuthMode;
    use crate::service::PullStrategy;
    use rocket::data::ByteUnit;

    #[test]
    fn flat_keys_reach_their_component_and_rockets_own_are_left_alone() {
        let figment = Figment::from(rocket::Config::debug_default())
            .merge(("pull_strategy", "reset"))
            .merge(("body_limit", "1 MiB"))
            .merge(("pool_size", 4))
            .merge(("schema_versions", ["v1"]))
            .merge(("auth", "jwt"))
            .merge(("max_content_len", 12));
        let config = AppConfig::from_figment(&figment).unwrap_or_else(|e| panic!("{e}"));
        assert!(AppConfig::keys().contains("jwt_secret"));
        assert_eq!(config.protocol.pull_strategy, PullStrategy::Reset);
        assert_eq!(config.http.body_limit, ByteUnit::Mebibyte(1));
        assert_eq!(config.database.pool_size, 4);
        assert_eq!(config.protocol.schema_versions, ["v1"]);
        assert_eq!(config.auth.auth, AuthMode::Jwt);
        assert_eq!(config.limits.max_content_len, 12);
        assert_eq!(config.gc, GcSettings::default());
    }

    #[test]
    fn a_value_of_the_wrong_type_is_an_error_naming_its_key() {
        for (key, value) in [
            ("pull_strategy", "sideways"),
            ("pool_size", "many"),
            ("max_content_len", "long"),
        ] {
            let figment = Figment::new().merge((key, value));
            let error = AppConfig::from_figment(&figment).err().unwrap_or_default();
            assert!(error.contains(key), "{key}: {error}");
        }
    }
}
