//! Tests for `when`: Argo's own test expressions, messages quoted from Argo
//! issues and PRs (real controller output), govaluate's quirks, property
//! tests and the `when:` values of Argo's examples.

use super::*;
use proptest::prelude::*;

fn yes(src: &str) {
    match eval(src) {
        Ok(true) => {}
        other => panic!("{src:?}: expected true, got {other:?}"),
    }
}

fn no(src: &str) {
    match eval(src) {
        Ok(false) => {}
        other => panic!("{src:?}: expected false, got {other:?}"),
    }
}

fn fails(src: &str) -> WhenError {
    match eval(src) {
        Err(e) => {
            assert!(e.offset + e.len <= src.len(), "{src:?}: span {e:?}");
            e
        }
        Ok(b) => panic!("{src:?}: expected an error, got {b}"),
    }
}

#[test]
fn argo_should_execute_cases() {
    // The expressions of Argo's TestShouldExecute.
    for src in [
        "foo == foo",
        "'ref/branch/master' == 'ref/branch/master'",
        "foo != bar",
        "1 == 1",
        "1 != 2",
        "1 < 2",
        "1 <= 1",
        "1/2 == 0.5",
        "a < b",
        "(foo == bar) || (foo == foo)",
        "(1 > 0) && (1 < 2)",
        "Error in (Failed, Error)",
        "!(Succeeded in (Failed, Error))",
        "true == true",
        // TestShouldExecuteBareLiterals
        "even == even",
        "even == 'even'",
        "odd != even",
    ] {
        yes(src);
    }
    for src in [
        "foo != foo",
        "'ref/branch/master' != 'ref/branch/master'",
        "foo == bar",
        "1 != 1",
        "1 == 2",
        "1 > 2",
        "1 <= 0",
        "1/2 != 0.5",
        "a > b",
        "(foo == bar) || (bar == foo)",
        "(1 > 0) && (11 < 2)",
        "Succeeded in (Failed, Error)",
        "!(Error in (Failed, Error))",
        "false == true",
        "odd == even",
    ] {
        no(src);
    }
}

#[test]
fn empty_when_runs() {
    assert_eq!(eval(""), Ok(true));
    assert_eq!(check(""), Ok(()));
    let e = fails("   ");
    assert_eq!(e.message, "Invalid 'when' expression '   ': Unexpected end of expression");
}

#[test]
fn messages_argo_users_have_seen() {
    // argoproj/argo-workflows#4356
    assert_eq!(
        fails("a in (a)").message,
        "Failed to evaluate 'when' expresion 'a in (a)': Value 'a' cannot be used with the comparator 'in', it is not a number"
    );
    yes("a in (a,b)");
    // argoproj/argo-workflows#1240
    assert_eq!(
        fails("ref/branch/master == ref/branch/master").message,
        "Failed to evaluate 'when' expresion 'ref/branch/master == ref/branch/master': Value 'ref' cannot be used with the modifier '/', it is not a number"
    );
    // argoproj/argo-workflows#1810
    assert_eq!(
        fails("{true} == {true}").message,
        "Invalid 'when' expression '{true} == {true}': Invalid token: '{' (hint: try wrapping the affected expression in quotes (\"))"
    );
    assert!(
        fails("heads == @tails")
            .message
            .ends_with("(hint: try wrapping the affected expression in quotes (\"))")
    );
    // argoproj/argo-workflows#4153: a backslash escapes the next character
    // even in a bare word, so `a1\d` is the word `a1d`.
    no(r"a11 =~ a1\d");
    assert_eq!(
        fails(r"a11 =~ a1\d+").message,
        r"Invalid 'when' expression 'a11 =~ a1\d+': Unexpected end of expression"
    );
    yes(r"a11 =~ a1\\d");
    assert_eq!(
        fails(r"a112 =~ a\\d{3}").message,
        r#"Invalid 'when' expression 'a112 =~ a\\d{3}': Invalid token: '{' (hint: try wrapping the affected expression in quotes ("))"#
    );
    assert_eq!(
        fails(r"'a112 =~ a\\d{3}'").message,
        r"Expected boolean evaluation for ''a112 =~ a\\d{3}''. Got a112 =~ a\d{3}"
    );
}

