//! Tests of the public API, end to end, with Argo's documentation and
//! examples as the reference.

use super::*;
use serde_json::{Value as Json, json};

fn vars(pairs: &[(&str, Json)]) -> Vars {
    let mut v = Vars::new();
    for (k, val) in pairs {
        v.insert(*k, val.clone());
    }
    v
}

#[track_caller]
fn ev_with(src: &str, v: &Vars) -> Json {
    match eval(src, v) {
        Ok(x) => x,
        Err(e) => panic!("{src:?} failed: {e} (at {}+{})", e.offset, e.len),
    }
}

#[track_caller]
fn ev(src: &str) -> Json {
    ev_with(src, &Vars::new())
}

#[track_caller]
fn err_with(src: &str, v: &Vars) -> ExprError {
    match eval(src, v) {
        Ok(x) => panic!("{src:?} should fail, got {x}"),
        Err(e) => e,
    }
}

#[track_caller]
fn err(src: &str) -> ExprError {
    err_with(src, &Vars::new())
}

#[test]
fn seed_bad_expression_is_located() {
    let e = check("<% ctx.build_tag %>").err();
    let e = e.expect("must be refused");
    assert_eq!((e.offset, e.len), (0, 1));
    assert!(e.message.starts_with("unexpected `<`: "), "{}", e.message);
}

#[test]
fn errors_say_what_kind_they_are() {
    let kind = |src: &str| eval(src, &Vars::new()).err().map(|e| e.kind);
    assert_eq!(kind("1 +"), Some(ExprErrorKind::Syntax));
    assert_eq!(kind("a)"), Some(ExprErrorKind::Syntax));
    assert_eq!(kind("1..n"), Some(ExprErrorKind::Unsupported));
    assert_eq!(kind("map([1], {let y = #; y})"), Some(ExprErrorKind::Unsupported));
    assert_eq!(kind("notReady"), Some(ExprErrorKind::Unsupported));
    assert_eq!(kind(&vec!["1"; 100].join("+")), Some(ExprErrorKind::Limit));
    assert_eq!(kind("0..10000000"), Some(ExprErrorKind::Limit));
    assert_eq!(kind("sprig.repeat(100000000, 'x')"), Some(ExprErrorKind::Eval));
    assert_eq!(kind("map(0..99999, map(0..99999, #))"), Some(ExprErrorKind::Limit));
    assert_eq!(kind("1 + 'a'"), Some(ExprErrorKind::Eval));
    assert_eq!(check("1..n").err().map(|e| e.kind), Some(ExprErrorKind::Unsupported));
}

#[test]
fn syntax_errors_point_into_the_source() {
    for (src, at) in [("1 + * 2", 4), ("a ==", 4), ("f(1,", 1), ("x.", 2), ("'open", 0), ("1 2", 2)]
    {
        let e = check(src).err();
        let e = e.unwrap_or_else(|| panic!("{src:?} must be refused"));
        assert_eq!(e.offset, at, "{src:?}: {}", e.message);
        assert!(e.len >= 1);
    }
    assert!(check("inputs.parameters['x'] == \"y\"").is_ok());
}

#[test]
fn nesting_and_depth_guards() {
    let deep = format!("{}1{}", "(".repeat(65), ")".repeat(65));
    let e = check(&deep).err().map(|e| (e.offset, e.message));
    assert!(matches!(e, Some((64, ref m)) if m.contains("nested")), "{e:?}");
    let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
    assert!(check(&deep).is_err());
    let chain = vec!["x"; 100].join(" && ");
    assert!(err(&chain).message.contains("levels deep"));
    let unary = format!("{}true", "!".repeat(100));
    assert!(check(&unary).is_err());
    // Long but flat is fine.
    let flat = format!("len([{}])", vec!["1"; 5000].join(","));
    assert_eq!(ev(&flat), json!(5000));
}

