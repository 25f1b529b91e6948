//! The Pod a pod-producing node becomes, as Argo builds it: its name,
//! labels and annotations, owned by the Workflow, the template's container
//! as written (env with `secretKeyRef`/`configMapKeyRef` left for the
//! kubelet to resolve), the pod-level settings of the template over those
//! of the workflow, `podSpecPatch`es last. The main container's command
//! runs under `keelson exec` (copied in by an init container into a
//! shared emptyDir, as Argo's emissary is), which captures the result and
//! the output files and reports them.
//!
//! Pure: JSON in Kubernetes' field names, built and tested without a
//! cluster.

use engine::run::LaunchSpec;
use engine::spec::{Template, WorkflowSpec};
use serde_json::{Map, Value, json};

use super::patch;

/// Label: the workflow a pod belongs to (Argo's).
pub const LABEL_WORKFLOW: &str = "workflows.argoproj.io/workflow";
/// Label: `"true"` once the node's outcome is recorded (Argo's).
pub const LABEL_COMPLETED: &str = "workflows.argoproj.io/completed";
/// Annotations: the node a pod runs (Argo's).
pub const ANNOTATION_NODE_NAME: &str = "workflows.argoproj.io/node-name";
pub const ANNOTATION_NODE_ID: &str = "workflows.argoproj.io/node-id";

/// Where `keelson exec` lives in every container of the pod.
pub const VAR_DIR: &str = "/var/run/keelson";
const VAR_VOLUME: &str = "keelson-var";
/// The init container's command: copy the executor into [`VAR_DIR`].
const INSTALL: [&str; 4] = ["/usr/local/bin/keelson", "exec", "--install-into", VAR_DIR];

/// What a node's pod is made from.
pub struct PodInputs<'a> {
    pub workflow: &'a str,
    pub namespace: &'a str,
    /// The Workflow resource's uid, when the run has one (it then owns
    /// the pod).
    pub uid: Option<&'a str>,
    pub launch: &'a LaunchSpec,
    /// The node's template (its pod-level settings).
    pub template: &'a Template,
    /// The workflow's spec (its pod-level settings, under the template's).
    pub spec: &'a WorkflowSpec,
    /// The image that holds the `keelson` binary.
    pub executor_image: &'a str,
}

/// Why a node cannot become a pod (the node ends in Error with this).
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PodError {
    #[error(
        "template {0}: the container has no command; in Kubernetes mode Keelson runs the \
         command under its executor and cannot read an image's entrypoint: give `command`"
    )]
    NoCommand(String),
    #[error("template {template}: podSpecPatch is not a YAML or JSON object: {why}")]
    BadPatch { template: String, why: String },
    #[error(transparent)]
    Artifacts(#[from] super::artifacts::PodArtifactError),
}

