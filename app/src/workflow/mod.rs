//! The workflow page: the run's graph kept current live (or its timeline,
//! or its YAML), a panel for the chosen node with its live log, and the
//! actions on the run.
//!
//! Live updates are cheap by construction: each change of the workflow
//! hands the graph only the nodes whose phase changed (it sets their
//! `data-phase`), and the graph is laid out and drawn again only when the
//! drawing's structure changed (a node appeared, a fan-out was expanded).

mod actions;
mod artifacts;
mod events;
mod graph_options;
mod log;
mod panel;
mod place;
mod plan;
mod snapshot;
mod summary;
mod timeline;
mod yaml;

use std::collections::{HashMap, HashSet};

use engine::graph::{Drawing, Shape};
use engine::status::{NodePhase, NodeStatus, Time, WorkflowPhase};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::api::{List, Me};
pub use actions::question;
#[cfg(feature = "hydrate")]
pub use snapshot::read_event;
pub use snapshot::{Raw, Snapshot};

/// The workflow as a whole, as the page header shows it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    pub phase: WorkflowPhase,
    pub message: String,
    pub progress: String,
    pub started: Option<Time>,
    pub finished: Option<Time>,
    /// `spec.suspend`: suspended by the user.
    pub suspended: bool,
    /// A suspend node is waiting to be resumed.
    pub waiting: bool,
    /// The workflow's JSON, for the YAML view.
    pub object: Raw,
    pub metadata: snapshot::SnapshotMeta,
    pub spec: snapshot::SnapshotSpec,
    pub conditions: Vec<engine::status::Condition>,
}

/// What the page knows of the run, shared by its parts (all `Copy`).
#[derive(Clone, Copy)]
pub struct Run {
    pub namespace: StoredValue<String>,
    pub name: StoredValue<String>,
    pub summary: RwSignal<Summary>,
    /// The boxes and arrows; set only when the structure changes.
    pub drawing: RwSignal<Drawing>,
    /// Fan-outs the user unfolded (parent node IDs).
    pub expanded: RwSignal<HashSet<String>>,
    /// Succeeded tasks left out of the graph.
    pub hide_succeeded: RwSignal<bool>,
    /// Each call into another template (`templateRef`) drawn as one box.
    pub group_refs: RwSignal<bool>,
    /// The templates the run's DAG and steps nodes run (see [`plan`]):
    /// what the graph's ghost tasks come from.
    templates: StoredValue<Vec<engine::spec::Template>>,
    /// The same templates as written (JSON), for the YAML view.
    written_templates: StoredValue<Vec<serde_json::Value>>,
    /// `templates` has been read from the workflow.
    planned: StoredValue<bool>,
    /// The nodes by ID, as of `version`.
    pub nodes: StoredValue<HashMap<String, NodeStatus>>,
    pub order: StoredValue<Vec<String>>,
    pub version: RwSignal<u64>,
    /// Each node's phase, as last seen.
    phases: StoredValue<HashMap<String, NodePhase>>,
    /// The nodes whose phase changed with the last update (ID, phase).
    pub changed: RwSignal<Vec<(String, String)>>,
    pub selected: RwSignal<Option<String>>,
    /// Nobody has chosen a node yet: the page's choice follows the run
    /// (see [`place::first_to_look_at`]).
    page_chooses: StoredValue<bool>,
    pub me: RwSignal<Option<Me>>,
}

impl Run {
    fn new(namespace: String, name: String) -> Run {
        Run {
            namespace: StoredValue::new(namespace),
            name: StoredValue::new(name),
            summary: RwSignal::new(Summary::default()),
            drawing: RwSignal::new(Drawing::default()),
            expanded: RwSignal::new(HashSet::new()),
            hide_succeeded: RwSignal::new(false),
            group_refs: RwSignal::new(false),
            templates: StoredValue::new(Vec::new()),
            written_templates: StoredValue::new(Vec::new()),
            planned: StoredValue::new(false),
            nodes: StoredValue::new(HashMap::new()),
            order: StoredValue::new(Vec::new()),
            version: RwSignal::new(0),
            phases: StoredValue::new(HashMap::new()),
            changed: RwSignal::new(Vec::new()),
            selected: RwSignal::new(None),
            page_chooses: StoredValue::new(true),
            me: RwSignal::new(None),
        }
    }

