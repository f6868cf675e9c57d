//! Request decoding without the server: the envelope types, and the cookie rules
//! checked against the integration suite's model of the client's cookie order.
#![no_main]

use libfuzzer_sys::fuzz_target;
use replichat::domain::js_number::MAX_SAFE_INTEGER;
use replichat::domain::Version;
use replichat::dto::{
    decode_request, replace_lone_surrogates, smallest_cookie_above, PullRequest, PushRequest,
    RequestCookie, Versioned,
};
use replichat_test_support::view::compare_cookies;
use serde_json::{json, Value};
use std::cmp::Ordering;

/// Server versions the cookie rules are checked from.
const FLOORS: [i64; 8] = [0, 1, 9, 10, 99, 12_345, 1 << 40, 1 << 52];

fuzz_target!(|body: &[u8]| {
    let mut replaced = body.to_vec();
    replace_lone_surrogates(&mut replaced);
    assert_eq!(replaced.len(), body.len());
    if std::str::from_utf8(body).is_ok() {
        assert!(
            std::str::from_utf8(&replaced).is_ok(),
            "replacement broke UTF-8"
        );
    }
    let body = replaced.as_slice();
    let _ = decode_request::<PushRequest>(body);
    if let Ok(Versioned::Supported(pull)) = decode_request::<PullRequest>(body) {
        check_cookie(&pull.cookie);
    }
    if let Ok(value) = serde_json::from_slice::<Value>(body) {
        check_cookie(&value);
    }
});

/// A version cookie is a safe non-negative integer; a cookie found "above" another
/// is at least the floor, safe, and newer in the client's order.
fn check_cookie(cookie: &Value) {
    if let RequestCookie::Version(v) = RequestCookie::parse(cookie) {
        assert_eq!(cookie.as_i64(), Some(v.get()), "{cookie}");
        assert!((0..=MAX_SAFE_INTEGER).contains(&v.get()), "{cookie}");
    }
    for floor in FLOORS {
        let found = smallest_cookie_above(Version::new(floor), cookie).map(Version::get);
        if let Some(found) = found {
            assert!(
                (floor..=MAX_SAFE_INTEGER).contains(&found),
                "{found} from {floor} for {cookie}"
            );
            let order = compare_cookies(&json!(found), cookie);
            assert!(
                matches!(order, Some(Ordering::Greater) | None),
                "{found} is not newer than {cookie} for the client"
            );
        }
    }
}
