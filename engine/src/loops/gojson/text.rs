//! Reading and quoting JSON and Go text: splitting compact JSON at its top
//! level, Go's lenient string decoding (`unquote`), and `strconv`-style
//! quoting for messages.

/// The top-level pieces of a compact JSON array (`[a,b]` → `a`, `b`) or
/// object (`{"k":v}` → `"k":v`), split at depth-1 commas.
pub(crate) fn split_top(compact: &str) -> Vec<&str> {
    let Some(inner) = compact.get(1..compact.len().saturating_sub(1)) else {
        return Vec::new();
    };
    let mut parts = Vec::new();
    let (mut depth, mut in_string, mut escaped, mut start) = (0usize, false, false, 0);
    for (i, c) in inner.bytes().enumerate() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            b'"' => in_string = true,
            b'[' | b'{' => depth += 1,
            b']' | b'}' => depth = depth.saturating_sub(1),
            b',' if depth == 0 => {
                parts.extend(inner.get(start..i));
                start = i + 1;
            }
            _ => {}
        }
    }
    if !inner.is_empty() {
        parts.extend(inner.get(start..));
    }
    parts
}

/// Split a compact object member `"key":value` into the raw key literal and
/// the raw value.
pub(crate) fn split_member(member: &str) -> Option<(&str, &str)> {
    let end = string_end(member)?;
    let key = member.get(..end)?;
    let value = member.get(end..)?.strip_prefix(':')?;
    Some((key, value))
}

/// The byte length of the JSON string literal at the start of `s`.
pub(crate) fn string_end(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    if bytes.first() != Some(&b'"') {
        return None;
    }
    let mut escaped = false;
    for (i, &c) in bytes.iter().enumerate().skip(1) {
        match c {
            _ if escaped => escaped = false,
            b'\\' => escaped = true,
            b'"' => return Some(i + 1),
            _ => {}
        }
    }
    None
}

/// Decode a JSON string literal (with its quotes) as Go does: lone or
/// mismatched surrogate escapes become U+FFFD instead of failing.
pub(crate) fn decode_string(literal: &str) -> String {
    let body = literal.strip_prefix('"').and_then(|s| s.strip_suffix('"')).unwrap_or(literal);
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('u') => {
                let Some(first) = hex4(&mut chars) else {
                    out.push('\u{fffd}');
                    continue;
                };
                if (0xd800..0xdc00).contains(&first) {
                    // A high surrogate pairs only with a directly following
                    // `\u` low surrogate; otherwise it is U+FFFD and the next
                    // escape stands on its own.
                    let mut ahead = chars.clone();
                    if ahead.next() == Some('\\')
                        && ahead.next() == Some('u')
                        && let Some(second) = hex4(&mut ahead)
                        && (0xdc00..0xe000).contains(&second)
                    {
                        let code = 0x10000 + ((first - 0xd800) << 10) + (second - 0xdc00);
                        out.push(char::from_u32(code).unwrap_or('\u{fffd}'));
                        chars = ahead;
                        continue;
                    }
                    out.push('\u{fffd}');
                } else {
                    out.push(char::from_u32(first).unwrap_or('\u{fffd}'));
                }
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

fn hex4(chars: &mut impl Iterator<Item = char>) -> Option<u32> {
    let mut value = 0;
    for _ in 0..4 {
        value = value * 16 + chars.next()?.to_digit(16)?;
    }
    Some(value)
}

/// Go's `strconv.Quote`, close enough for error messages: printable text as
/// is, the usual escapes, other control characters as `\x..`/`\u....`.
pub(crate) fn go_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c => push_escaped_char(&mut out, c, false),
        }
    }
    out.push('"');
    out
}

/// One rune as `strconv` quotes it (without the quote characters); with
/// `ascii`, everything outside ASCII is escaped (`QuoteRuneToASCII`).
pub(crate) fn push_escaped_char(out: &mut String, c: char, ascii: bool) {
    let code = u32::from(c);
    if is_print(c) && (!ascii || code < 0x80) {
        out.push(c);
        return;
    }
    match c {
        '\u{7}' => out.push_str("\\a"),
        '\u{8}' => out.push_str("\\b"),
        '\u{c}' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{b}' => out.push_str("\\v"),
        _ if code < 0x20 || code == 0x7f => out.push_str(&format!("\\x{code:02x}")),
        _ if code < 0x10000 => out.push_str(&format!("\\u{code:04x}")),
        _ => out.push_str(&format!("\\U{code:08x}")),
    }
}

/// An approximation of Go's `strconv.IsPrint` (letters, marks, numbers,
/// punctuation, symbols and the ASCII space): control, format, separator,
/// private-use and noncharacter code points are not printable.
pub(crate) fn is_print(c: char) -> bool {
    let code = u32::from(c);
    if c == ' ' {
        return true;
    }
    !(c.is_control()
        || c.is_whitespace()
        || matches!(
            code,
            0xad | 0x600..=0x605
                | 0x61c
                | 0x6dd
                | 0x70f
                | 0x180e
                | 0x200b..=0x200f
                | 0x202a..=0x202e
                | 0x2060..=0x206f
                | 0xd800..=0xdfff
                | 0xe000..=0xf8ff
                | 0xfdd0..=0xfdef
                | 0xfeff
                | 0xfff9..=0xfffb
                | 0xfffe..=0xffff
                | 0xf0000..
        ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitting() {
        assert_eq!(
            split_top("[1,\"a,b\",[2,3],{\"k\":4}]"),
            ["1", "\"a,b\"", "[2,3]", "{\"k\":4}"]
        );
        assert!(split_top("[]").is_empty());
        assert_eq!(split_member("\"a\\\":\":[1]"), Some(("\"a\\\":\"", "[1]")));
    }

    #[test]
    fn string_decoding_is_lenient_like_go() {
        assert_eq!(decode_string("\"a\\nb\\u00e9\\ud83d\\ude00\""), "a\nbé😀");
        assert_eq!(decode_string("\"\\ud800x\""), "\u{fffd}x");
        assert_eq!(decode_string("\"\\udc00\""), "\u{fffd}");
        assert_eq!(decode_string("\"\\ud800\\u0041\""), "\u{fffd}A");
    }

    #[test]
    fn quoting() {
        assert_eq!(go_quote("a\"b\\c\n\u{1}"), r#""a\"b\\c\n\x01""#);
        assert_eq!(go_quote("é"), "\"é\"");
    }
}
