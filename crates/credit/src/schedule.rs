//! Loan schedules (R-CRED-4): "fixed installments of capital and interest ... equal
//! installments (French) by default, equal principal as an option; interest on the declining
//! balance; monthly by default. Money rounds half-to-even to the centavo, an installment can be
//! rounded to a multiple (setting), and the residue goes to the last installment."
//!
//! # Day count: 30/360 is the default
//! Under [`DayCount::Thirty360`] every regular period has its nominal length (a month is 30
//! days, a fortnight 14, a week 7) over a 360-day year, so a monthly period's interest is
//! exactly `balance × annual / 12` whatever the calendar month. That is what makes R-CRED-4's
//! promise of *fixed* installments literally true (every French row but the last carries the
//! same installment *and* the same split a borrower can check by hand), makes a schedule
//! independent of the month it starts in, and is how preferential bank credit is usually
//! quoted. [`DayCount::Actual365`] is available for lenders who charge on calendar days: the
//! installment is computed at the nominal periodic rate (annual/12, annual×14/365,
//! annual×7/365) and each row's interest on the actual days, so principal parts vary and the
//! last row absorbs the difference.
//!
//! A first period that is not exactly one step long (the first due date is an input) is
//! charged for its own length: actual days under actual/365; under 30/360, 30E/360 days for
//! monthly schedules and calendar days for weekly and fortnightly ones. Regular rows after it
//! keep the nominal length.
//!
//! # Due dates
//! Row `k` falls due `k` periods after disbursement (a monthly row on the start's day of the
//! month, clamped to the month's end), or `k − 1` periods after a first due date given as an
//! input. Every date is stepped from that one anchor, never from the previous due date, so a
//! loan started on 31 January falls due on 29 February, 31 March, 30 April, ... (stepping
//! from 29 February would leave it on the 29th for good).
//!
//! # Rounding
//! Interest per row is `balance × annual × days / year_days`, computed exactly in integers and
//! rounded half-to-even to the minor unit (`ledger::round::div_half_even`). The French
//! installment `P·i / (1 − (1+i)^−m)` is computed in `Decimal` (28 significant digits) and
//! rounded half-to-even to the centavo; with a rounding multiple the *total* payment of a row
//! (principal + interest + per-installment fee) is then rounded half-to-even to the multiple.
//! Under equal principal the multiple applies to the principal share. The last row takes
//! whatever principal remains (the residue).
//!
//! # Grace
//! `grace_installments` first rows pay interest (and fees) only; principal is amortised over
//! the remaining `installments − grace_installments` rows.

use crate::{CreditError, Result};
use chrono::{Datelike, Days, Months, NaiveDate};
use ledger::round::{div_half_even, to_minor_half_even, to_multiple_half_even};
use ledger::Currency;
use rust_decimal::Decimal;

const RULE: &str = "R-CRED-4";
/// Most installments one schedule may have (30 years monthly).
pub const MAX_INSTALLMENTS: u32 = 360;
/// Largest principal accepted: 10^15 minor units (ten trillion pesos).
pub const MAX_PRINCIPAL_MINOR: i64 = 1_000_000_000_000_000;
/// Largest nominal annual rate accepted: 200% a year.
pub const MAX_ANNUAL_RATE_PERCENT: i64 = 200;
/// Most decimal places a rate may carry (exact integer interest relies on it).
pub const MAX_RATE_DECIMALS: u32 = 12;

/// How often installments fall due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Frequency {
    Weekly,
    /// Every 14 days (catorcenal).
    Fortnightly,
    /// Same day of the month as the start, clamped to the month's end (Jan 31 → Feb 28 →
    /// Mar 31): every due date is stepped from the start, never from the previous due date.
    #[default]
    Monthly,
}

impl Frequency {
    pub const fn periods_per_year(self) -> u32 {
        match self {
            Frequency::Weekly => 52,
            Frequency::Fortnightly => 26,
            Frequency::Monthly => 12,
        }
    }

