//! Go's `fmt` where Argo's output goes through it: `%v` and `%s` of a value
//! (fmt/print.go's `printArg` and `printValue`, maps sorted as
//! internal/fmtsort does), and `Sprintf` with one `int` argument
//! ([`sprintf_int`], fmt/print.go's `doPrintf` and fmt/format.go).
//! A float64 under `%v` is `strconv.FormatFloat(f, 'g', -1, 64)`
//! ([`super::strconv::format_float`]).

mod printf;

use std::cmp::Ordering;

pub use printf::sprintf_int;

use super::strconv::format_float;

/// A value as `fmt` receives it: an `interface{}` holding one of these Go
/// types. Callers map their own value types onto it.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg<'a> {
    /// A nil interface.
    Nil,
    Bool(bool),
    /// An `int`.
    Int(i64),
    Float(f64),
    /// A `string`, or anything whose `String()` method `fmt` calls
    /// (`*regexp.Regexp`, `time.Time`).
    Str(&'a str),
    /// A `[]byte`.
    Bytes(&'a [u8]),
    /// A `[]interface{}`.
    Slice(Vec<Arg<'a>>),
    /// A map, in any order: `fmt` sorts its keys.
    Map(Vec<(Arg<'a>, Arg<'a>)>),
}

/// `fmt.Sprintf("%v", arg)`: `<nil>`, `true`, `42`, `1e+06`, `[a b]`,
/// `map[a:1 b:2]`, a `[]byte` as its numbers (`[104 105]`).
pub fn sprint_v(arg: &Arg) -> String {
    let mut out = String::new();
    print(&mut out, arg, 'v', 0);
    out
}

/// `fmt.Sprintf("%s", arg)`: strings as they are, other types as Go's
/// complaint (`%!s(int=5)`, `%!s(float64=2.5)`, `%!s(<nil>)`), inside
/// slices and maps too (where a nil is `<nil>`).
pub fn sprint_s(arg: &Arg) -> String {
    let mut out = String::new();
    print(&mut out, arg, 's', 0);
    out
}

/// `printArg` at depth 0, `printValue` below: `verb` is `v` or `s`.
fn print(out: &mut String, arg: &Arg, verb: char, depth: usize) {
    let plain = verb == 'v';
    match arg {
        // A nil element of a slice or map prints as `<nil>` whatever the verb.
        Arg::Nil if plain || depth > 0 => out.push_str("<nil>"),
        Arg::Nil => bad_verb(out, verb, None),
        Arg::Bool(b) if plain => out.push_str(if *b { "true" } else { "false" }),
        Arg::Int(i) if plain => out.push_str(&i.to_string()),
        Arg::Float(f) if plain => out.push_str(&format_float(*f, 'g')),
        Arg::Bool(_) => bad_verb(out, verb, Some(("bool", arg))),
        Arg::Int(_) => bad_verb(out, verb, Some(("int", arg))),
        Arg::Float(_) => bad_verb(out, verb, Some(("float64", arg))),
        Arg::Str(s) => out.push_str(s),
        Arg::Bytes(b) if plain => {
            let parts: Vec<String> = b.iter().map(u8::to_string).collect();
            out.push('[');
            out.push_str(&parts.join(" "));
            out.push(']');
        }
        Arg::Bytes(b) => out.push_str(&String::from_utf8_lossy(b)),
        Arg::Slice(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                print(out, item, verb, depth + 1);
            }
            out.push(']');
        }
        Arg::Map(entries) => {
            let mut sorted: Vec<&(Arg, Arg)> = entries.iter().collect();
            sorted.sort_by(|a, b| compare_keys(&a.0, &b.0));
            out.push_str("map[");
            for (i, (k, v)) in sorted.into_iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                print(out, k, verb, depth + 1);
                out.push(':');
                print(out, v, verb, depth + 1);
            }
            out.push(']');
        }
    }
}

/// Go's `badVerb`: `%!s(int=5)`, the operand's type and its `%v`.
fn bad_verb(out: &mut String, verb: char, typed: Option<(&str, &Arg)>) {
    out.push_str("%!");
    out.push(verb);
    out.push('(');
    match typed {
        Some((type_name, arg)) => {
            out.push_str(type_name);
            out.push('=');
            print(out, arg, 'v', 0);
        }
        None => out.push_str("<nil>"),
    }
    out.push(')');
}

