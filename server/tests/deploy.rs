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

/// Every document of every YAML file under `deploy/DIR`, by file.
fn manifests(dir: &str) -> Vec<(String, serde_json::Value)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy").join(dir);
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&root).unwrap_or_else(|e| panic!("deploy/{dir}: {e}")) {
        let path = entry.expect("entry").path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("").to_string();
        if !name.ends_with(".yaml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("readable");
        let docs = engine::yaml::load_str(&text, engine::yaml::Limits::default())
            .unwrap_or_else(|e| panic!("{dir}/{name}: {e}"));
        out.extend(docs.into_iter().map(|d| (format!("{dir}/{name}"), d.to_json())));
    }
    out
}

fn find<'a>(
    docs: &'a [(String, serde_json::Value)],
    kind: &str,
    name: &str,
) -> &'a serde_json::Value {
    docs.iter()
        .map(|(_, d)| d)
        .find(|d| d["kind"] == kind && d["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("a {kind} {name}"))
}

/// Whether `role` lets `verb` on `resource` (in `group`).
fn allows(role: &serde_json::Value, group: &str, resource: &str, verb: &str) -> bool {
    role["rules"].as_array().into_iter().flatten().any(|r| {
        let has = |k: &str, v: &str| r[k].as_array().into_iter().flatten().any(|x| x == v);
        has("apiGroups", group) && has("resources", resource) && has("verbs", verb)
    })
}

#[test]
fn every_kustomization_lists_files_that_exist() {
    let deploy = Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy");
    for dir in ["crds", "base", "overlays/local", "overlays/production"] {
        let k = manifests(dir)
            .into_iter()
            .find(|(f, _)| f.ends_with("kustomization.yaml"))
            .unwrap_or_else(|| panic!("deploy/{dir}/kustomization.yaml"))
            .1;
        for r in k["resources"].as_array().into_iter().flatten() {
            let r = r.as_str().expect("a path");
            assert!(deploy.join(dir).join(r).exists(), "deploy/{dir}: {r} exists");
        }
    }
}

#[test]
fn the_server_runs_unprivileged_with_the_rights_its_code_uses_and_no_more() {
    let base = manifests("base");
    let d = find(&base, "Deployment", "keelson");
    let pod = &d["spec"]["template"]["spec"];
    assert_eq!(pod["serviceAccountName"], "keelson");
    assert_eq!(pod["securityContext"]["runAsNonRoot"], true);
    let c = &pod["containers"][0];
    let args: Vec<&str> =
        c["args"].as_array().into_iter().flatten().filter_map(|a| a.as_str()).collect();
    assert!(args.contains(&"--executor=kubernetes"), "{args:?}");
    assert_eq!(c["securityContext"]["allowPrivilegeEscalation"], false);
    let db =
        c["env"].as_array().into_iter().flatten().find(|e| e["name"] == "KEELSON_DATABASE_URL");
    assert_eq!(
        db.expect("the database URL")["valueFrom"]["secretKeyRef"]["name"],
        "keelson-postgres"
    );

    // What server::executor::kube and server::kube call, and nothing
    // wider (no secrets list, no pods/exec, no cluster-wide writes to
    // anything but pods and workflows).
    let role = find(&base, "ClusterRole", "keelson-server");
    for verb in ["create", "get", "list", "watch", "patch", "delete"] {
        assert!(allows(role, "", "pods", verb), "pods {verb}");
        assert!(allows(role, "argoproj.io", "workflows", verb), "workflows {verb}");
    }
    assert!(allows(role, "", "pods/log", "get"));
    assert!(allows(role, "", "secrets", "get"), "to mask secret values in logs");
    assert!(!allows(role, "", "secrets", "list"), "never every secret");
    assert!(!allows(role, "", "pods/exec", "create"));
    for verb in ["get", "list", "watch"] {
        assert!(allows(role, "argoproj.io", "workflowtaskresults", verb), "task results {verb}");
    }
    for kind in ["workflowtemplates", "clusterworkflowtemplates", "cronworkflows"] {
        assert!(allows(role, "argoproj.io", kind, "watch"), "{kind} mirrored");
        assert!(!allows(role, "argoproj.io", kind, "create"), "{kind} only read");
    }
    let lease = find(&base, "Role", "keelson-leader-election");
    for verb in ["create", "get", "update"] {
        assert!(allows(lease, "coordination.k8s.io", "leases", verb), "leases {verb}");
    }
    // Writing Secrets (`keelson secret create` in Kubernetes mode) is
    // there to bind, not bound.
    let secrets = find(&base, "ClusterRole", "keelson-secrets");
    assert!(allows(secrets, "", "secrets", "create"));
    let bound: Vec<&serde_json::Value> =
        base.iter().map(|(_, d)| d).filter(|d| d["roleRef"]["name"] == "keelson-secrets").collect();
    assert!(bound.is_empty(), "keelson-secrets is not bound by default");
    let executor = find(&base, "ClusterRole", "keelson-executor");
    assert!(allows(executor, "argoproj.io", "workflowtaskresults", "create"));
    assert!(allows(executor, "argoproj.io", "workflowtaskresults", "patch"));
}

#[test]
fn production_runs_two_replicas_under_leader_election_and_local_brings_its_database() {
    let prod = manifests("overlays/production");
    let k = &prod.iter().find(|(f, _)| f.ends_with("kustomization.yaml")).expect("k").1;
    let patch = k["patches"][0]["patch"].as_str().expect("a patch");
    assert!(patch.contains("value: 2") && patch.contains("--leader-elect"), "{patch}");
    assert!(patch.contains("readinessProbe"), "a standby is not held for readiness: {patch}");
    let service = k["patches"][1]["patch"].as_str().expect("the Service patch");
    assert!(service.contains("keelson.dev~1leader"), "the Service follows the leader: {service}");
    let base = manifests("base");
    assert_eq!(find(&base, "Deployment", "keelson")["spec"]["strategy"]["type"], "Recreate");
    assert_eq!(find(&prod, "PodDisruptionBudget", "keelson")["spec"]["minAvailable"], 1);
    let local = manifests("overlays/local");
    assert_eq!(find(&local, "StatefulSet", "postgres")["spec"]["replicas"], 1);
    let k = &local.iter().find(|(f, _)| f.ends_with("kustomization.yaml")).expect("k").1;
    assert_eq!(k["secretGenerator"][0]["name"], "keelson-postgres");
}

#[test]
fn the_image_is_static_non_root_and_has_the_executor_where_pods_copy_it_from() {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/Dockerfile"))
            .expect("deploy/Dockerfile");
    assert!(text.contains("x86_64-unknown-linux-musl"), "static");
    assert!(text.contains("FROM gcr.io/distroless/static-debian12:nonroot"));
    assert!(text.contains("USER 65532:65532"));
    // The init container runs this path (server::executor::kube::pod).
    assert!(text.contains("COPY --from=build /keelson /usr/local/bin/keelson"));
    let pod = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("src/executor/kube/pod.rs"),
    )
    .expect("pod.rs");
    assert!(pod.contains("[\"/usr/local/bin/keelson\", \"exec\", \"--install-into\""));
}

/// `kubectl kustomize` builds each overlay, when kubectl is installed
/// (it is not on the CI machine: said, not failed).
#[test]
fn the_overlays_build_with_kubectl_kustomize_when_kubectl_is_there() {
    let deploy = Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy");
    for overlay in ["overlays/local", "overlays/production"] {
        match std::process::Command::new("kubectl")
            .arg("kustomize")
            .arg(deploy.join(overlay))
            .output()
        {
            Err(_) => {
                eprintln!("kubectl is not installed: the overlays were checked by parsing only");
                return;
            }
            Ok(out) => assert!(
                out.status.success(),
                "kubectl kustomize {overlay}: {}",
                String::from_utf8_lossy(&out.stderr)
            ),
        }
    }
}
