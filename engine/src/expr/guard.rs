//! The static limits, and [`vet`]: everything a source goes through before
//! expr-lang parses it. expr-lang's pest parser and its evaluator recurse
//! (per bracket, per `??`/`?:`/`if`, per operator in a chain) and the parser
//! backtracks exponentially on nested indexing, so sources are measured
//! first and refused, with a located error, when they would exhaust the
//! stack or the clock. A refused source is never handed to pest, and what is
//! handed over is the rewritten source (`rewrite`), as expr-lang panics on
//! some map literals pest accepts.

use super::error::{ExprError, ExprErrorKind, from_compile};
use super::lexer::{Kind, Token, tokenize};
use super::rewrite::Rewritten;
use super::syntax::{self, Scan, Shape};
use expr::Program;
use std::num::NonZeroUsize;

/// Longest source accepted.
pub(crate) const MAX_SOURCE_LEN: usize = 64 * 1024;
/// Deepest nesting of brackets plus the constructs pest parses by recursion
/// (`?:`, `??`, `if`).
pub(crate) const MAX_NESTING: usize = 64;
/// Deepest tree expr-lang may build: each level costs a few KiB of stack in
/// its evaluator (measured: ~2 KiB optimised, ~17 KiB in debug builds).
pub(crate) const MAX_DEPTH: usize = 64;
/// Deepest `a[b[c[…]]]` nesting; pest's time triples with each level.
pub(crate) const MAX_INDEX_NESTING: usize = 10;
/// Largest `a..b` range (expr-lang builds the whole array).
pub(crate) const MAX_RANGE_ELEMENTS: u64 = 100_000;
/// All ranges of one expression together.
pub(crate) const MAX_RANGE_ELEMENTS_TOTAL: u64 = 1_000_000;
/// pest's budget of rule calls per parse: ~0.3 s; a 64 KiB flat expression
/// needs a few million.
const PEST_CALL_LIMIT: usize = 10_000_000;

/// A source that passed every static check, and what was learnt about it.
pub(crate) struct Vetted {
    /// The source as expr-lang gets it (see `rewrite`).
    pub rewritten: Rewritten,
    pub shape: Shape,
    pub tokens: Vec<Token>,
    /// The whole (rewritten) program, compiled.
    pub program: Program,
}

/// Check `src` and compile it.
pub(crate) fn vet(src: &str) -> Result<Vetted, ExprError> {
    if src.len() > MAX_SOURCE_LEN {
        return Err(ExprError::whole(
            src.len(),
            format!(
                "expression is {} bytes long; at most {} KiB are allowed",
                src.len(),
                MAX_SOURCE_LEN / 1024
            ),
        )
        .kind(ExprErrorKind::Limit));
    }
    let tokens = tokenize(src);
    prescan(src, &tokens)?;
    let shape = match syntax::scan(src, &tokens)? {
        Scan::Understood(shape) => shape,
        Scan::Confused(at, expected) => return Err(unexpected(src, at, expected)),
    };
    if shape.depth > MAX_DEPTH {
        return Err(ExprError::whole(
            src.len(),
            format!(
                "expression is nested {} levels deep (counting operators and calls); \
                 at most {MAX_DEPTH} are allowed — split it, e.g. with `let`",
                shape.depth
            ),
        )
        .kind(ExprErrorKind::Limit));
    }
    let rewritten = Rewritten::new(src, shape.edits.clone());
    let program = compile(&rewritten, 0, rewritten.text.len())?;
    Ok(Vetted { rewritten, shape, tokens, program })
}

/// Compile the part `start..end` of a rewritten source, with pest's call
/// limit in place; errors are located in the original source.
pub(crate) fn compile(
    rewritten: &Rewritten,
    start: usize,
    end: usize,
) -> Result<Program, ExprError> {
    let piece = rewritten.text.get(start..end).unwrap_or("");
    // Process-wide, read when each parse starts; always the same value.
    pest::set_call_limit(NonZeroUsize::new(PEST_CALL_LIMIT));
    expr::compile(piece).map_err(|e| {
        let e = from_compile(&e, piece);
        let from = rewritten.to_original(start + e.offset);
        let to = rewritten.to_original(start + e.offset + e.len).max(from + 1);
        ExprError { offset: from, len: to - from, ..e }
    })
}

fn unexpected(src: &str, at: usize, expected: &str) -> ExprError {
    match src.get(at..).and_then(|r| r.chars().next()) {
        Some(c) => ExprError::at(at, c.len_utf8(), format!("unexpected `{c}`: {expected}")),
        None => ExprError::at(src.len(), 1, format!("unexpected end of expression: {expected}")),
    }
}

