//! A mirror of expr-lang's grammar (`expr.pest` plus the Pratt table in its
//! `pratt.rs`) over our own tokens, run *before* pest so that what pest and
//! the evaluator would do recursively is measured first.
//!
//! It does not build a tree. It computes the [`Shape`] of the program: how
//! deep the tree expr-lang will build is (its evaluator, `Clone` and `Drop`
//! recurse once per level), where the top-level `let` statements are, which
//! `sprig.f(` dots must be rewritten, and how large the `a..b` ranges are. It
//! raises [`ExprError`]s for what the guards forbid. Sources it does not
//! follow are syntax errors to it ([`Scan::Confused`]); they never reach
//! pest, because expr-lang's tree builder can panic on some sources pest
//! accepts (see `rewrite`), so only what this scan understood — and
//! rewrote — is compiled.

use super::error::{ExprError, ExprErrorKind};
use super::guard;
use super::lexer::{Kind, Token, int_value, string_value};
use super::rewrite::Edit;

/// A top-level `let name = value;` statement.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Let {
    pub name: String,
    /// Byte range of the value expression.
    pub value: (usize, usize),
}

/// What the guards and the evaluator need to know about a program.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Shape {
    /// Depth of the deepest path in the tree expr-lang will build.
    pub depth: usize,
    /// Top-level `let` statements, in order.
    pub lets: Vec<Let>,
    /// Byte range of the final expression.
    pub body: (usize, usize),
    /// Source edits for expr-lang (see `rewrite`).
    pub edits: Vec<Edit>,
    /// Elements of all `a..b` ranges together.
    pub range_elements: u64,
    /// Elements of the ranges inside closures (built again per iteration).
    pub loop_range_elements: u64,
    /// `matches` operators inside closures whose pattern is not a literal
    /// (compiled again per iteration).
    pub dynamic_regexes: u64,
}

