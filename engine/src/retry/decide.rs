//! [`decide`] and the variables of retried attempts: Argo's
//! `processNodeRetries`, `buildRetryStrategyLocalScope` and the `lastRetry`
//! injection of `executeTemplate` (`workflow/controller/operator.go`).

use std::time::Duration;

use regex::Regex;
use serde_json::Value;

use super::humanize::{go_seconds, humanize_duration};
use super::{Attempt, BackoffPlan, Decision, RetryPlan, RetryPolicy};
use crate::expr::{self, ExprErrorKind, Vars};
use crate::golang::fmt::{Arg, sprint_s};
use crate::status::{NodePhase, Time};

/// The messages Argo's `util/errors.isTransientErr` recognises as transient
/// when it is handed an attempt's message (wrapped in
/// `errors.InternalError`, so only its substring tests can match:
/// `isTransientEtcdErr`, `isTransientNetworkErr`, `isTransientSqbErr`). The
/// typed Kubernetes and `net` errors it also knows cannot come from a
/// message, nor can the `EOF` of a `*url.Error`.
pub const TRANSIENT_MESSAGES: &[&str] = &[
    "etcdserver: leader changed",
    "etcdserver: request timed out",
    "etcdserver: too many requests",
    "Connection closed by foreign host",
    "net/http: TLS handshake timeout",
    "i/o timeout",
    "connection timed out",
    "connection reset by peer",
    "http2: client connection lost",
    "http2: server sent GOAWAY and closed the connection",
    "connect: connection refused",
    "invalid connection",
    "upper: no more rows in",
];

/// Whether `OnTransientError` retries an attempt that ended with `message`:
/// it contains one of [`TRANSIENT_MESSAGES`] (case-sensitive), or matches
/// `pattern` anywhere — the controller's `TRANSIENT_ERROR_PATTERN`
/// environment variable in Argo (`regexp.MatchString`), `None` when unset.
pub fn is_transient(message: &str, pattern: Option<&Regex>) -> bool {
    TRANSIENT_MESSAGES.iter().any(|m| message.contains(m))
        || pattern.is_some_and(|p| p.is_match(message))
}

/// Decide what follows the latest of `attempts` (in order; normally all
/// finished) at time `now`. `retry_started` is the Retry node's start; it is
/// not needed, because Argo counts `maxDuration` from the first attempt's
/// `startedAt` (created in the same pass). The expression, if any, sees
/// [`expression_vars`]: `extra` plus Argo's `retries` and `lastRetry.*`.
/// See the module documentation for the rules, in Argo's order.
pub fn decide(
    plan: &RetryPlan,
    attempts: &[Attempt],
    retry_started: Time,
    now: Time,
    extra: &Vars,
) -> Decision {
    decide_with(plan, attempts, retry_started, now, extra, None)
}

/// [`decide`] with the controller's `TRANSIENT_ERROR_PATTERN` (see
/// [`is_transient`]).
pub fn decide_with(
    plan: &RetryPlan,
    attempts: &[Attempt],
    retry_started: Time,
    now: Time,
    extra: &Vars,
    transient_pattern: Option<&Regex>,
) -> Decision {
    let _ = retry_started;
    let (Some(first), Some(last)) = (attempts.first(), attempts.last()) else {
        return Decision::Retry { attempt: 0, at: now };
    };
    if !last.phase.is_fulfilled() {
        return Decision::Wait { until: None, message: String::new() };
    }
    if !last.phase.is_failure() {
        return Decision::Done;
    }
    let count = attempts.len();
    let next = u32::try_from(count).unwrap_or(u32::MAX);
    let give_up = |message: &str| Decision::GiveUp { phase: last.phase, message: message.into() };

    // Backoff, which Argo handles before the policy.
    let mut backoff_until = None;
    let mut deadline = None;
    if let Some(b) = &plan.backoff {
        deadline = b.max_duration.map(|md| nanos(first.started_at) + dur_nanos(md));
        if deadline.is_some_and(|d| nanos(now) > d) {
            return give_up("Max duration limit exceeded");
        }
        let waiting = nanos(last.finished_at) + wait_nanos(b, count);
        if deadline.is_some_and(|d| waiting > d) {
            return give_up("Backoff would exceed max duration limit");
        }
        // Argo only waits with a limit, and only while attempts <= limit.
        if nanos(now) < waiting && plan.limit.is_some_and(|l| count as u64 <= u64::from(l)) {
            backoff_until = Some(ceil_time(waiting));
        }
    }

    match backoff_until {
        None => refusal(plan, attempts, last, extra, transient_pattern)
            .unwrap_or(Decision::Retry { attempt: next, at: now }),
        Some(until) => {
            // What Argo finds once the wait is over: the max duration may
            // have passed by then; else the policy, limit and expression.
            let later = if deadline.is_some_and(|d| nanos(until) > d) {
                Some(give_up("Max duration limit exceeded"))
            } else {
                refusal(plan, attempts, last, extra, transient_pattern)
            };
            match later {
                None => Decision::Retry { attempt: next, at: until },
                Some(_) => Decision::Wait {
                    until: Some(until),
                    message: backoff_message(plan, attempts).unwrap_or_default(),
                },
            }
        }
    }
}