    /// What node `id`'s box shows (nothing for a ghost).
    fn box_state(&self, id: &str) -> crate::graph::BoxState {
        self.nodes.with_value(|m| match m.get(id) {
            Some(n) => crate::graph::BoxState {
                phase: n.phase.as_str().to_string(),
                started: n.started_at,
                finished: n.finished_at,
            },
            None => crate::graph::BoxState::default(),
        })
    }

    /// Take in the workflow as it now is (`raw`: its JSON as it came,
    /// for the YAML view).
    pub fn apply(&self, update: Snapshot, raw: Raw) {
        let status = update.status;
        if !self.planned.get_value() && !matches!(raw, Raw::Nothing) {
            self.planned.set_value(true);
            let (written, read) = plan::templates_of(&raw.object());
            self.written_templates.set_value(written);
            self.templates.set_value(read);
        }
        let mut nodes: Vec<NodeStatus> = status.nodes.into_values().collect();
        // `status.nodes` is a map: order the nodes by start, so the
        // drawing's roots (the run, then its exit handler) come in order.
        nodes.sort_by(|a, b| {
            let started = |n: &NodeStatus| n.started_at.map_or(i64::MAX, |t| t.0);
            started(a).cmp(&started(b)).then_with(|| a.name.cmp(&b.name))
        });
        let waiting = nodes.iter().any(|n| {
            n.node_type == engine::status::NodeType::Suspend && n.phase == NodePhase::Running
        });
        self.summary.set(Summary {
            phase: status.phase,
            message: status.message,
            progress: status.progress,
            started: status.started_at,
            finished: status.finished_at,
            suspended: update.spec.suspend == Some(true),
            waiting,
            object: raw,
            metadata: update.metadata,
            spec: update.spec,
            conditions: status.conditions,
        });
        let mut changed = Vec::new();
        self.phases.update_value(|known| {
            for n in &nodes {
                if known.get(&n.id).is_none_or(|p| *p != n.phase) {
                    known.insert(n.id.clone(), n.phase);
                    changed.push((n.id.clone(), n.phase.as_str().to_string()));
                }
            }
        });
        let drawing = self.drawing_of(&nodes);
        self.order.set_value(nodes.iter().map(|n| n.id.clone()).collect());
        // The nodes first: the graph reads their phases and times when
        // it draws the boxes or sets the changes on them.
        self.nodes.set_value(nodes.into_iter().map(|n| (n.id.clone(), n)).collect());
        self.set_drawing(drawing);
        if !changed.is_empty() {
            self.changed.set(changed);
            self.follow_with_choice();
        }
        self.version.update(|v| *v += 1);
    }

    /// The drawing of `nodes`, with the ghosts of what has not started.
    fn drawing_of(&self, nodes: &[NodeStatus]) -> Drawing {
        let drawing = self.expanded.with_untracked(|open| {
            self.templates.with_value(|t| Drawing::of_running(nodes, open, t))
        });
        let (hide, group) = (self.hide_succeeded.get_untracked(), self.group_refs.get_untracked());
        if !hide && !group {
            return drawing;
        }
        let mut hidden: HashSet<String> =
            if group { graph_options::inside_template_refs(nodes) } else { HashSet::new() };
        if hide {
            hidden.extend(
                nodes
                    .iter()
                    .filter(|n| graph_options::hidden_when_succeeded_are(n))
                    .map(|n| n.id.clone()),
            );
        }
        let gone: HashSet<String> = drawing
            .nodes
            .iter()
            .filter(|n| graph_options::left_out(&hidden, &n.key))
            .map(|n| n.key.clone())
            .collect();
        drawing.without(&gone)
    }

