//! Money: an exact count of minor units with its currency.

use crate::LedgerError;
use std::fmt;

/// A three-letter ISO 4217 code. All currencies used here have two decimals (centavos, cents).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency([u8; 3]);

impl Currency {
    pub const MXN: Currency = Currency(*b"MXN");
    pub const USD: Currency = Currency(*b"USD");

    pub fn parse(code: &str) -> Result<Self, LedgerError> {
        let bytes = code.as_bytes();
        if bytes.len() == 3 && bytes.iter().all(u8::is_ascii_uppercase) {
            Ok(Currency([bytes[0], bytes[1], bytes[2]]))
        } else {
            Err(LedgerError::BadCurrency(code.to_string()))
        }
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII uppercase bytes are ever stored (see `parse`).
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }

    /// Minor units per major unit. Every currency the programme uses has two decimals.
    pub const fn minor_per_major(&self) -> i64 {
        100
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An amount of money: signed minor units and a currency. Arithmetic is checked; mixing
/// currencies is an error, never a conversion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    amount_minor: i64,
    currency: Currency,
}

impl Money {
    pub const fn new(amount_minor: i64, currency: Currency) -> Self {
        Money {
            amount_minor,
            currency,
        }
    }

    pub const fn zero(currency: Currency) -> Self {
        Money::new(0, currency)
    }

    pub const fn mxn(amount_minor: i64) -> Self {
        Money::new(amount_minor, Currency::MXN)
    }

    /// A non-negative amount from user input; `field` names the input in the error.
    pub fn non_negative(
        amount_minor: i64,
        currency: Currency,
        field: &'static str,
    ) -> Result<Self, LedgerError> {
        if amount_minor < 0 {
            return Err(LedgerError::Negative { field });
        }
        Ok(Money::new(amount_minor, currency))
    }

    /// A strictly positive amount from user input.
    pub fn positive(
        amount_minor: i64,
        currency: Currency,
        field: &'static str,
    ) -> Result<Self, LedgerError> {
        if amount_minor == 0 {
            return Err(LedgerError::Zero { field });
        }
        Money::non_negative(amount_minor, currency, field)
    }

    /// Parses a decimal text such as `1234.5` or `-0.07` into minor units, exactly.
    /// More than two decimals is an error, not a rounding.
    pub fn parse_major(
        text: &str,
        currency: Currency,
        field: &'static str,
    ) -> Result<Self, LedgerError> {
        let text = text.trim();
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (whole, frac) = match digits.split_once('.') {
            Some((w, f)) => (w, f),
            None => (digits, ""),
        };
        let valid = !whole.is_empty()
            && whole.bytes().all(|b| b.is_ascii_digit())
            && frac.len() <= 2
            && frac.bytes().all(|b| b.is_ascii_digit());
        if !valid {
            return Err(LedgerError::Overflow { field });
        }
        let whole: i64 = whole.parse().map_err(|_| LedgerError::Overflow { field })?;
        let frac_minor: i64 = match frac.len() {
            0 => 0,
            1 => frac.parse::<i64>().unwrap_or(0) * 10,
            _ => frac.parse::<i64>().unwrap_or(0),
        };
        let minor = whole
            .checked_mul(100)
            .and_then(|m| m.checked_add(frac_minor))
            .ok_or(LedgerError::Overflow { field })?;
        Ok(Money::new(if negative { -minor } else { minor }, currency))
    }

    pub const fn amount_minor(&self) -> i64 {
        self.amount_minor
    }

    pub const fn currency(&self) -> Currency {
        self.currency
    }

    pub const fn is_zero(&self) -> bool {
        self.amount_minor == 0
    }

    pub const fn is_negative(&self) -> bool {
        self.amount_minor < 0
    }

    fn same_currency(&self, other: &Money) -> Result<(), LedgerError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(LedgerError::CurrencyMismatch {
                left: self.currency,
                right: other.currency,
            })
        }
    }

    pub fn checked_add(self, other: Money) -> Result<Money, LedgerError> {
        self.same_currency(&other)?;
        self.amount_minor
            .checked_add(other.amount_minor)
            .map(|m| Money::new(m, self.currency))
            .ok_or(LedgerError::Overflow { field: "amount" })
    }

    pub fn checked_sub(self, other: Money) -> Result<Money, LedgerError> {
        self.same_currency(&other)?;
        self.amount_minor
            .checked_sub(other.amount_minor)
            .map(|m| Money::new(m, self.currency))
            .ok_or(LedgerError::Overflow { field: "amount" })
    }

    pub fn checked_neg(self) -> Result<Money, LedgerError> {
        self.amount_minor
            .checked_neg()
            .map(|m| Money::new(m, self.currency))
            .ok_or(LedgerError::Overflow { field: "amount" })
    }

    /// Multiplies by a rate and rounds half-to-even to the minor unit.
    pub fn times_rate(self, rate: rust_decimal::Decimal) -> Result<Money, LedgerError> {
        crate::round::apply_rate(self.amount_minor, rate)
            .map(|m| Money::new(m, self.currency))
            .ok_or(LedgerError::Overflow { field: "amount" })
    }

    /// `1234.56` style, no grouping, sign first; for journals and CSV.
    pub fn to_major_string(&self) -> String {
        let sign = if self.amount_minor < 0 { "-" } else { "" };
        let abs = self.amount_minor.unsigned_abs();
        format!("{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.to_major_string(), self.currency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_major_is_exact_and_refuses_a_third_decimal() {
        let p = |s| Money::parse_major(s, Currency::MXN, "amount");
        assert_eq!(p("1234.5").unwrap().amount_minor(), 123_450);
        assert_eq!(p("-0.07").unwrap().amount_minor(), -7);
        assert_eq!(p("10").unwrap().amount_minor(), 1_000);
        assert!(p("0.005").is_err());
        assert!(p("abc").is_err());
        assert!(p("99999999999999999999").is_err());
    }

    #[test]
    fn adding_two_currencies_is_an_error_not_a_conversion() {
        let err = Money::mxn(1)
            .checked_add(Money::new(1, Currency::USD))
            .unwrap_err();
        assert!(matches!(err, LedgerError::CurrencyMismatch { .. }));
    }

    #[test]
    fn overflow_is_reported_not_wrapped() {
        assert_eq!(
            Money::mxn(i64::MAX).checked_add(Money::mxn(1)),
            Err(LedgerError::Overflow { field: "amount" })
        );
        assert!(Money::mxn(i64::MIN).checked_neg().is_err());
    }

    #[test]
    fn user_amounts_refuse_negative_and_zero_naming_the_field() {
        assert_eq!(
            Money::non_negative(-1, Currency::MXN, "revenue_minor"),
            Err(LedgerError::Negative {
                field: "revenue_minor"
            })
        );
        assert_eq!(
            Money::positive(0, Currency::MXN, "amount_minor"),
            Err(LedgerError::Zero {
                field: "amount_minor"
            })
        );
    }

    #[test]
    fn major_string_round_trips() {
        assert_eq!(Money::mxn(-7).to_major_string(), "-0.07");
        assert_eq!(Money::mxn(123_456).to_major_string(), "1234.56");
        assert_eq!(
            Money::mxn(i64::MIN).to_major_string(),
            "-92233720368547758.08"
        );
    }
}
