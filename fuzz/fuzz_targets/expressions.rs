//! expr-lang expressions, `when` conditions and `depends` clauses on
//! arbitrary strings: every one must come back as a value or an error.
#![no_main]

use engine::expr::{self, Vars};
use engine::{depends, when};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let mut vars = Vars::new();
        vars.insert("inputs.parameters.x", serde_json_value(text));
        vars.insert("workflow.name", serde_json_value("wf"));
        let _ = expr::check(text);
        let _ = expr::eval(text, &vars);
        let _ = expr::references(text);
        let _ = when::eval(text);
        let _ = when::check(text);
        if let Ok(d) = depends::parse(text) {
            let _ = d.eval(&|name, _| name.len() % 2 == 0);
            let _ = d.to_string();
        }
    }
});

fn serde_json_value(s: &str) -> serde_json::Value {
    serde_json::Value::String(s.to_string())
}
