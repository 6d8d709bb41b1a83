//! Pooled purchasing (R-BUY-1): members' requests for a round are aggregated per material and
//! bought at least total cost, then each member is charged the pooled unit cost.
//!
//! # The optimiser and its f64 boundary
//!
//! Each material is an independent mixed-integer programme (there are no cross-material
//! constraints), over suppliers × tiers, never over members: requests are summed first.
//! For supplier `s` with usable quantity bound `U_s`:
//!
//! - all-units pricing: a binary `y_sk` per tier and integer `x_sk` with
//!   `max(lo_k, min_order)·y_sk <= x_sk <= min(hi_k, U_s)·y_sk`, `Σ_k y_sk <= 1`,
//!   cost `Σ_k p_k·x_sk`;
//! - incremental pricing: a binary `z_sk` "tier k is reached" and integer `u_sk` units inside
//!   tier `k` of width `w_k`, with `u_sk <= w_k·z_sk`, `u_sk >= w_k·z_s(k+1)`,
//!   `z_s(k+1) <= z_sk`, `Σ_k u_sk >= min_order·z_s0`, cost `Σ_k p_k·u_sk`;
//! - demand: `Σ_s q_s = D`, or `>= D` when buying up to a better tier is allowed
//!   ([`RoundSettings::allow_buy_up`], a setting, default allowed; the surplus becomes ODF stock).
//!
//! `U_s` is the supplier's capacity capped at the largest quantity that can be useful:
//! `D` without buy-up; with buy-up `max(D, min_order, largest tier start)` for all-units and
//! `max(D, min_order)` for incremental (buying beyond that only adds cost).
//!
//! The solver (`good_lp` + `microlp`) works in `f64`. Only this module touches `f64`: exact
//! integer quantities and prices go in, and the solution's quantities are rounded back to
//! integers, re-checked exactly (tiers, minimum orders, capacities, demand) and **every cost is
//! recomputed in integer minor units** by [`ValidPriceList::cost_minor`]. No money computed in
//! `f64` is ever reported. A solution that fails the exact re-check is an error, not a result.
//! If a time limit stops the solver, the plan says [`SolveStatus::LimitReached`], never
//! [`SolveStatus::Optimal`].
//!
//! # The saving: what each member would have paid alone
//!
//! A member's saving is measured against the least cost at which they could have bought their
//! own quantity of the material alone ([`price_alone`]): the same optimiser on the same price
//! lists, with the member's own total as the demand and their own earliest date as the
//! deadline, so tiers (all-units and incremental), minimum orders, capacities and buying up to
//! a better tier (when the round's setting allows it) are treated exactly as in the pooled
//! purchase. With buying up allowed, a member below a supplier's minimum order may reach it by
//! buying more, as the pooled purchase may; the alone cost then includes those extra units. A
//! member whose quantity no supplier nor combination of suppliers serves alone
//! *could not buy alone* ([`MemberAlone::quote`] is `None`) and has no saving figure.

use crate::alloc::largest_remainder;
use crate::supplier::{Pricing, ValidPriceList, MAX_UNITS};
use crate::{Infeasibility, MemberId, TradeError};
use chrono::NaiveDate;
use good_lp::{
    constraint, microlp, variable, Constraint, Expression, ProblemVariables, ResolutionError,
    Solution, SolutionStatus, SolverModel, Variable, WithTimeLimit,
};
use ledger::Currency;
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// Most requests one round may hold.
pub const MAX_REQUESTS_PER_ROUND: usize = 1_000_000;

/// One member's request for a material in a round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurchaseRequest {
    pub member: MemberId,
    pub material: String,
    pub quantity_units: u32,
    pub needed_by: NaiveDate,
}

/// A purchasing round: the requests pooled into one purchase, ordered on `order_date`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurchaseRound {
    pub round_id: String,
    pub order_date: NaiveDate,
    pub currency: Currency,
    pub requests: Vec<PurchaseRequest>,
}

/// Per-organisation settings of R-BUY-1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RoundSettings {
    /// (setting, default `true`) buy more than requested when a better tier makes the total
    /// cheaper; the surplus is kept as ODF stock.
    pub allow_buy_up: bool,
    /// Optional solver time limit per material, in seconds. `None` (default) solves to proven
    /// optimality. A stop at the limit is reported as [`SolveStatus::LimitReached`].
    pub time_limit_seconds: Option<f64>,
}

