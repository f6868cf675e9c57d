//! The rendered full view of the latest version, shared by every pull that needs it.
//!
//! Data at a given global version never changes (every write bumps the version, and GC
//! only removes tombstones and clients, which a full view does not show), so the bytes
//! of `clear` + every live message can be reused by every reset-style pull of that
//! version: the rows are read and encoded once instead of once per pull.

use serde_json::value::RawValue;
use std::sync::{Arc, Mutex, PoisonError};

/// Holds at most one rendered full view: the one of the highest version seen.
#[derive(Debug, Default)]
pub struct FullViewCache {
    latest: Mutex<Option<(i64, Arc<RawValue>)>>,
}

impl FullViewCache {
    /// The rendered full view of `version`, if it is the one held.
    pub fn get(&self, version: i64) -> Option<Arc<RawValue>> {
        let latest = self.latest.lock().unwrap_or_else(PoisonError::into_inner);
        match &*latest {
            Some((held, view)) if *held == version => Some(Arc::clone(view)),
            _ => None,
        }
    }

    /// Keeps `view` as the full view of `version` unless a newer one is held.
    pub fn put(&self, version: i64, view: Arc<RawValue>) {
        let mut latest = self.latest.lock().unwrap_or_else(PoisonError::into_inner);
        if latest.as_ref().is_none_or(|(held, _)| *held < version) {
            *latest = Some((version, view));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> Arc<RawValue> {
        Arc::from(RawValue::from_string(text.to_string()).unwrap_or_default())
    }

    #[test]
    fn holds_only_the_newest_version() {
        let cache = FullViewCache::default();
        assert!(cache.get(1).is_none());
        cache.put(2, raw("[2]"));
        cache.put(1, raw("[1]"));
        assert_eq!(
            cache.get(2).map(|v| v.get().to_string()),
            Some("[2]".into())
        );
        assert!(cache.get(1).is_none());
        cache.put(3, raw("[3]"));
        assert!(cache.get(2).is_none());
        assert_eq!(
            cache.get(3).map(|v| v.get().to_string()),
            Some("[3]".into())
        );
    }
}
