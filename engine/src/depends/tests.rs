//! Tests for `depends`: every rule from Argo's docs and code, property tests,
//! and the `depends:` values of Argo's own examples.

use super::*;
use proptest::prelude::*;

fn task(name: &str, result: Option<TaskResult>) -> Depends {
    Depends::Task { name: name.to_string(), result, offset: 0 }
}

fn not(d: Depends) -> Depends {
    Depends::Not(Box::new(d))
}

fn and(a: Depends, b: Depends) -> Depends {
    Depends::And(Box::new(a), Box::new(b))
}

fn or(a: Depends, b: Depends) -> Depends {
    Depends::Or(Box::new(a), Box::new(b))
}

fn err(src: &str) -> DependsError {
    match parse(src) {
        Ok(d) => panic!("{src:?} parsed as {d:?}"),
        Err(e) => e,
    }
}

/// A state where each listed task ended with exactly the listed results.
fn state_of<'a>(facts: &'a [(&'a str, TaskResult)]) -> impl Fn(&str, TaskResult) -> bool + 'a {
    move |t, r| facts.iter().any(|(ft, fr)| *ft == t && *fr == r)
}

#[test]
fn bare_task_and_task_with_result() {
    assert_eq!(parse("A").unwrap(), task("A", None));
    assert_eq!(parse("A.Succeeded").unwrap(), task("A", Some(TaskResult::Succeeded)));
    for r in TaskResult::ALL {
        let src = format!("task-1.{r}");
        assert_eq!(parse(&src).unwrap(), task("task-1", Some(r)), "{src}");
    }
}

#[test]
fn hyphenated_and_digit_names_are_one_task() {
    assert_eq!(parse("A-B.Succeeded").unwrap(), task("A-B", Some(TaskResult::Succeeded)));
    // Argo's regex allows a leading digit and a trailing '-'; lint decides
    // about digits (validate.go), the parser follows the regex.
    assert_eq!(parse("1a-").unwrap(), task("1a-", None));
    assert_eq!(
        parse("should-execute-2.Succeeded || should-not-execute").unwrap(),
        or(task("should-execute-2", Some(TaskResult::Succeeded)), task("should-not-execute", None))
    );
}

#[test]
fn operators_and_precedence() {
    // `!` > `&&` > `||`, chains associate to the left.
    assert_eq!(
        parse("A || B && C").unwrap(),
        or(task("A", None), and(task("B", None), task("C", None)))
    );
    assert_eq!(
        parse("A && B || C").unwrap(),
        or(and(task("A", None), task("B", None)), task("C", None))
    );
    assert_eq!(parse("!A && B").unwrap(), and(not(task("A", None)), task("B", None)));
    assert_eq!(
        parse("A && B && C").unwrap(),
        and(and(task("A", None), task("B", None)), task("C", None))
    );
    assert_eq!(
        parse("A && (B || C)").unwrap(),
        and(task("A", None), or(task("B", None), task("C", None)))
    );
    assert_eq!(parse("!!A").unwrap(), not(not(task("A", None))));
    assert_eq!(parse("((A))").unwrap(), task("A", None));
}

#[test]
fn whitespace_anywhere_between_tokens() {
    let d = parse(" \t(A.Succeeded||B)\n&&!\r\nC ").unwrap();
    assert_eq!(
        d,
        and(or(task("A", Some(TaskResult::Succeeded)), task("B", None)), not(task("C", None)))
    );
    assert_eq!(parse("A&&B").unwrap(), and(task("A", None), task("B", None)));
}

#[test]
fn docs_examples_parse() {
    // docs/enhanced-depends-logic.md
    for src in [
        "task || task-2.Failed",
        "(task.Succeeded || task.Skipped || task.Daemoned) || task-2.Failed",
        "(task-2.Succeeded || task-2.Skipped) && !task-3.Failed",
        "task-1.AnySucceeded || task-2.AllFailed",
        "A && B && C",
        "A && (C.Succeeded || C.Failed)",
        "B.Failed && C",
    ] {
        parse(src).unwrap_or_else(|e| panic!("{src}: {e}"));
    }
}

#[test]
fn offsets_point_at_names() {
    let src = "alpha && (beta.Failed || !gamma-1)";
    let d = parse(src).unwrap();
    let tasks = d.tasks();
    assert_eq!(tasks, vec![("alpha", 0), ("beta", 10), ("gamma-1", 26)]);
    for (name, off) in tasks {
        assert_eq!(&src[off..off + name.len()], name);
    }
    // Every occurrence is listed, in source order.
    let d = parse("A.Failed || A.Errored").unwrap();
    assert_eq!(d.tasks(), vec![("A", 0), ("A", 12)]);
}

#[test]
fn unknown_result_points_at_suffix_with_suggestion() {
    let src = "A && B-1.Succeded";
    let e = err(src);
    assert_eq!(&src[e.offset..e.offset + e.len], "Succeded");
    assert!(
        e.message.starts_with("task result 'Succeded' for task 'B-1' is invalid"),
        "{}",
        e.message
    );
    assert!(e.message.contains("did you mean 'Succeeded'?"), "{}", e.message);
    assert!(e.message.contains("AnySucceeded, AllFailed"), "{}", e.message);

    // Argo needs an upper-case result; lower case is a typo.
    let e = err("A.failed");
    assert!(e.message.contains("did you mean 'Failed'?"), "{}", e.message);
    assert_eq!((e.offset, e.len), (2, 6));

    // Nothing close: no suggestion, but the list of valid results.
    let e = err("A.Finished");
    assert!(!e.message.contains("did you mean"), "{}", e.message);
    assert!(e.message.contains("valid results: Succeeded"), "{}", e.message);

    let e = err("A.");
    assert_eq!((e.offset, e.len), (1, 1));
    assert!(e.message.contains("expected a task result"), "{}", e.message);
}

#[test]
fn syntax_errors_have_useful_spans() {
    let e = err("");
    assert!(e.message.contains("empty"), "{}", e.message);
    let e = err("   ");
    assert!(e.message.contains("empty"), "{}", e.message);

    let e = err("A &&");
    assert_eq!(e.offset, 4);
    assert!(e.message.contains("end of expression"), "{}", e.message);

    let e = err("(A || B");
    assert_eq!((e.offset, e.len), (0, 1));
    assert!(e.message.contains("never closed"), "{}", e.message);

    let e = err("A || B)");
    assert_eq!((e.offset, e.len), (6, 1));
    assert!(e.message.contains("without a matching '('"), "{}", e.message);

    let e = err("A & B");
    assert_eq!(e.offset, 2);
    assert!(e.message.contains("single '&'"), "{}", e.message);

    let e = err("A | B");
    assert!(e.message.contains("single '|'"), "{}", e.message);

    let e = err("A and B");
    assert_eq!((e.offset, e.len), (2, 3));
    assert!(e.message.contains("before 'and'"), "{}", e.message);

    let e = err("A .Succeeded");
    assert_eq!((e.offset, e.len), (1, 2));
    assert!(e.message.contains("no whitespace"), "{}", e.message);

    let e = err("-A");
    assert_eq!(e.offset, 0);
    assert!(e.message.contains("must start with"), "{}", e.message);

    let e = err("A && é");
    assert_eq!((e.offset, e.len), (5, 2));

    let e = err("()");
    assert_eq!(e.offset, 1);

    let e = err("A.Succeeded.Failed");
    assert_eq!(e.offset, 11);

    let e = err("A == B");
    assert_eq!(e.offset, 2);
}

#[test]
fn nesting_and_size_are_bounded() {
    let ok = format!("{}A{}", "(".repeat(MAX_NESTING), ")".repeat(MAX_NESTING));
    assert!(parse(&ok).is_ok());
    let deep = format!("{}A{}", "(".repeat(MAX_NESTING + 1), ")".repeat(MAX_NESTING + 1));
    let e = err(&deep);
    assert_eq!(e.offset, MAX_NESTING);
    assert!(e.message.contains("nests deeper"), "{}", e.message);
    let e = err(&format!("{}A", "!".repeat(MAX_NESTING + 1)));
    assert!(e.message.contains("nests deeper"), "{}", e.message);
    // Unbalanced garbage this deep must not overflow the stack either.
    assert!(parse(&"(".repeat(100_000)).is_err());
    assert!(parse(&"!".repeat(100_000)).is_err());

    // A chain this long (a fan-in through `dependencies` of 66,000 tasks)
    // is a tree this deep.
    let names: Vec<String> = (0..MAX_OPERANDS).map(|i| format!("t{i}")).collect();
    let long = names.join(" && ");
    let d = parse(&long).unwrap();
    // A chain this long is a tree this deep: walking and dropping it must
    // stay within a test thread's stack.
    assert!(d.eval(&|_, r| r == TaskResult::Succeeded));
    assert_eq!(d.tasks().len(), MAX_OPERANDS);
    assert_eq!(parse(&d.to_string()).unwrap(), d);
    drop(d);
    let too_long = format!("{long} && extra");
    let e = err(&too_long);
    assert_eq!(&too_long[e.offset..], "extra");
}

#[test]
fn eval_bare_name_is_succeeded_skipped_or_daemoned() {
    let d = parse("A").unwrap();
    for r in TaskResult::ALL {
        let expected =
            matches!(r, TaskResult::Succeeded | TaskResult::Skipped | TaskResult::Daemoned);
        assert_eq!(d.eval(&state_of(&[("A", r)])), expected, "{r}");
    }
}

#[test]
fn eval_follows_the_docs() {
    // "task || task-2.Failed"
    let d = parse("task || task-2.Failed").unwrap();
    assert!(d.eval(&state_of(&[("task", TaskResult::Skipped)])));
    assert!(d.eval(&state_of(&[("task", TaskResult::Failed), ("task-2", TaskResult::Failed)])));
    assert!(
        !d.eval(&state_of(&[("task", TaskResult::Errored), ("task-2", TaskResult::Succeeded)]))
    );

    // "(task-2.Succeeded || task-2.Skipped) && !task-3.Failed"
    let d = parse("(task-2.Succeeded || task-2.Skipped) && !task-3.Failed").unwrap();
    assert!(
        d.eval(&state_of(&[("task-2", TaskResult::Skipped), ("task-3", TaskResult::Succeeded)]))
    );
    assert!(!d.eval(&state_of(&[("task-2", TaskResult::Skipped), ("task-3", TaskResult::Failed)])));

    // The dag-conditional-artifacts style: omitted tasks.
    let d = parse("A.Omitted || A.Daemoned").unwrap();
    assert!(d.eval(&state_of(&[("A", TaskResult::Omitted)])));

    // Loops.
    let d = parse("task-1.AnySucceeded || task-2.AllFailed").unwrap();
    assert!(d.eval(&state_of(&[("task-2", TaskResult::AllFailed)])));
    assert!(!d.eval(&state_of(&[("task-1", TaskResult::Succeeded)])));
}

#[test]
fn eval_short_circuits() {
    use std::cell::Cell;
    let asked = Cell::new(0);
    let d = parse("A.Failed && B.Failed").unwrap();
    let state = |_: &str, _: TaskResult| {
        asked.set(asked.get() + 1);
        false
    };
    assert!(!d.eval(&state));
    assert_eq!(asked.get(), 1);
}

#[test]
fn display_is_canonical() {
    let cases = [
        ("A", "A"),
        ("  A.Succeeded  ", "A.Succeeded"),
        ("A&&B||C", "A && B || C"),
        ("A||B&&C", "A || B && C"),
        ("(A||B)&&C", "(A || B) && C"),
        ("A&&(B&&C)", "A && (B && C)"),
        ("(A&&B)&&C", "A && B && C"),
        ("A||(B||C)", "A || (B || C)"),
        ("! ( A || B )", "!(A || B)"),
        ("!(A && B)", "!(A && B)"),
        ("!(!A)", "!!A"),
        ("((A.Failed))", "A.Failed"),
    ];
    for (src, want) in cases {
        assert_eq!(parse(src).unwrap().to_string(), want, "{src}");
    }
}

#[test]
fn from_dependencies_matches_argo_byte_for_byte() {
    let none = |_: &str| ContinueOn::default();
    assert_eq!(from_dependencies(&[], &none), "");
    assert_eq!(from_dependencies(&["A"], &none), "(A.Succeeded || A.Skipped || A.Daemoned)");
    assert_eq!(
        from_dependencies(&["A", "B-1"], &none),
        "(A.Succeeded || A.Skipped || A.Daemoned) && (B-1.Succeeded || B-1.Skipped || B-1.Daemoned)"
    );
    let flags = |t: &str| match t {
        "E" => ContinueOn { error: true, failed: false },
        "F" => ContinueOn { error: false, failed: true },
        "EF" => ContinueOn { error: true, failed: true },
        _ => ContinueOn::default(),
    };
    assert_eq!(
        from_dependencies(&["E", "F", "EF"], &flags),
        "(E.Succeeded || E.Skipped || E.Daemoned || E.Errored) && \
         (F.Succeeded || F.Skipped || F.Daemoned || F.Failed) && \
         (EF.Succeeded || EF.Skipped || EF.Daemoned || EF.Errored || EF.Failed)"
    );
    // What it produces parses and means what Argo means.
    let d = parse(&from_dependencies(&["E", "F"], &flags)).unwrap();
    assert!(d.eval(&state_of(&[("E", TaskResult::Errored), ("F", TaskResult::Failed)])));
    assert!(!d.eval(&state_of(&[("E", TaskResult::Failed), ("F", TaskResult::Failed)])));
}

#[test]
fn task_result_names() {
    for r in TaskResult::ALL {
        assert_eq!(TaskResult::from_name(r.name()), Some(r));
        assert_eq!(r.to_string(), r.name());
    }
    assert_eq!(TaskResult::from_name("succeeded"), None);
    assert!(TaskResult::AnySucceeded.is_group_result());
    assert!(!TaskResult::Failed.is_group_result());
}

#[test]
fn equality_ignores_offsets() {
    let a = parse("A && B").unwrap();
    let b = parse("  A   &&   B").unwrap();
    assert_eq!(a, b);
    assert_ne!(a, parse("B && A").unwrap());
}

// ---------------------------------------------------------------------------
// Property tests.

fn arb_name() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9][-a-zA-Z0-9]{0,8}"
}

