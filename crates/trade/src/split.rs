//! The exact least-deviation split of an order among members (R-SELL-1), when minimum lots
//! make the proportional split infeasible.
//!
//! # The problem
//! Members `i = 1..n` (qualified, in member order) declare capacity `c_i` and minimum lot
//! `l_i`; the order needs `Q <= Σ c_i` units. The proportional target is
//! `t_i = Q·c_i / C` with `C = Σ c_i`. Choose integers `x_i ∈ {0} ∪ [max(l_i, 1), c_i]` with
//! `Σ x_i = Q` minimising the total absolute deviation `Σ |x_i − t_i|`. All arithmetic is
//! exact: the deviation is computed scaled by `C`, `g_i(x) = |C·x − Q·c_i|`, in integers.
//!
//! # The algorithm (exact, no floating point)
//! A dynamic programme over members in order, whose state is the running total
//! `q_k = x_1 + … + x_k`:
//! `D_k(q) = min(D_{k−1}(q) + g_k(0), min_{x ∈ [a_k, c_k]} D_{k−1}(q − x) + g_k(x))`. `g_k` is linear with slope `−C` below the target and `+C` above it, so each
//! inner minimum is two sliding-window minima (of `D(j) + C·j` and of `D(j) − C·j`), computed
//! with monotone queues: O(1) amortised per cell.
//!
//! The running totals are confined to a band: since the scaled deviations `d_i = C·x_i − Q·c_i`
//! sum to zero, every prefix sum satisfies `|Σ_{i<=k} d_i| <= Σ_i |d_i| / 2`. So a split of
//! total scaled deviation at most `2B` keeps `|C·q_k − Q·(c_1 + … + c_k)| <= B` at every prefix.
//! The programme solves within the band of half-width `B`; if the best split it finds has
//! deviation `<= 2B`, every better split also lies inside the band and would have been found,
//! so the split is **proven optimal**. Otherwise `B` doubles (at most until the band holds
//! every total in `0..=Q`, where an empty result proves that no split exists). `B` starts at
//! a lower bound of the optimum (each member's own least deviation), so the band stays narrow
//! when few lots bind, and total work is at most about twice the last band's.
//!
//! The work is counted in cells and bounded by the caller's limit: a search stopped by it
//! answers [`SplitMethod::LimitReached`] with the best split found (or the exclusion
//! heuristic's), never `Optimised`.

use crate::sales::{Capacity, SplitMethod};
use crate::TradeError;

const INF: i64 = i64::MAX / 4;

/// The scaled total deviation `Σ |C·x_i − Q·c_i|` of a split (`C = Σ c_i`), or `None` on
/// overflow. Divide by `C` for units.
pub fn deviation_scaled(quantity: u64, capacities: &[u64], units: &[u64]) -> Option<i128> {
    let total: i128 = capacities.iter().map(|&c| c as i128).sum();
    capacities
        .iter()
        .zip(units)
        .try_fold(0i128, |acc, (&c, &x)| {
            let d = total.checked_mul(x as i128)? - (quantity as i128).checked_mul(c as i128)?;
            acc.checked_add(d.abs())
        })
}

/// One member as the programme sees it.
struct Item {
    /// `max(l_i, 1)`, the least non-zero quantity.
    low: i64,
    /// `min(c_i, Q)`.
    high: i64,
    /// `Q·c_i`, the scaled target.
    target: i64,
}

/// The per-cell decision kept for the trace-back: the member's quantity.
enum Choices {
    Small(Vec<u16>),
    Large(Vec<u32>),
}

impl Choices {
    fn with_capacity(quantity: i64, cells: usize) -> Self {
        if quantity <= u16::MAX as i64 {
            Choices::Small(Vec::with_capacity(cells))
        } else {
            Choices::Large(Vec::with_capacity(cells))
        }
    }
    fn push(&mut self, x: i64) {
        match self {
            Choices::Small(v) => v.push(x as u16),
            Choices::Large(v) => v.push(x as u32),
        }
    }
    fn get(&self, i: usize) -> i64 {
        match self {
            Choices::Small(v) => v[i] as i64,
            Choices::Large(v) => v[i] as i64,
        }
    }
}

