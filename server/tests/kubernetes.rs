//! Kubernetes mode end to end, against the fake API server
//! (`support::fake_kube`; no real one can run here): a real `keelson
//! server --executor kubernetes` reading a kubeconfig, the test playing
//! the kubelet — pods run, print, end, report their outputs — and the
//! cluster — a pod deleted under a running node, OOM kills, a server
//! killed and restarted while its pods run.

use std::time::{Duration, Instant};

use crate::support::fake_kube::{
    CLUSTER_TEMPLATES, CRON_WORKFLOWS, FakeKube, LEASES, PODS, SECRETS, WORKFLOW_TEMPLATES,
    WORKFLOWS,
};
use crate::support::fixtures::USES_SECRET;
use crate::support::keelson::{Server, data_dir, file};
use serde_json::{Value, json};

const PIPELINE: &str = r#"
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: pipeline}
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - {name: build, template: build}
      - name: test
        depends: build
        template: test
        arguments: {parameters: [{name: version, value: "{{tasks.build.outputs.result}}"}]}
  - name: build
    container: {image: alpine:3.20, command: [sh, -c, "echo 1.2.3"], resources: {limits: {memory: 64Mi}}}
  - name: test
    inputs: {parameters: [{name: version}]}
    outputs:
      parameters:
      - {name: report, valueFrom: {path: /tmp/report}}
    container: {image: alpine:3.20, command: [sh, -c], args: ["echo testing {{inputs.parameters.version}}"]}
"#;

fn start(dir: &std::path::Path, fake: &FakeKube) -> Server {
    let kubeconfig = fake.kubeconfig(dir);
    Server::start_with_env(
        dir,
        &[("KUBECONFIG", kubeconfig.to_str().expect("path"))],
        &["--executor", "kubernetes", "--executor-image", "keelson:test", "--result-wait", "2"],
    )
}

