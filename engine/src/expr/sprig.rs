//! `sprig.<fn>(…)`: the Sprig v3 `GenericFuncMap` Argo exposes, registered
//! as `sprig_<fn>` (the source is rewritten so, see `syntax`) and its
//! conversions shared by the function groups in `sprig_text`, `sprig_data`
//! and `sprig_math`: spf13/cast's `ToInt64`/`ToFloat64`, Sprig's `strval`,
//! `empty` and `strslice`.
//!
//! Functions that need a clock, randomness, the environment, the network or
//! cryptography are registered as errors that say why; unknown names get
//! expr-lang's "unknown function" error.

use super::args::{Res, fail};
use super::budget;
use super::convert::fmt_v;
use super::{sprig_data, sprig_math, sprig_text, sprig_time};
use crate::golang::strconv::{parse_float, parse_int};
use expr::{Environment, Value};

/// A Sprig function: receives its qualified name (`sprig.trim`) for
/// messages and its arguments.
pub(crate) type SprigFn = fn(&str, &[Value]) -> Res;

/// Sprig functions Keelson does not provide, and why.
const UNAVAILABLE: &[(&[&str], &str)] = &[
    (
        &[
            "now",
            "dateModify",
            "date_modify",
            "mustDateModify",
            "must_date_modify",
            "ago",
            "toDate",
            "mustToDate",
            "unixEpoch",
            "duration",
            "durationRound",
        ],
        "Keelson's engine has no time values or timezone database (only `date`, \
         `dateInZone` with UTC, `htmlDate` and `htmlDateInZone` are provided)",
    ),
    (
        &[
            "randAlphaNum",
            "randAlpha",
            "randAscii",
            "randNumeric",
            "randBytes",
            "randInt",
            "randSeededNumeric",
            "uuidv4",
            "shuffle",
        ],
        "it is random, and Keelson's evaluation is deterministic",
    ),
    (
        &["env", "expandenv"],
        "Argo removes it from Sprig (the controller's environment is not yours)",
    ),
    (&["getHostByName"], "it needs the network"),
    (
        &[
            "bcrypt",
            "htpasswd",
            "genPrivateKey",
            "derivePassword",
            "buildCustomCert",
            "genCA",
            "genCAWithKey",
            "genSelfSignedCert",
            "genSelfSignedCertWithKey",
            "genSignedCert",
            "genSignedCertWithKey",
            "encryptAES",
            "decryptAES",
        ],
        "cryptographic functions are not available in Keelson's engine",
    ),
    (
        &[
            "abbrevboth",
            "wrap",
            "wrapWith",
            "snakecase",
            "camelcase",
            "kebabcase",
            "semver",
            "semverCompare",
            "merge",
            "mergeOverwrite",
            "mustMerge",
            "mustMergeOverwrite",
            "urlParse",
            "urlJoin",
        ],
        "Keelson does not implement it",
    ),
];

