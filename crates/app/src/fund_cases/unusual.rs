//! Issue 17: a reported revenue far from the member's usual asks "¿seguro?" before it is
//! saved. Not a programme rule (R-PLAN-2 accepts any non-negative revenue): a guard against a
//! slip of the keyboard (an extra zero), so the page and the API ask for an explicit
//! confirmation and the report is filed as typed once it is given.

/// How many times the member's median reported revenue makes a figure unusual.
pub const UNUSUAL_FACTOR: i64 = 5;

/// Whether `revenue_minor` is over [`UNUSUAL_FACTOR`] times the median of `reported` (the
/// member's revenue in the periods they reported, the period being reported left out by the
/// caller). `Some(median)` (rounded half to even to the centavo, for the message) when it is;
/// `None` when it is not or nothing was reported. With an even count the median is the mean of
/// the two middle figures, compared exactly (`2 × revenue > 5 × (a + b)`).
pub fn unusual_revenue(revenue_minor: i64, reported: &[i64]) -> Option<i64> {
    if reported.is_empty() {
        return None;
    }
    let mut sorted = reported.to_vec();
    sorted.sort_unstable();
    let n = sorted.len();
    let (twice_median, median) = if n % 2 == 1 {
        let m = i128::from(sorted[n / 2]);
        (2 * m, m)
    } else {
        let sum = i128::from(sorted[n / 2 - 1]) + i128::from(sorted[n / 2]);
        (sum, ledger::round::div_half_even(sum, 2).unwrap_or(sum / 2))
    };
    (2 * i128::from(revenue_minor) > i128::from(UNUSUAL_FACTOR) * twice_median)
        .then(|| i64::try_from(median).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn over_five_times_the_median_is_unusual_and_at_five_times_it_is_not() {
        // Odd count: median 10,000.00 (of 8,000, 10,000, 90,000).
        let odd = [1_000_000, 800_000, 9_000_000];
        assert_eq!(unusual_revenue(5_000_000, &odd), None);
        assert_eq!(unusual_revenue(5_000_001, &odd), Some(1_000_000));
        // Even count: median (8,000.00 + 9,000.01) / 2 = 8,500.005 → 8,500.00 (to even);
        // 5 × 8,500.005 = 42,500.025: 42,500.02 is not over it, 42,500.03 is.
        let even = [800_000, 900_001, 100, 99_999_999];
        assert_eq!(unusual_revenue(4_250_002, &even), None);
        assert_eq!(unusual_revenue(4_250_003, &even), Some(850_000));
        assert_eq!(unusual_revenue(1, &[]), None);
        // A member who reported nothing but zeros: any revenue is unusual.
        assert_eq!(unusual_revenue(1, &[0, 0, 0]), Some(0));
        assert_eq!(unusual_revenue(0, &[0]), None);
        assert_eq!(unusual_revenue(i64::MAX, &[i64::MAX, i64::MAX]), None);
    }
}