#[test]
fn hyphens_are_minus_signs() {
    // argoproj/argo-workflows#3611: unquoted values with '-' fail.
    let e = fails("my-value == my-value");
    assert_eq!(
        e.message,
        "Failed to evaluate 'when' expresion 'my-value == my-value': Value 'my' cannot be used with the modifier '-', it is not a number"
    );
    assert_eq!(&"my-value == my-value"[e.offset..e.offset + e.len], "-");
    yes("'my-value' == 'my-value'");
    yes("\"my-value\" == 'my-value'");
    // Numbers subtract.
    yes("2020-01-01 == 2018");
}

#[test]
fn words_numbers_and_booleans() {
    yes("heads == heads");
    no("tails == heads");
    yes("Succeeded == Succeeded");
    yes("Failed != Succeeded");
    yes("YES == YES");
    yes("true");
    no("false");
    yes("true == true");
    no("True == true");
    yes("True == True");
    no("1 == '1'");
    yes("1.5 == 1.50");
    yes("10 > 9");
    no("'10' > '9'");
    yes("'b' > 'a'");
    yes(".5 == 0.5");
    yes("0x1F == 31");
    yes("a IN (x, a)");
    yes("-1 < 0");
    yes("5 == -(-5)");
    assert_eq!(
        fails("10 > '9'").message,
        "Failed to evaluate 'when' expresion '10 > '9'': Value '10' cannot be used with the comparator '>', it is not a number"
    );
    assert_eq!(
        fails("1.2.3 == 1.2.3").message,
        "Invalid 'when' expression '1.2.3 == 1.2.3': Unable to parse numeric value '1.2.3' to float64\n"
    );
    assert_eq!(
        fails("0xZ == 1").message,
        "Invalid 'when' expression '0xZ == 1': Unable to parse hex value '' to uint64\n"
    );
}

#[test]
fn operators_and_precedence() {
    yes("true || false && false");
    yes("false && true || true");
    no("false && (true || true)");
    yes("!false");
    yes("!(1 > 2)");
    yes("2 + 3 * 4 == 14");
    yes("10 - 2 - 3 == 5");
    yes("100 / 10 / 5 == 2");
    yes("2 ** 3 == 8");
    yes("7 % 4 == 3");
    yes("1 / 0 > 1000");
    yes("6 & 3 == 2");
    yes("6 | 3 == 7");
    yes("6 ^ 3 == 5");
    yes("1 << 4 == 16");
    yes("256 >> 4 == 16");
    yes("~0 == -1");
    yes("a + b == ab");
    yes("1 + 'a' == '1a'");
    yes("true + 'x' == truex");
    yes("(1 == 1 ? x : y) == x");
    yes("(1 == 2 ? x : y) == y");
    yes("(1 == 1 ? x : y) != y");
    // A prefix may not precede a string, so once Argo has turned the bare
    // word into one the second parse rejects it.
    assert_eq!(
        fails("!heads").message,
        "Failed to parse 'when' expression '!heads': Cannot transition token types from PREFIX [!] to STRING [heads]"
    );
    assert_eq!(
        fails("!(heads)").message,
        "Failed to evaluate 'when' expresion '!(heads)': Value 'heads' cannot be used with the prefix '!'"
    );
    assert_eq!(
        fails("heads && true").message,
        "Failed to evaluate 'when' expresion 'heads && true': Value 'heads' cannot be used with the logical operator '&&', it is not a bool"
    );
    // Short circuits skip the type errors on the right.
    no("false && (1 + true)");
    yes("true || heads");
}

