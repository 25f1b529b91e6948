use std::time::Duration;

use proptest::prelude::*;
use regex::Regex;
use serde_json::json;

use super::*;
use crate::expr::Vars;
use crate::spec::{IntOrString, RETRY_POLICIES, RetryStrategy};
use crate::status::{NodePhase, Time};

use NodePhase::{Error, Failed, Omitted, Pending, Running, Skipped, Succeeded};

const T0: i64 = 1_700_000_000;
const POD_FAILED: &str = "main: Error (exit code 1)";

fn t(secs: i64) -> Time {
    Time(T0 + secs)
}

fn strategy(v: serde_json::Value) -> RetryStrategy {
    serde_json::from_value(v).expect("a valid retryStrategy")
}

fn plan_of(v: serde_json::Value) -> RetryPlan {
    plan(&strategy(v)).expect("a valid plan")
}

fn plan_err(v: serde_json::Value) -> RetryError {
    plan(&strategy(v)).expect_err("an invalid plan")
}

fn attempt(phase: NodePhase, exit: Option<i32>, message: &str, from: i64, to: i64) -> Attempt {
    Attempt {
        phase,
        exit_code: exit,
        message: message.into(),
        started_at: t(from),
        finished_at: t(to),
    }
}

fn failed(from: i64, to: i64) -> Attempt {
    attempt(Failed, Some(1), POD_FAILED, from, to)
}

fn run(plan: &RetryPlan, attempts: &[Attempt], now: i64) -> Decision {
    decide(plan, attempts, t(0), t(now), &Vars::new())
}

fn give_up(phase: NodePhase, message: &str) -> Decision {
    Decision::GiveUp { phase, message: message.into() }
}