    /// Nominal length of one period under 30/360 (and in calendar days for weeks/fortnights).
    pub const fn nominal_days(self) -> u32 {
        match self {
            Frequency::Weekly => 7,
            Frequency::Fortnightly => 14,
            Frequency::Monthly => 30,
        }
    }

    /// `from` moved `k` periods forward; `None` past the calendar's end.
    pub fn step(self, from: NaiveDate, k: u32) -> Option<NaiveDate> {
        match self {
            Frequency::Weekly => from.checked_add_days(Days::new(7 * u64::from(k))),
            Frequency::Fortnightly => from.checked_add_days(Days::new(14 * u64::from(k))),
            Frequency::Monthly => from.checked_add_months(Months::new(k)),
        }
    }
}

/// Day-count convention for interest (see the module doc for why 30/360 is the default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum DayCount {
    #[default]
    Thirty360,
    Actual365,
}

impl DayCount {
    pub const fn year_days(self) -> u32 {
        match self {
            DayCount::Thirty360 => 360,
            DayCount::Actual365 => 365,
        }
    }
}

/// Amortisation method (R-CRED-4: French by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Method {
    /// Equal installments (French system).
    #[default]
    EqualInstallments,
    /// Equal principal parts; installments decline with the balance.
    EqualPrincipal,
}

/// The nominal rate of a line or loan (R-CRED-4: "a setting of the line").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NominalRate {
    /// Nominal annual rate as a fraction (0.24 = 24% a year).
    Annual(Decimal),
    /// Nominal monthly rate as a fraction (0.02 = 2% a month = 24% a year nominal).
    Monthly(Decimal),
}

impl NominalRate {
    /// The nominal annual rate (monthly × 12, exactly).
    pub fn annual(self) -> Decimal {
        match self {
            NominalRate::Annual(r) => r,
            NominalRate::Monthly(r) => r * Decimal::from(12),
        }
    }
}

/// Opening fee (comisión por apertura), paid at disbursement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UpfrontFee {
    #[default]
    None,
    Fixed(i64),
    /// A fraction of the principal (0.02 = 2%), rounded half-to-even to the centavo.
    PercentOfPrincipal(Decimal),
}

/// Everything a schedule depends on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleInput {
    pub currency: Currency,
    pub principal_minor: i64,
    pub rate: NominalRate,
    pub installments: u32,
    pub frequency: Frequency,
    pub method: Method,
    pub day_count: DayCount,
    pub disbursement_date: NaiveDate,
    /// Defaults to one period after disbursement.
    pub first_due_date: Option<NaiveDate>,
    /// Leading rows that pay interest and fees only.
    pub grace_installments: u32,
    pub upfront_fee: UpfrontFee,
    pub fee_per_installment_minor: i64,
    /// Round each installment to this multiple (100 = 1.00 MXN); residue on the last row.
    pub rounding_multiple_minor: Option<i64>,
}

impl ScheduleInput {
    /// The programme defaults: MXN, French, monthly, 30/360, no grace, no fees, no rounding.
    pub fn monthly(
        principal_minor: i64,
        annual_rate: Decimal,
        installments: u32,
        disbursement_date: NaiveDate,
    ) -> Self {
        ScheduleInput {
            currency: Currency::MXN,
            principal_minor,
            rate: NominalRate::Annual(annual_rate),
            installments,
            frequency: Frequency::Monthly,
            method: Method::EqualInstallments,
            day_count: DayCount::Thirty360,
            disbursement_date,
            first_due_date: None,
            grace_installments: 0,
            upfront_fee: UpfrontFee::None,
            fee_per_installment_minor: 0,
            rounding_multiple_minor: None,
        }
    }
}

/// One row of a schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    /// 1-based.
    pub number: u32,
    pub due_date: NaiveDate,
    /// Days of interest charged in this row under the schedule's day count.
    pub days: u32,
    pub principal_minor: i64,
    pub interest_minor: i64,
    pub fees_minor: i64,
    /// principal + interest + fees: what the borrower pays on `due_date`.
    pub installment_minor: i64,
    pub balance_after_minor: i64,
}

