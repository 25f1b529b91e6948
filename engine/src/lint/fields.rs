//! Unknown fields: a warning (an error under `--strict`), with the known
//! field it most resembles.
//!
//! Typed fields are listed here; fields Keelson keeps without reading are
//! listed next to their types in `spec` (`*_KEPT`). Anything else is
//! unknown to Argo too — most often a typo (`entrypont`) that would make
//! Argo silently ignore the setting.

use serde_json::{Map, Value};

use super::Options;
use super::context::DocCtx;
use crate::diag::{Diagnostic, FieldPath};
use crate::spec::{
    self, Arguments, Call, CallFlow, Container, Document, LifecycleHook, Parameter, Template,
    WorkflowSpec,
};

const RESOURCE: &[&str] = &["apiVersion", "kind", "metadata", "spec"];
const META: &[&str] = &["name", "generateName", "namespace", "labels", "annotations"];
const SPEC: &[&str] = &[
    "entrypoint",
    "templates",
    "arguments",
    "onExit",
    "hooks",
    "workflowTemplateRef",
    "parallelism",
    "activeDeadlineSeconds",
    "retryStrategy",
    "templateDefaults",
    "suspend",
    "shutdown",
    "priority",
];
const CRON: &[&str] = &[
    "schedules",
    "schedule",
    "timezone",
    "concurrencyPolicy",
    "startingDeadlineSeconds",
    "successfulJobsHistoryLimit",
    "failedJobsHistoryLimit",
    "suspend",
    "when",
    "stopStrategy",
    "workflowMetadata",
    "workflowSpec",
];
const TEMPLATE: &[&str] = &[
    "name",
    "inputs",
    "outputs",
    "container",
    "script",
    "dag",
    "steps",
    "suspend",
    "resource",
    "http",
    "plugin",
    "containerSet",
    "data",
    "retryStrategy",
    "parallelism",
    "failFast",
    "activeDeadlineSeconds",
    "timeout",
    "daemon",
];
const CONTAINER: &[&str] = &["name", "image", "command", "args", "env", "workingDir"];
const ENV: &[&str] = &["name", "value", "valueFrom"];
const ENV_SOURCE: &[&str] =
    &["secretKeyRef", "configMapKeyRef", "fieldRef", "resourceFieldRef", "fileKeyRef"];
const IO: &[&str] = &["parameters", "artifacts"];
const OUTPUTS: &[&str] = &["parameters", "artifacts", "result", "exitCode"];
const PARAMETER: &[&str] =
    &["name", "value", "default", "valueFrom", "globalName", "enum", "description"];
const VALUE_FROM: &[&str] = &[
    "path",
    "jsonPath",
    "jqFilter",
    "event",
    "parameter",
    "supplied",
    "configMapKeyRef",
    "default",
    "expression",
];
const ARTIFACT: &[&str] = &[
    "name",
    "path",
    "mode",
    "from",
    "fromExpression",
    "subPath",
    "optional",
    "archive",
    "archiveLogs",
    "globalName",
    "artifactGC",
    "deleted",
    "recurseMode",
    "s3",
    "gcs",
    "git",
    "http",
    "raw",
    "oss",
    "hdfs",
    "azure",
    "artifactory",
    "plugin",
];
const DAG: &[&str] = &["tasks", "target", "failFast"];
const CALL: &[&str] = &["template", "templateRef", "inline", "arguments"];
const CONTROL: &[&str] =
    &["when", "withItems", "withParam", "withSequence", "continueOn", "onExit", "hooks"];
const TASK_ONLY: &[&str] = &["name", "dependencies", "depends"];
const STEP_ONLY: &[&str] = &["name"];
const HOOK: &[&str] = &["expression"];
const TEMPLATE_REF: &[&str] = &["name", "template", "clusterScope"];
const CONTINUE_ON: &[&str] = &["error", "failed"];
const SEQUENCE: &[&str] = &["count", "start", "end", "format"];
const RETRY: &[&str] = &["limit", "retryPolicy", "backoff", "expression", "affinity"];
const BACKOFF: &[&str] = &["duration", "factor", "maxDuration", "cap"];
const SUSPEND: &[&str] = &["duration"];
const WFT_REF: &[&str] = &["name", "clusterScope"];

