//! A member's contact (issue 19, R-INFO-1): an e-mail address, where the SMTP transport sends
//! their notifications, and a mobile phone number for a later SMS transport. Both optional; what
//! the registry lets staff change at any time (the changes are events in the log, never edits).

use crate::FieldError;

/// A member's contact, checked: `email` trimmed with its domain in lower case; `mobile` as
/// `+52` and the ten digits of a Mexican number.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Contact {
    pub email: Option<String>,
    pub mobile: Option<String>,
}

impl Contact {
    /// Checks what a person typed (blank is none): the first bad field is named, `email`
    /// before `mobile`.
    pub fn parse(email: &str, mobile: &str) -> Result<Contact, FieldError> {
        Ok(Contact {
            email: parse_email(email)?,
            mobile: parse_mobile(mobile)?,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.email.is_none() && self.mobile.is_none()
    }
}

/// An e-mail address as a mail server takes it: one `@`, a local part of at most 64 characters
/// without spaces, quotes or brackets, a domain of labels (letters, digits, `-`) with a dot;
/// at most 254 characters. Blank is none.
pub fn parse_email(text: &str) -> Result<Option<String>, FieldError> {
    let a = text.trim();
    crate::check_text("email", a, false)?;
    if a.is_empty() {
        return Ok(None);
    }
    let bad = || {
        FieldError::new(
            "email",
            format!("'{a}' no es un correo válido (nombre@dominio.mx) / is not an e-mail address"),
        )
    };
    let (local, domain) = a.split_once('@').ok_or_else(bad)?;
    let local_ok = !local.is_empty()
        && local.chars().count() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| !c.is_whitespace() && !"<>()[]\\,;:@\"".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        });
    if !local_ok || !domain_ok || a.len() > 254 {
        return Err(bad());
    }
    Ok(Some(format!("{local}@{}", domain.to_lowercase())))
}

/// A Mexican mobile number: ten digits, written with or without spaces, dashes, dots or
/// brackets, and with or without `+52` (or `52`, or the old `+52 1`). Stored as `+52` and the
/// ten digits. Blank is none.
pub fn parse_mobile(text: &str) -> Result<Option<String>, FieldError> {
    let t = text.trim();
    crate::check_text("mobile", t, false)?;
    if t.is_empty() {
        return Ok(None);
    }
    let bad = || {
        FieldError::new(
            "mobile",
            format!(
                "'{t}' no es un celular de 10 dígitos (55 1234 5678) / is not a 10-digit mobile number"
            ),
        )
    };
    if !t
        .chars()
        .all(|c| c.is_ascii_digit() || " -.()+".contains(c))
        || t.chars().skip(1).any(|c| c == '+')
    {
        return Err(bad());
    }
    let digits: String = t.chars().filter(char::is_ascii_digit).collect();
    let national = match digits.len() {
        10 if !t.starts_with('+') => digits.as_str(),
        12 if digits.starts_with("52") => &digits[2..],
        13 if digits.starts_with("521") => &digits[3..],
        _ => return Err(bad()),
    };
    if national.starts_with('0') {
        return Err(bad());
    }
    Ok(Some(format!("+52{national}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_email_is_checked_and_its_domain_lower_cased() {
        assert_eq!(
            parse_email("  Ana.Perez@ODF-Morelos.Org.MX ").unwrap(),
            Some("Ana.Perez@odf-morelos.org.mx".to_string())
        );
        assert_eq!(parse_email("   ").unwrap(), None);
        for bad in [
            "ana",
            "ana@",
            "@odf.mx",
            "ana@odf",
            "ana perez@odf.mx",
            "ana@@odf.mx",
            "ana@odf..mx",
            "ana@-odf.mx",
            "a<b>@odf.mx",
            "ana@odf.mx>\r\nRCPT TO:<x@y.mx",
        ] {
            let e = parse_email(bad).unwrap_err();
            assert_eq!(e.field, "email", "{bad}");
        }
        // 65 characters before the @ are one too many.
        assert!(parse_email(&format!("{}@odf.mx", "a".repeat(65))).is_err());
        assert!(parse_email(&format!("{}@odf.mx", "a".repeat(64))).is_ok());
    }

    #[test]
    fn a_mobile_is_ten_mexican_digits_however_written() {
        for typed in [
            "5512345678",
            "55 1234 5678",
            "(55) 1234-5678",
            "+52 55 1234 5678",
            "52 5512345678",
            "+52 1 55 1234 5678",
        ] {
            assert_eq!(
                parse_mobile(typed).unwrap(),
                Some("+525512345678".to_string()),
                "{typed}"
            );
        }
        assert_eq!(parse_mobile("").unwrap(), None);
        for bad in [
            "551234567",
            "55123456789",
            "+1 555 123 4567",
            "0512345678",
            "55-1234-abcd",
            "55+1234567",
        ] {
            assert_eq!(parse_mobile(bad).unwrap_err().field, "mobile", "{bad}");
        }
    }

    #[test]
    fn a_contact_names_its_first_bad_field() {
        assert_eq!(Contact::parse("x", "1").unwrap_err().field, "email");
        assert_eq!(Contact::parse("", "1").unwrap_err().field, "mobile");
        assert!(Contact::parse("", "").unwrap().is_empty());
    }
}
