//! expr-lang's closure builtins (`map`, `filter`, `all`, `reduce`, …)
//! re-registered with a budget: each iteration is charged, what they build is
//! measured, and the closure runs against *our* environment (the originals
//! would run it against expr-lang's default one, without Argo's and Sprig's
//! functions or our guards). Semantics follow expr-lang 2.1's `array.rs`.

use super::args::{Res, fail};
use super::budget::{self, MAX_VALUE_COST};
use expr::{Context, ContextProvider, Environment, Program, Value};
use std::cmp::Ordering;

/// Closure variables (`#`, `#index`, `#acc`) over the caller's scope.
struct Bound<'a> {
    parent: &'a dyn ContextProvider,
    values: Vec<(&'static str, Value, u64)>,
}

impl ContextProvider for Bound<'_> {
    fn get(&self, key: &str) -> Option<&Value> {
        match self.values.iter().find(|(k, _, _)| *k == key) {
            Some((_, v, cost)) => {
                budget::charge_bytes(*cost).ok()?;
                Some(v)
            }
            None => self.parent.get(key),
        }
    }

    fn to_context(&self) -> Context {
        let mut ctx = self.parent.to_context();
        for (k, v, _) in &self.values {
            ctx.insert(*k, v.clone());
        }
        ctx
    }

    // `$env` is the variables, not the closure's bindings (as in expr-lang).
    fn environment(&self) -> Context {
        self.parent.environment()
    }
}

/// The fields of expr-lang's `ExprCall` (a type it does not export, so it
/// cannot appear in our signatures): built with [`parts!`].
struct Parts<'a, 'e> {
    args: &'a [Value],
    predicate: Option<&'a Program>,
    ctx: &'a dyn ContextProvider,
    env: &'a Environment<'e>,
}

macro_rules! parts {
    ($c:ident) => {
        Parts { args: &$c.args, predicate: $c.predicate, ctx: $c.ctx, env: $c.env }
    };
}

/// One closure to run repeatedly.
struct Call<'a, 'e> {
    program: &'a Program,
    ctx: &'a dyn ContextProvider,
    env: &'a Environment<'e>,
}

impl Call<'_, '_> {
    /// Run the closure once with `bindings`.
    fn run(&self, bindings: Vec<(&'static str, Value)>) -> Res {
        budget::iteration().map_err(fail)?;
        let values = bindings
            .into_iter()
            .map(|(k, v)| {
                let cost = budget::measure(&v).cost;
                (k, v, cost)
            })
            .collect();
        self.env.run(self.program, &Bound { parent: self.ctx, values })
    }

    fn run_item(&self, item: &Value) -> Res {
        self.run(vec![("#", item.clone())])
    }
}

/// Collects a loop's output, keeping it within the value cap.
struct Output {
    what: String,
    items: Vec<Value>,
    cost: u64,
}

impl Output {
    fn new(name: &str) -> Self {
        Output { what: format!("{name}()"), items: Vec::new(), cost: 0 }
    }

