//! Suppliers and their price lists (R-BUY-1, R-SELL-3).
//!
//! A price list quotes one material: contiguous quantity tiers starting at one unit, priced
//! either *all-units* (the tier reached prices every unit) or *incremental* (each tier prices
//! only the units inside it), a minimum order, a lead time and validity dates. A raw
//! [`PriceList`] becomes a [`ValidPriceList`] only through [`PriceList::validate`].

use crate::TradeError;
use chrono::NaiveDate;
use ledger::Currency;

/// Largest quantity a tier bound or a request may name. Keeps every quantity inside the
/// solver's `i32` integer range with room for sums.
pub const MAX_UNITS: u32 = 100_000_000;

/// A supplier. `channelled_by` records the support-committee member who brought the supplier
/// to the group, who then gives it the treatment of a major client (R-SELL-3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Supplier {
    pub code: String,
    pub name: String,
    pub channelled_by: Option<String>,
}

/// How tier prices apply (R-BUY-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pricing {
    /// The tier the total quantity falls in prices every unit.
    AllUnits,
    /// Each tier prices only the units that fall inside it.
    Incremental,
}

/// One price tier: units `from_units..=to_units` (open-ended if `to_units` is `None`, only
/// allowed on the last tier) at `unit_price_minor` per unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tier {
    pub from_units: u32,
    pub to_units: Option<u32>,
    pub unit_price_minor: i64,
}

/// A supplier's quote for one material, as entered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceList {
    pub supplier: String,
    pub material: String,
    pub currency: Currency,
    pub pricing: Pricing,
    pub tiers: Vec<Tier>,
    /// The supplier sells nothing below this quantity (0 or 1: no minimum).
    pub min_order_units: u32,
    /// Days from the order date to delivery.
    pub lead_time_days: u32,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
}

/// A price list whose tiers are contiguous from one unit, increasing, positively priced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidPriceList(PriceList);

impl PriceList {
    /// Checks the tiers and fields, naming the tier and field at fault (R-BUY-1).
    pub fn validate(self) -> Result<ValidPriceList, TradeError> {
        let supplier = || self.supplier.clone();
        let material = || self.material.clone();
        let field = |field, reason| TradeError::PriceListField {
            supplier: self.supplier.clone(),
            material: self.material.clone(),
            field,
            reason,
        };
        if self.supplier.trim().is_empty() {
            return Err(field("supplier", "must not be empty"));
        }
        if self.material.trim().is_empty() {
            return Err(field("material", "must not be empty"));
        }
        if self.valid_until < self.valid_from {
            return Err(field("valid_until", "is before valid_from"));
        }
        if self.min_order_units > MAX_UNITS {
            return Err(field(
                "min_order_units",
                "above the largest quantity handled",
            ));
        }
        if self.lead_time_days > 3_650 {
            return Err(field("lead_time_days", "more than ten years"));
        }
        let Some(first) = self.tiers.first() else {
            return Err(TradeError::NoTiers {
                supplier: supplier(),
                material: material(),
            });
        };
        if first.from_units != 1 {
            return Err(TradeError::FirstTierStart {
                supplier: supplier(),
                material: material(),
                from_units: first.from_units,
            });
        }
        let last = self.tiers.len() - 1;
        let mut previous_to: Option<u32> = None;
        for (tier, t) in self.tiers.iter().enumerate() {
            if t.unit_price_minor <= 0 {
                return Err(TradeError::TierPrice {
                    supplier: supplier(),
                    material: material(),
                    tier,
                    price_minor: t.unit_price_minor,
                });
            }
            if let Some(prev) = previous_to {
                if t.from_units <= prev {
                    return Err(TradeError::TierOverlap {
                        supplier: supplier(),
                        material: material(),
                        tier,
                        from_units: t.from_units,
                        previous_to: prev,
                    });
                }
                if t.from_units != prev + 1 {
                    return Err(TradeError::TierGap {
                        supplier: supplier(),
                        material: material(),
                        tier,
                        from_units: t.from_units,
                        previous_to: prev,
                        expected: prev + 1,
                    });
                }
            }
            match t.to_units {
                None if tier != last => {
                    return Err(TradeError::OpenTierNotLast {
                        supplier: supplier(),
                        material: material(),
                        tier,
                    })
                }
                None => {}
                Some(to) if to < t.from_units => {
                    return Err(TradeError::TierBounds {
                        supplier: supplier(),
                        material: material(),
                        tier,
                        from_units: t.from_units,
                        to_units: to,
                    })
                }
                Some(to) if to > MAX_UNITS => {
                    return Err(field(
                        "tiers.to_units",
                        "above the largest quantity handled",
                    ))
                }
                Some(to) => previous_to = Some(to),
            }
        }
        Ok(ValidPriceList(self))
    }
}

