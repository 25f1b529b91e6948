//! `status` of a Workflow.

use serde::{Deserialize, Serialize, Serializer};

use super::node::{NodeOutputs, NodeStatus};
use super::phase::WorkflowPhase;
use super::time::Time;

/// Argo's `WorkflowStatus`, the fields Keelson maintains.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowStatus {
    #[serde(default)]
    pub phase: WorkflowPhase,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<Time>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<Time>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub progress: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// Nodes by ID, in creation order; written sorted by ID (as Go writes
    /// maps) so the JSON is the same every time.
    #[serde(default, skip_serializing_if = "NodeMap::is_empty", serialize_with = "sorted")]
    pub nodes: NodeMap,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outputs: Option<NodeOutputs>,
    /// Argo's `status.conditions`: Keelson writes `SpecWarning` (what the
    /// run will not enforce).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
    /// The artifact repository the run's outputs go to, resolved at its
    /// start and kept for its life.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_repository_ref: Option<crate::spec::ArtifactRepositoryRefStatus>,
    /// Argo's `status.artifactGCStatus`: the garbage collection strategies
    /// already carried out.
    #[serde(rename = "artifactGCStatus", default, skip_serializing_if = "Option::is_none")]
    pub artifact_gc_status: Option<ArtifactGcStatus>,
}

/// Argo's `ArtGCStatus`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArtifactGcStatus {
    /// Strategy → done (`OnWorkflowCompletion: true`).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub strategies_processed: std::collections::BTreeMap<String, bool>,
}

/// Argo's workflow `Condition`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Condition {
    /// `SpecWarning`, `Completed`, `PodRunning`, … (Argo's `ConditionType`).
    #[serde(rename = "type", default, skip_serializing_if = "String::is_empty")]
    pub condition_type: String,
    /// `True`, `False` or `Unknown`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub status: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
}

impl Condition {
    /// Argo's `ConditionTypeSpecWarning`: "a warning on the current
    /// application spec".
    pub const SPEC_WARNING: &str = "SpecWarning";
    /// Argo's `ConditionTypeArtifactGCError`: artifacts could not be
    /// garbage-collected.
    pub const ARTIFACT_GC_ERROR: &str = "ArtifactGCError";
}

/// `status.nodes`: hashed by ID with a fixed hasher (lookups stay cheap
/// at 100,000 nodes; iteration order is creation order, the same on every
/// run).
pub type NodeMap = indexmap::IndexMap<String, NodeStatus, foldhash::fast::FixedState>;

fn sorted<S: Serializer>(nodes: &NodeMap, s: S) -> Result<S::Ok, S::Error> {
    let mut entries: Vec<(&String, &NodeStatus)> = nodes.iter().collect();
    entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
    s.collect_map(entries)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::status::{NodePhase, NodeType, node_id};

    #[test]
    fn json_has_argos_shape() {
        let wf = "dag-with-retries-4wkh8";
        let mut st = WorkflowStatus {
            phase: WorkflowPhase::Succeeded,
            started_at: Time::parse_rfc3339("2018-08-01T10:22:43Z"),
            progress: "1/1".into(),
            ..Default::default()
        };
        let step = format!("{wf}.step1");
        st.nodes.insert(
            node_id(wf, &step),
            NodeStatus {
                id: node_id(wf, &step),
                name: step.clone(),
                display_name: "step1".into(),
                node_type: NodeType::Retry,
                template_name: None,
                template_ref: None,
                phase: NodePhase::Succeeded,
                boundary_id: Some(wf.into()),
                message: String::new(),
                started_at: None,
                finished_at: None,
                progress: String::new(),
                inputs: None,
                outputs: None,
                children: vec![],
                outbound_nodes: vec![],
                host_node_name: None,
                pod_ip: None,
                daemoned: None,
                image: None,
            },
        );
        let v = serde_json::to_value(&st).unwrap_or_default();
        assert_eq!(
            v,
            json!({
                "phase": "Succeeded",
                "startedAt": "2018-08-01T10:22:43Z",
                "progress": "1/1",
                "nodes": {"dag-with-retries-4wkh8-2805650605": {
                    "id": "dag-with-retries-4wkh8-2805650605",
                    "name": "dag-with-retries-4wkh8.step1",
                    "displayName": "step1",
                    "type": "Retry",
                    "phase": "Succeeded",
                    "boundaryID": "dag-with-retries-4wkh8"
                }}
            })
        );
        let back: WorkflowStatus = serde_json::from_value(v).unwrap_or_default();
        assert_eq!(back, st);
    }
}
