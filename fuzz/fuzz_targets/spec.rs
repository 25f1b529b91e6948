//! Spec parsing and the whole of lint on arbitrary bytes: never a panic.
#![no_main]

use engine::lint::{Catalog, Options, Source, lint};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let sources = [Source { name: "fuzz.yaml".into(), text: text.into() }];
        let _ = lint(&sources, &Catalog::default(), Options { strict: true });
    }
});
