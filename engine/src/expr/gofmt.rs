//! How Go prints values, for the places where Argo's output is Go's output:
//! `fmt`'s `%v` (Sprig's `toString`, `cat`, `join`, …), `strconv.Quote`
//! (`%q`, Sprig's `quote`) and `encoding/json` (`toJson`, `toJSON` and the
//! rendering of `{{=…}}` results): sorted map keys, HTML-safe escapes, Go's
//! float formats.

use expr::Value;
use serde_json::Value as Json;

/// Go's `fmt.Sprintf("%v", v)` for an expr value.
pub(crate) fn fmt_v(v: &Value) -> String {
    let mut out = String::new();
    write_v(&mut out, v);
    out
}

fn write_v(out: &mut String, v: &Value) {
    match v {
        Value::Nil => out.push_str("<nil>"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Integer(i) => out.push_str(&i.to_string()),
        Value::Float(f) => out.push_str(&float_v(*f)),
        Value::String(s) => out.push_str(s),
        // A Go []byte prints as its numbers.
        Value::Bytes(b) => {
            out.push('[');
            let parts: Vec<String> = b.iter().map(u8::to_string).collect();
            out.push_str(&parts.join(" "));
            out.push(']');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write_v(out, item);
            }
            out.push(']');
        }
        Value::Map(m) => {
            // fmt sorts map keys.
            let mut entries: Vec<_> = m.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push_str("map[");
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(k);
                out.push(':');
                write_v(out, v);
            }
            out.push(']');
        }
        Value::KeyedMap(m) => {
            let mut entries: Vec<_> = m.iter().collect();
            entries.sort_by_key(|a| key_order(&a.0));
            out.push_str("map[");
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write_v(out, k);
                out.push(':');
                write_v(out, v);
            }
            out.push(']');
        }
    }
}

/// A sort key approximating Go's `fmtsort` for keys of mixed types.
fn key_order(v: &Value) -> (u8, String) {
    match v {
        Value::Nil => (0, String::new()),
        Value::Bool(b) => (1, (*b as u8).to_string()),
        Value::Integer(i) => (2, format!("{:020}", i128::from(*i) - i128::from(i64::MIN))),
        Value::Float(f) => (3, format!("{:020}", f.to_bits())),
        Value::String(s) => (4, s.clone()),
        other => (5, fmt_v(other)),
    }
}

/// Go's `%v` for a float64: `%g` with the shortest precision, which uses the
/// exponent form when the exponent is < -4 or >= 6 (`1e+06`, `1e-05`).
pub(crate) fn float_v(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf".into() } else { "-Inf".into() };
    }
    let (neg, digits, exp) = decimal_digits(f);
    if digits == "0" {
        return if neg { "-0".into() } else { "0".into() };
    }
    let body = if !(-4..6).contains(&exp) {
        exponent_form(&digits, exp, true)
    } else {
        fixed_form(&digits, exp)
    };
    if neg { format!("-{body}") } else { body }
}

/// Go's `encoding/json` number format for a float64: plain decimal for
/// 1e-6 <= |f| < 1e21, exponent form (`1e+21`, `1e-7`) outside.
pub(crate) fn float_json(f: f64) -> String {
    let (neg, digits, exp) = decimal_digits(f);
    if digits == "0" {
        return if neg { "-0".into() } else { "0".into() };
    }
    let abs = f.abs();
    let body = if !(1e-6..1e21).contains(&abs) {
        // json trims `e-07` to `e-7`.
        exponent_form(&digits, exp, false)
    } else {
        fixed_form(&digits, exp)
    };
    if neg { format!("-{body}") } else { body }
}

/// Shortest round-trip digits of `|f|` and the decimal exponent of the first
/// digit (`1234.5` -> ("12345", 3)).
fn decimal_digits(f: f64) -> (bool, String, i32) {
    let s = format!("{:e}", f.abs());
    let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    (f.is_sign_negative(), digits.to_string(), exp.parse().unwrap_or(0))
}

fn fixed_form(digits: &str, exp: i32) -> String {
    if exp < 0 {
        let zeros = "0".repeat(usize::try_from(-exp - 1).unwrap_or(0));
        format!("0.{zeros}{digits}")
    } else {
        let point = usize::try_from(exp).unwrap_or(0) + 1;
        if digits.len() <= point {
            format!("{digits}{}", "0".repeat(point - digits.len()))
        } else {
            format!("{}.{}", &digits[..point], &digits[point..])
        }
    }
}

/// `d.ddde±XX`; `pad` keeps at least two exponent digits (fmt), json does not
/// for negative exponents.
fn exponent_form(digits: &str, exp: i32, pad: bool) -> String {
    let mut out = digits[..1].to_string();
    if digits.len() > 1 {
        out.push('.');
        out.push_str(&digits[1..]);
    }
    out.push('e');
    out.push(if exp < 0 { '-' } else { '+' });
    let abs = exp.unsigned_abs();
    if pad || exp >= 0 {
        out.push_str(&format!("{abs:02}"));
    } else {
        out.push_str(&abs.to_string());
    }
    out
}