impl Default for RoundSettings {
    fn default() -> Self {
        RoundSettings {
            allow_buy_up: true,
            time_limit_seconds: None,
        }
    }
}

/// Whether the optimiser proved the plan optimal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SolveStatus {
    /// Proven least total cost.
    Optimal,
    /// A feasible plan, but a solver limit stopped the search before proving optimality.
    LimitReached,
}

/// The demand of one material in a round, all requests summed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaterialDemand {
    pub material: String,
    pub demand_units: u64,
    pub earliest_needed_by: NaiveDate,
}

/// What to order from one supplier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupplierOrder {
    pub supplier: String,
    pub quantity_units: u32,
    /// The tier the quantity falls in (for incremental pricing: the highest tier reached).
    pub tier_index: usize,
    /// Exact cost in minor units, from the price list, never from the solver.
    pub cost_minor: i64,
}

/// The plan for one material.
#[derive(Debug, Clone, PartialEq)]
pub struct MaterialPlan {
    pub material: String,
    pub demand_units: u64,
    pub bought_units: u64,
    /// Bought beyond the demand to reach a cheaper tier; kept as ODF stock.
    pub surplus_units: u64,
    pub orders: Vec<SupplierOrder>,
    pub total_cost_minor: i64,
    /// `total_cost_minor / bought_units`, for display only; charges use exact allocation.
    pub pooled_unit_cost_minor: Decimal,
    pub status: SolveStatus,
}

/// The least-cost purchase of one member's quantity alone (R-BUY-1 saving baseline).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AloneQuote {
    /// What the member would have ordered, from which suppliers and tiers.
    pub orders: Vec<SupplierOrder>,
    /// At least the member's units; more when buying up was cheaper or reached a minimum order.
    pub bought_units: u64,
    /// Exact cost in minor units, from the price lists.
    pub cost_minor: i64,
    pub status: SolveStatus,
}

/// What one member would have paid buying their own quantity of one material alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberAlone {
    pub member: MemberId,
    pub material: String,
    /// The member's units of the material in the round (all their requests of it).
    pub units: u64,
    /// `None`: no supplier, nor combination of suppliers, serves that quantity alone (tiers,
    /// minimum orders, capacities, lead times): the member could not buy alone.
    pub quote: Option<AloneQuote>,
}

/// The plan for a whole round, one entry per material in code order.
#[derive(Debug, Clone, PartialEq)]
pub struct RoundPlan {
    pub round_id: String,
    pub currency: Currency,
    pub materials: Vec<MaterialPlan>,
    /// What each member would have paid alone, per material, in (material, member) order.
    pub alone: Vec<MemberAlone>,
}

impl RoundPlan {
    /// True only if every material's plan, and every member's cost alone, is proven optimal.
    pub fn is_optimal(&self) -> bool {
        self.materials
            .iter()
            .all(|m| m.status == SolveStatus::Optimal)
            && self
                .alone
                .iter()
                .filter_map(|a| a.quote.as_ref())
                .all(|q| q.status == SolveStatus::Optimal)
    }

    pub fn total_cost_minor(&self) -> Option<i64> {
        self.materials
            .iter()
            .try_fold(0i64, |acc, m| acc.checked_add(m.total_cost_minor))
    }

    pub fn material(&self, material: &str) -> Option<&MaterialPlan> {
        self.materials.iter().find(|m| m.material == material)
    }
}