    /// A person chose node `id`: from now on the page keeps to it.
    pub fn choose(&self, id: String) {
        self.page_chooses.set_value(false);
        self.selected.set(Some(id));
    }

    /// Until a person chooses a node, the chosen one is the node they
    /// would look at now: the newest running task, a failed one.
    fn follow_with_choice(&self) {
        if !self.page_chooses.get_value() {
            return;
        }
        let phase = self.summary.with_untracked(|s| s.phase);
        let first = self.order.with_value(|order| {
            self.nodes.with_value(|m| {
                let nodes: Vec<&NodeStatus> = order.iter().filter_map(|id| m.get(id)).collect();
                place::first_to_look_at(phase, &nodes)
            })
        });
        if first.is_some() && self.selected.with_untracked(|s| *s != first) {
            self.selected.set(first);
        }
    }

    /// Draw `drawing` if it differs from what is drawn.
    fn set_drawing(&self, drawing: Drawing) {
        if self.drawing.with_untracked(|d| *d != drawing) {
            self.drawing.set(drawing);
        }
    }

    /// What the graph draws and what a click on a box does (select it, or
    /// unfold a fan-out).
    fn graph_source(self) -> crate::graph::Source {
        crate::graph::Source {
            drawing: self.drawing.into(),
            state: Callback::new(move |key: String| self.box_state(&key)),
            changed: self.changed.into(),
            selected: self.selected.into(),
            pick: Callback::new(move |(key, shape): (String, Shape)| match shape {
                Shape::Folded { parent, .. } => self.expand(&parent),
                _ => self.choose(key),
            }),
        }
    }

    /// Show all children of `parent`.
    pub fn expand(&self, parent: &str) {
        self.expanded.update(|open| {
            open.insert(parent.to_string());
        });
        self.relayout();
    }

    /// Add templates to the run's plan (those of the WorkflowTemplate it
    /// refers to), then draw the ghosts they give.
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    fn add_templates(
        &self,
        (written, more): (Vec<serde_json::Value>, Vec<engine::spec::Template>),
    ) {
        self.written_templates.update_value(|w| {
            for template in written {
                let name = template.get("name").cloned();
                if !w.iter().any(|mine| mine.get("name") == name.as_ref()) {
                    w.push(template);
                }
            }
        });
        self.templates.update_value(|t| {
            for template in more {
                if !t.iter().any(|mine| mine.name == template.name) {
                    t.push(template);
                }
            }
        });
        self.relayout();
    }

    /// Each pod's task (the node's display name), by pod name.
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    pub fn task_names_by_pod(&self) -> HashMap<String, std::sync::Arc<str>> {
        let workflow = self.name.get_value();
        self.nodes.with_value(|m| {
            m.values()
                .filter(|n| n.node_type == engine::status::NodeType::Pod)
                .map(|n| {
                    let template = n.template_name.clone().unwrap_or_default();
                    let pod = engine::status::pod_name(&workflow, &n.name, &template);
                    (pod, std::sync::Arc::from(n.display_name.as_str()))
                })
                .collect()
        })
    }

    /// Lay the graph out again if its drawing changed.
    fn relayout(&self) {
        let nodes: Vec<NodeStatus> = self.order.with_value(|order| {
            self.nodes.with_value(|m| order.iter().filter_map(|id| m.get(id).cloned()).collect())
        });
        self.set_drawing(self.drawing_of(&nodes));
    }
}

