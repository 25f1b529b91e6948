//! Go's JSON encoding (encoding/json/encode.go): string escaping, the
//! float64 format, `json.Marshal` of a value, and the `interface{}` round
//! trip of `aggregatedJSONValueList`; plus Argo's `jsonutil.Fix`.

use std::collections::BTreeMap;

use serde_json::Value;

use super::scan::compact;
use super::text::{decode_string, string_end};

/// Argo's `jsonutil.Fix`: undo the HTML escaping of `<`, `>` and `&`
/// (textually, so a `\u003c` written in the input is turned back too).
pub(crate) fn fix(s: &str) -> String {
    s.replace("\\u003c", "<").replace("\\u003e", ">").replace("\\u0026", "&")
}

/// Go's `encoding/json` string encoding with HTML escaping (Go 1.22+:
/// `\b` and `\f` short forms).
pub(crate) fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            '\u{2028}' | '\u{2029}' => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Go's `encoding/json` float64 format: shortest decimal for
/// 1e-6 <= |f| < 1e21, otherwise exponent form (`1e+21`, `1e-7`).
fn write_float(out: &mut String, f: f64) {
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let text = format!("{f:e}");
        match text.split_once('e') {
            Some((mantissa, exp)) if !exp.starts_with('-') => {
                out.push_str(mantissa);
                out.push_str("e+");
                out.push_str(exp);
            }
            _ => out.push_str(&text),
        }
    } else {
        out.push_str(&f.to_string());
    }
}

/// `json.Marshal` of a value as Go holds it after Kubernetes stored it:
/// object keys sorted, integers as written, other numbers as float64.
pub(crate) fn marshal(v: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, v);
    out
}

fn write_value(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                out.push_str(&i.to_string());
            } else if let Some(u) = n.as_u64() {
                out.push_str(&u.to_string());
            } else {
                write_float(out, n.as_f64().unwrap_or(0.0));
            }
        }
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(out, k);
                out.push(':');
                write_value(out, v);
            }
            out.push('}');
        }
    }
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
pub(crate) fn reencode_container(text: &str) -> Option<String> {
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
                            write_string(&mut s, k);
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
                write_string(&mut s, &decoded);
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
                let mut s = String::new();
                write_float(&mut s, f);
                s
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
    fn go_float_format() {
        let f = |x: f64| {
            let mut s = String::new();
            write_float(&mut s, x);
            s
        };
        assert_eq!(f(1.0), "1");
        assert_eq!(f(9.1), "9.1");
        assert_eq!(f(-0.0), "-0");
        assert_eq!(f(1e21), "1e+21");
        assert_eq!(f(1e20), "100000000000000000000");
        assert_eq!(f(1e-7), "1e-7");
        assert_eq!(f(0.000001), "0.000001");
        assert_eq!(f(1.5e300), "1.5e+300");
        assert_eq!(f(12345678901234567890.0), "12345678901234567000");
    }

    #[test]
    fn go_marshal_of_values() {
        let v: Value = serde_json::from_str(r#"{"b":1,"a":[true,null,1.0,"<x>"]}"#).unwrap();
        assert_eq!(marshal(&v), r#"{"a":[true,null,1,"\u003cx\u003e"],"b":1}"#);
        assert_eq!(marshal(&Value::String("\u{1}\u{8}\"\\".into())), r#""\u0001\b\"\\""#);
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

    #[test]
    fn fix_undoes_html_escapes() {
        assert_eq!(fix("\\u003ca\\u0026b\\u003e"), "<a&b>");
    }
}
