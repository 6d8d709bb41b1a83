//! Use cases of the Competition and Development Fund (issue 3): business plans (R-PLAN-1),
//! income reports (R-PLAN-2), the period close (R-FUND-1, R-FUND-2, R-PLAN-3, R-PLAN-4),
//! grants and temporary contributions, Competition spending (R-FUND-3), Development
//! withdrawals (R-FUND-4, R-FUND-5), the trust side (R-FUND-6) and statements (R-SUP-4).
//!
//! # Persistence: the domain-event log
//! The state of every rule is a fold of events (`store::Store::commit` / `events`); money is the
//! ledger. Streams of one organisation:
//! - `plans`: `plan.agreed` / `plan.changed` (a full snapshot of the plan with its history, so
//!   the latest snapshot per plan id is the plan), `plan.review-flagged` (R-PLAN-4);
//! - `reports:{period}`: `report.accepted`; a report's id is the seq of its event, a correction
//!   names the seq it supersedes and gives a reason (never an edit);
//! - `reports.late`: `report.late`, one per report accepted for a period already closed, or
//!   correcting one: the next close adjusts those periods;
//! - `fund`: everything the [`fund::FundState`] folds: `fund.decision` (the
//!   [`fund::FundEvent`]s of one decision, chunked under the payload limit), `close.lines`
//!   (compact close lines, see [`close`]) and `close.completed` (one per organisation and
//!   period: the period is closed).
//!
//! Every commit of this module also opens [`fund::fund_extra_accounts`] (opening an open account
//! with the same definition is a no-op), so an organisation's chart gains them the first time
//! its Fund is used.
//!
//! Event keys are deterministic functions of the input (never of time), so a command killed
//! part-way and run again lands on the same keys.

pub mod close;
pub mod demo;
pub mod operations;
pub mod ops;
pub mod plans;
pub(crate) mod report_turn;
pub mod reports;
pub mod statements;
pub mod unusual;

use crate::{App, AppError};
use chrono::NaiveDate;
use fund::{FundEvent, FundSettings, FundState, Period, PostedClose, Split};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use store::{Commit, NewEvent, OrgId, Page, StoredEvent, MAX_PAGE};

pub use close::{CloseOptions, OrgCloseReport};
pub use plans::PlanCommand;
pub use reports::ReportInput;
pub use unusual::{unusual_revenue, UNUSUAL_FACTOR};

/// Stream of everything the Fund's state folds.
pub const FUND_STREAM: &str = "fund";
/// Stream of business plans.
pub const PLANS_STREAM: &str = "plans";
/// Stream of reports that arrived for a closed period (or correct one).
pub const LATE_STREAM: &str = "reports.late";

/// The stream of one period's reports.
pub fn reports_stream(period: Period) -> String {
    format!("reports:{period}")
}

/// Who caused an event and from where: the app's [`crate::Actor`].
pub use crate::events::Actor as Audit;

/// Builds an event whose payload is the JSON of `payload` (see [`crate::events::event`]).
pub(crate) fn event(
    stream: &str,
    kind: &str,
    key: String,
    payload: &impl Serialize,
    audit: &Audit,
) -> Result<NewEvent, AppError> {
    crate::events::event(audit, stream, kind, key, payload)
}

pub(crate) fn parse_payload<T: for<'de> Deserialize<'de>>(e: &StoredEvent) -> Result<T, AppError> {
    crate::events::payload(e)
}

/// Payloads stay well under `store::MAX_EVENT_PAYLOAD_BYTES`.
pub(crate) const PAYLOAD_BUDGET: usize = 48 * 1024;

/// The payload of `fund.decision`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct DecisionPayload {
    pub events: Vec<FundEvent>,
}

/// The payload of `close.lines`: the period the lines accrue for and, per member,
/// `[member_id, development, competition, profit_share, adjustment (0 = none)]` (the change
/// posted, as in [`fund::FundEvent::Accrued`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct CloseLinesPayload {
    pub period: String,
    pub lines: Vec<[i64; 5]>,
}

/// The payload of `close.completed`: the period's totals (deterministic: the same reports give
/// the same payload, so a resumed close writes the same event).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CloseCompleted {
    pub period: String,
    pub members_reporting: u64,
    pub members_above_baseline: u64,
    pub new_revenue_minor: i64,
    pub contribution: Split,
    pub profit_share_minor: i64,
    pub plans_flagged: u64,
    /// The day the close ran (Mexico City), which R-SUP-1's "closed on time" reads. Older
    /// events lack it; their day is when they were recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_on: Option<chrono::NaiveDate>,
}

