//! The run at a glance (the page's first view): its phase and message,
//! when it started and ended (relative, the exact time on hover), how
//! long it took — ticking while it runs —, progress, the parameters and
//! artifacts it was submitted with (the parameters editable, to resubmit
//! or retry with others), the template it came from, the other runs of
//! it and how long they took, labels, annotations and conditions.

use leptos::prelude::*;

use super::Run;
use crate::time;

/// Argo's label for who submitted a workflow.
const CREATOR: &str = "workflows.argoproj.io/creator";

#[component]
pub fn RunSummary(run: Run) -> impl IntoView {
    // A second's tick while the run goes on, for the durations.
    let tick = RwSignal::new(0u64);
    #[cfg(feature = "hydrate")]
    {
        let handle = leptos::prelude::set_interval_with_handle(
            move || {
                if run.summary.with_untracked(|s| s.finished.is_none()) {
                    tick.update(|t| *t += 1);
                }
            },
            std::time::Duration::from_secs(1),
        );
        if let Ok(handle) = handle {
            on_cleanup(move || handle.clear());
        }
    }
    let when = move |at: Option<engine::status::Time>| {
        tick.track();
        at.map(|t| view! { <time datetime=t.to_string() title=t.to_string()>{time::ago(Some(t))}</time> })
    };
    let facts = move || {
        run.summary.with(|s| {
            let (started, finished) = (s.started, s.finished);
            view! {
                <dl class="facts">
                    <dt>"Phase"</dt>
                    <dd class=format!("phase {}", crate::api::phase_name(s.phase).to_lowercase())>
                        <crate::icons::PhaseIcon phase=crate::api::phase_name(s.phase).to_string()/>
                        {crate::api::phase_name(s.phase)}
                    </dd>
                    {(!s.message.is_empty()).then(|| view! { <dt>"Message"</dt><dd>{s.message.clone()}</dd> })}
                    <dt>"Started"</dt>
                    <dd>{move || when(started)}</dd>
                    <dt>"Finished"</dt>
                    <dd>{move || when(finished).map(|v| v.into_any()).unwrap_or_else(|| "not yet".into_any())}</dd>
                    <dt>"Duration"</dt>
                    <dd class="duration">
                        {move || {
                            tick.track();
                            time::duration(started, finished)
                        }}
                    </dd>
                    <dt>"Progress"</dt>
                    <dd>{s.progress.clone()}</dd>
                    {s.metadata.labels.get(CREATOR).map(|who| view! { <dt>"Submitted by"</dt><dd data-creator>{who.clone()}</dd> })}
                </dl>
            }
        })
    };
    let namespace = run.namespace.get_value();
    let origin = move || {
        run.summary.with(|s| {
            s.spec.workflow_template_ref.clone().map(|t| {
                let label = if t.cluster_scope {
                    "workflows.argoproj.io/cluster-workflow-template"
                } else {
                    "workflows.argoproj.io/workflow-template"
                };
                let runs = format!(
                    "/workflows?namespace={}&labels={}",
                    crate::api::encode(&namespace),
                    crate::api::encode(&format!("{label}={}", t.name))
                );
                let kind =
                    if t.cluster_scope { "ClusterWorkflowTemplate" } else { "WorkflowTemplate" };
                let selector = format!("{label}={}", t.name);
                view! {
                    <h3>"Template"</h3>
                    <p>
                        {format!("{kind} ")}<strong>{t.name.clone()}</strong>" · "
                        <a href=runs>"all runs of it"</a>
                    </p>
                    <EarlierRuns run selector/>
                }
            })
        })
    };
    // The parameters, read once: edits are not lost to the next update.
    let (parameters, artifacts) = run.summary.with_untracked(|s| {
        let args = &s.spec.arguments;
        let parameters: Vec<(String, String)> = args
            .parameters
            .iter()
            .map(|p| {
                let v = match &p.value {
                    Some(serde_json::Value::String(v)) => v.clone(),
                    Some(v) => v.to_string(),
                    None => String::new(),
                };
                (p.name.clone(), v)
            })
            .collect();
        let artifacts: Vec<String> = args.artifacts.iter().map(|a| a.name.clone()).collect();
        (parameters, artifacts)
    });
    let arguments = view! {
        <h3>"Parameters"</h3>
        {if parameters.is_empty() {
            view! { <p class="hint">"none given"</p> }.into_any()
        } else {
            view! { <super::actions::RerunWith run parameters/> }.into_any()
        }}
        {(!artifacts.is_empty()).then(|| view! {
            <h3>"Artifacts"</h3>
            <p>{artifacts.into_iter().map(|a| view! { <span class="chip">{a}</span> }).collect_view()}</p>
        })}
    };
    let metadata = move || {
        run.summary.with(|s| {
            let shown = |m: &std::collections::BTreeMap<String, String>| -> Vec<String> {
                m.iter()
                    .filter(|(k, _)| !k.starts_with("workflows.argoproj.io/"))
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect()
            };
            let labels = shown(&s.metadata.labels);
            let annotations = shown(&s.metadata.annotations);
            let conditions: Vec<String> = s
                .conditions
                .iter()
                .map(|c| format!("{} ({}): {}", c.condition_type, c.status, c.message))
                .collect();
            view! {
                {(!labels.is_empty()).then(|| view! {
                    <h3>"Labels"</h3>
                    <p>{labels.into_iter().map(|l| view! { <span class="chip">{l}</span> }).collect_view()}</p>
                })}
                {(!annotations.is_empty()).then(|| view! {
                    <h3>"Annotations"</h3>
                    <ul>{annotations.into_iter().map(|a| view! { <li><code>{a}</code></li> }).collect_view()}</ul>
                })}
                {(!conditions.is_empty()).then(|| view! {
                    <h3>"Conditions"</h3>
                    <ul>{conditions.into_iter().map(|c| view! { <li>{c}</li> }).collect_view()}</ul>
                })}
            }
        })
    };
    view! {
        <section class="summary" aria-label="run summary">
            {facts}
            {origin}
            {arguments}
            {metadata}
        </section>
    }
}

