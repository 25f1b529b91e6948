//! The parts of Go's `encoding/json` (and `strconv`) that show through
//! Argo's loops: `scan` (validity with Go's messages, compaction), `encode`
//! (Go's JSON output, Argo's `jsonutil.Fix`), `text` (splitting, decoding,
//! quoting). Nothing recurses on the input's nesting.

mod encode;
mod scan;
mod text;

pub(super) use encode::{fix, marshal, reencode_container, write_string};
pub(super) use scan::{check_valid, compact};
pub(super) use text::{
    decode_string, go_quote, is_print, push_escaped_char, split_member, split_top,
};
