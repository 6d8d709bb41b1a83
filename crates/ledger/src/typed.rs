//! Amounts as a person in Mexico types them into a form: `12,500.50`, `12500.50`, `$12,500`,
//! `$ 800`. The comma groups thousands and the point marks the cents, as on Mexican receipts.
//! A decimal comma (`12500,50`, `12.500,50`) is refused, never misread as thousands: read that
//! way, 12,500.50 pesos would become 1,250,050.00.

/// Why a typed amount was refused. Each kind has its own message in the page's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TypedAmountError {
    #[error("escriba un importe (enter an amount)")]
    Empty,
    #[error("use punto para los centavos: 12,500.50 (use a point for the cents)")]
    DecimalComma,
    #[error("las comas separan miles de tres en tres: 12,500.50 (commas group thousands)")]
    BadGrouping,
    #[error("a lo más dos decimales (at most two decimals)")]
    TooManyDecimals,
    #[error("no puede ser negativo (must not be negative)")]
    Negative,
    #[error("importe demasiado grande (amount too large)")]
    TooLarge,
    #[error("no es un importe en pesos, p. ej. 12,500.50 (not an amount in pesos)")]
    NotANumber,
}

/// The largest whole part accepted: under a trillion pesos, far above any member's figure and
/// far below `i64` minor units.
const MAX_WHOLE_DIGITS: usize = 12;

/// Parses a typed amount into minor units (two decimals). A sign is accepted only when
/// `allow_negative` (a loss in an income report).
pub fn parse_typed_minor(text: &str, allow_negative: bool) -> Result<i64, TypedAmountError> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.is_empty() {
        return Err(TypedAmountError::Empty);
    }
    // `-$12`, `$-12` and `-12` are the same negative amount.
    let (negative, unsigned) = match compact.strip_prefix('-') {
        Some(rest) => (true, rest.strip_prefix('$').unwrap_or(rest)),
        None => {
            let rest = compact.strip_prefix('$').unwrap_or(&compact);
            match rest.strip_prefix('-') {
                Some(rest) => (true, rest),
                None => (false, rest),
            }
        }
    };
    if unsigned.is_empty() {
        return Err(TypedAmountError::NotANumber);
    }
    if !unsigned
        .bytes()
        .all(|b| b.is_ascii_digit() || b == b',' || b == b'.')
    {
        return Err(TypedAmountError::NotANumber);
    }
    let (whole, cents) = split_cents(unsigned)?;
    let whole_digits = ungroup(whole)?;
    if cents.len() > 2 {
        return Err(TypedAmountError::TooManyDecimals);
    }
    if whole_digits.len() > MAX_WHOLE_DIGITS {
        return Err(TypedAmountError::TooLarge);
    }
    let whole_minor = whole_digits
        .parse::<i64>()
        .map_err(|_| TypedAmountError::NotANumber)?
        .checked_mul(100)
        .ok_or(TypedAmountError::TooLarge)?;
    let cents_minor = match cents.len() {
        0 => 0,
        1 => i64::from(cents.as_bytes()[0] - b'0') * 10,
        _ => cents
            .parse::<i64>()
            .map_err(|_| TypedAmountError::NotANumber)?,
    };
    let minor = whole_minor + cents_minor;
    if negative && minor != 0 {
        if !allow_negative {
            return Err(TypedAmountError::Negative);
        }
        return Ok(-minor);
    }
    Ok(minor)
}

/// Splits `whole.cents`, telling a decimal comma from a thousands comma.
fn split_cents(unsigned: &str) -> Result<(&str, &str), TypedAmountError> {
    match unsigned.rsplit_once('.') {
        Some((whole, cents)) => {
            if whole.contains('.') {
                // `12.500.000`: points grouping thousands, the European way.
                return Err(TypedAmountError::DecimalComma);
            }
            if cents.contains(',') {
                // `12.500,50`: a point for thousands and a comma for the cents.
                return Err(TypedAmountError::DecimalComma);
            }
            Ok((whole, cents))
        }
        None => {
            // No point: a comma followed by one or two digits at the end is a decimal comma
            // (`12500,50`, `12,5`); followed by three it groups thousands (`12,500`).
            if let Some((_, last)) = unsigned.rsplit_once(',') {
                if (1..=2).contains(&last.len()) {
                    return Err(TypedAmountError::DecimalComma);
                }
            }
            Ok((unsigned, ""))
        }
    }
}

