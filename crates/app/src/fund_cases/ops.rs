//! The Fund's other movements, each one commit of a `fund` rule's decision: grants and
//! temporary contributions (R-FUND-1, R-FUND-2), Competition spending with a board decision
//! (R-FUND-3), Development withdrawals (R-FUND-4, R-FUND-5), members paying what the close made
//! owed (R-FUND-1, R-PLAN-3) and the trust side of loan installments (R-FUND-6).
//!
//! Every command carries a reference chosen by the caller (a receipt number, a payment id...);
//! its event key is derived from it, so repeating a command is a replay that changes nothing
//! (`FundOpOutcome::replay`), whatever the Fund's state is by then.

use super::{event, fund_decision_commit, Audit, FUND_STREAM};
use crate::{App, AppError, FactDate};
use chrono::NaiveDate;
use fund::{
    BoardDecision, Borrower, CompetitionCategory, CompetitionSpend, Decision, FundError,
    FundSettings, FundState, InstallmentDue, PaymentMethod, Withdrawal, WithdrawalPurpose,
};
use ledger::{AccountCode, Money};
use store::{Commit, MemberId, OrgId, MAX_BATCH_ENTRIES};

/// The slot a Fund operation claims: the number of `fund` events it read (see
/// `crate::retry`), its payload the operation's key.
pub(crate) fn fund_slot(
    events_read: u64,
    key: &str,
    audit: &Audit,
) -> Result<store::NewEvent, AppError> {
    event(
        crate::credit_cases::gate::SLOT_STREAM,
        "fund.slot",
        format!("fund:slot:{events_read}"),
        &key,
        audit,
    )
}

/// What a Fund command did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundOpOutcome {
    /// The event key the command was recorded under.
    pub key: String,
    /// The id the rule used (grant, temporary contribution, payment...).
    pub id: i64,
    /// True when the command had been recorded before: nothing was written.
    pub replay: bool,
}

/// What settling a member's debts paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Settlement {
    pub contribution_minor: i64,
    pub profit_share_minor: i64,
    pub replay: bool,
}

/// A deterministic id from a caller's reference (FNV-1a, 63 bits).
pub(crate) fn ref_id(reference: &str) -> i64 {
    (fund::content_hash(reference) >> 1) as i64
}

fn check_reference(reference: &str) -> Result<&str, AppError> {
    let r = reference.trim();
    if r.is_empty() || r.len() > 80 || r.contains(char::is_whitespace) {
        return Err(registry::FieldError::new(
            "reference",
            "must be 1 to 80 characters without spaces (a receipt or payment number)",
        )
        .into());
    }
    Ok(r)
}

impl App {
    /// Runs a Fund rule under `key` unless it was recorded before: checks the date the fact
    /// happened ([`App::fact_date`]), loads settings and state, asks the rule (with the id
    /// derived from the key and that date, the date of its entries), commits its decision in
    /// one commit.
    async fn fund_op(
        &self,
        org_id: OrgId,
        key: String,
        when: impl Into<FactDate>,
        audit: &Audit,
        rule: impl Fn(&FundSettings, &FundState, i64, NaiveDate) -> Result<Decision, FundError>,
    ) -> Result<FundOpOutcome, AppError> {
        let on = self.fact_date(org_id, when).await?;
        let id = ref_id(&key);
        // Two operations that read the same Fund claim the same slot: the second runs again
        // on what the first did, so two withdrawals sent at once can never together pass an
        // entitlement or a sub-fund's cash (R-FUND-4, R-FUND-5) that each passes alone.
        retrying!("fund_op", {
            // The Fund is read before the key is looked up: a copy of this operation that
            // commits after the lookup is then not in what was read either, so both claim
            // the same slot with the same key (a replay), never a slot of their own.
            let book = self.fund_book(org_id).await?;
            if self.has_event(org_id, &key).await? {
                return Ok(FundOpOutcome {
                    key: key.clone(),
                    id,
                    replay: true,
                });
            }
            let settings = self.fund_settings(org_id).await?;
            let decision = rule(&settings, &book.state, id, on)?;
            let mut commit = fund_decision_commit(&key, &decision, audit)?;
            commit
                .events
                .push(fund_slot(book.events_read, &key, audit)?);
            let committed = self.store().commit(org_id, &commit).await?;
            Ok(FundOpOutcome {
                key: key.clone(),
                id,
                replay: committed.was_replay(),
            })
        })
    }

