//! Go's `fmt.Sprintf(format, i)` with a single `int` argument (what Argo's
//! `expandSequence` does with `withSequence.format`): a port of `doPrintf`
//! (fmt/print.go) and the integer paths of fmt/format.go, including Go's
//! complaints in the output (`%!s(int=5)`, `%!d(MISSING)`, `%!(EXTRA int=5)`).

use crate::golang::strconv::{is_print, quote_rune, quote_rune_to_ascii};

/// Go's `tooLarge`: widths and precisions beyond ±1e6 are refused.
const TOO_LARGE: i64 = 1_000_000;

#[derive(Clone, Copy, Default)]
struct Flags {
    sharp: bool,
    zero: bool,
    plus: bool,
    minus: bool,
    space: bool,
    wid: Option<usize>,
    prec: Option<usize>,
}

/// Go's `parsenum`: digits from `i`; on overflow the rest of the format is
/// consumed (`newi = end`), as Go does.
fn parsenum(b: &[u8], start: usize) -> (Option<usize>, usize) {
    let mut num: i64 = 0;
    let mut present = false;
    let mut i = start;
    while i < b.len() && b[i].is_ascii_digit() {
        if num > TOO_LARGE {
            return (None, b.len());
        }
        num = num * 10 + i64::from(b[i] - b'0');
        present = true;
        i += 1;
    }
    (present.then(|| usize::try_from(num).unwrap_or(0)), i)
}

/// Tracks Go's `argNum`, `reordered` and `goodArgNum` for one argument.
struct Args {
    num: usize,
    reordered: bool,
    good: bool,
}

impl Args {
    /// Go's `argNumber`: an explicit `[n]` index at `i`; returns the new `i`
    /// and whether an index was found.
    fn index(&mut self, b: &[u8], i: usize) -> (usize, bool) {
        if b.get(i) != Some(&b'[') {
            return (i, false);
        }
        self.reordered = true;
        let (index, wid, ok) = parse_arg_number(&b[i..]);
        if ok && index == Some(0) {
            self.num = 0;
            return (i + wid, true);
        }
        self.good = false;
        (i + wid, ok)
    }

    /// Go's `intFromArg`: the argument as a width or precision.
    fn int(&mut self, arg: i64) -> (i64, bool) {
        if self.num >= 1 {
            return (0, false);
        }
        self.num += 1;
        if !(-TOO_LARGE..=TOO_LARGE).contains(&arg) { (0, false) } else { (arg, true) }
    }
}

/// Go's `parseArgNumber` on `[n]…`: (zero-based index, bytes consumed, ok).
fn parse_arg_number(b: &[u8]) -> (Option<usize>, usize, bool) {
    if b.len() < 3 {
        return (None, 1, false);
    }
    for i in 1..b.len() {
        if b[i] == b']' {
            let (num, newi) = parsenum(&b[..i], 1);
            return match num {
                Some(n) if newi == i => (n.checked_sub(1), i + 1, true),
                _ => (None, i + 1, false),
            };
        }
    }
    (None, 1, false)
}

/// `fmt.Sprintf(format, arg)` where `arg` is a Go `int`.
pub fn sprintf_int(format: &str, arg: i64) -> String {
    let b = format.as_bytes();
    let end = b.len();
    let mut out = String::new();
    let mut args = Args { num: 0, reordered: false, good: true };
    let mut i = 0;
    while i < end {
        args.good = true;
        let last = i;
        while i < end && b[i] != b'%' {
            i += 1;
        }
        out.push_str(format.get(last..i).unwrap_or_default());
        if i >= end {
            break;
        }
        i += 1;
        let mut f = Flags::default();
        while i < end {
            match b[i] {
                b'#' => f.sharp = true,
                b'0' => f.zero = true,
                b'+' => f.plus = true,
                b'-' => f.minus = true,
                b' ' => f.space = true,
                _ => break,
            }
            i += 1;
        }
        let (ni, mut after_index) = args.index(b, i);
        i = ni;
        if i < end && b[i] == b'*' {
            i += 1;
            let (w, ok) = args.int(arg);
            if !ok {
                out.push_str("%!(BADWIDTH)");
            } else if w < 0 {
                f.minus = true;
                f.zero = false;
            }
            f.wid = ok.then(|| usize::try_from(w.unsigned_abs()).unwrap_or(0));
            after_index = false;
        } else {
            let (w, ni) = parsenum(b, i);
            i = ni;
            f.wid = w;
            if after_index && w.is_some() {
                args.good = false;
            }
        }
        if i + 1 < end && b[i] == b'.' {
            i += 1;
            if after_index {
                args.good = false;
            }
            let (ni, found) = args.index(b, i);
            i = ni;
            after_index = found;
            if i < end && b[i] == b'*' {
                i += 1;
                let (p, ok) = args.int(arg);
                let ok = ok && p >= 0;
                if !ok {
                    out.push_str("%!(BADPREC)");
                }
                f.prec = ok.then(|| usize::try_from(p).unwrap_or(0));
                after_index = false;
            } else {
                let (p, ni) = parsenum(b, i);
                i = ni;
                f.prec = Some(p.unwrap_or(0));
            }
        }
        if !after_index {
            let (ni, _) = args.index(b, i);
            i = ni;
        }
        let Some(verb) = format.get(i..).and_then(|s| s.chars().next()) else {
            out.push_str("%!(NOVERB)");
            break;
        };
        i += verb.len_utf8();
        if verb == '%' {
            out.push('%');
        } else if !args.good {
            out.push_str(&format!("%!{verb}(BADINDEX)"));
        } else if args.num >= 1 {
            out.push_str(&format!("%!{verb}(MISSING)"));
        } else {
            if verb == 'v' {
                // Go moves these to sharpV/plusV, which an int ignores.
                f.sharp = false;
                f.plus = false;
            }
            print_int(&mut out, arg, verb, f);
            args.num += 1;
        }
    }
    if !args.reordered && args.num < 1 {
        out.push_str("%!(EXTRA int=");
        print_int(&mut out, arg, 'v', Flags::default());
        out.push(')');
    }
    out
}

