//! Request-level tests: the exact API requests each path of the
//! Kubernetes executor and the resource writer makes, answered by
//! `tower_test`'s mock service in place of an API server — create a pod
//! (and a 409 taken as success), a pod that succeeded (labelled
//! completed, its log followed), failed, deleted under its node, a stop
//! (delete with the grace period), a status write.

use std::sync::Arc;
use std::time::{Duration, Instant};

use engine::run::{Action, Event, LaunchSpec, Run, Submission};
use engine::spec::{Catalog, Document};
use http::{Request, Response};
use kube::client::Body;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tower_test::mock;

use super::pods::{KubeConfig, Pods};
use super::run::{KubeExecutor, RunSetup};
use crate::executor::Executor;
use crate::kube::Cluster;

/// A request as the API server would see it.
#[derive(Debug)]
struct Seen {
    method: String,
    /// Path and query.
    uri: String,
    content_type: String,
    body: Value,
}

/// Serve the mock: watches are left pending (they never end), lists are
/// empty, everything else is recorded and answered by `answer`.
fn serve(
    mut handle: mock::Handle<Request<Body>, Response<Body>>,
    answer: impl Fn(&Seen) -> (u16, Value) + Send + 'static,
) -> mpsc::UnboundedReceiver<Seen> {
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut pending = Vec::new();
        while let Some((req, send)) = handle.next_request().await {
            let uri = req.uri().to_string();
            let method = req.method().to_string();
            let content_type = req
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            let bytes = req.into_body().collect_bytes().await.unwrap_or_default();
            let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
            let seen = Seen { method, uri, content_type, body };
            if seen.uri.contains("watch=true") {
                pending.push(send);
                continue;
            }
            let (code, reply) = if seen.method == "GET" && !seen.uri.contains("/log") {
                let path = seen.uri.split('?').next().unwrap_or("");
                if path.ends_with("pods") || path.ends_with("workflowtaskresults") {
                    (
                        200,
                        json!({"kind": "List", "apiVersion": "v1",
                        "metadata": {"resourceVersion": "1"}, "items": []}),
                    )
                } else {
                    answer(&seen)
                }
            } else {
                answer(&seen)
            };
            let is_list = reply["kind"] == "List";
            if !is_list {
                let _ = tx.send(seen);
            }
            let response = Response::builder()
                .status(code)
                .header("content-type", "application/json")
                .body(Body::from(reply.to_string().into_bytes()))
                .expect("a response");
            send.send_response(response);
        }
    });
    rx
}

fn status(code: u16, reason: &str) -> Value {
    json!({"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": reason,
           "message": format!("{reason} (test)"), "code": code})
}

/// What a test keeps alive: the watches, and the run's own directory
/// (each test's: one test's log files must not be another's).
struct Held {
    pods: Pods,
    _run_dir: tempfile::TempDir,
}

/// A cluster on the mock, a one-pod workflow's executor and its launch.
fn setup(
    answer: impl Fn(&Seen) -> (u16, Value) + Send + 'static,
) -> (Held, KubeExecutor, LaunchSpec, mpsc::UnboundedReceiver<Event>, mpsc::UnboundedReceiver<Seen>)
{
    let (service, handle) = mock::pair::<Request<Body>, Response<Body>>();
    let seen = serve(handle, answer);
    let client = kube::Client::new(service, "default");
    let cluster = Pods::start(Cluster::new(client, 0.0, 1), KubeConfig::default());
    let wf = json!({
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
        "metadata": {"name": "wf"},
        "spec": {"entrypoint": "work", "templates": [
            {"name": "work", "container": {"image": "alpine", "command": ["echo", "hi"]}}]}
    });
    let Ok(Document::Workflow(wf)) = engine::spec::decode(wf) else { panic!("a workflow") };
    let sub = Submission {
        name: "wf".into(),
        namespace: "ci".into(),
        uid: "uid-1".into(),
        created_at: engine::status::Time(0),
        parameters: Vec::new(),
        entrypoint: None,
        artifact_repository: None,
    };
    let plan = Arc::new(engine::run::plan(&wf, &Catalog::default(), &sub).expect("a plan"));
    let (_, actions) = Run::start(plan.clone(), engine::status::Time(0));
    let launch = actions
        .into_iter()
        .find_map(|a| match a {
            Action::Launch(l) => Some(l),
            _ => None,
        })
        .expect("a launch");
    let (events_tx, events) = mpsc::unbounded_channel();
    let run_dir = tempfile::tempdir().expect("a run directory");
    let executor = KubeExecutor::new(
        &cluster,
        RunSetup {
            namespace: "ci".into(),
            workflow: "wf".into(),
            resource_uid: Some("uid-1".into()),
            plan,
            run_dir: run_dir.path().to_path_buf(),
            events: events_tx,
        },
    );
    (Held { pods: cluster, _run_dir: run_dir }, executor, launch, events, seen)
}

