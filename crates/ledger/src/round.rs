//! Explicit rounding. Half-to-even (banker's rounding) is the default everywhere money is
//! derived from a rate, so that rounding errors do not drift in one direction over many entries.

use rust_decimal::{Decimal, RoundingStrategy};

/// `amount_minor × rate`, rounded half-to-even to a whole minor unit; `None` on overflow.
pub fn apply_rate(amount_minor: i64, rate: Decimal) -> Option<i64> {
    let product = Decimal::from(amount_minor).checked_mul(rate)?;
    to_minor_half_even(product)
}

/// Rounds a decimal number of minor units half-to-even to an `i64`; `None` on overflow.
pub fn to_minor_half_even(value: Decimal) -> Option<i64> {
    let rounded = value.round_dp_with_strategy(0, RoundingStrategy::MidpointNearestEven);
    i64::try_from(rounded).ok()
}

/// `numerator / denominator` rounded half-to-even, in integers; `None` if `denominator` is 0.
pub fn div_half_even(numerator: i128, denominator: i128) -> Option<i128> {
    if denominator == 0 {
        return None;
    }
    let (n, d) = if denominator < 0 {
        (numerator.checked_neg()?, denominator.checked_neg()?)
    } else {
        (numerator, denominator)
    };
    let q = n.div_euclid(d);
    let r = n.rem_euclid(d);
    // Compare 2r with d: below half rounds down, above rounds up, exactly half goes to even.
    let twice = r.checked_mul(2)?;
    Some(match twice.cmp(&d) {
        std::cmp::Ordering::Less => q,
        std::cmp::Ordering::Greater => q + 1,
        std::cmp::Ordering::Equal => {
            if q % 2 == 0 {
                q
            } else {
                q + 1
            }
        }
    })
}

/// Rounds `amount_minor` to the nearest multiple of `multiple_minor`, half-to-even in multiples.
pub fn to_multiple_half_even(amount_minor: i64, multiple_minor: i64) -> Option<i64> {
    if multiple_minor <= 0 {
        return None;
    }
    let units = div_half_even(amount_minor as i128, multiple_minor as i128)?;
    i64::try_from(units.checked_mul(multiple_minor as i128)?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn halves_go_to_the_even_neighbour() {
        assert_eq!(to_minor_half_even(dec!(2.5)), Some(2));
        assert_eq!(to_minor_half_even(dec!(3.5)), Some(4));
        assert_eq!(to_minor_half_even(dec!(-2.5)), Some(-2));
        assert_eq!(to_minor_half_even(dec!(2.5001)), Some(3));
        assert_eq!(apply_rate(25, dec!(0.1)), Some(2)); // 2.5 -> 2
        assert_eq!(apply_rate(35, dec!(0.1)), Some(4)); // 3.5 -> 4
    }

    #[test]
    fn integer_division_rounds_half_to_even() {
        assert_eq!(div_half_even(5, 2), Some(2));
        assert_eq!(div_half_even(7, 2), Some(4));
        assert_eq!(div_half_even(-5, 2), Some(-2));
        assert_eq!(div_half_even(-7, 2), Some(-4));
        assert_eq!(div_half_even(10, 3), Some(3));
        assert_eq!(div_half_even(11, 3), Some(4));
        assert_eq!(div_half_even(1, 0), None);
        assert_eq!(div_half_even(5, -2), Some(-2));
    }

    #[test]
    fn rounding_to_a_multiple() {
        assert_eq!(to_multiple_half_even(12_345, 100), Some(12_300));
        assert_eq!(to_multiple_half_even(12_350, 100), Some(12_400));
        assert_eq!(to_multiple_half_even(12_250, 100), Some(12_200));
        assert_eq!(to_multiple_half_even(1, 0), None);
    }

    proptest::proptest! {
        #[test]
        fn integer_and_decimal_rounding_agree(n in -1_000_000_000i64..1_000_000_000, d in 1i64..10_000) {
            let by_int = div_half_even(n as i128, d as i128).unwrap() as i64;
            let by_dec = to_minor_half_even(Decimal::from(n) / Decimal::from(d)).unwrap();
            proptest::prop_assert_eq!(by_int, by_dec);
        }
    }
}
