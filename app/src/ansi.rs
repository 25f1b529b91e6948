//! ANSI colours in task logs (`\x1b[31m…\x1b[0m`): a line split into runs
//! of text with the CSS classes of their colour and weight. Other escape
//! sequences (cursor moves, erase) are dropped, never shown raw.

/// A run of text and its classes (`""`, `"ansi-31"`, `"ansi-1 ansi-32"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub text: String,
    pub class: String,
}

#[derive(Default, Clone, Copy, PartialEq, Eq)]
struct Style {
    bold: bool,
    fg: Option<u8>,
    bg: Option<u8>,
}

impl Style {
    fn class(self) -> String {
        let mut parts = Vec::new();
        if self.bold {
            parts.push("ansi-1".to_string());
        }
        if let Some(c) = self.fg {
            parts.push(format!("ansi-{c}"));
        }
        if let Some(c) = self.bg {
            parts.push(format!("ansi-{c}"));
        }
        parts.join(" ")
    }

    fn apply(&mut self, codes: &str) {
        let codes: Vec<u8> = codes.split(';').map(|c| c.parse().unwrap_or(0)).collect();
        let mut i = 0;
        while i < codes.len() {
            match codes[i] {
                0 => *self = Style::default(),
                1 => self.bold = true,
                22 => self.bold = false,
                c @ (30..=37 | 90..=97) => self.fg = Some(c),
                39 => self.fg = None,
                c @ (40..=47 | 100..=107) => self.bg = Some(c),
                49 => self.bg = None,
                // 256-colour and true-colour forms: skip their arguments.
                38 | 48 => {
                    i += if codes.get(i + 1) == Some(&5) { 2 } else { 4 };
                }
                _ => {}
            }
            i += 1;
        }
    }
}

/// Split `line` into styled runs; plain text is one run with no class.
pub fn runs(line: &str) -> Vec<Run> {
    let mut out: Vec<Run> = Vec::new();
    let mut style = Style::default();
    let mut text = String::new();
    let mut chars = line.chars().peekable();
    let flush = |text: &mut String, style: Style, out: &mut Vec<Run>| {
        if !text.is_empty() {
            out.push(Run { text: std::mem::take(text), class: style.class() });
        }
    };
    while let Some(c) = chars.next() {
        if c != '\u{1b}' {
            text.push(c);
            continue;
        }
        if chars.peek() != Some(&'[') {
            continue;
        }
        chars.next();
        let mut params = String::new();
        let mut end = None;
        for c in chars.by_ref() {
            if c.is_ascii_digit() || c == ';' || c == '?' {
                params.push(c);
            } else {
                end = Some(c);
                break;
            }
        }
        if end == Some('m') {
            flush(&mut text, style, &mut out);
            style.apply(&params);
        }
    }
    flush(&mut text, style, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classes(line: &str) -> Vec<(String, String)> {
        runs(line).into_iter().map(|r| (r.text, r.class)).collect()
    }

    #[test]
    fn plain_text_is_one_run() {
        assert_eq!(classes("hello"), [("hello".into(), String::new())]);
        assert!(runs("").is_empty());
    }

    #[test]
    fn colours_and_bold_become_classes_and_reset_ends_them() {
        assert_eq!(
            classes("ok \u{1b}[1;32mPASS\u{1b}[0m done"),
            [
                ("ok ".into(), String::new()),
                ("PASS".into(), "ansi-1 ansi-32".into()),
                (" done".into(), String::new()),
            ]
        );
        assert_eq!(classes("\u{1b}[31mred\u{1b}[39m"), [("red".into(), "ansi-31".into())]);
    }

    #[test]
    fn other_sequences_are_dropped() {
        assert_eq!(
            classes("a\u{1b}[2Kb\u{1b}[38;5;208mc"),
            [("ab".into(), String::new()), ("c".into(), String::new())]
        );
        assert_eq!(classes("x\u{1b}"), [("x".into(), String::new())]);
    }
}
