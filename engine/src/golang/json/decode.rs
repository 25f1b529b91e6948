//! Reading JSON text back as Go does (encoding/json/decode.go): string
//! literals unescaped leniently, and the `interface{}` round trip
//! (`json.Unmarshal` into `interface{}`, then `json.Marshal`).

use std::collections::BTreeMap;

use super::encode::{format_float, write_string};
use super::scan::compact;

/// The byte length of the JSON string literal at the start of `s`.
pub fn string_end(s: &str) -> Option<usize> {
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
pub fn decode_string(literal: &str) -> String {
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

/// An object or array being rebuilt by [`reencode`].
enum Frame {
    Array(Vec<String>),
    Object(BTreeMap<String, String>, Option<String>),
}

/// `json.Unmarshal` into `interface{}` then `json.Marshal`, for a value that
/// must be an object or an array (Argo's `tryJSONUnmarshal`): keys sorted
/// (the last duplicate wins), numbers through float64, strings re-escaped.
/// `None` when Go would fail or the value is not an object or array.
pub fn reencode_container(text: &str) -> Option<String> {
    let compact = compact(text).ok()?;
    if !(compact.starts_with('{') || compact.starts_with('[')) {
        return None;
    }
    let bytes = compact.as_bytes();
    let mut stack: Vec<Frame> = Vec::new();
    let mut result = None;
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let value = match c {
            b'{' => {
                stack.push(Frame::Object(BTreeMap::new(), None));
                i += 1;
                continue;
            }
            b'[' => {
                stack.push(Frame::Array(Vec::new()));
                i += 1;
                continue;
            }
            b',' | b':' => {
                i += 1;
                continue;
            }
            b'}' | b']' => {
                i += 1;
                match stack.pop()? {
                    Frame::Array(items) => format!("[{}]", items.join(",")),
                    Frame::Object(members, _) => {
                        let mut s = String::from("{");
                        for (n, (k, v)) in members.iter().enumerate() {
                            if n > 0 {
                                s.push(',');
                            }
                            write_string(&mut s, k, true);
                            s.push(':');
                            s.push_str(v);
                        }
                        s.push('}');
                        s
                    }
                }
            }
            b'"' => {
                let rest = compact.get(i..)?;
                let end = string_end(rest)?;
                let decoded = decode_string(rest.get(..end)?);
                i += end;
                if let Some(Frame::Object(_, pending @ None)) = stack.last_mut() {
                    *pending = Some(decoded);
                    continue;
                }
                let mut s = String::new();
                write_string(&mut s, &decoded, true);
                s
            }
            b't' | b'f' | b'n' => {
                let word: &str = match c {
                    b't' => "true",
                    b'f' => "false",
                    _ => "null",
                };
                i += word.len();
                word.to_string()
            }
            _ => {
                let len = bytes[i..]
                    .iter()
                    .position(|b| !matches!(b, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
                    .unwrap_or(bytes.len() - i);
                let f: f64 = compact.get(i..i + len)?.parse().ok()?;
                if !f.is_finite() {
                    // Go's ParseFloat reports a range error: Unmarshal fails.
                    return None;
                }
                i += len.max(1);
                format_float(f)
            }
        };
        match stack.last_mut() {
            None => result = Some(value),
            Some(Frame::Array(items)) => items.push(value),
            Some(Frame::Object(members, pending)) => {
                let key = pending.take()?;
                members.insert(key, value);
            }
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_decoding_is_lenient_like_go() {
        assert_eq!(decode_string("\"a\\nb\\u00e9\\ud83d\\ude00\""), "a\nbé😀");
        assert_eq!(decode_string("\"\\ud800x\""), "\u{fffd}x");
        assert_eq!(decode_string("\"\\udc00\""), "\u{fffd}");
        assert_eq!(decode_string("\"\\ud800\\u0041\""), "\u{fffd}A");
    }

    #[test]
    fn string_literal_length() {
        assert_eq!(string_end("\"a\\\"b\":1"), Some(6));
        assert_eq!(string_end("\"open"), None);
        assert_eq!(string_end("1"), None);
    }

    #[test]
    fn reencode_like_interface_round_trip() {
        assert_eq!(
            reencode_container(r#"{"b": 1.50, "a": {"y":1e3,"x":"<"}}"#).unwrap(),
            r#"{"a":{"x":"\u003c","y":1000},"b":1.5}"#
        );
        assert_eq!(reencode_container("[1, 2]").unwrap(), "[1,2]");
        assert_eq!(reencode_container(r#"{"a":1,"a":2}"#).unwrap(), r#"{"a":2}"#);
        assert_eq!(reencode_container("[1e400]"), None);
        assert_eq!(reencode_container("\"s\""), None);
        assert_eq!(reencode_container("7"), None);
        assert_eq!(reencode_container("[1,"), None);
    }
}
