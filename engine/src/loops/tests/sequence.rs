//! `withSequence` (§4.1, scenario 7; loops-sequence shapes).

use serde_json::json;

use super::*;

fn seq_texts(s: &Sequence) -> Vec<String> {
    sequence(s).expect("expands")
}

#[test]
fn sequence_scenarios() {
    assert_eq!(seq_texts(&seq(Some("3"), Some("1"), None, Some("%02d"))), ["01", "02", "03"]);
    let c = CallFlow {
        with_sequence: Some(seq(Some("3"), Some("1"), None, Some("%02d"))),
        ..CallFlow::default()
    };
    assert_eq!(names("s", &c), ["s(0:01)", "s(1:02)", "s(2:03)"]);
    assert_eq!(expanded(&c)[0].value, json!("01"));
    assert_eq!(seq_texts(&seq(None, Some("5"), Some("3"), None)), ["5", "4", "3"]);
    assert_eq!(seq_texts(&seq(Some("0"), None, None, None)), Vec::<String>::new());
    assert_eq!(
        sequence(&seq(None, Some("1"), None, None)).unwrap_err().message,
        "neither end nor count was specified in withSequence"
    );
}

#[test]
fn loops_sequence_example_shapes() {
    assert_eq!(seq_texts(&seq(Some("5"), None, None, None)), ["0", "1", "2", "3", "4"]);
    assert_eq!(
        seq_texts(&seq(None, Some("100"), Some("105"), None)),
        ["100", "101", "102", "103", "104", "105"]
    );
    assert_eq!(seq_texts(&seq(Some("3"), Some("200"), None, None)), ["200", "201", "202"]);
    assert_eq!(seq_texts(&seq(None, Some("5"), Some("0"), None)), ["5", "4", "3", "2", "1", "0"]);
    assert_eq!(
        seq_texts(&seq(Some("5"), None, None, Some("testuser%02X"))),
        ["testuser00", "testuser01", "testuser02", "testuser03", "testuser04"]
    );
    // withsequence-nested-result: `end` from a script's result.
    assert_eq!(seq_texts(&seq(None, Some("1"), Some("3"), None)), ["1", "2", "3"]);
    assert_eq!(seq_texts(&seq(None, Some("1"), Some("0"), None)), ["1", "0"]);
}

#[test]
fn sequence_rules() {
    let ints = Sequence {
        count: Some(IntOrString::Int(2)),
        start: Some(IntOrString::Int(-1)),
        ..Sequence::default()
    };
    assert_eq!(seq_texts(&ints), ["-1", "0"]);
    assert_eq!(
        seq_texts(&seq(Some("10"), Some("1"), Some("2"), None)),
        ["1", "2"],
        "end wins over count"
    );
    assert_eq!(
        seq_texts(&seq(Some("abc"), Some("1"), Some("2"), None)),
        ["1", "2"],
        "count unread when end is set"
    );
    assert_eq!(
        seq_texts(&seq(Some("-2"), None, None, None)),
        ["0", "-1", "-2", "-3"],
        "Go: end = start+count-1"
    );
    assert_eq!(seq_texts(&seq(Some("2"), None, None, Some(""))), ["0", "1"], "empty format is %d");
    assert_eq!(seq_texts(&seq(Some("1"), Some("7"), None, Some("<%d>&"))), ["<7>&"]);
    assert_eq!(seq_texts(&seq(Some("1"), None, None, Some(r"%d\n"))), [r"0\n"]);
    assert_eq!(seq_texts(&seq(Some("1"), None, None, Some("%s"))), ["%!s(int=0)"]);
    assert_eq!(seq_texts(&seq(Some("1"), Some("255"), None, Some("%#x"))), ["0xff"]);
}

#[test]
fn sequence_errors() {
    let msg = |s: Sequence| sequence(&s).unwrap_err().message;
    assert_eq!(
        msg(seq(Some("three"), None, None, None)),
        "strconv.Atoi: parsing \"three\": invalid syntax"
    );
    assert_eq!(
        msg(seq(Some("3"), Some("1.5"), None, None)),
        "strconv.Atoi: parsing \"1.5\": invalid syntax"
    );
    assert_eq!(
        msg(seq(None, None, Some("{{steps.a.outputs.result}}"), None)),
        "strconv.Atoi: parsing \"{{steps.a.outputs.result}}\": invalid syntax"
    );
    // Argo wraps the text in quotes and parses it as JSON.
    assert_eq!(
        msg(seq(Some("1"), None, None, Some("a\"%d"))),
        "invalid character '0' after top-level value"
    );
    assert_eq!(
        msg(seq(Some("1"), Some("10"), None, Some("%c"))),
        "invalid character '\\n' in string literal"
    );
    assert_eq!(
        msg(seq(Some("1"), None, None, Some(r"\%d"))),
        "invalid character '0' in string escape code"
    );
}

#[test]
fn sequence_limits() {
    let msg = |s: Sequence| sequence(&s).unwrap_err().message;
    let m = msg(seq(Some("1000001"), None, None, None));
    assert!(m.contains("more than 1000000 items"), "{m}");
    let m = msg(seq(None, Some("-9223372036854775808"), Some("9223372036854775807"), None));
    assert!(m.contains("more than"), "{m}");
    let m = msg(seq(None, Some("9223372036854775806"), Some("9223372036854775807"), None));
    assert!(m.contains("more than"), "endless in Go: {m}");
    // The text budget (MAX_TEXT_BYTES) is tested with small limits in sequence.rs.
    let wrapped = seq(Some("2"), Some("9223372036854775807"), None, None);
    assert!(msg(wrapped).contains("more than"), "count wraps end to the smallest int");
}
