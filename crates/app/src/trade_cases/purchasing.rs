//! Suppliers, price lists and pooled purchasing rounds (R-BUY-1, R-BUY-2, R-SELL-3).

use super::{check_id, event, field, slot, Actor, Funding};
use crate::{App, AppError};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use store::{Commit, OrgId};
use trade::capital::{self, PurchaseOrder};
use trade::purchase::{
    self, AloneQuote, MaterialPlan, MemberAlone, PurchaseRequest, PurchaseRound, RoundCharges,
    RoundPlan, RoundSettings, SolveStatus, SupplierOrder,
};
use trade::supplier::{PriceList, Pricing, Supplier, Tier, ValidPriceList};

pub(super) const SUPPLIERS: &str = "trade-suppliers";
const ROUNDS: &str = "trade-rounds";

fn round_stream(round_id: &str) -> String {
    format!("round:{round_id}")
}

/// A supplier as entered (R-BUY-1); `channelled_by` names the support-committee member who
/// brought it (R-SELL-3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupplierInput {
    pub code: String,
    pub name: String,
    pub channelled_by: Option<String>,
}

/// One price tier as entered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierInput {
    pub from_units: u32,
    pub to_units: Option<u32>,
    pub unit_price_minor: i64,
}

/// A price list as entered: `pricing` is `all_units` or `incremental` (R-BUY-1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceListInput {
    pub supplier: String,
    pub material: String,
    pub pricing: String,
    pub tiers: Vec<TierInput>,
    pub min_order_units: u32,
    pub lead_time_days: u32,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
}

/// The event key of a price list: one per supplier, material and first day of validity.
pub(super) fn price_list_key(input: &PriceListInput) -> String {
    format!(
        "trade:pricelist:{}:{}:{}",
        input.supplier, input.material, input.valid_from
    )
}

impl PriceListInput {
    pub(super) fn to_pure(&self) -> Result<ValidPriceList, AppError> {
        let pricing = match self.pricing.as_str() {
            "all_units" => Pricing::AllUnits,
            "incremental" => Pricing::Incremental,
            other => {
                return Err(field(
                    "pricing",
                    format!("R-BUY-1 '{other}': debe ser all_units o incremental"),
                ))
            }
        };
        Ok(PriceList {
            supplier: self.supplier.clone(),
            material: self.material.clone(),
            currency: ledger::Currency::MXN,
            pricing,
            tiers: self
                .tiers
                .iter()
                .map(|t| Tier {
                    from_units: t.from_units,
                    to_units: t.to_units,
                    unit_price_minor: t.unit_price_minor,
                })
                .collect(),
            min_order_units: self.min_order_units,
            lead_time_days: self.lead_time_days,
            valid_from: self.valid_from,
            valid_until: self.valid_until,
        }
        .validate()?)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(super) enum SupplierEvent {
    Supplier(SupplierInput),
    PriceList(PriceListInput),
}

/// A purchasing round's settings (R-BUY-1): `allow_buy_up` buys up to a better tier when
/// that costs less (surplus kept as ODF stock); `time_limit_ms` stops the solver per material
/// (the plan then says it is not proven optimal).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoundInput {
    pub round_id: String,
    pub order_date: NaiveDate,
    pub allow_buy_up: bool,
    pub time_limit_ms: Option<u64>,
}

/// A member's request in a round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestInput {
    pub member: i64,
    pub material: String,
    pub quantity_units: u32,
    pub needed_by: NaiveDate,
}

/// Most pick-ups recorded in one call (two events and up to two entries each).
pub const MAX_PICK_UPS: usize = 2_000;

/// A member picking up (part of) their request (see `App::pick_up`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PickUpInput {
    pub member: i64,
    pub material: String,
    pub units: u32,
    /// Paid at once; the rest is deducted from the member's next sales settlement.
    pub pay_now_minor: i64,
    pub date: NaiveDate,
    pub reference: String,
}

/// One supplier order of a stored plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct OrderDto {
    supplier: String,
    quantity_units: u32,
    tier_index: usize,
    cost_minor: i64,
}

impl OrderDto {
    fn from_order(o: &SupplierOrder) -> Self {
        OrderDto {
            supplier: o.supplier.clone(),
            quantity_units: o.quantity_units,
            tier_index: o.tier_index,
            cost_minor: o.cost_minor,
        }
    }
    fn to_order(&self) -> SupplierOrder {
        SupplierOrder {
            supplier: self.supplier.clone(),
            quantity_units: self.quantity_units,
            tier_index: self.tier_index,
            cost_minor: self.cost_minor,
        }
    }
}

/// One member's least cost buying one material alone (R-BUY-1), stored with the close so the
/// saving does not move when price lists are added later. `orders: None`: could not buy alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct AloneDto {
    member: i64,
    material: String,
    units: u64,
    orders: Option<Vec<OrderDto>>,
    optimal: bool,
}