/// internal/fmtsort's order of map keys: numbers by value (NaN first),
/// strings bytewise, `false` before `true`. Keys of different types (a
/// `map[interface{}]…`) are ordered by Go's type descriptors' addresses,
/// which no port can know; here nil, bool, int, float64, string, then
/// anything else by its `%v`.
fn compare_keys(a: &Arg, b: &Arg) -> Ordering {
    fn rank(a: &Arg) -> u8 {
        match a {
            Arg::Nil => 0,
            Arg::Bool(_) => 1,
            Arg::Int(_) => 2,
            Arg::Float(_) => 3,
            Arg::Str(_) => 4,
            _ => 5,
        }
    }
    match (a, b) {
        (Arg::Bool(x), Arg::Bool(y)) => x.cmp(y),
        (Arg::Int(x), Arg::Int(y)) => x.cmp(y),
        (Arg::Float(x), Arg::Float(y)) => match (x.is_nan(), y.is_nan()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            _ => x.partial_cmp(y).unwrap_or(Ordering::Equal),
        },
        (Arg::Str(x), Arg::Str(y)) => x.cmp(y),
        _ => rank(a).cmp(&rank(b)).then_with(|| sprint_v(a).cmp(&sprint_v(b))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v_of_values() {
        let v = Arg::Slice(vec![Arg::Int(1), Arg::Str("a"), Arg::Nil, Arg::Float(1.5)]);
        assert_eq!(sprint_v(&v), "[1 a <nil> 1.5]");
        let m = Arg::Map(vec![(Arg::Str("b"), Arg::Int(2)), (Arg::Str("a"), Arg::Int(1))]);
        assert_eq!(sprint_v(&m), "map[a:1 b:2]");
        assert_eq!(sprint_v(&Arg::Nil), "<nil>");
        assert_eq!(sprint_v(&Arg::Bool(true)), "true");
        assert_eq!(sprint_v(&Arg::Float(1e6)), "1e+06");
        assert_eq!(sprint_v(&Arg::Bytes(b"hi")), "[104 105]");
        assert_eq!(sprint_s(&Arg::Bytes(b"hi")), "hi");
    }

    #[test]
    fn map_keys_sort_like_fmtsort() {
        let m = Arg::Map(vec![
            (Arg::Float(2.5), Arg::Int(1)),
            (Arg::Float(-1.0), Arg::Int(2)),
            (Arg::Float(f64::NAN), Arg::Int(3)),
        ]);
        // Floats by value (an earlier copy sorted them by their bits, which
        // put negative numbers last).
        assert_eq!(sprint_v(&m), "map[NaN:3 -1:2 2.5:1]");
        let mixed = Arg::Map(vec![
            (Arg::Str("a"), Arg::Int(1)),
            (Arg::Int(10), Arg::Int(2)),
            (Arg::Int(-3), Arg::Int(3)),
            (Arg::Bool(true), Arg::Int(4)),
            (Arg::Nil, Arg::Int(5)),
        ]);
        assert_eq!(sprint_v(&mixed), "map[<nil>:5 true:4 -3:3 10:2 a:1]");
    }

    #[test]
    fn s_complains_about_non_strings() {
        let s = |a: Arg| sprint_s(&a);
        assert_eq!(s(Arg::Str("yes")), "yes");
        assert_eq!(s(Arg::Int(5)), "%!s(int=5)");
        assert_eq!(s(Arg::Bool(true)), "%!s(bool=true)");
        assert_eq!(s(Arg::Float(1e6)), "%!s(float64=1e+06)");
        assert_eq!(s(Arg::Nil), "%!s(<nil>)");
        assert_eq!(s(Arg::Slice(vec![Arg::Int(1), Arg::Str("a")])), "[%!s(int=1) a]");
        assert_eq!(
            s(Arg::Map(vec![(Arg::Str("b"), Arg::Float(2.5)), (Arg::Str("a"), Arg::Int(1))])),
            "map[a:%!s(int=1) b:%!s(float64=2.5)]"
        );
        // Below the top level a nil is `<nil>` (`printValue`), not a
        // complaint (an earlier copy complained).
        assert_eq!(s(Arg::Slice(vec![Arg::Nil])), "[<nil>]");
    }
}
