//! `{{…}}` scanning and substitution on arbitrary strings.
#![no_main]

use std::borrow::Cow;

use engine::tags;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(found) = tags::scan(text) {
            for t in &found {
                assert!(t.start < t.end && t.end <= text.len());
                assert!(text.is_char_boundary(t.body_offset));
            }
        }
        let _ = tags::substitute_simple(text, &|name: &str| {
            (name.len() % 2 == 0).then(|| Cow::Owned(name.repeat(2)))
        });
    }
});
