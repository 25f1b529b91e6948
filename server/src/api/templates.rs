//! `/api/v1/workflow-templates/{namespace}…` and
//! `/api/v1/cluster-workflow-templates…`: create (checked first), list,
//! get, update, delete.

use axum::Json;
use axum::extract::{Path, State};
use engine::spec::Document;
use serde::Deserialize;
use serde_json::{Value, json};

use super::error::ApiError;
use super::objects;
use super::query::JsonBody;
use crate::clock::now;
use crate::controller::Controller;
use crate::store::TemplateKind;

#[derive(Deserialize)]
pub struct TemplateBody {
    template: Value,
}

fn kind_name(kind: TemplateKind) -> &'static str {
    match kind {
        TemplateKind::WorkflowTemplate => "workflowtemplates.argoproj.io",
        TemplateKind::ClusterWorkflowTemplate => "clusterworkflowtemplates.argoproj.io",
    }
}

/// Lint the template (against the catalog it will live in) and return its
/// name.
async fn check(
    c: &Controller,
    kind: TemplateKind,
    namespace: &str,
    template: &mut Value,
) -> Result<String, ApiError> {
    let expected = match kind {
        TemplateKind::WorkflowTemplate => "WorkflowTemplate",
        TemplateKind::ClusterWorkflowTemplate => "ClusterWorkflowTemplate",
    };
    if let Some(obj) = template.as_object_mut() {
        obj.entry("apiVersion").or_insert_with(|| objects::API_VERSION.into());
        obj.entry("kind").or_insert_with(|| expected.into());
    }
    let doc =
        engine::spec::decode(template.clone()).map_err(|e| ApiError::invalid(e.to_string()))?;
    let w = match (&doc, kind) {
        (Document::WorkflowTemplate(w), TemplateKind::WorkflowTemplate)
        | (Document::ClusterWorkflowTemplate(w), TemplateKind::ClusterWorkflowTemplate) => w,
        (other, _) => {
            return Err(ApiError::invalid(format!(
                "expected a {expected}, got a {}",
                other.kind()
            )));
        }
    };
    let name =
        w.metadata.name.clone().ok_or_else(|| ApiError::invalid("metadata.name is required"))?;
    let mut catalog = c.catalog(namespace).await?;
    catalog.add(&doc);
    crate::controller::lint_resource(template, &catalog)?;
    Ok(name)
}

async fn create_in(
    c: Controller,
    kind: TemplateKind,
    namespace: String,
    mut template: Value,
    replace: bool,
) -> Result<Json<Value>, ApiError> {
    let name = check(&c, kind, &namespace, &mut template).await?;
    let existing = c.store().template(kind, &namespace, &name).await?;
    if existing.is_some() && !replace {
        return Err(ApiError::already_exists(format!(
            "{} \"{name}\" already exists",
            kind_name(kind)
        )));
    }
    if existing.is_none() && replace {
        return Err(ApiError::not_found(format!("{} \"{name}\" not found", kind_name(kind))));
    }
    let created = existing.map_or_else(now, |e| e.created_at);
    c.store().put_template(kind, &namespace, &name, created, &template).await?;
    get_in(c, kind, namespace, name).await
}

async fn get_in(
    c: Controller,
    kind: TemplateKind,
    namespace: String,
    name: String,
) -> Result<Json<Value>, ApiError> {
    match c.store().template(kind, &namespace, &name).await? {
        Some(row) => Ok(Json(objects::template(&row))),
        None => Err(ApiError::not_found(format!("{} \"{name}\" not found", kind_name(kind)))),
    }
}

async fn list_in(
    c: Controller,
    kind: TemplateKind,
    namespace: String,
) -> Result<Json<Value>, ApiError> {
    let rows = c.store().templates(kind, &namespace).await?;
    let version = rows.iter().map(|r| r.resource_version).max().unwrap_or(0);
    Ok(Json(objects::list(rows.iter().map(objects::template).collect(), version, None)))
}

async fn delete_in(
    c: Controller,
    kind: TemplateKind,
    namespace: String,
    name: String,
) -> Result<Json<Value>, ApiError> {
    if c.store().delete_template(kind, &namespace, &name).await? {
        Ok(Json(json!({})))
    } else {
        Err(ApiError::not_found(format!("{} \"{name}\" not found", kind_name(kind))))
    }
}

use TemplateKind::{ClusterWorkflowTemplate as Cluster, WorkflowTemplate as Namespaced};

pub async fn create(
    State(c): State<Controller>,
    Path(ns): Path<String>,
    JsonBody(b): JsonBody<TemplateBody>,
) -> Result<Json<Value>, ApiError> {
    create_in(c, Namespaced, ns, b.template, false).await
}

pub async fn update(
    State(c): State<Controller>,
    Path((ns, _name)): Path<(String, String)>,
    JsonBody(b): JsonBody<TemplateBody>,
) -> Result<Json<Value>, ApiError> {
    create_in(c, Namespaced, ns, b.template, true).await
}

pub async fn list(
    State(c): State<Controller>,
    Path(ns): Path<String>,
) -> Result<Json<Value>, ApiError> {
    list_in(c, Namespaced, ns).await
}

pub async fn get(
    State(c): State<Controller>,
    Path((ns, name)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    get_in(c, Namespaced, ns, name).await
}

pub async fn delete(
    State(c): State<Controller>,
    Path((ns, name)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    delete_in(c, Namespaced, ns, name).await
}

pub async fn cluster_create(
    State(c): State<Controller>,
    JsonBody(b): JsonBody<TemplateBody>,
) -> Result<Json<Value>, ApiError> {
    create_in(c, Cluster, String::new(), b.template, false).await
}

pub async fn cluster_update(
    State(c): State<Controller>,
    Path(_name): Path<String>,
    JsonBody(b): JsonBody<TemplateBody>,
) -> Result<Json<Value>, ApiError> {
    create_in(c, Cluster, String::new(), b.template, true).await
}

pub async fn cluster_list(State(c): State<Controller>) -> Result<Json<Value>, ApiError> {
    list_in(c, Cluster, String::new()).await
}

pub async fn cluster_get(
    State(c): State<Controller>,
    Path(name): Path<String>,
) -> Result<Json<Value>, ApiError> {
    get_in(c, Cluster, String::new(), name).await
}

/// `POST …/lint`: the checks of a create, nothing stored; the template
/// back as it would be stored.
pub async fn lint(
    State(c): State<Controller>,
    Path(ns): Path<String>,
    JsonBody(b): JsonBody<TemplateBody>,
) -> Result<Json<Value>, ApiError> {
    let mut template = b.template;
    check(&c, Namespaced, &ns, &mut template).await?;
    Ok(Json(template))
}

pub async fn cluster_lint(
    State(c): State<Controller>,
    JsonBody(b): JsonBody<TemplateBody>,
) -> Result<Json<Value>, ApiError> {
    let mut template = b.template;
    check(&c, Cluster, "", &mut template).await?;
    Ok(Json(template))
}

pub async fn cluster_delete(
    State(c): State<Controller>,
    Path(name): Path<String>,
) -> Result<Json<Value>, ApiError> {
    delete_in(c, Cluster, String::new(), name).await
}
