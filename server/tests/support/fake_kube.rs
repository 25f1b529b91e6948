//! A fake Kubernetes API server for tests (no real one can run here): an
//! axum app on 127.0.0.1, on its own thread, that stores objects by kind,
//! namespace and name with resource versions and serves what Keelson's
//! client uses — list (with label selectors), watch (JSON lines from a
//! resource version; 410 Gone past the kept history), get, create (409 if
//! it exists), merge patch, delete, and pods' logs (followed until the
//! pod's main container ends). Tests play the kubelet: they flip a pod's
//! phase, give it a log, write its task result, delete it.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::sync::broadcast;

/// Watch events kept for watches that resume from a resource version.
const HISTORY: usize = 100_000;

/// Where an object lives: `(api prefix, plural)`, e.g. `("api/v1", "pods")`.
type Kind = (String, String);

#[derive(Clone, Debug)]
struct Change {
    rv: u64,
    kind: Kind,
    namespace: String,
    what: &'static str,
    object: Value,
}

#[derive(Default)]
struct Db {
    rv: u64,
    objects: BTreeMap<(Kind, String, String), Value>,
    history: VecDeque<Change>,
    logs: HashMap<(String, String), String>,
    /// Requests served, by `METHOD plural` (`GET pods`, `WATCH pods`…).
    requests: BTreeMap<String, u64>,
}

struct Shared {
    /// Kinds (plurals) this server does not serve: 404, as without CRDs.
    hidden: Mutex<Vec<String>>,
    db: Mutex<Db>,
    changes: broadcast::Sender<Change>,
}

/// The fake API server; stops with the test process.
#[derive(Clone)]
pub struct FakeKube {
    pub url: String,
    shared: Arc<Shared>,
}

pub const PODS: (&str, &str) = ("api/v1", "pods");
pub const TASK_RESULTS: (&str, &str) = ("apis/argoproj.io/v1alpha1", "workflowtaskresults");
pub const WORKFLOWS: (&str, &str) = ("apis/argoproj.io/v1alpha1", "workflows");
pub const WORKFLOW_TEMPLATES: (&str, &str) = ("apis/argoproj.io/v1alpha1", "workflowtemplates");
pub const CLUSTER_TEMPLATES: (&str, &str) =
    ("apis/argoproj.io/v1alpha1", "clusterworkflowtemplates");
pub const CRON_WORKFLOWS: (&str, &str) = ("apis/argoproj.io/v1alpha1", "cronworkflows");
pub const SECRETS: (&str, &str) = ("api/v1", "secrets");
pub const CONFIG_MAPS: (&str, &str) = ("api/v1", "configmaps");
pub const LEASES: (&str, &str) = ("apis/coordination.k8s.io/v1", "leases");

fn kind(k: (&str, &str)) -> Kind {
    (k.0.to_string(), k.1.to_string())
}

