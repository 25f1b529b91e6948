//! govaluate's parser: `checkExpressionSyntax`, `optimizeTokens` and the
//! stage planner (`stagePlanner.go`), ported with its quirks, because they
//! decide what a `when` means:
//!
//! * precedence, loosest first: `,` < `?` `:` `??` < `||` < `&&` <
//!   comparators (`== != < <= > >= =~ !~ in`) < `& | ^` < `<< >>` <
//!   `+ -` < `* / %` < `**` < prefixes; `&&` and `||` are distinct levels;
//! * each level is planned right-recursively, then `reorderStages` mirrors
//!   runs of equal precedence down the right spine so they associate to the
//!   left (`a - b - c` is `(a - b) - c`);
//! * planning stops quietly at a token it cannot use, so trailing tokens
//!   that passed the syntax check are ignored (`(a) b` is `a`), and an
//!   operator before `)` gets a missing (nil) operand (`(a ==)` is false);
//! * an accessor followed by `(` takes the rest of the expression as its
//!   arguments.
//!
//! The planner is Go's recursive descent recast as a shunting-yard (same
//! trees, no recursion); stages live in an arena so the mirroring can
//! rewire them by index.

use super::lex::{Kind, Token, Tv};
use super::value::{Pattern, Value, compile_go_regex};

/// govaluate's `OperatorSymbol`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Sym {
    Value,
    Literal,
    Noop,
    Eq,
    Neq,
    Gt,
    Lt,
    Gte,
    Lte,
    Req,
    Nreq,
    In,
    And,
    Or,
    Plus,
    Minus,
    BitAnd,
    BitOr,
    BitXor,
    Shl,
    Shr,
    Mul,
    Div,
    Mod,
    Exp,
    Negate,
    Invert,
    BitNot,
    TernaryTrue,
    TernaryFalse,
    Coalesce,
    Access,
    Separate,
}

impl Sym {
    /// `OperatorSymbol.String()`, as type errors print it (`==` is "=").
    pub fn go_name(self) -> &'static str {
        match self {
            Sym::Noop => "NOOP",
            Sym::Value => "VALUE",
            Sym::Eq => "=",
            Sym::Neq => "!=",
            Sym::Gt => ">",
            Sym::Lt => "<",
            Sym::Gte => ">=",
            Sym::Lte => "<=",
            Sym::Req => "=~",
            Sym::Nreq => "!~",
            Sym::And => "&&",
            Sym::Or => "||",
            Sym::In => "in",
            Sym::BitAnd => "&",
            Sym::BitOr => "|",
            Sym::BitXor => "^",
            Sym::Shl => "<<",
            Sym::Shr => ">>",
            Sym::Plus => "+",
            Sym::Minus => "-",
            Sym::Mul => "*",
            Sym::Div => "/",
            Sym::Mod => "%",
            Sym::Exp => "**",
            Sym::Negate => "-",
            Sym::Invert => "!",
            Sym::BitNot => "~",
            Sym::TernaryTrue => "?",
            Sym::TernaryFalse => ":",
            Sym::Coalesce => "??",
            Sym::Literal | Sym::Access | Sym::Separate => "",
        }
    }

    /// `findOperatorPrecedenceForSymbol`; only equality matters.
    fn precedence(self) -> u8 {
        match self {
            Sym::Noop => 0,
            Sym::Value | Sym::Literal => 1,
            Sym::Access => 2,
            Sym::Negate | Sym::Invert | Sym::BitNot => 3,
            Sym::Exp => 4,
            Sym::Plus | Sym::Minus => 5,
            Sym::BitAnd | Sym::BitOr | Sym::BitXor => 6,
            Sym::Shl | Sym::Shr => 7,
            Sym::Mul | Sym::Div | Sym::Mod => 8,
            Sym::Eq
            | Sym::Neq
            | Sym::Gt
            | Sym::Lt
            | Sym::Gte
            | Sym::Lte
            | Sym::Req
            | Sym::Nreq
            | Sym::In => 9,
            Sym::TernaryTrue | Sym::TernaryFalse | Sym::Coalesce => 10,
            Sym::And => 11,
            Sym::Or => 12,
            Sym::Separate => 13,
        }
    }
}

/// Which type-error message a stage uses (the planner level's format).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ErrFmt {
    None,
    Logical,
    Modifier,
    Comparator,
    Ternary,
    Prefix,
}

