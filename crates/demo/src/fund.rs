//! The demo union's year of the Competition and Development Fund (issue 3): each member's
//! business plan (baseline and target), twelve monthly income reports, the grants, the
//! temporary contribution and the Competition spending, all deterministic from the seed.
//!
//! Members fall in three groups by a hash of the seed and their position: about a third grow
//! strongly (towards 2.5 times their baseline by the twelfth month), half grow modestly, and
//! the rest stay flat or fall (their plans are the ones R-PLAN-4 flags). About 92% report
//! each month. Amounts are minor units (centavos).

use crate::rng::{hash, Rng};
use crate::DemoSpec;
use chrono::{Datelike, Days, NaiveDate};

/// Months of reports, closes and collections.
pub const FUND_MONTHS: u32 = 12;

/// A member's plan figures (R-PLAN-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanFigures {
    pub baseline_revenue_minor: i64,
    pub baseline_profit_minor: i64,
    pub target_revenue_minor: i64,
    pub agreed_on: NaiveDate,
    pub target_by: NaiveDate,
}

/// The first month of reports: the month after enrolment ends (start + 3 months).
pub fn first_month(spec: &DemoSpec) -> NaiveDate {
    let start = spec.start;
    NaiveDate::from_ymd_opt(start.year(), start.month(), 1)
        .and_then(|d| d.checked_add_months(chrono::Months::new(3)))
        .unwrap_or(start)
}

/// The first day of report month `m` (0-based).
pub fn month(spec: &DemoSpec, m: u32) -> NaiveDate {
    first_month(spec)
        .checked_add_months(chrono::Months::new(m))
        .unwrap_or(spec.start)
}

/// Member `i`'s plan, agreed the day they joined.
pub fn plan(spec: &DemoSpec, org_index: u32, i: usize, joined_on: NaiveDate) -> PlanFigures {
    let mut rng = Rng::new(hash(&[spec.seed, u64::from(org_index), 30, i as u64]));
    // 3,000.00 to 15,000.00 pesos a month, profit 20% to 40% of it.
    let revenue = 300_000 + rng.below(1_200_001) as i64;
    let profit = revenue * (20 + rng.below(21) as i64) / 100;
    PlanFigures {
        baseline_revenue_minor: revenue,
        baseline_profit_minor: profit,
        target_revenue_minor: revenue * 2,
        agreed_on: joined_on,
        target_by: joined_on + Days::new(730),
    }
}

/// Member `i`'s report for month `m` (0-based): `None` when they do not report.
pub fn report(
    spec: &DemoSpec,
    org_index: u32,
    i: usize,
    plan: &PlanFigures,
    m: u32,
) -> Option<(i64, i64)> {
    let kind = hash(&[spec.seed, u64::from(org_index), 31, i as u64]) % 100;
    let mut rng = Rng::new(hash(&[
        spec.seed,
        u64::from(org_index),
        32,
        i as u64,
        u64::from(m),
    ]));
    if !rng.chance(920) {
        return None;
    }
    let step = i64::from(m) + 1;
    // Growth in per mille of the baseline after `step` months.
    let growth = match kind {
        0..=32 => 1_000 + 125 * step, // strong: 2.5x by month 12
        33..=82 => 1_000 + 30 * step, // modest: 1.36x
        _ => 1_000 - 10 * step,       // flat or falling
    };
    let noise = 900 + rng.below(201) as i64; // +-10%
    let revenue = plan.baseline_revenue_minor * growth / 1_000 * noise / 1_000;
    let margin = 180 + rng.below(250) as i64; // 18% to 43%
    Some((revenue.max(0), revenue * margin / 1_000))
}

/// Grants (donor, pesos in centavos) received at the start of report month `m`.
pub fn grant(m: u32) -> Option<(&'static str, i64)> {
    match m {
        0 => Some(("Fundación Comunitaria de Morelos", 25_000_000)),
        6 => Some(("Nacional Financiera (NAFIN)", 10_000_000)),
        _ => None,
    }
}

/// The temporary contribution: received in month 3, returned in month 9.
pub const TEMPORARY: (&str, i64, u32, u32) = ("H. Ayuntamiento de Tlayacapan", 6_000_000, 3, 9);

/// Competition Sub-Fund spending in month `m`: (category as stored, description, centavos).
pub fn spending(m: u32) -> Option<(&'static str, &'static str, i64)> {
    match m {
        2 => Some((
            "technical_assistance_training",
            "Taller de esmaltes sin plomo",
            1_500_000,
        )),
        5 => Some((
            "trade_fairs_sales_promotion",
            "Stand en la Feria Nacional de Artesanías",
            2_500_000,
        )),
        8 => Some((
            "promotional_material",
            "Catálogo de la unión, 2,000 ejemplares",
            1_200_000,
        )),
        11 => Some((
            "market_research",
            "Estudio de mercado: tiendas de diseño en la CDMX",
            2_000_000,
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_union_year_is_deterministic_and_mostly_growing() {
        let spec = DemoSpec::morelos_union();
        let joined = spec.start;
        let a = plan(&spec, 0, 7, joined);
        assert_eq!(a, plan(&spec, 0, 7, joined));
        assert!(a.baseline_revenue_minor >= 300_000 && a.baseline_profit_minor > 0);
        let mut above = 0;
        let mut reported = 0;
        for i in 0..200 {
            let p = plan(&spec, 0, i, joined);
            if let Some((rev, _)) = report(&spec, 0, i, &p, 11) {
                reported += 1;
                if rev > p.baseline_revenue_minor {
                    above += 1;
                }
            }
        }
        assert!(reported > 160 && above > reported / 2, "{reported} {above}");
        assert_eq!(
            month(&spec, 0),
            NaiveDate::from_ymd_opt(2025, 4, 1).unwrap()
        );
        assert_eq!(
            month(&spec, 11),
            NaiveDate::from_ymd_opt(2026, 3, 1).unwrap()
        );
    }
}
