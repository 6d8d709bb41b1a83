//! The revolving credit line (R-CRED-1, R-CRED-2, R-CRED-6).
//!
//! - R-CRED-1: the opening limit is at most `initial_multiple` (2) × the *initial deposit*,
//!   what was deposited in the Fund during its first `initial_deposit_months` (3) months.
//! - R-CRED-2: every `review_every_months` (6) the line is reviewed by a per-ODF
//!   [`ReviewRule`] (setting; default: double if no installment is more than 30 days late and
//!   no notice of non-fulfilment is unresolved; keep if something was late but is now paid;
//!   halve, never below the drawn amount, otherwise), and never exceeds `cap_multiple` (64) ×
//!   the initial deposit. Each change is kept in [`CreditLine::limit_history`] with its reason.
//! - R-CRED-6: [`transfer_line`] moves the line and its loans to another lender; the history
//!   is carried over untouched and one event records the transfer.

use crate::accounts;
use crate::loan::Loan;
use crate::schedule::NominalRate;
use crate::{CreditError, Result};
use chrono::{Months, NaiveDate};
use ledger::{AccountCode, Currency, ValidEntry};

/// A multiplier as an exact fraction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Factor {
    pub num: u32,
    pub den: u32,
}

impl Factor {
    pub const DOUBLE: Factor = Factor { num: 2, den: 1 };
    pub const KEEP: Factor = Factor { num: 1, den: 1 };
    pub const HALVE: Factor = Factor { num: 1, den: 2 };

    /// `amount × num / den`, half-to-even; `None` on overflow or a zero denominator.
    pub fn apply(&self, amount_minor: i64) -> Option<i64> {
        let v = ledger::round::div_half_even(
            i128::from(amount_minor) * i128::from(self.num),
            i128::from(self.den),
        )?;
        i64::try_from(v).ok()
    }
}

/// The semiannual review rule (R-CRED-2, a per-ODF setting).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReviewRule {
    /// An installment later than this many days is "late".
    pub late_threshold_days: u32,
    /// Commitments met: nothing late, no unresolved notice.
    pub when_met: Factor,
    /// Something was late but everything late is now paid, no unresolved notice.
    pub when_late_but_cured: Factor,
    /// Anything else.
    pub otherwise: Factor,
    /// A decrease never takes the limit below what is drawn.
    pub never_below_drawn: bool,
}

impl Default for ReviewRule {
    fn default() -> Self {
        ReviewRule {
            late_threshold_days: 30,
            when_met: Factor::DOUBLE,
            when_late_but_cured: Factor::KEEP,
            otherwise: Factor::HALVE,
            never_below_drawn: true,
        }
    }
}

/// Per-ODF settings of the line (R-CRED-1, R-CRED-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineSettings {
    pub initial_multiple: u32,
    pub cap_multiple: u32,
    pub initial_deposit_months: u32,
    pub review_every_months: u32,
    pub review_rule: ReviewRule,
}

impl Default for LineSettings {
    fn default() -> Self {
        LineSettings {
            initial_multiple: 2,
            cap_multiple: 64,
            initial_deposit_months: 3,
            review_every_months: 6,
            review_rule: ReviewRule::default(),
        }
    }
}

/// Why a limit changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitReason {
    Opened,
    ReviewMet,
    ReviewLateButCured,
    ReviewNotMet,
}

/// One entry of the limit history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitChange {
    pub date: NaiveDate,
    pub from_minor: i64,
    pub to_minor: i64,
    pub reason: LimitReason,
    /// The rule's result was cut to `cap_multiple` × the initial deposit.
    pub capped: bool,
    /// The rule's result was raised to the drawn amount.
    pub floored_at_drawn: bool,
}

/// Everything that happened to a line besides limit changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineEventKind {
    Opened {
        lender_code: String,
    },
    Drawn {
        amount_minor: i64,
    },
    Repaid {
        principal_minor: i64,
        interest_minor: i64,
    },
    Transferred {
        from_lender: String,
        to_lender: String,
        loans_moved: usize,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineEvent {
    pub date: NaiveDate,
    pub kind: LineEventKind,
}

/// A credit line's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditLine {
    pub id: i64,
    pub lender_code: String,
    pub currency: Currency,
    /// The line's rate (R-CRED-4: "rate is a setting of the line").
    pub rate: NominalRate,
    pub opened_on: NaiveDate,
    pub initial_deposit_minor: i64,
    pub limit_minor: i64,
    pub drawn_minor: i64,
    /// Reviews completed; the next is due `review_every_months × (reviews + 1)` after opening.
    pub reviews: u32,
    pub limit_history: Vec<LimitChange>,
    pub events: Vec<LineEvent>,
}

