//! The period close (R-FUND-1, R-FUND-2, R-PLAN-3) and paying what it made owed.
//!
//! The close is two steps so that a million members stay cheap:
//! 1. [`compute_close`]: plain arithmetic over [`CloseRow`]s (one `Copy` struct per member, no
//!    allocation per member) into [`CloseLine`]s;
//! 2. [`close_entries`]: the balanced entries of the lines, booked the way a close is booked
//!    by hand: one contribution entry and one profit-share entry for a group of members (up to
//!    [`MEMBERS_PER_CLOSE_ENTRY`]), a posting per member on their own account and the totals on
//!    the Fund's and the ODF's side. A million members are two thousand-odd entries, not two
//!    million.
//!
//! What the close computes is *owed* by the member:
//! - contribution: Dr `members:{id}:fund-receivable`, Cr `fund:development` / `fund:competition`;
//! - profit share: Dr `members:{id}:profit-share-receivable`, Cr `odf:income:profit-share`.
//!
//! Idempotency keys are functions of the content (organisation, closing, kind, period, the
//! members and their amounts), so re-running a close yields the same keys and amounts. A late
//! correction (a superseding report after the period was posted) yields an ADJUSTING line for
//! the difference against what was posted (numbered per member and period in the `fund`
//! events), booked in an `...:adjust` entry dated the day of the close that finds it; nothing
//! posted is ever edited. The shell runs [`compute_close`] for the period being closed and
//! again for every earlier period with new corrections, passing what was posted in
//! [`CloseRow::posted`].

use crate::chart::{code, EntrySpec};
use crate::split::allocate_proportionally;
use crate::{refuse, Decision, FundError, FundEvent, FundSettings, FundState, Period, Split};
use chrono::NaiveDate;
use ledger::ValidEntry;
use rust_decimal::Decimal;

/// The effective report's figures for one member and period (R-PLAN-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportFigures {
    pub revenue_minor: i64,
    pub profit_minor: i64,
}

/// What earlier closes already posted for one member and period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PostedClose {
    pub contribution: Split,
    pub profit_share_minor: i64,
    /// How many adjusting closes were posted for this member and period.
    pub adjustments: u32,
}

/// One member's input to a close: the baseline of their plan (R-PLAN-1), the effective report
/// of the period (`None`: no report, nothing is owed), and what was already posted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CloseRow {
    pub member_id: i64,
    pub baseline_revenue_minor: i64,
    pub baseline_profit_minor: i64,
    pub report: Option<ReportFigures>,
    pub posted: Option<PostedClose>,
}

/// One member's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CloseLine {
    pub member_id: i64,
    pub report: Option<ReportFigures>,
    /// R-FUND-1: revenue − baseline revenue when positive, else 0.
    pub new_revenue_minor: i64,
    /// R-PLAN-3: profit − baseline profit (may be negative).
    pub incremental_profit_minor: i64,
    /// R-FUND-1/2: what the member owes the Fund for the period, split.
    pub contribution: Split,
    /// R-PLAN-3: what the member owes the ODF for the period.
    pub profit_share_minor: i64,
    /// The change against what was posted: what this close posts.
    pub delta_contribution: Split,
    pub delta_profit_share_minor: i64,
    /// `Some(n)` when this line adjusts an earlier close (the n-th adjustment).
    pub adjustment: Option<u32>,
    pub posted_before: PostedClose,
}

impl CloseLine {
    /// Whether this line posts nothing.
    pub fn is_noop(&self) -> bool {
        self.delta_contribution == Split::ZERO && self.delta_profit_share_minor == 0
    }

    /// What will have been posted for this member and period once this line is posted.
    pub fn posted_after(&self) -> PostedClose {
        if self.is_noop() {
            return self.posted_before;
        }
        PostedClose {
            contribution: self.contribution,
            profit_share_minor: self.profit_share_minor,
            adjustments: self.posted_before.adjustments + u32::from(self.adjustment.is_some()),
        }
    }
}

/// What one close posts for one member: a line and the period it accrues for (the period
/// closed, or an earlier one a late correction adjusts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Accrual {
    pub period: Period,
    pub line: CloseLine,
}

/// Members in one close entry: one posting each, and room for the Fund's two postings.
pub const MEMBERS_PER_CLOSE_ENTRY: usize = ledger::entry::MAX_POSTINGS_PER_ENTRY - 2;

