//! Registry use cases (R-ORG-2..6): member import, leaving, roles, and union dues.

use crate::{App, AppError};
use chrono::NaiveDate;
use ledger::{Account, AccountCode, EntryDraft, Money, Posting};
use registry::{Member, NewRoleAssignment, RoleAssignment};
use store::{ImportOutcome, MemberId, OrgId, Posted};

impl App {
    /// R-ORG-2: imports a members CSV all or nothing. Every bad row is reported with its line
    /// number and field and nothing is imported; re-importing the same file changes nothing.
    pub async fn import_members_csv(
        &self,
        org_id: OrgId,
        csv_text: &str,
        today: NaiveDate,
    ) -> Result<ImportOutcome, AppError> {
        // Unknown organisations are refused before the file is even read.
        self.store().org(org_id).await?;
        let members = registry::import::parse_members_csv(csv_text, today)
            .map_err(|rows| AppError::Rows(rows.iter().map(|r| r.to_string()).collect()))?;
        Ok(self.store().import_members(org_id, &members).await?)
    }

    /// R-ORG-2: a member may leave at any time; the date and reason are recorded and no
    /// history is deleted.
    pub async fn record_leave(
        &self,
        org_id: OrgId,
        member_id: MemberId,
        left_on: NaiveDate,
        reason: &str,
    ) -> Result<Member, AppError> {
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 500 {
            return Err(
                registry::FieldError::new("reason", "must have 1 to 500 characters").into(),
            );
        }
        let member = self.store().member(org_id, member_id).await?;
        if left_on < member.data.joined_on {
            return Err(registry::FieldError::new("left_on", "is before the member joined").into());
        }
        Ok(self
            .store()
            .record_leave(org_id, member_id, left_on, reason)
            .await?)
    }

    /// R-ORG-5: gives a role. A board seat held by someone who is not a member of this
    /// organisation must name them (special members elected from the support committee's
    /// candidates); a member id must belong to this organisation.
    pub async fn assign_role(
        &self,
        org_id: OrgId,
        assignment: NewRoleAssignment,
    ) -> Result<RoleAssignment, AppError> {
        if assignment.person_name.trim().is_empty() {
            return Err(registry::FieldError::new("person_name", "must not be empty").into());
        }
        if let Some(member_id) = assignment.member_id {
            let member = self.store().member(org_id, member_id).await?;
            if !member.is_active_on(assignment.from) {
                return Err(registry::FieldError::new(
                    "member_id",
                    "the member is not active on the start date",
                )
                .into());
            }
        }
        Ok(self.store().assign_role(org_id, &assignment).await?)
    }

    /// R-ORG-6: charges one period's dues to every member active on `date` (idempotent per
    /// period: the key names the organisation's period and the member).
    pub async fn charge_dues(
        &self,
        org_id: OrgId,
        period: &str,
        date: NaiveDate,
    ) -> Result<usize, AppError> {
        let org = self.store().org(org_id).await?;
        let amount_minor = org.data.dues_amount_minor;
        if amount_minor <= 0 {
            return Ok(0);
        }
        let mut drafts = Vec::new();
        let mut page = store::Page::first(store::MAX_PAGE);
        loop {
            let members = self.store().members(org_id, page).await?;
            let Some(last) = members.last() else { break };
            page.after_id = last.id;
            for m in members.iter().filter(|m| m.is_active_on(date)) {
                drafts.push(dues_draft(
                    format!("dues:charge:{period}:{}", m.id),
                    "dues.charge",
                    date,
                    format!("Cuota {period}"),
                    Account::dues_receivable(m.id),
                    ledger::account::codes::dues_income(),
                    Money::new(amount_minor, org.data.currency),
                ));
            }
        }
        let mut created = 0;
        for chunk in drafts.chunks(store::MAX_BATCH_ENTRIES) {
            let posted = self.post_entries(org_id, chunk.to_vec()).await?;
            created += posted.iter().filter(|p| p.created).count();
        }
        Ok(created)
    }

    /// R-ORG-6: records a member's dues payment into the ODF's bank account.
    pub async fn pay_dues(
        &self,
        org_id: OrgId,
        member_id: MemberId,
        amount_minor: i64,
        date: NaiveDate,
        idempotency_key: &str,
    ) -> Result<Posted, AppError> {
        let org = self.store().org(org_id).await?;
        let amount = Money::positive(amount_minor, org.data.currency, "amount_minor")?;
        self.store().member(org_id, member_id).await?;
        self.post_entry(
            org_id,
            dues_draft(
                idempotency_key.to_string(),
                "dues.payment",
                date,
                "Pago de cuota".to_string(),
                ledger::account::codes::odf_bank(),
                Account::dues_receivable(member_id),
                amount,
            ),
        )
        .await
    }

    /// R-ORG-6: dues in arrears, visible to staff and to the member (minor units).
    pub async fn dues_arrears_minor(
        &self,
        org_id: OrgId,
        member_id: MemberId,
    ) -> Result<i64, AppError> {
        self.store().member(org_id, member_id).await?;
        Ok(self
            .store()
            .account_balance(org_id, &Account::dues_receivable(member_id))
            .await?)
    }
}

fn dues_draft(
    key: String,
    reason: &str,
    date: NaiveDate,
    memo: String,
    debit: AccountCode,
    credit: AccountCode,
    amount: Money,
) -> EntryDraft {
    EntryDraft {
        idempotency_key: key,
        reason: reason.to_string(),
        rule_id: "R-ORG-6".to_string(),
        date,
        memo,
        postings: vec![
            Posting::new(debit, amount),
            Posting::new(
                credit,
                Money::new(-amount.amount_minor(), amount.currency()),
            ),
        ],
        reverses: None,
    }
}