#[test]
fn regex_matching() {
    yes("hello =~ 'h.*o'");
    yes("hello !~ '^x'");
    yes("tails =~ tai");
    no("heads =~ tai");
    // Go's \d is ASCII-only.
    no("'٣' =~ '\\\\d'");
    yes("'3' =~ '^\\\\d$'");
    yes("'a b' =~ 'a\\\\sb'");
    yes("HELLO =~ '(?i)hello'");
    yes("'a-b' =~ '\\\\bb'");
    yes("'éb' =~ 'é\\\\bb'");
    yes("'x1' =~ '^x[\\\\d]$'");
    yes("'a.b' =~ '^\\\\Qa.b\\\\E$'");
    no("'axb' =~ '^\\\\Qa.b\\\\E$'");
    let e = fails("x =~ '['");
    assert!(
        e.message.starts_with("Invalid 'when' expression 'x =~ '['': error parsing regexp:"),
        "{}",
        e.message
    );
    // A bare word is compiled only in Argo's second parse.
    let e = fails(r"x =~ b\[");
    assert!(
        e.message
            .starts_with(r"Failed to parse 'when' expression 'x =~ b\[': error parsing regexp:"),
        "{}",
        e.message
    );
    // A compiled pattern may not be followed by '?' in the second parse.
    assert_eq!(
        fails("a =~ 'x' ? b : c").message,
        "Failed to parse 'when' expression 'a =~ 'x' ? b : c': Cannot transition token types from PATTERN [x] to TERNARY [?]"
    );
    assert_eq!(
        fails("1 =~ x").message,
        "Failed to evaluate 'when' expresion '1 =~ x': Value '1' cannot be used with the comparator '=~', it is not a number"
    );
}

#[test]
fn dates_are_unix_times() {
    yes("'2024-01-02' < '2024-02-01'");
    yes("'2024-01-02' == 1704153600");
    yes("'2024-01-02T10:00:00Z' == '2024-01-02 10:00:00'");
    yes("'2024-01-02T10:00:00+01:00' == '2024-01-02T09:00:00Z'");
    yes("'2024-01-02T10:00:00.5Z' == '2024-01-02T10:00:00Z'");
    yes("'Tue Jan  2 10:00:00 2024' == '2024-01-02T10:00:00Z'");
    yes("'Tue Jan  2 10:00:00 UTC 2024' == '2024-01-02T10:00:00Z'");
    yes("'Tue Jan 02 10:00:00 +0100 2024' == '2024-01-02T09:00:00Z'");
    yes("'3:04PM' == -62167164960");
    // A `GMT±h` zone is made up around the same wall clock: Go does not
    // move the instant.
    yes("'Tue Jan  2 10:00:00 GMT+1 2024' == '2024-01-02T10:00:00Z'");
    // Not dates: ordinary strings.
    yes("'2024-13-01' == '2024-13-01'");
    no("'2024-02-30' == 1709251200");
    assert_eq!(
        fails("'2020-01-01' '2020-01-02'").message,
        "Invalid 'when' expression ''2020-01-01' '2020-01-02'': Cannot transition token types from TIME [2020-01-01 00:00:00 +0000 UTC] to TIME [2020-01-02 00:00:00 +0000 UTC]"
    );
    assert!(
        fails("'2020-01-01T00:00:00+05:30' '1'")
            .message
            .contains("TIME [2020-01-01 00:00:00 +0530 +0530]")
    );
}

#[test]
fn syntax_errors() {
    assert_eq!(
        fails("== a").message,
        "Invalid 'when' expression '== a': Cannot transition token types from UNKNOWN [<nil>] to COMPARATOR [==]"
    );
    assert_eq!(
        fails("1 (2)").message,
        "Invalid 'when' expression '1 (2)': Cannot transition token types from NUMERIC [1] to CLAUSE [40]"
    );
    assert_eq!(fails("a (b)").message, "Invalid 'when' expression 'a (b)': Undefined function a");
    assert_eq!(
        fails("(a == a").message,
        "Invalid 'when' expression '(a == a': Unbalanced parenthesis"
    );
    let e = fails("'abc == abc");
    assert_eq!(e.message, "Invalid 'when' expression ''abc == abc': Unclosed string literal");
    assert_eq!(e.offset, 0);
    assert_eq!(
        fails("[abc == abc").message,
        "Invalid 'when' expression '[abc == abc': Unclosed parameter bracket"
    );
    let e = fails("a === a");
    assert!(e.message.contains("Invalid token: '==='"), "{}", e.message);
    assert_eq!(&"a === a"[e.offset..e.offset + e.len], "===");
    assert!(fails("a==-1").message.contains("Invalid token: '==-'"));
    yes("a == -1 || a == a");
    assert!(fails("a.").message.contains("Hanging accessor on token 'a.'"));
    // Go panics on a trailing backslash.
    assert!(fails("a == b\\").message.contains("govaluate panics"));
}

