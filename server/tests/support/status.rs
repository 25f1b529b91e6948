//! Reading a workflow as the API and `keelson get -o json` print it.

use serde_json::Value;

/// The workflow's phase (`""` before it has one).
pub fn phase(wf: &Value) -> &str {
    wf["status"]["phase"].as_str().unwrap_or("")
}

/// The nodes whose display name is `display`.
pub fn nodes<'a>(wf: &'a Value, display: &str) -> Vec<&'a Value> {
    wf["status"]["nodes"]
        .as_object()
        .into_iter()
        .flat_map(|m| m.values())
        .filter(|n| n["displayName"] == display)
        .collect()
}

/// The one node whose display name is `display`; panics if there is none.
pub fn node<'a>(wf: &'a Value, display: &str) -> &'a Value {
    nodes(wf, display).into_iter().next().unwrap_or_else(|| panic!("no node {display}: {wf:#}"))
}

/// Whether some node is as `cond` says.
pub fn any_node(wf: &Value, cond: impl Fn(&Value) -> bool) -> bool {
    wf["status"]["nodes"].as_object().is_some_and(|m| m.values().any(cond))
}
