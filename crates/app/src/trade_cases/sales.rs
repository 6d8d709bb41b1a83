//! Consolidated sales (R-SELL-1, R-SELL-3): declared capacities, buyer orders split among
//! members, deliveries and rejections, the invoice and receivable, advances, and the buyer's
//! payment passed on to members net of what they owe.

use super::{balance_of, check_id, event, field, Actor, Funding};
use crate::{App, AppError};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use store::{Commit, OrgId};
use trade::sales::{
    self, Assignment, BuyerOrder, Capacity, DebtKind, Delivery, Grade, Invoice, MemberDebt,
    MemberDelivery, OrderSplit, PaymentSettlement, PaymentTerms, SplitMethod,
};

const CAPACITY: &str = "trade-capacity";
const ORDERS: &str = "trade-orders";
/// Assignments per stored event (keeps payloads far below the store's limit).
const ASSIGNMENTS_PER_EVENT: usize = 2_000;
/// Payout lines per stored event (each line is a few figures; far below the store's limit).
const PAYOUT_LINES_PER_EVENT: usize = 500;

fn order_stream(order_id: &str) -> String {
    format!("order:{order_id}")
}

fn grade(text: &str) -> Result<Grade, AppError> {
    match text {
        "A" => Ok(Grade::A),
        "B" => Ok(Grade::B),
        "C" => Ok(Grade::C),
        other => Err(field(
            "grade",
            format!("R-SELL-1 calidad '{other}': debe ser A, B o C"),
        )),
    }
}

fn terms(days: u32) -> Result<PaymentTerms, AppError> {
    match days {
        60 => Ok(PaymentTerms::Net60),
        90 => Ok(PaymentTerms::Net90),
        other => Err(field(
            "terms_days",
            format!("R-SELL-1 plazo de {other} días: debe ser 60 o 90"),
        )),
    }
}

/// A member's declared capacity for a product at their quality grade (`A`, `B` or `C`); the
/// latest declaration per member and product counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapacityInput {
    pub member: i64,
    pub product: String,
    pub grade: String,
    pub capacity_units: u64,
    pub min_lot_units: u64,
    pub declared_on: NaiveDate,
}

/// A buyer's order as accepted (R-SELL-1): quality grade `A`/`B`/`C`, terms 60 or 90 days;
/// `channelled_by` names who channelled it (R-SELL-3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderInput {
    pub order_id: String,
    pub buyer: String,
    pub product: String,
    pub grade: String,
    pub quantity_units: u64,
    pub unit_price_minor: i64,
    pub due_date: NaiveDate,
    pub terms_days: u32,
    pub channelled_by: Option<String>,
    pub accepted_on: NaiveDate,
}

impl OrderInput {
    fn to_pure(&self) -> Result<BuyerOrder, AppError> {
        Ok(BuyerOrder {
            order_id: self.order_id.clone(),
            buyer: self.buyer.clone(),
            product: self.product.clone(),
            grade: grade(&self.grade)?,
            quantity_units: self.quantity_units,
            unit_price_minor: self.unit_price_minor,
            due_date: self.due_date,
            terms: terms(self.terms_days)?,
            channelled_by: self.channelled_by.clone(),
        })
    }
}

/// One delivery by a member, identified by the caller's reference (e.g. the delivery note).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryInput {
    pub member: i64,
    pub delivered_units: u64,
    pub rejected_units: u64,
    pub date: NaiveDate,
    pub reference: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum OrderEvent {
    Accepted {
        order: OrderInput,
        method: String,
        parts: usize,
    },
    Assigned {
        part: usize,
        /// (member, units)
        assignments: Vec<(i64, u64)>,
    },
    Delivered(DeliveryInput),
    Invoiced {
        issue_date: NaiveDate,
    },
    Advanced {
        member: i64,
        amount_minor: i64,
        funding: Funding,
        date: NaiveDate,
        reference: String,
    },
    Paid {
        amount_minor: i64,
        date: NaiveDate,
        reference: String,
    },
    /// What each member was paid from the buyer's payment `reference` and what was deducted,
    /// as it was that day (one event per part of [`PAYOUT_LINES_PER_EVENT`] lines).
    PaidOut {
        reference: String,
        date: NaiveDate,
        part: usize,
        lines: Vec<PayoutLine>,
    },
}