impl AloneDto {
    fn from_alone(a: &MemberAlone) -> Self {
        AloneDto {
            member: a.member,
            material: a.material.clone(),
            units: a.units,
            orders: a
                .quote
                .as_ref()
                .map(|q| q.orders.iter().map(OrderDto::from_order).collect()),
            optimal: a
                .quote
                .as_ref()
                .is_none_or(|q| q.status == SolveStatus::Optimal),
        }
    }
    fn to_alone(&self) -> MemberAlone {
        MemberAlone {
            member: self.member,
            material: self.material.clone(),
            units: self.units,
            quote: self.orders.as_ref().map(|orders| AloneQuote {
                orders: orders.iter().map(OrderDto::to_order).collect(),
                bought_units: orders.iter().map(|o| o.quantity_units as u64).sum(),
                cost_minor: orders.iter().map(|o| o.cost_minor).sum(),
                status: if self.optimal {
                    SolveStatus::Optimal
                } else {
                    SolveStatus::LimitReached
                },
            }),
        }
    }
}

/// The close's costs alone as events of at most half the store's payload limit each (a round
/// of thousands of members does not fit one event).
fn alone_events(
    stream: &str,
    round_id: &str,
    alone: &[MemberAlone],
    by: &Actor,
) -> Result<Vec<store::NewEvent>, AppError> {
    const CHUNK_BYTES: usize = store::MAX_EVENT_PAYLOAD_BYTES / 2;
    let mut chunks: Vec<Vec<AloneDto>> = vec![Vec::new()];
    let mut bytes = 0;
    for a in alone {
        let dto = AloneDto::from_alone(a);
        let size = serde_json::to_string(&dto)
            .map_err(|e| AppError::Integrity(format!("alone cost: {e}")))?
            .len()
            + 1;
        if bytes + size > CHUNK_BYTES && !chunks[chunks.len() - 1].is_empty() {
            chunks.push(Vec::new());
            bytes = 0;
        }
        bytes += size;
        chunks.last_mut().expect("one chunk at least").push(dto);
    }
    chunks
        .into_iter()
        .filter(|c| !c.is_empty())
        .enumerate()
        .map(|(n, entries)| {
            event(
                stream,
                "trade.round.alone-priced",
                format!("trade:round:{round_id}:alone:{n}"),
                &RoundEvent::AlonePriced { entries },
                by,
            )
        })
        .collect()
}

/// One material of a stored plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct MaterialDto {
    material: String,
    demand_units: u64,
    bought_units: u64,
    surplus_units: u64,
    orders: Vec<OrderDto>,
    total_cost_minor: i64,
    optimal: bool,
}