async fn next(seen: &mut mpsc::UnboundedReceiver<Seen>) -> Seen {
    tokio::time::timeout(Duration::from_secs(5), seen.recv())
        .await
        .expect("a request in time")
        .expect("the mock is serving")
}

async fn event(events: &mut mpsc::UnboundedReceiver<Event>) -> Event {
    tokio::time::timeout(Duration::from_secs(5), events.recv())
        .await
        .expect("an event in time")
        .expect("the executor is there")
}

fn pod_status(phase: &str, main: Value) -> Value {
    json!({"status": {"phase": phase, "containerStatuses": [{"name": "main", "state": main}]}})
}

/// An API server whose pods have all ended (the log follow asks when
/// its stream closes); everything else is `{}`.
fn kubelet_done(s: &Seen) -> (u16, Value) {
    if s.method == "GET" && s.uri.contains("/pods/") && !s.uri.contains("/log") {
        (200, existing_pod("pod-uid", json!({"terminated": {"exitCode": 0}})))
    } else {
        (200, json!({}))
    }
}

fn existing_pod(uid: &str, main: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "p", "uid": uid, "ownerReferences": [
            {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "name": "wf", "uid": "uid-1"}]},
        "status": {"phase": "Running", "containerStatuses": [{"name": "main", "state": main}]}})
}

#[tokio::test]
async fn a_launch_creates_its_pod_and_a_409_for_this_attempts_pod_is_the_same_pod() {
    let (_c, executor, launch, mut events, mut seen) = setup(|s| match s.method.as_str() {
        "POST" => (409, status(409, "AlreadyExists")),
        _ => (200, existing_pod("pod-uid", json!({"running": {}}))),
    });
    executor.launch(launch.clone());
    let create = next(&mut seen).await;
    assert_eq!(create.method, "POST");
    assert_eq!(create.uri, "/api/v1/namespaces/ci/pods?");
    assert_eq!(create.body["metadata"]["name"], launch.pod_name.as_str());
    assert_eq!(create.body["metadata"]["ownerReferences"][0]["uid"], "uid-1");
    assert_eq!(create.body["spec"]["containers"][0]["name"], "main");
    // 409: the pod there is read; running and ours, it is this one.
    let get = next(&mut seen).await;
    assert_eq!(
        (get.method.as_str(), get.uri.clone()),
        ("GET", format!("/api/v1/namespaces/ci/pods/{}", launch.pod_name))
    );
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(events.try_recv().is_err(), "an existing pod is success");
    assert!(seen.try_recv().is_err(), "and nothing else is asked");
}

