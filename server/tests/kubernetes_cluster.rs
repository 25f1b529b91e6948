//! Kubernetes mode against a real cluster (k3d, kind): ignored by
//! default — no cluster can run where the suite runs — and compiled
//! always. Run by hand, with the CRDs installed (`kubectl apply -k
//! deploy/crds`), the image loaded into the cluster, and the executor
//! role bound in `default` (deploy/README.md):
//!
//! ```sh
//! KUBECONFIG=~/.kube/config cargo test -p server --test main kubernetes_cluster -- --ignored
//! ```
//!
//! `KEELSON_TEST_IMAGE` names the image with the executor (default
//! `ghcr.io/keelson/keelson:latest`).

use crate::support::keelson::{Server, data_dir, file};

const OUTPUTS: &str = r#"
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: keelson-cluster-test-}
spec:
  entrypoint: main
  podGC: {strategy: OnWorkflowSuccess}
  templates:
  - name: main
    dag:
      tasks:
      - {name: produce, template: produce}
      - name: consume
        depends: produce
        template: consume
        arguments: {parameters: [{name: word, value: "{{tasks.produce.outputs.parameters.word}}"}]}
  - name: produce
    outputs:
      parameters: [{name: word, valueFrom: {path: /tmp/word}}]
    container: {image: alpine:3.20, command: [sh, -c, "echo kube > /tmp/word; echo produced"]}
  - name: consume
    inputs: {parameters: [{name: word}]}
    container: {image: alpine:3.20, command: [echo, "got {{inputs.parameters.word}}"]}
"#;

#[test]
#[ignore = "needs a real cluster: KUBECONFIG, the CRDs and the image (deploy/README.md)"]
fn a_workflow_runs_on_a_real_cluster_with_outputs_and_logs() {
    let kubeconfig = std::env::var("KUBECONFIG").expect("KUBECONFIG names the test cluster");
    let image = std::env::var("KEELSON_TEST_IMAGE")
        .unwrap_or_else(|_| "ghcr.io/keelson/keelson:latest".to_string());
    let dir = data_dir();
    let s = Server::start_with_env(
        dir.path(),
        &[("KUBECONFIG", &kubeconfig)],
        &["--executor", "kubernetes", "--executor-image", &image],
    );
    let wf = file(dir.path(), "outputs.yaml", OUTPUTS);
    let out = s.ok(&["submit", &wf.to_string_lossy(), "--wait", "-o", "name"]);
    let name = out.lines().next().unwrap_or("").trim().to_string();
    let w = s.workflow(&name);
    assert_eq!(w["status"]["phase"], "Succeeded", "{w:#}");
    let logs = s.ok(&["logs", &name]);
    assert!(logs.contains("produced") && logs.contains("got kube"), "{logs}");
}