/// Sums requests per material, checking each request (R-BUY-1).
pub fn aggregate_requests(round: &PurchaseRound) -> Result<Vec<MaterialDemand>, TradeError> {
    if round.requests.len() > MAX_REQUESTS_PER_ROUND {
        return Err(TradeError::BadRequest {
            index: MAX_REQUESTS_PER_ROUND,
            field: "requests",
            reason: "too many requests in one round",
        });
    }
    let mut by_material: BTreeMap<&str, (u64, NaiveDate)> = BTreeMap::new();
    for (index, r) in round.requests.iter().enumerate() {
        let bad = |field, reason| TradeError::BadRequest {
            index,
            field,
            reason,
        };
        if r.material.trim().is_empty() {
            return Err(bad("material", "must not be empty"));
        }
        if r.quantity_units == 0 {
            return Err(bad("quantity_units", "must be at least one unit"));
        }
        if r.quantity_units > MAX_UNITS {
            return Err(bad("quantity_units", "above the largest quantity handled"));
        }
        if r.needed_by < round.order_date {
            return Err(bad("needed_by", "is before the order date"));
        }
        let slot = by_material
            .entry(r.material.as_str())
            .or_insert((0, r.needed_by));
        slot.0 += r.quantity_units as u64;
        slot.1 = slot.1.min(r.needed_by);
        if slot.0 > MAX_UNITS as u64 {
            return Err(bad(
                "quantity_units",
                "the material's total is above the largest quantity handled",
            ));
        }
    }
    Ok(by_material
        .into_iter()
        .map(
            |(material, (demand_units, earliest_needed_by))| MaterialDemand {
                material: material.to_string(),
                demand_units,
                earliest_needed_by,
            },
        )
        .collect())
}

/// Plans the whole round: each material solved on its own (R-BUY-1).
pub fn optimise_round(
    price_lists: &[ValidPriceList],
    round: &PurchaseRound,
    settings: &RoundSettings,
) -> Result<RoundPlan, TradeError> {
    let demands = aggregate_requests(round)?;
    let mut by_material: BTreeMap<&str, Vec<&ValidPriceList>> = BTreeMap::new();
    for list in price_lists {
        by_material.entry(list.material()).or_default().push(list);
    }
    let mut materials = Vec::with_capacity(demands.len());
    for demand in &demands {
        let lists = by_material
            .get(demand.material.as_str())
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        materials.push(optimise_material(
            demand,
            lists,
            round.order_date,
            round.currency,
            settings,
        )?);
    }
    Ok(RoundPlan {
        round_id: round.round_id.clone(),
        currency: round.currency,
        materials,
        alone: price_alone(price_lists, round, settings)?,
    })
}

/// What each member would have paid buying their own quantity of each material alone (R-BUY-1
/// saving baseline): per member and material, the least total cost found by
/// [`optimise_material`] for the member's units (all their requests of it summed), due by
/// their earliest `needed_by`, on the same price lists and settings as the pooled purchase.
/// A quantity nothing serves alone gives `quote: None` (could not buy alone); any other error
/// (solver, currency, overflow) is returned. In (material, member) order.
pub fn price_alone(
    price_lists: &[ValidPriceList],
    round: &PurchaseRound,
    settings: &RoundSettings,
) -> Result<Vec<MemberAlone>, TradeError> {
    aggregate_requests(round)?;
    let mut wanted: BTreeMap<(&str, MemberId), (u64, NaiveDate)> = BTreeMap::new();
    for r in &round.requests {
        let slot = wanted
            .entry((r.material.as_str(), r.member))
            .or_insert((0, r.needed_by));
        slot.0 += r.quantity_units as u64;
        slot.1 = slot.1.min(r.needed_by);
    }
    let mut by_material: BTreeMap<&str, Vec<&ValidPriceList>> = BTreeMap::new();
    for list in price_lists {
        by_material.entry(list.material()).or_default().push(list);
    }
    // The answer depends on the material, the units and which lists deliver in time: members
    // alike in those are solved once.
    let mut solved: BTreeMap<(&str, u64, Vec<usize>), Option<AloneQuote>> = BTreeMap::new();
    let mut alone = Vec::with_capacity(wanted.len());
    for ((material, member), (units, needed_by)) in wanted {
        let lists = by_material.get(material).map(Vec::as_slice).unwrap_or(&[]);
        let in_time: Vec<usize> = (0..lists.len())
            .filter(|&i| lists[i].delivers_by(round.order_date, needed_by))
            .collect();
        let key = (material, units, in_time);
        let quote = match solved.get(&key) {
            Some(q) => q.clone(),
            None => {
                let demand = MaterialDemand {
                    material: material.to_string(),
                    demand_units: units,
                    earliest_needed_by: needed_by,
                };
                let q = match optimise_material(
                    &demand,
                    lists,
                    round.order_date,
                    round.currency,
                    settings,
                ) {
                    Ok(plan) => Some(AloneQuote {
                        orders: plan.orders,
                        bought_units: plan.bought_units,
                        cost_minor: plan.total_cost_minor,
                        status: plan.status,
                    }),
                    Err(TradeError::Infeasible { .. }) => None,
                    Err(other) => return Err(other),
                };
                solved.insert(key, q.clone());
                q
            }
        };
        alone.push(MemberAlone {
            member,
            material: material.to_string(),
            units,
            quote,
        });
    }
    Ok(alone)
}