impl CreditLine {
    pub fn available_minor(&self) -> i64 {
        self.limit_minor - self.drawn_minor
    }

    /// `cap_multiple` × the initial deposit (R-CRED-2).
    pub fn cap_minor(&self, settings: &LineSettings) -> i64 {
        self.initial_deposit_minor
            .saturating_mul(i64::from(settings.cap_multiple))
    }

    pub fn next_review_on(&self, settings: &LineSettings) -> Option<NaiveDate> {
        self.opened_on.checked_add_months(Months::new(
            settings.review_every_months * (self.reviews + 1),
        ))
    }
}

/// The initial deposit (R-CRED-1): deposits into the Fund dated in the first
/// `initial_deposit_months` months from `fund_started_on` (start inclusive, end exclusive).
///
/// Each deposit is signed ([`deposit_of`]): a reversal or a temporary contribution's return
/// dated in the window cancels what it undoes. Money deposited before the window and taken
/// back in it would leave the sum below zero; nothing was then deposited (0).
pub fn initial_deposit(
    fund_started_on: NaiveDate,
    deposits: &[(NaiveDate, i128)],
    settings: &LineSettings,
) -> Result<i64> {
    let end = fund_started_on
        .checked_add_months(Months::new(settings.initial_deposit_months))
        .ok_or(CreditError::Overflow {
            rule: "R-CRED-1",
            field: "fund_started_on",
        })?;
    let mut sum: i128 = 0;
    for (date, amount) in deposits {
        if *date >= fund_started_on && *date < end {
            sum = sum.checked_add(*amount).ok_or(CreditError::Overflow {
                rule: "R-CRED-1",
                field: "deposits",
            })?;
        }
    }
    i64::try_from(sum.max(0)).map_err(|_| CreditError::Overflow {
        rule: "R-CRED-1",
        field: "deposits",
    })
}

/// The accounts an entry moving money into the trust bank may be credited to when the money
/// is a deposit into the Fund (R-CRED-1, R-FUND-1, R-FUND-2): the sub-funds' equity (a grant,
/// R-FUND-1; members' contributions brought in as opening balances), the temporary
/// contributions owed back (R-FUND-1), and a member's `members:{id}:fund-receivable` (what
/// the close made them owe, paid).
fn is_deposit_source(code: &AccountCode) -> bool {
    matches!(
        code.as_str(),
        "fund:development" | "fund:competition" | "fund:temporary-contributions"
    ) || {
        let mut s = code.segments();
        matches!(
            (s.next(), s.next(), s.next(), s.next()),
            (Some("members"), Some(_), Some("fund-receivable"), None)
        )
    }
}

/// The Fund's own money (R-CRED-1: not a deposit): a claim of the trust it collects
/// (`fund:receivable:borrowers`, R-FUND-6: a trust payment for a borrower and its
/// replenishment; `fund:receivable:working-capital`, R-BUY-2: the Competition Sub-Fund's
/// working capital and its recovery from trade) or what it spent (R-FUND-3, R-FUND-4).
fn is_fund_own(code: &AccountCode) -> bool {
    matches!(
        code.as_str(),
        "fund:receivable:borrowers"
            | "fund:receivable:working-capital"
            | "fund:spent:competition"
            | "fund:withdrawn:development"
    )
}

fn is_trust_bank(code: &AccountCode) -> bool {
    matches!(
        code.as_str(),
        "fund:trust-bank:development" | "fund:trust-bank:competition"
    )
}

