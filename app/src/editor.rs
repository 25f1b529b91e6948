//! The YAML editor: write a Workflow, WorkflowTemplate, ClusterWorkflowTemplate
//! or CronWorkflow, see `keelson lint`'s findings as you type — each at
//! its line in the margin and in a list that moves the cursor there — and
//! the graph it would run, then submit (or create) it. Opened on a
//! template or cron workflow (`?template=`, `?cluster-template=`,
//! `?cron=`), it edits that one and saves it in place.
//!
//! Lint runs in the browser: the engine's own lint, the same rules and
//! messages as `keelson lint`, built as a WASM module of its own
//! (`lint-web`, `/pkg/keelson_lint.js`) that only this page fetches.

use engine::graph::Drawing;
use leptos::prelude::*;
use serde::Deserialize;

use crate::api::Me;

/// What the editor starts with: a small DAG to change.
const EXAMPLE: &str = "apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: hello-
spec:
  entrypoint: main
  arguments:
    parameters:
    - name: who
      value: world
  templates:
  - name: main
    dag:
      tasks:
      - name: greet
        template: say
      - name: reply
        template: say
        dependencies: [greet]
  - name: say
    container:
      image: alpine
      command: [echo, \"hello {{workflow.parameters.who}}\"]
";

/// Lines of text past which lint waits for a pause in typing that long
/// (ms) before it reads the text again.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
const PAUSE_MS: u64 = 150;

/// One of lint's findings (`keelson lint --output json`'s fields).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Finding {
    pub line: usize,
    pub column: usize,
    pub severity: String,
    pub code: String,
    pub message: String,
}

/// What lint made of the text: its findings and its YAML documents.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct Checked {
    #[serde(default)]
    pub findings: Vec<Finding>,
    #[serde(default)]
    pub documents: Vec<serde_json::Value>,
}

impl Checked {
    fn errors(&self) -> usize {
        self.findings.iter().filter(|f| f.severity == "error").count()
    }

    /// Why the text cannot be sent as it is (`None`: it can).
    fn not_ready(&self) -> Option<String> {
        match (self.errors(), self.documents.len()) {
            (0, 1) => None,
            (0, 0) => Some("there is nothing to submit yet".into()),
            (0, _) => Some("one document at a time: this text holds several".into()),
            (n, _) => Some(format!("fix the {n} error{} first", if n == 1 { "" } else { "s" })),
        }
    }

    /// The graph of the (first) document's entrypoint.
    fn preview(&self) -> Drawing {
        let Some(doc) = self.documents.first() else { return Drawing::default() };
        let spec = match doc.get("kind").and_then(|k| k.as_str()) {
            Some("CronWorkflow") => doc.pointer("/spec/workflowSpec"),
            _ => doc.get("spec"),
        };
        spec.and_then(crate::api::read_via_text::<engine::spec::WorkflowSpec>)
            .and_then(|s| Drawing::of_template(&s, None))
            .unwrap_or_default()
    }
}

/// Where a document of `kind` is created, the body that carries it, and
/// the page that shows it afterwards (`name`: what the server named it).
pub fn destination(kind: &str, namespace: &str) -> Option<(String, &'static str)> {
    Some(match kind {
        "Workflow" => (format!("/api/v1/workflows/{namespace}"), "workflow"),
        "WorkflowTemplate" => (format!("/api/v1/workflow-templates/{namespace}"), "template"),
        "ClusterWorkflowTemplate" => ("/api/v1/cluster-workflow-templates".into(), "template"),
        "CronWorkflow" => (format!("/api/v1/cron-workflows/{namespace}"), "cronWorkflow"),
        _ => return None,
    })
}

/// The page that shows what was created.
#[cfg_attr(not(any(feature = "hydrate", test)), allow(dead_code))]
pub fn shown_at(kind: &str, namespace: &str, name: &str) -> String {
    match kind {
        "Workflow" => format!("/workflows/{namespace}/{name}"),
        "CronWorkflow" => format!("/cron-workflows/{namespace}/{name}"),
        "ClusterWorkflowTemplate" => crate::templates::page_href(namespace, name, true),
        _ => crate::templates::page_href(namespace, name, false),
    }
}

