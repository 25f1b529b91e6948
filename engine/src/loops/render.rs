//! How one iteration shows up: its node name and its `{{item…}}` variables.
//! A port of Argo's `processItem` and `generateNodeName`
//! (workflow/controller/operator.go) over `Item` (pkg/apis/workflow/v1alpha1/item.go).

use std::collections::BTreeMap;

use serde_json::Value;

use super::LoopItem;
use super::split::{split_member, split_top};
use crate::golang::json::{Style, check_valid, compact, decode_string, marshal, write_string};

/// The item as Go's `json.Marshal(item)` writes it: its raw text compacted
/// when it has one (withParam, withSequence), else its value as Kubernetes
/// stores it (keys sorted, Go number format).
pub(super) fn item_json(item: &LoopItem) -> String {
    match &item.raw {
        Some(raw) if check_valid(raw).is_ok() => {
            compact(raw).unwrap_or_else(|_| marshal(&item.value, Style::COMPACT))
        }
        _ => marshal(&item.value, Style::COMPACT),
    }
}

/// Argo's `Item.String()`: the JSON text, surrounding quotes chopped off
/// strings (escapes inside stay), then `jsonutil.Fix` (`<>&` unescaped).
pub(super) fn item_string(json: &str) -> String {
    let inner = match json.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        Some(inner) => inner,
        None => json,
    };
    fix(inner)
}

/// An item as `processItem` sees it (`Item.GetType`).
enum Shape<'a> {
    /// Strings, numbers, booleans: rendered by `Item.String()`.
    Scalar,
    /// Top-level members, the last of duplicate keys winning, sorted by key.
    Map(BTreeMap<String, &'a str>),
    /// Elements; JSON `null` is an empty list to Argo.
    List(Vec<&'a str>),
}

fn shape(json: &str) -> Shape<'_> {
    if json == "null" {
        Shape::List(Vec::new())
    } else if json.starts_with('[') {
        Shape::List(split_top(json))
    } else if json.starts_with('{') {
        let members = split_top(json)
            .into_iter()
            .filter_map(split_member)
            .map(|(key, value)| (decode_string(key), value))
            .collect();
        Shape::Map(members)
    } else {
        Shape::Scalar
    }
}

/// The description in the node name before parentheses are removed.
fn description(json: &str) -> String {
    match shape(json) {
        Shape::Scalar => item_string(json),
        Shape::Map(members) => {
            // `sort.Strings` over "key:value", not over keys.
            let mut vals: Vec<String> =
                members.iter().map(|(k, v)| format!("{k}:{}", item_string(v))).collect();
            vals.sort();
            vals.join(",")
        }
        Shape::List(elements) => {
            let parts: Vec<String> = elements.iter().map(|e| item_string(e)).collect();
            format!("[{}]", parts.join(" "))
        }
    }
}

/// `<name>(<index>:<description>)` with every `(` and `)` removed from the
/// description (Argo's `generateNodeName`).
pub fn child_name(name: &str, item: &LoopItem) -> String {
    let desc = description(&item_json(item)).replace(['(', ')'], "");
    format!("{name}({}:{desc})", item.index)
}

/// The variables one iteration defines, as `processItem` fills its replace
/// map: `item` for every item (scalars as `Item.String()`, maps and lists as
/// Go's compact JSON with `<>&` escaped), and for maps `item.<key>` for each
/// top-level key (nested maps are not flattened further; their values are
/// JSON text). All values are strings, sorted by key after `item`.
pub fn item_vars(item: &LoopItem) -> Vec<(String, Value)> {
    let json = item_json(item);
    match shape(&json) {
        Shape::Scalar => vec![("item".to_string(), Value::String(item_string(&json)))],
        Shape::List(_) => vec![("item".to_string(), Value::String(json.clone()))],
        Shape::Map(members) => {
            let mut whole = String::from("{");
            for (n, (key, value)) in members.iter().enumerate() {
                if n > 0 {
                    whole.push(',');
                }
                write_string(&mut whole, key, true);
                whole.push(':');
                whole.push_str(value);
            }
            whole.push('}');
            let mut vars = vec![("item".to_string(), Value::String(whole))];
            vars.extend(
                members.iter().map(|(k, v)| (format!("item.{k}"), Value::String(item_string(v)))),
            );
            vars
        }
    }
}

/// Argo's `jsonutil.Fix`: undo the HTML escaping of `<`, `>` and `&`
/// (textually, so a `\u003c` written in the input is turned back too).
fn fix(s: &str) -> String {
    s.replace("\\u003c", "<").replace("\\u003e", ">").replace("\\u0026", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fix_undoes_html_escapes() {
        assert_eq!(fix("\\u003ca\\u0026b\\u003e"), "<a&b>");
    }
}
