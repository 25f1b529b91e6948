//! `withSequence`: Argo's `expandSequence` (workflow/controller/operator.go).

use super::gojson::{compact, go_quote};
use super::goprintf::sprintf_int;
use super::{LoopError, MAX_ITEMS, MAX_TEXT_BYTES};
use crate::spec::{IntOrString, Sequence};

/// The sequence's items as Argo's `Item` JSON text (`"01"`, compacted and
/// HTML-escaped as Go writes it), in Argo's order.
pub(super) fn raw_items(seq: &Sequence) -> Result<Vec<String>, LoopError> {
    raw_items_within(seq, MAX_ITEMS, MAX_TEXT_BYTES)
}

/// [`raw_items`] with the limits as parameters (tests use small ones).
fn raw_items_within(
    seq: &Sequence,
    max_items: usize,
    max_bytes: usize,
) -> Result<Vec<String>, LoopError> {
    let start = match &seq.start {
        Some(v) => atoi(v)?,
        None => 0,
    };
    let end = if let Some(end) = &seq.end {
        atoi(end)?
    } else if let Some(count) = &seq.count {
        let count = atoi(count)?;
        if count == 0 {
            return Ok(Vec::new());
        }
        // Go's int arithmetic wraps; a negative count therefore counts down.
        start.wrapping_add(count).wrapping_sub(1)
    } else {
        return Err(LoopError::new("neither end nor count was specified in withSequence"));
    };
    let ascending = start <= end;
    // Go's `for i := start; i <= end; i++` never stops when `end` is the
    // largest int (the counter wraps), and likewise counting down.
    let endless = if ascending { end == i64::MAX } else { end == i64::MIN };
    let len = (i128::from(end) - i128::from(start)).unsigned_abs() + 1;
    let len = match usize::try_from(len) {
        Ok(len) if !endless && len <= max_items => len,
        _ => {
            return Err(LoopError::new(format!(
                "withSequence from {start} to {end} has more than {max_items} items, the most Keelson expands"
            )));
        }
    };
    let format = seq.format.as_deref().filter(|f| !f.is_empty()).unwrap_or("%d");
    let mut items = Vec::with_capacity(len);
    let mut total = 0usize;
    let mut i = start;
    for _ in 0..len {
        // Argo parses `"` + text + `"` as JSON: quotes, backslashes and
        // control characters in the text make it fail with Go's message.
        let text = sprintf_int(format, i);
        total = total.saturating_add(text.len() + 2);
        if total > max_bytes {
            return Err(LoopError::new(format!(
                "withSequence items are longer than {max_bytes} bytes in total, the most Keelson expands"
            )));
        }
        let raw = compact(&format!("\"{text}\"")).map_err(LoopError::new)?;
        items.push(raw);
        i = if ascending { i.wrapping_add(1) } else { i.wrapping_sub(1) };
    }
    Ok(items)
}

/// `strconv.Atoi(v.String())` with Go's error text.
fn atoi(v: &IntOrString) -> Result<i64, LoopError> {
    match v {
        IntOrString::Int(i) => Ok(*i),
        IntOrString::String(s) => go_atoi(s),
    }
}

fn go_atoi(s: &str) -> Result<i64, LoopError> {
    let err = |why: &str| LoopError::new(format!("strconv.Atoi: parsing {}: {why}", go_quote(s)));
    let (negative, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() {
        return Err(err("invalid syntax"));
    }
    // Go stops at the first bad digit or the first overflow of a uint64.
    let mut n: u64 = 0;
    for c in digits.bytes() {
        if !c.is_ascii_digit() {
            return Err(err("invalid syntax"));
        }
        n = n
            .checked_mul(10)
            .and_then(|n| n.checked_add(u64::from(c - b'0')))
            .ok_or_else(|| err("value out of range"))?;
    }
    let value = if negative { -i128::from(n) } else { i128::from(n) };
    i64::try_from(value).map_err(|_| err("value out of range"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(n: &str, format: Option<&str>) -> Sequence {
        let s = |v: &str| Some(IntOrString::String(v.to_string()));
        Sequence { count: s(n), format: format.map(str::to_string), ..Sequence::default() }
    }

    #[test]
    fn limits() {
        assert_eq!(raw_items_within(&count("10", None), 10, 1000).map(|v| v.len()), Ok(10));
        let err = raw_items_within(&count("11", None), 10, 1000).unwrap_err().message;
        assert_eq!(
            err,
            "withSequence from 0 to 10 has more than 10 items, the most Keelson expands"
        );
        // Ten items of 9 characters plus quotes: 110 bytes.
        assert!(raw_items_within(&count("10", Some("%9d")), 10, 110).is_ok());
        let err = raw_items_within(&count("10", Some("%9d")), 10, 109).unwrap_err().message;
        assert_eq!(
            err,
            "withSequence items are longer than 109 bytes in total, the most Keelson expands"
        );
    }

    #[test]
    fn atoi_like_go() {
        assert_eq!(go_atoi("42"), Ok(42));
        assert_eq!(go_atoi("+7"), Ok(7));
        assert_eq!(go_atoi("-9223372036854775808"), Ok(i64::MIN));
        let msg = |s: &str| go_atoi(s).unwrap_err().message;
        assert_eq!(msg("abc"), "strconv.Atoi: parsing \"abc\": invalid syntax");
        assert_eq!(msg(""), "strconv.Atoi: parsing \"\": invalid syntax");
        assert_eq!(msg("-"), "strconv.Atoi: parsing \"-\": invalid syntax");
        assert_eq!(msg(" 5"), "strconv.Atoi: parsing \" 5\": invalid syntax");
        assert_eq!(msg("1_000"), "strconv.Atoi: parsing \"1_000\": invalid syntax");
        assert_eq!(msg("3.0"), "strconv.Atoi: parsing \"3.0\": invalid syntax");
        assert_eq!(
            msg("9223372036854775808"),
            "strconv.Atoi: parsing \"9223372036854775808\": value out of range"
        );
        assert_eq!(
            msg("99999999999999999999x"),
            "strconv.Atoi: parsing \"99999999999999999999x\": value out of range"
        );
        assert_eq!(
            msg("{{inputs.parameters.n}}"),
            "strconv.Atoi: parsing \"{{inputs.parameters.n}}\": invalid syntax"
        );
    }
}