impl FakeKube {
    pub fn start() -> FakeKube {
        let shared = Arc::new(Shared {
            hidden: Mutex::default(),
            db: Mutex::new(Db::default()),
            changes: broadcast::channel(65_536).0,
        });
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
        listener.set_nonblocking(true).expect("nonblocking");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let app = Router::new().fallback(handle).with_state(shared.clone());
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                axum::serve(listener, app).await.expect("serve");
            });
        });
        FakeKube { url, shared }
    }

    /// Serve no `plural` from now on (a cluster without that CRD).
    pub fn hide(&self, plural: &str) {
        self.shared.hidden.lock().unwrap_or_else(|e| e.into_inner()).push(plural.to_string());
    }

    /// A kubeconfig pointing at this server, written into `dir`.
    pub fn kubeconfig(&self, dir: &Path) -> PathBuf {
        let path = dir.join("kubeconfig");
        let text = format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: fake\n  cluster:\n    server: {}\n\
             contexts:\n- name: fake\n  context:\n    cluster: fake\n    user: fake\n    namespace: default\n\
             current-context: fake\nusers:\n- name: fake\n  user:\n    token: fake-token\n",
            self.url
        );
        std::fs::write(&path, text).expect("kubeconfig");
        path
    }

    fn db(&self) -> MutexGuard<'_, Db> {
        self.shared.db.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Objects of a kind in a namespace, by name.
    pub fn list(&self, k: (&str, &str), namespace: &str) -> Vec<Value> {
        let k = kind(k);
        self.db()
            .objects
            .iter()
            .filter(|((kk, ns, _), _)| *kk == k && ns == namespace)
            .map(|(_, v)| v.clone())
            .collect()
    }

    pub fn get(&self, k: (&str, &str), namespace: &str, name: &str) -> Option<Value> {
        self.db().objects.get(&(kind(k), namespace.to_string(), name.to_string())).cloned()
    }

    /// Requests served so far, by `METHOD plural`.
    pub fn requests(&self) -> BTreeMap<String, u64> {
        self.db().requests.clone()
    }

    /// Create or replace an object (as a test or another client would).
    pub fn put(&self, k: (&str, &str), namespace: &str, mut object: Value) {
        let name = object["metadata"]["name"].as_str().unwrap_or_default().to_string();
        let mut db = self.db();
        let key = (kind(k), namespace.to_string(), name.clone());
        let what = if db.objects.contains_key(&key) { "MODIFIED" } else { "ADDED" };
        if object["metadata"]["uid"].is_null() {
            object["metadata"]["uid"] = format!("uid-{name}-{}", db.rv + 1).into();
        }
        object["metadata"]["namespace"] = namespace.into();
        self.store(&mut db, key, object, what);
    }

    /// Change a stored object with `f`; false if there is none.
    pub fn update(
        &self,
        k: (&str, &str),
        namespace: &str,
        name: &str,
        f: impl FnOnce(&mut Value),
    ) -> bool {
        let mut db = self.db();
        let key = (kind(k), namespace.to_string(), name.to_string());
        let Some(mut object) = db.objects.get(&key).cloned() else { return false };
        f(&mut object);
        self.store(&mut db, key, object, "MODIFIED");
        true
    }

    /// Delete as `kubectl delete` would: an object with finalizers is
    /// only marked (`deletionTimestamp`) until they are removed.
    pub fn delete(&self, k: (&str, &str), namespace: &str, name: &str) -> bool {
        let mut db = self.db();
        delete(&self.shared, &mut db, (kind(k), namespace.to_string(), name.to_string())).is_some()
    }

    fn store(&self, db: &mut Db, key: (Kind, String, String), object: Value, what: &'static str) {
        store(&self.shared, db, key, object, what);
    }

    /// The kubelet's part: the pod's main container runs.
    pub fn run_pod(&self, namespace: &str, name: &str) -> bool {
        self.update(PODS, namespace, name, |p| {
            p["status"] = json!({"phase": "Running", "containerStatuses": [
                {"name": "main", "state": {"running": {"startedAt": "2026-01-01T00:00:00Z"}}}]});
        })
    }

    /// The main container ended with `code` (`reason` as Kubernetes
    /// gives it, e.g. OOMKilled).
    pub fn finish_pod(&self, namespace: &str, name: &str, code: i32, reason: Option<&str>) -> bool {
        let phase = if code == 0 { "Succeeded" } else { "Failed" };
        let reason = reason.unwrap_or(if code == 0 { "Completed" } else { "Error" });
        self.update(PODS, namespace, name, |p| {
            p["status"] = json!({"phase": phase, "containerStatuses": [
                {"name": "main", "state": {"terminated": {"exitCode": code, "reason": reason}}}]});
        })
    }

    /// What `keelson exec` would report for the pod's node.
    pub fn report(&self, pod: &Value, result: Option<&str>, parameters: &[(&str, &str)]) {
        let params: Vec<Value> =
            parameters.iter().map(|(n, v)| json!({"name": n, "value": v})).collect();
        let mut outputs = json!({"parameters": params, "exitCode": "0"});
        if let Some(r) = result {
            outputs["result"] = r.into();
        }
        self.report_outputs(pod, outputs);
    }

    /// Report `outputs` for `pod` as its WorkflowTaskResult, as `keelson
    /// exec` does.
    pub fn report_outputs(&self, pod: &Value, outputs: Value) {
        let meta = &pod["metadata"];
        let namespace = meta["namespace"].as_str().unwrap_or_default();
        let node =
            meta["annotations"]["workflows.argoproj.io/node-id"].as_str().unwrap_or_default();
        let workflow =
            meta["labels"]["workflows.argoproj.io/workflow"].as_str().unwrap_or_default();
        self.put(
            TASK_RESULTS,
            namespace,
            json!({
                "apiVersion": "argoproj.io/v1alpha1",
                "kind": "WorkflowTaskResult",
                "metadata": {"name": node, "labels": {
                    "workflows.argoproj.io/workflow": workflow,
                    "workflows.argoproj.io/report-outputs-completed": "true"}},
                "outputs": outputs,
            }),
        );
    }

    /// Play the kubelet for every pod created from now on: it runs,
    /// prints a line, succeeds and reports its outputs (a result, and
    /// `value` for each output parameter its node declares), on a thread
    /// of its own. For benches and soak tests.
    pub fn simulate_kubelet(&self) {
        let mut changes = self.shared.changes.subscribe();
        let fake = self.clone();
        std::thread::spawn(move || {
            loop {
                let change = match changes.blocking_recv() {
                    Ok(c) => c,
                    Err(broadcast::error::RecvError::Lagged(n)) => {
                        panic!("the simulated kubelet fell {n} changes behind")
                    }
                    Err(_) => return,
                };
                if change.what != "ADDED" || change.kind != kind(PODS) {
                    continue;
                }
                let pod = change.object;
                let ns = change.namespace;
                let name = pod["metadata"]["name"].as_str().unwrap_or_default().to_string();
                fake.set_log(&ns, &name, &format!("hello from {name}"));
                fake.run_pod(&ns, &name);
                fake.finish_pod(&ns, &name, 0, None);
                let outputs: Vec<String> = pod["spec"]["containers"][0]["env"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|e| e["name"] == "KEELSON_OUTPUTS")
                    .filter_map(|e| {
                        serde_json::from_str::<Vec<(String, String)>>(e["value"].as_str()?).ok()
                    })
                    .flatten()
                    .map(|(n, _)| n)
                    .collect();
                let params: Vec<(&str, &str)> =
                    outputs.iter().map(|n| (n.as_str(), "value")).collect();
                fake.report(&pod, Some("done"), &params);
            }
        });
    }

    /// Lines the pod's main container printed (served by `…/log`).
    pub fn set_log(&self, namespace: &str, pod: &str, text: &str) {
        self.db().logs.insert((namespace.to_string(), pod.to_string()), text.to_string());
    }
}

