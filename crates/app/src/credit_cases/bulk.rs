//! Many loans of one organisation approved and disbursed at once (demo and benchmark loading):
//! the same events and the same checks as [`App::approve_loan`] then [`App::disburse_loan`]
//! (R-CRED-3/4/5 in [`CreditBook::apply`], R-GOV-2 on the board's decision, an active member
//! as borrower), with the book, the members and the decisions read once instead of once per
//! loan. Committed in chunks; keys are the single path's, so a load killed part-way and run
//! again ends the same, and a loan approved before is skipped.

use super::book::{CreditBook, CreditEvent, Day, Terms};
use super::cases::{decision_ref_for, event_row};
use super::LoanApplication;
use crate::{Actor, App, AppError};
use registry::FieldError;
use std::collections::HashMap;
use store::{Commit, OrgId, Page, MAX_PAGE};

/// Loans per call.
pub const MAX_BULK_LOANS: usize = 100_000;
/// Loans per commit (two events and the disbursement's entries each).
const LOANS_PER_COMMIT: usize = 1_000;

/// A loan the board approved in decision `decision_id` (about `loan:{id}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkLoan {
    pub application: LoanApplication,
    pub decision_id: i64,
}

impl App {
    /// Approves and disburses `loans` in order (see the module). All are checked before
    /// anything is written: one refusal (naming the rule and the loan) and nothing is.
    /// Returns how many loans were new.
    pub async fn approve_and_disburse_loans_bulk(
        &self,
        org_id: OrgId,
        actor: &Actor,
        loans: Vec<BulkLoan>,
    ) -> Result<u32, AppError> {
        if loans.len() > MAX_BULK_LOANS {
            return Err(FieldError::new(
                "loans",
                format!("R-CRED-3: at most {MAX_BULK_LOANS} loans per call"),
            )
            .into());
        }
        let mut members = HashMap::new();
        let mut page = Page::first(MAX_PAGE);
        loop {
            let chunk = self.store().members(org_id, page).await?;
            let Some(last) = chunk.last() else { break };
            page.after_id = last.id;
            let full = chunk.len() == MAX_PAGE as usize;
            members.extend(chunk.into_iter().map(|m| (m.id, m)));
            if !full {
                break;
            }
        }
        let decisions: HashMap<i64, governance::Decision> = self
            .proposals(org_id)
            .await?
            .into_iter()
            .filter_map(|r| r.decision.map(|d| (r.proposal.id, d)))
            .collect();
        let mut book: CreditBook = self.credit_book(org_id).await?;
        let recorded_at = chrono::Utc::now();
        let mut commits = Vec::new();
        let mut commit = Commit::default();
        let mut in_commit = 0;
        let mut created = 0u32;
        for BulkLoan {
            application: a,
            decision_id,
        } in loans
        {
            let refuse = |e: AppError| match e {
                AppError::Field(f) => AppError::Field(FieldError::new(
                    f.field,
                    format!("loan {}: {}", a.loan_id, f.message),
                )),
                other => other,
            };
            if let Some(m) = a.borrower {
                let active = members
                    .get(&m)
                    .is_some_and(|x| x.is_active_on(a.terms.disbursement_date));
                if !active {
                    return Err(FieldError::new(
                        "borrower",
                        format!(
                            "R-CRED-3: loan {}: el socio {m} no es socio activo de esta ODF",
                            a.loan_id
                        ),
                    )
                    .into());
                }
            }
            let d = decisions.get(&decision_id).ok_or_else(|| AppError::Rule {
                rule: "R-GOV-2",
                field: "decision".into(),
                message: format!(
                    "loan {}: la propuesta {decision_id} no tiene decisión del consejo",
                    a.loan_id
                ),
            })?;
            let decision = decision_ref_for(
                d,
                decision_id,
                &format!("loan:{}", a.loan_id),
                a.terms.principal_minor,
            )?;
            let events = [
                CreditEvent::LoanApproved {
                    loan_id: a.loan_id,
                    line_id: a.line_id,
                    borrower: a.borrower,
                    terms: Terms::from_input(&a.terms),
                    plan_recommended_minor: a.plan_recommended_minor,
                    decision,
                },
                CreditEvent::LoanDisbursed {
                    loan_id: a.loan_id,
                    on: Day(a.terms.disbursement_date),
                },
            ];
            for event in events {
                let key = event.key();
                let payload = event.payload();
                if let Some(previous) = book.payload_of(&key) {
                    if previous == payload {
                        continue;
                    }
                    return Err(store::StoreError::conflict(format!(
                        "{key} was recorded before with other data"
                    ))
                    .into());
                }
                let applied = book.apply(&event).map_err(refuse)?;
                commit.accounts.extend(applied.accounts);
                commit.entries.extend(applied.entries);
                commit
                    .events
                    .push(event_row(&event, key, payload, actor, recorded_at));
                if matches!(event, CreditEvent::LoanApproved { .. }) {
                    created += 1;
                }
            }
            in_commit += 1;
            if in_commit == LOANS_PER_COMMIT {
                commits.push(std::mem::take(&mut commit));
                in_commit = 0;
            }
        }
        if !commit.is_empty() {
            commits.push(commit);
        }
        for c in &commits {
            self.store().commit(org_id, c).await?;
        }
        Ok(created)
    }
}
