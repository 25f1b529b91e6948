//! Go's `strconv` (strconv/quote.go, ftoa.go, atoi.go, atof.go): quoting
//! (`Quote`, `QuoteRune`, `QuoteRuneToASCII`, `IsPrint`), the shortest
//! digits of a float64 (`FormatFloat(f, 'e'|'f'|'g', -1, 64)`), and reading
//! numbers (`Atoi`, `ParseInt`, `ParseUint`, `ParseFloat`) with Go's errors.

use std::fmt;

/// Go's `strconv.Quote`: a double-quoted Go string literal.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        append_escaped_rune(&mut out, c, '"', false);
    }
    out.push('"');
    out
}

/// Go's `strconv.QuoteRune`: a single-quoted Go rune literal (`'A'`,
/// `'\n'`, `'\''`).
pub fn quote_rune(c: char) -> String {
    quoted_rune(c, false)
}

/// Go's `strconv.QuoteRuneToASCII`: as [`quote_rune`], with everything
/// outside ASCII escaped (`'\u00e9'`).
pub fn quote_rune_to_ascii(c: char) -> String {
    quoted_rune(c, true)
}

fn quoted_rune(c: char, ascii_only: bool) -> String {
    let mut out = String::from("'");
    append_escaped_rune(&mut out, c, '\'', ascii_only);
    out.push('\'');
    out
}

/// Go's `appendEscapedRune`: one rune as it appears inside a literal quoted
/// with `quote`.
fn append_escaped_rune(out: &mut String, c: char, quote: char, ascii_only: bool) {
    let code = u32::from(c);
    if c == quote || c == '\\' {
        out.push('\\');
        out.push(c);
        return;
    }
    if is_print(c) && (!ascii_only || code < 0x80) {
        out.push(c);
        return;
    }
    match c {
        '\u{7}' => out.push_str("\\a"),
        '\u{8}' => out.push_str("\\b"),
        '\u{c}' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{b}' => out.push_str("\\v"),
        _ if code < 0x20 || code == 0x7f => out.push_str(&format!("\\x{code:02x}")),
        _ if code < 0x10000 => out.push_str(&format!("\\u{code:04x}")),
        _ => out.push_str(&format!("\\U{code:08x}")),
    }
}

/// Go's `strconv.IsPrint` (letters, marks, numbers, punctuation, symbols
/// and the ASCII space), approximated without Unicode's category tables:
/// control, format, separator, surrogate, private-use and noncharacter code
/// points are not printable. Unassigned code points count as printable.
pub fn is_print(c: char) -> bool {
    let code = u32::from(c);
    if c == ' ' {
        return true;
    }
    !(c.is_control()
        || c.is_whitespace()
        || matches!(
            code,
            0xad | 0x600..=0x605
                | 0x61c
                | 0x6dd
                | 0x70f
                | 0x180e
                | 0x200b..=0x200f
                | 0x202a..=0x202e
                | 0x2060..=0x206f
                | 0xd800..=0xdfff
                | 0xe000..=0xf8ff
                | 0xfdd0..=0xfdef
                | 0xfeff
                | 0xfff9..=0xfffb
                | 0xfffe..=0xffff
                | 0xf0000..
        ))
}

/// Go's `strconv.FormatFloat(f, fmt, -1, 64)` for `fmt` `'e'`, `'f'` or
/// `'g'`: the shortest digits that read back as `f`. `'g'` is `%v`'s form,
/// exponent notation when the exponent is below -4 or at least 6
/// (`1e+06`, `1e-05`, `123456`, `0.0001`); exponents have at least two
/// digits. NaN and infinities are `NaN`, `+Inf`, `-Inf`.
pub fn format_float(f: f64, fmt: char) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf".into() } else { "-Inf".into() };
    }
    let (digits, exp) = shortest_digits(f);
    let exponent = match fmt {
        'e' => true,
        'f' => false,
        _ => digits != "0" && !(-4..6).contains(&exp),
    };
    let body = if exponent { exponent_form(&digits, exp) } else { fixed_form(&digits, exp) };
    if f.is_sign_negative() { format!("-{body}") } else { body }
}