/// Sums over the rows, plus the opening fee.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Totals {
    pub principal_minor: i64,
    pub interest_minor: i64,
    /// Per-installment fees only.
    pub fees_minor: i64,
    pub upfront_fee_minor: i64,
    /// Sum of the rows' installments.
    pub installments_minor: i64,
}

/// A computed schedule: its inputs that matter later, the rows and the totals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    pub currency: Currency,
    pub principal_minor: i64,
    pub annual_rate: Decimal,
    pub day_count: DayCount,
    pub frequency: Frequency,
    pub disbursement_date: NaiveDate,
    pub upfront_fee_minor: i64,
    pub fee_per_installment_minor: i64,
    /// The first due date is exactly one period after disbursement.
    pub regular_first_period: bool,
    pub rows: Vec<Row>,
    pub totals: Totals,
}

/// A rate as an exact fraction `mantissa / 10^scale`, for integer interest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExactRate {
    mantissa: i128,
    pow10: i128,
}

impl ExactRate {
    /// Validates an annual rate: 0 ≤ r ≤ 200%, at most 12 decimals.
    pub fn annual(rate: Decimal, rule: &'static str, field: &'static str) -> Result<Self> {
        let r = rate.normalize();
        if r.is_sign_negative() && !r.is_zero() {
            return Err(CreditError::invalid(rule, field, "must not be negative"));
        }
        if r > Decimal::new(MAX_ANNUAL_RATE_PERCENT, 2) {
            return Err(CreditError::invalid(
                rule,
                field,
                format!("{r} is above the sane maximum of {MAX_ANNUAL_RATE_PERCENT}% a year"),
            ));
        }
        if r.scale() > MAX_RATE_DECIMALS {
            return Err(CreditError::invalid(
                rule,
                field,
                format!("at most {MAX_RATE_DECIMALS} decimal places"),
            ));
        }
        Ok(ExactRate {
            mantissa: r.mantissa(),
            pow10: 10i128.pow(r.scale()),
        })
    }

    pub fn is_zero(&self) -> bool {
        self.mantissa == 0
    }

    /// `balance × rate × days / year_days`, half-to-even to the minor unit.
    pub fn interest(&self, balance_minor: i64, days: u32, year_days: u32) -> Option<i64> {
        let num = i128::from(balance_minor)
            .checked_mul(self.mantissa)?
            .checked_mul(i128::from(days))?;
        let den = self.pow10.checked_mul(i128::from(year_days))?;
        i64::try_from(div_half_even(num, den)?).ok()
    }
}

/// 30E/360 days between two dates (each day-of-month capped at 30).
pub fn days_30e_360(from: NaiveDate, to: NaiveDate) -> i64 {
    let y = i64::from(to.year() - from.year());
    let m = i64::from(to.month()) - i64::from(from.month());
    let d = i64::from(to.day().min(30)) - i64::from(from.day().min(30));
    y * 360 + m * 30 + d
}

fn days_between(from: NaiveDate, to: NaiveDate) -> i64 {
    (to - from).num_days()
}

/// `base^exp` in `Decimal` by squaring; `None` on overflow.
fn powi(base: Decimal, mut exp: u32) -> Option<Decimal> {
    let mut acc = Decimal::ONE;
    let mut b = base;
    while exp > 0 {
        if exp & 1 == 1 {
            acc = acc.checked_mul(b)?;
        }
        exp >>= 1;
        if exp > 0 {
            b = b.checked_mul(b)?;
        }
    }
    Some(acc)
}

/// The nominal periodic rate used for the French installment.
fn periodic_rate(annual: Decimal, frequency: Frequency, day_count: DayCount) -> Decimal {
    match frequency {
        Frequency::Monthly => annual / Decimal::from(12),
        f => annual * Decimal::from(f.nominal_days()) / Decimal::from(day_count.year_days()),
    }
}

