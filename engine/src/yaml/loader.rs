//! Builds [`Node`] trees from libyaml's event stream, one per document.

use std::collections::HashMap;

use super::libyaml::{Event, EventData, Mark, Parser, Style};

use super::node::{Node, NodeKind, Span};
use super::scalar::resolve_plain;
use crate::diag::Position;

/// Bounds on what one file may cost to read.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest accepted file. Argo objects live in etcd (1.5 MiB); a spec
    /// many times that size is a mistake, not a workflow.
    pub max_bytes: usize,
    /// Deepest nesting of sequences/mappings. Real specs stay below 30.
    pub max_depth: usize,
    /// Most values one file may expand to, counting alias copies: this is
    /// what stops a "billion laughs" file.
    pub max_nodes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self { max_bytes: 8 << 20, max_depth: 128, max_nodes: 2_000_000 }
    }
}

/// Why a file could not be read at all.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct LoadError {
    pub position: Position,
    pub message: String,
}

impl LoadError {
    fn at(m: &Mark, message: impl Into<String>) -> Self {
        Self { position: pos(m), message: message.into() }
    }
}

fn pos(m: &Mark) -> Position {
    Position { line: m.line as usize + 1, column: m.column as usize + 1 }
}

/// A collection being built, with where it started.
enum Open {
    Seq {
        start: Mark,
        anchor: Option<String>,
        items: Vec<Node>,
    },
    Map {
        start: Mark,
        anchor: Option<String>,
        entries: Vec<(String, Span, Node)>,
        /// The key read and waiting for its value.
        pending_key: Option<(String, Span)>,
        /// Keys that came from a `<<` merge: the mapping's own keys win.
        merged: Vec<String>,
    },
}

/// Parse every document of a YAML (or JSON) text. Empty documents (a
/// trailing `---`) are dropped, as kubectl does.
pub fn load_str(text: &str, limits: Limits) -> Result<Vec<Node>, LoadError> {
    if text.len() > limits.max_bytes {
        return Err(LoadError {
            position: Position { line: 1, column: 1 },
            message: format!(
                "file is {} bytes; Keelson reads specs of at most {} bytes",
                text.len(),
                limits.max_bytes
            ),
        });
    }
    let mut docs = Vec::new();
    let mut stack: Vec<Open> = Vec::new();
    let mut anchors: HashMap<String, Node> = HashMap::new();
    let mut budget = limits.max_nodes;
    let mut doc_root: Option<Node> = None;

    let mut parser = Parser::new(text.as_bytes());
    loop {
        let Event { data, start: start_mark, end: end_mark } = parser
            .next_event()
            .map_err(|e| LoadError::at(&e.mark, format!("invalid YAML: {}", e.problem)))?;
        let done: Option<(Node, Option<String>)> = match data {
            EventData::StreamEnd => break,
            EventData::Other => None,
            EventData::DocumentStart => {
                anchors.clear();
                None
            }
            EventData::DocumentEnd => {
                if let Some(root) = doc_root.take()
                    && !matches!(root.kind, NodeKind::Null)
                {
                    docs.push(root);
                }
                None
            }
            EventData::Scalar { value, style, anchor, tagged } => {
                let kind = match style {
                    Style::Plain if !tagged => {
                        let mut k = resolve_plain(&value);
                        if let NodeKind::Str { content_col, .. } = &mut k {
                            *content_col = single_line(&start_mark, &end_mark, 0);
                        }
                        k
                    }
                    Style::SingleQuoted | Style::DoubleQuoted => {
                        NodeKind::Str { value, content_col: single_line(&start_mark, &end_mark, 1) }
                    }
                    _ => NodeKind::Str { value, content_col: None },
                };
                Some((Node { span: to_span(&start_mark, &end_mark), kind }, anchor))
            }
            EventData::SequenceStart { anchor } => {
                if stack.len() >= limits.max_depth {
                    return Err(LoadError::at(
                        &start_mark,
                        format!("nesting deeper than {} levels", limits.max_depth),
                    ));
                }
                stack.push(Open::Seq { start: start_mark, anchor, items: Vec::new() });
                None
            }
            EventData::MappingStart { anchor } => {
                if stack.len() >= limits.max_depth {
                    return Err(LoadError::at(
                        &start_mark,
                        format!("nesting deeper than {} levels", limits.max_depth),
                    ));
                }
                stack.push(Open::Map {
                    start: start_mark,
                    anchor,
                    entries: Vec::new(),
                    pending_key: None,
                    merged: Vec::new(),
                });
                None
            }
            EventData::SequenceEnd => match stack.pop() {
                Some(Open::Seq { start, anchor, items }) => Some((
                    Node { span: to_span(&start, &end_mark), kind: NodeKind::Seq(items) },
                    anchor,
                )),
                _ => return Err(LoadError::at(&start_mark, "invalid YAML: unbalanced sequence")),
            },
            EventData::MappingEnd => match stack.pop() {
                Some(Open::Map { start, anchor, entries, .. }) => Some((
                    Node { span: to_span(&start, &end_mark), kind: NodeKind::Map(entries) },
                    anchor,
                )),
                _ => return Err(LoadError::at(&start_mark, "invalid YAML: unbalanced mapping")),
            },
            EventData::Alias { anchor } => {
                let Some(target) = anchors.get(&anchor) else {
                    return Err(LoadError::at(
                        &start_mark,
                        format!("alias `*{anchor}` refers to no anchor"),
                    ));
                };
                let mut copy = target.clone();
                copy.span = to_span(&start_mark, &end_mark);
                Some((copy, None))
            }
        };
        let Some((node, anchor)) = done else { continue };
        let cost = count_nodes(&node, budget);
        if cost >= budget {
            return Err(LoadError::at(
                &start_mark,
                format!("document expands to more than {} values (aliases?)", limits.max_nodes),
            ));
        }
        budget -= cost;
        if let Some(a) = anchor {
            anchors.insert(a, node.clone());
        }
        attach(&mut stack, &mut doc_root, node)?;
    }
    if let Some(root) = doc_root.take()
        && !matches!(root.kind, NodeKind::Null)
    {
        docs.push(root);
    }
    Ok(docs)
}