/// The shortest round-trip digits of `|f|` (no trailing zeros; `"0"` for
/// zero) and the decimal exponent of the first digit (`1234.5` → ("12345",
/// 3)). Rust's `{:e}` picks the same shortest digits as Go.
fn shortest_digits(f: f64) -> (String, i32) {
    let s = format!("{:e}", f.abs());
    let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    (digits.to_string(), exp.parse().unwrap_or(0))
}

fn fixed_form(digits: &str, exp: i32) -> String {
    if exp < 0 {
        let zeros = "0".repeat(usize::try_from(-exp - 1).unwrap_or(0));
        format!("0.{zeros}{digits}")
    } else {
        let point = usize::try_from(exp).unwrap_or(0) + 1;
        if digits.len() <= point {
            format!("{digits}{}", "0".repeat(point - digits.len()))
        } else {
            format!("{}.{}", &digits[..point], &digits[point..])
        }
    }
}

/// `d.ddde±dd`.
fn exponent_form(digits: &str, exp: i32) -> String {
    let mut out = digits[..1].to_string();
    if digits.len() > 1 {
        out.push('.');
        out.push_str(&digits[1..]);
    }
    out.push('e');
    out.push(if exp < 0 { '-' } else { '+' });
    out.push_str(&format!("{:02}", exp.unsigned_abs()));
    out
}

/// Go's `*strconv.NumError`: `strconv.Atoi: parsing "x": invalid syntax`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumError {
    /// The failing function: `Atoi`, `ParseInt`, `ParseUint`, `ParseFloat`.
    pub func: &'static str,
    /// The input.
    pub num: String,
    /// `ErrRange` (true) or `ErrSyntax`.
    pub out_of_range: bool,
}

impl NumError {
    fn syntax(func: &'static str, num: &str) -> Self {
        NumError { func, num: num.to_string(), out_of_range: false }
    }

    fn range(func: &'static str, num: &str) -> Self {
        NumError { func, num: num.to_string(), out_of_range: true }
    }
}

impl fmt::Display for NumError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let why = if self.out_of_range { "value out of range" } else { "invalid syntax" };
        write!(f, "strconv.{}: parsing {}: {why}", self.func, quote(&self.num))
    }
}

impl std::error::Error for NumError {}

/// Go's `strconv.Atoi` (on a 64-bit platform): an optional sign and decimal
/// digits, nothing else (no spaces, no underscores).
pub fn atoi(s: &str) -> Result<i64, NumError> {
    parse_int(s, 10).map_err(|e| NumError { func: "Atoi", ..e })
}

/// Go's `strconv.ParseInt(s, base, 64)`. Base 0 reads Go's prefixes
/// (`0x1f`, `0o17`, `017`, `0b101`) and underscores between digits; bases
/// 2 to 36 read plain digits.
pub fn parse_int(s: &str, base: u32) -> Result<i64, NumError> {
    const FUNC: &str = "ParseInt";
    let (neg, body) = match s.as_bytes().first() {
        None => return Err(NumError::syntax(FUNC, s)),
        Some(b'+') => (false, &s[1..]),
        Some(b'-') => (true, &s[1..]),
        Some(_) => (false, s),
    };
    let un = match parse_uint(body, base) {
        Ok(un) => un,
        Err(e) if e.out_of_range => u64::MAX,
        Err(_) => return Err(NumError::syntax(FUNC, s)),
    };
    const CUTOFF: u64 = 1 << 63;
    if (!neg && un >= CUTOFF) || (neg && un > CUTOFF) {
        return Err(NumError::range(FUNC, s));
    }
    Ok(if neg { (un as i64).wrapping_neg() } else { un as i64 })
}

