//! Timestamps as Kubernetes writes them: RFC 3339 in UTC with whole
//! seconds (`2018-08-01T10:22:43Z`). The engine never reads a clock; the
//! caller passes the time in.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::calendar::{civil_from_days, days_from_civil};

/// Seconds since the Unix epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Time(pub i64);

impl Time {
    /// Parse `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`.
    pub fn parse_rfc3339(s: &str) -> Option<Time> {
        let b = s.as_bytes();
        if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
            return None;
        }
        let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
        let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let (h, mi, se) = (num(11..13)?, num(14..16)?, num(17..19)?);
        if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
            return None;
        }
        let mut rest = &s[19..];
        if let Some(frac) = rest.strip_prefix('.') {
            let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
            rest = &frac[digits..];
        }
        let offset = match rest {
            "Z" | "z" => 0,
            _ => {
                let sign = match rest.as_bytes().first()? {
                    b'+' => 1,
                    b'-' => -1,
                    _ => return None,
                };
                let oh: i64 = rest.get(1..3)?.parse().ok()?;
                let om: i64 = rest.get(4..6)?.parse().ok()?;
                if rest.len() != 6 {
                    return None;
                }
                sign * (oh * 3600 + om * 60)
            }
        };
        Some(Time(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + se - offset))
    }
}

impl fmt::Display for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.0.div_euclid(86_400);
        let secs = self.0.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        write!(
            f,
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
            secs / 3600,
            secs % 3600 / 60,
            secs % 60
        )
    }
}

impl Serialize for Time {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Time {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Time::parse_rfc3339(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("not an RFC 3339 time: {s:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses() {
        let t = Time::parse_rfc3339("2018-08-01T10:22:43Z");
        assert_eq!(t, Some(Time(1_533_118_963)));
        assert_eq!(Time(1_533_118_963).to_string(), "2018-08-01T10:22:43Z");
        assert_eq!(Time(0).to_string(), "1970-01-01T00:00:00Z");
        assert_eq!(Time::parse_rfc3339("2018-08-01T12:22:43.123+02:00"), t);
        assert_eq!(Time(-1).to_string(), "1969-12-31T23:59:59Z");
        assert_eq!(
            Time::parse_rfc3339("2024-02-29T00:00:00Z").map(|t| t.to_string()).as_deref(),
            Some("2024-02-29T00:00:00Z")
        );
        assert!(Time::parse_rfc3339("2018-13-01T00:00:00Z").is_none());
        assert!(Time::parse_rfc3339("yesterday").is_none());
    }

    #[test]
    fn round_trips_every_day_for_years() {
        for day in (-800_000..800_000).step_by(997) {
            let t = Time(day * 86_400 + 12_345);
            assert_eq!(Time::parse_rfc3339(&t.to_string()), Some(t));
        }
    }
}
