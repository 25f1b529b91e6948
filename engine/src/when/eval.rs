//! Evaluating a plan as `EvaluableExpression.evaluateStage` does: left
//! operand, short-circuit, right operand, type checks, operator. The order
//! matters for which error wins and for what `&&`/`||`/`?` skip.

use super::plan::{Payload, Plan, Sym};
use super::value::{Value, compile_go_regex};

/// An evaluation failure: govaluate's text, the span of the operator, and
/// whether Go would have panicked.
#[derive(Debug, Clone)]
pub(super) struct EvalError {
    pub msg: String,
    pub span: (usize, usize),
    pub panic: bool,
}

/// Evaluate `plan` with no parameters (Argo passes none). An empty plan is
/// Go's `nil`.
///
/// govaluate recurses; this walks the tree with an explicit stack in the
/// same order, because left-associated chains (`a && b && …` after
/// `reorderStages`) are as deep as they are long.
pub(super) fn run(plan: &Plan) -> Result<Value, EvalError> {
    enum Task {
        /// Evaluate this stage's left side, then continue with `Left`.
        Visit(usize),
        /// The left value is on top of `values`.
        Left(usize),
        /// Left and right values are on top of `values`.
        Apply(usize),
    }
    let Some(root) = plan.root else {
        return Ok(Value::Nil);
    };
    let mut tasks = vec![Task::Visit(root)];
    let mut values: Vec<Value> = Vec::new();
    while let Some(task) = tasks.pop() {
        match task {
            Task::Visit(idx) => {
                tasks.push(Task::Left(idx));
                match plan.stages[idx].left {
                    Some(l) => tasks.push(Task::Visit(l)),
                    None => values.push(Value::Nil),
                }
            }
            Task::Left(idx) => {
                let stage = &plan.stages[idx];
                let left = values.last().unwrap_or(&Value::Nil);
                // Short circuits, before the right side is even evaluated.
                let mut skip_right = false;
                match stage.info.sym {
                    Sym::And if matches!(left, Value::Bool(false)) => continue,
                    Sym::Or if matches!(left, Value::Bool(true)) => continue,
                    Sym::Coalesce if !matches!(left, Value::Nil) => continue,
                    Sym::TernaryTrue if matches!(left, Value::Bool(false)) => skip_right = true,
                    Sym::TernaryFalse if !matches!(left, Value::Nil) => skip_right = true,
                    _ => {}
                }
                tasks.push(Task::Apply(idx));
                match stage.right {
                    Some(r) if !skip_right => tasks.push(Task::Visit(r)),
                    _ => values.push(Value::Nil),
                }
            }
            Task::Apply(idx) => {
                let right = values.pop().unwrap_or(Value::Nil);
                let left = values.pop().unwrap_or(Value::Nil);
                values.push(apply(plan, idx, left, right)?);
            }
        }
    }
    Ok(values.pop().unwrap_or(Value::Nil))
}

fn is_bool(v: &Value) -> bool {
    matches!(v, Value::Bool(_))
}

fn is_num(v: &Value) -> bool {
    matches!(v, Value::Num(_))
}

fn is_str(v: &Value) -> bool {
    matches!(v, Value::Str(_))
}

/// The per-side checks of `findTypeChecks`: (left, right).
type Check = fn(&Value) -> bool;

fn side_checks(sym: Sym) -> (Option<Check>, Option<Check>) {
    match sym {
        Sym::Req | Sym::Nreq => {
            (Some(is_str), Some(|v| matches!(v, Value::Str(_) | Value::Pattern(_))))
        }
        Sym::And | Sym::Or => (Some(is_bool), Some(is_bool)),
        Sym::In => (None, Some(|v| matches!(v, Value::Arr(_)))),
        Sym::BitAnd
        | Sym::BitOr
        | Sym::BitXor
        | Sym::Shl
        | Sym::Shr
        | Sym::Minus
        | Sym::Mul
        | Sym::Div
        | Sym::Mod
        | Sym::Exp => (Some(is_num), Some(is_num)),
        Sym::Negate | Sym::BitNot => (None, Some(is_num)),
        Sym::Invert => (None, Some(is_bool)),
        Sym::TernaryTrue => (Some(is_bool), None),
        _ => (None, None),
    }
}