/// Outcome of a scan that broke no guard.
#[derive(Debug)]
pub(crate) enum Scan {
    Understood(Shape),
    /// The scan did not follow the syntax at this offset: what it expected.
    Confused(usize, &'static str),
}

/// Scan `src`. `Err` is a broken guard (range too large, nesting, …).
pub(crate) fn scan(src: &str, toks: &[Token]) -> Result<Scan, ExprError> {
    let mut p = Parser {
        src,
        toks,
        pos: 0,
        shape: Shape::default(),
        index_nesting: 0,
        in_closure: 0,
        let_ints: Vec::new(),
        steps: 0,
    };
    let outcome = p.program(true).and_then(|depth| {
        p.shape.depth = p.shape.depth.max(depth);
        match p.toks.get(p.pos) {
            None => Ok(()),
            Some(t) => Err(Stop::Confused(t.start, AN_OPERATOR)),
        }
    });
    match outcome {
        Ok(()) => Ok(Scan::Understood(p.shape)),
        Err(Stop::Confused(at, expected)) => Ok(Scan::Confused(at, expected)),
        Err(Stop::Guard(e)) => Err(e),
    }
}

enum Stop {
    Guard(ExprError),
    Confused(usize, &'static str),
}

/// A construct valid for Argo that Keelson does not support.
fn unsupported(at: usize, len: usize, message: impl Into<String>) -> Stop {
    Stop::Guard(ExprError::at(at, len, message).kind(ExprErrorKind::Unsupported))
}

/// Beyond a safety limit.
fn limit(at: usize, len: usize, message: impl Into<String>) -> Stop {
    Stop::Guard(ExprError::at(at, len, message).kind(ExprErrorKind::Limit))
}

const A_VALUE: &str = "expected a value: a literal, a variable, a function call, `(`, `[` or `{`";
const AN_OPERATOR: &str = "expected an operator or the end of the expression";
const A_NAME: &str = "expected a name";

/// Functions whose second argument (first, after a pipe) Go's expr always
/// reads as a closure.
const CLOSURE_FUNCTIONS: &[&str] = &[
    "all",
    "any",
    "one",
    "none",
    "map",
    "filter",
    "find",
    "findIndex",
    "findLast",
    "findLastIndex",
    "count",
    "sum",
    "groupBy",
    "sortBy",
    "reduce",
];

fn expected(p: &str) -> &'static str {
    match p {
        ")" => "expected `)`",
        "]" => "expected `]`",
        "}" => "expected `}`",
        ":" => "expected `:`",
        ";" => "expected `;`",
        "(" => "expected `(`",
        "{" => "expected `{`",
        _ => "unexpected input",
    }
}

type R<T> = Result<T, Stop>;

/// A parsed operand: how deep its tree is and whether it is a literal (the
/// range check needs integer literals, the regex cost string literals).
#[derive(Debug, Clone, Copy)]
struct Operand {
    depth: usize,
    lit: Lit,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Lit {
    None,
    Int(i64),
    Str,
}

impl Operand {
    fn leaf(lit: Lit) -> Self {
        Operand { depth: 1, lit }
    }
}

/// Operators waiting on the shunting-yard stack.
#[derive(Debug, Clone, Copy)]
enum Op {
    Prefix { prec: u8, negate: bool },
    Infix { prec: u8, kind: Infix, at: usize, len: usize },
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Infix {
    Range,
    Matches,
    /// `+`, `-`, `*`: folded when both sides are integer literals (so that
    /// `1 + 1..2 * 3` style bounds stay checkable).
    Arith(Arith),
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Arith {
    Add,
    Sub,
    Mul,
}

impl Arith {
    fn fold(self, a: i64, b: i64) -> Option<i64> {
        match self {
            Arith::Add => a.checked_add(b),
            Arith::Sub => a.checked_sub(b),
            Arith::Mul => a.checked_mul(b),
        }
    }
}

impl Op {
    fn prec(&self) -> u8 {
        match self {
            Op::Prefix { prec, .. } | Op::Infix { prec, .. } => *prec,
        }
    }
}

// Binding powers, lowest first, exactly as in expr-lang's `pratt.rs`.
const TERNARY: u8 = 1;
const PIPE: u8 = 2;
const OR: u8 = 3;
const AND: u8 = 4;
const COMPARE: u8 = 5;
const RANGE: u8 = 6;
const ADD: u8 = 7;
const NOT: u8 = 8;
const MUL: u8 = 9;
const SIGN: u8 = 10;
const POW: u8 = 11;
const DEFAULT: u8 = 12;
const MEMBER: u8 = 13;

struct Parser<'a> {
    src: &'a str,
    toks: &'a [Token],
    pos: usize,
    shape: Shape,
    index_nesting: usize,
    /// Closures (predicates) the cursor is inside.
    in_closure: usize,
    /// Top-level `let` names bound to integer literals so far.
    let_ints: Vec<(String, i64)>,
    /// Terms parsed, backtracking included (bounds the work).
    steps: usize,
}

/// Most terms a scan may parse (backtracking over `if` can repeat work).
const MAX_STEPS: usize = 1_000_000;

/// Where a scan was, to backtrack to.
struct Snapshot {
    pos: usize,
    edits: usize,
    lets: usize,
    range_elements: u64,
    loop_range_elements: u64,
    dynamic_regexes: u64,
    index_nesting: usize,
    in_closure: usize,
}

impl<'a> Parser<'a> {
    fn snapshot(&self) -> Snapshot {
        Snapshot {
            pos: self.pos,
            edits: self.shape.edits.len(),
            lets: self.shape.lets.len(),
            range_elements: self.shape.range_elements,
            loop_range_elements: self.shape.loop_range_elements,
            dynamic_regexes: self.shape.dynamic_regexes,
            index_nesting: self.index_nesting,
            in_closure: self.in_closure,
        }
    }

    fn restore(&mut self, s: Snapshot) {
        self.pos = s.pos;
        self.shape.edits.truncate(s.edits);
        self.shape.lets.truncate(s.lets);
        self.shape.range_elements = s.range_elements;
        self.shape.loop_range_elements = s.loop_range_elements;
        self.shape.dynamic_regexes = s.dynamic_regexes;
        self.index_nesting = s.index_nesting;
        self.in_closure = s.in_closure;
    }

    fn peek(&self) -> Option<Token> {
        self.toks.get(self.pos).copied()
    }

    fn peek_at(&self, k: usize) -> Option<Token> {
        self.toks.get(self.pos + k).copied()
    }

    fn here(&self) -> usize {
        self.peek().map_or(self.src.len(), |t| t.start)
    }

    fn at_p(&self, p: &str) -> bool {
        self.peek().is_some_and(|t| t.is(self.src, p))
    }

    fn at_p_k(&self, k: usize, p: &str) -> bool {
        self.peek_at(k).is_some_and(|t| t.is(self.src, p))
    }

    fn eat_p(&mut self, p: &str) -> bool {
        let yes = self.at_p(p);
        if yes {
            self.pos += 1;
        }
        yes
    }

    fn expect_p(&mut self, p: &str) -> R<()> {
        if self.eat_p(p) { Ok(()) } else { Err(Stop::Confused(self.here(), expected(p))) }
    }

    fn text(&self, t: Token) -> &'a str {
        t.text(self.src)
    }

