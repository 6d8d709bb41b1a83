//! Savings and sales reports (R-BUY-1, R-SELL-1..3) per member, per round, per buyer and per
//! ODF, as plain rows the shell renders as a table, CSV or JSON.

use crate::{App, AppError};
use serde::Serialize;
use store::OrgId;
use trade::report;

/// One material of a round's plan (R-BUY-1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoundMaterialRow {
    pub material: String,
    pub demand_units: u64,
    pub bought_units: u64,
    pub surplus_units: u64,
    pub total_cost_minor: i64,
    /// `supplier:units@tier` for each supplier order.
    pub orders: String,
    pub base_supplier: String,
    pub base_price_minor: i64,
    /// Proven least cost, or stopped by the time limit.
    pub optimal: bool,
}

/// One member's saving in a round (R-BUY-1): charged at the pooled cost against buying alone
/// at the base price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemberSavingsRow {
    pub member: i64,
    pub units: u64,
    pub charged_minor: i64,
    pub alone_minor: i64,
    pub saving_minor: i64,
}

/// A round's report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoundReport {
    pub round_id: String,
    pub closed: bool,
    pub optimal: bool,
    pub materials: Vec<RoundMaterialRow>,
    pub members: Vec<MemberSavingsRow>,
    pub total_cost_minor: i64,
    pub total_saving_minor: i64,
    pub odf_stock_minor: i64,
}

/// Sales of one member over every order (R-SELL-1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemberSalesRow {
    pub member: i64,
    pub orders: u64,
    pub units: u64,
    pub invoiced_minor: i64,
    pub collected_minor: i64,
}

/// Sales to one buyer (R-SELL-1, R-SELL-3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BuyerSalesRow {
    pub buyer: String,
    pub orders: u64,
    pub units: u64,
    pub invoiced_minor: i64,
    pub outstanding_minor: i64,
    pub channelled_by: String,
}

/// What a support-committee member channelled through the group (R-SELL-3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChannelledRow {
    pub channelled_by: String,
    pub suppliers: String,
    pub orders: String,
    pub invoiced_minor: i64,
}

/// The ODF's trade at a glance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TradeSummary {
    pub rounds: usize,
    pub rounds_closed: usize,
    pub purchases_minor: i64,
    pub members_saving_minor: i64,
    pub orders: usize,
    pub invoiced_minor: i64,
    pub collected_minor: i64,
    pub outstanding_minor: i64,
    pub outlets: usize,
    pub outlet_sales_minor: i64,
}

impl App {
    /// R-BUY-1: the round's plan and each member's saving.
    pub async fn round_report(
        &self,
        org_id: OrgId,
        round_id: &str,
    ) -> Result<RoundReport, AppError> {
        let round = self.round(org_id, round_id).await?;
        let mut r = RoundReport {
            round_id: round_id.to_string(),
            closed: round.plan.is_some(),
            optimal: round.plan.as_ref().is_some_and(|p| p.is_optimal()),
            materials: Vec::new(),
            members: Vec::new(),
            total_cost_minor: 0,
            total_saving_minor: 0,
            odf_stock_minor: 0,
        };
        let Some(plan) = &round.plan else {
            return Ok(r);
        };
        for m in &plan.materials {
            r.materials.push(RoundMaterialRow {
                material: m.material.clone(),
                demand_units: m.demand_units,
                bought_units: m.bought_units,
                surplus_units: m.surplus_units,
                total_cost_minor: m.total_cost_minor,
                orders: m
                    .orders
                    .iter()
                    .map(|o| format!("{}:{}@{}", o.supplier, o.quantity_units, o.tier_index))
                    .collect::<Vec<_>>()
                    .join(" "),
                base_supplier: m.base_supplier.clone(),
                base_price_minor: m.base_price_minor,
                optimal: m.status == trade::purchase::SolveStatus::Optimal,
            });
            r.total_cost_minor += m.total_cost_minor;
        }
        if let Some(charges) = round.charges()? {
            r.odf_stock_minor = charges.odf_stock.iter().map(|s| s.value_minor).sum();
            for s in report::savings_by_member(&charges) {
                r.total_saving_minor += s.saving_minor;
                r.members.push(MemberSavingsRow {
                    member: s.member,
                    units: s.units,
                    charged_minor: s.charged_minor,
                    alone_minor: s.alone_minor,
                    saving_minor: s.saving_minor,
                });
            }
        }
        Ok(r)
    }