struct Walker<'c, 'a> {
    ctx: &'c mut DocCtx<'a>,
    strict: bool,
}

pub fn check(ctx: &mut DocCtx<'_>, options: Options) {
    let doc = ctx.doc;
    let mut w = Walker { ctx, strict: options.strict };
    let root = FieldPath::root();
    let (other, meta) = match doc {
        Document::Workflow(r)
        | Document::WorkflowTemplate(r)
        | Document::ClusterWorkflowTemplate(r) => (&r.other, &r.metadata),
        Document::CronWorkflow(r) => (&r.other, &r.metadata),
    };
    w.unknown(other, &root, &[RESOURCE, spec::RESOURCE_KEPT]);
    w.unknown(&meta.other, &root.key("metadata"), &[META, spec::META_KEPT]);
    if let Document::CronWorkflow(c) = doc {
        w.unknown(&c.spec.other, &root.key("spec"), &[CRON]);
    }
    let (s, path) = doc.workflow_spec();
    w.spec(s, &path);
}

impl Walker<'_, '_> {
    fn unknown(&mut self, other: &Map<String, Value>, at: &FieldPath, known: &[&[&str]]) {
        for key in other.keys() {
            if known.iter().any(|list| list.contains(&key.as_str())) {
                continue;
            }
            let candidates = known.iter().flat_map(|l| l.iter().copied());
            let message = format!("unknown field `{key}`");
            let mut d = if self.strict {
                Diagnostic::error("unknown-field", at.key(key), message)
            } else {
                Diagnostic::warning("unknown-field", at.key(key), message)
            };
            d = match crate::suggest::help(key, candidates) {
                Some(h) => d.with_help(h),
                None => d.with_help("Argo ignores fields it does not know; so does Keelson"),
            };
            self.ctx.push(d);
        }
    }

    fn spec(&mut self, s: &WorkflowSpec, at: &FieldPath) {
        self.unknown(&s.other, at, &[SPEC, spec::SPEC_KEPT]);
        self.arguments(&s.arguments, &at.key("arguments"));
        for (i, t) in s.templates.iter().enumerate() {
            self.template(t, &at.key("templates").index(i), 0);
        }
        if let Some(t) = &s.template_defaults {
            self.template(t, &at.key("templateDefaults"), 0);
        }
        for (name, h) in &s.hooks {
            self.hook(h, &at.key("hooks").key(name), 0);
        }
        if let Some(r) = &s.retry_strategy {
            self.retry(r, &at.key("retryStrategy"));
        }
        if let Some(r) = &s.workflow_template_ref {
            self.unknown(&r.other, &at.key("workflowTemplateRef"), &[WFT_REF]);
        }
    }

    fn arguments(&mut self, a: &Arguments, at: &FieldPath) {
        self.unknown(&a.other, at, &[IO]);
        self.parameters(&a.parameters, &at.key("parameters"));
        self.artifacts(&a.artifacts, &at.key("artifacts"));
    }

    fn parameters(&mut self, ps: &[Parameter], at: &FieldPath) {
        for (i, p) in ps.iter().enumerate() {
            let pp = at.index(i);
            self.unknown(&p.other, &pp, &[PARAMETER]);
            if let Some(v) = &p.value_from {
                self.unknown(&v.other, &pp.key("valueFrom"), &[VALUE_FROM]);
            }
        }
    }

    fn artifacts(&mut self, arts: &[spec::Artifact], at: &FieldPath) {
        for (i, a) in arts.iter().enumerate() {
            self.unknown(&a.other, &at.index(i), &[ARTIFACT]);
        }
    }

