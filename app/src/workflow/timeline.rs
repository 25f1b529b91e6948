//! The run as a Gantt chart: one bar per task (pods, suspends), from its
//! start to its end (or now, while it runs), on the run's time scale.
//! Clicking a task selects it, as in the graph.

use engine::status::{NodeStatus, NodeType};
use leptos::prelude::*;

use super::Run;

/// A task's bar: label, phase, and where it sits (percent of the run).
#[derive(Debug, Clone, PartialEq)]
struct Bar {
    id: String,
    label: String,
    phase: String,
    left: f64,
    width: f64,
    took: String,
}

fn bars(nodes: &[NodeStatus], now: i64) -> Vec<Bar> {
    let mut tasks: Vec<&NodeStatus> = nodes
        .iter()
        .filter(|n| matches!(n.node_type, NodeType::Pod | NodeType::Suspend | NodeType::Container))
        .filter(|n| n.started_at.is_some())
        .collect();
    tasks.sort_by_key(|n| (n.started_at.map(|t| t.0), n.name.clone()));
    let start = tasks.iter().filter_map(|n| n.started_at).map(|t| t.0).min().unwrap_or(now);
    let end = tasks.iter().map(|n| n.finished_at.map_or(now, |t| t.0)).max().unwrap_or(now);
    let total = (end - start).max(1) as f64;
    tasks
        .into_iter()
        .map(|n| {
            let a = n.started_at.map_or(start, |t| t.0);
            let b = n.finished_at.map_or(now, |t| t.0).max(a);
            Bar {
                id: n.id.clone(),
                label: n.display_name.clone(),
                phase: n.phase.as_str().to_string(),
                left: (a - start) as f64 / total * 100.0,
                width: ((b - a) as f64 / total * 100.0).max(0.3),
                took: crate::time::span(b - a),
            }
        })
        .collect()
}

#[component]
pub fn Timeline(run: Run) -> impl IntoView {
    let rows = Memo::new(move |_| {
        run.version.track();
        let nodes: Vec<NodeStatus> = run.nodes.with_value(|m| m.values().cloned().collect());
        bars(&nodes, crate::time::now())
    });
    view! {
        <div class="timeline" role="list" aria-label="timeline">
            <For
                each=move || rows.get()
                key=|b| (b.id.clone(), b.phase.clone(), b.width.to_bits())
                children=move |b| {
                    let id = b.id.clone();
                    let style = format!("left: {:.2}%; width: {:.2}%", b.left, b.width);
                    view! {
                        <button
                            type="button"
                            class="linklike"
                            role="listitem"
                            on:click=move |_| run.choose(id.clone())
                        >
                            {b.label.clone()}
                        </button>
                        <div class="bar-track" title=format!("{}: {} ({})", b.label, b.phase, b.took)>
                            <div
                                class=format!("bar {}", b.phase.to_lowercase())
                                style=style
                                data-label=b.label.clone()
                            ></div>
                        </div>
                    }
                }
            />
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use engine::status::{NodePhase, Time};

    fn pod(name: &str, start: i64, end: Option<i64>) -> NodeStatus {
        let json = serde_json::json!({
            "id": name, "name": name, "displayName": name, "type": "Pod",
            "phase": if end.is_some() { "Succeeded" } else { "Running" },
        });
        let mut n: NodeStatus = serde_json::from_value(json).unwrap_or_else(|e| panic!("{e}"));
        n.started_at = Some(Time(start));
        n.finished_at = end.map(Time);
        n
    }

    #[test]
    fn bars_sit_on_the_runs_time_scale() {
        let b = bars(&[pod("b", 110, None), pod("a", 100, Some(110))], 120);
        assert_eq!(b.iter().map(|b| b.label.as_str()).collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!((b[0].left, b[0].width), (0.0, 50.0));
        assert_eq!((b[1].left, b[1].width), (50.0, 50.0));
        assert_eq!(b[1].phase, NodePhase::Running.as_str());
        assert_eq!(b[0].took, "10 s");
    }
}