fn retry(attempt: u32, at: i64) -> Decision {
    Decision::Retry { attempt, at: t(at) }
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

// ---- plan ----

#[test]
fn plan_defaults_follow_retry_policy_actual() {
    let p = plan_of(json!({}));
    assert_eq!(
        p,
        RetryPlan { limit: None, policy: RetryPolicy::OnFailure, backoff: None, expression: None }
    );
    assert_eq!(plan_of(json!({"expression": "true"})).policy, RetryPolicy::Always);
    assert_eq!(plan_of(json!({"expression": "true"})).expression.as_deref(), Some("true"));
    let empty = plan_of(json!({"expression": "", "retryPolicy": ""}));
    assert_eq!((empty.policy, empty.expression), (RetryPolicy::OnFailure, None));
    let explicit = plan_of(json!({"retryPolicy": "OnError", "expression": "true"}));
    assert_eq!(explicit.policy, RetryPolicy::OnError);
    for name in RETRY_POLICIES {
        let p = plan_of(json!({ "retryPolicy": name }));
        assert_eq!(p.policy.as_str(), *name);
        assert_eq!(RetryPolicy::from_name(name), Some(p.policy));
    }
}

#[test]
fn plan_limit_as_int_string_and_resolved_tag() {
    let limit = |v: serde_json::Value| plan_of(json!({ "limit": v })).limit;
    assert_eq!(limit(json!(2)), Some(2));
    assert_eq!(limit(json!("2")), Some(2));
    assert_eq!(limit(json!("+3")), Some(3));
    assert_eq!(limit(json!(0)), Some(0));
    // Negative limits behave as 0 (Argo: `attempts > -1`, never waits).
    assert_eq!(limit(json!(-1)), Some(0));
    assert_eq!(limit(json!("-7")), Some(0));
    // Go's int32(…) keeps the low 32 bits.
    assert_eq!(limit(json!("4294967298")), Some(2));

    // A parameterised limit, as written and after the caller substitutes it.
    let written = strategy(json!({"limit": "{{inputs.parameters.limit}}"}));
    let e = plan(&written).expect_err("an unresolved tag is not an int");
    assert_eq!(e.field, "retryStrategy.limit");
    assert_eq!(e.message, "value '{{inputs.parameters.limit}}' cannot be resolved to an int");
    let mut resolved = written.clone();
    if let Some(IntOrString::String(s)) = &mut resolved.limit {
        *s = s.replace("{{inputs.parameters.limit}}", "3");
    }
    assert_eq!(plan(&resolved).map(|p| p.limit), Ok(Some(3)));

    let e = plan_err(json!({"limit": "two"}));
    assert_eq!(e.message, "value 'two' cannot be resolved to an int");
    assert_eq!(e.to_string(), "retryStrategy.limit: value 'two' cannot be resolved to an int");
    // strconv.Atoi takes no spaces, decimals or empty strings.
    for bad in [" 2", "2.0", "", "0x2"] {
        assert_eq!(plan_err(json!({ "limit": bad })).field, "retryStrategy.limit", "{bad:?}");
    }
}

#[test]
fn plan_policy_is_case_sensitive() {
    let e = plan_err(json!({"retryPolicy": "onfailure"}));
    assert_eq!(e.field, "retryStrategy.retryPolicy");
    assert_eq!(e.message, "onfailure is not a valid RetryPolicy");
}

#[test]
fn plan_backoff_fields() {
    let p = plan_of(json!({
        "limit": 3,
        "backoff": {"duration": "10s", "factor": 2, "cap": "15s", "maxDuration": "1m"}
    }));
    assert_eq!(
        p.backoff,
        Some(BackoffPlan {
            duration: secs(10),
            factor: Some(2.0),
            cap: Some(secs(15)),
            max_duration: Some(secs(60)),
        })
    );
    let b = |v: serde_json::Value| plan_of(json!({ "backoff": v })).backoff.expect("backoff");
    assert_eq!(b(json!({"duration": 5})).duration, secs(5));
    assert_eq!(b(json!({"duration": "5"})).duration, secs(5));
    assert_eq!(b(json!({"duration": "1m30s"})).duration, secs(90));
    assert_eq!(b(json!({"duration": "500ms"})).duration, Duration::from_millis(500));
    assert_eq!(b(json!({"duration": "0"})).duration, Duration::ZERO);
    assert_eq!(b(json!({"duration": "1", "factor": "3"})).factor, Some(3.0));
    // factor <= 0 never grows the wait.
    assert_eq!(b(json!({"duration": "1", "factor": 0})).factor, None);
    assert_eq!(b(json!({"duration": "1", "factor": -2})).factor, None);
    // Empty strings are unset.
    let unset = b(json!({"duration": "1", "cap": "", "maxDuration": ""}));
    assert_eq!((unset.cap, unset.max_duration), (None, None));
}

#[test]
fn plan_backoff_errors_in_argo_order() {
    let e = plan_err(json!({"backoff": {}}));
    assert_eq!(e.field, "retryStrategy.backoff.duration");
    assert_eq!(e.message, "no base duration specified for retryStrategy");
    assert_eq!(plan_err(json!({"backoff": {"duration": ""}})).message, e.message);
    let e = plan_err(json!({"backoff": {"duration": "soon"}}));
    assert_eq!(e.message, "unable to parse soon as a duration: time: invalid duration \"soon\"");
    assert_eq!(
        plan_err(json!({"backoff": {"duration": " 5s"}})).message,
        "unable to parse  5s as a duration: time: invalid duration \" 5s\""
    );
    assert_eq!(
        plan_err(json!({"backoff": {"duration": "-5s"}})).message,
        "unable to parse -5s as a duration: negative durations are not supported"
    );
    // Go's own message for a unit it does not know (Keelson said "invalid
    // duration" for every failure before).
    assert_eq!(
        plan_err(json!({"backoff": {"duration": "5x"}})).message,
        "unable to parse 5x as a duration: time: unknown unit \"x\" in duration \"5x\""
    );
    let e = plan_err(json!({"backoff": {"duration": "1", "factor": "1.5"}}));
    assert_eq!(
        (e.field, e.message.as_str()),
        ("retryStrategy.backoff.factor", "value '1.5' cannot be resolved to an int")
    );
    assert_eq!(
        plan_err(json!({"backoff": {"duration": "1", "cap": "x"}})).field,
        "retryStrategy.backoff.cap"
    );
    // maxDuration is read first, then duration, …, then policy, then limit.
    assert_eq!(
        plan_err(json!({"backoff": {"maxDuration": "x"}})).field,
        "retryStrategy.backoff.maxDuration"
    );
    let all_bad =
        json!({"limit": "x", "retryPolicy": "x", "backoff": {"duration": "1", "cap": "x"}});
    assert_eq!(plan_err(all_bad).field, "retryStrategy.backoff.cap");
    assert_eq!(
        plan_err(json!({"limit": "x", "retryPolicy": "x"})).field,
        "retryStrategy.retryPolicy"
    );
}

// ---- decide: structure ----

#[test]
fn first_attempt_waiting_and_success() {
    let p = plan_of(json!({"limit": 2}));
    assert_eq!(run(&p, &[], 0), retry(0, 0));
    for phase in [Pending, Running] {
        let a = attempt(phase, None, "", 0, 0);
        assert_eq!(run(&p, &[a], 5), Decision::Wait { until: None, message: String::new() });
    }
    for phase in [Succeeded, Skipped, Omitted] {
        let a = attempt(phase, Some(0), "", 1, 2);
        assert_eq!(run(&p, &[failed(0, 1), a], 3), Decision::Done, "{phase:?}");
    }
}

#[test]
fn policy_matrix() {
    let transient = "dial tcp 10.0.0.1:443: i/o timeout";
    // (policy, phase, message, retried?)
    let table = [
        (RetryPolicy::Always, Failed, POD_FAILED, true),
        (RetryPolicy::Always, Error, "pod deleted", true),
        (RetryPolicy::OnFailure, Failed, POD_FAILED, true),
        (RetryPolicy::OnFailure, Error, "pod deleted", false),
        (RetryPolicy::OnFailure, Error, transient, false),
        (RetryPolicy::OnError, Failed, POD_FAILED, false),
        (RetryPolicy::OnError, Error, "pod deleted", true),
        (RetryPolicy::OnTransientError, Failed, POD_FAILED, false),
        (RetryPolicy::OnTransientError, Error, "pod deleted", false),
        (RetryPolicy::OnTransientError, Failed, transient, true),
        (RetryPolicy::OnTransientError, Error, transient, true),
    ];
    for (policy, phase, message, retried) in table {
        let p = RetryPlan { limit: Some(3), policy, backoff: None, expression: None };
        let a = attempt(phase, Some(1), message, 0, 4);
        let want = if retried { retry(1, 4) } else { give_up(phase, message) };
        assert_eq!(run(&p, &[a], 4), want, "{policy} {phase:?} {message}");
    }
}

#[test]
fn transient_messages() {
    for m in TRANSIENT_MESSAGES {
        assert!(is_transient(&format!("failed: {m} (retrying)"), None), "{m}");
    }
    for m in ["pod deleted", "EOF", "unexpected EOF", "I/O timeout", POD_FAILED, ""] {
        assert!(!is_transient(m, None), "{m}");
    }
    // The controller's TRANSIENT_ERROR_PATTERN, matched anywhere.
    let pattern = Regex::new("exceeded quota|OOMKilled").expect("regex");
    assert!(is_transient("pods \"x\" is forbidden: exceeded quota: q", Some(&pattern)));
    let p = plan_of(json!({"retryPolicy": "OnTransientError"}));
    let a = attempt(Failed, Some(137), "main: OOMKilled (exit code 137)", 0, 1);
    let vars = Vars::new();
    assert_eq!(
        decide(&p, std::slice::from_ref(&a), t(0), t(1), &vars),
        give_up(Failed, &a.message)
    );
    assert_eq!(decide_with(&p, &[a], t(0), t(1), &vars, Some(&pattern)), retry(1, 1));
}

#[test]
fn limit_semantics() {
    // limit N: N retries after the first attempt.
    let p = plan_of(json!({"limit": 2}));
    assert_eq!(run(&p, &[failed(0, 1)], 1), retry(1, 1));
    assert_eq!(run(&p, &[failed(0, 1), failed(1, 2)], 2), retry(2, 2));
    let three = [failed(0, 1), failed(1, 2), failed(2, 3)];
    assert_eq!(run(&p, &three, 3), give_up(Failed, "No more retries left"));
    // limit 0: one attempt.
    let zero = plan_of(json!({"limit": 0}));
    assert_eq!(run(&zero, &[failed(0, 1)], 1), give_up(Failed, "No more retries left"));
    // No limit: unbounded.
    let free = plan_of(json!({}));
    let many: Vec<Attempt> = (0..1000).map(|i| failed(i, i + 1)).collect();
    assert_eq!(run(&free, &many, 1000), retry(1000, 1000));
    // The policy is checked before the limit.
    let on_error = plan_of(json!({"limit": 0, "retryPolicy": "OnError"}));
    assert_eq!(run(&on_error, &[failed(0, 1)], 1), give_up(Failed, POD_FAILED));
    // Giving up keeps the last attempt's phase.
    let errored = attempt(Error, None, "pod deleted", 0, 1);
    let always = plan_of(json!({"limit": 0, "retryPolicy": "Always"}));
    assert_eq!(run(&always, &[errored], 1), give_up(Error, "No more retries left"));
}

// ---- decide: backoff ----

#[test]
fn backoff_sequence_with_factor_and_cap() {
    let waits = |backoff: serde_json::Value| -> Vec<u64> {
        let p = plan_of(json!({"limit": 10, "backoff": backoff}));
        let mut attempts = Vec::new();
        let mut out = Vec::new();
        for i in 0..4 {
            attempts.push(failed(i, i + 1));
            out.push(backoff_wait(&p, &attempts).expect("a wait").as_secs());
        }
        out
    };
    assert_eq!(waits(json!({"duration": "10s", "factor": 2, "cap": "15s"})), [10, 15, 15, 15]);
    assert_eq!(waits(json!({"duration": "10s", "factor": 2})), [10, 20, 40, 80]);
    assert_eq!(waits(json!({"duration": "1", "factor": 3, "cap": "1m"})), [1, 3, 9, 27]);
    assert_eq!(waits(json!({"duration": "10s"})), [10, 10, 10, 10]);
    assert_eq!(waits(json!({"duration": "10s", "factor": 1})), [10, 10, 10, 10]);
    // Absurd growth saturates at Go's longest duration instead of wrapping.
    let p = plan_of(json!({"limit": 100, "backoff": {"duration": "1h", "factor": 1000}}));
    let many: Vec<Attempt> = (0..50).map(|i| failed(i, i + 1)).collect();
    assert_eq!(backoff_wait(&p, &many), Some(Duration::from_nanos(i64::MAX as u64)));
    assert_eq!(backoff_wait(&p, &[]), None);
    assert_eq!(backoff_wait(&plan_of(json!({})), &many), None);
}

#[test]
fn scenario_16_backoff() {
    // {limit: 3, backoff: {duration: "10s", factor: 2, cap: "15s"}}
    let p = plan_of(json!({"limit": 3, "backoff": {"duration": "10s", "factor": 2, "cap": "15s"}}));
    let a0 = failed(0, 1);
    assert_eq!(run(&p, std::slice::from_ref(&a0), 1), retry(1, 11));
    assert_eq!(run(&p, std::slice::from_ref(&a0), 10), retry(1, 11));
    assert_eq!(
        backoff_message(&p, std::slice::from_ref(&a0)).as_deref(),
        Some("Backoff for 10 seconds")
    );
    assert_eq!(run(&p, std::slice::from_ref(&a0), 11), retry(1, 11));
    let a1 = failed(11, 12);
    let two = [a0.clone(), a1.clone()];
    assert_eq!(run(&p, &two, 12), retry(2, 27));
    assert_eq!(backoff_message(&p, &two).as_deref(), Some("Backoff for 15 seconds"));
    assert_eq!(run(&p, &two, 40), retry(2, 40));

    // With maxDuration: "25s", counted from the first attempt's start.
    let p = plan_of(json!({
        "limit": 3,
        "backoff": {"duration": "10s", "factor": 2, "cap": "15s", "maxDuration": "25s"}
    }));
    assert_eq!(run(&p, std::slice::from_ref(&a0), 1), retry(1, 11));
    assert_eq!(run(&p, &two, 12), give_up(Failed, "Backoff would exceed max duration limit"));
    let long = failed(0, 26);
    assert_eq!(run(&p, &[long], 26), give_up(Failed, "Max duration limit exceeded"));
    // Exactly at the deadline is not past it (Argo: now.After(deadline)).
    let p = plan_of(json!({"backoff": {"duration": "0", "maxDuration": "25s"}}));
    assert_eq!(run(&p, &[failed(0, 25)], 25), retry(1, 25));
    assert_eq!(run(&p, &[failed(0, 25)], 26), give_up(Failed, "Max duration limit exceeded"));
    assert_eq!(attempt_deadline(&p, &[failed(0, 25)]), Some(t(25)));
    assert_eq!(attempt_deadline(&p, &[]), None);
}

#[test]
fn backoff_needs_a_limit_and_stops_at_it() {
    // Without a limit Argo never waits (but maxDuration still applies).
    let p = plan_of(json!({"backoff": {"duration": "1m"}}));
    assert_eq!(run(&p, &[failed(0, 1)], 1), retry(1, 1));
    let p = plan_of(json!({"backoff": {"duration": "1m", "maxDuration": "30s"}}));
    assert_eq!(
        run(&p, &[failed(0, 1)], 1),
        give_up(Failed, "Backoff would exceed max duration limit")
    );
    // With the limit reached there is no wait before giving up.
    let p = plan_of(json!({"limit": 1, "backoff": {"duration": "1m"}}));
    assert_eq!(run(&p, &[failed(0, 1)], 1), retry(1, 61));
    assert_eq!(
        run(&p, &[failed(0, 1), failed(61, 62)], 62),
        give_up(Failed, "No more retries left")
    );
}

#[test]
fn backoff_rounds_up_to_whole_seconds() {
    let p = plan_of(json!({"limit": 5, "backoff": {"duration": "1500ms"}}));
    // finishedAt + 1.5 s = 2.5 s: still waiting at 2 s, retry at 3 s.
    assert_eq!(run(&p, &[failed(0, 1)], 1), retry(1, 3));
    assert_eq!(run(&p, &[failed(0, 1)], 2), retry(1, 3));
    assert_eq!(run(&p, &[failed(0, 1)], 3), retry(1, 3));
    assert_eq!(backoff_message(&p, &[failed(0, 1)]).as_deref(), Some("Backoff for 1 second"));
    let p = plan_of(json!({"limit": 5, "backoff": {"duration": "90s"}}));
    assert_eq!(
        backoff_message(&p, &[failed(0, 1)]).as_deref(),
        Some("Backoff for 1 minute 30 seconds")
    );
}

#[test]
fn backoff_is_served_before_a_refusal() {
    // Argo waits out the backoff, then finds that OnError does not retry Failed.
    let p = plan_of(json!({"limit": 3, "retryPolicy": "OnError", "backoff": {"duration": "10s"}}));
    let a = [failed(0, 1)];
    let waiting = Decision::Wait { until: Some(t(11)), message: "Backoff for 10 seconds".into() };
    assert_eq!(run(&p, &a, 1), waiting);
    assert_eq!(run(&p, &a, 5), waiting);
    assert_eq!(run(&p, &a, 11), give_up(Failed, POD_FAILED));
    // A wait ending inside the last second of maxDuration: the retry would
    // start after the deadline, so Argo then finds it exceeded.
    let p =
        plan_of(json!({"limit": 3, "backoff": {"duration": "1500ms", "maxDuration": "2500ms"}}));
    let waiting = Decision::Wait { until: Some(t(3)), message: "Backoff for 1 second".into() };
    assert_eq!(run(&p, &a, 1), waiting);
    assert_eq!(run(&p, &a, 3), give_up(Failed, "Max duration limit exceeded"));
}

// ---- decide: expression ----

#[test]
fn scenario_17_expression() {
    let p = plan_of(json!({"limit": 5, "expression": "asInt(lastRetry.exitCode) == 2"}));
    assert_eq!(p.policy, RetryPolicy::Always);
    let exit1 = attempt(Failed, Some(1), POD_FAILED, 0, 1);
    assert_eq!(
        run(&p, &[exit1], 1),
        give_up(Failed, "retryStrategy.expression evaluated to false")
    );
    let exit2 = attempt(Failed, Some(2), "main: Error (exit code 2)", 0, 1);
    assert_eq!(run(&p, &[exit2], 1), retry(1, 1));
    // Policy Always: an Error attempt is judged by the expression too.
    let errored = attempt(Error, Some(2), "pod deleted", 0, 1);
    assert_eq!(run(&p, &[errored], 1), retry(1, 1));
}

#[test]
fn expression_variables() {
    let check = |expr: &str, attempts: &[Attempt]| {
        let p = plan_of(json!({ "expression": expr }));
        run(&p, attempts, 100)
    };
    let a = attempt(Error, None, "pod deleted", 10, 15);
    let go = |n: u32| retry(n, 100);
    assert_eq!(check("lastRetry.exitCode == '-1'", std::slice::from_ref(&a)), go(1));
    assert_eq!(check("lastRetry.status == 'Error'", std::slice::from_ref(&a)), go(1));
    assert_eq!(check("lastRetry.duration == '5'", std::slice::from_ref(&a)), go(1));
    assert_eq!(check("lastRetry.message == 'pod deleted'", std::slice::from_ref(&a)), go(1));
    assert_eq!(check("retries == '1'", &[a.clone(), a.clone()]), go(2));
    // All strings, as Argo provides them.
    assert_eq!(check("asInt(retries) < 1", std::slice::from_ref(&a)), go(1));
    assert_eq!(
        check("asInt(retries) < 1", &[a.clone(), a.clone()]),
        give_up(Error, "retryStrategy.expression evaluated to false")
    );
    let vars = expression_vars(std::slice::from_ref(&a), &Vars::new());
    let get = |k: &str| vars.get(k).cloned();
    assert_eq!(get("retries"), Some(json!("0")));
    let last =
        json!({"exitCode": "-1", "status": "Error", "duration": "5", "message": "pod deleted"});
    assert_eq!(get("lastRetry"), Some(last));
    // A member Argo does not set is nil, not an unknown variable.
    assert_eq!(check("lastRetry.nope == nil", std::slice::from_ref(&a)), go(1));
    assert_eq!(expression_vars(&[], &Vars::new()).len(), 0);
}

#[test]
fn expression_with_extra_vars_and_policy() {
    let mut extra = Vars::new();
    extra.insert("inputs.parameters.flaky", json!("yes"));
    let p = plan_of(json!({"expression": "inputs.parameters.flaky == 'yes'"}));
    let a = [failed(0, 1)];
    assert_eq!(decide(&p, &a, t(0), t(1), &extra), retry(1, 1));
    // Argo's own variables win over the caller's.
    extra.insert("lastRetry.status", json!("Succeeded"));
    let p = plan_of(json!({"expression": "lastRetry.status == 'Failed'"}));
    assert_eq!(decide(&p, &a, t(0), t(1), &extra), retry(1, 1));
    // AND-ed with an explicit policy: OnError never retries Failed.
    let p = plan_of(json!({"retryPolicy": "OnError", "expression": "true"}));
    assert_eq!(run(&p, &a, 1), give_up(Failed, POD_FAILED));
    // The limit comes before the expression.
    let p = plan_of(json!({"limit": 0, "expression": "true"}));
    assert_eq!(run(&p, &a, 1), give_up(Failed, "No more retries left"));
}

#[test]
fn expression_that_fails_errors_the_retry_node() {
    let a = [attempt(Failed, Some(1), "oops", 0, 1)];
    let outcome = |expr: &str| run(&plan_of(json!({ "limit": 3, "expression": expr })), &a, 1);
    // Run-time error: Argo's wrapping.
    let Decision::GiveUp { phase, message } = outcome("asInt(lastRetry.message) > 0") else {
        panic!("expected GiveUp");
    };
    assert_eq!(phase, Error);
    assert!(
        message.starts_with("unable to evaluate expression 'asInt(lastRetry.message) > 0': "),
        "{message}"
    );
    // Not a boolean.
    assert_eq!(
        outcome("lastRetry.exitCode"),
        give_up(Error, "unable to cast expression result '1' to bool")
    );
    assert_eq!(
        outcome("asInt(lastRetry.exitCode)"),
        give_up(Error, "unable to cast expression result '%!s(int=1)' to bool")
    );
    // Argo's compiler refuses unknown names and mismatched types (Keelson
    // finds them while evaluating; the message differs, the phase does not).
    for e in ["nosuch == 1", "lastRetry.exitCode > 1"] {
        assert!(matches!(outcome(e), Decision::GiveUp { phase: Error, .. }), "{e}");
    }
    // Syntax error: the compiler's message as it is.
    let Decision::GiveUp { phase, message } = outcome("lastRetry.exitCode ==") else {
        panic!("expected GiveUp");
    };
    assert_eq!(phase, Error);
    assert!(!message.is_empty() && !message.starts_with("unable to evaluate"), "{message}");
}

// ---- attempt variables ----

#[test]
fn attempt_vars_before_and_after() {
    let vars = |attempts: &[Attempt]| -> Vec<(String, String)> { attempt_vars(attempts) };
    let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
        v.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    };
    assert_eq!(
        vars(&[]),
        pairs(&[
            ("retries", "0"),
            ("lastRetry.exitCode", "0"),
            ("lastRetry.status", ""),
            ("lastRetry.duration", "0"),
            ("lastRetry.message", ""),
        ])
    );
    let a = attempt(Failed, Some(3), "main: Error (exit code 3)", 0, 12);
    assert_eq!(
        vars(std::slice::from_ref(&a)),
        pairs(&[
            ("retries", "1"),
            ("lastRetry.exitCode", "3"),
            ("lastRetry.status", "Failed"),
            ("lastRetry.duration", "12"),
            ("lastRetry.message", "main: Error (exit code 3)"),
        ])
    );
    // No exit code: "0" here (Argo's default), unlike the expression's "-1".
    let b = attempt(Error, None, "pod deleted", 20, 2_000_020);
    let v = vars(&[a, b]);
    assert_eq!(v[0], ("retries".into(), "2".into()));
    assert_eq!(v[1], ("lastRetry.exitCode".into(), "0".into()));
    assert_eq!(v[3], ("lastRetry.duration".into(), "2e+06".into()));
}