/// A sliding-window minimum over indices of a key array, for windows `[from, upto]` whose
/// both ends only grow: a monotone queue in a flat buffer (each index enters at most once).
struct Window {
    buf: Vec<u32>,
    head: usize,
    tail: usize,
    next: i64,
}

impl Window {
    fn new() -> Self {
        Window {
            buf: Vec::new(),
            head: 0,
            tail: 0,
            next: 0,
        }
    }
    fn reset(&mut self, len: usize, start: i64) {
        if self.buf.len() < len {
            self.buf.resize(len, 0);
        }
        self.head = 0;
        self.tail = 0;
        self.next = start.max(0);
    }
    /// Pushes every index up to `upto` (inclusive, clipped to the keys), drops those below
    /// `from`, answers the index of the least key (on ties, the largest index).
    #[inline]
    fn advance(&mut self, keys: &[i64], from: i64, upto: i64) -> Option<usize> {
        let upto = upto.min(keys.len() as i64 - 1);
        while self.next <= upto {
            let j = self.next as usize;
            let v = keys[j];
            if v < INF {
                while self.tail > self.head && keys[self.buf[self.tail - 1] as usize] >= v {
                    self.tail -= 1;
                }
                self.buf[self.tail] = j as u32;
                self.tail += 1;
            }
            self.next += 1;
        }
        while self.head < self.tail && (self.buf[self.head] as i64) < from {
            self.head += 1;
        }
        (self.head < self.tail).then(|| self.buf[self.head] as usize)
    }
}

/// What the search found.
pub(crate) struct Found {
    pub method: SplitMethod,
    /// Units per member, in the order given.
    pub units: Vec<u64>,
}

/// Finds the least-deviation split of `quantity` among `members` (in member order, at least
/// one, total capacity at least `quantity`), evaluating at most `max_cells` cells.
/// `Ok(None)`: proven that no split respects the lots and capacities.
pub(crate) fn least_deviation(
    quantity: u64,
    members: &[&Capacity],
    max_cells: u64,
) -> Result<Option<Found>, TradeError> {
    let overflow = TradeError::Overflow {
        field: "quantity_units",
    };
    let q_total = i64::try_from(quantity).map_err(|_| overflow.clone())?;
    let cap_total: i64 = members.iter().try_fold(0i64, |acc, c| {
        i64::try_from(c.capacity_units)
            .ok()
            .and_then(|v| acc.checked_add(v))
            .ok_or(overflow.clone())
    })?;
    // Every value handled is at most 3·C·Q (window keys); keep a margin.
    let cq = cap_total.checked_mul(q_total).ok_or(overflow.clone())?;
    cq.checked_mul(4).ok_or(overflow.clone())?;
    let items: Vec<Item> = members
        .iter()
        .map(|c| Item {
            low: c.min_lot_units.max(1) as i64,
            high: (c.capacity_units as i64).min(q_total),
            target: q_total * c.capacity_units as i64,
        })
        .collect();
    // A lower bound of each member's deviation: its own least one; their sum bounds the optimum.
    let own_least: Vec<i64> = items
        .iter()
        .map(|it| {
            let at = |x: i64| (cap_total * x - it.target).abs();
            let floor = it.target / cap_total;
            let mut best = at(0);
            for x in [floor, floor + 1, it.low, it.high] {
                if x >= it.low && x <= it.high {
                    best = best.min(at(x));
                }
            }
            best
        })
        .collect();
    let lower_bound: i64 = own_least.iter().sum();
    let full_band = cq; // |C·q − S_k| <= C·Q for every q in 0..=Q
                        // The optimum is at least the lower bound, so a band of half of it (plus an eighth, and one
                        // unit) usually certifies in one pass when the bound is close; else the band doubles.
    let mut band = (lower_bound / 2 + lower_bound / 16 + cap_total).min(full_band);
    let mut spent: u64 = 0;
    let mut best_seen: Option<Vec<u64>> = None;
    loop {
        let bounds = band_bounds(&items, &own_least, q_total, cap_total, band);
        let cells: u64 = bounds
            .iter()
            .map(|&(lo, hi)| (hi - lo + 1).max(0) as u64)
            .sum();
        if spent.saturating_add(cells) > max_cells {
            let units = match best_seen {
                Some(units) => Some(units),
                None => exclusion(quantity, members)?,
            };
            return Ok(units.map(|units| Found {
                method: SplitMethod::LimitReached,
                units,
            }));
        }
        spent += cells;
        let found = solve_band(&items, q_total, cap_total, &bounds, cells as usize);

        match found {
            Some((cost, units)) if cost <= 2 * band as i128 || band >= full_band => {
                return Ok(Some(Found {
                    method: SplitMethod::Optimised,
                    units,
                }));
            }
            None if band >= full_band => return Ok(None),
            Some((_, units)) => best_seen = Some(units),
            None => {}
        }
        band = band.saturating_mul(2).min(full_band);
    }
}

