//! What a finished task produced, with Argo's rules: `outputs.result` is
//! stdout minus one trailing newline, at most its last 256 KiB
//! (`workflow/executor/executor.go`, `CaptureScriptResult`); an output
//! parameter is its file's contents with trailing whitespace trimmed, and
//! a file that cannot be read is simply absent (the engine applies
//! `default` or fails the node).

use std::collections::BTreeMap;
use std::io::Read;

use super::sandbox::PathMap;

/// Argo keeps the last 256 kB of stdout.
pub const MAX_RESULT: usize = 256 * 1024;

/// Larger output parameter files are refused rather than read into
/// memory; Argo's own limit (the pod annotation) is far smaller.
const MAX_PARAMETER_FILE: u64 = 64 << 20;

/// The end of stdout: keeps at least the last `MAX_RESULT + 1` bytes (one
/// more for the newline that is trimmed), never more than twice that.
#[derive(Debug, Default)]
pub struct Tail {
    buf: Vec<u8>,
}

impl Tail {
    pub fn push(&mut self, bytes: &[u8]) {
        let keep = MAX_RESULT + 1;
        if bytes.len() >= keep {
            self.buf.clear();
            self.buf.extend_from_slice(&bytes[bytes.len() - keep..]);
            return;
        }
        self.buf.extend_from_slice(bytes);
        if self.buf.len() > 2 * keep {
            self.buf.drain(..self.buf.len() - keep);
        }
    }

    /// `outputs.result`.
    pub fn result(&self) -> String {
        let b = self.buf.strip_suffix(b"\n").unwrap_or(&self.buf);
        let mut start = b.len().saturating_sub(MAX_RESULT);
        // Start on a character, not inside one (Go cuts bytes; a string
        // here must be UTF-8).
        while start < b.len() && (b[start] & 0xC0) == 0x80 {
            start += 1;
        }
        String::from_utf8_lossy(&b[start..]).into_owned()
    }
}

/// Read the output parameters from where the task wrote them.
pub fn parameters(paths: &[(String, String)], map: &PathMap) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (name, path) in paths {
        let host = match map.output(path) {
            Ok(Some(host)) => host,
            Ok(None) => continue,
            Err(e) => {
                tracing::debug!("output parameter {name}: {path}: {e}");
                continue;
            }
        };
        match read_limited(&host) {
            Ok(text) => {
                out.insert(name.clone(), text.trim_end().to_string());
            }
            Err(e) => {
                tracing::debug!("output parameter {name}: {} ({}): {e}", path, host.display());
            }
        }
    }
    out
}

/// A file's text, refused past 64 MiB.
pub fn read_limited(path: &std::path::Path) -> std::io::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let mut bytes = Vec::new();
    f.by_ref().take(MAX_PARAMETER_FILE + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_PARAMETER_FILE {
        return Err(std::io::Error::other("larger than 64 MiB"));
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_trims_one_newline_and_keeps_the_last_256_kib() {
        let mut t = Tail::default();
        t.push(b"hello\n\n");
        assert_eq!(t.result(), "hello\n");
        let mut t = Tail::default();
        for _ in 0..100 {
            t.push(&[b'a'; 10_000]);
        }
        t.push(b"end\n");
        let r = t.result();
        assert_eq!(r.len(), MAX_RESULT);
        assert!(r.ends_with("aend"));
        let mut t = Tail::default();
        t.push(&[b'x'; MAX_RESULT + 10]);
        assert_eq!(t.result().len(), MAX_RESULT);
    }

    #[test]
    fn result_starts_on_a_character() {
        let mut t = Tail::default();
        let mut s = "é".repeat(MAX_RESULT / 2 + 3).into_bytes();
        s.push(b'x');
        t.push(&s);
        let r = t.result();
        assert!(r.starts_with('é') && r.ends_with('x'));
        assert!(r.len() <= MAX_RESULT);
    }
}