/// Wait for `cond` on the pods of namespace `default`.
fn pods_where(fake: &FakeKube, what: &str, cond: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let start = Instant::now();
    loop {
        let pods = fake.list(PODS, "default");
        if cond(&pods) {
            return pods;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "waited for {what}: {pods:#?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn pod_of<'a>(pods: &'a [Value], template: &str) -> Option<&'a Value> {
    pods.iter().find(|p| p["metadata"]["name"].as_str().is_some_and(|n| n.contains(template)))
}

fn name(pod: &Value) -> String {
    pod["metadata"]["name"].as_str().unwrap_or_default().to_string()
}

fn main_container(pod: &Value) -> &Value {
    &pod["spec"]["containers"][0]
}

#[test]
fn a_dag_runs_as_pods_in_dependency_order_with_outputs_passed_and_logs_kept() {
    let fake = FakeKube::start();
    let dir = data_dir();
    let s = start(dir.path(), &fake);
    let wf = file(dir.path(), "pipeline.yaml", PIPELINE);
    s.ok(&["submit", &wf.to_string_lossy()]);

    // build first, alone.
    let pods = pods_where(&fake, "the build pod", |p| !p.is_empty());
    assert_eq!(pods.len(), 1, "test waits for build: {pods:#?}");
    let build = &pods[0];
    let meta = &build["metadata"];
    assert_eq!(meta["labels"]["workflows.argoproj.io/workflow"], "pipeline");
    assert_eq!(meta["labels"]["workflows.argoproj.io/completed"], "false");
    assert_eq!(meta["annotations"]["workflows.argoproj.io/node-name"], "pipeline.build");
    let main = main_container(build);
    assert_eq!(main["image"], "alpine:3.20");
    assert_eq!(main["command"][0], "/var/run/keelson/keelson");
    assert_eq!(main["command"][3], "sh", "the template's command, run by keelson exec");
    assert_eq!(main["resources"]["limits"]["memory"], "64Mi");
    assert_eq!(build["spec"]["initContainers"][0]["image"], "keelson:test");

    // The run is a Workflow resource too, which owns its pods.
    let resource = fake.get(WORKFLOWS, "default", "pipeline").expect("the Workflow resource");
    assert_eq!(resource["metadata"]["finalizers"][0], "keelson.dev/cleanup");
    assert_eq!(meta["ownerReferences"][0]["uid"], resource["metadata"]["uid"]);
    assert_eq!(meta["ownerReferences"][0]["kind"], "Workflow");

    let build_name = name(build);
    fake.set_log("default", &build_name, "compiling\n1.2.3");
    assert!(fake.run_pod("default", &build_name));
    s.wait_for("pipeline", "build running", |w| {
        w["status"]["nodes"]
            .as_object()
            .into_iter()
            .flatten()
            .any(|(_, n)| n["templateName"] == "build" && n["phase"] == "Running")
    });
    assert!(fake.finish_pod("default", &build_name, 0, None));
    fake.report(build, Some("1.2.3"), &[]);

    // test next, with build's result as its argument.
    let pods = pods_where(&fake, "the test pod", |p| p.len() == 2);
    let test = pod_of(&pods, "test").expect("the test pod");
    let args = main_container(test)["args"].to_string();
    assert!(args.contains("echo testing 1.2.3"), "{args}");
    let test_name = name(test);
    fake.set_log("default", &test_name, "testing 1.2.3");
    fake.run_pod("default", &test_name);
    fake.finish_pod("default", &test_name, 0, None);
    fake.report(test, Some("testing 1.2.3"), &[("report", "all green")]);

    s.wait_for("pipeline", "success", |w| w["status"]["phase"] == "Succeeded");
    let w = s.workflow("pipeline");
    let test_node = w["status"]["nodes"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(_, n)| n)
        .find(|n| n["templateName"] == "test")
        .expect("the test node");
    assert_eq!(test_node["outputs"]["parameters"][0]["value"], "all green");

    // The pods' logs were followed into the server's log files.
    let logs = s.ok(&["logs", "pipeline"]);
    assert!(logs.contains("compiling") && logs.contains("testing 1.2.3"), "{logs}");
    // Ended pods are labelled completed (kept: no podGC).
    pods_where(&fake, "pods labelled completed", |p| {
        p.len() == 2
            && p.iter()
                .all(|p| p["metadata"]["labels"]["workflows.argoproj.io/completed"] == "true")
    });
}

const RETRIED: &str = r#"
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: spot}
spec:
  entrypoint: work
  podGC: {strategy: OnPodSuccess}
  templates:
  - name: work
    retryStrategy: {limit: 2, retryPolicy: Always}
    container: {image: alpine, command: [sleep, "60"]}
"#;

#[test]
fn a_pod_deleted_by_the_cluster_is_an_error_that_the_retry_strategy_retries() {
    let fake = FakeKube::start();
    let dir = data_dir();
    let s = start(dir.path(), &fake);
    s.ok(&["submit", &file(dir.path(), "spot.yaml", RETRIED).to_string_lossy()]);
    let first = name(&pods_where(&fake, "the first pod", |p| p.len() == 1)[0]);
    fake.run_pod("default", &first);
    s.wait_for("spot", "running", |w| {
        w["status"]["nodes"]
            .as_object()
            .into_iter()
            .flatten()
            .any(|(_, n)| n["type"] == "Pod" && n["phase"] == "Running")
    });
    // A spot reclaim: the pod is gone before it finished.
    assert!(fake.delete(PODS, "default", &first));
    let pods = pods_where(&fake, "the retry's pod", |p| p.len() == 1 && name(&p[0]) != first);
    let second = name(&pods[0]);
    s.wait_for("spot", "the lost attempt", |w| {
        w["status"]["nodes"].as_object().into_iter().flatten().any(|(_, n)| n["phase"] == "Error")
    });
    let w = s.workflow("spot");
    let lost = w["status"]["nodes"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(_, n)| n)
        .find(|n| n["type"] == "Pod" && n["phase"] == "Error")
        .expect("the lost attempt");
    assert_eq!(lost["message"], format!("pod {first} was deleted before it finished"));
    fake.run_pod("default", &second);
    fake.finish_pod("default", &second, 0, None);
    fake.report(&pods[0], None, &[]);
    s.wait_for("spot", "success", |w| w["status"]["phase"] == "Succeeded");
    // podGC OnPodSuccess: the pod that succeeded is deleted.
    pods_where(&fake, "the succeeded pod deleted", |p| p.is_empty());
}

const OOM: &str = r#"
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: hungry}
spec:
  entrypoint: eat
  templates:
  - name: eat
    container: {image: alpine, command: [sh, -c, "eat memory"]}
"#;

#[test]
fn an_oom_killed_pod_fails_its_node_saying_so_without_waiting_forever_for_outputs() {
    let fake = FakeKube::start();
    let dir = data_dir();
    let s = start(dir.path(), &fake);
    s.ok(&["submit", &file(dir.path(), "oom.yaml", OOM).to_string_lossy()]);
    let pod = name(&pods_where(&fake, "the pod", |p| p.len() == 1)[0]);
    fake.run_pod("default", &pod);
    // No task result ever comes (the executor was killed too).
    fake.finish_pod("default", &pod, 137, Some("OOMKilled"));
    s.wait_for("hungry", "failure", |w| w["status"]["phase"] == "Failed");
    let w = s.workflow("hungry");
    assert_eq!(w["status"]["message"], "OOMKilled (exit code 137)", "{w:#}");

    // `argo retry`: the node runs again under the same pod name; the
    // earlier attempt's pod is replaced, its end not taken for the new one.
    let old_uid = fake.get(PODS, "default", &pod).expect("the pod")["metadata"]["uid"].clone();
    s.ok(&["retry", "hungry"]);
    let again = pods_where(&fake, "a new pod of that name", |p| {
        p.len() == 1 && p[0]["metadata"]["uid"] != old_uid
    });
    assert_eq!(name(&again[0]), pod);
    std::thread::sleep(Duration::from_millis(300));
    assert_ne!(s.workflow("hungry")["status"]["phase"], "Failed", "not the old pod's end");
    fake.run_pod("default", &pod);
    fake.finish_pod("default", &pod, 0, None);
    fake.report(&again[0], None, &[]);
    s.wait_for("hungry", "success after the retry", |w| w["status"]["phase"] == "Succeeded");
}

