//! The credit state of one organisation as a fold of its events (stream `credit`).
//!
//! Every event is a *command that was accepted*, with the facts it depended on (the initial
//! deposit read from the ledger, the board decision, the id of an entry being reversed). The
//! one function [`CreditBook::apply`] both decides (the use case applies the new event to the
//! current book, commits the event with the entries `apply` returned) and replays (loading
//! applies every stored event in order and drops the entries, which the ledger already has).
//! So the state after a restart is, by construction, the state the decisions were made on.
//!
//! Keys are deterministic functions of the input (`credit:line:1:opened`,
//! `credit:loan:7:pay:rcpt-12`, ...): the same command again is a no-op, a different command
//! under the same key a conflict, and a run killed part-way and run again ends the same.

use crate::AppError;
use chrono::{Datelike, NaiveDate};
use credit::book::Allocation;
use credit::lease::{self, Asset, Lease, LeaseSettings};
use credit::line::{self, CreditLine, LineSettings, ReviewRule};
use credit::loan::{self, BoardApproval, Borrower, LateRate, Loan, LoanProposal, Subject};
use credit::schedule::{DayCount, Frequency, Method, NominalRate, ScheduleInput, UpfrontFee};
use ledger::{Account, Currency, ValidEntry};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::str::FromStr;

/// The one event stream of credit and leasing in an organisation.
pub const STREAM: &str = "credit";

/// A date as `YYYY-MM-DD` in payloads (the workspace's chrono has no serde).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Day(pub NaiveDate);

impl Serialize for Day {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // `YYYY-MM-DD` written by hand: `format` parses its pattern on every call, and a
        // daily run writes a date per installment.
        let (y, m, d) = (self.0.year(), self.0.month(), self.0.day());
        if !(0..=9999).contains(&y) {
            return s.serialize_str(&self.0.format("%Y-%m-%d").to_string());
        }
        let y = y.unsigned_abs();
        let digit = |v: u32| b'0' + (v % 10) as u8;
        let text = [
            digit(y / 1000),
            digit(y / 100),
            digit(y / 10),
            digit(y),
            b'-',
            digit(m / 10),
            digit(m),
            b'-',
            digit(d / 10),
            digit(d),
        ];
        s.serialize_str(std::str::from_utf8(&text).unwrap_or_default())
    }
}

impl<'de> Deserialize<'de> for Day {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(DayVisitor)
    }
}

/// Reads `YYYY-MM-DD` without allocating (a book's replay reads a date or two per event).
struct DayVisitor;

impl serde::de::Visitor<'_> for DayVisitor {
    type Value = Day;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a date as YYYY-MM-DD")
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Day, E> {
        parse_day(text).ok_or_else(|| E::custom(format!("'{text}' is not a date YYYY-MM-DD")))
    }
}

fn parse_day(text: &str) -> Option<Day> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |acc, c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    let year = i32::try_from(num(0..4)?).ok()?;
    NaiveDate::from_ymd_opt(year, num(5..7)?, num(8..10)?).map(Day)
}

/// A rate or fraction as exact decimal text in payloads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dec(pub Decimal);

impl Serialize for Dec {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.normalize().to_string())
    }
}

impl<'de> Deserialize<'de> for Dec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Decimal::from_str(&text)
            .map(Dec)
            .map_err(serde::de::Error::custom)
    }
}

/// Loan terms as stored (the schedule input, flat).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Terms {
    pub principal_minor: i64,
    /// Nominal annual rate as a fraction.
    pub annual_rate: Dec,
    pub installments: u32,
    /// `weekly`, `fortnightly`, `monthly`.
    pub frequency: String,
    /// `equal-installments`, `equal-principal`.
    pub method: String,
    /// `30/360`, `actual/365`.
    pub day_count: String,
    pub start: Day,
    pub first_due: Option<Day>,
    pub grace: u32,
    pub opening_fee_minor: i64,
    pub installment_fee_minor: i64,
    pub round_to_minor: Option<i64>,
}

impl Terms {
    pub fn from_input(input: &ScheduleInput) -> Terms {
        Terms {
            principal_minor: input.principal_minor,
            annual_rate: Dec(input.rate.annual()),
            installments: input.installments,
            frequency: match input.frequency {
                Frequency::Weekly => "weekly",
                Frequency::Fortnightly => "fortnightly",
                Frequency::Monthly => "monthly",
            }
            .into(),
            method: match input.method {
                Method::EqualInstallments => "equal-installments",
                Method::EqualPrincipal => "equal-principal",
            }
            .into(),
            day_count: match input.day_count {
                DayCount::Thirty360 => "30/360",
                DayCount::Actual365 => "actual/365",
            }
            .into(),
            start: Day(input.disbursement_date),
            first_due: input.first_due_date.map(Day),
            grace: input.grace_installments,
            // A percent fee is stored resolved, so replay never depends on rounding code.
            opening_fee_minor: match input.upfront_fee {
                UpfrontFee::None => 0,
                UpfrontFee::Fixed(m) => m,
                UpfrontFee::PercentOfPrincipal(r) => {
                    ledger::round::apply_rate(input.principal_minor, r).unwrap_or(i64::MAX)
                }
            },
            installment_fee_minor: input.fee_per_installment_minor,
            round_to_minor: input.rounding_multiple_minor,
        }
    }

    pub fn to_input(&self, currency: Currency) -> ScheduleInput {
        ScheduleInput {
            currency,
            principal_minor: self.principal_minor,
            rate: NominalRate::Annual(self.annual_rate.0),
            installments: self.installments,
            frequency: match self.frequency.as_str() {
                "weekly" => Frequency::Weekly,
                "fortnightly" => Frequency::Fortnightly,
                _ => Frequency::Monthly,
            },
            method: match self.method.as_str() {
                "equal-principal" => Method::EqualPrincipal,
                _ => Method::EqualInstallments,
            },
            day_count: match self.day_count.as_str() {
                "actual/365" => DayCount::Actual365,
                _ => DayCount::Thirty360,
            },
            disbursement_date: self.start.0,
            first_due_date: self.first_due.map(|d| d.0),
            grace_installments: self.grace,
            upfront_fee: if self.opening_fee_minor > 0 {
                UpfrontFee::Fixed(self.opening_fee_minor)
            } else {
                UpfrontFee::None
            },
            fee_per_installment_minor: self.installment_fee_minor,
            rounding_multiple_minor: self.round_to_minor,
        }
    }
}

/// A board decision as recorded with the command it authorised (R-GOV-2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionRef {
    pub decision_id: i64,
    pub approved: bool,
    pub decided_on: Day,
}

impl DecisionRef {
    pub fn approval(&self, subject: Subject) -> BoardApproval {
        BoardApproval {
            decision_id: self.decision_id,
            subject,
            approved: self.approved,
            decided_on: self.decided_on.0,
        }
    }
}

/// Who borrows, as stored: `None` is the ODF, `Some(id)` a member.
pub type BorrowerRef = Option<i64>;

pub fn borrower_of(r: BorrowerRef) -> Borrower {
    match r {
        None => Borrower::Odf,
        Some(m) => Borrower::Member(m),
    }
}

/// The review rule of a line as stored (R-CRED-2, a setting per ODF): factors as num/den.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewSetting {
    pub late_threshold_days: u32,
    pub when_met: (u32, u32),
    pub when_late_but_cured: (u32, u32),
    pub otherwise: (u32, u32),
    pub never_below_drawn: bool,
}

