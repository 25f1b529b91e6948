//! The store on a real SQLite file (and on PostgreSQL where
//! `KEELSON_TEST_POSTGRES_URL` names one): workflows, keyset pages, the
//! event log, statuses — and that all of it is there after reopening.

use engine::run::{Event, Exit};
use engine::status::{Time, WorkflowPhase, WorkflowStatus};
use serde_json::json;
use server::store::Entry;

use server::store::{
    Batch, LabelSelector, ListQuery, LoggedEvent, NewWorkflow, SecretKey, StatusUpdate, Store,
    StoreError, TemplateKind,
};

fn new(uid: &str, name: &str, created: i64) -> NewWorkflow {
    NewWorkflow {
        uid: uid.into(),
        namespace: "argo".into(),
        name: name.into(),
        labels: [("team".to_string(), if created % 2 == 0 { "a" } else { "b" }.to_string())].into(),
        created_at: Time(created),
        submission: json!({"kind": "Workflow", "metadata": {"name": name}}),
    }
}

async fn exercise(store: &Store) {
    for i in 0..5 {
        store
            .insert_workflow(&new(&format!("u{i}"), &format!("wf-{i}"), 100 + i))
            .await
            .expect("insert");
    }
    match store.insert_workflow(&new("other", "wf-1", 1)).await {
        Err(StoreError::AlreadyExists { name, .. }) => assert_eq!(name, "wf-1"),
        other => panic!("expected AlreadyExists, got {other:?}"),
    }
    let got = store.workflow("argo", "wf-2").await.expect("get").expect("found");
    assert_eq!((got.uid.as_str(), got.created_at), ("u2", Time(102)));
    assert_eq!(got.submission["metadata"]["name"], "wf-2");
    assert!(store.workflow("argo", "nope").await.expect("get").is_none());

    // Newest first, two at a time.
    let page1 = store.list_workflows("argo", 2, None).await.expect("list");
    let names: Vec<&str> = page1.iter().map(|w| w.name.as_str()).collect();
    assert_eq!(names, ["wf-4", "wf-3"]);
    let last = page1.last().expect("a row");
    let page2 =
        store.list_workflows("argo", 2, Some((last.created_at, &last.uid))).await.expect("list");
    let names: Vec<&str> = page2.iter().map(|w| w.name.as_str()).collect();
    assert_eq!(names, ["wf-2", "wf-1"]);

    let events = vec![
        LoggedEvent {
            workflow_uid: "u1".into(),
            seq: 1,
            at: Time(200),
            entry: Entry::Engine(Event::NodeStarted { node: "wf-1".into() }),
        },
        LoggedEvent {
            workflow_uid: "u1".into(),
            seq: 2,
            at: Time(201),
            entry: Entry::Engine(Event::NodeExited {
                node: "wf-1".into(),
                exit: Exit { code: 3, ..Default::default() },
            }),
        },
        LoggedEvent { workflow_uid: "u2".into(), seq: 1, at: Time(202), entry: Entry::Started },
    ];
    store.append_events(&events).await.expect("append");
    assert_eq!(store.events("u1").await.expect("events"), events[..2]);
    // A sequence number is written once: a replayed append fails whole.
    assert!(store.append_events(&events[2..]).await.is_err());
    assert_eq!(store.events("u2").await.expect("events").len(), 1);

    let status = WorkflowStatus {
        phase: WorkflowPhase::Failed,
        finished_at: Some(Time(300)),
        ..Default::default()
    };
    templates(store).await;
    secrets(store).await;
    queries(store).await;
    large_status(store).await;
    let data: std::collections::BTreeMap<String, String> =
        [("level".to_string(), "debug".to_string()), ("region".to_string(), "eu".to_string())]
            .into();
    let annotations: std::collections::BTreeMap<String, String> =
        [("workflows.argoproj.io/default-artifact-repository".to_string(), "v1".to_string())]
            .into();
    store.put_config_map("argo", "settings", &data, &annotations, Time(1)).await.expect("put");
    assert_eq!(store.config_map("argo", "settings").await.expect("get"), Some(data));
    assert_eq!(store.config_map("argo", "absent").await.expect("get"), None);
    let kept = store.config_map_annotations_in("argo").await.expect("annotations");
    assert_eq!(kept.get("settings"), Some(&annotations));
    assert!(store.delete_config_map("argo", "settings").await.expect("delete"));
    assert_eq!(store.config_map("argo", "settings").await.expect("get"), None);
    assert!(store.config_map_annotations_in("argo").await.expect("annotations").is_empty());
    store.save_status("u1", &status).await.expect("status");
    let got = store.workflow("argo", "wf-1").await.expect("get").expect("found");
    assert_eq!(got.phase, "Failed");
    assert_eq!(got.finished_at, Some(Time(300)));
    assert_eq!(got.typed_status().expect("status"), status);
    assert_eq!(got.resource_version, 2);
}

