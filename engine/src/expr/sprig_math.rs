//! Sprig's numeric functions (`numeric.go` and the arithmetic in
//! `functions.go`): integer math through spf13/cast's `ToInt64` (so
//! `sprig.add("2", 3)` is 5), float math through `ToFloat64`, the decimal
//! `addf`/`subf`/`mulf`/`divf`, and the integer sequences.

use super::args::{Res, arity, fail, int, string};
use super::budget;
use super::sprig::{SprigFn, strval, to_float64, to_int64};
use crate::golang::strconv::{atoi, parse_int};
use expr::Value;

pub(crate) const FUNCS: &[(&str, SprigFn)] = &[
    ("add1", |n, a| arity(n, a, 1, 1).map(|()| to_int64(&a[0]).wrapping_add(1).into())),
    ("add", |_, a| Ok(a.iter().fold(0i64, |acc, v| acc.wrapping_add(to_int64(v))).into())),
    ("sub", |n, a| int2(n, a, |x, y| Ok(x.wrapping_sub(y)))),
    ("mul", |n, a| {
        arity(n, a, 1, usize::MAX)?;
        Ok(a.iter().skip(1).fold(to_int64(&a[0]), |acc, v| acc.wrapping_mul(to_int64(v))).into())
    }),
    ("div", |n, a| {
        int2(
            n,
            a,
            |x, y| {
                if y == 0 { Err("integer divide by zero") } else { Ok(x.wrapping_div(y)) }
            },
        )
    }),
    ("mod", |n, a| {
        int2(
            n,
            a,
            |x, y| {
                if y == 0 { Err("integer divide by zero") } else { Ok(x.wrapping_rem(y)) }
            },
        )
    }),
    ("max", |n, a| extreme(n, a, i64::max)),
    ("biggest", |n, a| extreme(n, a, i64::max)),
    ("min", |n, a| extreme(n, a, i64::min)),
    ("maxf", |n, a| extremef(n, a, f64::max)),
    ("minf", |n, a| extremef(n, a, f64::min)),
    ("floor", |n, a| arity(n, a, 1, 1).map(|()| to_float64(&a[0]).floor().into())),
    ("ceil", |n, a| arity(n, a, 1, 1).map(|()| to_float64(&a[0]).ceil().into())),
    ("round", round),
    ("int", |n, a| arity(n, a, 1, 1).map(|()| to_int64(&a[0]).into())),
    ("int64", |n, a| arity(n, a, 1, 1).map(|()| to_int64(&a[0]).into())),
    ("float64", |n, a| arity(n, a, 1, 1).map(|()| to_float64(&a[0]).into())),
    ("atoi", |n, a| {
        arity(n, a, 1, 1)?;
        Ok(atoi(string(n, a, 0)?).unwrap_or(0).into())
    }),
    ("toDecimal", |n, a| {
        arity(n, a, 1, 1)?;
        // Unix octal ("0755") to decimal; errors are 0.
        Ok(parse_int(&strval(&a[0]), 8).unwrap_or(0).into())
    }),
    ("add1f", |n, a| {
        arity(n, a, 1, 1).and_then(|()| decimal_op(n, &a[0], &[Value::Integer(1)], DecOp::Add))
    }),
    ("addf", |n, a| decimal_op(n, &Value::Float(0.0), a, DecOp::Add)),
    ("subf", |n, a| {
        arity(n, a, 1, usize::MAX).and_then(|()| decimal_op(n, &a[0], &a[1..], DecOp::Sub))
    }),
    ("mulf", |n, a| {
        arity(n, a, 1, usize::MAX).and_then(|()| decimal_op(n, &a[0], &a[1..], DecOp::Mul))
    }),
    ("divf", |n, a| {
        arity(n, a, 1, usize::MAX).and_then(|()| decimal_op(n, &a[0], &a[1..], DecOp::Div))
    }),
    ("until", |n, a| {
        arity(n, a, 1, 1)?;
        let count = int(n, a, 0)?;
        until_step(n, 0, count, if count < 0 { -1 } else { 1 })
    }),
    ("untilStep", |n, a| {
        arity(n, a, 3, 3)?;
        until_step(n, int(n, a, 0)?, int(n, a, 1)?, int(n, a, 2)?)
    }),
    ("seq", seq),
];

fn int2(name: &str, args: &[Value], f: impl Fn(i64, i64) -> Result<i64, &'static str>) -> Res {
    arity(name, args, 2, 2)?;
    f(to_int64(&args[0]), to_int64(&args[1]))
        .map(Value::from)
        .map_err(|e| fail(format!("{name}: {e}")))
}

fn extreme(name: &str, args: &[Value], pick: fn(i64, i64) -> i64) -> Res {
    arity(name, args, 1, usize::MAX)?;
    Ok(args.iter().skip(1).fold(to_int64(&args[0]), |acc, v| pick(acc, to_int64(v))).into())
}