struct Group {
    open: Option<Token>,
    /// `?`, `??`, `if` seen in this group: pest recurses for each.
    recursive: usize,
}

/// Bracket balance and nesting, before anything recursive runs.
fn prescan(src: &str, tokens: &[Token]) -> Result<(), ExprError> {
    let mut stack = vec![Group { open: None, recursive: 0 }];
    for t in tokens {
        let text = t.text(src);
        let mut recursive = false;
        if t.kind == Kind::Punct {
            match text {
                "(" | "[" | "{" => stack.push(Group { open: Some(*t), recursive: 0 }),
                ")" | "]" | "}" => {
                    let want = match text {
                        ")" => "(",
                        "]" => "[",
                        _ => "{",
                    };
                    match stack.last().and_then(|g| g.open) {
                        Some(open) if open.text(src) == want => {
                            stack.pop();
                        }
                        Some(open) => {
                            return Err(ExprError::at(
                                t.start,
                                1,
                                format!(
                                    "unexpected `{text}`: `{}` at offset {} is still open",
                                    open.text(src),
                                    open.start
                                ),
                            ));
                        }
                        None => {
                            return Err(ExprError::at(
                                t.start,
                                1,
                                format!("unexpected `{text}`: nothing to close"),
                            ));
                        }
                    }
                }
                "?" | "??" => recursive = true,
                _ => {}
            }
        } else if t.is_word(src, "if") {
            recursive = true;
        }
        if let Some(g) = stack.last_mut()
            && recursive
        {
            g.recursive += 1;
        }
        let nesting = stack.len() - 1 + stack.iter().map(|g| g.recursive).sum::<usize>();
        if nesting > MAX_NESTING {
            return Err(ExprError::at(
                t.start,
                t.end - t.start,
                format!(
                    "expression is nested more than {MAX_NESTING} levels deep \
                     (brackets, `?:`, `??` and `if` count)"
                ),
            )
            .kind(ExprErrorKind::Limit));
        }
    }
    if let Some(open) = stack.last().and_then(|g| g.open) {
        return Err(ExprError::at(open.start, 1, format!("`{}` is never closed", open.text(src))));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(src: &str) -> ExprError {
        match vet(src) {
            Ok(_) => panic!("{src:?} should be refused"),
            Err(e) => e,
        }
    }

    #[test]
    fn brackets_must_balance() {
        let e = err("f(a]");
        assert_eq!(e.offset, 3);
        assert!(e.message.contains("still open"));
        assert_eq!(err("a)").offset, 1);
        assert_eq!(err("x + (1").offset, 4);
    }

    #[test]
    fn nesting_is_bounded() {
        let ok = format!("{}1{}", "(".repeat(MAX_NESTING), ")".repeat(MAX_NESTING));
        assert!(vet(&ok).is_ok());
        let deep = format!("{}1{}", "(".repeat(MAX_NESTING + 1), ")".repeat(MAX_NESTING + 1));
        let e = err(&deep);
        assert_eq!(e.offset, MAX_NESTING);
        assert!(e.message.contains("nested"));
        let chain = format!("{}1", "x ?? ".repeat(MAX_NESTING + 1));
        assert!(err(&chain).message.contains("nested"));
    }

    #[test]
    fn depth_counts_operator_chains() {
        let ok = vec!["1"; MAX_DEPTH].join(" + ");
        assert!(vet(&ok).is_ok());
        let long = vec!["1"; MAX_DEPTH + 2].join(" + ");
        assert!(err(&long).message.contains("levels deep"));
        let flat = format!("[{}]", vec!["a.b.c"; 2000].join(", "));
        assert!(vet(&flat).is_ok());
    }

    #[test]
    fn length_is_bounded() {
        let long = format!("'{}'", "x".repeat(MAX_SOURCE_LEN));
        assert!(err(&long).message.contains("KiB"));
    }

    #[test]
    fn sprig_calls_are_rewritten_in_place() {
        let v = vet("sprig.trim(' x ') + 'sprig.trim(y)'").ok().map(|v| v.rewritten.text);
        assert_eq!(v.as_deref(), Some("sprig_trim(' x ') + 'sprig.trim(y)'"));
    }

    #[test]
    fn exponential_index_nesting_is_refused_quickly() {
        let src = format!("{}1{}", "a[".repeat(20), "]".repeat(20));
        assert!(err(&src).message.contains("backtracks"));
        let src = format!("{}1 +{}", "a[".repeat(9), "]".repeat(9));
        let started = std::time::Instant::now();
        assert!(vet(&src).is_err());
        assert!(started.elapsed().as_secs() < 5);
    }
}
