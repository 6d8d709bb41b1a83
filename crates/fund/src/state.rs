//! [`FundState`]: the plain-data position of one organisation's Fund that the rules read, and
//! [`FundEvent`]s, the facts the rules decide, which fold into it with [`FundState::apply`].
//!
//! The shell may rebuild the state from stored events or from ledger balances; the rules only
//! read it. Every amount is in minor units of the organisation's currency.

use crate::close::CloseLine;
use crate::competition::CompetitionCategory;
use crate::development::WithdrawalPurpose;
use crate::trust::Borrower;
use crate::{Period, Split};
use std::collections::BTreeMap;

/// One member's position in the Fund.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MemberFund {
    /// R-FUND-1/2: contributions made owed by closes (adjustments included), per sub-fund.
    pub owed: Split,
    /// Contributions actually paid into the trust, per sub-fund (R-FUND-5 counts these).
    pub paid: Split,
    /// R-PLAN-3: profit share owed to the ODF and paid.
    pub profit_share_owed_minor: i64,
    pub profit_share_paid_minor: i64,
    /// R-FUND-5: what the member already withdrew from the Development Sub-Fund.
    pub withdrawn_minor: i64,
}

impl MemberFund {
    /// Contributions owed and not yet paid, per sub-fund, never below zero.
    pub fn outstanding(&self) -> Split {
        self.owed.minus(self.paid).floor_zero()
    }

    pub fn profit_share_outstanding_minor(&self) -> i64 {
        (self.profit_share_owed_minor - self.profit_share_paid_minor).max(0)
    }
}

/// A temporary contribution (R-FUND-1): in the Fund, owed back until returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemporaryContribution {
    pub contributor: String,
    pub received: Split,
    pub returned: bool,
}

/// R-FUND-6: what the trustee paid for one borrower and what the borrower put back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BorrowerPosition {
    pub paid: Split,
    pub replenished: Split,
}

impl BorrowerPosition {
    /// R-FUND-6: payments made minus replenishments, never below zero.
    pub fn shortfall_minor(&self) -> i64 {
        (self.paid.total() - self.replenished.total()).max(0)
    }
}

/// The Fund of one organisation.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FundState {
    /// Cash in the trust per sub-fund (`fund:trust-bank:*`).
    pub trust: Split,
    /// Grants received, per sub-fund (R-FUND-1, R-FUND-2).
    pub grants: Split,
    /// Temporary contributions by id.
    pub temporary: BTreeMap<i64, TemporaryContribution>,
    pub members: BTreeMap<i64, MemberFund>,
    pub borrowers: BTreeMap<Borrower, BorrowerPosition>,
    /// R-FUND-3: spent from the Competition Sub-Fund, in total and per board decision.
    pub competition_spent_minor: i64,
    pub spent_by_decision: BTreeMap<i64, i64>,
    /// R-FUND-4: withdrawn individually from the Development Sub-Fund, in total.
    pub development_withdrawn_minor: i64,
    /// R-BUY-2: working capital the Competition Sub-Fund lent to trade and trade has not yet
    /// repaid (`fund:receivable:working-capital`): out of the trust, still the Fund's.
    pub working_capital_minor: i64,
}

/// A fact decided by a rule. Serialisable: the app stores these as event payloads.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FundEvent {
    /// R-FUND-1, R-FUND-2, R-PLAN-3: a close (or an adjusting close) changed what a member
    /// owes for a period. Amounts are the change, not the total.
    Accrued {
        member_id: i64,
        period: Period,
        contribution: Split,
        profit_share_minor: i64,
        /// `Some(n)` for the n-th adjustment of that member and period.
        adjustment: Option<u32>,
    },
    ContributionPaid {
        member_id: i64,
        split: Split,
        deducted_from_payable: bool,
    },
    ProfitSharePaid {
        member_id: i64,
        amount_minor: i64,
        deducted_from_payable: bool,
    },
    GrantReceived {
        grant_id: i64,
        donor: String,
        split: Split,
    },
    TemporaryReceived {
        id: i64,
        contributor: String,
        split: Split,
    },
    TemporaryReturned {
        id: i64,
        split: Split,
    },
    CompetitionSpent {
        payment_id: i64,
        decision_id: i64,
        category: CompetitionCategory,
        amount_minor: i64,
    },
    DevelopmentWithdrawn {
        withdrawal_id: i64,
        member_id: i64,
        purpose: WithdrawalPurpose,
        amount_minor: i64,
    },
    InstallmentPaidFromFund {
        borrower: Borrower,
        installment_ref: String,
        split: Split,
    },
    Replenished {
        borrower: Borrower,
        split: Split,
    },
    /// R-BUY-2: the Competition Sub-Fund lent trade working capital for `act` (a supplier
    /// payment or a sale's advance, by its trade key).
    WorkingCapitalLent {
        act: String,
        amount_minor: i64,
    },
    /// R-BUY-2: trade repaid working capital (`act`, the repayment's trade key).
    WorkingCapitalRepaid {
        act: String,
        amount_minor: i64,
    },
}

impl FundEvent {
    /// The event a close line stands for.
    pub fn accrued(period: Period, line: &CloseLine) -> FundEvent {
        FundEvent::Accrued {
            member_id: line.member_id,
            period,
            contribution: line.delta_contribution,
            profit_share_minor: line.delta_profit_share_minor,
            adjustment: line.adjustment,
        }
    }
}

