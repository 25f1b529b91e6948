//! Go's JSON scanner (encoding/json/scanner.go): `checkValid` with its
//! exact `SyntaxError` messages, and `appendCompact` with HTML escaping.
//! Iterative; Go's nesting limit (10000) applies.

use crate::golang::strconv::quote;

/// Go's `maxNestingDepth`.
const MAX_DEPTH: usize = 10_000;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Parse {
    ObjectKey,
    ObjectValue,
    ArrayValue,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Literal {
    True,
    False,
    Null,
}

impl Literal {
    fn word(self) -> &'static [u8] {
        match self {
            Literal::True => b"true",
            Literal::False => b"false",
            Literal::Null => b"null",
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    BeginValueOrEmpty,
    BeginValue,
    BeginStringOrEmpty,
    BeginString,
    EndValue,
    EndTop,
    InString,
    InStringEsc,
    /// Inside `\uXXXX`, with this many hex digits read.
    InStringEscU(u8),
    Neg,
    One,
    Zero,
    Dot,
    Dot0,
    E,
    ESign,
    E0,
    /// Inside a literal, at this byte of its word.
    Lit(Literal, usize),
}

/// A port of Go's JSON scanner state machine. `step` returns whether the
/// byte belongs to the compact form (false: insignificant whitespace).
struct Scanner {
    state: State,
    stack: Vec<Parse>,
    end_top: bool,
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

/// Go's `quoteChar`: the byte as a rune (Latin-1), `strconv.Quote`d
/// between single quotes; `'` and `"` as themselves.
fn quote_char(c: u8) -> String {
    match c {
        b'\'' => r"'\''".to_string(),
        b'"' => "'\"'".to_string(),
        c => {
            let quoted = quote(&char::from(c).to_string());
            format!("'{}'", &quoted[1..quoted.len() - 1])
        }
    }
}

fn syntax(c: u8, context: &str) -> String {
    format!("invalid character {} {context}", quote_char(c))
}

impl Scanner {
    fn new() -> Self {
        Scanner { state: State::BeginValue, stack: Vec::new(), end_top: false }
    }

    fn step(&mut self, c: u8) -> Result<bool, String> {
        use State::*;
        match self.state {
            BeginValueOrEmpty => {
                if is_space(c) {
                    Ok(false)
                } else if c == b']' {
                    self.end_value(c)
                } else {
                    self.begin_value(c)
                }
            }
            BeginValue => self.begin_value(c),
            BeginStringOrEmpty => {
                if is_space(c) {
                    return Ok(false);
                }
                if c == b'}' {
                    if let Some(top) = self.stack.last_mut() {
                        *top = Parse::ObjectValue;
                    }
                    return self.end_value(c);
                }
                self.begin_string(c)
            }
            BeginString => self.begin_string(c),
            EndValue => self.end_value(c),
            EndTop => self.end_top(c),
            InString => {
                match c {
                    b'"' => self.state = EndValue,
                    b'\\' => self.state = InStringEsc,
                    c if c < 0x20 => return Err(syntax(c, "in string literal")),
                    _ => {}
                }
                Ok(true)
            }
            InStringEsc => match c {
                b'b' | b'f' | b'n' | b'r' | b't' | b'\\' | b'/' | b'"' => {
                    self.state = InString;
                    Ok(true)
                }
                b'u' => {
                    self.state = InStringEscU(0);
                    Ok(true)
                }
                _ => Err(syntax(c, "in string escape code")),
            },
            InStringEscU(n) => {
                if !c.is_ascii_hexdigit() {
                    return Err(syntax(c, "in \\u hexadecimal character escape"));
                }
                self.state = if n >= 3 { InString } else { InStringEscU(n + 1) };
                Ok(true)
            }
            Neg => match c {
                b'0' => {
                    self.state = Zero;
                    Ok(true)
                }
                b'1'..=b'9' => {
                    self.state = One;
                    Ok(true)
                }
                _ => Err(syntax(c, "in numeric literal")),
            },
            One => {
                if c.is_ascii_digit() {
                    Ok(true)
                } else {
                    self.zero(c)
                }
            }
            Zero => self.zero(c),
            Dot => {
                if c.is_ascii_digit() {
                    self.state = Dot0;
                    Ok(true)
                } else {
                    Err(syntax(c, "after decimal point in numeric literal"))
                }
            }
            Dot0 => {
                if c.is_ascii_digit() {
                    Ok(true)
                } else if c == b'e' || c == b'E' {
                    self.state = E;
                    Ok(true)
                } else {
                    self.end_value(c)
                }
            }
            E => {
                if c == b'+' || c == b'-' {
                    self.state = ESign;
                    Ok(true)
                } else {
                    self.e_sign(c)
                }
            }
            ESign => self.e_sign(c),
            E0 => {
                if c.is_ascii_digit() {
                    Ok(true)
                } else {
                    self.end_value(c)
                }
            }
            Lit(lit, i) => {
                let word = lit.word();
                let expected = word.get(i).copied().unwrap_or(b' ');
                if c != expected {
                    let name = String::from_utf8_lossy(word);
                    let context = format!("in literal {name} (expecting {})", quote_char(expected));
                    return Err(syntax(c, &context));
                }
                self.state = if i + 1 >= word.len() { EndValue } else { Lit(lit, i + 1) };
                Ok(true)
            }
        }
    }

    fn begin_value(&mut self, c: u8) -> Result<bool, String> {
        use State::*;
        self.state = match c {
            c if is_space(c) => return Ok(false),
            b'{' => {
                self.state = BeginStringOrEmpty;
                return self.push(c, Parse::ObjectKey);
            }
            b'[' => {
                self.state = BeginValueOrEmpty;
                return self.push(c, Parse::ArrayValue);
            }
            b'"' => InString,
            b'-' => Neg,
            b'0' => Zero,
            b't' => Lit(Literal::True, 1),
            b'f' => Lit(Literal::False, 1),
            b'n' => Lit(Literal::Null, 1),
            b'1'..=b'9' => One,
            _ => return Err(syntax(c, "looking for beginning of value")),
        };
        Ok(true)
    }

    fn begin_string(&mut self, c: u8) -> Result<bool, String> {
        if is_space(c) {
            return Ok(false);
        }
        if c == b'"' {
            self.state = State::InString;
            return Ok(true);
        }
        Err(syntax(c, "looking for beginning of object key string"))
    }

    fn push(&mut self, c: u8, p: Parse) -> Result<bool, String> {
        self.stack.push(p);
        if self.stack.len() <= MAX_DEPTH { Ok(true) } else { Err(syntax(c, "exceeded max depth")) }
    }

    fn pop(&mut self) {
        self.stack.pop();
        if self.stack.is_empty() {
            self.state = State::EndTop;
            self.end_top = true;
        } else {
            self.state = State::EndValue;
        }
    }

    fn zero(&mut self, c: u8) -> Result<bool, String> {
        match c {
            b'.' => {
                self.state = State::Dot;
                Ok(true)
            }
            b'e' | b'E' => {
                self.state = State::E;
                Ok(true)
            }
            _ => self.end_value(c),
        }
    }

    fn e_sign(&mut self, c: u8) -> Result<bool, String> {
        if c.is_ascii_digit() {
            self.state = State::E0;
            Ok(true)
        } else {
            Err(syntax(c, "in exponent of numeric literal"))
        }
    }

    fn end_value(&mut self, c: u8) -> Result<bool, String> {
        let Some(&top) = self.stack.last() else {
            self.state = State::EndTop;
            self.end_top = true;
            return self.end_top(c);
        };
        if is_space(c) {
            self.state = State::EndValue;
            return Ok(false);
        }
        match (top, c) {
            (Parse::ObjectKey, b':') => {
                self.set_top(Parse::ObjectValue);
                self.state = State::BeginValue;
                Ok(true)
            }
            (Parse::ObjectKey, _) => Err(syntax(c, "after object key")),
            (Parse::ObjectValue, b',') => {
                self.set_top(Parse::ObjectKey);
                self.state = State::BeginString;
                Ok(true)
            }
            (Parse::ObjectValue, b'}') | (Parse::ArrayValue, b']') => {
                self.pop();
                Ok(true)
            }
            (Parse::ObjectValue, _) => Err(syntax(c, "after object key:value pair")),
            (Parse::ArrayValue, b',') => {
                self.state = State::BeginValue;
                Ok(true)
            }
            (Parse::ArrayValue, _) => Err(syntax(c, "after array element")),
        }
    }

    fn set_top(&mut self, p: Parse) {
        if let Some(top) = self.stack.last_mut() {
            *top = p;
        }
    }

    fn end_top(&mut self, c: u8) -> Result<bool, String> {
        if is_space(c) { Ok(false) } else { Err(syntax(c, "after top-level value")) }
    }

    /// Go's `scanner.eof`: feeding a space finishes a pending number.
    fn eof(&mut self) -> Result<(), String> {
        if self.end_top {
            return Ok(());
        }
        self.step(b' ')?;
        if self.end_top { Ok(()) } else { Err("unexpected end of JSON input".to_string()) }
    }
}

/// Go's `checkValid`: `Ok` when `json.Unmarshal` would accept the text's
/// syntax, else the `SyntaxError` message Go gives.
pub fn check_valid(text: &str) -> Result<(), String> {
    let mut scanner = Scanner::new();
    for &c in text.as_bytes() {
        scanner.step(c)?;
    }
    scanner.eof()
}

/// `json.Compact` followed by `json.Marshal`'s HTML escaping: the form in
/// which Go writes a `json.RawMessage` (Argo's `Item`). Errors as
/// [`check_valid`].
pub fn compact(text: &str) -> Result<String, String> {
    let mut scanner = Scanner::new();
    let mut kept = Vec::with_capacity(text.len());
    for &c in text.as_bytes() {
        if scanner.step(c)? {
            kept.push(c);
        }
    }
    scanner.eof()?;
    // Only ASCII whitespace was dropped, so the bytes are still UTF-8.
    let kept = String::from_utf8_lossy(&kept);
    Ok(escape_html(&kept))
}

/// `<`, `>`, `&`, U+2028 and U+2029 as `\u003c`…, as Go's encoder writes
/// them (in valid JSON they only occur inside strings).
fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        check_valid(text).expect_err(text)
    }

    #[test]
    fn go_syntax_error_messages() {
        assert_eq!(err("nope"), "invalid character 'o' in literal null (expecting 'u')");
        assert_eq!(err("hello"), "invalid character 'h' looking for beginning of value");
        assert_eq!(err(""), "unexpected end of JSON input");
        assert_eq!(err("   "), "unexpected end of JSON input");
        assert_eq!(err("[1,"), "unexpected end of JSON input");
        assert_eq!(err("\"abc"), "unexpected end of JSON input");
        assert_eq!(err("tru"), "invalid character ' ' in literal true (expecting 'e')");
        assert_eq!(err("1."), "invalid character ' ' after decimal point in numeric literal");
        assert_eq!(err("-"), "invalid character ' ' in numeric literal");
        assert_eq!(err("1 2"), "invalid character '2' after top-level value");
        assert_eq!(err("[1 2]"), "invalid character '2' after array element");
        assert_eq!(err("{\"a\" 1}"), "invalid character '1' after object key");
        assert_eq!(err("{\"a\":1 \"b\"}"), "invalid character '\"' after object key:value pair");
        assert_eq!(
            err("{1:2}"),
            "invalid character '1' looking for beginning of object key string"
        );
        assert_eq!(err("[1,]"), "invalid character ']' looking for beginning of value");
        assert_eq!(err("\"a\tb\""), "invalid character '\\t' in string literal");
        assert_eq!(err("\"\\x\""), "invalid character 'x' in string escape code");
        assert_eq!(err("\"\\u12g4\""), "invalid character 'g' in \\u hexadecimal character escape");
        assert_eq!(err("1e"), "invalid character ' ' in exponent of numeric literal");
        assert_eq!(err("01"), "invalid character '1' after top-level value");
        assert_eq!(err("'a'"), "invalid character '\\'' looking for beginning of value");
        assert_eq!(err("é"), "invalid character 'Ã' looking for beginning of value");
        assert_eq!(err("\u{1}"), "invalid character '\\x01' looking for beginning of value");
        let deep = "[".repeat(MAX_DEPTH + 1);
        assert_eq!(err(&deep), "invalid character '[' exceeded max depth");
        assert!(
            check_valid(&format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH))).is_ok()
        );
    }

    #[test]
    fn bytes_quoted_as_latin1_runes() {
        for (c, want) in [
            (b'a', "'a'"),
            (b'\\', r"'\\'"),
            (0x7f, r"'\x7f'"),
            (0x80, r"'\u0080'"),
            (0xa0, r"'\u00a0'"),
            (0xad, r"'\u00ad'"),
            (0xff, "'ÿ'"),
        ] {
            assert_eq!(quote_char(c), want, "{c:#x}");
        }
    }

    #[test]
    fn valid_documents() {
        for ok in
            ["0", "-0.5e+10", " [ ] ", "{}", "{\"a\":[1,{\"b\":null}]}", "\"\\u00e9\\/\"", "true"]
        {
            assert_eq!(check_valid(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn compaction_keeps_raw_text() {
        assert_eq!(compact(" { \"a\" : [ 1.50 , \"x y\" ] } ").unwrap(), "{\"a\":[1.50,\"x y\"]}");
        assert_eq!(compact("\"<a&b>\"").unwrap(), "\"\\u003ca\\u0026b\\u003e\"");
        assert_eq!(compact("\"\\u00e9\u{2028}\"").unwrap(), "\"\\u00e9\\u2028\"");
    }
}
