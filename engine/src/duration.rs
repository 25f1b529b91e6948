//! Durations as Argo writes them: Go's `time.ParseDuration` syntax
//! (`1h30m`, `500ms`, `2.5s`; [`golang::duration::parse`]), or a bare number
//! of seconds (`30`), which Argo accepts for `suspend.duration`,
//! `backoff.duration` and friends; with Keelson's own messages, which name
//! the units.

use std::time::Duration;

use crate::golang;
use crate::golang::duration::ParseDurationErrorKind;

/// Why a duration does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid duration {input:?}: {why}")]
pub struct DurationError {
    pub input: String,
    pub why: &'static str,
}

/// Parse a duration; negative durations are refused (no Argo field
/// accepts one), and so are durations of more than 9.2e9 seconds (close to
/// Go's limit of about 292 years: a mistake, whatever the field).
pub fn parse(input: &str) -> Result<Duration, DurationError> {
    use ParseDurationErrorKind::*;
    let err = |why| DurationError { input: input.to_string(), why };
    let s = input.trim();
    if s.is_empty() {
        return Err(err("empty"));
    }
    if let Ok(secs) = s.parse::<u64>() {
        return Ok(Duration::from_secs(secs));
    }
    let s = s.strip_prefix('+').unwrap_or(s);
    if s.starts_with('-') {
        return Err(err("negative durations are not allowed"));
    }
    let nanos = golang::duration::parse(s).map_err(|e| {
        err(match e.kind {
            Empty | NotANumber => "expected a number",
            NoDigits => "bad number",
            Overflow => "too long",
            MissingUnit => "missing unit (use ns, us, ms, s, m or h)",
            UnknownUnit(_) => "unknown unit (use ns, us, ms, s, m or h)",
        })
    })?;
    let d = Duration::from_nanos(nanos.unsigned_abs());
    if d.as_secs_f64() > 9.2e9 {
        return Err(err("too long"));
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_syntax_and_bare_seconds() {
        assert_eq!(parse("30").ok(), Some(Duration::from_secs(30)));
        assert_eq!(parse("1h30m").ok(), Some(Duration::from_secs(5400)));
        assert_eq!(parse("500ms").ok(), Some(Duration::from_millis(500)));
        assert_eq!(parse("2.5s").ok(), Some(Duration::from_millis(2500)));
        assert_eq!(parse("0").ok(), Some(Duration::ZERO));
        assert!(parse("10 minutes").is_err());
        assert!(parse("5").is_ok());
        assert!(parse("-1s").is_err());
        assert!(parse("1x").is_err());
        assert!(parse("s").is_err());
        assert!(parse("").is_err());
        assert!(parse("99999999999h").is_err());
        // A sign alone is no duration (it used to read as zero).
        assert!(parse("+").is_err());
        assert_eq!(
            parse("1x").unwrap_err().to_string(),
            "invalid duration \"1x\": unknown unit (use ns, us, ms, s, m or h)"
        );
    }
}