/// One member's payout from one buyer payment (R-SELL-1), recorded with the payment: their
/// share for what they delivered, each debt deducted (in the order taken: the advance on the
/// sale, Fund contributions, the ODF's profit share, pooled purchases) and the net the ODF
/// owes them. `gross = advance + fund + profit_share + purchases + net`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayoutLine {
    pub member: i64,
    pub gross_minor: i64,
    pub advance_minor: i64,
    pub fund_minor: i64,
    pub profit_share_minor: i64,
    pub purchases_minor: i64,
    pub net_minor: i64,
}

impl PayoutLine {
    pub fn deducted_minor(&self) -> i64 {
        self.advance_minor + self.fund_minor + self.profit_share_minor + self.purchases_minor
    }

    fn of(p: &sales::MemberPayout) -> PayoutLine {
        let mut line = PayoutLine {
            member: p.member,
            gross_minor: p.gross_minor,
            advance_minor: 0,
            fund_minor: 0,
            profit_share_minor: 0,
            purchases_minor: 0,
            net_minor: p.net_minor,
        };
        for d in &p.deductions {
            let into = match d.kind {
                DebtKind::SalesAdvance => &mut line.advance_minor,
                DebtKind::FundContribution => &mut line.fund_minor,
                DebtKind::ProfitShare => &mut line.profit_share_minor,
                DebtKind::PurchasingRound | DebtKind::Other(_) => &mut line.purchases_minor,
            };
            *into += d.amount_minor;
        }
        line
    }
}

/// The reference of the Fund's payment that a buyer payment deducted from a member's share
/// (R-FUND-1, R-PLAN-3): its receipt is the Fund's (`fund_payment_receipt`).
pub fn payout_fund_reference(order_id: &str, reference: &str, member: i64) -> String {
    let key = format!("trade:order:{order_id}:payment:{reference}");
    format!("venta-{:016x}-m{member}", fund::content_hash(&key))
}

/// A buyer payment's payouts to members as recorded (R-SELL-1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedPayout {
    /// The payment's reference (the form's key): the receipts' number.
    pub reference: String,
    pub date: NaiveDate,
    pub payment_minor: i64,
    pub lines: Vec<PayoutLine>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct OrderIndexed {
    order_id: String,
}

fn method_name(m: SplitMethod) -> &'static str {
    match m {
        SplitMethod::Proportional => "proportional",
        SplitMethod::Optimised => "optimised",
        SplitMethod::LimitReached => "limit_reached",
    }
}

fn method_of(text: &str) -> SplitMethod {
    match text {
        "proportional" => SplitMethod::Proportional,
        "optimised" => SplitMethod::Optimised,
        _ => SplitMethod::LimitReached,
    }
}

/// An order as the fold of its events.
#[derive(Debug, Clone, PartialEq)]
pub struct SalesOrder {
    pub input: OrderInput,
    pub order: BuyerOrder,
    pub split: OrderSplit,
    pub deliveries: Vec<Delivery>,
    pub references: Vec<String>,
    pub invoice: Option<Invoice>,
    /// Advances per member on this order.
    pub advances: BTreeMap<i64, i64>,
    /// How many advances were paid on this order (their slots, see `pay_sales_advance`).
    advance_count: usize,
    pub payments: Vec<(String, i64, NaiveDate)>,
    /// The payouts to members of each buyer payment, in the order paid (payments recorded
    /// before payouts were recorded have none).
    pub payouts: Vec<RecordedPayout>,
}

impl SalesOrder {
    /// The recorded payout of the payment `reference`.
    pub fn payout(&self, reference: &str) -> Option<&RecordedPayout> {
        self.payouts.iter().find(|p| p.reference == reference)
    }

