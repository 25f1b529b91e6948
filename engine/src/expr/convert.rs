//! Conversions between `serde_json::Value` (our API) and `expr::Value`
//! (expr-lang's), in Go's terms where they differ: map keys come out
//! sorted, byte strings as base64, non-finite floats are refused as
//! `encoding/json` refuses them.

use super::budget::{self, MAX_VALUE_DEPTH};
use crate::golang::fmt::{Arg, sprint_v};
use crate::golang::strconv::format_float;
use expr::Value;
use serde_json::Value as Json;

/// Depth of a JSON value, without recursion.
pub(crate) fn json_depth(v: &Json) -> usize {
    let mut max = 0;
    let mut stack = vec![(v, 1usize)];
    while let Some((v, d)) = stack.pop() {
        max = max.max(d);
        match v {
            Json::Array(items) => stack.extend(items.iter().map(|i| (i, d + 1))),
            Json::Object(m) => stack.extend(m.values().map(|i| (i, d + 1))),
            _ => {}
        }
    }
    max
}

/// A JSON value as an expr value. The caller checks [`json_depth`] first:
/// this recurses.
pub(crate) fn from_json(v: &Json) -> Value {
    match v {
        Json::Null => Value::Nil,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Value::Integer(i),
            None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Json::String(s) => Value::String(s.clone()),
        Json::Array(items) => Value::Array(items.iter().map(from_json).collect()),
        Json::Object(m) => Value::Map(m.iter().map(|(k, v)| (k.clone(), from_json(v))).collect()),
    }
}

/// An expr value as JSON, as Go's `encoding/json` would see it.
pub(crate) fn to_json(v: &Value) -> Result<Json, String> {
    // Results are built from depth-checked parts, but a program can nest
    // them further; check before recursing.
    let depth = budget::measure(v).depth;
    if depth > 2 * MAX_VALUE_DEPTH {
        return Err(format!("value is nested {depth} levels deep; too deep to convert"));
    }
    to_json_rec(v)
}

fn to_json_rec(v: &Value) -> Result<Json, String> {
    Ok(match v {
        Value::Nil => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Integer(i) => Json::from(*i),
        Value::Float(f) => serde_json::Number::from_f64(*f)
            .map(Json::Number)
            .ok_or_else(|| format!("json: unsupported value: {}", format_float(*f, 'g')))?,
        Value::String(s) => Json::String(s.clone()),
        // Go marshals a []byte as base64.
        Value::Bytes(b) => Json::String(super::codec::base64_encode(b)),
        Value::Array(items) => {
            Json::Array(items.iter().map(to_json_rec).collect::<Result<_, _>>()?)
        }
        Value::Map(m) => {
            let mut entries: Vec<_> = m.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            let mut out = serde_json::Map::new();
            for (k, v) in entries {
                out.insert(k.clone(), to_json_rec(v)?);
            }
            Json::Object(out)
        }
        // What `groupBy` and `fromPairs` make: Go's json refuses
        // map[interface{}]interface{} unless every key is a string.
        Value::KeyedMap(m) => {
            let mut out = serde_json::Map::new();
            let mut entries: Vec<(&str, &Value)> = Vec::with_capacity(m.len());
            for (k, v) in m {
                match k {
                    Value::String(k) => entries.push((k, v)),
                    _ => return Err("json: unsupported type: map with non-string keys".into()),
                }
            }
            entries.sort_by(|a, b| a.0.cmp(b.0));
            for (k, v) in entries {
                out.insert(k.to_string(), to_json_rec(v)?);
            }
            Json::Object(out)
        }
    })
}

/// An expr value as Go's `fmt` receives it: bytes as a `[]byte`, maps with
/// keys of any type.
pub(crate) fn go_arg(v: &Value) -> Arg<'_> {
    match v {
        Value::Nil => Arg::Nil,
        Value::Bool(b) => Arg::Bool(*b),
        Value::Integer(i) => Arg::Int(*i),
        Value::Float(f) => Arg::Float(*f),
        Value::String(s) => Arg::Str(s),
        Value::Bytes(b) => Arg::Bytes(b),
        Value::Array(items) => Arg::Slice(items.iter().map(go_arg).collect()),
        Value::Map(m) => Arg::Map(m.iter().map(|(k, v)| (Arg::Str(k), go_arg(v))).collect()),
        Value::KeyedMap(m) => Arg::Map(m.iter().map(|(k, v)| (go_arg(k), go_arg(v))).collect()),
    }
}

/// Go's `fmt.Sprintf("%v", v)` (Sprig's `toString`, `cat`, `join`, …).
pub(crate) fn fmt_v(v: &Value) -> String {
    sprint_v(&go_arg(v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trips_and_sorts_keys() {
        let j = json!({"b": [1, 2.5, "x", null, true], "a": {"c": -3}});
        let v = from_json(&j);
        let back = to_json(&v).unwrap_or_default();
        assert_eq!(back, j);
        let keys: Vec<_> =
            back.as_object().map(|m| m.keys().cloned().collect()).unwrap_or_default();
        assert_eq!(keys, vec!["a".to_string(), "b".to_string()]);
        assert_eq!(json_depth(&j), 3);
    }

    #[test]
    fn refuses_what_json_cannot_hold() {
        assert!(to_json(&Value::Float(f64::NAN)).is_err());
        let keyed = Value::KeyedMap(vec![(Value::Integer(1), Value::Nil)]);
        assert!(to_json(&keyed).is_err());
        assert_eq!(to_json(&Value::Bytes(b"hi".to_vec())).ok(), Some(json!("aGk=")));
    }
}