impl Default for ReviewSetting {
    fn default() -> Self {
        ReviewSetting::from_rule(&ReviewRule::default())
    }
}

impl ReviewSetting {
    pub fn from_rule(r: &ReviewRule) -> Self {
        ReviewSetting {
            late_threshold_days: r.late_threshold_days,
            when_met: (r.when_met.num, r.when_met.den),
            when_late_but_cured: (r.when_late_but_cured.num, r.when_late_but_cured.den),
            otherwise: (r.otherwise.num, r.otherwise.den),
            never_below_drawn: r.never_below_drawn,
        }
    }

    pub fn rule(&self) -> ReviewRule {
        let f = |(num, den): (u32, u32)| line::Factor { num, den };
        ReviewRule {
            late_threshold_days: self.late_threshold_days,
            when_met: f(self.when_met),
            when_late_but_cured: f(self.when_late_but_cured),
            otherwise: f(self.otherwise),
            never_below_drawn: self.never_below_drawn,
        }
    }
}

/// Every credit event. The `kind` of the stored event is [`CreditEvent::kind`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum CreditEvent {
    /// R-CRED-1. `initial_deposit_minor` is the fact the limit was checked against, and
    /// `deposits_source` says where it was read.
    LineOpened {
        line_id: i64,
        lender_code: String,
        annual_rate: Dec,
        initial_deposit_minor: i64,
        deposits_source: String,
        requested_limit_minor: i64,
        opened_on: Day,
        review: ReviewSetting,
    },
    /// Issue 16: a line the ODF already had when it started with Tequio, with its limit
    /// history and what was drawn on `as_of` (booked against the opening equity).
    LineImported {
        line_id: i64,
        lender_code: String,
        annual_rate: Dec,
        initial_deposit_minor: i64,
        opening_limit_minor: i64,
        opened_on: Day,
        review: ReviewSetting,
        /// Reviews done: (date, limit after, `met` | `late_cured` | `not_met`).
        reviews: Vec<(Day, i64, String)>,
        drawn_minor: i64,
        as_of: Day,
    },
    /// Issue 16: a loan drawn on the line before the ODF started with Tequio and being repaid:
    /// its remaining schedule (`credit::opening`). A member's remaining principal is booked
    /// against the opening equity; a loan to the ODF is part of the line's drawn amount.
    LoanImported {
        loan_id: i64,
        line_id: i64,
        borrower: BorrowerRef,
        started_on: Day,
        as_of: Day,
        rows: Vec<RemainingRow>,
        /// Installments that fell due on or before `as_of` and the borrower had not paid
        /// (absent from loans imported on time): the loan is late (R-CRED-4).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        overdue: Vec<OverdueRow>,
    },
    /// Issue 16: a lease the ODF had before Tequio (R-LEASE-1), with its remaining rents and
    /// the settings in force when it started; the asset is booked against the opening equity.
    LeaseImported {
        lease_id: i64,
        line_id: i64,
        asset_description: String,
        lessee: i64,
        started_on: Day,
        as_of: Day,
        rows: Vec<RemainingRow>,
        purchase_price_minor: i64,
        default_after_days: u32,
    },
    /// R-CRED-2. `unresolved_notices` is the R-FUND-6 fact at the time of the review.
    LineReviewed {
        line_id: i64,
        on: Day,
        unresolved_notices: u32,
        /// The ODF's review rule in force on the day, when the board has changed it since the
        /// line opened (issue 16); absent, the line's own rule.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rule: Option<ReviewSetting>,
    },
    LineDrawn {
        line_id: i64,
        amount_minor: i64,
        on: Day,
        reference: String,
    },
    LineRepaid {
        line_id: i64,
        principal_minor: i64,
        interest_minor: i64,
        on: Day,
        reference: String,
    },
    /// R-CRED-1/3, R-BUY-2, R-SELL-1: another chapter (trade) borrowed on the line; its own
    /// entry, posted in the same commit, credits `lenders:{code}:line`. The line counts it in
    /// drawn and available, and in a review's floor (the one gate for the lender's money).
    LineUsed {
        line_id: i64,
        amount_minor: i64,
        on: Day,
        /// The key of the act that borrowed (e.g. `trade:round:r1:supplier-payment:p1`).
        act: String,
    },
    /// R-CRED-4, R-BUY-2: another chapter repaid principal to the line; its own entry debits
    /// `lenders:{code}:line`.
    LineUseRepaid {
        line_id: i64,
        principal_minor: i64,
        on: Day,
        act: String,
    },
    /// R-CRED-6.
    LineTransferred {
        line_id: i64,
        to_lender: String,
        on: Day,
    },
    /// R-CRED-3/4/5 and R-GOV-2.
    LoanApproved {
        loan_id: i64,
        line_id: i64,
        borrower: BorrowerRef,
        terms: Terms,
        plan_recommended_minor: i64,
        decision: DecisionRef,
    },
    LoanDisbursed {
        loan_id: i64,
        on: Day,
    },
    LoanPaid {
        loan_id: i64,
        reference: String,
        amount_minor: i64,
        on: Day,
    },
    /// Late interest accrued through `on` (setting: the loan's rate).
    LoanLateInterest {
        loan_id: i64,
        on: Day,
    },
    LoanWrittenOff {
        loan_id: i64,
        on: Day,
        decision: DecisionRef,
    },
    /// Reversal of the loan's last payment; `entry_id` is the stored id of its entry.
    LoanPaymentReversed {
        loan_id: i64,
        payment_reference: String,
        entry_id: i64,
        on: Day,
    },
    /// R-LEASE-1: the ODF buys the asset with a line draw and leases it.
    LeaseStarted {
        lease_id: i64,
        line_id: i64,
        asset_description: String,
        lessee: i64,
        terms: Terms,
        purchase_price_minor: i64,
        default_after_days: u32,
        decision: DecisionRef,
    },
    LeaseRentPaid {
        lease_id: i64,
        reference: String,
        amount_minor: i64,
        on: Day,
    },
    /// R-LEASE-2: to another active member, on default or a board decision.
    LeaseTransferred {
        lease_id: i64,
        to_member: i64,
        on: Day,
        decision: Option<DecisionRef>,
    },
    /// R-LEASE-1: the lessee paid the symbolic price; the asset is theirs. One per lease (its
    /// key names no reference, so two purchases at once cannot both commit).
    LeasePurchased {
        lease_id: i64,
        on: Day,
        /// The member who paid: the lessee at the time (absent from events written before it
        /// was recorded, which were the lessee's).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<i64>,
        /// The payment's reference (receipt number or similar).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reference: Option<String>,
    },
    /// R-FUND-6: what a member paid went back into the trust (the Fund's entries go with it).
    LoanReplenished {
        loan_id: i64,
        amount_minor: i64,
        on: Day,
        reference: String,
    },
    /// R-FUND-6: the trustee paid installment `number` of the loan on its due date (one event
    /// per installment; written by the daily run before it wrote
    /// [`CreditEvent::TrustPaidInstallments`], still read).
    TrustPaidInstallment {
        loan_id: i64,
        number: u32,
        principal_minor: i64,
        interest_minor: i64,
        on: Day,
    },
    /// R-FUND-6: the trustee paid these installments, each on its own due date, in one commit
    /// of the daily run. `slot` is how many such events the stream held when the run decided
    /// (ARCHITECTURE.md, slots): two runs that read the same state claim the same key
    /// (`credit:trust:{slot}`), so the store takes the second as a replay when it is the same
    /// and refuses it otherwise, and no installment is paid twice.
    TrustPaidInstallments {
        slot: u64,
        rows: Vec<TrustRow>,
    },
}

