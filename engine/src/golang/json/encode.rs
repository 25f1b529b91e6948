//! `json.Marshal` (encoding/json/encode.go, indent.go) of a JSON value:
//! object keys sorted, Go's string escaping (HTML-safe by default), Go's
//! float64 format; `MarshalIndent` and an encoder without HTML escaping.

use serde_json::Value;

use crate::golang::strconv;

/// How to marshal, after Go's `encoding/json`.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// `MarshalIndent(v, "", indent)` when set.
    pub indent: Option<&'static str>,
    /// `<`, `>`, `&` as `\u003c` … (the default of `json.Marshal`).
    pub escape_html: bool,
}

impl Style {
    /// `json.Marshal`.
    pub const COMPACT: Style = Style { indent: None, escape_html: true };
    /// `json.MarshalIndent(v, "", "  ")`.
    pub const PRETTY: Style = Style { indent: Some("  "), escape_html: true };
    /// An encoder with `SetEscapeHTML(false)` (Sprig's `toRawJson`).
    pub const RAW: Style = Style { indent: None, escape_html: false };
}

/// Marshal `v` as Go would: object keys sorted, Go's string escapes and
/// float format; integers as written.
pub fn marshal(v: &Value, style: Style) -> String {
    let mut out = String::new();
    write_value(&mut out, v, style, 0);
    out
}

fn newline(out: &mut String, style: Style, level: usize) {
    if let Some(indent) = style.indent {
        out.push('\n');
        for _ in 0..level {
            out.push_str(indent);
        }
    }
}

fn write_value(out: &mut String, v: &Value, style: Style, level: usize) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => out.push_str(&i.to_string()),
            (None, Some(u), _) => out.push_str(&u.to_string()),
            (None, None, Some(f)) => out.push_str(&format_float(f)),
            _ => out.push_str(&n.to_string()),
        },
        Value::String(s) => write_string(out, s, style.escape_html),
        Value::Array(items) => {
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
                write_value(out, item, style, level + 1);
            }
            newline(out, style, level);
            out.push(']');
        }
        Value::Object(m) => {
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
                write_string(out, k, style.escape_html);
                out.push(':');
                if style.indent.is_some() {
                    out.push(' ');
                }
                write_value(out, v, style, level + 1);
            }
            newline(out, style, level);
            out.push('}');
        }
    }
}

/// Go's `encoding/json` string encoding (Go 1.22+: `\b` and `\f` short):
/// control characters, `"`, `\`, U+2028 and U+2029 escaped; with
/// `escape_html`, `<`, `>` and `&` too.
pub fn write_string(out: &mut String, s: &str, escape_html: bool) {
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
            '<' | '>' | '&' if escape_html => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            '\u{2028}' | '\u{2029}' => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Go's `encoding/json` float64 format: `FormatFloat(f, 'f', -1, 64)` for
/// 1e-6 <= |f| < 1e21, else `'e'` with `e-07` trimmed to `e-7` (`1e+21`
/// stays).
pub fn format_float(f: f64) -> String {
    let abs = f.abs();
    if abs == 0.0 || (1e-6..1e21).contains(&abs) {
        return strconv::format_float(f, 'f');
    }
    let mut s = strconv::format_float(f, 'e');
    let n = s.len();
    if n >= 4 && &s[n - 4..n - 1] == "e-0" {
        s.remove(n - 2);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn floats_like_encoding_json() {
        for (f, want) in [
            (1.0, "1"),
            (3.0, "3"),
            (9.1, "9.1"),
            (43.8, "43.8"),
            (-0.0, "-0"),
            (1e20, "100000000000000000000"),
            (12345678901234567890.0, "12345678901234567000"),
            (1e21, "1e+21"),
            (-1e21, "-1e+21"),
            (1.5e300, "1.5e+300"),
            (1e-7, "1e-7"),
            (1.5e-10, "1.5e-10"),
            (1e-100, "1e-100"),
            (0.000001, "0.000001"),
        ] {
            assert_eq!(format_float(f), want, "{f}");
        }
    }

    #[test]
    fn marshal_like_encoding_json() {
        let v = json!({"b": [1, 2.5, "<&>"], "a": {"z": null, "y": true}});
        assert_eq!(
            marshal(&v, Style::COMPACT),
            r#"{"a":{"y":true,"z":null},"b":[1,2.5,"\u003c\u0026\u003e"]}"#
        );
        assert_eq!(marshal(&v, Style::RAW), r#"{"a":{"y":true,"z":null},"b":[1,2.5,"<&>"]}"#);
        assert_eq!(
            marshal(&json!({"a": [1], "b": {}}), Style::PRETTY),
            "{\n  \"a\": [\n    1\n  ],\n  \"b\": {}\n}"
        );
        assert_eq!(marshal(&json!("\u{8}\u{1f}\u{2028}"), Style::COMPACT), r#""\b\u001f\u2028""#);
        let v: Value = serde_json::from_str(r#"{"b":1,"a":[true,null,1.0,"<x>"]}"#).unwrap();
        assert_eq!(marshal(&v, Style::COMPACT), r#"{"a":[true,null,1,"\u003cx\u003e"],"b":1}"#);
        assert_eq!(
            marshal(&Value::String("\u{1}\u{8}\"\\".into()), Style::COMPACT),
            r#""\u0001\b\"\\""#
        );
    }
}
