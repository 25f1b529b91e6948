//! govaluate's run-time values and the Go behaviour they inherit: `%v`
//! formatting (it shows up in every message; `crate::golang::fmt`'s),
//! `reflect.DeepEqual`, and Go `regexp` syntax on top of Rust's `regex`.

use std::fmt;

use crate::golang::fmt::{Arg, sprint_v};

/// A value flowing through an evaluation: Go's `interface{}` restricted to
/// what govaluate can produce without parameters.
#[derive(Debug, Clone)]
pub(super) enum Value {
    /// Go's `nil`: a missing operand, or `?` whose condition was false.
    Nil,
    Bool(bool),
    /// Every number is a `float64`.
    Num(f64),
    Str(String),
    /// `(a, b, c)`: `[]interface{}`.
    Arr(Vec<Value>),
    /// A quoted regex right after `=~`/`!~`, compiled when parsing.
    Pattern(Pattern),
}

/// A compiled regex and the source it was written as.
#[derive(Debug, Clone)]
pub(super) struct Pattern {
    pub source: String,
    pub re: regex::Regex,
}

impl Value {
    /// `reflect.DeepEqual`, which govaluate uses for `==` and `!=`.
    pub fn deep_equal(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Nil, Value::Nil) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Num(a), Value::Num(b)) => a == b,
            (Value::Str(a), Value::Str(b)) => a == b,
            (Value::Arr(a), Value::Arr(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.deep_equal(y))
            }
            // Two compiled patterns are deeply equal when compiled from the
            // same source with the same flags.
            (Value::Pattern(a), Value::Pattern(b)) => a.source == b.source,
            _ => false,
        }
    }

    /// Go's `==` on two `interface{}` values, which `in` uses. Comparing two
    /// slices panics in Go; that comes back as `Err`.
    pub fn go_interface_eq(&self, other: &Value) -> Result<bool, String> {
        Ok(match (self, other) {
            (Value::Arr(_), Value::Arr(_)) => {
                return Err("runtime error: comparing uncomparable type []interface {}".to_string());
            }
            // Distinct *regexp.Regexp pointers are never equal.
            (Value::Pattern(_), Value::Pattern(_)) => false,
            (a, b) => a.deep_equal(b),
        })
    }
}

impl Value {
    /// The value as Go's `fmt` receives it; a pattern (a `*regexp.Regexp`)
    /// prints its source.
    fn go_arg(&self) -> Arg<'_> {
        match self {
            Value::Nil => Arg::Nil,
            Value::Bool(b) => Arg::Bool(*b),
            Value::Num(n) => Arg::Float(*n),
            Value::Str(s) => Arg::Str(s),
            Value::Arr(items) => Arg::Slice(items.iter().map(Value::go_arg).collect()),
            Value::Pattern(p) => Arg::Str(&p.source),
        }
    }
}

/// Go's `%v`.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&sprint_v(&self.go_arg()))
    }
}

/// Translate Go `regexp` (RE2) syntax into Rust `regex` syntax where the two
/// differ in meaning: Go's `\d \w \s \b` are ASCII-only, Rust's are Unicode,
/// and Go has `\Q…\E`. Everything else is shared.
fn translate_go_regex(src: &str) -> String {
    let mut out = String::with_capacity(src.len() + 8);
    let mut chars = src.chars().peekable();
    // Inside `[...]`? Go classes do not nest, so one flag is enough.
    let mut in_class = false;
    // Right after `[` or `[^`, a `]` is a literal.
    let mut class_start = false;
    while let Some(c) = chars.next() {
        let at_class_start = class_start;
        class_start = false;
        match c {
            '\\' => {
                let Some(e) = chars.next() else {
                    out.push('\\');
                    break;
                };
                let (outside, inside) = match e {
                    'd' => ("[0-9]", "0-9"),
                    'D' => ("[^0-9]", "[^0-9]"),
                    'w' => ("[0-9A-Za-z_]", "0-9A-Za-z_"),
                    'W' => ("[^0-9A-Za-z_]", "[^0-9A-Za-z_]"),
                    's' => ("[\\t\\n\\f\\r ]", "\\t\\n\\f\\r "),
                    'S' => ("[^\\t\\n\\f\\r ]", "[^\\t\\n\\f\\r ]"),
                    'b' if !in_class => ("(?-u:\\b)", ""),
                    'B' if !in_class => ("(?-u:\\B)", ""),
                    'Q' => {
                        // Literal text up to `\E` (or the end).
                        let mut lit = String::new();
                        while let Some(q) = chars.next() {
                            if q == '\\' && chars.peek() == Some(&'E') {
                                chars.next();
                                break;
                            }
                            lit.push(q);
                        }
                        if in_class {
                            for q in lit.chars() {
                                out.push_str(&regex::escape(&q.to_string()));
                            }
                        } else {
                            out.push_str(&regex::escape(&lit));
                        }
                        continue;
                    }
                    _ => {
                        out.push('\\');
                        out.push(e);
                        continue;
                    }
                };
                out.push_str(if in_class { inside } else { outside });
            }
            '[' if !in_class => {
                in_class = true;
                class_start = true;
                out.push('[');
                if chars.peek() == Some(&'^') {
                    chars.next();
                    out.push('^');
                }
            }
            '[' if in_class && chars.peek() == Some(&':') => {
                // `[:alpha:]` inside a class: copy through `:]`.
                out.push('[');
                for q in chars.by_ref() {
                    out.push(q);
                    if q == ']' {
                        break;
                    }
                }
            }
            '[' => {
                // A literal `[` inside a Go class; Rust would nest.
                out.push_str("\\[");
            }
            ']' if in_class && !at_class_start => {
                in_class = false;
                out.push(']');
            }
            '&' | '~' | '-' if in_class && chars.peek() == Some(&c) => {
                // `&&`, `~~`, `--` are set operators in Rust classes, plain
                // characters in Go's.
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// Compile `src` as Go's `regexp.Compile` would, with Go's message shape on
/// failure (`error parsing regexp: …`).
pub(super) fn compile_go_regex(src: &str) -> Result<regex::Regex, String> {
    regex::RegexBuilder::new(&translate_go_regex(src))
        // Untrusted input: bound what a pattern may cost to build.
        .size_limit(1 << 20)
        .dfa_size_limit(1 << 20)
        .build()
        .map_err(|e| {
            let text = e.to_string();
            let detail = text
                .lines()
                .rev()
                .find_map(|l| l.trim().strip_prefix("error: "))
                .unwrap_or(text.lines().last().unwrap_or("invalid pattern"))
                .to_string();
            format!("error parsing regexp: {detail}: `{src}`")
        })
}