const LONG: &str = r#"
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: long}
spec:
  entrypoint: steps
  templates:
  - name: steps
    steps:
    - - {name: one, template: work}
    - - {name: two, template: work}
  - name: work
    container: {image: alpine, command: [sleep, "3600"]}
"#;

#[test]
fn a_restarted_server_follows_its_running_pods_again_and_stop_deletes_them() {
    let fake = FakeKube::start();
    let dir = data_dir();
    let s = start(dir.path(), &fake);
    s.ok(&["submit", &file(dir.path(), "long.yaml", LONG).to_string_lossy()]);
    let one = pods_where(&fake, "step one", |p| p.len() == 1)[0].clone();
    fake.run_pod("default", &name(&one));
    s.wait_for("long", "one running", |w| {
        w["status"]["nodes"]
            .as_object()
            .into_iter()
            .flatten()
            .any(|(_, n)| n["type"] == "Pod" && n["phase"] == "Running")
    });
    s.kill9();

    // The pod ends while no server watches; the next one finds it ended.
    fake.finish_pod("default", &name(&one), 0, None);
    fake.report(&one, None, &[]);
    let s = start(dir.path(), &fake);
    let pods = pods_where(&fake, "step two", |p| p.len() == 2);
    let two = pod_of(&pods, "work").filter(|p| name(p) != name(&one)).cloned();
    let two = two.or_else(|| pods.iter().find(|p| name(p) != name(&one)).cloned()).expect("two");
    // Adopted, not lost ("executor lost" as in local mode).
    s.wait_for("long", "one succeeded", |w| {
        w["status"]["nodes"]
            .as_object()
            .into_iter()
            .flatten()
            .any(|(_, n)| n["displayName"] == "one" && n["phase"] == "Succeeded")
    });

    fake.run_pod("default", &name(&two));
    s.wait_for("long", "two running", |w| {
        w["status"]["nodes"]
            .as_object()
            .into_iter()
            .flatten()
            .any(|(_, n)| n["displayName"] == "two" && n["phase"] == "Running")
    });
    s.ok(&["stop", "long"]);
    // Stop deletes the running pod (with its grace period)…
    pods_where(&fake, "two deleted", |p| p.iter().all(|p| name(p) != name(&two)));
    // …and the node ends when it is gone.
    s.wait_for("long", "stopped", |w| w["status"]["phase"] == "Failed");
    let requests = fake.requests();
    assert!(requests.get("DELETE pods").copied().unwrap_or(0) >= 1, "{requests:?}");
}

