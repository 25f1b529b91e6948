//! Test support: the `depends:`/`when:` values of Argo's example workflows,
//! found with a line scan (no YAML parser needed for these one-liners).

/// The values of every `<key>:` line in Argo's examples, as
/// `(file, line, value)`; `None` when the folder is absent. A deliberately
/// simple scan: the key must open the line (after indentation and an
/// optional `- `), quotes are stripped (with the escapes YAML's double
/// quotes use), trailing comments dropped, and `>-`/`|` blocks folded.
pub(crate) fn example_values(key: &str) -> Option<Vec<(String, usize, String)>> {
    let dir = std::path::Path::new("/work/shared/argo-examples");
    let entries = std::fs::read_dir(dir).ok()?;
    let mut files: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    files.sort();
    let prefix = format!("{key}:");
    let mut out = Vec::new();
    for path in files {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let file = path.file_name().map(|f| f.to_string_lossy().into_owned());
        let file = file.unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let trimmed = line.trim_start();
            let indent = line.len() - trimmed.len();
            let trimmed = trimmed.strip_prefix("- ").unwrap_or(trimmed);
            let Some(rest) = trimmed.strip_prefix(&prefix) else {
                continue;
            };
            let rest = rest.trim();
            let value = if rest.starts_with('>') || rest.starts_with('|') {
                let folded = rest.starts_with('>');
                let body: Vec<&str> = lines[i + 1..]
                    .iter()
                    .take_while(|l| l.trim().is_empty() || l.len() - l.trim_start().len() > indent)
                    .map(|l| l.trim())
                    .collect();
                body.join(if folded { " " } else { "\n" }).trim().to_string()
            } else {
                unquote(rest)
            };
            out.push((file.clone(), i + 1, value));
        }
    }
    Some(out)
}

fn unquote(raw: &str) -> String {
    if let Some(body) = raw.strip_prefix('"') {
        let mut out = String::new();
        let mut chars = body.chars();
        while let Some(c) = chars.next() {
            match c {
                '"' => break,
                '\\' => match chars.next() {
                    Some('n') => out.push('\n'),
                    Some('t') => out.push('\t'),
                    Some(other) => out.push(other),
                    None => {}
                },
                c => out.push(c),
            }
        }
        out
    } else if let Some(body) = raw.strip_prefix('\'') {
        // YAML single quotes: '' is a quote, nothing else is special.
        let mut out = String::new();
        let mut chars = body.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\'' {
                if chars.peek() == Some(&'\'') {
                    chars.next();
                    out.push('\'');
                } else {
                    break;
                }
            } else {
                out.push(c);
            }
        }
        out
    } else {
        match raw.find(" #") {
            Some(i) => raw[..i].trim().to_string(),
            None => raw.to_string(),
        }
    }
}
