//! Text is text (issue 15): every field a person types refuses control characters, so that no
//! NUL reaches PostgreSQL and no escape sequence reaches a terminal. The one check, used by
//! every constructor and parser of user text (web, API, CSV, CLI).

use crate::FieldError;

/// The first control character `value` holds that `field` may not: every Unicode control
/// character (C0, DEL, C1), except tab and newline (and a carriage return before a newline,
/// as browsers send them) when the field is `multiline`.
pub fn check_text(field: &'static str, value: &str, multiline: bool) -> Result<(), FieldError> {
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        let allowed = !c.is_control()
            || (multiline
                && (c == '\t' || c == '\n' || (c == '\r' && chars.peek() == Some(&'\n'))));
        if !allowed {
            return Err(FieldError::new(
                field,
                format!(
                    "no admite caracteres de control (U+{:04X}) / control characters are not allowed",
                    c as u32
                ),
            ));
        }
    }
    Ok(())
}

/// Text as a search compares it (issue 17): lower case, Spanish accents and the tilde folded
/// (á→a, ü→u, ñ→n), spaces collapsed; so "jose" finds "José" and "JOSÉ" finds "jose".
pub fn fold_for_search(text: &str) -> String {
    let folded: String = text
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'á' | 'à' | 'ä' | 'â' => 'a',
            'é' | 'è' | 'ë' | 'ê' => 'e',
            'í' | 'ì' | 'ï' | 'î' => 'i',
            'ó' | 'ò' | 'ö' | 'ô' => 'o',
            'ú' | 'ù' | 'ü' | 'û' => 'u',
            'ñ' => 'n',
            other => other,
        })
        .collect();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_folds_case_accents_and_the_tilde() {
        assert_eq!(fold_for_search("José  PEÑA Güémez"), "jose pena guemez");
        assert!(fold_for_search("María José").contains(&fold_for_search("jose")));
        assert!(fold_for_search("Jose").contains(&fold_for_search("JOSÉ")));
        assert!(!fold_for_search("Josefa").contains("jesus"));
    }

    #[test]
    fn control_characters_are_refused_naming_the_field() {
        for bad in [
            "a\0b",
            "\u{1b}[2J",
            "timbre\u{7}",
            "x\u{7f}",
            "c1\u{9b}31m",
            "a\rb",
        ] {
            let e = check_text("given_names", bad, false).unwrap_err();
            assert_eq!(e.field, "given_names", "{bad:?}");
            let e = check_text("purpose", bad, true).unwrap_err();
            assert_eq!(e.field, "purpose", "{bad:?}");
        }
        let e = check_text("given_names", "Ana\u{0}", false).unwrap_err();
        assert!(e.message.contains("U+0000"), "{}", e.message);
    }

    #[test]
    fn tab_and_newline_only_where_the_field_is_multiline() {
        for s in ["línea\ny otra", "a\tb", "con\r\nfin"] {
            assert!(check_text("given_names", s, false).is_err(), "{s:?}");
            assert!(check_text("purpose", s, true).is_ok(), "{s:?}");
        }
    }

    #[test]
    fn ordinary_text_passes_with_accents_and_symbols() {
        for s in [
            "María José Ñúñez",
            "Pérez-O'Brien",
            "San Andrés Cholula",
            "🏺 barro",
            "",
        ] {
            assert!(check_text("given_names", s, false).is_ok(), "{s:?}");
        }
    }
}
