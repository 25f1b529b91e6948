//! Robustness and property tests.

use proptest::prelude::*;
use serde_json::json;

use super::*;
use crate::golang::json::{check_valid, compact};

#[test]
fn invalid_raw_falls_back_to_value() {
    let item = LoopItem { index: 2, value: json!("v"), raw: Some("[not json".into()) };
    assert_eq!(child_name("p", &item), "p(2:v)");
    assert_eq!(LoopItem::new(1, json!(1)), LoopItem { index: 1, value: json!(1), raw: None });
}

#[test]
fn with_items_limit() {
    let c = CallFlow { with_items: Some(vec![Value::Null; MAX_ITEMS + 1]), ..CallFlow::default() };
    assert!(expand_err(&c).contains("more than 1000000 items"));
    let c = param(&format!("[{}0]", "0,".repeat(MAX_ITEMS)));
    assert!(expand_err(&c).contains("more than 1000000 items"));
}

#[test]
fn deep_with_param_does_not_overflow() {
    let deep = format!("[{}{}]", "[".repeat(5000), "]".repeat(5000));
    let got = expanded(&param(&deep));
    assert_eq!(got.len(), 1);
    assert!(child_name("p", &got[0]).starts_with("p(0:[[[[["));
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        ".{0,8}".prop_map(Value::String),
        "[()<>&\"\\\\a-c:,]{0,6}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-c:()]{0,3}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Values whose JSON text serde_json and Go write alike (no floats, keys
/// in sorted order), so withParam and withItems must render them the same.
fn arb_plain_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        ".{0,8}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-c]{0,3}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn prop_child_name_is_total_and_deterministic(
        name in ".{0,6}",
        index in 0usize..1000,
        value in arb_json(),
        raw in proptest::option::of(".{0,12}"),
    ) {
        let item = LoopItem { index, value, raw };
        let first = child_name(&name, &item);
        prop_assert_eq!(&first, &child_name(&name, &item));
        let prefix = format!("{name}({index}:");
        prop_assert!(first.starts_with(&prefix));
        prop_assert!(first.ends_with(')'));
        let desc = &first[prefix.len()..first.len() - 1];
        prop_assert!(!desc.contains('(') && !desc.contains(')'));
        let _ = item_vars(&item);
    }

    #[test]
    fn prop_sequence_count_has_count_entries(n in 0i64..3000, start in -1_000_000i64..1_000_000) {
        let s = Sequence {
            count: Some(IntOrString::Int(n)),
            start: Some(IntOrString::String(start.to_string())),
            ..Sequence::default()
        };
        let got = sequence(&s).unwrap();
        prop_assert_eq!(got.len(), usize::try_from(n).unwrap());
        if n > 0 {
            prop_assert_eq!(&got[0], &start.to_string());
        }
    }

    #[test]
    fn prop_with_param_matches_with_items(values in prop::collection::vec(arb_plain_json(), 0..6)) {
        let text = serde_json::to_string(&values).unwrap();
        let from_param = expanded_or_empty(&param(&text));
        let from_items = expanded_or_empty(&items(Value::Array(values)));
        prop_assert_eq!(from_param.len(), from_items.len());
        for (p, i) in from_param.iter().zip(&from_items) {
            prop_assert_eq!(child_name("p", p), child_name("p", i));
            prop_assert_eq!(item_vars(p), item_vars(i));
            prop_assert_eq!(&p.value, &i.value);
        }
    }

    #[test]
    fn prop_go_scanner_agrees_with_serde(text in "[\\[\\]{}\",:0-9eE.+\\- truefalsn\\\\/bu]{0,24}") {
        let go = check_valid(&text);
        let serde = serde_json::from_str::<Value>(&text);
        // serde_json refuses numbers beyond f64; Go's syntax check does not.
        prop_assume!(!matches!(&serde, Err(e) if e.to_string().contains("out of range")));
        prop_assert_eq!(go.is_ok(), serde.is_ok(), "{:?}: go {:?}", text, go);
        if let Ok(value) = serde {
            let compacted = compact(&text).unwrap();
            prop_assert_eq!(serde_json::from_str::<Value>(&compacted).unwrap(), value);
        }
    }
}

fn expanded_or_empty(flow: &CallFlow) -> Vec<LoopItem> {
    expand(flow).map(|r| r.expect("expands")).unwrap_or_default()
}
