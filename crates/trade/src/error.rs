//! Everything this crate refuses, naming the field, the item and the rule at fault.

use ledger::LedgerError;

/// Why a material cannot be bought in a round (R-BUY-1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Infeasibility {
    /// No price list for the material is valid on the order date.
    NoPriceList,
    /// Every valid supplier's lead time ends after the earliest needed date.
    NoSupplierInTime {
        earliest_needed_by: chrono::NaiveDate,
    },
    /// The suppliers that can deliver in time cannot supply enough units together.
    NotEnough {
        available_units: u64,
        needed_units: u64,
    },
    /// Capacities and minimum orders admit no combination covering the demand (for example,
    /// every minimum order exceeds the demand and buying up is not allowed).
    NoCombination,
}

impl std::fmt::Display for Infeasibility {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Infeasibility::NoPriceList => f.write_str("no price list valid on the order date"),
            Infeasibility::NoSupplierInTime { earliest_needed_by } => {
                write!(f, "no supplier can deliver by {earliest_needed_by}")
            }
            Infeasibility::NotEnough {
                available_units,
                needed_units,
            } => write!(
                f,
                "suppliers that deliver in time offer {available_units} units, {needed_units} needed"
            ),
            Infeasibility::NoCombination => f.write_str(
                "no combination of suppliers meets the minimum orders and capacities",
            ),
        }
    }
}

/// The crate's error type. Messages name the rule (R-BUY-1 ...) and the field.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TradeError {
    // --- price lists (R-BUY-1) ---
    #[error("R-BUY-1 price list {supplier}/{material}: tiers: at least one tier is needed")]
    NoTiers { supplier: String, material: String },
    #[error(
        "R-BUY-1 price list {supplier}/{material}: tiers[0].from_units must be 1, got {from_units}"
    )]
    FirstTierStart {
        supplier: String,
        material: String,
        from_units: u32,
    },
    #[error("R-BUY-1 price list {supplier}/{material}: tiers[{tier}].to_units ({to_units}) is below from_units ({from_units})")]
    TierBounds {
        supplier: String,
        material: String,
        tier: usize,
        from_units: u32,
        to_units: u32,
    },
    #[error("R-BUY-1 price list {supplier}/{material}: tiers[{tier}].from_units is {from_units}, leaving a gap after {previous_to} (expected {expected})")]
    TierGap {
        supplier: String,
        material: String,
        tier: usize,
        from_units: u32,
        previous_to: u32,
        expected: u32,
    },
    #[error("R-BUY-1 price list {supplier}/{material}: tiers[{tier}].from_units is {from_units}, overlapping the previous tier up to {previous_to}")]
    TierOverlap {
        supplier: String,
        material: String,
        tier: usize,
        from_units: u32,
        previous_to: u32,
    },
    #[error("R-BUY-1 price list {supplier}/{material}: tiers[{tier}].to_units is open but the tier is not the last")]
    OpenTierNotLast {
        supplier: String,
        material: String,
        tier: usize,
    },
    #[error("R-BUY-1 price list {supplier}/{material}: tiers[{tier}].unit_price_minor must be positive, got {price_minor}")]
    TierPrice {
        supplier: String,
        material: String,
        tier: usize,
        price_minor: i64,
    },
    #[error("R-BUY-1 price list {supplier}/{material}: {field}: {reason}")]
    PriceListField {
        supplier: String,
        material: String,
        field: &'static str,
        reason: &'static str,
    },

    // --- purchasing rounds (R-BUY-1) ---
    #[error("R-BUY-1 requests[{index}].{field}: {reason}")]
    BadRequest {
        index: usize,
        field: &'static str,
        reason: &'static str,
    },
    #[error("R-BUY-1 material {material}: cannot be bought: {reason}")]
    Infeasible {
        material: String,
        reason: Infeasibility,
    },
    #[error("R-BUY-1 material {material}: solver failed: {message}")]
    Solver { material: String, message: String },
    #[error("R-BUY-1 material {material}: price lists are in {found}, the round is in {expected}")]
    CurrencyMismatch {
        material: String,
        expected: ledger::Currency,
        found: ledger::Currency,
    },

    // --- working capital, receipts, pick-ups (R-BUY-2) ---
    #[error("R-BUY-2 {field}: {requested_minor} exceeds the {limit_minor} approved by board decision {decision_id}")]
    AboveBoardApproval {
        field: &'static str,
        decision_id: String,
        requested_minor: i64,
        limit_minor: i64,
    },
    #[error("{rule} {field}: {requested} exceeds what remains ({remaining})")]
    AboveRemaining {
        rule: &'static str,
        field: &'static str,
        requested: i64,
        remaining: i64,
    },

    // --- consolidated sales (R-SELL-1) and outlets (R-SELL-2) ---
    #[error("R-SELL-1 order {order}: no member qualifies for product {product} at grade {grade}")]
    NoQualifiedMembers {
        order: String,
        product: String,
        grade: String,
    },
    #[error("R-SELL-1 order {order}: qualified members declare {capacity_units} units, the order needs {quantity_units}")]
    InsufficientCapacity {
        order: String,
        capacity_units: u64,
        quantity_units: u64,
    },
    #[error("R-SELL-1 order {order}: capacities and minimum lots admit no split")]
    NoFeasibleSplit { order: String },
    #[error("R-SELL-1 member {member}: delivery of {delivered_units} units is above the {assigned_units} assigned (already delivered {previously_delivered_units})")]
    OverDelivery {
        member: i64,
        assigned_units: u64,
        previously_delivered_units: u64,
        delivered_units: u64,
    },
    #[error("R-SELL-1 member {member}: member has no assignment in this order")]
    NotAssigned { member: i64 },
    #[error("{rule} {field}: {reason}")]
    Invalid {
        rule: &'static str,
        field: &'static str,
        reason: &'static str,
    },
    #[error("R-SELL-1 payment of {payment_minor} is above the {outstanding_minor} still owed on the invoice")]
    PaymentAboveInvoice {
        payment_minor: i64,
        outstanding_minor: i64,
    },
    #[error("R-SELL-2 member {member} product {product}: {requested_units} units sold but only {on_hand_units} on consignment")]
    ConsignmentShort {
        member: i64,
        product: String,
        requested_units: u64,
        on_hand_units: u64,
    },

    #[error("{field}: amount overflows")]
    Overflow { field: &'static str },
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}
