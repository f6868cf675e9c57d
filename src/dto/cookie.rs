//! Request cookies: which ones this server can serve incrementally, and how to answer
//! the others with a cookie the client will accept (docs/protocol.md §5).

use crate::domain::js_number::MAX_SAFE_INTEGER;
use crate::domain::Version;
use serde_json::Value;

/// A request cookie as this server understands it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestCookie {
    /// `null`: a fresh cache.
    Null,
    /// A non-negative integer: a global version this server may have issued.
    Version(Version),
    /// Anything else (strings, objects, fractions, negatives, huge numbers).
    Unusable,
}

impl RequestCookie {
    /// Classifies the `cookie` member of a pull request.
    pub fn parse(cookie: &Value) -> Self {
        match cookie {
            Value::Null => RequestCookie::Null,
            Value::Number(n) => match n.as_i64() {
                Some(v) if (0..=MAX_SAFE_INTEGER).contains(&v) => {
                    RequestCookie::Version(Version::new(v))
                }
                _ => RequestCookie::Unusable,
            },
            _ => RequestCookie::Unusable,
        }
    }
}

/// What the client compares a cookie by (its `order` for objects).
enum Order<'a> {
    Number(f64),
    Text(&'a str),
    /// `null`: every cookie sorts above it.
    Bottom,
    /// No comparable order (a boolean, an array, an object without `order`): the
    /// client's comparison yields NaN and accepts any new cookie.
    Incomparable,
}

fn order_of(cookie: &Value) -> Order<'_> {
    match cookie {
        Value::Null => Order::Bottom,
        Value::Number(n) => n.as_f64().map_or(Order::Incomparable, Order::Number),
        Value::String(s) => Order::Text(s),
        Value::Object(map) => match map.get("order") {
            Some(Value::Number(n)) => n.as_f64().map_or(Order::Incomparable, Order::Number),
            Some(Value::String(s)) => Order::Text(s),
            _ => Order::Incomparable,
        },
        _ => Order::Incomparable,
    }
}

/// True when the client would take integer cookie `candidate` as newer than `previous`
/// (replicache's `compareCookies(candidate, previous) > 0`, or NaN).
fn is_newer(candidate: i64, previous: &Order<'_>) -> bool {
    match previous {
        Order::Bottom | Order::Incomparable => true,
        Order::Number(x) => (candidate as f64) > *x,
        // Either side a string: both are compared as strings, by UTF-16 code units.
        Order::Text(s) => candidate.to_string().encode_utf16().gt(s.encode_utf16()),
    }
}

/// The smallest integer cookie `>= floor` that the client accepts as strictly newer
/// than `previous`, or `None` when no integer cookie up to 2^53 can be.
pub fn smallest_cookie_above(floor: Version, previous: &Value) -> Option<Version> {
    smallest_integer_above(floor.get(), previous).map(Version::new)
}

fn smallest_integer_above(floor: i64, previous: &Value) -> Option<i64> {
    let order = order_of(previous);
    if is_newer(floor, &order) {
        return Some(floor);
    }
    let candidates: Vec<i64> = match order {
        Order::Number(x) if x < MAX_SAFE_INTEGER as f64 => vec![x.floor() as i64 + 1],
        Order::Text(s) => text_candidates(s),
        _ => Vec::new(),
    };
    candidates
        .into_iter()
        .filter(|&c| c >= floor && c <= MAX_SAFE_INTEGER && is_newer(c, &order))
        .min()
}

/// Integers whose decimal form may sort after `s`: its leading digits, or its first
/// `i` leading digits followed by digit `i` plus one (for every `i`), each followed by
/// zeros. Any decimal text above `s` either extends its digits or first differs from
/// them upwards at some `i`, so every length of either kind has a candidate.
fn text_candidates(s: &str) -> Vec<i64> {
    let digits: String = s
        .chars()
        .take_while(char::is_ascii_digit)
        .take(15)
        .collect();
    let mut bases = Vec::new();
    if let Ok(prefix) = digits.parse::<i64>() {
        bases.push(prefix);
    }
    let mut head = 0;
    for digit in digits.bytes().map(|c| i64::from(c - b'0')) {
        if digit < 9 {
            bases.push(head * 10 + digit + 1);
        }
        head = head * 10 + digit;
    }
    let mut out = Vec::new();
    for base in bases {
        let mut value = base;
        while value <= MAX_SAFE_INTEGER {
            out.push(value);
            match value.checked_mul(10) {
                Some(v) if v > 0 => value = v,
                _ => break,
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn integers_are_versions_and_the_rest_is_unusable() {
        assert_eq!(RequestCookie::parse(&json!(null)), RequestCookie::Null);
        assert_eq!(
            RequestCookie::parse(&json!(7)),
            RequestCookie::Version(Version::new(7))
        );
        assert_eq!(RequestCookie::parse(&json!(-1)), RequestCookie::Unusable);
        assert_eq!(RequestCookie::parse(&json!(1.5)), RequestCookie::Unusable);
        assert_eq!(RequestCookie::parse(&json!("7")), RequestCookie::Unusable);
        assert_eq!(
            RequestCookie::parse(&json!({"order": 7})),
            RequestCookie::Unusable
        );
        assert_eq!(
            RequestCookie::parse(&json!(1u64 << 60)),
            RequestCookie::Unusable
        );
    }

    #[test]
    fn numbers_need_a_larger_integer() {
        assert_eq!(smallest_integer_above(5, &json!(9)), Some(10));
        assert_eq!(smallest_integer_above(50, &json!(9)), Some(50));
        assert_eq!(smallest_integer_above(5, &json!(9.5)), Some(10));
        assert_eq!(
            smallest_integer_above(5, &json!({"order": 12, "cvrID": "x"})),
            Some(13)
        );
        assert_eq!(smallest_integer_above(5, &json!(1e300)), None);
    }

    #[test]
    fn strings_compare_as_strings() {
        // "9" > "10" as strings: 10 is not newer than "9", 90 is.
        assert_eq!(smallest_integer_above(10, &json!("9")), Some(90));
        assert_eq!(smallest_integer_above(3, &json!("10")), Some(3));
        assert_eq!(smallest_integer_above(10, &json!("5abc")), Some(60));
        assert_eq!(smallest_integer_above(10, &json!("")), Some(10));
        assert_eq!(smallest_integer_above(10, &json!("zzz")), None);
        // "96" > "95": raising a later digit gives a smaller cookie than extending.
        assert_eq!(smallest_integer_above(10, &json!("95")), Some(96));
        // No extension of these digits fits in 2^53, but raising the second one does.
        assert_eq!(
            smallest_integer_above(1, &json!("9007199254740993")),
            Some(91)
        );
        assert_eq!(
            smallest_integer_above(100, &json!("9007199254740993")),
            Some(901)
        );
        assert_eq!(smallest_integer_above(1, &json!("9999999999999999")), None);
    }

    #[test]
    fn incomparable_cookies_accept_anything() {
        assert_eq!(smallest_integer_above(4, &json!(true)), Some(4));
        assert_eq!(smallest_integer_above(4, &json!({"cvr": 1})), Some(4));
        assert_eq!(smallest_integer_above(4, &json!(null)), Some(4));
    }
}
