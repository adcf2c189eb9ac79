//! Java-regex patterns of the model, evaluated with the `regex` crate.
//!
//! The model's patterns are Java regular expressions applied with *find*
//! semantics (a value matches when the pattern matches anywhere in it, unless
//! the pattern itself is anchored with `^…$`). [`JavaPattern`] translates a
//! pattern to the `regex` crate's syntax so that it behaves like Java:
//!
//! * `\w \W \d \D \s \S` are ASCII-only in Java; they become the ASCII classes
//!   `[[:word:]]`, `[[:digit:]]`, `[[:space:]]` (and their negations). `\p{..}`
//!   classes stay Unicode.
//! * `.` does not match Java line terminators (`\n \r \u{85} \u{2028} \u{2029}`)
//!   unless `(?s)` is on.
//! * A `-` in a character class that cannot form a range (first, last, or after
//!   a range or class escape such as `[0-9-_]`) is a literal, as in Java.
//! * `\uHHHH` becomes `\u{HHHH}`; `\Q…\E` quotes literally.
//! * The `regex` crate has no look-around. The one form the model uses, a
//!   negative look-behind for a single character right before the final `$`
//!   (`…(?<!\.)$`: "must not end with `.`"), is removed from the regex and
//!   checked separately. Other look-arounds and back-references are rejected.
//! * `$` matches only at the very end (Java also accepts a final line
//!   terminator before it; this implementation is deliberately stricter).

use std::sync::OnceLock;

use regex::Regex;

use crate::generated::shapes::PATTERN_COUNT;
use crate::model::PatternSpec;

/// A compiled model pattern.
#[derive(Debug, Clone)]
pub struct JavaPattern {
    regex: Regex,
    /// Set for a trailing `(?<!c)$`: the value must not end with `c`.
    must_not_end_with: Option<char>,
}

impl JavaPattern {
    /// Translates and compiles a Java pattern.
    pub fn new(java: &str) -> Result<JavaPattern, String> {
        let (source, must_not_end_with) = translate(java)?;
        let regex = Regex::new(&source)
            .map_err(|e| format!("pattern {java:?} (translated to {source:?}): {e}"))?;
        Ok(JavaPattern {
            regex,
            must_not_end_with,
        })
    }

    /// Java `Matcher.find()`: true when the pattern matches somewhere in `value`.
    pub fn is_match(&self, value: &str) -> bool {
        self.regex.is_match(value) && !self.must_not_end_with.is_some_and(|c| value.ends_with(c))
    }

    /// The translated `regex`-crate pattern.
    pub fn regex(&self) -> &Regex {
        &self.regex
    }
}

/// The compiled pattern of a shape, compiled once on first use.
pub fn compiled(spec: PatternSpec) -> Result<&'static JavaPattern, String> {
    static CACHE: [OnceLock<Result<JavaPattern, String>>; PATTERN_COUNT] =
        [const { OnceLock::new() }; PATTERN_COUNT];
    let slot = CACHE
        .get(spec.id)
        .ok_or_else(|| format!("pattern id {} out of range", spec.id))?;
    slot.get_or_init(|| JavaPattern::new(spec.source))
        .as_ref()
        .map_err(Clone::clone)
}

const LINE_TERMINATORS: &str = r"\n\r\x{85}\x{2028}\x{2029}";

