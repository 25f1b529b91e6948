//! The function environment expressions run in: expr-lang's builtins (each
//! wrapped so that what it produces is measured, the costly ones checked
//! beforehand), the closure builtins re-done in `predicates`, Argo's
//! additions from `util/expr/env/env.go` (`asInt`, `asFloat`, `toJson`,
//! `jsonpath`, `sprig.*`) and refusals for what needs a clock.

use super::args::{Res, arity, fail};
use super::budget;
use super::convert::to_json;
use super::{jsonpath, predicates, sprig};
use crate::golang::json::{Style, marshal};
use expr::{Environment, Value};
use std::sync::LazyLock;

/// The environment every evaluation uses.
pub(crate) static ENV: LazyLock<Environment<'static>> = LazyLock::new(build);

/// expr-lang's own builtins, untouched, called by the wrappers.
static BUILTINS: LazyLock<Environment<'static>> = LazyLock::new(Environment::new);

fn build() -> Environment<'static> {
    let mut env = Environment::new();
    wrap_builtins(&mut env);
    predicates::register(&mut env);
    argo(&mut env);
    sprig::register(&mut env);
    env
}

/// A check run on a builtin's arguments before it runs.
type Precheck = fn(&[Value]) -> Result<(), String>;

/// expr-lang builtins that need nothing but a check of their result.
const PLAIN: &[&str] = &[
    "trim",
    "trimPrefix",
    "trimSuffix",
    "upper",
    "lower",
    "indexOf",
    "lastIndexOf",
    "hasPrefix",
    "hasSuffix",
    "bitand",
    "bitor",
    "bitxor",
    "bitnand",
    "bitnot",
    "bitshl",
    "bitshr",
    "bitushr",
    "first",
    "last",
    "take",
    "reverse",
    "concat",
    "flatten",
    "int",
    "float",
    "string",
    "keys",
    "values",
    "len",
    "type",
    "get",
    "fromBase64",
    "toPairs",
    "max",
    "min",
    "abs",
    "ceil",
    "floor",
    "round",
    "mean",
    "median",
];

fn wrap_builtins(env: &mut Environment<'static>) {
    for name in PLAIN {
        wrap(env, name, |_| Ok(()));
    }
    wrap(env, "repeat", |a| match a {
        [Value::String(s), Value::Integer(n)] if *n > 0 => {
            budget::check_len(s.len() as u128 * *n as u128, "repeat()")
        }
        _ => Ok(()),
    });
    wrap(env, "replace", |a| match a {
        [Value::String(s), Value::String(from), Value::String(to), rest @ ..] => {
            let limit = match rest {
                [Value::Integer(n), ..] if *n >= 0 => Some(*n as u128),
                _ => None,
            };
            let hits = occurrences(s, from);
            let hits = limit.map_or(hits, |l| hits.min(l));
            budget::check_len(s.len() as u128 + hits * to.len() as u128, "replace()")
        }
        _ => Ok(()),
    });
    let split: Precheck = |a| match a {
        [Value::String(s), Value::String(sep), ..] => {
            budget::check_count(occurrences(s, sep) + 1, "split()")
        }
        _ => Ok(()),
    };
    wrap(env, "split", split);
    wrap(env, "splitAfter", split);
    wrap(env, "join", |a| match a {
        [Value::Array(items), rest @ ..] => {
            let sep = match rest {
                [Value::String(sep)] => sep.len() as u128,
                _ => 0,
            };
            let text: u128 = items
                .iter()
                .map(|v| if let Value::String(s) = v { s.len() as u128 } else { 0 })
                .sum();
            budget::check_len(text + sep * items.len().saturating_sub(1) as u128, "join()")
        }
        _ => Ok(()),
    });
    // Quadratic in expr-lang (each element compared with those kept).
    let quadratic: Precheck = |a| match a {
        [Value::Array(items), ..] => {
            let n = items.len() as u64;
            budget::charge_steps(n.saturating_mul(n) / 16)
        }
        _ => Ok(()),
    };
    wrap(env, "uniq", quadratic);
    wrap(env, "fromPairs", quadratic);
    wrap(env, "sort", |a| match a {
        [Value::Array(items), ..] => {
            let n = items.len() as u64;
            budget::charge_steps(n.saturating_mul(u64::from(n.max(2).ilog2())) / 16)
        }
        _ => Ok(()),
    });
    wrap(env, "fromJSON", |a| match a {
        // Every two bytes of JSON can become an element.
        [Value::String(s)] => budget::check_count(s.len() as u128 / 2, "fromJSON()"),
        _ => Ok(()),
    });
    wrap(env, "toBase64", |a| match a {
        [Value::String(s)] => budget::check_len(s.len() as u128 * 4 / 3 + 4, "toBase64()"),
        _ => Ok(()),
    });
    // Go's expr: toJSON is json.MarshalIndent(v, "", "  ").
    env.add_function("toJSON", |c| go_json("toJSON", &c.args, Style::PRETTY));
    for (name, why) in [
        ("now", "Keelson's engine is pure and has no clock"),
        (
            "date",
            "date values need a clock and a timezone database, which Keelson's engine does not have",
        ),
        ("duration", "duration values are not supported by Keelson's engine"),
        ("timezone", "timezones need a timezone database, which Keelson's engine does not have"),
    ] {
        env.add_function(name, move |_| Err(fail(format!("{name}() is not available: {why}"))));
    }
}