fn store(
    shared: &Shared,
    db: &mut Db,
    key: (Kind, String, String),
    mut object: Value,
    what: &'static str,
) {
    db.rv += 1;
    object["metadata"]["resourceVersion"] = db.rv.to_string().into();
    let change = Change {
        rv: db.rv,
        kind: key.0.clone(),
        namespace: key.1.clone(),
        what,
        object: object.clone(),
    };
    db.objects.insert(key, object);
    remember(shared, db, change);
}

fn remove(shared: &Shared, db: &mut Db, key: (Kind, String, String)) -> Option<Value> {
    let mut object = db.objects.remove(&key)?;
    db.rv += 1;
    object["metadata"]["resourceVersion"] = db.rv.to_string().into();
    let change = Change {
        rv: db.rv,
        kind: key.0,
        namespace: key.1,
        what: "DELETED",
        object: object.clone(),
    };
    remember(shared, db, change);
    Some(object)
}

fn delete(shared: &Shared, db: &mut Db, key: (Kind, String, String)) -> Option<Value> {
    let object = db.objects.get(&key)?.clone();
    let finalizers = object["metadata"]["finalizers"].as_array().is_some_and(|f| !f.is_empty());
    if !finalizers {
        return remove(shared, db, key);
    }
    let mut marked = object;
    if marked["metadata"]["deletionTimestamp"].is_null() {
        marked["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z".into();
        store(shared, db, key.clone(), marked, "MODIFIED");
    }
    db.objects.get(&key).cloned()
}

fn remember(shared: &Shared, db: &mut Db, change: Change) {
    if db.history.len() >= HISTORY {
        db.history.pop_front();
    }
    db.history.push_back(change.clone());
    let _ = shared.changes.send(change);
}

/// A parsed request path.
struct Target {
    kind: Kind,
    namespace: Option<String>,
    name: Option<String>,
    sub: Option<String>,
}

fn parse(path: &str) -> Option<Target> {
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    let (prefix, rest) = match parts.as_slice() {
        ["api", v, rest @ ..] => (format!("api/{v}"), rest),
        ["apis", g, v, rest @ ..] => (format!("apis/{g}/{v}"), rest),
        _ => return None,
    };
    let (namespace, rest) = match rest {
        ["namespaces", ns, rest @ ..] if !rest.is_empty() => (Some(ns.to_string()), rest),
        _ => (None, rest),
    };
    let (plural, name, sub) = match rest {
        [p] => (p, None, None),
        [p, n] => (p, Some(n.to_string()), None),
        [p, n, s] => (p, Some(n.to_string()), Some(s.to_string())),
        _ => return None,
    };
    Some(Target { kind: (prefix, plural.to_string()), namespace, name, sub })
}

fn status(code: u16, reason: &str, message: String) -> Response {
    let body = json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": message, "reason": reason, "code": code});
    (StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), axum::Json(body))
        .into_response()
}

