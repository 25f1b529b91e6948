//! Sprig's data functions: defaults (`default`, `empty`, `coalesce`,
//! `ternary`), JSON (`toJson`, `fromJson`, …), lists (`list`, `first`,
//! `uniq`, …), dicts (`dict`, `get`, `hasKey`, …) and reflection
//! (`typeOf`, `kindIs`, …). Go map iteration is random where Sprig returns
//! keys or values; here they come sorted by key, so results are stable.

use super::args::{Res, arity, boolean, dict, fail, int, list, string, type_name};
use super::budget::{self, MAX_VALUE_DEPTH};
use super::convert::{from_json, json_depth};
use super::functions::go_json;
use super::sprig::{SprigFn, empty, strval};
use crate::golang::json::Style;
use expr::Value;

pub(crate) const FUNCS: &[(&str, SprigFn)] = &[
    ("default", |n, a| {
        arity(n, a, 1, usize::MAX)?;
        // `default d given`: `d` when `given` is missing or empty.
        Ok(match a.get(1) {
            Some(given) if !empty(given) => given.clone(),
            _ => a[0].clone(),
        })
    }),
    ("empty", |n, a| arity(n, a, 1, 1).map(|()| empty(&a[0]).into())),
    ("coalesce", |_, a| Ok(a.iter().find(|v| !empty(v)).cloned().unwrap_or(Value::Nil))),
    ("all", |_, a| Ok(a.iter().all(|v| !empty(v)).into())),
    ("any", |_, a| Ok(a.iter().any(|v| !empty(v)).into())),
    ("ternary", |n, a| {
        arity(n, a, 3, 3)?;
        Ok(if boolean(n, a, 2)? { a[0].clone() } else { a[1].clone() })
    }),
    ("compact", compact),
    ("mustCompact", compact),
    ("fromJson", |n, a| from_json_str(n, a, false)),
    ("mustFromJson", |n, a| from_json_str(n, a, true)),
    ("toJson", |n, a| go_json(n, a, Style::COMPACT)),
    ("mustToJson", |n, a| go_json(n, a, Style::COMPACT)),
    ("toPrettyJson", |n, a| go_json(n, a, Style::PRETTY)),
    ("mustToPrettyJson", |n, a| go_json(n, a, Style::PRETTY)),
    ("toRawJson", |n, a| go_json(n, a, Style::RAW)),
    ("mustToRawJson", |n, a| go_json(n, a, Style::RAW)),
    ("deepCopy", |n, a| arity(n, a, 1, 1).map(|()| a[0].clone())),
    ("mustDeepCopy", |n, a| arity(n, a, 1, 1).map(|()| a[0].clone())),
    ("typeOf", |n, a| arity(n, a, 1, 1).map(|()| type_of(&a[0]).into())),
    ("typeIs", |n, a| {
        arity(n, a, 2, 2)?;
        Ok((string(n, a, 0)? == type_of(&a[1])).into())
    }),
    ("typeIsLike", |n, a| {
        arity(n, a, 2, 2)?;
        let (want, got) = (string(n, a, 0)?, type_of(&a[1]));
        Ok((want == got || want.strip_prefix('*') == Some(got)).into())
    }),
    ("kindOf", |n, a| arity(n, a, 1, 1).map(|()| kind_of(&a[0]).into())),
    ("kindIs", |n, a| {
        arity(n, a, 2, 2)?;
        Ok((string(n, a, 0)? == kind_of(&a[1])).into())
    }),
    // reflect.DeepEqual: 1 and 1.0 differ (different types).
    ("deepEqual", |n, a| arity(n, a, 2, 2).map(|()| (a[0] == a[1]).into())),
    ("list", |_, a| Ok(Value::Array(a.to_vec()))),
    ("tuple", |_, a| Ok(Value::Array(a.to_vec()))),
    ("dict", |_, a| {
        let mut pairs: Vec<(String, Value)> = Vec::new();
        for chunk in a.chunks(2) {
            let key = strval(&chunk[0]);
            let value = chunk.get(1).cloned().unwrap_or_else(|| Value::from(""));
            pairs.retain(|(k, _)| *k != key);
            pairs.push((key, value));
        }
        Ok(pairs.into_iter().collect())
    }),
    ("get", |n, a| {
        arity(n, a, 2, 2)?;
        let key = string(n, a, 1)?;
        let found = dict(n, a, 0)?.into_iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone());
        Ok(found.unwrap_or_else(|| "".into()))
    }),
    ("set", |n, a| {
        arity(n, a, 3, 3)?;
        let key = string(n, a, 1)?;
        let mut entries = owned(dict(n, a, 0)?);
        entries.retain(|(k, _)| k != key);
        entries.push((key.to_string(), a[2].clone()));
        Ok(entries.into_iter().collect())
    }),
    ("unset", |n, a| {
        arity(n, a, 2, 2)?;
        let key = string(n, a, 1)?;
        let mut entries = owned(dict(n, a, 0)?);
        entries.retain(|(k, _)| k != key);
        Ok(entries.into_iter().collect())
    }),
    ("hasKey", |n, a| {
        arity(n, a, 2, 2)?;
        let key = string(n, a, 1)?;
        Ok(dict(n, a, 0)?.iter().any(|(k, _)| *k == key).into())
    }),
    ("pluck", |n, a| {
        arity(n, a, 1, usize::MAX)?;
        let key = string(n, a, 0)?;
        let mut out = Vec::new();
        for i in 1..a.len() {
            if let Some((_, v)) = dict(n, a, i)?.into_iter().find(|(k, _)| *k == key) {
                out.push(v.clone());
            }
        }
        Ok(Value::Array(out))
    }),
    ("keys", |n, a| {
        let mut keys = Vec::new();
        for i in 0..a.len() {
            keys.extend(dict(n, a, i)?.into_iter().map(|(k, _)| k.clone()));
        }
        keys.sort();
        Ok(keys.into())
    }),
    ("values", |n, a| {
        arity(n, a, 1, 1)?;
        let mut entries = dict(n, a, 0)?;
        entries.sort_by(|x, y| x.0.cmp(y.0));
        Ok(Value::Array(entries.into_iter().map(|(_, v)| v.clone()).collect()))
    }),
    ("pick", |n, a| {
        arity(n, a, 1, usize::MAX)?;
        let keys = (1..a.len()).map(|i| string(n, a, i)).collect::<Result<Vec<_>, _>>()?;
        let entries = owned(dict(n, a, 0)?);
        Ok(entries.into_iter().filter(|(k, _)| keys.contains(&k.as_str())).collect())
    }),
    ("omit", |n, a| {
        arity(n, a, 1, usize::MAX)?;
        let keys = (1..a.len()).map(|i| string(n, a, i)).collect::<Result<Vec<_>, _>>()?;
        let entries = owned(dict(n, a, 0)?);
        Ok(entries.into_iter().filter(|(k, _)| !keys.contains(&k.as_str())).collect())
    }),
    ("dig", dig),
    ("append", |n, a| push(n, a, false)),
    ("push", |n, a| push(n, a, false)),
    ("mustAppend", |n, a| push(n, a, false)),
    ("mustPush", |n, a| push(n, a, false)),
    ("prepend", |n, a| push(n, a, true)),
    ("mustPrepend", |n, a| push(n, a, true)),
    ("first", |n, a| ends(n, a, |l| l.first().cloned().unwrap_or(Value::Nil))),
    ("mustFirst", |n, a| ends(n, a, |l| l.first().cloned().unwrap_or(Value::Nil))),
    ("last", |n, a| ends(n, a, |l| l.last().cloned().unwrap_or(Value::Nil))),
    ("mustLast", |n, a| ends(n, a, |l| l.last().cloned().unwrap_or(Value::Nil))),
    ("rest", |n, a| ends(n, a, |l| if l.is_empty() { Value::Nil } else { l[1..].to_vec().into() })),
    ("mustRest", |n, a| {
        ends(n, a, |l| if l.is_empty() { Value::Nil } else { l[1..].to_vec().into() })
    }),
    ("initial", |n, a| {
        ends(n, a, |l| if l.is_empty() { Value::Nil } else { l[..l.len() - 1].to_vec().into() })
    }),
    ("mustInitial", |n, a| {
        ends(n, a, |l| if l.is_empty() { Value::Nil } else { l[..l.len() - 1].to_vec().into() })
    }),
    ("reverse", |n, a| ends(n, a, |l| l.iter().rev().cloned().collect::<Vec<_>>().into())),
    ("mustReverse", |n, a| ends(n, a, |l| l.iter().rev().cloned().collect::<Vec<_>>().into())),
    ("uniq", uniq),
    ("mustUniq", uniq),
    ("without", without),
    ("mustWithout", without),
    ("has", has),
    ("mustHas", has),
    ("slice", slice),
    ("mustSlice", slice),
    ("concat", |n, a| {
        let mut out = Vec::new();
        for i in 0..a.len() {
            out.extend(list(n, a, i)?.iter().cloned());
        }
        Ok(Value::Array(out))
    }),
    ("chunk", chunk),
    ("mustChunk", chunk),
];