impl ValidPriceList {
    pub fn supplier(&self) -> &str {
        &self.0.supplier
    }
    pub fn material(&self) -> &str {
        &self.0.material
    }
    pub fn currency(&self) -> Currency {
        self.0.currency
    }
    pub fn pricing(&self) -> Pricing {
        self.0.pricing
    }
    pub fn tiers(&self) -> &[Tier] {
        &self.0.tiers
    }
    pub fn min_order_units(&self) -> u32 {
        self.0.min_order_units
    }
    pub fn lead_time_days(&self) -> u32 {
        self.0.lead_time_days
    }
    pub fn as_price_list(&self) -> &PriceList {
        &self.0
    }

    /// The most the supplier sells (the last tier's `to_units`), or `None` if open-ended.
    pub fn max_units(&self) -> Option<u32> {
        self.0.tiers.last().and_then(|t| t.to_units)
    }

    /// The quote applies on `date`.
    pub fn valid_on(&self, date: NaiveDate) -> bool {
        self.0.valid_from <= date && date <= self.0.valid_until
    }

    /// Ordered on `order_date`, the goods arrive by `needed_by` (R-BUY-1 lead-time feasibility).
    pub fn delivers_by(&self, order_date: NaiveDate, needed_by: NaiveDate) -> bool {
        order_date
            .checked_add_days(chrono::Days::new(self.0.lead_time_days as u64))
            .is_some_and(|arrival| arrival <= needed_by)
    }

    /// The tier `units` falls in, or `None` for zero units or beyond the last tier.
    pub fn tier_index(&self, units: u32) -> Option<usize> {
        self.0
            .tiers
            .iter()
            .position(|t| t.from_units <= units && t.to_units.is_none_or(|to| units <= to))
    }

    /// Whether `units` may be ordered: zero, or between the minimum order and the last tier.
    pub fn can_supply(&self, units: u32) -> bool {
        units == 0 || (units >= self.0.min_order_units && self.tier_index(units).is_some())
    }

