//! DAG `depends` clauses: parsing, canonical printing and evaluation of the
//! boolean language Argo accepts in `dag.tasks[].depends`, and Argo's rewrite
//! of the legacy `dependencies: [A, B]` list into that language.
//!
//! # What Argo does (read from its source, v4.x)
//!
//! * `workflow/common/ancestry.go` finds task references with the regex
//!   `([a-zA-Z0-9][-a-zA-Z0-9]*?\.[A-Z][a-zA-Z]+)|([a-zA-Z0-9][-a-zA-Z0-9]*)`:
//!   a task name is `[a-zA-Z0-9][-a-zA-Z0-9]*` (the DAG task-name rule
//!   `workflowFieldNameFmt` in `validate.go`), optionally followed by `.` and
//!   a result, with no whitespace around the dot. `A-B.Succeeded` is task
//!   `A-B`.
//! * A bare name is expanded textually (`expandDependency`) into
//!   `(A.Succeeded || A.Skipped || A.Daemoned)`, plus `|| A.Errored` /
//!   `|| A.Failed` when task `A` has `continueOn.error` / `continueOn.failed`.
//!   `validate.go` rejects `continueOn` anywhere in a DAG that uses `depends`,
//!   so inside `depends` a bare name is always the three-way OR
//!   ([`Depends::eval`]); the `continueOn` variant only arises from
//!   `dependencies`, which [`from_dependencies`] reproduces byte for byte.
//! * `ValidateTaskResults` rejects result names outside `Succeeded, Failed,
//!   Errored, Skipped, Omitted, Daemoned, AnySucceeded, AllFailed` with
//!   "task result '…' for task '…' is invalid"; our error starts the same way
//!   and adds a did-you-mean.
//! * `workflow/controller/dag.go` (`evaluateDependsLogic`) replaces every `-`
//!   with `_` and evaluates the string with expr-lang over a map of
//!   `TaskResults` structs, so the operators are expr-lang's: `!` binds
//!   tighter than `&&`, which binds tighter than `||`; whitespace is free
//!   between tokens. Words such as `and`/`or` would be taken for task names by
//!   the regex above (and then fail validation), so only `&&`, `||`, `!` and
//!   parentheses are accepted here.
//! * `validate.go` also rejects task names starting with a digit when a DAG
//!   uses `depends` (expr-lang cannot parse `1a.Succeeded`). That is a rule
//!   about the DAG's task names, so it belongs to lint; [`parse`] accepts
//!   whatever the ancestry regex accepts.
//!
//! The parser is iterative for `&&`/`||` chains; only `(` and `!` nest, and
//! nesting deeper than [`MAX_NESTING`] is rejected, as is an expression with
//! more than [`MAX_OPERANDS`] task references, so every recursive walk of the
//! tree (evaluation, printing, dropping) has a bounded depth.

use std::fmt;

#[cfg(test)]
pub(crate) mod tests;

/// How deeply `(` and `!` may nest before [`parse`] gives up.
pub const MAX_NESTING: usize = 256;

/// How many task references one expression may hold. Chains of `&&`/`||`
/// make left-leaning trees as deep as they are long, so this bounds the
/// depth of every walk over the tree. It is far above any real fan-in.
pub const MAX_OPERANDS: usize = 4096;

/// The result a `depends` clause can ask about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TaskResult {
    Succeeded,
    Failed,
    Errored,
    Skipped,
    Omitted,
    Daemoned,
    AnySucceeded,
    AllFailed,
}

impl TaskResult {
    /// Every result, in the order Argo's documentation lists them.
    pub const ALL: [TaskResult; 8] = [
        TaskResult::Succeeded,
        TaskResult::Failed,
        TaskResult::Errored,
        TaskResult::Skipped,
        TaskResult::Omitted,
        TaskResult::Daemoned,
        TaskResult::AnySucceeded,
        TaskResult::AllFailed,
    ];

