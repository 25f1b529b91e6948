//! The run-time budget of one evaluation: how much data may be copied and
//! how much work done, plus the size caps on values that functions,
//! predicates and `let` produce.
//!
//! expr-lang's tree walker has no hooks of its own, so the budget is charged
//! from the places we do control: variable lookups (expr-lang deep-clones a
//! variable on every use), every function we register (results are measured)
//! and every predicate iteration. A thread-local holds the state so that the
//! functions, which expr-lang calls through a shared `Environment`, can reach
//! it; `run` installs a fresh one per evaluation.

use expr::Value;
use std::cell::RefCell;

/// Longest string a function may produce.
pub(crate) const MAX_STRING_BYTES: usize = 4 << 20;
/// Largest value (approximate bytes, see [`measure`]) a function, predicate
/// or `let` may produce.
pub(crate) const MAX_VALUE_COST: u64 = 32 << 20;
/// Deepest value (arrays/maps nested) anywhere: vars, results. Keeps the
/// recursive `Clone`/`Drop`/comparison code in expr-lang shallow.
pub(crate) const MAX_VALUE_DEPTH: usize = 128;
/// Total bytes an evaluation may copy (variable lookups, function results).
pub(crate) const MAX_BYTES_COPIED: u64 = 64 << 20;
/// Total work units: a predicate iteration costs the size of the program.
pub(crate) const MAX_STEPS: u64 = 20_000_000;

/// Approximate heap cost of one element of an array or map.
pub(crate) const NODE_COST: u64 = std::mem::size_of::<Value>() as u64;
/// Extra cost of a map entry over its value (key `String`, hash, index).
const ENTRY_COST: u64 = 40;

struct State {
    bytes_left: u64,
    steps_left: u64,
    per_iteration: u64,
    exceeded: Option<String>,
}

thread_local! {
    static STATE: RefCell<Option<State>> = const { RefCell::new(None) };
}

/// Run `f` under a fresh budget in which one predicate iteration costs
/// `per_iteration` steps. Returns what `f` returned and, if the budget ran
/// out, why (the error expr-lang reported may be a consequence of it).
pub(crate) fn run<T>(per_iteration: u64, f: impl FnOnce() -> T) -> (T, Option<String>) {
    let fresh = State {
        bytes_left: MAX_BYTES_COPIED,
        steps_left: MAX_STEPS,
        per_iteration: per_iteration.max(1),
        exceeded: None,
    };
    let saved = STATE.with(|s| s.replace(Some(fresh)));
    let out = f();
    let state = STATE.with(|s| s.replace(saved));
    (out, state.and_then(|s| s.exceeded))
}

fn spend(bytes: u64, steps: u64, iterations: u64) -> Result<(), String> {
    STATE.with(|cell| {
        let mut guard = cell.borrow_mut();
        // Outside `run` (nothing to enforce) every charge succeeds.
        let Some(state) = guard.as_mut() else {
            return Ok(());
        };
        if let Some(why) = &state.exceeded {
            return Err(why.clone());
        }
        let steps = steps.saturating_add(iterations.saturating_mul(state.per_iteration));
        let why = if bytes > state.bytes_left {
            format!(
                "expression exceeded its memory budget: it copied more than {} MiB of data \
                 (each use of a variable copies it)",
                MAX_BYTES_COPIED >> 20
            )
        } else if steps > state.steps_left {
            format!(
                "expression exceeded its work budget of {MAX_STEPS} steps \
                 (loops such as map/filter cost the size of the expression per element)"
            )
        } else {
            state.bytes_left -= bytes;
            state.steps_left -= steps;
            return Ok(());
        };
        state.exceeded = Some(why.clone());
        Err(why)
    })
}

/// Charge copying `bytes`.
pub(crate) fn charge_bytes(bytes: u64) -> Result<(), String> {
    spend(bytes, 0, 0)
}

/// Charge `steps` work units.
pub(crate) fn charge_steps(steps: u64) -> Result<(), String> {
    spend(0, steps, 0)
}

/// Charge one predicate iteration.
pub(crate) fn iteration() -> Result<(), String> {
    spend(0, 0, 1)
}

/// Size of a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Size {
    /// Approximate heap bytes.
    pub cost: u64,
    /// Nesting depth (a scalar is 1).
    pub depth: usize,
    /// Longest string or byte string inside.
    pub longest: usize,
}