/// R-CRED-1: what one entry deposited into the Fund, signed: its change to the trust bank
/// (`fund:trust-bank:development` + `:competition`) when its counter-accounts name a deposit
/// (a member's contribution paid, a grant, contributions opened as balances, a temporary
/// contribution; see `is_deposit_source`), and 0 otherwise: the Fund's own money going out
/// or coming back (a trust payment for a borrower and its replenishment, R-FUND-6; the
/// Competition Sub-Fund's working capital and its recovery, R-BUY-2; spending, R-FUND-3;
/// withdrawals, R-FUND-4), or an entry naming no deposit. An entry naming both a deposit and
/// the Fund's own claims counts 0 (no writer posts one). A reversal has the accounts of the
/// entry it reverses, negated: it counts minus what that one counted; so does a temporary
/// contribution's return.
pub fn deposit_of(entry: &ValidEntry) -> i128 {
    let mut trust: i128 = 0;
    let mut touches_trust = false;
    let mut deposit = false;
    for p in entry.postings() {
        if is_trust_bank(&p.account) {
            touches_trust = true;
            trust += i128::from(p.amount.amount_minor());
        } else if is_fund_own(&p.account) {
            return 0;
        } else if is_deposit_source(&p.account) {
            deposit = true;
        }
    }
    if touches_trust && deposit {
        trust
    } else {
        0
    }
}

/// Command: open a line (R-CRED-1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenLine {
    pub id: i64,
    pub lender_code: String,
    pub currency: Currency,
    pub rate: NominalRate,
    pub initial_deposit_minor: i64,
    pub requested_limit_minor: i64,
}

/// Opens a line of at most `initial_multiple` × the initial deposit (R-CRED-1).
pub fn open_line(cmd: OpenLine, settings: &LineSettings, today: NaiveDate) -> Result<CreditLine> {
    accounts::lender_line(&cmd.lender_code)?;
    crate::schedule::ExactRate::annual(cmd.rate.annual(), "R-CRED-4", "rate")?;
    if cmd.initial_deposit_minor <= 0 {
        return Err(CreditError::invalid(
            "R-CRED-1",
            "initial_deposit_minor",
            "the Fund must have received a deposit in its first months",
        ));
    }
    if cmd.requested_limit_minor <= 0 {
        return Err(CreditError::invalid(
            "R-CRED-1",
            "requested_limit_minor",
            "must be positive",
        ));
    }
    let max = cmd
        .initial_deposit_minor
        .checked_mul(i64::from(settings.initial_multiple))
        .ok_or(CreditError::Overflow {
            rule: "R-CRED-1",
            field: "initial_deposit_minor",
        })?;
    if cmd.requested_limit_minor > max {
        return Err(CreditError::ExceedsLimit {
            rule: "R-CRED-1",
            field: "requested_limit_minor",
            requested_minor: cmd.requested_limit_minor,
            allowed_minor: max,
        });
    }
    Ok(CreditLine {
        id: cmd.id,
        lender_code: cmd.lender_code.clone(),
        currency: cmd.currency,
        rate: cmd.rate,
        opened_on: today,
        initial_deposit_minor: cmd.initial_deposit_minor,
        limit_minor: cmd.requested_limit_minor,
        drawn_minor: 0,
        reviews: 0,
        limit_history: vec![LimitChange {
            date: today,
            from_minor: 0,
            to_minor: cmd.requested_limit_minor,
            reason: LimitReason::Opened,
            capped: false,
            floored_at_drawn: false,
        }],
        events: vec![LineEvent {
            date: today,
            kind: LineEventKind::Opened {
                lender_code: cmd.lender_code,
            },
        }],
    })
}

/// What the review looks at (R-CRED-2). [`crate::quality::review_facts`] derives it from loans.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReviewFacts {
    /// The worst lateness, in days, of any installment that fell due in the review period
    /// (paid late or still unpaid), or of any older installment still unpaid.
    pub max_days_late: u32,
    /// Some installment more than the threshold late is still unpaid today.
    pub late_still_unpaid: bool,
    /// Notices of non-fulfilment (R-FUND-6) not yet resolved.
    pub unresolved_notices: u32,
}

/// The review's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewOutcome {
    Met,
    LateButCured,
    NotMet,
}

/// Classifies the facts under the rule (R-CRED-2).
pub fn classify(facts: &ReviewFacts, rule: &ReviewRule) -> ReviewOutcome {
    let late = facts.max_days_late > rule.late_threshold_days;
    match (late, facts.late_still_unpaid, facts.unresolved_notices) {
        (false, false, 0) => ReviewOutcome::Met,
        (true, false, 0) => ReviewOutcome::LateButCured,
        _ => ReviewOutcome::NotMet,
    }
}