fn owned(entries: Vec<(&String, &Value)>) -> Vec<(String, Value)> {
    entries.into_iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// Go's `%T`.
fn type_of(v: &Value) -> &'static str {
    match v {
        Value::Nil => "<nil>",
        other => type_name(other),
    }
}

/// Go's `reflect.Kind` names.
fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Nil => "invalid",
        Value::Bool(_) => "bool",
        Value::Integer(_) => "int",
        Value::Float(_) => "float64",
        Value::String(_) => "string",
        Value::Bytes(_) | Value::Array(_) => "slice",
        Value::Map(_) | Value::KeyedMap(_) => "map",
    }
}

fn from_json_str(name: &str, args: &[Value], must: bool) -> Res {
    arity(name, args, 1, 1)?;
    let s = string(name, args, 0)?;
    budget::check_count(s.len() as u128 / 2, name).map_err(fail)?;
    match serde_json::from_str::<serde_json::Value>(s) {
        Ok(j) if json_depth(&j) <= MAX_VALUE_DEPTH => Ok(from_json(&j)),
        Ok(_) => Err(fail(format!("{name}: JSON nested too deeply"))),
        Err(e) if must => Err(fail(format!("{name}: {e}"))),
        // Sprig's `fromJson` ignores errors (nil result).
        Err(_) => Ok(Value::Nil),
    }
}

