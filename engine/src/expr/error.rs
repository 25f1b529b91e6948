//! [`ExprError`], the one error type of the expression module, and the
//! translation of expr-lang's errors (pest syntax errors carry a byte
//! position; run-time errors carry none) into it.

/// Where and why an expression is bad. `offset` is a byte offset into the
/// expression source (0-based), `len` bytes long (>= 1 where possible).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct ExprError {
    pub offset: usize,
    pub len: usize,
    pub message: String,
    /// What kind of problem it is (lint may weigh them differently).
    pub kind: ExprErrorKind,
}

/// The kinds of [`ExprError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExprErrorKind {
    /// Not valid expr syntax: Argo would refuse it too.
    #[default]
    Syntax,
    /// Valid for Argo, but a construct Keelson does not support (a range
    /// with non-literal bounds, `let` inside a block, …).
    Unsupported,
    /// Beyond one of Keelson's safety limits (length, nesting, memory,
    /// work): Argo might accept it.
    Limit,
    /// Failed while evaluating.
    Eval,
}

impl ExprError {
    /// A syntax error about `len` bytes at `offset`.
    pub(crate) fn at(offset: usize, len: usize, message: impl Into<String>) -> Self {
        ExprError { offset, len: len.max(1), message: message.into(), kind: ExprErrorKind::Syntax }
    }

    /// A syntax error about the whole of a source `src_len` bytes long.
    pub(crate) fn whole(src_len: usize, message: impl Into<String>) -> Self {
        ExprError::at(0, src_len, message)
    }

    /// The same error, of `kind`.
    pub(crate) fn kind(mut self, kind: ExprErrorKind) -> Self {
        self.kind = kind;
        self
    }
}

/// Translate an error from `expr::compile` of `src` (offsets in `src`).
pub(crate) fn from_compile(err: &expr::Error, src: &str) -> ExprError {
    match err {
        expr::Error::PestError(e) => from_pest(e, src),
        // Numeric literal errors: say which literal where we can find it.
        expr::Error::ParseError(msg) => {
            // "invalid integer literal X: …" / "float literal is out of range: X"
            let literal = match msg.strip_prefix("float literal is out of range: ") {
                Some(rest) => rest,
                None => msg.split_whitespace().nth(3).unwrap_or("").trim_end_matches(':'),
            };
            match (!literal.is_empty()).then(|| src.find(literal)).flatten() {
                Some(at) => ExprError::at(at, literal.len(), clean_message(msg)),
                None => ExprError::whole(src.len(), clean_message(msg)),
            }
        }
        other => ExprError::whole(src.len(), clean_message(&other.to_string())),
    }
}

fn from_pest<R: std::fmt::Debug>(e: &pest::error::Error<R>, src: &str) -> ExprError {
    let pos = match e.location {
        pest::error::InputLocation::Pos(p) => p,
        pest::error::InputLocation::Span((s, _)) => s,
    }
    .min(src.len());
    let found = src.get(pos..).and_then(|rest| rest.chars().next());
    let len = found.map_or(1, char::len_utf8);
    let message = match &e.variant {
        pest::error::ErrorVariant::CustomError { message } => {
            // pest's call/stack limits (see `guard::PEST_CALL_LIMIT`).
            return ExprError::at(
                pos,
                len,
                format!(
                    "expression is too complex to parse ({message}); \
                     simplify it, e.g. avoid deeply nested `[…]` indexing"
                ),
            )
            .kind(ExprErrorKind::Limit);
        }
        pest::error::ErrorVariant::ParsingError { positives, .. } => {
            let names: Vec<String> = positives.iter().map(|r| format!("{r:?}")).collect();
            let wants_value = names.iter().any(|n| {
                matches!(
                    n.as_str(),
                    "program" | "expr" | "value" | "ident" | "array" | "map" | "conditional_if"
                )
            });
            let wants_end = names.iter().any(|n| n == "EOI");
            let expected = if wants_value {
                "expected a value: a literal, a variable, a function call, `(`, `[` or `{`"
            } else if wants_end {
                "expected an operator or the end of the expression"
            } else if names.iter().any(|n| n.ends_with("_op") || n == "ternary" || n == "pipe") {
                "expected an operator"
            } else if names.is_empty() {
                "syntax error"
            } else {
                "unexpected input"
            };
            match found {
                None => format!("unexpected end of expression: {expected}"),
                Some(c) => format!("unexpected `{c}`: {expected}"),
            }
        }
    };
    ExprError::at(pos, len, message)
}

/// Make an expr-lang message read in terms of what the author wrote.
pub(crate) fn clean_message(msg: &str) -> String {
    // `sprig.x(…)` is compiled as `sprig_x(…)` (see `syntax`), so the
    // function names in messages have to be turned back.
    let mut out = msg.replace("sprig_", "sprig.");
    if let Some(rest) = out.strip_prefix("unknown method ") {
        let name = rest.split(':').next().unwrap_or("").to_string();
        out = format!(
            "method calls (`.{name}(…)`) are not supported; \
             only `sprig.<function>(…)` uses this syntax"
        );
    }
    if let Some(name) = out.strip_prefix("Unknown function: ") {
        out = format!("unknown function `{name}`");
    }
    // expr-lang puts whole values (Debug-formatted) into some messages.
    const MAX: usize = 300;
    if out.len() > MAX {
        let mut cut = MAX;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pest_errors_point_at_the_offending_byte() {
        let src = "<% ctx.build_tag %>";
        let err = expr::compile(src).err().map(|e| from_compile(&e, src));
        let err = err.expect("must fail");
        assert_eq!((err.offset, err.len), (0, 1));
        assert!(err.message.starts_with("unexpected `<`"), "{}", err.message);

        let src = "1 +";
        let err = expr::compile(src).err().map(|e| from_compile(&e, src));
        let err = err.expect("must fail");
        assert_eq!(err.offset, 3);
        assert!(err.message.starts_with("unexpected end"), "{}", err.message);
    }

    #[test]
    fn numeric_literal_errors_find_the_literal() {
        let src = "1 + 9223372036854775808";
        let err = expr::compile(src).err().map(|e| from_compile(&e, src));
        let err = err.expect("must fail");
        assert_eq!((err.offset, err.len), (4, 19));
    }

    #[test]
    fn messages_speak_sprig() {
        assert_eq!(clean_message("Unknown function: sprig_nope"), "unknown function `sprig.nope`");
        assert!(clean_message("unknown method Seconds: methods require").contains(".Seconds("));
        assert!(clean_message(&"x".repeat(10_000)).len() < 400);
    }
}
