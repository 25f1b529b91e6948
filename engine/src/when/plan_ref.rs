//! Test oracle: govaluate's planner transcribed literally from
//! `stagePlanner.go` (recursive, right recursion on each level, and the
//! `stream.rewind()` after an exhausted loop), to check that the
//! shunting-yard in `plan.rs` builds the very same trees.

use super::lex::{Kind, Token, Tv};
use super::plan::{ErrFmt, OpInfo, Payload, Stage, Sym};
use super::value::Value;

#[derive(Clone, Copy)]
enum Level {
    Prefix,
    Exponential,
    Multiplicative,
    Additive,
    Shift,
    Bitwise,
    Comparator,
    LogicalAnd,
    LogicalOr,
    Ternary,
    Separator,
}

/// A level's valid kind, symbols, error format and next (left) level:
/// `Some(None)` is planFunction, `None` (for Prefix) no left side at all.
type Spec = (Kind, &'static [(&'static str, Sym)], ErrFmt, Option<Option<Level>>);

impl Level {
    fn spec(self) -> Spec {
        use Sym::*;
        match self {
            Level::Prefix => {
                (Kind::Prefix, &[("-", Negate), ("!", Invert), ("~", BitNot)], ErrFmt::Prefix, None)
            }
            Level::Exponential => (Kind::Modifier, &[("**", Exp)], ErrFmt::Modifier, Some(None)),
            Level::Multiplicative => (
                Kind::Modifier,
                &[("*", Mul), ("/", Div), ("%", Mod)],
                ErrFmt::Modifier,
                Some(Some(Level::Exponential)),
            ),
            Level::Additive => (
                Kind::Modifier,
                &[("+", Plus), ("-", Minus)],
                ErrFmt::Modifier,
                Some(Some(Level::Multiplicative)),
            ),
            Level::Shift => (
                Kind::Modifier,
                &[(">>", Shr), ("<<", Shl)],
                ErrFmt::Modifier,
                Some(Some(Level::Additive)),
            ),
            Level::Bitwise => (
                Kind::Modifier,
                &[("^", BitXor), ("&", BitAnd), ("|", BitOr)],
                ErrFmt::Modifier,
                Some(Some(Level::Shift)),
            ),
            Level::Comparator => (
                Kind::Comparator,
                &[
                    ("==", Eq),
                    ("!=", Neq),
                    (">", Gt),
                    (">=", Gte),
                    ("<", Lt),
                    ("<=", Lte),
                    ("=~", Req),
                    ("!~", Nreq),
                    ("in", In),
                ],
                ErrFmt::Comparator,
                Some(Some(Level::Bitwise)),
            ),
            Level::LogicalAnd => {
                (Kind::LogicalOp, &[("&&", And)], ErrFmt::Logical, Some(Some(Level::Comparator)))
            }
            Level::LogicalOr => {
                (Kind::LogicalOp, &[("||", Or)], ErrFmt::Logical, Some(Some(Level::LogicalAnd)))
            }
            Level::Ternary => (
                Kind::Ternary,
                &[("?", TernaryTrue), (":", TernaryFalse), ("??", Coalesce)],
                ErrFmt::Ternary,
                Some(Some(Level::LogicalOr)),
            ),
            Level::Separator => {
                (Kind::Separator, &[(",", Separate)], ErrFmt::None, Some(Some(Level::Ternary)))
            }
        }
    }
}

pub(super) struct RefPlanner<'a> {
    pub tokens: &'a [Token],
    pub index: usize,
    pub stages: Vec<Stage>,
}

