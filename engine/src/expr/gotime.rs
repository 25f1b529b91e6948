//! Go's `time.Time.Format` for UTC times with second precision, as Sprig's
//! `date` uses it: layouts are written with Go's reference time
//! `Mon Jan 2 15:04:05 MST 2006` (`2006-01-02`, `15:04`, `Jan _2`, …).
//! Anything that is not a layout element is copied as it is.

use crate::status::calendar::civil_from_days;

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] =
    ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

/// Format the UTC time `unix` (seconds since 1970) with Go layout `layout`.
pub(crate) fn format(layout: &str, unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    let (hour, minute, second) = (secs / 3600, secs % 3600 / 60, secs % 60);
    let weekday = (days + 4).rem_euclid(7) as usize;
    let yday = days - crate::status::calendar::days_from_civil(year, 1, 1) + 1;
    let month_name = MONTHS[(month - 1).clamp(0, 11) as usize];
    let hour12 = if hour % 12 == 0 { 12 } else { hour % 12 };

    let mut out = String::with_capacity(layout.len() + 8);
    let mut rest = layout;
    while let Some(c) = rest.chars().next() {
        let (text, len) = match element(rest) {
            Some(Element::LongMonth) => (month_name.to_string(), 7),
            Some(Element::Month) => (month_name[..3].to_string(), 3),
            Some(Element::LongWeekDay) => (DAYS[weekday].to_string(), 6),
            Some(Element::WeekDay) => (DAYS[weekday][..3].to_string(), 3),
            Some(Element::Zone) => ("UTC".to_string(), 3),
            Some(Element::ZeroMonth) => (format!("{month:02}"), 2),
            Some(Element::ZeroDay) => (format!("{day:02}"), 2),
            Some(Element::ZeroHour12) => (format!("{hour12:02}"), 2),
            Some(Element::ZeroMinute) => (format!("{minute:02}"), 2),
            Some(Element::ZeroSecond) => (format!("{second:02}"), 2),
            Some(Element::Year) => (format!("{:02}", year.rem_euclid(100)), 2),
            Some(Element::ZeroYearDay) => (format!("{yday:03}"), 3),
            Some(Element::Hour) => (format!("{hour:02}"), 2),
            Some(Element::NumMonth) => (month.to_string(), 1),
            Some(Element::LongYear) => (format!("{year:04}"), 4),
            Some(Element::Day) => (day.to_string(), 1),
            Some(Element::UnderDay) => (format!("{day:>2}"), 2),
            Some(Element::UnderYearDay) => (format!("{yday:>3}"), 3),
            Some(Element::Hour12) => (hour12.to_string(), 1),
            Some(Element::Minute) => (minute.to_string(), 1),
            Some(Element::Second) => (second.to_string(), 1),
            Some(Element::Pm) => ((if hour >= 12 { "PM" } else { "AM" }).to_string(), 2),
            Some(Element::LowerPm) => ((if hour >= 12 { "pm" } else { "am" }).to_string(), 2),
            Some(Element::NumericZone(len)) => (numeric_zone(&rest[..len]), len),
            Some(Element::IsoZone(len)) => ("Z".to_string(), len),
            Some(Element::Fraction { len, zeros }) => {
                // Second precision: `.000` prints zeros, `.999` nothing.
                let text = if zeros {
                    format!("{}{}", &rest[..1], "0".repeat(len - 1))
                } else {
                    String::new()
                };
                (text, len)
            }
            None => (c.to_string(), c.len_utf8()),
        };
        out.push_str(&text);
        rest = &rest[len..];
    }
    out
}

/// `+0000`, `+00:00`, `+00`, `+000000`, `+00:00:00`: UTC's offset written
/// in the element's shape.
fn numeric_zone(element: &str) -> String {
    element
        .chars()
        .map(|c| {
            if c == '-' {
                '+'
            } else if c.is_ascii_digit() {
                '0'
            } else {
                c
            }
        })
        .collect()
}