fn arb_result() -> impl Strategy<Value = Option<TaskResult>> {
    prop_oneof![
        2 => Just(None),
        3 => proptest::sample::select(TaskResult::ALL.to_vec()).prop_map(Some),
    ]
}

fn arb_depends() -> impl Strategy<Value = Depends> {
    let leaf = (arb_name(), arb_result()).prop_map(|(name, result)| Depends::Task {
        name,
        result,
        offset: 0,
    });
    leaf.prop_recursive(6, 48, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(not),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| and(a, b)),
            (inner.clone(), inner).prop_map(|(a, b)| or(a, b)),
        ]
    })
}

/// The obvious evaluator, written independently of `Depends::eval`.
fn reference_eval(d: &Depends, facts: &[(String, TaskResult)]) -> bool {
    let has = |t: &str, r: TaskResult| facts.iter().any(|(ft, fr)| ft == t && *fr == r);
    match d {
        Depends::Task { name, result: Some(r), .. } => has(name, *r),
        Depends::Task { name, .. } => {
            [TaskResult::Succeeded, TaskResult::Skipped, TaskResult::Daemoned]
                .into_iter()
                .any(|r| has(name, r))
        }
        Depends::Not(x) => !reference_eval(x, facts),
        Depends::And(a, b) => {
            let (a, b) = (reference_eval(a, facts), reference_eval(b, facts));
            a && b
        }
        Depends::Or(a, b) => {
            let (a, b) = (reference_eval(a, facts), reference_eval(b, facts));
            a || b
        }
    }
}

