//! govaluate's lexer (`parsing.go`, `lexerState.go` at the commit Argo
//! pins), rune by rune, quirks included:
//!
//! * a word starting with a letter reads letters, digits, `_` and `.`; `true`
//!   and `false` are booleans, `in`/`IN` the membership operator, a word with
//!   a `.` an *accessor* (which needs parameters, so it fails to evaluate);
//! * a number reads digits and dots (`0x…` is hex), so `1.2.3` is an error
//!   and `my-value` is `my`, minus, `value`;
//! * `'…'` and `"…"` both end at the first quote of *either* kind;
//! * a backslash escapes any character in every kind of token;
//! * operators are maximal runs of other characters, whitespace ending
//!   them: `a==-1` is the unknown token `==-`;
//! * `-`, `!` and `~` are prefixes where a value is expected.
//!
//! Non-ASCII letters and digits follow Rust's Unicode tables, which differ
//! from Go's `unicode.IsLetter`/`IsDigit` for a few marks and numerals.

use std::fmt;

use super::value::Pattern;
use crate::golang::strconv::{format_float, parse_float, parse_uint};
use crate::golang::time::{self, Time};

/// govaluate's `TokenKind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Unknown,
    Prefix,
    Numeric,
    Boolean,
    Str,
    Pattern,
    Time,
    Variable,
    Function,
    Separator,
    Accessor,
    Comparator,
    LogicalOp,
    Modifier,
    Clause,
    ClauseClose,
    Ternary,
}

impl Kind {
    /// `TokenKind.String()`.
    pub fn go_name(self) -> &'static str {
        match self {
            Kind::Unknown => "UNKNOWN",
            Kind::Prefix => "PREFIX",
            Kind::Numeric => "NUMERIC",
            Kind::Boolean => "BOOLEAN",
            Kind::Str => "STRING",
            Kind::Pattern => "PATTERN",
            Kind::Time => "TIME",
            Kind::Variable => "VARIABLE",
            Kind::Function => "FUNCTION",
            Kind::Separator => "SEPARATOR",
            Kind::Accessor => "ACCESSOR",
            Kind::Comparator => "COMPARATOR",
            Kind::LogicalOp => "LOGICALOP",
            Kind::Modifier => "MODIFIER",
            Kind::Clause => "CLAUSE",
            Kind::ClauseClose => "CLAUSE_CLOSE",
            Kind::Ternary => "TERNARY",
        }
    }

    /// `validLexerStates`: which kinds may follow a token of this kind.
    pub fn can_precede(self, next: Kind) -> bool {
        use Kind::*;
        let allowed: &[Kind] = match self {
            Unknown => &[
                Prefix, Numeric, Boolean, Variable, Pattern, Function, Accessor, Str, Time, Clause,
            ],
            Clause => &[
                Prefix,
                Numeric,
                Boolean,
                Variable,
                Pattern,
                Function,
                Accessor,
                Str,
                Time,
                Clause,
                ClauseClose,
            ],
            ClauseClose => &[
                Comparator,
                Modifier,
                Numeric,
                Boolean,
                Variable,
                Str,
                Pattern,
                Time,
                Clause,
                ClauseClose,
                LogicalOp,
                Ternary,
                Separator,
            ],
            Numeric | Boolean | Str | Variable => {
                &[Modifier, Comparator, LogicalOp, ClauseClose, Ternary, Separator]
            }
            Time | Pattern => &[Modifier, Comparator, LogicalOp, ClauseClose, Separator],
            Modifier => {
                &[Prefix, Numeric, Variable, Function, Accessor, Str, Boolean, Clause, ClauseClose]
            }
            Comparator => &[
                Prefix,
                Numeric,
                Boolean,
                Variable,
                Function,
                Accessor,
                Str,
                Time,
                Clause,
                ClauseClose,
                Pattern,
            ],
            LogicalOp => &[
                Prefix,
                Numeric,
                Boolean,
                Variable,
                Function,
                Accessor,
                Str,
                Time,
                Clause,
                ClauseClose,
            ],
            Prefix => &[Numeric, Boolean, Variable, Function, Accessor, Clause, ClauseClose],
            Ternary => &[
                Prefix, Numeric, Boolean, Str, Time, Variable, Function, Accessor, Clause,
                Separator,
            ],
            Function => &[Clause],
            Accessor => &[Clause, Modifier, Comparator, LogicalOp, ClauseClose, Ternary, Separator],
            Separator => {
                &[Prefix, Numeric, Boolean, Str, Time, Variable, Function, Accessor, Clause]
            }
        };
        allowed.contains(&next)
    }

    /// `lexerState.isEOF`: whether an expression may end after this kind.
    pub fn can_end(self) -> bool {
        matches!(
            self,
            Kind::ClauseClose
                | Kind::Numeric
                | Kind::Boolean
                | Kind::Str
                | Kind::Time
                | Kind::Pattern
                | Kind::Variable
                | Kind::Accessor
        )
    }
}