impl ErrFmt {
    /// The Go format string with its two `%v` filled in.
    pub fn render(self, value: &Value, sym: Sym) -> String {
        let op = sym.go_name();
        match self {
            ErrFmt::Logical => format!(
                "Value '{value}' cannot be used with the logical operator '{op}', it is not a bool"
            ),
            ErrFmt::Modifier => format!(
                "Value '{value}' cannot be used with the modifier '{op}', it is not a number"
            ),
            ErrFmt::Comparator => format!(
                "Value '{value}' cannot be used with the comparator '{op}', it is not a number"
            ),
            ErrFmt::Ternary => format!(
                "Value '{value}' cannot be used with the ternary operator '{op}', it is not a bool"
            ),
            ErrFmt::Prefix => format!("Value '{value}' cannot be used with the prefix '{op}'"),
            ErrFmt::None => format!("%!(EXTRA {value}, {op})"),
        }
    }
}

/// What a stage does besides its symbol.
#[derive(Debug, Clone)]
pub(super) enum Payload {
    None,
    Literal(Value),
    /// A bare word govaluate would look up as a parameter.
    Param(String),
    /// `a.B.c`: a field access on a parameter.
    Access(Vec<String>),
}

/// The part of a stage that `swapWith` exchanges: everything but children.
#[derive(Debug, Clone)]
pub(super) struct OpInfo {
    pub sym: Sym,
    pub payload: Payload,
    pub fmt: ErrFmt,
    /// Source bytes of the operator or value, for error spans.
    pub span: (usize, usize),
}

#[derive(Debug, Clone)]
pub(super) struct Stage {
    pub info: OpInfo,
    pub left: Option<usize>,
    pub right: Option<usize>,
}

/// A planned expression.
#[derive(Debug, Clone, Default)]
pub(super) struct Plan {
    pub stages: Vec<Stage>,
    pub root: Option<usize>,
}

/// A parse or planning failure, with govaluate's text. `panic` marks inputs
/// on which Go would panic rather than return an error.
#[derive(Debug, Clone)]
pub(super) struct PlanError {
    pub msg: String,
    pub span: (usize, usize),
    pub panic: bool,
}

fn plan_err(msg: String, span: (usize, usize)) -> PlanError {
    PlanError { msg, span, panic: false }
}

/// `checkExpressionSyntax`.
pub(super) fn check_syntax(tokens: &[Token], src_len: usize) -> Result<(), PlanError> {
    let mut state = Kind::Unknown;
    let mut last: Option<&Token> = None;
    for t in tokens {
        if !state.can_precede(t.kind) {
            if let Some(l) = last
                && l.kind == Kind::Variable
                && t.kind == Kind::Clause
            {
                return Err(plan_err(format!("Undefined function {}", l.val), (l.start, t.end)));
            }
            let last_val = last.map_or_else(|| "<nil>".to_string(), |l| l.val.to_string());
            return Err(plan_err(
                format!(
                    "Cannot transition token types from {} [{last_val}] to {} [{}]",
                    state.go_name(),
                    t.kind.go_name(),
                    t.val
                ),
                (t.start, t.end),
            ));
        }
        state = t.kind;
        last = Some(t);
    }
    if !state.can_end() {
        return Err(plan_err("Unexpected end of expression".to_string(), (src_len, src_len)));
    }
    Ok(())
}

/// `optimizeTokens`: a string right after `=~`/`!~` is compiled now.
pub(super) fn optimize(tokens: &mut [Token]) -> Result<(), PlanError> {
    for i in 0..tokens.len() {
        let is_regex_op = tokens[i].kind == Kind::Comparator
            && matches!(tokens[i].symbol(), Some("=~") | Some("!~"));
        if !is_regex_op {
            continue;
        }
        let Some(next) = tokens.get_mut(i + 1) else {
            continue;
        };
        if next.kind != Kind::Str {
            continue;
        }
        let Tv::Text(source) = &next.val else {
            continue;
        };
        let re = compile_go_regex(source).map_err(|m| plan_err(m, (next.start, next.end)))?;
        next.val = Tv::Pattern(Pattern { source: source.clone(), re });
        next.kind = Kind::Pattern;
    }
    Ok(())
}

/// One precedence level of the planner (`precedencePlanner`), loosest
/// first, so a greater level binds tighter.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    Separator,
    Ternary,
    LogicalOr,
    LogicalAnd,
    Comparator,
    Bitwise,
    Shift,
    Additive,
    Multiplicative,
    Exponential,
}