/// One installment still to fall due in an imported loan or lease (issue 16): `[due date,
/// principal_minor, interest_minor]` in payloads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemainingRow(pub Day, pub i64, pub i64);

impl RemainingRow {
    fn rule_row(&self) -> credit::opening::RemainingRow {
        credit::opening::RemainingRow {
            due_date: self.0 .0,
            principal_minor: self.1,
            interest_minor: self.2,
        }
    }
}

/// An installment of an imported loan that fell due on or before the opening day and that the
/// borrower had not paid: `[due date, principal_minor, interest_minor, trust_paid]` in payloads.
/// `trust_paid`: the trust had paid it to the lender on its due date, so the borrower owes it
/// to the Fund (R-FUND-6, a replenishment); otherwise nobody paid it and the lender is still
/// owed it (the trust pays it at its first run from the opening day on).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverdueRow(pub Day, pub i64, pub i64, pub bool);

impl OverdueRow {
    pub fn due_date(&self) -> NaiveDate {
        self.0 .0
    }
    pub fn trust_paid(&self) -> bool {
        self.3
    }
}

fn remaining(
    started_on: &Day,
    as_of: &Day,
    rows: &[RemainingRow],
    overdue: &[OverdueRow],
) -> credit::opening::Remaining {
    credit::opening::Remaining {
        started_on: started_on.0,
        as_of: as_of.0,
        rows: rows.iter().map(RemainingRow::rule_row).collect(),
        overdue: overdue
            .iter()
            .map(|o| RemainingRow(o.0, o.1, o.2).rule_row())
            .collect(),
    }
}

/// One installment the trustee paid (R-FUND-6): `[loan_id, number, principal_minor,
/// interest_minor, due date]` in payloads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustRow(pub i64, pub u32, pub i64, pub i64, pub Day);

impl TrustRow {
    pub fn loan_id(&self) -> i64 {
        self.0
    }
    pub fn number(&self) -> u32 {
        self.1
    }
    pub fn principal_minor(&self) -> i64 {
        self.2
    }
    pub fn interest_minor(&self) -> i64 {
        self.3
    }
    pub fn on(&self) -> NaiveDate {
        self.4 .0
    }
}

impl CreditEvent {
    pub fn kind(&self) -> &'static str {
        match self {
            CreditEvent::LineOpened { .. } => "line.opened",
            CreditEvent::LineImported { .. } => "line.imported",
            CreditEvent::LoanImported { .. } => "loan.imported",
            CreditEvent::LeaseImported { .. } => "lease.imported",
            CreditEvent::LineReviewed { .. } => "line.reviewed",
            CreditEvent::LineDrawn { .. } => "line.drawn",
            CreditEvent::LineRepaid { .. } => "line.repaid",
            CreditEvent::LineUsed { .. } => "line.used",
            CreditEvent::LineUseRepaid { .. } => "line.use-repaid",
            CreditEvent::LineTransferred { .. } => "line.transferred",
            CreditEvent::LoanApproved { .. } => "loan.approved",
            CreditEvent::LoanDisbursed { .. } => "loan.disbursed",
            CreditEvent::LoanPaid { .. } => "loan.paid",
            CreditEvent::LoanLateInterest { .. } => "loan.late-interest",
            CreditEvent::LoanWrittenOff { .. } => "loan.written-off",
            CreditEvent::LoanPaymentReversed { .. } => "loan.payment-reversed",
            CreditEvent::LeaseStarted { .. } => "lease.started",
            CreditEvent::LeaseRentPaid { .. } => "lease.rent-paid",
            CreditEvent::LeaseTransferred { .. } => "lease.transferred",
            CreditEvent::LeasePurchased { .. } => "lease.purchased",
            CreditEvent::TrustPaidInstallment { .. } => "loan.trust-paid",
            CreditEvent::TrustPaidInstallments { .. } => "loan.trust-paid-batch",
            CreditEvent::LoanReplenished { .. } => "loan.replenished",
        }
    }

    /// The idempotency key: a function of the command's input only.
    pub fn key(&self) -> String {
        match self {
            CreditEvent::LineOpened { line_id, .. } => format!("credit:line:{line_id}:opened"),
            CreditEvent::LineImported { line_id, .. } => format!("credit:line:{line_id}:opening"),
            CreditEvent::LoanImported { loan_id, .. } => format!("credit:loan:{loan_id}:opening"),
            CreditEvent::LeaseImported { lease_id, .. } => {
                format!("credit:lease:{lease_id}:opening")
            }
            CreditEvent::LineReviewed { line_id, on, .. } => {
                format!("credit:line:{line_id}:review:{}", on.0)
            }
            CreditEvent::LineDrawn {
                line_id, reference, ..
            } => format!("credit:line:{line_id}:draw:{reference}"),
            CreditEvent::LineRepaid {
                line_id, reference, ..
            } => format!("credit:line:{line_id}:repay:{reference}"),
            CreditEvent::LineUsed { line_id, act, .. } => {
                format!("credit:line:{line_id}:use:{act}")
            }
            CreditEvent::LineUseRepaid { line_id, act, .. } => {
                format!("credit:line:{line_id}:use-repaid:{act}")
            }
            CreditEvent::LineTransferred {
                line_id,
                to_lender,
                on,
            } => format!("credit:line:{line_id}:transfer:{to_lender}:{}", on.0),
            CreditEvent::LoanApproved { loan_id, .. } => format!("credit:loan:{loan_id}:approved"),
            CreditEvent::LoanDisbursed { loan_id, .. } => {
                format!("credit:loan:{loan_id}:disbursed")
            }
            CreditEvent::LoanPaid {
                loan_id, reference, ..
            } => format!("credit:loan:{loan_id}:pay:{reference}"),
            CreditEvent::LoanLateInterest { loan_id, on } => {
                format!("credit:loan:{loan_id}:late:{}", on.0)
            }
            CreditEvent::LoanWrittenOff { loan_id, .. } => {
                format!("credit:loan:{loan_id}:write-off")
            }
            CreditEvent::LoanPaymentReversed {
                loan_id,
                payment_reference,
                ..
            } => format!("credit:loan:{loan_id}:reverse:{payment_reference}"),
            CreditEvent::LeaseStarted { lease_id, .. } => {
                format!("credit:lease:{lease_id}:started")
            }
            CreditEvent::LeaseRentPaid {
                lease_id,
                reference,
                ..
            } => format!("credit:lease:{lease_id}:rent:{reference}"),
            CreditEvent::LeaseTransferred {
                lease_id,
                to_member,
                on,
                ..
            } => format!("credit:lease:{lease_id}:transfer:{to_member}:{}", on.0),
            CreditEvent::LeasePurchased { lease_id, .. } => {
                format!("credit:lease:{lease_id}:purchased")
            }
            CreditEvent::TrustPaidInstallment {
                loan_id, number, ..
            } => format!("credit:loan:{loan_id}:trust:{number}"),
            CreditEvent::TrustPaidInstallments { slot, .. } => format!("credit:trust:{slot}"),
            CreditEvent::LoanReplenished {
                loan_id, reference, ..
            } => format!("credit:loan:{loan_id}:replenish:{reference}"),
        }
    }

    pub fn payload(&self) -> String {
        // Serialising plain structs of strings and integers cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads a stored event. Its stored `kind` names the variant, so the ones a book holds by
    /// the thousand are read straight into it (the tagged enum's generic path first buffers
    /// every field of the payload); any other kind goes the generic way.
    pub fn from_stored(kind: &str, payload: &str) -> serde_json::Result<CreditEvent> {
        #[derive(Deserialize)]
        struct Approved {
            loan_id: i64,
            line_id: i64,
            borrower: BorrowerRef,
            terms: Terms,
            plan_recommended_minor: i64,
            decision: DecisionRef,
        }
        #[derive(Deserialize)]
        struct Disbursed {
            loan_id: i64,
            on: Day,
        }
        #[derive(Deserialize)]
        struct Batch {
            slot: u64,
            rows: Vec<TrustRow>,
        }
        Ok(match kind {
            "loan.approved" => {
                let a: Approved = serde_json::from_str(payload)?;
                CreditEvent::LoanApproved {
                    loan_id: a.loan_id,
                    line_id: a.line_id,
                    borrower: a.borrower,
                    terms: a.terms,
                    plan_recommended_minor: a.plan_recommended_minor,
                    decision: a.decision,
                }
            }
            "loan.disbursed" => {
                let d: Disbursed = serde_json::from_str(payload)?;
                CreditEvent::LoanDisbursed {
                    loan_id: d.loan_id,
                    on: d.on,
                }
            }
            "loan.trust-paid-batch" => {
                let b: Batch = serde_json::from_str(payload)?;
                CreditEvent::TrustPaidInstallments {
                    slot: b.slot,
                    rows: b.rows,
                }
            }
            _ => serde_json::from_str(payload)?,
        })
    }
}

