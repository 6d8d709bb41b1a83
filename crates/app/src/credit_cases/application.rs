//! Loan applications (issue 18): a member applies for a loan with the simulator's terms (or
//! staff apply for a member), at the line's rate (R-CRED-4). The application opens the board's
//! proposal about `loan:{id}` (R-GOV-2) in the same commit. Once the board approved it, staff
//! disburse: the loan is recorded on that decision ([`App::approve_loan`], R-CRED-3/4/5) and
//! disbursed ([`App::disburse_loan`]), each idempotent, so a disbursement killed part-way and
//! asked again ends the same.
//!
//! Events: `loan.applied` in stream `loan-applications`, key `loan-application:{token}` (the
//! form's or the API's reference: the same token again answers the first application); a slot
//! `loan-application:slot:{n}` (stream `loan-application-slots`, `n` = applications read) so two
//! applications at once never take the same loan id; the proposal's `proposal:{id}:opened`.

use super::book::{Day, Terms};
use super::cases::check_reference;
use super::quote::{parse_quote_form, quote_terms, QuoteForm};
use crate::access_cases::{Action, Viewer};
use crate::events::{event, payload, read_stream, Actor};
use crate::{App, AppError};
use chrono::NaiveDate;
use governance::{NewProposal, ProposalKind};
use registry::FieldError;
use serde::{Deserialize, Serialize};
use store::{Commit, OrgId};

/// The stream of loan applications.
pub const STREAM: &str = "loan-applications";
const SLOTS: &str = "loan-application-slots";

/// A loan applied for: the terms (at the line's rate), who for, and the board's proposal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoanApplied {
    pub loan_id: i64,
    pub line_id: i64,
    pub member_id: i64,
    pub terms: Terms,
    /// What the business plan recommends (R-CRED-3), minor units.
    pub plan_recommended_minor: i64,
    /// The proposal the board votes on (subject `loan:{loan_id}`).
    pub proposal_id: i64,
    pub applied_on: NaiveDate,
    pub token: String,
}

/// What a member (or staff for them) asks for.
#[derive(Debug, Clone)]
pub struct LoanRequest {
    pub member_id: i64,
    /// The simulator's terms; the rate typed is replaced by the line's (R-CRED-4).
    pub form: QuoteForm,
    /// What the business plan recommends; `None`: the amount asked for.
    pub plan_recommended_minor: Option<i64>,
    /// The form's hidden key or the API's reference: the same token applies once.
    pub token: String,
}

/// Who may apply for `member_id`'s loan: the member themself (a board member is a member
/// too), or staff (issue 18). Nobody else, not even the board, applies for someone.
pub fn may_apply_for(viewer: &Viewer, org_id: OrgId, member_id: i64) -> bool {
    viewer.may(org_id, Action::ManageMembers) || viewer.member_id_in(org_id) == Some(member_id)
}

fn refuse(rule: &'static str, field: &str, message: impl Into<String>) -> AppError {
    AppError::Rule {
        rule,
        field: field.into(),
        message: message.into(),
    }
}

impl App {
    /// Every loan application of the organisation, oldest first.
    pub async fn loan_applications(&self, org_id: OrgId) -> Result<Vec<LoanApplied>, AppError> {
        read_stream(&**self.store(), org_id, STREAM)
            .await?
            .iter()
            .map(payload)
            .collect()
    }

    /// The application of loan `loan_id`; a missing one is NotFound.
    pub async fn loan_application(
        &self,
        org_id: OrgId,
        loan_id: i64,
    ) -> Result<LoanApplied, AppError> {
        self.loan_applications(org_id)
            .await?
            .into_iter()
            .find(|a| a.loan_id == loan_id)
            .ok_or_else(|| store::StoreError::not_found(format!("loan {loan_id}")).into())
    }