    /// The exact cost of `units` in minor units under this list's pricing, or `None` if the
    /// quantity is beyond the last tier or the cost overflows. Ignores the minimum order
    /// (see [`ValidPriceList::can_supply`]).
    pub fn cost_minor(&self, units: u32) -> Option<i64> {
        if units == 0 {
            return Some(0);
        }
        let k = self.tier_index(units)?;
        match self.0.pricing {
            Pricing::AllUnits => (units as i64).checked_mul(self.0.tiers[k].unit_price_minor),
            Pricing::Incremental => {
                let mut total: i64 = 0;
                for t in &self.0.tiers[..=k] {
                    let top = t.to_units.map_or(units, |to| to.min(units));
                    let in_tier = (top - t.from_units + 1) as i64;
                    total = total.checked_add(in_tier.checked_mul(t.unit_price_minor)?)?;
                }
                Some(total)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(pricing: Pricing, tiers: &[(u32, Option<u32>, i64)]) -> PriceList {
        PriceList {
            supplier: "arcillas-sur".into(),
            material: "clay".into(),
            currency: Currency::MXN,
            pricing,
            tiers: tiers
                .iter()
                .map(|&(from_units, to_units, unit_price_minor)| Tier {
                    from_units,
                    to_units,
                    unit_price_minor,
                })
                .collect(),
            min_order_units: 0,
            lead_time_days: 3,
            valid_from: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            valid_until: NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
        }
    }

    fn err(pricing: Pricing, tiers: &[(u32, Option<u32>, i64)]) -> String {
        list(pricing, tiers).validate().unwrap_err().to_string()
    }

    #[test]
    fn tier_errors_name_the_tier_and_field() {
        use Pricing::AllUnits as A;
        expect_test::expect![[r#"R-BUY-1 price list arcillas-sur/clay: tiers[1].from_units is 12, leaving a gap after 10 (expected 11)"#]]
            .assert_eq(&err(A, &[(1, Some(10), 100), (12, None, 90)]));
        expect_test::expect![[r#"R-BUY-1 price list arcillas-sur/clay: tiers[1].from_units is 8, overlapping the previous tier up to 10"#]]
            .assert_eq(&err(A, &[(1, Some(10), 100), (8, None, 90)]));
        expect_test::expect![[r#"R-BUY-1 price list arcillas-sur/clay: tiers[1].to_units (5) is below from_units (11)"#]]
            .assert_eq(&err(A, &[(1, Some(10), 100), (11, Some(5), 90)]));
        expect_test::expect![[r#"R-BUY-1 price list arcillas-sur/clay: tiers[1].unit_price_minor must be positive, got 0"#]]
            .assert_eq(&err(A, &[(1, Some(10), 100), (11, None, 0)]));
        expect_test::expect![[r#"R-BUY-1 price list arcillas-sur/clay: tiers[0].unit_price_minor must be positive, got -5"#]]
            .assert_eq(&err(A, &[(1, None, -5)]));
        expect_test::expect![[r#"R-BUY-1 price list arcillas-sur/clay: tiers[0].to_units is open but the tier is not the last"#]]
            .assert_eq(&err(A, &[(1, None, 100), (11, None, 90)]));
        expect_test::expect![[
            r#"R-BUY-1 price list arcillas-sur/clay: tiers[0].from_units must be 1, got 5"#
        ]]
        .assert_eq(&err(A, &[(5, None, 100)]));
        expect_test::expect![[
            r#"R-BUY-1 price list arcillas-sur/clay: tiers: at least one tier is needed"#
        ]]
        .assert_eq(&err(A, &[]));
    }

    #[test]
    fn all_units_and_incremental_costs_by_hand() {
        let tiers = [(1, Some(10), 100), (11, Some(50), 80), (51, None, 60)];
        let all = list(Pricing::AllUnits, &tiers).validate().unwrap();
        let inc = list(Pricing::Incremental, &tiers).validate().unwrap();
        assert_eq!(all.cost_minor(10), Some(1_000));
        assert_eq!(all.cost_minor(11), Some(880));
        assert_eq!(all.cost_minor(60), Some(3_600));
        // Incremental: 10×100 + 40×80 + 10×60 = 4,800.
        assert_eq!(inc.cost_minor(60), Some(4_800));
        assert_eq!(inc.cost_minor(11), Some(1_080));
        assert_eq!(inc.cost_minor(0), Some(0));
        let capped = list(Pricing::AllUnits, &[(1, Some(10), 100)])
            .validate()
            .unwrap();
        assert_eq!(capped.cost_minor(11), None);
        assert_eq!(capped.max_units(), Some(10));
    }

    #[test]
    fn lead_time_and_validity() {
        let l = list(Pricing::AllUnits, &[(1, None, 100)])
            .validate()
            .unwrap();
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        assert!(l.delivers_by(d(3, 1), d(3, 4)));
        assert!(!l.delivers_by(d(3, 1), d(3, 3)));
        assert!(l.valid_on(d(6, 1)));
        let mut bad = list(Pricing::AllUnits, &[(1, None, 100)]);
        bad.valid_until = d(1, 1).pred_opt().unwrap();
        assert!(matches!(
            bad.validate(),
            Err(TradeError::PriceListField {
                field: "valid_until",
                ..
            })
        ));
    }
}
