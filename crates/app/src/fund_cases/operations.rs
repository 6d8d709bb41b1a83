//! What the Fund's operation pages read before a person acts (issue 18): the approved
//! expenditure decisions with what each still authorises (R-FUND-3, R-GOV-2), the decisions
//! that set the criteria of education withdrawals (R-FUND-4), a member's entitlement and the
//! day individual use opens (R-FUND-4, R-FUND-5), what the closes made members owe (R-FUND-1,
//! R-PLAN-3), the temporary contributions not yet returned with their references (R-FUND-1),
//! and a member's payment read back as a receipt.
//!
//! Nothing here writes: the operations themselves are [`super::ops`]'s use cases, which the
//! CLI calls too, so the web, the API and `tequio fund` decide alike.

use super::{parse_payload, DecisionPayload, FUND_STREAM};
use crate::access_cases::{AccessError, Action, OrgRole, Viewer};
use crate::{App, AppError};
use chrono::{DateTime, NaiveDate, Utc};
use fund::{Entitlement, FundEvent};
use governance::ProposalKind;
use store::{MemberId, OrgId, StoreError};

/// An approved board decision of a kind a Fund payment names, with what was paid under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundDecision {
    pub proposal_id: i64,
    pub subject: String,
    pub purpose: String,
    /// The most the decision authorises.
    pub amount_minor: i64,
    /// R-FUND-3: what the Competition Sub-Fund already paid under it.
    pub spent_minor: i64,
    pub decided_on: NaiveDate,
}

impl FundDecision {
    /// What the decision still authorises.
    pub fn left_minor(&self) -> i64 {
        (self.amount_minor - self.spent_minor).max(0)
    }
}

/// R-FUND-4, R-FUND-5: what a member may withdraw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WithdrawalPosition {
    pub entitlement: Entitlement,
    /// The first day of the Fund's fourth year: no withdrawal before it.
    pub opens_on: NaiveDate,
    /// The Development trust account's cash (a withdrawal never exceeds it).
    pub development_cash_minor: i64,
}

/// R-FUND-1, R-PLAN-3: what the closes made a member owe and they have not paid.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MemberOwed {
    pub member_id: MemberId,
    pub name: String,
    pub contribution_minor: i64,
    pub profit_share_minor: i64,
}

impl MemberOwed {
    pub fn total_minor(&self) -> i64 {
        self.contribution_minor + self.profit_share_minor
    }
}

/// R-FUND-1: a temporary contribution still owed back to its contributor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemporaryOutstanding {
    /// The reference it was received under (`temporary:{reference}`).
    pub reference: String,
    pub contributor: String,
    pub amount_minor: i64,
}

/// R-FUND-6: a notice of non-fulfilment standing now: the trust paid more for the borrower
/// than they put back. It is resolved when the borrower replenishes the Fund.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeStanding {
    /// The member who borrowed; `None` for the ODF itself.
    pub member_id: Option<MemberId>,
    /// The member's name (empty for the ODF).
    pub name: String,
    pub amount_minor: i64,
}

/// A member's payment of what the closes made them owe, as its receipt shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundReceipt {
    /// The receipt's number: the seq of the payment's event (unique in the organisation).
    pub number: i64,
    pub reference: String,
    pub member_id: MemberId,
    pub contribution_minor: i64,
    pub profit_share_minor: i64,
    pub recorded_at: DateTime<Utc>,
}

/// R-FUND-5: "each member decides how to use their own entitlement": only the member
/// themself withdraws. Someone who may not see the member gets NotFound (as for a missing
/// one); staff, the board and supervisors, who see the member, are Forbidden.
pub fn check_withdrawal(
    viewer: &Viewer,
    org_id: OrgId,
    member_id: MemberId,
) -> Result<(), AccessError> {
    viewer.check(org_id, Action::ViewMember(member_id))?;
    let own = viewer
        .roles_in(org_id)
        .any(|g| g.role == OrgRole::Member && g.member_id == Some(member_id));
    if own {
        Ok(())
    } else {
        Err(AccessError::Forbidden {
            rule: "R-FUND-5",
            action: "withdraw".into(),
        })
    }
}

impl App {
    /// R-GOV-2: the approved decisions of `kind`, newest first; for expenditures, with what the
    /// Competition Sub-Fund paid under each (R-FUND-3).
    pub async fn fund_decisions(
        &self,
        org_id: OrgId,
        kind: ProposalKind,
    ) -> Result<Vec<FundDecision>, AppError> {
        let state = self.fund_state(org_id).await?;
        let mut out: Vec<FundDecision> = self
            .proposals(org_id)
            .await?
            .into_iter()
            .filter_map(|r| r.decision)
            .filter(|d| d.approved && d.kind == kind)
            .map(|d| FundDecision {
                spent_minor: state
                    .spent_by_decision
                    .get(&d.proposal_id)
                    .copied()
                    .unwrap_or(0),
                proposal_id: d.proposal_id,
                subject: d.subject,
                purpose: d.purpose,
                amount_minor: d.amount_minor,
                decided_on: d.decided_on,
            })
            .collect();
        out.sort_by_key(|d| std::cmp::Reverse(d.proposal_id));
        Ok(out)
    }