/// The result of a review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewDecision {
    pub line: CreditLine,
    pub outcome: ReviewOutcome,
    pub change: LimitChange,
}

/// Reviews the line (R-CRED-2). Refused before the review is due; a late review applies once
/// (the next is then due six months after the one just done was due).
pub fn review(
    line: &CreditLine,
    facts: &ReviewFacts,
    settings: &LineSettings,
    today: NaiveDate,
) -> Result<ReviewDecision> {
    let due = line.next_review_on(settings).ok_or(CreditError::Overflow {
        rule: "R-CRED-2",
        field: "opened_on",
    })?;
    if today < due {
        return Err(CreditError::state(
            "R-CRED-2",
            "today",
            format!("the next review is due on {due}"),
        ));
    }
    let rule = &settings.review_rule;
    let outcome = classify(facts, rule);
    let (factor, reason) = match outcome {
        ReviewOutcome::Met => (rule.when_met, LimitReason::ReviewMet),
        ReviewOutcome::LateButCured => (rule.when_late_but_cured, LimitReason::ReviewLateButCured),
        ReviewOutcome::NotMet => (rule.otherwise, LimitReason::ReviewNotMet),
    };
    let proposed = factor
        .apply(line.limit_minor)
        .ok_or(CreditError::Overflow {
            rule: "R-CRED-2",
            field: "limit_minor",
        })?;
    let cap = line.cap_minor(settings);
    let mut to = proposed;
    let capped = to > cap;
    if capped {
        to = cap;
    }
    let floored_at_drawn = rule.never_below_drawn && to < line.drawn_minor;
    if floored_at_drawn {
        to = line.drawn_minor;
    }
    let change = LimitChange {
        date: today,
        from_minor: line.limit_minor,
        to_minor: to,
        reason,
        capped,
        floored_at_drawn,
    };
    let mut next = line.clone();
    next.limit_minor = to;
    next.reviews += 1;
    next.limit_history.push(change);
    Ok(ReviewDecision {
        line: next,
        outcome,
        change,
    })
}

/// Draws on the line: `odf:bank` debit, `lenders:{code}:line` credit (R-CRED-3).
pub fn draw(
    line: &CreditLine,
    amount_minor: i64,
    today: NaiveDate,
    key: &str,
) -> Result<(CreditLine, ValidEntry)> {
    let mut next = line.clone();
    let entry = draw_in_place(&mut next, amount_minor, today, Some(key))?;
    with_entry(next, entry)
}

/// [`draw`] on the line itself, without copying its history (replays and bulk paths). With
/// `key` the entry is built and returned; without, only the line changes (a replay: the ledger
/// has the entry). The checks are the same either way. On error the line is unchanged.
pub fn draw_in_place(
    line: &mut CreditLine,
    amount_minor: i64,
    today: NaiveDate,
    key: Option<&str>,
) -> Result<Option<ValidEntry>> {
    draw_to_in_place(
        line,
        amount_minor,
        today,
        key,
        accounts::odf_bank(),
        "line.draw",
    )
}

/// Draws on the line straight into `debit` (the bank, a leased asset, ...).
pub(crate) fn draw_to(
    line: &CreditLine,
    amount_minor: i64,
    today: NaiveDate,
    key: &str,
    debit: ledger::AccountCode,
    reason: &str,
) -> Result<(CreditLine, ValidEntry)> {
    let mut next = line.clone();
    let entry = draw_to_in_place(&mut next, amount_minor, today, Some(key), debit, reason)?;
    with_entry(next, entry)
}

/// The line and the entry a draw with a key built.
fn with_entry(line: CreditLine, entry: Option<ValidEntry>) -> Result<(CreditLine, ValidEntry)> {
    match entry {
        Some(e) => Ok((line, e)),
        None => Err(CreditError::invalid(
            "R-CRED-3",
            "key",
            "a draw with a key has an entry",
        )),
    }
}

