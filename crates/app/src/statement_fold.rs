//! Statements that stay fast while members write (issue 15): each organisation's log is folded
//! once, and each read after a write applies only the events appended since, instead of
//! folding the log from its start again.
//!
//! An [`OrgFold`] keeps, with the seq of the last event it applied, everything a member's
//! statement folds: every member's reports (R-PLAN-2), the plans (R-PLAN-1), the `fund`
//! stream ([`FundBook`]: R-FUND-1..6, the closes) and the credit book (loans and leases). It
//! also keeps a **version** per member: the seq of the last event that may change that
//! member's statement. A report changes only its member's statement; markers no statement
//! reads (a report's slot or late mark, sign-ins, users, the API's idempotency claims) change
//! none; every other event, known or not, may change every statement (the Fund's state, a
//! close, a plan, a loan, trade). So while 4,000 members report, a cached statement stays
//! valid until its own member reports, and rebuilding it reads nothing from the database.
//!
//! Trade (orders and rounds) is read from its own streams ([`App::statement_trade`]) when a
//! statement needs it and an event that may change it arrived since it was read.
//!
//! A statement read from the fold equals the statement read from scratch
//! ([`App::member_fund_statement`], [`App::credit_book`]) after any sequence of writes:
//! `crates/app/tests/statement_fold.rs`, a property test on SQLite and PostgreSQL.

use crate::credit_cases::CreditBook;
use crate::fund_cases::plans::{is_plan_snapshot, plan_of_event};
use crate::fund_cases::reports::report_of_event;
use crate::fund_cases::statements::{member_fund_part, MemberFundPart};
use crate::fund_cases::{FundBook, FUND_STREAM, PLANS_STREAM};
use crate::trade_cases::StatementTrade;
use crate::{App, AppError};
use fund::{BusinessPlan, FundSettings, IncomeReport};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, RwLock};
use store::{MemberId, OrgId, Page, StoredEvent, MAX_PAGE};

/// Orders and rounds a statement shows at most (pages stay under 100 KB).
pub const STATEMENT_TRADE_ITEMS: usize = 50;

/// Kinds of events no statement reads: a report's slot and late mark (the close reads them),
/// sign-ins and users, the API's idempotency claims and answers.
pub(crate) const UNREAD_KINDS: [&str; 9] = [
    "report.slot",
    "report.late",
    "api.claim",
    "api.claim-released",
    "api.response",
    "session.created",
    "session.revoked",
    "user.created",
    "user.granted",
];

/// One organisation's log folded up to `seq` (see the module documentation).
#[derive(Debug, Clone)]
pub struct OrgFold {
    seq: i64,
    /// The last event that may change every member's statement.
    global_seq: i64,
    settings: FundSettings,
    /// Per member: the seq of their last report, and their reports in filing order.
    reports: HashMap<MemberId, (i64, Vec<IncomeReport>)>,
    /// Per member: their plans as they are now, by id.
    plans: HashMap<MemberId, BTreeMap<i64, BusinessPlan>>,
    book: FundBook,
    credit: Arc<CreditBook>,
}

impl OrgFold {
    /// An empty fold for an organisation with these Fund settings (its currency and founding
    /// day, which never change).
    pub fn new(settings: FundSettings) -> Self {
        OrgFold {
            seq: 0,
            global_seq: 0,
            credit: Arc::new(CreditBook::new(settings.currency)),
            settings,
            reports: HashMap::new(),
            plans: HashMap::new(),
            book: FundBook::default(),
        }
    }

    /// The seq of the last event applied.
    pub fn seq(&self) -> i64 {
        self.seq
    }

    /// Applies the next event of the organisation's log (events come in seq order).
    pub fn apply(&mut self, e: StoredEvent) -> Result<(), AppError> {
        let seq = e.seq;
        if let Some(r) = report_of_event(&self.settings, &e)? {
            let (at, reports) = self.reports.entry(r.member_id).or_default();
            *at = seq;
            reports.push(r);
        } else if !UNREAD_KINDS.contains(&e.event.kind.as_str()) {
            self.global_seq = seq;
            match e.event.stream.as_str() {
                PLANS_STREAM if is_plan_snapshot(&e) => {
                    let plan = plan_of_event(&e)?;
                    self.plans
                        .entry(plan.member_id)
                        .or_default()
                        .insert(plan.id, plan);
                }
                FUND_STREAM => self.book.apply(&self.settings, &e)?,
                crate::credit_cases::book::STREAM => {
                    Arc::make_mut(&mut self.credit).replay_stored(e)?
                }
                _ => {}
            }
        }
        self.seq = seq;
        Ok(())
    }

    /// The seq of the last event that may have changed `member_id`'s statement.
    pub fn version(&self, member_id: MemberId) -> i64 {
        let own = self.reports.get(&member_id).map_or(0, |(at, _)| *at);
        own.max(self.global_seq)
    }

    /// The seq of the last event that may have changed every statement.
    pub fn global_version(&self) -> i64 {
        self.global_seq
    }