/// The checks that need both sides (`additionTypeCheck`,
/// `comparatorTypeCheck`); they replace the per-side ones.
fn combined_check(sym: Sym) -> Option<fn(&Value, &Value) -> bool> {
    match sym {
        Sym::Gt | Sym::Lt | Sym::Gte | Sym::Lte => {
            Some(|l, r| (is_num(l) && is_num(r)) || (is_str(l) && is_str(r)))
        }
        Sym::Plus => Some(|l, r| (is_num(l) && is_num(r)) || is_str(l) || is_str(r)),
        _ => None,
    }
}

/// Go's `int64(f)` on amd64 (where Argo's controller usually runs): out of
/// range and NaN give the "integer indefinite" value, `i64::MIN`.
fn go_i64(f: f64) -> i64 {
    const TWO63: f64 = 9_223_372_036_854_775_808.0;
    // NaN is outside every range too.
    if !(-TWO63..TWO63).contains(&f) { i64::MIN } else { f as i64 }
}

/// Go's `uint64(f)` on amd64.
fn go_u64(f: f64) -> u64 {
    const TWO63: f64 = 9_223_372_036_854_775_808.0;
    if f < TWO63 { go_i64(f) as u64 } else { (go_i64(f - TWO63) as u64) | (1 << 63) }
}