/// FNV-1a 64 of `text`: a stable hash for keys and ids derived from content (never for
/// security).
pub fn content_hash(text: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// R-FUND-1, R-FUND-2, R-PLAN-3: the balanced entries of a close's accruals, dated `date`.
///
/// One entry per kind for a group of members, the way a close is booked by hand: the
/// contribution entry debits each member's `fund-receivable` and credits the two sub-funds
/// their totals (each member's split is its own, R-FUND-2, so the totals split exactly as the
/// members' do); the profit-share entry debits each member's `profit-share-receivable` and
/// credits `odf:income:profit-share`. Accruals are grouped by the period they accrue for and
/// whether they adjust an earlier close (reason `*.adjust`), in input order, at most
/// [`MEMBERS_PER_CLOSE_ENTRY`] members per entry. A member's statement shows their own posting.
///
/// Keys are functions of the content (`fund:{org}:close:{closing}:{kind}:{period}[:adjust]:
/// {first}-{last}:{members}:{hash}`): the same accruals give the same keys, so a re-run is
/// idempotent, and the members already posted by an interrupted run compute to no change.
pub fn close_entries(
    settings: &FundSettings,
    closing: Period,
    accruals: &[Accrual],
    date: NaiveDate,
) -> Result<Vec<ValidEntry>, FundError> {
    let mut groups: std::collections::BTreeMap<(Period, bool), Vec<&CloseLine>> =
        std::collections::BTreeMap::new();
    for a in accruals.iter().filter(|a| !a.line.is_noop()) {
        groups
            .entry((a.period, a.line.adjustment.is_some()))
            .or_default()
            .push(&a.line);
    }
    let mut out = Vec::new();
    for ((period, adjusting), lines) in groups {
        for chunk in lines.chunks(MEMBERS_PER_CLOSE_ENTRY) {
            let contributions: Vec<(i64, Split)> = chunk
                .iter()
                .filter(|l| l.delta_contribution != Split::ZERO)
                .map(|l| (l.member_id, l.delta_contribution))
                .collect();
            if !contributions.is_empty() {
                let mut legs = Vec::with_capacity(contributions.len() + 2);
                let mut total = Split::ZERO;
                for (m, c) in &contributions {
                    legs.push((code::member_fund_receivable(*m), c.total()));
                    total = total.plus(*c);
                }
                legs.push((code::fund_development(), -total.development_minor));
                legs.push((code::fund_competition(), -total.competition_minor));
                let members: Vec<(i64, i64, i64)> = contributions
                    .iter()
                    .map(|(m, c)| (*m, c.development_minor, c.competition_minor))
                    .collect();
                out.push(
                    EntrySpec {
                        rule: "R-FUND-1",
                        key: group_key(
                            settings,
                            closing,
                            "contributions",
                            period,
                            adjusting,
                            &members,
                        ),
                        reason: if adjusting {
                            "fund.contribution.adjust"
                        } else {
                            "fund.contribution"
                        },
                        date,
                        memo: if adjusting {
                            format!(
                                "Ajuste de aportaciones al Fondo (10% de ingresos nuevos) {period}"
                            )
                        } else {
                            format!("Aportaciones al Fondo (10% de ingresos nuevos) {period}")
                        },
                        currency: settings.currency,
                    }
                    .build(legs)?,
                );
            }
            let shares: Vec<(i64, i64, i64)> = chunk
                .iter()
                .filter(|l| l.delta_profit_share_minor != 0)
                .map(|l| (l.member_id, l.delta_profit_share_minor, 0))
                .collect();
            if !shares.is_empty() {
                let mut legs = Vec::with_capacity(shares.len() + 1);
                let mut total: i64 = 0;
                for (m, s, _) in &shares {
                    legs.push((code::member_profit_share_receivable(*m), *s));
                    total += s;
                }
                legs.push((code::profit_share_income(), -total));
                out.push(
                    EntrySpec {
                        rule: "R-PLAN-3",
                        key: group_key(
                            settings,
                            closing,
                            "profit-shares",
                            period,
                            adjusting,
                            &shares,
                        ),
                        reason: if adjusting {
                            "plan.profit-share.adjust"
                        } else {
                            "plan.profit-share"
                        },
                        date,
                        memo: if adjusting {
                            format!("Ajuste de la participación de la ODF en utilidades {period}")
                        } else {
                            format!("Participación de la ODF en utilidades {period}")
                        },
                        currency: settings.currency,
                    }
                    .build(legs)?,
                );
            }
        }
    }
    Ok(out)
}

/// The key of one close entry: the closing, the kind, the period, the members it covers and a
/// hash of their amounts.
fn group_key(
    settings: &FundSettings,
    closing: Period,
    kind: &str,
    period: Period,
    adjusting: bool,
    members: &[(i64, i64, i64)],
) -> String {
    use std::fmt::Write;
    let mut content = String::with_capacity(members.len() * 24);
    for (m, a, b) in members {
        let _ = write!(content, "{m}:{a}:{b};");
    }
    let first = members.first().map_or(0, |m| m.0);
    let last = members.last().map_or(0, |m| m.0);
    format!(
        "fund:{}:close:{closing}:{kind}:{period}{}:m{first}-m{last}:{}:{:016x}",
        settings.org_id,
        if adjusting { ":adjust" } else { "" },
        members.len(),
        content_hash(&content)
    )
}

/// Totals of one close, for the close report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CloseTotals {
    pub members: u64,
    pub reported: u64,
    pub above_baseline: u64,
    pub new_revenue_minor: i128,
    pub contribution: Split,
    pub profit_share_minor: i64,
    pub delta_contribution: Split,
    pub delta_profit_share_minor: i64,
    pub adjustments: u64,
}

