//! Keeping secret values out of sight. A task may print a secret it was
//! given (`echo pass=$PASSWORD`); its value then travels on as Argo says
//! — into `outputs.result` and to the tasks that read it — but it is
//! never shown or kept in plaintext: masked (`***`) in logs and in every
//! status the API, the streams, the UI and Workflow resources carry, and
//! sealed in the journal (an [`Entry::Sealed`](crate::store::Entry)).
//!
//! What counts as a secret value is what the run can read: the values of
//! the secrets its templates name (`secretKeyRef`, `envFrom.secretRef`,
//! secret volumes, Argo's `…Secret` credential selectors).

use std::borrow::Cow;

use serde_json::Value;

/// Replaces secret values by `***`.
#[derive(Clone, Default)]
pub struct Masker {
    /// Longest first, so a secret containing another is masked whole.
    needles: Vec<String>,
    /// Each needle as written, and as JSON escapes it once and twice.
    escaped: Vec<String>,
}

/// A debug print must not reveal what it masks.
impl std::fmt::Debug for Masker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Masker({} values)", self.needles.len())
    }
}

impl Masker {
    pub fn new(secrets: &[String]) -> Masker {
        // A multi-line secret can only be seen one line at a time.
        let mut needles: Vec<String> = secrets
            .iter()
            .flat_map(|s| s.lines())
            .map(|s| s.trim_end_matches('\r'))
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        needles.sort_by_key(|s| std::cmp::Reverse(s.len()));
        needles.dedup();
        let mut escaped = Vec::new();
        for n in &needles {
            let once = json_escaped(n);
            let twice = json_escaped(&once);
            escaped.extend([n.clone(), once, twice]);
        }
        escaped.sort();
        escaped.dedup();
        Masker { needles, escaped }
    }

    /// Whether there is nothing to mask.
    pub fn is_empty(&self) -> bool {
        self.needles.is_empty()
    }

    pub fn mask<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut out = Cow::Borrowed(text);
        for n in &self.needles {
            if out.contains(n.as_str()) {
                out = Cow::Owned(out.replace(n.as_str(), "***"));
            }
        }
        out
    }

    /// Mask the parts of a workflow's status (Argo's JSON) that carry
    /// what tasks printed or were given: the workflow's and each node's
    /// `message`, parameter values and `outputs.result`. Names, IDs,
    /// phases and times are the status' structure and stay as they are
    /// (a short secret such as `admin` must not rename nodes). Whether
    /// anything was masked.
    pub fn mask_status(&self, status: &mut Value) -> bool {
        if self.is_empty() {
            return false;
        }
        let mut changed = self.mask_fields(status);
        if let Some(nodes) = status.get_mut("nodes").and_then(Value::as_object_mut) {
            for node in nodes.values_mut() {
                changed |= self.mask_fields(node);
            }
        }
        changed
    }

    /// `message`, `inputs`/`outputs` parameter values and
    /// `outputs.result` of one node (or of the workflow).
    fn mask_fields(&self, at: &mut Value) -> bool {
        let mut changed = self.mask_string(at.get_mut("message"));
        for side in ["inputs", "outputs"] {
            let Some(side) = at.get_mut(side) else { continue };
            changed |= self.mask_string(side.get_mut("result"));
            let parameters = side.get_mut("parameters").and_then(Value::as_array_mut);
            for p in parameters.into_iter().flatten() {
                changed |= self.mask_string(p.get_mut("value"));
            }
        }
        changed
    }

    fn mask_string(&self, value: Option<&mut Value>) -> bool {
        let Some(Value::String(s)) = value else { return false };
        match self.mask(s) {
            Cow::Owned(masked) => {
                *s = masked;
                true
            }
            Cow::Borrowed(_) => false,
        }
    }

    /// Whether `json` (a serialised document) carries a secret value, as
    /// written or as JSON escapes it once or twice (a result that is
    /// itself JSON text).
    pub fn found_in_json(&self, json: &str) -> bool {
        self.escaped.iter().any(|n| json.contains(n.as_str()))
    }
}

/// `text` as it stands inside a JSON string.
fn json_escaped(text: &str) -> String {
    let quoted = serde_json::to_string(text).unwrap_or_default();
    quoted.get(1..quoted.len().saturating_sub(1)).unwrap_or_default().to_string()
}

/// The secrets a run's templates read: `(name, key)` (`None`: every key
/// of the secret, as `envFrom` reads them), and whether a name is
/// computed (`{{…}}`), so that only "every secret" is sure to cover it.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SecretRefs {
    pub refs: Vec<(String, Option<String>)>,
    pub computed: bool,
}

impl SecretRefs {
    /// Every `secretKeyRef` and `envFrom[].secretRef` in `value` (a
    /// plan's templates and spec, as JSON), wherever it is: main
    /// containers, scripts, sidecars, init containers.
    pub fn in_json(value: &Value) -> SecretRefs {
        let mut found = SecretRefs::default();
        found.walk(value);
        found.refs.sort();
        found.refs.dedup();
        found
    }