fn matches(object: &Value, selector: Option<&str>) -> bool {
    let Some(selector) = selector.filter(|s| !s.is_empty()) else { return true };
    let labels = &object["metadata"]["labels"];
    selector.split(',').all(|term| match term.split_once('=') {
        Some((k, v)) => labels[k.trim_end_matches('=')].as_str() == Some(v),
        None => !labels[term].is_null(),
    })
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    Query(q): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    if let Some(answer) = discovery(uri.path()) {
        return axum::Json(answer).into_response();
    }
    let Some(t) = parse(uri.path()) else {
        return status(404, "NotFound", format!("no such path {}", uri.path()));
    };
    if shared.hidden.lock().unwrap_or_else(|e| e.into_inner()).contains(&t.kind.1) {
        return status(404, "NotFound", "the server could not find the requested resource".into());
    }
    let watch = q.get("watch").is_some_and(|w| w == "true" || w == "1");
    let verb = if watch { "WATCH".to_string() } else { method.to_string() };
    let sub = t.sub.as_deref().map(|s| format!("/{s}")).unwrap_or_default();
    let db = || shared.db.lock().unwrap_or_else(|e| e.into_inner());
    *db().requests.entry(format!("{verb} {}{sub}", t.kind.1)).or_default() += 1;
    let selector = q.get("labelSelector").map(String::as_str);
    let ns = t.namespace.clone().unwrap_or_default();
    match (method.as_str(), &t.name, t.sub.as_deref()) {
        ("GET", None, _) if watch => {
            let from: u64 = q.get("resourceVersion").and_then(|v| v.parse().ok()).unwrap_or(0);
            watch_stream(&shared, t, from, selector.map(str::to_string))
        }
        ("GET", None, _) => {
            let db = db();
            let items: Vec<Value> = db
                .objects
                .iter()
                .filter(|((k, n, _), v)| {
                    *k == t.kind && (t.namespace.is_none() || *n == ns) && matches(v, selector)
                })
                .map(|(_, v)| v.clone())
                .collect();
            axum::Json(json!({"apiVersion": "v1", "kind": "List",
                "metadata": {"resourceVersion": db.rv.to_string()}, "items": items}))
            .into_response()
        }
        ("GET", Some(name), Some("log")) => log_stream(&shared, &ns, name, &q),
        ("GET", Some(name), _) => match db().objects.get(&(t.kind.clone(), ns, name.clone())) {
            Some(o) => axum::Json(o.clone()).into_response(),
            None => status(404, "NotFound", format!("{} \"{name}\" not found", t.kind.1)),
        },
        ("POST", None, _) => {
            let Ok(mut object) = serde_json::from_slice::<Value>(&body) else {
                return status(400, "BadRequest", "not JSON".into());
            };
            let mut db = db();
            let name = match (
                object["metadata"]["name"].as_str(),
                object["metadata"]["generateName"].as_str(),
            ) {
                (Some(n), _) => n.to_string(),
                (None, Some(g)) => format!("{g}{:05}", db.rv + 1),
                (None, None) => {
                    return status(422, "Invalid", "metadata.name: Required value".into());
                }
            };
            object["metadata"]["name"] = name.clone().into();
            let key = (t.kind.clone(), ns.clone(), name.clone());
            if db.objects.contains_key(&key) {
                return status(
                    409,
                    "AlreadyExists",
                    format!("{} \"{name}\" already exists", t.kind.1),
                );
            }
            object["metadata"]["namespace"] = ns.into();
            object["metadata"]["uid"] = format!("uid-{name}-{}", db.rv + 1).into();
            object["metadata"]["creationTimestamp"] = "2026-01-01T00:00:00Z".into();
            if t.kind.1 == "pods" {
                object["status"] = json!({"phase": "Pending"});
            }
            store(&shared, &mut db, key.clone(), object.clone(), "ADDED");
            let stored = db.objects.get(&key).cloned();
            drop(db);
            (StatusCode::CREATED, axum::Json(stored.unwrap_or(object))).into_response()
        }
        ("PATCH", Some(name), _) => {
            let Ok(patch) = serde_json::from_slice::<Value>(&body) else {
                return status(400, "BadRequest", "not JSON".into());
            };
            let mut db = db();
            let key = (t.kind.clone(), ns, name.clone());
            let Some(mut object) = db.objects.get(&key).cloned() else {
                return status(404, "NotFound", format!("{} \"{name}\" not found", t.kind.1));
            };
            if let Some(ops) = patch.as_array() {
                // A JSON Patch (RFC 6902): test, add, replace, remove.
                if let Err(why) = json_patch(&mut object, ops) {
                    return status(422, "Invalid", why);
                }
            } else {
                // An optimistic-concurrency merge patch.
                let rv = &patch["metadata"]["resourceVersion"];
                if !rv.is_null() && *rv != object["metadata"]["resourceVersion"] {
                    return status(
                        409,
                        "Conflict",
                        format!("the object has been modified: {name}"),
                    );
                }
                merge(&mut object, &patch);
            }
            let gone = !object["metadata"]["deletionTimestamp"].is_null()
                && object["metadata"]["finalizers"].as_array().is_none_or(|f| f.is_empty());
            if gone {
                // The last finalizer went: the object goes.
                store(&shared, &mut db, key.clone(), object, "MODIFIED");
                let removed = remove(&shared, &mut db, key);
                return axum::Json(removed).into_response();
            }
            store(&shared, &mut db, key.clone(), object, "MODIFIED");
            axum::Json(db.objects.get(&key).cloned()).into_response()
        }
        ("PUT", Some(name), _) => {
            let Ok(mut object) = serde_json::from_slice::<Value>(&body) else {
                return status(400, "BadRequest", "not JSON".into());
            };
            let mut db = db();
            let key = (t.kind.clone(), ns.clone(), name.clone());
            let Some(current) = db.objects.get(&key) else {
                return status(404, "NotFound", format!("{} \"{name}\" not found", t.kind.1));
            };
            // Optimistic concurrency, as the API server does it.
            if object["metadata"]["resourceVersion"] != current["metadata"]["resourceVersion"] {
                return status(409, "Conflict", format!("the object has been modified: {name}"));
            }
            object["metadata"]["namespace"] = ns.into();
            store(&shared, &mut db, key.clone(), object, "MODIFIED");
            axum::Json(db.objects.get(&key).cloned()).into_response()
        }
        ("DELETE", Some(name), _) => {
            let mut db = db();
            let wanted = serde_json::from_slice::<Value>(&body).ok();
            let uid =
                wanted.as_ref().map(|b| b["preconditions"]["uid"].clone()).unwrap_or(Value::Null);
            let key = (t.kind.clone(), ns.clone(), name.clone());
            if !uid.is_null() && db.objects.get(&key).is_some_and(|o| o["metadata"]["uid"] != uid) {
                return status(
                    409,
                    "Conflict",
                    format!("Precondition failed: UID in precondition: {uid}"),
                );
            }
            match delete(&shared, &mut db, (t.kind.clone(), ns, name.clone())) {
                Some(o) => axum::Json(o).into_response(),
                None => status(404, "NotFound", format!("{} \"{name}\" not found", t.kind.1)),
            }
        }
        _ => status(405, "MethodNotAllowed", format!("{method} {}", uri.path())),
    }
}