#[test]
fn accessors_need_parameters() {
    // An unsubstituted tag: dotted words are accessors, not strings.
    assert_eq!(
        fails("steps.flip.outputs.result == heads").message,
        "Invalid 'when' expression 'steps.flip.outputs.result == heads': Unable to access unexported field 'flip' in token 'steps.flip.outputs.result'"
    );
    assert_eq!(
        fails("Foo.Bar == x").message,
        "Failed to evaluate 'when' expresion 'Foo.Bar == x': No parameter 'Foo' found."
    );
    assert_eq!(
        fails("v1.2.3 == v1.2.3").message,
        "Failed to evaluate 'when' expresion 'v1.2.3 == v1.2.3': No parameter 'v1' found."
    );
    // Short-circuited away, they do no harm.
    yes("true || Foo.Bar");
}

#[test]
fn non_boolean_results() {
    assert_eq!(fails("1 + 1").message, "Expected boolean evaluation for '1 + 1'. Got 2");
    assert_eq!(fails("heads").message, "Expected boolean evaluation for 'heads'. Got heads");
    assert_eq!(fails("1000000").message, "Expected boolean evaluation for '1000000'. Got 1e+06");
    assert_eq!(fails("(1, 2)").message, "Expected boolean evaluation for '(1, 2)'. Got [1 2]");
    assert_eq!(
        fails("false ? x : y").message,
        "Expected boolean evaluation for 'false ? x : y'. Got y"
    );
    assert_eq!(fails("()").message, "Expected boolean evaluation for '()'. Got <nil>");
}

#[test]
fn planner_quirks() {
    // Tokens after a complete expression are ignored.
    yes("(true) false");
    assert_eq!(fails("(a) b").message, "Expected boolean evaluation for '(a) b'. Got a");
    // An operator right before ')' gets a nil operand.
    no("(a ==)");
    yes("(a !=)");
    assert_eq!(
        fails("(!)").message,
        "Failed to evaluate 'when' expresion '(!)': Value '<nil>' cannot be used with the prefix '!'"
    );
    // Comparing slices panics in Go.
    assert!(fails("(2, 3) in (1, (2, 3))").message.contains("comparing uncomparable type"));
    yes("(2, 3) == (2, 3)");
}

#[test]
fn tokens_follow_govaluate() {
    use lex::Kind::*;
    assert_eq!(
        token_values("a-b"),
        vec![(Variable, "a".to_string()), (Modifier, "-".to_string()), (Variable, "b".to_string())]
    );
    assert_eq!(token_values("-a"), vec![(Prefix, "-".to_string()), (Variable, "a".to_string())]);
    assert_eq!(
        token_values("x_1 IN [a b]"),
        vec![
            (Variable, "x_1".to_string()),
            (Comparator, "in".to_string()),
            (Variable, "a b".to_string())
        ]
    );
    // A string ends at the first quote of either kind.
    assert_eq!(token_values("\"it' s"), vec![(Str, "it".to_string()), (Variable, "s".to_string())]);
    yes("\"a' == a");
}

