//! One loan as the pages and the API show it, from its application (the terms and the board's
//! proposal) and, once recorded, the credit book (schedule as it stands, payments, days late).

use crate::AppState;
use app::credit_cases::{LoanApplied, LoanState};
use app::AppError;
use chrono::NaiveDate;
use credit::loan::{Borrower, LoanStatus};
use store::{Org, StoreError};

/// Where a loan is on its way from the application to the last payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stage {
    /// Applied; the board has not decided.
    Waiting,
    /// The board rejected it.
    Rejected,
    /// The board approved it; not disbursed yet.
    Approved,
    /// Disbursed and being repaid.
    Active,
    Closed,
    WrittenOff,
}

impl Stage {
    pub(crate) fn key(self) -> &'static str {
        match self {
            Stage::Waiting => "waiting",
            Stage::Rejected => "rejected",
            Stage::Approved => "approved",
            Stage::Active => "active",
            Stage::Closed => "closed",
            Stage::WrittenOff => "written_off",
        }
    }
}

pub(crate) struct Row {
    pub number: u32,
    pub due_date: NaiveDate,
    pub due_minor: i64,
    pub principal_minor: i64,
    pub interest_minor: i64,
    pub paid_minor: i64,
    pub outstanding_minor: i64,
    pub settled_on: Option<NaiveDate>,
    /// The trustee paid this installment to the lender (R-FUND-6).
    pub by_trust: bool,
}

pub(crate) struct Payment {
    pub reference: String,
    pub on: NaiveDate,
    pub amount_minor: i64,
    pub principal_minor: i64,
    pub interest_minor: i64,
}

pub(crate) struct Loan {
    pub id: i64,
    /// `None`: the ODF's own loan.
    pub member_id: Option<i64>,
    pub borrower: String,
    pub stage: Stage,
    pub proposal_id: Option<i64>,
    pub start: NaiveDate,
    pub installments: u32,
    pub principal_minor: i64,
    pub outstanding_principal_minor: i64,
    pub paid_minor: i64,
    /// Fell due by the day shown and is unpaid.
    pub due_now_minor: i64,
    pub days_late: u32,
    pub rows: Vec<Row>,
    pub payments: Vec<Payment>,
}

pub(crate) async fn member_name(state: &AppState, org: &Org, id: i64) -> Result<String, AppError> {
    let m = state.app.store().member(org.id, id).await?;
    Ok(format!("{} {}", m.data.given_names, m.data.surnames))
}

/// The names of `ids` (each read once).
pub(crate) async fn member_names(
    state: &AppState,
    org: &Org,
    ids: &[i64],
) -> Result<std::collections::HashMap<i64, String>, AppError> {
    let mut names = std::collections::HashMap::new();
    for &id in ids {
        if let std::collections::hash_map::Entry::Vacant(e) = names.entry(id) {
            e.insert(member_name(state, org, id).await?);
        }
    }
    Ok(names)
}

fn stage_of(status: LoanStatus) -> Stage {
    match status {
        LoanStatus::Approved => Stage::Approved,
        LoanStatus::Active => Stage::Active,
        LoanStatus::Closed => Stage::Closed,
        LoanStatus::WrittenOff => Stage::WrittenOff,
    }
}

/// A loan recorded in the credit book.
fn recorded(ls: &LoanState, today: NaiveDate) -> Loan {
    let l = &ls.loan;
    let rows: Vec<Row> = l
        .book
        .rows
        .iter()
        .map(|r| Row {
            number: r.number,
            due_date: r.due_date,
            due_minor: r.due.total(),
            principal_minor: r.due.principal_minor,
            interest_minor: r.due.interest_minor,
            paid_minor: r.paid.total(),
            outstanding_minor: r.outstanding().total(),
            settled_on: r.settled_on,
            by_trust: ls.trust_paid.contains_key(&r.number),
        })
        .collect();
    let due_now_minor = if l.status == LoanStatus::Active {
        rows.iter()
            .filter(|r| r.due_date <= today)
            .map(|r| r.outstanding_minor)
            .sum()
    } else {
        0
    };
    Loan {
        id: l.id,
        member_id: match l.borrower {
            Borrower::Odf => None,
            Borrower::Member(m) => Some(m),
        },
        borrower: String::new(),
        stage: stage_of(l.status),
        proposal_id: None,
        start: l.schedule.disbursement_date,
        installments: l.schedule.rows.len() as u32,
        principal_minor: l.schedule.principal_minor,
        outstanding_principal_minor: l.outstanding_principal_minor(),
        paid_minor: l.payments.iter().map(|p| p.amount_minor).sum(),
        due_now_minor,
        days_late: credit::quality::days_past_due(l, today),
        rows,
        payments: l
            .payments
            .iter()
            .map(|p| Payment {
                reference: p
                    .key
                    .rsplit_once(":pay:")
                    .map(|(_, r)| r.to_string())
                    .unwrap_or_else(|| p.key.clone()),
                on: p.date,
                amount_minor: p.amount_minor,
                principal_minor: p.allocation.total.principal_minor,
                interest_minor: p.allocation.total.interest_minor,
            })
            .collect(),
    }
}