impl RefPlanner<'_> {
    fn has_next(&self) -> bool {
        self.index < self.tokens.len()
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.index)?.clone();
        self.index += 1;
        Some(t)
    }

    fn rewind(&mut self) {
        self.index = self.index.saturating_sub(1);
    }

    fn push(&mut self, info: OpInfo, left: Option<usize>, right: Option<usize>) -> usize {
        self.stages.push(Stage { info, left, right });
        self.stages.len() - 1
    }

    /// `planTokens`.
    pub fn plan_tokens(&mut self) -> Option<Option<usize>> {
        if !self.has_next() {
            return Some(None);
        }
        self.level(Level::Separator)
    }

    /// `planPrecedenceLevel`; `None` is a planning error.
    fn level(&mut self, level: Level) -> Option<Option<usize>> {
        let (kind, symbols, fmt, next) = level.spec();
        let left = match next {
            Some(Some(l)) => self.level(l)?,
            Some(None) => self.function()?,
            None => None,
        };
        if self.has_next() {
            let t = self.next()?;
            let sym = symbols
                .iter()
                .find(|(s, _)| t.kind == kind && t.symbol() == Some(*s))
                .map(|(_, sym)| *sym);
            if let Some(sym) = sym {
                let right = match level {
                    Level::Prefix => self.function()?,
                    _ => self.level(level)?,
                };
                let info = OpInfo { sym, payload: Payload::None, fmt, span: (t.start, t.end) };
                return Some(Some(self.push(info, left, right)));
            }
        }
        // Go rewinds even when the loop never ran (stream exhausted).
        self.rewind();
        Some(left)
    }

    fn function(&mut self) -> Option<Option<usize>> {
        self.next()?;
        self.rewind();
        self.accessor()
    }

    fn accessor(&mut self) -> Option<Option<usize>> {
        if !self.has_next() {
            return Some(None);
        }
        let t = self.next()?;
        let (Kind::Accessor, Tv::Parts(parts)) = (t.kind, &t.val) else {
            self.rewind();
            return self.value();
        };
        let mut right = None;
        if self.has_next() {
            let other = self.next()?;
            self.rewind();
            if other.kind == Kind::Clause {
                right = self.plan_tokens()?;
            }
        }
        let info = OpInfo {
            sym: Sym::Access,
            payload: Payload::Access(parts.clone()),
            fmt: ErrFmt::None,
            span: (t.start, t.end),
        };
        Some(Some(self.push(info, None, right)))
    }

    fn value(&mut self) -> Option<Option<usize>> {
        if !self.has_next() {
            return Some(None);
        }
        let t = self.next()?;
        let (sym, payload) = match (t.kind, &t.val) {
            (Kind::Clause, _) => {
                let inner = self.plan_tokens()?;
                self.next()?;
                let info = OpInfo {
                    sym: Sym::Noop,
                    payload: Payload::None,
                    fmt: ErrFmt::None,
                    span: (t.start, t.end),
                };
                return Some(Some(self.push(info, None, inner)));
            }
            (Kind::ClauseClose, _) => {
                self.rewind();
                return Some(None);
            }
            (Kind::Prefix, _) => {
                self.rewind();
                return self.level(Level::Prefix);
            }
            (Kind::Variable, Tv::Text(n)) => (Sym::Value, Payload::Param(n.clone())),
            (Kind::Numeric, Tv::Num(n)) => (Sym::Literal, Payload::Literal(Value::Num(*n))),
            (Kind::Str, Tv::Text(s)) => (Sym::Literal, Payload::Literal(Value::Str(s.clone()))),
            (Kind::Boolean, Tv::Bool(b)) => (Sym::Literal, Payload::Literal(Value::Bool(*b))),
            (Kind::Pattern, Tv::Pattern(p)) => {
                (Sym::Literal, Payload::Literal(Value::Pattern(p.clone())))
            }
            (Kind::Time, Tv::Time(g)) => {
                (Sym::Literal, Payload::Literal(Value::Num(g.unix as f64)))
            }
            _ => return None,
        };
        let info = OpInfo { sym, payload, fmt: ErrFmt::None, span: (t.start, t.end) };
        Some(Some(self.push(info, None, None)))
    }
}

/// A tree as a string, for comparing plans built by different planners.
pub(super) fn render(stages: &[Stage], root: Option<usize>) -> String {
    let Some(i) = root else {
        return "nil".to_string();
    };
    let st = &stages[i];
    let what = match &st.info.payload {
        Payload::Literal(v) => format!("{v:?}"),
        Payload::Param(p) => format!("param {p}"),
        Payload::Access(parts) => format!("access {parts:?}"),
        Payload::None => String::new(),
    };
    format!(
        "{:?}{what}@{:?}/{:?}({}, {})",
        st.info.sym,
        st.info.span,
        st.info.fmt,
        render(stages, st.left),
        render(stages, st.right)
    )
}

mod tests {
    use super::super::{lex, plan};
    use super::*;
    use proptest::prelude::*;

