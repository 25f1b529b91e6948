//! "Did you mean …?" for misspelt names.

/// The candidate closest to `word`, if it is close enough to be a typo:
/// at most a third of the word's length in edits (and at least one).
pub fn did_you_mean<'a, I>(word: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .filter(|c| *c != word)
        .map(|c| (edit_distance(word, c, limit + 1), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// A help line for [`crate::diag::Diagnostic::with_help`], or `None`.
pub fn help<'a, I>(word: &str, candidates: I) -> Option<String>
where
    I: IntoIterator<Item = &'a str>,
{
    did_you_mean(word, candidates).map(|c| format!("did you mean `{c}`?"))
}

/// Edit distance counting insertions, deletions, substitutions and swaps
/// of neighbours (`mian` for `main` is one edit), giving up (returning
/// `cap`) once it must exceed `cap`, so comparing long strings stays cheap.
/// Case differences count half, rounded down, because `onexit` for
/// `onExit` is among the likeliest typos.
fn edit_distance(a: &str, b: &str, cap: usize) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) >= cap {
        return cap;
    }
    // Costs are doubled so that a case-only substitution can cost 1.
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).map(|j| 2 * j).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = 2 * (i + 1);
        let mut row_min = cur[0];
        for (j, cb) in b.iter().enumerate() {
            let sub = if ca == cb {
                0
            } else if ca.eq_ignore_ascii_case(cb) {
                1
            } else {
                2
            };
            let mut best = (prev[j] + sub).min(prev[j + 1] + 2).min(cur[j] + 2);
            if i > 0 && j > 0 && *ca == b[j - 1] && a[i - 1] == *cb {
                best = best.min(before[j - 1] + 2);
            }
            cur[j + 1] = best;
            row_min = row_min.min(best);
        }
        if row_min / 2 >= cap {
            return cap;
        }
        std::mem::swap(&mut before, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    (prev[b.len()] / 2).min(cap)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let names = ["build-image", "push-image", "checkout"];
        assert_eq!(did_you_mean("build-imag", names), Some("build-image"));
        assert_eq!(did_you_mean("chekout", names), Some("checkout"));
        assert_eq!(did_you_mean("deploy", names), None);
        assert_eq!(did_you_mean("entrypont", ["entrypoint", "templates"]), Some("entrypoint"));
        assert_eq!(did_you_mean("onexit", ["onExit"]), Some("onExit"));
        assert_eq!(did_you_mean("mian", ["main"]), Some("main"));
        assert_eq!(did_you_mean("biuld", ["build", "push"]), Some("build"));
    }
}