#[tokio::test]
async fn a_409_for_an_earlier_attempts_pod_replaces_it() {
    let gets = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let posts = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let (g, p) = (gets.clone(), posts.clone());
    let (_c, executor, launch, _events, mut seen) = setup(move |s| match s.method.as_str() {
        "POST" if p.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 => {
            (409, status(409, "AlreadyExists"))
        }
        "POST" => (201, existing_pod("new-uid", json!({"waiting": {}}))),
        "GET" if g.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 => {
            (200, existing_pod("old-uid", json!({"terminated": {"exitCode": 1}})))
        }
        "GET" => (404, status(404, "NotFound")),
        _ => (200, existing_pod("old-uid", json!({"terminated": {"exitCode": 1}}))),
    });
    executor.launch(launch.clone());
    let verbs: Vec<(String, Value)> = {
        let mut v = Vec::new();
        for _ in 0..5 {
            let r = next(&mut seen).await;
            v.push((r.method, r.body));
        }
        v
    };
    let methods: Vec<&str> = verbs.iter().map(|(m, _)| m.as_str()).collect();
    assert_eq!(methods, ["POST", "GET", "DELETE", "GET", "POST"], "{verbs:#?}");
    assert_eq!(verbs[2].1["gracePeriodSeconds"], 0, "the ended pod goes at once");
    // The old pod's last state (ended, uid old-uid) is not this node's.
    let old = existing_pod("old-uid", json!({"terminated": {"exitCode": 1}}));
    let effects = executor.run.tracker().pod_changed(&launch.pod_name, &old, Instant::now());
    assert!(effects.is_empty(), "{effects:?}");
}

