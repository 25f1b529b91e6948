//! Argo's artifact garbage collection, decided (the deleting is the
//! caller's): which output artifacts of a finished workflow are due when
//! it completes and when it is deleted, and the status once they are
//! gone.
//!
//! As Argo: an artifact's own `artifactGC.strategy` wins over the
//! workflow's `spec.artifactGC`; unset means `Never`. Only the outputs of
//! Pod nodes are collected (`main-logs` among them); what another node
//! took as input is the same object and goes with it. Deletion collects
//! what completion has not (an `OnWorkflowCompletion` artifact of a
//! workflow deleted before its collection ran goes too).

use crate::spec::{ArtifactGc, ArtifactLocation, ArtifactRepository};
use crate::status::{ArtifactGcStatus, Condition, NodeType, WorkflowStatus};

/// Argo's strategy names.
pub const ON_COMPLETION: &str = "OnWorkflowCompletion";
pub const ON_DELETION: &str = "OnWorkflowDeletion";

/// When collection runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GcMoment {
    Completion,
    Deletion,
}

impl GcMoment {
    /// The strategy this moment carries out.
    pub fn strategy(self) -> &'static str {
        match self {
            GcMoment::Completion => ON_COMPLETION,
            GcMoment::Deletion => ON_DELETION,
        }
    }
}

/// One artifact to delete.
#[derive(Debug, Clone, PartialEq)]
pub struct GcItem {
    /// The node's ID.
    pub node: String,
    pub artifact: String,
    /// Complete (a key-only location filled in from the run's repository).
    pub location: ArtifactLocation,
}

fn strategy<'a>(own: Option<&'a ArtifactGc>, workflow: Option<&'a ArtifactGc>) -> &'a str {
    let named = |gc: Option<&'a ArtifactGc>| gc.and_then(|g| g.strategy.as_deref());
    named(own).filter(|s| !s.is_empty()).or(named(workflow)).unwrap_or("Never")
}

/// The artifacts due at `moment`, not yet deleted. `workflow` is the
/// run's `spec.artifactGC`.
pub fn due(
    status: &WorkflowStatus,
    workflow: Option<&ArtifactGc>,
    moment: GcMoment,
) -> Vec<GcItem> {
    let repository = status
        .artifact_repository_ref
        .as_ref()
        .and_then(|r| r.artifact_repository.clone())
        .unwrap_or_else(ArtifactRepository::builtin);
    let mut out = Vec::new();
    for node in status.nodes.values().filter(|n| n.node_type == NodeType::Pod) {
        for a in node.outputs.iter().flat_map(|o| &o.artifacts) {
            if a.deleted == Some(true) || a.location.key().is_none() {
                continue;
            }
            let wanted = match (moment, strategy(a.artifact_gc.as_ref(), workflow)) {
                (GcMoment::Completion, s) => s == ON_COMPLETION,
                (GcMoment::Deletion, s) => s == ON_COMPLETION || s == ON_DELETION,
            };
            if !wanted {
                continue;
            }
            let location = if a.location.is_key_only() {
                repository.relocate(&a.location)
            } else {
                a.location.clone()
            };
            out.push(GcItem { node: node.id.clone(), artifact: a.name.clone(), location });
        }
    }
    out
}

/// Whether a submitted Workflow (with the templates it references, as
/// JSON) asks for any artifact to be collected: an `artifactGC` whose
/// strategy is not `Never`, on the workflow or on any artifact. Argo puts
/// its `workflows.argoproj.io/artifact-gc` finalizer on such workflows.
pub fn declared(submitted: &serde_json::Value) -> bool {
    use serde_json::Value;
    let mut stack = vec![submitted];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(m) => {
                for (k, v) in m {
                    let strategy = v.get("strategy").and_then(Value::as_str);
                    if k == "artifactGC" && strategy.is_some_and(|s| !s.is_empty() && s != "Never")
                    {
                        return true;
                    }
                    stack.push(v);
                }
            }
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    false
}