/// Measure `v` without recursion (its depth is what we are checking).
pub(crate) fn measure(v: &Value) -> Size {
    let mut size = Size { cost: 0, depth: 0, longest: 0 };
    let mut stack: Vec<(&Value, usize)> = vec![(v, 1)];
    while let Some((v, depth)) = stack.pop() {
        size.depth = size.depth.max(depth);
        size.cost += NODE_COST;
        match v {
            Value::String(s) => {
                size.cost += s.len() as u64;
                size.longest = size.longest.max(s.len());
            }
            Value::Bytes(b) => {
                size.cost += b.len() as u64;
                size.longest = size.longest.max(b.len());
            }
            Value::Array(items) => stack.extend(items.iter().map(|i| (i, depth + 1))),
            Value::Map(m) => {
                for (k, item) in m {
                    size.cost += ENTRY_COST + k.len() as u64;
                    stack.push((item, depth + 1));
                }
            }
            Value::KeyedMap(m) => {
                for (k, item) in m {
                    size.cost += ENTRY_COST;
                    stack.push((k, depth + 1));
                    stack.push((item, depth + 1));
                }
            }
            _ => {}
        }
    }
    size
}

/// Check a value a function, predicate or `let` (`what`) produced against the
/// caps and charge its size; returns the size.
pub(crate) fn admit(v: &Value, what: &str) -> Result<Size, String> {
    let size = measure(v);
    if size.longest > MAX_STRING_BYTES {
        return Err(format!(
            "{what} produced a string of {} bytes; at most {} MiB is allowed",
            size.longest,
            MAX_STRING_BYTES >> 20
        ));
    }
    if size.cost > MAX_VALUE_COST {
        return Err(format!(
            "{what} produced a value of about {} MiB; at most {} MiB is allowed",
            size.cost >> 20,
            MAX_VALUE_COST >> 20
        ));
    }
    if size.depth > MAX_VALUE_DEPTH {
        return Err(format!(
            "{what} produced a value nested {} deep; at most {MAX_VALUE_DEPTH} levels are allowed",
            size.depth
        ));
    }
    charge_bytes(size.cost)?;
    Ok(size)
}

/// Refuse in advance a string of `len` bytes about to be built by `what`.
pub(crate) fn check_len(len: u128, what: &str) -> Result<(), String> {
    if len > MAX_STRING_BYTES as u128 {
        return Err(format!(
            "{what} would produce a string of {len} bytes; at most {} MiB is allowed",
            MAX_STRING_BYTES >> 20
        ));
    }
    Ok(())
}

/// Refuse in advance an array of `count` elements about to be built by `what`.
pub(crate) fn check_count(count: u128, what: &str) -> Result<(), String> {
    if count.saturating_mul(u128::from(NODE_COST)) > u128::from(MAX_VALUE_COST) {
        return Err(format!(
            "{what} would produce {count} elements; at most {} are allowed",
            MAX_VALUE_COST / NODE_COST
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_without_recursing() {
        let mut v = Value::Integer(1);
        for _ in 0..10_000 {
            v = Value::Array(vec![v]);
        }
        let size = measure(&v);
        assert_eq!(size.depth, 10_001);
        assert!(admit(&v, "test").is_err_and(|e| e.contains("nested")));
        // Take the value apart iteratively: its recursive Drop would be the
        // very thing the depth cap exists to avoid.
        while let Value::Array(mut items) = v {
            v = items.pop().unwrap_or(Value::Nil);
        }
    }

    #[test]
    fn budget_runs_out_and_stays_out() {
        let ((), why) = run(1000, || {
            assert!(charge_bytes(MAX_BYTES_COPIED).is_ok());
            assert!(charge_bytes(1).is_err());
            assert!(iteration().is_err());
        });
        assert!(why.is_some_and(|w| w.contains("memory")));
        // A new evaluation starts afresh, and nothing is charged outside one.
        let ((), why) = run(1, || assert!(charge_steps(MAX_STEPS).is_ok()));
        assert!(why.is_none());
        assert!(charge_bytes(u64::MAX).is_ok());
    }

    #[test]
    fn caps_strings_and_sizes() {
        assert!(admit(&Value::String("x".repeat(MAX_STRING_BYTES + 1)), "f").is_err());
        assert!(check_len(MAX_STRING_BYTES as u128 + 1, "f").is_err());
        assert!(check_count(10_000_000, "f").is_err());
        assert!(check_count(1000, "f").is_ok());
    }
}
