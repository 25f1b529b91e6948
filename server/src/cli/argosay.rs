//! `keelson argosay …` (hidden): Argo's test image `argoproj/argosay:v2`,
//! built in, so workflows that use it run locally; the local executor runs
//! it wherever a container's program is `/argosay`.
//!
//! It follows the image Argo v4 ships, the shell script
//! `test/e2e/images/argosay/v2/argosay` (on Ubuntu, so `echo` is dash's and
//! `sleep` coreutils'), and accepts what the older Go version also did
//! (`cat` of several files, Go durations such as `1m30s` or `500ms`):
//!
//! | verb | does |
//! |---|---|
//! | (none) | prints `hello argo` |
//! | `echo [MSG [FILE]]` | prints MSG (default `hello argo`), or writes it with a newline to FILE, creating its directory; `/dev/stdout` and `/dev/stderr` work |
//! | `cat FILE…` | prints the files |
//! | `sleep DURATION` | `5`, `5s`, `1.5m`, `2h`, `1d`, `500ms`, `1m30s` |
//! | `exit [CODE]` | exits with CODE (default 0; modulo 256, as a shell does) |
//! | `assert_contains FILE TEXT` | like `grep -F TEXT FILE`: prints the matching lines; exit 1 when none, 2 when FILE cannot be read |
//! | `sh [FILE]` | runs `sh FILE` |
//!
//! Anything else prints the usage and exits 1, as the script does (it
//! prints nothing). An `echo` with more than two arguments is refused with
//! exit 1 (the script silently does nothing, the Go version failed).

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;

const USAGE: &str = "usage: argosay [assert_contains FILE TEXT | cat FILE... | echo [MSG [FILE]] | \
                     exit [CODE] | sh [FILE] | sleep DURATION]";

pub fn run(args: &[String]) -> anyhow::Result<ExitCode> {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        [] => echo(&[]),
        ["echo", rest @ ..] => echo(rest),
        ["cat", files @ ..] => cat(files),
        ["sleep", d] => sleep(d),
        ["exit"] => Ok(ExitCode::SUCCESS),
        ["exit", code] => Ok(exit(code)),
        ["assert_contains", file, text] => Ok(assert_contains(file, text)),
        ["sh"] => sh("0"),
        ["sh", file, ..] => sh(file),
        _ => Ok(usage()),
    }
}

fn usage() -> ExitCode {
    eprintln!("{USAGE}");
    ExitCode::from(1)
}

fn echo(args: &[&str]) -> anyhow::Result<ExitCode> {
    let (msg, file) = match args {
        [] => ("hello argo", None),
        [msg] => (*msg, None),
        [msg, file] => (*msg, Some(*file)),
        _ => return Ok(usage()),
    };
    let text = dash_echo(msg);
    match file {
        None | Some("/dev/stdout") => {
            let mut out = std::io::stdout().lock();
            out.write_all(&text)?;
            out.flush()?;
        }
        Some("/dev/stderr") => std::io::stderr().lock().write_all(&text)?,
        Some(file) => {
            let path = Path::new(file);
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
            }
            std::fs::write(path, &text).with_context(|| format!("cannot write {file}"))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `echo "$msg"` in dash: `-n` alone prints nothing; backslash escapes
/// are interpreted (`\n`, `\t`, `\\`, `\0NNN`, …; `\c` stops output and
/// the final newline).
fn dash_echo(msg: &str) -> Vec<u8> {
    if msg == "-n" {
        return Vec::new();
    }
    let b = msg.as_bytes();
    let mut out = Vec::with_capacity(b.len() + 1);
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' || i + 1 == b.len() {
            out.push(b[i]);
            i += 1;
            continue;
        }
        i += 2;
        match b[i - 1] {
            b'a' => out.push(0x07),
            b'b' => out.push(0x08),
            b'c' => return out,
            b'f' => out.push(0x0c),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'v' => out.push(0x0b),
            b'\\' => out.push(b'\\'),
            b'0' => {
                let mut v: u32 = 0;
                let mut n = 0;
                while n < 3 && i < b.len() && (b'0'..=b'7').contains(&b[i]) {
                    v = v * 8 + u32::from(b[i] - b'0');
                    i += 1;
                    n += 1;
                }
                out.push((v & 0xff) as u8);
            }
            other => out.extend_from_slice(&[b'\\', other]),
        }
    }
    out.push(b'\n');
    out
}

fn cat(files: &[&str]) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    for file in files {
        match std::fs::read(file) {
            Ok(bytes) => out.write_all(&bytes)?,
            Err(e) => {
                out.flush()?;
                eprintln!("cat: {file}: {e}");
                return Ok(ExitCode::from(1));
            }
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn sleep(d: &str) -> anyhow::Result<ExitCode> {
    match parse_sleep(d) {
        Some(d) => {
            std::thread::sleep(d);
            Ok(ExitCode::SUCCESS)
        }
        None => {
            eprintln!("sleep: invalid time interval '{d}'");
            Ok(ExitCode::from(1))
        }
    }
}

/// Go durations (and bare seconds) first, then coreutils' `N[smhd]`.
fn parse_sleep(d: &str) -> Option<Duration> {
    if let Ok(d) = engine::duration::parse(d) {
        return Some(d);
    }
    let (num, scale) = match d.strip_suffix('d') {
        Some(n) => (n, 86_400.0),
        None => (d, 1.0),
    };
    let secs: f64 = num.parse().ok()?;
    Duration::try_from_secs_f64(secs * scale).ok()
}

/// The shell's `exit N`: modulo 256; not a number is an error (2).
fn exit(code: &str) -> ExitCode {
    match code.parse::<u64>() {
        Ok(n) => ExitCode::from((n % 256) as u8),
        Err(_) => {
            eprintln!("exit: Illegal number: {code}");
            ExitCode::from(2)
        }
    }
}

fn assert_contains(file: &str, text: &str) -> ExitCode {
    let data = match std::fs::read(file) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("grep: {file}: {e}");
            return ExitCode::from(2);
        }
    };
    let data = String::from_utf8_lossy(&data);
    let mut out = std::io::stdout().lock();
    let mut found = false;
    for line in data.lines().filter(|l| l.contains(text)) {
        found = true;
        if writeln!(out, "{line}").is_err() {
            break;
        }
    }
    ExitCode::from(if found { 0 } else { 1 })
}

fn sh(file: &str) -> anyhow::Result<ExitCode> {
    let status = std::process::Command::new("sh").arg(file).status().context("cannot run sh")?;
    Ok(match status.code() {
        Some(c) => ExitCode::from((c & 0xff) as u8),
        None => ExitCode::from(1),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echo_is_dash_echo() {
        assert_eq!(dash_echo("hi"), b"hi\n");
        assert_eq!(dash_echo("a\\nb\\tc\\\\"), b"a\nb\tc\\\n");
        assert_eq!(dash_echo("x\\cy"), b"x");
        assert_eq!(dash_echo("\\0101\\q"), b"A\\q\n");
        assert_eq!(dash_echo("-n"), b"");
        assert_eq!(dash_echo("end\\"), b"end\\\n");
    }

    #[test]
    fn sleep_durations() {
        assert_eq!(parse_sleep("5"), Some(Duration::from_secs(5)));
        assert_eq!(parse_sleep("1m30s"), Some(Duration::from_secs(90)));
        assert_eq!(parse_sleep("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_sleep("0.5"), Some(Duration::from_millis(500)));
        assert_eq!(parse_sleep("1d"), Some(Duration::from_secs(86_400)));
        assert_eq!(parse_sleep("soon"), None);
        assert_eq!(parse_sleep("-1"), None);
    }
}
