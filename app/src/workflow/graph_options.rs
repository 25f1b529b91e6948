//! What the run's graph shows: succeeded tasks or not, every fan-out
//! unfolded or all folded again. Each choice lays the graph out anew
//! once (a fan-out of thousands unfolds in one layout, not one per box).

use engine::status::{NodePhase, NodeType};
use leptos::prelude::*;

use super::Run;

/// Whether the graph leaves out `node` when succeeded tasks are hidden.
pub fn hidden_when_succeeded_are(node: &engine::status::NodeStatus) -> bool {
    node.phase == NodePhase::Succeeded
        && matches!(node.node_type, NodeType::Pod | NodeType::Container)
}

#[component]
pub fn GraphOptions(run: Run) -> impl IntoView {
    let hide = move |ev| {
        run.hide_succeeded.set(event_target_checked(&ev));
        run.relayout();
    };
    let unfold_all = move |_| {
        let all: std::collections::HashSet<String> = run.nodes.with_value(|m| {
            m.values().filter(|n| n.children.len() > 1).map(|n| n.id.clone()).collect()
        });
        run.expanded.set(all);
        run.relayout();
    };
    let fold_all = move |_| {
        run.expanded.set(Default::default());
        run.relayout();
    };
    view! {
        <div class="graph-options" role="toolbar" aria-label="what the graph shows">
            <label class="inline">
                <input type="checkbox" prop:checked=move || run.hide_succeeded.get() on:change=hide/>
                "Hide succeeded tasks"
            </label>
            <button type="button" on:click=unfold_all>"Unfold all"</button>
            <button type="button" on:click=fold_all>"Fold fan-outs"</button>
        </div>
    }
}