// ---- scenarios from the digest, §9 ----

/// Run a Retry node whose attempts end as `outcomes` say (the last one
/// repeating), each taking 1 s; returns the attempts made and how it ended.
fn simulate(plan: &RetryPlan, outcomes: &[(NodePhase, i32, &str)]) -> (Vec<Attempt>, Decision) {
    let mut attempts: Vec<Attempt> = Vec::new();
    let mut now = 0;
    for _ in 0..100 {
        match run(plan, &attempts, now) {
            Decision::Retry { attempt, at } => {
                let (phase, code, message) = outcomes[(attempt as usize).min(outcomes.len() - 1)];
                let start = at.0 - T0;
                attempts.push(attempt_at(phase, code, message, start));
                now = start + 1;
            }
            Decision::Wait { until: Some(until), .. } => now = until.0 - T0,
            other => return (attempts, other),
        }
    }
    panic!("no end after 100 decisions");
}

fn attempt_at(phase: NodePhase, code: i32, message: &str, start: i64) -> Attempt {
    attempt(phase, Some(code), message, start, start + 1)
}

#[test]
fn scenario_13_retry_exhausted() {
    let p = plan_of(json!({"limit": 2}));
    let (attempts, end) = simulate(&p, &[(Failed, 1, POD_FAILED)]);
    assert_eq!(attempts.len(), 3);
    assert_eq!(end, give_up(Failed, "No more retries left"));
    // {{retries}} = 0, 1, 2.
    let retries: Vec<String> = (0..3).map(|n| attempt_vars(&attempts[..n])[0].1.clone()).collect();
    assert_eq!(retries, ["0", "1", "2"]);
}

