//! The container's environment, as Kubernetes builds it: `envFrom` first,
//! then `env` in order (a later name wins), values from the local store,
//! `$(VAR)` references to earlier variables expanded. Values that came
//! from secrets are remembered so the logs can mask them.

use std::collections::HashMap;

use super::container::{Container, KeyRef};
use super::error::StartError;
use super::expand::expand;
use super::store::LocalStore;

/// The variables the container declares (not the base environment the
/// executor adds around them).
#[derive(Debug, Default)]
pub struct ContainerEnv {
    /// In declaration order, each name once (its last value).
    pub vars: Vec<(String, String)>,
    /// Values read from secrets.
    pub secrets: Vec<String>,
}

impl ContainerEnv {
    fn set(&mut self, name: &str, value: String) {
        match self.vars.iter_mut().find(|(n, _)| n == name) {
            Some(slot) => slot.1 = value,
            None => self.vars.push((name.to_string(), value)),
        }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

pub fn container_env(
    c: &Container,
    store: &LocalStore,
    pod_name: &str,
) -> Result<ContainerEnv, StartError> {
    let mut env = ContainerEnv::default();
    for from in c.env_from.iter().flatten() {
        let prefix = from.prefix.as_deref().unwrap_or("");
        let sources = [("configmap", &from.config_map_ref), ("secret", &from.secret_ref)];
        for (kind, object) in sources {
            let Some(object) = object else { continue };
            let data = match kind {
                "secret" => store.secret(&object.name),
                _ => store.config_map(&object.name),
            };
            let Some(data) = data else {
                if object.optional == Some(true) {
                    continue;
                }
                let var = format!("envFrom {prefix}*");
                return Err(StartError::MissingObject { kind, name: object.name.clone(), var });
            };
            for (key, value) in data {
                let name = format!("{prefix}{key}");
                // Kubernetes skips keys that are not valid variable names.
                if !valid_name(&name) {
                    continue;
                }
                if kind == "secret" {
                    env.secrets.push(value.clone());
                }
                env.set(&name, value.clone());
            }
        }
    }
    for var in c.env.iter().flatten() {
        let value = match (&var.value, &var.value_from) {
            (_, Some(from)) => {
                if let Some(r) = &from.secret_key_ref {
                    let Some(v) = key_ref(store.secret(&r.name), "secret", r, &var.name)? else {
                        continue;
                    };
                    env.secrets.push(v.clone());
                    v
                } else if let Some(r) = &from.config_map_key_ref {
                    let Some(v) = key_ref(store.config_map(&r.name), "configmap", r, &var.name)?
                    else {
                        continue;
                    };
                    v
                } else if let Some(f) = &from.field_ref {
                    match f.field_path.as_str() {
                        "metadata.name" => pod_name.to_string(),
                        path => {
                            return Err(StartError::UnsupportedFieldRef {
                                var: var.name.clone(),
                                path: path.to_string(),
                            });
                        }
                    }
                } else {
                    let source = if from.resource_field_ref.is_some() {
                        "resourceFieldRef"
                    } else {
                        "(empty)"
                    };
                    return Err(StartError::UnsupportedValueFrom {
                        var: var.name.clone(),
                        field: source.to_string(),
                    });
                }
            }
            (Some(v), None) => {
                let defined: HashMap<&str, &str> =
                    env.vars.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
                expand(v, |n| defined.get(n).copied())
            }
            (None, None) => String::new(),
        };
        env.set(&var.name, value);
    }
    Ok(env)
}

/// A key of a secret or config map; `None` when it is optional and absent.
fn key_ref(
    data: Option<&std::collections::BTreeMap<String, String>>,
    kind: &'static str,
    r: &KeyRef,
    var: &str,
) -> Result<Option<String>, StartError> {
    let optional = r.optional == Some(true);
    let Some(data) = data else {
        if optional {
            return Ok(None);
        }
        return Err(StartError::MissingObject { kind, name: r.name.clone(), var: var.into() });
    };
    match data.get(&r.key) {
        Some(v) => Ok(Some(v.clone())),
        None if optional => Ok(None),
        None => Err(StartError::MissingKey {
            kind,
            name: r.name.clone(),
            key: r.key.clone(),
            var: var.into(),
        }),
    }
}

/// Kubernetes' C_IDENTIFIER-like rule for names from `envFrom`.
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn env_of(c: serde_json::Value, store: &LocalStore) -> Result<ContainerEnv, StartError> {
        container_env(&Container::from_json(&c)?, store, "pod-1")
    }

    #[test]
    fn values_refs_and_expansion() {
        let mut store = LocalStore::empty();
        store.insert_secret("db", "password", "hunter2");
        store.insert_config_map("cfg", "mode", "fast");
        let env = env_of(
            json!({"env": [
                {"name": "A", "value": "a"},
                {"name": "B", "value": "$(A)-b $(NOPE)"},
                {"name": "PW", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}},
                {"name": "MODE", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "mode"}}},
                {"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                {"name": "OPT", "valueFrom": {"secretKeyRef": {"name": "db", "key": "x", "optional": true}}},
                {"name": "A", "value": "again"},
            ]}),
            &store,
        )
        .expect("env resolves");
        assert_eq!(env.get("A"), Some("again"));
        assert_eq!(env.get("B"), Some("a-b $(NOPE)"));
        assert_eq!(env.get("PW"), Some("hunter2"));
        assert_eq!(env.get("MODE"), Some("fast"));
        assert_eq!(env.get("POD"), Some("pod-1"));
        assert_eq!(env.get("OPT"), None);
        assert_eq!(env.secrets, vec!["hunter2".to_string()]);
        assert_eq!(env.vars.first().map(|(n, _)| n.as_str()), Some("A"));
    }

    #[test]
    fn env_from_with_prefix() {
        let mut store = LocalStore::empty();
        store.insert_secret("s", "token", "t0k");
        store.insert_config_map("c", "level", "3");
        store.insert_config_map("c", "1bad", "skipped");
        let env = env_of(
            json!({"envFrom": [{"configMapRef": {"name": "c"}, "prefix": "C_"}, {"secretRef": {"name": "s"}}]}),
            &store,
        )
        .expect("env resolves");
        assert_eq!(env.get("C_level"), Some("3"));
        assert_eq!(env.get("C_1bad"), Some("skipped"));
        assert_eq!(env.get("token"), Some("t0k"));
        assert_eq!(env.secrets, vec!["t0k".to_string()]);
    }

    #[test]
    fn missing_things_are_clear_errors() {
        let store = LocalStore::empty();
        let err = |c| env_of(c, &store).expect_err("fails").to_string();
        let m = err(
            json!({"env": [{"name": "P", "valueFrom": {"secretKeyRef": {"name": "n", "key": "k"}}}]}),
        );
        assert_eq!(m, "secret 'n' not found (environment variable P)");
        let mut store = LocalStore::empty();
        store.insert_secret("n", "other", "v");
        let m = env_of(
            json!({"env": [{"name": "P", "valueFrom": {"secretKeyRef": {"name": "n", "key": "k"}}}]}),
            &store,
        )
        .expect_err("fails")
        .to_string();
        assert_eq!(m, "secret 'n' has no key 'k' (environment variable P)");
        let m = err(
            json!({"env": [{"name": "IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}}]}),
        );
        assert!(m.contains("fieldRef 'status.podIP'"), "{m}");
    }
}