    /// R-FUND-4, R-FUND-5: a member's entitlement now, the day individual use opens and the
    /// Development trust account's cash.
    pub async fn withdrawal_position(
        &self,
        org_id: OrgId,
        member_id: MemberId,
    ) -> Result<WithdrawalPosition, AppError> {
        self.store().member(org_id, member_id).await?;
        let settings = self.fund_settings(org_id).await?;
        let state = self.fund_state(org_id).await?;
        Ok(WithdrawalPosition {
            entitlement: fund::entitlement_of(&state, member_id),
            opens_on: settings.individual_use_opens(),
            development_cash_minor: state.trust.development_minor,
        })
    }

    /// R-FUND-1, R-PLAN-3: every member who owes contributions or profit share from the
    /// closes, in member id order.
    pub async fn members_owing(&self, org_id: OrgId) -> Result<Vec<MemberOwed>, AppError> {
        let state = self.fund_state(org_id).await?;
        let owing: Vec<MemberOwed> = state
            .members
            .iter()
            .map(|(&member_id, m)| MemberOwed {
                member_id,
                name: String::new(),
                contribution_minor: m.outstanding().total(),
                profit_share_minor: m.profit_share_outstanding_minor(),
            })
            .filter(|o| o.total_minor() > 0)
            .collect();
        if owing.is_empty() {
            return Ok(owing);
        }
        let members = super::reports::all_members(self, org_id).await?;
        Ok(owing
            .into_iter()
            .map(|o| MemberOwed {
                name: members
                    .get(&o.member_id)
                    .map(crate::dues_cases::member_name)
                    .unwrap_or_default(),
                ..o
            })
            .collect())
    }

    /// R-FUND-6: the notices of non-fulfilment standing now, in borrower order (the ODF first).
    pub async fn notices_standing(&self, org_id: OrgId) -> Result<Vec<NoticeStanding>, AppError> {
        let state = self.fund_state(org_id).await?;
        let mut out = Vec::new();
        for n in fund::trust::non_fulfilment_notices(&state) {
            let member_id = match n.borrower {
                fund::Borrower::Member(id) => Some(id),
                fund::Borrower::Odf => None,
            };
            let name = match member_id {
                Some(id) => crate::dues_cases::member_name(&self.store().member(org_id, id).await?),
                None => String::new(),
            };
            out.push(NoticeStanding {
                member_id,
                name,
                amount_minor: n.amount_minor,
            });
        }
        Ok(out)
    }

    /// R-FUND-1: the temporary contributions not yet returned, in the order received.
    pub async fn temporary_outstanding(
        &self,
        org_id: OrgId,
    ) -> Result<Vec<TemporaryOutstanding>, AppError> {
        let state = self.fund_state(org_id).await?;
        let mut out = Vec::new();
        for e in self.read_stream(org_id, Some(FUND_STREAM)).await? {
            let Some(reference) = e.event.key.strip_prefix("temporary:") else {
                continue;
            };
            // The first chunk's key is the command's: `temporary:{reference}`.
            let id = super::ops::ref_id(&e.event.key);
            if let Some(t) = state.temporary.get(&id).filter(|t| !t.returned) {
                out.push(TemporaryOutstanding {
                    reference: reference.to_string(),
                    contributor: t.contributor.clone(),
                    amount_minor: t.received.total(),
                });
            }
        }
        Ok(out)
    }

    /// The receipt of the payment recorded under `reference` (`payment:{reference}`, see
    /// [`App::settle_member_debts`]); NotFound when there is none.
    pub async fn fund_payment_receipt(
        &self,
        org_id: OrgId,
        reference: &str,
    ) -> Result<FundReceipt, AppError> {
        let key = format!("payment:{}", reference.trim());
        let e = self.store().event_by_key(org_id, &key).await?;
        if e.event.kind != "fund.decision" {
            return Err(StoreError::NotFound { what: key }.into());
        }
        let payload: DecisionPayload = parse_payload(&e)?;
        let mut receipt = FundReceipt {
            number: e.seq,
            reference: reference.trim().to_string(),
            member_id: 0,
            contribution_minor: 0,
            profit_share_minor: 0,
            recorded_at: e.event.recorded_at,
        };
        for ev in &payload.events {
            match ev {
                FundEvent::ContributionPaid {
                    member_id, split, ..
                } => {
                    receipt.member_id = *member_id;
                    receipt.contribution_minor += split.total();
                }
                FundEvent::ProfitSharePaid {
                    member_id,
                    amount_minor,
                    ..
                } => {
                    receipt.member_id = *member_id;
                    receipt.profit_share_minor += amount_minor;
                }
                _ => {}
            }
        }
        Ok(receipt)
    }
}
