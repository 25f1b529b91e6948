//! The UI's calls to the server's REST API and websockets, made from the
//! browser with the session cookie (hydrate), and the types both sides
//! read the API's answers into. On the server (ssr) nothing here calls
//! out: a page's first data is the server's own API answered in-process
//! (`crate::load`); changes and live updates are the browser's.

mod list;
#[cfg(feature = "hydrate")]
mod log;
#[cfg(feature = "hydrate")]
mod run;

pub(crate) use list::encode;
pub use list::{ListFilter, WorkflowRow, page_path, read_page};
#[cfg(feature = "hydrate")]
pub use list::{act_on_many, follow_workflows, more_workflows};

#[cfg(feature = "hydrate")]
pub use log::follow_log;
#[cfg(feature = "hydrate")]
pub use run::{act, follow_workflow, me};

/// The signed-in user: name, role per namespace (`*` for all), and the
/// session's CSRF token (needed for changes).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Me {
    pub user: String,
    pub roles: Vec<(String, String)>,
    pub csrf: String,
}

impl Me {
    /// From `GET /api/v1/userinfo`.
    pub fn from_json(v: &serde_json::Value) -> Me {
        let roles = v["roles"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(ns, role)| (ns.clone(), role.as_str().unwrap_or("").to_string()))
            .collect();
        Me {
            user: v["subject"].as_str().unwrap_or("").to_string(),
            roles,
            csrf: v["csrfToken"].as_str().unwrap_or("").to_string(),
        }
    }

    /// Whether this user may change workflows in `namespace` (editor or
    /// admin there or everywhere).
    pub fn can_edit(&self, namespace: &str) -> bool {
        self.roles.iter().any(|(ns, role)| {
            (ns == namespace || ns == "*") && (role == "editor" || role == "admin")
        })
    }
}

/// The query that narrows a list (or a watch) to the workflow `name`: a
/// list, rather than a GET, because a list has the change bus's version
/// to watch from.
pub fn one_workflow(name: &str) -> String {
    format!("listOptions.fieldSelector=metadata.name={name}")
}

/// `ws://` or `wss://` (as the page) URL of `path` on this server.
#[cfg(feature = "hydrate")]
fn socket_url(path: &str) -> String {
    let location = web_sys::window().map(|w| w.location());
    let host = location.as_ref().and_then(|l| l.host().ok()).unwrap_or_default();
    let secure = location.and_then(|l| l.protocol().ok()).is_some_and(|p| p == "https:");
    format!("{}://{host}{path}", if secure { "wss" } else { "ws" })
}

/// The `items` of a list the API answered, each read by `parse` (those
/// it cannot read left out).
pub(crate) fn rows<T>(
    list: Option<&serde_json::Value>,
    parse: fn(&serde_json::Value) -> Option<T>,
) -> Vec<T> {
    list.and_then(|l| l["items"].as_array()).into_iter().flatten().filter_map(parse).collect()
}

/// `method path` with a JSON `body` (none if `null`) and the session's
/// CSRF token: the server's answer, or its message.
#[cfg(feature = "hydrate")]
pub async fn send(
    me: &Me,
    method: &str,
    path: &str,
    body: &serde_json::Value,
) -> Result<serde_json::Value, String> {
    use gloo_net::http::{Method, RequestBuilder};
    let method = match method {
        "POST" => Method::POST,
        "PUT" => Method::PUT,
        "DELETE" => Method::DELETE,
        other => return Err(format!("no such method {other}")),
    };
    let builder = RequestBuilder::new(path).method(method).header("X-CSRF-Token", &me.csrf);
    let request = if body.is_null() { builder.build() } else { builder.json(body) };
    let response = request
        .map_err(|e| e.to_string())?
        .send()
        .await
        .map_err(|e| format!("the server cannot be reached: {e}"))?;
    let answer: serde_json::Value = response.json().await.unwrap_or_default();
    if response.ok() {
        Ok(answer)
    } else {
        Err(answer["message"].as_str().unwrap_or("the request failed").to_string())
    }
}

/// [`send`] as the signed-in user the page knows of — asked for first if
/// the page has not learnt it yet (a form sent the moment the page is
/// live must not be dropped).
#[cfg(feature = "hydrate")]
pub async fn send_signed(
    known: leptos::prelude::RwSignal<Option<Me>>,
    method: &str,
    path: &str,
    body: &serde_json::Value,
) -> Result<serde_json::Value, String> {
    use leptos::prelude::*;
    let me = match known.get_untracked() {
        Some(me) => me,
        None => {
            let me = self::me().await.map_err(|e| match e {
                LoadError::SignedOut => "signed out: sign in again".to_string(),
                LoadError::Other(m) => m,
            })?;
            known.set(Some(me.clone()));
            me
        }
    };
    send(&me, method, path, body).await
}

