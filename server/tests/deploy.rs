//! `deploy/`: the CRDs are Argo's (group, version, kinds, names, the
//! columns `kubectl get workflows` prints), one for every kind Keelson
//! reads, and the kustomization lists each of them.

use std::path::Path;

fn crds() -> Vec<(String, serde_json::Value)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/crds");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("deploy/crds") {
        let path = entry.expect("entry").path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("").to_string();
        if name == "kustomization.yaml" || !name.ends_with(".yaml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("readable");
        let docs = engine::yaml::load_str(&text, engine::yaml::Limits::default())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(docs.len(), 1, "{name}: one document");
        out.push((name, docs[0].to_json()));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[test]
fn the_crds_are_argos_for_every_kind_keelson_reads() {
    let crds = crds();
    let kinds: Vec<&str> = crds
        .iter()
        .filter_map(|(_, c)| c.pointer("/spec/names/kind").and_then(|k| k.as_str()))
        .collect();
    for kind in [
        "Workflow",
        "WorkflowTemplate",
        "ClusterWorkflowTemplate",
        "CronWorkflow",
        "WorkflowTaskResult",
    ] {
        assert!(kinds.contains(&kind), "a CRD for {kind}: {kinds:?}");
    }
    for (file, crd) in &crds {
        assert_eq!(crd["apiVersion"], "apiextensions.k8s.io/v1", "{file}");
        assert_eq!(crd["kind"], "CustomResourceDefinition", "{file}");
        let names = &crd["spec"]["names"];
        let plural = names["plural"].as_str().unwrap_or("");
        assert_eq!(
            plural,
            format!("{}s", names["kind"].as_str().unwrap_or("").to_lowercase()),
            "{file}"
        );
        assert_eq!(crd["metadata"]["name"], format!("{plural}.argoproj.io").as_str(), "{file}");
        assert_eq!(file, &format!("argoproj.io_{plural}.yaml"));
        assert_eq!(crd["spec"]["group"], "argoproj.io", "{file}");
        let scope =
            if names["kind"] == "ClusterWorkflowTemplate" { "Cluster" } else { "Namespaced" };
        assert_eq!(crd["spec"]["scope"], scope, "{file}");
        let version = &crd["spec"]["versions"][0];
        assert_eq!(version["name"], "v1alpha1", "{file}");
        assert_eq!(
            (version["served"].as_bool(), version["storage"].as_bool()),
            (Some(true), Some(true))
        );
        assert!(
            version.pointer("/schema/openAPIV3Schema").is_some(),
            "{file}: a schema (required by v1)"
        );
    }
    let workflow =
        crds.iter().find(|(_, c)| c["spec"]["names"]["kind"] == "Workflow").map(|(_, c)| c);
    let workflow = workflow.expect("the Workflow CRD");
    assert_eq!(workflow["spec"]["names"]["shortNames"], serde_json::json!(["wf"]));
    let columns: Vec<&str> = workflow["spec"]["versions"][0]["additionalPrinterColumns"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(columns, ["Status", "Age", "Message"], "kubectl get workflows as with Argo");

    let kustomization = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/crds/kustomization.yaml"),
    )
    .expect("kustomization");
    for (file, _) in &crds {
        assert!(kustomization.contains(&format!("- {file}")), "{file} in the kustomization");
    }
}