impl Level {
    fn kind(self) -> Kind {
        match self {
            Level::Separator => Kind::Separator,
            Level::Ternary => Kind::Ternary,
            Level::LogicalOr | Level::LogicalAnd => Kind::LogicalOp,
            Level::Comparator => Kind::Comparator,
            _ => Kind::Modifier,
        }
    }

    fn symbol(self, s: &str) -> Option<Sym> {
        Some(match (self, s) {
            (Level::Separator, ",") => Sym::Separate,
            (Level::Ternary, "?") => Sym::TernaryTrue,
            (Level::Ternary, ":") => Sym::TernaryFalse,
            (Level::Ternary, "??") => Sym::Coalesce,
            (Level::LogicalOr, "||") => Sym::Or,
            (Level::LogicalAnd, "&&") => Sym::And,
            (Level::Comparator, "==") => Sym::Eq,
            (Level::Comparator, "!=") => Sym::Neq,
            (Level::Comparator, ">") => Sym::Gt,
            (Level::Comparator, ">=") => Sym::Gte,
            (Level::Comparator, "<") => Sym::Lt,
            (Level::Comparator, "<=") => Sym::Lte,
            (Level::Comparator, "=~") => Sym::Req,
            (Level::Comparator, "!~") => Sym::Nreq,
            (Level::Comparator, "in") => Sym::In,
            (Level::Bitwise, "^") => Sym::BitXor,
            (Level::Bitwise, "&") => Sym::BitAnd,
            (Level::Bitwise, "|") => Sym::BitOr,
            (Level::Shift, ">>") => Sym::Shr,
            (Level::Shift, "<<") => Sym::Shl,
            (Level::Additive, "+") => Sym::Plus,
            (Level::Additive, "-") => Sym::Minus,
            (Level::Multiplicative, "*") => Sym::Mul,
            (Level::Multiplicative, "/") => Sym::Div,
            (Level::Multiplicative, "%") => Sym::Mod,
            (Level::Exponential, "**") => Sym::Exp,
            _ => return None,
        })
    }

    fn fmt(self) -> ErrFmt {
        match self {
            Level::Separator => ErrFmt::None,
            Level::Ternary => ErrFmt::Ternary,
            Level::LogicalOr | Level::LogicalAnd => ErrFmt::Logical,
            Level::Comparator => ErrFmt::Comparator,
            _ => ErrFmt::Modifier,
        }
    }
}

/// `planStages`: plan `tokens` (already syntax-checked) and reorder.
pub(super) fn plan(tokens: &[Token]) -> Result<Plan, PlanError> {
    let mut stages = Vec::new();
    let root = Planner { tokens, index: 0, stages: &mut stages }.run()?;
    if let Some(r) = root {
        reorder(&mut stages, r);
    }
    Ok(Plan { stages, root })
}

/// A binary operator token: its level and symbol, if it is one.
fn binary_op(t: &Token) -> Option<(Level, Sym)> {
    const LEVELS: [Level; 10] = [
        Level::Separator,
        Level::Ternary,
        Level::LogicalOr,
        Level::LogicalAnd,
        Level::Comparator,
        Level::Bitwise,
        Level::Shift,
        Level::Additive,
        Level::Multiplicative,
        Level::Exponential,
    ];
    let sym = t.symbol()?;
    LEVELS.iter().filter(|l| l.kind() == t.kind).find_map(|l| l.symbol(sym).map(|s| (*l, s)))
}

/// What a frame of the planner is parsing.
enum FrameKind {
    /// The whole expression (`planTokens` from `planStages`).
    Top,
    /// Inside `(`: `planValue`'s `CLAUSE` case.
    Paren((usize, usize)),
    /// The arguments after an accessor (`planAccessor`), which run to
    /// wherever the expression stops, not to the matching `)`.
    Args(OpInfo),
}

/// One `planTokens` in progress.
struct Frame {
    kind: FrameKind,
    operands: Vec<Option<usize>>,
    ops: Vec<(Level, Sym, (usize, usize))>,
    /// Prefix operators waiting for their operand, innermost last.
    prefixes: Vec<(Sym, (usize, usize))>,
}

impl Frame {
    fn new(kind: FrameKind) -> Frame {
        Frame { kind, operands: Vec::new(), ops: Vec::new(), prefixes: Vec::new() }
    }
}

