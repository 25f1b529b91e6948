//! Human-readable findings, in the style of rustc's diagnostics: a header,
//! the location, the source line with the culprit underlined, and help.

use std::io::{self, Write};

use engine::diag::Severity;
use engine::lint::{Finding, Report};

struct Paint(bool);

impl Paint {
    fn wrap(&self, code: &str, s: &str) -> String {
        if self.0 { format!("\x1b[{code}m{s}\x1b[0m") } else { s.to_string() }
    }
}

/// Every error of `report` (warnings left out) to standard error, each
/// with its source line from `sources`.
pub fn errors(report: &Report, sources: &[engine::lint::Source], colour: bool) -> io::Result<()> {
    let mut err = io::stderr().lock();
    for f in report.findings.iter().filter(|f| f.diagnostic.severity == Severity::Error) {
        let text = sources.iter().find(|s| s.name == f.file).map(|s| s.text.as_str());
        finding(&mut err, f, text, colour)?;
    }
    Ok(())
}

pub fn finding(
    out: &mut impl Write,
    f: &Finding,
    text: Option<&str>,
    colour: bool,
) -> io::Result<()> {
    let p = Paint(colour);
    let d = &f.diagnostic;
    let (label, code) = match d.severity {
        Severity::Error => ("error", "1;31"),
        Severity::Warning => ("warning", "1;33"),
    };
    writeln!(
        out,
        "{}{} {}",
        p.wrap(code, &format!("{label}[{}]", d.code)),
        p.wrap("1", ":"),
        p.wrap("1", &d.message)
    )?;
    let line_no = f.position.line.to_string();
    let pad = " ".repeat(line_no.len());
    writeln!(
        out,
        "{pad}{} {}:{}:{}",
        p.wrap("1;34", "-->"),
        f.file,
        f.position.line,
        f.position.column
    )?;
    let source_line = text.and_then(|t| t.lines().nth(f.position.line.saturating_sub(1)));
    if let Some(line) = source_line {
        let bar = p.wrap("1;34", "|");
        writeln!(out, "{pad} {bar}")?;
        writeln!(out, "{} {bar} {line}", p.wrap("1;34", &line_no))?;
        let col = f.position.column.saturating_sub(1);
        let width = underline_width(line, col, d.within);
        let lead: String =
            line.chars().take(col).map(|c| if c == '\t' { '\t' } else { ' ' }).collect();
        let path =
            if d.path.segments().is_empty() { String::new() } else { format!(" {}", d.path) };
        writeln!(
            out,
            "{pad} {bar} {lead}{}{}",
            p.wrap(code, &"^".repeat(width)),
            p.wrap(code, &path)
        )?;
    } else if !d.path.segments().is_empty() {
        writeln!(out, "{pad}   field: {}", d.path)?;
    }
    if let Some(help) = &d.help {
        writeln!(out, "{pad} {} {}: {help}", p.wrap("1;34", "="), p.wrap("1", "help"))?;
    }
    writeln!(out)
}

/// How many characters to underline from `col`: the bad part of a string
/// when known, else the token that starts there.
fn underline_width(line: &str, col: usize, within: Option<(usize, usize)>) -> usize {
    let rest: Vec<char> = line.chars().skip(col).collect();
    if rest.is_empty() {
        return 1;
    }
    if let Some((s, e)) = within {
        return (e - s).clamp(1, rest.len());
    }
    let n = match rest[0] {
        q @ ('"' | '\'') => rest.iter().skip(1).position(|c| *c == q).map_or(rest.len(), |i| i + 2),
        _ => rest
            .iter()
            .position(|c| c.is_whitespace() || matches!(c, ',' | ']' | '}'))
            .unwrap_or(rest.len()),
    };
    // A key: underline the key, not the colon.
    let word: String = rest.iter().take(n).collect();
    word.trim_end_matches(':').chars().count().max(1)
}

pub fn summary(
    out: &mut impl Write,
    report: &Report,
    files: usize,
    colour: bool,
) -> io::Result<()> {
    let p = Paint(colour);
    let errors = report.count(Severity::Error);
    let warnings = report.count(Severity::Warning);
    let docs = report.documents.len();
    let line = format!(
        "{files} file{}, {docs} document{}: {errors} error{}, {warnings} warning{}",
        plural(files),
        plural(docs),
        plural(errors),
        plural(warnings)
    );
    let code = if errors > 0 {
        "1;31"
    } else if warnings > 0 {
        "1;33"
    } else {
        "1;32"
    };
    writeln!(out, "{}", p.wrap(code, &line))
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