/// The result of a close: one line per row, in row order, and totals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseComputation {
    pub period: Period,
    pub lines: Vec<CloseLine>,
    pub totals: CloseTotals,
}

impl CloseComputation {
    /// Every entry of the close (see [`close_entries`]), dated `today`.
    pub fn entries(
        &self,
        settings: &FundSettings,
        today: NaiveDate,
    ) -> Result<Vec<ValidEntry>, FundError> {
        let accruals: Vec<Accrual> = self
            .lines
            .iter()
            .map(|&line| Accrual {
                period: self.period,
                line,
            })
            .collect();
        close_entries(settings, self.period, &accruals, today)
    }

    /// The events of the close (lines that post something).
    pub fn events(&self) -> impl Iterator<Item = FundEvent> + '_ {
        self.lines
            .iter()
            .filter(|l| !l.is_noop())
            .map(|l| FundEvent::accrued(self.period, l))
    }

    /// The whole close as one [`Decision`] (small closes, tests).
    pub fn decision(
        &self,
        settings: &FundSettings,
        today: NaiveDate,
    ) -> Result<Decision, FundError> {
        Ok(Decision {
            entries: self.entries(settings, today)?,
            events: self.events().collect(),
        })
    }
}

/// R-FUND-1, R-FUND-2, R-PLAN-3: what each member owes for `period`.
/// - new revenue = revenue − baseline revenue when positive;
/// - contribution = contribution rate × new revenue, rounded half-to-even, split 50/50 with
///   the odd centavo to Development;
/// - incremental profit = profit − baseline profit; profit share = profit-share rate × the
///   increment when positive, else nothing.
///
/// Refuses (R-PLAN-2, field `revenue`) a row whose report has negative revenue, and settings
/// with rates outside `[0, 1]`. Allocates only the output vector.
pub fn compute_close(
    settings: &FundSettings,
    period: Period,
    rows: &[CloseRow],
) -> Result<CloseComputation, FundError> {
    settings.check()?;
    let rates = Rates::new(settings.contribution_rate, settings.profit_share_rate);
    let mut lines = Vec::with_capacity(rows.len());
    let mut totals = CloseTotals::default();
    for row in rows {
        let line = close_row(&rates, row)?;
        totals.members += 1;
        if let Some(r) = line.report {
            totals.reported += 1;
            if r.revenue_minor > row.baseline_revenue_minor {
                totals.above_baseline += 1;
            }
        }
        totals.new_revenue_minor += line.new_revenue_minor as i128;
        totals.contribution = totals.contribution.plus(line.contribution);
        totals.profit_share_minor += line.profit_share_minor;
        totals.delta_contribution = totals.delta_contribution.plus(line.delta_contribution);
        totals.delta_profit_share_minor += line.delta_profit_share_minor;
        if line.adjustment.is_some() {
            totals.adjustments += 1;
        }
        lines.push(line);
    }
    Ok(CloseComputation {
        period,
        lines,
        totals,
    })
}

