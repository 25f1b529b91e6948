//! The run as a Gantt chart: one bar per task (pods, suspends), from its
//! start to its end (or now, while it runs, ticking), on the run's time
//! scale with an axis of round times; hovering a bar gives its times.
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
    /// Its start and end on a clock (the viewer's time zone).
    when: String,
}

/// The run's time scale: where it starts and how long it is (seconds).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Scale {
    start: i64,
    total: i64,
}

/// Round times along the scale: (percent, label), at most 8.
fn ticks(scale: Scale) -> Vec<(f64, String)> {
    const STEPS: [i64; 14] = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200];
    let total = scale.total.max(1);
    let step = STEPS.iter().copied().find(|s| total / s <= 8).unwrap_or(total / 8 + 1);
    (0..=total / step)
        .map(|i| {
            let at = i * step;
            (at as f64 / total as f64 * 100.0, crate::time::short_span(at))
        })
        .collect()
}

fn scale_of(tasks: &[&NodeStatus], now: i64) -> Scale {
    let start = tasks.iter().filter_map(|n| n.started_at).map(|t| t.0).min().unwrap_or(now);
    let end = tasks.iter().map(|n| n.finished_at.map_or(now, |t| t.0)).max().unwrap_or(now);
    Scale { start, total: (end - start).max(1) }
}

fn bars(nodes: &[NodeStatus], now: i64) -> (Vec<Bar>, Scale) {
    let mut tasks: Vec<&NodeStatus> = nodes
        .iter()
        .filter(|n| matches!(n.node_type, NodeType::Pod | NodeType::Suspend | NodeType::Container))
        .filter(|n| n.started_at.is_some())
        .collect();
    tasks.sort_by_key(|n| (n.started_at.map(|t| t.0), n.name.clone()));
    let scale = scale_of(&tasks, now);
    let (start, total) = (scale.start, scale.total as f64);
    let bars = tasks
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
                when: format!(
                    "{} – {}",
                    crate::time::clock(engine::status::Time(a)),
                    n.finished_at.map_or_else(|| "now".to_string(), crate::time::clock)
                ),
            }
        })
        .collect();
    (bars, scale)
}

#[component]
pub fn Timeline(run: Run) -> impl IntoView {
    // While the run runs, its bars grow every second.
    let tick = RwSignal::new(0u64);
    #[cfg(feature = "hydrate")]
    if let Ok(handle) = set_interval_with_handle(
        move || {
            if run.summary.with_untracked(|s| s.finished.is_none()) {
                tick.update(|t| *t += 1);
            }
        },
        std::time::Duration::from_secs(1),
    ) {
        on_cleanup(move || handle.clear());
    }
    let laid = Memo::new(move |_| {
        run.version.track();
        tick.track();
        let nodes: Vec<NodeStatus> = run.nodes.with_value(|m| m.values().cloned().collect());
        bars(&nodes, crate::time::now())
    });
    let rows = move || laid.with(|(b, _)| b.clone());
    let axis = move || {
        laid.with(|(_, scale)| ticks(*scale))
            .into_iter()
            .map(|(at, label)| {
                view! { <span class="tick" style=format!("left: {at:.2}%")>{label}</span> }
            })
            .collect_view()
    };
    view! {
        <div class="timeline" role="list" aria-label="timeline">
            <span class="axis-label" aria-hidden="true">"since the first task started"</span>
            <div class="axis" aria-hidden="true">{axis}</div>
            <For
                each=rows
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
                        <div
                            class="bar-track"
                            title=format!("{}: {}, {} ({})", b.label, b.phase, b.took, b.when)
                        >
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
        let (b, scale) = bars(&[pod("b", 110, None), pod("a", 100, Some(110))], 120);
        assert_eq!(scale, Scale { start: 100, total: 20 });
        assert_eq!(b.iter().map(|b| b.label.as_str()).collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!((b[0].left, b[0].width), (0.0, 50.0));
        assert_eq!((b[1].left, b[1].width), (50.0, 50.0));
        assert_eq!(b[1].phase, NodePhase::Running.as_str());
        assert_eq!(b[0].took, "10 s");
        assert_eq!(b[0].when, "00:01:40 – 00:01:50");
        assert_eq!(b[1].when, "00:01:50 – now");
    }

    #[test]
    fn the_axis_has_a_few_round_times() {
        let labels =
            |total| ticks(Scale { start: 0, total }).into_iter().map(|t| t.1).collect::<Vec<_>>();
        assert_eq!(labels(20), ["0s", "5s", "10s", "15s", "20s"]);
        assert_eq!(labels(7), ["0s", "1s", "2s", "3s", "4s", "5s", "6s", "7s"]);
        assert_eq!(labels(600).len(), 6, "every 2 minutes");
        let t = ticks(Scale { start: 0, total: 90 });
        assert!(t.len() <= 9 && t.iter().all(|(at, _)| (0.0..=100.0).contains(at)), "{t:?}");
    }
}
