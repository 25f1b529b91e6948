//! Go's time layouts (time/format.go): a layout is written with the
//! reference time `Mon Jan 2 15:04:05 MST 2006` (`2006-01-02`, `15:04`,
//! `Jan _2`, …) and cut into elements by `nextStdChunk`; [`Time::format`]
//! is `Time.Format`, [`parse`] is `time.Parse`, and `Display` is
//! `Time.String()`. Anything in a layout that is not an element is literal
//! text.
//!
//! There is no timezone database: the local zone is UTC (as in Argo's
//! controller image), so a zone abbreviation other than `UTC` is a made-up
//! zone at offset 0 (`GMT±h` at ±h hours), exactly as Go treats names its
//! local zone does not know.

use std::fmt;

use crate::status::calendar::{civil_from_days, days_from_civil};

/// An instant and the zone it is shown in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Time {
    /// Seconds since the Unix epoch.
    pub unix: i64,
    pub nanos: u32,
    /// Offset east of UTC, in seconds.
    pub offset: i32,
    /// The zone's name as Go prints it for `MST`; empty for a zone known
    /// only by its offset (printed as `-0700`).
    pub zone: String,
}

impl Time {
    /// `time.Unix(unix, 0).UTC()`.
    pub fn utc(unix: i64) -> Time {
        Time { unix, nanos: 0, offset: 0, zone: "UTC".to_string() }
    }
}

/// The elements of a layout (Go's `std*` constants).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Std {
    LongMonth,    // January
    Month,        // Jan
    NumMonth,     // 1
    ZeroMonth,    // 01
    LongWeekDay,  // Monday
    WeekDay,      // Mon
    Day,          // 2
    UnderDay,     // _2
    ZeroDay,      // 02
    UnderYearDay, // __2
    ZeroYearDay,  // 002
    Hour,         // 15
    Hour12,       // 3
    ZeroHour12,   // 03
    Minute,       // 4
    ZeroMinute,   // 04
    Second,       // 5
    ZeroSecond,   // 05
    LongYear,     // 2006
    Year,         // 06
    Pm,           // PM
    LowerPm,      // pm
    Tz,           // MST
    /// A numeric zone: `Z07:00` etc. with `iso` (`Z` for UTC), else `-07:00`.
    NumTz {
        iso: bool,
        shape: ZoneShape,
    },
    /// `.000` (`trim: false`) or `.999` (`trim: true`), with `,` or `.`.
    Frac {
        digits: usize,
        sep: u8,
        trim: bool,
    },
}

/// How a numeric zone is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ZoneShape {
    Short,        // -07
    Plain,        // -0700
    Colon,        // -07:00
    Seconds,      // -070000
    ColonSeconds, // -07:00:00
}

