//! The books checked against themselves (issue 14, `tequio check`): each invariant the design
//! promises (ARCHITECTURE.md, "Invariants") recomputed from what is stored, organisation by
//! organisation, as a list of [`Finding`]s (what was expected, what was found).
//!
//! The comparisons are pure functions of the figures ([`check_balances`],
//! [`check_trial_balance`], [`check_lenders`], [`check_fund`], [`check_trust`],
//! [`check_event_entries`]); [`App::check_books`] reads the figures through the store and calls
//! them; [`App::check_all_books`] does it for every organisation, several at a time. Nothing is
//! written.
//!
//! The invariants:
//! 1. **balances**: the materialised balances equal the sum of the postings
//!    (`Store::balances` against `Store::derived_balances`), account by account.
//! 2. **trial balance**: the balances sum to zero in each currency.
//! 3. **lenders** (R-CRED-1, R-CRED-3, R-CRED-6): what the ledger owes each lender
//!    (`lenders:{code}:line`, a liability) equals the drawn amounts of the credit lines now with
//!    that lender in the credit book (the fold of the `credit` stream). A lender with an
//!    account and no line is expected to be owed nothing.
//! 4. **fund** (R-FUND-2): the Fund (its net assets) equals the Development plus the
//!    Competition Sub-Fund, both in the fold of the `fund` stream ([`fund::FundState`]) and in
//!    the ledger; and each sub-fund is the same in the fold and in the ledger.
//! 5. **trust** (R-FUND-6): the trust's cash per sub-fund (`fund:trust-bank:*`) equals what the
//!    Fund's events say it holds (`FundState::trust`), and is never below zero. Working capital
//!    the Competition Sub-Fund lent to trade is in both (R-BUY-2: the supplier payment or
//!    advance commits the Fund's `WorkingCapitalLent` with it).
//! 6. **event entries**: every event that moves money has its entry. The rule: the events of
//!    the kinds in [`MONEY_KINDS`] always post, in the same commit, at least one entry whose
//!    idempotency key is the event's key or begins with it followed by `:` (a loan's
//!    disbursement posts `{key}:draw` and `{key}:disburse`, a pick-up `{key}` and
//!    `{key}:payment`). Those events must each have such an entry. The Fund's events
//!    (`fund.decision`, `close.lines`) and the trust run's batches post under keys of their
//!    own (ids derived from the reference, sums per due date), so they are checked by amount
//!    instead, by invariants 4 and 5 (every Fund event that moves money changes the trust's cash
//!    or a sub-fund), and the credit lines' draws and repayments by invariant 3 as well. The
//!    entry keys are read only for an organisation that has such events (a page of
//!    [`store::MAX_PAGE`] entries at a time), so the national data set, whose ODFs other than
//!    the union only have members and dues, reads none.

use crate::credit_cases::CreditBook;
use crate::{App, AppError};
use fund::FundState;
use ledger::{AccountCode, Currency, TrialBalance};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use store::{Org, OrgId, Page, MAX_PAGE};

/// The invariants, in the order they are reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Invariant {
    Balances,
    TrialBalance,
    Lenders,
    Fund,
    Trust,
    EventEntries,
}

impl Invariant {
    pub const ALL: [Invariant; 6] = [
        Invariant::Balances,
        Invariant::TrialBalance,
        Invariant::Lenders,
        Invariant::Fund,
        Invariant::Trust,
        Invariant::EventEntries,
    ];

    /// A stable identifier (JSON, tests).
    pub fn id(&self) -> &'static str {
        match self {
            Invariant::Balances => "balances",
            Invariant::TrialBalance => "trial-balance",
            Invariant::Lenders => "lenders",
            Invariant::Fund => "fund",
            Invariant::Trust => "trust",
            Invariant::EventEntries => "event-entries",
        }
    }

    /// What a person reads (Spanish first).
    pub fn label(&self) -> &'static str {
        match self {
            Invariant::Balances => "saldos = suma de movimientos",
            Invariant::TrialBalance => "balanza de comprobación en cero",
            Invariant::Lenders => "deuda con el acreditante = línea dispuesta (R-CRED-1)",
            Invariant::Fund => "Fondo = subfondos (R-FUND-2)",
            Invariant::Trust => {
                "efectivo del fideicomiso = eventos del Fondo, nunca negativo (R-FUND-6)"
            }
            Invariant::EventEntries => "eventos con su asiento",
        }
    }
}