#[test]
fn check_masks_tags() {
    for src in [
        "{{steps.flip-coin.outputs.result}} == heads",
        "{{=jsonpath(workflow.parameters.json, '$[0].value') == 'true'}}",
        "'{{inputs.parameters.x}}' =~ '^a'",
        "{{a}} in ({{b}}, {{c}})",
        "{{steps.iterate-counter.outputs.result}} < {{inputs.parameters.limit}}",
    ] {
        assert_eq!(check(src), Ok(()), "{src}");
    }
    let src = "{{a}} {{b}}";
    let e = check(src).unwrap_err();
    assert_eq!(
        e.message,
        "Invalid 'when' expression '{{a}} {{b}}': Cannot transition token types from VARIABLE [{{a}}] to VARIABLE [{{b}}]"
    );
    assert_eq!(&src[e.offset..e.offset + e.len], "{{b}}");
    let e = check("{{a}} ==").unwrap_err();
    assert!(e.message.ends_with("Unexpected end of expression"));
    // Type errors need values, so check does not report them.
    assert_eq!(check("{{a}} > 1"), Ok(()));
    assert!(check("a === b").is_err());
}

#[test]
fn substituted_examples_evaluate() {
    // What Argo's examples become after substitution.
    yes("true == true");
    no("false == true");
    yes("heads == heads");
    no("odd == even");
    yes("Succeeded == Succeeded");
    no("Failed == Succeeded");
    yes("3 < 10");
    yes("3 != 1 && 3 != 2");
    no("1 != 1 && 1 != 2");
    yes("tails =~ tai");
    yes("( heads == heads && tails == tails ) || ( tails == tails && heads == heads )");
}

#[test]
fn limits() {
    let deep = format!("{}true{}", "(".repeat(MAX_NESTING), ")".repeat(MAX_NESTING));
    yes(&deep);
    let deeper = format!("{}true{}", "(".repeat(MAX_NESTING + 1), ")".repeat(MAX_NESTING + 1));
    assert!(fails(&deeper).message.contains("Keelson's limit"));
    let long = vec!["true"; MAX_TOKENS / 2].join(" && ");
    yes(&long);
    let longer = vec!["true"; MAX_TOKENS].join(" && ");
    assert!(fails(&longer).message.contains("Keelson's limit"));
    // Huge inputs of garbage fail fast without exhausting the stack.
    assert!(eval(&"(".repeat(200_000)).is_err());
    assert!(eval(&"!".repeat(200_000)).is_err());
    assert!(eval(&"1-".repeat(100_000)).is_err());
}

proptest! {
    #[test]
    fn prop_eval_never_panics(s in "\\PC{0,80}") {
        if let Err(e) = eval(&s) {
            prop_assert!(e.offset + e.len <= s.len());
        }
        let _ = check(&s);
    }

    #[test]
    fn prop_eval_never_panics_on_expression_text(
        s in "[a-c0-9 .'\"()\\[\\],!=<>~&|+*/%^?:{}\\\\-]{0,60}"
    ) {
        if let Err(e) = eval(&s) {
            prop_assert!(e.offset + e.len <= s.len());
            prop_assert!(s.is_char_boundary(e.offset));
        }
        let _ = check(&s);
    }

    #[test]
    fn prop_numbers_compare_numerically(a in -1e6f64..1e6, b in -1e6f64..1e6) {
        let src = format!("{a} < {b}");
        prop_assert_eq!(eval(&src), Ok(a < b), "{}", src);
    }

    #[test]
    fn prop_words_compare_as_strings(a in "[a-z][a-z0-9_]{0,8}", b in "[a-z][a-z0-9_]{0,8}") {
        prop_assume!(!["true", "false", "in"].contains(&a.as_str()));
        prop_assume!(!["true", "false", "in"].contains(&b.as_str()));
        prop_assert_eq!(eval(&format!("{a} == {b}")), Ok(a == b));
        prop_assert_eq!(eval(&format!("{a} != '{b}'")), Ok(a != b));
    }
}

#[test]
fn argo_examples_when_check() {
    let Some(values) = crate::depends::examples::example_values("when") else {
        println!("skipped: /work/shared/argo-examples is absent");
        return;
    };
    assert!(!values.is_empty());
    for (file, line, value) in &values {
        if let Err(e) = check(value) {
            panic!("{file}:{line}: {value:?}: {e}");
        }
    }
    println!("{} when values checked", values.len());
}
