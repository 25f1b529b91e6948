//! Lints every YAML file of Argo's own examples (`../shared/argo-examples`)
//! in one run, so templates referenced across files resolve as they do
//! when Argo's CI applies them all.
//!
//! Argo's examples are valid Argo, so the rule is: no errors, and no
//! unknown fields. What Keelson does not run (resource/http/plugin/data/
//! containerSet templates), fields it reads but does not enforce, and
//! non-workflow kinds (ConfigMaps, …) must be *named* as warnings, never
//! skipped silently. The table printed here is
//! the one quoted in `docs/conformance.md`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use engine::diag::{PathSeg, Severity};
use engine::lint::{Catalog, Options, Source, lint};

fn examples_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/argo-examples");
    dir.is_dir().then_some(dir)
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            yaml_files(&p, out);
        } else if matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")) {
            out.push(p);
        }
    }
}

/// Real defects in Argo's examples that Keelson reports (as `kubectl`
/// or `argo lint --strict` would), with what is wrong.
const KNOWN_DEFECTS: &[(&str, &str, &str)] = &[
    ("fun-with-gifs.yaml", "missing-name", "`generateName` is indented under `labels`"),
    ("k8s-jobs.yaml", "missing-name", "`name` is indented inside an annotation's text"),
    ("k8s-patch-json-workflow.yaml", "yaml", "`metadata.annotations` is set twice"),
];

/// Warnings that name a legitimate reason and are expected on valid Argo.
const NAMED_REASONS: &[&str] = &[
    // Keelson does not run it, or the document is not a workflow.
    "unsupported-template",
    "not-a-workflow",
    // Keelson reads the field but does not provide its effect:
    // synchronization, memoize, artifacts, daemons, …
    "not-enforced",
    // Valid Argo, but probably not what was meant: an argument the
    // callee ignores; a WorkflowTemplate parameter only given at submission.
    "unused-argument",
    "unknown-variable",
];

#[test]
fn argo_examples_lint_clean_or_name_their_reason() {
    let Some(dir) = examples_dir() else {
        println!(
            "SKIPPED: ../shared/argo-examples is absent (only present on development machines)"
        );
        return;
    };
    let mut files = Vec::new();
    yaml_files(&dir, &mut files);
    assert!(files.len() > 200, "expected Argo's 217 examples, found {}", files.len());
    let sources: Vec<Source> = files
        .iter()
        .map(|p| Source {
            name: p.strip_prefix(&dir).unwrap_or(p).display().to_string(),
            text: std::fs::read_to_string(p).unwrap_or_default(),
        })
        .collect();
    let report = lint(&sources, &Catalog::default(), Options { strict: false });

    // file -> outcome
    let mut outcome: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for s in &sources {
        outcome.entry(s.name.as_str()).or_default();
    }
    let mut unexpected = Vec::new();
    for f in &report.findings {
        let d = &f.diagnostic;
        let entry = outcome.entry(f.file.as_str()).or_default();
        let reason = match d.code {
            "unsupported-template" => match d.path.segments().last() {
                Some(PathSeg::Key(kind)) => format!("warns: does not run `{kind}`"),
                _ => "warns: unsupported template".to_string(),
            },
            "not-a-workflow" => "warns: not a workflow kind".to_string(),
            code if d.severity == Severity::Warning => format!("warns: {code}"),
            code => format!("error: {code}"),
        };
        if !entry.contains(&reason) {
            entry.push(reason);
        }
        let expected = (d.severity == Severity::Warning && NAMED_REASONS.contains(&d.code))
            || KNOWN_DEFECTS.iter().any(|(file, code, _)| *file == f.file && *code == d.code);
        if !expected {
            unexpected.push(format!(
                "{}:{}:{} {:?} [{}] {} ({})",
                f.file, f.position.line, f.position.column, d.severity, d.code, d.message, d.path
            ));
        }
    }

    let clean = outcome.values().filter(|v| v.is_empty()).count();
    let mut by_reason: BTreeMap<String, usize> = BTreeMap::new();
    for reasons in outcome.values() {
        for r in reasons {
            *by_reason.entry(r.clone()).or_default() += 1;
        }
    }
    println!(
        "lint conformance over {} files ({} documents):",
        sources.len(),
        report.documents.len()
    );
    println!("  {:<40} {:>5}", "lints clean", clean);
    for (reason, n) in &by_reason {
        println!("  {reason:<40} {n:>5}");
    }
    for (file, reasons) in &outcome {
        if !reasons.is_empty() {
            println!("    {file}: {}", reasons.join("; "));
        }
    }
    assert!(
        unexpected.is_empty(),
        "unexpected findings on Argo's examples:\n{}",
        unexpected.join("\n")
    );
}