/// Go's `strconv.ParseUint(s, base, 64)`; see [`parse_int`] for `base`.
pub fn parse_uint(s: &str, base: u32) -> Result<u64, NumError> {
    const FUNC: &str = "ParseUint";
    let syntax = || NumError::syntax(FUNC, s);
    let b = s.as_bytes();
    if b.is_empty() || !(base == 0 || (2..=36).contains(&base)) {
        return Err(syntax());
    }
    let (base0, mut base, mut digits) = (base == 0, u64::from(base), b);
    if base0 {
        base = 10;
        if b[0] == b'0' {
            (base, digits) = match b.get(1).map(u8::to_ascii_lowercase) {
                Some(b'b') if b.len() >= 3 => (2, &b[2..]),
                Some(b'o') if b.len() >= 3 => (8, &b[2..]),
                Some(b'x') if b.len() >= 3 => (16, &b[2..]),
                _ => (8, &b[1..]),
            };
        }
    }
    let mut underscores = false;
    let mut n: u64 = 0;
    for &c in digits {
        let d = match c.to_ascii_lowercase() {
            b'_' if base0 => {
                underscores = true;
                continue;
            }
            c @ b'0'..=b'9' => c - b'0',
            c @ b'a'..=b'z' => c - b'a' + 10,
            _ => return Err(syntax()),
        };
        if u64::from(d) >= base {
            return Err(syntax());
        }
        n = n
            .checked_mul(base)
            .and_then(|n| n.checked_add(u64::from(d)))
            .ok_or_else(|| NumError::range(FUNC, s))?;
    }
    if underscores && !underscore_ok(s) {
        return Err(syntax());
    }
    Ok(n)
}