/// Wait for `cond` on the Workflow resource `name` (None: it is gone).
fn resource_where(fake: &FakeKube, name: &str, what: &str, cond: impl Fn(Option<&Value>) -> bool) {
    let start = Instant::now();
    loop {
        let r = fake.get(WORKFLOWS, "default", name);
        if cond(r.as_ref()) {
            return;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "waited for {what}: {r:#?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_workflow_applied_with_kubectl_runs_and_its_resource_shows_the_status() {
    let fake = FakeKube::start();
    let dir = data_dir();
    let s = start(dir.path(), &fake);
    // `kubectl apply -f` of an Argo Workflow.
    fake.put(
        WORKFLOWS,
        "default",
        json!({
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Workflow",
            "metadata": {"name": "applied", "labels": {"team": "data"}},
            "spec": {
                "entrypoint": "hello",
                "arguments": {"parameters": [{"name": "who", "value": "kubectl"}]},
                "templates": [{
                    "name": "hello",
                    "container": {"image": "alpine", "command": ["echo", "{{workflow.parameters.who}}"]}
                }]
            }
        }),
    );
    let uid = fake.get(WORKFLOWS, "default", "applied").expect("stored")["metadata"]["uid"].clone();
    let pod = pods_where(&fake, "its pod", |p| p.len() == 1)[0].clone();
    assert_eq!(pod["metadata"]["ownerReferences"][0]["uid"], uid, "owned by the resource");
    assert_eq!(main_container(&pod)["command"][4], "kubectl");
    resource_where(&fake, "applied", "the finalizer and Pending/Running", |r| {
        r.is_some_and(|r| {
            r["metadata"]["finalizers"][0] == "keelson.dev/cleanup"
                && r["status"]["phase"].as_str().is_some_and(|p| p == "Running" || p == "Pending")
        })
    });
    // Known to the API under its name, with the resource's uid and labels.
    let w = s.workflow("applied");
    assert_eq!(w["metadata"]["uid"], uid);
    assert_eq!(w["metadata"]["labels"]["team"], "data");

    fake.run_pod("default", &name(&pod));
    fake.finish_pod("default", &name(&pod), 0, None);
    fake.report(&pod, Some("kubectl"), &[]);
    resource_where(&fake, "applied", "Succeeded on the resource", |r| {
        r.is_some_and(|r| {
            r["status"]["phase"] == "Succeeded"
                && r["metadata"]["labels"]["workflows.argoproj.io/completed"] == "true"
                && r["metadata"]["labels"]["workflows.argoproj.io/phase"] == "Succeeded"
                && r["status"]["nodes"].as_object().is_some_and(|n| n.len() == 1)
        })
    });

    // kubectl sees it as Argo's users do, when kubectl is here.
    let kubeconfig = fake.kubeconfig(dir.path());
    let kubectl = |args: &[&str]| {
        std::process::Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(&kubeconfig)
            .arg("--cache-dir")
            .arg(dir.path().join("kube-cache"))
            .args(args)
            .output()
    };
    match kubectl(&[
        "get",
        "wf",
        "applied",
        "-o",
        "jsonpath={.status.phase} {.metadata.labels.team}",
    ]) {
        Err(_) => eprintln!("kubectl is not installed: `kubectl get workflows` not tried"),
        Ok(out) => {
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(out.status.success(), "kubectl: {}", String::from_utf8_lossy(&out.stderr));
            assert_eq!(text, "Succeeded data");
            let listed = kubectl(&["get", "workflows"]).expect("kubectl");
            let listed = String::from_utf8_lossy(&listed.stdout).into_owned();
            assert!(listed.contains("applied"), "{listed}");
        }
    }

    // `kubectl delete workflow applied`: the run goes, then the resource.
    assert!(fake.delete(WORKFLOWS, "default", "applied"));
    resource_where(&fake, "applied", "the resource gone", |r| r.is_none());
    let out = s.cli(&["get", "applied"]);
    assert!(!out.status.success(), "the run is deleted too");
}

#[test]
fn api_submissions_become_resources_and_a_resource_that_cannot_run_says_why() {
    let fake = FakeKube::start();
    let dir = data_dir();
    let s = start(dir.path(), &fake);
    let wf = file(
        dir.path(),
        "gen.yaml",
        "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {generateName: gen-}\n\
         spec:\n  entrypoint: a\n  arguments: {parameters: [{name: p, value: x}]}\n  templates:\n  \
         - name: a\n    container: {image: alpine, command: [echo, '{{workflow.parameters.p}}']}\n",
    );
    let out = s.ok(&["submit", &wf.to_string_lossy(), "-p", "p=given", "-o", "name"]);
    let submitted = out.trim().rsplit('/').next().unwrap_or_default().to_string();
    let r = fake.get(WORKFLOWS, "default", &submitted).expect("a resource for the API submission");
    assert_eq!(r["spec"]["arguments"]["parameters"][0]["value"], "given");
    let w = s.workflow(&submitted);
    assert_eq!(w["metadata"]["uid"], r["metadata"]["uid"], "one identity");
    // Only one run for it (the reconcile found it known).
    let pods = pods_where(&fake, "its pod", |p| !p.is_empty());
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(fake.list(PODS, "default").len(), pods.len());

    // Deleted through the API: the resource goes too.
    s.ok(&["delete", &submitted]);
    resource_where(&fake, &submitted, "the resource gone", |r| r.is_none());

    // Applied with an error: the resource says why (Argo's way).
    fake.put(
        WORKFLOWS,
        "default",
        json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
               "metadata": {"name": "broken"},
               "spec": {"entrypoint": "nope", "templates": [
                   {"name": "a", "container": {"image": "alpine", "command": ["true"]}}]}}),
    );
    resource_where(&fake, "broken", "an Error status", |r| {
        r.is_some_and(|r| {
            r["status"]["phase"] == "Error"
                && r["status"]["message"].as_str().is_some_and(|m| m.contains("nope"))
        })
    });
}

fn start_replica(dir: &std::path::Path, fake: &FakeKube, pod_name: &str) -> Server {
    let kubeconfig = fake.kubeconfig(dir);
    Server::start_with_env(
        dir,
        &[
            ("KUBECONFIG", kubeconfig.to_str().expect("path")),
            ("POD_NAME", pod_name),
            ("POD_NAMESPACE", "keelson"),
        ],
        &["--executor", "kubernetes", "--leader-elect", "--lease-duration", "2"],
    )
}

#[test]
fn a_standby_replica_waits_for_the_lease_and_takes_over_when_the_leader_dies() {
    let fake = FakeKube::start();
    let dir = data_dir();
    // The replicas' own pods (the leader labels itself).
    for replica in ["replica-a", "replica-b"] {
        fake.put(
            PODS,
            "keelson",
            json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": replica, "labels": {"keelson.dev/leader": "true"}}}),
        );
    }
    let a = start_replica(dir.path(), &fake, "replica-a");
    assert_eq!(
        fake.get(PODS, "keelson", "replica-a").expect("pod")["metadata"]["labels"]["keelson.dev/leader"],
        "true"
    );
    let lease = fake.get(LEASES, "keelson", "keelson-controller").expect("the lease");
    assert_eq!(lease["spec"]["holderIdentity"], "replica-a");
    a.ok(&["submit", &file(dir.path(), "oom.yaml", OOM).to_string_lossy()]);
    let pod = pods_where(&fake, "the pod", |p| p.len() == 1)[0].clone();
    fake.run_pod("default", &name(&pod));

    // The standby does not serve while the leader renews.
    let (path, fake_b) = (dir.path().to_path_buf(), fake.clone());
    let b = std::thread::spawn(move || start_replica(&path, &fake_b, "replica-b"));
    std::thread::sleep(Duration::from_secs(3));
    let standby = fake.get(PODS, "keelson", "replica-b").expect("replica-b's pod");
    assert!(
        standby["metadata"]["labels"]["keelson.dev/leader"].is_null(),
        "a standby is unlabelled"
    );
    assert!(!b.is_finished(), "the standby started serving while the leader held the lease");
    let lease = fake.get(LEASES, "keelson", "keelson-controller").expect("the lease");
    assert_eq!(lease["spec"]["holderIdentity"], "replica-a", "renewed, not taken");

    a.kill9();
    let b = b.join().expect("the standby took over");
    let labelled = fake.get(PODS, "keelson", "replica-b").expect("replica-b's pod");
    assert_eq!(labelled["metadata"]["labels"]["keelson.dev/leader"], "true");
    let lease = fake.get(LEASES, "keelson", "keelson-controller").expect("the lease");
    assert_eq!(lease["spec"]["holderIdentity"], "replica-b");
    assert_eq!(lease["spec"]["leaseTransitions"], 1);
    // It carries on with the run the old leader started (its pod adopted).
    fake.finish_pod("default", &name(&pod), 0, None);
    fake.report(&pod, None, &[]);
    b.wait_for("hungry", "success under the new leader", |w| w["status"]["phase"] == "Succeeded");
}