    /// The spelling used in `depends` (`Succeeded`, …).
    pub fn name(self) -> &'static str {
        match self {
            TaskResult::Succeeded => "Succeeded",
            TaskResult::Failed => "Failed",
            TaskResult::Errored => "Errored",
            TaskResult::Skipped => "Skipped",
            TaskResult::Omitted => "Omitted",
            TaskResult::Daemoned => "Daemoned",
            TaskResult::AnySucceeded => "AnySucceeded",
            TaskResult::AllFailed => "AllFailed",
        }
    }

    /// The result spelt exactly `name` (case matters, as in Argo).
    pub fn from_name(name: &str) -> Option<TaskResult> {
        TaskResult::ALL.into_iter().find(|r| r.name() == name)
    }

    /// Whether this result only makes sense for a task expanded with
    /// `withItems`/`withParam`/`withSequence` (Argo's `DependencyTypeItems`).
    pub fn is_group_result(self) -> bool {
        matches!(self, TaskResult::AnySucceeded | TaskResult::AllFailed)
    }
}

impl fmt::Display for TaskResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A parsed depends expression.
///
/// Equality is structural and ignores `offset`: two expressions are equal
/// when they mean the same thing written the same way, wherever they came
/// from (so `parse(&d.to_string()) == Ok(d)`).
#[derive(Debug, Clone)]
pub enum Depends {
    /// `name` (bare, `result: None`) or `name.Result`; `offset` is the byte
    /// offset of the name in the source.
    Task {
        name: String,
        result: Option<TaskResult>,
        offset: usize,
    },
    Not(Box<Depends>),
    And(Box<Depends>, Box<Depends>),
    Or(Box<Depends>, Box<Depends>),
}

impl PartialEq for Depends {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (
                Depends::Task {
                    name: n1,
                    result: r1,
                    ..
                },
                Depends::Task {
                    name: n2,
                    result: r2,
                    ..
                },
            ) => n1 == n2 && r1 == r2,
            (Depends::Not(a), Depends::Not(b)) => a == b,
            (Depends::And(..), Depends::And(..)) | (Depends::Or(..), Depends::Or(..)) => {
                // Compare whole chains at once so a long `A && B && …` does
                // not recurse once per operand.
                let (a, b) = (self.chain(), other.chain());
                a.len() == b.len() && a.iter().zip(&b).all(|(x, y)| x == y)
            }
            _ => false,
        }
    }
}

impl Eq for Depends {}

/// Why a depends expression does not parse. `offset`/`len` are a byte span
/// of the source to underline.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct DependsError {
    pub offset: usize,
    pub len: usize,
    pub message: String,
}

/// Parse a `depends` string.
pub fn parse(src: &str) -> Result<Depends, DependsError> {
    let mut p = Parser {
        src,
        bytes: src.as_bytes(),
        pos: 0,
        depth: 0,
        operands: 0,
    };
    p.skip_ws();
    if p.pos == src.len() {
        return Err(p.error(0, src.len(), "empty depends expression".to_string()));
    }
    let expr = p.parse_or()?;
    p.skip_ws();
    if p.pos < src.len() {
        return Err(p.unexpected_after_operand());
    }
    Ok(expr)
}

impl Depends {
    /// Names of tasks referenced, with byte offsets into the source (for
    /// lint: unknown task, did-you-mean). Every occurrence is listed, in
    /// source order.
    pub fn tasks(&self) -> Vec<(&str, usize)> {
        let mut out = Vec::new();
        // Explicit stack: chains can be long, see MAX_OPERANDS.
        let mut stack = vec![self];
        while let Some(node) = stack.pop() {
            match node {
                Depends::Task { name, offset, .. } => out.push((name.as_str(), *offset)),
                Depends::Not(inner) => stack.push(inner),
                Depends::And(a, b) | Depends::Or(a, b) => {
                    stack.push(b);
                    stack.push(a);
                }
            }
        }
        out
    }

