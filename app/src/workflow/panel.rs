//! The chosen node: phase, message, template, timing, inputs and outputs
//! (artifacts among them, with downloads and previews),
//! "retry from here", and for a pod its live log. The facts follow each
//! change of the run; the log is opened once per pod and kept open.

use engine::status::{NodeStatus, NodeType, Time};
use leptos::prelude::*;

use super::Run;

#[component]
pub fn Panel(run: Run) -> impl IntoView {
    let node = Memo::new(move |_| {
        run.version.track();
        let id = run.selected.get()?;
        run.nodes.with_value(|m| m.get(&id).cloned())
    });
    // The pod whose log is shown: changes only when another pod is chosen.
    let pod = Memo::new(move |_| {
        let n = node.get()?;
        (n.node_type == NodeType::Pod).then(|| {
            let template = n.template_name.clone().unwrap_or_default();
            engine::status::pod_name(&run.name.get_value(), &n.name, &template)
        })
    });
    view! {
        <aside class="panel" aria-label="node details">
            {move || match node.get() {
                None => view! { <p class="hint">"Choose a node to see its details and log."</p> }.into_any(),
                Some(n) => facts(run, n).into_any(),
            }}
            {move || pod.get().map(|pod| view! { <super::log::LogView run pod=Some(pod)/> })}
        </aside>
    }
    .into_any()
}

/// What a node is, in words.
fn kind(n: &NodeStatus) -> &'static str {
    match n.node_type {
        NodeType::Pod => "task (pod)",
        NodeType::Container => "container",
        NodeType::Steps => "steps",
        NodeType::StepGroup => "step group",
        NodeType::Dag => "DAG",
        NodeType::TaskGroup => "task group (loop)",
        NodeType::Retry => "retries",
        NodeType::Skipped => "skipped",
        NodeType::Suspend => "suspend (waits to be resumed)",
        NodeType::Http => "HTTP request",
        NodeType::Plugin => "plugin",
    }
}

fn facts(run: Run, n: NodeStatus) -> impl IntoView {
    let mut rows: Vec<(&'static str, String)> = vec![
        ("Phase", n.phase.as_str().to_string()),
        ("Type", kind(&n).to_string()),
        ("Name", n.name.clone()),
    ];
    let template = n
        .template_name
        .clone()
        .or_else(|| n.template_ref.as_ref().map(|r| format!("{}/{}", r.name, r.template)));
    if let Some(t) = template {
        rows.push(("Template", t));
    }
    if !n.message.is_empty() {
        rows.push(("Message", n.message.clone()));
    }
    if n.node_type == NodeType::Retry {
        rows.push(("Attempts", n.children.len().to_string()));
    }
    if let Some(o) = &n.outputs {
        if let Some(code) = &o.exit_code {
            rows.push(("Exit code", code.clone()));
        }
        if let Some(r) = &o.result {
            rows.push(("Result", r.clone()));
        }
        for p in &o.parameters {
            rows.push(("Output", format!("{} = {}", p.name, p.value.clone().unwrap_or_default())));
        }
    }
    if let Some(inputs) = &n.inputs {
        for p in &inputs.parameters {
            let value = p.value.as_ref().map(|v| v.to_string()).unwrap_or_default();
            rows.push(("Input", format!("{} = {value}", p.name)));
        }
    }
    let phase_class = format!("phase {}", n.phase.as_str().to_lowercase());
    let waiting = n.node_type == NodeType::Suspend;
    // A suspend node waiting to be resumed: the way on is right here.
    let waits = waiting && n.phase == engine::status::NodePhase::Running;
    let id = n.id.clone();
    let node = n.clone();
    view! {
        <h2>{n.display_name.clone()}</h2>
        <dl class="facts">
            {rows
                .into_iter()
                .map(|(k, v)| {
                    let class = if k == "Phase" { phase_class.clone() } else { String::new() };
                    let icon = (k == "Phase").then(|| {
                        view! { <crate::icons::PhaseIcon phase=v.clone() waiting/> }
                    });
                    view! {
                        <dt>{k}</dt>
                        <dd class=class>{icon}{v}</dd>
                    }
                })
                .collect_view()}
            <NodeTimes started=n.started_at finished=n.finished_at/>
        </dl>
        <super::artifacts::Artifacts run node/>
        <super::events::NodeEvents run id=id.clone()/>
        {waits.then(|| view! { <super::actions::ResumeNode run id=id.clone()/> })}
        <super::actions::RetryNode run id/>
    }
}

/// When the node started and ended — relative, the exact time on hover —
/// and how long it took, ticking while it runs.
#[component]
fn NodeTimes(started: Option<Time>, finished: Option<Time>) -> impl IntoView {
    let tick = RwSignal::new(0u64);
    #[cfg(feature = "hydrate")]
    if started.is_some() && finished.is_none() {
        let handle = leptos::prelude::set_interval_with_handle(
            move || tick.update(|t| *t += 1),
            std::time::Duration::from_secs(1),
        );
        if let Ok(handle) = handle {
            on_cleanup(move || handle.clear());
        }
    }
    let at = move |t: Time| {
        view! {
            <time datetime=t.to_string() title=t.to_string()>
                {move || {
                    tick.track();
                    crate::time::ago(Some(t))
                }}
            </time>
        }
    };
    view! {
        {started.map(|t| view! { <dt>"Started"</dt><dd>{at(t)}</dd> })}
        {finished.map(|t| view! { <dt>"Finished"</dt><dd>{at(t)}</dd> })}
        {started.map(|_| view! {
            <dt>"Duration"</dt>
            <dd class="duration">
                {move || {
                    tick.track();
                    crate::time::duration(started, finished)
                }}
            </dd>
        })}
    }
}