    /// R-FUND-1, R-FUND-2: a grant enters the Fund, split 50/50 (odd centavo to Development).
    pub async fn receive_grant(
        &self,
        org_id: OrgId,
        reference: &str,
        donor: &str,
        amount_minor: i64,
        when: impl Into<FactDate>,
        audit: &Audit,
    ) -> Result<FundOpOutcome, AppError> {
        let key = format!("grant:{}", check_reference(reference)?);
        self.fund_op(org_id, key, when, audit, |s, _, id, on| {
            fund::receive_grant(s, id, donor, Money::new(amount_minor, s.currency), on)
        })
        .await
    }

    /// R-FUND-1: a temporary contribution enters the trust and is owed back until returned.
    pub async fn receive_temporary(
        &self,
        org_id: OrgId,
        reference: &str,
        contributor: &str,
        amount_minor: i64,
        when: impl Into<FactDate>,
        audit: &Audit,
    ) -> Result<FundOpOutcome, AppError> {
        let key = format!("temporary:{}", check_reference(reference)?);
        self.fund_op(org_id, key, when, audit, |s, state, id, on| {
            fund::receive_temporary(
                s,
                state,
                id,
                contributor,
                Money::new(amount_minor, s.currency),
                on,
            )
        })
        .await
    }

    /// R-FUND-1: returns the temporary contribution received under `reference`.
    pub async fn return_temporary(
        &self,
        org_id: OrgId,
        reference: &str,
        when: impl Into<FactDate>,
        audit: &Audit,
    ) -> Result<FundOpOutcome, AppError> {
        let reference = check_reference(reference)?;
        let id = ref_id(&format!("temporary:{reference}"));
        let key = format!("temporary-return:{reference}");
        self.fund_op(org_id, key, when, audit, |s, state, _, on| {
            fund::return_temporary(s, state, id, on)
        })
        .await
    }

    /// R-FUND-3: pays from the Competition Sub-Fund for one of the allowed categories, under an
    /// approved board decision, within the decision's amount and the sub-fund's cash.
    #[allow(clippy::too_many_arguments)]
    pub async fn spend_competition(
        &self,
        org_id: OrgId,
        reference: &str,
        category: CompetitionCategory,
        description: &str,
        amount_minor: i64,
        decision_id: Option<i64>,
        when: impl Into<FactDate>,
        audit: &Audit,
    ) -> Result<FundOpOutcome, AppError> {
        let key = format!("spend:{}", check_reference(reference)?);
        let decision = match decision_id {
            Some(id) => Some(
                board_decision_of(
                    self,
                    org_id,
                    id,
                    governance::ProposalKind::Expenditure,
                    "R-FUND-3",
                )
                .await?,
            ),
            None => None,
        };
        self.fund_op(org_id, key, when, audit, |s, state, id, on| {
            fund::spend_competition(
                s,
                state,
                &CompetitionSpend {
                    payment_id: id,
                    category,
                    description: description.to_string(),
                    amount: Money::new(amount_minor, s.currency),
                    decision: decision.clone(),
                },
                on,
            )
        })
        .await
    }

    /// R-FUND-4, R-FUND-5: a member uses their entitlement for one of the five purposes
    /// (education of children needs the board decision that set the criteria).
    #[allow(clippy::too_many_arguments)]
    pub async fn withdraw_development(
        &self,
        org_id: OrgId,
        reference: &str,
        member_id: MemberId,
        purpose: WithdrawalPurpose,
        amount_minor: i64,
        decision_id: Option<i64>,
        when: impl Into<FactDate>,
        audit: &Audit,
    ) -> Result<FundOpOutcome, AppError> {
        let key = format!("withdrawal:{}", check_reference(reference)?);
        let member = self.store().member(org_id, member_id).await?;
        let board_decision = match decision_id {
            Some(id) => Some(
                board_decision_of(
                    self,
                    org_id,
                    id,
                    governance::ProposalKind::WithdrawalCriteria,
                    "R-FUND-4",
                )
                .await?,
            ),
            None => None,
        };
        self.fund_op(org_id, key, when, audit, |s, state, id, on| {
            fund::withdraw(
                s,
                state,
                &member,
                &Withdrawal {
                    withdrawal_id: id,
                    purpose,
                    amount: Money::new(amount_minor, s.currency),
                    board_decision: board_decision.clone(),
                },
                on,
            )
        })
        .await
    }

