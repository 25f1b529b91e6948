//! Loops: `withItems`, `withParam` and `withSequence` expanded into
//! iterations, each iteration's node name and `{{item…}}` variables, and the
//! aggregated outputs of a looped step or task — all as Argo's controller
//! computes them (`expandStep`/`expandTask`, `expandSequence`, `processItem`,
//! `generateNodeName`, `processAggregateNodeOutputs`), down to Go's JSON and
//! `fmt` rendering. See docs/design/argo-execution-semantics.md §1.2, §4.
//!
//! Files: `render` (names and variables), `sequence` (`withSequence`),
//! `aggregate` (outputs), `split` (reading compact JSON text); the Go
//! library behaviour those show through is [`crate::golang`]'s.

mod aggregate;
mod render;
mod sequence;
mod split;
#[cfg(test)]
mod tests;

use serde_json::Value;

pub use aggregate::aggregate_outputs;
pub use render::{child_name, item_vars};

use crate::golang::json::{compact, decode_string};
use crate::spec::{CallFlow, Sequence};

/// The most iterations one loop may have; longer loops are refused.
pub const MAX_ITEMS: usize = 1_000_000;

/// The most text a `withSequence` may produce (its `format` can pad each
/// item to millions of characters).
pub const MAX_TEXT_BYTES: usize = 64 << 20;

/// One iteration of a loop: its 0-based index and value.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LoopItem {
    pub index: usize,
    pub value: Value,
    /// The item's JSON text as Argo holds it, when it came from text
    /// (`withParam`, `withSequence`): Argo keeps that text (`1.50`, `\u00e9`,
    /// key order inside nested objects) and renders names and `{{item}}`
    /// from it. `None` for `withItems`, rendered from `value` the way
    /// Kubernetes stores it (keys sorted, Go number format), so changes to
    /// `value` (substituted tags) show. Invalid JSON here is ignored.
    pub raw: Option<String>,
}

impl LoopItem {
    /// An item rendered from its value (as a `withItems` entry).
    pub fn new(index: usize, value: Value) -> Self {
        LoopItem { index, value, raw: None }
    }
}

/// Why a loop cannot be expanded (Argo's messages where it has them, e.g.
/// withParam that is not a JSON list).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct LoopError {
    pub message: String,
}

impl LoopError {
    fn new(message: impl Into<String>) -> Self {
        LoopError { message: message.into() }
    }
}

/// Expand a task's or step's loop, as Argo picks it: a non-empty
/// `withItems`, else a non-empty `withParam`, else `withSequence`. Returns
/// `None` when the call has no loop (an empty `withItems: []` or
/// `withParam: ""` is no loop, as in Argo; `withParam: "[]"` is an empty one).
///
/// `with_param` and the `withSequence` fields must already have had their
/// `{{…}}` tags substituted; `withItems` entries are returned as written
/// (tags in their strings are left for the caller).
///
/// Errors carry Argo's messages; Argo ignores them when the step's `when`
/// is statically false, which is the caller's decision.
pub fn expand(flow: &CallFlow) -> Option<Result<Vec<LoopItem>, LoopError>> {
    if let Some(items) = flow.with_items.as_ref().filter(|items| !items.is_empty()) {
        return Some(from_items(items));
    }
    if let Some(param) = flow.with_param.as_deref().filter(|p| !p.is_empty()) {
        return Some(from_param(param));
    }
    flow.with_sequence.as_ref().map(from_sequence)
}

fn too_many(what: &str) -> LoopError {
    LoopError::new(format!("{what} has more than {MAX_ITEMS} items, the most Keelson expands"))
}

fn from_items(items: &[Value]) -> Result<Vec<LoopItem>, LoopError> {
    if items.len() > MAX_ITEMS {
        return Err(too_many("withItems"));
    }
    Ok(items.iter().enumerate().map(|(index, value)| LoopItem::new(index, value.clone())).collect())
}

/// `json.Unmarshal(withParam, &[]Item)`.
fn from_param(param: &str) -> Result<Vec<LoopItem>, LoopError> {
    let fail = |why: String| {
        LoopError::new(format!(
            "withParam value could not be parsed as a JSON list: {}: {why}",
            param.trim()
        ))
    };
    let compact = compact(param).map_err(fail)?;
    let kind = match compact.as_bytes().first() {
        Some(b'[') => None,
        Some(b'n') => return Ok(Vec::new()),
        Some(b'{') => Some("object"),
        Some(b'"') => Some("string"),
        Some(b't' | b'f') => Some("bool"),
        _ => Some("number"),
    };
    if let Some(kind) = kind {
        return Err(fail(format!(
            "json: cannot unmarshal {kind} into Go value of type []v1alpha1.Item"
        )));
    }
    let elements = split::split_top(&compact);
    if elements.len() > MAX_ITEMS {
        return Err(too_many("withParam"));
    }
    Ok(elements
        .into_iter()
        .enumerate()
        .map(|(index, raw)| LoopItem {
            index,
            value: serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.to_string())),
            raw: Some(raw.to_string()),
        })
        .collect())
}

fn from_sequence(seq: &Sequence) -> Result<Vec<LoopItem>, LoopError> {
    Ok(sequence::raw_items(seq)?
        .into_iter()
        .enumerate()
        .map(|(index, raw)| LoopItem {
            index,
            value: Value::String(decode_string(&raw)),
            raw: Some(raw),
        })
        .collect())
}

/// `withSequence` alone: each item's text as `{{item}}` and the node name
/// show it (Go's `fmt.Sprintf(format, i)`; `format` defaults to `%d`), in
/// Argo's order (counting down when `start > end`). `count`, `start` and
/// `end` must be integers or strings holding one (Go's `strconv.Atoi`
/// message otherwise); `end` wins over `count`; `count: 0` is empty.
pub fn sequence(seq: &Sequence) -> Result<Vec<String>, LoopError> {
    Ok(sequence::raw_items(seq)?.iter().map(|raw| render::item_string(raw)).collect())
}