    /// Applies for a loan on the ODF's line in force (the first one), checked now by the rules
    /// the approval will apply (active member, line, rate, plan, available limit, graduation
    /// R-CRED-5), and opens the board's proposal in the same commit.
    pub async fn apply_for_loan(
        &self,
        org_id: OrgId,
        actor: &Actor,
        request: LoanRequest,
        today: NaiveDate,
    ) -> Result<(LoanApplied, bool), AppError> {
        check_reference(&request.token)?;
        retrying!("apply_for_loan", {
            let applications = self.loan_applications(org_id).await?;
            if let Some(a) = applications.iter().find(|a| a.token == request.token) {
                if a.member_id != request.member_id {
                    return Err(store::StoreError::conflict(format!(
                        "loan-application:{} was used for another member",
                        request.token
                    ))
                    .into());
                }
                return Ok((a.clone(), false));
            }
            let book = self.credit_book(org_id).await?;
            let Some(line) = book.lines.values().next() else {
                return Err(refuse(
                    "R-CRED-3",
                    "line",
                    "la ODF no tiene línea de crédito abierta",
                ));
            };
            // R-CRED-4: the rate is the line's, whatever the simulator was given.
            let mut form = request.form.clone();
            form.rate = (line.line.rate.annual() * rust_decimal::Decimal::from(100))
                .normalize()
                .to_string();
            form.rate_period = "annual".into();
            let mut input = parse_quote_form(&form)?;
            input.rate = line.line.rate;
            // The schedule must be one the simulator would give (terms within the rules).
            quote_terms(input.clone())?;
            if input.disbursement_date < today {
                return Err(AppError::Field(FieldError::new(
                    "start",
                    "la fecha de entrega no puede ser anterior a hoy",
                )));
            }
            self.active_member(
                org_id,
                request.member_id,
                input.disbursement_date,
                "R-CRED-3",
                "member_id",
            )
            .await?;
            let loan_id = book
                .loans
                .keys()
                .copied()
                .chain(applications.iter().map(|a| a.loan_id))
                .max()
                .unwrap_or(0)
                + 1;
            let plan = request
                .plan_recommended_minor
                .unwrap_or(input.principal_minor);
            // Dry run of the approval on a copy of the book (nothing written): refusals of
            // R-CRED-1/3/4/5 now rather than after the board voted.
            let mut trial = book.clone();
            trial.apply(&super::CreditEvent::LoanApproved {
                loan_id,
                line_id: line.line.id,
                borrower: Some(request.member_id),
                terms: Terms::from_input(&input),
                plan_recommended_minor: plan,
                decision: super::book::DecisionRef {
                    decision_id: 0,
                    approved: true,
                    decided_on: Day(today),
                },
            })?;
            let member = self.store().member(org_id, request.member_id).await?;
            let proposal_id = self.proposals(org_id).await?.len() as i64 + 1;
            let proposal = governance::propose(
                proposal_id,
                NewProposal {
                    kind: ProposalKind::Loan,
                    subject: format!("loan:{loan_id}"),
                    purpose: format!(
                        "Préstamo a {}: {} en {} pagos",
                        crate::dues_cases::member_name(&member),
                        crate::dues_cases::pesos(input.principal_minor),
                        input.installments
                    ),
                    amount_minor: input.principal_minor,
                },
                &actor.name,
                today,
            )?;
            let applied = LoanApplied {
                loan_id,
                line_id: line.line.id,
                member_id: request.member_id,
                terms: Terms::from_input(&input),
                plan_recommended_minor: plan,
                proposal_id,
                applied_on: today,
                token: request.token.clone(),
            };
            let key = format!("loan-application:{}", request.token);
            let commit = Commit {
                events: vec![
                    event(actor, STREAM, "loan.applied", key.clone(), &applied)?,
                    event(
                        actor,
                        SLOTS,
                        "loan-application.slot",
                        format!("loan-application:slot:{}", applications.len()),
                        &key,
                    )?,
                    event(
                        actor,
                        "proposals",
                        "proposal.opened",
                        format!("proposal:{proposal_id}:opened"),
                        &proposal,
                    )?,
                ],
                ..Commit::default()
            };
            self.store().commit(org_id, &commit).await?;
            Ok((applied, true))
        })
    }

    /// Disburses an applied loan once the board approved it (R-GOV-2): records the loan on
    /// the decision, then disburses it on its start date, not before that day comes. An
    /// undecided or rejected proposal is refused naming R-GOV-2; asked again, nothing more
    /// is written.
    pub async fn disburse_applied_loan(
        &self,
        org_id: OrgId,
        actor: &Actor,
        loan_id: i64,
        today: NaiveDate,
    ) -> Result<(super::LoanState, super::CreditOutcome), AppError> {
        let a = self.loan_application(org_id, loan_id).await?;
        let d = self.decision(org_id, a.proposal_id).await?;
        if !d.approved {
            return Err(refuse(
                "R-GOV-2",
                "decision",
                format!("el consejo rechazó el préstamo {loan_id}"),
            ));
        }
        let terms = a
            .terms
            .to_input(self.store().org(org_id).await?.data.currency);
        if terms.disbursement_date > today {
            return Err(refuse(
                "R-CRED-3",
                "start",
                format!(
                    "el préstamo {loan_id} se entrega el {}",
                    terms.disbursement_date
                ),
            ));
        }
        self.approve_loan(
            org_id,
            actor,
            super::LoanApplication {
                loan_id,
                line_id: a.line_id,
                borrower: Some(a.member_id),
                terms,
                plan_recommended_minor: a.plan_recommended_minor,
            },
            a.proposal_id,
        )
        .await?;
        self.disburse_loan(org_id, actor, loan_id).await
    }
}
