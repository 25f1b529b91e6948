//! One test per rule, each on a small spec written for it.

use super::*;

fn lint_files(files: &[(&str, &str)], strict: bool) -> Report {
    let sources: Vec<Source> =
        files.iter().map(|(n, t)| Source { name: n.to_string(), text: t.to_string() }).collect();
    lint(&sources, &Catalog::default(), Options { strict })
}

fn lint_one(text: &str) -> Report {
    lint_files(&[("wf.yaml", text)], false)
}

fn codes(r: &Report) -> Vec<&'static str> {
    r.findings.iter().map(|f| f.diagnostic.code).collect()
}

/// The single finding with `code`, or a failure listing what was found.
fn only<'r>(r: &'r Report, code: &str) -> &'r Finding {
    let found: Vec<&Finding> = r.findings.iter().filter(|f| f.diagnostic.code == code).collect();
    assert_eq!(found.len(), 1, "expected one `{code}`, got {:#?}", r.findings);
    found[0]
}

const HEADER: &str =
    "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata:\n  generateName: t-\nspec:\n";

fn wf(body: &str) -> String {
    format!("{HEADER}{body}")
}

#[test]
fn a_valid_dag_is_clean() {
    let r = lint_one(&wf(r#"  entrypoint: main
  arguments:
    parameters:
      - name: who
        value: world
  templates:
    - name: main
      dag:
        tasks:
          - name: a
            template: say
            arguments: {parameters: [{name: msg, value: "{{workflow.parameters.who}}"}]}
          - name: b
            depends: a.Succeeded || a.Failed
            template: say
            arguments: {parameters: [{name: msg, value: "{{tasks.a.outputs.result}}"}]}
    - name: say
      inputs: {parameters: [{name: msg}]}
      container:
        image: busybox
        command: [echo, "{{inputs.parameters.msg}} from {{workflow.name}} {{pod.name}}"]
"#));
    assert!(r.findings.is_empty(), "{:#?}", r.findings);
    assert_eq!(r.documents.len(), 1);
}

#[test]
fn yaml_syntax_errors_have_a_position() {
    let r = lint_one("apiVersion: argoproj.io/v1alpha1\nkind: [Workflow\n");
    let f = only(&r, "yaml");
    assert!(f.position.line >= 2, "{f:?}");
    assert!(r.failed());
}

#[test]
fn type_errors_point_at_the_field() {
    let r = lint_one(&wf(
        "  entrypoint: main\n  templates:\n    - name: main\n      container:\n        image: busybox\n        args: {a: 1}\n",
    ));
    let f = only(&r, "type");
    assert_eq!(f.diagnostic.path.to_string(), "spec.templates[0].container.args");
    assert_eq!(f.position.line, 11);
}

#[test]
fn missing_and_unknown_entrypoint() {
    let r = lint_one(&wf("  templates:\n    - name: main\n      container: {image: busybox}\n"));
    only(&r, "missing-entrypoint");
    let r = lint_one(&wf(
        "  entrypoint: mian\n  templates:\n    - name: main\n      container: {image: busybox}\n",
    ));
    let f = only(&r, "unknown-template");
    assert_eq!(f.position.line, 6);
    assert_eq!(f.position.column, 15);
    assert_eq!(f.diagnostic.help.as_deref(), Some("did you mean `main`?"));
}

#[test]
fn unknown_fields_warn_and_fail_under_strict() {
    let text = wf(
        "  entrypoint: main\n  templates:\n    - name: main\n      contianer: {image: busybox}\n      nodeSelector: {a: b}\n",
    );
    let r = lint_one(&text);
    let f = only(&r, "unknown-field");
    assert_eq!(f.diagnostic.severity, Severity::Warning);
    assert_eq!(f.diagnostic.help.as_deref(), Some("did you mean `container`?"));
    // The misspelt type also leaves the template without a type.
    only(&r, "no-template-type");
    let strict = lint_files(&[("wf.yaml", &text)], true);
    assert_eq!(only(&strict, "unknown-field").diagnostic.severity, Severity::Error);
}

#[test]
fn unknown_task_template_and_dependency() {
    let r = lint_one(&wf(r#"  entrypoint: main
  templates:
    - name: main
      dag:
        tasks:
          - name: build
            template: buidl
          - name: push
            template: build
            dependencies: [biuld]
    - name: build
      container: {image: busybox}
"#));
    let f = only(&r, "unknown-template");
    assert_eq!(f.diagnostic.path.to_string(), "spec.templates[0].dag.tasks[0].template");
    let f = only(&r, "unknown-task");
    assert_eq!(f.diagnostic.path.to_string(), "spec.templates[0].dag.tasks[1].dependencies[0]");
    assert_eq!(f.diagnostic.help.as_deref(), Some("did you mean `build`?"));
}

#[test]
fn cycles_are_printed() {
    let r = lint_one(&wf(r#"  entrypoint: main
  templates:
    - name: main
      dag:
        tasks:
          - {name: a, template: t, depends: c}
          - {name: b, template: t, depends: a}
          - {name: c, template: t, depends: b}
    - name: t
      container: {image: busybox}
"#));
    let f = only(&r, "dependency-cycle");
    assert!(f.diagnostic.message.contains("a → b → c → a"), "{}", f.diagnostic.message);
}

#[test]
fn mixing_dependencies_and_depends() {
    let r = lint_one(&wf(r#"  entrypoint: main
  templates:
    - name: main
      dag:
        tasks:
          - {name: a, template: t}
          - {name: b, template: t, dependencies: [a]}
          - {name: c, template: t, depends: "a && b"}
    - name: t
      container: {image: busybox}
"#));
    let f = only(&r, "mixed-dependencies");
    assert_eq!(f.diagnostic.path.to_string(), "spec.templates[0].dag.tasks[2].depends");
}

#[test]
fn malformed_depends_points_inside_the_string() {
    let r = lint_one(&wf(r#"  entrypoint: main
  templates:
    - name: main
      dag:
        tasks:
          - {name: a, template: t}
          - name: b
            template: t
            depends: "a.Succeeded &&"
    - name: t
      container: {image: busybox}
"#));
    let f = only(&r, "invalid-depends");
    assert_eq!(f.position.line, 14);
}

#[test]
fn duplicate_names() {
    let r = lint_one(&wf(r#"  entrypoint: main
  templates:
    - name: main
      steps:
        - - {name: s, template: t}
        - - {name: s, template: t}
    - name: t
      container: {image: busybox}
    - name: t
      container: {image: alpine}
"#));
    only(&r, "duplicate-step");
    only(&r, "duplicate-template");
}

#[test]
fn invalid_expression_is_located_at_its_token() {
    // The seed's deliberately broken expression.
    let r = lint_one(&wf(r#"  entrypoint: main
  templates:
    - name: main
      container:
        image: alpine
        args: ["echo 'tag: {{=<% ctx.build_tag %>}}'"]
"#));
    let f = only(&r, "invalid-expression");
    assert_eq!(f.position.line, 11);
    // `args: ["echo 'tag: {{=` — the expression starts at column 31.
    assert_eq!(f.position.column, 31, "{f:?}");
}

#[test]
fn undeclared_parameters() {
    let r = lint_one(&wf(r#"  entrypoint: main
  arguments:
    parameters:
      - {name: image-tag, value: latest}
  templates:
    - name: main
      inputs:
        parameters:
          - {name: message, value: hi}
      container:
        image: alpine
        args: ["{{inputs.parameters.mesage}} {{workflow.parameters.image_tag}}"]
"#));
    let unknown: Vec<&Finding> =
        r.findings.iter().filter(|f| f.diagnostic.code == "unknown-variable").collect();
    assert_eq!(unknown.len(), 2, "{:#?}", r.findings);
    assert_eq!(unknown[0].diagnostic.help.as_deref(), Some("did you mean `message`?"));
    assert_eq!(unknown[1].diagnostic.help.as_deref(), Some("did you mean `image-tag`?"));
    assert!(unknown[1].position.column > unknown[0].position.column);
}

#[test]
fn task_outputs_need_a_dependency() {
    let r = lint_one(&wf(r#"  entrypoint: main
  templates:
    - name: main
      dag:
        tasks:
          - {name: a, template: t}
          - name: b
            template: u
            arguments: {parameters: [{name: x, value: "{{tasks.a.outputs.result}}"}]}
    - name: t
      container: {image: busybox}
    - name: u
      inputs: {parameters: [{name: x}]}
      container: {image: busybox}
"#));
    let f = only(&r, "unknown-variable");
    assert!(f.diagnostic.message.contains("does not depend on `a`"), "{}", f.diagnostic.message);
}

#[test]
fn missing_and_unused_arguments() {
    let r = lint_one(&wf(r#"  entrypoint: main
  templates:
    - name: main
      steps:
        - - name: s
            template: t
            arguments: {parameters: [{name: colour, value: red}]}
    - name: t
      inputs: {parameters: [{name: color}]}
      container: {image: busybox}
"#));
    only(&r, "missing-argument");
    let f = only(&r, "unused-argument");
    assert_eq!(f.diagnostic.help.as_deref(), Some("did you mean `color`?"));
}

#[test]
fn item_outside_a_loop() {
    let r = lint_one(&wf(r#"  entrypoint: main
  templates:
    - name: main
      steps:
        - - name: s
            template: t
            arguments: {parameters: [{name: x, value: "{{item}}"}]}
            withItems: [1, 2]
          - name: u
            template: t
            arguments: {parameters: [{name: x, value: "{{item}}"}]}
    - name: t
      inputs: {parameters: [{name: x}]}
      container: {image: busybox}
"#));
    let f = only(&r, "unknown-variable");
    assert_eq!(
        f.diagnostic.path.to_string(),
        "spec.templates[0].steps[0][1].arguments.parameters[0].value"
    );
}

#[test]
fn steps_see_only_earlier_groups() {
    let r = lint_one(&wf(r#"  entrypoint: main
  templates:
    - name: main
      steps:
        - - {name: a, template: t}
          - name: b
            template: t
            when: "{{steps.a.outputs.result}} == x"
        - - name: c
            template: t
            when: "{{steps.a.outputs.result}} == x"
    - name: t
      container: {image: busybox}
"#));
    let f = only(&r, "unknown-variable");
    assert_eq!(f.diagnostic.path.to_string(), "spec.templates[0].steps[0][1].when");
}

#[test]
fn template_refs_resolve_across_files() {
    let wt = "apiVersion: argoproj.io/v1alpha1\nkind: WorkflowTemplate\nmetadata:\n  name: lib\nspec:\n  templates:\n    - name: hello\n      container: {image: busybox}\n";
    let user = wf(
        "  entrypoint: main\n  templates:\n    - name: main\n      steps:\n        - - name: a\n            templateRef: {name: lib, template: hello}\n        - - name: b\n            templateRef: {name: lib, template: helo}\n        - - name: c\n            templateRef: {name: libb, template: hello}\n",
    );
    let r = lint_files(&[("lib.yaml", wt), ("wf.yaml", &user)], false);
    let refs: Vec<&Finding> =
        r.findings.iter().filter(|f| f.diagnostic.code == "unknown-template-ref").collect();
    assert_eq!(refs.len(), 2, "{:#?}", r.findings);
    assert_eq!(refs[0].diagnostic.help.as_deref(), Some("did you mean `hello`?"));
    assert_eq!(refs[1].diagnostic.help.as_deref(), Some("did you mean `lib`?"));
    let wft = wf("  workflowTemplateRef: {name: lib}\n");
    let r = lint_files(&[("lib.yaml", wt), ("wf.yaml", &wft)], false);
    assert!(r.findings.is_empty(), "{:#?}", r.findings);
    let r = lint_files(&[("wf.yaml", &wft)], false);
    only(&r, "unknown-workflow-template");
}

#[test]
fn name_rules() {
    let r = lint_one(&wf(
        "  entrypoint: Main_1\n  templates:\n    - name: Main_1\n      container: {image: busybox}\n      inputs: {parameters: [{name: \"a b\", value: x}]}\n",
    ));
    let bad: Vec<&str> = r
        .findings
        .iter()
        .filter(|f| f.diagnostic.code == "invalid-name")
        .map(|f| f.diagnostic.message.as_str())
        .collect();
    assert_eq!(bad.len(), 2, "{:#?}", r.findings);
}

#[test]
fn unsupported_template_types_warn() {
    let r = lint_one(&wf(
        "  entrypoint: main\n  templates:\n    - name: main\n      resource: {action: create, manifest: x}\n",
    ));
    let f = only(&r, "unsupported-template");
    assert_eq!(f.diagnostic.severity, Severity::Warning);
    assert!(!r.failed());
}

#[test]
fn other_kinds_are_not_silently_skipped() {
    let r = lint_one("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n");
    let f = only(&r, "not-a-workflow");
    assert!(f.diagnostic.message.contains("ConfigMap"));
}

#[test]
fn bad_retry_and_durations() {
    let r = lint_one(&wf(
        "  entrypoint: main\n  templates:\n    - name: main\n      timeout: 10 minutes\n      retryStrategy: {limit: two, retryPolicy: OnFailures, backoff: {duration: 5x}}\n      container: {image: busybox}\n",
    ));
    let c = codes(&r);
    assert!(c.contains(&"invalid-retry-policy"), "{c:?}");
    assert!(c.contains(&"not-an-integer"), "{c:?}");
    assert_eq!(c.iter().filter(|x| **x == "invalid-duration").count(), 2, "{c:?}");
}

#[test]
fn invalid_when_is_reported() {
    let r = lint_one(&wf(r#"  entrypoint: main
  templates:
    - name: main
      steps:
        - - name: a
            template: t
            when: "{{workflow.name}} == == x"
    - name: t
      container: {image: busybox}
"#));
    only(&r, "invalid-when");
}

#[test]
fn yaml_1_1_booleans_in_string_fields_are_pointed_at() {
    let r = lint_one(&wf(
        "  entrypoint: main\n  templates:\n    - name: main\n      steps:\n        - - name: s\n            template: t\n            arguments: {parameters: [{name: n, value: x}]}\n    - name: t\n      container: {image: busybox}\n",
    ));
    let f = only(&r, "type");
    assert_eq!(
        f.diagnostic.path.to_string(),
        "spec.templates[0].steps[0][0].arguments.parameters[0].name"
    );
    assert!(f.diagnostic.help.as_deref().is_some_and(|h| h.contains("quote")));
}

#[test]
fn expression_references_are_checked_and_underlined_whole() {
    let r = lint_one(&wf(r#"  entrypoint: main
  templates:
    - name: main
      inputs: {parameters: [{name: my-p, value: "1"}]}
      container:
        image: alpine
        args: ["{{=asInt(inputs.parameters['my-q']) + 1}}"]
"#));
    let f = only(&r, "unknown-variable");
    assert_eq!(f.diagnostic.help.as_deref(), Some("did you mean `my-p`?"));
    let (s, e) = f.diagnostic.within.expect("narrowed");
    assert_eq!(e - s, "inputs.parameters['my-q']".len());
}

#[test]
fn timeouts_belong_on_leaf_templates() {
    let r = lint_one(&wf(
        "  entrypoint: main\n  templates:\n    - name: main\n      timeout: 30s\n      steps:\n        - - {name: a, template: t}\n    - name: t\n      timeout: \"30\"\n      container: {image: busybox}\n",
    ));
    let c = codes(&r);
    assert_eq!(c, vec!["misplaced-field", "invalid-duration"], "{:#?}", r.findings);
}

#[test]
fn fields_keelson_does_not_enforce_are_warnings_with_what_happens_instead() {
    let r = lint_one(&wf(r#"  entrypoint: main
  synchronization:
    mutexes: [{name: global}]
  templates:
    - name: main
      steps:
        - - name: a
            template: guarded
          - name: b
            inline:
              daemon: true
              container: {image: nginx}
    - name: guarded
      synchronization:
        mutexes: [{name: m}]
      memoize:
        key: "k"
        cache: {configMap: {name: cache}}
      sidecars: [{name: side, image: nginx}]
      container: {image: alpine, command: ["true"]}
"#));
    let found: Vec<(String, Severity, usize)> = r
        .findings
        .iter()
        .filter(|f| f.diagnostic.code == "not-enforced")
        .map(|f| (f.diagnostic.path.to_string(), f.diagnostic.severity, f.position.line))
        .collect();
    // Sidecars are the local executor's gap only: `keelson run` and the
    // status report it, not lint.
    assert_eq!(
        found,
        vec![
            ("spec.synchronization".to_string(), Severity::Warning, 7),
            ("spec.templates[0].steps[0][1].inline.daemon".to_string(), Severity::Warning, 16),
            ("spec.templates[1].synchronization".to_string(), Severity::Warning, 19),
            ("spec.templates[1].memoize".to_string(), Severity::Warning, 21),
        ],
        "{:#?}",
        r.findings
    );
    let sync = &r.findings.iter().find(|f| f.position.line == 19).expect("a finding").diagnostic;
    assert_eq!(sync.message, "synchronization is not enforced");
    assert_eq!(
        sync.help.as_deref(),
        Some(
            "its mutexes and semaphores are not taken, so the steps and tasks it guards may run at the same time"
        )
    );
    assert!(!r.failed(), "warnings only: Argo runs these");
}

#[test]
fn a_cron_stop_strategy_and_template_defaults_are_checked_too() {
    let r = lint_one(
        r#"apiVersion: argoproj.io/v1alpha1
kind: CronWorkflow
metadata: {name: nightly}
spec:
  schedules: ["0 1 * * *"]
  stopStrategy: {expression: "cronworkflow.failed >= 3"}
  workflowSpec:
    entrypoint: main
    templateDefaults:
      memoize: {key: k, cache: {configMap: {name: c}}}
    templates:
      - name: main
        container: {image: alpine, command: ["true"]}
"#,
    );
    let paths: Vec<String> = r
        .findings
        .iter()
        .filter(|f| f.diagnostic.code == "not-enforced")
        .map(|f| f.diagnostic.path.to_string())
        .collect();
    assert_eq!(paths, vec!["spec.stopStrategy", "spec.workflowSpec.templateDefaults.memoize"]);
}
