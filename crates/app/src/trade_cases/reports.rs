//! Savings and sales reports (R-BUY-1, R-SELL-1..3) per member, per round, per buyer and per
//! ODF, as plain rows the shell renders as a table, CSV or JSON.

use crate::{App, AppError};
use serde::Serialize;
use std::collections::BTreeSet;
use store::OrgId;
use trade::purchase::{self, SupplierOrder};
use trade::report;

/// `supplier:units@tier` for each supplier order, space-separated.
fn orders_text(orders: &[SupplierOrder]) -> String {
    orders
        .iter()
        .map(|o| format!("{}:{}@{}", o.supplier, o.quantity_units, o.tier_index))
        .collect::<Vec<_>>()
        .join(" ")
}

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
    /// Proven least cost, or stopped by the time limit.
    pub optimal: bool,
}

/// One member's saving on one material in a round (R-BUY-1): charged at the pooled cost
/// against the least cost of buying the same units alone from the same price lists (tiers,
/// minimum orders, buying up as the round allows).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemberSavingsRow {
    pub member: i64,
    pub material: String,
    pub units: u64,
    pub charged_minor: i64,
    /// False: no supplier, nor combination of suppliers, serves these units alone.
    pub could_buy_alone: bool,
    /// The least cost alone; `None` when the member could not buy alone.
    pub alone_minor: Option<i64>,
    /// That purchase alone, `supplier:units@tier` per order (empty when it could not be).
    pub alone_orders: String,
    /// `alone − charged` (negative if pooling cost more); `None`, not zero, when the member
    /// could not buy alone.
    pub saving_minor: Option<i64>,
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
    /// The savings of the members who could have bought alone.
    pub total_saving_minor: i64,
    /// Members who could not buy at least one of their materials alone (no saving figure).
    pub members_could_not_buy_alone: usize,
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
    /// Members who could not buy alone, counted once in each round.
    pub members_could_not_buy_alone: usize,
    pub orders: usize,
    pub invoiced_minor: i64,
    pub collected_minor: i64,
    pub outstanding_minor: i64,
    pub outlets: usize,
    pub outlet_sales_minor: i64,
}

impl App {
    /// R-BUY-1: the round's plan and each member's saving per material, against the least cost
    /// of buying alone recorded with the close (priced now from the catalogue for a round closed
    /// before the close recorded it).
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
            members_could_not_buy_alone: 0,
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
                orders: orders_text(&m.orders),
                optimal: m.status == trade::purchase::SolveStatus::Optimal,
            });
            r.total_cost_minor += m.total_cost_minor;
        }
        if let Some(charges) = round.charges()? {
            r.odf_stock_minor = charges.odf_stock.iter().map(|s| s.value_minor).sum();
            let mut plan = plan.clone();
            if !round.alone_recorded() {
                let (_, lists) = self.trade_catalogue(org_id).await?;
                let (pure, settings) = (round.pure(), round.pure_settings());
                plan.alone = tokio::task::spawn_blocking(move || {
                    purchase::price_alone(&lists, &pure, &settings)
                })
                .await
                .map_err(|e| AppError::Integrity(format!("optimiser task: {e}")))??;
            }
            let mut could_not = BTreeSet::new();
            for s in report::savings_by_member(&charges, &plan)? {
                match s.saving_minor {
                    Some(saving) => r.total_saving_minor += saving,
                    None => {
                        could_not.insert(s.member);
                    }
                }
                r.members.push(MemberSavingsRow {
                    member: s.member,
                    material: s.material.clone(),
                    units: s.units,
                    charged_minor: s.charged_minor,
                    could_buy_alone: s.alone.is_some(),
                    alone_minor: s.alone_minor(),
                    alone_orders: s
                        .alone
                        .as_ref()
                        .map_or(String::new(), |q| orders_text(&q.orders)),
                    saving_minor: s.saving_minor,
                });
            }
            r.members_could_not_buy_alone = could_not.len();
            r.optimal = r.optimal && plan.is_optimal();
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
            members_could_not_buy_alone: 0,
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
            s.members_could_not_buy_alone += r.members_could_not_buy_alone;
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

/// The sales orders and purchasing rounds a member's statement shows (issue 6: R-SELL-1,
/// R-BUY-1), each folded from its own stream: the first `limit` of each, by id.
#[derive(Debug, Clone, Default)]
pub struct StatementTrade {
    pub orders: Vec<(String, crate::trade_cases::SalesOrder)>,
    pub rounds: Vec<(String, RoundReport)>,
}

impl App {
    /// The organisation's orders and rounds as a statement shows them (see
    /// [`StatementTrade`]); the statement picks the member's lines.
    pub async fn statement_trade(
        &self,
        org_id: OrgId,
        limit: usize,
    ) -> Result<StatementTrade, AppError> {
        let mut out = StatementTrade::default();
        for id in self.sales_orders(org_id).await?.into_iter().take(limit) {
            let order = self.sales_order(org_id, &id).await?;
            out.orders.push((id, order));
        }
        for id in self.rounds(org_id).await?.into_iter().take(limit) {
            let report = self.round_report(org_id, &id).await?;
            out.rounds.push((id, report));
        }
        Ok(out)
    }
}
