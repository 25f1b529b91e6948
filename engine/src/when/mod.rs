//! `when` conditions on steps and DAG tasks, evaluated exactly as Argo does:
//! with govaluate, after `{{…}}` substitution. This module owns the whole of
//! govaluate as Argo uses it: lexer ([`lex`]), parser and planner ([`plan`]),
//! evaluator ([`eval`]) and its values ([`value`]); the Go library
//! behaviour it shows (`%v`, `strconv.ParseFloat`, `time.Parse` of its date
//! literals) is [`crate::golang`]'s.
//!
//! # What Argo does (read from its source)
//!
//! `shouldExecute` in `workflow/controller/steps.go` (also used for DAG
//! tasks, `dag.go`), v4.x:
//!
//! 1. An empty `when` means "run".
//! 2. The text has already been through template substitution: `{{…}}` tags,
//!    including `{{=…}}` expressions, are replaced first (by the caller
//!    here, see the `tags` module). Nothing else is done to the string: no
//!    quoting of substituted values, no escaping of `-`.
//! 3. `govaluate.NewEvaluableExpression(when)` at the version Argo pins
//!    (`v3.0.1-0.20171022003610-9aa49832a739`). A failure becomes
//!    `Invalid 'when' expression '<when>': <err>`, plus ` (hint: try
//!    wrapping the affected expression in quotes ("))` when the error
//!    contains `Invalid token`.
//! 4. Every `VARIABLE` token becomes a `STRING` token, so bare words are
//!    strings: `heads == heads` is true, `Failed != Succeeded` is true.
//!    Words with a dot are *accessors*, not variables, and are left alone,
//!    so an unsubstituted `steps.x.outputs.result` fails (here at lexing:
//!    `x` is an "unexported field").
//! 5. The tokens are re-parsed (`NewEvaluableExpressionFromTokens`); a
//!    failure becomes `Failed to parse 'when' expression '<when>': <err>`
//!    (a bare word after `=~` is compiled as a regex only at this point).
//! 6. `Evaluate(nil)`; a failure becomes `Failed to evaluate 'when'
//!    expresion '<when>': <err>` (Argo's typo kept), and a result that is not
//!    a bool `Expected boolean evaluation for '<when>'. Got <v>`.
//!
//! Consequences worth knowing, all reproduced:
//!
//! * Hyphens are minus signs: `my-value == my-value` subtracts strings and
//!   fails with "Value 'my' cannot be used with the modifier '-', it is not a
//!   number" (Argo issue #3611); values with `-`, `/`, `:` or spaces must be
//!   quoted in the `when`. Likewise `1.5.2` is a malformed number.
//! * Numbers compare numerically (`10 > 9`), two strings lexically
//!   (`'b' > 'a'`), a number and a string not at all (type error); `==`
//!   between different types is false (`1 == '1'` is false).
//! * `true`/`false` are booleans but `True` is a string, so `{{x}} == true`
//!   needs the value to be exactly `true`.
//! * A quoted string that Go's `time.Parse` reads in one of govaluate's
//!   layouts (`'2024-01-02'`, RFC 3339, `'3:04PM'`, …) is its Unix time.
//! * `in` needs two or more values: `a in (a)` fails (Argo issue #4356).
//! * `&&` binds tighter than `||`; a chain of equal precedence associates
//!   to the left; tokens after a complete expression that the syntax check
//!   lets through (`(a) b`) are ignored.
//! * A prefix cannot precede a string, so once bare words are strings
//!   `!heads` and `-x` fail Argo's second parse; `!(heads)` parses and
//!   fails to evaluate.
//! * Regexes are Go's (RE2): `\d`, `\w`, `\s`, `\b` are ASCII-only, which
//!   is kept by translating them for Rust's `regex`.
//!
//! Where the outcome depends on the controller's machine rather than on
//! Argo, this assumes a UTC controller on amd64 (date literals without a
//! zone; float-to-integer conversion in the bitwise operators).
//!
//! Keelson's departures: inputs of more than [`MAX_TOKENS`] tokens or with
//! parentheses nested deeper than [`MAX_NESTING`] are rejected (they bound
//! the only recursion left, and the work an input can cause), and inputs on
//! which Go would panic (a trailing backslash, `in` comparing two lists) are
//! errors naming the panic.

mod eval;
mod lex;
mod plan;
#[cfg(test)]
mod plan_ref;
mod value;

#[cfg(test)]
mod tests;

use lex::Kind;
use value::Value;

/// Most tokens a `when` may have.
pub const MAX_TOKENS: usize = 1024;

/// Deepest nesting of parentheses in a `when`.
pub const MAX_NESTING: usize = 32;

/// Why a `when` cannot be evaluated (or, for [`check`], parsed). The message
/// has the shape Argo gives the failed node; `offset`/`len` are a byte span
/// of the source to underline.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct WhenError {
    pub offset: usize,
    pub len: usize,
    pub message: String,
}

/// Evaluate a `when` after `{{…}}` substitution, as Argo does with
/// govaluate. `Ok(true)` means the step or task runs; an empty `when` runs.
pub fn eval(src: &str) -> Result<bool, WhenError> {
    if src.is_empty() {
        return Ok(true);
    }
    let plan = compile(src).map_err(|f| f.into_error(src, &[]))?;
    match eval::run(&plan) {
        Ok(Value::Bool(b)) => Ok(b),
        Ok(other) => Err(WhenError {
            offset: 0,
            len: src.len(),
            message: format!("Expected boolean evaluation for '{src}'. Got {other}"),
        }),
        Err(e) => Err(Failure {
            phase: if e.panic { Phase::Panic } else { Phase::Eval },
            msg: e.msg,
            span: e.span,
        }
        .into_error(src, &[])),
    }
}