    /// `program = stmt* expr`; only the top level may have statements.
    fn program(&mut self, top: bool) -> R<usize> {
        let mut depth = 0;
        while let Some((name, consumed)) = self.let_head() {
            if !top {
                let t = self.peek().map_or((self.src.len(), 1), |t| (t.start, t.end - t.start));
                return Err(unsupported(
                    t.0,
                    t.1,
                    "`let` is only supported at the top level of an expression, \
                     not inside `{…}` blocks",
                ));
            }
            self.pos += consumed;
            let start = self.here();
            let value = self.expr()?;
            depth = depth.max(value.depth);
            let end = self.prev_end(start);
            self.expect_p(";")?;
            // `let n = 3; 1..n`: a name bound to an integer literal is one.
            self.let_ints.retain(|(n, _)| *n != name);
            if let Lit::Int(v) = value.lit {
                self.let_ints.push((name.clone(), v));
            }
            self.shape.lets.push(Let { name, value: (start, end) });
        }
        let start = self.here();
        depth = depth.max(self.expr()?.depth);
        if top {
            self.shape.body = (start, self.prev_end(start));
        }
        Ok(depth)
    }

    /// End of the last consumed token (or `fallback` if none was).
    fn prev_end(&self, fallback: usize) -> usize {
        self.pos
            .checked_sub(1)
            .and_then(|i| self.toks.get(i))
            .map_or(fallback, |t| t.end.max(fallback))
    }

    /// `let name =` at the current position, as the grammar reads it:
    /// `"let" ~ ident ~ "="` with optional whitespace, so `letx = 1;` binds `x`.
    fn let_head(&self) -> Option<(String, usize)> {
        let t = self.peek()?;
        if t.kind != Kind::Ident {
            return None;
        }
        let text = self.text(t);
        if text == "let" {
            let name = self.peek_at(1)?;
            if matches!(name.kind, Kind::Ident | Kind::Hash) && self.at_p_k(2, "=") {
                return Some((self.text(name).to_string(), 3));
            }
            return None;
        }
        let rest = text.strip_prefix("let")?;
        let first = rest.bytes().next()?;
        if (first.is_ascii_alphabetic() || first == b'_') && self.at_p_k(1, "=") {
            return Some((rest.to_string(), 2));
        }
        None
    }

    /// `expr = prefix? term postfix* (infix prefix? term postfix*)*`, folded
    /// with the Pratt table by shunting-yard so long chains do not recurse.
    fn expr(&mut self) -> R<Operand> {
        let mut operands: Vec<Operand> = Vec::new();
        let mut ops: Vec<Op> = Vec::new();
        loop {
            // Prefix operators (the grammar allows one; more is pest's error).
            while let Some(t) = self.peek() {
                let text = self.text(t);
                let op = if t.is(self.src, "!") || (t.kind == Kind::Ident && text == "not") {
                    Op::Prefix { prec: NOT, negate: false }
                } else if t.is(self.src, "-") || t.is(self.src, "+") {
                    Op::Prefix { prec: SIGN, negate: text == "-" }
                } else {
                    break;
                };
                ops.push(op);
                self.pos += 1;
            }
            let (term, sprig_ident) = self.term()?;
            operands.push(term);
            self.postfixes(&mut operands, &mut ops, sprig_ident)?;
            let Some((prec, right_assoc, kind, width)) = self.infix_here() else {
                break;
            };
            let (at, len) = self.span_of(width);
            self.reduce(&mut operands, &mut ops, |top| {
                top > prec || (top == prec && !right_assoc)
            })?;
            ops.push(Op::Infix { prec, kind, at, len });
            self.pos += width;
        }
        self.reduce(&mut operands, &mut ops, |_| true)?;
        operands.pop().ok_or_else(|| Stop::Confused(self.here(), A_VALUE))
    }

    fn span_of(&self, width: usize) -> (usize, usize) {
        match (self.peek(), self.peek_at(width.saturating_sub(1))) {
            (Some(a), Some(b)) => (a.start, b.end.saturating_sub(a.start)),
            _ => (self.src.len(), 1),
        }
    }

    /// The infix operator at the cursor: (binding power, right-assoc, kind,
    /// tokens it spans).
    fn infix_here(&self) -> Option<(u8, bool, Infix, usize)> {
        let t = self.peek()?;
        let text = self.text(t);
        let other = |prec| Some((prec, false, Infix::Other, 1));
        match t.kind {
            Kind::Punct => match text {
                "||" => other(OR),
                "&&" => other(AND),
                "==" | "!=" | "<" | "<=" | ">" | ">=" => other(COMPARE),
                ".." => Some((RANGE, false, Infix::Range, 1)),
                "+" => Some((ADD, false, Infix::Arith(Arith::Add), 1)),
                "-" => Some((ADD, false, Infix::Arith(Arith::Sub), 1)),
                "*" => Some((MUL, false, Infix::Arith(Arith::Mul), 1)),
                "/" | "%" => other(MUL),
                "**" | "^" => Some((POW, true, Infix::Other, 1)),
                _ => None,
            },
            Kind::Ident => match text {
                "or" => other(OR),
                "and" => other(AND),
                "in" | "contains" | "startsWith" | "endsWith" => other(COMPARE),
                "matches" => Some((COMPARE, false, Infix::Matches, 1)),
                "not" if self.peek_at(1).is_some_and(|n| n.is_word(self.src, "in")) => {
                    Some((COMPARE, false, Infix::Other, 2))
                }
                _ => None,
            },
            _ => None,
        }
    }