#[test]
fn secrets_are_the_clusters_and_their_values_are_masked_in_pod_logs() {
    let fake = FakeKube::start();
    let dir = data_dir();
    let s = start(dir.path(), &fake);
    s.ok(&["secret", "create", "db", "--from-literal", "password=hunter2-pw"]);
    let secret = fake.get(SECRETS, "default", "db").expect("a Kubernetes Secret");
    assert_eq!(secret["data"]["password"], "aHVudGVyMi1wdw==", "base64 of the value");
    assert_eq!(secret["metadata"]["labels"]["app.kubernetes.io/managed-by"], "keelson");
    let listed = s.ok(&["secret", "list"]);
    assert!(listed.contains("db") && listed.contains("password"), "{listed}");
    assert!(!listed.contains("hunter2"), "values never come back: {listed}");

    s.ok(&["submit", &file(dir.path(), "secret.yaml", USES_SECRET).to_string_lossy()]);
    let pod = pods_where(&fake, "the pod", |p| p.len() == 1)[0].clone();
    let env = main_container(&pod)["env"].to_string();
    assert!(env.contains("secretKeyRef"), "left to the kubelet: {env}");
    assert!(!env.contains("hunter2"), "the value is not in the pod spec: {env}");
    fake.set_log("default", &name(&pod), "password is hunter2-pw");
    fake.run_pod("default", &name(&pod));
    fake.finish_pod("default", &name(&pod), 0, None);
    fake.report(&pod, None, &[]);
    s.wait_for("uses-secret", "success", |w| w["status"]["phase"] == "Succeeded");
    let logs = s.ok(&["logs", "uses-secret"]);
    assert!(logs.contains("password is ***") && !logs.contains("hunter2"), "{logs}");

    // A Secret made with kubectl is not Keelson's to delete.
    fake.put(
        SECRETS,
        "default",
        json!({"apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": "theirs"}, "data": {"k": "dg=="}}),
    );
    let refused = s.cli(&["secret", "delete", "theirs"]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("not made by Keelson"));
    s.ok(&["secret", "delete", "db"]);
    assert!(fake.get(SECRETS, "default", "db").is_none());
}

/// `kubectl create -f` of an Argo manifest, when kubectl is installed.
#[test]
fn kubectl_create_of_an_argo_manifest_runs_it() {
    let fake = FakeKube::start();
    let dir = data_dir();
    let s = start(dir.path(), &fake);
    let manifest = file(
        dir.path(),
        "hello.yaml",
        &PIPELINE.replace("name: pipeline", "generateName: from-kubectl-"),
    );
    let out = std::process::Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(fake.kubeconfig(dir.path()))
        .arg("--cache-dir")
        .arg(dir.path().join("kube-cache"))
        .args(["create", "--validate=false", "-o", "name", "-f"])
        .arg(&manifest)
        .output();
    let Ok(out) = out else {
        eprintln!("kubectl is not installed: `kubectl create` not tried");
        return;
    };
    assert!(out.status.success(), "kubectl create: {}", String::from_utf8_lossy(&out.stderr));
    let created = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let name = created.rsplit('/').next().unwrap_or_default().to_string();
    assert!(name.starts_with("from-kubectl-"), "{created}");
    // The controller picks it up: its first pod, then the API knows it.
    let pods = pods_where(&fake, "its first pod", |p| p.len() == 1);
    assert_eq!(pods[0]["metadata"]["labels"]["workflows.argoproj.io/workflow"], name.as_str());
    s.wait_for(&name, "Running", |w| w["status"]["phase"] == "Running");
}

