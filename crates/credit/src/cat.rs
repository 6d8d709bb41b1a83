//! The CAT, Costo Anual Total (R-CRED-4): the annual rate `i` solving
//! `Σ drawdowns/(1+i)^t = Σ payments/(1+i)^s` with `t`, `s` in years from the start and
//! payments including every fee (opening fee at `t = 0`, per-installment fees with each row).
//! Taxes are not modelled: this is the CAT "sin IVA".
//!
//! # Year fractions
//! Every flow sits at an integer exponent `e` over a denominator `D`, `t = e / D`:
//! - [`YearBasis::Days365`]: `e` = calendar days from the start, `D = 365`.
//! - [`YearBasis::Periodic`]: `e` = the row number, `D` = periods per year (12, 26, 52), i.e.
//!   a monthly row sits at exactly `k/12` years. Under this basis the CAT of a no-fee French
//!   loan *is* its effective annual rate `(1 + r/12)^12 − 1` up to centavo rounding of the
//!   installments, which is how the property is tested. A schedule whose first due date was
//!   given as an input (an irregular first period) keeps the same year: under 30/360 its
//!   flows sit at the schedule's own cumulative days over `D` = nominal period length ×
//!   periods per year (360 for months, 364 for weeks and fortnights), which is `k/12`
//!   (`k/52`, `k/26`) again for every row after a regular first period.
//!
//! # Which basis an offer uses: the schedule's own ([`YearBasis::of_schedule`])
//! One offer has one CAT whatever day it starts (R-CRED-4). A 30/360 schedule charges every
//! month the same interest whatever its calendar length, so its CAT is on the periodic basis
//! (`k/12` years for the `k`-th monthly row; a year of 52 weeks or 26 fortnights): 20,000 MXN
//! at 58% nominal a year in 12 monthly payments with a 5% opening fee is 95.6% from any start
//! date, and 1% a month for 12 months without fees is 1.01^12 − 1 = 12.7%. Counting that
//! schedule's calendar days over 365 instead moved the same offer by more than a point with
//! the start date (months are 28 to 31 days long, their interest is not).
//! An actual/365 schedule charges calendar days, so its CAT counts calendar days over 365.
//!
//! # Solver
//! With `x = (1+i)^(−1/D)` the equation becomes the polynomial `f(x) = Σ c_k x^{e_k} = 0`
//! (drawdowns positive, payments negative), so every power is an *integer* power: no logarithm
//! or exponential is needed. `x` lives in `(0, 1]` for `i ≥ 0`; for a negative CAT the solver
//! uses `y = 1/x` and the reversed polynomial so that powers never exceed one and u128 fixed
//! point (60 fractional bits) cannot overflow. The root is bracketed (`x ∈ [D/(D+7), 1]`,
//! i.e. CATs up to between ≈ 24,700% and ≈ 109,600% a year depending on `D`; `y ∈ [D/(D+5), 1]`,
//! CATs down to ≈ −98%) and found by safeguarded Newton (a Newton step that leaves the bracket
//! is replaced by bisection), stopping when the step in `x` is below 2^−44. That is a
//! tolerance on `i` below `D · 2^−44 · (1+i) ≈ 2·10^−11·(1+i)`, far inside the 1e-7 asked;
//! the result is rounded to 10 decimals and the disclosure to one decimal percent
//! (half-to-even). A conventional loan (one drawdown, then payments) has exactly one sign
//! change and hence one positive root (Descartes); flows with no sign change in the bracket
//! are refused with [`CreditError::NoRoot`].

use crate::schedule::{DayCount, Frequency, Schedule};
use crate::{CreditError, Result};
use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};

const RULE: &str = "R-CRED-4";
/// Most flows one CAT may have.
pub const MAX_FLOWS: usize = 2_000;
/// Largest exponent (about 110 years in days).
pub const MAX_EXPONENT: u32 = 40_000;
/// Largest absolute flow: 10^15 minor units.
pub const MAX_FLOW_MINOR: i64 = 1_000_000_000_000_000;

const FRAC: u32 = 60;
const ONE: u128 = 1 << FRAC;
const HALF: u128 = 1 << (FRAC - 1);
/// Bits dropped from a power before multiplying by a money amount, so sums fit i128.
const TERM_SHIFT: u32 = 20;
const TOL: u128 = 1 << (FRAC - 44);
const MAX_ITERATIONS: u32 = 200;

/// How flow dates become year fractions (see the module doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum YearBasis {
    #[default]
    Days365,
    Periodic(Frequency),
}

