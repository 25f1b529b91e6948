//! Splitting the compact JSON text Argo holds for an item: at its top
//! level (array elements, object members) and a member into key and value.

use crate::golang::json::string_end;

/// The top-level pieces of a compact JSON array (`[a,b]` → `a`, `b`) or
/// object (`{"k":v}` → `"k":v`), split at depth-1 commas.
pub(super) fn split_top(compact: &str) -> Vec<&str> {
    let Some(inner) = compact.get(1..compact.len().saturating_sub(1)) else {
        return Vec::new();
    };
    let mut parts = Vec::new();
    let (mut depth, mut in_string, mut escaped, mut start) = (0usize, false, false, 0);
    for (i, c) in inner.bytes().enumerate() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            b'"' => in_string = true,
            b'[' | b'{' => depth += 1,
            b']' | b'}' => depth = depth.saturating_sub(1),
            b',' if depth == 0 => {
                parts.extend(inner.get(start..i));
                start = i + 1;
            }
            _ => {}
        }
    }
    if !inner.is_empty() {
        parts.extend(inner.get(start..));
    }
    parts
}

/// Split a compact object member `"key":value` into the raw key literal and
/// the raw value.
pub(super) fn split_member(member: &str) -> Option<(&str, &str)> {
    let end = string_end(member)?;
    let key = member.get(..end)?;
    let value = member.get(end..)?.strip_prefix(':')?;
    Some((key, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitting() {
        assert_eq!(
            split_top("[1,\"a,b\",[2,3],{\"k\":4}]"),
            ["1", "\"a,b\"", "[2,3]", "{\"k\":4}"]
        );
        assert!(split_top("[]").is_empty());
        assert_eq!(split_member("\"a\\\":\":[1]"), Some(("\"a\\\":\"", "[1]")));
    }
}
