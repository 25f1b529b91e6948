//! Replacing `{{…}}` tags with values, as Argo's `util/template` does when
//! it resolves a template before running it.
//!
//! Two modes, as in Argo: [`Mode::Strict`] fails on a tag it cannot
//! resolve ("failed to resolve {{x}}"); [`Mode::AllowUnresolved`] leaves
//! such tags in place for a later pass (the global pass before a step's
//! own variables are known). An expression tag `{{=…}}` is evaluated with
//! [`crate::expr`]; its result is inserted as text — strings as they are,
//! anything else as JSON — exactly as Argo's `expressionReplace` does.

use std::borrow::Cow;

use serde_json::Value;

use crate::expr::{self, Vars};
use crate::tags::{self, TagKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Every tag must resolve.
    Strict,
    /// Tags that do not resolve stay as written.
    AllowUnresolved,
}

/// A tag that could not be resolved, with Argo's message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SubstituteError {
    pub message: String,
}

fn err(message: String) -> SubstituteError {
    SubstituteError { message }
}

/// Variables that, when an expression mentions them and they are not known
/// yet, keep the whole tag for later instead of evaluating it to nil (Argo
/// `variablesToCheck`, issues #5388 and #10393).
const DEFERRED: &[&str] = &[
    "item",
    "retries",
    "lastRetry.exitCode",
    "lastRetry.status",
    "lastRetry.duration",
    "lastRetry.message",
    "workflow.status",
    "workflow.failures",
];

/// Substitute the tags of one string.
pub fn string<'a>(s: &'a str, vars: &Vars, mode: Mode) -> Result<Cow<'a, str>, SubstituteError> {
    if !s.contains("{{") {
        return Ok(Cow::Borrowed(s));
    }
    let found = tags::scan(s)
        .map_err(|e| err(format!("`{{{{` at byte {} is never closed with `}}}}`", e.offset)))?;
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    for t in found {
        out.push_str(&s[last..t.start]);
        last = t.end;
        let original = &s[t.start..t.end];
        match t.kind {
            TagKind::Simple => simple(&mut out, &s[t.start + 2..t.end - 2], vars, mode)?,
            TagKind::Expression => match expression(t.body, vars, mode)? {
                Some(text) => out.push_str(&text),
                None => out.push_str(original),
            },
        }
    }
    out.push_str(&s[last..]);
    Ok(Cow::Owned(out))
}

/// Substitute every string inside a JSON value (mapping keys too, since
/// Argo substitutes the template's JSON text as a whole).
pub fn value(v: &Value, vars: &Vars, mode: Mode) -> Result<Value, SubstituteError> {
    Ok(match v {
        Value::String(s) => Value::String(string(s, vars, mode)?.into_owned()),
        Value::Array(items) => {
            Value::Array(items.iter().map(|i| value(i, vars, mode)).collect::<Result<_, _>>()?)
        }
        Value::Object(m) => {
            let mut out = serde_json::Map::with_capacity(m.len());
            for (k, item) in m {
                out.insert(string(k, vars, mode)?.into_owned(), value(item, vars, mode)?);
            }
            Value::Object(out)
        }
        other => other.clone(),
    })
}

/// A simple tag: `raw` is what stands between the braces, untrimmed.
fn simple(out: &mut String, raw: &str, vars: &Vars, mode: Mode) -> Result<(), SubstituteError> {
    // A null is an absent value (a skipped producer's output): unresolved.
    if let Some(v) = vars.get(raw.trim()).filter(|v| !v.is_null()) {
        out.push_str(&expr::render(v));
        return Ok(());
    }
    // `{{inputs.parameters.{{item}}}}`: fasttemplate sees the tag
    // `inputs.parameters.{{item` — resolve the inner name and keep the outer
    // tag open for the next pass, as Argo does.
    if let Some(i) = raw.rfind("{{").filter(|i| *i > 0)
        && let Some(inner) = vars.get(&raw[i + 2..])
    {
        out.push_str("{{");
        out.push_str(&raw[..i]);
        out.push_str(&expr::render(inner));
        return Ok(());
    }
    match mode {
        Mode::AllowUnresolved => {
            out.push_str("{{");
            out.push_str(raw);
            out.push_str("}}");
            Ok(())
        }
        Mode::Strict => Err(err(format!("failed to resolve {{{{{raw}}}}}"))),
    }
}