/// A line with its per-ODF settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineState {
    pub line: CreditLine,
    pub settings: LineSettings,
    pub deposits_source: String,
    /// Lenders the line has been with, oldest first (R-CRED-6).
    pub lenders: Vec<String>,
}

/// A loan with what it was approved against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoanState {
    pub loan: Loan,
    pub plan_recommended_minor: i64,
    /// Installments the trustee paid to the lender (R-FUND-6): number → (principal, interest).
    pub trust_paid: BTreeMap<u32, (i64, i64)>,
    /// Principal and interest a member paid the ODF (what can replenish the trust).
    pub received_minor: i64,
    /// What went back into the trust for this loan (R-FUND-6).
    pub replenished_minor: i64,
}

/// A lease with the line that financed it and its settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseState {
    pub lease: Lease,
    pub line_id: i64,
    pub settings: LeaseSettings,
}

/// What applying an event writes besides the event: accounts to open and entries to post.
#[derive(Debug, Clone, Default)]
pub struct Applied {
    pub accounts: Vec<Account>,
    pub entries: Vec<ValidEntry>,
}

/// The credit state of one organisation.
#[derive(Debug, Clone)]
pub struct CreditBook {
    pub currency: Currency,
    pub lines: BTreeMap<i64, LineState>,
    pub loans: BTreeMap<i64, LoanState>,
    pub leases: BTreeMap<i64, LeaseState>,
    /// key → payload of every event applied (idempotency).
    pub(crate) keys: HashMap<String, String>,
    /// Events applied, in order (for `show` history).
    pub events: Vec<CreditEvent>,
    /// Per line: principal of loans approved and not yet disbursed (R-CRED-1 availability).
    pending: HashMap<i64, i64>,
    /// Per borrower: their loans' ids (R-CRED-5 history), so an approval does not scan every
    /// loan of the organisation.
    by_borrower: HashMap<Borrower, Vec<i64>>,
    /// [`CreditEvent::TrustPaidInstallments`] events applied: the next one's slot.
    trust_slots: u64,
}

/// R-CRED-3: money is borrowed on a line only from the day it was opened.
fn not_in_force(line: &CreditLine, on: NaiveDate) -> AppError {
    AppError::Rule {
        rule: "R-CRED-3",
        field: "on".into(),
        message: format!(
            "la línea {} con {} se abrió el {}: no estaba vigente el {on}",
            line.id, line.lender_code, line.opened_on
        ),
    }
}

fn missing(what: &str, id: i64) -> AppError {
    AppError::Field(registry::FieldError::new(
        "id",
        format!("{what} {id} no existe (not found)"),
    ))
}

impl CreditBook {
    pub fn new(currency: Currency) -> Self {
        CreditBook {
            currency,
            lines: BTreeMap::new(),
            loans: BTreeMap::new(),
            leases: BTreeMap::new(),
            keys: HashMap::new(),
            events: Vec::new(),
            pending: HashMap::new(),
            by_borrower: HashMap::new(),
            trust_slots: 0,
        }
    }

    /// The payload stored under `key`, if any.
    pub fn payload_of(&self, key: &str) -> Option<&str> {
        self.keys.get(key).map(String::as_str)
    }

    pub fn line(&self, id: i64) -> Result<&LineState, AppError> {
        self.lines.get(&id).ok_or_else(|| missing("la línea", id))
    }

    pub fn loan(&self, id: i64) -> Result<&LoanState, AppError> {
        self.loans
            .get(&id)
            .ok_or_else(|| missing("el préstamo", id))
    }

    pub fn lease(&self, id: i64) -> Result<&LeaseState, AppError> {
        self.leases
            .get(&id)
            .ok_or_else(|| missing("el arrendamiento", id))
    }

    /// Loans drawn on a line.
    pub fn loans_of_line(&self, line_id: i64) -> Vec<Loan> {
        self.loans
            .values()
            .filter(|l| l.loan.line_id == line_id)
            .map(|l| l.loan.clone())
            .collect()
    }

    /// R-CRED-5: the closed loans of a borrower (graduation history).
    pub fn history_of(&self, borrower: Borrower) -> Vec<loan::LoanOutcome> {
        self.by_borrower
            .get(&borrower)
            .into_iter()
            .flatten()
            .filter_map(|id| self.loans.get(id))
            .filter_map(|l| l.loan.outcome())
            .collect()
    }

    /// Principal of the loans approved on `line_id` and not yet disbursed (they hold part of
    /// the line's available limit, R-CRED-1).
    pub fn pending_minor(&self, line_id: i64) -> i64 {
        self.pending.get(&line_id).copied().unwrap_or(0)
    }

    /// The slot the next [`CreditEvent::TrustPaidInstallments`] claims.
    pub fn next_trust_slot(&self) -> u64 {
        self.trust_slots
    }

