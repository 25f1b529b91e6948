//! govaluate's date literals: a quoted string that Go's `time.Parse` accepts
//! in one of fourteen layouts becomes a number, its Unix time in seconds
//! (`tryParseTime` in parsing.go, `planValue` in stagePlanner.go). So
//! `'2024-01-02' < '2024-02-01'` compares numbers, and `'3:04PM'` is a time.
//!
//! This is a port of the parts of Go's `time.Parse` those layouts use. Go
//! parses them in the controller's local zone (`time.ParseInLocation(…,
//! time.Local)`); Argo's controller image runs in UTC, which is assumed here.

use std::fmt;

use crate::status::calendar::{civil_from_days, days_from_civil};

/// A parsed date literal, kept whole so it can be printed like Go's
/// `time.Time.String()` in syntax errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct GoTime {
    /// Seconds since the Unix epoch: what the literal evaluates to.
    pub unix: i64,
    pub nanos: u32,
    /// Offset east of UTC, in seconds.
    pub offset: i32,
    /// Zone name as Go would print it; empty for a bare numeric offset.
    pub zone: String,
}

/// One element of a Go layout.
#[derive(Clone, Copy)]
enum E {
    Lit(&'static str),
    WeekDay,    // Mon
    Month,      // Jan
    ZeroMonth,  // 01
    UnderDay,   // _2
    ZeroDay,    // 02
    Hour,       // 15
    Hour12,     // 3
    ZeroMinute, // 04
    ZeroSecond, // 05
    LongYear,   // 2006
    Pm,         // PM
    Tz,         // MST
    NumTz,      // -0700
    NumColonTz, // -07:00
    IsoTz,      // Z0700
    IsoColonTz, // Z07:00
    Frac9,      // .999999999
}

use E::*;

const DATE: [E; 5] = [LongYear, Lit("-"), ZeroMonth, Lit("-"), ZeroDay];

/// The layouts of `tryParseTime`, in its order.
const LAYOUTS: [&[E]; 14] = [
    // ANSIC "Mon Jan _2 15:04:05 2006"
    &[
        WeekDay,
        Lit(" "),
        Month,
        Lit(" "),
        UnderDay,
        Lit(" "),
        Hour,
        Lit(":"),
        ZeroMinute,
        Lit(":"),
        ZeroSecond,
        Lit(" "),
        LongYear,
    ],
    // UnixDate "Mon Jan _2 15:04:05 MST 2006"
    &[
        WeekDay,
        Lit(" "),
        Month,
        Lit(" "),
        UnderDay,
        Lit(" "),
        Hour,
        Lit(":"),
        ZeroMinute,
        Lit(":"),
        ZeroSecond,
        Lit(" "),
        Tz,
        Lit(" "),
        LongYear,
    ],
    // RubyDate "Mon Jan 02 15:04:05 -0700 2006"
    &[
        WeekDay,
        Lit(" "),
        Month,
        Lit(" "),
        ZeroDay,
        Lit(" "),
        Hour,
        Lit(":"),
        ZeroMinute,
        Lit(":"),
        ZeroSecond,
        Lit(" "),
        NumTz,
        Lit(" "),
        LongYear,
    ],
    // Kitchen "3:04PM"
    &[Hour12, Lit(":"), ZeroMinute, Pm],
    // RFC3339 "2006-01-02T15:04:05Z07:00"
    &[
        DATE[0],
        DATE[1],
        DATE[2],
        DATE[3],
        DATE[4],
        Lit("T"),
        Hour,
        Lit(":"),
        ZeroMinute,
        Lit(":"),
        ZeroSecond,
        IsoColonTz,
    ],
    // RFC3339Nano "2006-01-02T15:04:05.999999999Z07:00"
    &[
        DATE[0],
        DATE[1],
        DATE[2],
        DATE[3],
        DATE[4],
        Lit("T"),
        Hour,
        Lit(":"),
        ZeroMinute,
        Lit(":"),
        ZeroSecond,
        Frac9,
        IsoColonTz,
    ],
    // "2006-01-02"
    &DATE,
    // "2006-01-02 15:04"
    &[DATE[0], DATE[1], DATE[2], DATE[3], DATE[4], Lit(" "), Hour, Lit(":"), ZeroMinute],
    // "2006-01-02 15:04:05"
    &[
        DATE[0],
        DATE[1],
        DATE[2],
        DATE[3],
        DATE[4],
        Lit(" "),
        Hour,
        Lit(":"),
        ZeroMinute,
        Lit(":"),
        ZeroSecond,
    ],
    // "2006-01-02 15:04:05-07:00"
    &[
        DATE[0],
        DATE[1],
        DATE[2],
        DATE[3],
        DATE[4],
        Lit(" "),
        Hour,
        Lit(":"),
        ZeroMinute,
        Lit(":"),
        ZeroSecond,
        NumColonTz,
    ],
    // "2006-01-02T15Z0700"
    &[DATE[0], DATE[1], DATE[2], DATE[3], DATE[4], Lit("T"), Hour, IsoTz],
    // "2006-01-02T15:04Z0700"
    &[DATE[0], DATE[1], DATE[2], DATE[3], DATE[4], Lit("T"), Hour, Lit(":"), ZeroMinute, IsoTz],
    // "2006-01-02T15:04:05Z0700"
    &[
        DATE[0],
        DATE[1],
        DATE[2],
        DATE[3],
        DATE[4],
        Lit("T"),
        Hour,
        Lit(":"),
        ZeroMinute,
        Lit(":"),
        ZeroSecond,
        IsoTz,
    ],
    // "2006-01-02T15:04:05.999999999Z0700"
    &[
        DATE[0],
        DATE[1],
        DATE[2],
        DATE[3],
        DATE[4],
        Lit("T"),
        Hour,
        Lit(":"),
        ZeroMinute,
        Lit(":"),
        ZeroSecond,
        Frac9,
        IsoTz,
    ],
];

const SHORT_DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const SHORT_MONTHS: [&str; 12] =
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// `tryParseTime`: the first layout that parses `s` wins.
pub(super) fn try_parse(s: &str) -> Option<GoTime> {
    // Every layout needs a digit; skip the work for ordinary strings.
    if !s.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    LAYOUTS.iter().find_map(|layout| parse(layout, s.as_bytes()))
}

fn is_digit(v: &[u8], i: usize) -> bool {
    v.get(i).is_some_and(u8::is_ascii_digit)
}

/// Go's `getnum`: one or two digits (exactly two when `fixed`).
fn getnum(v: &[u8], fixed: bool) -> Option<(i64, &[u8])> {
    if !is_digit(v, 0) {
        return None;
    }
    if !is_digit(v, 1) {
        if fixed {
            return None;
        }
        return Some((i64::from(v[0] - b'0'), &v[1..]));
    }
    Some((i64::from(v[0] - b'0') * 10 + i64::from(v[1] - b'0'), &v[2..]))
}

/// Go's `lookup`: a case-insensitive (ASCII) prefix match against `tab`.
fn lookup<'a>(tab: &[&str], v: &'a [u8]) -> Option<(usize, &'a [u8])> {
    tab.iter().enumerate().find_map(|(i, name)| {
        let n = name.len();
        (v.len() >= n && v[..n].eq_ignore_ascii_case(name.as_bytes())).then(|| (i, &v[n..]))
    })
}