/// The French installment (principal + interest part), unrounded: `P·i / (1 − (1+i)^−m)`.
pub fn french_installment(principal_minor: i64, periodic: Decimal, m: u32) -> Option<Decimal> {
    let p = Decimal::from(principal_minor);
    if periodic.is_zero() {
        return p.checked_div(Decimal::from(m));
    }
    let growth = powi(Decimal::ONE + periodic, m)?;
    let discount = Decimal::ONE.checked_div(growth)?;
    let factor = periodic.checked_div(Decimal::ONE - discount)?;
    p.checked_mul(factor)
}

fn overflow(field: &'static str) -> CreditError {
    CreditError::Overflow { rule: RULE, field }
}

/// Validated, precomputed parameters shared by [`build_schedule`] and the loan module.
struct Plan {
    rate: ExactRate,
    annual: Decimal,
    first_due: NaiveDate,
    first_days: u32,
    regular_first_period: bool,
    upfront_fee_minor: i64,
}

fn plan(input: &ScheduleInput) -> Result<Plan> {
    if input.principal_minor <= 0 {
        return Err(CreditError::invalid(
            RULE,
            "principal_minor",
            "must be positive",
        ));
    }
    if input.principal_minor > MAX_PRINCIPAL_MINOR {
        return Err(CreditError::invalid(
            RULE,
            "principal_minor",
            format!("at most {MAX_PRINCIPAL_MINOR} minor units"),
        ));
    }
    if input.installments == 0 {
        return Err(CreditError::invalid(
            RULE,
            "installments",
            "must be at least 1",
        ));
    }
    if input.installments > MAX_INSTALLMENTS {
        return Err(CreditError::invalid(
            RULE,
            "installments",
            format!("at most {MAX_INSTALLMENTS}"),
        ));
    }
    if input.grace_installments >= input.installments {
        return Err(CreditError::invalid(
            RULE,
            "grace_installments",
            "must leave at least one installment to repay principal",
        ));
    }
    let annual = input.rate.annual();
    let rate = ExactRate::annual(annual, RULE, "rate")?;
    if input.fee_per_installment_minor < 0 {
        return Err(CreditError::invalid(
            RULE,
            "fee_per_installment_minor",
            "must not be negative",
        ));
    }
    let upfront_fee_minor = match input.upfront_fee {
        UpfrontFee::None => 0,
        UpfrontFee::Fixed(m) => m,
        UpfrontFee::PercentOfPrincipal(r) => {
            if r.is_sign_negative() || r >= Decimal::ONE {
                return Err(CreditError::invalid(
                    RULE,
                    "upfront_fee",
                    "percent must be in [0, 1)",
                ));
            }
            ledger::round::apply_rate(input.principal_minor, r).ok_or(overflow("upfront_fee"))?
        }
    };
    if upfront_fee_minor < 0 || upfront_fee_minor >= input.principal_minor {
        return Err(CreditError::invalid(
            RULE,
            "upfront_fee",
            "must be at least zero and below the principal",
        ));
    }
    if let Some(mult) = input.rounding_multiple_minor {
        if mult <= 0 || mult > input.principal_minor {
            return Err(CreditError::invalid(
                RULE,
                "rounding_multiple_minor",
                "must be positive and at most the principal",
            ));
        }
    }
    let one_step = input
        .frequency
        .step(input.disbursement_date, 1)
        .ok_or(overflow("disbursement_date"))?;
    let first_due = input.first_due_date.unwrap_or(one_step);
    let two_steps = input
        .frequency
        .step(input.disbursement_date, 2)
        .ok_or(overflow("disbursement_date"))?;
    if first_due <= input.disbursement_date || first_due > two_steps {
        return Err(CreditError::invalid(
            RULE,
            "first_due_date",
            "must fall after disbursement and within two periods of it",
        ));
    }
    let regular_first_period = first_due == one_step;
    let first_days = match (input.day_count, regular_first_period) {
        (DayCount::Thirty360, true) => i64::from(input.frequency.nominal_days()),
        (DayCount::Thirty360, false) if input.frequency == Frequency::Monthly => {
            days_30e_360(input.disbursement_date, first_due)
        }
        _ => days_between(input.disbursement_date, first_due),
    };
    let first_days = u32::try_from(first_days.max(1)).map_err(|_| overflow("first_due_date"))?;
    Ok(Plan {
        rate,
        annual,
        first_due,
        first_days,
        regular_first_period,
        upfront_fee_minor,
    })
}

