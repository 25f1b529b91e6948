//! Go's `time.Duration` (time/format.go, time/time.go): `ParseDuration`
//! with its exact arithmetic and messages, and `Duration.Seconds()`.

use std::fmt;

use super::time::leading_int;

/// Why `time.ParseDuration` failed; `Display` is Go's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseDurationError {
    /// The text parsed.
    pub input: String,
    pub kind: ParseDurationErrorKind,
}

/// The cases of [`ParseDurationError`]. Go words the first four the same
/// way (`time: invalid duration "…"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseDurationErrorKind {
    /// Nothing (but a sign) to parse.
    Empty,
    /// A number was expected and something else came (`1h x`, `-s`).
    NotANumber,
    /// A number with no digits on either side of its point (`.s`).
    NoDigits,
    /// Beyond ±2^63-1 nanoseconds (about 292 years).
    Overflow,
    /// A number without a unit (`1h30`): `time: missing unit in duration`.
    MissingUnit,
    /// A unit Go does not know: `time: unknown unit "x" in duration "1x"`.
    UnknownUnit(String),
}

impl fmt::Display for ParseDurationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let input = quote(&self.input);
        match &self.kind {
            ParseDurationErrorKind::MissingUnit => {
                write!(f, "time: missing unit in duration {input}")
            }
            ParseDurationErrorKind::UnknownUnit(unit) => {
                write!(f, "time: unknown unit {} in duration {input}", quote(unit))
            }
            _ => write!(f, "time: invalid duration {input}"),
        }
    }
}

impl std::error::Error for ParseDurationError {}

/// Go's `time.ParseDuration`: a signed sequence of decimal numbers, each
/// with an optional fraction and a unit (`ns`, `us`/`µs`/`μs`, `ms`, `s`,
/// `m`, `h`): `300ms`, `-1.5h`, `2h45m`; `0` alone needs no unit. Returns
/// nanoseconds.
pub fn parse(s: &str) -> Result<i64, ParseDurationError> {
    use ParseDurationErrorKind::*;
    let err = |kind| ParseDurationError { input: s.to_string(), kind };
    let mut rest = s.as_bytes();
    let neg = rest.first() == Some(&b'-');
    if matches!(rest.first(), Some(b'-' | b'+')) {
        rest = &rest[1..];
    }
    if rest == b"0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(err(Empty));
    }
    let mut total: u64 = 0;
    while !rest.is_empty() {
        if !(rest[0] == b'.' || rest[0].is_ascii_digit()) {
            return Err(err(NotANumber));
        }
        let before = rest.len();
        let (whole, after) = leading_int(rest).ok_or_else(|| err(Overflow))?;
        rest = after;
        let pre = before != rest.len();
        let (mut frac, mut scale, mut post) = (0u64, 1f64, false);
        if rest.first() == Some(&b'.') {
            rest = &rest[1..];
            let before = rest.len();
            (frac, scale, rest) = leading_fraction(rest);
            post = before != rest.len();
        }
        if !pre && !post {
            return Err(err(NoDigits));
        }
        let unit_len = rest.iter().take_while(|c| !(**c == b'.' || c.is_ascii_digit())).count();
        if unit_len == 0 {
            return Err(err(MissingUnit));
        }
        let unit_text = String::from_utf8_lossy(&rest[..unit_len]).into_owned();
        let unit: u64 = match unit_text.as_str() {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => return Err(err(UnknownUnit(unit_text))),
        };
        rest = &rest[unit_len..];
        if whole > (1 << 63) / unit {
            return Err(err(Overflow));
        }
        let mut v = whole * unit;
        if frac > 0 {
            // Go: float64 is nanosecond-accurate for fractions of an hour.
            v += (frac as f64 * (unit as f64 / scale)) as u64;
            if v > 1 << 63 {
                return Err(err(Overflow));
            }
        }
        total += v;
        if total > 1 << 63 {
            return Err(err(Overflow));
        }
    }
    if neg {
        return Ok((total as i64).wrapping_neg());
    }
    i64::try_from(total).map_err(|_| err(Overflow))
}

