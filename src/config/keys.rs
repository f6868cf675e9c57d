//! Strict keys: every key of the selected profile must be one that replichat or Rocket
//! reads, so that a misspelt setting stops the start instead of being ignored.

use rocket::figment::value::Dict;
use rocket::figment::Figment;
use std::collections::BTreeSet;

/// Keys figment itself may carry: `ROCKET_CONFIG` (the file) and `ROCKET_PROFILE`.
const SOURCE_KEYS: [&str; 2] = ["config", "profile"];

/// Rocket settings this build cannot honour, with what to do instead.
const UNSUPPORTED: [(&str, &str); 2] = [
    (
        "tls",
        "this build serves plain HTTP (Rocket's TLS support is not compiled in): terminate \
         TLS at a reverse proxy, as deploy/nginx.conf does",
    ),
    (
        "mtls",
        "this build serves plain HTTP: client certificates belong to the reverse proxy",
    ),
];

/// Refuses a key of `figment` that is not in `ours` or Rocket's own settings, naming
/// the nearest known key, and a Rocket setting this build cannot honour (TLS).
pub fn check_keys(figment: &Figment, ours: &BTreeSet<String>) -> Result<(), String> {
    let given = figment
        .extract::<Dict>()
        .map_err(|e| format!("configuration: {e}"))?;
    let rockets = rocket_keys();
    for key in given.keys() {
        if let Some((_, advice)) = UNSUPPORTED.iter().find(|(name, _)| name == key) {
            return Err(format!("{key}: {advice}"));
        }
        let known =
            ours.contains(key) || rockets.contains(key) || SOURCE_KEYS.contains(&key.as_str());
        if !known {
            let hint = nearest(key, ours.iter().chain(&rockets))
                .map(|k| format!(" (did you mean {k}?)"))
                .unwrap_or_default();
            return Err(format!("unknown setting {key}{hint}"));
        }
    }
    Ok(())
}

/// The keys of Rocket's own configuration (`address`, `port`, `limits`, ...).
fn rocket_keys() -> BTreeSet<String> {
    Figment::from(rocket::Config::default())
        .extract::<Dict>()
        .map(|dict| dict.into_keys().collect())
        .unwrap_or_default()
}

/// The known key closest to `key`, if one is close enough to be a likely typo.
fn nearest<'k>(key: &str, known: impl Iterator<Item = &'k String>) -> Option<&'k String> {
    let limit = (key.chars().count() / 3).max(2);
    known
        .map(|k| (edit_distance(key, k), k))
        .filter(|(distance, _)| *distance <= limit)
        .min()
        .map(|(_, k)| k)
}

/// Levenshtein distance between `a` and `b`, in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ours() -> BTreeSet<String> {
        ["pool_size", "pull_strategy", "database_url"]
            .map(String::from)
            .into()
    }

    #[test]
    fn known_keys_pass_and_a_typo_names_the_key_it_resembles() {
        let figment = Figment::from(rocket::Config::debug_default()).merge(("pool_size", 4));
        assert_eq!(check_keys(&figment, &ours()), Ok(()));
        let typo = Figment::new().merge(("pull_stratgy", "reset"));
        assert_eq!(
            check_keys(&typo, &ours()),
            Err("unknown setting pull_stratgy (did you mean pull_strategy?)".into())
        );
        let nothing_close = Figment::new().merge(("colour", "blue"));
        assert_eq!(
            check_keys(&nothing_close, &ours()),
            Err("unknown setting colour".into())
        );
    }

    #[test]
    fn tls_is_refused_with_what_to_do_instead() {
        let figment = Figment::new().merge(("tls", "on"));
        let error = check_keys(&figment, &ours()).err().unwrap_or_default();
        assert!(
            error.starts_with("tls: this build serves plain HTTP"),
            "{error}"
        );
    }

    #[test]
    fn edit_distance_counts_characters() {
        assert_eq!(edit_distance("port", "port"), 0);
        assert_eq!(edit_distance("prot", "port"), 2);
        assert_eq!(edit_distance("pool_sise", "pool_size"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
    }
}