/// A supplier that may be used for this material, with its useful quantity bound.
struct Candidate<'a> {
    list: &'a ValidPriceList,
    bound_units: u32,
}

enum SupplierVars {
    /// (tier index, binary "this tier", integer units)
    AllUnits(Vec<(usize, Variable, Variable)>),
    /// (tier index, binary "tier reached", integer units inside the tier)
    Incremental(Vec<(usize, Variable, Variable)>),
}

/// Solves one material to least total cost (R-BUY-1) as a mixed-integer programme.
pub fn optimise_material(
    demand: &MaterialDemand,
    lists: &[&ValidPriceList],
    order_date: NaiveDate,
    currency: Currency,
    settings: &RoundSettings,
) -> Result<MaterialPlan, TradeError> {
    let material = demand.material.as_str();
    let infeasible = |reason| TradeError::Infeasible {
        material: material.to_string(),
        reason,
    };
    let d = demand.demand_units;
    if d == 0 || d > MAX_UNITS as u64 {
        return Err(TradeError::BadRequest {
            index: 0,
            field: "demand_units",
            reason: "must be between one unit and the largest quantity handled",
        });
    }
    let valid: Vec<&ValidPriceList> = lists
        .iter()
        .copied()
        .filter(|l| l.material() == material && l.valid_on(order_date))
        .collect();
    if valid.is_empty() {
        return Err(infeasible(Infeasibility::NoPriceList));
    }
    let mut in_time: Vec<&ValidPriceList> = valid
        .into_iter()
        .filter(|l| l.delivers_by(order_date, demand.earliest_needed_by))
        .collect();
    if in_time.is_empty() {
        return Err(infeasible(Infeasibility::NoSupplierInTime {
            earliest_needed_by: demand.earliest_needed_by,
        }));
    }
    in_time.sort_by(|a, b| a.supplier().cmp(b.supplier()));
    if let Some(other) = in_time.iter().find(|l| l.currency() != currency) {
        return Err(TradeError::CurrencyMismatch {
            material: material.to_string(),
            expected: currency,
            found: other.currency(),
        });
    }
    let available_units: u64 = in_time
        .iter()
        .map(|l| l.max_units().unwrap_or(MAX_UNITS) as u64)
        .sum();
    if available_units < d {
        return Err(infeasible(Infeasibility::NotEnough {
            available_units,
            needed_units: d,
        }));
    }

    let d32 = d as u32; // d <= MAX_UNITS, checked above.
    let candidates: Vec<Candidate> = in_time
        .iter()
        .filter_map(|&list| {
            let capacity = list.max_units().unwrap_or(MAX_UNITS);
            let useful = if settings.allow_buy_up {
                let tier_start = match list.pricing() {
                    Pricing::AllUnits => list.tiers().last().map_or(1, |t| t.from_units),
                    Pricing::Incremental => 1,
                };
                d32.max(list.min_order_units()).max(tier_start)
            } else {
                d32
            };
            let bound_units = capacity.min(useful);
            (bound_units >= list.min_order_units().max(1))
                .then_some(Candidate { list, bound_units })
        })
        .collect();
    if candidates.is_empty() {
        return Err(infeasible(Infeasibility::NoCombination));
    }

    // ---- f64 boundary: build and solve the MILP ----
    let mut vars = ProblemVariables::new();
    let mut objective = Expression::from(0.0);
    let mut constraints: Vec<Constraint> = Vec::new();
    let mut total_units = Expression::from(0.0);
    let mut per_supplier: Vec<SupplierVars> = Vec::with_capacity(candidates.len());
    for c in &candidates {
        let min_order = c.list.min_order_units();
        let tiers = c.list.tiers();
        match c.list.pricing() {
            Pricing::AllUnits => {
                let mut tv = Vec::new();
                let mut one_tier = Expression::from(0.0);
                for (k, t) in tiers.iter().enumerate() {
                    let lo = t.from_units.max(min_order);
                    let hi = t.to_units.unwrap_or(MAX_UNITS).min(c.bound_units);
                    if lo > hi {
                        continue;
                    }
                    let y = vars.add(variable().binary());
                    let x = vars.add(variable().integer().min(0).max(hi as f64));
                    constraints.push(constraint!(x <= (hi as f64) * y));
                    constraints.push(constraint!(x >= (lo as f64) * y));
                    one_tier += y;
                    objective += (t.unit_price_minor as f64) * x;
                    total_units += x;
                    tv.push((k, y, x));
                }
                constraints.push(constraint!(one_tier <= 1.0));
                per_supplier.push(SupplierVars::AllUnits(tv));
            }
            Pricing::Incremental => {
                let mut tv: Vec<(usize, Variable, Variable)> = Vec::new();
                let mut units = Expression::from(0.0);
                for (k, t) in tiers.iter().enumerate() {
                    if t.from_units > c.bound_units {
                        break;
                    }
                    let hi = t.to_units.unwrap_or(MAX_UNITS).min(c.bound_units);
                    let width = (hi - t.from_units + 1) as f64;
                    let z = vars.add(variable().binary());
                    let u = vars.add(variable().integer().min(0).max(width));
                    constraints.push(constraint!(u <= width * z));
                    if let Some(&(_, z_prev, u_prev)) = tv.last() {
                        // Tier k is entered only once tier k-1 is full.
                        let prev_width = (tiers[k - 1].to_units.unwrap_or(MAX_UNITS)
                            - tiers[k - 1].from_units
                            + 1) as f64;
                        constraints.push(constraint!(u_prev >= prev_width * z));
                        constraints.push(constraint!(z <= z_prev));
                    }
                    objective += (t.unit_price_minor as f64) * u;
                    units += u;
                    tv.push((k, z, u));
                }
                if let Some(&(_, z0, _)) = tv.first() {
                    constraints.push(constraint!(units.clone() >= (min_order as f64) * z0));
                }
                total_units += units;
                per_supplier.push(SupplierVars::Incremental(tv));
            }
        }
    }
    if settings.allow_buy_up {
        constraints.push(constraint!(total_units >= d as f64));
    } else {
        constraints.push(constraint!(total_units == d as f64));
    }
    let mut model = vars.minimise(objective).using(microlp);
    if let Some(seconds) = settings.time_limit_seconds {
        model = model.with_time_limit(seconds);
    }
    for c in constraints {
        model = model.with(c);
    }
    let solution = match model.solve() {
        Ok(s) => s,
        Err(ResolutionError::Infeasible) => return Err(infeasible(Infeasibility::NoCombination)),
        Err(other) => {
            return Err(TradeError::Solver {
                material: material.to_string(),
                message: other.to_string(),
            })
        }
    };
    let status = match solution.status() {
        SolutionStatus::Optimal => SolveStatus::Optimal,
        _ => SolveStatus::LimitReached,
    };
    // ---- back to exact integers ----
    let whole = |v: Variable| -> Result<u32, TradeError> {
        let value = solution.value(v).round();
        if !(0.0..=MAX_UNITS as f64).contains(&value) {
            return Err(TradeError::Solver {
                material: material.to_string(),
                message: format!("solution value {value} out of range"),
            });
        }
        Ok(value as u32)
    };
    let mut orders = Vec::new();
    let mut bought: u64 = 0;
    let mut total_cost: i64 = 0;
    for (c, sv) in candidates.iter().zip(&per_supplier) {
        let mut units: u32 = 0;
        let tv = match sv {
            SupplierVars::AllUnits(tv) | SupplierVars::Incremental(tv) => tv,
        };
        for &(_, _, x) in tv {
            units += whole(x)?;
        }
        if units == 0 {
            continue;
        }
        let check = |ok: bool, what: &str| -> Result<(), TradeError> {
            if ok {
                Ok(())
            } else {
                Err(TradeError::Solver {
                    material: material.to_string(),
                    message: format!("exact re-check failed for {}: {what}", c.list.supplier()),
                })
            }
        };
        check(
            c.list.can_supply(units),
            "quantity outside tiers or below minimum order",
        )?;
        check(units <= c.bound_units, "quantity above bound")?;
        let cost = c.list.cost_minor(units).ok_or(TradeError::Overflow {
            field: "cost_minor",
        })?;
        let tier_index = c.list.tier_index(units).ok_or(TradeError::Overflow {
            field: "tier_index",
        })?;
        total_cost = total_cost.checked_add(cost).ok_or(TradeError::Overflow {
            field: "total_cost_minor",
        })?;
        bought += units as u64;
        orders.push(SupplierOrder {
            supplier: c.list.supplier().to_string(),
            quantity_units: units,
            tier_index,
            cost_minor: cost,
        });
    }
    let demand_met = if settings.allow_buy_up {
        bought >= d
    } else {
        bought == d
    };
    if !demand_met {
        return Err(TradeError::Solver {
            material: material.to_string(),
            message: format!("exact re-check failed: {bought} units bought for {d} needed"),
        });
    }
    Ok(MaterialPlan {
        material: material.to_string(),
        demand_units: d,
        bought_units: bought,
        surplus_units: bought - d,
        orders,
        total_cost_minor: total_cost,
        pooled_unit_cost_minor: Decimal::from(total_cost) / Decimal::from(bought),
        status,
    })
}