    fn push(&mut self, v: Value) -> Result<(), expr::Error> {
        let size = budget::admit(&v, &self.what).map_err(fail)?;
        self.cost += size.cost;
        if self.cost > MAX_VALUE_COST {
            return Err(fail(format!(
                "{} produced more than {} MiB",
                self.what,
                MAX_VALUE_COST >> 20
            )));
        }
        self.items.push(v);
        Ok(())
    }
}

/// Register the closure builtins on `env`.
pub(crate) fn register(env: &mut Environment<'static>) {
    env.add_function("all", |c| {
        let p = parts!(c);
        let (call, items) = unpack("all", &p, 1)?;
        for item in items {
            if let Value::Bool(false) = call.run_item(item)? {
                return Ok(false.into());
            }
        }
        Ok(true.into())
    });
    env.add_function("any", |c| {
        let p = parts!(c);
        let (call, items) = unpack("any", &p, 1)?;
        for item in items {
            if let Value::Bool(true) = call.run_item(item)? {
                return Ok(true.into());
            }
        }
        Ok(false.into())
    });
    env.add_function("none", |c| {
        let p = parts!(c);
        let (call, items) = unpack("none", &p, 1)?;
        for item in items {
            if let Value::Bool(true) = call.run_item(item)? {
                return Ok(false.into());
            }
        }
        Ok(true.into())
    });
    env.add_function("one", |c| {
        let p = parts!(c);
        let (call, items) = unpack("one", &p, 1)?;
        let mut found = false;
        for item in items {
            if let Value::Bool(true) = call.run_item(item)? {
                if found {
                    return Ok(false.into());
                }
                found = true;
            }
        }
        Ok(found.into())
    });
    env.add_function("map", |c| {
        let p = parts!(c);
        let (call, items) = unpack("map", &p, 1)?;
        let mut out = Output::new("map");
        for (index, item) in items.iter().enumerate() {
            out.push(call.run(vec![("#", item.clone()), ("#index", index.into())])?)?;
        }
        Ok(Value::Array(out.items))
    });
    env.add_function("filter", |c| {
        let p = parts!(c);
        let (call, items) = unpack("filter", &p, 1)?;
        let mut out = Output::new("filter");
        for item in items {
            if let Value::Bool(true) = call.run_item(item)? {
                out.push(item.clone())?;
            }
        }
        Ok(Value::Array(out.items))
    });
    env.add_function("find", |c| find(&parts!(c), "find", false, false));
    env.add_function("findIndex", |c| find(&parts!(c), "findIndex", true, false));
    env.add_function("findLast", |c| find(&parts!(c), "findLast", false, true));
    env.add_function("findLastIndex", |c| find(&parts!(c), "findLastIndex", true, true));
    env.add_function("count", |c| {
        let items = array_arg("count", &c.args, 1)?;
        let mut count = 0i64;
        for item in items {
            let verdict = match c.predicate {
                Some(program) => call_of(program, &parts!(c)).run_item(item)?,
                None => item.clone(),
            };
            match verdict {
                Value::Bool(true) => count += 1,
                Value::Bool(false) => {}
                _ if c.predicate.is_some() => {
                    return Err(fail("count() predicate must return a boolean"));
                }
                _ => return Err(fail("count() without a predicate requires booleans")),
            }
        }
        Ok(Value::Integer(count))
    });
    env.add_function("sum", |c| {
        let items = array_arg("sum", &c.args, 1)?;
        let mut total = Value::Integer(0);
        for item in items {
            let v = match c.predicate {
                Some(program) => call_of(program, &parts!(c)).run_item(item)?,
                None => item.clone(),
            };
            total = match (total, v) {
                (Value::Integer(a), Value::Integer(b)) => Value::Integer(a.wrapping_add(b)),
                (Value::Integer(a), Value::Float(b)) => Value::Float(a as f64 + b),
                (Value::Float(a), Value::Integer(b)) => Value::Float(a + b as f64),
                (Value::Float(a), Value::Float(b)) => Value::Float(a + b),
                _ => return Err(fail("sum() values must be numbers")),
            };
        }
        Ok(total)
    });
    env.add_function("reduce", |c| {
        if c.args.is_empty() || c.args.len() > 2 {
            return Err(fail("reduce() takes an array and optional initial value"));
        }
        let Value::Array(items) = &c.args[0] else {
            return Err(fail("reduce() takes an array as the first argument"));
        };
        let Some(program) = c.predicate else {
            return Err(fail("reduce() requires a predicate"));
        };
        let call = call_of(program, &parts!(c));
        let (mut acc, start) = match c.args.get(1) {
            Some(initial) => (initial.clone(), 0),
            None => match items.first() {
                Some(first) => (first.clone(), 1),
                None => return Err(fail("reduce() of an empty array requires an initial value")),
            },
        };
        for (index, item) in items.iter().enumerate().skip(start) {
            acc = call.run(vec![("#", item.clone()), ("#acc", acc), ("#index", index.into())])?;
            // The accumulator is what can grow: `#acc + #acc` doubles it.
            budget::admit(&acc, "reduce()").map_err(fail)?;
        }
        Ok(acc)
    });
    env.add_function("groupBy", |c| {
        let p = parts!(c);
        let (call, items) = unpack("groupBy", &p, 1)?;
        let mut groups: Vec<(Value, Vec<Value>)> = Vec::new();
        for item in items {
            let key = call.run_item(item)?;
            if matches!(key, Value::Array(_) | Value::Bytes(_) | Value::Map(_) | Value::KeyedMap(_))
            {
                return Err(fail("groupBy() predicate returned a non-comparable key"));
            }
            // Linear search as in expr-lang; charged so that it stays bounded.
            budget::charge_steps(groups.len() as u64 / 16).map_err(fail)?;
            match groups.iter_mut().find(|(k, _)| same_key(k, &key)) {
                Some((_, group)) => group.push(item.clone()),
                None => groups.push((key, vec![item.clone()])),
            }
        }
        let out = Value::KeyedMap(groups.into_iter().map(|(k, g)| (k, Value::Array(g))).collect());
        budget::admit(&out, "groupBy()").map_err(fail)?;
        Ok(out)
    });
    env.add_function("sortBy", |c| {
        if c.args.is_empty() || c.args.len() > 2 {
            return Err(fail("sortBy() takes one or two arguments and a predicate"));
        }
        let Value::Array(items) = &c.args[0] else {
            return Err(fail("sortBy() takes an array as the first argument"));
        };
        let Some(program) = c.predicate else {
            return Err(fail("sortBy() requires a predicate"));
        };
        let desc = match c.args.get(1) {
            None => false,
            Some(Value::String(s)) if s == "desc" => true,
            Some(Value::String(s)) if s == "asc" => false,
            Some(_) => return Err(fail("sortBy() second argument must be \"asc\" or \"desc\"")),
        };
        let call = call_of(program, &parts!(c));
        let mut keyed = Vec::with_capacity(items.len());
        for item in items {
            keyed.push((call.run_item(item)?, item.clone()));
        }
        sortable(keyed.iter().map(|(k, _)| k)).map_err(|e| fail(format!("sortBy() {e}")))?;
        keyed.sort_by(|(a, _), (b, _)| {
            let o = compare(a, b);
            if desc { o.reverse() } else { o }
        });
        Ok(Value::Array(keyed.into_iter().map(|(_, v)| v).collect()))
    });
}

fn call_of<'a, 'e>(program: &'a Program, c: &Parts<'a, 'e>) -> Call<'a, 'e> {
    Call { program, ctx: c.ctx, env: c.env }
}

fn array_arg<'a>(name: &str, args: &'a [Value], n: usize) -> Result<&'a [Value], expr::Error> {
    if args.len() != n {
        return Err(fail(format!("{name}() takes exactly one array argument")));
    }
    match &args[0] {
        Value::Array(items) => Ok(items),
        _ => Err(fail(format!("{name}() takes an array as the first argument"))),
    }
}

