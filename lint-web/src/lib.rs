//! `keelson lint` in the browser. The engine's lint (YAML parser,
//! expression parsers, regexes) is most of a megabyte of WASM that only
//! the YAML editor needs, so it is a module of its own, fetched when the
//! editor opens rather than with every page.
//!
//! One call, text in and JSON out (the two modules share no memory):
//! [`lint`] gives `keelson lint --output json`'s findings (same rules,
//! same messages, each with its line and column) and every YAML document
//! of the text as JSON, for the editor's graph preview and its submit.

use engine::lint::{Catalog, Options, Source};
use engine::yaml::Limits;
use wasm_bindgen::prelude::*;

/// What the editor shows of `text`: `{"findings": [...], "documents": [...]}`.
#[wasm_bindgen]
pub fn lint(text: &str) -> String {
    let source = Source { name: "editor".into(), text: text.into() };
    let report = engine::lint::lint(&[source], &Catalog::default(), Options::default());
    let documents: Vec<serde_json::Value> = engine::yaml::load_str(text, Limits::default())
        .map(|docs| docs.iter().map(|d| d.to_json()).collect())
        .unwrap_or_default();
    serde_json::json!({"findings": report.findings, "documents": documents}).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_are_located_and_documents_given_back() {
        let text = "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {name: x}\nspec:\n  entrypoint: main\n  templates:\n  - name: main\n    dag:\n      tasks:\n      - {name: a, template: nope}\n";
        let out: serde_json::Value = serde_json::from_str(&lint(text)).expect("JSON");
        let finding = &out["findings"][0];
        assert_eq!(finding["code"], "unknown-template", "{out}");
        assert_eq!(finding["line"], 10, "{out}");
        assert_eq!(out["documents"][0]["kind"], "Workflow");
        let broken: serde_json::Value = serde_json::from_str(&lint("a: [")).expect("JSON");
        assert_eq!(broken["findings"][0]["code"], "yaml");
        assert_eq!(broken["documents"], serde_json::json!([]));
    }
}