    /// R-FUND-6: the trustee paid these installments to the lender. Each row's principal frees
    /// the line; a loan to the ODF *is* its debt to the lender, so its row is paid too (the ODF
    /// now owes the Fund instead); a member still owes the row to the ODF and repays it to
    /// replenish the Fund. The Fund's entries go with the event. All rows are checked (no
    /// installment paid twice, the ODF's payments valid) before any is applied: on error the
    /// book is unchanged. The daily run applies its installments one at a time through this
    /// and records them as one event ([`CreditBook::record_trust_rows`]); a replay applies the
    /// event's rows at once.
    pub fn pay_trust_rows(&mut self, rows: &[TrustRow]) -> Result<(), AppError> {
        let mut seen: BTreeSet<(i64, u32)> = BTreeSet::new();
        // Loans to the ODF after their rows (few: a member's loan needs no copy).
        let mut odf: BTreeMap<i64, Loan> = BTreeMap::new();
        for row in rows {
            let (loan_id, number) = (row.loan_id(), row.number());
            let ls = self.loan(loan_id)?;
            if ls.trust_paid.contains_key(&number) || !seen.insert((loan_id, number)) {
                return Err(AppError::Field(registry::FieldError::new(
                    "installment",
                    format!("R-FUND-6: la cuota {number} del préstamo {loan_id} ya se pagó"),
                )));
            }
            if ls.loan.borrower == Borrower::Odf {
                let current = odf.get(&loan_id).unwrap_or(&ls.loan);
                let next = loan::repay(
                    current,
                    &loan::Payment {
                        key: format!("credit:loan:{loan_id}:trust:{number}"),
                        date: row.on(),
                        amount_minor: row.principal_minor() + row.interest_minor(),
                    },
                )?
                .loan;
                odf.insert(loan_id, next);
            }
        }
        for row in rows {
            let loan_id = row.loan_id();
            let Some(s) = self.loans.get_mut(&loan_id) else {
                continue;
            };
            if let Some(next) = odf.remove(&loan_id) {
                s.loan = next;
            }
            s.trust_paid
                .insert(row.number(), (row.principal_minor(), row.interest_minor()));
            let line_id = s.loan.line_id;
            if let Some(l) = self.lines.get_mut(&line_id) {
                l.line.drawn_minor -= row.principal_minor();
            }
        }
        Ok(())
    }

    /// Records a [`CreditEvent::TrustPaidInstallments`] whose rows were applied already with
    /// [`CreditBook::pay_trust_rows`] (the daily run decides row by row): its key and payload
    /// for idempotency, the event, the next slot. Answers the key.
    pub(crate) fn record_trust_rows(&mut self, event: &CreditEvent, payload: String) -> String {
        let key = event.key();
        if let CreditEvent::TrustPaidInstallments { slot, .. } = event {
            self.trust_slots = self.trust_slots.max(slot + 1);
        }
        self.keys.insert(key.clone(), payload);
        self.events.push(event.clone());
        key
    }

    /// Applies one event: checks it against the state through the pure rules, updates the
    /// state and returns what it writes. An error leaves the book unchanged.
    pub fn apply(&mut self, event: &CreditEvent) -> Result<Applied, AppError> {
        let applied = self.apply_payload(event, None)?;
        self.events.push(event.clone());
        Ok(applied)
    }

    /// Replays an event of the credit stream as it was stored.
    pub(crate) fn replay_stored(&mut self, stored: store::StoredEvent) -> Result<(), AppError> {
        let event = CreditEvent::from_stored(&stored.event.kind, &stored.event.payload)
            .map_err(|e| AppError::Integrity(format!("credit event {}: {e}", stored.seq)))?;
        self.replay(event, stored.event.payload).map_err(|e| {
            AppError::Integrity(format!(
                "credit event {} no longer applies: {e}",
                stored.seq
            ))
        })
    }

    /// [`CreditBook::apply`] of a stored event, keeping its stored payload (no re-encoding).
    pub(crate) fn replay(&mut self, event: CreditEvent, payload: String) -> Result<(), AppError> {
        self.apply_payload(&event, Some(payload))?;
        self.events.push(event);
        Ok(())
    }