    /// Apply stacked operators while `pops(prec)` says so.
    fn reduce(
        &mut self,
        operands: &mut Vec<Operand>,
        ops: &mut Vec<Op>,
        pops: impl Fn(u8) -> bool,
    ) -> R<()> {
        while let Some(op) = ops.last().copied() {
            if !pops(op.prec()) {
                break;
            }
            ops.pop();
            let confused = || Stop::Confused(0, A_VALUE);
            match op {
                Op::Prefix { negate, .. } => {
                    let x = operands.pop().ok_or_else(confused)?;
                    let lit = match x.lit {
                        Lit::Int(v) if negate => Lit::Int(v.wrapping_neg()),
                        Lit::Int(v) => Lit::Int(v),
                        _ => Lit::None,
                    };
                    operands.push(Operand { depth: x.depth + 1, lit });
                }
                Op::Infix { kind, at, len, .. } => {
                    let right = operands.pop().ok_or_else(confused)?;
                    let left = operands.pop().ok_or_else(confused)?;
                    let mut lit = Lit::None;
                    match kind {
                        Infix::Range => self.check_range(left.lit, right.lit, at, len)?,
                        Infix::Matches if right.lit != Lit::Str && self.in_closure > 0 => {
                            self.shape.dynamic_regexes += 1
                        }
                        Infix::Arith(f) => {
                            if let (Lit::Int(a), Lit::Int(b)) = (left.lit, right.lit) {
                                lit = f.fold(a, b).map_or(Lit::None, Lit::Int);
                            }
                        }
                        _ => {}
                    }
                    operands.push(Operand { depth: 1 + left.depth.max(right.depth), lit });
                }
            }
        }
        Ok(())
    }

    /// expr-lang evaluates `a..b` by collecting every integer in between, so
    /// only literal bounds whose size we can check here are allowed.
    fn check_range(&mut self, lo: Lit, hi: Lit, at: usize, len: usize) -> R<()> {
        let (Lit::Int(lo), Lit::Int(hi)) = (lo, hi) else {
            return Err(unsupported(
                at,
                len,
                "the bounds of a range `a..b` must be integer literals: \
                 expr-lang materialises every element, so Keelson only \
                 allows ranges whose size it can check before running",
            ));
        };
        let count = (i128::from(hi) - i128::from(lo) + 1).max(0) as u128;
        let count = u64::try_from(count).unwrap_or(u64::MAX);
        if count > guard::MAX_RANGE_ELEMENTS {
            return Err(limit(
                at,
                len,
                format!(
                    "range {lo}..{hi} has {count} elements; at most {} are allowed",
                    guard::MAX_RANGE_ELEMENTS
                ),
            ));
        }
        self.shape.range_elements = self.shape.range_elements.saturating_add(count);
        if self.in_closure > 0 {
            self.shape.loop_range_elements = self.shape.loop_range_elements.saturating_add(count);
        }
        if self.shape.range_elements > guard::MAX_RANGE_ELEMENTS_TOTAL {
            return Err(limit(
                at,
                len,
                format!(
                    "the ranges in this expression have more than {} elements together",
                    guard::MAX_RANGE_ELEMENTS_TOTAL
                ),
            ));
        }
        Ok(())
    }

