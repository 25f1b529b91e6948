//! Typing of plain (unquoted) scalars.
//!
//! Kubernetes manifests are read by `sigs.k8s.io/yaml`, which uses go-yaml
//! v2 and therefore YAML 1.1 rules: `yes`/`no`/`on`/`off` are booleans,
//! `0777` is octal. Argo sees the same values, so we must too — otherwise a
//! parameter `value: on` would be the string "on" here and "true" there.

use super::node::NodeKind;

pub fn resolve_plain(s: &str) -> NodeKind {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return NodeKind::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return NodeKind::Bool(true);
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return NodeKind::Bool(false);
        }
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return NodeKind::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return NodeKind::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return NodeKind::Float(f64::NAN),
        _ => {}
    }
    if let Some(i) = parse_int(s) {
        return NodeKind::Int(i);
    }
    if looks_like_float(s)
        && let Ok(f) = s.replace('_', "").parse::<f64>()
    {
        return NodeKind::Float(f);
    }
    NodeKind::Str { value: s.to_string(), content_col: None }
}

fn parse_int(s: &str) -> Option<i64> {
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if body.is_empty() || body.starts_with('_') {
        return None;
    }
    let clean = body.replace('_', "");
    let (radix, digits) = if let Some(d) = clean.strip_prefix("0x") {
        (16, d.to_string())
    } else if let Some(d) = clean.strip_prefix("0b") {
        (2, d.to_string())
    } else if let Some(d) = clean.strip_prefix("0o") {
        (8, d.to_string())
    } else if clean.len() > 1 && clean.starts_with('0') {
        (8, clean[1..].to_string())
    } else {
        (10, clean)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let v = i64::from_str_radix(&digits, radix).ok()?;
    Some(if neg { -v } else { v })
}

/// YAML 1.1 float: `[-+]?([0-9][0-9_]*)?\.[0-9_]*([eE][-+][0-9]+)?`, plus
/// the exponent forms go-yaml also accepts.
fn looks_like_float(s: &str) -> bool {
    let b = s.trim_start_matches(['-', '+']);
    let mut seen_digit = false;
    let mut seen_dot = false;
    let mut seen_exp = false;
    let mut prev = ' ';
    for c in b.chars() {
        match c {
            '0'..='9' => seen_digit = true,
            '_' if !seen_exp => {}
            '.' if !seen_dot && !seen_exp => seen_dot = true,
            'e' | 'E' if seen_digit && !seen_exp => seen_exp = true,
            '-' | '+' if matches!(prev, 'e' | 'E') => {}
            _ => return false,
        }
        prev = c;
    }
    seen_digit && (seen_dot || seen_exp) && !matches!(prev, 'e' | 'E' | '-' | '+')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_str(k: &NodeKind) -> bool {
        matches!(k, NodeKind::Str { .. })
    }

    #[test]
    fn yaml_1_1_booleans_like_kubectl() {
        assert_eq!(resolve_plain("yes"), NodeKind::Bool(true));
        assert_eq!(resolve_plain("Off"), NodeKind::Bool(false));
        assert_eq!(resolve_plain("~"), NodeKind::Null);
    }

    #[test]
    fn numbers() {
        assert_eq!(resolve_plain("42"), NodeKind::Int(42));
        assert_eq!(resolve_plain("-7"), NodeKind::Int(-7));
        assert_eq!(resolve_plain("0x1F"), NodeKind::Int(31));
        assert_eq!(resolve_plain("0777"), NodeKind::Int(511));
        assert_eq!(resolve_plain("1.5"), NodeKind::Float(1.5));
        assert_eq!(resolve_plain("1e3"), NodeKind::Float(1000.0));
        assert!(is_str(&resolve_plain("1.2.3")));
        assert!(is_str(&resolve_plain("08")));
        assert!(is_str(&resolve_plain("99999999999999999999")));
        assert!(is_str(&resolve_plain("e5")));
        assert!(is_str(&resolve_plain("-")));
        assert!(is_str(&resolve_plain("20s")));
    }
}