/// Hand a finished value to its parent (or make it the document root).
fn attach(stack: &mut [Open], root: &mut Option<Node>, node: Node) -> Result<(), LoadError> {
    match stack.last_mut() {
        None => *root = Some(node),
        Some(Open::Seq { items, .. }) => items.push(node),
        Some(Open::Map { entries, pending_key, merged, .. }) => match pending_key.take() {
            None => {
                let key = key_text(&node).ok_or_else(|| LoadError {
                    position: node.span.start,
                    message: "mapping keys must be scalars".to_string(),
                })?;
                if let Some(i) = merged.iter().position(|k| *k == key) {
                    merged.swap_remove(i);
                    entries.retain(|(k, _, _)| *k != key);
                }
                if let Some((_, first, _)) = entries.iter().find(|(k, _, _)| *k == key) {
                    // sigs.k8s.io/yaml refuses duplicate keys too: silently
                    // keeping one of them would hide a mistake.
                    return Err(LoadError {
                        position: node.span.start,
                        message: format!(
                            "duplicate key `{key}` (first set on line {})",
                            first.start.line
                        ),
                    });
                }
                *pending_key = Some((key, node.span));
            }
            Some((key, key_span)) => {
                if key == "<<" {
                    merge(entries, merged, node, key_span)?;
                } else {
                    entries.push((key, key_span, node));
                }
            }
        },
    }
    Ok(())
}

/// YAML 1.1 merge keys (`<<: *defaults`), which go-yaml honours: entries
/// of the merged mapping(s) are added unless the mapping sets them itself.
fn merge(
    entries: &mut Vec<(String, Span, Node)>,
    merged: &mut Vec<String>,
    node: Node,
    at: Span,
) -> Result<(), LoadError> {
    let sources = match node.kind {
        NodeKind::Map(m) => vec![m],
        NodeKind::Seq(items) => items
            .into_iter()
            .map(|n| match n.kind {
                NodeKind::Map(m) => Ok(m),
                _ => Err(()),
            })
            .collect::<Result<Vec<_>, ()>>()
            .map_err(|()| LoadError {
                position: at.start,
                message: "`<<` merges only mappings".to_string(),
            })?,
        _ => {
            return Err(LoadError {
                position: at.start,
                message: "`<<` merges only mappings".to_string(),
            });
        }
    };
    for source in sources {
        for (k, s, v) in source {
            if !entries.iter().any(|(e, _, _)| *e == k) {
                merged.push(k.clone());
                entries.push((k, s, v));
            }
        }
    }
    Ok(())
}