/// An object being edited: where it is read and saved, what it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Editing {
    pub path: String,
    pub kind: &'static str,
    pub name: String,
}

/// What the page's query asks to edit (`None`: something new).
pub fn editing(q: &leptos_router::params::ParamsMap, namespace: &str) -> Option<Editing> {
    let wanted = [
        ("template", "WorkflowTemplate"),
        ("cluster-template", "ClusterWorkflowTemplate"),
        ("cron", "CronWorkflow"),
    ];
    let (name, kind) = wanted.iter().find_map(|(key, kind)| Some((q.get(key)?, *kind)))?;
    if !crate::namespace::valid_object_name(&name) {
        return None;
    }
    let (path, _) = destination(kind, namespace)?;
    Some(Editing { path: format!("{path}/{name}"), kind, name })
}

/// An object as the editor shows it: what a person writes (kind, name,
/// labels, annotations, spec), not what the server adds.
pub fn editable_yaml(object: &serde_json::Value, kind: &str) -> String {
    let mut metadata = serde_json::Map::new();
    for field in ["name", "labels", "annotations"] {
        if let Some(v) = object.pointer(&format!("/metadata/{field}")) {
            metadata.insert(field.into(), v.clone());
        }
    }
    let shown = serde_json::json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": kind,
        "metadata": metadata,
        "spec": object.get("spec").cloned().unwrap_or_default(),
    });
    engine::yaml::to_yaml(&shown)
}

#[component]
pub fn Editor() -> impl IntoView {
    let query = leptos_router::hooks::use_query_map();
    let namespace = crate::namespace::current_one().get_untracked();
    let what = query.with_untracked(|q| editing(q, &namespace));
    let user = crate::api::USERINFO.to_string();
    match what {
        None => {
            let page = crate::load::page(vec![user], move |(me,): (Me,)| {
                view! { <EditorView me initial=EXAMPLE.to_string() editing=None/> }
            });
            view! { <h1>"New from YAML"</h1> {page} }.into_any()
        }
        Some(e) => {
            let heading = format!("Edit {} {}", e.kind, e.name);
            let paths = vec![user, e.path.clone()];
            let page = crate::load::page(paths, move |(me, object): (Me, serde_json::Value)| {
                let initial = editable_yaml(&object, e.kind);
                view! { <EditorView me initial editing=Some(e.clone())/> }
            });
            view! { <h1>{heading}</h1> {page} }.into_any()
        }
    }
}

#[component]
fn EditorView(me: Me, initial: String, editing: Option<Editing>) -> impl IntoView {
    let text = RwSignal::new(initial.clone());
    // `None` until lint has read the text once.
    let checked = RwSignal::new(None::<Checked>);
    let error = RwSignal::new(None::<String>);
    let area = NodeRef::<leptos::html::Textarea>::new();
    #[cfg(feature = "hydrate")]
    lint_as_typed(text, checked, error);
    let namespace = crate::namespace::current_one();
    let drawing =
        Memo::new(move |_| checked.with(|c| c.as_ref().map(Checked::preview).unwrap_or_default()));
    let preview = crate::graph::Source {
        drawing: drawing.into(),
        state: Callback::new(|_key: String| crate::graph::BoxState::default()),
        changed: Signal::stored(Vec::new()),
        selected: Signal::stored(None),
        pick: Callback::new(|_| {}),
    };
    view! {
        <p class="hint">
            "A Workflow, WorkflowTemplate, ClusterWorkflowTemplate or CronWorkflow. "
            "It is checked as you type by the same lint as "<code>"keelson lint"</code>"."
        </p>
        {crate::load::alert(error)}
        <div class="editor">
            <div class="editor-text">
                <Gutter text checked/>
                <textarea
                    node_ref=area
                    aria-label="YAML"
                    spellcheck="false"
                    autocomplete="off"
                    prop:value=move || text.get()
                    on:input=move |ev| text.set(event_target_value(&ev))
                    on:scroll=move |_| sync_gutter(area)
                >
                    {initial}
                </textarea>
            </div>
            <div class="editor-side">
                <Findings checked area/>
                <crate::graph::Graph
                    source=preview
                    label="graph of the YAML"
                    class="preview editor-preview"
                    scope="editor".to_string()
                />
                <SubmitButton me checked namespace error editing/>
            </div>
        </div>
    }
}