/// Go's `skip`: match a literal; a space in the layout matches any run of
/// spaces (including none at the end of the value).
fn skip<'a>(mut v: &'a [u8], lit: &str) -> Option<&'a [u8]> {
    let mut p = lit.as_bytes();
    while let Some(&c) = p.first() {
        if c == b' ' {
            if v.first().is_some_and(|&b| b != b' ') {
                return None;
            }
            while p.first() == Some(&b' ') {
                p = &p[1..];
            }
            while v.first() == Some(&b' ') {
                v = &v[1..];
            }
            continue;
        }
        if v.first() != Some(&c) {
            return None;
        }
        p = &p[1..];
        v = &v[1..];
    }
    Some(v)
}

/// Go's `parseTimeZone` for `MST`: how many bytes name a zone.
fn zone_len(v: &[u8]) -> Option<usize> {
    if v.len() < 3 {
        return None;
    }
    if v.len() >= 4 && (&v[..4] == b"ChST" || &v[..4] == b"MeST") {
        return Some(4);
    }
    if &v[..3] == b"GMT" {
        return Some(3 + signed_offset_len(&v[3..]));
    }
    if v[0] == b'+' || v[0] == b'-' {
        let n = signed_offset_len(v);
        return (n > 0).then_some(n);
    }
    let upper = v.iter().take(6).take_while(|b| b.is_ascii_uppercase()).count();
    match upper {
        3 => Some(3),
        4 if v[3] == b'T' || &v[..4] == b"WITA" => Some(4),
        5 if v[4] == b'T' => Some(5),
        _ => None,
    }
}