#[tokio::test]
async fn a_refused_create_ends_the_node_saying_what_kubernetes_said() {
    let (_c, executor, launch, mut events, mut seen) = setup(|_| (403, status(403, "Forbidden")));
    executor.launch(launch.clone());
    assert_eq!(next(&mut seen).await.method, "POST");
    match event(&mut events).await {
        Event::NodeFailedToStart { node, message } => {
            assert_eq!(node, launch.node);
            assert!(
                message.contains("cannot create pod") && message.contains("Forbidden"),
                "{message}"
            );
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn a_pod_that_succeeded_is_labelled_completed_and_its_log_followed() {
    let (_c, executor, launch, mut events, mut seen) = setup(kubelet_done);
    executor.launch(launch.clone());
    assert_eq!(next(&mut seen).await.method, "POST");
    let run = executor.run.clone();
    run.pod_changed(
        &launch.pod_name,
        &pod_status("Running", json!({"running": {}})),
        Instant::now(),
    );
    assert_eq!(event(&mut events).await, Event::NodeStarted { node: launch.node.clone() });
    let log = next(&mut seen).await;
    assert_eq!(log.method, "GET");
    assert_eq!(
        log.uri,
        format!(
            "/api/v1/namespaces/ci/pods/{}/log?&container=main&follow=true&timestamps=true",
            launch.pod_name
        )
    );
    let done = pod_status("Succeeded", json!({"terminated": {"exitCode": 0}}));
    run.pod_changed(&launch.pod_name, &done, Instant::now());
    run.outputs(
        &launch.node,
        super::task_result::Outputs { result: Some("hi".into()), ..Default::default() },
        None,
    );
    match event(&mut events).await {
        Event::NodeExited { node, exit } => {
            assert_eq!(node, launch.node);
            assert_eq!((exit.code, exit.result.as_deref()), (0, Some("hi")));
        }
        other => panic!("unexpected {other:?}"),
    }
    let mut label = next(&mut seen).await;
    while label.method == "GET" {
        // The log follow asking whether the container ended.
        label = next(&mut seen).await;
    }
    assert_eq!(label.method, "PATCH");
    assert_eq!(label.uri, format!("/api/v1/namespaces/ci/pods/{}?", launch.pod_name));
    assert_eq!(label.content_type, "application/merge-patch+json");
    assert_eq!(
        label.body,
        json!({"metadata": {"labels": {"workflows.argoproj.io/completed": "true"}}})
    );
}

#[tokio::test]
async fn a_failed_pod_and_a_deleted_pod_end_their_nodes_without_requests() {
    let (_c, executor, launch, mut events, mut seen) = setup(kubelet_done);
    executor.launch(launch.clone());
    assert_eq!(next(&mut seen).await.method, "POST");
    let run = executor.run.clone();
    let failed = pod_status("Failed", json!({"terminated": {"exitCode": 2, "reason": "Error"}}));
    run.pod_changed(&launch.pod_name, &failed, Instant::now());
    run.outputs(&launch.node, super::task_result::Outputs::default(), None);
    assert_eq!(event(&mut events).await, Event::NodeStarted { node: launch.node.clone() });
    match event(&mut events).await {
        Event::NodeExited { exit, .. } => assert_eq!(exit.code, 2),
        other => panic!("unexpected {other:?}"),
    }

    // A second node whose pod disappears while running.
    let mut other = launch.clone();
    other.node.push('x');
    other.pod_name.push('x');
    executor.launch(other.clone());
    let _ = next(&mut seen).await; // its create
    run.pod_changed(
        &other.pod_name,
        &pod_status("Running", json!({"running": {}})),
        Instant::now(),
    );
    run.pod_deleted(&other.pod_name, &Value::Null);
    assert_eq!(event(&mut events).await, Event::NodeStarted { node: other.node.clone() });
    assert_eq!(
        event(&mut events).await,
        Event::NodeFailedToStart {
            node: other.node.clone(),
            message: format!("pod {} was deleted before it finished", other.pod_name)
        }
    );
}

#[tokio::test]
async fn stop_deletes_the_pod_with_the_grace_period() {
    let (_c, executor, launch, mut events, mut seen) = setup(kubelet_done);
    executor.launch(launch.clone());
    assert_eq!(next(&mut seen).await.method, "POST");
    let run = executor.run.clone();
    run.pod_changed(
        &launch.pod_name,
        &pod_status("Running", json!({"running": {}})),
        Instant::now(),
    );
    executor.kill_all();
    let mut delete = next(&mut seen).await;
    while delete.method != "DELETE" {
        delete = next(&mut seen).await; // the log follow's GET
    }
    assert_eq!(delete.uri, format!("/api/v1/namespaces/ci/pods/{}?", launch.pod_name));
    assert_eq!(delete.body["gracePeriodSeconds"], 10);
    run.pod_deleted(&launch.pod_name, &Value::Null);
    assert_eq!(event(&mut events).await, Event::NodeStarted { node: launch.node.clone() });
    match event(&mut events).await {
        Event::NodeExited { exit, .. } => assert_eq!(exit.code, 143),
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn a_status_write_replaces_the_status_of_that_run_only_then_sets_argos_labels() {
    let (held, _executor, _launch, _events, mut seen) = setup(kubelet_done);
    let status = json!({"phase": "Succeeded", "progress": "1/1", "nodes": {"wf": {"id": "wf"}}});
    crate::kube::workflows::write_status(held.pods.cluster(), "ci", "wf", "uid-1", &status, true)
        .await
        .expect("written");
    let w = next(&mut seen).await;
    assert_eq!(w.method, "PATCH");
    assert_eq!(w.uri, "/apis/argoproj.io/v1alpha1/namespaces/ci/workflows/wf?");
    assert_eq!(w.content_type, "application/json-patch+json");
    assert_eq!(w.body[0], json!({"op": "test", "path": "/metadata/uid", "value": "uid-1"}));
    assert_eq!(w.body[1]["op"], "add");
    assert_eq!(w.body[1]["path"], "/status");
    assert_eq!(w.body[1]["value"]["nodes"]["wf"]["id"], "wf");
    let labels = next(&mut seen).await;
    assert_eq!(labels.content_type, "application/merge-patch+json");
    assert_eq!(labels.body["metadata"]["labels"]["workflows.argoproj.io/completed"], "true");
    assert_eq!(labels.body["metadata"]["labels"]["workflows.argoproj.io/phase"], "Succeeded");
}
