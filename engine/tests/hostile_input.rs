//! Input meant to hurt: every case must end in an error (or a clean
//! result), quickly and without exhausting memory or the stack. These
//! tests assert outcomes only; how fast is measured by the fuzzers and
//! benches, not here.

use engine::lint::{Catalog, Options, Report, Source, lint};

fn lint_text(text: String) -> Report {
    lint(&[Source { name: "hostile.yaml".into(), text }], &Catalog::default(), Options::default())
}

fn has(r: &Report, code: &str) -> bool {
    r.findings.iter().any(|f| f.diagnostic.code == code)
}

#[test]
fn a_50_mb_file_is_refused() {
    let line = "# padding padding padding padding padding padding padding padding\n";
    let text = line.repeat(50 * 1024 * 1024 / line.len() + 1);
    let r = lint_text(text);
    assert!(r.failed());
    assert!(r.findings[0].diagnostic.message.contains("at most"), "{:?}", r.findings[0]);
}

#[test]
fn deeply_nested_yaml_is_an_error() {
    for text in [
        "a: ".to_string() + &"[".repeat(200_000),
        "a: ".to_string() + &"{b: ".repeat(100_000),
        (0..5_000).map(|i| format!("{}- x\n", " ".repeat(i * 2))).collect::<String>(),
    ] {
        let r = lint_text(text);
        assert!(r.failed(), "{:?}", r.findings);
    }
}

#[test]
fn alias_bombs_are_an_error() {
    let mut s = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..20 {
        let p = i - 1;
        s.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    let r = lint_text(s);
    assert!(r.failed());
    assert!(has(&r, "yaml"));
}

#[test]
fn binary_garbage_and_odd_documents() {
    for text in
        ["\u{0}\u{1}\u{2}", "---\n---\n", "[]", "42", "kind: Workflow", "{", "a: b: c", "\t- x"]
    {
        let _ = lint_text(text.to_string());
    }
}

#[test]
fn pathological_expressions_are_errors() {
    let deep = format!("{}1{}", "(".repeat(100_000), ")".repeat(100_000));
    let nots = "!".repeat(100_000) + "true";
    let huge_repeat = "sprig.repeat(100000000, 'x')".to_string();
    let huge_range = "len(1..2000000000)".to_string();
    for e in [deep, nots] {
        assert!(engine::expr::check(&e).is_err(), "{} chars accepted", e.len());
    }
    let vars = engine::expr::Vars::new();
    for e in [huge_repeat, huge_range] {
        assert!(engine::expr::eval(&e, &vars).is_err(), "{e} evaluated");
    }
}

#[test]
fn pathological_depends_and_when() {
    let deep = format!("{}a{}", "(".repeat(100_000), ")".repeat(100_000));
    assert!(engine::depends::parse(&deep).is_err());
    let long = vec!["a"; 100_000].join(" && ");
    let _ = engine::depends::parse(&long);
    let deep_when = format!("{}1 == 1{}", "(".repeat(100_000), ")".repeat(100_000));
    assert!(engine::when::eval(&deep_when).is_err());
}

#[test]
fn many_tags_in_one_string() {
    let s = "{{inputs.parameters.x}}".repeat(200_000);
    let text = format!(
        "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {{generateName: t-}}\nspec:\n  entrypoint: m\n  templates:\n    - name: m\n      container: {{image: busybox, args: [\"{s}\"]}}\n"
    );
    let r = lint_text(text);
    // Reported once, not 200,000 times.
    assert_eq!(r.findings.iter().filter(|f| f.diagnostic.code == "unknown-variable").count(), 1);
}
