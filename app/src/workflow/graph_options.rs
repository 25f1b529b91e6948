//! What the run's graph shows: succeeded tasks or not, each call into
//! another template as one box or not, every fan-out unfolded or all
//! folded again. Each choice lays the graph out anew once (a fan-out of
//! thousands unfolds in one layout, not one per box).

use std::collections::HashSet;

use engine::status::{NodePhase, NodeStatus, NodeType};
use leptos::prelude::*;

use super::Run;

/// Whether the graph leaves out `node` when succeeded tasks are hidden.
pub fn hidden_when_succeeded_are(node: &engine::status::NodeStatus) -> bool {
    node.phase == NodePhase::Succeeded
        && matches!(node.node_type, NodeType::Pod | NodeType::Container)
}

/// The nodes inside calls into other templates (`templateRef`): what
/// grouping by templateRef leaves out, each call then drawn as one box.
/// A node is inside another when its name extends the other's (Argo
/// names a DAG's tasks `parent.task`, a step `parent[i].step`, a retry's
/// attempts `parent(n)`).
pub fn inside_template_refs(nodes: &[NodeStatus]) -> HashSet<String> {
    let calls: HashSet<&str> =
        nodes.iter().filter(|n| n.template_ref.is_some()).map(|n| n.name.as_str()).collect();
    // A node is inside a call when its name, cut before one of its `.`,
    // `[` or `(`, is the call's name.
    let is_inside = |name: &str| {
        name.char_indices()
            .filter(|(_, c)| matches!(c, '.' | '[' | '('))
            .any(|(i, _)| calls.contains(&name[..i]))
    };
    let mut inside: HashSet<String> =
        nodes.iter().filter(|n| is_inside(&n.name)).map(|n| n.id.clone()).collect();
    // The calls' own plans (tasks not started yet) and folded fan-outs go
    // with them.
    let parents: Vec<String> = nodes
        .iter()
        .filter(|n| n.template_ref.is_some())
        .map(|n| n.id.clone())
        .chain(inside.iter().cloned())
        .collect();
    inside.extend(parents.iter().map(|p| format!("ghost:{p}:")));
    inside
}

/// Whether `key` is in `hidden`, or a ghost or folded box of a node
/// whose are (`ghost:{parent}:` in it: see [`inside_template_refs`]).
pub fn left_out(hidden: &HashSet<String>, key: &str) -> bool {
    let of = |parent: &str| hidden.contains(&format!("ghost:{parent}:"));
    hidden.contains(key)
        || key
            .strip_prefix("ghost:")
            .and_then(|rest| rest.split_once(':'))
            .is_some_and(|(parent, _)| of(parent))
        || key.strip_suffix("/folded").is_some_and(of)
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
    let group = move |ev| {
        run.group_refs.set(event_target_checked(&ev));
        run.relayout();
    };
    view! {
        <div class="graph-options" role="toolbar" aria-label="what the graph shows">
            <label class="inline">
                <input type="checkbox" prop:checked=move || run.hide_succeeded.get() on:change=hide/>
                "Hide succeeded tasks"
            </label>
            <label class="inline">
                <input type="checkbox" prop:checked=move || run.group_refs.get() on:change=group/>
                "Group by templateRef"
            </label>
            <button type="button" on:click=unfold_all>"Unfold all"</button>
            <button type="button" on:click=fold_all>"Fold fan-outs"</button>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: &str, name: &str, called: bool, children: &[&str]) -> NodeStatus {
        let mut v = serde_json::json!({"id": id, "name": name, "displayName": name,
            "type": "DAG", "phase": "Running", "children": children});
        if called {
            v["templateRef"] = serde_json::json!({"name": "lib", "template": "build"});
        }
        serde_json::from_value(v).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_call_into_another_template_keeps_its_box_and_hides_what_is_inside() {
        let nodes = [
            node("w", "w", false, &["a"]),
            node("a", "w.build", true, &["a1"]),
            node("a1", "w.build.compile", false, &["a2"]),
            node("a2", "w.build.test", false, &["d"]),
            node("d", "w.build-docs", false, &[]),
            node("p", "w.ping", true, &[]),
        ];
        let hidden = inside_template_refs(&nodes);
        assert!(hidden.contains("a1") && hidden.contains("a2"));
        for kept in ["w", "a", "d", "p"] {
            assert!(!left_out(&hidden, kept), "{kept} is kept");
        }
        assert!(left_out(&hidden, "ghost:a:package"), "the call's tasks not started yet");
        assert!(!left_out(&hidden, "ghost:w:deploy"));
        assert!(left_out(&hidden, "a/folded"), "a fan-out folded inside the call");
        assert!(!left_out(&hidden, "w/folded"));
    }
}
