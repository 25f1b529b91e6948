//! Node IDs and pod names, computed the way Argo computes them so that the
//! same workflow name gives the same IDs in Keelson and in Argo.

/// 32-bit FNV-1a, the hash Argo uses (Go's `hash/fnv.New32a`).
pub fn fnv1a_32(data: &str) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in data.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

/// A node's ID: the workflow name for the root node, else
/// `<workflow>-<fnv1a_32(node name)>` in decimal (Argo's `Workflow.NodeID`).
pub fn node_id(workflow: &str, node_name: &str) -> String {
    if node_name == workflow {
        workflow.to_string()
    } else {
        format!("{workflow}-{}", fnv1a_32(node_name))
    }
}

/// Kubernetes names are at most 253 characters; the hash takes 10 of them
/// and the dash one more.
const MAX_POD_PREFIX: usize = 253 - 10 - 1;

/// The pod name of a pod-producing node (Argo's "v2" pod names, the
/// default): `<workflow>-<template>-<fnv1a_32(node name)>`, the prefix cut
/// to fit Kubernetes' name limit. Without a template name (an inline
/// template) the prefix is the workflow name alone.
pub fn pod_name(workflow: &str, node_name: &str, template: &str) -> String {
    if node_name == workflow {
        return workflow.to_string();
    }
    let mut prefix =
        if template.is_empty() { workflow.to_string() } else { format!("{workflow}-{template}") };
    if prefix.len() > MAX_POD_PREFIX {
        let mut cut = MAX_POD_PREFIX;
        while !prefix.is_char_boundary(cut) {
            cut -= 1;
        }
        prefix.truncate(cut);
    }
    format!("{prefix}-{}", fnv1a_32(node_name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_go() {
        // Reference values of Go's hash/fnv New32a.
        assert_eq!(fnv1a_32(""), 0x811c_9dc5);
        assert_eq!(fnv1a_32("a"), 0xe40c_292c);
        assert_eq!(fnv1a_32("foobar"), 0xbf9c_f968);
    }

    #[test]
    fn node_ids_match_argo() {
        // From Argo's testdata (dag_retry_succeeded.yaml).
        assert_eq!(
            node_id("dag-with-retries-4wkh8", "dag-with-retries-4wkh8.step1"),
            "dag-with-retries-4wkh8-2805650605"
        );
        assert_eq!(node_id("wf", "wf"), "wf");
    }

    #[test]
    fn pod_names() {
        let n = pod_name("wf-abc", "wf-abc.step1", "echo");
        assert_eq!(n, format!("wf-abc-echo-{}", fnv1a_32("wf-abc.step1")));
        let long = "t".repeat(300);
        assert!(pod_name("wf", "wf.a", &long).len() <= 253);
        assert_eq!(pod_name("wf", "wf.a", ""), format!("wf-{}", fnv1a_32("wf.a")));
    }
}