/// How long the earlier successful runs of the same template took: the
/// median, and of how many (this run left out).
#[component]
fn EarlierRuns(run: Run, selector: String) -> impl IntoView {
    let estimate = RwSignal::new(None::<(i64, usize)>);
    #[cfg(feature = "hydrate")]
    {
        let filter = crate::api::ListFilter {
            labels: selector,
            phases: vec!["Succeeded".into()],
            ..Default::default()
        };
        let path = crate::api::page_path(&run.namespace.get_value(), &filter, None);
        let me = run.name.get_value();
        leptos::task::spawn_local(async move {
            if let Ok(list) =
                crate::api::get::<crate::api::List<crate::api::WorkflowItem>>(&path).await
            {
                let (rows, _, _) = crate::api::read_page(list);
                estimate.set(median_duration(&rows, &me));
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (run, selector);
    move || {
        estimate.get().map(|(seconds, n)| {
            let runs = if n == 1 { "run" } else { "runs" };
            view! {
                <p data-estimate=seconds>
                    {format!("Earlier successful {runs} took about {} (the median of {n}).", time::span(seconds))}
                </p>
            }
        })
    }
}

/// The median of the finished rows' durations, and how many there were
/// (`except` left out); `None` without any.
#[cfg_attr(not(any(feature = "hydrate", test)), allow(dead_code))]
pub fn median_duration(rows: &[crate::api::WorkflowRow], except: &str) -> Option<(i64, usize)> {
    let mut took: Vec<i64> = rows
        .iter()
        .filter(|r| r.name != except)
        .filter_map(|r| Some(r.finished?.0 - r.started?.0))
        .collect();
    if took.is_empty() {
        return None;
    }
    took.sort_unstable();
    Some((took[took.len() / 2], took.len()))
}

#[cfg(test)]
mod tests {
    use engine::status::Time;

    use super::*;
    use crate::api::WorkflowRow;

    fn row(name: &str, took: Option<i64>) -> WorkflowRow {
        WorkflowRow {
            name: name.into(),
            started: Some(Time(1000)),
            finished: took.map(|t| Time(1000 + t)),
            ..WorkflowRow::default()
        }
    }

    #[test]
    fn earlier_runs_give_the_median_duration() {
        let rows = [
            row("a", Some(10)),
            row("b", Some(30)),
            row("c", Some(12)),
            row("me", Some(99)),
            row("d", None),
        ];
        assert_eq!(median_duration(&rows, "me"), Some((12, 3)));
        assert_eq!(median_duration(&rows[3..], "me"), None);
    }
}