/// A token's value (`ExpressionToken.Value`).
#[derive(Debug, Clone)]
pub(super) enum Tv {
    Text(String),
    Num(f64),
    Bool(bool),
    /// `(` and `)` are stored as runes, so Go prints them as 40 and 41.
    Rune(char),
    Parts(Vec<String>),
    Time(Time),
    Pattern(Pattern),
}

/// Go's `%v` of a token value.
impl fmt::Display for Tv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tv::Text(s) => f.write_str(s),
            Tv::Num(n) => f.write_str(&format_float(*n, 'g')),
            Tv::Bool(b) => write!(f, "{b}"),
            Tv::Rune(c) => write!(f, "{}", u32::from(*c)),
            Tv::Parts(p) => write!(f, "[{}]", p.join(" ")),
            Tv::Time(t) => write!(f, "{t}"),
            Tv::Pattern(p) => f.write_str(&p.source),
        }
    }
}

/// A token and the bytes of the source it came from.
#[derive(Debug, Clone)]
pub(super) struct Token {
    pub kind: Kind,
    pub val: Tv,
    pub start: usize,
    pub end: usize,
}

impl Token {
    /// The operator spelling of an operator token.
    pub fn symbol(&self) -> Option<&str> {
        match &self.val {
            Tv::Text(s) => Some(s),
            _ => None,
        }
    }
}

/// A lexing failure: govaluate's error text, where, and whether Go would
/// have panicked instead of returning an error.
#[derive(Debug, Clone)]
pub(super) struct LexError {
    pub msg: String,
    pub start: usize,
    pub end: usize,
    pub panic: bool,
}

/// `lexerStream`: runes with their byte offsets.
struct Stream {
    chars: Vec<(usize, char)>,
    pos: usize,
    len: usize,
}

impl Stream {
    fn can_read(&self) -> bool {
        self.pos < self.chars.len()
    }

    /// Read the next rune; Go indexes past the end (and panics) when an
    /// escape is the last character, which comes back as `Err`.
    fn read(&mut self) -> Result<char, LexError> {
        match self.chars.get(self.pos) {
            Some(&(_, c)) => {
                self.pos += 1;
                Ok(c)
            }
            None => Err(LexError {
                msg: format!(
                    "runtime error: index out of range [{0}] with length {0}",
                    self.chars.len()
                ),
                start: self.len,
                end: self.len,
                panic: true,
            }),
        }
    }

    /// `rewind(n)`; negative `n` skips forward.
    fn rewind(&mut self, n: isize) {
        self.pos = self.pos.saturating_add_signed(-n).min(self.chars.len());
    }

    /// Byte offset of the next rune.
    fn offset(&self) -> usize {
        self.chars.get(self.pos).map_or(self.len, |&(o, _)| o)
    }

    /// End of a token that started at byte `start`: the next rune, less the
    /// whitespace that reading the token may have swallowed.
    fn token_end(&self, start: usize) -> usize {
        let mut p = self.pos.min(self.chars.len());
        while p > 0 && self.chars[p - 1].0 > start && is_space(self.chars[p - 1].1) {
            p -= 1;
        }
        self.chars.get(p).map_or(self.len, |&(o, _)| o)
    }
}

/// Go's `unicode.IsSpace` (the same set as Rust's White_Space).
fn is_space(c: char) -> bool {
    c.is_whitespace()
}

/// Go's `unicode.IsLetter` (categories L*); Rust's `is_alphabetic` adds
/// letter numbers, removed here, and a few marks.
fn is_letter(c: char) -> bool {
    c.is_ascii_alphabetic() || (!c.is_ascii() && c.is_alphabetic() && !c.is_numeric())
}

/// Go's `unicode.IsDigit` (category Nd), approximated for non-ASCII.
fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || (!c.is_ascii() && c.is_numeric() && !c.is_alphabetic())
}

fn is_numeric(c: char) -> bool {
    is_digit(c) || c == '.'
}

fn is_hex_digit(c: char) -> bool {
    is_digit(c) || matches!(c, 'a'..='f' | 'A'..='F')
}