/// Go's `nextStdChunk`: the literal text before the first element, the
/// element, and the rest of the layout.
fn next_std_chunk(layout: &str) -> (&str, Option<Std>, &str) {
    use Std::*;
    let b = layout.as_bytes();
    let at = |i: usize, p: &str| b[i..].starts_with(p.as_bytes());
    let lower_at = |i: usize| b.get(i).is_some_and(u8::is_ascii_lowercase);
    let chunk = |i: usize, std: Std, len: usize| (&layout[..i], Some(std), &layout[i + len..]);
    for i in 0..b.len() {
        match b[i] {
            b'J' if at(i, "January") => return chunk(i, LongMonth, 7),
            b'J' if at(i, "Jan") && !lower_at(i + 3) => return chunk(i, Month, 3),
            b'M' if at(i, "Monday") => return chunk(i, LongWeekDay, 6),
            b'M' if at(i, "Mon") && !lower_at(i + 3) => return chunk(i, WeekDay, 3),
            b'M' if at(i, "MST") => return chunk(i, Tz, 3),
            b'0' if matches!(b.get(i + 1), Some(b'1'..=b'6')) => {
                let std = [ZeroMonth, ZeroDay, ZeroHour12, ZeroMinute, ZeroSecond, Year]
                    [usize::from(b[i + 1] - b'1')];
                return chunk(i, std, 2);
            }
            b'0' if at(i, "002") => return chunk(i, ZeroYearDay, 3),
            b'1' if at(i, "15") => return chunk(i, Hour, 2),
            b'1' => return chunk(i, NumMonth, 1),
            b'2' if at(i, "2006") => return chunk(i, LongYear, 4),
            b'2' => return chunk(i, Day, 1),
            // `_2006` is a literal `_` and the year.
            b'_' if at(i, "_2006") => return (&layout[..=i], Some(LongYear), &layout[i + 5..]),
            b'_' if at(i, "_2") => return chunk(i, UnderDay, 2),
            b'_' if at(i, "__2") => return chunk(i, UnderYearDay, 3),
            b'3' => return chunk(i, Hour12, 1),
            b'4' => return chunk(i, Minute, 1),
            b'5' => return chunk(i, Second, 1),
            b'P' if at(i, "PM") => return chunk(i, Pm, 2),
            b'p' if at(i, "pm") => return chunk(i, LowerPm, 2),
            sign @ (b'-' | b'Z') => {
                use ZoneShape::*;
                let iso = sign == b'Z';
                for (text, shape) in [
                    ("070000", Seconds),
                    ("07:00:00", ColonSeconds),
                    ("0700", Plain),
                    ("07:00", Colon),
                    ("07", Short),
                ] {
                    if at(i + 1, text) {
                        return chunk(i, NumTz { iso, shape }, 1 + text.len());
                    }
                }
            }
            sep @ (b'.' | b',') if matches!(b.get(i + 1), Some(b'0' | b'9')) => {
                let digit = b[i + 1];
                let n = b[i + 1..].iter().take_while(|c| **c == digit).count();
                // Only when no other digit follows the run.
                if !b.get(i + 1 + n).is_some_and(u8::is_ascii_digit) {
                    // Go keeps the count in 12 bits.
                    let std = Frac { digits: n & 0xfff, sep, trim: digit == b'9' };
                    return chunk(i, std, 1 + n);
                }
            }
            _ => {}
        }
    }
    (layout, None, "")
}

const LONG_MONTHS: [&str; 12] = [
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
const SHORT_MONTHS: [&str; 12] =
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const LONG_DAYS: [&str; 7] =
    ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const SHORT_DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/// Go's `appendInt`: the sign, then the digits zero-padded to `width`.
fn append_int(out: &mut String, x: i64, width: usize) {
    if x < 0 {
        out.push('-');
    }
    out.push_str(&format!("{:0width$}", x.unsigned_abs()));
}

impl Time {
    /// Go's `Time.Format(layout)`.
    pub fn format(&self, layout: &str) -> String {
        let local = self.unix.saturating_add(i64::from(self.offset));
        let days = local.div_euclid(86_400);
        let secs = local.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        let yday = days - days_from_civil(year, 1, 1) + 1;
        let weekday = usize::try_from((days + 4).rem_euclid(7)).unwrap_or(0);
        let month_index = usize::try_from(month - 1).unwrap_or(0).min(11);
        let (hour, min, sec) = (secs / 3600, secs % 3600 / 60, secs % 60);
        let hour12 = if hour % 12 == 0 { 12 } else { hour % 12 };

        let mut out = String::with_capacity(layout.len() + 10);
        let mut layout = layout;
        while !layout.is_empty() {
            let (prefix, std, suffix) = next_std_chunk(layout);
            out.push_str(prefix);
            let Some(std) = std else { break };
            layout = suffix;
            match std {
                Std::Year => append_int(&mut out, year.abs() % 100, 2),
                Std::LongYear => append_int(&mut out, year, 4),
                Std::Month => out.push_str(SHORT_MONTHS[month_index]),
                Std::LongMonth => out.push_str(LONG_MONTHS[month_index]),
                Std::NumMonth => append_int(&mut out, month, 0),
                Std::ZeroMonth => append_int(&mut out, month, 2),
                Std::WeekDay => out.push_str(SHORT_DAYS[weekday]),
                Std::LongWeekDay => out.push_str(LONG_DAYS[weekday]),
                Std::Day => append_int(&mut out, day, 0),
                Std::UnderDay => out.push_str(&format!("{day:>2}")),
                Std::ZeroDay => append_int(&mut out, day, 2),
                Std::UnderYearDay => out.push_str(&format!("{yday:>3}")),
                Std::ZeroYearDay => append_int(&mut out, yday, 3),
                Std::Hour => append_int(&mut out, hour, 2),
                Std::Hour12 => append_int(&mut out, hour12, 0),
                Std::ZeroHour12 => append_int(&mut out, hour12, 2),
                Std::Minute => append_int(&mut out, min, 0),
                Std::ZeroMinute => append_int(&mut out, min, 2),
                Std::Second => append_int(&mut out, sec, 0),
                Std::ZeroSecond => append_int(&mut out, sec, 2),
                Std::Pm => out.push_str(if hour >= 12 { "PM" } else { "AM" }),
                Std::LowerPm => out.push_str(if hour >= 12 { "pm" } else { "am" }),
                Std::NumTz { iso: true, .. } if self.offset == 0 => out.push('Z'),
                Std::NumTz { shape, .. } => {
                    use ZoneShape::*;
                    let zone = i64::from(self.offset) / 60;
                    out.push(if zone < 0 { '-' } else { '+' });
                    let (zone, abs) = (zone.abs(), i64::from(self.offset).abs());
                    append_int(&mut out, zone / 60, 2);
                    if matches!(shape, Colon | ColonSeconds) {
                        out.push(':');
                    }
                    if shape != Short {
                        append_int(&mut out, zone % 60, 2);
                    }
                    if matches!(shape, Seconds | ColonSeconds) {
                        if shape == ColonSeconds {
                            out.push(':');
                        }
                        append_int(&mut out, abs % 60, 2);
                    }
                }
                Std::Tz if !self.zone.is_empty() => out.push_str(&self.zone),
                Std::Tz => {
                    let zone = i64::from(self.offset) / 60;
                    out.push(if zone < 0 { '-' } else { '+' });
                    append_int(&mut out, zone.abs() / 60, 2);
                    append_int(&mut out, zone.abs() % 60, 2);
                }
                Std::Frac { digits, sep, trim } => {
                    // Go's `appendNano`.
                    if trim && (digits == 0 || self.nanos == 0) {
                        continue;
                    }
                    let mut frac = format!("{:09}", self.nanos);
                    frac.truncate(digits.min(9));
                    if trim {
                        frac.truncate(frac.trim_end_matches('0').len());
                        if frac.is_empty() {
                            continue;
                        }
                    }
                    out.push(char::from(sep));
                    out.push_str(&frac);
                }
            }
        }
        out
    }
}

/// Go's `Time.String()`: `2006-01-02 15:04:05.999999999 -0700 MST`.
impl fmt::Display for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.format("2006-01-02 15:04:05.999999999 -0700 MST"))
    }
}

