//! [`Vars`]: the variables an expression sees, given as Argo's flat keys
//! (`inputs.parameters.x`), and [`Scope`], their nested form handed to
//! expr-lang as Argo's `util/expand.Expand` builds it.
//!
//! Expansion follows Argo: a key that is a prefix of another (`a` next to
//! `a.b`) is dropped in favour of the more specific one, then every key is
//! split on `.` into nested maps. Unlike Argo (which walks a Go map in random
//! order) keys are expanded in sorted order, so the result is deterministic.
//!
//! Only the parts an expression can reach are materialised: expr-lang copies
//! a whole root (`steps`, `tasks`) on every use, so materialising all of it
//! for `steps.a.outputs.result` would be paid for on each reference.

use super::budget::{self, MAX_VALUE_DEPTH};
use super::convert::{from_json, json_depth};
use super::error::{ExprError, ExprErrorKind};
use super::refs::Chain;
use expr::{Context, ContextProvider, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Variables visible to an expression, given as Argo's flat keys:
/// `"inputs.parameters.x" -> "value"`, `"workflow.name" -> "wf"`,
/// `"item" -> {…}`. See the module docs for how they nest.
#[derive(Debug, Clone, Default)]
pub struct Vars {
    /// A shared, frozen layer (the workflow's globals, a template's
    /// scope): cloning a `Vars` copies only what was added since.
    base: Option<Arc<BTreeMap<String, serde_json::Value>>>,
    /// Added since the last [`Vars::freeze`]; shadows `base`.
    flat: BTreeMap<String, serde_json::Value>,
    /// "Now" for Sprig's date functions, in seconds since 1970 (UTC): the
    /// caller's clock, passed in so that evaluation stays pure.
    clock: Option<i64>,
}

impl Vars {
    /// No variables.
    pub fn new() -> Self {
        Self::default()
    }

    /// Let date functions see `unix` (seconds since 1970, UTC) as now.
    pub fn set_clock(&mut self, unix: i64) {
        self.clock = Some(unix);
    }

    /// The time date functions see as now, if the caller gave one.
    pub fn clock(&self) -> Option<i64> {
        self.clock
    }

    /// Set the variable `key` (a flat, dotted key) to `value`.
    pub fn insert(&mut self, key: impl Into<String>, value: serde_json::Value) {
        self.flat.insert(key.into(), value);
    }

    /// Make what was added so far part of the shared layer, so that clones
    /// of this `Vars` (one per task of a large DAG) cost only what each
    /// adds. Costs one copy of the variables.
    pub fn freeze(&mut self) {
        if self.flat.is_empty() {
            return;
        }
        let own = std::mem::take(&mut self.flat);
        let merged = match self.base.take() {
            None => own,
            Some(base) => {
                let mut m = Arc::try_unwrap(base).unwrap_or_else(|b| (*b).clone());
                m.extend(own);
                m
            }
        };
        self.base = Some(Arc::new(merged));
    }

    /// The value of the flat key `key`, as inserted.
    pub fn get(&self, key: &str) -> Option<&serde_json::Value> {
        self.flat.get(key).or_else(|| self.base.as_ref()?.get(key))
    }

    /// Number of flat keys.
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// Whether there are no variables.
    pub fn is_empty(&self) -> bool {
        self.flat.is_empty() && self.base.as_ref().is_none_or(|b| b.is_empty())
    }

    /// The flat keys and values, sorted by key.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &serde_json::Value)> {
        static EMPTY: BTreeMap<String, serde_json::Value> = BTreeMap::new();
        let base = self.base.as_deref().unwrap_or(&EMPTY);
        Merged { own: self.flat.iter().peekable(), base: base.iter().peekable() }
    }

    /// Whether `key` is shadowed by a more specific key (`a` by `a.b`), as
    /// Argo's `removeConflicts` decides.
    fn shadowed(&self, key: &str) -> bool {
        let prefix = format!("{key}.");
        let has = |m: &BTreeMap<String, serde_json::Value>| {
            m.range(prefix.clone()..).next().is_some_and(|(k, _)| k.starts_with(&prefix))
        };
        has(&self.flat) || self.base.as_deref().is_some_and(has)
    }

    /// The nested variables reachable through `chains` (all of them when a
    /// chain is `$env`).
    pub(crate) fn scope(&self, chains: &[Chain], src_len: usize) -> Result<Scope, ExprError> {
        let everything = chains.iter().any(|c| c.segments.first().is_some_and(|r| r == "$env"));
        // A map value as the root, so that expr-lang's map type need not be
        // named (its crate is not ours to depend on).
        let mut root = Value::Map(Default::default());
        for (key, value) in self.iter() {
            if self.shadowed(key) {
                continue;
            }
            let segments: Vec<&str> = key.split('.').collect();
            if !everything && !chains.iter().any(|c| related(&segments, &c.segments)) {
                // Keep the maps a reference walks through (`tasks` and
                // `tasks.skip` for `tasks.skip.outputs.x` next to
                // `tasks.skip.id`), so that a missing member is nil, as in
                // Argo, rather than an unknown variable.
                for c in chains {
                    let shared =
                        segments.iter().zip(&c.segments).take_while(|(a, b)| *a == *b).count();
                    if shared > 0 {
                        ensure_maps(&mut root, &segments[..shared]);
                    }
                }
                continue;
            }
            if segments.len() + json_depth(value) > MAX_VALUE_DEPTH {
                return Err(ExprError::whole(
                    src_len,
                    format!("variable `{key}` is nested more than {MAX_VALUE_DEPTH} levels deep"),
                )
                .kind(ExprErrorKind::Limit));
            }
            insert(&mut root, &segments, from_json(value));
        }
        let Value::Map(roots) = root else {
            return Ok(Scope::default());
        };
        let roots = roots
            .into_iter()
            .map(|(k, value)| {
                let cost = budget::measure(&value).cost;
                (k, Entry { value, cost })
            })
            .collect();
        Ok(Scope { roots, lets: Vec::new() })
    }
}