/// Rates prepared once per close. A rate with at most 4 decimals (10%, 25%, 12.5%) is applied
/// in integers (`amount × numerator / 10^scale`, half-to-even); any other goes through
/// `rust_decimal`. Both are exact and give the same answer (a test checks it).
struct Rates {
    contribution: Rate,
    profit_share: Rate,
}

enum Rate {
    Ratio { numerator: i128, denominator: i128 },
    Decimal(Decimal),
}

impl Rate {
    fn new(rate: Decimal) -> Rate {
        let scale = rate.scale();
        if scale <= 4 {
            return Rate::Ratio {
                numerator: rate.mantissa(),
                denominator: 10i128.pow(scale),
            };
        }
        Rate::Decimal(rate)
    }

    /// `amount × rate`, half-to-even; amounts and rates are non-negative here and rate <= 1,
    /// so the result fits in an i64.
    fn apply(&self, amount_minor: i64) -> i64 {
        match self {
            Rate::Ratio {
                numerator,
                denominator,
            } => ledger::round::div_half_even(amount_minor as i128 * numerator, *denominator)
                .map(|v| v as i64)
                .unwrap_or(0),
            Rate::Decimal(r) => ledger::round::apply_rate(amount_minor, *r).unwrap_or(0),
        }
    }
}

impl Rates {
    fn new(contribution: Decimal, profit_share: Decimal) -> Rates {
        Rates {
            contribution: Rate::new(contribution),
            profit_share: Rate::new(profit_share),
        }
    }
}

fn close_row(rates: &Rates, row: &CloseRow) -> Result<CloseLine, FundError> {
    let posted = row.posted.unwrap_or_default();
    let Some(report) = row.report else {
        // No report: nothing is computed and nothing posted changes.
        return Ok(CloseLine {
            member_id: row.member_id,
            report: None,
            new_revenue_minor: 0,
            incremental_profit_minor: 0,
            contribution: posted.contribution,
            profit_share_minor: posted.profit_share_minor,
            delta_contribution: Split::ZERO,
            delta_profit_share_minor: 0,
            adjustment: None,
            posted_before: posted,
        });
    };
    if report.revenue_minor < 0 {
        return refuse(
            "R-PLAN-2",
            "revenue",
            format!("member {}: revenue must not be negative", row.member_id),
        );
    }
    // R-FUND-1: new revenue, when positive.
    let new_revenue = report
        .revenue_minor
        .saturating_sub(row.baseline_revenue_minor)
        .max(0);
    let contribution = Split::of(rates.contribution.apply(new_revenue));
    // R-PLAN-3: incremental profit; the ODF gets a share of a positive one only.
    let increment = report
        .profit_minor
        .saturating_sub(row.baseline_profit_minor);
    let profit_share = if increment > 0 {
        rates.profit_share.apply(increment)
    } else {
        0
    };
    let delta_contribution = contribution.minus(posted.contribution);
    let delta_profit_share = profit_share - posted.profit_share_minor;
    let changes = delta_contribution != Split::ZERO || delta_profit_share != 0;
    Ok(CloseLine {
        member_id: row.member_id,
        report: Some(report),
        new_revenue_minor: new_revenue,
        incremental_profit_minor: increment,
        contribution,
        profit_share_minor: profit_share,
        delta_contribution,
        delta_profit_share_minor: delta_profit_share,
        adjustment: (row.posted.is_some() && changes).then_some(posted.adjustments + 1),
        posted_before: posted,
    })
}

/// How a member pays what the close made owed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentMethod {
    /// The member pays in: into the trust (contribution) or `odf:bank` (profit share).
    Cash,
    /// The ODF deducts it from what it owes the member for sales (`members:{id}:payable`,
    /// whose current credit balance the shell passes); for a contribution the ODF then moves
    /// the cash from `odf:bank` into the trust.
    DeductFromPayable { payable_balance_minor: i64 },
}

fn check_payment(
    rule: &'static str,
    amount_minor: i64,
    outstanding_minor: i64,
    method: PaymentMethod,
) -> Result<(), FundError> {
    if amount_minor <= 0 {
        return refuse(rule, "amount", "must be positive");
    }
    if amount_minor > outstanding_minor {
        return refuse(
            rule,
            "amount",
            format!("{amount_minor} exceeds the {outstanding_minor} outstanding"),
        );
    }
    if let PaymentMethod::DeductFromPayable {
        payable_balance_minor,
    } = method
    {
        if amount_minor > payable_balance_minor {
            return refuse(
                rule,
                "amount",
                format!("the ODF owes the member only {payable_balance_minor}"),
            );
        }
    }
    Ok(())
}

