//! Tests for `loops`: the digest's scenarios (docs/design/argo-execution-semantics.md
//! §1.2, §4, §9 scenarios 6-8 and 20c), shapes from Argo's loop examples
//! (our own inputs), and property tests. Shared helpers live here.

mod aggregate;
mod names;
mod param;
mod props;
mod sequence;

use serde_json::Value;

use super::*;
use crate::spec::IntOrString;

pub(super) fn items(values: Value) -> CallFlow {
    let Value::Array(values) = values else { panic!("not a list") };
    CallFlow { with_items: Some(values), ..CallFlow::default() }
}

pub(super) fn param(text: &str) -> CallFlow {
    CallFlow { with_param: Some(text.to_string()), ..CallFlow::default() }
}

pub(super) fn seq(
    count: Option<&str>,
    start: Option<&str>,
    end: Option<&str>,
    format: Option<&str>,
) -> Sequence {
    let s = |v: Option<&str>| v.map(|v| IntOrString::String(v.to_string()));
    Sequence {
        count: s(count),
        start: s(start),
        end: s(end),
        format: format.map(str::to_string),
        ..Sequence::default()
    }
}

pub(super) fn expanded(flow: &CallFlow) -> Vec<LoopItem> {
    expand(flow).expect("a loop").expect("expands")
}

pub(super) fn names(name: &str, flow: &CallFlow) -> Vec<String> {
    expanded(flow).iter().map(|item| child_name(name, item)).collect()
}

pub(super) fn expand_err(flow: &CallFlow) -> String {
    expand(flow).expect("a loop").expect_err("fails").message
}

pub(super) fn vars(item: &LoopItem) -> Vec<(String, String)> {
    item_vars(item)
        .into_iter()
        .map(|(k, v)| match v {
            Value::String(s) => (k, s),
            other => panic!("{k} is not a string: {other}"),
        })
        .collect()
}

pub(super) fn var(item: &LoopItem, key: &str) -> String {
    vars(item)
        .into_iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v)
        .unwrap_or_else(|| panic!("no {key}"))
}

pub(super) fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}