    async fn all_invoices(&self, org_id: OrgId) -> Result<Vec<trade::sales::Invoice>, AppError> {
        let mut invoices = Vec::new();
        for id in self.sales_orders(org_id).await? {
            if let Some(inv) = self.sales_order(org_id, &id).await?.invoice {
                invoices.push(inv);
            }
        }
        Ok(invoices)
    }

    /// R-SELL-1: sales per member over every invoiced order.
    pub async fn sales_by_member(&self, org_id: OrgId) -> Result<Vec<MemberSalesRow>, AppError> {
        Ok(report::sales_by_member(&self.all_invoices(org_id).await?)
            .into_iter()
            .map(|s| MemberSalesRow {
                member: s.member,
                orders: s.orders,
                units: s.units,
                invoiced_minor: s.invoiced_minor,
                collected_minor: s.collected_minor,
            })
            .collect())
    }

    /// R-SELL-1, R-SELL-3: sales per buyer, with who channelled them.
    pub async fn sales_by_buyer(&self, org_id: OrgId) -> Result<Vec<BuyerSalesRow>, AppError> {
        Ok(report::sales_by_buyer(&self.all_invoices(org_id).await?)
            .into_iter()
            .map(|s| BuyerSalesRow {
                buyer: s.buyer,
                orders: s.orders,
                units: s.units,
                invoiced_minor: s.invoiced_minor,
                outstanding_minor: s.outstanding_minor,
                channelled_by: s.channelled_by.join(" "),
            })
            .collect())
    }

    /// R-SELL-3: suppliers and buyer orders per support-committee member who channelled them.
    pub async fn channelled_report(&self, org_id: OrgId) -> Result<Vec<ChannelledRow>, AppError> {
        let (suppliers, _) = self.trade_catalogue(org_id).await?;
        let invoices = self.all_invoices(org_id).await?;
        Ok(report::channelled(&suppliers, &invoices)
            .into_iter()
            .map(|c| ChannelledRow {
                channelled_by: c.channelled_by,
                suppliers: c.suppliers.join(" "),
                orders: c.orders.join(" "),
                invoiced_minor: c.invoiced_minor,
            })
            .collect())
    }

    /// The ODF's trade summary: rounds, purchases and savings, orders and collections,
    /// outlets.
    pub async fn trade_summary(&self, org_id: OrgId) -> Result<TradeSummary, AppError> {
        let mut s = TradeSummary {
            rounds: 0,
            rounds_closed: 0,
            purchases_minor: 0,
            members_saving_minor: 0,
            orders: 0,
            invoiced_minor: 0,
            collected_minor: 0,
            outstanding_minor: 0,
            outlets: 0,
            outlet_sales_minor: 0,
        };
        for id in self.rounds(org_id).await? {
            let r = self.round_report(org_id, &id).await?;
            s.rounds += 1;
            s.rounds_closed += usize::from(r.closed);
            s.purchases_minor += r.total_cost_minor;
            s.members_saving_minor += r.total_saving_minor;
        }
        let ids = self.sales_orders(org_id).await?;
        s.orders = ids.len();
        for inv in self.all_invoices(org_id).await? {
            s.invoiced_minor += inv.amount_minor;
            s.collected_minor += inv.collected_minor;
            s.outstanding_minor += inv.outstanding_minor();
        }
        for code in self.outlets(org_id).await? {
            s.outlets += 1;
            s.outlet_sales_minor += self.outlet(org_id, &code).await?.sales_minor;
        }
        Ok(s)
    }
}
