//! Renderings the retry messages and variables need: Argo's
//! `util/humanize.Duration` and `fmt.Sprint` of a whole number of seconds.

use std::time::Duration;

use crate::golang::duration;
use crate::golang::strconv::format_float;

const SECOND: u128 = 1_000_000_000;
const MINUTE: u128 = 60 * SECOND;
const HOUR: u128 = 60 * MINUTE;
// go-humanize's calendar units.
const DAY: u128 = 24 * HOUR;
const WEEK: u128 = 7 * DAY;
const MONTH: u128 = 30 * DAY;
const YEAR: u128 = 12 * MONTH;
const LONG_TIME: u128 = 37 * YEAR;

/// Argo's `humanize.Duration` (`util/humanize`), used in `Backoff for …`:
/// one unit below a minute (`0 seconds`, `1 second`, `10 seconds`), else the
/// truncated largest unit and the remainder in the next one (`1 minute 30
/// seconds`, `2 minutes 0 seconds`, `3 hours 5 minutes`, `1 day 2 hours`,
/// `3 weeks 0 hours`).
pub fn humanize_duration(d: Duration) -> String {
    // Go durations stop at ~292 years.
    let ns = d.as_nanos().min(i64::MAX as u128);
    let head = truncated(ns);
    if ns < MINUTE {
        head
    } else if ns < HOUR {
        format!("{head} {} seconds", ns % MINUTE / SECOND)
    } else if ns < DAY {
        format!("{head} {} minutes", ns % HOUR / MINUTE)
    } else {
        format!("{head} {} hours", ns % DAY / HOUR)
    }
}

/// `TruncatedDuration`: go-humanize's `CustomRelTime` with Argo's
/// magnitudes — the first whose bound exceeds `ns`.
fn truncated(ns: u128) -> String {
    let per = |unit: u128, name: &str| format!("{} {name}", ns / unit);
    match ns {
        n if n < SECOND => "0 seconds".to_string(),
        n if n < 2 * SECOND => "1 second".to_string(),
        n if n < MINUTE => per(SECOND, "seconds"),
        n if n < 2 * MINUTE => "1 minute".to_string(),
        n if n < HOUR => per(MINUTE, "minutes"),
        n if n < 2 * HOUR => "1 hour".to_string(),
        n if n < DAY => per(HOUR, "hours"),
        n if n < 2 * DAY => "1 day".to_string(),
        n if n < WEEK => per(DAY, "days"),
        n if n < 2 * WEEK => "1 week".to_string(),
        n if n < MONTH => per(WEEK, "weeks"),
        n if n < 2 * MONTH => "1 month".to_string(),
        n if n < YEAR => per(MONTH, "months"),
        n if n < 18 * MONTH => "1 year".to_string(),
        n if n < 2 * YEAR => "2 years".to_string(),
        n if n < LONG_TIME => per(YEAR, "years"),
        _ => "a long while".to_string(),
    }
}

/// Go's `fmt.Sprint(d.Seconds())` for a duration of `secs` whole seconds
/// (`lastRetry.duration`): `12`, `-3`, `1e+06`, `1.234567e+06` (Go's `%v`
/// switches to exponent form from 1e6). Go's `Time.Sub` saturates at
/// ±2^63 ns, and so does this.
pub fn go_seconds(secs: i64) -> String {
    format_float(duration::seconds(secs.saturating_mul(1_000_000_000)), 'g')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn humanize_like_argo() {
        let s = Duration::from_secs;
        for (d, want) in [
            (Duration::from_millis(500), "0 seconds"),
            (s(0), "0 seconds"),
            (s(1), "1 second"),
            (Duration::from_millis(1999), "1 second"),
            (s(10), "10 seconds"),
            (s(59), "59 seconds"),
            (s(60), "1 minute 0 seconds"),
            (s(90), "1 minute 30 seconds"),
            (s(120), "2 minutes 0 seconds"),
            (s(3599), "59 minutes 59 seconds"),
            (s(3600), "1 hour 0 minutes"),
            (s(3 * 3600 + 5 * 60 + 7), "3 hours 5 minutes"),
            (s(86_400 + 2 * 3600), "1 day 2 hours"),
            (s(3 * 86_400), "3 days 0 hours"),
            (s(7 * 86_400), "1 week 0 hours"),
            (s(21 * 86_400 + 3600), "3 weeks 1 hours"),
            (s(30 * 86_400), "1 month 0 hours"),
            (s(400 * 86_400), "1 year 0 hours"),
            (s(40 * 360 * 86_400), "a long while 0 hours"),
            (Duration::MAX, "a long while 23 hours"),
        ] {
            assert_eq!(humanize_duration(d), want, "{d:?}");
        }
    }

    #[test]
    fn seconds_like_fmt_sprint() {
        for (secs, want) in [
            (0, "0"),
            (12, "12"),
            (-3, "-3"),
            (999_999, "999999"),
            (1_000_000, "1e+06"),
            (1_234_567, "1.234567e+06"),
            (-20_000_000, "-2e+07"),
            (9_223_372_036, "9.223372036e+09"),
            (9_223_372_037, "9.223372036854776e+09"),
            (i64::MIN, "-9.223372036854776e+09"),
        ] {
            assert_eq!(go_seconds(secs), want, "{secs}");
        }
    }
}