/// Builds the schedule (R-CRED-4). See the module doc for every convention.
pub fn build_schedule(input: &ScheduleInput) -> Result<Schedule> {
    build_schedule_reusing(input, Vec::new())
}

/// As [`build_schedule`], reusing `rows`' allocation (hot loops, benchmarks).
pub fn build_schedule_reusing(input: &ScheduleInput, mut rows: Vec<Row>) -> Result<Schedule> {
    let plan = plan(input)?;
    let n = input.installments;
    let g = input.grace_installments;
    let m = n - g;
    let p = input.principal_minor;
    let fee = input.fee_per_installment_minor;
    let year_days = input.day_count.year_days();

    // The level amount each amortising row carries: for French the principal+interest part of
    // the installment, for equal principal the principal share.
    let level = match input.method {
        Method::EqualInstallments => {
            let periodic = periodic_rate(plan.annual, input.frequency, input.day_count);
            let exact = french_installment(p, periodic, m).ok_or(overflow("principal_minor"))?;
            let centavos = to_minor_half_even(exact).ok_or(overflow("principal_minor"))?;
            match input.rounding_multiple_minor {
                Some(mult) => {
                    let total = to_multiple_half_even(centavos + fee, mult)
                        .ok_or(overflow("rounding_multiple_minor"))?;
                    total - fee
                }
                None => centavos,
            }
        }
        Method::EqualPrincipal => {
            let share = div_half_even(i128::from(p), i128::from(m))
                .and_then(|s| i64::try_from(s).ok())
                .ok_or(overflow("principal_minor"))?;
            match input.rounding_multiple_minor {
                Some(mult) => {
                    to_multiple_half_even(share, mult).ok_or(overflow("rounding_multiple_minor"))?
                }
                None => share,
            }
        }
    };
    if level <= 0 {
        return Err(CreditError::invalid(
            RULE,
            "rounding_multiple_minor",
            "rounding leaves nothing to repay principal with",
        ));
    }

    rows.clear();
    rows.reserve(n as usize);
    let mut balance = p;
    let mut prev_due = input.disbursement_date;
    let mut totals = Totals {
        upfront_fee_minor: plan.upfront_fee_minor,
        ..Totals::default()
    };
    for k in 1..=n {
        let due = due_date_of(
            input.frequency,
            input.disbursement_date,
            plan.first_due,
            plan.regular_first_period,
            k,
        )
        .ok_or(overflow("installments"))?;
        let days = if k == 1 {
            plan.first_days
        } else {
            match input.day_count {
                DayCount::Thirty360 => input.frequency.nominal_days(),
                DayCount::Actual365 => days_between(prev_due, due) as u32,
            }
        };
        let interest = plan
            .rate
            .interest(balance, days, year_days)
            .ok_or(overflow("principal_minor"))?;
        let principal = if k <= g {
            0
        } else if k == n {
            balance
        } else {
            let principal = match input.method {
                Method::EqualInstallments => level - interest,
                Method::EqualPrincipal => level,
            };
            if principal < 0 {
                let field = if k == 1 && !plan.regular_first_period {
                    "first_due_date"
                } else {
                    "rounding_multiple_minor"
                };
                return Err(CreditError::invalid(
                    RULE,
                    field,
                    format!("row {k}: the installment does not cover the interest"),
                ));
            }
            if principal >= balance {
                return Err(CreditError::invalid(
                    RULE,
                    "rounding_multiple_minor",
                    format!("row {k}: the rounded installment repays the loan before its last row"),
                ));
            }
            principal
        };
        balance -= principal;
        let installment = principal + interest + fee;
        totals.principal_minor += principal;
        totals.interest_minor += interest;
        totals.fees_minor += fee;
        totals.installments_minor += installment;
        rows.push(Row {
            number: k,
            due_date: due,
            days,
            principal_minor: principal,
            interest_minor: interest,
            fees_minor: fee,
            installment_minor: installment,
            balance_after_minor: balance,
        });
        prev_due = due;
    }
    debug_assert_eq!(balance, 0);
    debug_assert_eq!(totals.principal_minor, p);
    Ok(Schedule {
        currency: input.currency,
        principal_minor: p,
        annual_rate: plan.annual,
        day_count: input.day_count,
        frequency: input.frequency,
        disbursement_date: input.disbursement_date,
        upfront_fee_minor: plan.upfront_fee_minor,
        fee_per_installment_minor: fee,
        regular_first_period: plan.regular_first_period,
        rows,
        totals,
    })
}