/// R-FUND-1, R-FUND-2: a member pays `amount_minor` of the contributions they owe. The cash
/// goes into the trust accounts in proportion to what is outstanding per sub-fund, so each
/// trust account ends up holding exactly what its sub-fund was credited. Refuses a payment
/// above what is outstanding, or a deduction above what the ODF owes the member.
pub fn pay_contribution(
    settings: &FundSettings,
    state: &FundState,
    payment_id: i64,
    member_id: i64,
    amount_minor: i64,
    method: PaymentMethod,
    today: NaiveDate,
) -> Result<Decision, FundError> {
    let outstanding = state.member(member_id).outstanding();
    check_payment("R-FUND-1", amount_minor, outstanding.total(), method)?;
    let Some(split) = allocate_proportionally(amount_minor, outstanding) else {
        return refuse("R-FUND-1", "amount", "exceeds what is outstanding");
    };
    // R-CRED-1: a deposit (counter-account the member's `fund-receivable`).
    let mut legs = vec![
        (code::trust_development(), split.development_minor),
        (code::trust_competition(), split.competition_minor),
        (code::member_fund_receivable(member_id), -amount_minor),
    ];
    let deducted = matches!(method, PaymentMethod::DeductFromPayable { .. });
    if deducted {
        legs.push((code::member_payable(member_id), amount_minor));
        legs.push((code::odf_bank(), -amount_minor));
    }
    let entry = EntrySpec {
        rule: "R-FUND-1",
        key: format!("fund:{}:payment:{payment_id}:contribution", settings.org_id),
        reason: "fund.contribution.paid",
        date: today,
        memo: format!("Pago de aportaciones al Fondo, socio {member_id}"),
        currency: settings.currency,
    }
    .build(legs)?;
    Ok(Decision {
        entries: vec![entry],
        events: vec![FundEvent::ContributionPaid {
            member_id,
            split,
            deducted_from_payable: deducted,
        }],
    })
}

/// R-PLAN-3: a member pays `amount_minor` of the profit share they owe the ODF, in cash to
/// `odf:bank` or by deduction from what the ODF owes them.
pub fn pay_profit_share(
    settings: &FundSettings,
    state: &FundState,
    payment_id: i64,
    member_id: i64,
    amount_minor: i64,
    method: PaymentMethod,
    today: NaiveDate,
) -> Result<Decision, FundError> {
    let outstanding = state.member(member_id).profit_share_outstanding_minor();
    check_payment("R-PLAN-3", amount_minor, outstanding, method)?;
    let deducted = matches!(method, PaymentMethod::DeductFromPayable { .. });
    let debit = if deducted {
        code::member_payable(member_id)
    } else {
        code::odf_bank()
    };
    let entry = EntrySpec {
        rule: "R-PLAN-3",
        key: format!("fund:{}:payment:{payment_id}:profit-share", settings.org_id),
        reason: "plan.profit-share.paid",
        date: today,
        memo: format!("Pago de participación en utilidades, socio {member_id}"),
        currency: settings.currency,
    }
    .build(vec![
        (debit, amount_minor),
        (
            code::member_profit_share_receivable(member_id),
            -amount_minor,
        ),
    ])?;
    Ok(Decision {
        entries: vec![entry],
        events: vec![FundEvent::ProfitSharePaid {
            member_id,
            amount_minor,
            deducted_from_payable: deducted,
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn r_fund_1_integer_and_decimal_rate_paths_agree() {
        for rate in [dec!(0.10), dec!(0.25), dec!(0.125), dec!(0.0333)] {
            let r = Rate::new(rate);
            assert!(matches!(r, Rate::Ratio { .. }));
            for amount in [0i64, 1, 5, 15, 25, 35, 234_567, 999_999_999_999] {
                assert_eq!(
                    r.apply(amount),
                    ledger::round::apply_rate(amount, rate).unwrap(),
                    "{rate} {amount}"
                );
            }
        }
        let odd = Rate::new(dec!(0.1234567));
        assert!(matches!(odd, Rate::Decimal(_)));
        assert_eq!(odd.apply(1_000_000), 123_457);
    }
}
