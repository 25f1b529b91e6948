//! `podSpecPatch`: a patch to the pod's spec, merged as Kubernetes'
//! strategic merge does for what workflows patch — maps merge key by key,
//! lists of containers (and volumes, env, ports…: objects with a `name`)
//! merge item by item by name, any other value is replaced; `null`
//! removes a key.

use serde_json::Value;

/// Merge `patch` into `target`.
pub fn merge(target: &mut Value, patch: &Value) {
    match (target, patch) {
        (Value::Object(t), Value::Object(p)) => {
            for (key, value) in p {
                if value.is_null() {
                    t.remove(key);
                } else {
                    merge(t.entry(key.clone()).or_insert(Value::Null), value);
                }
            }
        }
        (Value::Array(t), Value::Array(p)) if by_name(p) && by_name(t) => {
            for item in p {
                let name = &item["name"];
                match t.iter_mut().find(|x| &x["name"] == name) {
                    Some(existing) => merge(existing, item),
                    None => t.push(item.clone()),
                }
            }
        }
        (t, p) => *t = p.clone(),
    }
}

/// A list whose items are objects with a `name`: merged item by item.
fn by_name(items: &[Value]) -> bool {
    items.iter().all(|i| i.get("name").is_some_and(Value::is_string))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn containers_merge_by_name_maps_by_key_and_null_removes() {
        let mut spec = json!({
            "containers": [{"name": "main", "image": "alpine", "resources": {"limits": {"cpu": "1"}}},
                           {"name": "sidecar", "image": "nginx"}],
            "nodeSelector": {"disk": "ssd"},
            "tolerations": [{"key": "a"}],
            "hostNetwork": true
        });
        merge(
            &mut spec,
            &json!({
                "containers": [{"name": "main", "resources": {"limits": {"memory": "1Gi"}}},
                               {"name": "extra", "image": "busybox"}],
                "nodeSelector": {"zone": "b"},
                "tolerations": [{"key": "b"}],
                "hostNetwork": null
            }),
        );
        assert_eq!(
            spec,
            json!({
                "containers": [
                    {"name": "main", "image": "alpine", "resources": {"limits": {"cpu": "1", "memory": "1Gi"}}},
                    {"name": "sidecar", "image": "nginx"},
                    {"name": "extra", "image": "busybox"}],
                "nodeSelector": {"disk": "ssd", "zone": "b"},
                "tolerations": [{"key": "b"}]
            })
        );
    }
}