/// The due date of row `k` (1-based) (R-CRED-4). Every date is stepped from one anchor, never
/// from the previous due date, so a month-end start stays on month ends (2024-01-31 →
/// 02-29 → 03-31 → 04-30, not 03-29): with a regular first period the anchor is the
/// disbursement date (row `k` = start + `k` periods, day clamped to the month's end); with a
/// first due date given as an input it is that date (row `k` = first due + `k − 1` periods).
fn due_date_of(
    frequency: Frequency,
    disbursement: NaiveDate,
    first_due: NaiveDate,
    regular_first_period: bool,
    k: u32,
) -> Option<NaiveDate> {
    if regular_first_period {
        frequency.step(disbursement, k)
    } else if k <= 1 {
        Some(first_due)
    } else {
        frequency.step(first_due, k - 1)
    }
}

impl Schedule {
    /// The due date of row `k` (1-based), also past the last row (a transferred lease shifts
    /// its remaining rows onto later regular dates); `None` for an empty schedule or past the
    /// calendar's end. Same anchoring as the rows themselves (see `due_date_of`).
    pub fn due_date_of(&self, k: u32) -> Option<NaiveDate> {
        let first_due = self.rows.first()?.due_date;
        due_date_of(
            self.frequency,
            self.disbursement_date,
            first_due,
            self.regular_first_period,
            k,
        )
    }

    /// A fixed-width table in major units, for snapshots, the CLI and printed offers.
    pub fn to_table(&self) -> String {
        let m = |v: i64| ledger::Money::new(v, self.currency).to_major_string();
        let mut out = String::new();
        out.push_str(&format!(
            "{:>3} {:>10} {:>4} {:>12} {:>12} {:>8} {:>12} {:>14}\n",
            "#", "due", "days", "principal", "interest", "fees", "installment", "balance"
        ));
        for r in &self.rows {
            out.push_str(&format!(
                "{:>3} {:>10} {:>4} {:>12} {:>12} {:>8} {:>12} {:>14}\n",
                r.number,
                r.due_date,
                r.days,
                m(r.principal_minor),
                m(r.interest_minor),
                m(r.fees_minor),
                m(r.installment_minor),
                m(r.balance_after_minor)
            ));
        }
        let t = &self.totals;
        out.push_str(&format!(
            "{:>3} {:>10} {:>4} {:>12} {:>12} {:>8} {:>12}\n",
            "",
            "total",
            "",
            m(t.principal_minor),
            m(t.interest_minor),
            m(t.fees_minor),
            m(t.installments_minor)
        ));
        out.push_str(&format!("upfront fee {}\n", m(t.upfront_fee_minor)));
        out
    }
}
