//! [`plan`]: a `retryStrategy` as written, read the way Argo reads it.

use std::time::Duration;

use super::{BackoffPlan, RetryError, RetryPlan, RetryPolicy};
use crate::golang::{duration, strconv};
use crate::spec::{IntOrString, RetryStrategy};

/// Parse a retry strategy (strings already tag-substituted by the caller)
/// and apply Argo's defaults.
///
/// Argo reads these fields in `processNodeRetries` after an attempt
/// failed, and a field it cannot read marks the Retry node Error with the
/// message of the returned [`RetryError`]. The first bad field is reported
/// in Argo's reading order: `backoff.maxDuration`, `backoff.duration`,
/// `backoff.factor`, `backoff.cap`, `retryPolicy`, `limit`.
///
/// * `limit`, `backoff.factor`: Argo's `intstr.Int32` — an integer or a
///   string `strconv.Atoi` accepts (`"2"`, `"+2"`, `"-1"`; not `" 2"`),
///   converted to `int32` as Go does (wrapping). Otherwise `value '<v>'
///   cannot be resolved to an int`. A negative `limit` behaves as 0.
/// * durations: Argo's `ParseStringToDuration` — a bare integer is seconds,
///   else a Go duration (`1m30s`; Go's `time.ParseDuration` messages).
///   Empty means unset. Negative durations are refused (Argo would take
///   them; no sensible spec has one).
/// * `backoff` without `duration`: `no base duration specified for
///   retryStrategy`.
/// * `retryPolicy`: one of Argo's four names, else `<p> is not a valid
///   RetryPolicy`; unset or empty ⇒ `Always` if `expression` is non-empty,
///   else `OnFailure` (`RetryPolicyActual`, Argo ≥ 3.5).
pub fn plan(s: &RetryStrategy) -> Result<RetryPlan, RetryError> {
    let expression = s.expression.as_deref().filter(|e| !e.is_empty()).map(str::to_string);

    let backoff = match &s.backoff {
        None => None,
        Some(b) => {
            let max_duration =
                optional_duration(b.max_duration.as_ref(), "retryStrategy.backoff.maxDuration")?;
            let duration = match b.duration.as_ref().filter(|d| !is_empty(d)) {
                None => {
                    return Err(RetryError {
                        field: "retryStrategy.backoff.duration",
                        message: "no base duration specified for retryStrategy".to_string(),
                    });
                }
                Some(d) => parse_duration(d, "retryStrategy.backoff.duration")?,
            };
            let factor = match &b.factor {
                None => None,
                Some(f) => Some(int32(f, "retryStrategy.backoff.factor")?),
            };
            let cap = optional_duration(b.cap.as_ref(), "retryStrategy.backoff.cap")?;
            Some(BackoffPlan {
                duration,
                factor: factor.filter(|f| *f > 0).map(f64::from),
                cap,
                max_duration,
            })
        }
    };

    let policy = match s.retry_policy.as_deref().filter(|p| !p.is_empty()) {
        Some(name) => RetryPolicy::from_name(name).ok_or_else(|| RetryError {
            field: "retryStrategy.retryPolicy",
            message: format!("{name} is not a valid RetryPolicy"),
        })?,
        None if expression.is_some() => RetryPolicy::Always,
        None => RetryPolicy::OnFailure,
    };

    let limit = match &s.limit {
        None => None,
        Some(l) => Some(u32::try_from(int32(l, "retryStrategy.limit")?.max(0)).unwrap_or(0)),
    };

    Ok(RetryPlan { limit, policy, backoff, expression })
}

fn is_empty(v: &IntOrString) -> bool {
    matches!(v, IntOrString::String(s) if s.is_empty())
}

/// Argo's `intstr.Int32`: `strconv.Atoi` on strings, then Go's `int32(…)`
/// conversion (which wraps).
fn int32(v: &IntOrString, field: &'static str) -> Result<i32, RetryError> {
    let n = match v {
        IntOrString::Int(i) => *i,
        IntOrString::String(s) => strconv::atoi(s).map_err(|_| RetryError {
            field,
            message: format!("value '{s}' cannot be resolved to an int"),
        })?,
    };
    // Go's int32(x) keeps the low 32 bits, as `as` does.
    Ok(n as i32)
}

fn optional_duration(
    v: Option<&IntOrString>,
    field: &'static str,
) -> Result<Option<Duration>, RetryError> {
    match v {
        Some(d) if !is_empty(d) => parse_duration(d, field).map(Some),
        _ => Ok(None),
    }
}

/// Argo's `ParseStringToDuration`: `strconv.Atoi` (seconds) first, then
/// `time.ParseDuration`, whose message Argo passes on.
fn parse_duration(v: &IntOrString, field: &'static str) -> Result<Duration, RetryError> {
    let text = v.to_string();
    let bad = |why: &str| RetryError {
        field,
        message: format!("unable to parse {text} as a duration: {why}"),
    };
    let seconds = match v {
        IntOrString::Int(i) => Some(*i),
        IntOrString::String(s) => strconv::atoi(s).ok(),
    };
    if let Some(secs) = seconds {
        return u64::try_from(secs)
            .map(Duration::from_secs)
            .map_err(|_| bad("negative durations are not supported"));
    }
    if text.starts_with('-') {
        return Err(bad("negative durations are not supported"));
    }
    let nanos = duration::parse(&text).map_err(|e| bad(&e.to_string()))?;
    Ok(Duration::from_nanos(nanos.unsigned_abs()))
}
