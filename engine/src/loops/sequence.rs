//! `withSequence`: Argo's `expandSequence` (workflow/controller/operator.go).

use super::{LoopError, MAX_ITEMS, MAX_TEXT_BYTES};
use crate::golang::fmt::sprintf_int;
use crate::golang::json::compact;
use crate::golang::strconv;
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
        IntOrString::String(s) => strconv::atoi(s).map_err(|e| LoopError::new(e.to_string())),
    }
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
}