    /// Each assigned member's accepted and rejected units so far.
    pub fn member_deliveries(&self) -> Result<Vec<MemberDelivery>, AppError> {
        Ok(sales::record_deliveries(&self.split, &self.deliveries)?)
    }
}

/// What one buyer payment did (R-SELL-1): Σ net + Σ deductions = payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentOutcome {
    pub payment_minor: i64,
    pub members_paid: usize,
    pub net_minor: i64,
    pub deducted_minor: i64,
    pub outstanding_minor: i64,
    pub settlement: Option<PaymentSettlement>,
}

impl App {
    /// R-SELL-1: members declare capacity per product and grade (a batch, all or nothing).
    pub async fn declare_capacities(
        &self,
        org_id: OrgId,
        by: &Actor,
        capacities: Vec<CapacityInput>,
    ) -> Result<usize, AppError> {
        if capacities.is_empty() || capacities.len() > super::MAX_TRADE_BATCH {
            return Err(field(
                "capacities",
                format!(
                    "de 1 a {} declaraciones por llamada",
                    super::MAX_TRADE_BATCH
                ),
            ));
        }
        let mut events = Vec::with_capacity(capacities.len());
        let mut seen = std::collections::BTreeSet::new();
        for (i, c) in capacities.iter().enumerate() {
            check_id("product", &c.product)?;
            grade(&c.grade)?;
            if c.capacity_units == 0 || c.capacity_units > 1_000_000 {
                return Err(field(
                    "capacity_units",
                    format!("R-SELL-1 capacities[{i}]: de 1 a 1,000,000 unidades"),
                ));
            }
            if c.min_lot_units > c.capacity_units {
                return Err(field(
                    "min_lot_units",
                    format!("R-SELL-1 capacities[{i}]: el lote mínimo excede la capacidad"),
                ));
            }
            if seen.insert(c.member) {
                self.store().member(org_id, c.member).await.map_err(|_| {
                    field(
                        "member",
                        format!("R-SELL-1 capacities[{i}]: el socio {} no existe", c.member),
                    )
                })?;
            }
            events.push(event(
                CAPACITY,
                "trade.capacity.declared",
                format!(
                    "trade:capacity:{}:{}:{}",
                    c.member, c.product, c.declared_on
                ),
                c,
                by,
            )?);
        }
        let committed = self
            .trade_commit(
                org_id,
                Commit {
                    events,
                    ..Commit::default()
                },
            )
            .await?;
        Ok(committed.events.iter().filter(|(_, c)| *c).count())
    }

    /// The latest declared capacity per member and product.
    pub async fn capacities(&self, org_id: OrgId) -> Result<Vec<Capacity>, AppError> {
        let events: Vec<CapacityInput> = self.trade_events(org_id, CAPACITY).await?;
        let mut latest: BTreeMap<(i64, String), CapacityInput> = BTreeMap::new();
        for c in events {
            let k = (c.member, c.product.clone());
            if latest
                .get(&k)
                .is_none_or(|old| old.declared_on <= c.declared_on)
            {
                latest.insert(k, c);
            }
        }
        latest
            .into_values()
            .map(|c| {
                Ok(Capacity {
                    member: c.member,
                    product: c.product,
                    grade: grade(&c.grade)?,
                    capacity_units: c.capacity_units,
                    min_lot_units: c.min_lot_units,
                })
            })
            .collect()
    }