/// The discovery documents kubectl reads to map `workflows` (or `wf`) to
/// a path: the legacy (not aggregated) forms.
fn discovery(path: &str) -> Option<Value> {
    let resource = |name: &str, kind: &str, short: &[&str], namespaced: bool| {
        json!({"name": name, "singularName": kind.to_lowercase(), "namespaced": namespaced,
               "kind": kind, "shortNames": short,
               "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"]})
    };
    Some(match path.trim_end_matches('/') {
        "/api" => json!({"kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}]}),
        "/apis" => {
            let group = |name: &str, version: &str| {
                let gv = format!("{name}/{version}");
                json!({"name": name, "versions": [{"groupVersion": gv, "version": version}],
                       "preferredVersion": {"groupVersion": gv, "version": version}})
            };
            json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": [
                group("argoproj.io", "v1alpha1"), group("coordination.k8s.io", "v1")]})
        }
        "/api/v1" => json!({"kind": "APIResourceList", "groupVersion": "v1", "resources": [
            resource("pods", "Pod", &["po"], true), resource("secrets", "Secret", &[], true)]}),
        "/apis/argoproj.io/v1alpha1" => json!({"kind": "APIResourceList",
            "groupVersion": "argoproj.io/v1alpha1", "resources": [
                resource("workflows", "Workflow", &["wf"], true),
                resource("workflowtaskresults", "WorkflowTaskResult", &[], true)]}),
        "/apis/coordination.k8s.io/v1" => json!({"kind": "APIResourceList",
            "groupVersion": "coordination.k8s.io/v1", "resources": [
                resource("leases", "Lease", &[], true)]}),
        _ => return None,
    })
}

