//! Exact splitting of an integer total by integer weights (largest remainder, Hamilton).
//!
//! Used for every split of money or units in this crate: pooled purchase charges (R-BUY-1),
//! order splits by capacity (R-SELL-1) and buyer payments among members (R-SELL-1). The parts
//! always sum to the total exactly; ties in the remainder go to the lower index, so the result
//! is deterministic for a given input order.

/// Splits `total` in proportion to `weights` so that the parts sum to `total` exactly.
///
/// Each part is `floor(total × w / W)` plus one unit for the parts with the largest
/// remainders. A part never exceeds `ceil(total × w / W)`, so when `total <= W` no part exceeds
/// its weight. Returns `None` if the weights sum to zero while `total` is not zero, or if a
/// part does not fit an `i64`.
pub fn largest_remainder(total: i64, weights: &[u64]) -> Option<Vec<i64>> {
    let sum: u128 = weights.iter().map(|&w| w as u128).sum();
    if total == 0 {
        return Some(vec![0; weights.len()]);
    }
    if sum == 0 {
        return None;
    }
    let negative = total < 0;
    let magnitude = total.unsigned_abs() as u128;
    let mut parts: Vec<u128> = Vec::with_capacity(weights.len());
    let mut remainders: Vec<(u128, usize)> = Vec::with_capacity(weights.len());
    let mut given: u128 = 0;
    for (index, &w) in weights.iter().enumerate() {
        // magnitude < 2^64 and w < 2^64, so the product fits u128.
        let product = magnitude * w as u128;
        let part = product / sum;
        remainders.push((product % sum, index));
        given += part;
        parts.push(part);
    }
    let mut left = magnitude - given; // < number of weights
                                      // Largest remainder first; equal remainders to the lower index.
    remainders.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, index) in remainders {
        if left == 0 {
            break;
        }
        parts[index] += 1;
        left -= 1;
    }
    parts
        .into_iter()
        .map(|p| {
            let p = i64::try_from(p).ok()?;
            Some(if negative { -p } else { p })
        })
        .collect()
}

/// The share of `total` that corresponds to `done` out of `whole` units, rounded half-to-even,
/// such that successive cumulative differences add up to `total` exactly when `done` reaches
/// `whole`. Used to value partial receipts and pick-ups (R-BUY-2): the value of the next part is
/// `cumulative_share(total, whole, after) - cumulative_share(total, whole, before)`.
pub fn cumulative_share(total: i64, whole: u64, done: u64) -> Option<i64> {
    if whole == 0 || done > whole {
        return None;
    }
    let value = ledger::round::div_half_even(total as i128 * done as i128, whole as i128)?;
    i64::try_from(value).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn splits_exactly_and_gives_ties_to_the_first() {
        assert_eq!(largest_remainder(10, &[1, 1, 1]), Some(vec![4, 3, 3]));
        assert_eq!(largest_remainder(-10, &[1, 1, 1]), Some(vec![-4, -3, -3]));
        assert_eq!(largest_remainder(0, &[0, 0]), Some(vec![0, 0]));
        assert_eq!(largest_remainder(5, &[0, 0]), None);
        assert_eq!(largest_remainder(100, &[1, 0, 3]), Some(vec![25, 0, 75]));
    }

    #[test]
    fn cumulative_shares_add_up() {
        let parts: Vec<i64> = [0u64, 3, 7, 10]
            .windows(2)
            .map(|w| {
                cumulative_share(1001, 10, w[1]).unwrap()
                    - cumulative_share(1001, 10, w[0]).unwrap()
            })
            .collect();
        assert_eq!(parts.iter().sum::<i64>(), 1001);
        assert_eq!(cumulative_share(1, 10, 11), None);
    }

    proptest! {
        #[test]
        fn parts_sum_to_the_total_and_stay_within_one_of_the_quota(
            total in -1_000_000_000i64..1_000_000_000,
            weights in proptest::collection::vec(0u64..10_000, 1..50),
        ) {
            prop_assume!(weights.iter().any(|&w| w > 0));
            let parts = largest_remainder(total, &weights).unwrap();
            prop_assert_eq!(parts.iter().sum::<i64>(), total);
            let sum: i128 = weights.iter().map(|&w| w as i128).sum();
            for (p, &w) in parts.iter().zip(&weights) {
                let quota_floor = (total.abs() as i128 * w as i128) / sum;
                prop_assert!(p.abs() as i128 - quota_floor <= 1 && p.abs() as i128 >= quota_floor);
            }
        }
    }
}
