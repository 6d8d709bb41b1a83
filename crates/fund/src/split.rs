//! R-FUND-2: every amount registered in the Fund is split 50/50 between the Development and
//! Competition Sub-Funds, the odd centavo to Development **(decision)**; and the two-bucket
//! allocator every later cash movement uses so that per-sub-fund cash follows what is owed.

use ledger::SubFund;

/// An amount in minor units divided between the two sub-funds.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
pub struct Split {
    pub development_minor: i64,
    pub competition_minor: i64,
}

impl Split {
    pub const ZERO: Split = Split {
        development_minor: 0,
        competition_minor: 0,
    };

    pub fn new(development_minor: i64, competition_minor: i64) -> Self {
        Split {
            development_minor,
            competition_minor,
        }
    }

    /// R-FUND-2: half each, the odd centavo to the Development Sub-Fund. For a negative amount
    /// (an adjustment downwards) the split is the mirror image, so `of(-x) == -of(x)`.
    pub fn of(amount_minor: i64) -> Split {
        let magnitude = amount_minor.unsigned_abs();
        let competition = (magnitude / 2) as i64;
        let development = (magnitude - magnitude / 2) as i64;
        if amount_minor < 0 {
            Split::new(-development, -competition)
        } else {
            Split::new(development, competition)
        }
    }

    pub fn total(&self) -> i64 {
        self.development_minor + self.competition_minor
    }

    pub fn get(&self, sub_fund: SubFund) -> i64 {
        match sub_fund {
            SubFund::Development => self.development_minor,
            SubFund::Competition => self.competition_minor,
        }
    }

    pub fn plus(self, other: Split) -> Split {
        Split::new(
            self.development_minor + other.development_minor,
            self.competition_minor + other.competition_minor,
        )
    }

    pub fn minus(self, other: Split) -> Split {
        Split::new(
            self.development_minor - other.development_minor,
            self.competition_minor - other.competition_minor,
        )
    }

    pub fn negated(self) -> Split {
        Split::new(-self.development_minor, -self.competition_minor)
    }

    /// Each side floored at zero.
    pub fn floor_zero(self) -> Split {
        Split::new(self.development_minor.max(0), self.competition_minor.max(0))
    }
}

/// Divides `amount_minor` (>= 0) between the sub-funds without taking more from a side than
/// `cap` allows, aiming at `target_development_minor` for Development. `None` when the amount
/// exceeds the two caps together. Used for:
/// - payments of contributions, aimed in proportion to what is outstanding per sub-fund, so the
///   cash in each trust account converges to what each sub-fund was credited (R-FUND-2);
/// - installments paid by the trustee, aimed at the R-FUND-2 split of the installment but
///   limited by each sub-fund's cash (R-FUND-6).
pub fn allocate(amount_minor: i64, target_development_minor: i64, cap: Split) -> Option<Split> {
    let cap = cap.floor_zero();
    if amount_minor < 0 || amount_minor > cap.total() {
        return None;
    }
    let low = (amount_minor - cap.competition_minor).max(0);
    let high = amount_minor.min(cap.development_minor);
    let development = target_development_minor.clamp(low, high);
    Some(Split::new(development, amount_minor - development))
}

/// Divides `amount_minor` in proportion to `outstanding` (rounding the Development side up, as
/// R-FUND-2 does with the odd centavo), never exceeding either side. `None` when the amount
/// exceeds what is outstanding. With nothing outstanding on either side the target is the plain
/// R-FUND-2 split.
pub fn allocate_proportionally(amount_minor: i64, outstanding: Split) -> Option<Split> {
    let out = outstanding.floor_zero();
    let total = out.total() as i128;
    let target = if total == 0 {
        Split::of(amount_minor).development_minor
    } else {
        let num = amount_minor as i128 * out.development_minor as i128;
        // Ceiling division of non-negative numbers.
        ((num + total - 1) / total) as i64
    };
    allocate(amount_minor, target, out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn r_fund_2_odd_centavo_goes_to_development() {
        assert_eq!(Split::of(23_457), Split::new(11_729, 11_728));
        assert_eq!(Split::of(1), Split::new(1, 0));
        assert_eq!(Split::of(0), Split::ZERO);
        assert_eq!(Split::of(-3), Split::new(-2, -1));
    }

    #[test]
    fn r_fund_2_allocation_respects_caps() {
        assert_eq!(allocate(10, 5, Split::new(2, 100)), Some(Split::new(2, 8)));
        assert_eq!(allocate(10, 5, Split::new(100, 1)), Some(Split::new(9, 1)));
        assert_eq!(allocate(10, 5, Split::new(4, 5)), None);
        assert_eq!(
            allocate_proportionally(3, Split::new(2, 1)),
            Some(Split::new(2, 1))
        );
        assert_eq!(
            allocate_proportionally(1, Split::new(2, 1)),
            Some(Split::new(1, 0))
        );
    }

    proptest! {
        #[test]
        fn r_fund_2_split_sums_and_differs_by_at_most_one(x in -1_000_000_000_000i64..1_000_000_000_000) {
            let s = Split::of(x);
            prop_assert_eq!(s.total(), x);
            prop_assert!((s.development_minor - s.competition_minor).abs() <= 1);
            prop_assert_eq!(Split::of(-x), s.negated());
        }

        #[test]
        fn r_fund_2_paying_in_pieces_fills_each_side_exactly(owed in 0i64..1_000_000, cuts in proptest::collection::vec(0i64..1_000_000, 0..6)) {
            let owed_split = Split::of(owed);
            let mut paid = Split::ZERO;
            let mut left = owed;
            for c in cuts {
                let x = c % (left + 1);
                let a = allocate_proportionally(x, owed_split.minus(paid)).unwrap();
                prop_assert!(a.development_minor >= 0 && a.competition_minor >= 0);
                paid = paid.plus(a);
                left -= x;
            }
            let a = allocate_proportionally(left, owed_split.minus(paid)).unwrap();
            paid = paid.plus(a);
            prop_assert_eq!(paid, owed_split);
        }
    }
}