fn is_not_quote(c: char) -> bool {
    c != '\'' && c != '"'
}

fn is_not_alphanumeric(c: char) -> bool {
    !(is_digit(c) || is_letter(c) || matches!(c, '(' | ')' | '[' | ']') || !is_not_quote(c))
}

fn is_variable_name(c: char) -> bool {
    is_letter(c) || is_digit(c) || c == '_' || c == '.'
}

fn is_not_closing_bracket(c: char) -> bool {
    c != ']'
}

/// `readUntilFalse`: the text read and whether it stopped on a character
/// failing `cond` or on whitespace (rather than at the end).
fn read_until_false(
    s: &mut Stream,
    include_ws: bool,
    break_ws: bool,
    cond: fn(char) -> bool,
) -> Result<(String, bool), LexError> {
    let mut buf = String::new();
    while s.can_read() {
        let mut c = s.read()?;
        // Backslashes escape anything (allowEscaping is always on).
        if c == '\\' {
            c = s.read()?;
            buf.push(c);
            continue;
        }
        if is_space(c) {
            if break_ws && !buf.is_empty() {
                return Ok((buf, true));
            }
            if !include_ws {
                continue;
            }
        }
        if cond(c) {
            buf.push(c);
        } else {
            s.rewind(1);
            return Ok((buf, true));
        }
    }
    Ok((buf, false))
}

/// `readTokenUntilFalse`: re-read the current rune, then up to whitespace or
/// a rune failing `cond`.
fn read_token_until_false(s: &mut Stream, cond: fn(char) -> bool) -> Result<String, LexError> {
    s.rewind(1);
    Ok(read_until_false(s, false, true, cond)?.0)
}

/// govaluate's date literals (`tryParseTime` in parsing.go): a quoted
/// string that `time.ParseInLocation(layout, s, time.Local)` reads in one
/// of these layouts, the first that fits, is a time (`planValue` makes it
/// its Unix time in seconds). The controller's local zone is taken to be
/// UTC, as in Argo's image.
fn try_parse_time(s: &str) -> Option<Time> {
    const LAYOUTS: [&str; 14] = [
        "Mon Jan _2 15:04:05 2006",            // ANSIC
        "Mon Jan _2 15:04:05 MST 2006",        // UnixDate
        "Mon Jan 02 15:04:05 -0700 2006",      // RubyDate
        "3:04PM",                              // Kitchen
        "2006-01-02T15:04:05Z07:00",           // RFC3339
        "2006-01-02T15:04:05.999999999Z07:00", // RFC3339Nano
        "2006-01-02",
        "2006-01-02 15:04",
        "2006-01-02 15:04:05",
        "2006-01-02 15:04:05-07:00",
        "2006-01-02T15Z0700",
        "2006-01-02T15:04Z0700",
        "2006-01-02T15:04:05Z0700",
        "2006-01-02T15:04:05.999999999Z0700",
    ];
    // Every layout needs a digit; skip the work for ordinary strings.
    if !s.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    LAYOUTS.iter().find_map(|layout| time::parse(layout, s))
}

/// Is `s` one of `set`?
fn lookup(set: &[&str], s: &str) -> bool {
    set.contains(&s)
}

const PREFIXES: &[&str] = &["-", "!", "~"];
const MODIFIERS: &[&str] = &["+", "-", "*", "/", "%", "**", "&", "|", "^", ">>", "<<"];
const LOGICALS: &[&str] = &["&&", "||"];
const COMPARATORS: &[&str] = &["==", "!=", ">", ">=", "<", "<=", "=~", "!~", "in"];
const TERNARIES: &[&str] = &["?", ":", "??"];

