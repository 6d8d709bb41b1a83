//! The demo union's trade (crate `demo`, module `trade`) played through the use cases: a
//! clay and glaze round with three suppliers (received, paid from the credit line, picked
//! up; a third of the members pay at pick-up, the rest from their next sale), and an export
//! order from a fair-trade buyer split among 200 potters, delivered with a few rejections,
//! invoiced and paid net of what they owe. Every act has a deterministic reference, so a
//! load killed part-way and run again ends in the same state.

use super::*;
use crate::{App, AppError};
use store::OrgId;

impl App {
    /// Plays the demo trade plan of `spec` for the organisation whose members are
    /// `member_ids` (in registration order). Idempotent.
    pub async fn load_demo_trade(
        &self,
        org_id: OrgId,
        spec: &::demo::DemoSpec,
        member_ids: &[i64],
    ) -> Result<(), AppError> {
        // Only members who had joined (and not left) by the round take part.
        if member_ids.len() < ::demo::trade::ORDER_MEMBERS {
            return Ok(());
        }
        let probe = ::demo::trade::trade_plan(spec, member_ids.len());
        let Some(on) = probe.map(|p| p.order_date) else {
            return Ok(());
        };
        // Read a page of members at a time (not one query per member).
        let mut active_on = std::collections::HashSet::with_capacity(member_ids.len());
        let mut page = store::Page::first(store::MAX_PAGE);
        loop {
            let members = self.store().members(org_id, page).await?;
            let Some(last) = members.last() else { break };
            page.after_id = last.id;
            active_on.extend(members.iter().filter(|m| m.is_active_on(on)).map(|m| m.id));
        }
        let active: Vec<i64> = member_ids
            .iter()
            .copied()
            .filter(|m| active_on.contains(m))
            .collect();
        let member_ids = active.as_slice();
        let Some(plan) = ::demo::trade::trade_plan(spec, member_ids.len()) else {
            return Ok(());
        };
        let by = Actor::new("demo", "demo");
        let id = |index: usize| member_ids[index];
        for s in &plan.suppliers {
            self.register_supplier(
                org_id,
                &by,
                SupplierInput {
                    code: s.code.into(),
                    name: s.name.into(),
                    channelled_by: s.channelled_by.map(str::to_string),
                },
            )
            .await?;
        }
        for l in &plan.price_lists {
            self.register_price_list(
                org_id,
                &by,
                PriceListInput {
                    supplier: l.supplier.into(),
                    material: l.material.into(),
                    pricing: if l.all_units {
                        "all_units"
                    } else {
                        "incremental"
                    }
                    .into(),
                    tiers: l
                        .tiers
                        .iter()
                        .map(|&(from_units, to_units, unit_price_minor)| TierInput {
                            from_units,
                            to_units,
                            unit_price_minor,
                        })
                        .collect(),
                    min_order_units: l.min_order_units,
                    lead_time_days: l.lead_time_days,
                    valid_from: plan.valid_from,
                    valid_until: plan.valid_until,
                },
            )
            .await?;
        }
        let round_id = plan.round_id;
        self.open_round(
            org_id,
            &by,
            RoundInput {
                round_id: round_id.into(),
                order_date: plan.order_date,
                allow_buy_up: true,
                time_limit_ms: None,
            },
        )
        .await?;
        let requests = plan
            .requests
            .iter()
            .map(|r| RequestInput {
                member: id(r.member_index),
                material: r.material.into(),
                quantity_units: r.quantity_units,
                needed_by: plan.needed_by,
            })
            .collect();
        let round = self.round(org_id, round_id).await?;
        if round.plan.is_none() {
            self.request_purchases(org_id, &by, round_id, requests)
                .await?;
        }
        self.close_round(org_id, &by, round_id, plan.order_date)
            .await?;
        let round = self.round(org_id, round_id).await?;
        for (n, po) in round.purchase_orders().iter().enumerate() {
            self.receive_goods(
                org_id,
                &by,
                round_id,
                &po.po_id,
                po.quantity_units,
                plan.received_on,
                &format!("remision-{n}"),
            )
            .await?;
            self.pay_supplier(
                org_id,
                &by,
                round_id,
                &po.po_id,
                po.cost_minor,
                Funding::CreditLine {
                    lender: plan.lender.into(),
                },
                plan.received_on,
                &format!("pago-{n}"),
            )
            .await?;
        }
        let charges = round
            .charges()?
            .unwrap_or_else(|| trade::purchase::RoundCharges {
                round_id: round_id.into(),
                charges: Vec::new(),
                odf_stock: Vec::new(),
            });
        let pick_ups = charges
            .charges
            .iter()
            .enumerate()
            .map(|(n, c)| PickUpInput {
                member: c.member,
                material: c.material.clone(),
                units: c.quantity_units,
                pay_now_minor: if n % 3 == 0 { c.charge_minor } else { 0 },
                date: plan.picked_up_on,
                reference: format!("vale-{n}"),
            })
            .collect();
        self.pick_ups(org_id, &by, round_id, pick_ups).await?;

        let declared_on = plan.order_date;
        self.declare_capacities(
            org_id,
            &by,
            plan.capacities
                .iter()
                .map(|c| CapacityInput {
                    member: id(c.member_index),
                    product: plan.order.product.into(),
                    grade: c.grade.into(),
                    capacity_units: c.capacity_units,
                    min_lot_units: c.min_lot_units,
                    declared_on,
                })
                .collect(),
        )
        .await?;
        let o = &plan.order;
        let split = self
            .accept_order(
                org_id,
                &by,
                OrderInput {
                    order_id: o.order_id.into(),
                    buyer: o.buyer.into(),
                    product: o.product.into(),
                    grade: o.grade.into(),
                    quantity_units: o.quantity_units,
                    unit_price_minor: o.unit_price_minor,
                    due_date: plan.due_date,
                    terms_days: o.terms_days,
                    channelled_by: o.channelled_by.map(str::to_string),
                    accepted_on: plan.accepted_on,
                },
            )
            .await?;
        let rejected: std::collections::BTreeMap<i64, u64> =
            plan.rejections.iter().map(|&(i, r)| (id(i), r)).collect();
        let deliveries: Vec<DeliveryInput> = split
            .assignments
            .iter()
            .map(|a| DeliveryInput {
                member: a.member,
                delivered_units: a.units,
                rejected_units: rejected.get(&a.member).copied().unwrap_or(0).min(a.units),
                date: plan.delivered_on,
                reference: format!("nota-{}", a.member),
            })
            .collect();
        if !deliveries.is_empty() {
            let order = self.sales_order(org_id, o.order_id).await?;
            if order.invoice.is_none() {
                self.record_deliveries(org_id, &by, o.order_id, deliveries)
                    .await?;
            }
        }
        let invoice = self
            .invoice_order(org_id, &by, o.order_id, plan.invoiced_on)
            .await?;
        self.record_buyer_payment(
            org_id,
            &by,
            o.order_id,
            invoice.amount_minor,
            plan.paid_on,
            "transferencia-1",
        )
        .await?;
        // With the buyer's payment in the bank (members' purchase debts deducted from it), the
        // ODF repays the line what it lent for the clay and glaze (R-BUY-2), freeing it.
        let borrowed: i64 = self.round(org_id, round_id).await?.paid.values().sum();
        if borrowed > 0 {
            self.repay_working_capital(
                org_id,
                &by,
                Funding::CreditLine {
                    lender: plan.lender.into(),
                },
                borrowed,
                plan.paid_on,
                "devolucion-arcilla",
            )
            .await?;
        }
        Ok(())
    }
}