/// Two sorted maps read as one, the first shadowing the second.
struct Merged<'a, I: Iterator<Item = (&'a String, &'a serde_json::Value)>> {
    own: std::iter::Peekable<I>,
    base: std::iter::Peekable<I>,
}

impl<'a, I: Iterator<Item = (&'a String, &'a serde_json::Value)>> Iterator for Merged<'a, I> {
    type Item = (&'a str, &'a serde_json::Value);

    fn next(&mut self) -> Option<Self::Item> {
        let take_own = match (self.own.peek(), self.base.peek()) {
            (None, None) => return None,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (Some((a, _)), Some((b, _))) => {
                if a == b {
                    self.base.next();
                    true
                } else {
                    a < b
                }
            }
        };
        let (k, v) = if take_own { self.own.next()? } else { self.base.next()? };
        Some((k.as_str(), v))
    }
}

/// Whether a key and a reference chain overlap: one is a prefix of the other.
fn related(key: &[&str], chain: &[String]) -> bool {
    key.iter().zip(chain).all(|(a, b)| a == b)
}

/// Create empty maps along `segments` where nothing is yet.
fn ensure_maps(root: &mut Value, segments: &[&str]) {
    let mut current = root;
    for seg in segments {
        let Value::Map(map) = current else { return };
        current = map.entry((*seg).to_string()).or_insert_with(|| Value::Map(Default::default()));
    }
}

/// Argo's `expandKey`: walk/create maps along `segments`, replacing any
/// non-map in the way, and set the last segment.
fn insert(root: &mut Value, segments: &[&str], value: Value) {
    let Some((last, path)) = segments.split_last() else {
        return;
    };
    let mut current = root;
    for seg in path {
        let Value::Map(map) = current else { return };
        let slot = map.entry((*seg).to_string()).or_insert_with(|| Value::Map(Default::default()));
        if !matches!(slot, Value::Map(_)) {
            *slot = Value::Map(Default::default());
        }
        current = slot;
    }
    if let Value::Map(map) = current {
        map.insert((*last).to_string(), value);
    }
}

/// A variable with its size, measured once.
#[derive(Debug)]
pub(crate) struct Entry {
    pub value: Value,
    pub cost: u64,
}

