//! Property: any spec Keelson reads, written back, is the same document —
//! typed fields, Kubernetes fields it does not model and fields it has
//! never heard of alike.

use proptest::prelude::*;
use serde_json::{Map, Value, json};

use engine::spec;

fn name() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9-]{0,8}"
}

/// Values of fields Keelson keeps without reading.
fn opaque() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(|i| json!(i)),
        "[ -~]{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            prop::collection::btree_map(name(), inner, 0..3)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A few fields to sprinkle into an object, from `known` (kept fields)
/// or made up (unknown to Argo).
fn extras(known: &'static [&'static str]) -> impl Strategy<Value = Map<String, Value>> {
    let key = prop_oneof![prop::sample::select(known).prop_map(str::to_string), "x[A-Z][a-z]{2,6}"];
    prop::collection::btree_map(key, opaque(), 0..3).prop_map(|m| m.into_iter().collect())
}

fn params() -> impl Strategy<Value = Value> {
    prop::collection::vec(
        (name(), prop::option::of("[ -~]{0,10}"), prop::option::of("[a-z ]{0,10}")),
        0..3,
    )
    .prop_map(|ps| {
        Value::Array(
            ps.into_iter()
                .map(|(n, v, d)| {
                    let mut m = Map::new();
                    m.insert("name".into(), json!(n));
                    if let Some(v) = v {
                        m.insert("value".into(), json!(v));
                    }
                    if let Some(d) = d {
                        m.insert("description".into(), json!(d));
                    }
                    Value::Object(m)
                })
                .collect(),
        )
    })
}

fn container() -> impl Strategy<Value = Value> {
    (name(), prop::collection::vec("[ -~]{0,8}", 0..3), extras(spec::CONTAINER_KEPT)).prop_map(
        |(image, args, mut extra)| {
            extra.insert("image".into(), json!(image));
            if !args.is_empty() {
                extra.insert("args".into(), json!(args));
            }
            Value::Object(extra)
        },
    )
}

fn task() -> impl Strategy<Value = Value> {
    (name(), name(), prop::option::of("[a-z]{1,4}( && [a-z]{1,4})?"), params(), any::<bool>())
        .prop_map(|(n, t, depends, ps, looped)| {
            let mut m = Map::new();
            m.insert("name".into(), json!(n));
            m.insert("template".into(), json!(t));
            if let Some(d) = depends {
                m.insert("depends".into(), json!(d));
            }
            if ps.as_array().is_some_and(|a| !a.is_empty()) {
                m.insert("arguments".into(), json!({"parameters": ps}));
            }
            if looped {
                m.insert("withItems".into(), json!(["a", 1, {"k": "v"}]));
                m.insert("continueOn".into(), json!({"failed": true}));
            }
            Value::Object(m)
        })
}

fn template() -> impl Strategy<Value = Value> {
    let body = prop_oneof![
        container().prop_map(|c| ("container", c)),
        prop::collection::vec(task(), 1..4).prop_map(|ts| ("dag", json!({"tasks": ts}))),
        Just(("suspend", json!({"duration": "20s"}))),
    ];
    (name(), body, params(), extras(spec::TEMPLATE_KEPT), any::<bool>()).prop_map(
        |(n, (kind, b), ps, mut m, retry)| {
            m.insert("name".into(), json!(n));
            m.insert(kind.into(), b);
            if ps.as_array().is_some_and(|a| !a.is_empty()) {
                m.insert("inputs".into(), json!({"parameters": ps}));
            }
            if retry {
                m.insert(
                    "retryStrategy".into(),
                    json!({"limit": 2, "backoff": {"duration": "1s", "factor": "2"}}),
                );
            }
            Value::Object(m)
        },
    )
}

fn document() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(vec!["Workflow", "WorkflowTemplate", "ClusterWorkflowTemplate"]),
        name(),
        prop::collection::vec(template(), 1..4),
        params(),
        extras(spec::SPEC_KEPT),
        extras(spec::META_KEPT),
    )
        .prop_map(|(kind, n, templates, ps, mut spec_extra, mut meta)| {
            spec_extra.insert("entrypoint".into(), json!(n));
            spec_extra.insert("templates".into(), Value::Array(templates));
            if ps.as_array().is_some_and(|a| !a.is_empty()) {
                spec_extra.insert("arguments".into(), json!({"parameters": ps}));
            }
            meta.insert("name".into(), json!(n));
            meta.insert("labels".into(), json!({"app": n}));
            json!({"apiVersion": spec::API_VERSION, "kind": kind, "metadata": meta, "spec": spec_extra})
        })
}

proptest! {
    #[test]
    fn decode_then_encode_is_identity(doc in document()) {
        let decoded = spec::decode(doc.clone()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(decoded.to_json(), doc);
    }

    #[test]
    fn yaml_text_and_json_value_agree(doc in document()) {
        // JSON is YAML: loading the JSON text must give back the same value.
        let text = serde_json::to_string_pretty(&doc).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let nodes = engine::yaml::load_str(&text, engine::yaml::Limits::default())
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(nodes.len(), 1);
        prop_assert_eq!(nodes[0].to_json(), doc);
    }
}