    fn apply_payload(
        &mut self,
        event: &CreditEvent,
        payload: Option<String>,
    ) -> Result<Applied, AppError> {
        let key = event.key();
        let mut applied = Applied::default();
        let cur = self.currency;
        match event {
            CreditEvent::LineOpened {
                line_id,
                lender_code,
                annual_rate,
                initial_deposit_minor,
                deposits_source,
                requested_limit_minor,
                opened_on,
                review,
            } => {
                if self.lines.contains_key(line_id) {
                    return Err(AppError::Field(registry::FieldError::new(
                        "line",
                        format!("R-CRED-1: la línea {line_id} ya está abierta"),
                    )));
                }
                let settings = LineSettings {
                    review_rule: review.rule(),
                    ..LineSettings::default()
                };
                let line = line::open_line(
                    line::OpenLine {
                        id: *line_id,
                        lender_code: lender_code.clone(),
                        currency: cur,
                        rate: NominalRate::Annual(annual_rate.0),
                        initial_deposit_minor: *initial_deposit_minor,
                        requested_limit_minor: *requested_limit_minor,
                    },
                    &settings,
                    opened_on.0,
                )?;
                applied.accounts = credit::credit_extra_accounts();
                applied
                    .accounts
                    .extend(Account::lender_accounts(lender_code));
                self.lines.insert(
                    *line_id,
                    LineState {
                        line,
                        settings,
                        deposits_source: deposits_source.clone(),
                        lenders: vec![lender_code.clone()],
                    },
                );
            }
            CreditEvent::LineImported {
                line_id,
                lender_code,
                annual_rate,
                initial_deposit_minor,
                opening_limit_minor,
                opened_on,
                review,
                reviews,
                drawn_minor,
                as_of,
            } => {
                if self.lines.contains_key(line_id) {
                    return Err(AppError::Field(registry::FieldError::new(
                        "line",
                        format!("R-CRED-1: la línea {line_id} ya está abierta"),
                    )));
                }
                let settings = LineSettings {
                    review_rule: review.rule(),
                    ..LineSettings::default()
                };
                let mut done = Vec::with_capacity(reviews.len());
                for (on, to, outcome) in reviews {
                    let outcome = match outcome.as_str() {
                        "met" => line::ReviewOutcome::Met,
                        "late_cured" => line::ReviewOutcome::LateButCured,
                        "not_met" => line::ReviewOutcome::NotMet,
                        other => {
                            return Err(AppError::Field(registry::FieldError::new(
                                "class",
                                format!("R-CRED-2: '{other}' no es met, late_cured ni not_met"),
                            )))
                        }
                    };
                    done.push((on.0, *to, outcome));
                }
                let (line, entry) = line::import_line(
                    &line::LinePosition {
                        line: line::OpenLine {
                            id: *line_id,
                            lender_code: lender_code.clone(),
                            currency: cur,
                            rate: NominalRate::Annual(annual_rate.0),
                            initial_deposit_minor: *initial_deposit_minor,
                            requested_limit_minor: *opening_limit_minor,
                        },
                        opened_on: opened_on.0,
                        reviews: done,
                        drawn_minor: *drawn_minor,
                        as_of: as_of.0,
                    },
                    &settings,
                    &key,
                    crate::opening_cases::opening_equity(),
                )?;
                applied.accounts = credit::credit_extra_accounts();
                applied
                    .accounts
                    .extend(Account::lender_accounts(lender_code));
                applied
                    .accounts
                    .push(crate::opening_cases::opening_equity_account());
                applied.entries.extend(entry);
                self.lines.insert(
                    *line_id,
                    LineState {
                        line,
                        settings,
                        deposits_source: "opening".to_string(),
                        lenders: vec![lender_code.clone()],
                    },
                );
            }
            CreditEvent::LoanImported {
                loan_id,
                line_id,
                borrower,
                started_on,
                as_of,
                rows,
                overdue,
            } => {
                if self.loans.contains_key(loan_id) {
                    return Err(AppError::Field(registry::FieldError::new(
                        "loan",
                        format!("R-CRED-3: el préstamo {loan_id} ya existe"),
                    )));
                }
                let borrower = borrower_of(*borrower);
                // R-CRED-4: what the trust paid on a loan to the ODF repaid it, and a payment
                // goes to the oldest installment due: it cannot have paid one after another
                // that nobody paid.
                if borrower == Borrower::Odf {
                    let unpaid = overdue
                        .iter()
                        .filter(|o| !o.trust_paid())
                        .map(|o| o.due_date());
                    if let Some(first) = unpaid.min() {
                        if let Some(later) = overdue
                            .iter()
                            .find(|o| o.trust_paid() && o.due_date() > first)
                        {
                            return Err(AppError::Rule {
                                rule: "R-CRED-4",
                                field: "date".into(),
                                message: format!(
                                    "préstamo {loan_id} a la ODF: el fideicomiso no pudo pagar la \
                                     cuota del {} sin antes la del {first}, que nadie pagó (un \
                                     pago va a la cuota más antigua)",
                                    later.due_date()
                                ),
                            });
                        }
                    }
                }
                let st = self.line(*line_id)?;
                let (loan, entry) = credit::opening::import_loan(
                    *loan_id,
                    &st.line,
                    borrower,
                    &remaining(started_on, as_of, rows, overdue),
                    credit::opening::Booking {
                        key: &key,
                        counterpart: crate::opening_cases::opening_equity(),
                    },
                )?;
                // R-FUND-6: the overdue installments the trust paid the lender before the
                // opening, by their number in the schedule (the overdue rows come first).
                let trust_rows: Vec<TrustRow> = loan
                    .schedule
                    .rows
                    .iter()
                    .filter(|r| {
                        overdue
                            .iter()
                            .any(|o| o.trust_paid() && o.due_date() == r.due_date)
                    })
                    .map(|r| {
                        TrustRow(
                            *loan_id,
                            r.number,
                            r.principal_minor,
                            r.interest_minor,
                            Day(r.due_date),
                        )
                    })
                    .collect();
                let trust_principal: i64 = trust_rows.iter().map(|t| t.principal_minor()).sum();
                // R-CRED-3: the loans being repaid were drawn from the line, so what they still
                // owe the lender is part of what the line has drawn (what the trust paid the
                // lender for them is not owed to the lender any more).
                let owed: i64 = self
                    .loans
                    .values()
                    .filter(|l| l.loan.line_id == *line_id)
                    .filter(|l| credit::opening::imported_as_of(&l.loan).is_some())
                    .map(|l| {
                        l.loan.schedule.principal_minor
                            - l.trust_paid.values().map(|(p, _)| p).sum::<i64>()
                    })
                    .sum::<i64>()
                    + loan.schedule.principal_minor
                    - trust_principal;
                if owed > st.line.drawn_minor {
                    return Err(AppError::Rule {
                        rule: "R-CRED-3",
                        field: "drawn".into(),
                        message: format!(
                            "los préstamos por pagar de la línea {line_id} deben {} de capital, \
                             más de lo dispuesto ({})",
                            ledger::Money::new(owed, cur).to_major_string(),
                            ledger::Money::new(st.line.drawn_minor, cur).to_major_string()
                        ),
                    });
                }
                applied.accounts = credit::credit_extra_accounts();
                applied
                    .accounts
                    .push(crate::opening_cases::opening_equity_account());
                applied.entries.extend(entry);
                self.by_borrower.entry(borrower).or_default().push(*loan_id);
                self.loans.insert(
                    *loan_id,
                    LoanState {
                        loan,
                        plan_recommended_minor: 0,
                        trust_paid: BTreeMap::new(),
                        received_minor: 0,
                        replenished_minor: 0,
                    },
                );
                // As the daily run records the trust's payments (a loan to the ODF has those
                // rows paid; a member still owes them), but the line's drawn amount on the
                // opening day is after them already.
                if let Err(e) = self.pay_trust_rows(&trust_rows) {
                    self.loans.remove(loan_id);
                    if let Some(ids) = self.by_borrower.get_mut(&borrower) {
                        ids.retain(|id| id != loan_id);
                    }
                    return Err(e);
                }
                if let Some(l) = self.lines.get_mut(line_id) {
                    l.line.drawn_minor += trust_principal;
                }
            }
            CreditEvent::LeaseImported {
                lease_id,
                line_id,
                asset_description,
                lessee,
                started_on,
                as_of,
                rows,
                purchase_price_minor,
                default_after_days,
            } => {
                if self.leases.contains_key(lease_id) {
                    return Err(AppError::Field(registry::FieldError::new(
                        "lease",
                        format!("R-LEASE-1: el arrendamiento {lease_id} ya existe"),
                    )));
                }
                let st = self.line(*line_id)?;
                let settings = LeaseSettings {
                    purchase_price_minor: *purchase_price_minor,
                    default_after_days: *default_after_days,
                };
                let (lease, entry) = credit::opening::import_lease(
                    *lease_id,
                    &st.line,
                    asset_description,
                    *lessee,
                    &remaining(started_on, as_of, rows, &[]),
                    &settings,
                    credit::opening::Booking {
                        key: &key,
                        counterpart: crate::opening_cases::opening_equity(),
                    },
                )?;
                applied.accounts = credit::credit_extra_accounts();
                applied
                    .accounts
                    .push(crate::opening_cases::opening_equity_account());
                applied.entries.push(entry);
                self.leases.insert(
                    *lease_id,
                    LeaseState {
                        lease,
                        line_id: *line_id,
                        settings,
                    },
                );
            }
            CreditEvent::LineReviewed {
                line_id,
                on,
                unresolved_notices,
                rule,
            } => {
                let mut st = self.line(*line_id)?.clone();
                if let Some(rule) = rule {
                    st.settings.review_rule = rule.rule();
                }
                let period_start = st
                    .line
                    .limit_history
                    .last()
                    .map(|c| c.date)
                    .unwrap_or(st.line.opened_on);
                let facts = credit::quality::review_facts(
                    &self.loans_of_line(*line_id),
                    period_start,
                    on.0,
                    st.settings.review_rule.late_threshold_days,
                    *unresolved_notices,
                );
                let decision = line::review(&st.line, &facts, &st.settings, on.0)?;
                self.set_line(*line_id, decision.line);
            }
            CreditEvent::LineDrawn {
                line_id,
                amount_minor,
                on,
                ..
            } => {
                let st = self.line(*line_id)?;
                let (next, entry) = line::draw(&st.line, *amount_minor, on.0, &key)?;
                applied.entries.push(entry);
                self.set_line(*line_id, next);
            }
            CreditEvent::LineRepaid {
                line_id,
                principal_minor,
                interest_minor,
                on,
                ..
            } => {
                let st = self.line(*line_id)?;
                let (next, entry) =
                    line::repay_line(&st.line, *principal_minor, *interest_minor, on.0, &key)?;
                applied.entries.push(entry);
                self.set_line(*line_id, next);
            }
            CreditEvent::LineUsed {
                line_id,
                amount_minor,
                on,
                ..
            } => {
                let st = self
                    .lines
                    .get_mut(line_id)
                    .ok_or_else(|| missing("la línea", *line_id))?;
                if on.0 < st.line.opened_on {
                    return Err(not_in_force(&st.line, on.0));
                }
                // No entry: the borrowing chapter posts its own in the same commit.
                line::draw_in_place(&mut st.line, *amount_minor, on.0, None)?;
            }
            CreditEvent::LineUseRepaid {
                line_id,
                principal_minor,
                on,
                ..
            } => {
                let st = self
                    .lines
                    .get_mut(line_id)
                    .ok_or_else(|| missing("la línea", *line_id))?;
                line::repaid_elsewhere_in_place(&mut st.line, *principal_minor, on.0)?;
            }
            CreditEvent::LineTransferred {
                line_id,
                to_lender,
                on,
            } => {
                let st = self.line(*line_id)?;
                let loans = self.loans_of_line(*line_id);
                let t = line::transfer_line(&st.line, &loans, to_lender, on.0, &key)?;
                applied.accounts = Account::lender_accounts(to_lender);
                applied.entries.extend(t.entry);
                for l in t.loans {
                    if let Some(s) = self.loans.get_mut(&l.id) {
                        s.loan = l;
                    }
                }
                if let Some(s) = self.lines.get_mut(line_id) {
                    s.line = t.line;
                    s.lenders.push(to_lender.clone());
                }
            }
            CreditEvent::LoanApproved {
                loan_id,
                line_id,
                borrower,
                terms,
                plan_recommended_minor,
                decision,
            } => {
                if self.loans.contains_key(loan_id) {
                    return Err(AppError::Field(registry::FieldError::new(
                        "loan",
                        format!("R-CRED-3: el préstamo {loan_id} ya existe"),
                    )));
                }
                self.line(*line_id)?;
                let borrower = borrower_of(*borrower);
                let history = self.history_of(borrower);
                // The line's available limit net of loans approved and not yet disbursed: held
                // as drawn for the check only, then put back (no copy of the line's history).
                let pending = self.pending_minor(*line_id);
                let st = self
                    .lines
                    .get_mut(line_id)
                    .ok_or_else(|| missing("la línea", *line_id))?;
                st.line.drawn_minor += pending;
                let approved = loan::approve(
                    &LoanProposal {
                        id: *loan_id,
                        borrower,
                        terms: terms.to_input(cur),
                    },
                    &st.line,
                    *plan_recommended_minor,
                    &history,
                    &decision.approval(Subject::Loan(*loan_id)),
                );
                st.line.drawn_minor -= pending;
                let loan = approved?;
                *self.pending.entry(*line_id).or_default() += loan.schedule.principal_minor;
                self.by_borrower.entry(borrower).or_default().push(*loan_id);
                self.loans.insert(
                    *loan_id,
                    LoanState {
                        loan,
                        plan_recommended_minor: *plan_recommended_minor,
                        trust_paid: BTreeMap::new(),
                        received_minor: 0,
                        replenished_minor: 0,
                    },
                );
            }
            CreditEvent::LoanDisbursed { loan_id, on } => {
                let line_id = self.loan(*loan_id)?.loan.line_id;
                self.line(line_id)?;
                // In place: the line carries the history of every draw, the loan its own.
                let (Some(ls), Some(st)) =
                    (self.loans.get_mut(loan_id), self.lines.get_mut(&line_id))
                else {
                    return Err(missing("el préstamo", *loan_id));
                };
                // A replay (`payload` given) builds no entries: the ledger has them.
                let post = payload.is_none().then_some(key.as_str());
                applied.entries = loan::disburse_in_place(&mut ls.loan, &mut st.line, on.0, post)?;
                let principal = ls.loan.schedule.principal_minor;
                *self.pending.entry(line_id).or_default() -= principal;
            }
            CreditEvent::LoanPaid {
                loan_id,
                amount_minor,
                on,
                ..
            } => {
                let ls = self.loan(*loan_id)?;
                let d = loan::repay(
                    &ls.loan,
                    &loan::Payment {
                        key: key.clone(),
                        date: on.0,
                        amount_minor: *amount_minor,
                    },
                )?;
                applied.entries.push(d.entry);
                // A loan to the ODF is the line draw: its principal repaid frees the line.
                let line_id = ls.loan.line_id;
                let t = d.allocation.total;
                if ls.loan.borrower == Borrower::Odf {
                    if let Some(s) = self.lines.get_mut(&line_id) {
                        s.line.drawn_minor -= t.principal_minor;
                    }
                }
                self.set_loan(*loan_id, d.loan);
                if let Some(s) = self.loans.get_mut(loan_id) {
                    s.received_minor += t.principal_minor + t.interest_minor;
                }
            }
            CreditEvent::LoanLateInterest { loan_id, on } => {
                let ls = self.loan(*loan_id)?;
                let (next, _) = loan::accrue_late_interest(&ls.loan, LateRate::Ordinary, on.0)?;
                self.set_loan(*loan_id, next);
            }
            CreditEvent::LoanWrittenOff {
                loan_id,
                on,
                decision,
            } => {
                let ls = self.loan(*loan_id)?;
                let (next, entry) = loan::write_off(
                    &ls.loan,
                    &decision.approval(Subject::WriteOff(*loan_id)),
                    on.0,
                    &key,
                )?;
                applied.entries.push(entry);
                self.set_loan(*loan_id, next);
            }
            CreditEvent::LoanPaymentReversed {
                loan_id,
                payment_reference,
                entry_id,
                on,
            } => {
                let ls = self.loan(*loan_id)?;
                let pay_key = format!("credit:loan:{loan_id}:pay:{payment_reference}");
                let undone: Option<Allocation> = ls
                    .loan
                    .payments
                    .last()
                    .filter(|p| p.key == pay_key)
                    .map(|p| p.allocation.clone());
                let (next, entry) =
                    loan::reverse_last_payment(&ls.loan, &pay_key, *entry_id, on.0, &key)?;
                applied.entries.push(entry);
                let line_id = ls.loan.line_id;
                let undone = undone.map(|a| a.total).unwrap_or_default();
                if ls.loan.borrower == Borrower::Odf {
                    if let Some(s) = self.lines.get_mut(&line_id) {
                        s.line.drawn_minor += undone.principal_minor;
                    }
                }
                self.set_loan(*loan_id, next);
                if let Some(s) = self.loans.get_mut(loan_id) {
                    s.received_minor -= undone.principal_minor + undone.interest_minor;
                }
            }
            CreditEvent::LeaseStarted {
                lease_id,
                line_id,
                asset_description,
                lessee,
                terms,
                purchase_price_minor,
                default_after_days,
                decision,
            } => {
                if self.leases.contains_key(lease_id) {
                    return Err(AppError::Field(registry::FieldError::new(
                        "lease",
                        format!("R-LEASE-1: el arrendamiento {lease_id} ya existe"),
                    )));
                }
                let st = self.line(*line_id)?;
                let settings = LeaseSettings {
                    purchase_price_minor: *purchase_price_minor,
                    default_after_days: *default_after_days,
                };
                let asset = Asset {
                    id: *lease_id,
                    description: asset_description.clone(),
                    cost_minor: terms.principal_minor,
                };
                let started = lease::start_lease(
                    lease::StartLease {
                        id: *lease_id,
                        asset: asset.clone(),
                        lessee: *lessee,
                        // Checked against the registry before the event was written.
                        lessee_is_active_member: true,
                        terms: terms.to_input(cur),
                    },
                    &settings,
                    &decision.approval(Subject::Lease(*lease_id)),
                )?;
                let (next_line, entry) =
                    lease::acquire_asset(&st.line, &asset, terms.start.0, &key)?;
                applied.entries.push(entry);
                self.set_line(*line_id, next_line);
                self.leases.insert(
                    *lease_id,
                    LeaseState {
                        lease: started,
                        line_id: *line_id,
                        settings,
                    },
                );
            }
            CreditEvent::LeaseRentPaid {
                lease_id,
                amount_minor,
                on,
                ..
            } => {
                let ls = self.lease(*lease_id)?;
                let (next, entry) = lease::pay_rent(&ls.lease, *amount_minor, on.0, &key)?;
                applied.entries.push(entry);
                self.set_lease(*lease_id, next);
            }
            CreditEvent::LeaseTransferred {
                lease_id,
                to_member,
                on,
                decision,
            } => {
                let ls = self.lease(*lease_id)?;
                let next = lease::transfer_lease(
                    &ls.lease,
                    &lease::TransferLease {
                        to_member: *to_member,
                        // Checked against the registry before the event was written.
                        to_member_is_active: true,
                        decision: decision
                            .as_ref()
                            .map(|d| d.approval(Subject::LeaseTransfer(*lease_id))),
                        date: on.0,
                    },
                    &ls.settings,
                )?;
                self.set_lease(*lease_id, next);
            }
            CreditEvent::LeasePurchased {
                lease_id, on, by, ..
            } => {
                let ls = self.lease(*lease_id)?;
                let cmd = lease::ExercisePurchase {
                    by: by.unwrap_or(ls.lease.lessee),
                    date: on.0,
                };
                let (next, entry) = lease::exercise_purchase(&ls.lease, &cmd, &key)?;
                applied.entries.extend(entry);
                self.set_lease(*lease_id, next);
            }
            CreditEvent::LoanReplenished {
                loan_id,
                amount_minor,
                ..
            } => {
                self.loan(*loan_id)?;
                if let Some(s) = self.loans.get_mut(loan_id) {
                    s.replenished_minor += amount_minor;
                }
            }
            CreditEvent::TrustPaidInstallment {
                loan_id,
                number,
                principal_minor,
                interest_minor,
                on,
            } => {
                self.pay_trust_rows(&[TrustRow(
                    *loan_id,
                    *number,
                    *principal_minor,
                    *interest_minor,
                    *on,
                )])?;
            }
            CreditEvent::TrustPaidInstallments { slot, rows } => {
                self.pay_trust_rows(rows)?;
                self.trust_slots = self.trust_slots.max(slot + 1);
            }
        }
        self.keys
            .insert(key, payload.unwrap_or_else(|| event.payload()));
        Ok(applied)
    }