/// Go's `leadingFraction`: the leading digits as a number and its scale
/// (10^digits kept); past 2^63 further digits are read but not kept.
fn leading_fraction(v: &[u8]) -> (u64, f64, &[u8]) {
    let n = v.iter().take_while(|c| c.is_ascii_digit()).count();
    let (mut x, mut scale, mut overflow) = (0u64, 1f64, false);
    for &c in &v[..n] {
        if overflow {
            continue;
        }
        if x > ((1 << 63) - 1) / 10 {
            overflow = true;
            continue;
        }
        let y = x * 10 + u64::from(c - b'0');
        if y > 1 << 63 {
            overflow = true;
            continue;
        }
        x = y;
        scale *= 10.0;
    }
    (x, scale, &v[n..])
}

/// Go's `Duration.Seconds()` of `nanos` nanoseconds.
pub fn seconds(nanos: i64) -> f64 {
    let (secs, rest) = (nanos / 1_000_000_000, nanos % 1_000_000_000);
    secs as f64 + rest as f64 / 1e9
}

/// The time package's own `quote` for messages: ASCII as `strconv.Quote`
/// writes it, every byte of anything else (and of control characters) as
/// `\xNN`.
fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        if !c.is_ascii() || c < ' ' {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("\\x{b:02x}"));
            }
        } else {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: i64 = 1_000_000_000;

    #[test]
    fn parse_like_go() {
        for (text, want) in [
            ("0", 0),
            ("-0", 0),
            ("+0", 0),
            ("1h30m", 5400 * S),
            ("500ms", S / 2),
            ("2.5s", 5 * S / 2),
            (".5s", S / 2),
            ("1.s", S),
            ("-1.5h", -5400 * S),
            ("1µs", 1000),
            ("1μs", 1000),
            ("1us2ns", 1002),
            ("0.1s", S / 10),
            ("1.0000000001s", S),
            ("2562047h47m16.854775807s", i64::MAX),
            ("-2562047h47m16.854775808s", i64::MIN),
        ] {
            assert_eq!(parse(text), Ok(want), "{text}");
        }
    }

    #[test]
    fn errors_like_go() {
        let msg = |text: &str| parse(text).unwrap_err().to_string();
        assert_eq!(msg(""), r#"time: invalid duration """#);
        assert_eq!(msg("-"), r#"time: invalid duration "-""#);
        assert_eq!(msg("s"), r#"time: invalid duration "s""#);
        assert_eq!(msg(".s"), r#"time: invalid duration ".s""#);
        assert_eq!(msg(" 1s"), r#"time: invalid duration " 1s""#);
        assert_eq!(msg("3000000h"), r#"time: invalid duration "3000000h""#);
        assert_eq!(
            msg("2562047h47m16.854775808s"),
            r#"time: invalid duration "2562047h47m16.854775808s""#
        );
        assert_eq!(msg("30"), r#"time: missing unit in duration "30""#);
        assert_eq!(msg("1h30"), r#"time: missing unit in duration "1h30""#);
        assert_eq!(msg("1x"), r#"time: unknown unit "x" in duration "1x""#);
        assert_eq!(msg("10 minutes"), r#"time: unknown unit " minutes" in duration "10 minutes""#);
        assert_eq!(msg("1é"), r#"time: unknown unit "\xc3\xa9" in duration "1\xc3\xa9""#);
        assert_eq!(parse("1..5s").unwrap_err().kind, ParseDurationErrorKind::MissingUnit);
        assert_eq!(
            parse("1h x").unwrap_err().kind,
            ParseDurationErrorKind::UnknownUnit("h x".into())
        );
    }

    #[test]
    fn seconds_like_go() {
        assert_eq!(seconds(90 * S), 90.0);
        assert_eq!(seconds(S / 2), 0.5);
        let g = |nanos| crate::golang::strconv::format_float(seconds(nanos), 'g');
        assert_eq!(g(i64::MAX), "9.223372036854776e+09");
        assert_eq!(g(i64::MIN), "-9.223372036854776e+09");
    }
}
