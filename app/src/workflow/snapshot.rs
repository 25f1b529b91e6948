//! The workflow as the page reads it from each live update (a snapshot):
//! what the header and the graph need, typed. An update of a large run is
//! a megabyte of JSON several times a second, so it is read once, straight
//! into these types, without building a JSON tree first; the text is kept
//! as it came for the YAML view, which reads it only when it is open.

use std::collections::HashMap;
use std::sync::Arc;

use engine::status::NodeStatus;
use serde::Deserialize;

/// The parts of a workflow the page shows live.
#[derive(Debug, Default, Deserialize)]
pub struct Snapshot {
    #[serde(default)]
    pub spec: SnapshotSpec,
    #[serde(default)]
    pub status: SnapshotStatus,
}

#[derive(Debug, Default, Deserialize)]
pub struct SnapshotSpec {
    #[serde(default)]
    pub suspend: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SnapshotStatus {
    #[serde(default)]
    pub phase: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub progress: Option<String>,
    #[serde(default)]
    pub started_at: Option<String>,
    #[serde(default)]
    pub finished_at: Option<String>,
    #[serde(default)]
    pub nodes: HashMap<String, NodeStatus>,
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
    /// The workflow as a JSON value (parsed now, for an event).
    pub fn object(&self) -> serde_json::Value {
        match self {
            Raw::Nothing => serde_json::Value::Null,
            Raw::Object(v) => (**v).clone(),
            Raw::Event(text) => serde_json::from_str::<serde_json::Value>(text)
                .ok()
                .and_then(|mut v| v.pointer_mut("/result/object").map(serde_json::Value::take))
                .unwrap_or_default(),
        }
    }
}

impl Snapshot {
    /// Read from a JSON value, node by node: a node this UI cannot read
    /// is left out (and the rest drawn) rather than losing the update.
    pub fn from_value(object: &serde_json::Value) -> Snapshot {
        let text = |p: &str| object.pointer(p).and_then(|v| v.as_str()).map(str::to_string);
        let nodes = object
            .pointer("/status/nodes")
            .and_then(|n| n.as_object())
            .into_iter()
            .flatten()
            .filter_map(|(id, v)| Some((id.clone(), NodeStatus::deserialize(v).ok()?)))
            .collect();
        Snapshot {
            spec: SnapshotSpec {
                suspend: object.pointer("/spec/suspend").and_then(|s| s.as_bool()),
            },
            status: SnapshotStatus {
                phase: text("/status/phase"),
                message: text("/status/message"),
                progress: text("/status/progress"),
                started_at: text("/status/startedAt"),
                finished_at: text("/status/finishedAt"),
                nodes,
            },
        }
    }
}

/// A watch event as the page reads it.
#[cfg_attr(not(any(feature = "hydrate", test)), allow(dead_code))]
#[derive(Debug, Deserialize)]
pub struct Event {
    #[serde(default)]
    pub result: Option<EventResult>,
    #[serde(default)]
    pub error: Option<EventError>,
}

#[cfg_attr(not(any(feature = "hydrate", test)), allow(dead_code))]
#[derive(Debug, Deserialize)]
pub struct EventResult {
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub object: Option<Snapshot>,
}

#[cfg_attr(not(any(feature = "hydrate", test)), allow(dead_code))]
#[derive(Debug, Deserialize)]
pub struct EventError {
    #[serde(default)]
    pub message: String,
}

/// Read a watch event's text: typed in one pass; if some part of it
/// cannot be read so (a node this UI does not know), through a JSON value
/// node by node. `None` if it is not JSON at all.
#[cfg_attr(not(any(feature = "hydrate", test)), allow(dead_code))]
pub fn read_event(text: &str) -> Option<Event> {
    if let Ok(event) = serde_json::from_str::<Event>(text) {
        return Some(event);
    }
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    Some(Event {
        result: v.get("result").map(|r| EventResult {
            kind: r["type"].as_str().unwrap_or("").to_string(),
            object: r.get("object").map(Snapshot::from_value),
        }),
        error: v
            .get("error")
            .map(|e| EventError { message: e["message"].as_str().unwrap_or("").to_string() }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(r.kind, "MODIFIED");
        let u = r.object.unwrap_or_default();
        assert_eq!(u.spec.suspend, Some(true));
        assert_eq!(u.status.phase.as_deref(), Some("Running"));
        assert_eq!(u.status.finished_at, None);
        assert_eq!(u.status.nodes.len(), 2);

        let mut bad = good.clone();
        bad["result"]["object"]["status"]["nodes"]["b"]["phase"] = serde_json::json!(42);
        let u = read_event(&bad.to_string())
            .and_then(|e| e.result)
            .and_then(|r| r.object)
            .unwrap_or_default();
        assert_eq!(u.status.nodes.len(), 1, "the unreadable node is left out");
        assert_eq!(u.status.progress.as_deref(), Some("1/2"));

        let error = read_event(r#"{"error": {"code": 7, "message": "forbidden"}}"#);
        assert_eq!(error.and_then(|e| e.error).map(|e| e.message), Some("forbidden".into()));
        assert!(read_event("not json").is_none());

        let raw = Raw::Event(Arc::from(good.to_string()));
        assert_eq!(raw.object()["metadata"]["name"], "w", "the YAML view's workflow");
    }
}