/// Why a page could not load its data (sent from the server to the
/// browser with a page's first data).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum LoadError {
    /// Not signed in (or the session ended): go to the sign-in page.
    SignedOut,
    Other(String),
}

/// Sign in; the server sets the session cookie. `Err` is the server's
/// message (wrong password, too many attempts) or a network failure.
#[cfg(feature = "hydrate")]
pub async fn login(username: &str, password: &str) -> Result<(), String> {
    let body = serde_json::json!({"username": username, "password": password});
    let request =
        gloo_net::http::Request::post("/api/v1/login").json(&body).map_err(|e| e.to_string())?;
    let response =
        request.send().await.map_err(|e| format!("the server cannot be reached: {e}"))?;
    if response.ok() {
        return Ok(());
    }
    let answer: serde_json::Value = response.json().await.unwrap_or_default();
    Err(answer["message"].as_str().unwrap_or("signing in failed").to_string())
}

#[cfg(not(feature = "hydrate"))]
pub async fn login(_username: &str, _password: &str) -> Result<(), String> {
    Err("signing in needs the page's script".into())
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
    /// The entrypoint's graph before anything runs (empty if the spec
    /// cannot be read or has no such template).
    pub preview: engine::graph::Drawing,
}

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
    pub fn from_json(v: &serde_json::Value) -> Option<TemplateInfo> {
        let text = |v: &serde_json::Value, p: &str| {
            v.pointer(p).and_then(|x| x.as_str()).unwrap_or("").to_string()
        };
        let name = text(v, "/metadata/name");
        if name.is_empty() {
            return None;
        }
        let parameters = v
            .pointer("/spec/arguments/parameters")
            .and_then(|p| p.as_array())
            .into_iter()
            .flatten()
            .map(|p| ParameterInfo {
                name: text(p, "/name"),
                value: text(p, "/value"),
                required: p.get("value").is_none_or(|v| v.is_null()),
                choices: p
                    .get("enum")
                    .and_then(|e| e.as_array())
                    .into_iter()
                    .flatten()
                    .filter_map(|c| c.as_str().map(str::to_string))
                    .collect(),
                description: text(p, "/description"),
            })
            .collect();
        let preview = v
            .get("spec")
            .and_then(|spec| {
                serde_json::from_value::<engine::spec::WorkflowSpec>(spec.clone()).ok()
            })
            .and_then(|spec| engine::graph::Drawing::of_template(&spec, None))
            .unwrap_or_default();
        let templates = v
            .pointer("/spec/templates")
            .and_then(|t| t.as_array())
            .into_iter()
            .flatten()
            .map(|t| text(t, "/name"))
            .filter(|n| !n.is_empty())
            .collect();
        Some(TemplateInfo {
            name,
            entrypoint: text(v, "/spec/entrypoint"),
            parameters,
            cluster: false,
            templates,
            preview,
        })
    }
}

#[cfg(feature = "hydrate")]
pub(crate) async fn get_json(path: &str) -> Result<serde_json::Value, LoadError> {
    let response = gloo_net::http::Request::get(path)
        .send()
        .await
        .map_err(|e| LoadError::Other(format!("the server cannot be reached: {e}")))?;
    if response.status() == 401 {
        return Err(LoadError::SignedOut);
    }
    let v: serde_json::Value =
        response.json().await.map_err(|e| LoadError::Other(e.to_string()))?;
    if !response.ok() {
        return Err(LoadError::Other(v["message"].as_str().unwrap_or("failed").to_string()));
    }
    Ok(v)
}

/// Submit a (Cluster)WorkflowTemplate with these parameters; the new workflow's
/// name, or the server's message. Changes need the session's CSRF token,
/// which `userinfo` gives.
#[cfg(feature = "hydrate")]
pub async fn submit_template(
    namespace: &str,
    template: &str,
    choice: &Submission,
) -> Result<String, String> {
    let me = me().await.map_err(|e| match e {
        LoadError::SignedOut => "signed out: sign in again".to_string(),
        LoadError::Other(m) => m,
    })?;
    let mut body = serde_json::json!({
        "resourceKind": if choice.cluster { "ClusterWorkflowTemplate" } else { "WorkflowTemplate" },
        "resourceName": template,
        "submitOptions": {
            "parameters": choice.parameters.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>(),
        },
    });
    if !choice.entrypoint.is_empty() {
        body["submitOptions"]["entryPoint"] = choice.entrypoint.clone().into();
    }
    if !choice.labels.trim().is_empty() {
        body["submitOptions"]["labels"] = choice.labels.trim().into();
    }
    let answer = send(&me, "POST", &format!("/api/v1/workflows/{namespace}/submit"), &body).await?;
    Ok(answer["metadata"]["name"].as_str().unwrap_or("").to_string())
}