/// An application the book does not hold yet: its offered schedule and the board's state.
async fn applied(state: &AppState, org: &Org, a: &LoanApplied) -> Result<Loan, AppError> {
    let input = a.terms.to_input(org.data.currency);
    let quote = app::credit_cases::quote_terms(input.clone())?;
    let record = state.app.proposal(org.id, a.proposal_id).await?;
    let stage = match record.decision {
        None => Stage::Waiting,
        Some(d) if d.approved => Stage::Approved,
        Some(_) => Stage::Rejected,
    };
    Ok(Loan {
        id: a.loan_id,
        member_id: Some(a.member_id),
        borrower: String::new(),
        stage,
        proposal_id: Some(a.proposal_id),
        start: input.disbursement_date,
        installments: input.installments,
        principal_minor: input.principal_minor,
        outstanding_principal_minor: 0,
        paid_minor: 0,
        due_now_minor: 0,
        days_late: 0,
        rows: quote
            .schedule
            .rows
            .iter()
            .map(|r| Row {
                number: r.number,
                due_date: r.due_date,
                due_minor: r.installment_minor,
                principal_minor: r.principal_minor,
                interest_minor: r.interest_minor,
                paid_minor: 0,
                outstanding_minor: r.installment_minor,
                settled_on: None,
                by_trust: false,
            })
            .collect(),
        payments: Vec::new(),
    })
}

/// Every loan and application of the organisation (newest first), days late counted on
/// `today`; `only` keeps one member's.
pub(crate) async fn loans(
    state: &AppState,
    org: &Org,
    today: NaiveDate,
    only: Option<i64>,
) -> Result<Vec<Loan>, AppError> {
    let book = state.app.credit_book(org.id).await?;
    let applications = state.app.loan_applications(org.id).await?;
    let mut out: Vec<Loan> = Vec::new();
    for ls in book.loans.values() {
        let mut l = recorded(ls, today);
        if let Some(a) = applications.iter().find(|a| a.loan_id == l.id) {
            l.proposal_id = Some(a.proposal_id);
        }
        out.push(l);
    }
    for a in &applications {
        if !book.loans.contains_key(&a.loan_id) {
            out.push(applied(state, org, a).await?);
        }
    }
    out.retain(|l| only.is_none() || l.member_id == only);
    out.sort_by_key(|l| std::cmp::Reverse(l.id));
    let mut names = std::collections::HashMap::new();
    for l in &mut out {
        l.borrower = match l.member_id {
            None => String::new(),
            Some(m) => match names.get(&m) {
                Some(n) => String::clone(n),
                None => {
                    let n = member_name(state, org, m).await?;
                    names.insert(m, n.clone());
                    n
                }
            },
        };
    }
    Ok(out)
}

/// One loan or application; a missing one is NotFound.
pub(crate) async fn loan(
    state: &AppState,
    org: &Org,
    loan_id: i64,
    today: NaiveDate,
) -> Result<Loan, AppError> {
    let book = state.app.credit_book(org.id).await?;
    let application = state
        .app
        .loan_applications(org.id)
        .await?
        .into_iter()
        .find(|a| a.loan_id == loan_id);
    let mut l = match (book.loans.get(&loan_id), &application) {
        (Some(ls), _) => recorded(ls, today),
        (None, Some(a)) => applied(state, org, a).await?,
        (None, None) => return Err(StoreError::not_found(format!("loan {loan_id}")).into()),
    };
    l.proposal_id = application.map(|a| a.proposal_id);
    if let Some(m) = l.member_id {
        l.borrower = member_name(state, org, m).await?;
    }
    Ok(l)
}