impl YearBasis {
    /// The schedule's own time basis, the one every offer's CAT uses (R-CRED-4, module doc):
    /// periodic for 30/360, calendar days over 365 for actual/365.
    pub fn of_schedule(schedule: &Schedule) -> YearBasis {
        match schedule.day_count {
            DayCount::Thirty360 => YearBasis::Periodic(schedule.frequency),
            DayCount::Actual365 => YearBasis::Days365,
        }
    }
}

/// One cash flow at an integer exponent: `amount_minor > 0` is a drawdown (money to the
/// borrower), `< 0` a payment by the borrower.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flow {
    pub exponent: u32,
    pub amount_minor: i64,
}

/// A solved CAT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cat {
    /// The annual rate as a fraction, rounded to 10 decimals (0.2682418795 = 26.82%).
    pub rate: Decimal,
    /// The disclosure figure: percent with one decimal, half-to-even (26.8).
    pub percent_one_decimal: Decimal,
    /// Newton/bisection steps taken.
    pub iterations: u32,
}

#[inline(always)]
fn fmul(a: u128, b: u128) -> u128 {
    // a, b ≤ 2^61 so a·b < 2^122.
    (a * b + HALF) >> FRAC
}

#[inline]
fn fpow(mut base: u128, mut exp: u32) -> u128 {
    let mut acc = ONE;
    while exp > 0 {
        if exp & 1 == 1 {
            acc = fmul(acc, base);
        }
        exp >>= 1;
        if exp > 0 {
            base = fmul(base, base);
        }
    }
    acc
}

/// Evaluates `F = Σ c_k z^{e_k}` and `G = Σ c_k e_k z^{e_k}` (= z·f'(z)), in units of
/// minor × 2^(FRAC − TERM_SHIFT). `flows` are sorted by exponent, exponents distinct.
#[inline]
fn eval(flows: &[Flow], z: u128) -> (i128, i128) {
    let mut f: i128 = 0;
    let mut g: i128 = 0;
    let mut last_e = 0u32;
    let mut p = ONE;
    // Memo of the last gap's power: regular schedules repeat one or a few gaps.
    let mut memo_gap = u32::MAX;
    let mut memo_pow = ONE;
    for fl in flows {
        let gap = fl.exponent - last_e;
        if gap != 0 {
            if gap != memo_gap {
                memo_gap = gap;
                memo_pow = fpow(z, gap);
            }
            p = fmul(p, memo_pow);
            last_e = fl.exponent;
        }
        let term = i128::from(fl.amount_minor) * ((p >> TERM_SHIFT) as i128);
        f += term;
        g += term * i128::from(fl.exponent);
    }
    (f, g)
}

/// Finds `z ∈ [lo, 1]` with `f(z) = 0` by safeguarded Newton; `None` without a sign change.
fn solve_unit(flows: &[Flow], lo: u128) -> Option<(u128, u32)> {
    let (f_lo, _) = eval(flows, lo);
    let (f_hi, g_hi) = eval(flows, ONE);
    if f_hi == 0 {
        return Some((ONE, 0));
    }
    if f_lo == 0 {
        return Some((lo, 0));
    }
    if (f_lo > 0) == (f_hi > 0) {
        return None;
    }
    // Keep `neg` where f < 0 and `pos` where f > 0.
    let (mut neg, mut pos) = if f_lo < 0 { (lo, ONE) } else { (ONE, lo) };
    let (mut z, mut f, mut g) = (ONE, f_hi, g_hi);
    for it in 1..=MAX_ITERATIONS {
        // Newton: z' = z − f/f' = z·(1 − F/G). Scale F and G down together so F·2^60 fits.
        let newton = if g != 0 {
            let bits = 128 - f.unsigned_abs().leading_zeros();
            let s = bits.saturating_sub(64);
            let (fs, gs) = (f >> s, g >> s);
            if gs == 0 {
                None
            } else {
                let ratio = (fs << FRAC) / gs; // F/G in fixed point
                if ratio.unsigned_abs() >= HALF {
                    None
                } else {
                    let step = (z as i128 * ratio) >> FRAC;
                    let cand = z as i128 - step;
                    let (a, b) = if neg < pos { (neg, pos) } else { (pos, neg) };
                    (cand > a as i128 && cand < b as i128).then_some(cand as u128)
                }
            }
        } else {
            None
        };
        let next = newton.unwrap_or_else(|| (neg + pos) / 2);
        let moved = next.abs_diff(z);
        z = next;
        let (fz, gz) = eval(flows, z);
        f = fz;
        g = gz;
        if f == 0 || moved <= TOL || neg.abs_diff(pos) <= TOL {
            return Some((z, it));
        }
        if f < 0 {
            neg = z;
        } else {
            pos = z;
        }
    }
    None
}

