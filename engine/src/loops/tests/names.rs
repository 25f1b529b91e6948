//! Which loop applies; node names and `{{item}}` variables (§1.2, scenario 6).

use serde_json::json;

use super::*;

#[test]
fn no_loop_without_loop_fields() {
    assert!(expand(&CallFlow::default()).is_none());
    assert!(expand(&items(json!([]))).is_none(), "withItems: [] is no loop in Argo");
    assert!(expand(&param("")).is_none(), "withParam: \"\" is no loop in Argo");
}

#[test]
fn with_items_wins_then_with_param_then_with_sequence() {
    let mut c = items(json!(["a"]));
    c.with_param = Some("[1,2]".into());
    c.with_sequence = Some(seq(Some("5"), None, None, None));
    assert_eq!(names("p", &c), ["p(0:a)"]);
    c.with_items = Some(vec![]);
    assert_eq!(names("p", &c), ["p(0:1)", "p(1:2)"]);
    c.with_param = Some(String::new());
    assert_eq!(names("p", &c).len(), 5);
}

#[test]
fn string_items_name_children() {
    assert_eq!(
        names("loop-x[0].p", &items(json!(["hello", "world"]))),
        ["loop-x[0].p(0:hello)", "loop-x[0].p(1:world)"]
    );
    let item = &expanded(&items(json!(["hello"])))[0];
    assert_eq!(vars(item), pairs(&[("item", "hello")]));
}

#[test]
fn map_items_sort_key_value_pairs() {
    let c = items(json!([{"version": 9.1, "os": "debian"}]));
    let item = &expanded(&c)[0];
    assert_eq!(child_name("p", item), "p(0:os:debian,version:9.1)");
    assert_eq!(
        vars(item),
        pairs(&[
            ("item", r#"{"os":"debian","version":9.1}"#),
            ("item.os", "debian"),
            ("item.version", "9.1")
        ])
    );
}

#[test]
fn map_name_sorts_whole_pairs_not_keys() {
    // '-' sorts before ':', so "a-b:x" < "a:y" although "a" < "a-b".
    let item = &expanded(&items(json!([{"a": "y", "a-b": "x"}])))[0];
    assert_eq!(child_name("p", item), "p(0:a-b:x,a:y)");
    assert_eq!(var(item, "item"), r#"{"a":"y","a-b":"x"}"#);
}

#[test]
fn loops_maps_example_shape() {
    let c = items(json!([{"image": "debian", "tag": "9.1"}, {"image": "ubuntu", "tag": "17.10"}]));
    let got = expanded(&c);
    assert_eq!(child_name("test-linux", &got[0]), "test-linux(0:image:debian,tag:9.1)");
    assert_eq!(child_name("test-linux", &got[1]), "test-linux(1:image:ubuntu,tag:17.10)");
    assert_eq!(var(&got[1], "item.tag"), "17.10");
}

#[test]
fn nested_values_stay_json_and_are_not_flattened() {
    let item = &expanded(&items(json!([{"a": {"y": 1, "x": [true, "s"]}, "b": [1, 2]}])))[0];
    assert_eq!(child_name("p", item), r#"p(0:a:{"x":[true,"s"],"y":1},b:[1,2])"#);
    assert_eq!(
        vars(item),
        pairs(&[
            ("item", r#"{"a":{"x":[true,"s"],"y":1},"b":[1,2]}"#),
            ("item.a", r#"{"x":[true,"s"],"y":1}"#),
            ("item.b", "[1,2]"),
        ])
    );
}

#[test]
fn list_items_print_like_go_slices() {
    let item = &expanded(&items(json!([[1, "a", true, {"k": "v"}]])))[0];
    assert_eq!(child_name("p", item), r#"p(0:[1 a true {"k":"v"}])"#);
    assert_eq!(vars(item), pairs(&[("item", r#"[1,"a",true,{"k":"v"}]"#)]));
}

#[test]
fn scalars() {
    let got = expanded(&items(json!([true, 3, -2.5, "", "f(x)", "(a)(b)"])));
    let n: Vec<String> = got.iter().map(|i| child_name("p", i)).collect();
    assert_eq!(n, ["p(0:true)", "p(1:3)", "p(2:-2.5)", "p(3:)", "p(4:fx)", "p(5:ab)"]);
    assert_eq!(var(&got[4], "item"), "f(x)", "only the name loses parentheses");
}

#[test]
fn yaml_floats_render_as_go_numbers() {
    // What the YAML loader gives for `1.0`, `1e21`, `0.0000001`, a big int.
    let got = expanded(&items(json!([1.0, 1e21, 1e-7, 12345678901234567890u64, 100.0])));
    let n: Vec<String> = got.iter().map(|i| child_name("p", i)).collect();
    assert_eq!(n, ["p(0:1)", "p(1:1e+21)", "p(2:1e-7)", "p(3:12345678901234567890)", "p(4:100)"]);
}

#[test]
fn null_and_empty_containers() {
    let got = expanded(&items(json!([null, {}, []])));
    assert_eq!(child_name("p", &got[0]), "p(0:[])", "Argo types null as an empty list");
    assert_eq!(vars(&got[0]), pairs(&[("item", "null")]));
    assert_eq!(child_name("p", &got[1]), "p(1:)");
    assert_eq!(vars(&got[1]), pairs(&[("item", "{}")]));
    assert_eq!(child_name("p", &got[2]), "p(2:[])");
    assert_eq!(vars(&got[2]), pairs(&[("item", "[]")]));
}

#[test]
fn strings_keep_their_json_escapes() {
    let got = expanded(&items(json!(["a\"b", "x\ny", "back\\slash", "tab\there", "\u{1}"])));
    let v: Vec<String> = got.iter().map(|i| var(i, "item")).collect();
    assert_eq!(v, [r#"a\"b"#, r"x\ny", r"back\\slash", r"tab\there", r"\u0001"]);
    assert_eq!(child_name("p", &got[0]), r#"p(0:a\"b)"#);
}

#[test]
fn html_characters_are_restored_in_strings_but_not_in_map_json() {
    let got = expanded(&items(json!(["<b>&", {"k": "<v>"}])));
    assert_eq!(child_name("p", &got[0]), "p(0:<b>&)");
    assert_eq!(var(&got[0], "item"), "<b>&");
    assert_eq!(child_name("p", &got[1]), "p(1:k:<v>)");
    assert_eq!(var(&got[1], "item.k"), "<v>");
    assert_eq!(var(&got[1], "item"), r#"{"k":"\u003cv\u003e"}"#);
}

#[test]
fn tags_in_with_items_are_left_alone() {
    let got = expanded(&items(json!(["{{inputs.parameters.x}}", {"a": "{{item}}"}])));
    assert_eq!(got[0].value, json!("{{inputs.parameters.x}}"));
    assert_eq!(got[1].value, json!({"a": "{{item}}"}));
    assert_eq!(got[0].raw, None);
    // The caller substitutes into `value`; names follow.
    let mut item = got[0].clone();
    item.value = json!("v1");
    assert_eq!(child_name("p", &item), "p(0:v1)");
}
