//! Where the run page is, in its URL: the view (`?tab=summary|graph|
//! timeline|yaml`) and the chosen node (`?node=ID`), so a link opens the page as
//! it was shared and Back and Forward move between the nodes looked at.
//! Without `?node=`, the page chooses the node a person would look at
//! first: a failed run's first failed task, a running one's newest
//! running task — and follows the run with its choice until a person
//! chooses a node.

use engine::status::{NodePhase, NodeStatus, NodeType, WorkflowPhase};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::Run;

/// The page's views, as `?tab=` names them; the first is the default.
pub const TABS: [(&str, &str); 5] = [
    ("summary", "Summary"),
    ("graph", "Graph"),
    ("timeline", "Timeline"),
    ("logs", "Logs"),
    ("yaml", "YAML"),
];

fn known_tab(tab: Option<String>) -> &'static str {
    let tab = tab.unwrap_or_default();
    TABS.iter().map(|(id, _)| *id).find(|id| *id == tab).unwrap_or(TABS[0].0)
}

/// The node to show when the URL names none (`nodes` in start order).
pub fn first_to_look_at(phase: WorkflowPhase, nodes: &[&NodeStatus]) -> Option<String> {
    let task = |n: &&&NodeStatus| matches!(n.node_type, NodeType::Pod | NodeType::Suspend);
    match phase {
        WorkflowPhase::Failed | WorkflowPhase::Error => nodes
            .iter()
            .filter(task)
            .find(|n| matches!(n.phase, NodePhase::Failed | NodePhase::Error))
            .map(|n| n.id.clone()),
        WorkflowPhase::Running | WorkflowPhase::Pending => {
            nodes.iter().filter(task).rfind(|n| n.phase == NodePhase::Running).map(|n| n.id.clone())
        }
        _ => None,
    }
}

/// Keep the view and the chosen node and the URL in step; the view's
/// signal. Reads the URL at once, so the server renders the page as the
/// link says.
pub fn follow_url(run: Run) -> RwSignal<&'static str> {
    let query = use_query_map();
    let tab = RwSignal::new(known_tab(query.with_untracked(|q| q.get("tab"))));
    let named = query.with_untracked(|q| q.get("node"));
    run.page_chooses.set_value(named.is_none());
    let chosen = named.or_else(|| {
        let phase = run.summary.with_untracked(|s| s.phase);
        run.order.with_value(|order| {
            run.nodes.with_value(|m| {
                let nodes: Vec<&NodeStatus> = order.iter().filter_map(|id| m.get(id)).collect();
                first_to_look_at(phase, &nodes)
            })
        })
    });
    run.selected.set(chosen);
    #[cfg(feature = "hydrate")]
    {
        use leptos_router::NavigateOptions;
        // The URL changed (Back, Forward, a link): the page follows.
        Effect::new(move |_| {
            let (node, t) = query.with(|q| (q.get("node"), q.get("tab")));
            if let Some(node) =
                node.filter(|n| run.selected.with_untracked(|s| s.as_ref() != Some(n)))
            {
                run.choose(node);
            }
            let t = known_tab(t);
            if tab.get_untracked() != t {
                tab.set(t);
            }
        });
        // The person chose: a new entry in the history (the first choice,
        // made by the page, replaces the entry it came in on).
        let navigate = leptos_router::hooks::use_navigate();
        let first = StoredValue::new(true);
        Effect::new(move |_| {
            let node = run.selected.get();
            let t = tab.get();
            let (url_node, url_tab) = query.with_untracked(|q| (q.get("node"), q.get("tab")));
            let same = url_node == node && known_tab(url_tab.clone()) == t;
            // The page's own choices replace the entry too: Back goes to
            // what a person chose.
            let replace = first.get_value() || run.page_chooses.get_value();
            first.set_value(false);
            if same && url_tab.is_some() == (t != TABS[0].0) {
                return;
            }
            let url = href(&run, node.as_deref(), t);
            navigate(&url, NavigateOptions { replace, scroll: false, ..Default::default() });
        });
    }
    tab
}

/// The page's URL for `node` in view `tab`.
pub fn href(run: &Run, node: Option<&str>, tab: &str) -> String {
    let mut query = Vec::new();
    if tab != TABS[0].0 {
        query.push(format!("tab={tab}"));
    }
    if let Some(n) = node {
        query.push(format!("node={}", crate::api::encode(n)));
    }
    let path = format!("/workflows/{}/{}", run.namespace.get_value(), run.name.get_value());
    if query.is_empty() { path } else { format!("{path}?{}", query.join("&")) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn node(id: &str, kind: &str, phase: &str) -> NodeStatus {
        serde_json::from_value(json!({"id": id, "name": id, "displayName": id,
            "type": kind, "phase": phase}))
        .expect("node")
    }

    #[test]
    fn a_failed_run_opens_on_its_first_failed_task_a_running_one_on_its_newest() {
        let nodes = [
            node("wf", "DAG", "Failed"),
            node("a", "Pod", "Succeeded"),
            node("b", "Pod", "Failed"),
            node("c", "Pod", "Error"),
        ];
        let refs: Vec<&NodeStatus> = nodes.iter().collect();
        assert_eq!(first_to_look_at(WorkflowPhase::Failed, &refs).as_deref(), Some("b"));
        let running = [
            node("wf", "Steps", "Running"),
            node("x", "Pod", "Running"),
            node("y", "Pod", "Running"),
        ];
        let refs: Vec<&NodeStatus> = running.iter().collect();
        assert_eq!(first_to_look_at(WorkflowPhase::Running, &refs).as_deref(), Some("y"));
        assert_eq!(first_to_look_at(WorkflowPhase::Succeeded, &refs), None);
    }

    #[test]
    fn unknown_tabs_are_the_default_one() {
        assert_eq!(known_tab(Some("timeline".into())), "timeline");
        assert_eq!(known_tab(Some("<script>".into())), "summary");
        assert_eq!(known_tab(None), "summary");
    }
}