/// Register `name` as expr-lang's builtin of that name behind `pre` and a
/// check of its result.
fn wrap(env: &mut Environment<'static>, name: &'static str, pre: Precheck) {
    env.add_function(name, move |c| {
        pre(&c.args).map_err(|e| fail(format!("{name}(): {e}")))?;
        let out = BUILTINS.eval_func(c.ctx, name, c.args, c.predicate)?;
        budget::admit(&out, &format!("{name}()")).map_err(fail)?;
        Ok(out)
    });
}

/// Non-overlapping occurrences of `needle` in `hay` (`""` occurs between
/// every character, as in Go and Rust).
pub(crate) fn occurrences(hay: &str, needle: &str) -> u128 {
    if needle.is_empty() {
        hay.chars().count() as u128 + 1
    } else {
        hay.matches(needle).count() as u128
    }
}

/// Argo's additions (`util/expr/env/env.go`).
fn argo(env: &mut Environment<'static>) {
    // Aliases of expr's `int`/`float`, "for backwards compatibility".
    env.add_function("asInt", |c| BUILTINS.eval_func(c.ctx, "int", c.args, None));
    env.add_function("asFloat", |c| BUILTINS.eval_func(c.ctx, "float", c.args, None));
    env.add_function("toJson", |c| go_json("toJson", &c.args, Style::COMPACT));
    env.add_function("jsonpath", |c| jsonpath::jsonpath(&c.args));
    // Map literals, rewritten as calls (see `rewrite`).
    env.add_function("__map", |c| {
        let mut pairs: Vec<(String, Value)> = Vec::with_capacity(c.args.len() / 2);
        for kv in c.args.chunks(2) {
            let [Value::String(k), v] = kv else {
                return Err(fail("malformed map literal"));
            };
            pairs.retain(|(key, _)| key != k);
            pairs.push((k.clone(), v.clone()));
        }
        let map: Value = pairs.into_iter().collect();
        budget::admit(&map, "a map literal").map_err(fail)?;
        Ok(map)
    });
}

/// Marshal the one argument as Go's `encoding/json` would.
pub(crate) fn go_json(name: &str, args: &[Value], style: Style) -> Res {
    arity(name, args, 1, 1)?;
    let json = to_json(&args[0]).map_err(|e| fail(format!("{name}: {e}")))?;
    let out = Value::String(marshal(&json, style));
    budget::admit(&out, name).map_err(fail)?;
    Ok(out)
}