/// Go's `underscoreOK`: underscores only between digits, or between a base
/// prefix and a digit.
fn underscore_ok(s: &str) -> bool {
    let mut b = s.as_bytes();
    if let Some(rest) = b.strip_prefix(b"-").or_else(|| b.strip_prefix(b"+")) {
        b = rest;
    }
    // The last thing seen: b'^' start, b'0' a digit or prefix, b'_', b'!'.
    let mut saw = b'^';
    let mut hex = false;
    let mut i = 0;
    if b.len() >= 2 && b[0] == b'0' && matches!(b[1].to_ascii_lowercase(), b'b' | b'o' | b'x') {
        i = 2;
        saw = b'0';
        hex = b[1].eq_ignore_ascii_case(&b'x');
    }
    for &c in &b[i..] {
        if c.is_ascii_digit() || (hex && c.is_ascii_hexdigit()) {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else {
            if saw == b'_' {
                return false;
            }
            saw = b'!';
        }
    }
    saw != b'_'
}

/// Go's `strconv.ParseFloat(s, 64)` for decimal text: an optional sign,
/// digits with an optional point and exponent, or `Inf`/`Infinity` (signed
/// or not, any case) and `NaN` (unsigned). Overflow is `value out of range`.
/// Go's hexadecimal floats (`0x1p-2`) and digit-separating underscores are
/// refused as invalid syntax.
pub fn parse_float(s: &str) -> Result<f64, NumError> {
    const FUNC: &str = "ParseFloat";
    let syntax = || NumError::syntax(FUNC, s);
    let (neg, body) = match s.as_bytes().first() {
        Some(b'+') => (false, &s[1..]),
        Some(b'-') => (true, &s[1..]),
        _ => (false, s),
    };
    // Go's `special`: `nan` takes no sign.
    let lower = body.to_ascii_lowercase();
    if lower == "inf" || lower == "infinity" {
        return Ok(if neg { f64::NEG_INFINITY } else { f64::INFINITY });
    }
    if lower == "nan" {
        return if body.len() == s.len() { Ok(f64::NAN) } else { Err(syntax()) };
    }
    // What Rust's parser reads besides Go's decimal syntax is ruled out
    // here: its own `inf`/`nan` spellings (handled above, Go's way).
    if !body.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
        return Err(syntax());
    }
    let v: f64 = s.parse().map_err(|_| syntax())?;
    if v.is_infinite() {
        return Err(NumError::range(FUNC, s));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_like_strconv() {
        assert_eq!(quote("a\"b\\c\n\u{1}é"), "\"a\\\"b\\\\c\\n\\x01é\"");
        assert_eq!(quote("\u{7}\u{8}\u{c}\r\t\u{b}\u{7f}"), r#""\a\b\f\r\t\v\x7f""#);
        assert_eq!(quote("\u{200b}"), "\"\\u200b\"");
        assert_eq!(quote("é"), "\"é\"");
        assert_eq!(quote("'"), "\"'\"");
        assert_eq!(quote("\u{a0}\u{85}\u{2028}"), r#""\u00a0\u0085\u2028""#);
        // Format, private-use and noncharacter code points are not
        // printable to Go (an earlier copy printed these as they are).
        assert_eq!(quote("\u{600}\u{e000}\u{fdd0}\u{f0000}"), r#""\u0600\ue000\ufdd0\U000f0000""#);
        assert_eq!(quote("😀"), "\"😀\"");
    }

    #[test]
    fn quote_runes() {
        assert_eq!(quote_rune('A'), "'A'");
        assert_eq!(quote_rune('\n'), "'\\n'");
        assert_eq!(quote_rune('\''), "'\\''");
        assert_eq!(quote_rune('"'), "'\"'");
        assert_eq!(quote_rune('\\'), "'\\\\'");
        assert_eq!(quote_rune('é'), "'é'");
        assert_eq!(quote_rune_to_ascii('é'), "'\\u00e9'");
        assert_eq!(quote_rune_to_ascii('😀'), "'\\U0001f600'");
        assert_eq!(quote_rune_to_ascii('A'), "'A'");
    }

    #[test]
    fn floats_like_format_float() {
        for (f, want) in [
            (0.0, "0"),
            (-0.0, "-0"),
            (2.0, "2"),
            (3.0, "3"),
            (0.5, "0.5"),
            (1.5, "1.5"),
            (-2.5, "-2.5"),
            (1e-4, "0.0001"),
            (1e-5, "1e-05"),
            (-1.5e-5, "-1.5e-05"),
            (123456.0, "123456"),
            (1e6, "1e+06"),
            (1234567.0, "1.234567e+06"),
            (123456789.0, "1.23456789e+08"),
            (1e20, "1e+20"),
            (1e21, "1e+21"),
            (1e100, "1e+100"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "+Inf"),
            (f64::NEG_INFINITY, "-Inf"),
        ] {
            assert_eq!(format_float(f, 'g'), want, "{f}");
        }
        assert_eq!(format_float(1e20, 'f'), "100000000000000000000");
        assert_eq!(format_float(12345678901234567890.0, 'f'), "12345678901234567000");
        assert_eq!(format_float(0.000001, 'f'), "0.000001");
        assert_eq!(format_float(43.8, 'f'), "43.8");
        assert_eq!(format_float(1e-7, 'e'), "1e-07");
        assert_eq!(format_float(1.5e300, 'e'), "1.5e+300");
        assert_eq!(format_float(3.0, 'e'), "3e+00");
    }

    #[test]
    fn atoi_like_go() {
        assert_eq!(atoi("42"), Ok(42));
        assert_eq!(atoi("+7"), Ok(7));
        assert_eq!(atoi("-7"), Ok(-7));
        assert_eq!(atoi("-9223372036854775808"), Ok(i64::MIN));
        let msg = |s: &str| atoi(s).unwrap_err().to_string();
        assert_eq!(msg("abc"), "strconv.Atoi: parsing \"abc\": invalid syntax");
        assert_eq!(msg("7x"), "strconv.Atoi: parsing \"7x\": invalid syntax");
        assert_eq!(msg(""), "strconv.Atoi: parsing \"\": invalid syntax");
        assert_eq!(msg("-"), "strconv.Atoi: parsing \"-\": invalid syntax");
        assert_eq!(msg(" 5"), "strconv.Atoi: parsing \" 5\": invalid syntax");
        assert_eq!(msg("1_000"), "strconv.Atoi: parsing \"1_000\": invalid syntax");
        assert_eq!(msg("3.0"), "strconv.Atoi: parsing \"3.0\": invalid syntax");
        assert_eq!(msg("0x10"), "strconv.Atoi: parsing \"0x10\": invalid syntax");
        assert_eq!(
            msg("9223372036854775808"),
            "strconv.Atoi: parsing \"9223372036854775808\": value out of range"
        );
        // Go stops at the first overflow, before the bad digit.
        assert_eq!(
            msg("99999999999999999999x"),
            "strconv.Atoi: parsing \"99999999999999999999x\": value out of range"
        );
        assert_eq!(
            msg("{{inputs.parameters.n}}"),
            "strconv.Atoi: parsing \"{{inputs.parameters.n}}\": invalid syntax"
        );
    }

    #[test]
    fn parse_int_with_go_prefixes() {
        let ok = |s: &str| parse_int(s, 0).ok();
        assert_eq!(ok("42"), Some(42));
        assert_eq!(ok("0x1f"), Some(31));
        assert_eq!(ok("0X1F"), Some(31));
        assert_eq!(ok("017"), Some(15));
        assert_eq!(ok("0o17"), Some(15));
        assert_eq!(ok("0b101"), Some(5));
        assert_eq!(ok("-0x8000000000000000"), Some(i64::MIN));
        assert_eq!(ok("0"), Some(0));
        assert_eq!(ok("1_000"), Some(1000));
        // Underscores may follow a base prefix or a leading 0 (an earlier
        // copy refused these).
        assert_eq!(ok("0x_1f"), Some(31));
        assert_eq!(ok("0_7"), Some(7));
        for bad in ["", "0x", "08", "_1", "1_", "1__0", "+-5", "0x8000000000000000", "3.5"] {
            assert_eq!(ok(bad), None, "{bad}");
        }
        assert_eq!(parse_int("755", 8), Ok(493));
        assert_eq!(parse_int("-17", 8), Ok(-15));
        assert!(parse_int("1_0", 8).is_err());
        assert!(parse_int("8", 8).is_err());
        assert_eq!(parse_uint("ff", 16), Ok(255));
        assert!(parse_uint("+ff", 16).is_err());
        assert!(parse_uint("10000000000000000", 16).unwrap_err().out_of_range);
    }

    #[test]
    fn parse_float_like_go() {
        for (s, want) in [
            ("1.5", 1.5),
            ("-2", -2.0),
            ("+.5", 0.5),
            ("1.", 1.0),
            ("1e3", 1000.0),
            ("1E-2", 0.01),
            ("1e-400", 0.0),
            ("inf", f64::INFINITY),
            ("-Infinity", f64::NEG_INFINITY),
            ("+INF", f64::INFINITY),
        ] {
            assert_eq!(parse_float(s), Ok(want), "{s}");
        }
        assert!(parse_float("NaN").unwrap().is_nan());
        // Go's `nan` takes no sign; overflow is an error, not infinity
        // (one of two earlier copies returned infinity).
        assert_eq!(
            parse_float("+nan").unwrap_err().to_string(),
            r#"strconv.ParseFloat: parsing "+nan": invalid syntax"#
        );
        assert_eq!(
            parse_float("1e400").unwrap_err().to_string(),
            r#"strconv.ParseFloat: parsing "1e400": value out of range"#
        );
        for bad in ["", " 1.5", "1.5 ", "1_000", "--1", ".", "e5", "1e", "infinit", "0x1p-2"] {
            assert!(parse_float(bad).is_err(), "{bad}");
        }
    }
}
