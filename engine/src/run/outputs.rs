//! Outputs beyond a pod's own: a Steps or DAG template's `outputs`
//! computed from its children's scope (Argo's
//! `getTemplateOutputsFromScope`), and `globalName` publication to
//! `workflow.outputs.*` and `status.outputs`.

use serde_json::Value;

use super::Run;
use crate::expr::Vars;
use crate::spec::{Artifact, Template};
use crate::status::{NodeOutputs, OutputParameter};
use crate::substitute::{self, Mode};

/// The outputs of a Steps/DAG template, from `scope` (its own scope plus
/// every child's results). `None` when it declares none.
pub fn from_scope(t: &Template, scope: &Vars) -> Result<Option<NodeOutputs>, String> {
    if t.outputs.parameters.is_empty() && t.outputs.artifacts.is_empty() {
        return Ok(None);
    }
    let mut parameters = Vec::new();
    for p in &t.outputs.parameters {
        let from = p.value_from.as_ref();
        let default = from.and_then(|f| f.default.as_ref()).map(|d| d.0.clone());
        let value = if let Some(v) = &p.value {
            substitute::string(&v.0, scope, Mode::Strict)
                .map(|s| Some(s.into_owned()))
                .map_err(|e| e.message)
        } else if let Some(param) = from.and_then(|f| f.parameter.as_ref()) {
            substitute::string(param, scope, Mode::Strict)
                .map(|s| Some(s.into_owned()))
                .map_err(|e| e.message)
        } else if let Some(e) = from.and_then(|f| f.expression.as_ref()) {
            match crate::expr::eval(e, scope) {
                Ok(Value::Null) => Ok(None),
                Ok(v) => Ok(Some(crate::expr::render(&v))),
                Err(err) => Err(err.message),
            }
        } else {
            Ok(None)
        };
        let value = match (value, default) {
            (Ok(Some(v)), _) => v,
            (_, Some(d)) => d,
            (Ok(None), None) => {
                return Err(format!(
                    "unable to resolve outputs from scope: output parameter '{}' evaluated to nil",
                    p.name
                ));
            }
            (Err(msg), None) => {
                return Err(format!("unable to resolve outputs from scope: {msg}"));
            }
        };
        parameters.push(OutputParameter {
            name: p.name.clone(),
            value: Some(value),
            global_name: p.global_name.clone(),
        });
    }
    let mut artifacts = Vec::new();
    for a in &t.outputs.artifacts {
        match super::scope::artifact(a, scope) {
            Ok(Some(found)) => artifacts.push(found),
            Ok(None) | Err(_) if a.is_optional() => {}
            Ok(None) => {
                return Err(format!(
                    "unable to resolve outputs from scope: output artifact '{}' names no source (from or fromExpression)",
                    a.name
                ));
            }
            Err(msg) => return Err(format!("unable to resolve outputs from scope: {msg}")),
        }
    }
    Ok(Some(NodeOutputs { parameters, artifacts, ..Default::default() }))
}

/// Publish the node's outputs that have a `globalName`: to
/// `workflow.outputs.*` and `status.outputs` (an artifact without its
/// `path`, as Argo does).
pub fn publish_globals(run: &mut Run, id: &str) {
    let Some(outputs) = run.status.nodes.get(id).and_then(|n| n.outputs.clone()) else { return };
    for a in outputs.artifacts {
        let Some(global) = a.global_name.clone() else { continue };
        let published = Artifact { name: global, path: None, global_name: None, ..a };
        let book = &mut run.book.global_artifacts;
        book.retain(|b| b.name != published.name);
        book.push(published.clone());
        let status = run.status.outputs.get_or_insert_with(NodeOutputs::default);
        status.artifacts.retain(|b| b.name != published.name);
        status.artifacts.push(published);
    }
    for p in outputs.parameters {
        let (Some(global), Some(value)) = (p.global_name, p.value) else { continue };
        run.book.global_outputs.insert(global.clone(), value.clone());
        let status = run.status.outputs.get_or_insert_with(NodeOutputs::default);
        match status.parameters.iter_mut().find(|q| q.name == global) {
            Some(q) => q.value = Some(value),
            None => status.parameters.push(OutputParameter {
                name: global,
                value: Some(value),
                global_name: None,
            }),
        }
    }
}