#[test]
fn argo_functions() {
    let v = vars(&[("inputs.parameters.foo", json!("3")), ("inputs.parameters.f", json!("1.5"))]);
    assert_eq!(ev_with("asInt(inputs.parameters.foo) * 10", &v), json!(30));
    assert_eq!(ev_with("asFloat(inputs.parameters.f) * 2", &v), json!(3.0));
    assert_eq!(ev("asInt(\"3\")"), json!(3));
    assert_eq!(ev("asInt(3.9)"), json!(3));
    assert!(err("asInt(\"3.5\")").message.contains("int"));
    assert_eq!(
        ev("toJson({b: 1, a: [1, 2.5, 'x<y']})"),
        json!(r#"{"a":[1,2.5,"x\u003cy"],"b":1}"#)
    );
    assert_eq!(ev("toJson('s')"), json!(r#""s""#));
    assert_eq!(ev("toJson(nil)"), json!("null"));
    // expr's own toJSON is Go's MarshalIndent with two spaces.
    assert_eq!(ev("toJSON({a: 1})"), json!("{\n  \"a\": 1\n}"));
    assert_eq!(ev("fromJSON('{\"a\": [1, 2]}').a[1]"), json!(2));
    assert_eq!(ev(r#"jsonpath('{"a": {"b": [1, 2]}}', '$.a.b[1]')"#), json!(2));
    assert_eq!(ev(r#"jsonpath('{"a": [{"b": 1}, {"b": 2}]}', '$.a[*].b')"#), json!([1, 2]));
    assert!(err("jsonpath('{', '$.a')").message.contains("not valid JSON"));
}

#[test]
fn expr_language_as_argo_uses_it() {
    let v = vars(&[
        ("workflow.name", json!("wf")),
        ("item", json!({"name": "a", "n": 2})),
        ("steps.s.outputs.result", json!("heads")),
    ]);
    assert_eq!(ev_with("workflow.name + '-' + item.name", &v), json!("wf-a"));
    assert_eq!(ev_with("item.n > 1 && item.name in ['a', 'b']", &v), json!(true));
    assert_eq!(ev_with("item.missing ?? 'dflt'", &v), json!("dflt"));
    assert_eq!(ev_with("item?.nope?.deeper", &v), json!(null));
    assert_eq!(ev_with("steps.s.outputs.result == 'heads' ? 'H' : 'T'", &v), json!("H"));
    assert_eq!(ev("filter([1, 2, 3, 4], {# % 2 == 0})"), json!([2, 4]));
    assert_eq!(ev("map([1, 2, 3], # * 10)"), json!([10, 20, 30]));
    assert_eq!(ev("map([{n: 1}, {n: 2}], .n)"), json!([1, 2]));
    assert_eq!(ev("all([1, 2], # > 0) and any([1, 2], # > 1) and none([1], # > 5)"), json!(true));
    assert_eq!(ev("len('héllo') + len([1, 2]) + len({a: 1})"), json!(8));
    assert_eq!(ev("reduce([1, 2, 3], #acc + #, 0)"), json!(6));
    assert_eq!(ev("count([1, 2, 3], # > 1)"), json!(2));
    assert_eq!(
        ev("'abc' matches '^a' and 'abc' startsWith 'ab' and 'abc' contains 'c'"),
        json!(true)
    );
    assert_eq!(ev("3 not in [1, 2]"), json!(true));
    assert_eq!(ev("1 / 2"), json!(0.5));
    assert_eq!(ev("7 % 3 + 2 ** 3"), json!(9.0));
    assert_eq!(ev("string(1.5) + upper('x')"), json!("1.5X"));
    assert_eq!(ev("let x = 2; let y = x * 3; y + x"), json!(8));
    assert_eq!(ev("if 1 > 2 { 'a' } else if true { 'b' } else { 'c' }"), json!("b"));
    assert_eq!(ev("1..3"), json!([1, 2, 3]));
    assert_eq!(ev("1 + 1..2 + 2"), json!([2, 3, 4]));
    assert_eq!(ev("len(filter(1..100000, # % 1000 == 0))"), json!(100));
    // String escapes mean what they mean in Go's expr.
    assert_eq!(ev(r"'it\'s' + '\u00e9' + 'a\\nb'"), json!("it'séa\\nb"));
    assert_eq!(ev("[1, 2, 3][1:] | map(# + 1)"), json!([3, 4]));
    assert_eq!(ev("sortBy([{a: 2}, {a: 1}], .a)[0].a"), json!(1));
    assert!(err("1 + 'a'").message.contains("Invalid operands"));
    assert!(err_with("unknownVar + 1", &v).message.contains("unknown variable"));
}

#[test]
fn hyphenated_names_via_index_syntax() {
    let v = vars(&[
        ("inputs.parameters.my-param", json!("x")),
        ("steps.flip-coin.outputs.result", json!("heads")),
        ("tasks.a-b.outputs.parameters.out-1", json!("7")),
    ]);
    assert_eq!(ev_with("inputs.parameters['my-param']", &v), json!("x"));
    assert_eq!(ev_with(r#"inputs.parameters["my-param"] == 'x'"#, &v), json!(true));
    assert_eq!(ev_with("steps['flip-coin'].outputs.result", &v), json!("heads"));
    assert_eq!(ev_with("asInt(tasks['a-b'].outputs.parameters['out-1']) + 1", &v), json!(8));
    // Without brackets `-` is subtraction, as in Argo.
    assert!(eval("inputs.parameters.my-param", &v).is_err());
}

#[test]
fn argo_expands_flat_keys_and_prefers_the_specific_one() {
    let v = vars(&[
        ("inputs.parameters", json!("[{\"name\":\"x\",\"value\":\"1\"}]")),
        ("inputs.parameters.x", json!("1")),
        ("workflow.parameters.json", json!("[]")),
    ]);
    assert_eq!(ev_with("inputs.parameters.x", &v), json!("1"));
    assert_eq!(ev_with("keys(inputs.parameters)", &v), json!(["x"]));
    assert_eq!(ev_with("$env.workflow.parameters.json", &v), json!("[]"));
}

#[test]
fn sprig_functions_end_to_end() {
    let v = vars(&[("inputs.parameters.n", json!("5")), ("inputs.parameters.s", json!("  Hi  "))]);
    let cases: &[(&str, Json)] = &[
        ("sprig.trim(inputs.parameters.s)", json!("Hi")),
        ("sprig.upper('abc')", json!("ABC")),
        ("sprig.lower('ABC')", json!("abc")),
        ("sprig.title('hello world')", json!("Hello World")),
        ("sprig.trimPrefix('v', 'v1.2.3')", json!("1.2.3")),
        ("sprig.trimSuffix('-rc', '1.0-rc')", json!("1.0")),
        ("sprig.trimAll('-', '--x--')", json!("x")),
        ("sprig.replace('.', '-', '1.2.3')", json!("1-2-3")),
        ("sprig.repeat(3, 'ab')", json!("ababab")),
        ("sprig.substr(0, 3, 'abcdef')", json!("abc")),
        ("sprig.contains('ell', 'hello')", json!(true)),
        ("sprig.hasPrefix('he', 'hello')", json!(true)),
        ("sprig.hasSuffix('lo', 'hello')", json!(true)),
        ("sprig.quote('a')", json!("\"a\"")),
        ("sprig.squote('a')", json!("'a'")),
        ("sprig.cat('a', 1, nil, true)", json!("a 1 true")),
        ("sprig.indent(2, 'a\\nb')", json!("  a\n  b")),
        ("sprig.nindent(2, 'a')", json!("\n  a")),
        ("sprig.trunc(3, 'abcdef')", json!("abc")),
        ("sprig.abbrev(6, 'abcdefgh')", json!("abc...")),
        ("sprig.splitList(',', 'a,b,c')", json!(["a", "b", "c"])),
        ("sprig.split('/', 'a/b')._1", json!("b")),
        ("sprig.join('-', ['a', 1])", json!("a-1")),
        ("sprig.toString(1.5)", json!("1.5")),
        ("sprig.atoi(inputs.parameters.n) + 1", json!(6)),
        ("sprig.int('42') + sprig.int64(2.9)", json!(44)),
        ("sprig.float64('1.5')", json!(1.5)),
        ("sprig.add(inputs.parameters.n, 1, 2)", json!(8)),
        ("sprig.sub(5, 7)", json!(-2)),
        ("sprig.mul(2, 3, 4)", json!(24)),
        ("sprig.div(7, 2)", json!(3)),
        ("sprig.mod(7, 3)", json!(1)),
        ("sprig.max(3, 9, 4)", json!(9)),
        ("sprig.min(3, 9, 4)", json!(3)),
        ("sprig.floor(1.7)", json!(1.0)),
        ("sprig.ceil(1.2)", json!(2.0)),
        ("sprig.round(2.71828, 2)", json!(2.72)),
        ("sprig.default('d', '')", json!("d")),
        ("sprig.default('d', 'x')", json!("x")),
        ("sprig.empty('')", json!(true)),
        ("sprig.coalesce('', nil, 'c')", json!("c")),
        ("sprig.ternary('y', 'n', 1 > 0)", json!("y")),
        ("sprig.list(1, 'a')", json!([1, "a"])),
        ("sprig.dict('k', 'v', 'n', 1)", json!({"k": "v", "n": 1})),
        ("sprig.get(sprig.dict('k', 'v'), 'k')", json!("v")),
        ("sprig.hasKey({a: 1}, 'a')", json!(true)),
        ("sprig.keys({b: 1, a: 2})", json!(["a", "b"])),
        ("sprig.values({b: 1, a: 2})", json!([2, 1])),
        ("sprig.first([1, 2])", json!(1)),
        ("sprig.last([1, 2])", json!(2)),
        ("sprig.rest([1, 2, 3])", json!([2, 3])),
        ("sprig.initial([1, 2, 3])", json!([1, 2])),
        ("sprig.uniq([1, 1, 2])", json!([1, 2])),
        ("sprig.has(2, [1, 2])", json!(true)),
        ("sprig.without([1, 2, 3], 2)", json!([1, 3])),
        ("sprig.b64enc('hello')", json!("aGVsbG8=")),
        ("sprig.b64dec('aGVsbG8=')", json!("hello")),
        ("sprig.toJson({b: 1, a: 'x'})", json!(r#"{"a":"x","b":1}"#)),
        ("sprig.toPrettyJson([1])", json!("[\n  1\n]")),
        ("sprig.fromJson('{\"a\": 1}').a", json!(1)),
        ("sprig.regexMatch('^[a-z]+$', 'abc')", json!(true)),
        ("sprig.regexFind('[0-9]+', 'ab12')", json!("12")),
        ("sprig.regexFindAll('[0-9]', 'a1b2', -1)", json!(["1", "2"])),
        ("sprig.regexReplaceAll('a(x*)b', '-axxb-', '${1}W')", json!("-xxW-")),
        ("sprig.nospace('a b c')", json!("abc")),
        ("sprig.plural('one', 'many', 1)", json!("one")),
        ("sprig.seq(3)", json!("1 2 3")),
        ("sprig.until(3)", json!([0, 1, 2])),
        (
            "sprig.sha256sum('')",
            json!("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ),
        ("sprig.base('/a/b.txt') + sprig.ext('/a/b.txt')", json!("b.txt.txt")),
        ("sprig.addf(0.1, 0.2)", json!(0.3)),
        ("sprig.typeOf(1) + sprig.kindOf([])", json!("intslice")),
        ("sprig.sortAlpha(['b', 'a'])", json!(["a", "b"])),
        ("sprig.dig('a', 'b', 'none', {a: {b: 'x'}})", json!("x")),
    ];
    for (src, want) in cases {
        assert_eq!(&ev_with(src, &v), want, "{src}");
    }
}

#[test]
fn sprig_errors_are_clear() {
    for (name, why) in [
        ("now()", "no time values"),
        ("date('2006', 'now')", "no clock"),
        ("randAlpha(5)", "random"),
        ("uuidv4()", "random"),
        ("env('HOME')", "Argo removes"),
        ("expandenv('$HOME')", "Argo removes"),
    ] {
        let e = err(&format!("sprig.{name}"));
        assert!(e.message.starts_with("sprig."), "{name}: {}", e.message);
        assert!(e.message.contains(why), "{name}: {}", e.message);
    }
    assert!(err("now()").message.contains("no clock"));
    assert_eq!(err("sprig.nope(1)").message, "unknown function `sprig.nope`");
    assert!(err("sprig.trim(1)").message.contains("sprig.trim: argument 1 must be a string"));
    assert!(err("sprig.div(1, 0)").message.contains("divide by zero"));
    assert!(err("'a'.Seconds()").message.contains("not supported"));
}

#[test]
fn references_for_lint() {
    assert_eq!(
        references("inputs.parameters['my-p'] + workflow.parameters.x"),
        vec![("inputs.parameters.my-p".to_string(), 0), ("workflow.parameters.x".to_string(), 28)]
    );
    let names: Vec<String> = references(
        "let t = tasks['a'].outputs.result; sprig.trim(t) == item.name || map(x, #.y) != nil",
    )
    .into_iter()
    .map(|(n, _)| n)
    .collect();
    assert_eq!(names, vec!["tasks.a.outputs.result", "item.name", "x"]);
    assert!(references("'inputs.parameters.x'").is_empty());
    // Works on sources that do not parse, for lint's sake.
    assert_eq!(references("workflow.name +"), vec![("workflow.name".to_string(), 0)]);
}

#[test]
fn render_like_argo() {
    assert_eq!(render(&json!("x <y>")), "x <y>");
    assert_eq!(render(&json!(3)), "3");
    assert_eq!(render(&json!(3.0)), "3");
    assert_eq!(render(&json!(0.5)), "0.5");
    assert_eq!(render(&json!(1e21)), "1e+21");
    assert_eq!(render(&json!(-7)), "-7");
    assert_eq!(render(&json!(true)), "true");
    assert_eq!(render(&json!(null)), "null");
    assert_eq!(render(&json!({"b": 1, "a": "<&>"})), r#"{"a":"\u003c\u0026\u003e","b":1}"#);
    assert_eq!(render(&json!([1, "a", null])), r#"[1,"a",null]"#);
    assert_eq!(render(&ev("10 / 4")), "2.5");
    assert_eq!(render(&ev("2 * 3")), "6");
    assert_eq!(render(&ev("2 ** 2")), "4");
}

#[test]
fn eval_string_and_eval_bool() {
    let v = vars(&[("workflow.status", json!("Succeeded"))]);
    assert_eq!(eval_string("workflow.status + '!'", &v).ok().as_deref(), Some("Succeeded!"));
    assert_eq!(eval_string("{x: 1}", &v).ok().as_deref(), Some(r#"{"x":1}"#));
    assert!(eval_string("nil", &v).is_err_and(|e| e.message.contains("nil")));
    assert_eq!(eval_bool("workflow.status == 'Succeeded'", &v).ok(), Some(true));
    let e = eval_bool("workflow.status", &v).err().map(|e| e.message);
    assert!(e.is_some_and(|m| m.contains("boolean")));
}

#[test]
fn example_expression_reusing_verbose_snippets() {
    // examples/expression-reusing-verbose-snippets.yaml
    let weather = r#"{"weekWeather": "eyJ0ZW1wcyI6IFszNCwgMjcsIDE1LCA1NywgNDZdfQo="}"#;
    let v = vars(&[("workflow.parameters.weather", json!(weather))]);
    let src = "
        map([
            jsonpath(sprig.b64dec(jsonpath(workflow.parameters.weather, '$.weekWeather')), '$.temps')
          ], {
            toJson({
              avg: sprig.add(#[0], #[1], #[2], #[3], #[4]) / 5,
              min: sprig.min(#[0], #[1], #[2], #[3], #[4]),
              max: sprig.max(#[0], #[1], #[2], #[3], #[4])
            })
        })[0]
      ";
    let temps = eval_string(src, &v).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(temps, r#"{"avg":35.8,"max":57,"min":15}"#);
    let v = vars(&[("inputs.parameters.week-temps", json!(temps))]);
    for (path, want) in [("avg", "35.8"), ("min", "15"), ("max", "57")] {
        let src = format!("jsonpath(inputs.parameters['week-temps'], '$.{path}')");
        assert_eq!(eval_string(&src, &v).ok().as_deref(), Some(want), "{path}");
    }
}

#[test]
fn example_expression_tag_template_and_conditionals() {
    // examples/expression-tag-template-workflow.yaml
    assert_eq!(
        eval_string("toJson(filter([1, 3], {# > 1}))", &Vars::new()).ok().as_deref(),
        Some("[3]")
    );
    let v = vars(&[("inputs.parameters.foo", json!("3")), ("item", json!(3))]);
    assert_eq!(eval_string("asInt(inputs.parameters.foo) * 10", &v).ok().as_deref(), Some("30"));
    assert_eq!(eval_string("item", &v).ok().as_deref(), Some("3"));
    // `sprig.date` with a string formats the current time: refused.
    let v = vars(&[("workflow.creationTimestamp", json!("2024-01-01T00:00:00Z"))]);
    assert!(eval("sprig.date('2006', workflow.creationTimestamp)", &v).is_err());
    // examples/conditionals.yaml
    let v = vars(&[
        ("inputs.parameters.should-print", json!("true")),
        ("workflow.parameters.json", json!(r#"[{"value": "true"}]"#)),
    ]);
    assert_eq!(eval_bool(r#"inputs.parameters["should-print"] == 'true'"#, &v).ok(), Some(true));
    assert_eq!(
        eval_bool("jsonpath(workflow.parameters.json, '$[0].value') == 'true'", &v).ok(),
        Some(true)
    );
}

#[test]
fn example_cron_when() {
    // examples/cron-when.yaml: fine on the first run, needs a clock after.
    let src = " cronworkflow.lastScheduledTime == nil || \
               (now() - cronworkflow.lastScheduledTime).Seconds() > 360 ";
    let first = vars(&[("cronworkflow.lastScheduledTime", Json::Null)]);
    assert_eq!(eval_bool(src, &first).ok(), Some(true));
    let later = vars(&[("cronworkflow.lastScheduledTime", json!("2024-01-01T00:00:00Z"))]);
    let e = eval_bool(src, &later).err().map(|e| e.message);
    assert!(e.is_some_and(|m| m.contains("no clock")));
}

#[test]
fn example_destructure_json_complex() {
    let config = r#"{"employees": [{"name": "Baris", "age": 43}, {"name": "Mo", "age": 25}]}"#;
    let v = vars(&[("workflow.parameters.config", json!(config))]);
    let one = |path: &str| {
        eval_string(&format!("jsonpath(workflow.parameters.config, '{path}')"), &v)
            .unwrap_or_else(|e| panic!("{path}: {e}"))
    };
    assert_eq!(one("$.employees[?(@.name==\"Baris\")].age"), "[43]");
    assert_eq!(one("$.employees[?(@.age>42 && @.age<44)].age"), "[43]");
    assert_eq!(one("$.employees[0:1]"), r#"[{"age":43,"name":"Baris"}]"#);
    assert_eq!(one("$.employees[*].name"), r#"["Baris","Mo"]"#);
}

/// `{{=` … `}}` bodies in a text, ending at the first `}}` as fasttemplate
/// does.
fn expression_tags(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{=") {
        let body = &rest[start + 3..];
        match body.find("}}") {
            Some(end) => {
                out.push(body[..end].to_string());
                rest = &body[end + 2..];
            }
            None => break,
        }
    }
    out
}

#[test]
fn every_expression_in_argo_examples_checks() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/argo-examples");
    let Ok(entries) = std::fs::read_dir(dir) else {
        println!("SKIPPED: no Argo examples at {dir}");
        return;
    };
    let mut seen = 0;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().and_then(|e| e.to_str()) != Some("yaml") {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        // Read scalars through the YAML loader, so that quoting and escapes
        // (`"{{= inputs.parameters[\"x\"] }}"`) are undone as Argo sees them.
        let Ok(docs) = crate::yaml::load_str(&text, crate::yaml::Limits::default()) else {
            continue;
        };
        let mut strings = Vec::new();
        for d in &docs {
            collect_strings(&d.to_json(), &mut strings);
        }
        for value in strings {
            for expr in expression_tags(&value) {
                seen += 1;
                if let Err(e) = check(&expr) {
                    panic!("{}: {expr:?}: {} at {}", path.display(), e.message, e.offset);
                }
            }
        }
    }
    assert!(seen >= 15, "only {seen} expressions found in {dir}");
}

fn collect_strings(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(a) => a.iter().for_each(|x| collect_strings(x, out)),
        serde_json::Value::Object(m) => m.values().for_each(|x| collect_strings(x, out)),
        _ => {}
    }
}

#[test]
fn huge_results_are_refused_not_built() {
    for src in [
        "sprig.repeat(1000000000, 'x')",
        "repeat('x', 1000000)  + repeat(repeat('x', 1000000), 1000000)",
        "0..100000000",
        "map(0..99999, 0..99999)",
        "filter(0..99999, len(0..99999) > 0)",
        "reduce(1..64, #acc + #acc, 'xx')",
        "reduce(1..1000, [#acc, #acc], 1)",
        "let a = sprig.repeat(1000000, 'x'); let b = a + a; let c = b + b; let d = c + c; d + d",
        "sprig.until(100000000)",
        "sprig.replace('', sprig.repeat(1000, 'y'), sprig.repeat(100000, 'x'))",
        "split(sprig.repeat(4000000, 'x'), '')",
        "join(map(0..99999, sprig.repeat(100, 'x')), sprig.repeat(1000, ','))",
    ] {
        let started = std::time::Instant::now();
        let e = err(src);
        assert!(started.elapsed().as_secs() < 20, "{src}: too slow");
        assert!(e.len >= 1, "{src}");
    }
    assert!(err("\"x\" * 3").message.contains("Invalid operands"));
}

#[test]
fn over_deep_values_are_refused() {
    let mut deep = json!(1);
    for _ in 0..200 {
        deep = json!([deep]);
    }
    let v = vars(&[("item", deep)]);
    assert!(err_with("item", &v).message.contains("nested"));
    assert!(err("reduce(1..500, [#acc], 1)").message.contains("nested"));
    assert!(err(&format!("fromJSON('{}1{}')", "[".repeat(300), "]".repeat(300))).len >= 1);
}

#[test]
fn variables_are_only_copied_within_budget() {
    // A 1 MiB variable used in a long loop: each use copies it.
    let v = vars(&[("inputs.parameters.big", json!("x".repeat(1 << 20)))]);
    let e = err_with("len(filter(0..999, len(inputs.parameters.big) > 0))", &v);
    assert!(e.message.contains("memory budget"), "{}", e.message);
    assert_eq!(ev_with("len(inputs.parameters.big)", &v), json!(1 << 20));
}

/// A deterministic stream of pseudo-random numbers (xorshift).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[(self.next() % from.len() as u64) as usize]
    }
}

const ATOMS: &[&str] = &[
    "1",
    "0",
    "-1",
    "2.5",
    "'a'",
    "\"b\"",
    "`c`",
    "x",
    "item",
    "#",
    "#acc",
    "nil",
    "true",
    "inputs.parameters.p",
    "[1, 2]",
    "{a: 1}",
    "0..3",
    "$env",
    "sprig.trim('x')",
    "asInt('3')",
    "toJson([1])",
    "jsonpath('{\"a\":1}', '$.a')",
    "len('ab')",
    "notx",
    "b'y'",
];
const GLUE: &[&str] = &[
    " + ",
    " - ",
    " * ",
    " / ",
    " % ",
    " ** ",
    " ^ ",
    " == ",
    " != ",
    " < ",
    " >= ",
    " && ",
    " || ",
    " and ",
    " or ",
    " in ",
    " not in ",
    " matches ",
    " contains ",
    " ?? ",
    " ? ",
    " : ",
    "..",
    ".",
    "?.",
    "[",
    "]",
    "(",
    ")",
    "{",
    "}",
    ",",
    ";",
    " | ",
    "!",
    "not ",
    "let y = ",
    "if ",
    " else ",
    "map(",
    "filter(",
    "reduce(",
    "sprig.",
    "<%",
    "%>",
    "\\",
    "\n",
    "//",
    "/*",
    "'",
];

fn random_source(rng: &mut Rng) -> String {
    let mut s = String::new();
    let n = 1 + rng.next() % 24;
    for _ in 0..n {
        if rng.next().is_multiple_of(2) {
            s.push_str(rng.pick(ATOMS))
        } else {
            s.push_str(rng.pick(GLUE))
        }
    }
    s
}

#[test]
fn random_sources_never_panic() {
    let v =
        vars(&[("x", json!(1)), ("item", json!({"a": [1]})), ("inputs.parameters.p", json!("3"))]);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..3000 {
        let src = random_source(&mut rng);
        let checked = check(&src);
        let evaluated = eval(&src, &v);
        if let (Err(_), Ok(value)) = (&checked, &evaluated) {
            panic!("{src:?}: check failed but eval gave {value}");
        }
        for e in [checked.err(), evaluated.err()].into_iter().flatten() {
            assert!(e.offset + e.len <= src.len().max(1) + 1, "{src:?}: {e:?}");
        }
        let _ = references(&src);
    }
}

#[test]
fn the_guard_understands_everything_pest_accepts() {
    // Random sources pest compiles must not surprise our own scan (which
    // would make `check` refuse valid expressions).
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let mut accepted = 0;
    for _ in 0..5000 {
        let src = random_source(&mut rng);
        let toks = lexer::tokenize(&src);
        // Only sources without map literals may go to pest unrewritten
        // (expr-lang panics on some of them).
        if src.contains('{') {
            continue;
        }
        let plain = rewrite::Rewritten::new(&src, Vec::new());
        if guard::compile(&plain, 0, src.len()).is_err() {
            continue;
        }
        accepted += 1;
        match syntax::scan(&src, &toks) {
            Ok(syntax::Scan::Understood(_)) | Err(_) => {}
            Ok(syntax::Scan::Confused(at, _)) => {
                // pest reads a word operator off the front of a name
                // (`a inputs` as `a in puts`); refusing that is intended.
                let word = src[at..].split(|c: char| !c.is_ascii_alphanumeric()).next();
                let operator_prefix = word.is_some_and(|w| {
                    ["in", "and", "or", "not", "contains", "matches", "startsWith", "endsWith"]
                        .iter()
                        .any(|op| w.len() > op.len() && w.starts_with(op))
                });
                assert!(operator_prefix, "{src:?}: scan gave up at {at}");
            }
        }
    }
    assert!(accepted > 100, "only {accepted} random sources compiled");
}

#[test]
fn the_deepest_accepted_programs_fit_a_small_stack() {
    let n = guard::MAX_DEPTH;
    let programs = [
        format!("{}1{}", "[".repeat(n - 1), "]".repeat(n - 1)),
        format!("{}1{}", "abs(".repeat(n - 1), ")".repeat(n - 1)),
        format!("{}1{}", "(".repeat(guard::MAX_NESTING), ")".repeat(guard::MAX_NESTING)),
        vec!["1"; n].join(" + "),
        vec!["1"; n].join(" ** "),
        format!("{}1", "nil ?? ".repeat(n - 1)),
        format!("{}1{}", "true ? ".repeat(n / 2 - 1), " : 2".repeat(n / 2 - 1)),
        format!("{}#{}", "map([1], {".repeat(n / 3 - 1), "})".repeat(n / 3 - 1)),
        format!("{}x{}", "sprig.first([".repeat(n / 2 - 1), "])".repeat(n / 2 - 1)),
        format!("{}1{}", "{a: ".repeat(n - 1), "}".repeat(n - 1)),
    ];
    for src in &programs {
        assert!(check(src).is_ok(), "{src}: {:?}", check(src));
    }
    // A debug build (the slowest, largest frames) runs all of them in half
    // a MiB of stack; wasm's default is 1 MiB.
    let handle = std::thread::Builder::new().stack_size(512 << 10).spawn(move || {
        for src in &programs {
            let _ = eval(src, &vars(&[("x", json!(1))]));
        }
    });
    assert!(handle.map(|h| h.join().is_ok()).unwrap_or(false));
}
