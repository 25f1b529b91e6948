//! `{{…}}` tags inside strings, found the way Argo's fasttemplate finds them.
//!
//! A tag opens at `{{` and closes at the *first* `}}` after it — even inside
//! an expression (`{{=toJson({'a':{'b':1}})}}` closes early in Argo too).
//! A tag whose body starts with `=` is an expr-lang expression
//! (`{{=inputs.parameters.x + 1}}`); any other is a simple variable
//! reference whose name Argo trims of surrounding spaces.
//!
//! This module only finds tags; [`crate::substitute`] replaces them and lint
//! decides what a name may mean where.

/// The two kinds of tag Argo knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagKind {
    /// `{{workflow.name}}`
    Simple,
    /// `{{=expr}}`
    Expression,
}

/// One tag in a string. Offsets are byte offsets into that string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag<'a> {
    pub kind: TagKind,
    /// The variable name (trimmed) or the expression source (after `=`).
    pub body: &'a str,
    /// Where `body` starts.
    pub body_offset: usize,
    /// The whole tag, `{{` to `}}` inclusive.
    pub start: usize,
    pub end: usize,
}

/// A `{{` without its `}}`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{{{{` at byte {offset} is never closed with `}}}}`")]
pub struct UnclosedTag {
    pub offset: usize,
}

/// Every tag of `s`, in order.
pub fn scan(s: &str) -> Result<Vec<Tag<'_>>, UnclosedTag> {
    let mut tags = Vec::new();
    let mut at = 0;
    while let Some(open) = s[at..].find("{{") {
        let start = at + open;
        let inner = start + 2;
        let Some(close) = s[inner..].find("}}") else {
            return Err(UnclosedTag { offset: start });
        };
        let raw = &s[inner..inner + close];
        let end = inner + close + 2;
        let tag = if let Some(expr) = raw.strip_prefix('=') {
            Tag { kind: TagKind::Expression, body: expr, body_offset: inner + 1, start, end }
        } else {
            let lead = raw.len() - raw.trim_start().len();
            Tag { kind: TagKind::Simple, body: raw.trim(), body_offset: inner + lead, start, end }
        };
        tags.push(tag);
        at = end;
    }
    Ok(tags)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_simple_and_expression_tags() {
        let s = "echo {{ inputs.parameters.x }} and {{=asInt(workflow.parameters.n) + 1}}";
        let tags = scan(s).expect("closed");
        assert_eq!(tags.len(), 2);
        assert_eq!(tags[0].kind, TagKind::Simple);
        assert_eq!(tags[0].body, "inputs.parameters.x");
        assert_eq!(&s[tags[0].body_offset..tags[0].body_offset + 19], "inputs.parameters.x");
        assert_eq!(tags[1].kind, TagKind::Expression);
        assert_eq!(tags[1].body, "asInt(workflow.parameters.n) + 1");
        assert_eq!(&s[tags[1].body_offset..tags[1].body_offset + 5], "asInt");
    }

    #[test]
    fn closes_at_the_first_closing_braces_like_fasttemplate() {
        let tags = scan("{{=toJson({'a':{'b':1}})}}").expect("closed");
        assert_eq!(tags[0].body, "toJson({'a':{'b':1");
    }

    #[test]
    fn unclosed_tags_are_errors() {
        assert_eq!(scan("a {{b").expect_err("unclosed").offset, 2);
        assert!(scan("no tags } { here").expect("fine").is_empty());
    }

    #[test]
    fn non_ascii_is_fine() {
        let tags = scan("é{{x}}ü{{").map(|t| t.len());
        assert!(tags.is_err());
        assert_eq!(scan("é{{x}}ü").expect("closed")[0].body, "x");
    }
}
