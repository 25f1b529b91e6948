//! Aggregated outputs (§4.3, scenario 20c; parameter-aggregation shapes).

use crate::status::{NodeOutputs, OutputParameter};

use super::*;

fn outputs(params: &[(&str, &str)], result: Option<&str>) -> NodeOutputs {
    NodeOutputs {
        parameters: params
            .iter()
            .map(|(n, v)| OutputParameter {
                name: n.to_string(),
                value: Some(v.to_string()),
                global_name: None,
            })
            .collect(),
        result: result.map(str::to_string),
        exit_code: None,
        artifacts: Vec::new(),
    }
}

#[test]
fn aggregation_scenario() {
    let a = outputs(&[("n", "1")], Some(r#"{"v":1}"#));
    let b = outputs(&[("n", "2")], Some(r#"{"v": 2}"#));
    let c = outputs(&[("n", "3")], Some("{\"v\":3}\n"));
    // A child that failed (continueOn) is passed as None.
    let got = aggregate_outputs(&[Some(&a), Some(&b), None, Some(&c)]).unwrap();
    assert_eq!(
        got,
        pairs(&[
            ("outputs.result", r#"[{"v":1},{"v":2},{"v":3}]"#),
            ("outputs.parameters", r#"[{"n":"1"},{"n":"2"},{"n":"3"}]"#),
            ("outputs.parameters.n", r#"["1","2","3"]"#),
        ])
    );
}

#[test]
fn aggregation_edges() {
    assert_eq!(aggregate_outputs(&[]).unwrap(), []);
    assert_eq!(
        aggregate_outputs(&[None, None]).unwrap(),
        pairs(&[("outputs.result", "[]"), ("outputs.parameters", "[]")])
    );
    let bare = outputs(&[], None);
    assert_eq!(
        aggregate_outputs(&[Some(&bare)]).unwrap(),
        pairs(&[("outputs.result", "[]"), ("outputs.parameters", "[]")])
    );
    let html = outputs(&[("h", "<&>")], Some(r#""<a>""#));
    assert_eq!(
        aggregate_outputs(&[Some(&html)]).unwrap(),
        pairs(&[
            ("outputs.result", r#"["\u003ca\u003e"]"#),
            ("outputs.parameters", r#"[{"h":"\u003c\u0026\u003e"}]"#),
            ("outputs.parameters.h", r#"["\u003c\u0026\u003e"]"#),
        ])
    );
    let raw_numbers = outputs(&[], Some("1.50"));
    assert_eq!(aggregate_outputs(&[Some(&raw_numbers)]).unwrap()[0].1, "[1.50]");
}

#[test]
fn aggregation_fails_on_non_json_results() {
    let text = outputs(&[], Some("hello world"));
    let err = aggregate_outputs(&[Some(&text)]).unwrap_err();
    assert_eq!(err.message, "invalid character 'h' looking for beginning of value");
    let empty = outputs(&[], Some(""));
    assert_eq!(
        aggregate_outputs(&[Some(&empty)]).unwrap_err().message,
        "unexpected end of JSON input"
    );
}

#[test]
fn aggregated_parameter_lists_embed_json_only_when_all_are_containers() {
    let a = outputs(&[("p", r#"{"b": 1.50, "a": 1}"#)], None);
    let b = outputs(&[("p", "[2, 3]")], None);
    let c = outputs(&[("p", "3")], None);
    let all = aggregate_outputs(&[Some(&a), Some(&b)]).unwrap();
    assert_eq!(
        all[2],
        ("outputs.parameters.p".to_string(), r#"[{"a":1,"b":1.5},[2,3]]"#.to_string())
    );
    let mixed = aggregate_outputs(&[Some(&a), Some(&c)]).unwrap();
    assert_eq!(mixed[2].1, r#"["{\"b\": 1.50, \"a\": 1}","3"]"#);
}

#[test]
fn aggregated_parameters_sort_keys_and_tolerate_duplicates() {
    let a = outputs(&[("num", "1"), ("evenness", "odd"), ("num", "one")], None);
    let got = aggregate_outputs(&[Some(&a)]).unwrap();
    assert_eq!(
        got,
        pairs(&[
            ("outputs.result", "[]"),
            ("outputs.parameters", r#"[{"evenness":"odd","num":"one"}]"#),
            ("outputs.parameters.evenness", r#"["odd"]"#),
            ("outputs.parameters.num", r#"["1","one"]"#),
        ])
    );
}

#[test]
fn parameter_aggregation_example_end_to_end() {
    // odd-or-even over [1,2,3,4] writes num and evenness.
    let children: Vec<NodeOutputs> = (1..=4)
        .map(|n| {
            outputs(
                &[("num", &n.to_string()), ("evenness", if n % 2 == 0 { "even" } else { "odd" })],
                None,
            )
        })
        .collect();
    let refs: Vec<Option<&NodeOutputs>> = children.iter().map(Some).collect();
    let agg = aggregate_outputs(&refs).unwrap();
    let params = &agg[1].1;
    assert_eq!(
        params,
        r#"[{"evenness":"odd","num":"1"},{"evenness":"even","num":"2"},{"evenness":"odd","num":"3"},{"evenness":"even","num":"4"}]"#
    );
    assert_eq!(agg[3], ("outputs.parameters.num".to_string(), r#"["1","2","3","4"]"#.to_string()));
    // divide-by-2 loops over that list.
    let got = expanded(&param(params));
    assert_eq!(child_name("divide-by-2", &got[1]), "divide-by-2(1:evenness:even,num:2)");
    assert_eq!(var(&got[1], "item.num"), "2");
    assert_eq!(var(&got[1], "item.evenness"), "even");
    // Odd items are Skipped by `when`; the even ones print 1 and 2.
    let (r1, r2) = (outputs(&[], Some("1")), outputs(&[], Some("2")));
    let agg = aggregate_outputs(&[None, Some(&r1), None, Some(&r2)]).unwrap();
    assert_eq!(agg[0].1, "[1,2]");
    assert_eq!(names("print", &param(&agg[0].1)), ["print(0:1)", "print(1:2)"]);
}
