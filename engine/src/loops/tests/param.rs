//! `withParam` (§4.1, scenario 8).

use serde_json::json;

use super::*;

#[test]
fn with_param_keeps_raw_text() {
    let got = expanded(&param(r#" [1.50, 1e3, "\u00e9\/", {"b": 2, "a": {"y": 1, "x": 2}}, -0] "#));
    let n: Vec<String> = got.iter().map(|i| child_name("p", i)).collect();
    assert_eq!(
        n,
        ["p(0:1.50)", "p(1:1e3)", r"p(2:\u00e9\/)", r#"p(3:a:{"y":1,"x":2},b:2)"#, "p(4:-0)"]
    );
    assert_eq!(var(&got[3], "item"), r#"{"a":{"y":1,"x":2},"b":2}"#);
    assert_eq!(var(&got[3], "item.a"), r#"{"y":1,"x":2}"#);
    assert_eq!(got[0].value, json!(1.5));
    assert_eq!(got[2].value, json!("é/"));
    assert_eq!(got[3].raw.as_deref(), Some(r#"{"b":2,"a":{"y":1,"x":2}}"#));
}

#[test]
fn with_param_duplicate_keys_last_wins() {
    let item = &expanded(&param(r#"[{"a":1,"a":2}]"#))[0];
    assert_eq!(child_name("p", item), "p(0:a:2)");
    assert_eq!(vars(item), pairs(&[("item", r#"{"a":2}"#), ("item.a", "2")]));
}

#[test]
fn with_param_empty_lists() {
    assert_eq!(expanded(&param("[]")), []);
    assert_eq!(expanded(&param(" [ ] ")), []);
    assert_eq!(expanded(&param("null")), [], "Go unmarshals null into a nil slice");
}

#[test]
fn with_param_errors_carry_go_messages() {
    let prefix = "withParam value could not be parsed as a JSON list: ";
    assert_eq!(
        expand_err(&param("nope")),
        format!("{prefix}nope: invalid character 'o' in literal null (expecting 'u')")
    );
    assert_eq!(expand_err(&param(" [1, \n")), format!("{prefix}[1,: unexpected end of JSON input"));
    assert_eq!(expand_err(&param("  ")), format!("{prefix}: unexpected end of JSON input"));
    assert_eq!(
        expand_err(&param(r#"{"a": 1}"#)),
        format!(
            r#"{prefix}{{"a": 1}}: json: cannot unmarshal object into Go value of type []v1alpha1.Item"#
        )
    );
    assert_eq!(
        expand_err(&param(r#""a,b""#)),
        format!(
            r#"{prefix}"a,b": json: cannot unmarshal string into Go value of type []v1alpha1.Item"#
        )
    );
    assert_eq!(
        expand_err(&param(" 7 ")),
        format!("{prefix}7: json: cannot unmarshal number into Go value of type []v1alpha1.Item")
    );
    assert_eq!(
        expand_err(&param("true")),
        format!("{prefix}true: json: cannot unmarshal bool into Go value of type []v1alpha1.Item")
    );
    assert_eq!(
        expand_err(&param("['a']")),
        format!("{prefix}['a']: invalid character '\\'' looking for beginning of value")
    );
}