/// Go's `time.Parse(layout, value)` (equally `time.ParseInLocation(…,
/// time.Local)`) with UTC as the local zone; `None` for any error.
pub fn parse(layout: &str, value: &str) -> Option<Time> {
    let mut layout = layout;
    let mut v = value.as_bytes();
    let (mut year, mut month, mut day, mut yday) = (0i64, -1i64, -1i64, -1i64);
    let (mut hour, mut min, mut sec, mut nanos) = (0i64, 0i64, 0i64, 0u32);
    let (mut pm, mut am) = (false, false);
    let mut utc = false;
    let mut zone_offset: Option<i64> = None;
    let mut zone_name: Option<&str> = None;
    loop {
        let (prefix, std, suffix) = next_std_chunk(layout);
        v = skip(v, prefix)?;
        let Some(std) = std else {
            if !v.is_empty() {
                return None;
            }
            break;
        };
        layout = suffix;
        match std {
            Std::Year => {
                let p = v.get(..2)?;
                v = &v[2..];
                year = time_atoi(p)?;
                year += if year >= 69 { 1900 } else { 2000 };
            }
            Std::LongYear => {
                if v.len() < 4 || !is_digit(v, 0) {
                    return None;
                }
                year = time_atoi(&v[..4])?;
                v = &v[4..];
            }
            Std::Month | Std::LongMonth => {
                let names: &[&str] = if std == Std::Month { &SHORT_MONTHS } else { &LONG_MONTHS };
                let (m, rest) = lookup(names, v)?;
                month = i64::try_from(m).ok()? + 1;
                v = rest;
            }
            Std::NumMonth | Std::ZeroMonth => {
                (month, v) = getnum(v, std == Std::ZeroMonth)?;
                if !(1..=12).contains(&month) {
                    return None;
                }
            }
            Std::WeekDay => v = lookup(&SHORT_DAYS, v)?.1,
            Std::LongWeekDay => v = lookup(&LONG_DAYS, v)?.1,
            Std::Day | Std::UnderDay | Std::ZeroDay => {
                if std == Std::UnderDay && v.first() == Some(&b' ') {
                    v = &v[1..];
                }
                (day, v) = getnum(v, std == Std::ZeroDay)?;
            }
            Std::UnderYearDay | Std::ZeroYearDay => {
                for _ in 0..2 {
                    if std == Std::UnderYearDay && v.first() == Some(&b' ') {
                        v = &v[1..];
                    }
                }
                (yday, v) = getnum3(v, std == Std::ZeroYearDay)?;
            }
            Std::Hour => {
                (hour, v) = getnum(v, false)?;
                if hour >= 24 {
                    return None;
                }
            }
            Std::Hour12 | Std::ZeroHour12 => {
                (hour, v) = getnum(v, std == Std::ZeroHour12)?;
                if hour > 12 {
                    return None;
                }
            }
            Std::Minute | Std::ZeroMinute => {
                (min, v) = getnum(v, std == Std::ZeroMinute)?;
                if min >= 60 {
                    return None;
                }
            }
            Std::Second | Std::ZeroSecond => {
                (sec, v) = getnum(v, std == Std::ZeroSecond)?;
                if sec >= 60 {
                    return None;
                }
                // A fraction the layout does not spell out is read anyway.
                if v.len() >= 2 && matches!(v[0], b'.' | b',') && is_digit(v, 1) {
                    let next = next_std_chunk(layout).1;
                    if !matches!(next, Some(Std::Frac { .. })) {
                        let n = 2 + v[2..].iter().take_while(|c| c.is_ascii_digit()).count();
                        nanos = parse_nanoseconds(v, n)?;
                        v = &v[n..];
                    }
                }
            }
            Std::Pm | Std::LowerPm => {
                let (p, a) = if std == Std::Pm { (b"PM", b"AM") } else { (b"pm", b"am") };
                match v.get(..2)? {
                    x if x == p => pm = true,
                    x if x == a => am = true,
                    _ => return None,
                }
                v = &v[2..];
            }
            Std::NumTz { iso: true, .. } if v.first() == Some(&b'Z') => {
                v = &v[1..];
                utc = true;
            }
            Std::NumTz { shape, .. } => {
                let (offset, rest) = numeric_zone(v, shape)?;
                zone_offset = Some(offset);
                v = rest;
            }
            Std::Tz => {
                if v.starts_with(b"UTC") {
                    utc = true;
                    v = &v[3..];
                } else {
                    let n = zone_name_len(v)?;
                    zone_name = Some(std::str::from_utf8(&v[..n]).ok()?);
                    v = &v[n..];
                }
            }
            Std::Frac { digits, trim: false, .. } => {
                let n = 1 + digits;
                if v.len() < n {
                    return None;
                }
                nanos = parse_nanoseconds(v, n)?;
                v = &v[n..];
            }
            Std::Frac { trim: true, .. } => {
                if v.len() >= 2 && matches!(v[0], b'.' | b',') && is_digit(v, 1) {
                    let n = 1 + v[1..].iter().take_while(|c| c.is_ascii_digit()).count();
                    nanos = parse_nanoseconds(v, n)?;
                    v = &v[n..];
                }
            }
        }
    }
    if pm && hour < 12 {
        hour += 12;
    } else if am && hour == 12 {
        hour = 0;
    }
    if yday >= 0 {
        // Day of the year to month and day, checked against any given.
        let (mut m, mut d) = (0, 0);
        if is_leap(year) {
            if yday == 31 + 29 {
                (m, d) = (2, 29);
            } else if yday > 31 + 29 {
                yday -= 1;
            }
        }
        if !(1..=365).contains(&yday) {
            return None;
        }
        if m == 0 {
            m = (yday - 1) / 31 + 1;
            if days_before(m + 1) < yday {
                m += 1;
            }
            d = yday - days_before(m);
        }
        if (month >= 0 && month != m) || (day >= 0 && day != d) {
            return None;
        }
        (month, day) = (m, d);
    } else {
        if month < 0 {
            month = 1;
        }
        if day < 0 {
            day = 1;
        }
    }
    if day < 1 || day > days_in(month, year) {
        return None;
    }
    let wall = days_from_civil(year, month, day) * 86_400 + hour * 3600 + min * 60 + sec;
    let time = |unix: i64, offset: i64, zone: &str| {
        Some(Time { unix, nanos, offset: i32::try_from(offset).ok()?, zone: zone.to_string() })
    };
    if utc {
        return time(wall, 0, "UTC");
    }
    if let Some(offset) = zone_offset {
        // The local zone (UTC) when the offset and any name match it, else
        // a fixed zone with the name given (if any).
        return match zone_name {
            _ if offset == 0 && matches!(zone_name, None | Some("UTC")) => time(wall, 0, "UTC"),
            name => time(wall - offset, offset, name.unwrap_or("")),
        };
    }
    if let Some(name) = zone_name {
        // A name the local zone does not have: a fixed zone at offset 0, or
        // ±h hours for `GMT±h`, around the same wall clock (Go does not
        // shift the instant).
        let offset = match name.strip_prefix("GMT").filter(|r| !r.is_empty()) {
            Some(hours) => time_atoi(hours.as_bytes())? * 3600,
            None => 0,
        };
        return time(wall, offset, name);
    }
    time(wall, 0, "UTC")
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

/// Go's `getnum3`: one to three digits (exactly three when `fixed`).
fn getnum3(v: &[u8], fixed: bool) -> Option<(i64, &[u8])> {
    let n = v.iter().take(3).take_while(|c| c.is_ascii_digit()).count();
    if n == 0 || (fixed && n != 3) {
        return None;
    }
    let value = v[..n].iter().fold(0, |acc, c| acc * 10 + i64::from(c - b'0'));
    Some((value, &v[n..]))
}

/// The time package's own `atoi`: an optional sign, then digits only.
fn time_atoi(v: &[u8]) -> Option<i64> {
    let (neg, digits) = match v.first() {
        Some(b'-') => (true, &v[1..]),
        Some(b'+') => (false, &v[1..]),
        _ => (false, v),
    };
    let (x, rest) = leading_int(digits)?;
    if !rest.is_empty() {
        return None;
    }
    let x = i64::try_from(x).ok()?;
    Some(if neg { -x } else { x })
}

/// Go's `leadingInt`: the leading digits (none is 0), failing past 2^63.
pub(super) fn leading_int(v: &[u8]) -> Option<(u64, &[u8])> {
    let n = v.iter().take_while(|c| c.is_ascii_digit()).count();
    let mut x: u64 = 0;
    for &c in &v[..n] {
        if x > (1 << 63) / 10 {
            return None;
        }
        x = x * 10 + u64::from(c - b'0');
        if x > 1 << 63 {
            return None;
        }
    }
    Some((x, &v[n..]))
}

/// Go's `parseNanoseconds`: `v[0]` is the separator, `v[1..n]` the digits
/// (at most nine count).
fn parse_nanoseconds(v: &[u8], n: usize) -> Option<u32> {
    if !matches!(v.first(), Some(b'.' | b',')) {
        return None;
    }
    let n = n.min(10);
    let ns = time_atoi(&v[1..n])?;
    if ns < 0 {
        return None;
    }
    let ns = (n..10).fold(ns, |ns, _| ns * 10);
    u32::try_from(ns).ok()
}

/// Go's `lookup`: a case-insensitive (ASCII) prefix match against `names`.
fn lookup<'a>(names: &[&str], v: &'a [u8]) -> Option<(usize, &'a [u8])> {
    names.iter().enumerate().find_map(|(i, name)| {
        let n = name.len();
        (v.len() >= n && v[..n].eq_ignore_ascii_case(name.as_bytes())).then(|| (i, &v[n..]))
    })
}