    fn set_line(&mut self, id: i64, line: CreditLine) {
        if let Some(s) = self.lines.get_mut(&id) {
            s.line = line;
        }
    }

    fn set_loan(&mut self, id: i64, loan: Loan) {
        if let Some(s) = self.loans.get_mut(&id) {
            s.loan = loan;
        }
    }

    fn set_lease(&mut self, id: i64, lease: Lease) {
        if let Some(s) = self.leases.get_mut(&id) {
            s.lease = lease;
        }
    }

    /// Member ids that appear as borrowers or lessees (for registry checks).
    pub fn people(&self) -> BTreeSet<i64> {
        let mut s: BTreeSet<i64> = self
            .loans
            .values()
            .filter_map(|l| match l.loan.borrower {
                Borrower::Member(m) => Some(m),
                Borrower::Odf => None,
            })
            .collect();
        s.extend(self.leases.values().map(|l| l.lease.lessee));
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> Day {
        Day(NaiveDate::from_ymd_opt(y, m, day).unwrap())
    }

    /// Reading a stored event by its kind gives what the generic tagged read gives.
    #[test]
    fn a_stored_event_reads_the_same_by_kind_as_by_its_tag() {
        let terms = Terms::from_input(&credit::ScheduleInput::monthly(
            300_000,
            Decimal::new(18, 2),
            3,
            d(2025, 8, 1).0,
        ));
        let events = [
            CreditEvent::LoanApproved {
                loan_id: 7,
                line_id: 1,
                borrower: Some(42),
                terms,
                plan_recommended_minor: 500_000,
                decision: DecisionRef {
                    decision_id: 3,
                    approved: true,
                    decided_on: d(2025, 7, 20),
                },
            },
            CreditEvent::LoanDisbursed {
                loan_id: 7,
                on: d(2025, 8, 1),
            },
            CreditEvent::TrustPaidInstallments {
                slot: 4,
                rows: vec![
                    TrustRow(7, 1, 100_000, 4_500, d(2025, 9, 1)),
                    TrustRow(8, 2, 0, 1_500, d(2025, 10, 1)),
                ],
            },
            CreditEvent::LoanPaid {
                loan_id: 7,
                reference: "rcpt-1".into(),
                amount_minor: 104_500,
                on: d(2025, 9, 3),
            },
        ];
        for e in events {
            let payload = e.payload();
            let generic: CreditEvent = serde_json::from_str(&payload).unwrap();
            let by_kind = CreditEvent::from_stored(e.kind(), &payload).unwrap();
            assert_eq!(by_kind, generic, "{payload}");
            assert_eq!(by_kind, e);
        }
    }

    /// R-LEASE-1: a purchase stored before the buyer and reference were recorded still reads
    /// (the lessee then bought); a new one keeps both.
    #[test]
    fn a_lease_purchase_reads_with_and_without_buyer_and_reference() {
        let old = r#"{"type":"lease-purchased","lease_id":1,"on":"2026-08-03"}"#;
        assert_eq!(
            CreditEvent::from_stored("lease.purchased", old).unwrap(),
            CreditEvent::LeasePurchased {
                lease_id: 1,
                on: d(2026, 8, 3),
                by: None,
                reference: None,
            }
        );
        let new = CreditEvent::LeasePurchased {
            lease_id: 1,
            on: d(2026, 8, 3),
            by: Some(7),
            reference: Some("compra-1".into()),
        };
        let read = CreditEvent::from_stored(new.kind(), &new.payload()).unwrap();
        assert_eq!(read, new);
        assert_eq!(new.key(), "credit:lease:1:purchased");
    }

    #[test]
    fn a_day_is_read_as_yyyy_mm_dd_and_nothing_else() {
        assert_eq!(parse_day("2025-09-01"), Some(d(2025, 9, 1)));
        assert_eq!(parse_day("2024-02-29"), Some(d(2024, 2, 29)));
        for bad in [
            "2025-02-30",
            "2025-9-01",
            "2025/09/01",
            "20250901xx",
            "2025-09-0a",
            "",
        ] {
            assert_eq!(parse_day(bad), None, "{bad}");
        }
        assert_eq!(
            serde_json::to_string(&d(2025, 9, 1)).unwrap(),
            "\"2025-09-01\""
        );
        assert_eq!(
            serde_json::to_string(&d(987, 12, 31)).unwrap(),
            "\"0987-12-31\""
        );
        let read: Day = serde_json::from_str("\"2025-12-31\"").unwrap();
        assert_eq!(read, d(2025, 12, 31));
        assert!(serde_json::from_str::<Day>("\"31/12/2025\"").is_err());
    }
}
