//! A small tokenizer for expr-lang source, mirroring the lexical rules of
//! expr-lang's pest grammar (`expr.pest`).
//!
//! It exists so that we can look at an expression *before* pest does: the
//! guards (nesting, depth, range sizes), the `sprig.x(` rewrite and
//! [`references`](super::references) all work on these tokens. It never fails:
//! anything it does not recognise becomes a [`Kind::Unknown`] token and is left
//! for pest to reject with its own error.

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `name`, `$env`, `_x` (ASCII letters, digits, `_`; may start with `$`).
    Ident,
    /// `#`, `#acc`, `#index`: closure variables.
    Hash,
    /// Integer literal (decimal, `0x`, `0o`, `0b`, `_` separators).
    Int,
    /// Float literal (`1.5`, `.5`, `1e3`).
    Float,
    /// `"…"` or `'…'` (escapes allowed, no raw newline).
    Str,
    /// `` `…` `` (no escapes, newlines allowed).
    RawStr,
    /// `b"…"` / `b'…'`.
    Bytes,
    /// Operators and punctuation, see [`Token::text`].
    Punct,
    /// A string or comment that runs to the end of the source.
    Unterminated,
    /// A character the grammar does not know.
    Unknown,
}

/// One token: its kind and the byte range it covers in the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Token {
    pub kind: Kind,
    pub start: usize,
    pub end: usize,
}

impl Token {
    /// The token's text in `src`.
    pub fn text<'s>(&self, src: &'s str) -> &'s str {
        src.get(self.start..self.end).unwrap_or("")
    }

    /// Whether this is the punctuation `p`.
    pub fn is(&self, src: &str, p: &str) -> bool {
        self.kind == Kind::Punct && self.text(src) == p
    }

    /// Whether this is the identifier `name` (a keyword such as `in`).
    pub fn is_word(&self, src: &str, name: &str) -> bool {
        self.kind == Kind::Ident && self.text(src) == name
    }
}

/// Punctuation, longest first so that `??` wins over `?`.
const PUNCT: &[&str] = &[
    "?.", "??", "..", "**", "==", "!=", "<=", ">=", "&&", "||", "(", ")", "[", "]", "{", "}", ",",
    ":", ";", "?", ".", "+", "-", "*", "/", "%", "^", "<", ">", "!", "=", "|",
];

/// Split `src` into tokens, skipping whitespace and comments.
pub(crate) fn tokenize(src: &str) -> Vec<Token> {
    let bytes = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        // The grammar's WHITESPACE is exactly these four characters.
        if matches!(c, b' ' | b'\t' | b'\r' | b'\n') {
            i += 1;
            continue;
        }
        if c == b'/' && bytes.get(i + 1) == Some(&b'/') {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        if c == b'/' && bytes.get(i + 1) == Some(&b'*') {
            match find(bytes, i + 2, b"*/") {
                Some(end) => i = end + 2,
                None => {
                    out.push(Token { kind: Kind::Unterminated, start, end: bytes.len() });
                    break;
                }
            }
            continue;
        }
        let (kind, end) =
            if (c == b'b' || c == b'B') && matches!(bytes.get(i + 1), Some(b'"' | b'\'')) {
                let (kind, end) = quoted(bytes, i + 1);
                (if kind == Kind::Str { Kind::Bytes } else { kind }, end)
            } else if c == b'"' || c == b'\'' {
                quoted(bytes, i)
            } else if c == b'`' {
                match bytes[i + 1..].iter().position(|&b| b == b'`') {
                    Some(p) => (Kind::RawStr, i + 1 + p + 1),
                    None => (Kind::Unterminated, bytes.len()),
                }
            } else if c.is_ascii_digit()
                || (c == b'.' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit))
            {
                number(bytes, i)
            } else if c == b'#' {
                (Kind::Hash, ident_tail(bytes, i + 1))
            } else if c.is_ascii_alphabetic() || c == b'_' || c == b'$' {
                (Kind::Ident, ident_tail(bytes, i + 1))
            } else if let Some(p) = PUNCT.iter().find(|p| bytes[i..].starts_with(p.as_bytes())) {
                // `a ?.5 : 1` is a ternary in the grammar (the ternary is tried
                // before `?.`), so `?.` directly followed by a digit is `?`.
                if *p == "?." && bytes.get(i + 2).is_some_and(u8::is_ascii_digit) {
                    (Kind::Punct, i + 1)
                } else {
                    (Kind::Punct, i + p.len())
                }
            } else {
                // One whole UTF-8 character, so that slicing stays on boundaries.
                let width = src[i..].chars().next().map_or(1, char::len_utf8);
                (Kind::Unknown, i + width)
            };
        out.push(Token { kind, start, end });
        i = end;
    }
    out
}