/// Steps 4-6 of the module documentation: why the failed `last` attempt is
/// not retried, if it is not.
fn refusal(
    plan: &RetryPlan,
    attempts: &[Attempt],
    last: &Attempt,
    extra: &Vars,
    transient_pattern: Option<&Regex>,
) -> Option<Decision> {
    let (on_failed, on_error) = match plan.policy {
        RetryPolicy::Always => (true, true),
        RetryPolicy::OnFailure => (true, false),
        RetryPolicy::OnError => (false, true),
        RetryPolicy::OnTransientError => {
            let transient = is_transient(&last.message, transient_pattern);
            (transient, transient)
        }
    };
    let phase = last.phase;
    if (phase == NodePhase::Failed && !on_failed) || (phase == NodePhase::Error && !on_error) {
        return Some(Decision::GiveUp { phase, message: last.message.clone() });
    }
    if plan.limit.is_some_and(|l| attempts.len() as u64 > u64::from(l)) {
        return Some(Decision::GiveUp { phase, message: "No more retries left".into() });
    }
    if let Some(src) = &plan.expression {
        match eval_expression(src, &expression_vars(attempts, extra)) {
            Ok(true) => {}
            Ok(false) => {
                let message = "retryStrategy.expression evaluated to false".into();
                return Some(Decision::GiveUp { phase, message });
            }
            Err(message) => return Some(Decision::GiveUp { phase: NodePhase::Error, message }),
        }
    }
    None
}

/// Argo's `argoexpr.EvalBool` messages: a compile error as it is, a
/// run-time error as `unable to evaluate expression '<src>': <err>`, a
/// non-boolean as `unable to cast expression result '<%s of it>' to bool`.
/// Keelson's safety limits count as run-time errors.
fn eval_expression(src: &str, vars: &Vars) -> Result<bool, String> {
    match expr::eval(src, vars) {
        Ok(Value::Bool(b)) => Ok(b),
        Ok(other) => Err(format!("unable to cast expression result '{}' to bool", go_s(&other))),
        Err(e) => match e.kind {
            ExprErrorKind::Syntax | ExprErrorKind::Unsupported => Err(e.message),
            ExprErrorKind::Eval | ExprErrorKind::Limit => {
                Err(format!("unable to evaluate expression '{src}': {}", e.message))
            }
        },
    }
}

/// The variables a retry `expression` sees after `attempts`: `extra`, then
/// Argo's `buildRetryStrategyLocalScope` — `retries` (attempts − 1),
/// `lastRetry.exitCode` (`-1` without one), `lastRetry.status`,
/// `lastRetry.duration` (seconds, as Go prints them), `lastRetry.message`,
/// all strings; they replace any of `extra`'s. Argo itself passes nothing
/// else; `extra` is for callers that want more (inputs, `workflow.*`).
pub fn expression_vars(attempts: &[Attempt], extra: &Vars) -> Vars {
    let ours = |k: &str| {
        ["retries", "lastRetry"]
            .iter()
            .any(|o| k.strip_prefix(o).is_some_and(|rest| rest.is_empty() || rest.starts_with('.')))
    };
    let mut vars = Vars::new();
    for (key, value) in extra.iter().filter(|(k, _)| attempts.is_empty() || !ours(k)) {
        vars.insert(key, value.clone());
    }
    if let Some(last) = attempts.last() {
        let exit = last.exit_code.map_or_else(|| "-1".to_string(), |c| c.to_string());
        vars.insert("retries", Value::String((attempts.len() - 1).to_string()));
        // One map, as Argo's `expand.Expand` nests it: a missing member
        // (`lastRetry.nope`) is then nil, not an unknown variable.
        let last_retry = serde_json::json!({
            "exitCode": exit,
            "status": last.phase.as_str(),
            "duration": duration_of(last),
            "message": last.message,
        });
        vars.insert("lastRetry", last_retry);
    }
    vars
}

/// The variables the next attempt (number `attempts.len()`) is substituted
/// with, as `executeTemplate` injects them: `retries` = its number,
/// `lastRetry.exitCode` (`0` when the previous attempt has none),
/// `lastRetry.status`, `lastRetry.duration` (seconds, as Go prints them),
/// `lastRetry.message`. Before the first retry they are `0`, `""`, `0`, `""`.
pub fn attempt_vars(attempts: &[Attempt]) -> Vec<(String, String)> {
    let (exit, status, duration, message) = match attempts.last() {
        None => ("0".to_string(), String::new(), "0".to_string(), String::new()),
        Some(a) => (
            a.exit_code.map_or_else(|| "0".to_string(), |c| c.to_string()),
            a.phase.as_str().to_string(),
            duration_of(a),
            a.message.clone(),
        ),
    };
    vec![
        ("retries".to_string(), attempts.len().to_string()),
        ("lastRetry.exitCode".to_string(), exit),
        ("lastRetry.status".to_string(), status),
        ("lastRetry.duration".to_string(), duration),
        ("lastRetry.message".to_string(), message),
    ]
}