fn compact(name: &str, args: &[Value]) -> Res {
    arity(name, args, 1, 1)?;
    Ok(Value::Array(list(name, args, 0)?.iter().filter(|v| !empty(v)).cloned().collect()))
}

/// `dig k1 k2 … default dict`.
fn dig(name: &str, args: &[Value]) -> Res {
    arity(name, args, 3, usize::MAX)?;
    let (keys, rest) = args.split_at(args.len() - 2);
    let default = &rest[0];
    let mut current = &rest[1];
    for (i, _) in keys.iter().enumerate() {
        let key = string(name, args, i)?;
        let Value::Map(m) = current else {
            return Err(fail(format!("{name}: `{key}` is looked up in a {}", type_name(current))));
        };
        match m.get(key) {
            Some(v) => current = v,
            None => return Ok(default.clone()),
        }
    }
    Ok(current.clone())
}

fn push(name: &str, args: &[Value], front: bool) -> Res {
    arity(name, args, 2, 2)?;
    let mut out = list(name, args, 0)?.to_vec();
    if front {
        out.insert(0, args[1].clone());
    } else {
        out.push(args[1].clone());
    }
    Ok(Value::Array(out))
}

fn ends(name: &str, args: &[Value], f: impl Fn(&[Value]) -> Value) -> Res {
    arity(name, args, 1, 1)?;
    Ok(f(list(name, args, 0)?))
}

/// Charge `n * m` comparisons (these are quadratic in Sprig too).
fn quadratic(n: usize, m: usize) -> Result<(), expr::Error> {
    budget::charge_steps((n as u64).saturating_mul(m as u64) / 16).map_err(fail)
}

