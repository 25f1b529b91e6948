//! Reading a small YAML or JSON configuration file (image table, local
//! store) as JSON, with the same YAML reader as workflows, so the two
//! formats and their quirks (YAML 1.1 scalars) behave the same everywhere.

use std::path::Path;

use serde_json::Value;

use super::error::LoadError;

/// The file's single document as JSON (an empty file is `null`).
pub fn read(path: &Path) -> Result<Value, LoadError> {
    let text = std::fs::read_to_string(path)
        .map_err(|source| LoadError::Io { path: path.to_path_buf(), source })?;
    parse(&text, path)
}

/// Parse text that came from `origin` (named in errors).
pub fn parse(text: &str, origin: &Path) -> Result<Value, LoadError> {
    let mut docs = parse_all(text, origin)?;
    match docs.len() {
        0 => Ok(Value::Null),
        1 => Ok(docs.remove(0)),
        _ => Err(LoadError::Invalid {
            path: origin.to_path_buf(),
            message: "expected one document, found several".into(),
        }),
    }
}

/// Every document of `text` (from `origin`, named in errors), as JSON.
pub fn parse_all(text: &str, origin: &Path) -> Result<Vec<Value>, LoadError> {
    let invalid = |message: String| LoadError::Invalid { path: origin.to_path_buf(), message };
    let docs = engine::yaml::load_str(text, engine::yaml::Limits::default()).map_err(|e| {
        invalid(format!("line {}, column {}: {}", e.position.line, e.position.column, e.message))
    })?;
    Ok(docs.iter().map(|d| d.to_json()).collect())
}

/// A scalar as the string a Kubernetes object would hold: YAML turns
/// `port: 5432` into a number, but secrets and config maps hold strings.
pub fn scalar_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}
