//! Sprig's string functions (`strings.go`, `regex.go`, the path and
//! encoding helpers) with Sprig's argument order: the string operated on
//! comes last (`trimPrefix(prefix, s)`, `replace(old, new, s)`,
//! `repeat(count, s)`), so that template pipelines read well.

use super::args::{Res, arity, fail, int, string};
use super::budget;
use super::codec;
use super::convert::fmt_v;
use super::functions::occurrences;
use super::sprig::{SprigFn, strslice, strval};
use crate::golang::strconv::quote;
use expr::Value;
use regex::Regex;

pub(crate) const FUNCS: &[(&str, SprigFn)] = &[
    ("hello", |n, a| arity(n, a, 0, 0).map(|()| "Hello!".into())),
    ("abbrev", abbrev),
    ("trunc", trunc),
    ("trim", |n, a| s1(n, a, |s| s.trim().to_string())),
    ("upper", |n, a| s1(n, a, str::to_uppercase)),
    ("lower", |n, a| s1(n, a, str::to_lowercase)),
    ("title", |n, a| s1(n, a, title)),
    ("untitle", |n, a| s1(n, a, untitle)),
    ("substr", substr),
    ("repeat", repeat),
    ("trimall", trim_all),
    ("trimAll", trim_all),
    ("trimSuffix", |n, a| s2(n, a, |suffix, s| s.strip_suffix(suffix).unwrap_or(s).to_string())),
    ("trimPrefix", |n, a| s2(n, a, |prefix, s| s.strip_prefix(prefix).unwrap_or(s).to_string())),
    ("nospace", |n, a| s1(n, a, |s| s.chars().filter(|c| !c.is_whitespace()).collect())),
    ("initials", |n, a| s1(n, a, initials)),
    ("swapcase", |n, a| s1(n, a, swapcase)),
    ("contains", |n, a| b2(n, a, |sub, s| s.contains(sub))),
    ("hasPrefix", |n, a| b2(n, a, |p, s| s.starts_with(p))),
    ("hasSuffix", |n, a| b2(n, a, |p, s| s.ends_with(p))),
    ("quote", |_, a| {
        Ok(a.iter()
            .filter(|v| !v.is_nil())
            .map(|v| quote(&strval(v)))
            .collect::<Vec<_>>()
            .join(" ")
            .into())
    }),
    ("squote", |_, a| {
        Ok(a.iter()
            .filter(|v| !v.is_nil())
            .map(|v| format!("'{}'", fmt_v(v)))
            .collect::<Vec<_>>()
            .join(" ")
            .into())
    }),
    ("cat", |_, a| {
        Ok(a.iter().filter(|v| !v.is_nil()).map(fmt_v).collect::<Vec<_>>().join(" ").into())
    }),
    ("indent", |n, a| indent(n, a, false)),
    ("nindent", |n, a| indent(n, a, true)),
    ("replace", replace),
    ("plural", plural),
    ("sha1sum", |n, a| s1(n, a, |s| codec::hex(&codec::sha1(s.as_bytes())))),
    ("sha256sum", |n, a| s1(n, a, |s| codec::hex(&codec::sha256(s.as_bytes())))),
    ("adler32sum", |n, a| s1(n, a, |s| codec::adler32(s.as_bytes()).to_string())),
    ("toString", |n, a| arity(n, a, 1, 1).map(|()| strval(&a[0]).into())),
    ("split", |n, a| split_map(n, a, false)),
    ("splitn", |n, a| split_map(n, a, true)),
    ("splitList", split_list),
    ("toStrings", |n, a| arity(n, a, 1, 1).map(|()| strslice(&a[0]).into())),
    ("join", |n, a| {
        arity(n, a, 2, 2)?;
        let sep = string(n, a, 0)?;
        let parts = strslice(&a[1]);
        let len: usize = parts.iter().map(String::len).sum::<usize>()
            + sep.len() * parts.len().saturating_sub(1);
        budget::check_len(len as u128, n).map_err(fail)?;
        Ok(parts.join(sep).into())
    }),
    ("sortAlpha", |n, a| {
        arity(n, a, 1, 1)?;
        let mut parts = strslice(&a[0]);
        parts.sort();
        Ok(parts.into())
    }),
    ("b64enc", |n, a| s1(n, a, |s| codec::base64_encode(s.as_bytes()))),
    // Sprig returns the decoder's error message as the result.
    ("b64dec", |n, a| s1(n, a, |s| codec::base64_decode(s).map_or_else(|e| e, lossy))),
    ("b32enc", |n, a| s1(n, a, |s| codec::base32_encode(s.as_bytes()))),
    ("b32dec", |n, a| s1(n, a, |s| codec::base32_decode(s).map_or_else(|e| e, lossy))),
    ("regexMatch", |n, a| regex_match(n, a, false)),
    ("mustRegexMatch", |n, a| regex_match(n, a, true)),
    ("regexFind", regex_find),
    ("mustRegexFind", regex_find),
    ("regexFindAll", regex_find_all),
    ("mustRegexFindAll", regex_find_all),
    ("regexReplaceAll", |n, a| regex_replace(n, a, false)),
    ("mustRegexReplaceAll", |n, a| regex_replace(n, a, false)),
    ("regexReplaceAllLiteral", |n, a| regex_replace(n, a, true)),
    ("mustRegexReplaceAllLiteral", |n, a| regex_replace(n, a, true)),
    ("regexSplit", regex_split),
    ("mustRegexSplit", regex_split),
    ("regexQuoteMeta", |n, a| s1(n, a, quote_meta)),
    ("base", |n, a| s1(n, a, path_base)),
    ("osBase", |n, a| s1(n, a, path_base)),
    ("dir", |n, a| s1(n, a, path_dir)),
    ("osDir", |n, a| s1(n, a, path_dir)),
    ("clean", |n, a| s1(n, a, path_clean)),
    ("osClean", |n, a| s1(n, a, path_clean)),
    ("ext", |n, a| s1(n, a, path_ext)),
    ("osExt", |n, a| s1(n, a, path_ext)),
    ("isAbs", |n, a| b1(n, a, |s| s.starts_with('/'))),
    ("osIsAbs", |n, a| b1(n, a, |s| s.starts_with('/'))),
    ("fail", |n, a| Err(fail(string(n, a, 0)?.to_string()))),
];

