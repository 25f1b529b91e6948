//! Cron schedules as CronWorkflows write them: the five standard fields
//! (minute hour day-of-month month day-of-week) with `*`, `?`, lists,
//! ranges, steps and month/day names, plus robfig/cron's descriptors
//! (`@hourly`, `@daily`, …, `@every 1h30m`) and an optional `CRON_TZ=`
//! prefix — what Argo's `cron.ParseStandard` accepts.
//!
//! Parsing, and the schedule in words ([`describe`]); the scheduler that
//! computes next run times (`server::cron`) builds on [`Schedule`].

mod describe;

use std::time::Duration;

pub use describe::describe;

/// A parsed schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Schedule {
    /// Bit sets of the allowed values of each field.
    Fields {
        minutes: u64,
        hours: u32,
        days_of_month: u32,
        months: u16,
        days_of_week: u8,
        /// A `CRON_TZ=`/`TZ=` prefix, if any.
        timezone: Option<String>,
    },
    Every(Duration),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CronError(pub String);

const MONTHS: [&str; 12] =
    ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

pub fn parse(spec: &str) -> Result<Schedule, CronError> {
    let mut s = spec.trim();
    let mut timezone = None;
    for prefix in ["CRON_TZ=", "TZ="] {
        if let Some(rest) = s.strip_prefix(prefix) {
            let (tz, after) = rest.split_once(char::is_whitespace).ok_or_else(|| {
                CronError(format!("`{spec}`: a schedule must follow the time zone"))
            })?;
            timezone = Some(tz.to_string());
            s = after.trim_start();
        }
    }
    if let Some(d) = s.strip_prefix("@every ") {
        let d = crate::duration::parse(d.trim()).map_err(|e| CronError(e.to_string()))?;
        if d < Duration::from_secs(1) {
            return Err(CronError(format!("`{spec}`: @every needs at least 1s")));
        }
        return Ok(Schedule::Every(d));
    }
    let expanded = match s {
        "@yearly" | "@annually" => "0 0 1 1 *",
        "@monthly" => "0 0 1 * *",
        "@weekly" => "0 0 * * 0",
        "@daily" | "@midnight" => "0 0 * * *",
        "@hourly" => "0 * * * *",
        other if other.starts_with('@') => {
            return Err(CronError(format!("`{spec}`: unknown descriptor `{other}`")));
        }
        other => other,
    };
    let fields: Vec<&str> = expanded.split_whitespace().collect();
    if fields.len() != 5 {
        return Err(CronError(format!(
            "`{spec}` has {} fields; a schedule has 5: minute hour day-of-month month day-of-week",
            fields.len()
        )));
    }
    let field = |i: usize, name, min, max, names: &[&str]| {
        bits(fields[i], min, max, names)
            .map_err(|why| CronError(format!("`{spec}`: {name} field: {why}")))
    };
    let minutes = field(0, "minute", 0, 59, &[])?;
    let hours = field(1, "hour", 0, 23, &[])?;
    let days_of_month = field(2, "day-of-month", 1, 31, &[])?;
    let months = field(3, "month", 1, 12, &MONTHS)?;
    // 7 is also Sunday.
    let dow = field(4, "day-of-week", 0, 7, &DAYS)?;
    let days_of_week = ((dow | (dow >> 7)) & 0x7f) as u8;
    Ok(Schedule::Fields {
        minutes,
        hours: hours as u32,
        days_of_month: days_of_month as u32,
        months: months as u16,
        days_of_week,
        timezone,
    })
}

/// The values a field allows, as bits `min..=max`.
fn bits(field: &str, min: u32, max: u32, names: &[&str]) -> Result<u64, String> {
    let mut out = 0u64;
    for part in field.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => {
                let step: u32 = s.parse().map_err(|_| format!("bad step `{s}`"))?;
                if step == 0 {
                    return Err("a step of 0".to_string());
                }
                (r, step)
            }
            None => (part, 1),
        };
        let (lo, hi) = if range == "*" || range == "?" {
            (min, max)
        } else if let Some((a, b)) = range.split_once('-') {
            (value(a, min, max, names)?, value(b, min, max, names)?)
        } else {
            let v = value(range, min, max, names)?;
            // `5/15` means from 5 to the end, every 15.
            (v, if part.contains('/') { max } else { v })
        };
        if lo > hi {
            return Err(format!("range {lo}-{hi} runs backwards"));
        }
        let mut v = lo;
        while v <= hi {
            out |= 1 << v;
            v += step;
        }
    }
    Ok(out)
}

fn value(s: &str, min: u32, max: u32, names: &[&str]) -> Result<u32, String> {
    let offset = if names.len() == 12 { 1 } else { 0 };
    if let Some(i) = names.iter().position(|n| n.eq_ignore_ascii_case(s)) {
        return Ok(i as u32 + offset);
    }
    let v: u32 = s.parse().map_err(|_| format!("`{s}` is not a number"))?;
    if v < min || v > max {
        return Err(format!("{v} is outside {min}-{max}"));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_schedules() {
        assert!(parse("* * * * *").is_ok());
        assert!(parse("*/5 9-17 * JAN-jun mon-fri").is_ok());
        assert!(parse("0 0 1,15 * ?").is_ok());
        assert!(parse("CRON_TZ=America/New_York 0 6 * * 7").is_ok());
        assert!(parse("@daily").is_ok());
        assert_eq!(parse("@every 90s"), Ok(Schedule::Every(Duration::from_secs(90))));
        match parse("0 12 * * 0,7") {
            Ok(Schedule::Fields { days_of_week, .. }) => assert_eq!(days_of_week, 1),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn malformed_schedules_say_why() {
        assert!(parse("* * * *").expect_err("4 fields").0.contains("4 fields"));
        assert!(parse("60 * * * *").expect_err("range").0.contains("minute"));
        assert!(parse("*/0 * * * *").is_err());
        assert!(parse("5-1 * * * *").is_err());
        assert!(parse("@sometimes").is_err());
        assert!(parse("* * * FOO *").is_err());
    }
}
