use serde_json::{Value, json};

use super::*;

fn template(v: Value) -> Template {
    serde_json::from_value(v).unwrap_or_else(|e| panic!("template: {e}"))
}

fn spec(v: Value) -> WorkflowSpec {
    serde_json::from_value(v).unwrap_or_else(|e| panic!("spec: {e}"))
}

/// `(path, what)` of each gap, in order.
fn found(gaps: &[Gap]) -> Vec<(String, &'static str)> {
    gaps.iter().map(|g| (g.path.to_string(), g.rule.what)).collect()
}

fn paths(gaps: &[Gap]) -> Vec<String> {
    gaps.iter().map(|g| g.path.to_string()).collect()
}

#[test]
fn synchronization_and_memoize_are_warned_for_every_executor() {
    let t = template(json!({"name": "build", "container": {"image": "alpine"},
        "synchronization": {"mutexes": [{"name": "m"}]},
        "memoize": {"key": "k", "cache": {"configMap": {"name": "c"}}}}));
    let gaps = template_gaps(&t);
    assert_eq!(
        found(&gaps),
        vec![
            ("synchronization".to_string(), SYNCHRONIZATION.what),
            ("memoize".to_string(), MEMOIZE.what),
        ]
    );
    assert!(gaps.iter().all(|g| g.rule.scope == Scope::All && g.rule.treatment == Treatment::Warn));
}

#[test]
fn a_daemon_is_refused_and_fail_fast_warned_only_when_true() {
    let t = template(json!({"name": "db", "daemon": true, "failFast": true,
        "container": {"image": "postgres"}}));
    let gaps = template_gaps(&t);
    assert_eq!(paths(&gaps), vec!["daemon", "failFast"]);
    assert_eq!(gaps[0].rule.treatment, Treatment::Refuse);
    let off = template(json!({"name": "db", "daemon": false, "failFast": false,
        "container": {"image": "postgres"}}));
    assert!(template_gaps(&off).is_empty(), "false asks for nothing");
}

#[test]
fn artifacts_metrics_and_archives() {
    let t = template(json!({"name": "t", "container": {"image": "alpine"},
        "metrics": {"prometheus": [{"name": "m", "help": "h", "counter": {"value": "1"}}]},
        "archiveLocation": {"archiveLogs": true},
        "inputs": {"artifacts": [
            {"name": "src", "path": "/src", "git": {"repo": "https://example.com/r.git"}},
            {"name": "script", "path": "/s.sh", "mode": 493, "raw": {"data": "echo hi"}},
            {"name": "plain", "path": "/p", "raw": {"data": "x"}}
        ]},
        "outputs": {"artifacts": [{"name": "out", "path": "/out"}]}}));
    let gaps = template_gaps(&t);
    assert_eq!(
        found(&gaps),
        vec![("metrics".to_string(), METRICS.what)],
        "archiveLogs and a raw input's mode are carried out"
    );
}