/// Translates a Java pattern; returns the `regex` source and the character a
/// trailing `(?<!c)$` forbids at the end.
pub fn translate(java: &str) -> Result<(String, Option<char>), String> {
    let (body, must_not_end_with) = split_trailing_lookbehind(java)?;
    let chars: Vec<char> = body.chars().collect();
    let mut out = String::with_capacity(body.len() + 16);
    let mut dotall = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => {
                let (piece, next) = escape(&chars, i, false)?;
                out.push_str(&piece.outside());
                i = next;
            }
            '[' => {
                let (class, next) = class(&chars, i)?;
                out.push_str(&class);
                i = next;
            }
            '.' => {
                if dotall {
                    out.push('.');
                } else {
                    out.push_str(&format!("[^{LINE_TERMINATORS}]"));
                }
                i += 1;
            }
            '(' if chars.get(i + 1) == Some(&'?') => {
                let rest: String = chars[i + 2..].iter().collect();
                if rest.starts_with('=')
                    || rest.starts_with('!')
                    || rest.starts_with("<=")
                    || rest.starts_with("<!")
                {
                    return Err(format!("look-around in {java:?} is not supported"));
                }
                if rest.starts_with('>') {
                    return Err(format!("atomic group in {java:?} is not supported"));
                }
                // Inline flags `(?flags)` or `(?flags:`: track `s` for `.`.
                let flags: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphabetic() || *c == '-')
                    .collect();
                if !flags.is_empty()
                    && matches!(rest[flags.len()..].chars().next(), Some(')') | Some(':'))
                {
                    let (on, off) = flags.split_once('-').unwrap_or((&flags, ""));
                    if on.contains('s') {
                        dotall = true;
                    }
                    if off.contains('s') {
                        dotall = false;
                    }
                }
                out.push_str("(?");
                i += 2;
            }
            '*' | '+' | '?' | '}' if matches!(chars.get(i + 1), Some('+')) => {
                return Err(format!(
                    "possessive quantifier in {java:?} is not supported"
                ));
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    Ok((out, must_not_end_with))
}

/// Splits `…(?<!c)$` into `…$` and `c`.
fn split_trailing_lookbehind(java: &str) -> Result<(String, Option<char>), String> {
    let Some(start) = java.rfind("(?<!") else {
        return Ok((java.to_owned(), None));
    };
    let inner_and_rest = &java[start + 4..];
    let Some(inner) = inner_and_rest.strip_suffix(")$") else {
        return Err(format!(
            "look-behind in {java:?} is only supported right before the final `$`"
        ));
    };
    let mut it = inner.chars();
    let c = match (it.next(), it.next(), it.next()) {
        (Some('\\'), Some(e), None) if !e.is_ascii_alphanumeric() => e,
        (Some(c), None, None) if !"\\[](){}.*+?^$|".contains(c) => c,
        _ => {
            return Err(format!(
                "look-behind in {java:?} must be a single character"
            ))
        }
    };
    Ok((format!("{}$", &java[..start]), Some(c)))
}

/// One translated escape sequence.
enum Piece {
    /// A single character, as `regex` syntax valid both inside and outside a class.
    Char(String),
    /// A class item usable inside `[...]` (e.g. `[:word:]`, `\p{L}`).
    ClassItem(String),
    /// Literal text from `\Q…\E`, already escaped for use outside a class.
    Quoted(Vec<char>),
    /// An assertion such as `\b` (outside classes only).
    Assertion(String),
}

impl Piece {
    fn outside(&self) -> String {
        match self {
            Piece::Char(s) | Piece::Assertion(s) => s.clone(),
            Piece::ClassItem(s) if s.starts_with("[:") => format!("[{s}]"),
            Piece::ClassItem(s) => s.clone(),
            Piece::Quoted(cs) => regex::escape(&cs.iter().collect::<String>()),
        }
    }
}

/// A literal character in `regex` syntax (valid inside and outside classes).
fn lit(c: char) -> String {
    if c.is_control() {
        format!("\\x{{{:x}}}", c as u32)
    } else {
        regex::escape(c.encode_utf8(&mut [0; 4]))
    }
}

