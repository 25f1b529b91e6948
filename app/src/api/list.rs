//! The workflow list's data (`GET /api/v1/workflows/{ns}`, only the
//! fields the list shows): rows, the filters (as URL query and as API
//! parameters), pages, the live watch, and actions on many workflows.

#[cfg(feature = "hydrate")]
use leptos::prelude::*;

use engine::status::{Time, WorkflowPhase, WorkflowStatus};
use serde::{Deserialize, Serialize};

use super::{List, ObjectMeta, encode};

/// A workflow as the list reads it: only the [`FIELDS`] asked for.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WorkflowItem {
    #[serde(default)]
    pub metadata: ObjectMeta,
    #[serde(default)]
    pub spec: ListedSpec,
    #[serde(default)]
    pub status: WorkflowStatus,
}

/// The part of a listed workflow's `spec` the list shows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListedSpec {
    #[serde(default)]
    pub workflow_template_ref: Option<TemplateName>,
}

/// The template a workflow was made from, by name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateName {
    #[serde(default)]
    pub name: String,
}

/// A workflow as the list shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct WorkflowRow {
    pub namespace: String,
    pub name: String,
    pub phase: WorkflowPhase,
    pub template: String,
    pub progress: String,
    /// Why it is where it is (Argo's `status.message`).
    pub message: String,
    pub created: Option<Time>,
    pub started: Option<Time>,
    pub finished: Option<Time>,
    pub labels: Vec<(String, String)>,
}

/// The fields the list asks for (`fields=`), under `items.` for the list
/// and `result.object.` for the watch.
const FIELDS: [&str; 10] = [
    "metadata.name",
    "metadata.namespace",
    "metadata.labels",
    "metadata.creationTimestamp",
    "spec.workflowTemplateRef",
    "status.phase",
    "status.progress",
    "status.message",
    "status.startedAt",
    "status.finishedAt",
];

/// Labels the server sets itself: not shown as the workflow's labels.
const OWN_LABELS: [&str; 3] = [
    "workflows.argoproj.io/phase",
    "workflows.argoproj.io/completed",
    "workflows.argoproj.io/workflow-template",
];

/// The label that names the template a workflow was submitted from.
const TEMPLATE_LABEL: &str = "workflows.argoproj.io/workflow-template";

impl WorkflowRow {
    /// Whether `other` is the same workflow (names are unique within a
    /// namespace; the list may hold every namespace's).
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    pub fn same(&self, other: &WorkflowRow) -> bool {
        self.name == other.name && self.namespace == other.namespace
    }

    /// Its key among the ticked rows: `namespace/name`.
    pub fn key(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }

    /// The row of `item` (`None` if it has no name).
    pub fn of(item: WorkflowItem) -> Option<WorkflowRow> {
        let WorkflowItem { metadata, spec, status } = item;
        if metadata.name.is_empty() {
            return None;
        }
        let template = match spec.workflow_template_ref {
            Some(t) if !t.name.is_empty() => t.name,
            _ => metadata.labels.get(TEMPLATE_LABEL).cloned().unwrap_or_default(),
        };
        let labels = metadata
            .labels
            .into_iter()
            .filter(|(k, _)| !OWN_LABELS.contains(&k.as_str()))
            .collect();
        Some(WorkflowRow {
            namespace: metadata.namespace,
            name: metadata.name,
            phase: status.phase,
            template,
            progress: status.progress,
            message: status.message,
            created: metadata.creation_timestamp,
            started: status.started_at,
            finished: status.finished_at,
            labels,
        })
    }
}

/// What the list is narrowed to (all empty: everything).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListFilter {
    pub name_prefix: String,
    /// A Kubernetes label selector, as typed.
    pub labels: String,
    /// `1h`, `24h`, `168h` or empty.
    pub since: String,
    pub phases: Vec<String>,
}

impl ListFilter {
    /// From the page's URL query (`?prefix=…&labels=…&since=…&phase=A,B`).
    pub fn from_query(q: &leptos_router::params::ParamsMap) -> ListFilter {
        let get = |k: &str| q.get(k).unwrap_or_default();
        ListFilter {
            name_prefix: get("prefix"),
            labels: get("labels"),
            since: get("since"),
            // `phase=A,B` from the app's links, `phase=A&phase=B` from
            // the form sent without the script.
            phases: q
                .get_all("phase")
                .unwrap_or_default()
                .iter()
                .flat_map(|p| p.split(','))
                .filter(|p| !p.is_empty())
                .map(str::to_string)
                .collect(),
        }
    }

    /// Back to a URL query (with its `?`, or empty), in `namespace`.
    pub fn to_query(&self, namespace: &str) -> String {
        let mut parts = Vec::new();
        for (k, v) in [
            (
                "namespace",
                if namespace == crate::namespace::DEFAULT { "" } else { namespace }.into(),
            ),
            ("prefix", self.name_prefix.clone()),
            ("labels", self.labels.clone()),
            ("since", self.since.clone()),
            ("phase", self.phases.join(",")),
        ] {
            if !v.is_empty() {
                parts.push(format!("{k}={}", encode(&v)));
            }
        }
        if parts.is_empty() { String::new() } else { format!("?{}", parts.join("&")) }
    }

