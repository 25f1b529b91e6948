//! `{{…}}` scanning and substitution (simple and expression tags) on
//! arbitrary strings.
#![no_main]

use engine::expr::Vars;
use engine::substitute::{self, Mode};
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
        let mut vars = Vars::new();
        vars.insert("item", serde_json::json!({"a": [1, "x"]}));
        vars.insert("inputs.parameters.x", serde_json::Value::String(text.chars().take(8).collect()));
        let _ = substitute::string(text, &vars, Mode::Strict);
        let _ = substitute::string(text, &vars, Mode::AllowUnresolved);
    }
});
