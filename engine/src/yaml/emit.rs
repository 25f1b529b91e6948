//! JSON values written as YAML (the CLI's `-o yaml`, the UI's YAML view): block style, strings
//! quoted (JSON-style, which YAML reads) only where a plain scalar would
//! read as something else.

use serde_json::Value;

pub fn to_yaml(v: &Value) -> String {
    let mut out = String::new();
    match v {
        Value::Object(m) if !m.is_empty() => map(&mut out, m, 0),
        Value::Array(a) if !a.is_empty() => list(&mut out, a, 0),
        other => {
            out.push_str(&scalar(other));
            out.push('\n');
        }
    }
    out
}

fn map(out: &mut String, m: &serde_json::Map<String, Value>, indent: usize) {
    for (k, v) in m {
        out.push_str(&" ".repeat(indent));
        out.push_str(&string(k));
        out.push(':');
        nested(out, v, indent);
    }
}

fn list(out: &mut String, a: &[Value], indent: usize) {
    for v in a {
        out.push_str(&" ".repeat(indent));
        out.push('-');
        match v {
            // A map item starts on the dash's line.
            Value::Object(m) if !m.is_empty() => {
                let mut inner = String::new();
                map(&mut inner, m, indent + 2);
                out.push(' ');
                out.push_str(inner.trim_start());
            }
            _ => nested(out, v, indent),
        }
    }
}

/// What follows `key:` or `-`.
fn nested(out: &mut String, v: &Value, indent: usize) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            out.push('\n');
            map(out, m, indent + 2);
        }
        Value::Array(a) if !a.is_empty() => {
            out.push('\n');
            list(out, a, indent + 2);
        }
        other => {
            out.push(' ');
            out.push_str(&scalar(other));
            out.push('\n');
        }
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => string(s),
        Value::Array(_) => "[]".into(),
        Value::Object(_) => "{}".into(),
    }
}

fn string(s: &str) -> String {
    let plain = !s.is_empty()
        && !s.starts_with(|c: char| " -?:,[]{}#&*!|>'\"%@`~".contains(c) || c.is_ascii_digit())
        && !s.ends_with([' ', ':'])
        && !s.contains(": ")
        && !s.contains(" #")
        && !s.contains(['\n', '\t', '\r'])
        && !matches!(
            s.to_ascii_lowercase().as_str(),
            "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "y" | "n" | "~"
        )
        && s.chars().all(|c| !c.is_control());
    if plain { s.to_string() } else { Value::String(s.to_string()).to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn writes_what_yaml_reads_back() {
        let v = json!({
            "metadata": {"name": "wf-1", "labels": {}},
            "spec": {"templates": [{"name": "main", "args": ["echo", "a: b", "", "true", "1"]}]},
            "n": 3, "ok": false, "none": null, "text": "two\nlines"
        });
        let text = to_yaml(&v);
        let back = match crate::yaml::load_str(&text, crate::yaml::Limits::default()) {
            Ok(b) => b,
            Err(e) => panic!("{e:?}"),
        };
        assert_eq!(back[0].to_json(), v, "{text}");
    }
}
