//! `retryStrategy`: what happens after an attempt of a retried template
//! finished, decided exactly as Argo's controller decides it.
//!
//! [`plan`] parses a [`RetryStrategy`] (after the caller's `{{…}}`
//! substitution) into a [`RetryPlan`]; [`decide`] takes the plan and the
//! attempts so far and says whether to start another attempt, when, or how
//! the Retry node ends; [`attempt_vars`] gives the `{{retries}}` and
//! `{{lastRetry.*}}` values of the next attempt. Everything is pure: the
//! caller passes the time in.
//!
//! # What Argo does (read from its source)
//!
//! `processNodeRetries` in `workflow/controller/operator.go` (v3.6 → v4),
//! run on every pass while the Retry node is not fulfilled:
//!
//! 1. No attempt yet: create `R(0)` ([`Decision::Retry`] with `attempt: 0`).
//!    The last attempt not fulfilled: keep waiting ([`Decision::Wait`]
//!    without `until`). The last attempt Succeeded, Skipped or Omitted: the
//!    Retry node Succeeds with its outputs ([`Decision::Done`]).
//! 2. (Shutdown and the workflow deadline come next in Argo; they are the
//!    caller's: `Stopped with strategy '<S>'` / `retry exceeded workflow
//!    deadline <t>` with the last attempt's phase.)
//! 3. With `backoff`: past `maxDuration` counted from the **first** attempt's
//!    `startedAt` ⇒ give up, `Max duration limit exceeded`. The wait is
//!    `duration × factor^(attempts−1)` (`factor` only when > 0, so the first
//!    retry waits exactly `duration`), capped by `cap`, counted from the
//!    last attempt's `finishedAt`; a wait ending after the `maxDuration`
//!    deadline ⇒ give up, `Backoff would exceed max duration limit`. Argo
//!    only waits **when `limit` is set** and `attempts <= limit`; meanwhile
//!    the Retry node's message is `Backoff for <humanized wait>`
//!    ([`backoff_message`]), cleared when the next attempt starts.
//! 4. The policy (`RetryPolicyActual`: the explicit one; else `Always` when
//!    `expression` is set; else `OnFailure`):
//!
//!    | policy | last attempt Failed | last attempt Error |
//!    |---|---|---|
//!    | `Always` | retry | retry |
//!    | `OnFailure` | retry | stop |
//!    | `OnError` | stop | retry |
//!    | `OnTransientError` | retry iff transient | retry iff transient |
//!
//!    "stop" ends the Retry node with the last attempt's phase **and
//!    message**. Transient ([`is_transient`]) is Argo's
//!    `util/errors.isTransientErr` applied to `errors.InternalError(message)`:
//!    only its message tests can match, so a message containing one of
//!    [`TRANSIENT_MESSAGES`] (or matching the controller's
//!    `TRANSIENT_ERROR_PATTERN`, see [`decide_with`]).
//! 5. `limit` set and `attempts > limit` ⇒ `No more retries left`: `limit:
//!    N` allows N+1 attempts, `limit: 0` one, no `limit` unboundedly many.
//! 6. `expression` (expr-lang) is AND-ed with the policy: false ⇒
//!    `retryStrategy.expression evaluated to false`; failing to evaluate ⇒
//!    the Retry node is **Error** with the evaluation error (Argo returns
//!    the error from `processNodeRetries` and `executeTemplate` marks the
//!    node with it).
//! 7. Otherwise the next attempt `R(attempts)` is created in the same pass.
//!
//! Each step gives up with the last attempt's phase (Failed or Error).
//!
//! # Time at second granularity
//!
//! Keelson's [`Time`] has whole seconds, as Argo's persisted timestamps do;
//! durations keep nanoseconds. All comparisons are exact (Argo's strict
//! `After`/`Before`), and a backoff ending inside a second makes the retry
//! happen at the next whole second: `at = ceil(finishedAt + wait)`, which is
//! the first whole-second `now` at which Argo's `now.Before(deadline)` is
//! false.
//!
//! # One difference in form, none in outcome
//!
//! Argo waits out a backoff *before* it looks at the policy, the limit and
//! the expression, so a backoff is served even when the retry will then be
//! refused. [`decide`] looks ahead: a backoff followed by a retry is
//! [`Decision::Retry`] with `at` in the future (safe to schedule as is); a
//! backoff followed by a refusal is [`Decision::Wait`] with `until`, after
//! which `decide` returns the [`Decision::GiveUp`] — so the Retry node ends
//! when Argo's would, with the same message.
//!
//! # Left to the caller
//!
//! * Shutdown and the workflow deadline (step 2), before calling `decide`.
//! * When to call [`plan`]: Argo reads the strategy's fields after an
//!   attempt failed, so a bad field errors the Retry node then (not before
//!   the first attempt); [`plan`] reports the first bad field in Argo's
//!   reading order, but Argo would not report a bad `limit` when the policy
//!   already stops the retry.
//! * An attempt whose template fails to execute is marked Error; with
//!   `Always`, `OnError` or `OnTransientError` it is then judged like any
//!   Error attempt, with `OnFailure` Argo returns the error to the parent at
//!   once (`executeTemplate`).
//! * The pods of retries get [`attempt_deadline`] when `maxDuration` is set.
//!
//! # Known differences
//!
//! * Expression messages: Argo compiles with a type checker, so unknown
//!   names and mismatched types are compile errors reported bare
//!   (`unknown name x (1:1)…`); Keelson finds them while evaluating and
//!   reports `unable to evaluate expression '<src>': <err>`. Either way the
//!   Retry node ends in Error.
//! * Absurd backoffs (`factor` 1000 after 50 attempts) saturate at Go's
//!   longest duration where Argo's `int64` arithmetic wraps.
//! * Negative durations are refused by [`plan`]; Argo would accept them.