    fn walk(&mut self, value: &Value) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    let name = v.get("name").and_then(Value::as_str);
                    let key = || v.get("key").and_then(Value::as_str).map(str::to_string);
                    let volume = v.get("secretName").and_then(Value::as_str);
                    match (k.as_str(), name, volume) {
                        // env, and Argo's artifact credentials
                        // (accessKeySecret, passwordSecret, …).
                        ("secretKeyRef", Some(name), _) => self.add(name, key()),
                        (k, Some(name), _) if k.ends_with("Secret") => self.add(name, key()),
                        ("secretRef", Some(name), _) => self.add(name, None),
                        // A secret volume, or a projected volume's source.
                        ("secret", _, Some(name)) | ("secret", Some(name), None) => {
                            self.add(name, None)
                        }
                        _ => self.walk(v),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| self.walk(v)),
            _ => {}
        }
    }

    fn add(&mut self, name: &str, key: Option<String>) {
        if name.contains("{{") || key.as_deref().is_some_and(|k| k.contains("{{")) {
            self.computed = true;
        }
        self.refs.push((name.to_string(), key));
    }

    /// Whether the secret `name`'s key `key` is read.
    pub fn reads(&self, name: &str, key: &str) -> bool {
        self.computed
            || self.refs.iter().any(|(n, k)| n == name && k.as_deref().is_none_or(|k| k == key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn masks_every_secret_longest_first() {
        let m = Masker::new(&[
            "hunter2".into(),
            "hunter2-long".into(),
            "".into(),
            "first\nsecond".into(),
        ]);
        assert_eq!(m.mask("pw=hunter2-long and hunter2"), "pw=*** and ***");
        assert_eq!(m.mask("second, first"), "***, ***");
        assert_eq!(m.mask("nothing"), "nothing");
    }

    #[test]
    fn statuses_are_masked_where_tasks_data_is_and_nowhere_else() {
        let m = Masker::new(&["admin".into(), "p\"w".into()]);
        let mut status = json!({
            "phase": "Running", "message": "admin",
            "outputs": {"parameters": [{"name": "admin", "value": "admin-pw"}]},
            "nodes": {"admin-backup-1": {
                "id": "admin-backup-1", "name": "admin-backup", "displayName": "admin",
                "message": "a p\"w b",
                "inputs": {"parameters": [{"name": "v", "value": "x admin"}]},
                "outputs": {"result": "user=admin", "parameters": [{"name": "o", "value": "admin"}]},
                "children": ["admin-backup-2"]}}
        });
        assert!(m.mask_status(&mut status));
        let masked = json!({
            "phase": "Running", "message": "***",
            "outputs": {"parameters": [{"name": "admin", "value": "***-pw"}]},
            "nodes": {"admin-backup-1": {
                "id": "admin-backup-1", "name": "admin-backup", "displayName": "admin",
                "message": "a *** b",
                "inputs": {"parameters": [{"name": "v", "value": "x ***"}]},
                "outputs": {"result": "user=***", "parameters": [{"name": "o", "value": "***"}]},
                "children": ["admin-backup-2"]}}
        });
        assert_eq!(status, masked);
        assert!(!m.mask_status(&mut status));
        assert!(!Masker::default().mask_status(&mut json!({"message": "admin"})));
    }

    #[test]
    fn json_carries_a_value_written_or_escaped_once_or_twice() {
        let m = Masker::new(&["p\"w".into()]);
        let once = serde_json::to_string(&json!({"result": "a p\"w b"})).expect("json");
        let inner = serde_json::to_string(&json!({"k": "p\"w"})).expect("json");
        let twice = serde_json::to_string(&json!({"result": inner})).expect("json");
        assert!(m.found_in_json(&once), "{once}");
        assert!(m.found_in_json(&twice), "{twice}");
        assert!(!m.found_in_json(r#"{"result":"nothing"}"#));
    }

    #[test]
    fn refs_are_found_in_every_container_and_computed_names_noted() {
        let plan = json!({"templates": [
            {"container": {"env": [{"name": "A", "valueFrom": {"secretKeyRef": {"name": "s", "key": "a"}}}]}},
            {"script": {"envFrom": [{"secretRef": {"name": "all"}}]},
             "sidecars": [{"env": [{"name": "B", "valueFrom": {"secretKeyRef": {"name": "s2", "key": "b"}}}]}]},
        ]});
        let refs = SecretRefs::in_json(&plan);
        assert_eq!(
            refs.refs,
            [("all".into(), None), ("s".into(), Some("a".into())), ("s2".into(), Some("b".into()))]
        );
        assert!(!refs.computed);
        assert!(refs.reads("s", "a") && refs.reads("all", "x") && !refs.reads("s", "b"));
        let mounted = json!({"volumes": [
            {"name": "v", "secret": {"secretName": "tls"}},
            {"name": "p", "projected": {"sources": [{"secret": {"name": "proj"}}]}}],
            "artifacts": [{"s3": {"accessKeySecret": {"name": "s3", "key": "ak"}}}]});
        let refs = SecretRefs::in_json(&mounted);
        assert_eq!(
            refs.refs,
            [("proj".into(), None), ("s3".into(), Some("ak".into())), ("tls".into(), None)]
        );
        let computed = json!({"env": [{"valueFrom": {"secretKeyRef": {"name": "{{inputs.parameters.s}}", "key": "k"}}}]});
        let refs = SecretRefs::in_json(&computed);
        assert!(refs.computed && refs.reads("anything", "k"));
    }
}
