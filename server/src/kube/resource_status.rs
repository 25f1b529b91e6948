//! The status Keelson writes to a Workflow resource. A Kubernetes object
//! is at most 1 MiB (etcd's limit), and a large run's node map is far
//! more: past [`INLINE_NODES_MAX`] the nodes are left out and the status
//! says so as Argo's does when it offloads them —
//! `offloadNodeStatusVersion` — so `kubectl`, Argo's CLI and clients know
//! to ask the server (whose API serves the full status from the store).

use engine::status::fnv1a_32;
use serde_json::Value;

/// The largest node map written into the resource (JSON bytes).
pub const INLINE_NODES_MAX: usize = 256 * 1024;

/// `status` (the workflow's full status, as the API serves it) as the
/// resource carries it.
pub fn resource_status(status: &Value) -> Value {
    let mut out = status.clone();
    let Some(obj) = out.as_object_mut() else { return out };
    obj.remove("offloadNodeStatusVersion");
    if let Some(nodes) = obj.get("nodes") {
        let text = nodes.to_string();
        if text.len() > INLINE_NODES_MAX {
            obj.remove("nodes");
            obj.insert(
                "offloadNodeStatusVersion".into(),
                format!("fnv:{}", fnv1a_32(&text)).into(),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn status(nodes: usize) -> Value {
        let nodes: serde_json::Map<String, Value> = (0..nodes)
            .map(|i| {
                let id = format!("wf-{i:010}");
                (
                    id.clone(),
                    json!({"id": id, "name": format!("wf.task-{i}"), "phase": "Succeeded",
                                    "type": "Pod", "message": "x".repeat(100)}),
                )
            })
            .collect();
        json!({"phase": "Running", "progress": "1/2", "nodes": nodes})
    }

    #[test]
    fn large_node_maps_stay_in_the_store_as_argo_offloads_them() {
        let small = status(10);
        assert_eq!(resource_status(&small), small, "written whole");
        let large = status(5_000);
        let written = resource_status(&large);
        assert!(written.get("nodes").is_none());
        assert_eq!(written["phase"], "Running");
        assert_eq!(written["progress"], "1/2");
        let version = written["offloadNodeStatusVersion"].as_str().unwrap_or("").to_string();
        assert!(version.starts_with("fnv:"), "{version}");
        assert!(written.to_string().len() < 1024, "far under the object limit");
        let mut changed = large.clone();
        changed["nodes"]["wf-0000000000"]["phase"] = json!("Failed");
        assert_ne!(resource_status(&changed)["offloadNodeStatusVersion"], version.as_str());
    }
}