fn extremef(name: &str, args: &[Value], pick: fn(f64, f64) -> f64) -> Res {
    arity(name, args, 1, usize::MAX)?;
    Ok(args.iter().skip(1).fold(to_float64(&args[0]), |acc, v| pick(acc, to_float64(v))).into())
}

/// `round(value, places[, roundOn])`, Sprig's way (half away from the
/// `roundOn` threshold of the fractional part, which is negative for
/// negative numbers).
fn round(name: &str, args: &[Value]) -> Res {
    arity(name, args, 2, 3)?;
    let round_on = args.get(2).map_or(0.5, to_float64);
    let val = to_float64(&args[0]);
    let pow = 10f64.powf(to_float64(&args[1]));
    let digit = pow * val;
    let frac = digit.fract();
    let r = if frac >= round_on { digit.ceil() } else { digit.floor() };
    Ok((r / pow).into())
}

/// Sprig's `untilStep`, capped in size.
fn until_step(name: &str, start: i64, stop: i64, step: i64) -> Res {
    let count = if step == 0 || (stop < start && step > 0) || (stop >= start && step < 0) {
        0
    } else {
        ((i128::from(stop) - i128::from(start)).abs() + i128::from(step).abs() - 1)
            / i128::from(step).abs()
    };
    budget::check_count(count.max(0) as u128, name).map_err(fail)?;
    let mut out = Vec::with_capacity(count as usize);
    let mut i = start;
    for _ in 0..count {
        out.push(Value::Integer(i));
        i = i.wrapping_add(step);
    }
    Ok(Value::Array(out))
}

/// `seq`: like the Unix command, as a space-separated string.
fn seq(name: &str, args: &[Value]) -> Res {
    let ints = (0..args.len()).map(|i| int(name, args, i)).collect::<Result<Vec<_>, _>>()?;
    let (start, end, step) = match ints.as_slice() {
        [] => return Ok("".into()),
        [end] => (1, *end, if *end < 1 { -1 } else { 1 }),
        [start, end] => (*start, *end, if end < start { -1 } else { 1 }),
        [start, step, end] => {
            if end < start && *step > 0 {
                return Ok("".into());
            }
            (*start, *end, *step)
        }
        _ => return Ok("".into()),
    };
    let increment = if end < start { -1 } else { 1 };
    let list = until_step(name, start, end.wrapping_add(increment), step)?;
    let Value::Array(items) = list else {
        return Ok("".into());
    };
    let words: Vec<String> = items.iter().map(strval).collect();
    let text = words.join(" ");
    budget::check_len(text.len() as u128, name).map_err(fail)?;
    Ok(text.into())
}

/// A decimal `mantissa × 10^exp`, as shopspring/decimal builds from a
/// float's shortest representation, so that `addf(0.1, 0.2)` is 0.3.
#[derive(Clone, Copy)]
struct Dec {
    m: i128,
    e: i32,
}

impl Dec {
    fn from_f64(f: f64) -> Option<Dec> {
        if !f.is_finite() {
            return None;
        }
        let s = format!("{:e}", f);
        let (mant, exp) = s.split_once('e')?;
        let (neg, mant) = mant.strip_prefix('-').map_or((false, mant), |m| (true, m));
        let frac_len = mant.split_once('.').map_or(0, |(_, f)| f.len()) as i32;
        let digits: String = mant.chars().filter(char::is_ascii_digit).collect();
        let m: i128 = digits.parse().ok()?;
        Some(Dec { m: if neg { -m } else { m }, e: exp.parse::<i32>().ok()? - frac_len })
    }

    fn to_f64(self) -> f64 {
        format!("{}e{}", self.m, self.e).parse().unwrap_or(f64::NAN)
    }

    /// Both at the smaller exponent, if that fits.
    fn align(a: Dec, b: Dec) -> Option<(i128, i128, i32)> {
        let e = a.e.min(b.e);
        let scale = |d: Dec| {
            let shift = u32::try_from(d.e - e).ok()?;
            10i128.checked_pow(shift).and_then(|p| d.m.checked_mul(p))
        };
        Some((scale(a)?, scale(b)?, e))
    }

    fn add(a: Dec, b: Dec) -> Option<Dec> {
        let (x, y, e) = Dec::align(a, b)?;
        Some(Dec { m: x.checked_add(y)?, e })
    }

    fn sub(a: Dec, b: Dec) -> Option<Dec> {
        let (x, y, e) = Dec::align(a, b)?;
        Some(Dec { m: x.checked_sub(y)?, e })
    }

    fn mul(a: Dec, b: Dec) -> Option<Dec> {
        Some(Dec { m: a.m.checked_mul(b.m)?, e: a.e.checked_add(b.e)? })
    }

    /// decimal's `Div` rounds to 16 decimal places.
    fn div(a: Dec, b: Dec) -> Option<Dec> {
        let q = a.to_f64() / b.to_f64();
        if !q.is_finite() {
            return None;
        }
        Dec::from_f64(format!("{q:.16}").parse().ok()?)
    }
}

