//! A schedule in words, for people reading a list of CronWorkflows:
//! `*/5 * * * *` → "every 5 minutes", `0 2 * * 1-5` → "at 02:00 on
//! Mon–Fri". Anything the phrases below do not cover is said field by
//! field, never wrongly.

use super::Schedule;

const MONTH_NAMES: [&str; 12] =
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const DAY_NAMES: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/// The values set in `bits` between `min` and `max`.
fn values(bits: u64, min: u32, max: u32) -> Vec<u32> {
    (min..=max).filter(|v| bits >> v & 1 == 1).collect()
}

/// `Some(step)` if `vs` is `0, step, 2·step, …` up to `max`.
fn stepped(vs: &[u32], max: u32) -> Option<u32> {
    let step = *vs.get(1)?;
    (vs[0] == 0 && step > 1 && vs.len() as u32 == max / step + 1)
        .then_some(step)
        .filter(|&s| vs.iter().enumerate().all(|(i, &v)| v == i as u32 * s))
}

/// "Mon–Fri" for a run of three or more, else "Mon, Wed".
fn names(vs: &[u32], all: &[&str], offset: u32) -> String {
    let contiguous = vs.len() >= 3 && vs.windows(2).all(|w| w[1] == w[0] + 1);
    let name = |v: u32| all[(v - offset) as usize];
    match (contiguous, vs.first(), vs.last()) {
        (true, Some(&a), Some(&b)) => format!("{}–{}", name(a), name(b)),
        _ => vs.iter().map(|&v| name(v)).collect::<Vec<_>>().join(", "),
    }
}

fn list(vs: &[u32]) -> String {
    vs.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")
}

/// The schedule in words.
pub fn describe(schedule: &Schedule) -> String {
    let Schedule::Fields { minutes, hours, days_of_month, months, days_of_week, timezone } =
        schedule
    else {
        let Schedule::Every(d) = schedule else { return String::new() };
        let s = d.as_secs();
        return match (s / 3600, s % 3600 / 60, s % 60) {
            (0, 0, sec) => format!("every {sec} s"),
            (0, m, 0) => format!("every {m} min"),
            (h, 0, 0) => format!("every {h} h"),
            (h, m, 0) => format!("every {h} h {m} min"),
            (h, m, sec) => format!("every {h} h {m} min {sec} s"),
        };
    };
    let mins = values(*minutes, 0, 59);
    let hrs = values(u64::from(*hours), 0, 23);
    let doms = values(u64::from(*days_of_month), 1, 31);
    let mons = values(u64::from(*months), 1, 12);
    let dows = values(u64::from(*days_of_week), 0, 6);
    let (all_min, all_hr) = (mins.len() == 60, hrs.len() == 24);
    // "at 02:00" reads as a time of day: "every day" follows it.
    let mut daily = false;
    let mut out = match (mins.as_slice(), all_hr) {
        _ if all_min && all_hr => "every minute".to_string(),
        _ if all_hr && stepped(&mins, 59).is_some() => {
            format!("every {} minutes", stepped(&mins, 59).unwrap_or(1))
        }
        ([0], true) => "every hour".to_string(),
        ([m], true) => format!("at minute {m} of every hour"),
        ([m], false) if hrs.len() <= 4 => {
            daily = true;
            let at: Vec<String> = hrs.iter().map(|h| format!("{h:02}:{m:02}")).collect();
            format!("at {}", at.join(", "))
        }
        ([m], false) if stepped(&hrs, 23).is_some() => {
            format!("at minute {m} of every {} hours", stepped(&hrs, 23).unwrap_or(1))
        }
        _ => {
            let m = if all_min {
                "every minute".to_string()
            } else {
                format!("at minutes {}", list(&mins))
            };
            daily = !all_hr;
            let h = if all_hr { String::new() } else { format!(" of hours {}", list(&hrs)) };
            format!("{m}{h}")
        }
    };
    let (all_dom, all_dow) = (doms.len() == 31, dows.len() == 7);
    match (all_dom, all_dow) {
        (true, true) if daily => out.push_str(" every day"),
        (true, true) => {}
        (true, false) => out.push_str(&format!(" on {}", names(&dows, &DAY_NAMES, 0))),
        (false, true) => out.push_str(&format!(" on day {} of the month", list(&doms))),
        // robfig/cron: either may match when both are restricted.
        (false, false) => out.push_str(&format!(
            " on day {} of the month or on {}",
            list(&doms),
            names(&dows, &DAY_NAMES, 0)
        )),
    }
    if mons.len() < 12 {
        out.push_str(&format!(" in {}", names(&mons, &MONTH_NAMES, 1)));
    }
    if let Some(tz) = timezone {
        out.push_str(&format!(" ({tz})"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cron::parse;

    fn says(spec: &str) -> String {
        match parse(spec) {
            Ok(s) => describe(&s),
            Err(e) => panic!("{spec}: {e}"),
        }
    }

    #[test]
    fn common_schedules_read_as_people_say_them() {
        assert_eq!(says("* * * * *"), "every minute");
        assert_eq!(says("*/5 * * * *"), "every 5 minutes");
        assert_eq!(says("@hourly"), "every hour");
        assert_eq!(says("15 * * * *"), "at minute 15 of every hour");
        assert_eq!(says("0 2 * * *"), "at 02:00 every day");
        assert_eq!(says("@daily"), "at 00:00 every day");
        assert_eq!(says("30 9,17 * * 1-5"), "at 09:30, 17:30 on Mon–Fri");
        assert_eq!(says("0 */6 * * *"), "at 00:00, 06:00, 12:00, 18:00 every day");
        assert_eq!(says("0 */2 * * *"), "at minute 0 of every 2 hours");
        assert_eq!(says("0 0 1 * *"), "at 00:00 on day 1 of the month");
        assert_eq!(says("0 0 1 1,7 *"), "at 00:00 on day 1 of the month in Jan, Jul");
        assert_eq!(says("0 0 1 * 0"), "at 00:00 on day 1 of the month or on Sun");
        assert_eq!(says("CRON_TZ=Europe/Paris 0 8 * * *"), "at 08:00 every day (Europe/Paris)");
        assert_eq!(says("@every 1h30m"), "every 1 h 30 min");
        assert_eq!(says("5,10 1-3 * * *"), "at minutes 5, 10 of hours 1, 2, 3 every day");
    }
}
