//! The YAML view: the workflow as YAML, one foldable section per
//! top-level field (status folded first on a large run), keys
//! highlighted, a copy button; and the chosen node's template with the
//! inputs it ran with.

use engine::status::NodeStatus;
use leptos::prelude::*;

use super::Run;

use crate::yaml::{CopyButton, HIGHLIGHT_UP_TO, Highlighted};

#[component]
pub fn YamlView(run: Run) -> impl IntoView {
    let object = move || run.summary.with(|s| s.object.object());
    let sections = move || {
        let object = object();
        let Some(fields) = object.as_object() else { return Vec::new() };
        fields
            .iter()
            .map(|(key, value)| {
                let mut one = serde_json::Map::new();
                one.insert(key.clone(), value.clone());
                (key.clone(), engine::yaml::to_yaml(&serde_json::Value::Object(one)))
            })
            .collect::<Vec<_>>()
    };
    view! {
        <section class="yaml-view" aria-label="the workflow as YAML">
            <p>
                <CopyButton text=Signal::derive(move || engine::yaml::to_yaml(&object())) what="the workflow"/>
            </p>
            {move || {
                sections()
                    .into_iter()
                    .map(|(key, text)| {
                        let lines = text.lines().count();
                        // A large status opens folded: the spec is what
                        // a person usually came for.
                        let open = !(key == "status" && lines > HIGHLIGHT_UP_TO);
                        view! {
                            <details open=open data-field=key.clone()>
                                <summary>{format!("{key} ({lines} lines)")}</summary>
                                <Highlighted text/>
                            </details>
                        }
                    })
                    .collect_view()
            }}
            <NodeTemplate run/>
        </section>
    }
}

/// The chosen node's template as the workflow defines it, with the
/// input values the node ran with.
#[component]
fn NodeTemplate(run: Run) -> impl IntoView {
    let shown = move || {
        run.version.track();
        let id = run.selected.get()?;
        let node = run.nodes.with_value(|m| m.get(&id).cloned())?;
        let name = node.template_name.clone()?;
        let json = run.written_templates.with_value(|t| {
            t.iter()
                .find(|t| t.get("name").and_then(|n| n.as_str()) == Some(name.as_str()))
                .cloned()
        })?;
        Some((node.display_name.clone(), engine::yaml::to_yaml(&with_inputs(json, &node))))
    };
    move || {
        shown().map(|(node, text)| {
            view! {
                <details open data-field="node-template">
                    <summary>{format!("template of {node}, with its inputs")}</summary>
                    <Highlighted text/>
                </details>
            }
        })
    }
}

/// `template` with each input parameter's value as `node` ran with it.
pub fn with_inputs(mut template: serde_json::Value, node: &NodeStatus) -> serde_json::Value {
    let Some(inputs) = &node.inputs else { return template };
    if let Some(params) = template.pointer_mut("/inputs/parameters").and_then(|p| p.as_array_mut())
    {
        for p in params {
            let name = p.get("name").and_then(|n| n.as_str()).unwrap_or_default().to_string();
            if let Some(given) = inputs.parameters.iter().find(|i| i.name == name)
                && let Some(v) = &given.value
                && let Some(fields) = p.as_object_mut()
            {
                fields.insert("value".into(), serde_json::to_value(v).unwrap_or_default());
            }
        }
    }
    template
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nodes_template_shows_the_inputs_it_ran_with() {
        let template = serde_json::json!({"name": "say", "inputs": {"parameters": [{"name": "who"}, {"name": "n", "value": "1"}]}});
        let node: NodeStatus = serde_json::from_value(serde_json::json!({
            "id": "a", "name": "wf.a", "displayName": "a", "type": "Pod", "phase": "Succeeded",
            "inputs": {"parameters": [{"name": "who", "value": "world"}]}}))
        .unwrap_or_else(|e| panic!("{e}"));
        let shown = with_inputs(template, &node);
        assert_eq!(shown.pointer("/inputs/parameters/0/value"), Some(&serde_json::json!("world")));
        assert_eq!(shown.pointer("/inputs/parameters/1/value"), Some(&serde_json::json!("1")));
    }
}