fn uniq(name: &str, args: &[Value]) -> Res {
    arity(name, args, 1, 1)?;
    let items = list(name, args, 0)?;
    quadratic(items.len(), items.len())?;
    let mut out: Vec<Value> = Vec::new();
    for item in items {
        if !out.contains(item) {
            out.push(item.clone());
        }
    }
    Ok(Value::Array(out))
}

fn without(name: &str, args: &[Value]) -> Res {
    arity(name, args, 1, usize::MAX)?;
    let items = list(name, args, 0)?;
    let omit = &args[1..];
    quadratic(items.len(), omit.len())?;
    Ok(Value::Array(items.iter().filter(|i| !omit.contains(i)).cloned().collect()))
}

fn has(name: &str, args: &[Value]) -> Res {
    arity(name, args, 2, 2)?;
    if args[1].is_nil() {
        return Ok(false.into());
    }
    Ok(list(name, args, 1)?.contains(&args[0]).into())
}

/// `slice list [start [end]]`, panicking (here: failing) like Go on bad
/// bounds.
fn slice(name: &str, args: &[Value]) -> Res {
    arity(name, args, 1, 3)?;
    let items = list(name, args, 0)?;
    if items.is_empty() {
        return Ok(Value::Nil);
    }
    let start = if args.len() > 1 { int(name, args, 1)? } else { 0 };
    let end = if args.len() > 2 { int(name, args, 2)? } else { items.len() as i64 };
    if start < 0 || end < start || end > items.len() as i64 {
        return Err(fail(format!(
            "{name}: slice bounds out of range [{start}:{end}] with length {}",
            items.len()
        )));
    }
    Ok(items[start as usize..end as usize].to_vec().into())
}