/// govaluate's recursive-descent planner, run as a shunting-yard. Each
/// precedence level of `planPrecedenceLevel` plans `x op (x op (…))`, i.e.
/// every binary operator associates to the right (until `reorder`), which
/// is what a shunting-yard gives when it only reduces strictly tighter
/// operators. Parentheses and accessor arguments are frames on a heap
/// stack, so planning never recurses. The token where every level stops
/// (anything that is not a binary operator) ends a frame, exactly where
/// Go's levels all return.
struct Planner<'a> {
    tokens: &'a [Token],
    index: usize,
    stages: &'a mut Vec<Stage>,
}

impl Planner<'_> {
    fn push(&mut self, info: OpInfo, left: Option<usize>, right: Option<usize>) -> usize {
        self.stages.push(Stage { info, left, right });
        self.stages.len() - 1
    }

    /// Go's `tokenStream.next()` past the end panics.
    fn exhausted(&self) -> PlanError {
        PlanError {
            msg: format!(
                "runtime error: index out of range [{0}] with length {0}",
                self.tokens.len()
            ),
            span: (0, 0),
            panic: true,
        }
    }

    /// Apply the top operator of `frame` to its two top operands.
    fn reduce(&mut self, frame: &mut Frame) {
        if let Some((level, sym, span)) = frame.ops.pop() {
            let right = frame.operands.pop().flatten();
            let left = frame.operands.pop().flatten();
            let info = OpInfo { sym, payload: Payload::None, fmt: level.fmt(), span };
            let idx = self.push(info, left, right);
            frame.operands.push(Some(idx));
        }
    }

    /// Close `frame`: every pending operator, then its single result.
    fn finish(&mut self, frame: &mut Frame) -> Option<usize> {
        while !frame.ops.is_empty() {
            self.reduce(frame);
        }
        frame.operands.pop().flatten()
    }

    /// A complete operand for `frame`, after its pending prefixes.
    fn operand(&mut self, frame: &mut Frame, mut value: Option<usize>) {
        while let Some((sym, span)) = frame.prefixes.pop() {
            let info = OpInfo { sym, payload: Payload::None, fmt: ErrFmt::Prefix, span };
            value = Some(self.push(info, None, value));
        }
        frame.operands.push(value);
    }

    fn run(mut self) -> Result<Option<usize>, PlanError> {
        if self.tokens.is_empty() {
            return Ok(None);
        }
        let mut frames = vec![Frame::new(FrameKind::Top)];
        let mut want_operand = true;
        loop {
            let Some(mut frame) = frames.pop() else {
                return Ok(None);
            };
            let token = self.tokens.get(self.index);
            if want_operand {
                // planFunction / planAccessor / planValue.
                let t = token.ok_or_else(|| self.exhausted())?;
                let span = (t.start, t.end);
                match (t.kind, &t.val) {
                    (Kind::Prefix, _) => {
                        self.index += 1;
                        let sym = match t.symbol() {
                            Some("!") => Sym::Invert,
                            Some("~") => Sym::BitNot,
                            _ => Sym::Negate,
                        };
                        frame.prefixes.push((sym, span));
                        frames.push(frame);
                        continue;
                    }
                    (Kind::Accessor, Tv::Parts(parts)) => {
                        self.index += 1;
                        let info = OpInfo {
                            sym: Sym::Access,
                            payload: Payload::Access(parts.clone()),
                            fmt: ErrFmt::None,
                            span,
                        };
                        let args =
                            self.tokens.get(self.index).is_some_and(|n| n.kind == Kind::Clause);
                        if args {
                            frames.push(frame);
                            frames.push(Frame::new(FrameKind::Args(info)));
                            continue;
                        }
                        let idx = self.push(info, None, None);
                        self.operand(&mut frame, Some(idx));
                    }
                    (Kind::Clause, _) => {
                        self.index += 1;
                        frames.push(frame);
                        frames.push(Frame::new(FrameKind::Paren(span)));
                        continue;
                    }
                    // Left for the levels to stop at: a missing operand.
                    (Kind::ClauseClose, _) => self.operand(&mut frame, None),
                    (kind, val) => {
                        self.index += 1;
                        let (sym, payload) = match (kind, val) {
                            (Kind::Variable, Tv::Text(name)) => {
                                (Sym::Value, Payload::Param(name.clone()))
                            }
                            (Kind::Numeric, Tv::Num(n)) => {
                                (Sym::Literal, Payload::Literal(Value::Num(*n)))
                            }
                            (Kind::Str, Tv::Text(s)) => {
                                (Sym::Literal, Payload::Literal(Value::Str(s.clone())))
                            }
                            (Kind::Boolean, Tv::Bool(b)) => {
                                (Sym::Literal, Payload::Literal(Value::Bool(*b)))
                            }
                            (Kind::Pattern, Tv::Pattern(p)) => {
                                (Sym::Literal, Payload::Literal(Value::Pattern(p.clone())))
                            }
                            // A date literal is its Unix time.
                            (Kind::Time, Tv::Time(g)) => {
                                (Sym::Literal, Payload::Literal(Value::Num(g.unix as f64)))
                            }
                            (kind, val) => return Err(unplannable(kind, val, span)),
                        };
                        let info = OpInfo { sym, payload, fmt: ErrFmt::None, span };
                        let idx = self.push(info, None, None);
                        self.operand(&mut frame, Some(idx));
                    }
                }
                want_operand = false;
                frames.push(frame);
                continue;
            }

            // After an operand: a binary operator of some level, or the
            // place where every level stops.
            if let Some((level, sym)) = token.and_then(binary_op) {
                let span = token.map_or((0, 0), |t| (t.start, t.end));
                self.index += 1;
                while frame.ops.last().is_some_and(|(l, _, _)| *l > level) {
                    self.reduce(&mut frame);
                }
                frame.ops.push((level, sym, span));
                want_operand = true;
                frames.push(frame);
                continue;
            }
            let result = self.finish(&mut frame);
            let Some(mut parent) = frames.pop() else {
                // The top frame: tokens left over are ignored.
                return Ok(result);
            };
            let idx = match frame.kind {
                FrameKind::Top => return Ok(result),
                FrameKind::Paren(span) => {
                    // planValue skips one token, trusting it to be `)`.
                    if self.index >= self.tokens.len() {
                        return Err(self.exhausted());
                    }
                    self.index += 1;
                    let info =
                        OpInfo { sym: Sym::Noop, payload: Payload::None, fmt: ErrFmt::None, span };
                    self.push(info, None, result)
                }
                FrameKind::Args(info) => self.push(info, None, result),
            };
            self.operand(&mut parent, Some(idx));
            frames.push(parent);
        }
    }
}