#[derive(Clone, Copy, PartialEq)]
enum DecOp {
    Add,
    Sub,
    Mul,
    Div,
}

impl DecOp {
    fn exact(self, a: Dec, b: Dec) -> Option<Dec> {
        match self {
            DecOp::Add => Dec::add(a, b),
            DecOp::Sub => Dec::sub(a, b),
            DecOp::Mul => Dec::mul(a, b),
            DecOp::Div => Dec::div(a, b),
        }
    }

    fn float(self, x: f64, y: f64) -> f64 {
        match self {
            DecOp::Add => x + y,
            DecOp::Sub => x - y,
            DecOp::Mul => x * y,
            DecOp::Div => x / y,
        }
    }
}

fn decimal_op(name: &str, first: &Value, rest: &[Value], op: DecOp) -> Res {
    let conv = |v: &Value| {
        Dec::from_f64(to_float64(v)).ok_or_else(|| fail(format!("{name}: not a finite number")))
    };
    let mut acc = conv(first)?;
    for v in rest {
        let d = conv(v)?;
        if op == DecOp::Div && d.m == 0 {
            return Err(fail(format!("{name}: decimal division by 0")));
        }
        // Outside i128 the exact result cannot be kept: use float math.
        acc = match op.exact(acc, d) {
            Some(r) => r,
            None => Dec::from_f64(op.float(acc.to_f64(), d.to_f64()))
                .ok_or_else(|| fail(format!("{name}: result out of range")))?,
        };
    }
    Ok(acc.to_f64().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(name: &str, args: Vec<Value>) -> Result<Value, String> {
        super::super::sprig::call_in(FUNCS, name, args)
    }

    #[test]
    fn integer_math_casts_its_arguments() {
        let i = Value::Integer;
        assert_eq!(call("add", vec![i(34), i(27), "15".into()]), Ok(i(76)));
        assert_eq!(call("add1", vec![i(1)]), Ok(i(2)));
        assert_eq!(call("sub", vec![i(5), i(7)]), Ok(i(-2)));
        assert_eq!(call("mul", vec![i(2), i(3), i(4)]), Ok(i(24)));
        assert_eq!(call("div", vec![i(7), i(2)]), Ok(i(3)));
        assert!(call("div", vec![i(7), i(0)]).is_err());
        assert_eq!(call("mod", vec![i(7), i(2)]), Ok(i(1)));
        assert_eq!(call("max", vec![i(34), i(57), i(15)]), Ok(i(57)));
        assert_eq!(call("min", vec![i(34), i(57), i(15)]), Ok(i(15)));
        assert_eq!(call("int", vec!["42".into()]), Ok(i(42)));
        assert_eq!(call("atoi", vec!["x".into()]), Ok(i(0)));
        assert_eq!(call("toDecimal", vec!["0777".into()]), Ok(i(511)));
    }

    #[test]
    fn float_math() {
        let f = Value::Float;
        assert_eq!(call("floor", vec![f(1.5)]), Ok(f(1.0)));
        assert_eq!(call("ceil", vec!["1.2".into()]), Ok(f(2.0)));
        assert_eq!(call("round", vec![f(123.5555), Value::Integer(3)]), Ok(f(123.556)));
        assert_eq!(call("round", vec![f(-2.5), Value::Integer(0)]), Ok(f(-3.0)));
        assert_eq!(call("maxf", vec![f(1.5), Value::Integer(2)]), Ok(f(2.0)));
        assert_eq!(call("addf", vec![f(0.1), f(0.2)]), Ok(f(0.3)));
        assert_eq!(call("subf", vec![f(1.5), f(0.2)]), Ok(f(1.3)));
        assert_eq!(call("mulf", vec![f(1.1), f(3.0)]), Ok(f(3.3)));
        assert_eq!(call("divf", vec![f(1.0), f(3.0)]), Ok(f(0.3333333333333333)));
        assert!(call("divf", vec![f(1.0), f(0.0)]).is_err());
        assert_eq!(call("add1f", vec![f(1.1)]), Ok(f(2.1)));
    }

    #[test]
    fn sequences() {
        assert_eq!(call("until", vec![Value::Integer(3)]), Ok(vec![0i64, 1, 2].into()));
        assert_eq!(call("until", vec![Value::Integer(-2)]), Ok(vec![0i64, -1].into()));
        let step = call("untilStep", vec![Value::Integer(3), Value::Integer(6), Value::Integer(2)]);
        assert_eq!(step, Ok(vec![3i64, 5].into()));
        assert_eq!(call("seq", vec![Value::Integer(3)]), Ok("1 2 3".into()));
        assert_eq!(
            call("seq", vec![Value::Integer(2), Value::Integer(-2)]),
            Ok("2 1 0 -1 -2".into())
        );
        assert_eq!(
            call("seq", vec![Value::Integer(0), Value::Integer(2), Value::Integer(5)]),
            Ok("0 2 4".into())
        );
        assert!(call("until", vec![Value::Integer(i64::MAX)]).is_err());
    }
}