proptest! {
    #[test]
    fn prop_display_round_trips(d in arb_depends()) {
        let text = d.to_string();
        let back = parse(&text);
        prop_assert_eq!(back.as_ref().ok(), Some(&d), "{}", text);
        // Offsets of the re-parsed tree point at the names in the text.
        if let Ok(back) = back {
            for (name, off) in back.tasks() {
                prop_assert_eq!(&text[off..off + name.len()], name);
            }
        }
    }

    #[test]
    fn prop_eval_agrees_with_reference(
        d in arb_depends(),
        facts in proptest::collection::vec(
            (arb_name(), proptest::sample::select(TaskResult::ALL.to_vec())),
            0..12,
        ),
        reuse in proptest::collection::vec(any::<proptest::sample::Index>(), 0..8),
    ) {
        // Make some facts about tasks the expression actually mentions.
        let mentioned: Vec<String> = d.tasks().iter().map(|(n, _)| n.to_string()).collect();
        let mut facts = facts;
        for (i, idx) in reuse.iter().enumerate() {
            let name = idx.get(&mentioned).clone();
            facts.push((name, TaskResult::ALL[i % TaskResult::ALL.len()]));
        }
        let state = |t: &str, r: TaskResult| facts.iter().any(|(ft, fr)| ft == t && *fr == r);
        prop_assert_eq!(d.eval(&state), reference_eval(&d, &facts));
    }

    #[test]
    fn prop_parse_never_panics(s in "\\PC{0,64}") {
        let _ = parse(&s);
    }

    #[test]
    fn prop_parse_never_panics_on_depends_like_text(
        s in "[-a-zA-Z0-9.&|!() \t]{0,64}"
    ) {
        if let Err(e) = parse(&s) {
            prop_assert!(e.offset + e.len <= s.len());
            prop_assert!(s.is_char_boundary(e.offset));
        }
    }
}

// ---------------------------------------------------------------------------
// Argo's examples.

#[test]
fn argo_examples_depends_parse() {
    let Some(values) = super::examples::example_values("depends") else {
        println!("skipped: /work/shared/argo-examples is absent");
        return;
    };
    assert!(!values.is_empty());
    for (file, line, value) in &values {
        if let Err(e) = parse(value) {
            panic!("{file}:{line}: {value:?}: {e}");
        }
    }
    println!("{} depends values parsed", values.len());
}