mod decide;
mod humanize;
mod plan;

#[cfg(test)]
mod tests;

pub use decide::{
    TRANSIENT_MESSAGES, attempt_deadline, attempt_vars, backoff_message, backoff_wait, decide,
    decide_with, expression_vars, is_transient,
};
pub use humanize::{go_seconds, humanize_duration};
pub use plan::plan;

use std::fmt;
use std::time::Duration;

use crate::status::{NodePhase, Time};

#[cfg(doc)]
use crate::spec::RetryStrategy;

/// A retry strategy with its strings parsed and Argo's defaults applied.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPlan {
    /// Retries allowed after the first attempt (`None`: unbounded). Argo
    /// reads the limit as an `int32`; a negative limit behaves as 0.
    pub limit: Option<u32>,
    /// The policy in force (`RetryPolicyActual`).
    pub policy: RetryPolicy,
    pub backoff: Option<BackoffPlan>,
    /// The expr-lang condition, if set and not empty.
    pub expression: Option<String>,
}

/// Which failed attempts are retried (`retryPolicy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RetryPolicy {
    /// Failed and Error attempts.
    Always,
    /// Failed attempts (the default without an `expression`).
    OnFailure,
    /// Error attempts.
    OnError,
    /// Failed or Error attempts whose message is transient ([`is_transient`]).
    OnTransientError,
}

impl RetryPolicy {
    /// Argo's name for the policy.
    pub fn as_str(self) -> &'static str {
        match self {
            RetryPolicy::Always => "Always",
            RetryPolicy::OnFailure => "OnFailure",
            RetryPolicy::OnError => "OnError",
            RetryPolicy::OnTransientError => "OnTransientError",
        }
    }

    /// The policy named `name` (case-sensitive, as Argo compares).
    pub fn from_name(name: &str) -> Option<RetryPolicy> {
        match name {
            "Always" => Some(RetryPolicy::Always),
            "OnFailure" => Some(RetryPolicy::OnFailure),
            "OnError" => Some(RetryPolicy::OnError),
            "OnTransientError" => Some(RetryPolicy::OnTransientError),
            _ => None,
        }
    }
}

impl fmt::Display for RetryPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `retryStrategy.backoff`, parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct BackoffPlan {
    /// The first wait.
    pub duration: Duration,
    /// Growth per attempt; `None` when unset or <= 0 (Argo then never grows
    /// the wait). Argo's `factor` is an integer, so [`plan`] only produces
    /// whole numbers.
    pub factor: Option<f64>,
    /// The longest single wait.
    pub cap: Option<Duration>,
    /// Time allowed from the first attempt's start.
    pub max_duration: Option<Duration>,
}

/// A `retryStrategy` field Argo could not read.
///
/// `message` is Argo's own text, the one it puts on the Retry node (which
/// Argo marks Error with it); `field` names the field. Displayed as
/// `<field>: <message>`, e.g. `retryStrategy.limit: value 'two' cannot be
/// resolved to an int`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct RetryError {
    /// The field's path, e.g. `retryStrategy.backoff.duration`.
    pub field: &'static str,
    pub message: String,
}

/// One finished attempt, as the state machine records it.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    pub phase: NodePhase,
    /// The main container's exit code (`outputs.exitCode`), if any.
    pub exit_code: Option<i32>,
    pub message: String,
    pub started_at: Time,
    pub finished_at: Time,
}

/// What to do after the latest attempt finished.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Start attempt number `attempt` (0-based, = `{{retries}}`, named
    /// `R(attempt)`) at time `at`: `now`, or later when a backoff applies —
    /// until then the Retry node's message is [`backoff_message`]; it is
    /// cleared when the attempt starts.
    Retry { attempt: u32, at: Time },
    /// Stop retrying; the Retry node ends with this phase and message:
    /// `No more retries left`, `Max duration limit exceeded`, `Backoff would
    /// exceed max duration limit`, `retryStrategy.expression evaluated to
    /// false`, the last attempt's own message when the policy does not
    /// retry its phase, or (phase Error) why the expression could not be
    /// evaluated.
    GiveUp { phase: NodePhase, message: String },
    /// The last attempt succeeded (or was Skipped/Omitted): the Retry node
    /// Succeeds and takes the last attempt's outputs; its message is left
    /// as it is.
    Done,
    /// Nothing to do yet. Without `until`: the last attempt has not
    /// finished. With `until`: Argo serves a backoff (the Retry node's
    /// message is `message`, e.g. `Backoff for 10 seconds`) and will give up
    /// once it is over — call [`decide`] again at `until`.
    Wait { until: Option<Time>, message: String },
}