fn chunk(name: &str, args: &[Value]) -> Res {
    arity(name, args, 2, 2)?;
    let size = int(name, args, 0)?;
    let items = list(name, args, 1)?;
    if size <= 0 {
        return Err(fail(format!("{name}: size must be positive")));
    }
    // On 32-bit targets (wasm) an i64 may not fit a usize.
    let size = usize::try_from(size).unwrap_or(usize::MAX);
    Ok(Value::Array(items.chunks(size).map(|c| Value::Array(c.to_vec())).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(name: &str, args: Vec<Value>) -> Result<Value, String> {
        super::super::sprig::call_in(FUNCS, name, args)
    }

    fn ints(v: &[i64]) -> Value {
        Value::from(v.to_vec())
    }

    #[test]
    fn defaults() {
        assert_eq!(call("default", vec!["d".into(), "".into()]), Ok("d".into()));
        assert_eq!(call("default", vec!["d".into(), "x".into()]), Ok("x".into()));
        assert_eq!(call("default", vec!["d".into()]), Ok("d".into()));
        assert_eq!(call("empty", vec![Value::Integer(0)]), Ok(true.into()));
        assert_eq!(call("coalesce", vec![Value::Nil, "".into(), "a".into()]), Ok("a".into()));
        assert_eq!(call("ternary", vec!["y".into(), "n".into(), false.into()]), Ok("n".into()));
        assert!(call("ternary", vec!["y".into(), "n".into(), "true".into()]).is_err());
    }

    #[test]
    fn json() {
        let m: Value = [("b", Value::Integer(1)), ("a", Value::from("<"))].into_iter().collect();
        assert_eq!(call("toJson", vec![m.clone()]), Ok(r#"{"a":"\u003c","b":1}"#.into()));
        assert_eq!(call("toRawJson", vec![m]), Ok(r#"{"a":"<","b":1}"#.into()));
        assert_eq!(call("fromJson", vec!["[1, 2]".into()]), Ok(ints(&[1, 2])));
        assert_eq!(call("fromJson", vec!["{".into()]), Ok(Value::Nil));
        assert!(call("mustFromJson", vec!["{".into()]).is_err());
    }

    #[test]
    fn lists() {
        let l = ints(&[1, 2, 2, 3]);
        assert_eq!(
            call("list", vec![Value::Integer(1), "a".into()]),
            Ok(vec![Value::Integer(1), "a".into()].into())
        );
        assert_eq!(call("first", vec![l.clone()]), Ok(Value::Integer(1)));
        assert_eq!(call("last", vec![l.clone()]), Ok(Value::Integer(3)));
        assert_eq!(call("rest", vec![l.clone()]), Ok(ints(&[2, 2, 3])));
        assert_eq!(call("initial", vec![l.clone()]), Ok(ints(&[1, 2, 2])));
        assert_eq!(call("uniq", vec![l.clone()]), Ok(ints(&[1, 2, 3])));
        assert_eq!(call("without", vec![l.clone(), Value::Integer(2)]), Ok(ints(&[1, 3])));
        assert_eq!(call("has", vec![Value::Integer(3), l.clone()]), Ok(true.into()));
        assert_eq!(call("append", vec![l.clone(), Value::Integer(4)]), Ok(ints(&[1, 2, 2, 3, 4])));
        assert_eq!(call("prepend", vec![ints(&[1]), Value::Integer(0)]), Ok(ints(&[0, 1])));
        assert_eq!(
            call("slice", vec![l.clone(), Value::Integer(1), Value::Integer(3)]),
            Ok(ints(&[2, 2]))
        );
        assert!(call("slice", vec![l.clone(), Value::Integer(3), Value::Integer(9)]).is_err());
        assert_eq!(call("concat", vec![ints(&[1]), ints(&[2])]), Ok(ints(&[1, 2])));
        assert_eq!(
            call("chunk", vec![Value::Integer(2), ints(&[1, 2, 3])]),
            Ok(vec![ints(&[1, 2]), ints(&[3])].into())
        );
        assert_eq!(
            call("compact", vec![vec![Value::Integer(0), "a".into()].into()]),
            Ok(vec!["a"].into())
        );
        assert_eq!(call("first", vec![ints(&[])]), Ok(Value::Nil));
    }

    #[test]
    fn dicts() {
        let d = call("dict", vec!["b".into(), Value::Integer(2), "a".into(), Value::Integer(1)]);
        let d = d.unwrap_or_default();
        assert_eq!(call("get", vec![d.clone(), "a".into()]), Ok(Value::Integer(1)));
        assert_eq!(call("get", vec![d.clone(), "z".into()]), Ok("".into()));
        assert_eq!(call("hasKey", vec![d.clone(), "b".into()]), Ok(true.into()));
        assert_eq!(call("keys", vec![d.clone()]), Ok(vec!["a", "b"].into()));
        assert_eq!(call("values", vec![d.clone()]), Ok(ints(&[1, 2])));
        let picked = call("pick", vec![d.clone(), "a".into()]);
        assert_eq!(picked, Ok([("a", 1)].into_iter().collect()));
        let omitted = call("omit", vec![d.clone(), "a".into()]);
        assert_eq!(omitted, Ok([("b", 2)].into_iter().collect()));
        let set = call("set", vec![d.clone(), "c".into(), Value::Integer(3)]);
        assert_eq!(call("keys", vec![set.unwrap_or_default()]), Ok(vec!["a", "b", "c"].into()));
        let nested: Value = [("x", Value::from_iter([("y", 5)]))].into_iter().collect();
        assert_eq!(
            call("dig", vec!["x".into(), "y".into(), "d".into(), nested.clone()]),
            Ok(Value::Integer(5))
        );
        assert_eq!(call("dig", vec!["x".into(), "z".into(), "d".into(), nested]), Ok("d".into()));
        assert_eq!(call("pluck", vec!["a".into(), d]), Ok(ints(&[1])));
    }

    #[test]
    fn reflection() {
        assert_eq!(call("typeOf", vec![Value::Integer(1)]), Ok("int".into()));
        assert_eq!(call("kindOf", vec![ints(&[])]), Ok("slice".into()));
        assert_eq!(
            call("kindIs", vec!["map".into(), Value::from_iter([("a", 1)])]),
            Ok(true.into())
        );
        assert_eq!(call("deepEqual", vec![Value::Integer(1), Value::Float(1.0)]), Ok(false.into()));
    }
}