/// One comparison: `expected` against `found`, in minor units of `currency`, or a count of
/// things (accounts, events) when `currency` is `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub invariant: Invariant,
    /// What was compared: a currency, an account, a sub-fund; for a failure, what differs.
    pub detail: String,
    pub currency: Option<Currency>,
    pub expected: i128,
    pub found: i128,
}

impl Finding {
    pub fn ok(&self) -> bool {
        self.expected == self.found
    }
}

/// The findings of one organisation.
#[derive(Debug, Clone)]
pub struct BooksCheck {
    pub org: Org,
    pub findings: Vec<Finding>,
}

impl BooksCheck {
    pub fn ok(&self) -> bool {
        self.findings.iter().all(Finding::ok)
    }

    pub fn failures(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| !f.ok())
    }
}

/// Minor units as major with two decimals (`-1234.05`), for sums that may exceed `i64`.
pub fn major(minor: i128) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// Balances by (account, currency), absent meaning zero.
fn by_account(tb: &TrialBalance) -> BTreeMap<(&AccountCode, Currency), i128> {
    tb.lines().map(|(a, c, v)| ((a, c), v)).collect()
}

/// Invariant 1: every account's materialised balance equals the sum of its postings (an account
/// missing on one side counts as zero there). Counts the accounts compared and those that agree;
/// the detail names up to three that differ.
pub fn check_balances(materialised: &TrialBalance, derived: &TrialBalance) -> Finding {
    let m = by_account(materialised);
    let d = by_account(derived);
    let keys: BTreeSet<_> = m.keys().chain(d.keys()).copied().collect();
    let mut differing = Vec::new();
    for key in &keys {
        let (mv, dv) = (
            m.get(key).copied().unwrap_or(0),
            d.get(key).copied().unwrap_or(0),
        );
        if mv != dv {
            differing.push(format!(
                "{} {}: saldo {} / movimientos {}",
                key.0,
                key.1,
                major(mv),
                major(dv)
            ));
        }
    }
    let total = keys.len() as i128;
    let detail = if differing.is_empty() {
        "cuentas que concuerdan".to_string()
    } else {
        let shown: Vec<_> = differing.iter().take(3).cloned().collect();
        let more = differing.len().saturating_sub(3);
        let tail = if more > 0 {
            format!(" y {more} más")
        } else {
            String::new()
        };
        format!("difieren {}{tail}", shown.join("; "))
    };
    Finding {
        invariant: Invariant::Balances,
        detail,
        currency: None,
        expected: total,
        found: total - differing.len() as i128,
    }
}

/// Invariant 2: the trial balance sums to zero in each currency it holds (in `currency`, the
/// organisation's, when it holds none).
pub fn check_trial_balance(tb: &TrialBalance, currency: Currency) -> Vec<Finding> {
    let mut totals = tb.totals();
    totals.entry(currency).or_insert(0);
    totals
        .into_iter()
        .map(|(c, total)| Finding {
            invariant: Invariant::TrialBalance,
            detail: format!("suma de saldos en {c}"),
            currency: Some(c),
            expected: 0,
            found: total,
        })
        .collect()
}

/// The lender of a `lenders:{code}:line` account.
fn lender_of(code: &AccountCode) -> Option<&str> {
    let rest = code.as_str().strip_prefix("lenders:")?;
    let (lender, suffix) = rest.split_once(':')?;
    (suffix == "line").then_some(lender)
}

/// What the credit book says the ODF owes each lender: the drawn amounts of the lines now with
/// that lender (R-CRED-6: a transferred line counts for its new lender).
pub fn drawn_by_lender(book: &CreditBook) -> BTreeMap<String, i128> {
    let mut out: BTreeMap<String, i128> = BTreeMap::new();
    for state in book.lines.values() {
        *out.entry(state.line.lender_code.clone()).or_default() +=
            i128::from(state.line.drawn_minor);
    }
    out
}

