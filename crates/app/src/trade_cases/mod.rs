//! Collective trade use cases (R-BUY-1..2, R-SELL-1..3): suppliers and price lists,
//! purchasing rounds, working capital, consolidated sales and outlets.
//!
//! Every use case loads its aggregate as a fold of its domain events (`Store::events` of one
//! stream), asks the pure crate `trade` for the decision, and persists events, accounts and
//! entries in ONE `Store::commit`. State is the fold of events; money is the ledger.
//!
//! Streams (one per aggregate, all in the organisation):
//! - `trade-suppliers`: suppliers and price lists;
//! - `trade-rounds` (index) and `round:{id}`: a purchasing round, its requests, its plan,
//!   receipts, supplier payments and pick-ups;
//! - `trade-capacity`: members' declared capacities;
//! - `trade-orders` (index) and `order:{id}`: a buyer's order, its split, deliveries, invoice,
//!   advances and payments;
//! - `trade-outlets` (index) and `outlet:{code}`: consignment, sales, settlements, counts;
//! - `trade-capital:{decision}`: what each board decision on the Competition Sub-Fund paid;
//!   `trade-capital`: repayments of working capital. The Fund hears of both in the same commit
//!   (R-BUY-2: `fund::lend_working_capital` / `recover_working_capital` decided on the Fund's
//!   book, a `fund.decision` event keyed `working-capital:{act key}` and the Fund's slot,
//!   `add_fund_side`), so the trust's cash lent to trade is never also spent by the Fund.
//!
//! Idempotency: every event and entry key is a deterministic function of the input (ids and
//! the caller's reference for the act, e.g. a delivery note number); repeating a call is a
//! no-op answering the same result, a different call with a used reference is a conflict.
//! Acts that count what came before (receipts, pick-ups, Sub-Fund draws) also take a
//! sequence slot (`...:slot:{n}`) in the same commit, so two concurrent writers cannot both
//! pass a limit: the second one conflicts and nothing of it is written.

mod demo;
mod outlets;
mod price_csv;
mod purchasing;
mod reports;
mod sales;

pub use outlets::*;
pub use price_csv::*;
pub use purchasing::*;
pub use reports::*;
pub use sales::*;

use crate::credit_cases::LineMovement;
use crate::fund_cases::{claim_fund_slot, fund_decision_commit, FundBook};
use crate::{App, AppError};
use chrono::NaiveDate;
use ledger::{Account, AccountCode, Currency};
use registry::FieldError;
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use store::{Commit, Committed, NewEvent, OrgId, Page, StoreError, MAX_PAGE};
use trade::capital::{BoardDecision, FundingSource};

pub use crate::Actor;

/// Where working capital comes from (R-BUY-2, R-SELL-1), as the caller names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum Funding {
    /// A draw on a lender's credit line (`lenders:{lender}:line`).
    CreditLine { lender: String },
    /// The Competition Sub-Fund under an approved board decision (R-BUY-2, R-GOV-1).
    CompetitionSubFund { decision_id: i64 },
}

/// Most items one batch call (requests, capacities, deliveries) may carry.
pub const MAX_TRADE_BATCH: usize = 5_000;

/// Checks an identifier chosen by the caller (round, order, outlet, supplier, material, ref).
pub(crate) fn check_id(field: &'static str, value: &str) -> Result<(), AppError> {
    let ok = !value.is_empty()
        && value.len() <= 64
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if ok {
        Ok(())
    } else {
        Err(FieldError::new(
            field,
            format!("'{value}' debe tener de 1 a 64 caracteres [A-Za-z0-9._-]"),
        )
        .into())
    }
}

pub(crate) fn field(field: &'static str, message: impl Into<String>) -> AppError {
    FieldError::new(field, message).into()
}

/// Builds an event with a JSON payload (see [`crate::events::event`]).
pub(crate) fn event<T: Serialize>(
    stream: &str,
    kind: &str,
    key: String,
    payload: &T,
    by: &Actor,
) -> Result<NewEvent, AppError> {
    crate::events::event(by, stream, kind, key, payload)
}

/// The optimistic-concurrency slot: the `n`-th act of `scope` (see the module doc).
pub(crate) fn slot(scope: &str, n: usize, act_key: &str, by: &Actor) -> Result<NewEvent, AppError> {
    event(
        scope,
        "trade.slot",
        format!("{scope}:slot:{n}"),
        &act_key,
        by,
    )
}

impl App {
    /// Every event payload of `stream`, in order, decoded as `T`.
    pub(crate) async fn trade_events<T: DeserializeOwned>(
        &self,
        org_id: OrgId,
        stream: &str,
    ) -> Result<Vec<T>, AppError> {
        let mut out = Vec::new();
        let mut page = Page::first(MAX_PAGE);
        loop {
            let events = self.store().events(org_id, Some(stream), page).await?;
            let Some(last) = events.last() else { break };
            page.after_id = last.seq;
            let full = events.len() as u32 == page.limit;
            for e in events {
                if e.event.kind == "trade.slot" {
                    continue;
                }
                out.push(serde_json::from_str(&e.event.payload).map_err(|err| {
                    AppError::Integrity(format!("event {} in {stream}: {err}", e.seq))
                })?);
            }
            if !full {
                break;
            }
        }
        Ok(out)
    }