/// Wait for `cond` on `keelson ARGS`' output.
fn cli_until(s: &Server, args: &[&str], what: &str, cond: impl Fn(&str) -> bool) -> String {
    let start = Instant::now();
    loop {
        let out = s.ok(args);
        if cond(&out) {
            return out;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "waited for {what}: {out}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn templates_and_crons_applied_to_the_cluster_are_used() {
    let fake = FakeKube::start();
    let dir = data_dir();
    let s = start(dir.path(), &fake);
    fake.put(
        WORKFLOW_TEMPLATES,
        "default",
        json!({
            "apiVersion": "argoproj.io/v1alpha1", "kind": "WorkflowTemplate",
            "metadata": {"name": "greet"},
            "spec": {"entrypoint": "hello",
                     "arguments": {"parameters": [{"name": "who", "value": "world"}]},
                     "templates": [{"name": "hello", "container": {"image": "alpine",
                         "command": ["echo", "hello {{workflow.parameters.who}}"]}}]}
        }),
    );
    fake.put(CLUSTER_TEMPLATES, "", json!({
        "apiVersion": "argoproj.io/v1alpha1", "kind": "ClusterWorkflowTemplate",
        "metadata": {"name": "shared"},
        "spec": {"templates": [{"name": "bye", "container": {"image": "alpine", "command": ["echo", "bye"]}}]}
    }));
    fake.put(CRON_WORKFLOWS, "default", json!({
        "apiVersion": "argoproj.io/v1alpha1", "kind": "CronWorkflow",
        "metadata": {"name": "nightly"},
        "spec": {"schedules": ["0 3 * * *"], "workflowSpec": {"workflowTemplateRef": {"name": "greet"}}}
    }));
    cli_until(&s, &["template", "list"], "the mirrored template", |o| o.contains("greet"));
    cli_until(&s, &["cron", "list"], "the mirrored cron", |o| o.contains("nightly"));

    // A workflow referring to them runs with their templates.
    let wf = file(
        dir.path(),
        "ref.yaml",
        "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {name: uses-ref}\n\
         spec:\n  workflowTemplateRef: {name: greet}\n  arguments: {parameters: [{name: who, value: kube}]}\n",
    );
    s.ok(&["submit", &wf.to_string_lossy()]);
    let pod = pods_where(&fake, "its pod", |p| p.len() == 1)[0].clone();
    assert_eq!(main_container(&pod)["command"][4], "hello kube");
    let wf = file(
        dir.path(),
        "cluster-ref.yaml",
        "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {name: uses-cluster-ref}\n\
         spec:\n  entrypoint: main\n  templates:\n  - name: main\n    steps:\n    - - name: b\n        \
         templateRef: {name: shared, template: bye, clusterScope: true}\n",
    );
    s.ok(&["submit", &wf.to_string_lossy()]);
    s.wait_for("uses-cluster-ref", "running", |w| w["status"]["phase"] == "Running");
    pods_where(&fake, "the cluster template's pod", |p| p.len() == 2);

    // Deleted from the cluster: gone from the store.
    assert!(fake.delete(WORKFLOW_TEMPLATES, "default", "greet"));
    cli_until(&s, &["template", "list"], "the template gone", |o| !o.contains("greet"));

    // Deleted while no server watched: gone after the next start; one
    // made through the API stays.
    let own = file(
        dir.path(),
        "own.yaml",
        "apiVersion: argoproj.io/v1alpha1\nkind: WorkflowTemplate\nmetadata: {name: own}\n\
         spec:\n  templates:\n  - name: t\n    container: {image: alpine, command: [\"true\"]}\n",
    );
    s.ok(&["template", "create", &own.to_string_lossy()]);
    s.kill9();
    assert!(fake.delete(CRON_WORKFLOWS, "default", "nightly"));
    let s = start(dir.path(), &fake);
    cli_until(&s, &["cron", "list"], "the cron gone", |o| !o.contains("nightly"));
    assert!(s.ok(&["template", "list"]).contains("own"), "the API's own template stays");
}

#[test]
fn pod_gc_on_workflow_completion_deletes_the_pods_when_the_workflow_ends() {
    let fake = FakeKube::start();
    fake.simulate_kubelet();
    let dir = data_dir();
    let s = start(dir.path(), &fake);
    let gc = LONG.replace("name: long", "name: collected").replace(
        "  entrypoint: steps\n",
        "  entrypoint: steps\n  podGC: {strategy: OnWorkflowCompletion}\n",
    );
    s.ok(&["submit", &file(dir.path(), "gc.yaml", &gc).to_string_lossy(), "--wait"]);
    assert_eq!(s.workflow("collected")["status"]["phase"], "Succeeded");
    pods_where(&fake, "both pods deleted at the end", |p| p.is_empty());
    let requests = fake.requests();
    assert_eq!(requests.get("DELETE pods"), Some(&2), "{requests:?}");
}

#[test]
fn a_cluster_without_argos_crds_is_refused_at_start_saying_how_to_install_them() {
    let fake = FakeKube::start();
    fake.hide("workflows");
    let dir = data_dir();
    let out = std::process::Command::new(crate::support::keelson::KEELSON)
        .args(["server", "--executor", "kubernetes", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .env("KUBECONFIG", fake.kubeconfig(dir.path()))
        .env("KEELSON_ADMIN_PASSWORD", "x")
        .output()
        .expect("keelson server runs");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("kubectl apply -k deploy/crds"), "{stderr}");

    // No API server at all: said as such.
    let gone = dir.path().join("gone");
    std::fs::create_dir_all(&gone).expect("dir");
    std::fs::write(
        gone.join("kubeconfig"),
        "apiVersion: v1\nkind: Config\nclusters:\n- name: x\n  cluster: {server: 'http://127.0.0.1:9'}\n\
         contexts:\n- name: x\n  context: {cluster: x, user: x}\ncurrent-context: x\nusers:\n- name: x\n  user: {}\n",
    )
    .expect("kubeconfig");
    let out = std::process::Command::new(crate::support::keelson::KEELSON)
        .args(["server", "--executor", "kubernetes", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&gone)
        .env("KUBECONFIG", gone.join("kubeconfig"))
        .env("KEELSON_ADMIN_PASSWORD", "x")
        .output()
        .expect("keelson server runs");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot reach the Kubernetes API server"), "{stderr}");
}

const PASSING: &str = r#"
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: passing-}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: make, template: make}
    - - name: use
        template: use
        arguments: {artifacts: [{name: in, from: "{{steps.make.outputs.artifacts.out}}"}]}
  - name: make
    container: {image: alpine:3.20, command: [sh, -c, "echo hi > /tmp/out"]}
    outputs: {artifacts: [{name: out, path: /tmp/out}]}
  - name: use
    inputs: {artifacts: [{name: in, path: /src/in}]}
    container: {image: alpine:3.20, command: [cat, /src/in]}
"#;

fn env_of<'a>(pod: &'a Value, name: &str) -> Option<&'a Value> {
    main_container(pod)["env"].as_array()?.iter().find(|e| e["name"] == name)
}