    /// Postfix operators after a term. `sprig_ident` is the term's token when
    /// it is the bare identifier `sprig`.
    fn postfixes(
        &mut self,
        operands: &mut Vec<Operand>,
        ops: &mut Vec<Op>,
        mut sprig_ident: Option<Token>,
    ) -> R<()> {
        loop {
            let Some(t) = self.peek() else { return Ok(()) };
            let (prec, inner) = if t.is(self.src, ".") || t.is(self.src, "?.") {
                let Some(name) = self.peek_at(1) else {
                    return Err(Stop::Confused(t.end, A_NAME));
                };
                if name.is(self.src, "[") && t.is(self.src, "?.") {
                    self.pos += 1;
                    (MEMBER, self.index()?)
                } else if matches!(name.kind, Kind::Ident | Kind::Hash) {
                    if self.at_p_k(2, "(") && t.is(self.src, ".") {
                        if let Some(s) = sprig_ident
                            && s.end == t.start
                            && t.end == name.start
                        {
                            self.shape.edits.push(Edit::replace(t.start, 1, "_"));
                        }
                        self.pos += 2;
                        (MEMBER, self.call_args(None)?)
                    } else {
                        self.pos += 2;
                        (MEMBER, 0)
                    }
                } else {
                    return Ok(());
                }
            } else if t.is(self.src, "[") {
                (MEMBER, self.index()?)
            } else if t.is(self.src, "??") {
                self.pos += 1;
                (DEFAULT, self.expr()?.depth)
            } else if t.is(self.src, "?") {
                self.pos += 1;
                let a = self.expr()?.depth;
                self.expect_p(":")?;
                (TERNARY, a.max(self.expr()?.depth))
            } else if t.is(self.src, "|") {
                self.pos += 1;
                let name = self.peek().ok_or(Stop::Confused(t.end, "expected a function call"))?;
                if !matches!(name.kind, Kind::Ident | Kind::Hash) || !self.at_p_k(1, "(") {
                    return Err(Stop::Confused(name.start, "expected a function call"));
                }
                self.pos += 1;
                (PIPE, 1 + self.call_args(Some((self.text(name), 0)))?)
            } else {
                return Ok(());
            };
            sprig_ident = None;
            self.reduce(operands, ops, |top| top > prec)?;
            let x = operands.pop().ok_or(Stop::Confused(t.start, A_VALUE))?;
            operands.push(Operand::leaf(Lit::None).deeper(x.depth.max(inner)));
        }
    }

    /// `[i]`, `[a:b]`, `[:b]`, `[a:]`, `[:]` at the cursor; returns the depth
    /// of what is inside.
    fn index(&mut self) -> R<usize> {
        let open = self.peek().ok_or(Stop::Confused(self.src.len(), expected("[")))?;
        self.expect_p("[")?;
        self.index_nesting += 1;
        if self.index_nesting > guard::MAX_INDEX_NESTING {
            return Err(limit(
                open.start,
                1,
                format!(
                    "indexing nested more than {} deep (`a[b[c[…]]]`): expr-lang's \
                     parser backtracks exponentially on it",
                    guard::MAX_INDEX_NESTING
                ),
            ));
        }
        let mut depth = 0;
        if self.eat_p(":") {
            if !self.at_p("]") {
                depth = self.expr()?.depth;
            }
        } else {
            depth = self.expr()?.depth;
            if self.eat_p(":") && !self.at_p("]") {
                depth = depth.max(self.expr()?.depth);
            }
        }
        self.expect_p("]")?;
        self.index_nesting -= 1;
        Ok(depth)
    }

    /// `(args…)` of a call whose name was consumed; the cursor is at `(`.
    /// `closure` names the function and which argument Go's expr reads as a
    /// closure (1, or 0 after a pipe); a plain expression there is wrapped
    /// in braces. Returns the depth of the deepest argument (closures count
    /// extra: running one adds frames of its own).
    fn call_args(&mut self, closure: Option<(&str, usize)>) -> R<usize> {
        self.expect_p("(")?;
        let closure_at =
            closure.filter(|(name, _)| CLOSURE_FUNCTIONS.contains(name)).map(|(_, i)| i);
        let mut depth = 0;
        if self.eat_p(")") {
            return Ok(depth);
        }
        let mut index = 0;
        loop {
            let d = if self.at_p("{") && !self.looks_like_map() {
                self.pos += 1;
                self.in_closure += 1;
                let d = self.program(false)?;
                self.in_closure -= 1;
                self.expect_p("}")?;
                d + 2
            } else if self.at_p(".")
                && self.peek_at(1).is_some_and(|t| matches!(t.kind, Kind::Ident | Kind::Hash))
            {
                self.pos += 2;
                3
            } else {
                let start = self.here();
                let closure = closure_at == Some(index);
                self.in_closure += usize::from(closure);
                let d = self.expr()?.depth;
                self.in_closure -= usize::from(closure);
                if closure {
                    let end = self.prev_end(start);
                    self.shape.edits.push(Edit::insert(start, "{"));
                    self.shape.edits.push(Edit::insert(end, "}"));
                    d + 2
                } else {
                    d
                }
            };
            depth = depth.max(d);
            index += 1;
            if self.eat_p(",") {
                if self.eat_p(")") {
                    return Ok(depth);
                }
                continue;
            }
            self.expect_p(")")?;
            return Ok(depth);
        }
    }

    /// At `{`: a map literal (`{}`, `{k: …}`) rather than a predicate block.
    fn looks_like_map(&self) -> bool {
        match self.peek_at(1) {
            Some(t) if t.is(self.src, "}") => true,
            Some(t) if matches!(t.kind, Kind::Ident | Kind::Hash | Kind::Str) => {
                self.at_p_k(2, ":")
            }
            _ => false,
        }
    }