    /// Whether an event with this key exists (the act was already done).
    pub(crate) async fn trade_event_exists(
        &self,
        org_id: OrgId,
        key: &str,
    ) -> Result<bool, AppError> {
        match self.store().event_by_key(org_id, key).await {
            Ok(_) => Ok(true),
            Err(StoreError::NotFound { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Commits, mapping a key conflict to a message naming the reference to change. A slot
    /// another act took at the same moment is passed on as it is: the use case reads again
    /// (`retrying!`).
    pub(crate) async fn trade_commit(
        &self,
        org_id: OrgId,
        commit: Commit,
    ) -> Result<Committed, AppError> {
        match self.store().commit(org_id, &commit).await {
            Err(e)
                if e.conflicting_event_key()
                    .is_some_and(crate::retry::is_contended_key) =>
            {
                Err(e.into())
            }
            Err(StoreError::Conflict { what, key }) => Err(AppError::Store(StoreError::Conflict {
                what: format!(
                    "{what} (la referencia ya se usó con otros datos: use otra referencia)"
                ),
                key,
            })),
            other => Ok(other?),
        }
    }

    /// The trade accounts every trade commit may need (opening is idempotent).
    pub(crate) fn trade_accounts(members: impl IntoIterator<Item = i64>) -> Vec<Account> {
        let mut accounts = trade::trade_extra_accounts();
        for m in members {
            accounts.extend(trade::trade_member_accounts(m));
        }
        accounts
    }

    /// Maps a board decision (R-GOV-1, R-GOV-2) onto the pure crate's value (R-BUY-2): it
    /// must be an approved expenditure; its amount caps everything the Competition Sub-Fund
    /// pays under it for trade.
    pub(crate) async fn trade_board_decision(
        &self,
        org_id: OrgId,
        decision_id: i64,
    ) -> Result<BoardDecision, AppError> {
        let d = self.decision(org_id, decision_id).await.map_err(|e| {
            field(
                "decision_id",
                format!("R-BUY-2 decisión de consejo {decision_id}: {e}"),
            )
        })?;
        if !d.approved {
            return Err(field(
                "decision_id",
                format!("R-BUY-2 el consejo rechazó la decisión {decision_id}"),
            ));
        }
        if d.kind != governance::ProposalKind::Expenditure {
            return Err(field(
                "decision_id",
                format!(
                    "R-BUY-2 la decisión {decision_id} no aprueba un gasto del Subfondo de \
                     Competitividad"
                ),
            ));
        }
        Ok(BoardDecision {
            decision_id: decision_id.to_string(),
            approved_minor: d.amount_minor,
        })
    }

    /// The pure funding source, the accounts it needs, what its decision already paid, and
    /// the stream that records what it pays now.
    pub(crate) async fn trade_funding(
        &self,
        org_id: OrgId,
        funding: &Funding,
    ) -> Result<FundingPlan, AppError> {
        match funding {
            Funding::CreditLine { lender } => {
                check_id("lender", lender)?;
                // The line in force with this lender and its room are checked once, by
                // `funding_events` through the gate (R-CRED-1, R-CRED-3).
                Ok(FundingPlan {
                    source: FundingSource::CreditLine {
                        lender_code: lender.clone(),
                    },
                    accounts: Account::lender_accounts(lender),
                    used_minor: 0,
                    usage: None,
                    lender: Some(lender.clone()),
                })
            }
            Funding::CompetitionSubFund { decision_id } => {
                let decision = self.trade_board_decision(org_id, *decision_id).await?;
                let stream = format!("trade-capital:{decision_id}");
                let uses: Vec<CapitalUse> = self.trade_events(org_id, &stream).await?;
                let used_minor = uses.iter().map(|u| u.amount_minor).sum();
                Ok(FundingPlan {
                    source: FundingSource::CompetitionSubFund { decision },
                    accounts: Vec::new(),
                    used_minor,
                    usage: Some((stream, uses.len())),
                    lender: None,
                })
            }
        }
    }

    /// The Fund's book, for an act the Competition Sub-Fund pays or is repaid (R-BUY-2); `None`
    /// for the credit line. Read before the act's key is looked up (as `fund_op` does): a copy
    /// of the act that commits after the lookup is then not in what was read either, so both
    /// claim the same Fund slot with the same payload (a replay).
    pub(crate) async fn trade_fund_book(
        &self,
        org_id: OrgId,
        funding: &Funding,
    ) -> Result<Option<FundBook>, AppError> {
        match funding {
            Funding::CreditLine { .. } => Ok(None),
            Funding::CompetitionSubFund { .. } => Ok(Some(self.fund_book(org_id).await?)),
        }
    }
}

/// R-BUY-2: the Competition Sub-Fund lends only the cash its trust holds in the Fund's book
/// (`fund::lend_working_capital`), which every other Fund payment also reads under the Fund's
/// slot. `None` for the credit line (room on the line is the lender's, R-CRED-3). Refused as
/// trade's `AboveRemaining` (rule R-BUY-2, field `amount_minor`, what the trust holds), which
/// the pages and the API already word for the form's amount.
pub(crate) fn trade_lend_decision(
    book: Option<&FundBook>,
    act_key: &str,
    amount_minor: i64,
) -> Result<Option<fund::Decision>, AppError> {
    let Some(book) = book else { return Ok(None) };
    let cash = book.state.trust.competition_minor;
    match fund::lend_working_capital(&book.state, act_key, amount_minor) {
        Ok(d) => Ok(Some(d)),
        Err(fund::FundError::Rule {
            field: "amount_minor",
            ..
        }) if amount_minor > cash => Err(trade::TradeError::AboveRemaining {
            rule: "R-BUY-2",
            field: "amount_minor",
            requested: amount_minor,
            remaining: cash.max(0),
        }
        .into()),
        Err(e) => Err(e.into()),
    }
}

/// Adds the Fund's side of a working-capital act (R-BUY-2: `decision`'s events, stream `fund`,
/// key `working-capital:{act_key}`) to a trade commit and claims the Fund's slot the book was
/// read at (`fund_cases::claim_fund_slot`), so the act serialises with every other Fund writer:
/// one that decided on the same Fund loses the slot and decides again (`retrying!`).
pub(crate) fn add_fund_side(
    commit: &mut Commit,
    book: &FundBook,
    act_key: &str,
    decision: &fund::Decision,
    by: &Actor,
) -> Result<(), AppError> {
    let part = fund_decision_commit(&format!("working-capital:{act_key}"), decision, by)?;
    commit.accounts.extend(part.accounts);
    commit.events.extend(part.events);
    commit.entries.extend(part.entries);
    let mut seen = std::collections::HashSet::new();
    commit.accounts.retain(|a| seen.insert(a.code.clone()));
    claim_fund_slot(commit, book.events_read, by)?;
    Ok(())
}

impl App {
    /// The events recording what a source paid out for `act_key` on `date`: for the credit
    /// line, the line's own event through the one gate (R-CRED-1/3: refused above what is
    /// available; counted in drawn); for the Competition Sub-Fund, its use and its slot.
    pub(crate) async fn funding_events(
        &self,
        org_id: OrgId,
        plan: &FundingPlan,
        act_key: &str,
        amount_minor: i64,
        date: NaiveDate,
        by: &Actor,
    ) -> Result<Vec<NewEvent>, AppError> {
        if let Some(lender) = &plan.lender {
            return self
                .line_gate(
                    org_id,
                    by,
                    lender,
                    LineMovement::Borrow(amount_minor),
                    date,
                    act_key,
                )
                .await;
        }
        let Some((stream, n)) = &plan.usage else {
            return Ok(Vec::new());
        };
        Ok(vec![
            event(
                stream,
                "trade.capital.used",
                format!("{act_key}:capital"),
                &CapitalUse {
                    act: act_key.to_string(),
                    amount_minor,
                },
                by,
            )?,
            slot(stream, *n, act_key, by)?,
        ])
    }

    /// One account's balance (debit-positive); 0 for an account not opened yet (trade
    /// commits open their accounts as they go). Reads one row, not the trial balance.
    pub(crate) async fn trade_balance(
        &self,
        org_id: OrgId,
        account: &AccountCode,
    ) -> Result<i64, AppError> {
        match self.store().account_balance(org_id, account).await {
            Ok(balance) => Ok(balance),
            Err(StoreError::NotFound { .. }) => Ok(0),
            Err(e) => Err(e.into()),
        }
    }

    /// Outstanding balances (debit-positive) of the given accounts, from the ledger.
    pub(crate) async fn trade_balances(
        &self,
        org_id: OrgId,
    ) -> Result<ledger::TrialBalance, AppError> {
        Ok(self.store().balances(org_id).await?)
    }
}

/// What a funding source needs to post.
pub(crate) struct FundingPlan {
    pub source: FundingSource,
    pub accounts: Vec<Account>,
    pub used_minor: i64,
    /// (stream, number of prior uses) for the Competition Sub-Fund.
    pub usage: Option<(String, usize)>,
    /// The lender whose line pays (the one gate, `credit_cases::gate`).
    pub lender: Option<String>,
}

/// One draw on a board decision (stream `trade-capital:{decision}`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct CapitalUse {
    pub act: String,
    pub amount_minor: i64,
}

/// A balance of the trial balance as i64 (MXN).
pub(crate) fn balance_of(tb: &ledger::TrialBalance, account: &AccountCode) -> i64 {
    tb.balance_minor(account, Currency::MXN) as i64
}