/// Invariant 3: per lender, the ledger's liability (`lenders:{code}:line`, credit balance shown
/// positive) against the credit book's drawn amounts ([`drawn_by_lender`]). Every lender on
/// either side is reported.
pub fn check_lenders(
    tb: &TrialBalance,
    currency: Currency,
    drawn: &BTreeMap<String, i128>,
) -> Vec<Finding> {
    let mut owed: BTreeMap<String, i128> = BTreeMap::new();
    for (code, c, balance) in tb.lines() {
        if let Some(lender) = lender_of(code) {
            if c == currency {
                *owed.entry(lender.to_string()).or_default() -= balance;
            }
        }
    }
    let lenders: BTreeSet<&String> = owed.keys().chain(drawn.keys()).collect();
    lenders
        .into_iter()
        .map(|lender| Finding {
            invariant: Invariant::Lenders,
            detail: format!("lenders:{lender}:line contra líneas dispuestas"),
            currency: Some(currency),
            expected: drawn.get(lender).copied().unwrap_or(0),
            found: owed.get(lender).copied().unwrap_or(0),
        })
        .collect()
}

/// The Fund as the ledger holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LedgerFund {
    /// Trust cash, per sub-fund (`fund:trust-bank:development`, `:competition`).
    pub trust_development: i128,
    pub trust_competition: i128,
    /// The Fund's assets net of what it owes: trust cash, members' contributions owed
    /// (`members:*:fund-receivable`), borrowers' debt to the trust (`fund:receivable:borrowers`),
    /// working capital lent to trade (`fund:receivable:working-capital`, R-BUY-2), less
    /// temporary contributions to return (`fund:temporary-contributions`).
    pub net_assets: i128,
    /// Each sub-fund: its equity less what it paid out (`fund:development` less
    /// `fund:withdrawn:development`; `fund:competition` less `fund:spent:competition`), shown
    /// positive.
    pub development: i128,
    pub competition: i128,
}

impl LedgerFund {
    /// Reads the Fund's accounts from the trial balance (in `currency`).
    pub fn from_trial_balance(tb: &TrialBalance, currency: Currency) -> LedgerFund {
        let mut f = LedgerFund::default();
        for (code, c, v) in tb.lines() {
            if c != currency {
                continue;
            }
            match code.as_str() {
                "fund:trust-bank:development" => {
                    f.trust_development += v;
                    f.net_assets += v;
                }
                "fund:trust-bank:competition" => {
                    f.trust_competition += v;
                    f.net_assets += v;
                }
                "fund:receivable:borrowers"
                | "fund:receivable:working-capital"
                | "fund:temporary-contributions" => f.net_assets += v,
                "fund:development" | "fund:withdrawn:development" => f.development -= v,
                "fund:competition" | "fund:spent:competition" => f.competition -= v,
                other => {
                    if other.starts_with("members:") && other.ends_with(":fund-receivable") {
                        f.net_assets += v;
                    }
                }
            }
        }
        f
    }
}

/// Invariant 4: the Fund equals its sub-funds in the fold and in the ledger, and each sub-fund
/// is the same in both.
pub fn check_fund(state: &FundState, ledger: &LedgerFund, currency: Currency) -> Vec<Finding> {
    let sub = state.sub_funds();
    let row = |detail: &str, expected: i128, found: i128| Finding {
        invariant: Invariant::Fund,
        detail: detail.to_string(),
        currency: Some(currency),
        expected,
        found,
    };
    vec![
        row(
            "eventos: Fondo contra Desarrollo + Competitividad",
            i128::from(sub.development_minor) + i128::from(sub.competition_minor),
            i128::from(state.net_assets_minor()),
        ),
        row(
            "libro mayor: Fondo contra Desarrollo + Competitividad",
            ledger.development + ledger.competition,
            ledger.net_assets,
        ),
        row(
            "Subfondo de Desarrollo: eventos contra libro mayor",
            i128::from(sub.development_minor),
            ledger.development,
        ),
        row(
            "Subfondo de Competitividad: eventos contra libro mayor",
            i128::from(sub.competition_minor),
            ledger.competition,
        ),
    ]
}