    /// Evaluate: `state(task, result)` answers whether that task ended with
    /// that result. A bare `A` means `(A.Succeeded || A.Skipped ||
    /// A.Daemoned)` as in Argo. Both operands of `&&`/`||` are short-circuited
    /// like expr-lang does, so `state` is not asked more than needed.
    pub fn eval(&self, state: &dyn Fn(&str, TaskResult) -> bool) -> bool {
        match self {
            Depends::Task {
                name,
                result: Some(r),
                ..
            } => state(name, *r),
            Depends::Task {
                name, result: None, ..
            } => {
                state(name, TaskResult::Succeeded)
                    || state(name, TaskResult::Skipped)
                    || state(name, TaskResult::Daemoned)
            }
            Depends::Not(inner) => !inner.eval(state),
            Depends::And(..) => self.chain().iter().all(|d| d.eval(state)),
            Depends::Or(..) => self.chain().iter().any(|d| d.eval(state)),
        }
    }

    /// The operands of the longest chain of this node's operator that hangs
    /// off its left spine, in source order: `A && B && C` (parsed as
    /// `(A && B) && C`) gives `[A, B, C]`; `A && (B && C)` gives
    /// `[A, B && C]`. Any other node is a chain of one. Walking chains with
    /// a loop keeps recursion proportional to nesting, not to length.
    fn chain(&self) -> Vec<&Depends> {
        let mut out = Vec::new();
        let mut node = self;
        loop {
            match (self, node) {
                (Depends::And(..), Depends::And(a, b)) | (Depends::Or(..), Depends::Or(a, b)) => {
                    out.push(&**b);
                    node = a;
                }
                _ => break,
            }
        }
        out.push(node);
        out.reverse();
        out
    }
}

/// Binding strength, loosest first; used to decide where the canonical
/// form needs parentheses.
fn strength(d: &Depends) -> u8 {
    match d {
        Depends::Or(..) => 0,
        Depends::And(..) => 1,
        Depends::Not(_) | Depends::Task { .. } => 2,
    }
}

/// Write `d`, parenthesised when it binds more loosely than `min`.
fn write_operand(f: &mut fmt::Formatter<'_>, d: &Depends, min: u8) -> fmt::Result {
    if strength(d) < min {
        write!(f, "({d})")
    } else {
        write!(f, "{d}")
    }
}

/// The canonical form: single spaces around `&&`/`||`, no space after `!`,
/// and only the parentheses the tree needs. Chains are left-associative, so
/// a right operand of the same operator keeps its parentheses and the shape
/// of the tree survives a round trip through [`parse`].
impl fmt::Display for Depends {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Depends::Task { name, result, .. } => {
                f.write_str(name)?;
                if let Some(r) = result {
                    write!(f, ".{r}")?;
                }
                Ok(())
            }
            Depends::Not(inner) => {
                f.write_str("!")?;
                write_operand(f, inner, 2)
            }
            Depends::And(..) | Depends::Or(..) => {
                // The first operand may be looser only by being an `||`
                // under `&&`; later ones also keep parentheses when they are
                // the same operator, so the tree's shape survives a round trip.
                let (sep, first_min, rest_min) = match self {
                    Depends::And(..) => (" && ", 1, 2),
                    _ => (" || ", 0, 1),
                };
                for (i, d) in self.chain().into_iter().enumerate() {
                    if i == 0 {
                        write_operand(f, d, first_min)?;
                    } else {
                        f.write_str(sep)?;
                        write_operand(f, d, rest_min)?;
                    }
                }
                Ok(())
            }
        }
    }
}

/// Which `continueOn` flags a dependency task carries.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ContinueOn {
    pub error: bool,
    pub failed: bool,
}