/// Go's `skip`: match literal text; a space in the layout matches any run
/// of spaces (none too, at the end of the value).
fn skip<'a>(mut v: &'a [u8], literal: &str) -> Option<&'a [u8]> {
    let mut p = literal.as_bytes();
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

/// A numeric zone in `shape`, in seconds east of UTC.
fn numeric_zone(v: &[u8], shape: ZoneShape) -> Option<(i64, &[u8])> {
    use ZoneShape::*;
    let (hh, mm, ss, len): (&[u8], &[u8], &[u8], usize) = match shape {
        Colon if v.len() >= 6 && v[3] == b':' => (&v[1..3], &v[4..6], b"00", 6),
        Short if v.len() >= 3 => (&v[1..3], b"00", b"00", 3),
        ColonSeconds if v.len() >= 9 && v[3] == b':' && v[6] == b':' => {
            (&v[1..3], &v[4..6], &v[7..9], 9)
        }
        Seconds if v.len() >= 7 => (&v[1..3], &v[3..5], &v[5..7], 7),
        Plain if v.len() >= 5 => (&v[1..3], &v[3..5], b"00", 5),
        _ => return None,
    };
    let (h, m, s) = (getnum(hh, true)?.0, getnum(mm, true)?.0, getnum(ss, true)?.0);
    // `>`, not `>=`: some write offsets of 24 hours or 60 minutes.
    if h > 24 || m > 60 || s > 60 {
        return None;
    }
    let offset = (h * 60 + m) * 60 + s;
    match v[0] {
        b'+' => Some((offset, &v[len..])),
        b'-' => Some((-offset, &v[len..])),
        _ => None,
    }
}

