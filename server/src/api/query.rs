//! Query strings and bodies as Argo's clients write them: dotted keys
//! (`listOptions.labelSelector`) and booleans as `true`/`True`/`1`.

use std::collections::HashMap;

use serde::{Deserialize, Deserializer};

/// The query string, key → value (the last one wins).
pub type ListParams = HashMap<String, String>;

/// A boolean query value or JSON field, Python-style spellings included.
pub fn is_true(v: Option<&String>) -> bool {
    v.is_some_and(|v| matches!(v.as_str(), "true" | "True" | "TRUE" | "1"))
}

/// Serde: a boolean given as JSON `true` or as the string `"true"`/`"True"`.
pub fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Flag {
        Bool(bool),
        Text(String),
    }
    Ok(match Flag::deserialize(d)? {
        Flag::Bool(b) => b,
        Flag::Text(t) => matches!(t.as_str(), "true" | "True" | "TRUE" | "1"),
    })
}
