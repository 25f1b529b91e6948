//! How client verbs print objects: `-o json`, `-o yaml`, `-o name`, or
//! the verb's own human form.

use std::io::Write;

use serde_json::Value;

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Format {
    /// A table or tree for people.
    #[default]
    Human,
    Json,
    Yaml,
    /// Just the name(s), one a line.
    Name,
}

/// Print `v` in a machine format; `false` if `format` is `Human` (the
/// caller prints its own).
pub fn machine(format: Format, v: &Value) -> anyhow::Result<bool> {
    let mut out = std::io::stdout().lock();
    match format {
        Format::Human => return Ok(false),
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, v)?;
            writeln!(out)?;
        }
        Format::Yaml => write!(out, "{}", engine::yaml::to_yaml(v))?,
        Format::Name => {
            let items = v.get("items").and_then(Value::as_array);
            for item in items.map_or_else(|| vec![v], |a| a.iter().collect()) {
                if let Some(n) = item.pointer("/metadata/name").and_then(Value::as_str) {
                    writeln!(out, "{n}")?;
                }
            }
        }
    }
    Ok(true)
}

/// Rows as aligned columns (the last one left ragged).
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(c.chars().count());
            }
        }
    }
    let line = |cells: Vec<&str>| {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                s.push_str(c);
            } else {
                s.push_str(&format!("{c:<w$}   ", w = widths[i]));
            }
        }
        s.trim_end().to_string() + "\n"
    };
    let mut out = line(header.to_vec());
    for r in rows {
        out.push_str(&line(r.iter().map(String::as_str).collect()));
    }
    out
}

/// `5s`, `3m2s`, `2h5m`, `4d3h`.
pub fn age(secs: i64) -> String {
    match secs.max(0) {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m{}s", s / 60, s % 60),
        s if s < 86400 => format!("{}h{}m", s / 3600, (s % 3600) / 60),
        s => format!("{}d{}h", s / 86400, (s % 86400) / 3600),
    }
}

/// The `items` of a list response.
pub fn items(list: &Value) -> impl Iterator<Item = &Value> {
    list.get("items").and_then(Value::as_array).into_iter().flatten()
}

/// The string at `pointer` (empty if none).
pub fn text(v: &Value, pointer: &str) -> String {
    v.pointer(pointer).and_then(Value::as_str).unwrap_or("").to_string()
}

/// The strings in the array at `pointer` — or, for an array of objects,
/// each one's `field`.
pub fn strings(v: &Value, pointer: &str, field: Option<&str>) -> Vec<String> {
    v.pointer(pointer)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|x| match field {
            Some(f) => x.get(f).and_then(Value::as_str),
            None => x.as_str(),
        })
        .map(str::to_string)
        .collect()
}

/// The rows as a table, or "No WHAT found." on standard error.
pub fn print_table(what: &str, header: &[&str], rows: &[Vec<String>]) {
    if rows.is_empty() {
        eprintln!("No {what} found.");
    } else {
        print!("{}", table(header, rows));
    }
}