/// Invariant 5: the trust's cash per sub-fund in the ledger against the Fund's events, and never
/// below zero (the trust pays only from cash it holds: R-FUND-3, R-FUND-4, R-FUND-6; a negative
/// balance means two writers spent the same cash, see `fund_cases::claim_fund_slot`).
pub fn check_trust(state: &FundState, ledger: &LedgerFund, currency: Currency) -> Vec<Finding> {
    let row = |detail: &str, expected: i64, found: i128| Finding {
        invariant: Invariant::Trust,
        detail: detail.to_string(),
        currency: Some(currency),
        expected: i128::from(expected),
        found,
    };
    vec![
        row(
            "fund:trust-bank:development contra eventos",
            state.trust.development_minor,
            ledger.trust_development,
        ),
        row(
            "fund:trust-bank:competition contra eventos",
            state.trust.competition_minor,
            ledger.trust_competition,
        ),
        // Never below zero: expected is the balance floored at zero.
        row(
            "fund:trust-bank:development no negativo",
            ledger.trust_development.max(0) as i64,
            ledger.trust_development,
        ),
        row(
            "fund:trust-bank:competition no negativo",
            ledger.trust_competition.max(0) as i64,
            ledger.trust_competition,
        ),
    ]
}

/// The event kinds that always post, in the same commit, an entry keyed by the event's key
/// (or beginning with it and `:`): credit (draws, repayments, disbursements, loan payments,
/// write-offs, reversals, leases and rents) and trade (receipts, supplier payments, pick-ups,
/// working-capital repayments, invoices, advances, buyers' payments, outlet sales and
/// settlements).
pub const MONEY_KINDS: &[&str] = &[
    "line.drawn",
    "line.repaid",
    "loan.disbursed",
    "loan.paid",
    "loan.written-off",
    "loan.payment-reversed",
    "lease.started",
    "lease.rent-paid",
    "trade.round.received",
    "trade.round.supplier-paid",
    "trade.round.picked-up",
    "trade.capital.repaid",
    "trade.order.invoiced",
    "trade.order.advanced",
    "trade.order.paid",
    "trade.outlet.sold",
    "trade.outlet.settled",
];

/// Whether an event of `kind` must have an entry under its key (see [`MONEY_KINDS`]).
pub fn moves_money(kind: &str) -> bool {
    MONEY_KINDS.contains(&kind)
}

/// Whether `keys` holds `key` or a key beginning with `key:`.
fn has_entry(keys: &BTreeSet<String>, key: &str) -> bool {
    if keys.contains(key) {
        return true;
    }
    let prefix = format!("{key}:");
    keys.range(prefix.clone()..)
        .next()
        .is_some_and(|k| k.starts_with(&prefix))
}

/// Invariant 6: every money-moving event (`(kind, key)`, see [`MONEY_KINDS`]) has its entry
/// among the organisation's entry keys. Counts the events and those with an entry; the detail
/// names up to three without one.
pub fn check_event_entries<'a>(
    events: impl IntoIterator<Item = (&'a str, &'a str)>,
    entry_keys: &BTreeSet<String>,
) -> Finding {
    let mut total = 0i128;
    let mut missing = Vec::new();
    for (kind, key) in events {
        if !moves_money(kind) {
            continue;
        }
        total += 1;
        if !has_entry(entry_keys, key) {
            missing.push(format!("{kind} {key}"));
        }
    }
    let detail = if missing.is_empty() {
        "eventos que mueven dinero con su asiento".to_string()
    } else {
        let more = missing.len().saturating_sub(3);
        let tail = if more > 0 {
            format!(" y {more} más")
        } else {
            String::new()
        };
        format!(
            "sin asiento: {}{tail}",
            missing
                .iter()
                .take(3)
                .cloned()
                .collect::<Vec<_>>()
                .join("; ")
        )
    };
    Finding {
        invariant: Invariant::EventEntries,
        detail,
        currency: None,
        expected: total,
        found: total - missing.len() as i128,
    }
}