impl MaterialDto {
    fn from_plan(m: &MaterialPlan) -> Self {
        MaterialDto {
            material: m.material.clone(),
            demand_units: m.demand_units,
            bought_units: m.bought_units,
            surplus_units: m.surplus_units,
            orders: m.orders.iter().map(OrderDto::from_order).collect(),
            total_cost_minor: m.total_cost_minor,
            optimal: m.status == SolveStatus::Optimal,
        }
    }
    fn to_plan(&self) -> MaterialPlan {
        MaterialPlan {
            material: self.material.clone(),
            demand_units: self.demand_units,
            bought_units: self.bought_units,
            surplus_units: self.surplus_units,
            orders: self.orders.iter().map(OrderDto::to_order).collect(),
            total_cost_minor: self.total_cost_minor,
            pooled_unit_cost_minor: rust_decimal::Decimal::from(self.total_cost_minor)
                / rust_decimal::Decimal::from(self.bought_units.max(1)),
            status: if self.optimal {
                SolveStatus::Optimal
            } else {
                SolveStatus::LimitReached
            },
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum RoundEvent {
    Opened(RoundInput),
    Requested(RequestInput),
    Closed {
        closed_on: NaiveDate,
        materials: Vec<MaterialDto>,
    },
    /// Part of the close: members' costs alone (R-BUY-1), in (material, member) order.
    AlonePriced {
        entries: Vec<AloneDto>,
    },
    Received {
        po_id: String,
        units: u32,
        date: NaiveDate,
        reference: String,
    },
    SupplierPaid {
        po_id: String,
        amount_minor: i64,
        funding: Funding,
        date: NaiveDate,
        reference: String,
    },
    PickedUp {
        member: i64,
        material: String,
        units: u32,
        date: NaiveDate,
        paid_minor: i64,
        reference: String,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct RoundIndexed {
    round_id: String,
}

/// A purchasing round as the fold of its events.
#[derive(Debug, Clone, PartialEq)]
pub struct Round {
    pub settings: RoundInput,
    pub requests: Vec<PurchaseRequest>,
    pub closed_on: Option<NaiveDate>,
    pub plan: Option<RoundPlan>,
    /// Units received per purchase order.
    pub received: BTreeMap<String, u32>,
    /// Amount paid per purchase order.
    pub paid: BTreeMap<String, i64>,
    /// Units picked up per (member, material).
    pub picked: BTreeMap<(i64, String), u32>,
    receipts: usize,
    pickups: usize,
    supplier_payments: usize,
    /// References of the pick-ups recorded (a reference again is a no-op).
    pickup_references: std::collections::BTreeSet<String>,
    /// The close recorded members' costs alone (rounds closed before it was recorded have
    /// them priced when reported, see `App::round_report`).
    alone_recorded: bool,
}

impl Round {
    pub(super) fn pure(&self) -> PurchaseRound {
        PurchaseRound {
            round_id: self.settings.round_id.clone(),
            order_date: self.settings.order_date,
            currency: ledger::Currency::MXN,
            requests: self.requests.clone(),
        }
    }

    /// The purchase orders of the plan (one per supplier and material), dated at the close.
    pub fn purchase_orders(&self) -> Vec<PurchaseOrder> {
        match (&self.plan, self.closed_on) {
            (Some(plan), Some(date)) => capital::purchase_orders(plan, date),
            _ => Vec::new(),
        }
    }

    /// Whether the close recorded what each member would have paid alone (R-BUY-1).
    pub fn alone_recorded(&self) -> bool {
        self.alone_recorded
    }

    /// The settings the round was optimised with.
    pub(super) fn pure_settings(&self) -> RoundSettings {
        RoundSettings {
            allow_buy_up: self.settings.allow_buy_up,
            time_limit_seconds: self.settings.time_limit_ms.map(|ms| ms as f64 / 1000.0),
        }
    }

    /// Each request's pooled charge (R-BUY-1), once the round is closed.
    pub fn charges(&self) -> Result<Option<RoundCharges>, AppError> {
        match &self.plan {
            Some(plan) => Ok(Some(purchase::charge_members(&self.pure(), plan)?)),
            None => Ok(None),
        }
    }

    fn units_received(&self, material: &str) -> u64 {
        self.purchase_orders()
            .iter()
            .filter(|po| po.material == material)
            .map(|po| self.received.get(&po.po_id).copied().unwrap_or(0) as u64)
            .sum()
    }

    fn units_picked(&self, material: &str) -> u64 {
        self.picked
            .iter()
            .filter(|((_, m), _)| m == material)
            .map(|(_, &u)| u as u64)
            .sum()
    }
}

impl App {
    /// R-BUY-1, R-SELL-3: registers a supplier (again with the same data: no change).
    pub async fn register_supplier(
        &self,
        org_id: OrgId,
        by: &Actor,
        input: SupplierInput,
    ) -> Result<(), AppError> {
        check_id("code", &input.code)?;
        registry::check_text("name", &input.name, false)?;
        if input.name.trim().is_empty() || input.name.chars().count() > 200 {
            return Err(field("name", "debe tener de 1 a 200 caracteres"));
        }
        self.store().org(org_id).await?;
        let key = format!("trade:supplier:{}", input.code);
        let e = event(
            SUPPLIERS,
            "trade.supplier.registered",
            key,
            &SupplierEvent::Supplier(input),
            by,
        )?;
        self.trade_commit(
            org_id,
            Commit {
                events: vec![e],
                ..Commit::default()
            },
        )
        .await?;
        Ok(())
    }

    /// R-BUY-1: registers a supplier's price list for a material (tiers contiguous from one
    /// unit, all-units or incremental, minimum order, lead time, validity). A list with gaps
    /// or overlaps is refused naming the tier.
    pub async fn register_price_list(
        &self,
        org_id: OrgId,
        by: &Actor,
        input: PriceListInput,
    ) -> Result<(), AppError> {
        check_id("material", &input.material)?;
        input.to_pure()?;
        let (suppliers, _) = self.trade_catalogue(org_id).await?;
        if !suppliers.iter().any(|s| s.code == input.supplier) {
            return Err(field(
                "supplier",
                format!("R-BUY-1 proveedor '{}' no registrado", input.supplier),
            ));
        }
        let key = price_list_key(&input);
        let e = event(
            SUPPLIERS,
            "trade.price-list.registered",
            key,
            &SupplierEvent::PriceList(input),
            by,
        )?;
        self.trade_commit(
            org_id,
            Commit {
                events: vec![e],
                ..Commit::default()
            },
        )
        .await?;
        Ok(())
    }

    /// Suppliers and valid price lists of the organisation.
    pub async fn trade_catalogue(
        &self,
        org_id: OrgId,
    ) -> Result<(Vec<Supplier>, Vec<ValidPriceList>), AppError> {
        let events: Vec<SupplierEvent> = self.trade_events(org_id, SUPPLIERS).await?;
        let mut suppliers = Vec::new();
        let mut lists = Vec::new();
        for e in events {
            match e {
                SupplierEvent::Supplier(s) => suppliers.push(Supplier {
                    code: s.code,
                    name: s.name,
                    channelled_by: s.channelled_by,
                }),
                SupplierEvent::PriceList(p) => lists.push(p.to_pure()?),
            }
        }
        Ok((suppliers, lists))
    }

    /// R-BUY-1: opens a purchasing round.
    pub async fn open_round(
        &self,
        org_id: OrgId,
        by: &Actor,
        input: RoundInput,
    ) -> Result<(), AppError> {
        check_id("round_id", &input.round_id)?;
        if input.time_limit_ms == Some(0) {
            return Err(field("time_limit_ms", "debe ser positivo"));
        }
        self.store().org(org_id).await?;
        // R-BUY-1 (setting): buying up to a better tier only when the ODF allows it on the
        // round's order date (issue 16); the round records what applied.
        let mut input = input;
        input.allow_buy_up &= self
            .settings_history(org_id)
            .await?
            .value_on(
                governance::settings::SettingKey::AllowBuyUp,
                input.order_date,
            )
            .flag()
            .unwrap_or(true);
        let stream = round_stream(&input.round_id);
        let events = vec![
            event(
                &stream,
                "trade.round.opened",
                format!("trade:round:{}:opened", input.round_id),
                &RoundEvent::Opened(input.clone()),
                by,
            )?,
            event(
                ROUNDS,
                "trade.round.indexed",
                format!("trade:rounds:{}", input.round_id),
                &RoundIndexed {
                    round_id: input.round_id.clone(),
                },
                by,
            )?,
        ];
        self.trade_commit(
            org_id,
            Commit {
                events,
                ..Commit::default()
            },
        )
        .await?;
        Ok(())
    }

    /// The ids of every round, in the order they were opened.
    pub async fn rounds(&self, org_id: OrgId) -> Result<Vec<String>, AppError> {
        let index: Vec<RoundIndexed> = self.trade_events(org_id, ROUNDS).await?;
        Ok(index.into_iter().map(|r| r.round_id).collect())
    }

    /// A round as the fold of its events.
    pub async fn round(&self, org_id: OrgId, round_id: &str) -> Result<Round, AppError> {
        let events: Vec<RoundEvent> = self.trade_events(org_id, &round_stream(round_id)).await?;
        let mut it = events.into_iter();
        let Some(RoundEvent::Opened(settings)) = it.next() else {
            return Err(field(
                "round_id",
                format!("R-BUY-1 ronda '{round_id}' no existe"),
            ));
        };
        let mut round = Round {
            settings,
            requests: Vec::new(),
            closed_on: None,
            plan: None,
            received: BTreeMap::new(),
            paid: BTreeMap::new(),
            picked: BTreeMap::new(),
            receipts: 0,
            pickups: 0,
            supplier_payments: 0,
            pickup_references: Default::default(),
            alone_recorded: false,
        };
        let mut alone = Vec::new();
        for e in it {
            match e {
                RoundEvent::Opened(_) => {}
                RoundEvent::Requested(r) => round.requests.push(PurchaseRequest {
                    member: r.member,
                    material: r.material,
                    quantity_units: r.quantity_units,
                    needed_by: r.needed_by,
                }),
                RoundEvent::Closed {
                    closed_on,
                    materials,
                } => {
                    round.closed_on = Some(closed_on);
                    round.plan = Some(RoundPlan {
                        round_id: round.settings.round_id.clone(),
                        currency: ledger::Currency::MXN,
                        materials: materials.iter().map(MaterialDto::to_plan).collect(),
                        alone: Vec::new(),
                    });
                }
                RoundEvent::AlonePriced { entries } => {
                    alone.extend(entries.iter().map(AloneDto::to_alone));
                    round.alone_recorded = true;
                }
                RoundEvent::Received { po_id, units, .. } => {
                    *round.received.entry(po_id).or_default() += units;
                    round.receipts += 1;
                }
                RoundEvent::SupplierPaid {
                    po_id,
                    amount_minor,
                    ..
                } => {
                    *round.paid.entry(po_id).or_default() += amount_minor;
                    round.supplier_payments += 1;
                }
                RoundEvent::PickedUp {
                    member,
                    material,
                    units,
                    reference,
                    ..
                } => {
                    *round.picked.entry((member, material)).or_default() += units;
                    round.pickups += 1;
                    round.pickup_references.insert(reference);
                }
            }
        }
        if let Some(plan) = &mut round.plan {
            plan.alone = alone;
        }
        Ok(round)
    }

    /// R-BUY-1: members' requests for an open round, all or nothing (at most
    /// [`super::MAX_TRADE_BATCH`]). A request after the round closed, a quantity of zero or
    /// absurd size, an unknown or inactive member: refused, naming the request and field.
    /// One request per member and material; repeating it with the same quantity is a no-op.
    pub async fn request_purchases(
        &self,
        org_id: OrgId,
        by: &Actor,
        round_id: &str,
        requests: Vec<RequestInput>,
    ) -> Result<usize, AppError> {
        retrying!("request_purchases", {
            if requests.is_empty() || requests.len() > super::MAX_TRADE_BATCH {
                return Err(field(
                    "requests",
                    format!("de 1 a {} solicitudes por llamada", super::MAX_TRADE_BATCH),
                ));
            }
            let round = self.round(org_id, round_id).await?;
            if round.closed_on.is_some() {
                return Err(field(
                    "round_id",
                    format!("R-BUY-1 la ronda '{round_id}' ya cerró: no admite solicitudes"),
                ));
            }
            let pure = PurchaseRound {
                requests: requests
                    .iter()
                    .map(|r| PurchaseRequest {
                        member: r.member,
                        material: r.material.clone(),
                        quantity_units: r.quantity_units,
                        needed_by: r.needed_by,
                    })
                    .collect(),
                ..round.pure()
            };
            purchase::aggregate_requests(&pure)?;
            let mut checked = std::collections::BTreeSet::new();
            for (i, r) in requests.iter().enumerate() {
                check_id("material", &r.material)?;
                if checked.insert(r.member) {
                    let m = self.store().member(org_id, r.member).await.map_err(|_| {
                        field(
                            "member",
                            format!(
                                "R-BUY-1 requests[{i}].member: el socio {} no existe",
                                r.member
                            ),
                        )
                    })?;
                    if !m.is_active_on(round.settings.order_date) {
                        return Err(field(
                            "member",
                            format!(
                                "R-BUY-1 requests[{i}].member: el socio {} no está activo",
                                r.member
                            ),
                        ));
                    }
                }
            }
            // Requests already recorded (a re-run) are skipped; the same member and material
            // with another quantity is a conflict naming them.
            let mut fresh = Vec::with_capacity(requests.len());
            for r in &requests {
                match round
                    .requests
                    .iter()
                    .find(|x| x.member == r.member && x.material == r.material)
                {
                    Some(x)
                        if x.quantity_units == r.quantity_units && x.needed_by == r.needed_by => {}
                    Some(_) => {
                        return Err(field(
                            "requests",
                            format!(
                                "R-BUY-1 el socio {} ya pidió {} en esta ronda con otra cantidad",
                                r.member, r.material
                            ),
                        ))
                    }
                    None => fresh.push(r),
                }
            }
            if fresh.is_empty() {
                return Ok(0);
            }
            let stream = round_stream(round_id);
            let mut events = Vec::with_capacity(fresh.len() + 1);
            for r in &fresh {
                events.push(event(
                    &stream,
                    "trade.round.requested",
                    format!("trade:round:{round_id}:request:{}:{}", r.member, r.material),
                    &RoundEvent::Requested((*r).clone()),
                    by,
                )?);
            }
            // The requests' slot: a close committed meanwhile took the same slot, so this batch
            // conflicts instead of landing in a closed round (and vice versa).
            events.push(slot(
                &format!("{stream}:requests"),
                round.requests.len(),
                &format!("requests:{}:{}", fresh[0].member, fresh[0].material),
                by,
            )?);
            let n = fresh.len();
            self.trade_commit(
                org_id,
                Commit {
                    events,
                    ..Commit::default()
                },
            )
            .await?;
            Ok(n)
        })
    }

    /// R-BUY-1: closes the round and optimises it: per material, suppliers and tiers at least
    /// total cost (a mixed-integer programme), each member charged the pooled unit cost, and
    /// each member's own quantity priced alone on the same lists (the saving's baseline,
    /// recorded with the close). The plan says whether it is proven optimal. An infeasible material names what to fix and
    /// nothing is written.
    pub async fn close_round(
        &self,
        org_id: OrgId,
        by: &Actor,
        round_id: &str,
        closed_on: NaiveDate,
    ) -> Result<RoundPlan, AppError> {
        retrying!("close_round", {
            let round = self.round(org_id, round_id).await?;
            if let Some(plan) = round.plan {
                return Ok(plan); // already closed: the stored plan
            }
            if round.requests.is_empty() {
                return Err(field(
                    "round_id",
                    format!("R-BUY-1 la ronda '{round_id}' no tiene solicitudes"),
                ));
            }
            let (_, lists) = self.trade_catalogue(org_id).await?;
            let settings = round.pure_settings();
            let pure = round.pure();
            let plan = tokio::task::spawn_blocking(move || {
                purchase::optimise_round(&lists, &pure, &settings)
            })
            .await
            .map_err(|e| AppError::Integrity(format!("optimiser task: {e}")))??;
            let stream = round_stream(round_id);
            let materials: Vec<MaterialDto> =
                plan.materials.iter().map(MaterialDto::from_plan).collect();
            let mut events = vec![event(
                &stream,
                "trade.round.closed",
                format!("trade:round:{round_id}:closed"),
                &RoundEvent::Closed {
                    closed_on,
                    materials,
                },
                by,
            )?];
            events.extend(alone_events(&stream, round_id, &plan.alone, by)?);
            // Takes the requests' next slot: a request batch committed meanwhile makes this
            // close conflict (nothing written), so the plan always covers every request.
            events.push(slot(
                &format!("{stream}:requests"),
                round.requests.len(),
                "closed",
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
            Ok(plan)
        })
    }

    fn find_po(round: &Round, po_id: &str) -> Result<PurchaseOrder, AppError> {
        round
            .purchase_orders()
            .into_iter()
            .find(|p| p.po_id == po_id)
            .ok_or_else(|| {
                field(
                    "po_id",
                    format!("R-BUY-2 orden de compra '{po_id}' no existe en la ronda"),
                )
            })
    }

    /// R-BUY-2: records goods received against a purchase order (partial deliveries allowed;
    /// more than ordered is refused). Inventory is valued at the order's exact cost.
    #[allow(clippy::too_many_arguments)]
    pub async fn receive_goods(
        &self,
        org_id: OrgId,
        by: &Actor,
        round_id: &str,
        po_id: &str,
        units: u32,
        date: NaiveDate,
        reference: &str,
    ) -> Result<(), AppError> {
        retrying!("receive_goods", {
            check_id("reference", reference)?;
            let key = format!("trade:round:{round_id}:receipt:{reference}");
            if self.trade_event_exists(org_id, &key).await? {
                return Ok(());
            }
            let round = self.round(org_id, round_id).await?;
            let po = Self::find_po(&round, po_id)?;
            let before = round.received.get(po_id).copied().unwrap_or(0);
            let receipt = capital::receive(&po, before, units, date, &key)?;
            let stream = round_stream(round_id);
            let events = vec![
                event(
                    &stream,
                    "trade.round.received",
                    key.clone(),
                    &RoundEvent::Received {
                        po_id: po_id.to_string(),
                        units,
                        date,
                        reference: reference.to_string(),
                    },
                    by,
                )?,
                slot(&format!("{stream}:receipts"), round.receipts, &key, by)?,
            ];
            self.trade_commit(
                org_id,
                Commit {
                    accounts: Self::trade_accounts([]),
                    events,
                    entries: vec![receipt.entry],
                },
            )
            .await?;
            Ok(())
        })
    }

    /// R-BUY-2: pays a supplier from the credit line or the Competition Sub-Fund (the latter
    /// under an approved board decision, never beyond the amount it approved). More than what
    /// is still owed on the order is refused.
    #[allow(clippy::too_many_arguments)]
    pub async fn pay_supplier(
        &self,
        org_id: OrgId,
        by: &Actor,
        round_id: &str,
        po_id: &str,
        amount_minor: i64,
        funding: Funding,
        date: NaiveDate,
        reference: &str,
    ) -> Result<(), AppError> {
        retrying!("pay_supplier", {
            check_id("reference", reference)?;
            let key = format!("trade:round:{round_id}:supplier-payment:{reference}");
            // R-BUY-2: the Sub-Fund's payment is the Fund's too; its book is read first.
            let fund = self.trade_fund_book(org_id, &funding).await?;
            if self.trade_event_exists(org_id, &key).await? {
                return Ok(());
            }
            let round = self.round(org_id, round_id).await?;
            let po = Self::find_po(&round, po_id)?;
            let paid = round.paid.get(po_id).copied().unwrap_or(0);
            if amount_minor > po.cost_minor - paid {
                return Err(trade::TradeError::AboveRemaining {
                    rule: "R-BUY-2",
                    field: "amount_minor",
                    requested: amount_minor,
                    remaining: po.cost_minor - paid,
                }
                .into());
            }
            let plan = self.trade_funding(org_id, &funding).await?;
            let lent = super::trade_lend_decision(fund.as_ref(), &key, amount_minor)?;
            let entry = capital::pay_supplier(
                &po,
                amount_minor,
                &plan.source,
                plan.used_minor,
                date,
                &key,
            )?;
            let mut events = vec![event(
                &round_stream(round_id),
                "trade.round.supplier-paid",
                key.clone(),
                &RoundEvent::SupplierPaid {
                    po_id: po_id.to_string(),
                    amount_minor,
                    funding: funding.clone(),
                    date,
                    reference: reference.to_string(),
                },
                by,
            )?];
            // Two payments checked against the same `paid` at once would together overpay the
            // order: both claim the same slot, and the store refuses the second (a conflict).
            events.push(slot(
                &format!("{}:supplier-payments", round_stream(round_id)),
                round.supplier_payments,
                &key,
                by,
            )?);
            events.extend(
                self.funding_events(org_id, &plan, &key, amount_minor, date, by)
                    .await?,
            );
            let mut accounts = Self::trade_accounts([]);
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

    /// R-BUY-2: a member picks up (part of) their request, charged at the pooled cost. They
    /// pay `pay_now_minor` at once (at most the value picked up, plus what they already owe
    /// on purchases); the rest is deducted from their next sales settlement. Picking up more
    /// than requested, or more than has been received, is refused.
    #[allow(clippy::too_many_arguments)]
    pub async fn pick_up(
        &self,
        org_id: OrgId,
        by: &Actor,
        round_id: &str,
        member: i64,
        material: &str,
        units: u32,
        pay_now_minor: i64,
        date: NaiveDate,
        reference: &str,
    ) -> Result<(), AppError> {
        let one = PickUpInput {
            member,
            material: material.to_string(),
            units,
            pay_now_minor,
            date,
            reference: reference.to_string(),
        };
        self.pick_ups(org_id, by, round_id, vec![one]).await?;
        Ok(())
    }

    /// R-BUY-2: a day's pick-ups (see [`App::pick_up`]) checked in order and recorded in one
    /// commit, all or nothing; references already recorded are skipped. Answers how many
    /// were recorded now.
    pub async fn pick_ups(
        &self,
        org_id: OrgId,
        by: &Actor,
        round_id: &str,
        pick_ups: Vec<PickUpInput>,
    ) -> Result<usize, AppError> {
        retrying!("pick_ups", {
            if pick_ups.len() > MAX_PICK_UPS {
                return Err(field(
                    "pick_ups",
                    format!("a lo más {MAX_PICK_UPS} entregas por registro"),
                ));
            }
            let mut references = std::collections::BTreeSet::new();
            for p in &pick_ups {
                check_id("reference", &p.reference)?;
                if p.pay_now_minor < 0 {
                    return Err(field("pay_now_minor", "R-BUY-2 no puede ser negativo"));
                }
                if !references.insert(p.reference.as_str()) {
                    return Err(field(
                        "reference",
                        format!("la referencia {} se repite", p.reference),
                    ));
                }
            }
            let mut round = self.round(org_id, round_id).await?;
            let charges = round
                .charges()?
                .ok_or_else(|| field("round_id", "R-BUY-2 la ronda aún no cierra"))?;
            let stream = round_stream(round_id);
            let mut entries = Vec::new();
            let mut events = Vec::new();
            let mut members = Vec::new();
            // What each member owes on purchases, read once and carried through the batch.
            let mut owed_by_member: BTreeMap<i64, i64> = BTreeMap::new();
            for p in pick_ups.clone() {
                if round.pickup_references.contains(&p.reference) {
                    continue;
                }
                let (member, material, units) = (p.member, p.material.as_str(), p.units);
                let key = format!("trade:round:{round_id}:pick-up:{}", p.reference);
                let charge = charges
                    .charges
                    .iter()
                    .find(|c| c.member == member && c.material == material)
                    .ok_or_else(|| {
                        field(
                            "member",
                            format!(
                                "R-BUY-2 el socio {member} no solicitó {material} en esta ronda"
                            ),
                        )
                    })?;
                let picked = (member, material.to_string());
                let before = round.picked.get(&picked).copied().unwrap_or(0);
                let pickup = capital::pick_up(charge, before, units, p.date, &key)?;
                let available = round
                    .units_received(material)
                    .saturating_sub(round.units_picked(material));
                if units as u64 > available {
                    return Err(trade::TradeError::AboveRemaining {
                        rule: "R-BUY-2",
                        field: "units",
                        requested: units as i64,
                        remaining: available as i64,
                    }
                    .into());
                }
                let owed = match owed_by_member.get(&member) {
                    Some(&owed) => owed,
                    None => {
                        let receivable =
                            trade::accounts::codes::member_purchases_receivable(member);
                        self.trade_balance(org_id, &receivable).await?
                    }
                } + pickup.value_minor;
                entries.push(pickup.entry);
                if p.pay_now_minor > 0 {
                    entries.push(capital::member_pays(
                        member,
                        p.pay_now_minor,
                        owed,
                        p.date,
                        &format!("{key}:payment"),
                    )?);
                }
                owed_by_member.insert(member, owed - p.pay_now_minor);
                events.push(event(
                    &stream,
                    "trade.round.picked-up",
                    key.clone(),
                    &RoundEvent::PickedUp {
                        member,
                        material: material.to_string(),
                        units,
                        date: p.date,
                        paid_minor: p.pay_now_minor,
                        reference: p.reference.clone(),
                    },
                    by,
                )?);
                events.push(slot(
                    &format!("{stream}:pick-ups"),
                    round.pickups,
                    &key,
                    by,
                )?);
                *round.picked.entry(picked).or_default() += units;
                round.pickups += 1;
                round.pickup_references.insert(p.reference);
                members.push(member);
            }
            let recorded = members.len();
            if recorded == 0 {
                return Ok(0);
            }
            members.sort_unstable();
            members.dedup();
            self.trade_commit(
                org_id,
                Commit {
                    accounts: Self::trade_accounts(members),
                    events,
                    entries,
                },
            )
            .await?;
            Ok(recorded)
        })
    }

    /// R-BUY-2: the ODF repays working capital to the credit line or the Competition
    /// Sub-Fund from its bank account, once members have paid.
    pub async fn repay_working_capital(
        &self,
        org_id: OrgId,
        by: &Actor,
        funding: Funding,
        amount_minor: i64,
        date: NaiveDate,
        reference: &str,
    ) -> Result<(), AppError> {
        retrying!("repay_working_capital", {
            check_id("reference", reference)?;
            let key = format!("trade:capital:repayment:{reference}");
            let source = match &funding {
                Funding::CreditLine { lender } => {
                    check_id("lender", lender)?;
                    trade::capital::FundingSource::CreditLine {
                        lender_code: lender.clone(),
                    }
                }
                Funding::CompetitionSubFund { decision_id } => {
                    trade::capital::FundingSource::CompetitionSubFund {
                        decision: trade::capital::BoardDecision {
                            decision_id: decision_id.to_string(),
                            approved_minor: 0,
                        },
                    }
                }
            };
            // R-BUY-2: a repayment to the Sub-Fund is the Fund's too; its book is read first.
            let fund = self.trade_fund_book(org_id, &funding).await?;
            if self.trade_event_exists(org_id, &key).await? {
                return Ok(());
            }
            // The line: through the one gate (R-CRED-4: at most what is drawn; the line is freed
            // by as much). The Sub-Fund: at most what the ODF owes it.
            let mut events = Vec::new();
            let mut recovered = None;
            match &funding {
                Funding::CreditLine { lender } => {
                    events = self
                        .line_gate(
                            org_id,
                            by,
                            lender,
                            crate::credit_cases::LineMovement::Repay(amount_minor),
                            date,
                            &key,
                        )
                        .await?;
                }
                Funding::CompetitionSubFund { .. } => {
                    let owed_account = trade::accounts::codes::payable_fund_competition();
                    let owed = -self.trade_balance(org_id, &owed_account).await?;
                    if amount_minor > owed {
                        return Err(trade::TradeError::AboveRemaining {
                            rule: "R-BUY-2",
                            field: "amount_minor",
                            requested: amount_minor,
                            remaining: owed.max(0),
                        }
                        .into());
                    }
                    // The Fund takes back what its book says it lent (R-BUY-2); working
                    // capital lent before the Fund recorded its lending (no event) only brings
                    // the ledger's trust cash back up to the Fund's figure.
                    if let Some(book) = &fund {
                        let known = amount_minor.min(book.state.working_capital_minor);
                        if known > 0 {
                            recovered =
                                Some(fund::recover_working_capital(&book.state, &key, known)?);
                        }
                    }
                }
            }
            let entry = capital::repay_source(&source, amount_minor, date, &key)?;
            let mut accounts = Self::trade_accounts([]);
            if let Funding::CreditLine { lender } = &funding {
                accounts.extend(ledger::Account::lender_accounts(lender));
            }
            #[derive(Serialize)]
            struct Repaid<'a> {
                funding: &'a Funding,
                amount_minor: i64,
                date: NaiveDate,
            }
            events.insert(
                0,
                event(
                    "trade-capital",
                    "trade.capital.repaid",
                    key.clone(),
                    &Repaid {
                        funding: &funding,
                        amount_minor,
                        date,
                    },
                    by,
                )?,
            );
            let mut commit = Commit {
                accounts,
                events,
                entries: vec![entry],
            };
            if let (Some(book), Some(recovered)) = (&fund, &recovered) {
                super::add_fund_side(&mut commit, book, &key, recovered, by)?;
            }
            self.trade_commit(org_id, commit).await?;
            Ok(())
        })
    }
}