#[test]
fn scenario_14_retry_recovers() {
    let p = plan_of(json!({"limit": 2}));
    let (attempts, end) = simulate(&p, &[(Failed, 1, POD_FAILED), (Succeeded, 0, "")]);
    assert_eq!(attempts.len(), 2);
    assert_eq!(end, Decision::Done);
}

#[test]
fn scenario_15_policy_mismatch() {
    let p = plan_of(json!({"limit": 2, "retryPolicy": "OnError"}));
    let (attempts, end) = simulate(&p, &[(Failed, 1, POD_FAILED)]);
    assert_eq!((attempts.len(), end), (1, give_up(Failed, POD_FAILED)));
    let p = plan_of(json!({"limit": 2, "retryPolicy": "OnFailure"}));
    let (attempts, end) = simulate(&p, &[(Error, 0, "pod deleted")]);
    assert_eq!((attempts.len(), end), (1, give_up(Error, "pod deleted")));
}

#[test]
fn scenario_16_whole_run() {
    let p = plan_of(json!({"limit": 3, "backoff": {"duration": "10s", "factor": 2, "cap": "15s"}}));
    let (attempts, end) = simulate(&p, &[(Failed, 1, POD_FAILED)]);
    let starts: Vec<i64> = attempts.iter().map(|a| a.started_at.0 - T0).collect();
    // Attempt 0 ends at 1; waits 10, 15, 15.
    assert_eq!(starts, [0, 11, 27, 43]);
    assert_eq!(end, give_up(Failed, "No more retries left"));
}