fn find(hay: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    hay.get(from..)?.windows(needle.len()).position(|w| w == needle).map(|p| from + p)
}

fn ident_tail(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
        i += 1;
    }
    i
}

/// A `"`/`'` string starting at `i` (the quote). Raw newlines end it as
/// unterminated, as the grammar forbids them.
fn quoted(bytes: &[u8], i: usize) -> (Kind, usize) {
    let quote = bytes[i];
    let mut j = i + 1;
    while j < bytes.len() {
        match bytes[j] {
            b'\\' => j += 2,
            b'\n' | b'\r' => return (Kind::Unterminated, j),
            b if b == quote => return (Kind::Str, j + 1),
            _ => j += 1,
        }
    }
    (Kind::Unterminated, bytes.len())
}

/// A number starting at `i`: the grammar's `int` and `decimal` rules.
fn number(bytes: &[u8], i: usize) -> (Kind, usize) {
    let digits = |mut j: usize, ok: fn(&u8) -> bool| {
        while j < bytes.len() && (ok(&bytes[j]) || bytes[j] == b'_') {
            j += 1;
        }
        j
    };
    if bytes[i] == b'0' {
        let radix: Option<fn(&u8) -> bool> = match bytes.get(i + 1) {
            Some(b'x' | b'X') => Some(u8::is_ascii_hexdigit),
            Some(b'o' | b'O') => Some(|b| (b'0'..=b'7').contains(b)),
            Some(b'b' | b'B') => Some(|b| *b == b'0' || *b == b'1'),
            _ => None,
        };
        if let Some(ok) = radix {
            return (Kind::Int, digits(i + 2, ok));
        }
    }
    let mut j = digits(i, u8::is_ascii_digit);
    let mut kind = Kind::Int;
    // `1..5` is a range, not `1.` followed by `.5`.
    if bytes.get(j) == Some(&b'.') && bytes.get(j + 1) != Some(&b'.') {
        kind = Kind::Float;
        j = digits(j + 1, u8::is_ascii_digit);
    }
    if matches!(bytes.get(j), Some(b'e' | b'E')) {
        let mut k = j + 1;
        if matches!(bytes.get(k), Some(b'+' | b'-')) {
            k += 1;
        }
        if bytes.get(k).is_some_and(u8::is_ascii_digit) {
            kind = Kind::Float;
            j = digits(k, u8::is_ascii_digit);
        }
    }
    (kind, j)
}

/// The value of a `"…"`/`'…'` literal as Go's expr reads it: the escapes
/// the grammar allows (`\'`, `\"`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r`,
/// `\t`, `\uXXXX`) decoded. `None` for an escape the grammar rejects.
///
/// expr-lang 2.1 itself decodes only some of them, and in an order that
/// turns `\\n` into a newline; `syntax` therefore hands it such literals
/// already decoded (as raw strings), so that this is what they mean.
pub(crate) fn string_value(token_text: &str) -> Option<String> {
    let inner = token_text.get(1..token_text.len().saturating_sub(1)).unwrap_or("");
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            c @ ('\'' | '"' | '\\' | '/') => out.push(c),
            'b' => out.push('\u{8}'),
            'f' => out.push('\u{c}'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'u' => {
                let hex: String = chars.by_ref().take(4).collect();
                let code = u32::from_str_radix(&hex, 16).ok().filter(|_| hex.len() == 4)?;
                out.push(char::from_u32(code).unwrap_or('\u{fffd}'));
            }
            _ => return None,
        }
    }
    Some(out)
}

