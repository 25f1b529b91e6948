//! What a pod's `keelson exec` reports after its command ended — exit
//! code, `outputs.result`, output parameters, the artifacts it saved and
//! why one could not be loaded or saved — travels as a
//! `WorkflowTaskResult` resource, Argo's own mechanism since 3.4: named
//! after the node, labelled with the workflow, owned by the pod (deleted
//! with it), `report-outputs-completed: "true"` once whole. The executor
//! watches them and joins each to its pod's exit.
//!
//! Pure: the resource as JSON, and back.

use std::collections::BTreeMap;

use engine::spec::Artifact;
use kube::discovery::ApiResource;
use serde_json::{Value, json};

use super::pod::LABEL_WORKFLOW;

/// Argo's label saying a task result holds all its outputs.
pub const LABEL_COMPLETED: &str = "workflows.argoproj.io/report-outputs-completed";

/// The resource kind (`argoproj.io/v1alpha1`, namespaced).
pub fn api_resource() -> ApiResource {
    ApiResource {
        group: "argoproj.io".into(),
        version: "v1alpha1".into(),
        api_version: "argoproj.io/v1alpha1".into(),
        kind: "WorkflowTaskResult".into(),
        plural: "workflowtaskresults".into(),
    }
}

/// What a node's command left: its outputs as the engine takes them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outputs {
    pub exit_code: Option<i32>,
    pub result: Option<String>,
    pub parameters: BTreeMap<String, String>,
    /// The output artifacts saved, with their locations.
    pub artifacts: Vec<Artifact>,
    /// Why an artifact could not be loaded or saved (Argo's task result
    /// `phase: Error` with its `message`): the node ends in Error.
    pub error: Option<String>,
    /// An input could not be loaded, so the command never ran (the
    /// annotation [`INPUTS_FAILED`]): the node failed to start.
    pub inputs_failed: bool,
}

/// Annotation: the command never ran, an input could not be loaded.
pub const INPUTS_FAILED: &str = "keelson.dev/inputs-failed";

/// Where a task result goes.
pub struct Owner<'a> {
    pub node: &'a str,
    pub namespace: &'a str,
    pub workflow: &'a str,
    pub pod_name: &'a str,
    pub pod_uid: &'a str,
}

/// The task result for `outputs`, as JSON.
pub fn task_result_for(owner: &Owner, outputs: &Outputs) -> Value {
    let parameters: Vec<Value> = outputs
        .parameters
        .iter()
        .map(|(name, value)| json!({"name": name, "value": value}))
        .collect();
    let mut out = json!({"parameters": parameters});
    if let Some(result) = &outputs.result {
        out["result"] = result.clone().into();
    }
    if let Some(code) = outputs.exit_code {
        // Argo keeps the exit code as a string.
        out["exitCode"] = code.to_string().into();
    }
    if !outputs.artifacts.is_empty() {
        out["artifacts"] = serde_json::to_value(&outputs.artifacts).unwrap_or_default();
    }
    let mut resource = json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "WorkflowTaskResult",
        "metadata": {
            "name": owner.node,
            "namespace": owner.namespace,
            "labels": {LABEL_WORKFLOW: owner.workflow, LABEL_COMPLETED: "true"},
            "ownerReferences": [{
                "apiVersion": "v1",
                "kind": "Pod",
                "name": owner.pod_name,
                "uid": owner.pod_uid,
            }],
        },
        "outputs": out,
    });
    if let Some(why) = &outputs.error {
        resource["phase"] = "Error".into();
        resource["message"] = why.clone().into();
    }
    if outputs.inputs_failed {
        resource["metadata"]["annotations"] = json!({INPUTS_FAILED: "true"});
    }
    resource
}

/// The uid of the pod that wrote a task result (its owner).
pub fn writer_of(resource: &Value) -> Option<&str> {
    resource["metadata"]["ownerReferences"].as_array()?.iter().find(|o| o["kind"] == "Pod")?["uid"]
        .as_str()
}

/// A task result's node and outputs; `None` while it is not complete
/// (Argo's executor may write it in parts) or not one of ours.
pub fn outputs_of(resource: &Value) -> Option<(String, Outputs)> {
    let meta = &resource["metadata"];
    let node = meta["name"].as_str()?.to_string();
    if meta["labels"][LABEL_COMPLETED].as_str() != Some("true") {
        return None;
    }
    let out = &resource["outputs"];
    let parameters = out["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| {
            let value = match &p["value"] {
                Value::String(s) => s.clone(),
                Value::Null => return None,
                other => other.to_string(),
            };
            Some((p["name"].as_str()?.to_string(), value))
        })
        .collect();
    let exit_code = match &out["exitCode"] {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n.as_i64().and_then(|n| i32::try_from(n).ok()),
        _ => None,
    };
    let result = out["result"].as_str().map(str::to_string);
    let artifacts = serde_json::from_value(out["artifacts"].clone()).unwrap_or_default();
    let error = (resource["phase"] == "Error").then(|| {
        resource["message"].as_str().unwrap_or("an artifact could not be moved").to_string()
    });
    let inputs_failed = meta["annotations"][INPUTS_FAILED] == "true";
    Some((node, Outputs { exit_code, result, parameters, artifacts, error, inputs_failed }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_task_result_carries_a_nodes_outputs_and_comes_back_the_same() {
        let owner = Owner {
            node: "wf-123",
            namespace: "ci",
            workflow: "wf",
            pod_name: "wf-build-123",
            pod_uid: "u-1",
        };
        let saved: Artifact = serde_json::from_value(json!({"name": "bin", "path": "/out/bin",
            "s3": {"key": "wf/pod/bin.tgz"}}))
        .expect("an artifact");
        let outputs = Outputs {
            exit_code: Some(3),
            result: Some("hello".into()),
            parameters: [("sha".to_string(), "abc".to_string())].into(),
            artifacts: vec![saved],
            error: Some("output artifact 'bin': s3 bucket b: answered 403".into()),
            inputs_failed: true,
        };
        let r = task_result_for(&owner, &outputs);
        assert_eq!(r["metadata"]["labels"][LABEL_WORKFLOW], "wf");
        assert_eq!(r["metadata"]["ownerReferences"][0]["uid"], "u-1");
        assert_eq!(r["outputs"]["exitCode"], "3", "a string, as Argo writes it");
        assert_eq!(r["outputs"]["artifacts"][0]["s3"]["key"], "wf/pod/bin.tgz");
        assert_eq!(r["phase"], "Error");
        assert_eq!(outputs_of(&r), Some(("wf-123".to_string(), outputs)));
        assert_eq!(writer_of(&r), Some("u-1"));
        // Not complete yet: not taken.
        let mut partial = r.clone();
        partial["metadata"]["labels"][LABEL_COMPLETED] = "false".into();
        assert_eq!(outputs_of(&partial), None);
    }
}