/// [`draw_to`] on the line itself (the entry only with a `key`); on error the line is
/// unchanged.
pub(crate) fn draw_to_in_place(
    line: &mut CreditLine,
    amount_minor: i64,
    today: NaiveDate,
    key: Option<&str>,
    debit: ledger::AccountCode,
    reason: &str,
) -> Result<Option<ValidEntry>> {
    if amount_minor <= 0 {
        return Err(CreditError::invalid(
            "R-CRED-3",
            "amount_minor",
            "must be positive",
        ));
    }
    if amount_minor > line.available_minor() {
        return Err(CreditError::ExceedsLimit {
            rule: "R-CRED-1",
            field: "amount_minor",
            requested_minor: amount_minor,
            allowed_minor: line.available_minor(),
        });
    }
    let entry = match key {
        Some(key) => Some(accounts::entry(
            key,
            reason,
            "R-CRED-3",
            today,
            format!("Disposición de la línea {}", line.id),
            line.currency,
            &[
                (debit, amount_minor),
                (accounts::lender_line(&line.lender_code)?, -amount_minor),
            ],
        )?),
        None => None,
    };
    line.drawn_minor += amount_minor;
    line.events.push(LineEvent {
        date: today,
        kind: LineEventKind::Drawn { amount_minor },
    });
    Ok(entry)
}

/// The ODF repays the lender: principal restores availability; interest is an expense.
pub fn repay_line(
    line: &CreditLine,
    principal_minor: i64,
    interest_minor: i64,
    today: NaiveDate,
    key: &str,
) -> Result<(CreditLine, ValidEntry)> {
    if principal_minor < 0 || interest_minor < 0 || principal_minor + interest_minor == 0 {
        return Err(CreditError::invalid(
            "R-CRED-4",
            "principal_minor",
            "amounts must be non-negative and not both zero",
        ));
    }
    if principal_minor > line.drawn_minor {
        return Err(CreditError::ExceedsLimit {
            rule: "R-CRED-4",
            field: "principal_minor",
            requested_minor: principal_minor,
            allowed_minor: line.drawn_minor,
        });
    }
    let entry = accounts::entry(
        key,
        "line.repayment",
        "R-CRED-4",
        today,
        format!("Pago a la línea {}", line.id),
        line.currency,
        &[
            (accounts::lender_line(&line.lender_code)?, principal_minor),
            (accounts::line_interest_expense(), interest_minor),
            (accounts::odf_bank(), -(principal_minor + interest_minor)),
        ],
    )?;
    let mut next = line.clone();
    next.drawn_minor -= principal_minor;
    next.events.push(LineEvent {
        date: today,
        kind: LineEventKind::Repaid {
            principal_minor,
            interest_minor,
        },
    });
    Ok((next, entry))
}

/// Principal repaid to the line by another chapter (trade's working capital, R-BUY-2), whose
/// own entry debits `lenders:{code}:line`: frees the line by that much. More than is drawn is
/// refused; on error the line is unchanged.
pub fn repaid_elsewhere_in_place(
    line: &mut CreditLine,
    principal_minor: i64,
    today: NaiveDate,
) -> Result<()> {
    if principal_minor <= 0 {
        return Err(CreditError::invalid(
            "R-CRED-4",
            "principal_minor",
            "must be positive",
        ));
    }
    if principal_minor > line.drawn_minor {
        return Err(CreditError::ExceedsLimit {
            rule: "R-CRED-4",
            field: "principal_minor",
            requested_minor: principal_minor,
            allowed_minor: line.drawn_minor,
        });
    }
    line.drawn_minor -= principal_minor;
    line.events.push(LineEvent {
        date: today,
        kind: LineEventKind::Repaid {
            principal_minor,
            interest_minor: 0,
        },
    });
    Ok(())
}

/// The result of moving a line to another lender (R-CRED-6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineTransfer {
    pub line: CreditLine,
    pub loans: Vec<Loan>,
    /// Moves the drawn liability from `lenders:{a}:line` to `lenders:{b}:line`; `None` when
    /// nothing is drawn.
    pub entry: Option<ValidEntry>,
}