/// Kept out of line: an error path.
#[cold]
#[inline(never)]
fn unplannable(kind: Kind, val: &Tv, span: (usize, usize)) -> PlanError {
    plan_err(format!("Unable to plan token kind: '{}', value: '{val}'", kind.go_name()), span)
}

/// `reorderStages`: walk the right spine; runs of stages of equal
/// precedence are mirrored so they evaluate left to right.
pub(super) fn reorder(stages: &mut [Stage], root: usize) {
    let mut identical: Vec<usize> = Vec::new();
    let mut next = Some(root);
    let mut precedence = stages[root].info.sym.precedence();
    while let Some(cur) = next {
        next = stages[cur].right;
        if let Some(left) = stages[cur].left {
            reorder(stages, left);
        }
        let p = stages[cur].info.sym.precedence();
        if p == precedence {
            identical.push(cur);
            continue;
        }
        if identical.len() > 1 {
            mirror(stages, &identical);
        }
        identical = vec![cur];
        precedence = p;
    }
    if identical.len() > 1 {
        mirror(stages, &identical);
    }
}

/// `mirrorStageSubtree`, step for step.
fn mirror(stages: &mut [Stage], list: &[usize]) {
    let n = list.len();
    for &s in list {
        let st = &mut stages[s];
        std::mem::swap(&mut st.left, &mut st.right);
    }
    let (root, end) = (list[0], list[n - 1]);
    let carry = stages[end].left;
    stages[end].left = stages[root].right;
    stages[root].right = carry;
    for i in 0..(n - 2) / 2 + 1 {
        let (front, inverse) = (list[i + 1], list[n - i - 1]);
        let a = stages[front].right;
        let b = stages[inverse].right;
        stages[front].right = b;
        stages[inverse].right = a;
    }
    for i in 0..n / 2 {
        let (a, b) = (list[i], list[n - i - 1]);
        let ia = stages[a].info.clone();
        let ib = std::mem::replace(&mut stages[b].info, ia);
        stages[a].info = ib;
    }
}