    /// R-SELL-1: accepts a buyer's order and splits it among qualified members by declared
    /// capacity: proportional by default, the proven least-deviation split when capacities,
    /// lots or quality bind. Accepting the same order again answers the stored split.
    pub async fn accept_order(
        &self,
        org_id: OrgId,
        by: &Actor,
        input: OrderInput,
    ) -> Result<OrderSplit, AppError> {
        check_id("order_id", &input.order_id)?;
        check_id("product", &input.product)?;
        registry::check_text("buyer", &input.buyer, false)?;
        if input.buyer.trim().is_empty() || input.buyer.chars().count() > 200 {
            return Err(field("buyer", "debe tener de 1 a 200 caracteres"));
        }
        if input.quantity_units == 0 || input.quantity_units > 10_000_000 {
            return Err(field(
                "quantity_units",
                "R-SELL-1 de 1 a 10,000,000 unidades",
            ));
        }
        let pure = input.to_pure()?;
        if self
            .trade_event_exists(org_id, &format!("trade:order:{}:accepted", input.order_id))
            .await?
        {
            let stored = self.sales_order(org_id, &input.order_id).await?;
            if stored.input != input {
                return Err(field(
                    "order_id",
                    format!(
                        "R-SELL-1 el pedido '{}' ya existe con otros datos",
                        input.order_id
                    ),
                ));
            }
            return Ok(stored.split);
        }
        let capacities = self.capacities(org_id).await?;
        let split = tokio::task::spawn_blocking(move || sales::split_order(&pure, &capacities))
            .await
            .map_err(|e| AppError::Integrity(format!("split task: {e}")))??;
        let stream = order_stream(&input.order_id);
        let chunks: Vec<&[Assignment]> = split.assignments.chunks(ASSIGNMENTS_PER_EVENT).collect();
        let mut events = vec![event(
            &stream,
            "trade.order.accepted",
            format!("trade:order:{}:accepted", input.order_id),
            &OrderEvent::Accepted {
                order: input.clone(),
                method: method_name(split.method).to_string(),
                parts: chunks.len(),
            },
            by,
        )?];
        for (part, chunk) in chunks.iter().enumerate() {
            events.push(event(
                &stream,
                "trade.order.assigned",
                format!("trade:order:{}:assigned:{part}", input.order_id),
                &OrderEvent::Assigned {
                    part,
                    assignments: chunk.iter().map(|a| (a.member, a.units)).collect(),
                },
                by,
            )?);
        }
        events.push(event(
            ORDERS,
            "trade.order.indexed",
            format!("trade:orders:{}", input.order_id),
            &OrderIndexed {
                order_id: input.order_id.clone(),
            },
            by,
        )?);
        self.trade_commit(
            org_id,
            Commit {
                events,
                ..Commit::default()
            },
        )
        .await?;
        Ok(split)
    }

    /// Every order id, in the order accepted.
    pub async fn sales_orders(&self, org_id: OrgId) -> Result<Vec<String>, AppError> {
        let index: Vec<OrderIndexed> = self.trade_events(org_id, ORDERS).await?;
        Ok(index.into_iter().map(|o| o.order_id).collect())
    }

