//! expr-lang expressions as Argo evaluates them: the `{{=…}}` tags and the
//! conditions of hooks and retry `expression`s (Argo: `util/template`,
//! `util/expr/env`, `util/expr/argoexpr`). `depends` and `when` live in
//! their own modules.
//!
//! Evaluation uses the `expr-lang` crate with Argo's environment: expr's
//! builtins, `asInt`, `asFloat`, `toJson`, `jsonpath` and `sprig.<fn>(…)`
//! (files `functions.rs`, `sprig*.rs`). Because expressions come from users
//! and the crate's parser and evaluator recurse, every source is vetted
//! first (`guard.rs`, `syntax.rs`) and every evaluation runs under a budget
//! (`budget.rs`): nothing here panics, and time and memory are bounded
//! whatever the input. The source expr-lang compiles is rewritten where the
//! crate falls short of Go's expr (`rewrite.rs`: `sprig.f(…)` calls, map
//! literals, closure arguments, string escapes); errors still point into
//! the author's text.
//!
//! Limits (an [`ExprError`] of kind [`ExprErrorKind::Limit`] or
//! [`ExprErrorKind::Unsupported`] beyond them): 64 KiB of source; nesting
//! 64 (brackets, `?:`, `??`, `if`); tree depth 64 (operators in a chain
//! count); `a[b[…]]` 10 deep; ranges `a..b` need integer-literal bounds
//! (`let n = 3` counts), at most 100 000 elements, 1 000 000 per
//! expression; `let` only at the top level. At run time: strings produced
//! up to 4 MiB, values up to ~32 MiB and 128 levels deep, 64 MiB copied in
//! all (each use of a variable copies it), 20 million work units (a loop
//! iteration costs the size of the expression).
//!
//! ```
//! use engine::expr::{Vars, eval, render};
//! use serde_json::json;
//!
//! let mut vars = Vars::new();
//! vars.insert("inputs.parameters.my-param", json!("21"));
//! let v = eval("asInt(inputs.parameters['my-param']) * 2", &vars).unwrap();
//! assert_eq!(render(&v), "42");
//! ```

mod args;
mod budget;
mod codec;
mod convert;
mod error;
mod functions;
mod guard;
mod jsonpath;
mod lexer;
mod predicates;
mod refs;
mod rewrite;
mod sprig;
mod sprig_data;
mod sprig_math;
mod sprig_text;
mod sprig_time;
mod syntax;
mod vars;

pub use error::{ExprError, ExprErrorKind};
pub use vars::Vars;

use crate::golang::json::{Style, marshal};
use error::clean_message;
use expr::Value;

/// Syntax-check an expression without evaluating it (for lint): the same
/// checks and compilation `eval` does first.
pub fn check(src: &str) -> Result<(), ExprError> {
    guard::vet(src).map(|_| ())
}

/// Evaluate `src` with `vars`. Map keys come out sorted.
pub fn eval(src: &str, vars: &Vars) -> Result<serde_json::Value, ExprError> {
    let value = evaluate(src, vars)?;
    convert::to_json(&value).map_err(|m| {
        ExprError::whole(src.len(), format!("cannot represent the result: {m}"))
            .kind(ExprErrorKind::Eval)
    })
}

/// Evaluate and require a boolean, as Argo's `argoexpr.EvalBool` does for
/// hook and retry expressions.
pub fn eval_bool(src: &str, vars: &Vars) -> Result<bool, ExprError> {
    match evaluate(src, vars)? {
        Value::Bool(b) => Ok(b),
        other => Err(ExprError::whole(
            src.len(),
            clean_message(&format!(
                "expression must evaluate to a boolean, got {} `{}`",
                args::type_name(&other),
                convert::fmt_v(&other)
            )),
        )
        .kind(ExprErrorKind::Eval)),
    }
}

/// Evaluate a `{{=…}}` tag's expression to the text Argo substitutes for
/// it: [`render`] of the result, except that a nil result is an error (Argo:
/// "failed to evaluate expression").
pub fn eval_string(src: &str, vars: &Vars) -> Result<String, ExprError> {
    let value = eval(src, vars)?;
    if value.is_null() {
        return Err(
            ExprError::whole(src.len(), "expression evaluated to nil").kind(ExprErrorKind::Eval)
        );
    }
    Ok(render(&value))
}

/// Render a value the way Argo substitutes a `{{=…}}` result into a string:
/// strings as they are; everything else as Go's `json.Marshal` writes it
/// (`3`, `0.5`, `1e+21`, `true`, objects with sorted keys and `<>&`
/// escaped as `\u003c`…). `null` renders as `null`, though Argo refuses a
/// nil result before rendering (see [`eval_string`]).
pub fn render(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        other => marshal(other, Style::COMPACT),
    }
}

/// Variables an expression refers to, for lint: each chain of an identifier
/// and constant `.name` / `['key']` links, joined with dots, with the byte
/// offset where it starts. Function names, closure variables (`#`),
/// keywords, map keys and `let`-bound names are skipped.
pub fn references(src: &str) -> Vec<(String, usize)> {
    refs::references(src)
}

/// What a closure iteration costs: the size of the program, plus what the
/// ranges and non-literal regexes inside closures build each time.
fn iteration_cost(vetted: &guard::Vetted) -> u64 {
    (vetted.tokens.len() as u64)
        .saturating_add(vetted.shape.loop_range_elements)
        .saturating_add(vetted.shape.dynamic_regexes.saturating_mul(10_000))
}

fn evaluate(src: &str, vars: &Vars) -> Result<Value, ExprError> {
    let vetted = guard::vet(src)?;
    let chains = refs::chains(src, &vetted.tokens);
    let mut scope = vars.scope(&chains, src.len())?;
    let env = &*functions::ENV;
    let _clock = sprig_time::Clock::set(vars.clock());
    let (result, exceeded) = budget::run(iteration_cost(&vetted), || {
        let rw = &vetted.rewritten;
        // Top-level `let`s are evaluated one by one so that their values
        // are measured and looked up through the (charging) scope.
        for binding in &vetted.shape.lets {
            let (start, end) = binding.value;
            let program = guard::compile(rw, rw.to_new(start), rw.to_new(end))?;
            let value = env.run(&program, &scope).map_err(|e| runtime(&e, start, end - start))?;
            let size = budget::admit(&value, &format!("`let {}`", binding.name))
                .map_err(|m| ExprError::at(start, end - start, m).kind(ExprErrorKind::Limit))?;
            scope.bind(binding.name.clone(), value, size.cost);
        }
        if vetted.shape.lets.is_empty() {
            return env.run(&vetted.program, &scope).map_err(|e| runtime(&e, 0, src.len()));
        }
        let (start, end) = vetted.shape.body;
        let program = guard::compile(rw, rw.to_new(start), rw.to_new(end))?;
        env.run(&program, &scope).map_err(|e| runtime(&e, start, end - start))
    });
    match exceeded {
        // What expr-lang reported may only be a consequence of it.
        Some(why) => Err(ExprError::whole(src.len(), why).kind(ExprErrorKind::Limit)),
        None => result,
    }
}

/// A run-time error of the piece at `offset`, `len` bytes long.
fn runtime(e: &expr::Error, offset: usize, len: usize) -> ExprError {
    ExprError::at(offset, len, clean_message(&e.to_string())).kind(ExprErrorKind::Eval)
}

#[cfg(test)]
mod tests;