    /// A term. Also returns the token when the term is the bare identifier
    /// `sprig` (for the `sprig.f(` rewrite).
    fn term(&mut self) -> R<(Operand, Option<Token>)> {
        let t = self.peek().ok_or(Stop::Confused(self.src.len(), A_VALUE))?;
        self.steps += 1;
        if self.steps > MAX_STEPS {
            return Err(limit(t.start, t.end - t.start, "expression is too complex to analyse"));
        }
        let text = self.text(t);
        let leaf = |lit| Ok((Operand::leaf(lit), None));
        match t.kind {
            Kind::Int => {
                self.pos += 1;
                leaf(int_value(text).map_or(Lit::None, Lit::Int))
            }
            Kind::Str => {
                self.string_literal(t);
                self.pos += 1;
                leaf(Lit::Str)
            }
            Kind::Float | Kind::RawStr | Kind::Bytes => {
                self.pos += 1;
                leaf(Lit::None)
            }
            // The grammar's `ident` includes `#name`, even as a function name.
            Kind::Hash if !self.at_p_k(1, "(") => {
                self.pos += 1;
                leaf(Lit::None)
            }
            Kind::Ident | Kind::Hash => {
                if text == "if" {
                    // The grammar tries `if … {…} else …` first and falls
                    // back to a variable named `if`.
                    let before = self.snapshot();
                    match self.conditional() {
                        Err(Stop::Confused(..)) => self.restore(before),
                        other => return Ok((other?, None)),
                    }
                }
                let call = self.at_p_k(1, "(");
                check_word_quirks(t, text, call)?;
                self.pos += 1;
                if call {
                    let d = self.call_args(Some((text, 1)))?;
                    return Ok((Operand::leaf(Lit::None).deeper(d), None));
                }
                let lit = self
                    .let_ints
                    .iter()
                    .find(|(n, _)| n == text)
                    .map_or(Lit::None, |(_, v)| Lit::Int(*v));
                Ok((Operand::leaf(lit), (text == "sprig").then_some(t)))
            }
            Kind::Punct if text == "(" => {
                self.pos += 1;
                let inner = self.expr()?;
                self.expect_p(")")?;
                Ok((inner, None))
            }
            Kind::Punct if text == "[" => {
                self.pos += 1;
                let mut depth = 0;
                while !self.at_p("]") {
                    depth = depth.max(self.expr()?.depth);
                    if !self.eat_p(",") {
                        break;
                    }
                }
                self.expect_p("]")?;
                Ok((Operand::leaf(Lit::None).deeper(depth), None))
            }
            Kind::Punct if text == "{" => Ok((self.map_literal()?, None)),
            _ => Err(Stop::Confused(t.start, A_VALUE)),
        }
    }

    /// A quoted literal with escapes is handed to expr-lang decoded, as a
    /// raw string (see `lexer::string_value` for why).
    fn string_literal(&mut self, t: Token) {
        let text = self.text(t);
        if !text.contains('\\') {
            return;
        }
        if let Some(value) = string_value(text)
            && !value.contains('`')
        {
            self.shape.edits.push(Edit::replace(t.start, t.end - t.start, format!("`{value}`")));
        }
    }

    /// `{key: value, …}` at the cursor, rewritten as `__map('key', value, …)`
    /// (see `rewrite`: expr-lang mishandles map literals).
    fn map_literal(&mut self) -> R<Operand> {
        let open = self.peek().ok_or(Stop::Confused(self.src.len(), A_VALUE))?;
        self.pos += 1;
        self.shape.edits.push(Edit::replace(open.start, 1, "__map("));
        let mut depth = 0;
        while !self.at_p("}") {
            let key = self.peek().ok_or(Stop::Confused(self.src.len(), expected("}")))?;
            match key.kind {
                Kind::Str => self.string_literal(key),
                Kind::Ident | Kind::Hash => self.shape.edits.push(Edit::replace(
                    key.start,
                    key.end - key.start,
                    format!("'{}'", self.text(key)),
                )),
                _ => {
                    return Err(Stop::Confused(key.start, "expected a key: a name or a string"));
                }
            }
            self.pos += 1;
            let colon = self.peek().ok_or(Stop::Confused(self.src.len(), expected(":")))?;
            self.expect_p(":")?;
            self.shape.edits.push(Edit::replace(colon.start, 1, ","));
            depth = depth.max(self.expr()?.depth);
            match self.peek() {
                Some(comma) if comma.is(self.src, ",") => {
                    self.pos += 1;
                    // A trailing comma is fine in a map, not in a call.
                    if self.at_p("}") {
                        self.shape.edits.push(Edit::replace(comma.start, 1, " "));
                    }
                }
                _ => break,
            }
        }
        let close = self.peek().ok_or(Stop::Confused(self.src.len(), expected("}")))?;
        self.expect_p("}")?;
        self.shape.edits.push(Edit::replace(close.start, 1, ")"));
        Ok(Operand::leaf(Lit::None).deeper(depth))
    }