/// The value of an integer literal, as expr-lang parses it.
pub(crate) fn int_value(text: &str) -> Option<i64> {
    let clean = text.replace('_', "");
    let (digits, radix) = match clean.as_bytes() {
        [b'0', b'x' | b'X', ..] => (&clean[2..], 16),
        [b'0', b'o' | b'O', ..] => (&clean[2..], 8),
        [b'0', b'b' | b'B', ..] => (&clean[2..], 2),
        _ => (clean.as_str(), 10),
    };
    i64::from_str_radix(digits, radix).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<(Kind, &str)> {
        tokenize(src).iter().map(|t| (t.kind, t.text(src))).collect()
    }

    #[test]
    fn splits_operators_longest_first() {
        assert_eq!(
            kinds("a?.b ?? c..d ** 2"),
            vec![
                (Kind::Ident, "a"),
                (Kind::Punct, "?."),
                (Kind::Ident, "b"),
                (Kind::Punct, "??"),
                (Kind::Ident, "c"),
                (Kind::Punct, ".."),
                (Kind::Ident, "d"),
                (Kind::Punct, "**"),
                (Kind::Int, "2"),
            ]
        );
    }

    #[test]
    fn numbers_ranges_and_decimals() {
        assert_eq!(
            kinds("1..5 1.5 .5 1e3 0x1F 1_000"),
            vec![
                (Kind::Int, "1"),
                (Kind::Punct, ".."),
                (Kind::Int, "5"),
                (Kind::Float, "1.5"),
                (Kind::Float, ".5"),
                (Kind::Float, "1e3"),
                (Kind::Int, "0x1F"),
                (Kind::Int, "1_000"),
            ]
        );
        assert_eq!(int_value("0x1F"), Some(31));
        assert_eq!(int_value("1_000"), Some(1000));
        assert_eq!(int_value("99999999999999999999"), None);
    }

    #[test]
    fn strings_comments_and_closure_vars() {
        assert_eq!(
            kinds(r#"'a\'b' "x" `r` b"y" #acc // c"#),
            vec![
                (Kind::Str, r"'a\'b'"),
                (Kind::Str, "\"x\""),
                (Kind::RawStr, "`r`"),
                (Kind::Bytes, "b\"y\""),
                (Kind::Hash, "#acc"),
            ]
        );
        assert_eq!(kinds("/* x */ 1"), vec![(Kind::Int, "1")]);
        assert_eq!(kinds("'abc"), vec![(Kind::Unterminated, "'abc")]);
        assert_eq!(
            kinds("<% é"),
            vec![(Kind::Punct, "<"), (Kind::Punct, "%"), (Kind::Unknown, "é")]
        );
    }

    #[test]
    fn ternary_before_decimal() {
        assert_eq!(
            kinds("a ?.5 : 1"),
            vec![
                (Kind::Ident, "a"),
                (Kind::Punct, "?"),
                (Kind::Float, ".5"),
                (Kind::Punct, ":"),
                (Kind::Int, "1"),
            ]
        );
    }

    #[test]
    fn string_value_decodes_like_go() {
        assert_eq!(string_value(r"'my-param'").as_deref(), Some("my-param"));
        assert_eq!(string_value(r#""a\nb""#).as_deref(), Some("a\nb"));
        assert_eq!(string_value(r"'it\'s'").as_deref(), Some("it's"));
        assert_eq!(string_value(r"'a\\nb'").as_deref(), Some(r"a\nb"));
        assert_eq!(string_value(r"'\u00e9\/'").as_deref(), Some("é/"));
        assert_eq!(string_value(r"'\x41'"), None);
    }
}