/// RFC 6902 JSON Patch, the operations Keelson sends.
fn json_patch(target: &mut Value, ops: &[Value]) -> Result<(), String> {
    for op in ops {
        let path = op["path"].as_str().ok_or("a path")?;
        match op["op"].as_str() {
            Some("test") => {
                if target.pointer(path) != Some(&op["value"]) {
                    return Err(format!("test failed at {path}"));
                }
            }
            Some("add" | "replace") => {
                let (parent, key) = path.rsplit_once('/').ok_or("a path")?;
                let key = key.replace("~1", "/").replace("~0", "~");
                let parent = target.pointer_mut(parent).ok_or(format!("no parent for {path}"))?;
                let obj = parent.as_object_mut().ok_or(format!("{path}: not in an object"))?;
                obj.insert(key, op["value"].clone());
            }
            Some("remove") => {
                let (parent, key) = path.rsplit_once('/').ok_or("a path")?;
                let key = key.replace("~1", "/").replace("~0", "~");
                if let Some(obj) = target.pointer_mut(parent).and_then(Value::as_object_mut) {
                    obj.remove(&key);
                }
            }
            other => return Err(format!("unsupported op {other:?}")),
        }
    }
    Ok(())
}

/// RFC 7386 JSON merge patch.
fn merge(target: &mut Value, patch: &Value) {
    match patch {
        Value::Object(p) => {
            if !target.is_object() {
                *target = json!({});
            }
            for (k, v) in p {
                if v.is_null() {
                    target.as_object_mut().map(|t| t.remove(k));
                } else {
                    merge(&mut target[k], v);
                }
            }
        }
        other => *target = other.clone(),
    }
}

