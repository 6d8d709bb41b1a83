//! Collective trade: pure rules for pooled purchasing and consolidated sales.
//!
//! Implements R-BUY-1, R-BUY-2, R-SELL-1, R-SELL-2 and R-SELL-3 of the programme
//! (`shared/mission/PROGRAMME.md`). Every function takes the state it needs and returns values
//! and balanced [`ledger::ValidEntry`]s, or a [`TradeError`] naming the rule and field.
//!
//! # Module map
//! - [`supplier`]: suppliers and price lists (tiers all-units or incremental, minimum order,
//!   lead time, validity, who channelled the supplier: R-BUY-1, R-SELL-3); validation.
//! - [`purchase`]: pooled purchasing rounds: aggregation per material, the mixed-integer
//!   optimiser (the only place `f64` appears, see its module doc), pooled charges, and each
//!   member's least cost buying alone, the saving's baseline (R-BUY-1).
//! - [`capital`]: working capital for rounds: funding source (credit line or Competition
//!   Sub-Fund with a board decision), purchase orders, partial receipts, pick-ups, repayment at
//!   pick-up or from sales, repaying the source (R-BUY-2).
//! - [`sales`]: consolidated sales: buyer orders, split among qualified members by capacity
//!   (proportional, or the proven least-deviation split when lots bind), deliveries and rejections, invoice, buyer
//!   payments distributed net of members' debts, advances (R-SELL-1, R-SELL-3).
//! - [`outlet`]: shared outlets: consignment stock per member, sales, settlement, stock counts
//!   (R-SELL-2).
//! - [`report`]: plain-data reports: savings per member, material and round (none for a member
//!   who could not buy alone), sales per member and buyer.
//! - [`split`]: the exact least-deviation order split when minimum lots bind (R-SELL-1).
//! - [`alloc`]: exact largest-remainder splitting used by all of the above.
//! - [`accounts`]: account codes used, and the accounts the ODF chart must gain.
//!
//! # What this crate deliberately does not know
//! - Storage, clocks, IO, async, serialisation: dates and ids are inputs.
//! - Who may do what: authorisation and the board's vote (R-GOV-1/2) live elsewhere; this crate
//!   only takes a [`capital::BoardDecision`] value and checks the amount against it.
//! - Which members exist or are active, their profiles, plans or Fund balances: callers pass
//!   capacities, debts and accounts as data.
//! - Credit-line limits and loan schedules (R-CRED-*): drawing on a line is posted here, whether
//!   the line has room is checked by the caller.
//! - Currencies other than the chart's: entries are posted in MXN accounts.

pub mod accounts;
pub mod alloc;
pub mod capital;
pub mod error;
pub mod outlet;
pub mod purchase;
pub mod report;
pub mod sales;
pub mod split;
pub mod supplier;

pub use accounts::{trade_extra_accounts, trade_member_accounts};
pub use error::{Infeasibility, TradeError};

/// A member's id, as in [`ledger::AccountOwner::Member`].
pub type MemberId = i64;