    /// `if cond { … } else { … }` / `else if …`, cursor at `if`.
    fn conditional(&mut self) -> R<Operand> {
        self.pos += 1;
        let mut depth = self.expr()?.depth;
        self.expect_p("{")?;
        depth = depth.max(self.program(false)?);
        self.expect_p("}")?;
        match self.peek() {
            Some(t) if t.is_word(self.src, "else") => self.pos += 1,
            _ => return Err(Stop::Confused(self.here(), "expected `else`")),
        }
        if self.peek().is_some_and(|t| t.is_word(self.src, "if")) {
            depth = depth.max(self.conditional()?.depth);
        } else {
            self.expect_p("{")?;
            depth = depth.max(self.program(false)?);
            self.expect_p("}")?;
        }
        Ok(Operand::leaf(Lit::None).deeper(depth))
    }
}

impl Operand {
    /// This node with a child `depth` deep.
    fn deeper(mut self, depth: usize) -> Self {
        self.depth = 1 + depth;
        self
    }
}

/// Identifiers expr-lang's grammar silently misreads at the start of a term:
/// the prefix operator `not` and the literals `true`/`false`/`nil` are
/// matched as *prefixes* of a longer word (`notReady` is `not Ready`).
fn check_word_quirks(t: Token, text: &str, call: bool) -> R<()> {
    let len = t.end - t.start;
    if text.len() > 3 && text.starts_with("not") {
        return Err(unsupported(
            t.start,
            len,
            format!(
                "`{text}` cannot be used here: expr-lang's grammar reads a leading \
                 `not` as the operator, i.e. `not {}`; rename it or write `$env.{text}`",
                &text[3..]
            ),
        ));
    }
    if call {
        // Function calls are tried before literals, so `trueish()` is fine.
        return Ok(());
    }
    for word in ["true", "false", "nil"] {
        if text.len() > word.len() && text.starts_with(word) {
            return Err(unsupported(
                t.start,
                len,
                format!(
                    "`{text}` cannot be used here: expr-lang's grammar reads the \
                     literal `{word}` at its start; rename it or write `$env.{text}`"
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::lexer::tokenize;

    fn shape(src: &str) -> Shape {
        match scan(src, &tokenize(src)) {
            Ok(Scan::Understood(s)) => s,
            other => panic!("{src:?}: {other:?}"),
        }
    }

    fn guard_err(src: &str) -> ExprError {
        match scan(src, &tokenize(src)) {
            Err(e) => e,
            other => panic!("{src:?} should break a guard: {other:?}"),
        }
    }

    #[test]
    fn depth_follows_precedence_not_token_count() {
        // A long `&&` chain is one level per operator …
        assert_eq!(shape("a == 1 && b == 2 && c == 3").depth, 4);
        // … and a member chain one per member.
        assert_eq!(shape("inputs.parameters.x").depth, 3);
        assert_eq!(shape("[a.b, a.b, a.b]").depth, 3);
        assert_eq!(shape("-a.b ** 2").depth, 4);
        assert_eq!(shape("(((1)))").depth, 1);
    }

    #[test]
    fn lets_and_body_are_located() {
        let src = "let x = 1 + 2; let y = x; y * 2 // done";
        let s = shape(src);
        assert_eq!(s.lets.len(), 2);
        assert_eq!(&src[s.lets[0].value.0..s.lets[0].value.1], "1 + 2");
        assert_eq!(s.lets[1].name, "y");
        assert_eq!(&src[s.body.0..s.body.1], "y * 2");
        // The grammar allows `letx = 1;` to mean `let x = 1;`.
        assert_eq!(shape("letx = 1; x").lets[0].name, "x");
        assert!(shape("letter == 1").lets.is_empty());
    }

    #[test]
    fn nested_let_is_refused() {
        let e = guard_err("map([1], { let y = #; y })");
        assert!(e.message.contains("top level"));
        assert_eq!(e.offset, 11);
    }

    #[test]
    fn sprig_dots_are_found_only_for_adjacent_calls() {
        let src = "sprig.trim(x) + sprig . upper(y) + a.sprig.lower(z) + sprig.x";
        assert_eq!(shape(src).edits, vec![Edit::replace(5, 1, "_")]);
    }

    #[test]
    fn map_literals_and_closures_are_rewritten() {
        use crate::expr::rewrite::Rewritten;
        let rewrite = |src: &str| Rewritten::new(src, shape(src).edits).text;
        assert_eq!(rewrite("{a: x, 'b': [1],}"), "__map('a', x, 'b', [1] )");
        assert_eq!(rewrite("{}"), "__map()");
        assert_eq!(rewrite("{a: {b: -1}}"), "__map('a', __map('b', -1))");
        assert_eq!(rewrite("filter(xs, x > 0)"), "filter(xs, {x > 0})");
        assert_eq!(rewrite("filter(xs, # > 0)"), "filter(xs, {# > 0})");
        assert_eq!(rewrite("filter(xs, {# > 0})"), "filter(xs, {# > 0})");
        assert_eq!(rewrite("map(xs, .a)"), "map(xs, .a)");
        assert_eq!(rewrite("sortBy(xs, #.a, 'desc')"), "sortBy(xs, {#.a}, 'desc')");
        assert_eq!(rewrite("xs | map(# * 2)"), "xs | map({# * 2})");
        assert_eq!(rewrite("map(xs, {a: #})"), "map(xs, {__map('a', #)})");
        assert_eq!(rewrite("len(xs, y)"), "len(xs, y)");
        assert_eq!(rewrite(r"a['it\'s'] + 'plain'"), "a[`it's`] + 'plain'");
        assert_eq!(rewrite(r"{'k\n': 1}"), "__map(`k\n`, 1)");
    }

    #[test]
    fn ranges_need_small_literal_bounds() {
        assert_eq!(shape("1..5").range_elements, 5);
        assert_eq!(shape("-2..2 == x").range_elements, 5);
        assert_eq!(shape("5..1").range_elements, 0);
        assert!(guard_err("0..100000000").message.contains("elements"));
        assert!(guard_err("1..n").message.contains("integer literals"));
        // `+` binds tighter than `..`; literal arithmetic is folded.
        assert_eq!(shape("1 + 1..2 * 3").range_elements, 5);
        assert!(guard_err("1..2+n").message.contains("integer literals"));
        assert_eq!(shape("let n = 2 * 3; let m = n; 1..m").range_elements, 6);
        assert!(guard_err("let n = 2; let n = x; 1..n").message.contains("integer literals"));
        assert!(guard_err("(x ?? 1)..5").message.contains("integer literals"));
        // `??` takes a whole expression (greedy in the grammar): `x ?? (1..5)`.
        assert_eq!(shape("x ?? 1..5").range_elements, 5);
    }

    #[test]
    fn loop_costs_are_counted() {
        assert_eq!(shape("filter(xs, a matches '^x' + b)").dynamic_regexes, 1);
        assert_eq!(shape("a matches '^x' + b").dynamic_regexes, 0);
        assert_eq!(shape("filter(xs, {a matches '^x'})").dynamic_regexes, 0);
        let s = shape("filter(0..99, # in 1..10)");
        assert_eq!((s.range_elements, s.loop_range_elements), (110, 10));
    }

    #[test]
    fn word_quirks_are_refused() {
        assert!(guard_err("notReady").message.contains("not Ready"));
        assert!(guard_err("x && nothing").message.contains("not hing"));
        assert!(guard_err("nilValue == 1").message.contains("`nil`"));
        // After a dot, in a map key or as a call it is fine.
        shape("a.nothing + {nothing: 1}.nothing");
        shape("trueish(1)");
        shape("not x");
    }

    #[test]
    fn understands_the_whole_grammar() {
        for src in [
            "filter([1, 3], {# > 1})",
            "map(a, .name)",
            "map(a, {#index})",
            "reduce(a, #acc + #, 0)",
            "x | filter(# > 1) | map(# * 2)",
            "if a { 1 } else if b { 2 } else { 3 }",
            "a ? b : c ? d : e",
            "a?.b?.[0] ?? 'x'",
            "a[1:2] + a[:2] + a[1:] + a[:]",
            "x not in [1, 2] and not (y in {a: 1})",
            "$env['x']",
            "b'bytes' + `raw`",
            "1 ^ 2 ** 3",
            "f(a, b,)",
            "{a: 1, 'b': 2,}",
            "[1, 2,]",
            "now().Sub(t)",
            "if",
            "if + 1",
            "#f(1)",
        ] {
            shape(src);
        }
    }

    #[test]
    fn index_nesting_is_bounded() {
        let src = format!("{}1{}", "a[".repeat(11), "]".repeat(11));
        assert!(guard_err(&src).message.contains("nested"));
        let src = format!("{}1{}", "a[".repeat(10), "]".repeat(10));
        shape(&src);
    }

    #[test]
    fn gives_up_on_what_it_does_not_follow() {
        for src in ["<% x %>", "1 +", "(1", "a.", "f(1"] {
            assert!(matches!(scan(src, &tokenize(src)), Ok(Scan::Confused(..))), "{src}");
        }
    }
}