// ---- properties ----

fn arb_duration() -> impl Strategy<Value = Duration> {
    prop_oneof![
        (0u64..120).prop_map(Duration::from_secs),
        (0u64..5_000).prop_map(Duration::from_millis),
        any::<u64>().prop_map(Duration::from_secs),
        Just(Duration::MAX),
    ]
}

fn arb_plan() -> impl Strategy<Value = RetryPlan> {
    let backoff = (
        arb_duration(),
        prop::option::of(prop_oneof![1u32..5, any::<u32>()].prop_map(f64::from)),
        prop::option::of(arb_duration()),
        prop::option::of(arb_duration()),
    )
        .prop_map(|(duration, factor, cap, max_duration)| BackoffPlan {
            duration,
            factor,
            cap,
            max_duration,
        });
    let expression = prop::sample::select(vec![
        "asInt(lastRetry.exitCode) != 2",
        "lastRetry.status == 'Failed'",
        "asInt(retries) < 3",
        "lastRetry.exitCode",
        "retries ==",
    ]);
    (
        prop::option::of(prop_oneof![0u32..6, any::<u32>()]),
        prop::sample::select(vec![
            RetryPolicy::Always,
            RetryPolicy::OnFailure,
            RetryPolicy::OnError,
            RetryPolicy::OnTransientError,
        ]),
        prop::option::of(backoff),
        prop::option::of(expression),
    )
        .prop_map(|(limit, policy, backoff, expression)| RetryPlan {
            limit,
            policy,
            backoff,
            expression: expression.map(str::to_string),
        })
}