/// The variables of one evaluation as expr-lang sees them. Every lookup is
/// charged to the budget: expr-lang deep-copies what it looks up.
#[derive(Debug, Default)]
pub(crate) struct Scope {
    roots: Vec<(String, Entry)>,
    /// Values of top-level `let` statements evaluated so far; later ones
    /// shadow earlier ones and the variables.
    lets: Vec<(String, Entry)>,
}

impl Scope {
    /// Bind a `let` name.
    pub(crate) fn bind(&mut self, name: String, value: Value, cost: u64) {
        self.lets.push((name, Entry { value, cost }));
    }

    fn find(&self, key: &str) -> Option<&Entry> {
        fn hit<'e>(list: &'e [(String, Entry)], key: &str) -> Option<&'e Entry> {
            list.iter().rev().find(|(k, _)| k == key).map(|(_, e)| e)
        }
        hit(&self.lets, key).or_else(|| hit(&self.roots, key))
    }
}

impl ContextProvider for Scope {
    fn get(&self, key: &str) -> Option<&Value> {
        let entry = self.find(key)?;
        // Out of budget: behave as unknown; the evaluation reports the budget.
        budget::charge_bytes(entry.cost).ok()?;
        Some(&entry.value)
    }

    fn to_context(&self) -> Context {
        let mut ctx = Context::default();
        let total: u64 = self.roots.iter().chain(&self.lets).map(|(_, e)| e.cost).sum();
        if budget::charge_bytes(total).is_err() {
            return ctx;
        }
        for (k, e) in self.roots.iter().chain(&self.lets) {
            ctx.insert(k.clone(), e.value.clone());
        }
        ctx
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::lexer::tokenize;
    use crate::expr::refs::chains;
    use serde_json::json;

    fn scope_for(vars: &Vars, src: &str) -> Scope {
        let chains = chains(src, &tokenize(src));
        match vars.scope(&chains, src.len()) {
            Ok(s) => s,
            Err(e) => panic!("{e}"),
        }
    }

    fn sample() -> Vars {
        let mut v = Vars::new();
        v.insert("inputs.parameters", json!("[{\"name\":\"x\"}]"));
        v.insert("inputs.parameters.x", json!("1"));
        v.insert("inputs.parameters.my-p", json!("2"));
        v.insert("steps.a.outputs.result", json!("big"));
        v.insert("steps.b.outputs.result", json!("other"));
        v.insert("item", json!({"k": [1, 2]}));
        v
    }

    #[test]
    fn nests_like_argo_and_drops_shadowed_parents() {
        let s = scope_for(&sample(), "$env");
        let inputs = s.get("inputs").cloned();
        let expected: Value = [(
            "parameters",
            Value::from_iter([("my-p", Value::from("2")), ("x", Value::from("1"))]),
        )]
        .into_iter()
        .collect();
        assert_eq!(inputs, Some(expected));
        assert!(s.get("item").is_some());
        assert_eq!(sample().get("inputs.parameters.x"), Some(&json!("1")));
    }

    #[test]
    fn only_reachable_parts_are_materialised() {
        let s = scope_for(&sample(), "steps.a.outputs.result == 'x'");
        assert!(s.get("inputs").is_none());
        let steps = s.get("steps").cloned().unwrap_or_default();
        let Value::Map(m) = steps else { panic!("steps is a map") };
        assert_eq!(m.keys().collect::<Vec<_>>(), vec!["a"]);
        // A dynamic index keeps the whole subtree.
        let s = scope_for(&sample(), "steps[name].outputs.result");
        let Some(Value::Map(m)) = s.get("steps").cloned() else { panic!("steps") };
        assert_eq!(m.len(), 2);
    }

    #[test]
    fn lets_shadow_variables() {
        let mut s = scope_for(&sample(), "item");
        s.bind("item".into(), Value::Integer(7), 1);
        assert_eq!(s.get("item"), Some(&Value::Integer(7)));
    }

    #[test]
    fn refuses_over_deep_variables() {
        let mut v = Vars::new();
        let mut deep = json!(1);
        for _ in 0..(MAX_VALUE_DEPTH + 1) {
            deep = json!([deep]);
        }
        v.insert("item", deep);
        assert!(v.scope(&chains("item", &tokenize("item")), 4).is_err());
    }
}