/// Translates the escape starting at `chars[i] == '\\'`.
fn escape(chars: &[char], i: usize, in_class: bool) -> Result<(Piece, usize), String> {
    let Some(&e) = chars.get(i + 1) else {
        return Err("trailing backslash".to_owned());
    };
    let hex = |from: usize, n: usize| -> Result<u32, String> {
        let s: String = chars
            .get(from..from + n)
            .ok_or("truncated escape")?
            .iter()
            .collect();
        u32::from_str_radix(&s, 16).map_err(|_| format!("bad hex escape {s:?}"))
    };
    let ch = |v: u32| char::from_u32(v).ok_or_else(|| format!("invalid code point {v:#x}"));
    Ok(match e {
        'w' => (Piece::ClassItem("[:word:]".into()), i + 2),
        'W' => (Piece::ClassItem("[:^word:]".into()), i + 2),
        'd' => (Piece::ClassItem("[:digit:]".into()), i + 2),
        'D' => (Piece::ClassItem("[:^digit:]".into()), i + 2),
        's' => (Piece::ClassItem("[:space:]".into()), i + 2),
        'S' => (Piece::ClassItem("[:^space:]".into()), i + 2),
        'p' | 'P' => {
            if chars.get(i + 2) == Some(&'{') {
                let end = chars[i + 2..]
                    .iter()
                    .position(|&c| c == '}')
                    .ok_or("unterminated \\p{")?
                    + i
                    + 2;
                let name: String = chars[i + 3..end].iter().collect();
                // Java's `Is`/`In` prefixes and `java…` classes are not supported.
                if name.starts_with("java") || name.starts_with("In") {
                    return Err(format!("unsupported class \\{e}{{{name}}}"));
                }
                let name = name.strip_prefix("Is").unwrap_or(&name).to_owned();
                (Piece::ClassItem(format!("\\{e}{{{name}}}")), end + 1)
            } else {
                let name = chars.get(i + 2).ok_or("truncated \\p")?;
                (Piece::ClassItem(format!("\\{e}{name}")), i + 3)
            }
        }
        'x' => {
            if chars.get(i + 2) == Some(&'{') {
                let end = chars[i + 2..]
                    .iter()
                    .position(|&c| c == '}')
                    .ok_or("unterminated \\x{")?
                    + i
                    + 2;
                let s: String = chars[i + 3..end].iter().collect();
                let v = u32::from_str_radix(&s, 16).map_err(|_| format!("bad hex escape {s:?}"))?;
                (Piece::Char(lit(ch(v)?)), end + 1)
            } else {
                (Piece::Char(lit(ch(hex(i + 2, 2)?)?)), i + 4)
            }
        }
        'u' => (Piece::Char(lit(ch(hex(i + 2, 4)?)?)), i + 6),
        't' => (Piece::Char("\\t".into()), i + 2),
        'n' => (Piece::Char("\\n".into()), i + 2),
        'r' => (Piece::Char("\\r".into()), i + 2),
        'f' => (Piece::Char("\\f".into()), i + 2),
        'a' => (Piece::Char("\\x07".into()), i + 2),
        'e' => (Piece::Char("\\x1B".into()), i + 2),
        '0' => {
            let digits: String = chars[i + 2..]
                .iter()
                .take(3)
                .take_while(|c| ('0'..='7').contains(c))
                .collect();
            if digits.is_empty() {
                return Err("bad octal escape".into());
            }
            let v = u32::from_str_radix(&digits, 8).map_err(|_| "bad octal escape")?;
            (Piece::Char(lit(ch(v)?)), i + 2 + digits.len())
        }
        'Q' => {
            let rest = &chars[i + 2..];
            let end = rest.windows(2).position(|w| w == ['\\', 'E']);
            let quoted: Vec<char> = rest[..end.unwrap_or(rest.len())].to_vec();
            let next = i + 2 + end.map_or(rest.len(), |p| p + 2);
            (Piece::Quoted(quoted), next)
        }
        'b' | 'B' | 'A' | 'z' if !in_class => (Piece::Assertion(format!("\\{e}")), i + 2),
        c if c.is_ascii_alphanumeric() => return Err(format!("unsupported escape \\{c}")),
        c => (Piece::Char(lit(c)), i + 2),
    })
}

/// Class item kinds, for deciding whether a `-` forms a range.
enum Item {
    Single(String),
    Other(String),
    Dash,
}

