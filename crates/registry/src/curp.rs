//! CURP (Clave Única de Registro de Población) and RFC (Registro Federal de Contribuyentes).

use crate::FieldError;
use chrono::NaiveDate;

/// The 32 state codes a CURP may carry, plus `NE` (born abroad).
pub const CURP_STATES: [&str; 33] = [
    "AS", "BC", "BS", "CC", "CL", "CM", "CS", "CH", "DF", "DG", "GT", "GR", "HG", "JC", "MC", "MN",
    "MS", "NT", "NL", "OC", "PL", "QT", "QR", "SP", "SL", "SR", "TC", "TS", "TL", "VZ", "YN", "ZS",
    "NE",
];

const CHECK_ALPHABET: &str = "0123456789ABCDEFGHIJKLMNÑOPQRSTUVWXYZ";

/// A CURP whose shape, date and check digit (the 18th character) are valid.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Curp(String);

impl Curp {
    pub fn parse(text: &str) -> Result<Self, FieldError> {
        let upper = text.trim().to_uppercase();
        let chars: Vec<char> = upper.chars().collect();
        let bad = |why: &str| Err(FieldError::new("curp", format!("'{}' {why}", text.trim())));
        if chars.len() != 18 {
            return bad("must have 18 characters");
        }
        let is_letter = |c: char| c.is_ascii_uppercase() || c == 'Ñ';
        let consonant = |c: char| is_letter(c) && !"AEIOU".contains(c);
        if !chars[0..4].iter().all(|c| is_letter(*c) || *c == 'X') {
            return bad("must start with four letters");
        }
        if !chars[4..10].iter().all(char::is_ascii_digit) {
            return bad("must have the birth date as YYMMDD in positions 5-10");
        }
        if !matches!(chars[10], 'H' | 'M' | 'X') {
            return bad("must have H, M or X as sex in position 11");
        }
        let state: String = chars[11..13].iter().collect();
        if !CURP_STATES.contains(&state.as_str()) {
            return bad("has an unknown state code in positions 12-13");
        }
        if !chars[13..16].iter().all(|c| consonant(*c)) {
            return bad("must have three consonants in positions 14-16");
        }
        if !(chars[16].is_ascii_digit() || chars[16].is_ascii_uppercase()) {
            return bad("has an invalid homoclave in position 17");
        }
        let parsed = Curp(upper);
        if parsed.birth_date().is_none() {
            return bad("has an impossible birth date");
        }
        let expected = check_digit(&chars[..17]);
        if chars[17].to_digit(10) != Some(expected) {
            return bad("has a wrong check digit");
        }
        Ok(parsed)
    }

    /// Builds a valid CURP from its first 17 characters by appending the check digit. Used by
    /// the demo generator; the 17 characters must already have the right shape.
    pub fn with_check_digit(first17: &str) -> Result<Self, FieldError> {
        let chars: Vec<char> = first17.chars().collect();
        if chars.len() != 17 {
            return Err(FieldError::new(
                "curp",
                "needs 17 characters before the check digit",
            ));
        }
        Curp::parse(&format!("{first17}{}", check_digit(&chars)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The birth date encoded in positions 5-10; the homoclave (position 17) tells the
    /// century: a digit for births before 2000, a letter from 2000 on.
    pub fn birth_date(&self) -> Option<NaiveDate> {
        let chars: Vec<char> = self.0.chars().collect();
        let num = |r: std::ops::Range<usize>| -> Option<u32> {
            chars[r].iter().collect::<String>().parse().ok()
        };
        let yy = num(4..6)? as i32;
        let century = if chars[16].is_ascii_digit() {
            1900
        } else {
            2000
        };
        NaiveDate::from_ymd_opt(century + yy, num(6..8)?, num(8..10)?)
    }

    /// `H` (hombre), `M` (mujer) or `X` (no binario).
    pub fn sex_letter(&self) -> char {
        self.0.chars().nth(10).unwrap_or('X')
    }
}

fn check_digit(first17: &[char]) -> u32 {
    let sum: u32 = first17
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let value = CHECK_ALPHABET.chars().position(|a| a == *c).unwrap_or(0) as u32;
            value * (18 - i as u32)
        })
        .sum();
    (10 - sum % 10) % 10
}

/// An RFC for a person (13 characters) or a company (12): letters, date, homoclave.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Rfc(String);

impl Rfc {
    pub fn parse(text: &str) -> Result<Self, FieldError> {
        let upper = text.trim().to_uppercase();
        let chars: Vec<char> = upper.chars().collect();
        let letters = match chars.len() {
            13 => 4,
            12 => 3,
            _ => {
                return Err(FieldError::new(
                    "rfc",
                    format!("'{}' must have 12 or 13 characters", text.trim()),
                ))
            }
        };
        let is_letter = |c: &char| c.is_ascii_uppercase() || *c == 'Ñ' || *c == '&';
        let ok = chars[..letters].iter().all(is_letter)
            && chars[letters..letters + 6].iter().all(char::is_ascii_digit)
            && chars[letters + 6..]
                .iter()
                .all(|c| c.is_ascii_alphanumeric());
        let date_ok = {
            let d: String = chars[letters..letters + 6].iter().collect();
            let (m, dd) = (
                d[2..4].parse::<u32>().unwrap_or(0),
                d[4..6].parse::<u32>().unwrap_or(0),
            );
            // Any year works for the shape check; 2000 is a leap year so 29 Feb passes.
            ok && NaiveDate::from_ymd_opt(2000, m, dd).is_some()
        };
        if ok && date_ok {
            Ok(Rfc(upper))
        } else {
            Err(FieldError::new(
                "rfc",
                format!("'{}' is not a valid RFC", text.trim()),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Published examples whose check digits are known.
    // Published examples whose check digits are known (from public validators' test suites).
    const KNOWN_GOOD: [&str; 4] = [
        "OEVL921024MDFLRR07",
        "EOTN981127HNESLC06",
        "LOOA531113HTCPBN07",
        "HEGG560427MVZRRL04",
    ];

    #[test]
    fn known_curps_pass_with_their_check_digit() {
        for c in KNOWN_GOOD {
            let curp = Curp::parse(c).unwrap_or_else(|e| panic!("{c}: {e}"));
            assert!(curp.birth_date().is_some());
        }
        assert_eq!(
            Curp::parse("HEGG560427MVZRRL04").unwrap().birth_date(),
            NaiveDate::from_ymd_opt(1956, 4, 27)
        );
    }

    #[test]
    fn a_wrong_check_digit_is_refused_naming_the_field() {
        let err = Curp::parse("HEGG560427MVZRRL05").unwrap_err();
        assert_eq!(err.field, "curp");
        assert!(err.message.contains("check digit"));
    }

    #[test]
    fn malformed_curps_are_refused() {
        for bad in [
            "",
            "HEGG560427MVZRRL0",
            "HEGG561327MVZRRL04",
            "HEGG560427MZZRRL04",
            "1EGG560427MVZRRL04",
        ] {
            assert!(Curp::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn with_check_digit_builds_a_valid_curp() {
        let c = Curp::with_check_digit("OEVL921024MDFLRR0").unwrap();
        assert_eq!(c.as_str(), "OEVL921024MDFLRR07");
    }

    #[test]
    fn rfc_shapes() {
        assert!(Rfc::parse("GODE561231GR8").is_ok());
        assert!(Rfc::parse("ABC970101AB1").is_ok());
        assert!(Rfc::parse("GODE561331GR8").is_err());
        assert!(Rfc::parse("GOD").is_err());
    }
}
