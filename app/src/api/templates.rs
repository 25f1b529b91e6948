//! WorkflowTemplates (`GET /api/v1/workflow-templates/{ns}`) and
//! ClusterWorkflowTemplates (`GET /api/v1/cluster-workflow-templates`) as
//! the templates page shows them — what each one's submit form asks for,
//! its graph before it runs — and submitting one
//! (`POST /api/v1/workflows/{ns}/submit`).

use engine::spec::WorkflowSpec;
use serde::{Deserialize, Serialize};

use super::ObjectMeta;

/// The path of the namespace's WorkflowTemplates.
pub fn templates_path(namespace: &str) -> String {
    format!("/api/v1/workflow-templates/{namespace}")
}

/// The path of the ClusterWorkflowTemplates.
pub const CLUSTER_TEMPLATES: &str = "/api/v1/cluster-workflow-templates";

/// A (Cluster)WorkflowTemplate: its name and its spec, the engine's (the
/// server checked it with the same code when it was stored).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WorkflowTemplate {
    #[serde(default)]
    pub metadata: ObjectMeta,
    #[serde(default)]
    pub spec: WorkflowSpec,
}

/// What the submit form says: parameters, the entrypoint (empty: the
/// template's), labels (`k=v,k2=v2`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Submission {
    /// A ClusterWorkflowTemplate rather than the namespace's own.
    pub cluster: bool,
    pub parameters: Vec<(String, String)>,
    pub entrypoint: String,
    pub labels: String,
    /// Uploaded files for the template's argument artifacts (name, key).
    pub artifacts: Vec<(String, String)>,
}

/// A WorkflowTemplate as the templates page shows it: what its submit
/// form asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateInfo {
    pub name: String,
    pub entrypoint: String,
    pub parameters: Vec<ParameterInfo>,
    /// A ClusterWorkflowTemplate (every namespace's).
    pub cluster: bool,
    /// The names of its templates (entrypoint choices).
    pub templates: Vec<String>,
    /// Its argument artifacts, by name: each may be given a file.
    pub artifacts: Vec<String>,
    /// The entrypoint's graph before anything runs (empty if it has no
    /// such template).
    pub preview: engine::graph::Drawing,
    /// What it is for (Argo's `workflows.argoproj.io/description`
    /// annotation; empty without one).
    pub description: String,
}

/// The annotation Argo's UI shows as a template's description.
const DESCRIPTION: &str = "workflows.argoproj.io/description";

/// One of `spec.arguments.parameters`: its default, its choices (`enum`)
/// and its help (`description`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParameterInfo {
    pub name: String,
    pub value: String,
    pub choices: Vec<String>,
    pub description: String,
    /// No value given in the template: the submitter must give one.
    pub required: bool,
}

impl TemplateInfo {
    /// The form's data of `template` (`None` if it has no name).
    pub fn of(template: &WorkflowTemplate, cluster: bool) -> Option<TemplateInfo> {
        let name = template.metadata.name.clone();
        if name.is_empty() {
            return None;
        }
        let spec = &template.spec;
        let text = |s: &Option<engine::spec::AnyString>| {
            s.as_ref().map(ToString::to_string).unwrap_or_default()
        };
        let parameters = spec
            .arguments
            .parameters
            .iter()
            .map(|p| ParameterInfo {
                name: p.name.clone(),
                value: text(&p.value),
                required: p.value.is_none(),
                choices: p.enum_values.iter().map(ToString::to_string).collect(),
                description: text(&p.description),
            })
            .collect();
        Some(TemplateInfo {
            name,
            entrypoint: spec.entrypoint.clone().unwrap_or_default(),
            parameters,
            cluster,
            templates: spec
                .templates
                .iter()
                .map(|t| t.name.clone())
                .filter(|n| !n.is_empty())
                .collect(),
            artifacts: spec.arguments.artifacts.iter().map(|a| a.name.clone()).collect(),
            preview: engine::graph::Drawing::of_template(spec, None).unwrap_or_default(),
            description: template
                .metadata
                .annotations
                .get(DESCRIPTION)
                .cloned()
                .unwrap_or_default(),
        })
    }
}