/// The backoff Argo computes after `attempts` (none without `backoff` or
/// attempts): `duration × factor^(attempts−1)`, capped by `cap`. Argo's
/// `int64` nanoseconds overflow and wrap for absurd factors; here they
/// saturate at Go's longest duration (~292 years).
pub fn backoff_wait(plan: &RetryPlan, attempts: &[Attempt]) -> Option<Duration> {
    let b = plan.backoff.as_ref().filter(|_| !attempts.is_empty())?;
    let ns = u64::try_from(wait_nanos(b, attempts.len())).unwrap_or(u64::MAX);
    Some(Duration::from_nanos(ns))
}

/// The Retry node's message while Argo serves the backoff after `attempts`:
/// `Backoff for <humanized wait>` (`Backoff for 10 seconds`).
pub fn backoff_message(plan: &RetryPlan, attempts: &[Attempt]) -> Option<String> {
    backoff_wait(plan, attempts).map(|w| format!("Backoff for {}", humanize_duration(w)))
}

/// The deadline Argo gives the pods of the attempt that follows `attempts`
/// (`opts.executionDeadline`): the first attempt's start + `maxDuration`,
/// rounded down to the second, once there is an attempt (the first attempt
/// gets none). The pod's `activeDeadlineSeconds` is derived from it.
pub fn attempt_deadline(plan: &RetryPlan, attempts: &[Attempt]) -> Option<Time> {
    let md = plan.backoff.as_ref()?.max_duration?;
    let first = attempts.first()?;
    let ns = nanos(first.started_at) + dur_nanos(md);
    Some(Time(clamp_secs(ns.div_euclid(NANOS))))
}

const NANOS: i128 = 1_000_000_000;
/// Go's longest duration, in nanoseconds.
const GO_MAX: i128 = i64::MAX as i128;

fn nanos(t: Time) -> i128 {
    i128::from(t.0) * NANOS
}

fn dur_nanos(d: Duration) -> i128 {
    i128::try_from(d.as_nanos()).unwrap_or(i128::MAX)
}

fn clamp_secs(s: i128) -> i64 {
    i64::try_from(s).unwrap_or(if s < 0 { i64::MIN } else { i64::MAX })
}

/// The first whole second at or after `ns`.
fn ceil_time(ns: i128) -> Time {
    let secs = ns.div_euclid(NANOS) + i128::from(ns.rem_euclid(NANOS) != 0);
    Time(clamp_secs(secs))
}

/// `timeToWait` after `count` attempts, in nanoseconds (0..=GO_MAX).
fn wait_nanos(b: &BackoffPlan, count: usize) -> i128 {
    let base = dur_nanos(b.duration).min(GO_MAX);
    let mut wait = base;
    if let Some(f) = b.factor.filter(|f| *f > 0.0) {
        // time.Duration(math.Pow(factor, attempts-1)): truncated to an integer.
        let p = f.powf(count.saturating_sub(1) as f64);
        let mult = if p < 9.3e18 { p as i128 } else { GO_MAX };
        wait = base.saturating_mul(mult).min(GO_MAX);
    }
    if let Some(cap) = b.cap {
        wait = wait.min(dur_nanos(cap));
    }
    wait
}

/// `lastRetry.duration`: `fmt.Sprint(node.GetDuration().Seconds())`.
fn duration_of(a: &Attempt) -> String {
    go_seconds(a.finished_at.0.saturating_sub(a.started_at.0))
}

/// Go's `%s` of an expression result (in the cast error).
fn go_s(v: &Value) -> String {
    sprint_s(&result_arg(v))
}

/// An expression result as the `interface{}` Argo's expr-lang returned:
/// whole numbers as `int`, other numbers as `float64`.
fn result_arg(v: &Value) -> Arg<'_> {
    match v {
        Value::Null => Arg::Nil,
        Value::Bool(b) => Arg::Bool(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Arg::Int(i),
            None => Arg::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => Arg::Str(s),
        Value::Array(items) => Arg::Slice(items.iter().map(result_arg).collect()),
        Value::Object(map) => {
            Arg::Map(map.iter().map(|(k, v)| (Arg::Str(k), result_arg(v))).collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_print_as_go_values() {
        assert_eq!(go_s(&serde_json::json!("yes")), "yes");
        assert_eq!(go_s(&serde_json::json!(5)), "%!s(int=5)");
        assert_eq!(go_s(&serde_json::json!(null)), "%!s(<nil>)");
        assert_eq!(
            go_s(&serde_json::json!({"b": [2.5, null], "a": 1})),
            "map[a:%!s(int=1) b:[%!s(float64=2.5) <nil>]]"
        );
    }

    #[test]
    fn ceil_and_nanos() {
        assert_eq!(ceil_time(10 * NANOS), Time(10));
        assert_eq!(ceil_time(10 * NANOS + 1), Time(11));
        assert_eq!(ceil_time(-NANOS / 2), Time(0));
        assert_eq!(ceil_time(i128::MAX), Time(i64::MAX));
        assert_eq!(nanos(Time(i64::MIN)), i128::from(i64::MIN) * NANOS);
    }
}