/// For each prefix `k = 0..=n`, the running totals allowed: within the band, within `0..=Q`,
/// reachable by the capacities so far and completable by the ones left.
///
/// For a split of total scaled deviation `T <= 2B`, the prefix sum of deviations `P_k` obeys
/// `|P_k| <= min(Σ_{i<=k} |d_i|, Σ_{i>k} |d_i|)`; with `|d_i| >= own_least_i` that is at most
/// `min(B, 2B − Σ_{i>k} own_least_i, 2B − Σ_{i<=k} own_least_i)`.
fn band_bounds(items: &[Item], own_least: &[i64], q: i64, c: i64, band: i64) -> Vec<(i64, i64)> {
    let n = items.len();
    let mut suffix = vec![0i64; n + 1];
    let mut suffix_least = vec![0i128; n + 1];
    for k in (0..n).rev() {
        suffix[k] = suffix[k + 1] + items[k].high;
        suffix_least[k] = suffix_least[k + 1] + own_least[k] as i128;
    }
    let mut bounds = Vec::with_capacity(n + 1);
    let mut prefix_high = 0i64;
    let mut prefix_target: i128 = 0;
    let mut prefix_least: i128 = 0;
    for k in 0..=n {
        if k > 0 {
            prefix_high += items[k - 1].high;
            prefix_target += items[k - 1].target as i128;
            prefix_least += own_least[k - 1] as i128;
        }
        let b = band as i128;
        let half = b
            .min(2 * b - suffix_least[k])
            .min(2 * b - prefix_least)
            .max(-1);
        if half < 0 {
            bounds.push((1, 0)); // empty: no split of deviation <= 2B exists
            continue;
        }
        let lo_band = div_ceil(prefix_target - half, c as i128);
        let hi_band = div_floor(prefix_target + half, c as i128);
        let lo = lo_band.max(0).max((q - suffix[k]) as i128) as i64;
        let hi = hi_band.min(q as i128).min(prefix_high as i128) as i64;
        bounds.push((lo, hi));
    }
    bounds
}

fn div_floor(a: i128, b: i128) -> i128 {
    a.div_euclid(b)
}

fn div_ceil(a: i128, b: i128) -> i128 {
    -((-a).div_euclid(b))
}

