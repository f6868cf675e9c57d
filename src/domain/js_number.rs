//! The integers a JavaScript number holds exactly, which bound every cookie, version,
//! mutation id and `order` the server sends to a Replicache client.

/// Largest integer a JavaScript number holds exactly (2^53 − 1).
pub const MAX_SAFE_INTEGER: i64 = (1 << 53) - 1;

/// Highest global version a request cookie may raise the server to (2^52). A forged
/// cookie near 2^53 would otherwise leave no versions that JavaScript can tell apart.
pub const MAX_RAISED_VERSION: i64 = 1 << 52;

/// True when `value` is an integer JavaScript represents exactly.
pub fn is_safe_integer(value: i64) -> bool {
    (-MAX_SAFE_INTEGER..=MAX_SAFE_INTEGER).contains(&value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_safe_range_is_symmetric_and_stops_below_2_to_53() {
        assert!(is_safe_integer(MAX_SAFE_INTEGER));
        assert!(is_safe_integer(-MAX_SAFE_INTEGER));
        assert!(!is_safe_integer(MAX_SAFE_INTEGER + 1));
        assert!(!is_safe_integer(i64::MIN));
        const { assert!(MAX_RAISED_VERSION < MAX_SAFE_INTEGER) };
    }
}
