//! es-MX formatting for pages: `$1,234.56`, dates as `31 ene 2025`.

/// Money in minor units as es-MX shows it: `$1,234.56`, `-$7.00`.
pub fn money_es_mx(amount_minor: i128) -> String {
    let sign = if amount_minor < 0 { "-" } else { "" };
    let abs = amount_minor.unsigned_abs();
    let whole = (abs / 100).to_string();
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!("{sign}${grouped}.{:02}", abs % 100)
}

const MONTHS_ES: [&str; 12] = [
    "ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic",
];

const MONTHS_EN: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// A date in the page's language: `31 ene 2025` or `31 Jan 2025`.
pub fn date_in(date: chrono::NaiveDate, lang: crate::i18n::Lang) -> String {
    use chrono::Datelike;
    let months = match lang {
        crate::i18n::Lang::Es => MONTHS_ES,
        crate::i18n::Lang::En => MONTHS_EN,
    };
    format!(
        "{} {} {}",
        date.day(),
        months[date.month0() as usize],
        date.year()
    )
}

#[cfg(test)]
pub fn date_es(date: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    format!(
        "{} {} {}",
        date.day(),
        MONTHS_ES[date.month0() as usize],
        date.year()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_grouped_by_thousands_with_a_dollar_sign() {
        assert_eq!(money_es_mx(123_456), "$1,234.56");
        assert_eq!(money_es_mx(-700), "-$7.00");
        assert_eq!(money_es_mx(5), "$0.05");
        assert_eq!(money_es_mx(100_000_000), "$1,000,000.00");
    }

    #[test]
    fn dates_are_spanish() {
        let d = chrono::NaiveDate::from_ymd_opt(2025, 1, 31).unwrap();
        assert_eq!(date_es(d), "31 ene 2025");
        assert_eq!(date_in(d, crate::i18n::Lang::En), "31 Jan 2025");
        let d = chrono::NaiveDate::from_ymd_opt(2025, 12, 1).unwrap();
        assert_eq!(date_es(d), "1 dic 2025");
    }
}
