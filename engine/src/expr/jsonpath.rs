//! Argo's `jsonpath(jsonString, path)`. Argo uses `evilmonkeyinc/jsonpath`;
//! we evaluate with `serde_json_path` (RFC 9535), which accepts the paths
//! Argo's examples use (`$.a`, `$[0].b`, `[*]`, `[0:1]`,
//! `[?(@.age > 42 && @.age < 44)]`), and return results the way
//! evilmonkeyinc does: a *definite* path (names and indexes only) yields the
//! value itself, anything else a list.

use super::args::{Res, arity, fail, string};
use super::budget::{self, MAX_STRING_BYTES, MAX_VALUE_DEPTH};
use super::convert::{from_json, json_depth};
use serde_json::Value as Json;
use serde_json_path::JsonPath;

/// Longest path accepted.
const MAX_PATH_LEN: usize = 4096;
/// Deepest bracket/parenthesis nesting in a path (its parser recurses).
const MAX_PATH_NESTING: usize = 32;

/// `jsonpath(json, path)`.
pub(crate) fn jsonpath(args: &[expr::Value]) -> Res {
    arity("jsonpath", args, 2, 2)?;
    let doc = string("jsonpath", args, 0)?;
    let path = string("jsonpath", args, 1)?;
    let shape = path_shape(path)?;
    if doc.len() > MAX_STRING_BYTES {
        return Err(fail(format!(
            "jsonpath: the JSON document is larger than {} MiB",
            MAX_STRING_BYTES >> 20
        )));
    }
    let json: Json = serde_json::from_str(doc)
        .map_err(|e| fail(format!("jsonpath: the first argument is not valid JSON: {e}")))?;
    let query =
        JsonPath::parse(path).map_err(|e| fail(format!("jsonpath: invalid path `{path}`: {e}")))?;
    // Each `..` (and each filter) can make the query visit every node again
    // for every node it is at: charge nodes^(descendant segments) up front.
    let nodes = count_nodes(&json);
    let mut work = nodes.saturating_mul(1 + shape.filters);
    for _ in 1..shape.descendants {
        work = work.saturating_mul(nodes);
    }
    if shape.regex {
        work = work.saturating_mul(1000);
    }
    budget::charge_steps(work).map_err(fail)?;

    let found = query.query(&json).all();
    let out = if shape.definite {
        match found.as_slice() {
            [one] => (*one).clone(),
            [] => return Err(fail(format!("jsonpath: `{path}` matched nothing"))),
            _ => Json::Array(found.into_iter().cloned().collect()),
        }
    } else {
        Json::Array(found.into_iter().cloned().collect())
    };
    // serde_json's parser stops at depth 128 already; results are no deeper.
    if json_depth(&out) > MAX_VALUE_DEPTH {
        return Err(fail("jsonpath: result is nested too deeply"));
    }
    let value = from_json(&out);
    budget::admit(&value, "jsonpath()").map_err(fail)?;
    Ok(value)
}

struct PathShape {
    definite: bool,
    descendants: u64,
    filters: u64,
    regex: bool,
}

/// What a path does, read from its text outside quoted names.
fn path_shape(path: &str) -> Result<PathShape, expr::Error> {
    if path.len() > MAX_PATH_LEN {
        return Err(fail(format!("jsonpath: path longer than {MAX_PATH_LEN} bytes")));
    }
    let mut shape = PathShape { definite: true, descendants: 0, filters: 0, regex: false };
    let (mut depth, mut quote, mut prev) = (0usize, None::<char>, '\0');
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        if let Some(q) = quote {
            if c == '\\' {
                chars.next();
            } else if c == q {
                quote = None;
            }
            prev = c;
            continue;
        }
        match c {
            '\'' | '"' => quote = Some(c),
            '[' | '(' => {
                depth += 1;
                if depth > MAX_PATH_NESTING {
                    return Err(fail(format!(
                        "jsonpath: path nested more than {MAX_PATH_NESTING} levels deep"
                    )));
                }
            }
            ']' | ')' => depth = depth.saturating_sub(1),
            '*' | ':' | ',' => shape.definite = false,
            '?' => {
                shape.definite = false;
                shape.filters += 1;
            }
            '.' if prev == '.' => {
                shape.definite = false;
                shape.descendants += 1;
            }
            _ => {}
        }
        prev = c;
    }
    shape.regex = path.contains("match(") || path.contains("search(");
    shape.descendants = shape.descendants.max(1);
    Ok(shape)
}

fn count_nodes(v: &Json) -> u64 {
    let mut n = 0u64;
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        n += 1;
        match v {
            Json::Array(items) => stack.extend(items),
            Json::Object(m) => stack.extend(m.values()),
            _ => {}
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use expr::Value;

    fn jp(doc: &str, path: &str) -> Result<Value, String> {
        jsonpath(&[doc.into(), path.into()]).map_err(|e| e.to_string())
    }

    const EMPLOYEES: &str = r#"{"employees": [
        {"name": "Baris", "age": 43}, {"name": "Mo", "age": 25}, {"name": "Jo", "age": 50}]}"#;

    #[test]
    fn definite_paths_give_the_value() {
        assert_eq!(jp(r#"{"a": 1, "b": "x"}"#, "$.b"), Ok(Value::from("x")));
        assert_eq!(jp(r#"[{"value": "true"}]"#, "$[0].value"), Ok(Value::from("true")));
        assert_eq!(
            jp(r#"{"temps": [34, 27]}"#, "$.temps"),
            Ok(Value::from(vec![Value::Integer(34), Value::Integer(27)]))
        );
        assert!(jp(r#"{"a": 1}"#, "$.nope").is_err_and(|e| e.contains("matched nothing")));
    }

    #[test]
    fn argo_example_queries() {
        assert_eq!(jp(EMPLOYEES, "$.employees[?(@.name==\"Baris\")].age"), Ok(vec![43i64].into()));
        assert_eq!(
            jp(EMPLOYEES, "$.employees[?(@.age>42 && @.age<44)].age"),
            Ok(vec![43i64].into())
        );
        assert_eq!(jp(EMPLOYEES, "$.employees[*].name"), Ok(vec!["Baris", "Mo", "Jo"].into()));
        let first = jp(EMPLOYEES, "$.employees[0:1]");
        assert!(matches!(first, Ok(Value::Array(ref a)) if a.len() == 1), "{first:?}");
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        assert!(jp("{", "$.a").is_err());
        assert!(jp("{}", "$[").is_err());
        assert!(jp("{}", &format!("${}", "[(".repeat(40))).is_err());
        assert!(jsonpath(&[Value::Integer(1), "$".into()]).is_err());
    }
}