/// A non-negative count as a `usize`, saturating (wasm's usize is 32-bit).
fn to_usize(n: i64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

fn lossy(bytes: Vec<u8>) -> String {
    String::from_utf8_lossy(&bytes).into_owned()
}

/// `f(s string) string`.
fn s1(name: &str, args: &[Value], f: impl Fn(&str) -> String) -> Res {
    arity(name, args, 1, 1)?;
    Ok(f(string(name, args, 0)?).into())
}

/// `f(s string) bool`.
fn b1(name: &str, args: &[Value], f: impl Fn(&str) -> bool) -> Res {
    arity(name, args, 1, 1)?;
    Ok(f(string(name, args, 0)?).into())
}

/// `f(a, s string) string`.
fn s2(name: &str, args: &[Value], f: impl Fn(&str, &str) -> String) -> Res {
    arity(name, args, 2, 2)?;
    Ok(f(string(name, args, 0)?, string(name, args, 1)?).into())
}

/// `f(a, s string) bool`.
fn b2(name: &str, args: &[Value], f: impl Fn(&str, &str) -> bool) -> Res {
    arity(name, args, 2, 2)?;
    Ok(f(string(name, args, 0)?, string(name, args, 1)?).into())
}

/// The longest prefix of `s` at most `n` bytes long that ends on a
/// character boundary (Go slices bytes; we will not split a character).
fn floor_boundary(s: &str, n: usize) -> usize {
    let mut n = n.min(s.len());
    while !s.is_char_boundary(n) {
        n -= 1;
    }
    n
}

fn abbrev(name: &str, args: &[Value]) -> Res {
    arity(name, args, 2, 2)?;
    let width = int(name, args, 0)?;
    let s = string(name, args, 1)?;
    // goutils.Abbreviate: unchanged when short enough or width < 4.
    if width < 4 || s.len() as i64 <= width {
        return Ok(s.into());
    }
    let keep = floor_boundary(s, (width - 3) as usize);
    Ok(format!("{}...", &s[..keep]).into())
}

fn trunc(name: &str, args: &[Value]) -> Res {
    arity(name, args, 2, 2)?;
    let c = int(name, args, 0)?;
    let s = string(name, args, 1)?;
    let len = s.len() as i64;
    Ok(if c < 0 && len + c > 0 {
        let from = floor_boundary(s, (len + c) as usize);
        s[from..].to_string()
    } else if c >= 0 && len > c {
        s[..floor_boundary(s, c as usize)].to_string()
    } else {
        s.to_string()
    }
    .into())
}

/// Go's `strings.Title`: upper-case the first letter of each word.
fn title(s: &str) -> String {
    let separator = |c: char| {
        if c.is_ascii() {
            !(c.is_ascii_alphanumeric() || c == '_')
        } else {
            !c.is_alphanumeric() && c.is_whitespace()
        }
    };
    let mut prev = ' ';
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if separator(prev) {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        prev = c;
    }
    out
}

fn untitle(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn initials(s: &str) -> String {
    let mut out = String::new();
    let mut gap = true;
    for c in s.chars() {
        if c.is_whitespace() {
            gap = true;
        } else if gap {
            out.push(c);
            gap = false;
        }
    }
    out
}

fn swapcase(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_uppercase() {
            out.extend(c.to_lowercase());
        } else if c.is_lowercase() {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// `substr(start, end, s)`: byte offsets; where Go would panic (out of
/// range) it is an error.
fn substr(name: &str, args: &[Value]) -> Res {
    arity(name, args, 3, 3)?;
    let (start, end) = (int(name, args, 0)?, int(name, args, 1)?);
    let s = string(name, args, 2)?;
    let len = s.len() as i64;
    let (a, b) = if start < 0 {
        (0, end)
    } else if end < 0 || end > len {
        (start, len)
    } else {
        (start, end)
    };
    if a < 0 || b < a || b > len {
        return Err(fail(format!("{name}: slice bounds out of range [{a}:{b}] with length {len}")));
    }
    let bytes = &s.as_bytes()[a as usize..b as usize];
    Ok(String::from_utf8_lossy(bytes).into_owned().into())
}

fn repeat(name: &str, args: &[Value]) -> Res {
    arity(name, args, 2, 2)?;
    let count = int(name, args, 0)?;
    let s = string(name, args, 1)?;
    if count < 0 {
        return Err(fail(format!("{name}: negative repeat count")));
    }
    budget::check_len(s.len() as u128 * count as u128, name).map_err(fail)?;
    Ok(s.repeat(count as usize).into())
}

fn trim_all(name: &str, args: &[Value]) -> Res {
    s2(name, args, |cutset, s| s.trim_matches(|c| cutset.contains(c)).to_string())
}

fn indent(name: &str, args: &[Value], newline: bool) -> Res {
    arity(name, args, 2, 2)?;
    let spaces = int(name, args, 0)?;
    let s = string(name, args, 1)?;
    if spaces < 0 {
        return Err(fail(format!("{name}: negative indent")));
    }
    let lines = s.matches('\n').count() as u128 + 1;
    budget::check_len(s.len() as u128 + lines * spaces as u128 + 1, name).map_err(fail)?;
    let pad = " ".repeat(spaces as usize);
    let body = format!("{pad}{}", s.replace('\n', &format!("\n{pad}")));
    Ok(if newline { format!("\n{body}") } else { body }.into())
}

fn replace(name: &str, args: &[Value]) -> Res {
    arity(name, args, 3, 3)?;
    let (old, new, src) = (string(name, args, 0)?, string(name, args, 1)?, string(name, args, 2)?);
    let grown = src.len() as u128 + occurrences(src, old) * new.len() as u128;
    budget::check_len(grown, name).map_err(fail)?;
    Ok(src.replace(old, new).into())
}

fn plural(name: &str, args: &[Value]) -> Res {
    arity(name, args, 3, 3)?;
    let (one, many) = (string(name, args, 0)?, string(name, args, 1)?);
    Ok(if int(name, args, 2)? == 1 { one } else { many }.into())
}

/// Go's `strings.SplitN` (`n < 0`: all; `""` splits into characters).
fn go_split(s: &str, sep: &str, n: i64) -> Vec<String> {
    if n == 0 {
        return Vec::new();
    }
    if sep.is_empty() {
        let chars: Vec<char> = s.chars().collect();
        let keep = if n < 0 { chars.len() } else { chars.len().min(to_usize(n)) };
        let mut out: Vec<String> = chars.iter().take(keep).map(char::to_string).collect();
        if keep > 0 && keep < chars.len() {
            // The last piece holds the rest.
            let rest: String = chars[keep - 1..].iter().collect();
            if let Some(last) = out.last_mut() {
                *last = rest;
            }
        }
        return out;
    }
    if n < 0 {
        s.split(sep).map(str::to_string).collect()
    } else {
        s.splitn(to_usize(n), sep).map(str::to_string).collect()
    }
}

fn check_pieces(name: &str, s: &str, sep: &str) -> Result<(), expr::Error> {
    budget::check_count(occurrences(s, sep) + 1, name).map_err(fail)
}

/// `split(sep, s)` / `splitn(sep, n, s)`: a dict `{_0: …, _1: …}`.
fn split_map(name: &str, args: &[Value], with_n: bool) -> Res {
    let (sep, n, s) = if with_n {
        arity(name, args, 3, 3)?;
        (string(name, args, 0)?, int(name, args, 1)?, string(name, args, 2)?)
    } else {
        arity(name, args, 2, 2)?;
        (string(name, args, 0)?, -1, string(name, args, 1)?)
    };
    check_pieces(name, s, sep)?;
    Ok(go_split(s, sep, n)
        .into_iter()
        .enumerate()
        .map(|(i, p)| (format!("_{i}"), Value::String(p)))
        .collect())
}

fn split_list(name: &str, args: &[Value]) -> Res {
    arity(name, args, 2, 2)?;
    let (sep, s) = (string(name, args, 0)?, string(name, args, 1)?);
    check_pieces(name, s, sep)?;
    Ok(go_split(s, sep, -1).into())
}

/// Compile a user pattern, charged and size-limited (Go's RE2 and Rust's
/// regex share their syntax for everything but a few escapes).
fn compile(name: &str, pattern: &str) -> Result<Regex, expr::Error> {
    budget::charge_steps(1000 + pattern.len() as u64).map_err(fail)?;
    regex::RegexBuilder::new(pattern)
        .size_limit(1 << 20)
        .nest_limit(64)
        .build()
        .map_err(|e| fail(format!("{name}: invalid regular expression: {e}")))
}

fn regex_match(name: &str, args: &[Value], must: bool) -> Res {
    arity(name, args, 2, 2)?;
    let (pattern, s) = (string(name, args, 0)?, string(name, args, 1)?);
    match compile(name, pattern) {
        Ok(re) => Ok(re.is_match(s).into()),
        // Sprig's non-must form swallows the error.
        Err(_) if !must => Ok(false.into()),
        Err(e) => Err(e),
    }
}

fn regex_find(name: &str, args: &[Value]) -> Res {
    arity(name, args, 2, 2)?;
    let re = compile(name, string(name, args, 0)?)?;
    Ok(re.find(string(name, args, 1)?).map_or("", |m| m.as_str()).into())
}

fn regex_find_all(name: &str, args: &[Value]) -> Res {
    arity(name, args, 3, 3)?;
    let re = compile(name, string(name, args, 0)?)?;
    let s = string(name, args, 1)?;
    let n = int(name, args, 2)?;
    let limit = if n < 0 { usize::MAX } else { to_usize(n) };
    budget::check_count(re.find_iter(s).take(limit).count() as u128, name).map_err(fail)?;
    Ok(re.find_iter(s).take(limit).map(|m| m.as_str().to_string()).collect::<Vec<_>>().into())
}

fn regex_replace(name: &str, args: &[Value], literal: bool) -> Res {
    arity(name, args, 3, 3)?;
    let re = compile(name, string(name, args, 0)?)?;
    let (s, repl) = (string(name, args, 1)?, string(name, args, 2)?);
    // Output: the input, plus `repl` per match, plus what `$n` references
    // copy (each at most the whole input).
    let refs = if literal { 0 } else { repl.matches('$').count() as u128 };
    let hits = re.find_iter(s).count() as u128;
    let bound = s.len() as u128 + hits * repl.len() as u128 + refs * s.len() as u128;
    budget::check_len(bound, name).map_err(fail)?;
    let out = if literal {
        re.replace_all(s, regex::NoExpand(repl)).into_owned()
    } else {
        re.replace_all(s, repl).into_owned()
    };
    Ok(out.into())
}

/// Go's `Regexp.Split`.
fn regex_split(name: &str, args: &[Value]) -> Res {
    arity(name, args, 3, 3)?;
    let pattern = string(name, args, 0)?;
    let re = compile(name, pattern)?;
    let s = string(name, args, 1)?;
    let n = int(name, args, 2)?;
    if n == 0 {
        return Ok(Value::Array(Vec::new()));
    }
    if !pattern.is_empty() && s.is_empty() {
        return Ok(vec![""].into());
    }
    budget::check_count(re.find_iter(s).count() as u128 + 1, name).map_err(fail)?;
    let limit = if n < 0 { usize::MAX } else { to_usize(n) };
    let mut out: Vec<String> = Vec::new();
    let (mut beg, mut end) = (0usize, 0usize);
    for m in re.find_iter(s) {
        if n > 0 && out.len() == limit - 1 {
            break;
        }
        end = m.start();
        if m.end() != 0 {
            out.push(s[beg..end].to_string());
        }
        beg = m.end();
    }
    if end != s.len() {
        out.push(s[beg..].to_string());
    }
    Ok(out.into())
}

/// Go's `regexp.QuoteMeta`.
fn quote_meta(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Go's `path.Clean`.
pub(crate) fn path_clean(path: &str) -> String {
    if path.is_empty() {
        return ".".into();
    }
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            p => parts.push(p),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

/// Go's `path.Base`.
fn path_base(path: &str) -> String {
    if path.is_empty() {
        return ".".into();
    }
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return "/".into();
    }
    trimmed.rsplit('/').next().unwrap_or(trimmed).to_string()
}

/// Go's `path.Dir`.
fn path_dir(path: &str) -> String {
    let dir = match path.rfind('/') {
        Some(i) => &path[..=i],
        None => "",
    };
    path_clean(dir)
}

/// Go's `path.Ext`.
fn path_ext(path: &str) -> String {
    for (i, c) in path.char_indices().rev() {
        match c {
            '/' => break,
            '.' => return path[i..].to_string(),
            _ => {}
        }
    }
    String::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(name: &str, args: Vec<Value>) -> Result<Value, String> {
        super::super::sprig::call_in(FUNCS, name, args)
    }

    fn s(v: &str) -> Value {
        Value::from(v)
    }

    #[test]
    fn sprig_argument_order() {
        assert_eq!(call("trimPrefix", vec![s("v"), s("v1.2")]), Ok(s("1.2")));
        assert_eq!(call("trimSuffix", vec![s(".yaml"), s("a.yaml")]), Ok(s("a")));
        assert_eq!(call("trimAll", vec![s("$"), s("$5.00$")]), Ok(s("5.00")));
        assert_eq!(call("replace", vec![s(" "), s("-"), s("a b c")]), Ok(s("a-b-c")));
        assert_eq!(call("repeat", vec![Value::Integer(3), s("ab")]), Ok(s("ababab")));
        assert_eq!(call("contains", vec![s("cat"), s("catch")]), Ok(true.into()));
        assert_eq!(call("hasPrefix", vec![s("ca"), s("catch")]), Ok(true.into()));
        assert_eq!(call("hasSuffix", vec![s("ch"), s("catch")]), Ok(true.into()));
    }

    #[test]
    fn string_functions() {
        assert_eq!(call("trim", vec![s("  x \n")]), Ok(s("x")));
        assert_eq!(call("upper", vec![s("abc")]), Ok(s("ABC")));
        assert_eq!(call("title", vec![s("hello wide-world")]), Ok(s("Hello Wide-World")));
        assert_eq!(call("untitle", vec![s("Hello")]), Ok(s("hello")));
        assert_eq!(
            call("substr", vec![Value::Integer(1), Value::Integer(3), s("hello")]),
            Ok(s("el"))
        );
        assert!(call("substr", vec![Value::Integer(4), Value::Integer(2), s("hello")]).is_err());
        assert_eq!(call("trunc", vec![Value::Integer(3), s("hello")]), Ok(s("hel")));
        assert_eq!(call("trunc", vec![Value::Integer(-3), s("hello")]), Ok(s("llo")));
        assert_eq!(call("abbrev", vec![Value::Integer(5), s("hello world")]), Ok(s("he...")));
        assert_eq!(call("nospace", vec![s("a b\tc")]), Ok(s("abc")));
        assert_eq!(call("initials", vec![s("first try")]), Ok(s("ft")));
        assert_eq!(call("swapcase", vec![s("aB")]), Ok(s("Ab")));
        assert_eq!(
            call("quote", vec![s("a\"b"), Value::Nil, Value::Integer(1)]),
            Ok(s("\"a\\\"b\" \"1\""))
        );
        assert_eq!(call("squote", vec![s("a"), Value::Integer(2)]), Ok(s("'a' '2'")));
        assert_eq!(call("cat", vec![s("a"), Value::Nil, Value::Integer(2)]), Ok(s("a 2")));
        assert_eq!(call("indent", vec![Value::Integer(2), s("a\nb")]), Ok(s("  a\n  b")));
        assert_eq!(call("nindent", vec![Value::Integer(1), s("a")]), Ok(s("\n a")));
        assert_eq!(call("plural", vec![s("one"), s("many"), Value::Integer(2)]), Ok(s("many")));
        assert_eq!(call("toString", vec![Value::Float(2.5)]), Ok(s("2.5")));
    }

    #[test]
    fn splits_and_joins() {
        assert_eq!(call("splitList", vec![s(","), s("a,b")]), Ok(vec!["a", "b"].into()));
        assert_eq!(call("splitList", vec![s(""), s("ab")]), Ok(vec!["a", "b"].into()));
        let m = call("split", vec![s("/"), s("a/b")]);
        let want: Value = [("_0", "a"), ("_1", "b")].into_iter().collect();
        assert_eq!(m, Ok(want));
        let m = call("splitn", vec![s("/"), Value::Integer(2), s("a/b/c")]);
        let want: Value = [("_0", "a"), ("_1", "b/c")].into_iter().collect();
        assert_eq!(m, Ok(want));
        let list = Value::from(vec![s("a"), Value::Integer(1), Value::Nil]);
        assert_eq!(call("join", vec![s("-"), list]), Ok(s("a-1")));
        assert_eq!(call("sortAlpha", vec![vec!["b", "a"].into()]), Ok(vec!["a", "b"].into()));
    }

    #[test]
    fn encodings_and_digests() {
        assert_eq!(call("b64enc", vec![s("hello")]), Ok(s("aGVsbG8=")));
        assert_eq!(call("b64dec", vec![s("aGVsbG8=")]), Ok(s("hello")));
        assert_eq!(call("b64dec", vec![s("!")]), Ok(s("illegal base64 data at input byte 0")));
        assert_eq!(call("b32enc", vec![s("hi")]), Ok(s("NBUQ====")));
        assert_eq!(
            call("sha256sum", vec![s("abc")]),
            Ok(s("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"))
        );
        assert_eq!(call("adler32sum", vec![s("Wikipedia")]), Ok(s("300286872")));
    }

    #[test]
    fn regexes() {
        assert_eq!(call("regexMatch", vec![s("^a.c$"), s("abc")]), Ok(true.into()));
        assert_eq!(call("regexMatch", vec![s("("), s("abc")]), Ok(false.into()));
        assert!(call("mustRegexMatch", vec![s("("), s("abc")]).is_err());
        assert_eq!(call("regexFind", vec![s("[0-9]+"), s("ab12cd34")]), Ok(s("12")));
        assert_eq!(
            call("regexFindAll", vec![s("[0-9]"), s("a1b2c3"), Value::Integer(2)]),
            Ok(vec!["1", "2"].into())
        );
        assert_eq!(
            call("regexReplaceAll", vec![s("a(x*)b"), s("-ab-axxb-"), s("${1}W")]),
            Ok(s("-W-xxW-"))
        );
        assert_eq!(
            call("regexReplaceAllLiteral", vec![s("a(x*)b"), s("-ab-"), s("${1}")]),
            Ok(s("-${1}-"))
        );
        assert_eq!(
            call("regexSplit", vec![s("z+"), s("pizza"), Value::Integer(-1)]),
            Ok(vec!["pi", "a"].into())
        );
        assert_eq!(call("regexQuoteMeta", vec![s("1.2")]), Ok(s("1\\.2")));
    }

    #[test]
    fn paths() {
        assert_eq!(path_clean("a/../../b/./c//"), "../b/c");
        assert_eq!(path_clean("/../a"), "/a");
        assert_eq!(path_clean(""), ".");
        assert_eq!(call("base", vec![s("/a/b.txt")]), Ok(s("b.txt")));
        assert_eq!(call("dir", vec![s("/a/b.txt")]), Ok(s("/a")));
        assert_eq!(call("ext", vec![s("/a/b.txt")]), Ok(s(".txt")));
        assert_eq!(call("isAbs", vec![s("/a")]), Ok(true.into()));
    }

    #[test]
    fn huge_outputs_are_refused() {
        assert!(call("repeat", vec![Value::Integer(1_000_000_000), s("x")]).is_err());
        assert!(call("repeat", vec![Value::Integer(-1), s("x")]).is_err());
        let big = s(&"x".repeat(100_000));
        assert!(call("replace", vec![s(""), s(&"y".repeat(100)), big.clone()]).is_err());
        assert!(call("indent", vec![Value::Integer(1_000_000_000), s("a")]).is_err());
    }
}