    /// The label selector the server applies to lists and watches: the
    /// user's, and the phases as Argo's UI asks for them.
    fn selector(&self) -> String {
        let mut parts = Vec::new();
        if !self.labels.trim().is_empty() {
            parts.push(self.labels.trim().to_string());
        }
        if !self.phases.is_empty() {
            parts.push(format!("workflows.argoproj.io/phase in ({})", self.phases.join(",")));
        }
        parts.join(",")
    }

    /// The list request's query parameters (without `fields`).
    fn list_params(&self, now_seconds: i64) -> String {
        let mut p = vec![format!("listOptions.limit={PAGE}")];
        let selector = self.selector();
        if !selector.is_empty() {
            p.push(format!("listOptions.labelSelector={}", encode(&selector)));
        }
        if !self.name_prefix.is_empty() {
            p.push(format!("namePrefix={}", encode(&self.name_prefix)));
        }
        if let Some(hours) = self.since.strip_suffix('h').and_then(|h| h.parse::<i64>().ok()) {
            let after = engine::status::Time(now_seconds - hours * 3600);
            p.push(format!("createdAfter={}", encode(&after.to_string())));
        }
        p.join("&")
    }

    /// Whether a row the watch brings belongs in this list (what the
    /// watch's selector cannot say: the name prefix, the age).
    #[cfg_attr(not(any(feature = "hydrate", test)), allow(dead_code))]
    fn admits(&self, row: &WorkflowRow, now_seconds: i64) -> bool {
        let young_enough = match self.since.strip_suffix('h').and_then(|h| h.parse::<i64>().ok()) {
            None => true,
            Some(hours) => row.created.is_some_and(|t| t.0 >= now_seconds - hours * 3600),
        };
        young_enough && row.name.starts_with(&self.name_prefix)
    }
}

/// Rows per page.
const PAGE: usize = 50;

fn fields(under: &str) -> String {
    FIELDS.iter().map(|f| format!("{under}{f}")).collect::<Vec<_>>().join(",")
}

/// The API path of one page of the list (`token`: the page after the
/// one that gave it).
pub fn page_path(namespace: &str, filter: &ListFilter, token: Option<&str>) -> String {
    let mut path = format!(
        "/api/v1/workflows/{}?{}&fields=metadata,{}",
        crate::namespace::in_path(namespace),
        filter.list_params(crate::time::now()),
        fields("items.")
    );
    if let Some(t) = token {
        path.push_str(&format!("&listOptions.continue={}", encode(t)));
    }
    path
}

/// A page of the list as the API answered it: rows, the next page's
/// token, the list's version (where a watch takes over).
pub fn read_page(list: List<WorkflowItem>) -> (Vec<WorkflowRow>, Option<String>, String) {
    let (next, version) = (list.metadata.next_page(), list.metadata.version());
    (list.items.into_iter().filter_map(WorkflowRow::of).collect(), next, version)
}

/// Keep `rows` current from the watch — from the list's `version`, so
/// nothing between the list and the watch is missed — until the stream
/// ends (or the page drops this, closing the socket).
#[cfg(feature = "hydrate")]
pub async fn follow_workflows(
    namespace: &str,
    filter: &ListFilter,
    version: &str,
    rows: RwSignal<Vec<WorkflowRow>>,
    more: RwSignal<Option<String>>,
) -> Result<(), super::LoadError> {
    use futures_util::StreamExt;
    use gloo_net::websocket::Message;

    use super::{EventKind, Watched};

    let mut url = format!(
        "/ws/workflow-events/{}?listOptions.resourceVersion={version}&fields=result.type,{}",
        crate::namespace::in_path(namespace),
        fields("result.object.")
    );
    let selector = filter.selector();
    if !selector.is_empty() {
        url.push_str(&format!("&listOptions.labelSelector={}", encode(&selector)));
    }
    let mut socket = gloo_net::websocket::futures::WebSocket::open(&super::socket_url(&url))
        .map_err(|e| super::LoadError::Other(format!("the live updates cannot start: {e}")))?;
    while let Some(Ok(Message::Text(text))) = socket.next().await {
        let Ok(message) = serde_json::from_str::<Watched<WorkflowItem>>(&text) else { continue };
        if let Some(e) = message.error {
            return Err(super::LoadError::Other(e.message));
        }
        let Some(event) = message.result else { continue };
        let Some(row) = event.object.and_then(WorkflowRow::of) else { continue };
        if !filter.admits(&row, crate::time::now()) {
            continue;
        }
        let all_loaded = more.with_untracked(Option::is_none);
        rows.update(|rows| {
            let at = rows.iter().position(|r| r.same(&row));
            match (event.kind, at) {
                (EventKind::Deleted, Some(i)) => {
                    rows.remove(i);
                }
                (EventKind::Deleted, None) => {}
                (_, Some(i)) => rows[i] = row,
                // New to this list (a watch resumed after a gap says
                // MODIFIED for what was created meanwhile): in its place,
                // newest first — unless it belongs on a page not loaded.
                (_, None) => {
                    let place = rows.iter().position(|r| r.created <= row.created);
                    match place {
                        Some(i) => rows.insert(i, row),
                        None if all_loaded => rows.push(row),
                        None => {}
                    }
                }
            }
        });
    }
    Ok(())
}

