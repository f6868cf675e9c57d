//! JSON text from `arbitrary` data. Written by hand rather than through
//! `serde_json::Value`, so that it can also hold what a serializer never produces:
//! numbers beyond `i64`/`f64`, `1.0` for an integer, lone surrogates, NUL characters,
//! duplicate members and nesting far beyond the decoder's depth limit.

use arbitrary::Arbitrary;
use std::fmt::Write;

/// A JSON value (or, rarely, an almost-JSON one).
#[derive(Arbitrary, Debug, Clone)]
pub enum Json {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer in `i64`.
    Int(i64),
    /// A finite float (non-finite ones are written as `null`).
    Float(f64),
    /// A number literal chosen for its edge.
    Number(Literal),
    /// A string, escaped as JSON requires.
    Str(String),
    /// A string with an unusual escape or length.
    Odd(OddString),
    /// An array.
    Array(Vec<Json>),
    /// An object; member names may repeat.
    Object(Vec<(String, Json)>),
    /// `depth` nested arrays (or objects) around `null`.
    Deep {
        /// Levels of nesting.
        depth: u16,
        /// Objects (`{"a":...}`) instead of arrays.
        objects: bool,
    },
}

/// Number literals at the edges of what the server decodes.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum Literal {
    /// `1.0`: an integer written as a float.
    OnePointZero,
    /// `1e0`.
    OneExponent,
    /// `-0`.
    NegativeZero,
    /// `0.5`.
    Half,
    /// `9007199254740991` (2^53 - 1).
    MaxSafe,
    /// `9007199254740993` (2^53 + 1).
    AboveSafe,
    /// `4503599627370496` (2^52).
    TwoPow52,
    /// `9223372036854775807` (`i64::MAX`).
    I64Max,
    /// `9223372036854775808` (`i64::MAX + 1`).
    AboveI64,
    /// `18446744073709551616` (2^64).
    AboveU64,
    /// `-9223372036854775809`.
    BelowI64,
    /// `1e400`: beyond `f64`.
    Huge,
    /// `1e-400`: below the smallest `f64`.
    Tiny,
    /// `123456789012345678901234567890`.
    Long,
    /// `01`: not JSON.
    LeadingZero,
    /// `NaN`: not JSON.
    NotANumber,
}

impl Literal {
    /// The literal's text.
    pub fn text(self) -> &'static str {
        match self {
            Literal::OnePointZero => "1.0",
            Literal::OneExponent => "1e0",
            Literal::NegativeZero => "-0",
            Literal::Half => "0.5",
            Literal::MaxSafe => "9007199254740991",
            Literal::AboveSafe => "9007199254740993",
            Literal::TwoPow52 => "4503599627370496",
            Literal::I64Max => "9223372036854775807",
            Literal::AboveI64 => "9223372036854775808",
            Literal::AboveU64 => "18446744073709551616",
            Literal::BelowI64 => "-9223372036854775809",
            Literal::Huge => "1e400",
            Literal::Tiny => "1e-400",
            Literal::Long => "123456789012345678901234567890",
            Literal::LeadingZero => "01",
            Literal::NotANumber => "NaN",
        }
    }
}

/// Strings whose escapes or sizes are unusual.
#[derive(Arbitrary, Debug, Clone)]
pub enum OddString {
    /// `"\u0000"` inside `prefix`: PostgreSQL cannot store NUL.
    Nul(String),
    /// A lone high surrogate escape: not decodable.
    LoneSurrogate,
    /// A valid surrogate pair (U+1F600).
    SurrogatePair,
    /// An unescaped control character: not JSON.
    RawControl,
    /// `count` copies of `unit`.
    Repeat {
        /// The repeated text.
        unit: char,
        /// How many copies (bounded by the body limit in practice).
        count: u16,
    },
}

impl Json {
    /// The JSON text of this value.
    pub fn text(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    /// Appends the JSON text of this value to `out`.
    pub fn write(&self, out: &mut String) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Json::Float(f) => out.push_str(&serde_json::to_string(f).unwrap_or_default()),
            Json::Number(literal) => out.push_str(literal.text()),
            Json::Str(s) => write_str(out, s),
            Json::Odd(odd) => odd.write(out),
            Json::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write(out);
                }
                out.push(']');
            }
            Json::Object(members) => {
                out.push('{');
                for (i, (name, value)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_str(out, name);
                    out.push(':');
                    value.write(out);
                }
                out.push('}');
            }
            Json::Deep { depth, objects } => {
                let (open, close) = if *objects {
                    ("{\"a\":", "}")
                } else {
                    ("[", "]")
                };
                let depth = usize::from(*depth);
                out.push_str(&open.repeat(depth));
                out.push_str("null");
                out.push_str(&close.repeat(depth));
            }
        }
    }
}

impl OddString {
    fn write(&self, out: &mut String) {
        match self {
            OddString::Nul(prefix) => {
                let mut text = prefix.clone();
                text.push('\0');
                write_str(out, &text);
            }
            OddString::LoneSurrogate => out.push_str("\"a\\ud800b\""),
            OddString::SurrogatePair => out.push_str("\"\\ud83d\\ude00\""),
            OddString::RawControl => out.push_str("\"a\nb\""),
            OddString::Repeat { unit, count } => {
                let text: String = std::iter::repeat_n(*unit, usize::from(*count)).collect();
                write_str(out, &text);
            }
        }
    }
}

/// Appends `s` as a JSON string literal.
pub fn write_str(out: &mut String, s: &str) {
    out.push_str(&serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into()));
}