    /// An order as the fold of its events.
    pub async fn sales_order(&self, org_id: OrgId, order_id: &str) -> Result<SalesOrder, AppError> {
        let events: Vec<OrderEvent> = self.trade_events(org_id, &order_stream(order_id)).await?;
        let mut it = events.into_iter();
        let Some(OrderEvent::Accepted { order, method, .. }) = it.next() else {
            return Err(field(
                "order_id",
                format!("R-SELL-1 pedido '{order_id}' no existe"),
            ));
        };
        let pure = order.to_pure()?;
        let mut o = SalesOrder {
            split: OrderSplit {
                order_id: order.order_id.clone(),
                method: method_of(&method),
                assignments: Vec::new(),
            },
            input: order,
            order: pure,
            deliveries: Vec::new(),
            references: Vec::new(),
            invoice: None,
            advances: BTreeMap::new(),
            advance_count: 0,
            payments: Vec::new(),
            payouts: Vec::new(),
        };
        for e in it {
            match e {
                OrderEvent::Accepted { .. } => {}
                OrderEvent::Assigned { assignments, .. } => {
                    o.split.assignments.extend(
                        assignments
                            .into_iter()
                            .map(|(member, units)| Assignment { member, units }),
                    );
                }
                OrderEvent::Delivered(d) => {
                    o.deliveries.push(Delivery {
                        member: d.member,
                        delivered_units: d.delivered_units,
                        rejected_units: d.rejected_units,
                        date: d.date,
                    });
                    o.references.push(d.reference);
                }
                OrderEvent::Invoiced { issue_date } => {
                    let md = sales::record_deliveries(&o.split, &o.deliveries)?;
                    let (inv, _) = sales::invoice(&o.order, &md, issue_date, "fold")?;
                    o.invoice = Some(inv);
                }
                OrderEvent::Advanced {
                    member,
                    amount_minor,
                    ..
                } => {
                    *o.advances.entry(member).or_default() += amount_minor;
                    o.advance_count += 1;
                }
                OrderEvent::Paid {
                    amount_minor,
                    date,
                    reference,
                } => {
                    // Replays the split of the payment over the lines (debts do not change it).
                    if let Some(inv) = &o.invoice {
                        let s = sales::settle_payment(inv, amount_minor, &[], date, "fold")?;
                        o.invoice = Some(s.invoice);
                    }
                    o.payments.push((reference, amount_minor, date));
                }
                OrderEvent::PaidOut {
                    reference,
                    date,
                    lines,
                    ..
                } => match o.payouts.iter_mut().find(|p| p.reference == reference) {
                    Some(p) => p.lines.extend(lines),
                    None => {
                        let payment_minor = o
                            .payments
                            .iter()
                            .find(|(r, _, _)| *r == reference)
                            .map_or(0, |p| p.1);
                        o.payouts.push(RecordedPayout {
                            reference,
                            date,
                            payment_minor,
                            lines,
                        })
                    }
                },
            }
        }
        o.split.assignments.sort_by_key(|a| a.member);
        Ok(o)
    }

    /// R-SELL-1: records members' deliveries with quality rejections (a batch, all or
    /// nothing). A delivery above what was assigned is refused; rejected units may be
    /// replaced. Deliveries after the invoice are refused.
    pub async fn record_deliveries(
        &self,
        org_id: OrgId,
        by: &Actor,
        order_id: &str,
        deliveries: Vec<DeliveryInput>,
    ) -> Result<usize, AppError> {
        if deliveries.is_empty() || deliveries.len() > super::MAX_TRADE_BATCH {
            return Err(field(
                "deliveries",
                format!("de 1 a {} entregas por llamada", super::MAX_TRADE_BATCH),
            ));
        }
        let order = self.sales_order(org_id, order_id).await?;
        let mut all = order.deliveries.clone();
        let mut events = Vec::new();
        let stream = order_stream(order_id);
        for d in &deliveries {
            check_id("reference", &d.reference)?;
            if let Some(i) = order.references.iter().position(|r| r == &d.reference) {
                let stored = &order.deliveries[i];
                let same = stored.member == d.member
                    && stored.delivered_units == d.delivered_units
                    && stored.rejected_units == d.rejected_units
                    && stored.date == d.date;
                if !same {
                    return Err(field(
                        "reference",
                        format!(
                            "R-SELL-1 la entrega '{}' ya se registró con otros datos",
                            d.reference
                        ),
                    ));
                }
                continue; // already recorded: a re-run
            }
            if d.delivered_units == 0 {
                return Err(field("delivered_units", "R-SELL-1 debe ser positivo"));
            }
            all.push(Delivery {
                member: d.member,
                delivered_units: d.delivered_units,
                rejected_units: d.rejected_units,
                date: d.date,
            });
            events.push(event(
                &stream,
                "trade.order.delivered",
                format!("trade:order:{order_id}:delivery:{}", d.reference),
                &OrderEvent::Delivered(d.clone()),
                by,
            )?);
        }
        if events.is_empty() {
            return Ok(0);
        }
        if order.invoice.is_some() {
            return Err(field(
                "order_id",
                format!("R-SELL-1 el pedido '{order_id}' ya se facturó: no admite entregas"),
            ));
        }
        sales::record_deliveries(&order.split, &all)?;
        let n = events.len();
        self.trade_commit(
            org_id,
            Commit {
                events,
                ..Commit::default()
            },
        )
        .await?;
        Ok(n)
    }