fn fixed_to_decimal(v: i128) -> Decimal {
    // v / 2^60 with 12 decimals: v · 10^12 fits i128 for |v| < 2^75.
    let scaled = (v * 1_000_000_000_000 + (1 << (FRAC - 1))) >> FRAC;
    Decimal::from_i128_with_scale(scaled, 12)
}

fn no_root(message: impl Into<String>) -> CreditError {
    CreditError::NoRoot {
        rule: RULE,
        field: "flows",
        message: message.into(),
    }
}

/// Solves the CAT for flows at integer exponents over `per_year` (365, 12, 26 or 52).
/// `flows` need not be sorted; flows at the same exponent are netted.
pub fn cat(flows: &[Flow], per_year: u32) -> Result<Cat> {
    let mut work = Vec::with_capacity(flows.len());
    cat_with_buffer(flows, per_year, &mut work)
}

/// As [`cat`], reusing `work` as scratch space (no allocation once it has grown).
pub fn cat_with_buffer(flows: &[Flow], per_year: u32, work: &mut Vec<Flow>) -> Result<Cat> {
    if !(12..=366).contains(&per_year) {
        return Err(CreditError::invalid(
            RULE,
            "per_year",
            "must be between 12 and 366",
        ));
    }
    if flows.len() > MAX_FLOWS {
        return Err(CreditError::invalid(
            RULE,
            "flows",
            format!("at most {MAX_FLOWS} flows"),
        ));
    }
    work.clear();
    work.extend_from_slice(flows);
    for fl in work.iter() {
        if fl.exponent > MAX_EXPONENT || fl.amount_minor.unsigned_abs() > MAX_FLOW_MINOR as u64 {
            return Err(CreditError::invalid(RULE, "flows", "flow out of range"));
        }
    }
    if !work.windows(2).all(|w| w[0].exponent <= w[1].exponent) {
        work.sort_by_key(|f| f.exponent);
    }
    // Net flows at the same exponent; drop zeros.
    let mut w = 0;
    for r in 0..work.len() {
        if w > 0 && work[w - 1].exponent == work[r].exponent {
            work[w - 1].amount_minor += work[r].amount_minor;
        } else {
            work[w] = work[r];
            w += 1;
        }
    }
    work.truncate(w);
    work.retain(|f| f.amount_minor != 0);
    let has_draw = work.iter().any(|f| f.amount_minor > 0);
    let has_pay = work.iter().any(|f| f.amount_minor < 0);
    if !has_draw || !has_pay {
        return Err(no_root("needs at least one drawdown and one payment"));
    }
    let d = u128::from(per_year);
    let sum: i128 = work.iter().map(|f| i128::from(f.amount_minor)).sum();
    let (rate_fixed, iterations) = if sum == 0 {
        (0i128, 0)
    } else if sum < 0 {
        // Payments exceed drawdowns: i > 0, solve in x = (1+i)^(-1/D) ∈ [D/(D+7), 1].
        let lo = ONE * d / (d + 7);
        let (x, it) = solve_unit(work, lo)
            .ok_or_else(|| no_root("no CAT in the supported range (above about 24,700% a year)"))?;
        let p = fpow(x, per_year); // (1+i)^-1
        if p == 0 {
            return Err(no_root("CAT out of range"));
        }
        let inv = (ONE << FRAC) / p; // 1 + i, could be large: fits since p ≥ 2^60/1100
        (inv as i128 - ONE as i128, it)
    } else {
        // Drawdowns exceed payments: i < 0, solve in y = 1/x with the reversed polynomial.
        let top = work.last().map(|f| f.exponent).unwrap_or(0);
        work.reverse();
        for f in work.iter_mut() {
            f.exponent = top - f.exponent;
        }
        let lo = ONE * d / (d + 5);
        let (y, it) = solve_unit(work, lo)
            .ok_or_else(|| no_root("no CAT in the supported range (below about −98% a year)"))?;
        (fpow(y, per_year) as i128 - ONE as i128, it)
    };
    let rate = fixed_to_decimal(rate_fixed)
        .round_dp_with_strategy(10, RoundingStrategy::MidpointNearestEven);
    let percent_one_decimal = (rate * Decimal::ONE_HUNDRED)
        .round_dp_with_strategy(1, RoundingStrategy::MidpointNearestEven);
    Ok(Cat {
        rate,
        percent_one_decimal,
        iterations,
    })
}