    /// What `member_id`'s statement folds, as of [`OrgFold::seq`].
    pub fn member_part(&self, member_id: MemberId) -> Result<MemberFundPart, AppError> {
        let plans: Vec<BusinessPlan> = self
            .plans
            .get(&member_id)
            .map(|p| p.values().cloned().collect())
            .unwrap_or_default();
        let reports = self
            .reports
            .get(&member_id)
            .map_or(&[][..], |(_, r)| r.as_slice());
        member_fund_part(&self.settings, &plans, member_id, reports, &self.book)
    }

    /// The credit book as of [`OrgFold::seq`].
    pub fn credit(&self) -> &Arc<CreditBook> {
        &self.credit
    }
}

/// A member's statement as the fold has it at `version`.
#[derive(Debug, Clone)]
pub struct MemberView {
    /// See [`OrgFold::version`]: equal versions, equal statements.
    pub version: i64,
    pub fund: MemberFundPart,
    pub credit: Arc<CreditBook>,
    pub trade: Arc<StatementTrade>,
}

#[derive(Default)]
struct Slot {
    /// One reader of the log per organisation at a time.
    catching_up: tokio::sync::Mutex<()>,
    /// None until first read, and after an event failed to apply (read again from the start).
    fold: RwLock<Option<OrgFold>>,
    /// Trade as read at a global version; one reader at a time.
    trade: tokio::sync::Mutex<Option<(i64, Arc<StatementTrade>)>>,
}

/// The folds of the organisations a process reads statements of (bounded to
/// [`StatementFolds::MAX_ORGS`]). Share one per process.
#[derive(Default)]
pub struct StatementFolds {
    orgs: Mutex<HashMap<OrgId, Arc<Slot>>>,
}

impl StatementFolds {
    pub const MAX_ORGS: usize = 256;

    fn slot(&self, org_id: OrgId) -> Arc<Slot> {
        let mut orgs = self.orgs.lock().unwrap_or_else(|e| e.into_inner());
        if !orgs.contains_key(&org_id) && orgs.len() >= Self::MAX_ORGS {
            orgs.clear();
        }
        orgs.entry(org_id).or_default().clone()
    }

    /// Applies the events appended to the organisation's log since the fold's last one (its
    /// whole log the first time) and answers the seq of the last: the log's head.
    pub async fn catch_up(&self, app: &App, org_id: OrgId) -> Result<i64, AppError> {
        let slot = self.slot(org_id);
        let _one = slot.catching_up.lock().await;
        let known = read(&slot.fold).as_ref().map(OrgFold::seq);
        let mut after = match known {
            Some(seq) => seq,
            None => {
                let settings = app.fund_settings(org_id).await?;
                *write(&slot.fold) = Some(OrgFold::new(settings));
                0
            }
        };
        loop {
            let page = Page {
                after_id: after,
                limit: MAX_PAGE,
            };
            let events = app.store().events(org_id, None, page).await?;
            let full = events.len() as u32 == MAX_PAGE;
            if events.is_empty() {
                break;
            }
            let mut guard = write(&slot.fold);
            let Some(fold) = guard.as_mut() else {
                return Err(AppError::Integrity("statement fold dropped".into()));
            };
            for e in events {
                if let Err(err) = fold.apply(e) {
                    *guard = None;
                    return Err(err);
                }
            }
            after = fold.seq();
            if !full {
                break;
            }
        }
        Ok(after)
    }

    /// The version of `member_id`'s statement in the fold as it is (None before the first
    /// [`StatementFolds::catch_up`]).
    pub fn version(&self, org_id: OrgId, member_id: MemberId) -> Option<i64> {
        let slot = self.slot(org_id);
        let guard = read(&slot.fold);
        guard.as_ref().map(|f| f.version(member_id))
    }

    /// `member_id`'s statement as the fold has it (read from the log first when cold). Call
    /// [`StatementFolds::catch_up`] before it to see the log's head.
    pub async fn view(
        &self,
        app: &App,
        org_id: OrgId,
        member_id: MemberId,
    ) -> Result<MemberView, AppError> {
        let slot = self.slot(org_id);
        let mut attempt = 0;
        let (version, global, fund, credit) = loop {
            {
                let guard = read(&slot.fold);
                if let Some(f) = guard.as_ref() {
                    break (
                        f.version(member_id),
                        f.global_version(),
                        f.member_part(member_id)?,
                        f.credit().clone(),
                    );
                }
            }
            attempt += 1;
            if attempt > 2 {
                return Err(AppError::Integrity("statement fold unavailable".into()));
            }
            self.catch_up(app, org_id).await?;
        };
        let trade = {
            let mut trade = slot.trade.lock().await;
            match trade.as_ref() {
                Some((at, t)) if *at >= global => t.clone(),
                _ => {
                    let t = Arc::new(app.statement_trade(org_id, STATEMENT_TRADE_ITEMS).await?);
                    *trade = Some((global, t.clone()));
                    t
                }
            }
        };
        Ok(MemberView {
            version,
            fund,
            credit,
            trade,
        })
    }

    /// `member_id`'s statement as of the log's head.
    pub async fn member_now(
        &self,
        app: &App,
        org_id: OrgId,
        member_id: MemberId,
    ) -> Result<MemberView, AppError> {
        self.catch_up(app, org_id).await?;
        self.view(app, org_id, member_id).await
    }
}

fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|e| e.into_inner())
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(|e| e.into_inner())
}