/// Argo's rewrite of `dependencies: [A, B]` into a depends string, honouring
/// each dependency's `continueOn`, byte-identical to `getTaskDependsLogic` /
/// `expandDependency` in `ancestry.go`:
/// `(A.Succeeded || A.Skipped || A.Daemoned) && (B.Succeeded || …)`, with
/// `|| A.Errored` then `|| A.Failed` appended inside A's parentheses. An
/// empty list gives the empty string, as Go's `strings.Join` does.
pub fn from_dependencies(deps: &[&str], continue_on: &dyn Fn(&str) -> ContinueOn) -> String {
    let mut out = String::new();
    for (i, dep) in deps.iter().enumerate() {
        if i > 0 {
            out.push_str(" && ");
        }
        let c = continue_on(dep);
        let mut results = vec![
            TaskResult::Succeeded,
            TaskResult::Skipped,
            TaskResult::Daemoned,
        ];
        if c.error {
            results.push(TaskResult::Errored);
        }
        if c.failed {
            results.push(TaskResult::Failed);
        }
        out.push('(');
        for (j, r) in results.iter().enumerate() {
            if j > 0 {
                out.push_str(" || ");
            }
            out.push_str(dep);
            out.push('.');
            out.push_str(r.name());
        }
        out.push(')');
    }
    out
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-'
}

struct Parser<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
    /// Current nesting of `(` and `!`.
    depth: usize,
    /// Task references seen so far.
    operands: usize,
}

