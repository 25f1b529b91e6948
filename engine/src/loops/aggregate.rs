//! Outputs of a looped step or task seen as one: Argo's
//! `processAggregateNodeOutputs` and `aggregatedJSONValueList`
//! (workflow/controller/operator.go).

use std::collections::BTreeMap;

use super::LoopError;
use crate::golang::json::{compact, reencode_container, write_string};
use crate::status::NodeOutputs;

/// The flat variables a later step or task sees for a looped one, from its
/// children's outputs in loop-index order. `children` holds one entry per
/// child node Argo considers (hook nodes and retry attempts already left
/// out); `None` for a child that did not succeed or has no outputs, which
/// contributes nothing. Keys are relative: `outputs.result`,
/// `outputs.parameters`, `outputs.parameters.<name>` (sorted by name).
///
/// No children at all: no variables (Argo returns before defining any).
/// A result that is not JSON fails the whole aggregation with Go's
/// `json.Unmarshal` message, as in Argo (the node errors).
pub fn aggregate_outputs(
    children: &[Option<&NodeOutputs>],
) -> Result<Vec<(String, String)>, LoopError> {
    if children.is_empty() {
        return Ok(Vec::new());
    }
    let mut results: Vec<String> = Vec::new();
    let mut param_maps: Vec<BTreeMap<&str, &str>> = Vec::new();
    let mut per_name: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for outputs in children.iter().flatten() {
        if !outputs.parameters.is_empty() {
            let mut map = BTreeMap::new();
            for p in &outputs.parameters {
                let value = p.value.as_deref().unwrap_or_default();
                map.insert(p.name.as_str(), value);
                per_name.entry(p.name.as_str()).or_default().push(value);
            }
            param_maps.push(map);
        }
        if let Some(result) = &outputs.result {
            results.push(compact(result).map_err(LoopError::new)?);
        }
    }
    let mut vars = Vec::with_capacity(2 + per_name.len());
    vars.push(("outputs.result".to_string(), format!("[{}]", results.join(","))));
    let mut params = String::from("[");
    for (n, map) in param_maps.iter().enumerate() {
        if n > 0 {
            params.push(',');
        }
        params.push('{');
        for (m, (name, value)) in map.iter().enumerate() {
            if m > 0 {
                params.push(',');
            }
            write_string(&mut params, name, true);
            params.push(':');
            write_string(&mut params, value, true);
        }
        params.push('}');
    }
    params.push(']');
    vars.push(("outputs.parameters".to_string(), params));
    for (name, values) in per_name {
        vars.push((format!("outputs.parameters.{name}"), value_list(&values)));
    }
    Ok(vars)
}

/// Argo's `aggregatedJSONValueList`: when every value is a JSON object or
/// array they are embedded (re-encoded through Go's `interface{}`), else
/// the list holds them as strings.
fn value_list(values: &[&str]) -> String {
    let embedded: Option<Vec<String>> = values.iter().map(|v| reencode_container(v)).collect();
    match embedded {
        Some(items) => format!("[{}]", items.join(",")),
        None => {
            let mut out = String::from("[");
            for (n, v) in values.iter().enumerate() {
                if n > 0 {
                    out.push(',');
                }
                write_string(&mut out, v, true);
            }
            out.push(']');
            out
        }
    }
}