/// `readToken`: the next token, or `None` at the end of the input.
fn read_token(s: &mut Stream, state: Kind) -> Result<Option<Token>, LexError> {
    while s.can_read() {
        let start = s.offset();
        let c = s.read()?;
        if is_space(c) {
            continue;
        }
        let err = |s: &Stream, msg: String| LexError {
            msg,
            start,
            end: s.token_end(start),
            panic: false,
        };
        let tok = |s: &Stream, kind: Kind, val: Tv| {
            Ok(Some(Token { kind, val, start, end: s.token_end(start) }))
        };

        if is_numeric(c) {
            if s.can_read() && c == '0' {
                let x = s.read()?;
                if s.can_read() && x == 'x' {
                    let (hex, _) = read_until_false(s, false, true, is_hex_digit)?;
                    return match parse_uint(&hex, 16).ok() {
                        Some(v) => tok(s, Kind::Numeric, Tv::Num(v as f64)),
                        None => {
                            Err(err(s, format!("Unable to parse hex value '{hex}' to uint64\n")))
                        }
                    };
                }
                s.rewind(1);
            }
            let text = read_token_until_false(s, is_numeric)?;
            return match parse_float(&text).ok() {
                Some(v) => tok(s, Kind::Numeric, Tv::Num(v)),
                None => Err(err(s, format!("Unable to parse numeric value '{text}' to float64\n"))),
            };
        }

        if c == ',' {
            return tok(s, Kind::Separator, Tv::Text(",".to_string()));
        }

        if c == '[' {
            let (text, completed) = read_until_false(s, true, false, is_not_closing_bracket)?;
            if !completed {
                return Err(err(s, "Unclosed parameter bracket".to_string()));
            }
            s.rewind(-1);
            return tok(s, Kind::Variable, Tv::Text(text));
        }

        if is_letter(c) {
            let text = read_token_until_false(s, is_variable_name)?;
            let (mut kind, mut val) = match text.as_str() {
                "true" => (Kind::Boolean, Tv::Bool(true)),
                "false" => (Kind::Boolean, Tv::Bool(false)),
                "in" | "IN" => (Kind::Comparator, Tv::Text("in".to_string())),
                _ => (Kind::Variable, Tv::Text(text.clone())),
            };
            if text.find('.').is_some_and(|i| i > 0) {
                if text.ends_with('.') {
                    return Err(err(s, format!("Hanging accessor on token '{text}'")));
                }
                let parts: Vec<String> = text.split('.').map(str::to_string).collect();
                for part in &parts[1..] {
                    if let Some(first) = part.chars().next() {
                        // `unicode.ToUpper(r) != r`: Go's simple mapping.
                        let mut up = first.to_uppercase();
                        let unchanged = up.len() > 1 || up.next() == Some(first);
                        if !unchanged {
                            return Err(err(
                                s,
                                format!(
                                    "Unable to access unexported field '{part}' in token '{text}'"
                                ),
                            ));
                        }
                    }
                }
                kind = Kind::Accessor;
                val = Tv::Parts(parts);
            }
            return tok(s, kind, val);
        }

        if !is_not_quote(c) {
            let (text, completed) = read_until_false(s, true, false, is_not_quote)?;
            if !completed {
                return Err(err(s, "Unclosed string literal".to_string()));
            }
            s.rewind(-1);
            return match try_parse_time(&text) {
                Some(t) => tok(s, Kind::Time, Tv::Time(t)),
                None => tok(s, Kind::Str, Tv::Text(text)),
            };
        }

        if c == '(' {
            return tok(s, Kind::Clause, Tv::Rune('('));
        }
        if c == ')' {
            return tok(s, Kind::ClauseClose, Tv::Rune(')'));
        }

        // Must be a known symbol.
        let text = read_token_until_false(s, is_not_alphanumeric)?;
        let kind = if state.can_precede(Kind::Prefix) && lookup(PREFIXES, &text) {
            Kind::Prefix
        } else if lookup(MODIFIERS, &text) {
            Kind::Modifier
        } else if lookup(LOGICALS, &text) {
            Kind::LogicalOp
        } else if lookup(COMPARATORS, &text) {
            Kind::Comparator
        } else if lookup(TERNARIES, &text) {
            Kind::Ternary
        } else {
            return Err(err(s, format!("Invalid token: '{text}'")));
        };
        return tok(s, kind, Tv::Text(text));
    }
    Ok(None)
}

/// `parseTokens` followed by `checkBalance`.
pub(super) fn tokenize(src: &str) -> Result<Vec<Token>, LexError> {
    let mut s = Stream { chars: src.char_indices().collect(), pos: 0, len: src.len() };
    let mut tokens = Vec::new();
    let mut state = Kind::Unknown;
    while s.can_read() {
        match read_token(&mut s, state)? {
            Some(t) => {
                state = t.kind;
                tokens.push(t);
            }
            None => break,
        }
    }
    let mut parens: i64 = 0;
    for t in &tokens {
        match t.kind {
            Kind::Clause => parens += 1,
            Kind::ClauseClose => parens -= 1,
            _ => {}
        }
    }
    if parens != 0 {
        return Err(LexError {
            msg: "Unbalanced parenthesis".to_string(),
            start: 0,
            end: src.len(),
            panic: false,
        });
    }
    Ok(tokens)
}
