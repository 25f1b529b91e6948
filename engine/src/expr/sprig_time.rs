//! Sprig's date formatting (`date.go`): `date`, `dateInZone`,
//! `htmlDate`, `htmlDateInZone`. As in Sprig, an integer is a Unix time
//! and anything else (a string such as `workflow.creationTimestamp`
//! included) means *now* — the caller's clock, handed in through
//! [`Vars::set_clock`](super::Vars::set_clock) so the engine stays pure.
//! Without a clock, "now" is an error that says so. Times are UTC: Argo's
//! pods run in UTC, and Keelson carries no timezone database.

use std::cell::Cell;

use super::args::{Res, arity, fail, string};
use super::sprig::SprigFn;
use crate::golang::time::Time;
use expr::Value;

thread_local! {
    static NOW: Cell<Option<i64>> = const { Cell::new(None) };
}

/// The clock for the evaluation in progress; restored when dropped.
pub(crate) struct Clock(Option<i64>);

impl Clock {
    pub(crate) fn set(now: Option<i64>) -> Clock {
        Clock(NOW.with(|c| c.replace(now)))
    }
}

impl Drop for Clock {
    fn drop(&mut self) {
        NOW.with(|c| c.set(self.0));
    }
}

pub(crate) const FUNCS: &[(&str, SprigFn)] = &[
    ("date", |n, a| {
        arity(n, a, 2, 2)?;
        in_zone(n, string(n, a, 0)?, &a[1], "UTC")
    }),
    ("dateInZone", date_in_zone),
    ("date_in_zone", date_in_zone),
    ("htmlDate", |n, a| {
        arity(n, a, 1, 1)?;
        in_zone(n, "2006-01-02", &a[0], "UTC")
    }),
    ("htmlDateInZone", |n, a| {
        arity(n, a, 2, 2)?;
        in_zone(n, "2006-01-02", &a[0], string(n, a, 1)?)
    }),
];

fn date_in_zone(n: &str, a: &[Value]) -> Res {
    arity(n, a, 3, 3)?;
    in_zone(n, string(n, a, 0)?, &a[1], string(n, a, 2)?)
}

fn in_zone(name: &str, layout: &str, date: &Value, zone: &str) -> Res {
    if !matches!(zone, "UTC" | "Local" | "" | "Etc/UTC" | "Z") {
        return Err(fail(format!(
            "{name}: time zone {zone:?} is not available (Keelson formats times in UTC only)"
        )));
    }
    let unix = match date {
        Value::Integer(i) => *i,
        _ => NOW.with(Cell::get).ok_or_else(|| {
            fail(format!("{name}: this expression is evaluated where no clock is given"))
        })?,
    };
    Ok(Value::String(Time::utc(unix).format(layout)))
}

#[cfg(test)]
mod tests {
    use crate::expr::{Vars, eval_string};

    #[test]
    fn dates_format_unix_times_and_now() {
        let mut vars = Vars::new();
        vars.insert("workflow.creationTimestamp", "2026-11-29T22:00:00Z".into());
        assert_eq!(eval_string("sprig.date('2006-01-02', 0)", &vars).unwrap(), "1970-01-01");
        let err = eval_string("sprig.date('2006', workflow.creationTimestamp)", &vars).unwrap_err();
        assert!(err.message.contains("no clock"), "{}", err.message);
        vars.set_clock(1_257_894_000);
        assert_eq!(
            eval_string("sprig.date('2006', workflow.creationTimestamp)", &vars).unwrap(),
            "2009"
        );
        assert_eq!(eval_string("sprig.htmlDate('now')", &vars).unwrap(), "2009-11-10");
        assert_eq!(
            eval_string("sprig.dateInZone('15:04 MST', 0, 'UTC')", &vars).unwrap(),
            "00:00 UTC"
        );
        let err = eval_string("sprig.dateInZone('15:04', 0, 'Europe/Paris')", &vars).unwrap_err();
        assert!(err.message.contains("UTC only"), "{}", err.message);
    }
}