fn arb_phase() -> impl Strategy<Value = NodePhase> {
    prop::sample::select(vec![Pending, Running, Succeeded, Skipped, Failed, Error, Omitted])
}

fn arb_message() -> impl Strategy<Value = String> {
    prop::sample::select(vec![POD_FAILED, "pod deleted", "read: connection reset by peer", ""])
        .prop_map(str::to_string)
}

fn arb_attempt() -> impl Strategy<Value = Attempt> {
    let time = prop_oneof![(-100i64..100).prop_map(t), any::<i64>().prop_map(Time)];
    (arb_phase(), prop::option::of(-2i32..5), arb_message(), time.clone(), time).prop_map(
        |(phase, exit_code, message, started_at, finished_at)| Attempt {
            phase,
            exit_code,
            message,
            started_at,
            finished_at,
        },
    )
}

/// How each attempt of a simulated run ends: phase, exit code, message,
/// seconds it runs, seconds before the controller looks again.
fn arb_outcome() -> impl Strategy<Value = (NodePhase, i32, String, i64, i64)> {
    (prop::sample::select(vec![Failed, Error]), 0i32..4, arb_message(), 0i64..100, 0i64..30)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn prop_decide_never_panics(
        plan in arb_plan(),
        attempts in prop::collection::vec(arb_attempt(), 0..5),
        started in any::<i64>(),
        now in prop_oneof![(-200i64..200).prop_map(t), any::<i64>().prop_map(Time)],
    ) {
        let d = decide(&plan, &attempts, Time(started), now, &Vars::new());
        if let Decision::Retry { attempt, at } = d {
            prop_assert_eq!(attempt as usize, attempts.len());
            prop_assert!(at >= now);
        }
        let _ = attempt_vars(&attempts);
        let _ = backoff_message(&plan, &attempts);
        let _ = attempt_deadline(&plan, &attempts);
    }

    #[test]
    fn prop_runs_respect_limit_and_time(
        plan in arb_plan(),
        outcomes in prop::collection::vec(arb_outcome(), 1..12),
    ) {
        let mut attempts: Vec<Attempt> = Vec::new();
        let mut now = t(0);
        let mut last_at = None;
        for step in 0..40 {
            match decide(&plan, &attempts, t(0), now, &Vars::new()) {
                Decision::Retry { attempt, at } => {
                    prop_assert_eq!(attempt as usize, attempts.len());
                    if let Some(limit) = plan.limit {
                        prop_assert!(attempt <= limit, "attempt {} beyond limit {}", attempt, limit);
                    }
                    prop_assert!(at >= now);
                    prop_assert!(last_at.is_none_or(|l| at >= l), "retry times went back");
                    last_at = Some(at);
                    if at > now {
                        // Deciding again before `at` gives the same answer.
                        let again = decide(&plan, &attempts, t(0), Time(at.0 - 1).max(now), &Vars::new());
                        prop_assert_eq!(again, Decision::Retry { attempt, at });
                    }
                    let Some((phase, code, message, runs, idle)) = outcomes.get(attempts.len()).cloned() else {
                        break;
                    };
                    let finished = Time(at.0.saturating_add(runs));
                    attempts.push(Attempt { phase, exit_code: Some(code), message, started_at: at, finished_at: finished });
                    now = Time(finished.0.saturating_add(idle));
                }
                Decision::Wait { until: Some(until), .. } => {
                    prop_assert!(until > now);
                    now = until;
                    // After the wait, Argo gives up.
                    let after = decide(&plan, &attempts, t(0), now, &Vars::new());
                    prop_assert!(matches!(after, Decision::GiveUp { .. }), "{:?} at step {}", after, step);
                }
                Decision::Wait { until: None, .. } => prop_assert!(false, "finished attempts only"),
                Decision::GiveUp { phase, .. } => {
                    prop_assert!(phase.is_failure());
                    break;
                }
                Decision::Done => prop_assert!(false, "no attempt succeeded"),
            }
        }
        if let Some(limit) = plan.limit {
            prop_assert!(attempts.len() as u64 <= u64::from(limit) + 1);
        }
    }
}
