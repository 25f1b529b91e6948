//! The workflow as the page reads it from each live update (a snapshot):
//! what the header and the graph need, typed — the status is the
//! engine's own `WorkflowStatus`. An update of a large run is a megabyte
//! of JSON several times a second, so it is read once, straight into
//! these types, without building a JSON tree first; the text is kept as
//! it came for the YAML view, which reads it only when it is open.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use engine::status::{NodeStatus, WorkflowStatus};
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::api::Watched;

/// The parts of a workflow the page shows live.
#[derive(Debug, Default, Deserialize)]
pub struct Snapshot {
    #[serde(default)]
    pub metadata: SnapshotMeta,
    #[serde(default)]
    pub spec: SnapshotSpec,
    #[serde(default)]
    pub status: WorkflowStatus,
}

#[derive(Debug, Default, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SnapshotMeta {
    #[serde(default, deserialize_with = "crate::api::nullable")]
    pub labels: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "crate::api::nullable")]
    pub annotations: BTreeMap<String, String>,
    #[serde(default)]
    pub creation_timestamp: Option<engine::status::Time>,
}

#[derive(Debug, Default, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SnapshotSpec {
    #[serde(default)]
    pub suspend: Option<bool>,
    #[serde(default)]
    pub arguments: SnapshotArguments,
    #[serde(default)]
    pub workflow_template_ref: Option<TemplateRef>,
}

/// `spec.arguments`: each parameter's value as given, each artifact's name.
#[derive(Debug, Default, Clone, PartialEq, Deserialize)]
pub struct SnapshotArguments {
    #[serde(default)]
    pub parameters: Vec<NamedValue>,
    #[serde(default)]
    pub artifacts: Vec<NamedValue>,
}

#[derive(Debug, Default, Clone, PartialEq, Deserialize)]
pub struct NamedValue {
    #[serde(default)]
    pub name: String,
    /// A parameter's value as written (a string, or any JSON).
    #[serde(default)]
    pub value: Option<serde_json::Value>,
}

#[derive(Debug, Default, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TemplateRef {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub cluster_scope: bool,
}

/// A snapshot whose status is not read yet: what is read when the typed
/// pass fails, so that each node is read on its own. Parts are kept as
/// their text and read from it: the bundle then holds one reader of each
/// type, from text.
#[derive(Debug, Default, Deserialize)]
struct Unread {
    #[serde(default)]
    metadata: SnapshotMeta,
    #[serde(default)]
    spec: SnapshotSpec,
    /// The status's fields, each as its text.
    #[serde(default)]
    status: Option<BTreeMap<String, Box<RawValue>>>,
}

impl Unread {
    /// Read node by node: a node this UI cannot read is left out (and
    /// the rest drawn) rather than losing the update.
    /// `None` if what is not a node cannot be read either.
    fn node_by_node(self) -> Option<Snapshot> {
        let mut fields = self.status.unwrap_or_default();
        let nodes = fields.remove("nodes");
        let rest = serde_json::to_string(&fields).ok()?;
        let mut status: WorkflowStatus = serde_json::from_str(&rest).ok()?;
        let nodes: HashMap<String, Box<RawValue>> =
            nodes.and_then(|n| serde_json::from_str(n.get()).ok()).unwrap_or_default();
        status.nodes = nodes
            .into_iter()
            .filter_map(|(id, v)| Some((id, serde_json::from_str::<NodeStatus>(v.get()).ok()?)))
            .collect();
        Some(Snapshot { metadata: self.metadata, spec: self.spec, status })
    }
}

/// The workflow's JSON as it came, for the YAML view.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Raw {
    #[default]
    Nothing,
    /// The workflow itself.
    Object(Arc<serde_json::Value>),
    /// A watch event's text: the workflow is its `result.object`.
    #[cfg_attr(not(any(feature = "hydrate", test)), allow(dead_code))]
    Event(Arc<str>),
}