/// What the `fund` stream says about one organisation: the Fund's state, what each close
/// posted per member and period, and the closed periods.
#[derive(Debug, Clone, Default)]
pub struct FundBook {
    pub state: FundState,
    /// Events of the `fund` stream folded so far: the Fund's slot number (see
    /// `ops::fund_slot`), which two writers that read the same Fund share.
    pub events_read: u64,
    pub posted: HashMap<(Period, i64), PostedClose>,
    pub completed: BTreeMap<Period, CloseCompleted>,
}

impl FundBook {
    /// Folds one event of the `fund` stream (other kinds change nothing).
    pub(crate) fn apply(
        &mut self,
        settings: &FundSettings,
        e: &StoredEvent,
    ) -> Result<(), AppError> {
        self.events_read += 1;
        match e.event.kind.as_str() {
            "fund.decision" => {
                let p: DecisionPayload = parse_payload(e)?;
                self.state.apply_all(&p.events);
            }
            "close.lines" => {
                let p: CloseLinesPayload = parse_payload(e)?;
                let period = Period::parse(&p.period, settings.period)?;
                self.apply_lines(period, &p.lines);
            }
            "close.completed" => {
                let p: CloseCompleted = parse_payload(e)?;
                let period = Period::parse(&p.period, settings.period)?;
                self.completed.insert(period, p);
            }
            _ => {}
        }
        Ok(())
    }

    fn apply_lines(&mut self, period: Period, lines: &[[i64; 5]]) {
        for &[member_id, dev, comp, ps, adj] in lines {
            let contribution = Split::new(dev, comp);
            let adjustment = (adj > 0).then_some(adj as u32);
            self.state.apply(&FundEvent::Accrued {
                member_id,
                period,
                contribution,
                profit_share_minor: ps,
                adjustment,
            });
            let p = self.posted.entry((period, member_id)).or_default();
            p.contribution = p.contribution.plus(contribution);
            p.profit_share_minor += ps;
            if adjustment.is_some() {
                p.adjustments += 1;
            }
        }
    }
}