const PASSWORD: &[u8] = b"hunter2-correct-horse";

async fn secrets(store: &Store) {
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("dir");
    let key_file = dir.path().join("keys/secret.key");
    let key = SecretKey::load_or_create(&key_file).expect("key");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&key_file).expect("key file").permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "the key file is the owner's only");

    let data: std::collections::BTreeMap<String, Vec<u8>> =
        [("password".to_string(), PASSWORD.to_vec()), ("user".to_string(), b"ci".to_vec())].into();
    store.put_secret(&key, "argo", "db", &data, Time(1)).await.expect("put");
    // The same file gives the same key.
    let again = SecretKey::load_or_create(&key_file).expect("reload");
    let got = store.secret_value(&again, "argo", "db", "password").await.expect("get");
    assert_eq!(got.as_deref(), Some(PASSWORD));
    assert!(store.secret_value(&key, "argo", "db", "nope").await.expect("get").is_none());
    let listed = store.secret_keys("argo").await.expect("list");
    assert_eq!(
        listed.get("db").map(Vec::as_slice),
        Some(&["password".to_string(), "user".to_string()][..])
    );

    // Another key cannot open it, and says so.
    let other =
        SecretKey::from_base64("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=").expect("a key");
    match store.secret_value(&other, "argo", "db", "password").await {
        Err(e @ StoreError::Key(_)) => assert!(e.to_string().contains("does not open"), "{e}"),
        other => panic!("expected a key error, got {other:?}"),
    }
    assert!(SecretKey::from_base64("c2hvcnQ=").is_err(), "a short key is refused");

    // Replacing drops keys that are gone.
    let fewer: std::collections::BTreeMap<String, Vec<u8>> =
        [("user".to_string(), b"ci2".to_vec())].into();
    store.put_secret(&key, "argo", "db", &fewer, Time(2)).await.expect("replace");
    assert!(store.secret_value(&key, "argo", "db", "password").await.expect("get").is_none());
    assert!(store.delete_secret("argo", "db").await.expect("delete"));
    // Put it back for the at-rest check.
    store.put_secret(&key, "argo", "db", &data, Time(3)).await.expect("put");
}

async fn templates(store: &Store) {
    use TemplateKind::{ClusterWorkflowTemplate as Cluster, WorkflowTemplate as Namespaced};
    let body = |v: &str| json!({"kind": "WorkflowTemplate", "spec": {"entrypoint": v}});
    store.put_template(Namespaced, "argo", "build", Time(1), &body("a")).await.expect("put");
    store.put_template(Namespaced, "argo", "test", Time(2), &body("b")).await.expect("put");
    store.put_template(Namespaced, "other", "build", Time(3), &body("c")).await.expect("put");
    // A cluster template ignores the namespace it is named with.
    store.put_template(Cluster, "anything", "shared", Time(4), &body("d")).await.expect("put");
    // Replacing keeps the row and bumps its version.
    store.put_template(Namespaced, "argo", "build", Time(5), &body("a2")).await.expect("update");
    let got = store.template(Namespaced, "argo", "build").await.expect("get").expect("found");
    assert_eq!(got.body["spec"]["entrypoint"], "a2");
    assert_eq!((got.created_at, got.resource_version), (Time(1), 2));
    let names: Vec<String> = store
        .templates(Namespaced, "argo")
        .await
        .expect("list")
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(names, ["build", "test"]);
    let shared = store.template(Cluster, "", "shared").await.expect("get").expect("found");
    assert_eq!(shared.namespace, "");
    assert!(store.template(Namespaced, "argo", "shared").await.expect("get").is_none());
    assert!(store.delete_template(Namespaced, "argo", "test").await.expect("delete"));
    assert!(!store.delete_template(Namespaced, "argo", "test").await.expect("delete"));
}

#[tokio::test]
async fn sqlite_keeps_workflows_and_their_events() {
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("dir");
    let url = format!("sqlite://{}", dir.path().join("keelson.db").display());
    let store = Store::open(&url).await.expect("open");
    exercise(&store).await;
    drop(store);
    // Secrets are not on disk in clear (the database file and its WAL).
    for entry in std::fs::read_dir(dir.path()).expect("dir").flatten() {
        if entry.file_type().is_ok_and(|t| t.is_file()) {
            let bytes = std::fs::read(entry.path()).expect("read");
            assert!(
                !bytes.windows(PASSWORD.len()).any(|w| w == PASSWORD),
                "{} holds a secret in clear",
                entry.path().display()
            );
        }
    }
    // Everything is on disk: a new process would see it.
    let again = Store::open(&url).await.expect("reopen");
    assert_eq!(again.events("u1").await.expect("events").len(), 2);
    assert_eq!(again.list_workflows("argo", 10, None).await.expect("list").len(), 5);
}

