//! Kubernetes' `$(VAR)` expansion in `command`, `args` and `env` values:
//! `$(NAME)` becomes the variable's value when it is defined and stays as
//! written otherwise; `$$` is a literal `$`. A port of
//! `third_party/forked/golang/expansion` in Kubernetes.

/// Expand `input` with `lookup`.
pub fn expand<'a>(input: &str, lookup: impl Fn(&str) -> Option<&'a str>) -> String {
    let b = input.as_bytes();
    let mut out = String::with_capacity(input.len());
    let mut checkpoint = 0;
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'$' && i + 1 < b.len() {
            out.push_str(&input[checkpoint..i]);
            match b[i + 1] {
                b'$' => {
                    out.push('$');
                    i += 2;
                }
                b'(' => match input[i + 2..].find(')') {
                    Some(len) => {
                        let name = &input[i + 2..i + 2 + len];
                        match lookup(name) {
                            Some(v) => out.push_str(v),
                            None => {
                                out.push_str("$(");
                                out.push_str(name);
                                out.push(')');
                            }
                        }
                        i += 3 + len;
                    }
                    // No closing parenthesis: the text stays as written.
                    None => {
                        out.push_str("$(");
                        i += 2;
                    }
                },
                // `$` before anything else is literal; the next character is
                // copied with the following text, so multi-byte characters
                // are never split.
                _ => {
                    out.push('$');
                    i += 1;
                }
            }
            checkpoint = i;
        } else {
            i += 1;
        }
    }
    out.push_str(&input[checkpoint..]);
    out
}

#[cfg(test)]
mod tests {
    use super::expand;

    fn ex(s: &str) -> String {
        expand(s, |n| match n {
            "A" => Some("alpha"),
            "EMPTY" => Some(""),
            _ => None,
        })
    }

    #[test]
    fn kubernetes_rules() {
        assert_eq!(ex("$(A)"), "alpha");
        assert_eq!(ex("x$(A)y$(A)"), "xalphayalpha");
        assert_eq!(ex("$(EMPTY)!"), "!");
        assert_eq!(ex("$(B)"), "$(B)");
        assert_eq!(ex("$$(A)"), "$(A)");
        assert_eq!(ex("$$"), "$");
        assert_eq!(ex("$A $"), "$A $");
        assert_eq!(ex("$(A"), "$(A");
        assert_eq!(ex("é$(A)ü$é"), "éalphaü$é");
        assert_eq!(ex("echo $HOME"), "echo $HOME");
    }
}