/// Moves a line and its loans to another lender with history intact (R-CRED-6).
pub fn transfer_line(
    line: &CreditLine,
    loans: &[Loan],
    to_lender: &str,
    today: NaiveDate,
    key: &str,
) -> Result<LineTransfer> {
    let to_account = accounts::lender_line(to_lender)?;
    if to_lender == line.lender_code {
        return Err(CreditError::invalid(
            "R-CRED-6",
            "to_lender",
            "the line is already with this lender",
        ));
    }
    if let Some(stray) = loans.iter().find(|l| l.line_id != line.id) {
        return Err(CreditError::invalid(
            "R-CRED-6",
            "loans",
            format!("loan {} is not drawn on line {}", stray.id, line.id),
        ));
    }
    let entry = if line.drawn_minor > 0 {
        Some(accounts::entry(
            key,
            "line.transfer",
            "R-CRED-6",
            today,
            format!(
                "Cesión de la línea {} de {} a {}",
                line.id, line.lender_code, to_lender
            ),
            line.currency,
            &[
                (accounts::lender_line(&line.lender_code)?, line.drawn_minor),
                (to_account, -line.drawn_minor),
            ],
        )?)
    } else {
        None
    };
    let mut next = line.clone();
    next.events.push(LineEvent {
        date: today,
        kind: LineEventKind::Transferred {
            from_lender: line.lender_code.clone(),
            to_lender: to_lender.to_string(),
            loans_moved: loans.len(),
        },
    });
    next.lender_code = to_lender.to_string();
    let loans = loans
        .iter()
        .map(|l| l.with_lender(to_lender, today))
        .collect();
    Ok(LineTransfer {
        line: next,
        loans,
        entry,
    })
}

/// A line's position when an ODF that already had one starts using Tequio (issue 16): opened
/// on `opened_on` against `initial_deposit_minor`, its limit history since, and what is drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinePosition {
    pub line: OpenLine,
    pub opened_on: NaiveDate,
    /// Reviews done, oldest first: (date, the limit after it, the verdict).
    pub reviews: Vec<(NaiveDate, i64, ReviewOutcome)>,
    pub drawn_minor: i64,
    /// The day of the opening position (the draw's date).
    pub as_of: NaiveDate,
}

/// Builds the line of a [`LinePosition`] by the same limits as a line opened here: the opening
/// limit at most `initial_multiple` × the deposit (R-CRED-1), every reviewed limit positive and
/// at most `cap_multiple` × the deposit, reviews in order after the opening and none after
/// `as_of` (R-CRED-2), the drawn amount within the current limit. The drawn amount is booked
/// with `key` against `counterpart` (the opening equity): the lender's money was drawn before.
pub fn import_line(
    pos: &LinePosition,
    settings: &LineSettings,
    key: &str,
    counterpart: ledger::AccountCode,
) -> Result<(CreditLine, Option<ValidEntry>)> {
    let mut line = open_line(pos.line.clone(), settings, pos.opened_on)?;
    let cap = line.cap_minor(settings);
    let mut last = pos.opened_on;
    for (date, to, outcome) in &pos.reviews {
        if *date <= last || *date > pos.as_of {
            return Err(CreditError::invalid(
                "R-CRED-2",
                "date",
                format!(
                    "a review on {date} must come after {last} and by {}",
                    pos.as_of
                ),
            ));
        }
        if *to <= 0 || *to > cap {
            return Err(CreditError::ExceedsLimit {
                rule: "R-CRED-2",
                field: "limit",
                requested_minor: *to,
                allowed_minor: cap,
            });
        }
        last = *date;
        line.limit_history.push(LimitChange {
            date: *date,
            from_minor: line.limit_minor,
            to_minor: *to,
            reason: match outcome {
                ReviewOutcome::Met => LimitReason::ReviewMet,
                ReviewOutcome::LateButCured => LimitReason::ReviewLateButCured,
                ReviewOutcome::NotMet => LimitReason::ReviewNotMet,
            },
            capped: false,
            floored_at_drawn: false,
        });
        line.limit_minor = *to;
        line.reviews += 1;
    }
    if pos.as_of < pos.opened_on {
        return Err(CreditError::invalid(
            "R-CRED-1",
            "date",
            "the line opens after the opening position's date",
        ));
    }
    let entry = match pos.drawn_minor {
        0 => None,
        d => draw_to_in_place(
            &mut line,
            d,
            pos.as_of,
            Some(key),
            counterpart,
            "opening.line",
        )?,
    };
    Ok((line, entry))
}