impl Parser<'_> {
    fn error(&self, offset: usize, len: usize, message: String) -> DependsError {
        DependsError {
            offset,
            len,
            message,
        }
    }

    /// Whitespace as expr-lang skips it.
    fn skip_ws(&mut self) {
        while let Some(c) = self.src[self.pos..].chars().next() {
            if !c.is_whitespace() {
                break;
            }
            self.pos += c.len_utf8();
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn starts_with(&self, s: &str) -> bool {
        self.bytes[self.pos..].starts_with(s.as_bytes())
    }

    /// Describe the character at `pos` for messages, with its byte length.
    fn char_at(&self, pos: usize) -> (String, usize) {
        match self.src[pos..].chars().next() {
            Some(c) => (format!("'{c}'"), c.len_utf8()),
            None => ("end of expression".to_string(), 0),
        }
    }

    fn enter(&mut self, at: usize) -> Result<(), DependsError> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(self.error(
                at,
                1,
                format!("depends expression nests deeper than {MAX_NESTING} levels"),
            ));
        }
        Ok(())
    }

    fn parse_or(&mut self) -> Result<Depends, DependsError> {
        let mut lhs = self.parse_and()?;
        loop {
            self.skip_ws();
            if !self.starts_with("||") {
                return Ok(lhs);
            }
            self.pos += 2;
            let rhs = self.parse_and()?;
            lhs = Depends::Or(Box::new(lhs), Box::new(rhs));
        }
    }

    fn parse_and(&mut self) -> Result<Depends, DependsError> {
        let mut lhs = self.parse_unary()?;
        loop {
            self.skip_ws();
            if !self.starts_with("&&") {
                return Ok(lhs);
            }
            self.pos += 2;
            let rhs = self.parse_unary()?;
            lhs = Depends::And(Box::new(lhs), Box::new(rhs));
        }
    }

    fn parse_unary(&mut self) -> Result<Depends, DependsError> {
        self.skip_ws();
        let at = self.pos;
        match self.peek() {
            Some(b'!') => {
                self.enter(at)?;
                self.pos += 1;
                let inner = self.parse_unary()?;
                self.depth -= 1;
                Ok(Depends::Not(Box::new(inner)))
            }
            Some(b'(') => {
                self.enter(at)?;
                self.pos += 1;
                let inner = self.parse_or()?;
                self.skip_ws();
                if self.peek() != Some(b')') {
                    if self.pos == self.src.len() {
                        return Err(self.error(
                            at,
                            1,
                            "this '(' is never closed: expected ')' before the end of the expression"
                                .to_string(),
                        ));
                    }
                    return Err(self.unexpected_after_operand());
                }
                self.pos += 1;
                self.depth -= 1;
                Ok(inner)
            }
            _ => self.parse_task(),
        }
    }

    fn parse_task(&mut self) -> Result<Depends, DependsError> {
        let start = self.pos;
        match self.peek() {
            Some(b) if b.is_ascii_alphanumeric() => {}
            Some(b'-') => {
                return Err(self.error(
                    start,
                    1,
                    "a task name must start with a letter or a digit, not '-'".to_string(),
                ));
            }
            _ => {
                let (what, len) = self.char_at(start);
                return Err(self.error(
                    start,
                    len,
                    format!("expected a task name, '!' or '(', found {what}"),
                ));
            }
        }
        while self.peek().is_some_and(is_name_byte) {
            self.pos += 1;
        }
        let name = &self.src[start..self.pos];
        self.operands += 1;
        if self.operands > MAX_OPERANDS {
            return Err(self.error(
                start,
                name.len(),
                format!("depends expression refers to more than {MAX_OPERANDS} tasks"),
            ));
        }
        let mut result = None;
        if self.peek() == Some(b'.') {
            let dot = self.pos;
            self.pos += 1;
            let rstart = self.pos;
            // Take every name-like byte so the whole misspelling is reported.
            while self
                .peek()
                .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            {
                self.pos += 1;
            }
            let suffix = &self.src[rstart..self.pos];
            if suffix.is_empty() {
                return Err(self.error(
                    dot,
                    1,
                    format!(
                        "expected a task result after '{name}.' (valid results: {})",
                        valid_results()
                    ),
                ));
            }
            match TaskResult::from_name(suffix) {
                Some(r) => result = Some(r),
                None => {
                    let hint = crate::suggest::did_you_mean(
                        suffix,
                        TaskResult::ALL.iter().map(|r| r.name()),
                    )
                    .map(|s| format!("; did you mean '{s}'?"))
                    .unwrap_or_default();
                    return Err(self.error(
                        rstart,
                        suffix.len(),
                        format!(
                            "task result '{suffix}' for task '{name}' is invalid{hint} (valid results: {})",
                            valid_results()
                        ),
                    ));
                }
            }
        } else {
            // `A .Succeeded`: Argo's regex needs the dot right after the name
            // (otherwise it reads two task names), so say so plainly.
            let gap = self.bytes[self.pos..]
                .iter()
                .take_while(|b| b.is_ascii_whitespace())
                .count();
            if gap > 0 && self.bytes.get(self.pos + gap) == Some(&b'.') {
                return Err(self.error(
                    self.pos,
                    gap + 1,
                    format!("no whitespace is allowed between task '{name}' and '.'"),
                ));
            }
        }
        Ok(Depends::Task {
            name: name.to_string(),
            result,
            offset: start,
        })
    }

    /// The error for whatever sits where `&&`, `||`, `)` or the end was due.
    fn unexpected_after_operand(&self) -> DependsError {
        let at = self.pos;
        let rest = &self.bytes[at..];
        let (what, len) = self.char_at(at);
        let message = if rest.starts_with(b")") {
            "unexpected ')' without a matching '('".to_string()
        } else if rest.starts_with(b"&") {
            "expected '&&', found a single '&'".to_string()
        } else if rest.starts_with(b"|") {
            "expected '||', found a single '|'".to_string()
        } else if rest.starts_with(b".") {
            "unexpected '.': a task result follows the task name directly, as in 'A.Succeeded'"
                .to_string()
        } else if rest.first().is_some_and(|b| is_name_byte(*b)) {
            let word_len = rest.iter().take_while(|b| is_name_byte(**b)).count();
            let word = &self.src[at..at + word_len];
            return self.error(
                at,
                word_len,
                format!("expected '&&', '||' or ')' before '{word}'"),
            );
        } else {
            format!("expected '&&', '||' or ')', found {what}")
        };
        self.error(at, len, message)
    }
}

fn valid_results() -> String {
    TaskResult::ALL
        .iter()
        .map(|r| r.name())
        .collect::<Vec<_>>()
        .join(", ")
}
