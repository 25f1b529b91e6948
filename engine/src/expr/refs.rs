//! The variables an expression refers to, read from tokens: an identifier
//! followed by `.name` / `?.name` / `['key']` links with constant keys.
//! Used by lint ([`references`](super::references)) and by evaluation, which
//! only materialises the parts of the variables an expression can reach.

use super::lexer::{Kind, Token, string_value, tokenize};

/// One chain `root.a['b']…`: its constant segments and where it starts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Chain {
    pub segments: Vec<String>,
    pub offset: usize,
}

/// Words that are operators or literals, never variables.
const KEYWORDS: &[&str] = &[
    "true",
    "false",
    "nil",
    "and",
    "or",
    "not",
    "in",
    "matches",
    "contains",
    "startsWith",
    "endsWith",
    "let",
    "if",
    "else",
];

/// Every variable chain in `src`, including `$env` and `let`-bound names.
pub(crate) fn chains(src: &str, toks: &[Token]) -> Vec<Chain> {
    let mut out = Vec::new();
    // Open brackets, to tell `{key: …}` map keys from `a ? b : c`.
    let mut open: Vec<&str> = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let t = toks[i];
        let text = t.text(src);
        if t.kind == Kind::Punct {
            match text {
                "(" | "[" | "{" => open.push(text),
                ")" | "]" | "}" => {
                    open.pop();
                }
                _ => {}
            }
        }
        if t.kind != Kind::Ident || !is_root(src, toks, i, &open) {
            i += 1;
            continue;
        }
        let mut segments = vec![text.to_string()];
        let mut j = i + 1;
        loop {
            let at = |k: usize| toks.get(k).copied();
            let is = |k: usize, p: &str| at(k).is_some_and(|t| t.is(src, p));
            if (is(j, ".") || is(j, "?."))
                && at(j + 1).is_some_and(|n| matches!(n.kind, Kind::Ident | Kind::Hash))
            {
                // `a.f(…)` is a method call, not a member.
                if is(j + 2, "(") {
                    break;
                }
                segments.push(at(j + 1).map(|n| n.text(src).to_string()).unwrap_or_default());
                j += 2;
                continue;
            }
            let bracket = if is(j, "[") {
                Some(j)
            } else if is(j, "?.") && is(j + 1, "[") {
                Some(j + 1)
            } else {
                None
            };
            if let Some(b) = bracket
                && at(b + 1).is_some_and(|k| k.kind == Kind::Str)
                && is(b + 2, "]")
            {
                let key = at(b + 1).and_then(|k| string_value(k.text(src)));
                segments.push(key.unwrap_or_default());
                j = b + 3;
                continue;
            }
            break;
        }
        out.push(Chain { segments, offset: t.start });
        // The brackets of `['key']` links were skipped; none stay open.
        i = j;
    }
    out
}

/// Whether the identifier at `i` starts a variable chain.
fn is_root(src: &str, toks: &[Token], i: usize, open: &[&str]) -> bool {
    let t = toks[i];
    let text = t.text(src);
    let prev = i.checked_sub(1).and_then(|k| toks.get(k)).copied();
    let next = toks.get(i + 1).copied();
    let is_prev = |p: &str| prev.is_some_and(|t| t.is(src, p));
    let is_next = |p: &str| next.is_some_and(|t| t.is(src, p));
    if KEYWORDS.contains(&text) {
        return false;
    }
    // A member (`a.b`, the `.name` predicate) or a function name.
    if is_prev(".") || is_prev("?.") || is_next("(") {
        return false;
    }
    // `sprig.fn(…)` names a function namespace.
    if text == "sprig" && is_next(".") {
        return false;
    }
    // A map literal key.
    if is_next(":") && (is_prev("{") || is_prev(",")) && open.last() == Some(&"{") {
        return false;
    }
    // The name a `let` binds: `let x =` or the grammar's `letx =`.
    if prev.is_some_and(|p| p.is_word(src, "let")) && is_next("=") {
        return false;
    }
    if text.len() > 3 && text.starts_with("let") && is_next("=") && starts_statement(src, prev) {
        return false;
    }
    true
}

fn starts_statement(src: &str, prev: Option<Token>) -> bool {
    prev.is_none_or(|p| p.is(src, ";"))
}

/// Names bound by `let` statements (`let x = …;`, `letx = …;`).
fn let_names(src: &str, toks: &[Token]) -> Vec<String> {
    let mut names = Vec::new();
    for (i, t) in toks.iter().enumerate() {
        let next = toks.get(i + 1);
        if t.is_word(src, "let") {
            if let Some(n) = next
                && matches!(n.kind, Kind::Ident | Kind::Hash)
                && toks.get(i + 2).is_some_and(|e| e.is(src, "="))
            {
                names.push(n.text(src).to_string());
            }
        } else if t.kind == Kind::Ident
            && t.text(src).len() > 3
            && t.text(src).starts_with("let")
            && next.is_some_and(|e| e.is(src, "="))
            && starts_statement(src, i.checked_sub(1).map(|k| toks[k]))
        {
            names.push(t.text(src)[3..].to_string());
        }
    }
    names
}

/// See [`super::references`].
pub(crate) fn references(src: &str) -> Vec<(String, usize)> {
    let toks = tokenize(src);
    let bound = let_names(src, &toks);
    chains(src, &toks)
        .into_iter()
        .filter(|c| c.segments.first().is_some_and(|root| root != "$env" && !bound.contains(root)))
        .map(|c| (c.segments.join("."), c.offset))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotted_and_indexed_chains() {
        let src = "inputs.parameters['my-p'] + workflow.parameters.x";
        assert_eq!(
            references(src),
            vec![("inputs.parameters.my-p".into(), 0), ("workflow.parameters.x".into(), 28)]
        );
        assert_eq!(
            references("steps['flip-coin'].outputs.result == 'heads'"),
            vec![("steps.flip-coin.outputs.result".into(), 0)]
        );
    }

    #[test]
    fn dynamic_index_ends_the_chain() {
        assert_eq!(
            references("tasks[name].outputs + a?.b?.['c'][0].d"),
            vec![("tasks".into(), 0), ("name".into(), 6), ("a.b.c".into(), 22)]
        );
    }

    #[test]
    fn skips_functions_keywords_closures_keys_and_lets() {
        let src = "let y = 2; asInt(x) > y and filter(items, {#.v > 1 && .w}) != nil \
                   && {k: z}.k in [true] && sprig.trim(s) == t.f(u)";
        let names: Vec<String> = references(src).into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, vec!["x", "items", "z", "s", "t", "u"]);
    }

    #[test]
    fn ternary_and_slices_are_not_map_keys() {
        let names: Vec<String> = references("a ? b : c[d:e]").into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, vec!["a", "b", "c", "d", "e"]);
    }

    #[test]
    fn strings_and_comments_are_not_references() {
        assert!(references("'workflow.status' // inputs.x\n").is_empty());
    }
}
