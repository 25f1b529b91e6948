//! Source rewrites applied before expr-lang parses an expression, and the
//! map from rewritten offsets back to the author's.
//!
//! They work around what expr-lang 2.1 cannot do with Argo's expressions
//! (the edits themselves are found by `syntax`):
//! - `sprig.f(…)` parses as a method call it cannot dispatch: it becomes the
//!   function call `sprig_f(…)` (one byte changed).
//! - map literals `{k: v}` only work in expr-lang when every value is a plain
//!   literal; anything else (`{a: x}`, `{a: [1]}`, `{a: -1}`) panics in its
//!   tree builder or is silently truncated (`{a: 1 + 2}` is `{a: 1}`). They
//!   become calls `__map('k', v)` of a function we provide.
//! - `filter(xs, x > 0)`: Go's expr treats the second argument of `filter`,
//!   `map`, `all`, … as a closure; expr-lang only when it mentions `#`. It is
//!   wrapped in braces, `filter(xs, {x > 0})`, which both read the same way.

/// Replace `remove` bytes at `at` (an offset in the original) by `insert`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Edit {
    pub at: usize,
    pub remove: usize,
    pub insert: String,
}

impl Edit {
    pub(crate) fn replace(at: usize, remove: usize, insert: impl Into<String>) -> Self {
        Edit { at, remove, insert: insert.into() }
    }

    pub(crate) fn insert(at: usize, insert: impl Into<String>) -> Self {
        Edit { at, remove: 0, insert: insert.into() }
    }
}

/// A rewritten source and how its offsets relate to the original's.
#[derive(Debug, Clone)]
pub(crate) struct Rewritten {
    pub text: String,
    /// (original offset, rewritten offset) at each edit boundary, ascending.
    anchors: Vec<(usize, usize)>,
    original_len: usize,
}

impl Rewritten {
    /// Apply `edits` (at token boundaries, not overlapping) to `src`.
    pub(crate) fn new(src: &str, mut edits: Vec<Edit>) -> Self {
        // Insertions before replacements at the same offset.
        edits.sort_by_key(|e| (e.at, e.remove));
        let mut text = String::with_capacity(src.len() + edits.len() * 4);
        let mut anchors = vec![(0, 0)];
        let mut pos = 0;
        for e in edits {
            let Some(kept) = src.get(pos..e.at) else {
                continue;
            };
            text.push_str(kept);
            anchors.push((e.at, text.len()));
            text.push_str(&e.insert);
            pos = e.at + e.remove;
            anchors.push((pos, text.len()));
        }
        text.push_str(src.get(pos..).unwrap_or(""));
        Rewritten { text, anchors, original_len: src.len() }
    }

    /// The rewritten offset of the original offset `orig` (a token boundary).
    pub(crate) fn to_new(&self, orig: usize) -> usize {
        let i = self.anchors.partition_point(|&(o, _)| o <= orig).saturating_sub(1);
        let (o, n) = self.anchors[i];
        (n + orig.saturating_sub(o)).min(self.text.len())
    }

    /// The original offset a rewritten offset comes from (the start of the
    /// edit for offsets inside inserted text).
    pub(crate) fn to_original(&self, new: usize) -> usize {
        let i = self.anchors.partition_point(|&(_, n)| n <= new).saturating_sub(1);
        let (o, n) = self.anchors[i];
        // After the first, anchors come in pairs: an odd index starts an
        // edit (inserted text maps to where the edit is), an even one starts
        // text that was kept.
        if i % 2 == 1 {
            return o;
        }
        let limit = self.anchors.get(i + 1).map_or(self.original_len, |a| a.0);
        (o + new.saturating_sub(n)).min(limit).min(self.original_len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applies_edits_and_maps_offsets_both_ways() {
        let src = "x + {a: y}";
        let r = Rewritten::new(
            src,
            vec![
                Edit::replace(4, 1, "__map("),
                Edit::replace(5, 1, "'a'"),
                Edit::replace(6, 1, ","),
                Edit::replace(9, 1, ")"),
            ],
        );
        assert_eq!(r.text, "x + __map('a', y)");
        assert_eq!(r.to_new(4), 4);
        assert_eq!(r.to_new(8), 15);
        assert_eq!(r.to_new(10), r.text.len());
        assert_eq!(r.to_original(15), 8);
        assert_eq!(r.to_original(6), 4);
        assert_eq!(r.to_original(0), 0);
    }

    #[test]
    fn insertions_wrap() {
        let r = Rewritten::new("f(a, b > 1)", vec![Edit::insert(5, "{"), Edit::insert(10, "}")]);
        assert_eq!(r.text, "f(a, {b > 1})");
        assert_eq!(r.to_original(6), 5);
        assert_eq!(r.to_original(13), 11);
    }
}