/// The Pod for `p.launch`, as JSON.
pub fn pod_for(p: &PodInputs) -> Result<Value, PodError> {
    let t = &p.template.other;
    let w = &p.spec.other;
    // The template's setting, else the workflow's.
    let pick = |tk: &str, wk: &str| t.get(tk).or_else(|| w.get(wk)).cloned();

    let mut spec = Map::new();
    spec.insert("restartPolicy".into(), "Never".into());
    for (tk, wk) in [
        ("serviceAccountName", "serviceAccountName"),
        ("automountServiceAccountToken", "automountServiceAccountToken"),
        ("affinity", "affinity"),
        ("tolerations", "tolerations"),
        ("schedulerName", "schedulerName"),
        ("priorityClassName", "podPriorityClassName"),
        ("securityContext", "securityContext"),
        ("hostAliases", "hostAliases"),
    ] {
        if let Some(v) = pick(tk, wk) {
            spec.insert(tk.into(), v);
        }
    }
    for k in ["imagePullSecrets", "hostNetwork", "dnsPolicy", "dnsConfig"] {
        if let Some(v) = w.get(k) {
            spec.insert(k.into(), v.clone());
        }
    }
    // Node selectors merge, the template's winning per key.
    let mut selector = Map::new();
    for source in [w.get("nodeSelector"), t.get("nodeSelector")].into_iter().flatten() {
        if let Some(m) = source.as_object() {
            selector.extend(m.clone());
        }
    }
    if !selector.is_empty() {
        spec.insert("nodeSelector".into(), Value::Object(selector));
    }
    if let Some(secs) = p.launch.deadline_seconds {
        spec.insert("activeDeadlineSeconds".into(), secs.into());
    }
    let mut volumes: Vec<Value> = [w.get("volumes"), t.get("volumes")]
        .into_iter()
        .flatten()
        .filter_map(Value::as_array)
        .flatten()
        .cloned()
        .collect();
    volumes.push(json!({"name": VAR_VOLUME, "emptyDir": {}}));
    spec.insert("volumes".into(), Value::Array(volumes));

    let mount = json!({"name": VAR_VOLUME, "mountPath": VAR_DIR});
    let mut init = vec![json!({
        "name": "init",
        "image": p.executor_image,
        "command": INSTALL,
        "volumeMounts": [mount.clone()],
    })];
    init.extend(t.get("initContainers").and_then(Value::as_array).into_iter().flatten().cloned());
    spec.insert("initContainers".into(), Value::Array(init));
    let mut containers = vec![main_container(p, &mount)?];
    containers.extend(t.get("sidecars").and_then(Value::as_array).into_iter().flatten().cloned());
    spec.insert("containers".into(), Value::Array(containers));

    let mut spec = Value::Object(spec);
    for (owner, source) in
        [("workflow", w.get("podSpecPatch")), ("template", t.get("podSpecPatch"))]
    {
        if let Some(text) = source {
            let patch = read_patch(text).map_err(|why| PodError::BadPatch {
                template: if owner == "workflow" {
                    "(the workflow's)".into()
                } else {
                    p.template.name.clone()
                },
                why,
            })?;
            patch::merge(&mut spec, &patch);
        }
    }

    let meta_of = |v: Option<&Value>, key: &str| -> Map<String, Value> {
        v.and_then(|m| m.get(key)).and_then(Value::as_object).cloned().unwrap_or_default()
    };
    let mut labels = meta_of(w.get("podMetadata"), "labels");
    labels.extend(meta_of(t.get("metadata"), "labels"));
    labels.insert(LABEL_WORKFLOW.into(), p.workflow.into());
    labels.insert(LABEL_COMPLETED.into(), "false".into());
    let mut annotations = meta_of(w.get("podMetadata"), "annotations");
    annotations.extend(meta_of(t.get("metadata"), "annotations"));
    annotations.insert(ANNOTATION_NODE_NAME.into(), p.launch.node_name.clone().into());
    annotations.insert(ANNOTATION_NODE_ID.into(), p.launch.node.clone().into());
    let mut metadata = json!({
        "name": p.launch.pod_name,
        "namespace": p.namespace,
        "labels": labels,
        "annotations": annotations,
    });
    // Only a Workflow resource that exists may own pods: Kubernetes'
    // garbage collector deletes pods whose owner it cannot find.
    if let Some(uid) = p.uid {
        metadata["ownerReferences"] = json!([{
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Workflow",
            "name": p.workflow,
            "uid": uid,
            "controller": true,
            "blockOwnerDeletion": true,
        }]);
    }
    Ok(json!({"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec}))
}

/// The template's container, named `main`, its command run by
/// `keelson exec`, which learns from its environment what else to do: the
/// script to write and run, the files to place, the outputs to read.
fn main_container(p: &PodInputs, mount: &Value) -> Result<Value, PodError> {
    let mut c = p.launch.container.clone();
    let Some(obj) = c.as_object_mut() else {
        return Err(PodError::NoCommand(p.template.name.clone()));
    };
    let command: Vec<Value> = obj
        .get("command")
        .and_then(Value::as_array)
        .filter(|c| !c.is_empty())
        .cloned()
        .ok_or_else(|| PodError::NoCommand(p.template.name.clone()))?;
    let mut wrapped: Vec<Value> =
        vec![format!("{VAR_DIR}/keelson").into(), "exec".into(), "--".into()];
    wrapped.extend(command);
    obj.insert("name".into(), "main".into());
    obj.insert("command".into(), Value::Array(wrapped));
    let env = obj.entry("env").or_insert_with(|| json!([]));
    if let Some(env) = env.as_array_mut() {
        let mut add = |name: &str, value: String| env.push(json!({"name": name, "value": value}));
        add("KEELSON_NODE_ID", p.launch.node.clone());
        add("KEELSON_POD_NAME", p.launch.pod_name.clone());
        add("KEELSON_WORKFLOW", p.workflow.to_string());
        if let Some(source) = &p.launch.source {
            add("KEELSON_SCRIPT", source.clone());
        }
        if !p.launch.files.is_empty() {
            add("KEELSON_FILES", json!(p.launch.files).to_string());
        }
        if !p.launch.output_paths.is_empty() {
            add("KEELSON_OUTPUTS", json!(p.launch.output_paths).to_string());
        }
        env.extend(super::artifacts::env(p.launch)?);
        // The task result `keelson exec` writes names its pod as owner
        // (deleted with it) and lives in its namespace.
        for (name, field) in
            [("KEELSON_POD_UID", "metadata.uid"), ("KEELSON_NAMESPACE", "metadata.namespace")]
        {
            env.push(json!({"name": name, "valueFrom": {"fieldRef": {"fieldPath": field}}}));
        }
    }
    let mounts = obj.entry("volumeMounts").or_insert_with(|| json!([]));
    if let Some(mounts) = mounts.as_array_mut() {
        mounts.push(mount.clone());
    }
    Ok(c)
}

/// `podSpecPatch` is a string of YAML or JSON (Argo's) — or, in a spec
/// written as JSON, sometimes an object already.
fn read_patch(text: &Value) -> Result<Value, String> {
    let value = match text {
        Value::String(s) => engine::yaml::load_str(s, engine::yaml::Limits::default())
            .map_err(|e| e.to_string())?
            .first()
            .map(engine::yaml::Node::to_json)
            .unwrap_or(Value::Null),
        other => other.clone(),
    };
    if value.is_object() { Ok(value) } else { Err(format!("got {value}")) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn launch(container: Value) -> LaunchSpec {
        LaunchSpec {
            node: "wf-123".into(),
            node_name: "wf.build".into(),
            pod_name: "wf-build-123".into(),
            template: "build".into(),
            template_key: "build".into(),
            container,
            source: None,
            output_paths: vec![("digest".into(), "/tmp/digest".into())],
            files: vec![],
            inputs: vec![],
            outputs: vec![],
            log_location: None,
            deadline_seconds: Some(600),
        }
    }

    fn template(yaml: serde_json::Value) -> Template {
        serde_json::from_value(yaml).unwrap_or_else(|e| panic!("template: {e}"))
    }

    fn spec(yaml: serde_json::Value) -> WorkflowSpec {
        serde_json::from_value(yaml).unwrap_or_else(|e| panic!("spec: {e}"))
    }

    #[test]
    fn a_node_becomes_argos_pod_owned_by_its_workflow() {
        let container = json!({"image": "golang:1.22", "command": ["go", "build"], "args": ["./..."],
            "env": [{"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "git", "key": "token"}}}]});
        let l = launch(container);
        let t = template(json!({"name": "build", "container": {"image": "golang:1.22"},
            "nodeSelector": {"zone": "b"}, "metadata": {"labels": {"team": "ci"}},
            "tolerations": [{"key": "gpu"}]}));
        let s = spec(
            json!({"serviceAccountName": "builder", "nodeSelector": {"disk": "ssd", "zone": "a"},
            "tolerations": [{"key": "spot"}], "podMetadata": {"annotations": {"cost": "low"}},
            "imagePullSecrets": [{"name": "registry"}]}),
        );
        let pod = pod_for(&PodInputs {
            workflow: "wf",
            namespace: "ci",
            uid: Some("u-1"),
            launch: &l,
            template: &t,
            spec: &s,
            executor_image: "keelson:0.1",
        })
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(pod["metadata"]["name"], "wf-build-123");
        assert_eq!(pod["metadata"]["namespace"], "ci");
        assert_eq!(pod["metadata"]["labels"][LABEL_WORKFLOW], "wf");
        assert_eq!(pod["metadata"]["labels"][LABEL_COMPLETED], "false");
        assert_eq!(pod["metadata"]["labels"]["team"], "ci");
        assert_eq!(pod["metadata"]["annotations"][ANNOTATION_NODE_NAME], "wf.build");
        assert_eq!(pod["metadata"]["annotations"][ANNOTATION_NODE_ID], "wf-123");
        assert_eq!(pod["metadata"]["annotations"]["cost"], "low");
        assert_eq!(pod["metadata"]["ownerReferences"][0]["uid"], "u-1");
        let s = &pod["spec"];
        assert_eq!(s["restartPolicy"], "Never");
        assert_eq!(s["serviceAccountName"], "builder");
        assert_eq!(s["nodeSelector"], json!({"disk": "ssd", "zone": "b"}), "the template's wins");
        assert_eq!(s["tolerations"], json!([{"key": "gpu"}]), "the template's replaces");
        assert_eq!(s["imagePullSecrets"], json!([{"name": "registry"}]));
        assert_eq!(s["activeDeadlineSeconds"], 600);
        assert_eq!(s["initContainers"][0]["image"], "keelson:0.1");
        let main = &s["containers"][0];
        assert_eq!(main["name"], "main");
        assert_eq!(
            main["command"],
            json!(["/var/run/keelson/keelson", "exec", "--", "go", "build"])
        );
        assert_eq!(main["args"], json!(["./..."]));
        let env = main["env"].as_array().cloned().unwrap_or_default();
        assert_eq!(env[0]["valueFrom"]["secretKeyRef"]["name"], "git", "left to the kubelet");
        let outputs = env.iter().find(|e| e["name"] == "KEELSON_OUTPUTS");
        assert_eq!(
            outputs.map(|e| e["value"].clone()),
            Some(json!(r#"[["digest","/tmp/digest"]]"#))
        );
        assert_eq!(main["volumeMounts"][0]["mountPath"], VAR_DIR);
        assert!(s["volumes"].as_array().is_some_and(|v| v.iter().any(|v| v["name"] == VAR_VOLUME)));
    }

    #[test]
    fn patches_apply_last_and_a_command_is_required() {
        let l = launch(json!({"image": "alpine", "command": ["true"]}));
        let t = template(json!({"name": "build", "container": {"image": "alpine"},
            "podSpecPatch": "containers:\n  - name: main\n    resources:\n      limits: {memory: 1Gi}\n"}));
        let s = spec(json!({"podSpecPatch": "{\"hostNetwork\": true}"}));
        let inputs = |l, t, s| PodInputs {
            workflow: "wf",
            namespace: "ci",
            uid: Some("u"),
            launch: l,
            template: t,
            spec: s,
            executor_image: "k",
        };
        let pod = pod_for(&inputs(&l, &t, &s)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(pod["spec"]["containers"][0]["resources"]["limits"]["memory"], "1Gi");
        assert_eq!(pod["spec"]["containers"][0]["image"], "alpine");
        assert_eq!(pod["spec"]["hostNetwork"], true);

        let bad = template(json!({"name": "build", "container": {"image": "alpine"},
            "podSpecPatch": "- just a list"}));
        assert!(matches!(pod_for(&inputs(&l, &bad, &s)), Err(PodError::BadPatch { .. })));
        let no_command = launch(json!({"image": "alpine"}));
        assert_eq!(pod_for(&inputs(&no_command, &t, &s)), Err(PodError::NoCommand("build".into())));
    }
}