/// The closure and the array of a one-array closure builtin.
fn unpack<'a, 'e>(
    name: &str,
    c: &Parts<'a, 'e>,
    n: usize,
) -> Result<(Call<'a, 'e>, &'a [Value]), expr::Error> {
    if c.args.len() != n {
        return Err(fail(format!("{name}() takes exactly one argument and a predicate")));
    }
    let (Value::Array(items), Some(program)) = (&c.args[0], c.predicate) else {
        return Err(fail(format!("{name}() takes an array as the first argument")));
    };
    Ok((call_of(program, c), items))
}

fn find(c: &Parts<'_, '_>, name: &str, index: bool, last: bool) -> Res {
    let (call, items) = unpack(name, c, 1)?;
    let hit = |i: usize, item: &Value| -> Result<Option<Value>, expr::Error> {
        Ok(match call.run_item(item)? {
            Value::Bool(true) => Some(if index { Value::from(i) } else { item.clone() }),
            _ => None,
        })
    };
    let found = if last {
        let mut found = None;
        for (i, item) in items.iter().enumerate().rev() {
            if let Some(v) = hit(i, item)? {
                found = Some(v);
                break;
            }
        }
        found
    } else {
        let mut found = None;
        for (i, item) in items.iter().enumerate() {
            if let Some(v) = hit(i, item)? {
                found = Some(v);
                break;
            }
        }
        found
    };
    Ok(found.unwrap_or(if index { Value::Integer(-1) } else { Value::Nil }))
}

/// expr-lang's map-key equality: same type and equal.
fn same_key(a: &Value, b: &Value) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b) && a == b
}

fn sortable<'a>(values: impl Iterator<Item = &'a Value>) -> Result<(), String> {
    let mut kind = None;
    for v in values {
        let k = match v {
            Value::Float(f) if f.is_nan() => return Err("cannot compare NaN values".into()),
            Value::Integer(_) | Value::Float(_) => 0,
            Value::String(_) => 1,
            _ => return Err("values must all be numbers or all be strings".into()),
        };
        if kind.is_some_and(|prev| prev != k) {
            return Err("values must all be numbers or all be strings".into());
        }
        kind = Some(k);
    }
    Ok(())
}

fn compare(a: &Value, b: &Value) -> Ordering {
    let num = |v: &Value| match v {
        Value::Integer(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        _ => None,
    };
    match (a, b) {
        (Value::Integer(x), Value::Integer(y)) => x.cmp(y),
        (Value::String(x), Value::String(y)) => x.cmp(y),
        _ => match (num(a), num(b)) {
            (Some(x), Some(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
            _ => Ordering::Equal,
        },
    }
}