/// Submit a (Cluster)WorkflowTemplate with these parameters; the new
/// workflow's name, or the server's message. Changes need the session's
/// CSRF token, which `userinfo` gives.
#[cfg(feature = "hydrate")]
pub async fn submit_template(
    namespace: &str,
    template: &str,
    choice: &Submission,
) -> Result<String, String> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct SubmitRequest<'a> {
        resource_kind: &'static str,
        resource_name: &'a str,
        submit_options: SubmitOptions<'a>,
    }
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct SubmitOptions<'a> {
        parameters: Vec<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        entry_point: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        labels: Option<&'a str>,
        /// `name=key` of each uploaded file.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        artifacts: Vec<String>,
    }
    let me = super::signed_in().await?;
    let labels = choice.labels.trim();
    let body = SubmitRequest {
        resource_kind: if choice.cluster { "ClusterWorkflowTemplate" } else { "WorkflowTemplate" },
        resource_name: template,
        submit_options: SubmitOptions {
            parameters: choice.parameters.iter().map(|(k, v)| format!("{k}={v}")).collect(),
            entry_point: Some(choice.entrypoint.as_str()).filter(|e| !e.is_empty()),
            labels: Some(labels).filter(|l| !l.is_empty()),
            artifacts: choice.artifacts.iter().map(|(k, v)| format!("{k}={v}")).collect(),
        },
    };
    let path = format!("/api/v1/workflows/{namespace}/submit");
    let made: super::Named = super::send(&me, super::Method::Post, &path, &body).await?;
    Ok(made.metadata.name)
}

/// Upload `file` for argument artifact `artifact` of template `template`
/// (Argo Server's `POST /upload-artifacts/{ns}/{template}/{artifact}`):
/// the key to submit it with.
#[cfg(feature = "hydrate")]
pub async fn upload_artifact(
    namespace: &str,
    template: &str,
    artifact: &str,
    file: &web_sys::File,
) -> Result<String, String> {
    #[derive(serde::Deserialize)]
    struct Uploaded {
        key: String,
    }
    let me = super::signed_in().await?;
    let form = web_sys::FormData::new().map_err(|_| "the browser cannot send files".to_string())?;
    form.append_with_blob_and_filename("file", file, &file.name())
        .map_err(|_| "the file cannot be read".to_string())?;
    let path = format!(
        "/upload-artifacts/{namespace}/{}/{}",
        super::encode(template),
        super::encode(artifact)
    );
    let response = gloo_net::http::RequestBuilder::new(&path)
        .method(gloo_net::http::Method::POST)
        .header("X-CSRF-Token", &me.csrf)
        .body(form)
        .map_err(|e| e.to_string())?
        .send()
        .await
        .map_err(|e| format!("the server cannot be reached: {e}"))?;
    let text = response.text().await.unwrap_or_default();
    if !response.ok() {
        return Err(super::ApiError::read(&text).say(&format!("{artifact}: the upload failed")));
    }
    serde_json::from_str::<Uploaded>(&text)
        .map(|u| u.key)
        .map_err(|e| format!("the server's answer cannot be read: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_templates_form_comes_from_its_spec() {
        let t: WorkflowTemplate = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "build"},
            "spec": {
                "entrypoint": "main",
                "arguments": {"parameters": [
                    {"name": "branch", "value": "main", "description": "what to build"},
                    {"name": "size", "value": 3, "enum": [1, 3, 5]},
                    {"name": "who"}
                ]},
                "templates": [{"name": "main", "container": {"image": "alpine"}}]
            }
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        let info = TemplateInfo::of(&t, true).unwrap_or_else(|| panic!("a form"));
        assert_eq!(
            (info.name.as_str(), info.entrypoint.as_str(), info.cluster),
            ("build", "main", true)
        );
        assert_eq!(info.templates, ["main"]);
        let p = &info.parameters;
        assert_eq!(
            (p[0].value.as_str(), p[0].description.as_str(), p[0].required),
            ("main", "what to build", false)
        );
        assert_eq!(
            (p[1].value.as_str(), p[1].choices.clone()),
            ("3", vec!["1".into(), "3".into(), "5".into()])
        );
        assert!(p[2].required);
        assert_eq!(info.preview.nodes.len(), 1, "the entrypoint's graph");
        assert!(TemplateInfo::of(&WorkflowTemplate::default(), false).is_none());
    }
}