/// Map keys as Go renders them when it turns YAML into JSON.
fn key_text(node: &Node) -> Option<String> {
    Some(match &node.kind {
        NodeKind::Str { value, .. } => value.clone(),
        NodeKind::Int(i) => i.to_string(),
        NodeKind::Float(f) => f.to_string(),
        NodeKind::Bool(b) => b.to_string(),
        NodeKind::Null => "null".to_string(),
        NodeKind::Seq(_) | NodeKind::Map(_) => return None,
    })
}

/// Count values up to `limit` without recursing (deep trees must not
/// overflow the stack).
fn count_nodes(node: &Node, limit: usize) -> usize {
    let mut n = 0;
    let mut todo = vec![node];
    while let Some(cur) = todo.pop() {
        n += 1;
        if n >= limit {
            return n;
        }
        match &cur.kind {
            NodeKind::Seq(items) => todo.extend(items.iter()),
            NodeKind::Map(entries) => todo.extend(entries.iter().map(|(_, _, v)| v)),
            _ => {}
        }
    }
    n
}

fn to_span(start: &Mark, end: &Mark) -> Span {
    Span { start: pos(start), end: pos(end), offset: start.index as usize }
}

/// Column where a single-line scalar's content starts, if it is one.
fn single_line(start: &Mark, end: &Mark, quote: usize) -> Option<usize> {
    (start.line == end.line).then_some(start.column as usize + 1 + quote)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(s: &str) -> Result<Vec<Node>, LoadError> {
        load_str(s, Limits::default())
    }

    #[test]
    fn positions_are_one_based() {
        let docs = load("a:\n  b: [1, 'x']\n").expect("valid");
        let path = crate::diag::FieldPath::root().key("a").key("b").index(1);
        let n = docs[0].get(&path).expect("present");
        assert_eq!(n.span.start, Position { line: 2, column: 10 });
        assert_eq!(n.to_json(), serde_json::json!("x"));
    }

    #[test]
    fn multi_document_and_empty_documents() {
        let docs = load("a: 1\n---\n---\nb: 2\n---\n").expect("valid");
        assert_eq!(docs.len(), 2);
    }

    #[test]
    fn duplicate_keys_are_refused() {
        let e = load("a: 1\nb: 2\na: 3\n").expect_err("duplicate");
        assert!(e.message.contains("duplicate key `a`"), "{e}");
        assert_eq!(e.position.line, 3);
    }

    #[test]
    fn syntax_errors_have_positions() {
        let e = load("a: [1, 2\nb: 3\n").expect_err("bad");
        assert!(e.message.starts_with("invalid YAML"), "{e}");
    }

    #[test]
    fn anchors_aliases_and_merge_keys() {
        let docs = load("d: &d {a: 1, b: 2}\ne:\n  <<: *d\n  b: 3\n").expect("valid");
        assert_eq!(
            docs[0].to_json(),
            serde_json::json!({"d": {"a": 1, "b": 2}, "e": {"b": 3, "a": 1}})
        );
    }

    #[test]
    fn billion_laughs_is_bounded() {
        let mut s = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let prev = if i == 1 { "a".to_string() } else { format!("a{}", i - 1) };
            s.push_str(&format!(
                "a{i}: &a{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            ));
        }
        let e = load(&s).expect_err("too big");
        assert!(e.message.contains("expands"), "{e}");
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let s = "[".repeat(100_000);
        assert!(load(&s).is_err());
        let s = "a:\n".to_string() + &" - ".repeat(50_000) + "x";
        assert!(load(&s).is_err());
    }

    #[test]
    fn input_without_a_final_newline() {
        // Found by the `spec` fuzzer in a parser we used before libyaml.
        for text in ["a: \"x\" ", "a: 'x'  ", "a: [x] ", "k: |\n  x", "- \"x\"\t", "[!a,]"] {
            assert!(load_str(text, Limits::default()).is_ok(), "{text:?}");
        }
    }

    #[test]
    fn oversized_files_are_refused() {
        let limits = Limits { max_bytes: 10, ..Limits::default() };
        assert!(load_str("a: 123456789012", limits).is_err());
    }
}