/// Record a collection: the `deleted` artifacts marked, the strategy
/// processed, and `ArtifactGCError` set to `failure` (or cleared).
pub fn record(
    status: &mut WorkflowStatus,
    moment: GcMoment,
    deleted: &[(String, String)],
    failure: Option<String>,
) {
    for (node, artifact) in deleted {
        let Some(n) = status.nodes.get_mut(node) else { continue };
        for a in n.outputs.iter_mut().flat_map(|o| &mut o.artifacts) {
            if a.name == *artifact {
                a.deleted = Some(true);
            }
        }
    }
    status.conditions.retain(|c| c.condition_type != Condition::ARTIFACT_GC_ERROR);
    match failure {
        Some(message) => status.conditions.push(Condition {
            condition_type: Condition::ARTIFACT_GC_ERROR.into(),
            status: "True".into(),
            message,
        }),
        None => {
            let gc = status.artifact_gc_status.get_or_insert_with(ArtifactGcStatus::default);
            gc.strategies_processed.insert(moment.strategy().into(), true);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::NodeStatus;
    use serde_json::json;

    fn status() -> WorkflowStatus {
        let pod = |id: &str, artifacts: serde_json::Value| {
            serde_json::from_value::<NodeStatus>(json!({
                "id": id, "name": id, "displayName": id, "type": "Pod", "phase": "Succeeded",
                "outputs": {"artifacts": artifacts}
            }))
            .expect("node")
        };
        let mut s = WorkflowStatus::default();
        let nodes = [
            pod("a", json!([
                {"name": "default", "s3": {"key": "wf/a/default.tgz"}},
                {"name": "kept", "s3": {"key": "wf/a/kept.tgz"}, "artifactGC": {"strategy": "Never"}},
                {"name": "at-end", "s3": {"key": "wf/a/end.tgz"}, "artifactGC": {"strategy": "OnWorkflowCompletion"}},
                {"name": "gone", "s3": {"key": "wf/a/gone.tgz"}, "deleted": true},
                {"name": "fetched", "http": {"url": "https://h/x"}},
            ])),
            serde_json::from_value(json!({
                "id": "steps", "name": "steps", "displayName": "steps", "type": "Steps", "phase": "Succeeded",
                "outputs": {"artifacts": [{"name": "lifted", "s3": {"key": "wf/a/default.tgz"}}]}
            }))
            .expect("node"),
        ];
        for n in nodes {
            s.nodes.insert(n.id.clone(), n);
        }
        s.artifact_repository_ref = serde_json::from_value(json!({
            "artifactRepository": {"s3": {"bucket": "b", "endpoint": "e:9000"}}
        }))
        .ok();
        s
    }

    fn names(items: &[GcItem]) -> Vec<&str> {
        items.iter().map(|i| i.artifact.as_str()).collect()
    }

    #[test]
    fn the_artifacts_own_strategy_wins_over_the_workflows() {
        let s = status();
        let on_deletion = ArtifactGc { strategy: Some(ON_DELETION.into()), ..Default::default() };
        assert_eq!(names(&due(&s, None, GcMoment::Completion)), ["at-end"]);
        assert_eq!(names(&due(&s, None, GcMoment::Deletion)), ["at-end"]);
        assert_eq!(names(&due(&s, Some(&on_deletion), GcMoment::Completion)), ["at-end"]);
        assert_eq!(names(&due(&s, Some(&on_deletion), GcMoment::Deletion)), ["default", "at-end"]);
        let never = ArtifactGc { strategy: Some("Never".into()), ..Default::default() };
        assert!(
            !due(&s, Some(&never), GcMoment::Deletion).is_empty(),
            "at-end has its own strategy"
        );
    }

    #[test]
    fn a_strategy_anywhere_but_never_is_declared() {
        assert!(declared(&json!({"spec": {"artifactGC": {"strategy": "OnWorkflowDeletion"}}})));
        let on_artifact = json!({"templates": [{"spec": {"templates": [{"outputs": {"artifacts": [
            {"name": "a", "artifactGC": {"strategy": "OnWorkflowCompletion"}}]}}]}}]});
        assert!(declared(&on_artifact));
        assert!(!declared(&json!({"spec": {"artifactGC": {"strategy": "Never"}}})));
        assert!(!declared(&json!({"spec": {"templates": [{"name": "artifactGC"}]}})));
    }

    #[test]
    fn key_only_locations_are_completed_from_the_runs_repository() {
        let items = due(&status(), None, GcMoment::Completion);
        let s3 = items[0].location.s3.as_ref().expect("s3");
        assert_eq!(s3.bucket.bucket.as_deref(), Some("b"));
        assert_eq!(s3.key.as_deref(), Some("wf/a/end.tgz"));
    }

    #[test]
    fn a_collection_marks_what_it_deleted_and_says_when_it_failed() {
        let mut s = status();
        let done = vec![("a".to_string(), "at-end".to_string())];
        record(&mut s, GcMoment::Completion, &[], Some("store down".into()));
        assert_eq!(s.conditions[0].condition_type, "ArtifactGCError");
        assert_eq!(s.conditions[0].message, "store down");
        record(&mut s, GcMoment::Completion, &done, None);
        assert!(s.conditions.is_empty(), "a later success clears the error");
        assert!(due(&s, None, GcMoment::Completion).is_empty());
        let processed = &s.artifact_gc_status.as_ref().expect("gc status").strategies_processed;
        assert_eq!(processed.get(ON_COMPLETION), Some(&true));
        let json = serde_json::to_value(&s).expect("json");
        assert_eq!(json["nodes"]["a"]["outputs"]["artifacts"][2]["deleted"], true);
        assert_eq!(json["artifactGCStatus"]["strategiesProcessed"]["OnWorkflowCompletion"], true);
    }
}