    /// What the ODF owes a member for sales (the credit balance of `members:{id}:payable`).
    pub async fn member_payable_minor(
        &self,
        org_id: OrgId,
        member_id: MemberId,
    ) -> Result<i64, AppError> {
        let code = fund::chart::code::member_payable(member_id);
        Ok((-self.store().account_balance(org_id, &code).await?).max(0))
    }

    /// R-FUND-1, R-PLAN-3: settles what the closes made a member owe: contributions first
    /// (into the trust, per sub-fund in proportion to what is outstanding), then the ODF's
    /// profit share, up to `limit_minor` (None: everything outstanding), in ONE commit under
    /// `payment:{reference}`.
    ///
    /// `deduct_from_sales = true` is the contract for the trade side: what the ODF owes the
    /// member for sales (`members:{id}:payable`) pays the debts, never more than that balance;
    /// the trade helper calls this after crediting a sale to the member's payable.
    #[allow(clippy::too_many_arguments)]
    pub async fn settle_member_debts(
        &self,
        org_id: OrgId,
        member_id: MemberId,
        reference: &str,
        limit_minor: Option<i64>,
        deduct_from_sales: bool,
        when: impl Into<FactDate>,
        audit: &Audit,
    ) -> Result<Settlement, AppError> {
        let key = format!("payment:{}", check_reference(reference)?);
        let on = self.fact_date(org_id, when).await?;
        if self.has_event(org_id, &key).await? {
            return Ok(Settlement {
                replay: true,
                ..Settlement::default()
            });
        }
        self.store().member(org_id, member_id).await?;
        let settings = self.fund_settings(org_id).await?;
        let state = self.fund_state(org_id).await?;
        let payable = if deduct_from_sales {
            Some(self.member_payable_minor(org_id, member_id).await?)
        } else {
            None
        };
        let decision = settle_decision(
            &settings,
            &state,
            member_id,
            ref_id(&key),
            limit_minor,
            payable,
            on,
        )?;
        let (c, p) = paid_of(&decision);
        if decision.entries.is_empty() {
            return Ok(Settlement::default());
        }
        let committed = self
            .commit_fund_decision(org_id, &key, &decision, audit)
            .await?;
        Ok(Settlement {
            contribution_minor: c,
            profit_share_minor: p,
            replay: committed.was_replay(),
        })
    }

    /// Every member of the organisation pays in cash everything the closes made them owe
    /// (the demo's monthly collection; a cashier's batch). Commits of at most
    /// `MAX_BATCH_ENTRIES` entries; a member's payment key derives from `reference` and the
    /// member, so a run killed part-way and run again pays nobody twice. The last commit
    /// records `settle:{reference}:done`: the collection is then done, and running it again
    /// later, when later closes have made members owe more, changes nothing (it would
    /// otherwise pay those new debts under this collection's keys). Returns the total paid
    /// by this run.
    pub async fn settle_all_in_cash(
        &self,
        org_id: OrgId,
        reference: &str,
        when: impl Into<FactDate>,
        audit: &Audit,
    ) -> Result<i64, AppError> {
        let reference = check_reference(reference)?;
        let on = self.fact_date(org_id, when).await?;
        let done_key = format!("settle:{reference}:done");
        if self.has_event(org_id, &done_key).await? {
            return Ok(0);
        }
        let done = event(
            FUND_STREAM,
            "fund.settlement-done",
            done_key,
            &reference,
            audit,
        )?;
        let settings = self.fund_settings(org_id).await?;
        let state = self.fund_state(org_id).await?;
        let mut total = 0;
        let mut batch = Decision::default();
        let mut first: Option<MemberId> = None;
        let members: Vec<MemberId> = state.members.keys().copied().collect();
        for member_id in members {
            let key = format!("settle:{reference}:m{member_id}");
            let d = settle_decision(&settings, &state, member_id, ref_id(&key), None, None, on)?;
            if d.entries.is_empty() {
                continue;
            }
            if batch.entries.len() + d.entries.len() > MAX_BATCH_ENTRIES {
                let k = format!("settle:{reference}:from-m{}", first.unwrap_or(0));
                self.commit_fund_decision(org_id, &k, &batch, audit).await?;
                batch = Decision::default();
                first = None;
            }
            let (c, p) = paid_of(&d);
            total += c + p;
            first.get_or_insert(member_id);
            batch.entries.extend(d.entries);
            batch.events.extend(d.events);
        }
        let mut last = if batch.entries.is_empty() {
            Commit::default()
        } else {
            let k = format!("settle:{reference}:from-m{}", first.unwrap_or(0));
            fund_decision_commit(&k, &batch, audit)?
        };
        last.events.push(done);
        self.store().commit(org_id, &last).await?;
        Ok(total)
    }

