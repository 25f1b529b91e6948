//! Argument checks for the functions we register with expr-lang: arity and
//! the Go parameter types (`string`, `int`, `bool`, slices, maps) Argo's
//! functions and Sprig declare, with errors that name the function.

use expr::{Error, Value};

/// A function's result as expr-lang wants it.
pub(crate) type Res = expr::Result<Value>;

/// An evaluation error with `msg`.
pub(crate) fn fail(msg: impl Into<String>) -> Error {
    Error::ExprError(msg.into())
}

/// Go's name for the type of an expr value, for messages.
pub(crate) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Nil => "nil",
        Value::Bool(_) => "bool",
        Value::Integer(_) => "int",
        Value::Float(_) => "float64",
        Value::String(_) => "string",
        Value::Bytes(_) => "[]uint8",
        Value::Array(_) => "[]interface {}",
        Value::Map(_) => "map[string]interface {}",
        Value::KeyedMap(_) => "map[interface {}]interface {}",
    }
}

/// `name` takes between `min` and `max` arguments.
pub(crate) fn arity(name: &str, args: &[Value], min: usize, max: usize) -> Result<(), Error> {
    if args.len() < min || args.len() > max {
        let want = if min == max {
            format!("{min}")
        } else if max == usize::MAX {
            format!("at least {min}")
        } else {
            format!("{min} to {max}")
        };
        return Err(fail(format!("{name}: expected {want} arguments, got {}", args.len())));
    }
    Ok(())
}

fn wrong(name: &str, i: usize, want: &str, got: &Value) -> Error {
    fail(format!("{name}: argument {} must be {want}, got {}", i + 1, type_name(got)))
}

/// Argument `i` as a Go `string`.
pub(crate) fn string<'a>(name: &str, args: &'a [Value], i: usize) -> Result<&'a str, Error> {
    match args.get(i) {
        Some(Value::String(s)) => Ok(s),
        Some(v) => Err(wrong(name, i, "a string", v)),
        None => Err(fail(format!("{name}: missing argument {}", i + 1))),
    }
}

/// Argument `i` as a Go `int` (an integral float is accepted too: JSON
/// numbers arrive as floats in Argo).
pub(crate) fn int(name: &str, args: &[Value], i: usize) -> Result<i64, Error> {
    match args.get(i) {
        Some(Value::Integer(n)) => Ok(*n),
        Some(Value::Float(f)) if f.fract() == 0.0 && f.abs() < 9.2e18 => Ok(*f as i64),
        Some(v) => Err(wrong(name, i, "an int", v)),
        None => Err(fail(format!("{name}: missing argument {}", i + 1))),
    }
}

/// Argument `i` as a Go `bool`.
pub(crate) fn boolean(name: &str, args: &[Value], i: usize) -> Result<bool, Error> {
    match args.get(i) {
        Some(Value::Bool(b)) => Ok(*b),
        Some(v) => Err(wrong(name, i, "a bool", v)),
        None => Err(fail(format!("{name}: missing argument {}", i + 1))),
    }
}

/// Argument `i` as a slice.
pub(crate) fn list<'a>(name: &str, args: &'a [Value], i: usize) -> Result<&'a [Value], Error> {
    match args.get(i) {
        Some(Value::Array(items)) => Ok(items),
        Some(v) => Err(wrong(name, i, "a list", v)),
        None => Err(fail(format!("{name}: missing argument {}", i + 1))),
    }
}

/// Argument `i` as a `map[string]interface{}`: its entries.
pub(crate) fn dict<'a>(
    name: &str,
    args: &'a [Value],
    i: usize,
) -> Result<Vec<(&'a String, &'a Value)>, Error> {
    match args.get(i) {
        Some(Value::Map(m)) => Ok(m.iter().collect()),
        Some(v) => Err(wrong(name, i, "a dict", v)),
        None => Err(fail(format!("{name}: missing argument {}", i + 1))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_function_and_argument() {
        let args = vec![Value::Integer(1)];
        let e = string("sprig.trim", &args, 0).err().map(|e| e.to_string());
        assert_eq!(e.as_deref(), Some("sprig.trim: argument 1 must be a string, got int"));
        assert!(arity("f", &args, 2, 2).is_err());
        assert_eq!(int("f", &[Value::Float(3.0)], 0).ok(), Some(3));
        assert!(int("f", &[Value::Float(3.5)], 0).is_err());
    }
}