/// The digits of a whole part, checking its commas group thousands (`1,234,567`).
fn ungroup(whole: &str) -> Result<String, TypedAmountError> {
    if whole.is_empty() {
        // `.50`: fifty cents.
        return Ok("0".into());
    }
    if !whole.contains(',') {
        return Ok(whole.to_string());
    }
    let groups: Vec<&str> = whole.split(',').collect();
    let first_ok = (1..=3).contains(&groups[0].len());
    let rest_ok = groups[1..].iter().all(|g| g.len() == 3);
    if !first_ok || !rest_ok {
        return Err(TypedAmountError::BadGrouping);
    }
    Ok(groups.concat())
}

#[cfg(test)]
mod tests {
    use super::*;
    use TypedAmountError::*;

    #[test]
    fn what_a_mexican_user_types_is_read_as_they_mean_it() {
        // 12,500.50 pesos = 1,250,050 centavos, however it is typed.
        let expected = 12_500 * 100 + 50;
        for typed in [
            "12,500.50",
            "12500.50",
            "$12,500.50",
            "$ 12,500.50",
            " 12500.5 ",
        ] {
            assert_eq!(parse_typed_minor(typed, false), Ok(expected), "{typed}");
        }
        assert_eq!(parse_typed_minor("$12,500", false), Ok(1_250_000));
        assert_eq!(parse_typed_minor("20,000", false), Ok(2_000_000));
        assert_eq!(parse_typed_minor("1,234,567.89", false), Ok(123_456_789));
        assert_eq!(parse_typed_minor("0.07", false), Ok(7));
        assert_eq!(parse_typed_minor(".5", false), Ok(50));
        assert_eq!(parse_typed_minor("800", false), Ok(80_000));
    }

    #[test]
    fn a_decimal_comma_is_refused_never_misread_as_thousands() {
        for typed in ["12500,50", "12,5", "12.500,50", "1.250.050"] {
            assert_eq!(
                parse_typed_minor(typed, false),
                Err(DecimalComma),
                "{typed}"
            );
        }
    }

    #[test]
    fn other_mistakes_are_named() {
        assert_eq!(parse_typed_minor("", false), Err(Empty));
        assert_eq!(parse_typed_minor("   ", false), Err(Empty));
        assert_eq!(parse_typed_minor("1,23,456", false), Err(BadGrouping));
        assert_eq!(parse_typed_minor("12,50,0.00", false), Err(BadGrouping));
        assert_eq!(parse_typed_minor("1234,567", false), Err(BadGrouping));
        assert_eq!(parse_typed_minor("10.505", false), Err(TooManyDecimals));
        assert_eq!(parse_typed_minor("abc", false), Err(NotANumber));
        assert_eq!(parse_typed_minor("12e3", false), Err(NotANumber));
        assert_eq!(parse_typed_minor("$", false), Err(NotANumber));
        assert_eq!(parse_typed_minor("1000000000000", false), Err(TooLarge));
        assert_eq!(
            parse_typed_minor("999999999999.99", false),
            Ok(99_999_999_999_999)
        );
    }

    #[test]
    fn a_sign_only_where_a_loss_is_possible() {
        assert_eq!(parse_typed_minor("-1,234.50", true), Ok(-123_450));
        assert_eq!(parse_typed_minor("-$800", true), Ok(-80_000));
        assert_eq!(parse_typed_minor("$-800", true), Ok(-80_000));
        assert_eq!(parse_typed_minor("-800", false), Err(Negative));
        assert_eq!(parse_typed_minor("-0", false), Ok(0));
        assert_eq!(parse_typed_minor("-", true), Err(NotANumber));
    }
}
