//! Building a person's CURP the way RENAPO does, from names, birth date, sex and birth state:
//! the 16 characters that follow from the person, a homoclave, and the check digit.

use chrono::{Datelike, NaiveDate};

/// Words RENAPO does not let the first four letters spell; the second letter becomes `X`.
const INCONVENIENT: [&str; 81] = [
    "BACA", "BAKA", "BUEI", "BUEY", "CACA", "CACO", "CAGA", "CAGO", "CAKA", "CAKO", "COGE", "COGI",
    "COJA", "COJE", "COJI", "COJO", "COLA", "CULO", "FALO", "FETO", "GETA", "GUEI", "GUEY", "JETA",
    "JOTO", "KACA", "KACO", "KAGA", "KAGO", "KAKA", "KAKO", "KOGE", "KOGI", "KOJA", "KOJE", "KOJI",
    "KOJO", "KOLA", "KULO", "LILO", "LOCA", "LOCO", "LOKA", "LOKO", "MAME", "MAMO", "MEAR", "MEAS",
    "MEON", "MIAR", "MION", "MOCO", "MOKO", "MULA", "MULO", "NACA", "NACO", "PEDA", "PEDO", "PENE",
    "PIPI", "PITO", "POPO", "PUTA", "PUTO", "QULO", "RATA", "ROBA", "ROBE", "ROBO", "RUIN", "SENO",
    "TETA", "VACA", "VAGA", "VAGO", "VAKA", "VUEI", "VUEY", "WUEI", "WUEY",
];

/// Particles skipped in compound names (`de la Cruz` counts as `Cruz`).
const PARTICLES: [&str; 17] = [
    "DA", "DAS", "DE", "DEL", "DER", "DI", "DIE", "DD", "EL", "LA", "LOS", "LAS", "LE", "LES",
    "MAC", "MC", "Y",
];

/// Upper-case ASCII as a CURP spells it: accents dropped, `Ñ` written `X`.
fn curp_letters(text: &str) -> Vec<u8> {
    text.chars()
        .filter_map(|c| match c {
            'á' | 'Á' | 'à' | 'ä' => Some(b'A'),
            'é' | 'É' | 'è' | 'ë' => Some(b'E'),
            'í' | 'Í' | 'ì' | 'ï' => Some(b'I'),
            'ó' | 'Ó' | 'ò' | 'ö' => Some(b'O'),
            'ú' | 'Ú' | 'ù' | 'ü' | 'Ü' => Some(b'U'),
            'ñ' | 'Ñ' => Some(b'X'),
            ' ' => Some(b' '),
            c if c.is_ascii_alphabetic() => Some(c.to_ascii_uppercase() as u8),
            _ => None,
        })
        .collect()
}

/// The word of a name that counts: particles skipped; for given names, `María` and `José`
/// skipped when another name follows.
fn word_that_counts(name: &str, given: bool) -> Vec<u8> {
    let letters = curp_letters(name);
    let words: Vec<&[u8]> = letters
        .split(|b| *b == b' ')
        .filter(|w| !w.is_empty())
        .filter(|w| !PARTICLES.iter().any(|p| p.as_bytes() == *w))
        .collect();
    let skip_first =
        given && words.len() > 1 && matches!(words[0], b"MARIA" | b"MA" | b"JOSE" | b"J");
    let chosen = if skip_first {
        words[1]
    } else {
        words.first().copied().unwrap_or(b"X")
    };
    chosen.to_vec()
}

fn is_vowel(b: u8) -> bool {
    matches!(b, b'A' | b'E' | b'I' | b'O' | b'U')
}

fn first_inner(word: &[u8], want_vowel: bool) -> u8 {
    word.iter()
        .skip(1)
        .copied()
        .find(|b| is_vowel(*b) == want_vowel)
        .unwrap_or(b'X')
}

/// The first 16 characters of a CURP; the caller adds the homoclave and check digit.
pub(crate) fn curp16(
    given_names: &str,
    first_surname: &str,
    second_surname: &str,
    birth: NaiveDate,
    sex_letter: u8,
    state_code: &str,
) -> [u8; 16] {
    let given = word_that_counts(given_names, true);
    let first = word_that_counts(first_surname, false);
    let second = word_that_counts(second_surname, false);
    let mut out = [b'X'; 16];
    out[0] = first[0];
    out[1] = first_inner(&first, true);
    out[2] = second[0];
    out[3] = given[0];
    if INCONVENIENT.iter().any(|w| w.as_bytes() == &out[..4]) {
        out[1] = b'X';
    }
    let yymmdd = format!(
        "{:02}{:02}{:02}",
        birth.year().rem_euclid(100),
        birth.month(),
        birth.day()
    );
    out[4..10].copy_from_slice(yymmdd.as_bytes());
    out[10] = sex_letter;
    out[11..13].copy_from_slice(&state_code.as_bytes()[..2]);
    out[13] = first_inner(&first, false);
    out[14] = first_inner(&second, false);
    out[15] = first_inner(&given, false);
    out
}

/// The homoclave's alphabet: a digit for people born before 2000, a letter from 2000 on
/// (that is how the CURP tells the century).
pub(crate) fn homoclaves(birth: NaiveDate) -> &'static [u8] {
    if birth.year() < 2000 {
        b"0123456789"
    } else {
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one helper: a person's CURP, homoclave 0, as text.
    fn curp_of(given: &str, first: &str, second: &str, ymd: (i32, u32, u32), sex: u8) -> String {
        let birth = NaiveDate::from_ymd_opt(ymd.0, ymd.1, ymd.2).unwrap();
        let head = curp16(given, first, second, birth, sex, "MS");
        let text = format!("{}0", std::str::from_utf8(&head).unwrap());
        registry::Curp::with_check_digit(&text)
            .unwrap()
            .as_str()
            .to_string()
    }

    #[test]
    fn r_org_2_a_curp_follows_from_the_person() {
        let c = curp_of("Guadalupe", "Hernández", "García", (1956, 4, 27), b'M');
        assert!(c.starts_with("HEGG560427MMSRRD0"), "{c}");
    }

    #[test]
    fn r_org_2_maria_jose_particles_and_enye_follow_renapo() {
        let c = curp_of(
            "María de los Ángeles",
            "de la Cruz",
            "Muñoz",
            (1980, 1, 2),
            b'M',
        );
        assert!(c.starts_with("CUMA800102MMSRXN0"), "{c}");
        let c = curp_of("José Luis", "Núñez", "Ibáñez", (1975, 12, 31), b'H');
        assert!(c.starts_with("NUIL751231HMSXBS0"), "{c}");
    }

    #[test]
    fn r_org_2_inconvenient_words_are_masked() {
        // P-U-T-O would be spelled by Pulido Torres Octavio.
        let c = curp_of("Octavio", "Pulido", "Torres", (1990, 5, 5), b'H');
        assert!(c.starts_with("PXTO"), "{c}");
    }
}
