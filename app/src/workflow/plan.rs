//! What the run will do: the templates its DAG and steps nodes run, read
//! once — the workflow's own `spec.templates`, and those of the
//! WorkflowTemplate it refers to (fetched by the browser) — so that the
//! graph can show the tasks that have not started yet as ghosts
//! (`engine::graph::ghost`).

use engine::spec::Template;
#[cfg(feature = "hydrate")]
use leptos::prelude::*;

#[cfg(feature = "hydrate")]
use super::Run;
use super::snapshot::TemplateRef;

/// The templates of a Workflow's or WorkflowTemplate's JSON, as JSON
/// (what the YAML view shows) and read (none if they cannot be read:
/// the graph then shows only what has started).
pub fn templates_of(object: &serde_json::Value) -> (Vec<serde_json::Value>, Vec<Template>) {
    let Some(templates) = object.pointer("/spec/templates") else { return Default::default() };
    let written = templates.as_array().cloned().unwrap_or_default();
    (written, read_templates(templates))
}

fn read_templates(templates: &serde_json::Value) -> Vec<Template> {
    crate::api::read_via_text(templates).unwrap_or_default()
}

/// The path of the WorkflowTemplate (or ClusterWorkflowTemplate) `r`
/// names, read in `namespace`.
#[cfg_attr(not(any(feature = "hydrate", test)), allow(dead_code))]
pub fn referred_path(namespace: &str, r: &TemplateRef) -> String {
    if r.cluster_scope {
        format!("{}/{}", crate::api::CLUSTER_TEMPLATES, r.name)
    } else {
        format!("{}/{}", crate::api::templates_path(namespace), r.name)
    }
}

/// In the browser: fetch the WorkflowTemplate the run refers to, if any,
/// and add its templates to the run's plan. A template that cannot be
/// read (deleted since, not allowed) only leaves the ghosts out.
#[cfg(feature = "hydrate")]
pub fn fetch_referred(run: Run) {
    let Some(r) = run.summary.with_untracked(|s| s.spec.workflow_template_ref.clone()) else {
        return;
    };
    let path = referred_path(&run.namespace.get_value(), &r);
    leptos::task::spawn_local(async move {
        match crate::api::get::<serde_json::Value>(&path).await {
            Ok(t) => run.add_templates(templates_of(&t)),
            Err(e) => leptos::logging::debug_warn!("the run's template cannot be read: {e:?}"),
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_templates_are_read_and_unreadable_ones_are_none() {
        let wf = serde_json::json!({"spec": {"templates": [
            {"name": "main", "dag": {"tasks": [{"name": "a", "template": "t"}]}},
            {"name": "t", "container": {"image": "alpine"}},
        ]}});
        let (written, read) = templates_of(&wf);
        let names: Vec<String> = read.into_iter().map(|t| t.name).collect();
        assert_eq!(names, ["main", "t"]);
        assert_eq!(written[1]["container"]["image"], "alpine");
        let odd = serde_json::json!({"spec": {"templates": [{"name": 7}]}});
        assert!(templates_of(&odd).1.is_empty());
        assert!(templates_of(&serde_json::json!({})).0.is_empty());
    }

    #[test]
    fn a_referred_template_is_read_where_it_lives() {
        let mut r = TemplateRef { name: "ci".into(), cluster_scope: false };
        assert_eq!(referred_path("team", &r), "/api/v1/workflow-templates/team/ci");
        r.cluster_scope = true;
        assert_eq!(referred_path("team", &r), "/api/v1/cluster-workflow-templates/ci");
    }
}
