//! A safe event stream over libyaml, the C YAML parser (as transpiled to
//! Rust by `unsafe-libyaml`, which serde_yaml used for years).
//!
//! Why libyaml: go-yaml, which Kubernetes and Argo use, is a port of it, so
//! it accepts the same documents (strict YAML 1.2 parsers refuse loosely
//! indented multi-line strings found in real workflows). Why not the
//! "safe" Rust port: fuzzing found it panicking on inputs the C code
//! handles. All `unsafe` of the engine is in this file.

use std::marker::PhantomData;
use std::mem::MaybeUninit;

use unsafe_libyaml as unsafe_sys;

/// A position: 0-based line and column, and character index.
#[derive(Debug, Clone, Copy, Default)]
pub struct Mark {
    pub index: u64,
    pub line: u64,
    pub column: u64,
}

impl From<unsafe_sys::yaml_mark_t> for Mark {
    fn from(m: unsafe_sys::yaml_mark_t) -> Self {
        Mark { index: m.index, line: m.line, column: m.column }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Block,
}

#[derive(Debug)]
pub enum EventData {
    StreamEnd,
    DocumentStart,
    DocumentEnd,
    Alias { anchor: String },
    Scalar { value: String, style: Style, anchor: Option<String>, tagged: bool },
    SequenceStart { anchor: Option<String> },
    SequenceEnd,
    MappingStart { anchor: Option<String> },
    MappingEnd,
    Other,
}

#[derive(Debug)]
pub struct Event {
    pub data: EventData,
    pub start: Mark,
    pub end: Mark,
}

#[derive(Debug)]
pub struct ParseError {
    pub problem: String,
    pub mark: Mark,
}

/// A parser over borrowed input.
pub struct Parser<'input> {
    /// Boxed: libyaml keeps pointers into its own struct.
    parser: Box<MaybeUninit<unsafe_sys::yaml_parser_t>>,
    done: bool,
    _input: PhantomData<&'input [u8]>,
}

impl<'input> Parser<'input> {
    pub fn new(input: &'input [u8]) -> Self {
        let mut parser = Box::new(MaybeUninit::<unsafe_sys::yaml_parser_t>::uninit());
        // SAFETY: `yaml_parser_initialize` fully initialises the struct it is
        // given (it memsets it first); the input outlives the parser thanks
        // to the `'input` lifetime, and libyaml only reads from it.
        unsafe {
            let p = parser.as_mut_ptr();
            if unsafe_sys::yaml_parser_initialize(p).fail {
                // Only fails on allocation failure, which aborts in Rust.
                return Parser { parser, done: true, _input: PhantomData };
            }
            unsafe_sys::yaml_parser_set_input_string(p, input.as_ptr(), input.len() as u64);
        }
        Parser { parser, done: false, _input: PhantomData }
    }

    /// The next event, or why the input is not YAML.
    pub fn next_event(&mut self) -> Result<Event, ParseError> {
        if self.done {
            return Ok(Event {
                data: EventData::StreamEnd,
                start: Mark::default(),
                end: Mark::default(),
            });
        }
        let mut raw = MaybeUninit::<unsafe_sys::yaml_event_t>::uninit();
        // SAFETY: the parser was initialised in `new`; `yaml_parser_parse`
        // initialises `raw` when it succeeds, and we read it only then.
        unsafe {
            let p = self.parser.as_mut_ptr();
            if unsafe_sys::yaml_parser_parse(p, raw.as_mut_ptr()).fail {
                self.done = true;
                // The error fields are read through libyaml's `Deref` to
                // its public prefix of the parser struct.
                let state: &unsafe_sys::yaml_parser_t = &*p;
                let problem = c_str(state.problem).unwrap_or_else(|| "unknown error".to_string());
                return Err(ParseError { problem, mark: state.problem_mark.into() });
            }
            let ev = raw.as_mut_ptr();
            let event = convert(&*ev);
            unsafe_sys::yaml_event_delete(ev);
            if matches!(event.data, EventData::StreamEnd) {
                self.done = true;
            }
            Ok(event)
        }
    }
}

impl Drop for Parser<'_> {
    fn drop(&mut self) {
        // SAFETY: initialised in `new` (initialisation failure leaves a
        // zeroed struct, which `yaml_parser_delete` also accepts).
        unsafe { unsafe_sys::yaml_parser_delete(self.parser.as_mut_ptr()) }
    }
}

/// Copy an event out of libyaml's memory.
///
/// SAFETY: `ev` must be an event just returned by `yaml_parser_parse`; its
/// union member is selected by `type_` as libyaml documents.
unsafe fn convert(ev: &unsafe_sys::yaml_event_t) -> Event {
    let data = unsafe {
        match ev.type_ {
            unsafe_sys::YAML_STREAM_END_EVENT => EventData::StreamEnd,
            unsafe_sys::YAML_DOCUMENT_START_EVENT => EventData::DocumentStart,
            unsafe_sys::YAML_DOCUMENT_END_EVENT => EventData::DocumentEnd,
            unsafe_sys::YAML_ALIAS_EVENT => {
                EventData::Alias { anchor: c_str(ev.data.alias.anchor.cast()).unwrap_or_default() }
            }
            unsafe_sys::YAML_SCALAR_EVENT => {
                let s = ev.data.scalar;
                let bytes = if s.value.is_null() {
                    &[][..]
                } else {
                    std::slice::from_raw_parts(s.value, s.length as usize)
                };
                let style = match s.style {
                    unsafe_sys::YAML_PLAIN_SCALAR_STYLE => Style::Plain,
                    unsafe_sys::YAML_SINGLE_QUOTED_SCALAR_STYLE => Style::SingleQuoted,
                    unsafe_sys::YAML_DOUBLE_QUOTED_SCALAR_STYLE => Style::DoubleQuoted,
                    _ => Style::Block,
                };
                EventData::Scalar {
                    value: String::from_utf8_lossy(bytes).into_owned(),
                    style,
                    anchor: c_str(s.anchor.cast()),
                    tagged: !s.tag.is_null(),
                }
            }
            unsafe_sys::YAML_SEQUENCE_START_EVENT => {
                EventData::SequenceStart { anchor: c_str(ev.data.sequence_start.anchor.cast()) }
            }
            unsafe_sys::YAML_SEQUENCE_END_EVENT => EventData::SequenceEnd,
            unsafe_sys::YAML_MAPPING_START_EVENT => {
                EventData::MappingStart { anchor: c_str(ev.data.mapping_start.anchor.cast()) }
            }
            unsafe_sys::YAML_MAPPING_END_EVENT => EventData::MappingEnd,
            _ => EventData::Other,
        }
    };
    Event { data, start: ev.start_mark.into(), end: ev.end_mark.into() }
}

/// A NUL-terminated string from libyaml, if the pointer is set.
///
/// SAFETY: `p` is null or points to a NUL-terminated string owned by
/// libyaml and alive for the duration of the call.
unsafe fn c_str(p: *const std::ffi::c_char) -> Option<String> {
    if p.is_null() {
        return None;
    }
    Some(unsafe { std::ffi::CStr::from_ptr(p) }.to_string_lossy().into_owned())
}