/// Go's `parseTimeZone`: how many bytes name a zone (`MST`, `CEST`,
/// `ChST`, `GMT+3`, `+03`).
fn zone_name_len(v: &[u8]) -> Option<usize> {
    if v.len() < 3 {
        return None;
    }
    if v.starts_with(b"ChST") || v.starts_with(b"MeST") {
        return Some(4);
    }
    if v.starts_with(b"GMT") {
        return Some(3 + signed_offset_len(&v[3..]));
    }
    if v[0] == b'+' || v[0] == b'-' {
        let n = signed_offset_len(v);
        return (n > 0).then_some(n);
    }
    let upper = v.iter().take(6).take_while(|b| b.is_ascii_uppercase()).count();
    match upper {
        3 => Some(3),
        4 if v[3] == b'T' || v.starts_with(b"WITA") => Some(4),
        5 if v[4] == b'T' => Some(5),
        _ => None,
    }
}

/// Go's `parseSignedOffset`: `+h`/`-hh` up to 12 hours, or 0.
fn signed_offset_len(v: &[u8]) -> usize {
    if !matches!(v.first(), Some(b'+' | b'-')) {
        return 0;
    }
    match leading_int(&v[1..]) {
        Some((x, rest)) if rest.len() < v.len() - 1 && x <= 12 => v.len() - rest.len(),
        _ => 0,
    }
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

/// Days before month `m` (1-based; 13 is the whole year) in a common year.
fn days_before(m: i64) -> i64 {
    const BEFORE: [i64; 13] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365];
    BEFORE[usize::try_from(m - 1).unwrap_or(0).min(12)]
}