/// Line numbers beside the text, a line with a finding marked (its
/// messages on hover).
#[component]
fn Gutter(text: RwSignal<String>, checked: RwSignal<Option<Checked>>) -> impl IntoView {
    let lines = move || {
        let count = text.with(|t| t.split('\n').count());
        checked.with(|c| {
            (1..=count)
                .map(|n| {
                    let here: Vec<&Finding> =
                        c.iter().flat_map(|c| &c.findings).filter(|f| f.line == n).collect();
                    let severity = here
                        .iter()
                        .map(|f| f.severity.as_str())
                        .find(|s| *s == "error")
                        .or(here.first().map(|f| f.severity.as_str()))
                        .unwrap_or("")
                        .to_string();
                    let title =
                        here.iter().map(|f| f.message.as_str()).collect::<Vec<_>>().join("\n");
                    view! { <span data-line=n data-severity=severity title=title>{n}"\n"</span> }
                })
                .collect_view()
        })
    };
    view! { <pre class="gutter" aria-hidden="true">{lines}</pre> }
}

/// The gutter scrolls with the text.
fn sync_gutter(area: NodeRef<leptos::html::Textarea>) {
    #[cfg(feature = "hydrate")]
    if let Some(a) = area.get_untracked()
        && let Some(gutter) = a.previous_element_sibling()
    {
        gutter.set_scroll_top(a.scroll_top());
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = area;
}

/// The findings, each a button that puts the cursor where it is.
#[component]
fn Findings(
    checked: RwSignal<Option<Checked>>,
    area: NodeRef<leptos::html::Textarea>,
) -> impl IntoView {
    let summary = move || {
        checked.with(|c| match c {
            None => "Checking…".to_string(),
            Some(c) if c.findings.is_empty() => "No problems found.".to_string(),
            Some(c) => {
                let errors = c.errors();
                let warnings = c.findings.len() - errors;
                format!("{errors} error(s), {warnings} warning(s)")
            }
        })
    };
    let go_to = move |line: usize, column: usize| {
        #[cfg(feature = "hydrate")]
        if let Some(a) = area.get_untracked() {
            let value = a.value();
            let at = offset_of(&value, line, column) as u32;
            let _ = a.focus();
            let _ = a.set_selection_range(at, at);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (area, line, column);
    };
    view! {
        <section class="findings" aria-label="lint findings">
            <p class="hint" role="status">{summary}</p>
            <ul>
                {move || {
                    checked
                        .with(|c| c.as_ref().map(|c| c.findings.clone()).unwrap_or_default())
                        .into_iter()
                        .map(|f| {
                            let (line, column) = (f.line, f.column);
                            view! {
                                <li data-line=line data-code=f.code.clone() data-severity=f.severity.clone()>
                                    <button type="button" class="link" on:click=move |_| go_to(line, column)>
                                        {format!("line {line}, column {column}")}
                                    </button>
                                    {format!(" {}: {} ({})", f.severity, f.message, f.code)}
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ul>
        </section>
    }
}

/// Where line `line`, column `column` (both from 1, columns in
/// characters) is in `text`, in UTF-16 units as a textarea counts.
#[cfg_attr(not(any(feature = "hydrate", test)), allow(dead_code))]
pub fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let mut at = 0;
    for (n, l) in text.split('\n').enumerate() {
        if n + 1 == line {
            return at
                + l.chars().take(column.saturating_sub(1)).map(char::len_utf16).sum::<usize>();
        }
        at += l.encode_utf16().count() + 1;
    }
    at.saturating_sub(1)
}

/// Submit (or create) the one document, then go to where it is shown.
#[component]
fn SubmitButton(
    me: Me,
    checked: RwSignal<Option<Checked>>,
    namespace: Memo<String>,
    error: RwSignal<Option<String>>,
    editing: Option<Editing>,
) -> impl IntoView {
    let busy = RwSignal::new(false);
    let editing = StoredValue::new(editing);
    let kind = move || {
        checked.with(|c| {
            c.as_ref()
                .and_then(|c| c.documents.first())
                .and_then(|d| d.get("kind")?.as_str().map(str::to_string))
                .unwrap_or_default()
        })
    };
    let name = move || {
        checked.with(|c| {
            c.as_ref()
                .and_then(|c| c.documents.first())
                .and_then(|d| d.pointer("/metadata/name")?.as_str().map(str::to_string))
                .unwrap_or_default()
        })
    };
    let reason = move || match checked.with(|c| c.as_ref().map(Checked::not_ready)) {
        None => Some("checking…".to_string()),
        Some(Some(why)) => Some(why),
        Some(None) => match editing.get_value() {
            Some(e) if e.kind != kind() || e.name != name() => Some(format!(
                "this edits {} {}: its kind and name stay (New from YAML makes another)",
                e.kind, e.name
            )),
            Some(_) => None,
            None => destination(&kind(), "x")
                .is_none()
                .then(|| format!("a {} cannot be created here", kind())),
        },
    };
    let label = move || match (editing.with_value(Option::is_some), kind().as_str()) {
        (true, _) => "Save",
        (false, "CronWorkflow") => "Create cron workflow",
        (false, "WorkflowTemplate" | "ClusterWorkflowTemplate") => "Create template",
        _ => "Submit",
    };
    #[cfg(not(feature = "hydrate"))]
    let _ = (&me, namespace, error);
    let send = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let Some(doc) =
                checked.with_untracked(|c| c.as_ref().and_then(|c| c.documents.first().cloned()))
            else {
                return;
            };
            let kind = doc.get("kind").and_then(|k| k.as_str()).unwrap_or_default().to_string();
            let ns = doc
                .pointer("/metadata/namespace")
                .and_then(|n| n.as_str())
                .map_or_else(|| namespace.get_untracked(), str::to_string);
            let Some((path, field)) = destination(&kind, &ns) else { return };
            // Editing: saved in place (PUT to the object's own path).
            let (path, method) = match editing.get_value() {
                Some(e) => (e.path, crate::api::Method::Put),
                None => (path, crate::api::Method::Post),
            };
            let me = me.clone();
            let navigate = leptos_router::hooks::use_navigate();
            busy.set(true);
            error.set(None);
            leptos::task::spawn_local(async move {
                let body = serde_json::json!({ field: doc });
                match crate::api::send::<crate::api::Named>(&me, method, &path, &body).await {
                    Ok(made) => {
                        navigate(&shown_at(&kind, &ns, &made.metadata.name), Default::default())
                    }
                    Err(m) => error.set(Some(m)),
                }
                busy.set(false);
            });
        }
    };
    view! {
        <p>
            <button
                type="button"
                class="primary"
                disabled=move || busy.get() || reason().is_some()
                title=move || reason().unwrap_or_default()
                on:click=send
            >
                {label}
            </button>
            <span class="hint">{move || reason().map(|r| format!(" {r}"))}</span>
        </p>
    }
}

/// Lint the text each time typing pauses, in the browser's lint module
/// (fetched once, the first time).
#[cfg(feature = "hydrate")]
fn lint_as_typed(
    text: RwSignal<String>,
    checked: RwSignal<Option<Checked>>,
    error: RwSignal<Option<String>>,
) {
    let generation = StoredValue::new(0u64);
    Effect::new(move |_| {
        let t = text.get();
        let mine = generation.get_value() + 1;
        generation.set_value(mine);
        set_timeout(
            move || {
                if generation.get_value() != mine {
                    return;
                }
                leptos::task::spawn_local(async move {
                    match browser_lint::lint(&t).await {
                        Ok(answer) => {
                            if generation.get_value() == mine {
                                checked
                                    .set(Some(serde_json::from_str(&answer).unwrap_or_default()));
                            }
                        }
                        Err(e) => error.set(Some(e)),
                    }
                });
            },
            std::time::Duration::from_millis(PAUSE_MS),
        );
    });
}

/// The `lint-web` module, as the page imports it (its JS glue is small;
/// its WASM is fetched by `default()`, once).
#[cfg(feature = "hydrate")]
mod browser_lint {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen(raw_module = "/pkg/keelson_lint.js")]
    extern "C" {
        #[wasm_bindgen(js_name = default)]
        fn init() -> js_sys::Promise;
        #[wasm_bindgen(js_name = lint)]
        fn lint_text(text: &str) -> String;
    }

    thread_local! {
        static LOADED: std::cell::OnceCell<js_sys::Promise> = const { std::cell::OnceCell::new() };
    }

    /// Lint's answer for `text` (JSON).
    pub async fn lint(text: &str) -> Result<String, String> {
        let loaded = LOADED.with(|l| l.get_or_init(init).clone());
        wasm_bindgen_futures::JsFuture::from(loaded).await.map_err(|_| {
            "the editor's lint cannot be loaded (is the UI fully built?)".to_string()
        })?;
        Ok(lint_text(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_edited_object_is_read_and_saved_at_its_own_path() {
        let mut q = leptos_router::params::ParamsMap::new();
        q.insert("template", "ci".to_string());
        let e = editing(&q, "team");
        assert_eq!(
            e.as_ref().map(|e| (e.path.as_str(), e.kind)),
            Some(("/api/v1/workflow-templates/team/ci", "WorkflowTemplate"))
        );
        let mut q = leptos_router::params::ParamsMap::new();
        q.insert("cron", "../x".to_string());
        assert_eq!(editing(&q, "team"), None, "only object names");
        let object = serde_json::json!({"metadata": {"name": "ci", "uid": "u", "resourceVersion": "9",
            "labels": {"a": "b"}}, "spec": {"entrypoint": "main"}, "status": {}});
        let yaml = editable_yaml(&object, "WorkflowTemplate");
        assert!(yaml.contains("kind: WorkflowTemplate") && yaml.contains("name: ci"), "{yaml}");
        assert!(yaml.contains("a: b"), "{yaml}");
        for left_out in ["uid", "resourceVersion", "status"] {
            assert!(!yaml.contains(left_out), "{yaml}");
        }
    }

    #[test]
    fn a_finding_puts_the_cursor_at_its_line_and_column() {
        let text = "ab\nçd: x\n\nlast";
        assert_eq!(offset_of(text, 1, 1), 0);
        assert_eq!(offset_of(text, 2, 3), 5, "ç is one UTF-16 unit");
        assert_eq!(offset_of(text, 4, 2), 11);
        assert_eq!(offset_of(text, 9, 1), 14, "past the end: the end");
    }

    #[test]
    fn only_one_clean_document_of_a_known_kind_is_sent() {
        let doc = serde_json::json!({"kind": "Workflow", "spec": {"entrypoint": "main", "templates": [
            {"name": "main", "dag": {"tasks": [{"name": "a", "template": "t"}]}},
            {"name": "t", "container": {"image": "alpine"}}]}});
        let mut c = Checked { findings: vec![], documents: vec![doc.clone()] };
        assert_eq!(c.not_ready(), None);
        assert_eq!(c.preview().nodes.len(), 2);
        c.documents.push(doc);
        assert!(c.not_ready().is_some_and(|w| w.contains("one document")));
        c.findings.push(Finding {
            line: 3,
            column: 1,
            severity: "error".into(),
            code: "yaml".into(),
            message: "bad".into(),
        });
        assert_eq!(c.not_ready().as_deref(), Some("fix the 1 error first"));
        assert_eq!(destination("CronWorkflow", "ci").map(|d| d.1), Some("cronWorkflow"));
        assert!(destination("Pod", "ci").is_none());
        assert_eq!(shown_at("Workflow", "ci", "hello-x"), "/workflows/ci/hello-x");
        assert_eq!(shown_at("WorkflowTemplate", "ci", "build"), "/templates/ci/build");
        assert_eq!(shown_at("CronWorkflow", "ci", "nightly"), "/cron-workflows/ci/nightly");
    }
}