/// Dated flows to exponents under `basis` from `start`: drawdowns positive, payments negative.
pub fn cat_dated(start: NaiveDate, flows: &[(NaiveDate, i64)], basis: YearBasis) -> Result<Cat> {
    let mut out = Vec::with_capacity(flows.len());
    for &(date, amount_minor) in flows {
        let exponent = exponent_of(start, date, basis)?;
        out.push(Flow {
            exponent,
            amount_minor,
        });
    }
    cat(&out, per_year(basis))
}

fn per_year(basis: YearBasis) -> u32 {
    match basis {
        YearBasis::Days365 => 365,
        YearBasis::Periodic(f) => f.periods_per_year(),
    }
}

fn exponent_of(start: NaiveDate, date: NaiveDate, basis: YearBasis) -> Result<u32> {
    let days = (date - start).num_days();
    if days < 0 {
        return Err(CreditError::invalid(
            RULE,
            "flows.date",
            "a flow precedes the start",
        ));
    }
    match basis {
        YearBasis::Days365 => u32::try_from(days)
            .ok()
            .filter(|d| *d <= MAX_EXPONENT)
            .ok_or_else(|| CreditError::invalid(RULE, "flows.date", "too far from the start")),
        YearBasis::Periodic(freq) => (0..=MAX_EXPONENT.min(10_000))
            .take_while(|k| freq.step(start, *k).is_some_and(|d| d <= date))
            .find(|k| freq.step(start, *k) == Some(date))
            .ok_or_else(|| {
                CreditError::invalid(
                    RULE,
                    "flows.date",
                    "not a whole number of periods from the start",
                )
            }),
    }
}

/// The flows of a schedule: the principal drawn at 0, the opening fee paid at 0, and each row's
/// installment (fees included) at its due date (days) or its row number (periodic; a 30/360
/// schedule with an irregular first period: its cumulative days over the nominal year, see
/// the module doc). Returns the denominator `D`.
pub fn schedule_flows(schedule: &Schedule, basis: YearBasis, out: &mut Vec<Flow>) -> Result<u32> {
    out.clear();
    out.push(Flow {
        exponent: 0,
        amount_minor: schedule.principal_minor - schedule.upfront_fee_minor,
    });
    match basis {
        YearBasis::Days365 => {
            for r in &schedule.rows {
                let days = (r.due_date - schedule.disbursement_date).num_days();
                out.push(Flow {
                    exponent: u32::try_from(days).map_err(|_| {
                        CreditError::invalid(RULE, "rows.due_date", "before disbursement")
                    })?,
                    amount_minor: -r.installment_minor,
                });
            }
        }
        YearBasis::Periodic(freq) if freq == schedule.frequency => {
            if schedule.regular_first_period {
                for r in &schedule.rows {
                    out.push(Flow {
                        exponent: r.number,
                        amount_minor: -r.installment_minor,
                    });
                }
            } else if schedule.day_count == DayCount::Thirty360 {
                // Rows' own days (first period's length, then nominal periods) over a year of
                // nominal periods: a whole period is exactly 1/periods_per_year.
                let mut exponent = 0u32;
                for r in &schedule.rows {
                    exponent += r.days;
                    out.push(Flow {
                        exponent,
                        amount_minor: -r.installment_minor,
                    });
                }
                return Ok(freq.nominal_days() * freq.periods_per_year());
            } else {
                return Err(CreditError::invalid(
                    RULE,
                    "basis",
                    "periodic year fractions need a regular first period or a 30/360 schedule",
                ));
            }
        }
        YearBasis::Periodic(_) => {
            return Err(CreditError::invalid(
                RULE,
                "basis",
                "periodic year fractions need the schedule's own frequency",
            ));
        }
    }
    Ok(per_year(basis))
}

/// The CAT of a schedule's flows under `basis`.
pub fn cat_of_schedule(schedule: &Schedule, basis: YearBasis) -> Result<Cat> {
    let mut flows = Vec::with_capacity(schedule.rows.len() + 1);
    let per_year = schedule_flows(schedule, basis, &mut flows)?;
    cat(&flows, per_year)
}

/// The CAT an offer shows (R-CRED-4: "every offer shows the Mexican CAT"): on the schedule's
/// own time basis ([`YearBasis::of_schedule`]), so one offer has one CAT whatever day it starts.
pub fn cat_of_offer(schedule: &Schedule) -> Result<Cat> {
    cat_of_schedule(schedule, YearBasis::of_schedule(schedule))
}