/// Go's `printArg` for an `int`.
fn print_int(out: &mut String, arg: i64, verb: char, f: Flags) {
    // Go's `%x` etc. see the int's two's-complement bits for %c/%q/%U.
    let bits = arg as u64;
    match verb {
        'T' => pad(out, &truncate("int", f.prec), f, true),
        'v' | 'd' => fmt_integer(out, arg, 10, verb, false, f),
        'b' => fmt_integer(out, arg, 2, verb, false, f),
        'o' | 'O' => fmt_integer(out, arg, 8, verb, false, f),
        'x' => fmt_integer(out, arg, 16, verb, false, f),
        'X' => fmt_integer(out, arg, 16, verb, true, f),
        'c' => pad(out, &rune_of(bits).to_string(), f, true),
        'q' => {
            let c = rune_of(bits);
            let quoted = if f.plus { quote_rune_to_ascii(c) } else { quote_rune(c) };
            pad(out, &quoted, f, true);
        }
        'U' => fmt_unicode(out, bits, f),
        _ => {
            // badVerb: the argument printed with %v and the current flags.
            out.push_str("%!");
            out.push(verb);
            out.push_str("(int=");
            fmt_integer(out, arg, 10, 'v', false, f);
            out.push(')');
        }
    }
}

fn rune_of(bits: u64) -> char {
    u32::try_from(bits).ok().and_then(char::from_u32).unwrap_or('\u{fffd}')
}

fn truncate(s: &str, prec: Option<usize>) -> String {
    match prec {
        Some(p) => s.chars().take(p).collect(),
        None => s.to_string(),
    }
}

/// Go's `fmt.pad`; `zero_ok` is false where Go clears `f.zero` first.
fn pad(out: &mut String, s: &str, f: Flags, zero_ok: bool) {
    let Some(wid) = f.wid.filter(|&w| w > 0) else {
        out.push_str(s);
        return;
    };
    let fill = wid.saturating_sub(s.chars().count());
    let byte = if zero_ok && f.zero && !f.minus { '0' } else { ' ' };
    if f.minus {
        out.push_str(s);
        out.push_str(&byte.to_string().repeat(fill));
    } else {
        out.push_str(&byte.to_string().repeat(fill));
        out.push_str(s);
    }
}

/// Go's `fmt.fmtInteger` for a signed value.
fn fmt_integer(out: &mut String, arg: i64, base: u64, verb: char, upper: bool, f: Flags) {
    let negative = arg < 0;
    let mut u = arg.unsigned_abs();
    let mut prec = 0usize;
    if let Some(p) = f.prec {
        prec = p;
        if p == 0 && u == 0 {
            out.push_str(&" ".repeat(f.wid.unwrap_or(0)));
            return;
        }
    } else if let Some(w) = f.wid.filter(|_| f.zero && !f.minus) {
        prec = w;
        if negative || f.plus || f.space {
            prec = prec.saturating_sub(1);
        }
    }
    let digits: &[u8; 17] = if upper { b"0123456789ABCDEFX" } else { b"0123456789abcdefx" };
    // Built right to left, as Go does.
    let mut rev: Vec<u8> = Vec::new();
    loop {
        rev.push(digits[usize::try_from(u % base).unwrap_or(0)]);
        u /= base;
        if u == 0 {
            break;
        }
    }
    if rev.len() < prec {
        rev.resize(prec, b'0');
    }
    if f.sharp {
        match base {
            2 => rev.extend_from_slice(b"b0"),
            8 if rev.last() != Some(&b'0') => rev.push(b'0'),
            16 => {
                rev.push(digits[16]);
                rev.push(b'0');
            }
            _ => {}
        }
    }
    if verb == 'O' {
        rev.extend_from_slice(b"o0");
    }
    if negative {
        rev.push(b'-');
    } else if f.plus {
        rev.push(b'+');
    } else if f.space {
        rev.push(b' ');
    }
    rev.reverse();
    pad(out, &String::from_utf8_lossy(&rev), f, false);
}

