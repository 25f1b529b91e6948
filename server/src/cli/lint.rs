//! `keelson lint`: read files, lint them together, print the findings.

use std::io::{IsTerminal, Read, Write};
use std::process::ExitCode;

use anyhow::Context;
use engine::diag::Severity;
use engine::lint::{self, Catalog, Options, Source};

use super::{Colour, LintArgs, Output, files, render};

pub fn run(args: &LintArgs) -> anyhow::Result<ExitCode> {
    let mut sources = Vec::new();
    for path in files::spec_files(&args.paths)? {
        let (name, bytes) = if path.as_os_str() == "-" {
            let mut buf = Vec::new();
            std::io::stdin().read_to_end(&mut buf).context("cannot read standard input")?;
            ("<stdin>".to_string(), buf)
        } else {
            let bytes =
                std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
            (path.display().to_string(), bytes)
        };
        let text =
            String::from_utf8(bytes).map_err(|_| anyhow::anyhow!("{name} is not UTF-8 text"))?;
        sources.push(Source { name, text });
    }
    let report = lint::lint(&sources, &Catalog::default(), Options { strict: args.strict });

    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.output {
        Output::Json => {
            let body = serde_json::json!({
                "documents": report.documents,
                "findings": report.findings,
                "errors": report.count(Severity::Error),
                "warnings": report.count(Severity::Warning),
            });
            serde_json::to_writer_pretty(&mut out, &body)?;
            writeln!(out)?;
        }
        Output::Human => {
            let colour = match args.color {
                Colour::Always => true,
                Colour::Never => false,
                Colour::Auto => std::io::stdout().is_terminal(),
            };
            for f in &report.findings {
                let text = sources.iter().find(|s| s.name == f.file).map(|s| s.text.as_str());
                render::finding(&mut out, f, text, colour)?;
            }
            render::summary(&mut out, &report, sources.len(), colour)?;
        }
    }
    Ok(if report.failed() { ExitCode::from(1) } else { ExitCode::SUCCESS })
}