/// What one request is charged (R-BUY-1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestCharge {
    /// Index of the request in [`PurchaseRound::requests`].
    pub request_index: usize,
    pub member: MemberId,
    pub material: String,
    pub quantity_units: u32,
    /// The pooled charge: the material's total cost split by units, largest remainder.
    pub charge_minor: i64,
}

/// Units bought beyond the demand, kept as ODF stock at their share of the cost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockLine {
    pub material: String,
    pub units: u64,
    pub value_minor: i64,
}

/// The charges of a round: per request, plus the ODF's surplus stock. For each material,
/// charges plus the stock value equal the material's total cost exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundCharges {
    pub round_id: String,
    pub charges: Vec<RequestCharge>,
    pub odf_stock: Vec<StockLine>,
}

/// Charges each request the pooled unit cost (R-BUY-1): the material's total cost is split over
/// the requested units and the surplus units in proportion, by largest remainder, so the parts
/// add up to the total to the centavo. The saving against buying alone is
/// [`crate::report::savings_by_member`].
pub fn charge_members(round: &PurchaseRound, plan: &RoundPlan) -> Result<RoundCharges, TradeError> {
    let mut by_material: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, r) in round.requests.iter().enumerate() {
        by_material.entry(r.material.as_str()).or_default().push(i);
    }
    let mut charges = Vec::with_capacity(round.requests.len());
    let mut odf_stock = Vec::new();
    for m in &plan.materials {
        let indices = by_material
            .get(m.material.as_str())
            .ok_or(TradeError::Invalid {
                rule: "R-BUY-1",
                field: "plan.materials",
                reason: "the plan names a material no request asked for",
            })?;
        let mut weights: Vec<u64> = indices
            .iter()
            .map(|&i| round.requests[i].quantity_units as u64)
            .collect();
        if weights.iter().sum::<u64>() != m.demand_units {
            return Err(TradeError::Invalid {
                rule: "R-BUY-1",
                field: "plan.demand_units",
                reason: "the plan does not match the round's requests",
            });
        }
        weights.push(m.surplus_units);
        let parts =
            largest_remainder(m.total_cost_minor, &weights).ok_or(TradeError::Overflow {
                field: "charge_minor",
            })?;
        for (&i, &charge) in indices.iter().zip(&parts) {
            let r = &round.requests[i];
            charges.push(RequestCharge {
                request_index: i,
                member: r.member,
                material: r.material.clone(),
                quantity_units: r.quantity_units,
                charge_minor: charge,
            });
        }
        if m.surplus_units > 0 {
            odf_stock.push(StockLine {
                material: m.material.clone(),
                units: m.surplus_units,
                value_minor: parts[parts.len() - 1],
            });
        }
    }
    charges.sort_by_key(|c| c.request_index);
    Ok(RoundCharges {
        round_id: round.round_id.clone(),
        charges,
        odf_stock,
    })
}