impl App {
    /// Every invariant of the module doc for one organisation, read through the store (nothing
    /// is written). An unreadable fold (an event that no longer applies) is an error, not a
    /// finding.
    pub async fn check_books(&self, org_id: OrgId) -> Result<BooksCheck, AppError> {
        let store = self.store();
        let org = store.org(org_id).await?;
        let currency = org.data.currency;
        let materialised = store.balances(org_id).await?;
        let derived = store.derived_balances(org_id).await?;
        let mut findings = vec![check_balances(&materialised, &derived)];
        findings.extend(check_trial_balance(&derived, currency));
        let book = self.credit_book(org_id).await?;
        findings.extend(check_lenders(&derived, currency, &drawn_by_lender(&book)));
        let state = self.fund_state(org_id).await?;
        let ledger_fund = LedgerFund::from_trial_balance(&derived, currency);
        findings.extend(check_fund(&state, &ledger_fund, currency));
        findings.extend(check_trust(&state, &ledger_fund, currency));
        let events = self.read_stream(org_id, None).await?;
        let money: Vec<(&str, &str)> = events
            .iter()
            .map(|e| (e.event.kind.as_str(), e.event.key.as_str()))
            .filter(|(kind, _)| moves_money(kind))
            .collect();
        let keys = if money.is_empty() {
            Ok(BTreeSet::new())
        } else {
            self.entry_keys(org_id).await
        };
        findings.push(match keys {
            Ok(keys) => check_event_entries(money, &keys),
            // The store refuses to hand out an entry it cannot read as a valid one (say, a
            // posting appended behind it unbalanced it): the invariant cannot be verified, and
            // that is reported as its failure, with the store's words.
            Err(e) => Finding {
                invariant: Invariant::EventEntries,
                detail: format!("no se pudieron leer los asientos: {e}"),
                currency: None,
                expected: money.len() as i128,
                found: 0,
            },
        });
        Ok(BooksCheck { org, findings })
    }

    /// The idempotency keys of every entry of the organisation, read a page at a time.
    async fn entry_keys(&self, org_id: OrgId) -> Result<BTreeSet<String>, AppError> {
        let mut keys = BTreeSet::new();
        let mut page = Page::first(MAX_PAGE);
        loop {
            let entries = self.store().entries(org_id, page).await?;
            let Some(last) = entries.last() else { break };
            page.after_id = last.id;
            let full = entries.len() as u32 == page.limit;
            keys.extend(
                entries
                    .iter()
                    .map(|e| e.entry.idempotency_key().as_str().to_string()),
            );
            if !full {
                break;
            }
        }
        Ok(keys)
    }

    /// [`App::check_books`] for every organisation, `concurrency` at a time (like the close of
    /// every organisation), in the order of `Store::orgs`. One organisation's error does not
    /// stop the others.
    pub async fn check_all_books(
        &self,
        concurrency: usize,
    ) -> Result<Vec<(Org, Result<BooksCheck, AppError>)>, AppError> {
        let orgs = self.store().orgs().await?;
        let limit = Arc::new(tokio::sync::Semaphore::new(concurrency.clamp(1, 64)));
        let mut tasks = tokio::task::JoinSet::new();
        for (index, org) in orgs.into_iter().enumerate() {
            let app = self.clone();
            let limit = limit.clone();
            tasks.spawn(async move {
                let _permit = limit.acquire_owned().await;
                let outcome = app.check_books(org.id).await;
                (index, org, outcome)
            });
        }
        let mut out = Vec::new();
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok(r) => out.push(r),
                Err(e) => return Err(AppError::Integrity(format!("check task: {e}"))),
            }
        }
        out.sort_by_key(|(i, _, _)| *i);
        Ok(out.into_iter().map(|(_, o, r)| (o, r)).collect())
    }
}