fn watch_stream(shared: &Arc<Shared>, t: Target, from: u64, selector: Option<String>) -> Response {
    let mut live = shared.changes.subscribe();
    let backlog: Vec<Change> = {
        let db = shared.db.lock().unwrap_or_else(|e| e.into_inner());
        let oldest = db.history.front().map_or(db.rv + 1, |c| c.rv);
        if from > 0 && from + 1 < oldest {
            return status(410, "Expired", format!("too old resource version: {from}"));
        }
        db.history.iter().filter(|c| c.rv > from).cloned().collect()
    };
    let wanted = move |c: &Change| {
        c.kind == t.kind
            && t.namespace.as_ref().is_none_or(|n| *n == c.namespace)
            && matches(&c.object, selector.as_deref())
    };
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(1024);
    tokio::spawn(async move {
        let mut last = from;
        let line =
            |c: &Change| Bytes::from(format!("{}\n", json!({"type": c.what, "object": c.object})));
        for c in backlog.iter().filter(|c| wanted(c)) {
            last = c.rv;
            if tx.send(Ok(line(c))).await.is_err() {
                return;
            }
        }
        loop {
            match live.recv().await {
                Ok(c) if c.rv > last && wanted(&c) => {
                    last = c.rv;
                    if tx.send(Ok(line(&c))).await.is_err() {
                        return;
                    }
                }
                Ok(_) => {}
                // Fell behind: end the watch; the client relists.
                Err(_) => return,
            }
        }
    });
    Response::builder()
        .header("content-type", "application/json")
        .body(Body::from_stream(tokio_stream(rx)))
        .unwrap_or_else(|_| status(500, "InternalError", "response".into()))
}

fn tokio_stream(
    mut rx: tokio::sync::mpsc::Receiver<Result<Bytes, std::io::Error>>,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> {
    futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

/// A pod's log: the lines set so far (each prefixed with a time when
/// asked), and while following, new ones until the main container ends
/// or the pod is gone.
fn log_stream(shared: &Arc<Shared>, ns: &str, pod: &str, q: &HashMap<String, String>) -> Response {
    let follow = q.get("follow").is_some_and(|f| f == "true");
    let stamps = q.get("timestamps").is_some_and(|f| f == "true");
    let key = (ns.to_string(), pod.to_string());
    let pod_key = (kind(PODS), ns.to_string(), pod.to_string());
    if !shared.db.lock().unwrap_or_else(|e| e.into_inner()).objects.contains_key(&pod_key) {
        return status(404, "NotFound", format!("pods \"{pod}\" not found"));
    }
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(64);
    let shared = shared.clone();
    tokio::spawn(async move {
        let mut sent = 0;
        loop {
            let (text, over) = {
                let db = shared.db.lock().unwrap_or_else(|e| e.into_inner());
                let text = db.logs.get(&key).cloned().unwrap_or_default();
                let over = db.objects.get(&pod_key).is_none_or(|p| {
                    p["status"]["containerStatuses"][0]["state"]["terminated"].is_object()
                });
                (text, over)
            };
            let lines: Vec<&str> = text.lines().collect();
            for (i, l) in lines.iter().enumerate().skip(sent) {
                let out = if stamps {
                    format!("2026-01-01T00:00:{:02}.{:09}Z {l}\n", i / 1_000_000_000 % 60, i + 1)
                } else {
                    format!("{l}\n")
                };
                if tx.send(Ok(Bytes::from(out))).await.is_err() {
                    return;
                }
            }
            sent = lines.len();
            if !follow || over {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
    Response::builder()
        .header("content-type", "text/plain")
        .body(Body::from_stream(tokio_stream(rx)))
        .unwrap_or_else(|_| status(500, "InternalError", "response".into()))
}
