//! The application's configuration for tests: a typed [`AppConfig`], edited field by
//! field (a misspelt setting does not compile), turned into the figment the app is
//! built from.

use replichat::config::AppConfig;
use rocket::figment::providers::Serialized;
use rocket::figment::Figment;

/// The configuration of a test app on `database_url`: every default, with a pool small
/// enough for many apps at once.
pub fn test_config(database_url: &str) -> AppConfig {
    let mut config = AppConfig::default();
    config.database.database_url = database_url.to_string();
    config.database.pool_size = 8;
    config
}

/// The figment that builds the app with exactly `config`: Rocket's own defaults (not
/// `Rocket.toml` or the environment), quiet logs, then `config`.
pub fn figment(config: &AppConfig) -> Figment {
    Figment::from(rocket::Config::debug_default())
        .merge(("log_level", "off"))
        .merge(("cli_colors", false))
        .merge(Serialized::globals(config))
}