/// The programme within the band; `Some((scaled deviation, units))` or `None` if no split
/// lies in it.
fn solve_band(
    items: &[Item],
    q: i64,
    c: i64,
    bounds: &[(i64, i64)],
    cells: usize,
) -> Option<(i128, Vec<u64>)> {
    let n = items.len();
    let mut choices = Choices::with_capacity(q, cells);
    let mut offsets = Vec::with_capacity(n + 1);
    let (lo0, hi0) = bounds[0];
    if lo0 > 0 || hi0 < 0 {
        return None;
    }
    let mut prev: Vec<i64> = vec![0]; // D_0(0) = 0
    let mut prev_lo = 0i64;
    let mut cur: Vec<i64> = Vec::new();
    let mut keys_left: Vec<i64> = Vec::new();
    let mut keys_right: Vec<i64> = Vec::new();
    let mut left = Window::new();
    let mut right = Window::new();
    for (k, it) in items.iter().enumerate() {
        let (lo, hi) = bounds[k + 1];
        offsets.push(choices_len(&choices));
        if lo > hi {
            return None;
        }
        // Keys over the previous layer, indexed by j − prev_lo.
        keys_left.clear();
        keys_right.clear();
        for (i, &d) in prev.iter().enumerate() {
            let j = prev_lo + i as i64;
            if d >= INF {
                keys_left.push(INF);
                keys_right.push(INF);
            } else {
                keys_left.push(d + c * j);
                keys_right.push(d - c * j);
            }
        }
        let plen = prev.len() as i64;
        // x <= m: g(x) = target − C·x; x >= m + 1: g(x) = C·x − target.
        let m = it.target / c;
        let (left_l, left_r) = (it.low, it.high.min(m));
        let (right_l, right_r) = (it.low.max(m + 1), it.high);
        let has_left = left_l <= left_r;
        let has_right = right_l <= right_r;
        // Window indices are j − prev_lo.
        left.reset(prev.len(), lo - left_r - prev_lo);
        right.reset(prev.len(), lo - right_r - prev_lo);
        cur.clear();
        for qq in lo..=hi {
            let base = qq - prev_lo;
            let mut best = INF;
            let mut best_x = 0i64;
            if has_left {
                if let Some(i) = left.advance(&keys_left, base - left_r, base - left_l) {
                    let total = keys_left[i] + it.target - c * qq;
                    if total < best {
                        best = total;
                        best_x = base - i as i64;
                    }
                }
            }
            if has_right {
                if let Some(i) = right.advance(&keys_right, base - right_r, base - right_l) {
                    let total = keys_right[i] + c * qq - it.target;
                    if total < best {
                        best = total;
                        best_x = base - i as i64;
                    }
                }
            }
            if (0..plen).contains(&base) {
                let zero = prev[base as usize];
                if zero < INF && zero + it.target < best {
                    best = zero + it.target;
                    best_x = 0;
                }
            }
            cur.push(best);
            choices.push(best_x);
        }
        std::mem::swap(&mut prev, &mut cur);
        prev_lo = lo;
    }
    let (lo_n, hi_n) = bounds[n];
    if !(lo_n..=hi_n).contains(&q) {
        return None;
    }
    let cost = prev[(q - prev_lo) as usize];
    if cost >= INF {
        return None;
    }
    // Trace back.
    let mut units = vec![0u64; n];
    let mut total = q;
    for k in (0..n).rev() {
        let (lo, _) = bounds[k + 1];
        let x = choices.get(offsets[k] + (total - lo) as usize);
        units[k] = x as u64;
        total -= x;
    }
    debug_assert_eq!(total, 0);
    Some((cost as i128, units))
}

fn choices_len(c: &Choices) -> usize {
    match c {
        Choices::Small(v) => v.len(),
        Choices::Large(v) => v.len(),
    }
}

/// The fallback when the work limit stops the exact search before any split was found:
/// members whose proportional share is below their lot are excluded one at a time (smallest
/// share relative to lot first) and the rest re-split proportionally. Feasible when it answers,
/// never claimed optimal.
fn exclusion(quantity: u64, members: &[&Capacity]) -> Result<Option<Vec<u64>>, TradeError> {
    let mut active: Vec<usize> = (0..members.len()).collect();
    loop {
        let caps: Vec<u64> = active.iter().map(|&i| members[i].capacity_units).collect();
        if active.is_empty() || caps.iter().sum::<u64>() < quantity {
            return Ok(None);
        }
        let total = i64::try_from(quantity).map_err(|_| TradeError::Overflow {
            field: "quantity_units",
        })?;
        let shares = crate::alloc::largest_remainder(total, &caps).ok_or(TradeError::Overflow {
            field: "quantity_units",
        })?;
        let worst = shares
            .iter()
            .zip(&active)
            .enumerate()
            .filter(|(_, (&s, &i))| s > 0 && (s as u64) < members[i].min_lot_units)
            .min_by(|(_, (&s1, &i1)), (_, (&s2, &i2))| {
                ((s1 as u128) * members[i2].min_lot_units as u128)
                    .cmp(&((s2 as u128) * members[i1].min_lot_units as u128))
            })
            .map(|(pos, _)| pos);
        match worst {
            Some(pos) => {
                active.remove(pos);
            }
            None => {
                let mut units = vec![0u64; members.len()];
                for (&i, &s) in active.iter().zip(&shares) {
                    units[i] = s as u64;
                }
                return Ok(Some(units));
            }
        }
    }
}