/// Append the next page.
#[cfg(feature = "hydrate")]
pub async fn more_workflows(
    namespace: &str,
    filter: &ListFilter,
    token: &str,
    rows: RwSignal<Vec<WorkflowRow>>,
    more: RwSignal<Option<String>>,
) -> Result<(), String> {
    let list = super::get::<List<WorkflowItem>>(&page_path(namespace, filter, Some(token)))
        .await
        .map_err(|e| match e {
        super::LoadError::SignedOut => "signed out: sign in again".to_string(),
        super::LoadError::Other(m) => m,
    })?;
    let (next_rows, next, _) = read_page(list);
    rows.update(|rows| {
        for r in next_rows {
            if !rows.iter().any(|x| x.same(&r)) {
                rows.push(r);
            }
        }
    });
    more.set(next);
    Ok(())
}

/// `action` on each of `keys` (`namespace/name`), one after the other;
/// what failed, as "namespace/name: why".
#[cfg(feature = "hydrate")]
pub async fn act_on_many(action: &str, keys: &[String]) -> Vec<String> {
    let me = match super::me().await {
        Ok(me) => me,
        Err(_) => return vec!["signed out: sign in again".into()],
    };
    let mut failures = Vec::new();
    for key in keys {
        let Some((namespace, name)) = key.split_once('/') else { continue };
        let done = super::act(&me, namespace, name, action, &super::RunAction::default()).await;
        if let Err(e) = done {
            failures.push(format!("{key}: {e}"));
        }
    }
    failures
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(v: serde_json::Value) -> WorkflowItem {
        serde_json::from_value(v).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn filters_go_to_the_url_and_to_the_api() {
        let f = ListFilter {
            name_prefix: "ci-".into(),
            labels: "team=data".into(),
            since: "24h".into(),
            phases: vec!["Running".into(), "Failed".into()],
        };
        assert_eq!(
            f.to_query("default"),
            "?prefix=ci-&labels=team%3Ddata&since=24h&phase=Running%2CFailed"
        );
        assert_eq!(f.selector(), "team=data,workflows.argoproj.io/phase in (Running,Failed)");
        let p = f.list_params(1_000_000);
        assert!(p.contains("namePrefix=ci-"), "{p}");
        assert!(p.contains("createdAfter=1970-01-11T13%3A46%3A40Z"), "{p}");
        assert_eq!(ListFilter::default().to_query("default"), "");
        // The watch brings what the selector allows; the list keeps only
        // what matches the name and the age too.
        let row = |name: &str, created: &str| WorkflowRow {
            name: name.into(),
            created: Time::parse_rfc3339(created),
            ..WorkflowRow::of(item(serde_json::json!({"metadata": {"name": "x"}})))
                .unwrap_or_else(|| panic!("a row"))
        };
        let now = 1_000_000;
        assert!(f.admits(&row("ci-1", "1970-01-12T13:46:00Z"), now));
        assert!(!f.admits(&row("ci-1", "1970-01-10T00:00:00Z"), now), "older than a day");
        assert!(!f.admits(&row("other", "1970-01-12T13:46:00Z"), now), "another name");
    }

    #[test]
    fn rows_read_the_template_and_hide_the_servers_labels() {
        let v = serde_json::json!({
            "metadata": {"name": "a", "creationTimestamp": "2026-01-01T00:00:00Z", "labels": {
                "team": "data",
                "workflows.argoproj.io/phase": "Running",
                "workflows.argoproj.io/workflow-template": "ci"
            }},
            "status": {"phase": "Running", "progress": "1/2", "startedAt": "2026-01-01T00:00:01Z"}
        });
        let r = WorkflowRow::of(item(v)).unwrap_or_else(|| panic!("a row"));
        assert_eq!(r.template, "ci");
        assert_eq!(r.labels, [("team".to_string(), "data".to_string())]);
        assert_eq!((r.phase, r.progress.as_str()), (WorkflowPhase::Running, "1/2"));
        assert_eq!(r.started, Time::parse_rfc3339("2026-01-01T00:00:01Z"));
        assert!(WorkflowRow::of(item(serde_json::json!({}))).is_none());

        let page: List<WorkflowItem> = serde_json::from_str(&serde_json::json!({
            "metadata": {"resourceVersion": "42", "continue": "next"},
            "items": [{"metadata": {"name": "b"}, "spec": {"workflowTemplateRef": {"name": "t"}}}]
        })
        .to_string())
        .unwrap_or_else(|e| panic!("{e}"));
        let (rows, next, version) = read_page(page);
        assert_eq!((rows[0].template.as_str(), rows[0].phase), ("t", WorkflowPhase::Unknown));
        assert_eq!((next.as_deref(), version.as_str()), (Some("next"), "42"));
    }
}
