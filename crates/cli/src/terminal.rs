//! What the CLI prints to a terminal (issue 15): stored text is shown, never obeyed. Every
//! control character but the newline is written as a `\u{..}` escape, so a name holding ESC
//! or BEL (stored before control characters were refused) cannot drive the terminal.

use std::borrow::Cow;

/// `text` with every control character except `\n` replaced by `\u{hex}`.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c.is_control() && c != '\n') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() && c != '\n' {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_bells_and_nuls_are_shown_not_obeyed() {
        assert_eq!(
            escape_controls("Ana\u{1b}[2J\u{7}\u{0}\u{9b}"),
            "Ana\\u{1b}[2J\\u{7}\\u{0}\\u{9b}"
        );
        assert_eq!(
            escape_controls("línea\nsiguiente\r"),
            "línea\nsiguiente\\u{d}"
        );
        assert!(matches!(escape_controls("María Ñúñez"), Cow::Borrowed(_)));
    }
}