/// An expression tag's replacement text, or `None` to leave it as written.
fn expression(src: &str, vars: &Vars, mode: Mode) -> Result<Option<String>, SubstituteError> {
    if mode == Mode::AllowUnresolved {
        let refs = expr::references(src);
        let deferred = DEFERRED.iter().any(|d| {
            refs.iter().any(|(name, _)| name == d || name.starts_with(&format!("{d}.")))
                && !vars.iter().any(|(k, _)| k == *d || k.starts_with(&format!("{d}.")))
        });
        if deferred {
            return Ok(None);
        }
    }
    match expr::eval(src, vars) {
        Ok(Value::Null) => match mode {
            Mode::AllowUnresolved => Ok(None),
            Mode::Strict => Err(err(format!("failed to evaluate expression {src:?}"))),
        },
        Ok(v) => Ok(Some(expr::render(&v))),
        Err(e) => match mode {
            Mode::AllowUnresolved => Ok(None),
            Mode::Strict => Err(err(format!("failed to evaluate expression: {}", e.message))),
        },
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn vars(pairs: &[(&str, Value)]) -> Vars {
        let mut v = Vars::new();
        for (k, val) in pairs {
            v.insert(*k, val.clone());
        }
        v
    }

    #[test]
    fn simple_tags_with_argos_trimming() {
        let v = vars(&[("inputs.parameters.x", json!("hello")), ("workflow.name", json!("wf-1"))]);
        let out = string("echo {{ inputs.parameters.x }} in {{workflow.name}}", &v, Mode::Strict);
        assert_eq!(out.as_deref(), Ok("echo hello in wf-1"));
    }

    #[test]
    fn unresolved_tags_fail_strictly_and_stay_otherwise() {
        let v = vars(&[]);
        let e = string("{{steps.a.outputs.result}}", &v, Mode::Strict).expect_err("strict");
        assert_eq!(e.message, "failed to resolve {{steps.a.outputs.result}}");
        let kept = string("x {{steps.a.outputs.result}} y", &v, Mode::AllowUnresolved);
        assert_eq!(kept.as_deref(), Ok("x {{steps.a.outputs.result}} y"));
    }

    #[test]
    fn expressions_render_strings_bare_and_the_rest_as_json() {
        let v = vars(&[("inputs.parameters.n", json!("3")), ("item", json!({"b": 2, "a": [1]}))]);
        let s = |t: &str| string(t, &v, Mode::Strict).map(Cow::into_owned);
        assert_eq!(s("{{=asInt(inputs.parameters.n) + 1}}").as_deref(), Ok("4"));
        assert_eq!(s("{{=inputs.parameters.n + 'x'}}").as_deref(), Ok("3x"));
        assert_eq!(s("{{=toJson(item)}}").as_deref(), Ok("{\"a\":[1],\"b\":2}"));
        assert_eq!(s("{{=[1, 2]}}").as_deref(), Ok("[1,2]"));
        assert_eq!(s("{{=asInt(inputs.parameters.n) > 2}}").as_deref(), Ok("true"));
    }

    #[test]
    fn expressions_on_unknown_variables_wait_for_a_later_pass() {
        let v = vars(&[("workflow.name", json!("wf"))]);
        for t in ["{{=workflow.status == 'Succeeded'}}", "{{=sprig.int(retries) + 1}}", "{{=item}}"]
        {
            assert_eq!(string(t, &v, Mode::AllowUnresolved).as_deref(), Ok(t));
        }
        assert!(string("{{=nope.x}}", &v, Mode::Strict).is_err());
    }

    #[test]
    fn nested_tags_resolve_the_inner_name_first() {
        let v = vars(&[("item", json!("a")), ("inputs.parameters.a", json!("A"))]);
        let once = string("{{inputs.parameters.{{item}}}}", &v, Mode::AllowUnresolved)
            .map(Cow::into_owned)
            .unwrap_or_default();
        assert_eq!(once, "{{inputs.parameters.a}}");
        assert_eq!(string(&once, &v, Mode::Strict).as_deref(), Ok("A"));
    }

    #[test]
    fn whole_values_including_keys() {
        let v =
            vars(&[("inputs.parameters.k", json!("key")), ("inputs.parameters.v", json!("val"))]);
        let doc =
            json!({"args": ["{{inputs.parameters.v}}"], "{{inputs.parameters.k}}": 1, "n": 2});
        let out = value(&doc, &v, Mode::Strict);
        assert_eq!(out, Ok(json!({"args": ["val"], "key": 1, "n": 2})));
    }

    #[test]
    fn unclosed_tags_are_errors_in_both_modes() {
        let v = vars(&[]);
        assert!(string("a {{b", &v, Mode::AllowUnresolved).is_err());
    }
}
