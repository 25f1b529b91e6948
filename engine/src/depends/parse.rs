//! The `depends` parser: a shunting-yard over Argo's task-reference tokens,
//! with errors that point at the offending bytes.

use super::{Depends, DependsError, MAX_NESTING, MAX_OPERANDS, TaskResult};

/// Parse a `depends` string.
pub fn parse(src: &str) -> Result<Depends, DependsError> {
    let mut p = Parser { src, bytes: src.as_bytes(), pos: 0, operands: 0 };
    p.skip_ws();
    if p.pos == src.len() {
        return Err(p.error(0, src.len(), "empty depends expression".to_string()));
    }
    p.parse_expr()
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-'
}

struct Parser<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
    /// Task references seen so far.
    operands: usize,
}

/// An operator waiting on the shunting-yard stack.
#[derive(Clone, Copy)]
enum Op {
    Not,
    And,
    Or,
    /// An open parenthesis, with its offset for "never closed".
    Open(usize),
}

impl Op {
    /// Binding strength; `(` never gets reduced by an operator.
    fn binds(self) -> u8 {
        match self {
            Op::Open(_) => 0,
            Op::Or => 1,
            Op::And => 2,
            Op::Not => 3,
        }
    }
}

/// Apply `op` to the operands on top of `out`. The parser only reduces an
/// operator after pushing its operands, so they are always there; should
/// that ever fail the stack is left as is and `parse_expr` reports it.
fn reduce(op: Op, out: &mut Vec<Depends>, nesting: &mut usize) {
    match op {
        Op::Not => {
            *nesting -= 1;
            if let Some(d) = out.pop() {
                out.push(Depends::Not(Box::new(d)));
            }
        }
        Op::And | Op::Or => {
            if out.len() < 2 {
                return;
            }
            let (Some(b), Some(a)) = (out.pop(), out.pop()) else {
                return;
            };
            let (a, b) = (Box::new(a), Box::new(b));
            out.push(if matches!(op, Op::And) { Depends::And(a, b) } else { Depends::Or(a, b) });
        }
        Op::Open(_) => {}
    }
}

