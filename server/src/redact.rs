//! Keeping secret values out of sight. A task may print a secret it was
//! given (`echo pass=$PASSWORD`); its value then travels on as Argo says
//! — into `outputs.result` and to the tasks that read it — but it is
//! never shown or kept in plaintext: masked (`***`) in logs and in every
//! status the API, the streams, the UI and Workflow resources carry, and
//! sealed in the journal (an [`Entry::Sealed`](crate::store::Entry)).
//!
//! What counts as a secret value is what the run can read: the values of
//! the secrets its templates name (`secretKeyRef`, `envFrom.secretRef`).

use std::borrow::Cow;

use serde_json::Value;

/// Replaces secret values by `***`.
#[derive(Clone, Default)]
pub struct Masker {
    /// Longest first, so a secret containing another is masked whole.
    needles: Vec<String>,
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
        Masker { needles }
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

    /// Mask every string (and object key) in `value`; whether anything
    /// was.
    pub fn mask_json(&self, value: &mut Value) -> bool {
        if self.is_empty() {
            return false;
        }
        match value {
            Value::String(s) => match self.mask(s) {
                Cow::Owned(masked) => {
                    *s = masked;
                    true
                }
                Cow::Borrowed(_) => false,
            },
            Value::Array(items) => {
                items.iter_mut().fold(false, |changed, v| self.mask_json(v) | changed)
            }
            Value::Object(map) => {
                let renamed: Vec<(String, String)> = map
                    .keys()
                    .filter_map(|k| match self.mask(k) {
                        Cow::Owned(masked) => Some((k.clone(), masked)),
                        Cow::Borrowed(_) => None,
                    })
                    .collect();
                let mut changed = !renamed.is_empty();
                for (old, new) in renamed {
                    if let Some(v) = map.remove(&old) {
                        map.insert(new, v);
                    }
                }
                for v in map.values_mut() {
                    changed |= self.mask_json(v);
                }
                changed
            }
            _ => false,
        }
    }

    /// Whether `json` (a serialised document) carries a secret value, as
    /// written or as JSON escapes it.
    pub fn found_in_json(&self, json: &str) -> bool {
        self.needles.iter().any(|n| {
            json.contains(n.as_str())
                || serde_json::to_string(n)
                    .is_ok_and(|quoted| json.contains(&quoted[1..quoted.len() - 1]))
        })
    }
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
                    match (k.as_str(), name) {
                        ("secretKeyRef", Some(name)) => {
                            let key = v.get("key").and_then(Value::as_str).map(str::to_string);
                            self.add(name, key);
                        }
                        ("secretRef", Some(name)) => self.add(name, None),
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
    fn json_is_masked_in_strings_and_keys_and_seen_escaped() {
        let m = Masker::new(&["p\"w".into(), "hunter2".into()]);
        let mut v =
            json!({"result": "pass=hunter2", "n": [1, "x hunter2"], "hunter2": {"k": "p\"w"}});
        assert!(m.mask_json(&mut v));
        assert_eq!(v, json!({"result": "pass=***", "n": [1, "x ***"], "***": {"k": "***"}}));
        assert!(!m.mask_json(&mut v));
        let text = serde_json::to_string(&json!({"result": "a p\"w b"})).expect("json");
        assert!(m.found_in_json(&text), "{text}");
        assert!(!m.found_in_json(r#"{"result":"nothing"}"#));
        assert!(!Masker::default().mask_json(&mut json!("hunter2")));
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
        let computed = json!({"env": [{"valueFrom": {"secretKeyRef": {"name": "{{inputs.parameters.s}}", "key": "k"}}}]});
        let refs = SecretRefs::in_json(&computed);
        assert!(refs.computed && refs.reads("anything", "k"));
    }
}
