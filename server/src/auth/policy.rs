//! Who may call which route: the one table of access rules. The guard
//! looks every request up here by method and route pattern; a route with
//! no rule is refused (so a new route cannot be forgotten open).

use axum::http::Method;

use super::principal::{Role, Scope};

/// What a route needs of its caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Need {
    /// Nothing: log in, health, version.
    Nobody,
    /// Any signed-in principal (its own user info, tokens, logout).
    Principal,
    /// This role in this scope.
    Role(Role, Scope),
}

/// The rule for `method` on the route pattern `route` (axum's matched
/// path), `namespace` being the route's `{namespace}` if it has one (or,
/// for the archive, its `namespace` query parameter).
/// `None`: no rule, refuse.
pub fn need(method: &Method, route: &str, namespace: Option<&str>) -> Option<Need> {
    let reads = matches!(*method, Method::GET | Method::HEAD);
    let in_namespace = |role| namespace.map(|ns| Need::Role(role, Scope::Namespace(ns.into())));
    let read_or_edit = if reads { Role::Viewer } else { Role::Editor };
    match route {
        "/healthz" | "/readyz" | "/api/v1/version" | "/api/v1/login" => Some(Need::Nobody),
        "/api/v1/info"
        | "/api/v1/userinfo"
        | "/api/v1/logout"
        | "/api/v1/password"
        | "/api/v1/tokens"
        | "/api/v1/tokens/{id}" => Some(Need::Principal),
        // Addressed by uid: the handler checks the role in the workflow's
        // namespace once it has found it.
        "/artifacts-by-uid/{uid}/{node}/{artifact}"
        | "/input-artifacts-by-uid/{uid}/{node}/{artifact}" => Some(Need::Principal),
        "/api/v1/users" | "/api/v1/users/{name}" | "/api/v1/audit" => {
            Some(Need::Role(Role::Admin, Scope::Cluster))
        }
        // The archive: by the `namespace` asked for, or every namespace;
        // single workflows are addressed by uid, across namespaces.
        "/api/v1/archived-workflows" | "/api/v1/archived-workflows/" => {
            Some(in_namespace(Role::Viewer).unwrap_or(Need::Role(Role::Viewer, Scope::Cluster)))
        }
        "/api/v1/archived-workflows-label-keys"
        | "/api/v1/archived-workflows-label-values"
        | "/api/v1/archived-workflows/{uid}"
        | "/api/v1/archived-workflows/{uid}/{action}" => {
            Some(Need::Role(read_or_edit, Scope::Cluster))
        }
        // Every namespace at once: only for those who may read them all.
        "/metrics" | "/api/v1/workflows/" | "/api/v1/workflow-events/" | "/ws/workflow-events/" => {
            Some(Need::Role(Role::Viewer, Scope::Cluster))
        }
        // Shared by every namespace: anyone may read and lint them,
        // changing them takes an editor of every namespace.
        "/api/v1/cluster-workflow-templates/lint" => Some(Need::Principal),
        "/api/v1/cluster-workflow-templates" | "/api/v1/cluster-workflow-templates/{name}" => {
            Some(if reads { Need::Principal } else { Need::Role(Role::Editor, Scope::Cluster) })
        }
        r if r.starts_with("/api/v1/namespaces/{namespace}/secrets") => in_namespace(Role::Admin),
        // Read by every workflow of the namespace (an artifact repository
        // among them): changed by its administrators, read by its viewers.
        r if r.starts_with("/api/v1/namespaces/{namespace}/configmaps") => {
            in_namespace(if reads { Role::Viewer } else { Role::Admin })
        }
        // Linting changes nothing.
        r if r.ends_with("/lint") => in_namespace(Role::Viewer),
        r if r.starts_with("/api/v1/workflows/{namespace}")
            || r.starts_with("/api/v1/workflow-events/{namespace}")
            || r.starts_with("/api/v1/workflow-templates/{namespace}")
            || r.starts_with("/api/v1/cron-workflows/{namespace}")
            || r.starts_with("/api/v1/cron-schedules/{namespace}")
            || r.starts_with("/ws/workflow-events/{namespace}")
            || r.starts_with("/ws/workflows/{namespace}")
            || r.starts_with("/artifacts/{namespace}")
            || r.starts_with("/input-artifacts/{namespace}")
            || r.starts_with("/artifact-files/{namespace}")
            || r.starts_with("/upload-artifacts/{namespace}") =>
        {
            in_namespace(read_or_edit)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ns(role: Role, n: &str) -> Option<Need> {
        Some(Need::Role(role, Scope::Namespace(n.into())))
    }

    #[test]
    fn reads_need_a_viewer_changes_an_editor_secrets_an_admin() {
        let wf = "/api/v1/workflows/{namespace}";
        assert_eq!(need(&Method::GET, wf, Some("a")), ns(Role::Viewer, "a"));
        assert_eq!(need(&Method::POST, wf, Some("a")), ns(Role::Editor, "a"));
        let action = "/api/v1/workflows/{namespace}/{name}/{action}";
        assert_eq!(need(&Method::PUT, action, Some("a")), ns(Role::Editor, "a"));
        assert_eq!(
            need(&Method::POST, "/api/v1/workflows/{namespace}/lint", Some("a")),
            ns(Role::Viewer, "a")
        );
        let secrets = "/api/v1/namespaces/{namespace}/secrets";
        assert_eq!(need(&Method::GET, secrets, Some("a")), ns(Role::Admin, "a"));
        let config_maps = "/api/v1/namespaces/{namespace}/configmaps";
        assert_eq!(need(&Method::GET, config_maps, Some("a")), ns(Role::Viewer, "a"));
        assert_eq!(need(&Method::POST, config_maps, Some("a")), ns(Role::Admin, "a"));
        let artifact = "/artifacts/{namespace}/{name}/{node}/{artifact}";
        assert_eq!(need(&Method::GET, artifact, Some("a")), ns(Role::Viewer, "a"));
        assert_eq!(need(&Method::GET, "/api/v1/version", None), Some(Need::Nobody));
        assert_eq!(
            need(&Method::GET, "/api/v1/workflows/", None),
            Some(Need::Role(Role::Viewer, Scope::Cluster))
        );
    }

    #[test]
    fn a_route_without_a_rule_or_without_its_namespace_is_refused() {
        assert_eq!(need(&Method::GET, "/api/v1/something-new", None), None);
        assert_eq!(need(&Method::GET, "/api/v1/workflows/{namespace}", None), None);
    }
}