    /// Both planners on `src`, rendered; `None` if `src` does not get as
    /// far as planning.
    fn both(src: &str) -> Option<(String, String)> {
        let mut tokens = lex::tokenize(src).ok()?;
        plan::check_syntax(&tokens, src.len()).ok()?;
        plan::optimize(&mut tokens).ok()?;
        let ours = plan::plan(&tokens).ok()?;
        let mut reference = RefPlanner { tokens: &tokens, index: 0, stages: Vec::new() };
        let root = reference.plan_tokens()?;
        let mut stages = reference.stages;
        if let Some(r) = root {
            plan::reorder(&mut stages, r);
        }
        Some((render(&ours.stages, ours.root), render(&stages, root)))
    }

    #[test]
    fn same_trees_on_tricky_inputs() {
        for src in [
            "a",
            "a - b - c - d",
            "a - b + c - d * e / f % g",
            "a || b && c || d && e",
            "a == b + c == d",
            "(a) b",
            "((a) b)",
            "(a ==)",
            "(!)",
            "-(-a) ** 2 ** 3",
            "a ? b : c ? d : e",
            "a ?? b ?? c",
            "(1, 2, (3, 4)), 5",
            "X.Y(1) + 2 == 3 && true",
            "true && -X.Y(1, 2) || false",
            "!(a in (a, b)) && c =~ 'd' || e !~ f",
            "1 << 2 >> 3 & 4 | 5 ^ 6",
            "()",
            "(((a)))",
        ] {
            let (ours, reference) = both(src).unwrap_or_else(|| panic!("{src}"));
            assert_eq!(ours, reference, "{src}");
        }
    }

    /// Well-formed-ish expressions, so most cases reach the planner; `)`
    /// right after an operator and stray tokens after a group exercise
    /// govaluate's lenient corners.
    fn arb_expr() -> impl Strategy<Value = String> {
        let atom =
            proptest::sample::select(vec!["a", "b", "1", "2.5", "true", "'s'", "X.Y", "X.Y(1)"])
                .prop_map(str::to_string);
        let op = proptest::sample::select(vec![
            "+", "-", "*", "/", "%", "**", "&", "|", "^", "<<", ">>", "==", "!=", "<", ">=", "=~",
            "in", "&&", "||", "?", ":", "??", ",",
        ]);
        let leaf = (proptest::option::of(proptest::sample::select(vec!["-", "!", "~"])), atom)
            .prop_map(|(p, a)| format!("{}{a}", p.unwrap_or("")));
        leaf.prop_recursive(4, 40, 6, move |inner| {
            let op = op.clone();
            (
                proptest::collection::vec((inner, op), 1..5),
                proptest::sample::select(vec!["", "", "", " )", " ) a"]),
                any::<bool>(),
            )
                .prop_map(|(items, tail, group)| {
                    let mut s = String::new();
                    for (i, (e, o)) in items.iter().enumerate() {
                        if i > 0 {
                            s.push_str(&format!(" {o} "));
                        }
                        s.push_str(e);
                    }
                    if group { format!("({s}{tail})") } else { s }
                })
        })
    }

    /// The generator is only useful if its output gets planned.
    #[test]
    fn structured_inputs_reach_the_planner() {
        use proptest::strategy::ValueTree;
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let strategy = arb_expr();
        let planned = (0..200)
            .filter_map(|_| strategy.new_tree(&mut runner).ok())
            .filter(|tree| both(&tree.current()).is_some())
            .count();
        assert!(planned >= 40, "only {planned} of 200 planned");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]
        #[test]
        fn prop_same_trees_structured(src in arb_expr()) {
            if let Some((ours, reference)) = both(&src) {
                prop_assert_eq!(ours, reference, "{}", src);
            }
        }

        #[test]
        fn prop_same_trees(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "a", "b", "1", "2.5", "true", "'s'", "X.Y", "(", ")", "(", ")",
                    "-", "!", "~", "+", "*", "/", "%", "**", "&", "|", "^", "<<", ">>",
                    "==", "!=", "<", ">=", "=~", "in", "&&", "||", "?", ":", "??", ",",
                ]),
                1..24,
            )
        ) {
            let src = parts.join(" ");
            if let Some((ours, reference)) = both(&src) {
                prop_assert_eq!(ours, reference, "{}", src);
            }
        }
    }
}
