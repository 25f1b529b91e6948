//! The spanned value tree that lint reports positions from.

use serde_json::{Map, Number, Value};

use crate::diag::{FieldPath, PathSeg, Position};

/// Where a value sits in its source: 1-based line and column of its first
/// and last character, and the byte offset of the start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    pub start: Position,
    pub end: Position,
    pub offset: usize,
}

/// A YAML value with its position. Scalars keep their style because a
/// position *inside* a string (an expression's bad token) can only be
/// computed for single-line plain or quoted scalars.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub span: Span,
    pub kind: NodeKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// A string; `quoted` is 0 for plain, 1 for quoted (the content starts
    /// one column after the value), `None` for block scalars.
    Str {
        value: String,
        content_col: Option<usize>,
    },
    Seq(Vec<Node>),
    /// Entries in source order; keys carry their own span.
    Map(Vec<(String, Span, Node)>),
}

impl Node {
    /// The node at `path`, if every step exists.
    pub fn get(&self, path: &FieldPath) -> Option<&Node> {
        let mut cur = self;
        for seg in path.segments() {
            cur = match (seg, &cur.kind) {
                (PathSeg::Key(k), NodeKind::Map(entries)) => {
                    &entries.iter().rev().find(|(name, _, _)| name == k)?.2
                }
                (PathSeg::Index(i), NodeKind::Seq(items)) => items.get(*i)?,
                _ => return None,
            };
        }
        Some(cur)
    }

    /// The best position for a finding about `path`: the deepest existing
    /// node on the way there (a missing field is reported at its parent).
    /// A finding about a mapping entry points at its key, which is where an
    /// editor's cursor should land.
    pub fn locate(&self, path: &FieldPath, within: Option<(usize, usize)>) -> Position {
        let mut cur = self;
        let mut pos = self.span.start;
        for seg in path.segments() {
            let next = match (seg, &cur.kind) {
                (PathSeg::Key(k), NodeKind::Map(entries)) => entries
                    .iter()
                    .rev()
                    .find(|(name, _, _)| name == k)
                    .map(|(_, key_span, node)| (key_span.start, node)),
                (PathSeg::Index(i), NodeKind::Seq(items)) => {
                    items.get(*i).map(|n| (n.span.start, n))
                }
                _ => None,
            };
            match next {
                Some((p, n)) => {
                    pos = p;
                    cur = n;
                }
                None => return pos,
            }
        }
        if let (Some((start, _)), NodeKind::Str { value, content_col: Some(col) }) =
            (within, &cur.kind)
        {
            // Columns count characters, offsets count bytes.
            let chars = value.get(..start).map_or(0, |s| s.chars().count());
            return Position { line: cur.span.start.line, column: col + chars };
        }
        match cur.kind {
            // Point at the value for scalars: that is what is wrong.
            NodeKind::Map(_) | NodeKind::Seq(_) => pos,
            _ => cur.span.start,
        }
    }

    /// Convert to JSON. Non-finite floats have no JSON form; they become
    /// strings, which is what a typed field will then reject with a path.
    pub fn to_json(&self) -> Value {
        match &self.kind {
            NodeKind::Null => Value::Null,
            NodeKind::Bool(b) => Value::Bool(*b),
            NodeKind::Int(i) => Value::Number((*i).into()),
            NodeKind::Float(f) => Number::from_f64(*f)
                .map(Value::Number)
                .unwrap_or_else(|| Value::String(f.to_string())),
            NodeKind::Str { value, .. } => Value::String(value.clone()),
            NodeKind::Seq(items) => Value::Array(items.iter().map(Node::to_json).collect()),
            NodeKind::Map(entries) => {
                let mut m = Map::new();
                for (k, _, v) in entries {
                    m.insert(k.clone(), v.to_json());
                }
                Value::Object(m)
            }
        }
    }
}