fn artifacts_in(pod: &Value, var: &str) -> Value {
    let text = env_of(pod, var).and_then(|e| e["value"].as_str()).unwrap_or("[]");
    serde_json::from_str(text).expect("a JSON list")
}

#[test]
fn artifacts_go_to_the_clusters_repository_and_pods_move_them() {
    use crate::support::fake_kube::CONFIG_MAPS;
    let fake = FakeKube::start();
    fake.put(
        CONFIG_MAPS,
        "default",
        json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "artifact-repositories", "annotations": {
                "workflows.argoproj.io/default-artifact-repository": "default-v1"}},
            "data": {"default-v1": "s3:\n  bucket: my-bucket\n  endpoint: minio:9000\n  insecure: true\n  accessKeySecret: {name: my-minio-cred, key: accesskey}\n  secretKeySecret: {name: my-minio-cred, key: secretkey}\n"}}),
    );
    let dir = data_dir();
    let s = start(dir.path(), &fake);
    let wf = file(dir.path(), "passing.yaml", PASSING);
    let name = s.ok(&["submit", &wf.to_string_lossy(), "-o", "name"]).trim().to_string();

    // make saves to the namespace's repository, with its credentials from
    // the cluster's Secret (a reference; the kubelet fills it in).
    let pods = pods_where(&fake, "the make pod", |p| !p.is_empty());
    let make = &pods[0];
    let saves = artifacts_in(make, "KEELSON_SAVES");
    assert_eq!(saves[0]["s3"]["bucket"], "my-bucket", "{saves}");
    let key = saves[0]["s3"]["key"].as_str().unwrap_or_default().to_string();
    assert!(key.starts_with(&format!("{name}/{name}-make-")) && key.ends_with("/out.tgz"), "{key}");
    let cred = env_of(make, "KEELSON_SECRET_0").expect("a credential variable");
    assert_eq!(cred["valueFrom"]["secretKeyRef"]["name"], "my-minio-cred");

    // The kubelet's part, and keelson exec's report of what it saved.
    let make_name = self::name(make);
    assert!(fake.run_pod("default", &make_name));
    assert!(fake.finish_pod("default", &make_name, 0, None));
    fake.report_outputs(
        make,
        json!({"exitCode": "0", "artifacts": [{"name": "out", "path": "/tmp/out", "s3": {"key": key}}]}),
    );

    // use loads it from there.
    let pods = pods_where(&fake, "the use pod", |p| p.len() == 2);
    let used = pod_of(&pods, "use").expect("the use pod");
    let inputs = artifacts_in(used, "KEELSON_INPUTS");
    assert_eq!(inputs[0]["path"], "/src/in");
    assert_eq!(inputs[0]["s3"]["key"], key.as_str());
    assert_eq!(inputs[0]["s3"]["bucket"], "my-bucket");
    let use_name = self::name(used);
    assert!(fake.run_pod("default", &use_name));
    assert!(fake.finish_pod("default", &use_name, 0, None));
    fake.report(used, Some("hi"), &[]);
    s.wait_for(&name, "Succeeded", |w| w["status"]["phase"] == "Succeeded");
    let w = s.workflow(&name);
    let repo = &w["status"]["artifactRepositoryRef"];
    assert_eq!(
        (repo["configMap"].as_str(), repo["key"].as_str()),
        (Some("artifact-repositories"), Some("default-v1")),
        "{repo}"
    );

    // Without a repository, a pod cannot reach the built-in one: the
    // node says what to configure.
    assert!(fake.delete(CONFIG_MAPS, "default", "artifact-repositories"));
    let name = s.ok(&["submit", &wf.to_string_lossy(), "-o", "name"]).trim().to_string();
    s.wait_for(&name, "Failed or Error", |w| {
        matches!(w["status"]["phase"].as_str(), Some("Failed" | "Error"))
    });
    let w = s.workflow(&name);
    let make = w["status"]["nodes"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(_, n)| n)
        .find(|n| n["templateName"] == "make")
        .expect("the make node");
    assert_eq!(make["phase"], "Error", "{make}");
    assert!(
        make["message"].as_str().is_some_and(|m| m.contains("--artifact-repository")),
        "{make}"
    );
}