/// Register every `sprig_<fn>`.
pub(crate) fn register(env: &mut Environment<'static>) {
    let groups: [&[(&'static str, SprigFn)]; 4] =
        [sprig_text::FUNCS, sprig_data::FUNCS, sprig_math::FUNCS, sprig_time::FUNCS];
    for (name, f) in groups.into_iter().flatten().copied() {
        env.add_function(&format!("sprig_{name}"), move |c| {
            let qualified = format!("sprig.{name}");
            let out = f(&qualified, &c.args)?;
            budget::admit(&out, &qualified).map_err(fail)?;
            Ok(out)
        });
    }
    for (names, why) in UNAVAILABLE {
        for name in *names {
            env.add_function(&format!("sprig_{name}"), move |_| {
                Err(fail(format!("sprig.{name} is not available: {why}")))
            });
        }
    }
}

/// Names of every Sprig function Keelson implements.
#[cfg(test)]
pub(crate) fn implemented() -> Vec<&'static str> {
    let groups: [&[(&'static str, SprigFn)]; 4] =
        [sprig_text::FUNCS, sprig_data::FUNCS, sprig_math::FUNCS, sprig_time::FUNCS];
    groups.into_iter().flatten().map(|(n, _)| *n).collect()
}

/// Sprig's `strval`: strings as they are, everything else as `%v`.
pub(crate) fn strval(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
        other => fmt_v(other),
    }
}

/// Sprig's `empty`: the zero value of its type (nil, false, 0, "", empty
/// list or map).
pub(crate) fn empty(v: &Value) -> bool {
    match v {
        Value::Nil => true,
        Value::Bool(b) => !b,
        Value::Integer(i) => *i == 0,
        Value::Float(f) => *f == 0.0,
        Value::String(s) => s.is_empty(),
        Value::Bytes(b) => b.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Map(m) => m.is_empty(),
        Value::KeyedMap(m) => m.is_empty(),
    }
}

/// Sprig's `strslice`: a list's non-nil elements as strings; a lone value
/// as a one-element list; nil as an empty list.
pub(crate) fn strslice(v: &Value) -> Vec<String> {
    match v {
        Value::Array(items) => items.iter().filter(|i| !i.is_nil()).map(strval).collect(),
        Value::Nil => Vec::new(),
        other => vec![strval(other)],
    }
}

/// spf13/cast's `ToInt64`: numbers truncated, bools 0/1, strings read by
/// `strconv.ParseInt(s, 0, 64)` (Go's base prefixes: `0x1f`, `017`),
/// anything else (and any parse error) 0.
pub(crate) fn to_int64(v: &Value) -> i64 {
    match v {
        Value::Integer(i) => *i,
        Value::Float(f) => *f as i64,
        Value::Bool(b) => i64::from(*b),
        Value::String(s) => parse_int(trim_zero_decimal(s), 0).unwrap_or(0),
        _ => 0,
    }
}

/// spf13/cast's `ToFloat64`: strings read by `strconv.ParseFloat`.
pub(crate) fn to_float64(v: &Value) -> f64 {
    match v {
        Value::Integer(i) => *i as f64,
        Value::Float(f) => *f,
        Value::Bool(b) => f64::from(u8::from(*b)),
        Value::String(s) => parse_float(s).unwrap_or(0.0),
        _ => 0.0,
    }
}

/// cast strips a `.0…` suffix before parsing an integer.
fn trim_zero_decimal(s: &str) -> &str {
    match s.split_once('.') {
        Some((int, frac))
            if !int.is_empty() && !frac.is_empty() && frac.bytes().all(|b| b == b'0') =>
        {
            int
        }
        _ => s,
    }
}

/// Call `name` from one of the function tables, as `sprig.<name>` (tests).
#[cfg(test)]
pub(super) fn call_in(
    funcs: &[(&str, SprigFn)],
    name: &str,
    args: Vec<Value>,
) -> Result<Value, String> {
    let f = funcs.iter().find(|(n, _)| *n == name).map(|(_, f)| *f);
    let f = f.ok_or_else(|| format!("no {name}"))?;
    f(&format!("sprig.{name}"), &args).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cast_like_spf13() {
        assert_eq!(to_int64(&"42".into()), 42);
        assert_eq!(to_int64(&"0x1f".into()), 31);
        assert_eq!(to_int64(&"017".into()), 15);
        assert_eq!(to_int64(&"3.00".into()), 3);
        assert_eq!(to_int64(&"3.5".into()), 0);
        assert_eq!(to_int64(&"nope".into()), 0);
        assert_eq!(to_int64(&Value::Float(3.9)), 3);
        assert_eq!(to_int64(&Value::Bool(true)), 1);
        assert_eq!(to_float64(&"1.5".into()), 1.5);
        assert_eq!(to_float64(&" 1.5".into()), 0.0);
        // ParseFloat's range error: cast gives 0 (an earlier copy of
        // ParseFloat returned infinity).
        assert_eq!(to_float64(&"1e400".into()), 0.0);
    }

    #[test]
    fn the_commonly_used_functions_are_implemented() {
        let have = implemented();
        for name in [
            "trim",
            "trimAll",
            "trimPrefix",
            "trimSuffix",
            "upper",
            "lower",
            "title",
            "repeat",
            "substr",
            "replace",
            "contains",
            "hasPrefix",
            "hasSuffix",
            "quote",
            "squote",
            "cat",
            "indent",
            "nindent",
            "trunc",
            "abbrev",
            "splitList",
            "join",
            "split",
            "toString",
            "atoi",
            "int",
            "int64",
            "float64",
            "default",
            "empty",
            "coalesce",
            "ternary",
            "list",
            "dict",
            "get",
            "hasKey",
            "keys",
            "values",
            "first",
            "last",
            "rest",
            "initial",
            "uniq",
            "has",
            "without",
            "add",
            "sub",
            "mul",
            "div",
            "mod",
            "max",
            "min",
            "floor",
            "ceil",
            "round",
            "b64enc",
            "b64dec",
            "toJson",
            "fromJson",
            "mustFromJson",
            "toPrettyJson",
            "regexMatch",
            "regexFind",
            "regexFindAll",
            "regexReplaceAll",
            "nospace",
            "plural",
            "seq",
        ] {
            assert!(have.contains(&name), "sprig.{name} missing");
        }
        let mut sorted = have.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), have.len(), "a function is registered twice");
    }

    #[test]
    fn strval_and_empty() {
        assert_eq!(strval(&Value::Float(1.5)), "1.5");
        assert_eq!(strval(&Value::Nil), "<nil>");
        assert!(empty(&Value::Integer(0)) && empty(&"".into()) && !empty(&"x".into()));
        assert_eq!(strslice(&Value::from(vec![Value::Integer(1), Value::Nil])), vec!["1"]);
    }
}