fn days_in(month: i64, year: i64) -> i64 {
    if month == 2 && is_leap(year) { 29 } else { days_before(month + 1) - days_before(month) }
}

#[cfg(test)]
mod tests {
    use super::*;

    // 2009-11-10T23:00:00Z, a Tuesday (Go's playground time).
    const T: i64 = 1_257_894_000;

    fn format(layout: &str, unix: i64) -> String {
        Time::utc(unix).format(layout)
    }

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
        assert_eq!(format("_2006 _2 __2", 0), "_1970  1   1");
        assert_eq!(format("-07 -07:00:00 Z070000", 0), "+00 +00:00:00 Z");
    }

    #[test]
    fn words_that_only_start_like_elements_are_literal() {
        // `Mon`/`Jan` followed by a lower-case letter are text (an earlier
        // copy printed the weekday in `Month`).
        assert_eq!(format("Month Janet", T), "Month Janet");
        assert_eq!(format("MonJan", T), "TueNov");
    }

    #[test]
    fn years_before_zero_keep_their_sign_apart() {
        // Go's appendInt: `-0001`, and `06` of the year's absolute value
        // (an earlier copy wrote `-001` and `99`).
        let unix = days_from_civil(-1, 3, 1) * 86_400;
        assert_eq!(format("2006 06", unix), "-0001 01");
        assert_eq!(format("2006", days_from_civil(12345, 1, 1) * 86_400), "12345");
    }

    #[test]
    fn string_like_time_string() {
        let t = Time { unix: 0, nanos: 500_000_000, offset: -(7 * 3600), zone: String::new() };
        assert_eq!(t.to_string(), "1969-12-31 17:00:00.5 -0700 -0700");
        assert_eq!(Time::utc(T).to_string(), "2009-11-10 23:00:00 +0000 UTC");
        let t = Time { unix: 0, nanos: 0, offset: 3600, zone: "CET".into() };
        assert_eq!(t.to_string(), "1970-01-01 01:00:00 +0100 CET");
    }

    fn unix(layout: &str, value: &str) -> Option<i64> {
        parse(layout, value).map(|t| t.unix)
    }

    #[test]
    fn parse_like_go() {
        let day = 1_704_153_600; // 2024-01-02T00:00:00Z
        assert_eq!(unix("2006-01-02", "2024-01-02"), Some(day));
        assert_eq!(
            unix("2006-01-02T15:04:05Z07:00", "2024-01-02T10:00:00+01:00"),
            Some(day + 9 * 3600)
        );
        assert_eq!(
            unix("2006-01-02T15:04:05Z07:00", "2024-01-02T10:00:00.5Z"),
            Some(day + 10 * 3600)
        );
        assert_eq!(
            parse("2006-01-02T15:04:05Z07:00", "2024-01-02T10:00:00.5Z").unwrap().nanos,
            500_000_000
        );
        assert_eq!(
            unix("Mon Jan _2 15:04:05 2006", "Tue Jan  2 10:00:00 2024"),
            Some(day + 36_000)
        );
        assert_eq!(
            unix("Mon Jan 02 15:04:05 -0700 2006", "tue JAN 02 10:00:00 +0100 2024"),
            Some(day + 32_400)
        );
        assert_eq!(unix("3:04PM", "3:04PM"), Some(-62_167_164_960));
        assert_eq!(unix("3:04PM", "12:00AM"), Some(-62_167_219_200));
        assert_eq!(unix("06 002", "24 060"), Some(1_709_164_800)); // 2024-02-29
        assert_eq!(unix("2006 __2", "2023  60"), Some(1_677_628_800)); // 2023-03-01
        assert_eq!(unix("January 2, 2006", "february 3, 1999"), Some(918_000_000));
        for (layout, value) in [
            ("2006-01-02", "2024-13-01"),
            ("2006-01-02", "2024-02-30"),
            ("2006-01-02", "2024-01-02x"),
            ("2006-01-02", "24-01-02"),
            ("15:04", "24:00"),
            ("3:04PM", "3:04XM"),
            ("2006 002", "2023 366"),
            ("01 002", "02 001"),
            (".000", ".12"),
            ("-07:00", "+25:00"),
        ] {
            assert_eq!(parse(layout, value), None, "{layout:?} {value:?}");
        }
    }

    #[test]
    fn parsed_zones() {
        let p = |layout: &str, value: &str| parse(layout, value).unwrap().to_string();
        assert_eq!(
            p("2006-01-02T15:04:05Z07:00", "2020-01-01T00:00:00+05:30"),
            "2020-01-01 00:00:00 +0530 +0530"
        );
        assert_eq!(
            p("2006-01-02T15:04:05Z07:00", "2020-01-01T00:00:00+00:00"),
            "2020-01-01 00:00:00 +0000 UTC"
        );
        assert_eq!(p("2006-01-02 MST", "2020-01-01 UTC"), "2020-01-01 00:00:00 +0000 UTC");
        assert_eq!(p("2006-01-02 MST", "2020-01-01 PST"), "2020-01-01 00:00:00 +0000 PST");
        assert_eq!(p("2006-01-02 MST", "2020-01-01 ChST"), "2020-01-01 00:00:00 +0000 ChST");
        assert_eq!(
            p("2006-01-02 MST -0700", "2020-01-01 CET +0100"),
            "2020-01-01 00:00:00 +0100 CET"
        );
        // `GMT+h` sets the zone's offset around the same wall clock: the
        // instant is the wall clock read as UTC (an earlier copy moved it).
        let t = parse("15:04 MST", "10:00 GMT+3").unwrap();
        assert_eq!(t.unix, -62_167_219_200 + 36_000);
        assert_eq!(t.to_string(), "0000-01-01 13:00:00 +0300 GMT+3");
        assert!(parse("15:04 MST", "10:00 GMT+13").is_none());
        assert!(parse("15:04 MST", "10:00 Utc").is_none());
    }
}