const COLLECTED_IN_CLUSTER: &str = r#"
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: collected-}
spec:
  entrypoint: make
  artifactGC: {strategy: OnWorkflowDeletion}
  templates:
  - name: make
    container: {image: alpine:3.20, command: [sh, -c, "echo hi > /tmp/out"]}
    outputs:
      artifacts:
      - {name: early, path: /tmp/out, artifactGC: {strategy: OnWorkflowCompletion}}
      - {name: late, path: /tmp/out}
      - {name: kept, path: /tmp/out, artifactGC: {strategy: Never}}
"#;

#[test]
fn the_server_serves_and_collects_a_clusters_artifacts_with_its_secrets() {
    use crate::support::fake_kube::CONFIG_MAPS;
    use crate::support::moto::{self, Moto};
    use base64::Engine as _;
    let Some(s3) = Moto::start() else { return };
    s3.create_bucket("artifacts");
    let fake = FakeKube::start();
    let b64 = |v: &str| base64::engine::general_purpose::STANDARD.encode(v);
    fake.put(
        SECRETS,
        "default",
        json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "cred"},
            "data": {"accessKey": b64(moto::ACCESS_KEY), "secretKey": b64(moto::SECRET_KEY)}}),
    );
    fake.put(
        CONFIG_MAPS,
        "default",
        json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "artifact-repositories", "annotations": {
                "workflows.argoproj.io/default-artifact-repository": "v1"}},
            "data": {"v1": s3.repository("artifacts")}}),
    );
    let dir = data_dir();
    let s = start(dir.path(), &fake);
    let wf = file(dir.path(), "collected.yaml", COLLECTED_IN_CLUSTER);
    let name = s.ok(&["submit", &wf.to_string_lossy(), "-o", "name"]).trim().to_string();

    // What keelson exec would do in the pod: save each output where the
    // pod was told, and report it.
    let pod = pods_where(&fake, "the make pod", |p| !p.is_empty())[0].clone();
    let saves = artifacts_in(&pod, "KEELSON_SAVES");
    let object = dir.path().join("out.tgz");
    std::fs::write(&object, b"stored bytes").expect("object");
    let mut reported = Vec::new();
    for a in saves.as_array().into_iter().flatten() {
        let key = a["s3"]["key"].as_str().expect("a key");
        s3.put_file("artifacts", key, &object);
        // As keelson exec reports it: the artifact as it was told of it.
        reported.push(a.clone());
    }
    // early, late, kept and the log (the repository archives logs).
    assert_eq!(reported.len(), 4, "{saves}");
    let pod_name = self::name(&pod);
    assert!(fake.run_pod("default", &pod_name));
    assert!(fake.finish_pod("default", &pod_name, 0, None));
    let node = pod["metadata"]["annotations"]["workflows.argoproj.io/node-id"].clone();
    fake.report_outputs(&pod, json!({"exitCode": "0", "artifacts": reported}));
    s.wait_for(&name, "Succeeded", |w| w["status"]["phase"] == "Succeeded");

    // Argo's finalizer is on the resource while artifacts may be collected.
    let resource = fake.get(WORKFLOWS, "default", &name).expect("the resource");
    let finalizers = resource["metadata"]["finalizers"].to_string();
    assert!(finalizers.contains("workflows.argoproj.io/artifact-gc"), "{finalizers}");

    // The server reads an artifact with the cluster's Secret.
    let node = node.as_str().expect("node id").to_string();
    let rt = crate::support::rt();
    let (status, body) = rt.block_on(async {
        let url = format!("{}/artifacts/default/{name}/{node}/kept", s.url);
        let r = s.http().get(url).send().await.expect("answered");
        (r.status().as_u16(), r.bytes().await.expect("body"))
    });
    assert_eq!((status, &body[..]), (200, &b"stored bytes"[..]));

    // OnWorkflowCompletion went at the end; deletion takes the rest but
    // what says Never.
    s.wait_for(&name, "completion GC", |w| {
        w["status"]["artifactGCStatus"]["strategiesProcessed"]["OnWorkflowCompletion"] == true
    });
    let keys = s3.keys("artifacts");
    let has = |k: &str| keys.iter().any(|key| key.ends_with(&format!("/{k}.tgz")));
    assert!(!has("early") && has("late") && has("kept"), "{keys:?}");
    s.ok(&["delete", &name]);
    let keys = s3.keys("artifacts");
    let has = |k: &str| keys.iter().any(|key| key.ends_with(&format!("/{k}.tgz")));
    assert!(!has("late") && has("kept"), "{keys:?}");
    resource_where(&fake, &name, "the resource gone", |r| r.is_none());
}