    /// R-SELL-1: invoices the buyer for every accepted unit; the receivable is posted.
    pub async fn invoice_order(
        &self,
        org_id: OrgId,
        by: &Actor,
        order_id: &str,
        issue_date: NaiveDate,
    ) -> Result<Invoice, AppError> {
        let order = self.sales_order(org_id, order_id).await?;
        if let Some(inv) = order.invoice {
            return Ok(inv);
        }
        let md = order.member_deliveries()?;
        let key = format!("trade:order:{order_id}:invoice");
        let (inv, entry) = sales::invoice(&order.order, &md, issue_date, &key)?;
        let e = event(
            &order_stream(order_id),
            "trade.order.invoiced",
            key,
            &OrderEvent::Invoiced { issue_date },
            by,
        )?;
        self.trade_commit(
            org_id,
            Commit {
                accounts: Self::trade_accounts([]),
                events: vec![e],
                entries: vec![entry],
            },
        )
        .await?;
        Ok(inv)
    }

    /// R-SELL-1: an optional advance to a member against their assignment, from the credit
    /// line or the Competition Sub-Fund; recovered first when the buyer pays. Advances on an
    /// order may not exceed the value of the member's assignment.
    #[allow(clippy::too_many_arguments)]
    pub async fn pay_sales_advance(
        &self,
        org_id: OrgId,
        by: &Actor,
        order_id: &str,
        member: i64,
        amount_minor: i64,
        funding: Funding,
        date: NaiveDate,
        reference: &str,
    ) -> Result<(), AppError> {
        retrying!("pay_sales_advance", {
            check_id("reference", reference)?;
            let key = format!("trade:order:{order_id}:advance:{reference}");
            // R-BUY-2: the Sub-Fund's advance is the Fund's too; its book is read first.
            let fund = self.trade_fund_book(org_id, &funding).await?;
            if self.trade_event_exists(org_id, &key).await? {
                return Ok(());
            }
            let order = self.sales_order(org_id, order_id).await?;
            let assigned = order
                .split
                .assigned(member)
                .ok_or(trade::TradeError::NotAssigned { member })?;
            let value = (assigned as i64).saturating_mul(order.order.unit_price_minor);
            let before = order.advances.get(&member).copied().unwrap_or(0);
            if amount_minor > value - before {
                return Err(trade::TradeError::AboveRemaining {
                    rule: "R-SELL-1",
                    field: "amount_minor",
                    requested: amount_minor,
                    remaining: value - before,
                }
                .into());
            }
            let plan = self.trade_funding(org_id, &funding).await?;
            let lent = super::trade_lend_decision(fund.as_ref(), &key, amount_minor)?;
            let entry = sales::pay_advance(
                member,
                amount_minor,
                &plan.source,
                plan.used_minor,
                date,
                &key,
            )?;
            let mut events = vec![event(
                &order_stream(order_id),
                "trade.order.advanced",
                key.clone(),
                &OrderEvent::Advanced {
                    member,
                    amount_minor,
                    funding: funding.clone(),
                    date,
                    reference: reference.to_string(),
                },
                by,
            )?];
            // Two advances checked against the same total at once would together exceed the
            // assignment: both claim the same slot, and the store refuses the second.
            events.push(super::slot(
                &format!("{}:advances", order_stream(order_id)),
                order.advance_count,
                &key,
                by,
            )?);
            events.extend(
                self.funding_events(org_id, &plan, &key, amount_minor, date, by)
                    .await?,
            );
            let mut accounts = Self::trade_accounts([member]);
            accounts.extend(plan.accounts);
            let mut commit = Commit {
                accounts,
                events,
                entries: vec![entry],
            };
            if let (Some(book), Some(lent)) = (&fund, &lent) {
                super::add_fund_side(&mut commit, book, &key, lent, by)?;
            }
            self.trade_commit(org_id, commit).await?;
            Ok(())
        })
    }

