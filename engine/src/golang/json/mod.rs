//! Go's `encoding/json` as it shows through Argo: what `json.Marshal` and
//! `json.MarshalIndent` write (`encode`: sorted keys, Go's string escapes
//! and float format), the scanner's validity check with Go's messages and
//! `json.Compact` (`scan`), and reading text back as Go does (`decode`:
//! lenient string unescaping, the `interface{}` round trip). Nothing
//! recurses on the input's nesting except marshalling a `serde_json` value
//! (already bounded by whoever built it).

mod decode;
mod encode;
mod scan;

pub use decode::{decode_string, reencode_container, string_end};
pub use encode::{Style, format_float, marshal, write_string};
pub use scan::{check_valid, compact};
