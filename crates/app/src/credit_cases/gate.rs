//! The one gate for the lender's money (R-CRED-1, R-CRED-3, R-BUY-2, R-SELL-1).
//!
//! Every movement that borrows from or repays a lender goes through the credit line's rules,
//! whichever chapter makes it: line draws, loan disbursements and leasing purchases (the credit
//! book's own events), and trade's supplier payments, sales advances and working-capital
//! repayments (through [`App::line_gate`], whose credit event the trade use case commits with
//! its own entry). So a movement without a line in force with that lender is refused, one above
//! what is available is refused naming the rule and the amount, and what is borrowed counts in
//! the line's drawn and available and in the review's floor: `line show` and the ledger's
//! `lenders:{code}:line` agree to the centavo (`tequio check` verifies it).
//!
//! Every draw claims the line's slot (`credit:line:{id}:slot:{n}`, `n` = the line's events
//! read), so two writers that read the same line cannot together pass its limit: the store
//! refuses the second, which reads again (ARCHITECTURE.md, slots).

use super::book::{CreditBook, CreditEvent, Day};
use super::cases::event_row;
use crate::{Actor, App, AppError};
use chrono::{NaiveDate, Utc};
use store::{NewEvent, OrgId};

/// The stream of the lines' slots (not folded: a slot only makes concurrent draws collide).
pub const SLOT_STREAM: &str = "credit-slots";

/// What another chapter does with the lender's money.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineMovement {
    /// Borrows this much (its entry credits `lenders:{code}:line`).
    Borrow(i64),
    /// Repays this much principal (its entry debits `lenders:{code}:line`).
    Repay(i64),
}

/// The line in force with `lender` (the lowest id if there are several).
pub(crate) fn line_of_lender(book: &CreditBook, lender: &str) -> Result<i64, AppError> {
    book.lines
        .values()
        .find(|l| l.line.lender_code == lender)
        .map(|l| l.line.id)
        .ok_or_else(|| AppError::Rule {
            rule: "R-CRED-3",
            field: "lender".into(),
            message: format!(
                "no hay una línea de crédito vigente con «{lender}»: el dinero de un acreedor \
                 solo se toma de una línea abierta con él"
            ),
        })
}

/// The line a credit event draws on, if it draws on one.
pub(crate) fn line_drawn_by(book: &CreditBook, event: &CreditEvent) -> Option<i64> {
    match event {
        CreditEvent::LineDrawn { line_id, .. }
        | CreditEvent::LineUsed { line_id, .. }
        | CreditEvent::LeaseStarted { line_id, .. } => Some(*line_id),
        CreditEvent::LoanDisbursed { loan_id, .. } => {
            book.loans.get(loan_id).map(|l| l.loan.line_id)
        }
        _ => None,
    }
}

/// The slot a draw on `line_id` claims, read before the draw is applied to `book`.
pub(crate) fn line_slot(
    book: &CreditBook,
    line_id: i64,
    act_key: &str,
    actor: &Actor,
    recorded_at: chrono::DateTime<Utc>,
) -> Option<NewEvent> {
    let n = book.lines.get(&line_id)?.line.events.len();
    Some(NewEvent {
        stream: SLOT_STREAM.to_string(),
        kind: "credit.slot".to_string(),
        key: format!("credit:line:{line_id}:slot:{n}"),
        payload: serde_json::to_string(act_key).unwrap_or_default(),
        actor: actor.name.clone(),
        origin: actor.origin.clone(),
        recorded_at,
    })
}

impl App {
    /// The credit events another chapter commits with its own entry when it borrows from or
    /// repays `lender` on `on` (see the module doc): checked against the line now, so a
    /// refusal names the rule and the amount before anything is written.
    pub(crate) async fn line_gate(
        &self,
        org_id: OrgId,
        actor: &Actor,
        lender: &str,
        movement: LineMovement,
        on: NaiveDate,
        act_key: &str,
    ) -> Result<Vec<NewEvent>, AppError> {
        let mut book = self.credit_book(org_id).await?;
        let line_id = line_of_lender(&book, lender)?;
        let event = match movement {
            LineMovement::Borrow(amount_minor) => CreditEvent::LineUsed {
                line_id,
                amount_minor,
                on: Day(on),
                act: act_key.to_string(),
            },
            LineMovement::Repay(principal_minor) => CreditEvent::LineUseRepaid {
                line_id,
                principal_minor,
                on: Day(on),
                act: act_key.to_string(),
            },
        };
        let key = event.key();
        let payload = event.payload();
        let recorded_at = Utc::now();
        let mut rows = Vec::with_capacity(2);
        if let Some(previous) = book.payload_of(&key) {
            if previous != payload {
                return Err(store::StoreError::conflict(format!(
                    "{key} was recorded before with other data"
                ))
                .into());
            }
            // Recorded already: the act's commit is a replay.
            return Ok(vec![event_row(&event, key, payload, actor, recorded_at)]);
        }
        if matches!(movement, LineMovement::Borrow(_)) {
            rows.extend(line_slot(&book, line_id, act_key, actor, recorded_at));
        }
        book.apply(&event)?;
        rows.insert(0, event_row(&event, key, payload, actor, recorded_at));
        Ok(rows)
    }
}