/// Splits items into payload-sized chunks by their serialised size (deterministic).
pub(crate) fn chunk_by_size<T: Serialize>(items: Vec<T>, budget: usize) -> Vec<Vec<T>> {
    let mut out: Vec<Vec<T>> = Vec::new();
    let mut current: Vec<T> = Vec::new();
    let mut size = 0usize;
    for item in items {
        let len = serde_json::to_string(&item).map(|s| s.len()).unwrap_or(64) + 1;
        if !current.is_empty() && size + len > budget {
            out.push(std::mem::take(&mut current));
            size = 0;
        }
        size += len;
        current.push(item);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

impl App {
    /// The Fund's settings for an organisation once every approved change is in force (the
    /// programme defaults until the board changes them: 10% contribution, 25% profit share,
    /// monthly periods, flag after 3 periods), its currency, and the Fund's start on the
    /// organisation's founding day (R-FUND-4 counts years from it). A rule that applies to a
    /// day reads [`App::fund_settings_on`] instead (the close: the period's first day).
    pub async fn fund_settings(&self, org_id: OrgId) -> Result<FundSettings, AppError> {
        self.fund_settings_on(org_id, NaiveDate::MAX).await
    }

    /// Every event of a stream (or of the organisation), in seq order.
    pub(crate) async fn read_stream(
        &self,
        org_id: OrgId,
        stream: Option<&str>,
    ) -> Result<Vec<StoredEvent>, AppError> {
        let mut out = Vec::new();
        let mut page = Page::first(MAX_PAGE);
        loop {
            let events = self.store().events(org_id, stream, page).await?;
            let Some(last) = events.last() else { break };
            page.after_id = last.seq;
            let full = events.len() as u32 == page.limit;
            out.extend(events);
            if !full {
                break;
            }
        }
        Ok(out)
    }

    /// The fold of the `fund` stream: state, posted closes and closed periods.
    pub async fn fund_book(&self, org_id: OrgId) -> Result<FundBook, AppError> {
        let settings = self.fund_settings(org_id).await?;
        let mut book = FundBook::default();
        for e in self.read_stream(org_id, Some(FUND_STREAM)).await? {
            book.apply(&settings, &e)?;
        }
        Ok(book)
    }

    /// The closed periods with their totals: [`FundBook::completed`] without parsing the
    /// rest of the `fund` stream (the closes' per-member lines are most of it).
    pub async fn closed_periods(
        &self,
        org_id: OrgId,
    ) -> Result<BTreeMap<Period, CloseCompleted>, AppError> {
        let settings = self.fund_settings(org_id).await?;
        let mut out = BTreeMap::new();
        for e in self.read_stream(org_id, Some(FUND_STREAM)).await? {
            if e.event.kind == "close.completed" {
                let p: CloseCompleted = parse_payload(&e)?;
                out.insert(Period::parse(&p.period, settings.period)?, p);
            }
        }
        Ok(out)
    }

    /// The Fund of one organisation: the fold of its `fund` stream (R-FUND-1..6).
    pub async fn fund_state(&self, org_id: OrgId) -> Result<FundState, AppError> {
        Ok(self.fund_book(org_id).await?.state)
    }

    /// Whether an event with this key was committed in the organisation.
    pub(crate) async fn has_event(&self, org_id: OrgId, key: &str) -> Result<bool, AppError> {
        match self.store().event_by_key(org_id, key).await {
            Ok(_) => Ok(true),
            Err(store::StoreError::NotFound { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }
}

/// The kind of the event that claims the Fund's slot (stream `credit-slots`).
pub(crate) const FUND_SLOT_KIND: &str = "fund.slot";

/// Claims the Fund's slot in `commit` when it adds events to the `fund` stream (ARCHITECTURE.md,
/// "slots"): an event keyed `fund:slot:{events_read}`, `events_read` the `fund` events the
/// commit was decided on ([`FundBook::events_read`]), put first so that losing the slot is the
/// conflict the store reports. Every writer of the `fund` stream claims it (Fund operations,
/// settlements, the close, the credit daily run's trust payments, replenishments, the
/// collection sheet, the opening), so two commits decided on the same Fund claim the same key
/// and the second is refused and decides again (`retrying!`): the trust's cash, a sub-fund or an
/// entitlement that each passes alone are never spent twice. Commits that write no `fund`
/// event claim nothing, so they never conflict with the Fund's.
///
/// The payload names the commit's `fund` events (the first key and a hash of every key and
/// payload): a copy of the same commit decided on the same Fund claims the slot with the same
/// payload (a replay); another commit, with other data (a conflict on the slot's key). Answers
/// how many `fund` events the commit adds: a writer that commits in steps claims its next slot
/// at `events_read` plus those.
pub(crate) fn claim_fund_slot(
    commit: &mut Commit,
    events_read: u64,
    audit: &Audit,
) -> Result<u64, AppError> {
    let mut first = None;
    let mut content = String::new();
    let mut added = 0u64;
    for e in commit.events.iter().filter(|e| e.stream == FUND_STREAM) {
        first.get_or_insert(e.key.as_str());
        content.push_str(&e.key);
        content.push('\n');
        content.push_str(&e.payload);
        content.push('\n');
        added += 1;
    }
    let Some(first) = first else {
        return Ok(0);
    };
    let claim = format!("{first}#{:016x}", fund::content_hash(&content));
    let slot = event(
        crate::credit_cases::gate::SLOT_STREAM,
        FUND_SLOT_KIND,
        format!("fund:slot:{events_read}"),
        &claim,
        audit,
    )?;
    commit.events.insert(0, slot);
    Ok(added)
}

/// What a Fund rule decided as ONE commit: the Fund's extra accounts, the decision's events
/// under `key` (stream `fund`, kind `fund.decision`; chunked as `key`, `key:1`, ... if large)
/// and its entries. `key` must be a deterministic function of the command (e.g.
/// `installment:loan-7:3`): committing the same decision again is a no-op. The caller claims
/// the Fund's slot in it ([`claim_fund_slot`]) before committing.
pub(crate) fn fund_decision_commit(
    key: &str,
    decision: &fund::Decision,
    audit: &Audit,
) -> Result<Commit, AppError> {
    let mut events = Vec::new();
    for (i, chunk) in chunk_by_size(decision.events.clone(), PAYLOAD_BUDGET)
        .into_iter()
        .enumerate()
    {
        let k = if i == 0 {
            key.to_string()
        } else {
            format!("{key}:{i}")
        };
        events.push(event(
            FUND_STREAM,
            "fund.decision",
            k,
            &DecisionPayload { events: chunk },
            audit,
        )?);
    }
    Ok(Commit {
        accounts: fund::fund_extra_accounts(),
        events,
        entries: decision.entries.clone(),
    })
}
