//! R-SUP-3: an ODF seen as an integradora: seed 004's indicators over its members (size: the
//! business plan's baseline monthly revenue, R-PLAN-1; products: their declared capacities,
//! R-SELL-1).

use crate::{App, AppError};
use std::collections::BTreeMap;
use store::OrgId;
use support::integradoras::{indicators, Firm, IndicatorSettings, Reading};

impl App {
    /// The group size, the homogeneity of members' size and the product specialisation of
    /// the ODF, each with the seed's reading.
    pub async fn odf_indicators(&self, org_id: OrgId) -> Result<Vec<Reading>, AppError> {
        let mut firms: BTreeMap<i64, Firm> = BTreeMap::new();
        for plan in self.plans(org_id).await? {
            firms
                .entry(plan.member_id)
                .or_insert(Firm {
                    size: 0,
                    products: Vec::new(),
                })
                .size = plan.baseline_revenue.amount_minor();
        }
        for c in self.capacities(org_id).await? {
            if let Some(f) = firms.get_mut(&c.member) {
                f.products.push((
                    c.product,
                    i64::try_from(c.capacity_units).unwrap_or(i64::MAX),
                ));
            }
        }
        let firms: Vec<Firm> = firms.into_values().collect();
        Ok(indicators(&firms, IndicatorSettings::default()))
    }
}