/// Syntax-only check used by lint on the raw (unsubstituted) text: every
/// `{{…}}` tag is first replaced by a bare word of the same length, so
/// offsets still point into `src` and `{{steps.flip.outputs.result}} ==
/// heads` checks fine. Both of Argo's parses run; nothing is evaluated, as
/// the values are unknown.
pub fn check(src: &str) -> Result<(), WhenError> {
    if src.is_empty() {
        return Ok(());
    }
    let (text, tags) = mask_tags(src);
    compile(&text).map(|_| ()).map_err(|f| f.into_error(src, &tags))
}

/// Which of Argo's steps failed; it decides the message prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// `NewEvaluableExpression`.
    Parse,
    /// `NewEvaluableExpressionFromTokens`.
    Reparse,
    /// `Evaluate`.
    Eval,
    /// Go would panic.
    Panic,
}

struct Failure {
    phase: Phase,
    msg: String,
    span: (usize, usize),
}

impl Failure {
    /// Argo's message for this failure. `tags` maps placeholder words back
    /// to the `{{…}}` text they stand for.
    fn into_error(self, src: &str, tags: &[(String, String)]) -> WhenError {
        let mut msg = self.msg;
        for (word, tag) in tags {
            msg = msg.replace(word.as_str(), tag);
        }
        let message = match self.phase {
            Phase::Parse if msg.contains("Invalid token") => format!(
                "Invalid 'when' expression '{src}': {msg} (hint: try wrapping the affected expression in quotes (\"))"
            ),
            Phase::Parse => format!("Invalid 'when' expression '{src}': {msg}"),
            Phase::Reparse => format!("Failed to parse 'when' expression '{src}': {msg}"),
            Phase::Eval => format!("Failed to evaluate 'when' expresion '{src}': {msg}"),
            Phase::Panic => {
                format!("Invalid 'when' expression '{src}': govaluate panics on this input ({msg})")
            }
        };
        let (start, end) = self.span;
        let start = start.min(src.len());
        WhenError { offset: start, len: end.clamp(start, src.len()) - start, message }
    }
}

/// Argo's two parses: the text as written, then its tokens with bare words
/// turned into strings. Returns the plan of the second.
fn compile(text: &str) -> Result<plan::Plan, Failure> {
    let fail = |phase: Phase| {
        move |e: plan::PlanError| Failure {
            phase: if e.panic { Phase::Panic } else { phase },
            msg: e.msg,
            span: e.span,
        }
    };
    let mut tokens = lex::tokenize(text).map_err(|e| Failure {
        phase: if e.panic { Phase::Panic } else { Phase::Parse },
        msg: e.msg,
        span: (e.start, e.end),
    })?;
    check_limits(&tokens, text.len())?;

    plan::check_syntax(&tokens, text.len()).map_err(fail(Phase::Parse))?;
    plan::optimize(&mut tokens).map_err(fail(Phase::Parse))?;
    plan::plan(&tokens).map_err(fail(Phase::Parse))?;

    for t in &mut tokens {
        if t.kind == Kind::Variable {
            t.kind = Kind::Str;
        }
    }
    plan::check_syntax(&tokens, text.len()).map_err(fail(Phase::Reparse))?;
    plan::optimize(&mut tokens).map_err(fail(Phase::Reparse))?;
    plan::plan(&tokens).map_err(fail(Phase::Reparse))
}

fn check_limits(tokens: &[lex::Token], len: usize) -> Result<(), Failure> {
    if tokens.len() > MAX_TOKENS {
        return Err(Failure {
            phase: Phase::Parse,
            msg: format!("expression has more than {MAX_TOKENS} tokens, Keelson's limit"),
            span: (0, len),
        });
    }
    let mut depth = 0usize;
    for t in tokens {
        match t.kind {
            Kind::Clause => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(Failure {
                        phase: Phase::Parse,
                        msg: format!(
                            "parentheses nest deeper than {MAX_NESTING} levels, Keelson's limit"
                        ),
                        span: (t.start, t.end),
                    });
                }
            }
            Kind::ClauseClose => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// Replace each `{{…}}` tag with a distinct bare word of the same length
/// (`T0__…`, upper case so it also passes as an accessor field). Returns
/// the masked text and `(word, tag)` pairs.
fn mask_tags(src: &str) -> (String, Vec<(String, String)>) {
    let mut out = String::with_capacity(src.len());
    let mut tags = Vec::new();
    let mut rest = src;
    while let Some(open) = rest.find("{{") {
        let Some(close) = rest[open + 2..].find("}}") else {
            break;
        };
        let end = open + 2 + close + 2;
        out.push_str(&rest[..open]);
        let tag = &rest[open..end];
        let id = to_base36(tags.len());
        let word = if id.len() < tag.len() {
            format!("T{id}{}", "_".repeat(tag.len() - id.len() - 1))
        } else {
            "x".repeat(tag.len())
        };
        out.push_str(&word);
        tags.push((word, tag.to_string()));
        rest = &rest[end..];
    }
    out.push_str(rest);
    // Longest first, so a word is never replaced inside a longer one.
    tags.sort_by_key(|(w, _)| std::cmp::Reverse(w.len()));
    (out, tags)
}

fn to_base36(mut n: usize) -> String {
    const DIGITS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut out = Vec::new();
    loop {
        out.push(DIGITS[n % 36]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// The value of a token, for tests and debugging.
#[cfg(test)]
fn token_values(src: &str) -> Vec<(Kind, String)> {
    lex::tokenize(src)
        .map(|ts| {
            ts.into_iter()
                .map(|t| {
                    let v = match &t.val {
                        lex::Tv::Text(s) => s.clone(),
                        other => other.to_string(),
                    };
                    (t.kind, v)
                })
                .collect()
        })
        .unwrap_or_default()
}