#[component]
pub fn WorkflowPage() -> impl IntoView {
    let params = use_params_map();
    let namespace = params.with_untracked(|p| p.get("namespace").unwrap_or_default());
    let name = params.with_untracked(|p| p.get("name").unwrap_or_default());
    // Both go into an API path: only names Kubernetes would accept.
    if !crate::namespace::valid(&namespace) || !crate::namespace::valid_object_name(&name) {
        return view! {
            <p class="error" role="alert">{format!("no workflow is called {namespace}/{name}")}</p>
        }
        .into_any();
    }
    let paths = vec![
        crate::api::USERINFO.to_string(),
        format!("/api/v1/workflows/{namespace}?{}", crate::api::one_workflow(&name)),
    ];
    // The workflow whole (the YAML view shows all of it).
    type Answers = (Me, List<serde_json::Value>);
    view! {
        {crate::load::page(paths, move |(me, list): Answers| {
            let (namespace, name) = (namespace.clone(), name.clone());
            view! { <RunView me list namespace name/> }
        })}
    }
    .into_any()
}

/// The run (`list`: a list of just this workflow) for the user, followed
/// live from the list's version.
#[component]
fn RunView(
    me: Me,
    list: List<serde_json::Value>,
    namespace: String,
    name: String,
) -> impl IntoView {
    let run = Run::new(namespace.clone(), name.clone());
    run.me.set(Some(me));
    let version = list.metadata.version();
    let error = RwSignal::new(None::<String>);
    match list.items.into_iter().next() {
        Some(current) => run.apply(Snapshot::read(&current), Raw::Object(current.into())),
        None => error.set(Some(format!("workflow {name} does not exist (any more)"))),
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = version;
    #[cfg(feature = "hydrate")]
    if error.get_untracked().is_none() {
        plan::fetch_referred(run);
        crate::load::in_browser(error, move || {
            let (namespace, name) = (run.namespace.get_value(), run.name.get_value());
            let version = version.clone();
            async move {
                let apply = move |update, raw| run.apply(update, raw);
                crate::api::follow_workflow(&namespace, &name, &version, apply).await
            }
        });
    }
    let phase = move || run.summary.with(|s| crate::api::phase_name(s.phase));
    let tab = place::follow_url(run);
    view! {
        <div class="workflow-head">
            <h1>{name.clone()}</h1>
            <span class=move || format!("badge phase {}", phase().to_lowercase()) data-phase=phase>
                <crate::icons::PhaseIcon phase=Signal::derive(move || phase().to_string())/>
                {phase}
            </span>
            <span class="hint">{move || run.summary.with(|s| s.progress.clone())}</span>
        </div>
        <p class="hint">{move || run.summary.with(|s| s.message.clone())}</p>
        {crate::load::alert(error)}
        <actions::Actions run/>
        <div class="tabs" role="tablist" aria-label="views of the run">
            {place::TABS
                .into_iter()
                .map(|(id, label)| {
                    // Links: each view has its own URL, and they work
                    // before (and without) the page's script.
                    let href = move || place::href(&run, run.selected.get().as_deref(), id);
                    view! {
                        <a
                            role="tab"
                            href=href
                            aria-selected=move || (tab.get() == id).to_string()
                        >
                            {label}
                        </a>
                    }
                })
                .collect_view()}
        </div>
        <div class="detail">
            <div role="tabpanel">
                {move || (tab.get() == "summary").then(|| view! { <summary::RunSummary run/> })}
                <div hidden=move || tab.get() != "graph">
                    <graph_options::GraphOptions run/>
                    <crate::graph::Graph
                        source=run.graph_source()
                        label="workflow graph"
                        class="run"
                        scope="run".to_string()
                    />
                </div>
                {move || (tab.get() == "timeline").then(|| view! { <timeline::Timeline run/> })}
                {move || (tab.get() == "yaml").then(|| view! { <yaml::YamlView run/> })}
                {move || {
                    (tab.get() == "logs")
                        .then(|| {
                            view! {
                                <section class="all-logs" aria-label="logs of all tasks">
                                    <log::LogView run pod=None/>
                                </section>
                            }
                        })
                }}
            </div>
            <panel::Panel run/>
        </div>
    }
}