    /// R-SELL-1: the buyer pays (part of) the invoice. The payment is split among members
    /// for what each delivered, and each member's share first settles what they owe, in this
    /// order: sales advances and then, as each chapter counts them, Fund contributions
    /// (R-FUND-1) and the ODF's profit share (R-PLAN-3) as the Fund's book has them owed, then
    /// pooled purchases (R-BUY-2). A payment above what is still owed on the invoice is
    /// refused.
    ///
    /// ONE commit records the payment, each member's payout as it is that day (event
    /// `trade.order.paid_out`: gross, each deduction, net; the receipts read it, so they say
    /// later what was paid then whatever the member owes afterwards), the trade's entries
    /// (the advance and purchases recovered, the net owed to the member) and, for what went to
    /// the Fund, the Fund's own payments (`payment:venta-{hash}-m{member}`, deducted from the
    /// member's sales as `settle_member_debts` does: contributions into the trust, the profit
    /// share to the ODF), so the Fund's figures, the member's statement and the Fund's list of
    /// who owes agree with the payout. The same reference again answers the recorded payout.
    pub async fn record_buyer_payment(
        &self,
        org_id: OrgId,
        by: &Actor,
        order_id: &str,
        amount_minor: i64,
        date: NaiveDate,
        reference: &str,
    ) -> Result<PaymentOutcome, AppError> {
        retrying!("record_buyer_payment", {
            check_id("reference", reference)?;
            let key = format!("trade:order:{order_id}:payment:{reference}");
            // The Fund is read before the order (see `fund_op`): a copy of this payment that
            // commits in between claims the same Fund slot with the same key.
            let book = self.fund_book(org_id).await?;
            let order = self.sales_order(org_id, order_id).await?;
            let invoice = order.invoice.clone().ok_or_else(|| {
                field(
                    "order_id",
                    format!("R-SELL-1 el pedido '{order_id}' aún no se factura"),
                )
            })?;
            if let Some((_, paid, _)) = order.payments.iter().find(|(r, _, _)| r == reference) {
                let lines = order.payout(reference).map_or(&[][..], |p| &p.lines[..]);
                return Ok(PaymentOutcome {
                    payment_minor: *paid,
                    members_paid: lines.len(),
                    net_minor: lines.iter().map(|l| l.net_minor).sum(),
                    deducted_minor: lines.iter().map(PayoutLine::deducted_minor).sum(),
                    outstanding_minor: invoice.outstanding_minor(),
                    settlement: None,
                });
            }
            let tb = self.trade_balances(org_id).await?;
            let mut debts = Vec::new();
            for line in &invoice.lines {
                let m = line.member;
                let fm = book.state.member(m);
                for (kind, owed) in [
                    (
                        DebtKind::SalesAdvance,
                        balance_of(&tb, &DebtKind::SalesAdvance.account(m)),
                    ),
                    (DebtKind::FundContribution, fm.outstanding().total()),
                    (DebtKind::ProfitShare, fm.profit_share_outstanding_minor()),
                    (
                        DebtKind::PurchasingRound,
                        balance_of(&tb, &DebtKind::PurchasingRound.account(m)),
                    ),
                ] {
                    if owed > 0 {
                        debts.push(MemberDebt {
                            member: m,
                            kind,
                            outstanding_minor: owed,
                        });
                    }
                }
            }
            // Who pays what, in the documented order, with every debt.
            let settlement = sales::settle_payment(&invoice, amount_minor, &debts, date, &key)?;
            let lines: Vec<PayoutLine> = settlement.payouts.iter().map(PayoutLine::of).collect();
            // The trade's entries recover only the trade's own debts, exactly as taken above;
            // what went to the Fund stays owed to the member until the Fund's payment below
            // deducts it from what the ODF owes them.
            let trade_debts: Vec<MemberDebt> = lines
                .iter()
                .flat_map(|l| {
                    [
                        (DebtKind::SalesAdvance, l.advance_minor),
                        (DebtKind::PurchasingRound, l.purchases_minor),
                    ]
                    .into_iter()
                    .filter(|(_, a)| *a > 0)
                    .map(|(kind, a)| MemberDebt {
                        member: l.member,
                        kind,
                        outstanding_minor: a,
                    })
                })
                .collect();
            let booked = sales::settle_payment(&invoice, amount_minor, &trade_debts, date, &key)?;
            let same = booked.payouts.len() == lines.len()
                && booked.payouts.iter().zip(&lines).all(|(b, l)| {
                    b.member == l.member
                        && b.net_minor == l.net_minor + l.fund_minor + l.profit_share_minor
                });
            if !same {
                return Err(AppError::Integrity(format!(
                    "R-SELL-1 pago {reference}: la liquidación no cuadra con sus deducciones"
                )));
            }
            let stream = order_stream(order_id);
            let mut events = vec![
                event(
                    &stream,
                    "trade.order.paid",
                    key.clone(),
                    &OrderEvent::Paid {
                        amount_minor,
                        date,
                        reference: reference.to_string(),
                    },
                    by,
                )?,
                super::slot(
                    &format!("{stream}:payments"),
                    order.payments.len(),
                    &key,
                    by,
                )?,
            ];
            // The payouts as they are today, so the receipts say later what was paid then.
            for (part, chunk) in lines.chunks(PAYOUT_LINES_PER_EVENT).enumerate() {
                events.push(event(
                    &stream,
                    "trade.order.paid_out",
                    format!("{key}:payout:{part}"),
                    &OrderEvent::PaidOut {
                        reference: reference.to_string(),
                        date,
                        part,
                        lines: chunk.to_vec(),
                    },
                    by,
                )?);
            }
            let members: Vec<i64> = invoice.lines.iter().map(|l| l.member).collect();
            let mut commit = Commit {
                accounts: Self::trade_accounts(members),
                events,
                entries: booked.entries,
            };
            // R-FUND-1, R-PLAN-3: the Fund's payments, deducted from the member's sales.
            let settings = self.fund_settings(org_id).await?;
            let mut fund = book.state.clone();
            for l in lines
                .iter()
                .filter(|l| l.fund_minor + l.profit_share_minor > 0)
            {
                use crate::fund_cases::ops;
                let take = l.fund_minor + l.profit_share_minor;
                let pay_key = format!(
                    "payment:{}",
                    payout_fund_reference(order_id, reference, l.member)
                );
                let d = ops::settle_decision(
                    &settings,
                    &fund,
                    l.member,
                    ops::ref_id(&pay_key),
                    Some(take),
                    Some(take),
                    date,
                )?;
                fund.apply_all(&d.events);
                let part = crate::fund_cases::fund_decision_commit(&pay_key, &d, by)?;
                commit.accounts.extend(part.accounts);
                commit.events.extend(part.events);
                commit.entries.extend(part.entries);
            }
            // Claimed only when the payout writes to the Fund (ARCHITECTURE.md, "slots").
            crate::fund_cases::claim_fund_slot(&mut commit, book.events_read, by)?;
            if commit.entries.len() > store::MAX_BATCH_ENTRIES {
                return Err(field(
                    "amount_minor",
                    "R-SELL-1 demasiados socios con deudas en un solo cobro: regístrelo en dos pagos",
                ));
            }
            let mut seen = std::collections::HashSet::new();
            commit.accounts.retain(|a| seen.insert(a.code.clone()));
            self.trade_commit(org_id, commit).await?;
            let net_minor = settlement.payouts.iter().map(|p| p.net_minor).sum();
            let deducted_minor = settlement
                .payouts
                .iter()
                .flat_map(|p| &p.deductions)
                .map(|d| d.amount_minor)
                .sum();
            Ok(PaymentOutcome {
                payment_minor: amount_minor,
                members_paid: settlement.payouts.len(),
                net_minor,
                deducted_minor,
                outstanding_minor: settlement.invoice.outstanding_minor(),
                settlement: Some(settlement),
            })
        })
    }
}
