//! Lone UTF-16 surrogate escapes in request JSON.
//!
//! JavaScript strings may hold a lone surrogate (half of an emoji cut in two), and
//! `JSON.stringify` writes it as an escape such as `\ud83d`. That is valid JSON
//! grammar, but no Rust string (or database text) can hold it, so the decoder refuses
//! the whole body. A push refused that way would block its client forever: it resends
//! the same pending mutations on every push. So each lone surrogate escape is replaced
//! by `\uFFFD`, the replacement character, which is also what a browser's UTF-8
//! encoder makes of a lone surrogate. Both escapes are six bytes: the body is edited
//! in place.

/// The escape written over a lone surrogate escape.
const REPLACEMENT: &[u8; 6] = b"\\uFFFD";

/// Replaces every `\uXXXX` escape that is a surrogate without its partner by `\uFFFD`.
/// Valid pairs and every other byte are left alone; malformed escapes are left for
/// the JSON decoder to report.
pub fn replace_lone_surrogates(json: &mut [u8]) {
    let mut at = 0;
    while let Some(offset) = json
        .get(at..)
        .and_then(|rest| rest.iter().position(|&b| b == b'\\'))
    {
        at += offset;
        let Some(unit) = escape_at(json, at) else {
            // `\"`, `\\`, `\n`, ... (or a malformed escape): skip the escaped byte too.
            at += 2;
            continue;
        };
        match unit {
            0xD800..=0xDBFF if escape_at(json, at + 6).is_some_and(is_low_surrogate) => {
                at += 12;
            }
            0xD800..=0xDFFF => {
                json[at..at + 6].copy_from_slice(REPLACEMENT);
                at += 6;
            }
            _ => at += 6,
        }
    }
}

/// The code unit of a `\uXXXX` escape starting at `at`, if one starts there.
fn escape_at(json: &[u8], at: usize) -> Option<u16> {
    let escape = json.get(at..at + 6)?;
    if escape[0] != b'\\' || escape[1] != b'u' {
        return None;
    }
    let hex = std::str::from_utf8(&escape[2..]).ok()?;
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u16::from_str_radix(hex, 16).ok()
}

fn is_low_surrogate(unit: u16) -> bool {
    (0xDC00..=0xDFFF).contains(&unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn replaced(json: &str) -> String {
        let mut bytes = json.as_bytes().to_vec();
        replace_lone_surrogates(&mut bytes);
        String::from_utf8(bytes).unwrap_or_default()
    }

    #[test]
    fn lone_halves_become_the_replacement_character() {
        assert_eq!(replaced(r#"["\ud83d"]"#), r#"["\uFFFD"]"#);
        assert_eq!(replaced(r#"["\uDE00x"]"#), r#"["\uFFFDx"]"#);
        assert_eq!(
            replaced(r#"["\ud83d\ud83d\ude00"]"#),
            r#"["\uFFFD\ud83d\ude00"]"#
        );
        assert_eq!(replaced(r#"["a\ud83d\n"]"#), r#"["a\uFFFD\n"]"#);
        let decoded: Vec<String> =
            serde_json::from_str(&replaced(r#"["\ud83dok"]"#)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(decoded, ["\u{FFFD}ok"]);
    }

    #[test]
    fn pairs_other_escapes_and_malformed_escapes_are_untouched() {
        for json in [
            r#"["\ud83d\ude00"]"#,
            r#"["\\ud83d"]"#,
            r#"["\\\"\u0041\/"]"#,
            r#"["\ud83"]"#,
            r#"["\uzzzz"]"#,
            r#"["\"#,
            "",
        ] {
            assert_eq!(replaced(json), json);
        }
        assert_eq!(replaced(r#"["\ud83d\u"]"#), r#"["\uFFFD\u"]"#);
    }
}
