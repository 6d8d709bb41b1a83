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

/// Reads an amount as a Mexican user types it (`12,500.50`, `12500.50`, `$12,500`), in minor
/// units; a refusal is the catalogue's message for what is wrong (a decimal comma is refused,
/// never misread). A sign only where a loss can be typed (`allow_negative`).
pub fn typed_amount_minor(
    t: crate::shell::Tr,
    text: &str,
    allow_negative: bool,
) -> Result<i64, &'static str> {
    use ledger::typed::TypedAmountError as E;
    ledger::typed::parse_typed_minor(text, allow_negative).map_err(|e| {
        t.get(match e {
            E::Empty => "amount.err.empty",
            E::DecimalComma => "amount.err.decimal_comma",
            E::BadGrouping => "amount.err.grouping",
            E::TooManyDecimals => "amount.err.decimals",
            E::Negative => "amount.err.negative",
            E::TooLarge => "amount.err.too_large",
            E::NotANumber => "amount.err.not_a_number",
        })
    })
}

/// A moment in America/Mexico_City: UTC−6 all year (Mexico ended daylight saving in 2022).
pub fn mexico_city(at: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::FixedOffset> {
    at.with_timezone(&chrono::FixedOffset::west_opt(6 * 3600).expect("UTC-6 is valid"))
}

/// Whole pesos as es-MX shows them in the audit log: `$1,250`, or `$1,250.50` when there are
/// centavos.
pub fn pesos_es_mx(amount_minor: i128) -> String {
    let full = money_es_mx(amount_minor);
    match full.strip_suffix(".00") {
        Some(whole) => whole.to_string(),
        None => full,
    }
}

const MONTHS_ES: [&str; 12] = [
    "ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic",
];

const MONTHS_EN: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

const MONTH_NAMES_ES: [&str; 12] = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
];

const MONTH_NAMES_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A report period as people say it: `marzo 2026`; a period of several months
/// `enero–marzo 2026` (`enero 2026–enero 2027` across years).
pub fn period_in(first_month: (i32, u32), len_months: u8, lang: crate::shell::Lang) -> String {
    let names = match lang {
        crate::shell::Lang::Es => MONTH_NAMES_ES,
        crate::shell::Lang::En => MONTH_NAMES_EN,
    };
    let (year, month) = first_month;
    let name = |m: u32| names[((m - 1) % 12) as usize];
    if len_months <= 1 {
        return format!("{} {year}", name(month));
    }
    let last0 = month - 1 + u32::from(len_months) - 1;
    let last_year = year + (last0 / 12) as i32;
    let last = last0 % 12 + 1;
    if last_year == year {
        format!("{}–{} {year}", name(month), name(last))
    } else {
        format!("{} {year}–{} {last_year}", name(month), name(last))
    }
}

/// A date in the page's language: `31 ene 2025` or `31 Jan 2025`.
pub fn date_in(date: chrono::NaiveDate, lang: crate::shell::Lang) -> String {
    use chrono::Datelike;
    let months = match lang {
        crate::shell::Lang::Es => MONTHS_ES,
        crate::shell::Lang::En => MONTHS_EN,
    };
    format!(
        "{} {} {}",
        date.day(),
        months[date.month0() as usize],
        date.year()
    )
}

/// A count as es-MX writes it: `4,000` (issue 17: totals of lists).
pub fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
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
    fn periods_are_named_by_their_months() {
        use crate::shell::Lang;
        assert_eq!(period_in((2026, 3), 1, Lang::Es), "marzo 2026");
        assert_eq!(period_in((2026, 3), 1, Lang::En), "March 2026");
        assert_eq!(period_in((2026, 1), 3, Lang::Es), "enero–marzo 2026");
        assert_eq!(
            period_in((2026, 11), 3, Lang::Es),
            "noviembre 2026–enero 2027"
        );
    }

    #[test]
    fn dates_are_spanish() {
        let d = chrono::NaiveDate::from_ymd_opt(2025, 1, 31).unwrap();
        assert_eq!(date_es(d), "31 ene 2025");
        assert_eq!(date_in(d, crate::shell::Lang::En), "31 Jan 2025");
        let d = chrono::NaiveDate::from_ymd_opt(2025, 12, 1).unwrap();
        assert_eq!(date_es(d), "1 dic 2025");
    }
}