/// Go's `parseSignedOffset`: `+h`/`-hh` up to 12, or 0.
fn signed_offset_len(v: &[u8]) -> usize {
    let Some(&sign) = v.first() else { return 0 };
    if sign != b'+' && sign != b'-' {
        return 0;
    }
    let digits = v[1..].iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 {
        return 0;
    }
    let n: u64 = std::str::from_utf8(&v[1..1 + digits])
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(u64::MAX);
    if n > 12 { 0 } else { 1 + digits }
}

/// A numeric zone offset: `±hh:mm` (`colon`) or `±hhmm`, in seconds east.
fn num_offset(v: &[u8], colon: bool) -> Option<(i32, &[u8])> {
    let (hh, mm, rest) = if colon {
        if v.len() < 6 || v[3] != b':' {
            return None;
        }
        (&v[1..3], &v[4..6], &v[6..])
    } else {
        if v.len() < 5 {
            return None;
        }
        (&v[1..3], &v[3..5], &v[5..])
    };
    let (h, _) = getnum(hh, true)?;
    let (m, _) = getnum(mm, true)?;
    if h > 24 || m > 60 {
        return None;
    }
    let secs = i32::try_from((h * 60 + m) * 60).ok()?;
    match v[0] {
        b'+' => Some((secs, rest)),
        b'-' => Some((-secs, rest)),
        _ => None,
    }
}