#[tokio::test]
async fn postgres_keeps_workflows_and_their_events() {
    let Some((url, _cluster)) = crate::support::postgres::url_or_skip() else { return };
    let store = Store::open(&url).await.expect("open");
    exercise(&store).await;
}

#[tokio::test]
async fn unknown_databases_are_refused_clearly() {
    match Store::open("mysql://localhost/x").await {
        Err(e @ StoreError::UnsupportedUrl(_)) => assert!(e.to_string().contains("sqlite://")),
        Err(other) => panic!("unexpected error {other}"),
        Ok(_) => panic!("mysql accepted"),
    }
}

/// Listing by namespace, phase, label selector (Argo's system labels
/// too), name prefix (`_` and `%` are literal, case counts), creation
/// time and keyset pages.
async fn queries(store: &Store) {
    let names = |rows: Vec<server::store::WorkflowRow>| -> Vec<String> {
        rows.into_iter().map(|r| r.name).collect()
    };
    let q = |labels: &str| ListQuery {
        namespace: Some("argo".into()),
        labels: LabelSelector::parse(labels).expect("selector"),
        ..Default::default()
    };
    let run = |q: ListQuery| async move { store.query_workflows(&q).await.expect("query") };
    // team=a on even creation times: wf-0, wf-2, wf-4.
    assert_eq!(names(run(q("team=a")).await), ["wf-4", "wf-2", "wf-0"]);
    assert_eq!(names(run(q("team!=a")).await), ["wf-3", "wf-1"]);
    assert_eq!(names(run(q("team in (a, b),!nothing")).await).len(), 5);
    assert!(names(run(q("nothing")).await).is_empty());
    let running = StatusUpdate::new(
        "u3",
        &WorkflowStatus { phase: WorkflowPhase::Running, ..Default::default() },
        false,
    )
    .expect("status");
    store
        .write_batch(&Batch { statuses: vec![running], ..Batch::default() })
        .await
        .expect("status");
    assert_eq!(names(run(q("workflows.argoproj.io/phase in (Running)")).await), ["wf-3"]);
    let phases = ListQuery {
        namespace: Some("argo".into()),
        phases: vec!["Pending".into()],
        ..Default::default()
    };
    assert_eq!(names(run(phases).await), ["wf-4", "wf-2", "wf-1", "wf-0"]);
    let range = ListQuery {
        namespace: Some("argo".into()),
        created_after: Some(Time(102)),
        created_before: Some(Time(104)),
        ..Default::default()
    };
    assert_eq!(names(run(range).await), ["wf-3", "wf-2"]);
    for (uid, name) in [("p1", "pre_x"), ("p2", "preax"), ("p3", "PRE_y")] {
        let mut w = new(uid, name, 50);
        w.namespace = "other".into();
        store.insert_workflow(&w).await.expect("insert");
    }
    let prefix = |p: &str| ListQuery { name_prefix: Some(p.into()), ..Default::default() };
    assert_eq!(names(run(prefix("pre_")).await), ["pre_x"]);
    assert_eq!(names(run(prefix("wf-")).await).len(), 5, "every namespace");
    // Pages of one, with a selector.
    let mut page = ListQuery { limit: 1, ..q("team=a") };
    let mut seen = Vec::new();
    loop {
        let rows = run(page.clone()).await;
        let Some(last) = rows.last() else { break };
        page.after = Some((last.created_at, last.uid.clone()));
        seen.extend(names(rows));
    }
    assert_eq!(seen, ["wf-4", "wf-2", "wf-0"]);
}

/// No size ceiling: a status of 100,000 nodes is written and read back.
async fn large_status(store: &Store) {
    let nodes: serde_json::Map<String, serde_json::Value> = (0..100_000)
        .map(|i| {
            let id = format!("big-{i}");
            let node = json!({"id": id, "name": format!("big[{i}].task"), "displayName": "task",
                "type": "Pod", "phase": "Succeeded", "templateName": "work",
                "startedAt": "2026-01-01T00:00:00Z", "finishedAt": "2026-01-01T00:00:01Z"});
            (id, node)
        })
        .collect();
    let status = json!({"phase": "Succeeded", "progress": "100000/100000", "nodes": nodes});
    let text = status.to_string();
    assert!(text.len() > 10 << 20, "bigger than etcd's 1 MiB tenfold: {} bytes", text.len());
    let update = StatusUpdate {
        uid: "u0".into(),
        status: text,
        phase: "Succeeded".into(),
        started_at: Some(Time(1)),
        finished_at: Some(Time(2)),
        suspended: false,
        expires_at: None,
    };
    store
        .write_batch(&Batch { statuses: vec![update], ..Batch::default() })
        .await
        .expect("write a large status");
    let got = store.workflow("argo", "wf-0").await.expect("get").expect("found");
    assert_eq!(got.status["nodes"].as_object().map(|m| m.len()), Some(100_000));
    let typed = got.typed_status().expect("typed");
    assert_eq!(typed.nodes.len(), 100_000);
}