    /// R-FUND-6: the trustee pays a due installment from the Fund for a borrower; key
    /// `installment:{ref}`. (The credit side may instead call `fund::pay_installment_from_fund`
    /// and [`App::commit_fund_decision`] itself, together with its own entries.)
    pub async fn pay_installment_from_fund(
        &self,
        org_id: OrgId,
        due: &InstallmentDue,
        when: impl Into<FactDate>,
        audit: &Audit,
    ) -> Result<FundOpOutcome, AppError> {
        let key = format!("installment:{}", check_reference(&due.installment_ref)?);
        self.fund_op(org_id, key, when, audit, |s, state, _, on| {
            fund::pay_installment_from_fund(s, state, due, on)
        })
        .await
    }

    /// R-FUND-6: a borrower puts back into the trust what it paid for them.
    #[allow(clippy::too_many_arguments)]
    pub async fn replenish_fund(
        &self,
        org_id: OrgId,
        reference: &str,
        borrower: &Borrower,
        amount_minor: i64,
        source: Option<AccountCode>,
        when: impl Into<FactDate>,
        audit: &Audit,
    ) -> Result<FundOpOutcome, AppError> {
        let key = format!("replenish:{}", check_reference(reference)?);
        self.fund_op(org_id, key, when, audit, |s, state, id, on| {
            fund::replenish(
                s,
                state,
                id,
                borrower,
                Money::new(amount_minor, s.currency),
                source.clone(),
                on,
            )
        })
        .await
    }
}

/// Contributions then profit share, up to the limit and what can be deducted.
pub(crate) fn settle_decision(
    settings: &FundSettings,
    state: &FundState,
    member_id: MemberId,
    payment_id: i64,
    limit_minor: Option<i64>,
    payable_minor: Option<i64>,
    today: NaiveDate,
) -> Result<Decision, FundError> {
    let m = state.member(member_id);
    let mut room = limit_minor
        .unwrap_or(i64::MAX)
        .min(payable_minor.unwrap_or(i64::MAX));
    let mut out = Decision::default();
    let method = |left: i64| match payable_minor {
        Some(_) => PaymentMethod::DeductFromPayable {
            payable_balance_minor: left,
        },
        None => PaymentMethod::Cash,
    };
    let contribution = m.outstanding().total().min(room);
    if contribution > 0 {
        let d = fund::pay_contribution(
            settings,
            state,
            payment_id,
            member_id,
            contribution,
            method(room),
            today,
        )?;
        out.entries.extend(d.entries);
        out.events.extend(d.events);
        room -= contribution;
    }
    let share = m.profit_share_outstanding_minor().min(room);
    if share > 0 {
        let d = fund::pay_profit_share(
            settings,
            state,
            payment_id,
            member_id,
            share,
            method(room),
            today,
        )?;
        out.entries.extend(d.entries);
        out.events.extend(d.events);
    }
    Ok(out)
}

pub(crate) fn paid_of(d: &Decision) -> (i64, i64) {
    let mut c = 0;
    let mut p = 0;
    for e in &d.events {
        match e {
            fund::FundEvent::ContributionPaid { split, .. } => c += split.total(),
            fund::FundEvent::ProfitSharePaid { amount_minor, .. } => p += amount_minor,
            _ => {}
        }
    }
    (c, p)
}

/// Maps the governance record of a board decision onto what the Fund's rules read. The
/// decision must be of the kind the payment needs (an expenditure for R-FUND-3, withdrawal
/// criteria for education withdrawals under R-FUND-4).
async fn board_decision_of(
    app: &App,
    org_id: OrgId,
    decision_id: i64,
    kind: governance::ProposalKind,
    rule: &'static str,
) -> Result<BoardDecision, AppError> {
    let d = app.decision(org_id, decision_id).await?;
    if d.kind != kind {
        return Err(FundError::rule(
            rule,
            "decision_id",
            format!(
                "decision {decision_id} is a {} decision, not {}",
                d.kind.as_str(),
                kind.as_str()
            ),
        )
        .into());
    }
    let currency = app.store().org(org_id).await?.data.currency;
    Ok(BoardDecision {
        decision_id: d.proposal_id,
        date: d.decided_on,
        approved: d.approved,
        purpose: d.purpose,
        amount: Money::new(d.amount_minor, currency),
    })
}
