//! When a schedule fires: the next time after a given one, in the
//! schedule's time zone (`CRON_TZ=` prefix, else the CronWorkflow's
//! `timezone`, else this machine's), following robfig/cron (what Argo
//! uses): day-of-month and day-of-week both restrict when both are
//! restricted (either may match); a local time that daylight saving skips
//! runs shifted forward by the gap (02:30 → 03:30), one that repeats runs
//! once.

use engine::cron::{CronError, Schedule};
use engine::status::Time;
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

/// Give up looking after this many years (e.g. `0 0 30 2 *`).
const HORIZON_YEARS: i16 = 5;

/// The zone a schedule runs in.
pub fn zone(schedule: &Schedule, timezone: Option<&str>) -> Result<TimeZone, CronError> {
    let name = match schedule {
        Schedule::Fields { timezone: Some(tz), .. } => Some(tz.as_str()),
        _ => timezone.filter(|t| !t.is_empty()),
    };
    match name {
        Some(n) => TimeZone::get(n).map_err(|e| CronError(format!("time zone {n:?}: {e}"))),
        None => Ok(TimeZone::system()),
    }
}

/// The first time the schedule fires strictly after `after`.
pub fn next_after(schedule: &Schedule, tz: &TimeZone, after: Time) -> Option<Time> {
    match schedule {
        Schedule::Every(d) => {
            let step = i64::try_from(d.as_secs()).ok()?.max(1);
            Some(Time(after.0.checked_add(step)?))
        }
        Schedule::Fields { minutes, hours, days_of_month, months, days_of_week, .. } => {
            let start = Timestamp::from_second(after.0).ok()?.to_zoned(tz.clone()).datetime();
            let limit = start.year().checked_add(HORIZON_YEARS)?;
            // The next whole minute.
            let mut t = start
                .with()
                .second(0)
                .subsec_nanosecond(0)
                .build()
                .ok()?
                .checked_add(1.minute())
                .ok()?;
            let all_dom = days_of_month & 0xffff_fffe == 0xffff_fffe;
            let all_dow = days_of_week & 0x7f == 0x7f;
            loop {
                if t.year() > limit {
                    return None;
                }
                if months >> t.month() & 1 == 0 {
                    let first = Date::new(t.year(), t.month(), 1).ok()?;
                    t = first
                        .checked_add(1.month())
                        .ok()?
                        .to_datetime(jiff::civil::time(0, 0, 0, 0));
                    continue;
                }
                let dom = days_of_month >> t.day() & 1 == 1;
                let dow = days_of_week >> t.weekday().to_sunday_zero_offset() & 1 == 1;
                let day_ok = if all_dom || all_dow { dom && dow } else { dom || dow };
                if !day_ok {
                    t = t
                        .date()
                        .checked_add(1.day())
                        .ok()?
                        .to_datetime(jiff::civil::time(0, 0, 0, 0));
                    continue;
                }
                if hours >> t.hour() & 1 == 0 {
                    t = next_hour(t)?;
                    continue;
                }
                if minutes >> t.minute() & 1 == 0 {
                    t = t.checked_add(1.minute()).ok()?;
                    continue;
                }
                let at = tz.to_ambiguous_zoned(t).compatible().ok()?.timestamp().as_second();
                // A local time that repeats (clocks back) fires once.
                if at <= after.0 {
                    t = t.checked_add(1.minute()).ok()?;
                    continue;
                }
                return Some(Time(at));
            }
        }
    }
}

fn next_hour(t: DateTime) -> Option<DateTime> {
    t.with().minute(0).second(0).subsec_nanosecond(0).build().ok()?.checked_add(1.hour()).ok()
}

/// The latest time any of `schedules` fired in `(after, now]`, if any.
pub fn latest_between(schedules: &[(Schedule, TimeZone)], after: Time, now: Time) -> Option<Time> {
    let mut latest = None;
    for (s, tz) in schedules {
        let mut t = after;
        // Walk forward; bounded by the number of fires in the window
        // (a minute schedule over a day of downtime: 1,440 steps).
        let mut steps = 0;
        while let Some(next) = next_after(s, tz, t) {
            if next > now || steps > 1_000_000 {
                break;
            }
            latest = latest.max(Some(next));
            t = next;
            steps += 1;
        }
    }
    latest
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Time {
        Time::parse_rfc3339(s).expect("time")
    }

    fn next(spec: &str, tz: &str, after: &str) -> String {
        let s = engine::cron::parse(spec).expect("schedule");
        let tz = zone(&s, Some(tz)).expect("zone");
        next_after(&s, &tz, at(after)).map(|t| t.to_string()).unwrap_or_default()
    }

    #[test]
    fn standard_fields() {
        assert_eq!(next("*/15 * * * *", "UTC", "2026-01-01T10:07:30Z"), "2026-01-01T10:15:00Z");
        assert_eq!(next("0 9 * * 1-5", "UTC", "2026-01-02T09:00:00Z"), "2026-01-05T09:00:00Z");
        assert_eq!(next("0 0 1 1 *", "UTC", "2026-03-01T00:00:00Z"), "2027-01-01T00:00:00Z");
        assert_eq!(next("@hourly", "UTC", "2026-01-01T10:00:00Z"), "2026-01-01T11:00:00Z");
        assert_eq!(next("@every 90s", "UTC", "2026-01-01T10:00:00Z"), "2026-01-01T10:01:30Z");
        // Both day fields restricted: either matches (the 13th or a Friday).
        assert_eq!(next("0 0 13 * 5", "UTC", "2026-02-01T00:00:00Z"), "2026-02-06T00:00:00Z");
        // Never.
        assert_eq!(next("0 0 30 2 *", "UTC", "2026-01-01T00:00:00Z"), "");
    }

    #[test]
    fn time_zones_and_daylight_saving() {
        // 06:00 in New York is 11:00 UTC in winter, 10:00 in summer.
        assert_eq!(
            next("0 6 * * *", "America/New_York", "2026-01-10T12:00:00Z"),
            "2026-01-11T11:00:00Z"
        );
        assert_eq!(
            next("0 6 * * *", "America/New_York", "2026-07-10T12:00:00Z"),
            "2026-07-11T10:00:00Z"
        );
        // The schedule's own zone wins over `timezone`.
        assert_eq!(
            next("CRON_TZ=Asia/Tokyo 0 9 * * *", "America/New_York", "2026-01-01T00:00:00Z"),
            "2026-01-02T00:00:00Z"
        );
        // 02:30 does not exist on 2026-03-08 in New York: it runs at 03:30
        // local (07:30 UTC).
        assert_eq!(
            next("30 2 * * *", "America/New_York", "2026-03-08T05:00:00Z"),
            "2026-03-08T07:30:00Z"
        );
    }

    #[test]
    fn the_latest_missed_fire() {
        let s = engine::cron::parse("0 * * * *").expect("schedule");
        let tz = TimeZone::UTC;
        let got =
            latest_between(&[(s, tz)], at("2026-01-01T10:30:00Z"), at("2026-01-01T13:10:00Z"));
        assert_eq!(got, Some(at("2026-01-01T13:00:00Z")));
    }
}