impl Parser<'_> {
    fn error(&self, offset: usize, len: usize, message: String) -> DependsError {
        DependsError { offset, len, message }
    }

    /// Whitespace as expr-lang skips it.
    fn skip_ws(&mut self) {
        while let Some(c) = self.src[self.pos..].chars().next() {
            if !c.is_whitespace() {
                break;
            }
            self.pos += c.len_utf8();
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn starts_with(&self, s: &str) -> bool {
        self.bytes[self.pos..].starts_with(s.as_bytes())
    }

    /// Describe the character at `pos` for messages, with its byte length.
    fn char_at(&self, pos: usize) -> (String, usize) {
        match self.src[pos..].chars().next() {
            Some(c) => (format!("'{c}'"), c.len_utf8()),
            None => ("end of expression".to_string(), 0),
        }
    }

    /// Shunting-yard over the token stream: no recursion, so neither long
    /// chains nor deep nesting can exhaust the stack while parsing.
    fn parse_expr(&mut self) -> Result<Depends, DependsError> {
        let mut out: Vec<Depends> = Vec::new();
        let mut ops: Vec<Op> = Vec::new();
        // Open `(` and pending `!` on `ops`, to enforce MAX_NESTING.
        let mut nesting = 0usize;
        loop {
            // Expecting an operand: any number of `!` and `(`, then a task.
            self.skip_ws();
            let at = self.pos;
            match self.peek() {
                Some(b'!') | Some(b'(') => {
                    nesting += 1;
                    if nesting > MAX_NESTING {
                        return Err(self.error(
                            at,
                            1,
                            format!("depends expression nests deeper than {MAX_NESTING} levels"),
                        ));
                    }
                    let op = if self.peek() == Some(b'!') { Op::Not } else { Op::Open(at) };
                    ops.push(op);
                    self.pos += 1;
                    continue;
                }
                _ => out.push(self.parse_task()?),
            }
            // Expecting an operator, a `)` or the end.
            loop {
                self.skip_ws();
                if self.starts_with(")") {
                    loop {
                        match ops.pop() {
                            Some(Op::Open(_)) => break,
                            Some(op) => reduce(op, &mut out, &mut nesting),
                            None => return Err(self.unexpected_after_operand()),
                        }
                    }
                    nesting -= 1;
                    self.pos += 1;
                    continue;
                }
                let op = if self.starts_with("&&") {
                    Op::And
                } else if self.starts_with("||") {
                    Op::Or
                } else if self.pos == self.src.len() {
                    while let Some(op) = ops.pop() {
                        if let Op::Open(open) = op {
                            return Err(self.error(
                                open,
                                1,
                                "this '(' is never closed: expected ')' before the end of the expression"
                                    .to_string(),
                            ));
                        }
                        reduce(op, &mut out, &mut nesting);
                    }
                    // One operand is left exactly when the input was well formed,
                    // which the token checks above guarantee.
                    return match (out.pop(), out.is_empty()) {
                        (Some(d), true) => Ok(d),
                        _ => Err(self.error(
                            0,
                            self.src.len(),
                            "malformed depends expression".to_string(),
                        )),
                    };
                } else {
                    return Err(self.unexpected_after_operand());
                };
                // Left-associative: first apply everything at least as tight.
                while let Some(top) = ops.last().copied() {
                    if top.binds() < op.binds() {
                        break;
                    }
                    ops.pop();
                    reduce(top, &mut out, &mut nesting);
                }
                ops.push(op);
                self.pos += 2;
                break;
            }
        }
    }

    fn parse_task(&mut self) -> Result<Depends, DependsError> {
        let start = self.pos;
        match self.peek() {
            Some(b) if b.is_ascii_alphanumeric() => {}
            Some(b'-') => {
                return Err(self.error(
                    start,
                    1,
                    "a task name must start with a letter or a digit, not '-'".to_string(),
                ));
            }
            _ => {
                let (what, len) = self.char_at(start);
                return Err(self.error(
                    start,
                    len,
                    format!("expected a task name, '!' or '(', found {what}"),
                ));
            }
        }
        while self.peek().is_some_and(is_name_byte) {
            self.pos += 1;
        }
        let name = &self.src[start..self.pos];
        self.operands += 1;
        if self.operands > MAX_OPERANDS {
            return Err(self.error(
                start,
                name.len(),
                format!("depends expression refers to more than {MAX_OPERANDS} tasks"),
            ));
        }
        let mut result = None;
        if self.peek() == Some(b'.') {
            let dot = self.pos;
            self.pos += 1;
            let rstart = self.pos;
            // Take every name-like byte so the whole misspelling is reported.
            while self.peek().is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
                self.pos += 1;
            }
            let suffix = &self.src[rstart..self.pos];
            if suffix.is_empty() {
                return Err(self.error(
                    dot,
                    1,
                    format!(
                        "expected a task result after '{name}.' (valid results: {})",
                        valid_results()
                    ),
                ));
            }
            match TaskResult::from_name(suffix) {
                Some(r) => result = Some(r),
                None => {
                    let hint = crate::suggest::did_you_mean(
                        suffix,
                        TaskResult::ALL.iter().map(|r| r.name()),
                    )
                    .map(|s| format!("; did you mean '{s}'?"))
                    .unwrap_or_default();
                    return Err(self.error(
                        rstart,
                        suffix.len(),
                        format!(
                            "task result '{suffix}' for task '{name}' is invalid{hint} (valid results: {})",
                            valid_results()
                        ),
                    ));
                }
            }
        } else {
            // `A .Succeeded`: Argo's regex needs the dot right after the name
            // (otherwise it reads two task names), so say so plainly.
            let gap = self.bytes[self.pos..].iter().take_while(|b| b.is_ascii_whitespace()).count();
            if gap > 0 && self.bytes.get(self.pos + gap) == Some(&b'.') {
                return Err(self.error(
                    self.pos,
                    gap + 1,
                    format!("no whitespace is allowed between task '{name}' and '.'"),
                ));
            }
        }
        Ok(Depends::Task { name: name.to_string(), result, offset: start })
    }

    /// The error for whatever sits where `&&`, `||`, `)` or the end was due.
    fn unexpected_after_operand(&self) -> DependsError {
        let at = self.pos;
        let rest = &self.bytes[at..];
        let (what, len) = self.char_at(at);
        let message = if rest.starts_with(b")") {
            "unexpected ')' without a matching '('".to_string()
        } else if rest.starts_with(b"&") {
            "expected '&&', found a single '&'".to_string()
        } else if rest.starts_with(b"|") {
            "expected '||', found a single '|'".to_string()
        } else if rest.starts_with(b".") {
            "unexpected '.': a task result follows the task name directly, as in 'A.Succeeded'"
                .to_string()
        } else if rest.first().is_some_and(|b| is_name_byte(*b)) {
            let word_len = rest.iter().take_while(|b| is_name_byte(**b)).count();
            let word = &self.src[at..at + word_len];
            return self.error(at, word_len, format!("expected '&&', '||' or ')' before '{word}'"));
        } else {
            format!("expected '&&', '||' or ')', found {what}")
        };
        self.error(at, len, message)
    }
}

fn valid_results() -> String {
    TaskResult::ALL.iter().map(|r| r.name()).collect::<Vec<_>>().join(", ")
}
