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
//! Stack use is bounded whatever the input: the parser is a shunting-yard
//! (no recursion); evaluation, printing, comparison and cloning loop over
//! `&&`/`||` chains and recurse only through `(` and `!`, whose nesting is
//! capped at [`MAX_NESTING`]; dropping a tree uses an explicit stack.
//! [`MAX_OPERANDS`] only bounds the work one expression can ask for.

use std::fmt;

#[cfg(test)]
pub(crate) mod examples;
mod parse;
#[cfg(test)]
mod tests;

pub use parse::parse;

/// How deeply `(` and `!` may nest before [`parse`] gives up.
pub const MAX_NESTING: usize = 256;

/// How many task references one expression may hold: far above any real
/// fan-in (`dependencies: [a, b, …]` becomes three references per task, so
/// a task may list some 66,000 dependencies).
pub const MAX_OPERANDS: usize = 200_000;

/// The result a `depends` clause can ask about. What each means is what
/// `evaluateDependsLogic` (`dag.go`) computes from the dependency's node;
/// more than one can hold at once (a daemoned step that succeeded).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TaskResult {
    /// The node's phase is `Succeeded`.
    Succeeded,
    /// The node's phase is `Failed`.
    Failed,
    /// The node's phase is `Error`.
    Errored,
    /// The node's phase is `Skipped` (its `when` was false).
    Skipped,
    /// The node's phase is `Omitted` (its `depends` was false).
    Omitted,
    /// The node is daemoned and not `Pending`.
    Daemoned,
    /// For an expanded task (`TaskGroup` node): some child `Succeeded`.
    AnySucceeded,
    /// For an expanded task: it has children and every one `Failed`.
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
#[derive(Debug)]
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

/// A chain of `&&`/`||` is a left-leaning tree as deep as it is long:
/// dropping it node by node from an explicit stack keeps the recursion one
/// level deep whatever its length.
impl Drop for Depends {
    fn drop(&mut self) {
        let mut stack = Vec::new();
        detach_children(self, &mut stack);
        while let Some(mut node) = stack.pop() {
            detach_children(&mut node, &mut stack);
            // `node` drops here with leaf children only.
        }
    }
}

/// Move `d`'s non-leaf children onto `stack`, leaving empty leaves behind
/// (an empty `String` does not allocate).
fn detach_children(d: &mut Depends, stack: &mut Vec<Depends>) {
    let leaf = || Depends::Task { name: String::new(), result: None, offset: 0 };
    let mut take = |child: &mut Box<Depends>| {
        if !matches!(**child, Depends::Task { .. }) {
            stack.push(std::mem::replace(&mut **child, leaf()));
        }
    };
    match d {
        Depends::Task { .. } => {}
        Depends::Not(a) => take(a),
        Depends::And(a, b) | Depends::Or(a, b) => {
            take(a);
            take(b);
        }
    }
}

impl Clone for Depends {
    fn clone(&self) -> Self {
        match self {
            Depends::Task { name, result, offset } => {
                Depends::Task { name: name.clone(), result: *result, offset: *offset }
            }
            Depends::Not(inner) => Depends::Not(Box::new((**inner).clone())),
            Depends::And(..) | Depends::Or(..) => {
                // Rebuild chains with a loop, like every other walk here.
                let is_and = matches!(self, Depends::And(..));
                let (first, rest) = self.chain();
                rest.into_iter().fold(first.clone(), |acc, d| {
                    let (a, b) = (Box::new(acc), Box::new(d.clone()));
                    if is_and { Depends::And(a, b) } else { Depends::Or(a, b) }
                })
            }
        }
    }
}

impl PartialEq for Depends {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (
                Depends::Task { name: n1, result: r1, .. },
                Depends::Task { name: n2, result: r2, .. },
            ) => n1 == n2 && r1 == r2,
            (Depends::Not(a), Depends::Not(b)) => a == b,
            (Depends::And(..), Depends::And(..)) | (Depends::Or(..), Depends::Or(..)) => {
                // Compare whole chains at once so a long `A && B && …` does
                // not recurse once per operand.
                let ((a0, a), (b0, b)) = (self.chain(), other.chain());
                a.len() == b.len() && a0 == b0 && a.iter().zip(&b).all(|(x, y)| x == y)
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
    /// A.Daemoned)` as in Argo. `&&` and `||` short-circuit as in
    /// expr-lang, so `state` is not asked more than needed.
    pub fn eval(&self, state: &dyn Fn(&str, TaskResult) -> bool) -> bool {
        match self {
            Depends::Task { name, result: Some(r), .. } => state(name, *r),
            Depends::Task { name, result: None, .. } => {
                state(name, TaskResult::Succeeded)
                    || state(name, TaskResult::Skipped)
                    || state(name, TaskResult::Daemoned)
            }
            Depends::Not(inner) => !inner.eval(state),
            // Down the left spine with a loop (no recursion per operand,
            // no allocation); evaluation has no side effects, so the
            // operands' order does not matter.
            Depends::And(..) => {
                let mut node = self;
                while let Depends::And(a, b) = node {
                    if !b.eval(state) {
                        return false;
                    }
                    node = a;
                }
                node.eval(state)
            }
            Depends::Or(..) => {
                let mut node = self;
                while let Depends::Or(a, b) = node {
                    if b.eval(state) {
                        return true;
                    }
                    node = a;
                }
                node.eval(state)
            }
        }
    }

    /// The longest chain of this node's operator hanging off its left
    /// spine, as (leftmost operand, the others in source order):
    /// `A && B && C` (parsed as `(A && B) && C`) gives `(A, [B, C])`;
    /// `A && (B && C)` gives `(A, [B && C])`; any other node is `(self, [])`.
    /// Walking chains with a loop keeps recursion proportional to nesting,
    /// not to length.
    fn chain(&self) -> (&Depends, Vec<&Depends>) {
        let mut rest = Vec::new();
        let mut node = self;
        while let (Depends::And(..), Depends::And(a, b)) | (Depends::Or(..), Depends::Or(a, b)) =
            (self, node)
        {
            rest.push(&**b);
            node = a;
        }
        rest.reverse();
        (node, rest)
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
    if strength(d) < min { write!(f, "({d})") } else { write!(f, "{d}") }
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
                let (first, rest) = self.chain();
                write_operand(f, first, first_min)?;
                for d in rest {
                    f.write_str(sep)?;
                    write_operand(f, d, rest_min)?;
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
        let mut results = vec![TaskResult::Succeeded, TaskResult::Skipped, TaskResult::Daemoned];
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