impl FundState {
    pub fn member(&self, member_id: i64) -> MemberFund {
        self.members.get(&member_id).copied().unwrap_or_default()
    }

    /// Folds one event into the state.
    pub fn apply(&mut self, event: &FundEvent) {
        match event {
            FundEvent::Accrued {
                member_id,
                contribution,
                profit_share_minor,
                ..
            } => {
                let m = self.members.entry(*member_id).or_default();
                m.owed = m.owed.plus(*contribution);
                m.profit_share_owed_minor += profit_share_minor;
            }
            FundEvent::ContributionPaid {
                member_id, split, ..
            } => {
                let m = self.members.entry(*member_id).or_default();
                m.paid = m.paid.plus(*split);
                self.trust = self.trust.plus(*split);
            }
            FundEvent::ProfitSharePaid {
                member_id,
                amount_minor,
                ..
            } => {
                self.members
                    .entry(*member_id)
                    .or_default()
                    .profit_share_paid_minor += amount_minor;
            }
            FundEvent::GrantReceived { split, .. } => {
                self.grants = self.grants.plus(*split);
                self.trust = self.trust.plus(*split);
            }
            FundEvent::TemporaryReceived {
                id,
                contributor,
                split,
            } => {
                self.temporary.insert(
                    *id,
                    TemporaryContribution {
                        contributor: contributor.clone(),
                        received: *split,
                        returned: false,
                    },
                );
                self.trust = self.trust.plus(*split);
            }
            FundEvent::TemporaryReturned { id, split } => {
                if let Some(t) = self.temporary.get_mut(id) {
                    t.returned = true;
                }
                self.trust = self.trust.minus(*split);
            }
            FundEvent::CompetitionSpent {
                decision_id,
                amount_minor,
                ..
            } => {
                self.competition_spent_minor += amount_minor;
                *self.spent_by_decision.entry(*decision_id).or_default() += amount_minor;
                self.trust.competition_minor -= amount_minor;
            }
            FundEvent::DevelopmentWithdrawn {
                member_id,
                amount_minor,
                ..
            } => {
                self.members.entry(*member_id).or_default().withdrawn_minor += amount_minor;
                self.development_withdrawn_minor += amount_minor;
                self.trust.development_minor -= amount_minor;
            }
            FundEvent::InstallmentPaidFromFund {
                borrower, split, ..
            } => {
                let b = self.borrowers.entry(borrower.clone()).or_default();
                b.paid = b.paid.plus(*split);
                self.trust = self.trust.minus(*split);
            }
            FundEvent::Replenished { borrower, split } => {
                let b = self.borrowers.entry(borrower.clone()).or_default();
                b.replenished = b.replenished.plus(*split);
                self.trust = self.trust.plus(*split);
            }
            FundEvent::WorkingCapitalLent { amount_minor, .. } => {
                self.working_capital_minor += amount_minor;
                self.trust.competition_minor -= amount_minor;
            }
            FundEvent::WorkingCapitalRepaid { amount_minor, .. } => {
                self.working_capital_minor -= amount_minor;
                self.trust.competition_minor += amount_minor;
            }
        }
    }

    pub fn apply_all<'a>(&mut self, events: impl IntoIterator<Item = &'a FundEvent>) {
        for e in events {
            self.apply(e);
        }
    }

    /// R-FUND-2: each sub-fund's own balance: contributions made owed plus grants, less what
    /// was spent (Competition) or withdrawn (Development). Temporary contributions are not the
    /// group's and are not in it; installments paid for borrowers are a receivable, not a loss.
    pub fn sub_funds(&self) -> Split {
        let owed = self
            .members
            .values()
            .fold(Split::ZERO, |acc, m| acc.plus(m.owed));
        owed.plus(self.grants).minus(Split::new(
            self.development_withdrawn_minor,
            self.competition_spent_minor,
        ))
    }

    /// The Fund's net assets: trust cash, plus members' unpaid contributions, plus what
    /// borrowers owe the trust, plus working capital lent to trade (R-BUY-2), less temporary
    /// contributions not yet returned. Equals
    /// Development + Competition ([`FundState::sub_funds`]) after any sequence of decisions.
    pub fn net_assets_minor(&self) -> i64 {
        let receivable: i64 = self
            .members
            .values()
            .map(|m| m.owed.total() - m.paid.total())
            .sum();
        let borrowers: i64 = self
            .borrowers
            .values()
            .map(|b| b.paid.total() - b.replenished.total())
            .sum();
        self.trust.total() + receivable + borrowers + self.working_capital_minor
            - self.temporary_outstanding_minor()
    }

    /// Temporary contributions not yet returned (the liability of R-FUND-1).
    pub fn temporary_outstanding_minor(&self) -> i64 {
        self.temporary
            .values()
            .filter(|t| !t.returned)
            .map(|t| t.received.total())
            .sum()
    }

    /// R-FUND-4: everything registered in the Development Sub-Fund: its half of contributions
    /// actually paid and of grants (cumulative; withdrawals do not reduce it).
    pub fn registered_development_minor(&self) -> i64 {
        self.members
            .values()
            .map(|m| m.paid.development_minor)
            .sum::<i64>()
            + self.grants.development_minor
    }

    /// R-FUND-5: total deposits into the Fund: contributions actually paid plus grants
    /// **(decision)**; temporary contributions are owed back and are not deposits.
    pub fn total_deposits_minor(&self) -> i64 {
        self.members.values().map(|m| m.paid.total()).sum::<i64>() + self.grants.total()
    }
}