enum Element {
    LongMonth,
    Month,
    LongWeekDay,
    WeekDay,
    Zone,
    ZeroMonth,
    ZeroDay,
    ZeroHour12,
    ZeroMinute,
    ZeroSecond,
    Year,
    ZeroYearDay,
    Hour,
    NumMonth,
    LongYear,
    Day,
    UnderDay,
    UnderYearDay,
    Hour12,
    Minute,
    Second,
    Pm,
    LowerPm,
    NumericZone(usize),
    IsoZone(usize),
    Fraction { len: usize, zeros: bool },
}

/// The layout element `s` starts with, in the order Go's `nextStdChunk`
/// tries them.
fn element(s: &str) -> Option<Element> {
    let b = s.as_bytes();
    let starts = |p: &str| s.starts_with(p);
    Some(match b.first()? {
        b'J' if starts("January") => Element::LongMonth,
        b'J' if starts("Jan") => Element::Month,
        b'M' if starts("Monday") => Element::LongWeekDay,
        b'M' if starts("Mon") => Element::WeekDay,
        b'M' if starts("MST") => Element::Zone,
        b'0' if starts("002") => Element::ZeroYearDay,
        b'0' if starts("01") => Element::ZeroMonth,
        b'0' if starts("02") => Element::ZeroDay,
        b'0' if starts("03") => Element::ZeroHour12,
        b'0' if starts("04") => Element::ZeroMinute,
        b'0' if starts("05") => Element::ZeroSecond,
        b'0' if starts("06") => Element::Year,
        b'1' if starts("15") => Element::Hour,
        b'1' => Element::NumMonth,
        b'2' if starts("2006") => Element::LongYear,
        b'2' => Element::Day,
        b'_' if starts("_2") && !starts("_2006") => Element::UnderDay,
        b'_' if starts("__2") => Element::UnderYearDay,
        b'3' => Element::Hour12,
        b'4' => Element::Minute,
        b'5' => Element::Second,
        b'P' if starts("PM") => Element::Pm,
        b'p' if starts("pm") => Element::LowerPm,
        b'-' => {
            let len = ["-07:00:00", "-070000", "-07:00", "-0700", "-07"]
                .iter()
                .find(|p| starts(p))?
                .len();
            Element::NumericZone(len)
        }
        b'Z' => {
            let len = ["Z07:00:00", "Z070000", "Z07:00", "Z0700", "Z07"]
                .iter()
                .find(|p| starts(p))?
                .len();
            Element::IsoZone(len)
        }
        b'.' | b',' if matches!(b.get(1), Some(b'0' | b'9')) => {
            let digit = b[1];
            let n = b[1..].iter().take_while(|c| **c == digit).count();
            // Go: only when no digit follows the run.
            if b.get(1 + n).is_some_and(u8::is_ascii_digit) {
                return None;
            }
            Element::Fraction { len: 1 + n, zeros: digit == b'0' }
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::format;

    // 2009-11-10T23:00:00Z, a Tuesday (Go's playground time).
    const T: i64 = 1_257_894_000;

    #[test]
    fn go_layouts() {
        assert_eq!(format("2006", T), "2009");
        assert_eq!(format("2006-01-02", T), "2009-11-10");
        assert_eq!(format("2006-01-02T15:04:05Z07:00", T), "2009-11-10T23:00:00Z");
        assert_eq!(format("Mon Jan _2 15:04:05 MST 2006", T), "Tue Nov 10 23:00:00 UTC 2009");
        assert_eq!(
            format("Monday, January 2, 2006 3:04PM", T),
            "Tuesday, November 10, 2009 11:00PM"
        );
        assert_eq!(format("06/1/2 03:4:5 pm -0700", T), "09/11/10 11:0:0 pm +0000");
        assert_eq!(format("15:04:05.000 .999 002", T), "23:00:00.000  314");
        assert_eq!(format("20060102-150405", 0), "19700101-000000");
        assert_eq!(format("literal text!", T), "literal text!");
    }
}
