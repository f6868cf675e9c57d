//! The rule every stored text of mutator arguments follows: bounded in characters and
//! free of NUL (which PostgreSQL cannot store).

/// How long a text may be and whether it may be empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextRule {
    /// Longest accepted text, in characters.
    pub max_chars: usize,
    /// Whether `""` is accepted.
    pub may_be_empty: bool,
}

impl TextRule {
    /// A text that must not be empty.
    pub fn required(max_chars: usize) -> Self {
        TextRule {
            max_chars,
            may_be_empty: false,
        }
    }

    /// A text that may be empty.
    pub fn optional(max_chars: usize) -> Self {
        TextRule {
            max_chars,
            may_be_empty: true,
        }
    }
}

/// Checks `value` (the argument `field`) against `rule`; the error names the rule broken.
pub fn check_text(field: &str, value: &str, rule: TextRule) -> Result<(), String> {
    if !rule.may_be_empty && value.is_empty() {
        return Err(format!("{field} must not be empty"));
    }
    if value.contains('\0') {
        return Err(format!("{field} contains a NUL character"));
    }
    let max = rule.max_chars;
    if value.len() > max && value.chars().count() > max {
        return Err(format!("{field} is longer than {max} characters"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_count_characters_not_bytes() {
        assert!(check_text("from", "ééé", TextRule::optional(3)).is_ok());
        assert!(check_text("from", "éééé", TextRule::optional(3)).is_err());
        assert!(check_text("from", "", TextRule::optional(3)).is_ok());
        assert_eq!(
            check_text("id", "", TextRule::required(3)),
            Err("id must not be empty".to_string())
        );
    }
}
