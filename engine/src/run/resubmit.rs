//! Resubmitting a workflow (Argo's `FormulateResubmitWorkflow`): a new
//! Workflow with the old one's spec, which runs from scratch.

use crate::spec::{Parameter, Workflow};

/// The label Argo puts on a resubmitted workflow.
pub const RESUBMITTED_FROM: &str = "workflows.argoproj.io/resubmitted-from-workflow";

/// Labels that describe the old run, not the workflow: not copied.
const RUN_LABELS: &[&str] = &[
    "workflows.argoproj.io/creator",
    "workflows.argoproj.io/creator-email",
    "workflows.argoproj.io/creator-preferred-username",
    "workflows.argoproj.io/phase",
    "workflows.argoproj.io/completed",
    "workflows.argoproj.io/workflow-archiving-status",
];

/// The Workflow to submit for `old` (named `old_name`): `generateName` is
/// the old one's, or `<name>-`; labels and annotations are copied except
/// those about the old run, plus [`RESUBMITTED_FROM`]; the spec is
/// copied without `shutdown` and a zero `activeDeadlineSeconds`;
/// `parameters` (`name=value`) override the arguments. The caller names
/// it and plans it as any new submission.
pub fn resubmit(old: &Workflow, old_name: &str, parameters: &[(String, String)]) -> Workflow {
    let mut wf = old.clone();
    wf.other.remove("status");
    let meta = &mut wf.metadata;
    meta.generate_name =
        Some(old.metadata.generate_name.clone().unwrap_or_else(|| format!("{old_name}-")));
    meta.name = None;
    for k in crate::spec::META_KEPT {
        if !matches!(*k, "ownerReferences") {
            meta.other.remove(*k);
        }
    }
    meta.labels.retain(|k, _| !RUN_LABELS.contains(&k.as_str()));
    meta.labels.insert(RESUBMITTED_FROM.to_string(), old_name.to_string());
    wf.spec.shutdown = None;
    if wf.spec.active_deadline_seconds.as_ref().and_then(|a| a.as_int()) == Some(0) {
        wf.spec.active_deadline_seconds = None;
    }
    for (name, value) in parameters {
        let args = &mut wf.spec.arguments.parameters;
        match args.iter_mut().find(|p| p.name == *name) {
            Some(p) => p.value = Some(crate::spec::AnyString(value.clone())),
            None => args.push(Parameter {
                name: name.clone(),
                value: Some(crate::spec::AnyString(value.clone())),
                ..Default::default()
            }),
        }
    }
    wf
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{Document, decode};
    use serde_json::json;

    #[test]
    fn a_resubmitted_workflow_is_new_and_says_where_it_came_from() {
        let Ok(Document::Workflow(old)) = decode(json!({
            "apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
            "metadata": {"name": "build-abc12", "uid": "u-1", "resourceVersion": "7",
                "labels": {"team": "ci", "workflows.argoproj.io/phase": "Failed",
                    "workflows.argoproj.io/completed": "true"}},
            "spec": {"entrypoint": "main", "shutdown": "Stop", "activeDeadlineSeconds": 0,
                "arguments": {"parameters": [{"name": "tag", "value": "v1"}]},
                "templates": [{"name": "main", "container": {"image": "alpine"}}]},
            "status": {"phase": "Failed"}
        })) else {
            panic!("decodes")
        };
        let new = resubmit(&old, "build-abc12", &[("tag".into(), "v2".into())]);
        assert_eq!(new.metadata.name, None);
        assert_eq!(new.metadata.generate_name.as_deref(), Some("build-abc12-"));
        assert!(new.metadata.other.get("uid").is_none());
        assert!(new.other.get("status").is_none());
        assert_eq!(new.metadata.labels.get("team").map(String::as_str), Some("ci"));
        assert_eq!(
            new.metadata.labels.get(RESUBMITTED_FROM).map(String::as_str),
            Some("build-abc12")
        );
        assert!(!new.metadata.labels.contains_key("workflows.argoproj.io/phase"));
        assert_eq!(new.spec.shutdown, None);
        assert_eq!(new.spec.active_deadline_seconds, None);
        assert_eq!(
            new.spec.arguments.parameters[0].value.as_ref().map(|v| v.0.as_str()),
            Some("v2")
        );
    }
}