/// Translates the character class starting at `chars[i] == '['`.
fn class(chars: &[char], start: usize) -> Result<(String, usize), String> {
    let mut i = start + 1;
    let mut out = String::from("[");
    if chars.get(i) == Some(&'^') {
        out.push('^');
        i += 1;
    }
    let mut items: Vec<Item> = Vec::new();
    loop {
        let Some(&c) = chars.get(i) else {
            return Err("unterminated character class".into());
        };
        match c {
            ']' => {
                i += 1;
                break;
            }
            '[' => {
                let (nested, next) = class(chars, i)?;
                items.push(Item::Other(nested));
                i = next;
            }
            '\\' => {
                let (piece, next) = escape(chars, i, true)?;
                match piece {
                    Piece::Char(s) => items.push(Item::Single(s)),
                    Piece::ClassItem(s) => items.push(Item::Other(s)),
                    Piece::Quoted(cs) => items.extend(cs.into_iter().map(|c| Item::Single(lit(c)))),
                    Piece::Assertion(s) => return Err(format!("{s} inside a class")),
                }
                i = next;
            }
            '&' if chars.get(i + 1) == Some(&'&') => {
                items.push(Item::Other("&&".into()));
                i += 2;
            }
            '-' => {
                items.push(Item::Dash);
                i += 1;
            }
            c => {
                items.push(Item::Single(lit(c)));
                i += 1;
            }
        }
    }
    // A dash is a range operator only between two single characters, and
    // only when the left one does not already end a range (Java reads
    // `[0-9-_]` as `0-9`, `-`, `_`).
    let mut k = 0;
    while k < items.len() {
        match &items[k] {
            Item::Single(lo) => {
                out.push_str(lo);
                if let (Some(Item::Dash), Some(Item::Single(hi))) =
                    (items.get(k + 1), items.get(k + 2))
                {
                    out.push('-');
                    out.push_str(hi);
                    k += 3;
                    continue;
                }
            }
            Item::Other(s) => out.push_str(s),
            Item::Dash => out.push_str("\\-"),
        }
        k += 1;
    }
    out.push(']');
    Ok((out, i))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, v: &str) -> bool {
        JavaPattern::new(p).unwrap().is_match(v)
    }

    #[test]
    fn find_semantics_and_ascii_classes() {
        let pool = r"[\w-]+_[0-9a-zA-Z]+";
        assert!(m(pool, "us-east-1_AbC123"));
        assert!(!m(pool, "nounderscore"));
        assert!(!m(pool, "bad"));
        // Unanchored: a match anywhere is enough.
        assert!(m(r"[\S]+", "a b"));
        assert!(!m(r"[\S]+", "   "));
        assert!(!m(r"[\S]+", ""));
        // Java's \w is ASCII-only.
        assert!(!m(r"^[\w]+$", "é"));
        assert!(m(r"^[\w]+$", "abc_09"));
        // \s is ASCII-only too: U+00A0 is not whitespace for Java, so it is \S.
        assert!(m(r"[\S]+", "\u{a0}"));
        // \p{..} stays Unicode.
        let name = r"[\p{L}\p{M}\p{S}\p{N}\p{P}]+";
        assert!(m(name, "jürgen"));
        assert!(!m(name, "   "));
    }

    #[test]
    fn dashes_in_classes() {
        let p = r"[A-Za-z0-9-_=.]+";
        let (src, _) = translate(p).unwrap();
        assert_eq!(src, r"[A-Za-z0-9\-_=\.]+");
        assert!(m(&format!("^{p}$"), "a-b_c=.d"));
        assert!(!m(&format!("^{p}$"), "a b"));
        assert!(m(r"^[\w\- ]+$", "a- b"));
        assert!(m(r"^[\x21\x23-\x5B\x5D-\x7E]+$", "abc#[]"));
        assert!(!m(r"^[\x21\x23-\x5B\x5D-\x7E]+$", "a\"b"));
        assert!(!m(r"^[\x21\x23-\x5B\x5D-\x7E]+$", "a\\b"));
    }

    #[test]
    fn trailing_lookbehind() {
        let p = r"^[0-9A-Za-z\.\-_]*(?<!\.)$";
        assert!(m(p, "abc.def"));
        assert!(m(p, ""));
        assert!(!m(p, "abc."));
        assert!(!m(p, "a b"));
        assert!(JavaPattern::new(r"(?<!a)b").is_err());
        assert!(JavaPattern::new(r"a(?=b)").is_err());
    }

    #[test]
    fn dot_excludes_line_terminators() {
        assert!(m(r"^.*\{####\}.*$", "Code {####}"));
        assert!(!m(r"^a.b$", "a\rb"));
        assert!(m(r"(?s)^a.b$", "a\rb"));
    }
}