/// Go's `strconv.Quote`: a double-quoted Go string literal.
pub(crate) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if !is_print(c) => {
                if (c as u32) < 0x10000 {
                    out.push_str(&format!("\\u{:04x}", c as u32));
                } else {
                    out.push_str(&format!("\\U{:08x}", c as u32));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// An approximation of Go's `unicode.IsPrint` good enough for quoting:
/// control and format characters and unusual spaces are not printable.
fn is_print(c: char) -> bool {
    !(c.is_control()
        || matches!(c as u32, 0x80..=0x9f | 0xad | 0x200b..=0x200f | 0x2028..=0x202e | 0x2060..=0x206f | 0xfeff | 0xfff9..=0xfffb)
        || (c.is_whitespace() && c != ' '))
}

/// How to marshal JSON, after Go's `encoding/json`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct JsonStyle {
    /// `MarshalIndent(v, "", indent)` when set.
    pub indent: Option<&'static str>,
    /// `<`, `>`, `&` as `\u003c` … (the default of `json.Marshal`).
    pub escape_html: bool,
}

impl JsonStyle {
    /// `json.Marshal`.
    pub(crate) const COMPACT: JsonStyle = JsonStyle { indent: None, escape_html: true };
    /// `json.MarshalIndent(v, "", "  ")`.
    pub(crate) const PRETTY: JsonStyle = JsonStyle { indent: Some("  "), escape_html: true };
    /// An encoder with `SetEscapeHTML(false)` (Sprig's `toRawJson`).
    pub(crate) const RAW: JsonStyle = JsonStyle { indent: None, escape_html: false };
}

/// Marshal `v` as Go would: object keys sorted, Go's string escapes and
/// float format.
pub(crate) fn marshal(v: &Json, style: JsonStyle) -> String {
    let mut out = String::new();
    write_json(&mut out, v, style, 0);
    out
}

fn newline(out: &mut String, style: JsonStyle, level: usize) {
    if let Some(indent) = style.indent {
        out.push('\n');
        for _ in 0..level {
            out.push_str(indent);
        }
    }
}

fn write_json(out: &mut String, v: &Json, style: JsonStyle, level: usize) {
    match v {
        Json::Null => out.push_str("null"),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => out.push_str(&i.to_string()),
            (None, Some(u), _) => out.push_str(&u.to_string()),
            (None, None, Some(f)) => out.push_str(&float_json(f)),
            _ => out.push_str(&n.to_string()),
        },
        Json::String(s) => write_json_string(out, s, style.escape_html),
        Json::Array(items) => {
            if items.is_empty() {
                out.push_str("[]");
                return;
            }
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, style, level + 1);
                write_json(out, item, style, level + 1);
            }
            newline(out, style, level);
            out.push(']');
        }
        Json::Object(m) => {
            if m.is_empty() {
                out.push_str("{}");
                return;
            }
            let mut entries: Vec<_> = m.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, style, level + 1);
                write_json_string(out, k, style.escape_html);
                out.push(':');
                if style.indent.is_some() {
                    out.push(' ');
                }
                write_json(out, v, style, level + 1);
            }
            newline(out, style, level);
            out.push('}');
        }
    }
}

/// Go's `encoding/json` string escaping (Go 1.22+: `\b` and `\f` short).
fn write_json_string(out: &mut String, s: &str, escape_html: bool) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' if escape_html => out.push_str(&format!("\\u{:04x}", c as u32)),
            '\u{2028}' | '\u{2029}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn floats_like_fmt_v() {
        for (f, want) in [
            (3.0, "3"),
            (0.5, "0.5"),
            (1e-4, "0.0001"),
            (1e-5, "1e-05"),
            (123456.0, "123456"),
            (1e6, "1e+06"),
            (1234567.0, "1.234567e+06"),
            (1e20, "1e+20"),
            (-2.5, "-2.5"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "+Inf"),
        ] {
            assert_eq!(float_v(f), want, "{f}");
        }
    }

    #[test]
    fn floats_like_encoding_json() {
        for (f, want) in [
            (3.0, "3"),
            (43.8, "43.8"),
            (1e20, "100000000000000000000"),
            (1e21, "1e+21"),
            (1e-7, "1e-7"),
            (0.000001, "0.000001"),
            (-0.0, "-0"),
        ] {
            assert_eq!(float_json(f), want, "{f}");
        }
    }

    #[test]
    fn fmt_v_of_collections() {
        let v = Value::Array(vec![Value::Integer(1), "a".into(), Value::Nil, Value::Float(1.5)]);
        assert_eq!(fmt_v(&v), "[1 a <nil> 1.5]");
        let m: Value = [("b", 2), ("a", 1)].into_iter().collect();
        assert_eq!(fmt_v(&m), "map[a:1 b:2]");
    }

    #[test]
    fn quote_like_strconv() {
        assert_eq!(quote("a\"b\\c\n\u{1}é"), "\"a\\\"b\\\\c\\n\\x01é\"");
        assert_eq!(quote("\u{200b}"), "\"\\u200b\"");
    }

    #[test]
    fn marshal_like_encoding_json() {
        let v = json!({"b": [1, 2.5, "<&>"], "a": {"z": null, "y": true}});
        assert_eq!(
            marshal(&v, JsonStyle::COMPACT),
            r#"{"a":{"y":true,"z":null},"b":[1,2.5,"\u003c\u0026\u003e"]}"#
        );
        assert_eq!(marshal(&v, JsonStyle::RAW), r#"{"a":{"y":true,"z":null},"b":[1,2.5,"<&>"]}"#);
        assert_eq!(
            marshal(&json!({"a": [1], "b": {}}), JsonStyle::PRETTY),
            "{\n  \"a\": [\n    1\n  ],\n  \"b\": {}\n}"
        );
        assert_eq!(
            marshal(&json!("\u{8}\u{1f}\u{2028}"), JsonStyle::COMPACT),
            r#""\b\u001f\u2028""#
        );
    }
}