fn days_in(month: i64, year: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Go's `time.parse` for one layout; `None` is any error.
fn parse(layout: &[E], value: &[u8]) -> Option<GoTime> {
    let mut v = value;
    let (mut year, mut month, mut day) = (0i64, -1i64, -1i64);
    let (mut hour, mut min, mut sec, mut nanos) = (0i64, 0i64, 0i64, 0u32);
    let (mut pm, mut am) = (false, false);
    let mut offset: Option<i32> = None;
    let mut zone = String::from("UTC");
    for (i, el) in layout.iter().enumerate() {
        match *el {
            Lit(l) => v = skip(v, l)?,
            WeekDay => v = lookup(&SHORT_DAYS, v)?.1,
            Month => {
                let (m, rest) = lookup(&SHORT_MONTHS, v)?;
                month = m as i64 + 1;
                v = rest;
            }
            ZeroMonth => {
                (month, v) = getnum(v, true)?;
                if !(1..=12).contains(&month) {
                    return None;
                }
            }
            UnderDay | ZeroDay => {
                if matches!(el, UnderDay) && v.first() == Some(&b' ') {
                    v = &v[1..];
                }
                (day, v) = getnum(v, matches!(el, ZeroDay))?;
            }
            Hour => {
                (hour, v) = getnum(v, false)?;
                if hour >= 24 {
                    return None;
                }
            }
            Hour12 => {
                (hour, v) = getnum(v, false)?;
                if hour > 12 {
                    return None;
                }
            }
            ZeroMinute => {
                (min, v) = getnum(v, true)?;
                if min >= 60 {
                    return None;
                }
            }
            ZeroSecond => {
                (sec, v) = getnum(v, true)?;
                if sec >= 60 {
                    return None;
                }
                // A fraction the layout does not spell out is still read.
                let next_is_frac = matches!(layout.get(i + 1), Some(Frac9));
                if !next_is_frac && v.len() >= 2 && (v[0] == b'.' || v[0] == b',') && is_digit(v, 1)
                {
                    let n = 1 + v[1..].iter().take_while(|b| b.is_ascii_digit()).count();
                    nanos = fraction(&v[1..n]);
                    v = &v[n..];
                }
            }
            Frac9 => {
                if v.len() >= 2 && (v[0] == b'.' || v[0] == b',') && is_digit(v, 1) {
                    let n = 1 + v[1..].iter().take_while(|b| b.is_ascii_digit()).count();
                    nanos = fraction(&v[1..n]);
                    v = &v[n..];
                }
            }
            LongYear => {
                if v.len() < 4 || !v[..4].iter().all(u8::is_ascii_digit) {
                    return None;
                }
                year = std::str::from_utf8(&v[..4]).ok()?.parse().ok()?;
                v = &v[4..];
            }
            Pm => {
                if v.len() < 2 {
                    return None;
                }
                match &v[..2] {
                    b"PM" => pm = true,
                    b"AM" => am = true,
                    _ => return None,
                }
                v = &v[2..];
            }
            IsoTz | IsoColonTz if v.first() == Some(&b'Z') => {
                v = &v[1..];
                offset = Some(0);
            }
            IsoTz | NumTz => {
                let (o, rest) = num_offset(v, false)?;
                offset = Some(o);
                v = rest;
            }
            IsoColonTz | NumColonTz => {
                let (o, rest) = num_offset(v, true)?;
                offset = Some(o);
                v = rest;
            }
            Tz => {
                if v.starts_with(b"UTC") {
                    v = &v[3..];
                    offset = Some(0);
                } else {
                    let n = zone_len(v)?;
                    let name = std::str::from_utf8(&v[..n]).ok()?;
                    // Unknown to a UTC controller: a made-up zone at offset
                    // 0, except `GMT±h`.
                    let o = name
                        .strip_prefix("GMT")
                        .filter(|r| !r.is_empty())
                        .and_then(|r| r.parse::<i32>().ok())
                        .map_or(0, |h| h * 3600);
                    zone = name.to_string();
                    offset = Some(o);
                    v = &v[n..];
                }
            }
        }
    }
    if !v.is_empty() {
        return None;
    }
    if month < 0 {
        month = 1;
    }
    if day < 0 {
        day = 1;
    }
    if day < 1 || day > days_in(month, year) {
        return None;
    }
    if pm && hour < 12 {
        hour += 12;
    } else if am && hour == 12 {
        hour = 0;
    }
    let offset = offset.unwrap_or(0);
    if zone == "UTC" && offset != 0 {
        // A numeric offset the (UTC) local zone does not have.
        zone.clear();
    }
    let local = days_from_civil(year, month, day) * 86_400 + hour * 3600 + min * 60 + sec;
    Some(GoTime { unix: local - i64::from(offset), nanos, offset, zone })
}

/// Nanoseconds from the digits after the decimal point (at most nine count).
fn fraction(digits: &[u8]) -> u32 {
    let mut ns: u32 = 0;
    for i in 0..9 {
        ns = ns * 10 + digits.get(i).map_or(0, |d| u32::from(d - b'0'));
    }
    ns
}

/// Go's `time.Time.String()`: `2006-01-02 15:04:05.999999999 -0700 MST`.
impl fmt::Display for GoTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let local = self.unix + i64::from(self.offset);
        let days = local.div_euclid(86_400);
        let secs = local.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        if y < 0 {
            write!(f, "-{:04}", -y)?;
        } else {
            write!(f, "{y:04}")?;
        }
        write!(f, "-{m:02}-{d:02} {:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)?;
        if self.nanos > 0 {
            let frac = format!("{:09}", self.nanos);
            write!(f, ".{}", frac.trim_end_matches('0'))?;
        }
        let sign = if self.offset < 0 { '-' } else { '+' };
        let mins = self.offset.unsigned_abs() / 60;
        let tz = format!("{sign}{:02}{:02}", mins / 60, mins % 60);
        let name = if self.zone.is_empty() { &tz } else { &self.zone };
        write!(f, " {tz} {name}")
    }
}