/// Go's `fmt.fmtUnicode`: `U+0041`, with `#` also ` 'A'`.
fn fmt_unicode(out: &mut String, u: u64, f: Flags) {
    let prec = f.prec.filter(|&p| p > 4).unwrap_or(4);
    let mut s = format!("U+{u:0prec$X}");
    if f.sharp
        && let Some(c) = u32::try_from(u).ok().and_then(char::from_u32).filter(|&c| is_print(c))
    {
        s.push_str(&format!(" '{c}'"));
    }
    pad(out, &s, f, false);
}

#[cfg(test)]
mod tests {
    use super::sprintf_int as s;

    #[test]
    fn common_formats() {
        assert_eq!(s("%d", 5), "5");
        assert_eq!(s("%02d", 1), "01");
        assert_eq!(s("%02d", 123), "123");
        assert_eq!(s("%05d", -42), "-0042");
        assert_eq!(s("%03d", -5), "-05");
        assert_eq!(s("%x", 255), "ff");
        assert_eq!(s("%X", 255), "FF");
        assert_eq!(s("testuser%02X", 10), "testuser0A");
        assert_eq!(s("%#x", 255), "0xff");
        assert_eq!(s("%#08x", 255), "0x000000ff");
        assert_eq!(s("%x", -255), "-ff");
        assert_eq!(s("%o", 8), "10");
        assert_eq!(s("%#o", 8), "010");
        assert_eq!(s("%#o", 0), "0");
        assert_eq!(s("%O", 8), "0o10");
        assert_eq!(s("%b", 5), "101");
        assert_eq!(s("%#b", 5), "0b101");
        assert_eq!(s("%v", 7), "7");
        assert_eq!(s("%#v", 7), "7");
        assert_eq!(s("%+d", 5), "+5");
        assert_eq!(s("% d", 5), " 5");
        assert_eq!(s("%-5d|", 5), "5    |");
        assert_eq!(s("%5d", 5), "    5");
        assert_eq!(s("%-05d|", 5), "5    |");
        assert_eq!(s("%.3d", 5), "005");
        assert_eq!(s("%6.3d", 5), "   005");
        assert_eq!(s("%.0d", 0), "");
        assert_eq!(s("%3.0d|", 0), "   |");
        assert_eq!(s("file-%d.txt", 3), "file-3.txt");
        assert_eq!(s("%d", i64::MIN), "-9223372036854775808");
    }

    #[test]
    fn characters_and_unicode() {
        assert_eq!(s("%c", 65), "A");
        assert_eq!(s("%3c", 65), "  A");
        assert_eq!(s("%c", -1), "\u{fffd}");
        assert_eq!(s("%q", 65), "'A'");
        assert_eq!(s("%q", 10), "'\\n'");
        assert_eq!(s("%q", 39), "'\\''");
        assert_eq!(s("%q", 0xe9), "'é'");
        assert_eq!(s("%+q", 0xe9), "'\\u00e9'");
        assert_eq!(s("%U", 65), "U+0041");
        assert_eq!(s("%#U", 65), "U+0041 'A'");
        assert_eq!(s("%.6U", 65), "U+000041");
        assert_eq!(s("%T", 1), "int");
    }

    #[test]
    fn go_complaints() {
        assert_eq!(s("%s", 5), "%!s(int=5)");
        assert_eq!(s("%05s", 5), "%!s(int=00005)");
        assert_eq!(s("%f", 5), "%!f(int=5)");
        assert_eq!(s("abc", 5), "abc%!(EXTRA int=5)");
        assert_eq!(s("", 5), "%!(EXTRA int=5)");
        assert_eq!(s("%%", 5), "%%!(EXTRA int=5)");
        assert_eq!(s("%d %d", 5), "5 %!d(MISSING)");
        assert_eq!(s("%", 5), "%!(NOVERB)%!(EXTRA int=5)");
        assert_eq!(s("%5", 5), "%!(NOVERB)%!(EXTRA int=5)");
        assert_eq!(s("%[1]d-%[1]d", 5), "5-5");
        assert_eq!(s("%[2]d", 5), "%!d(BADINDEX)");
        assert_eq!(s("%[x]d", 5), "%!d(BADINDEX)");
        assert_eq!(s("%*d", 3), "%!d(MISSING)");
        assert_eq!(s("%*d", 3_000_000), "%!(BADWIDTH)%!d(MISSING)");
        assert_eq!(s("%.*d", -1), "%!(BADPREC)%!d(MISSING)");
        assert_eq!(s("%99999999d", 1), "%!(NOVERB)%!(EXTRA int=1)");
        assert_eq!(s("%5.", 1), "%!.(int=    1)");
        assert_eq!(s("%é", 1), "%!é(int=1)");
    }
}