/// Type checks and the operator of one stage, given both operand values.
fn apply(plan: &Plan, idx: usize, left: Value, right: Value) -> Result<Value, EvalError> {
    let info = &plan.stages[idx].info;
    let sym = info.sym;
    let fail = |msg: String| EvalError { msg, span: info.span, panic: false };

    if let Some(check) = combined_check(sym) {
        if !check(&left, &right) {
            return Err(fail(info.fmt.render(&left, sym)));
        }
    } else {
        let (lc, rc) = side_checks(sym);
        if let Some(c) = lc
            && !c(&left)
        {
            return Err(fail(info.fmt.render(&left, sym)));
        }
        if let Some(c) = rc
            && !c(&right)
        {
            return Err(fail(info.fmt.render(&right, sym)));
        }
    }

    let num = |v: &Value| match v {
        Value::Num(n) => *n,
        _ => 0.0,
    };
    let (l, r) = (num(&left), num(&right));
    Ok(match sym {
        Sym::Value | Sym::Literal => match &info.payload {
            Payload::Literal(v) => v.clone(),
            // Argo turns every bare word into a string before planning, so
            // a parameter stage only exists in a plan nobody evaluates.
            Payload::Param(name) => return Err(fail(format!("No parameter '{name}' found."))),
            _ => Value::Nil,
        },
        Sym::Access => match &info.payload {
            Payload::Access(parts) => {
                let first = parts.first().map_or("", String::as_str);
                return Err(fail(format!("No parameter '{first}' found.")));
            }
            _ => Value::Nil,
        },
        Sym::Noop => right,
        Sym::Eq => Value::Bool(left.deep_equal(&right)),
        Sym::Neq => Value::Bool(!left.deep_equal(&right)),
        Sym::Gt | Sym::Lt | Sym::Gte | Sym::Lte => {
            let ord = match (&left, &right) {
                (Value::Str(a), Value::Str(b)) => a.partial_cmp(b),
                _ => l.partial_cmp(&r),
            };
            use std::cmp::Ordering::*;
            Value::Bool(match sym {
                Sym::Gt => ord == Some(Greater),
                Sym::Lt => ord == Some(Less),
                Sym::Gte => matches!(ord, Some(Greater | Equal)),
                _ => matches!(ord, Some(Less | Equal)),
            })
        }
        Sym::Req | Sym::Nreq => {
            let subject = match &left {
                Value::Str(s) => s.as_str(),
                _ => "",
            };
            let matched = match &right {
                Value::Pattern(p) => p.re.is_match(subject),
                Value::Str(src) => match compile_go_regex(src) {
                    Ok(re) => re.is_match(subject),
                    Err(e) => {
                        return Err(fail(format!("Unable to compile regexp pattern '{src}': {e}")));
                    }
                },
                _ => false,
            };
            Value::Bool(matched == (sym == Sym::Req))
        }
        Sym::And => {
            Value::Bool(matches!(left, Value::Bool(true)) && matches!(right, Value::Bool(true)))
        }
        Sym::Or => {
            Value::Bool(matches!(left, Value::Bool(true)) || matches!(right, Value::Bool(true)))
        }
        Sym::In => {
            let Value::Arr(items) = &right else {
                return Ok(Value::Bool(false));
            };
            for item in items {
                match left.go_interface_eq(item) {
                    Ok(true) => return Ok(Value::Bool(true)),
                    Ok(false) => {}
                    Err(msg) => {
                        return Err(EvalError { msg, span: info.span, panic: true });
                    }
                }
            }
            Value::Bool(false)
        }
        Sym::Plus => match (&left, &right) {
            (Value::Num(a), Value::Num(b)) => Value::Num(a + b),
            // String concatenation with Go's `%v%v`.
            _ => Value::Str(format!("{left}{right}")),
        },
        Sym::Minus => Value::Num(l - r),
        Sym::Mul => Value::Num(l * r),
        Sym::Div => Value::Num(l / r),
        Sym::Mod => Value::Num(l % r),
        Sym::Exp => Value::Num(l.powf(r)),
        Sym::BitAnd => Value::Num((go_i64(l) & go_i64(r)) as f64),
        Sym::BitOr => Value::Num((go_i64(l) | go_i64(r)) as f64),
        Sym::BitXor => Value::Num((go_i64(l) ^ go_i64(r)) as f64),
        Sym::Shl => {
            let (a, b) = (go_u64(l), go_u64(r));
            Value::Num(if b >= 64 { 0.0 } else { (a << b) as f64 })
        }
        Sym::Shr => {
            let (a, b) = (go_u64(l), go_u64(r));
            Value::Num(if b >= 64 { 0.0 } else { (a >> b) as f64 })
        }
        Sym::Negate => Value::Num(-r),
        Sym::Invert => Value::Bool(!matches!(right, Value::Bool(true))),
        Sym::BitNot => Value::Num(!go_i64(r) as f64),
        Sym::TernaryTrue => {
            if matches!(left, Value::Bool(true)) {
                right
            } else {
                Value::Nil
            }
        }
        Sym::TernaryFalse | Sym::Coalesce => {
            if matches!(left, Value::Nil) {
                right
            } else {
                left
            }
        }
        Sym::Separate => match left {
            Value::Arr(mut items) => {
                items.push(right);
                Value::Arr(items)
            }
            other => Value::Arr(vec![other, right]),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::super::plan::ErrFmt;
    use super::*;

    #[test]
    fn go_conversions_follow_amd64() {
        assert_eq!(go_i64(3.9), 3);
        assert_eq!(go_i64(-3.9), -3);
        assert_eq!(go_i64(f64::NAN), i64::MIN);
        assert_eq!(go_i64(1e30), i64::MIN);
        assert_eq!(go_u64(-1.0), u64::MAX);
        assert_eq!(go_u64(1e19), 10_000_000_000_000_000_000);
    }

    #[test]
    fn err_fmt_matches_go() {
        assert_eq!(
            ErrFmt::Modifier.render(&Value::Str("ref".into()), Sym::Div),
            "Value 'ref' cannot be used with the modifier '/', it is not a number"
        );
    }
}