#[test]
fn template_fields_of_each_scope() {
    let t = template(json!({"name": "t",
        "script": {"image": "python", "source": "print(1)",
            "resources": {"limits": {"memory": "1Gi"}},
            "volumeMounts": [{"name": "v", "mountPath": "/v"}],
            "livenessProbe": {"exec": {"command": ["true"]}},
            "securityContext": {"runAsUser": 1000},
            "env": [
                {"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                {"name": "IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
                {"name": "CPU", "valueFrom": {"resourceFieldRef": {"resource": "limits.cpu"}}},
                {"name": "S", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}
            ]},
        "sidecars": [{"name": "nginx", "image": "nginx"}],
        "initContainers": [{"name": "init", "image": "alpine"}],
        "volumes": [{"name": "v", "emptyDir": {}}],
        "podSpecPatch": "{}",
        "hostAliases": [{"ip": "127.0.0.1", "hostnames": ["db"]}],
        "executor": {"serviceAccountName": "exec"},
        "pendingTimeout": "5m",
        "resourceClaims": [{"name": "gpu"}],
        "podResources": {"limits": {"cpu": "2"}},
        "annotations": {"workflows.argoproj.io/display-name": "Build {{inputs.parameters.x}}"},
        "retryStrategy": {"limit": 2, "affinity": {"nodeAntiAffinity": {}}}}));
    let gaps = template_gaps(&t);
    let scoped = |scope: Scope| -> Vec<String> {
        gaps.iter().filter(|g| g.rule.scope == scope).map(|g| g.path.to_string()).collect()
    };
    assert_eq!(
        scoped(Scope::All),
        vec![
            "resourceClaims",
            "podResources",
            "pendingTimeout",
            "annotations[\"workflows.argoproj.io/display-name\"]"
        ]
    );
    assert_eq!(scoped(Scope::Kubernetes), vec!["executor", "retryStrategy.affinity"]);
    assert_eq!(
        scoped(Scope::Local),
        vec![
            "sidecars",
            "initContainers",
            "volumes",
            "podSpecPatch",
            "hostAliases",
            "script.resources",
            "script.volumeMounts",
            "script.securityContext",
            "script.livenessProbe",
            "script.env[1].valueFrom",
            "script.env[2].valueFrom",
        ]
    );
    let refused: Vec<&str> = gaps
        .iter()
        .filter(|g| g.rule.treatment == Treatment::Refuse)
        .map(|g| g.rule.what)
        .collect();
    assert_eq!(refused, vec![ENV_FIELD_REF.what, ENV_FIELD_REF.what]);
}

#[test]
fn empty_settings_and_plain_templates_are_not_findings() {
    let t = template(json!({"name": "t",
    "container": {"image": "alpine", "command": ["true"], "resources": {}, "volumeMounts": []},
    "sidecars": [], "metrics": null, "podSpecPatch": "",
    "annotations": {"team": "ci"},
    "inputs": {"parameters": [
        {"name": "a"},
        {"name": "b", "value": "x", "valueFrom": {"configMapKeyRef": {"name": "c", "key": "k"}}}
    ]}}));
    assert_eq!(found(&template_gaps(&t)), vec![]);
}

#[test]
fn an_input_parameter_only_from_a_config_map_is_refused() {
    let t = template(json!({"name": "t", "container": {"image": "alpine"},
        "inputs": {"parameters": [{"name": "p",
            "valueFrom": {"configMapKeyRef": {"name": "c", "key": "k"}}}]}}));
    let gaps = template_gaps(&t);
    assert_eq!(paths(&gaps), vec!["inputs.parameters[0].valueFrom.configMapKeyRef"]);
    assert_eq!(gaps[0].rule.treatment, Treatment::Refuse);
}

#[test]
fn workflow_level_fields() {
    let s = spec(json!({"entrypoint": "main",
    "synchronization": {"semaphores": [{"configMapKeyRef": {"name": "c", "key": "k"}}]},
    "metrics": {"prometheus": []},
    "volumeClaimTemplates": [{"metadata": {"name": "work"}}],
    "volumeClaimGC": {"strategy": "OnWorkflowCompletion"},
    "artifactRepositoryRef": {"key": "k"},
    "artifactGC": {"strategy": "OnWorkflowDeletion"},
    "archiveLogs": true,
    "workflowMetadata": {"labels": {"a": "b"}},
    "podDisruptionBudget": {"minAvailable": 1},
    "executor": {"serviceAccountName": "e"},
    "securityContext": {"runAsNonRoot": true},
    "dnsConfig": {"nameservers": ["1.1.1.1"]},
    "retryStrategy": {"affinity": {"nodeAntiAffinity": {}}},
    "arguments": {"parameters": [
        {"name": "a", "valueFrom": {"configMapKeyRef": {"name": "c", "key": "a"}, "default": "x"}},
        {"name": "b", "valueFrom": {"configMapKeyRef": {"name": "c", "key": "b"}}}
    ]}}));
    let gaps = spec_gaps(&s);
    // "metrics: {prometheus: []}" still says something: a metrics block.
    assert_eq!(
        paths(&gaps),
        vec![
            "synchronization",
            "metrics",
            "volumeClaimTemplates",
            "volumeClaimGC",
            "workflowMetadata",
            "executor",
            "podDisruptionBudget",
            "securityContext",
            "dnsConfig",
            "retryStrategy.affinity",
            "arguments.parameters[0].valueFrom.configMapKeyRef",
            "arguments.parameters[1].valueFrom.configMapKeyRef",
        ]
    );
    assert_eq!(gaps[10].rule, &ARGUMENT_FROM_CONFIG_MAP);
    assert_eq!(gaps[11].rule, &ARGUMENT_FROM_CONFIG_MAP_NO_DEFAULT);
    assert!(spec_gaps(&spec(json!({"entrypoint": "main", "archiveLogs": false}))).is_empty());
}

#[test]
fn a_cron_stop_strategy() {
    let c: CronWorkflowSpec = serde_json::from_value(json!({"schedules": ["* * * * *"],
        "stopStrategy": {"expression": "cronworkflow.failed >= 3"}}))
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(found(&cron_gaps(&c)), vec![("stopStrategy".to_string(), STOP_STRATEGY.what)]);
}

#[test]
fn the_summary_groups_by_rule_and_names_templates_and_executors() {
    let at = |t: Option<&str>, rule: &'static Rule| NotEnforced {
        template: t.map(str::to_string),
        gap: Gap { path: FieldPath::root(), rule },
    };
    let found = [
        at(Some("b"), &MEMOIZE),
        at(Some("a"), &SYNCHRONIZATION),
        at(Some("b"), &SYNCHRONIZATION),
        at(Some("a"), &SYNCHRONIZATION),
        at(None, &SPEC_SYNCHRONIZATION),
        at(Some("a"), &SIDECARS),
        at(None, &SPEC_EXECUTOR),
    ];
    assert_eq!(
        summarize(&found),
        vec![
            "synchronization is not enforced (templates a, b): its mutexes and semaphores are not taken, so the steps and tasks it guards may run at the same time",
            "memoize is not enforced (template b): nothing is cached, so the template runs every time",
            "sidecars are not run by the local executor (template a): only the main container runs",
            "spec.synchronization is not enforced: its mutexes and semaphores are not taken, so workflows holding the same lock may run at the same time",
            "spec.executor is not used in Kubernetes mode: Keelson's executor runs inside the main container, with the pod's service account",
        ]
    );
    assert!(summarize(&[]).is_empty());
}

#[test]
fn rules_are_distinct_and_their_effects_join_cleanly() {
    for (i, r) in RULES.iter().enumerate() {
        assert!(!r.effect.contains([':', ';']), "{}: the effect must not contain : or ;", r.what);
        assert!(RULES[i + 1..].iter().all(|o| o.what != r.what), "{} is listed twice", r.what);
    }
}

#[test]
fn docs_list_every_rule() {
    let docs = include_str!("../../../../docs/conformance.md");
    let section = docs.split("## Accepted but not enforced").nth(1).unwrap_or_else(|| {
        panic!("docs/conformance.md has no \"Accepted but not enforced\" section")
    });
    for r in RULES {
        assert!(section.contains(r.what), "docs/conformance.md does not list: {}", r.what);
    }
}