impl Raw {
    /// The workflow as a JSON value (read now, for an event).
    pub fn object(&self) -> serde_json::Value {
        match self {
            Raw::Nothing => serde_json::Value::Null,
            Raw::Object(v) => (**v).clone(),
            Raw::Event(text) => serde_json::from_str::<Watched<serde_json::Value>>(text)
                .ok()
                .and_then(|m| m.result?.object)
                .unwrap_or_default(),
        }
    }
}

impl Snapshot {
    /// Read from the workflow's JSON value: typed; if some node cannot
    /// be read so, node by node.
    pub fn read(object: &serde_json::Value) -> Snapshot {
        let text = object.to_string();
        serde_json::from_str::<Snapshot>(&text)
            .ok()
            .or_else(|| serde_json::from_str::<Unread>(&text).ok().and_then(Unread::node_by_node))
            .unwrap_or_default()
    }
}

/// Read a watch event's text: typed in one pass; if some part of it
/// cannot be read so (a node this UI does not know), again with the
/// nodes read one by one. `None` if it cannot be read at all.
#[cfg_attr(not(any(feature = "hydrate", test)), allow(dead_code))]
pub fn read_event(text: &str) -> Option<Watched<Snapshot>> {
    if let Ok(event) = serde_json::from_str::<Watched<Snapshot>>(text) {
        return Some(event);
    }
    let loose: Watched<Unread> = serde_json::from_str(text).ok()?;
    Some(Watched {
        result: loose.result.map(|r| crate::api::WatchEvent {
            kind: r.kind,
            // Unreadable beyond its nodes: no update.
            object: r.object.and_then(Unread::node_by_node),
        }),
        error: loose.error,
    })
}

#[cfg(test)]
mod tests {
    use engine::status::WorkflowPhase;

    use super::*;
    use crate::api::EventKind;

    fn node(id: &str, phase: &str) -> serde_json::Value {
        serde_json::json!({"id": id, "name": id, "displayName": id, "type": "Pod", "phase": phase})
    }

    #[test]
    fn events_are_read_typed_and_a_bad_node_loses_only_itself() {
        let good = serde_json::json!({"result": {"type": "MODIFIED", "object": {
            "metadata": {"name": "w"}, "spec": {"suspend": true},
            "status": {"phase": "Running", "progress": "1/2", "startedAt": "2026-01-01T00:00:00Z",
                       "finishedAt": null, "nodes": {"a": node("a", "Succeeded"), "b": node("b", "Running")}}}}});
        let e = read_event(&good.to_string()).unwrap_or_else(|| panic!("read"));
        let r = e.result.unwrap_or_else(|| panic!("a result"));
        assert_eq!(r.kind, EventKind::Modified);
        let u = r.object.unwrap_or_default();
        assert_eq!(u.spec.suspend, Some(true));
        assert_eq!(u.status.phase, WorkflowPhase::Running);
        assert_eq!(u.status.finished_at, None);
        assert_eq!(u.status.nodes.len(), 2);

        let mut bad = good.clone();
        bad["result"]["object"]["status"]["nodes"]["b"]["phase"] = serde_json::json!(42);
        let u = read_event(&bad.to_string())
            .and_then(|e| e.result)
            .and_then(|r| r.object)
            .unwrap_or_default();
        assert_eq!(u.status.nodes.len(), 1, "the unreadable node is left out");
        assert_eq!(u.status.progress, "1/2");
        let first = Snapshot::read(&bad["result"]["object"]);
        assert_eq!((first.status.nodes.len(), first.spec.suspend), (1, Some(true)));

        let error = read_event(r#"{"error": {"code": 7, "message": "forbidden"}}"#);
        assert_eq!(error.and_then(|e| e.error).map(|e| e.message), Some("forbidden".into()));
        assert!(read_event("not json").is_none());

        let raw = Raw::Event(Arc::from(good.to_string()));
        assert_eq!(raw.object()["metadata"]["name"], "w", "the YAML view's workflow");
    }
}