    fn template(&mut self, t: &Template, at: &FieldPath, depth: usize) {
        if depth > 16 {
            return;
        }
        self.unknown(&t.other, at, &[TEMPLATE, spec::TEMPLATE_KEPT]);
        self.unknown(&t.inputs.other, &at.key("inputs"), &[IO]);
        self.parameters(&t.inputs.parameters, &at.key("inputs").key("parameters"));
        self.artifacts(&t.inputs.artifacts, &at.key("inputs").key("artifacts"));
        self.unknown(&t.outputs.other, &at.key("outputs"), &[OUTPUTS]);
        self.parameters(&t.outputs.parameters, &at.key("outputs").key("parameters"));
        self.artifacts(&t.outputs.artifacts, &at.key("outputs").key("artifacts"));
        if let Some(c) = &t.container {
            self.container(c, &at.key("container"), &[]);
        }
        if let Some(s) = &t.script {
            self.container(&s.container, &at.key("script"), &["source"]);
        }
        if let Some(s) = &t.suspend {
            self.unknown(&s.other, &at.key("suspend"), &[SUSPEND]);
        }
        if let Some(r) = &t.retry_strategy {
            self.retry(r, &at.key("retryStrategy"));
        }
        if let Some(dag) = &t.dag {
            let dp = at.key("dag");
            self.unknown(&dag.other, &dp, &[DAG]);
            for (i, task) in dag.tasks.iter().enumerate() {
                let tp = dp.key("tasks").index(i);
                self.unknown(&task.other, &tp, &[TASK_ONLY, CALL, CONTROL]);
                self.call(&task.call, &tp, depth);
                self.flow(&task.flow, &tp, depth);
            }
        }
        for (g, group) in t.steps.iter().flatten().enumerate() {
            for (i, step) in group.iter().enumerate() {
                let sp = at.key("steps").index(g).index(i);
                self.unknown(&step.other, &sp, &[STEP_ONLY, CALL, CONTROL]);
                self.call(&step.call, &sp, depth);
                self.flow(&step.flow, &sp, depth);
            }
        }
    }

    fn container(&mut self, c: &Container, at: &FieldPath, extra: &[&str]) {
        self.unknown(&c.other, at, &[CONTAINER, spec::CONTAINER_KEPT, extra]);
        for (i, e) in c.env.iter().enumerate() {
            let ep = at.key("env").index(i);
            self.unknown(&e.other, &ep, &[ENV]);
            if let Some(v) = &e.value_from {
                self.unknown(&v.other, &ep.key("valueFrom"), &[ENV_SOURCE]);
            }
        }
    }

    fn call(&mut self, c: &Call, at: &FieldPath, depth: usize) {
        self.arguments(&c.arguments, &at.key("arguments"));
        if let Some(r) = &c.template_ref {
            self.unknown(&r.other, &at.key("templateRef"), &[TEMPLATE_REF]);
        }
        if let Some(t) = &c.inline {
            self.template(t, &at.key("inline"), depth + 1);
        }
    }

    fn flow(&mut self, c: &CallFlow, at: &FieldPath, depth: usize) {
        if let Some(s) = &c.with_sequence {
            self.unknown(&s.other, &at.key("withSequence"), &[SEQUENCE]);
        }
        if let Some(k) = &c.continue_on {
            self.unknown(&k.other, &at.key("continueOn"), &[CONTINUE_ON]);
        }
        for (name, h) in &c.hooks {
            self.hook(h, &at.key("hooks").key(name), depth);
        }
    }

    fn hook(&mut self, h: &LifecycleHook, at: &FieldPath, depth: usize) {
        self.unknown(&h.other, at, &[HOOK, CALL]);
        self.call(&h.call, at, depth);
    }

    fn retry(&mut self, r: &spec::RetryStrategy, at: &FieldPath) {
        self.unknown(&r.other, at, &[RETRY]);
        if let Some(b) = &r.backoff {
            self.unknown(&b.other, &at.key("backoff"), &[BACKOFF]);
        }
    }
}
