//! R-PLAN-2 income reports: a member's revenue and profit for one period, reported by the
//! member or, for a micro-producer (R-ORG-3), by staff. Corrections are new reports that
//! supersede an earlier one with a reason; nothing is ever edited.

use crate::{refuse, FundError, Period};
use chrono::NaiveDate;
use ledger::Money;
use registry::{Member, Profile};

/// Who filed a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reporter {
    Member,
    /// A staff person, by their role-assignment id; only for micro-producers (R-ORG-3).
    Staff {
        staff_id: i64,
    },
}

/// A report as the member or staff files it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewIncomeReport {
    pub member_id: i64,
    pub period: Period,
    pub revenue: Money,
    /// May be negative: a loss.
    pub profit: Money,
    pub reported_by: Reporter,
    /// The report this one corrects.
    pub supersedes: Option<i64>,
    /// Why the correction; required when `supersedes` is set.
    pub reason: Option<String>,
}

/// An accepted report (R-PLAN-2). Never edited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomeReport {
    pub id: i64,
    pub member_id: i64,
    pub period: Period,
    pub revenue: Money,
    pub profit: Money,
    pub reported_by: Reporter,
    pub reported_on: NaiveDate,
    pub supersedes: Option<i64>,
    pub reason: Option<String>,
}

/// R-PLAN-2: accepts a report with the id the shell assigned, given the member and every
/// report already filed for that member and period. Refuses: a member who had left before the
/// period or joined after it, a period that has not ended before `today`, negative revenue,
/// profit larger than revenue, staff
/// reporting for a micro-entrepreneur (R-ORG-3), a duplicate (a report exists and this one
/// supersedes nothing), and a correction that supersedes a report of another member or period,
/// one already superseded, or gives no reason.
pub fn accept_report(
    id: i64,
    new: NewIncomeReport,
    member: &Member,
    existing: &[IncomeReport],
    today: NaiveDate,
) -> Result<IncomeReport, FundError> {
    const RULE: &str = "R-PLAN-2";
    if new.member_id != member.id {
        return refuse(RULE, "member_id", "does not match the member");
    }
    if member
        .left_on
        .is_some_and(|left| left <= new.period.first_day())
    {
        return refuse(
            RULE,
            "member_id",
            format!("the member had left before {}", new.period),
        );
    }
    if member.data.joined_on > new.period.last_day() {
        return refuse(
            RULE,
            "member_id",
            format!("the member joined after {}", new.period),
        );
    }
    if new.period.first_day() > today {
        return refuse(RULE, "period", format!("{} is in the future", new.period));
    }
    // A period is reported once it is over: the figures of an unfinished month are not yet
    // known (issue 17).
    if new.period.last_day() >= today {
        return refuse(
            RULE,
            "period",
            format!(
                "{} has not ended; report it from {}",
                new.period,
                next_day(new.period.last_day())
            ),
        );
    }
    if new.revenue.is_negative() {
        return refuse(RULE, "revenue", "must not be negative");
    }
    if new.profit.currency() != new.revenue.currency() {
        return refuse(RULE, "profit", "must be in the revenue's currency");
    }
    // Profit is what is left of revenue after costs: it can be a loss, never more than revenue.
    if new.profit.amount_minor() > new.revenue.amount_minor() {
        return refuse(RULE, "profit", "must not be larger than revenue");
    }
    if let Reporter::Staff { .. } = new.reported_by {
        if member.data.profile != Profile::MicroProducer {
            return refuse(
                "R-ORG-3",
                "reported_by",
                "staff report only for micro-producers; a micro-entrepreneur reports themself",
            );
        }
    }
    let same: Vec<&IncomeReport> = existing
        .iter()
        .filter(|r| r.member_id == new.member_id && r.period == new.period)
        .collect();
    match new.supersedes {
        None if !same.is_empty() => {
            return refuse(
                RULE,
                "supersedes",
                format!(
                    "member {} already reported {}; file a correction",
                    new.member_id, new.period
                ),
            )
        }
        None => {}
        Some(old) => {
            if !same.iter().any(|r| r.id == old) {
                return refuse(
                    RULE,
                    "supersedes",
                    format!(
                        "report {old} is not this member's report for {}",
                        new.period
                    ),
                );
            }
            if same.iter().any(|r| r.supersedes == Some(old)) {
                return refuse(
                    RULE,
                    "supersedes",
                    format!("report {old} was already corrected"),
                );
            }
            if let Some(reason) = &new.reason {
                crate::check_text(RULE, "reason", reason, true)?;
            }
            let reason_ok = new
                .reason
                .as_deref()
                .is_some_and(|r| !r.trim().is_empty() && r.chars().count() <= 500);
            if !reason_ok {
                return refuse(
                    RULE,
                    "reason",
                    "a correction needs a reason of 1 to 500 characters",
                );
            }
        }
    }
    Ok(IncomeReport {
        id,
        member_id: new.member_id,
        period: new.period,
        revenue: new.revenue,
        profit: new.profit,
        reported_by: new.reported_by,
        reported_on: today,
        supersedes: new.supersedes,
        reason: new.reason,
    })
}

fn next_day(day: NaiveDate) -> NaiveDate {
    day.succ_opt().unwrap_or(day)
}

/// R-PLAN-2: the effective report among all reports of one member for one period: the one no
/// other report supersedes (the end of the correction chain). Should a malformed history hold
/// several, the highest id wins, so the answer is deterministic. `None` for no reports.
pub fn effective_report(reports: &[IncomeReport]) -> Option<&IncomeReport> {
    reports
        .iter()
        .filter(|r| !reports.iter().any(|o| o.supersedes == Some(r.id)))
        .max_by_key(|r| r.id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use registry::{Curp, LetterOfCommitment, NewMember, Sex};
    use std::collections::BTreeSet;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    pub(crate) fn member(profile: Profile, left_on: Option<NaiveDate>) -> Member {
        let curp = Curp::with_check_digit("GOML800101MMSRRP0").unwrap();
        Member {
            id: 42,
            org_id: 1,
            data: NewMember {
                curp,
                rfc: None,
                given_names: "Lupita".into(),
                surnames: "Gómez".into(),
                sex: Sex::Female,
                birth_date: d(1980, 1, 1),
                municipality: "Tlayacapan".into(),
                state: "Morelos".into(),
                trade: "alfarería".into(),
                household_size: 4,
                profile,
                declared_programmes: BTreeSet::new(),
                joined_on: d(2025, 6, 1),
                letter: LetterOfCommitment {
                    signed_on: d(2025, 6, 1),
                },
            },
            left_on,
            leave_reason: None,
        }
    }

    fn new_report(period: Period) -> NewIncomeReport {
        NewIncomeReport {
            member_id: 42,
            period,
            revenue: Money::mxn(1_234_567),
            profit: Money::mxn(-5_000),
            reported_by: Reporter::Member,
            supersedes: None,
            reason: None,
        }
    }

    #[test]
    fn r_plan_2_accepts_a_report_and_refuses_each_bad_case() {
        let m = member(Profile::MicroEntrepreneur, None);
        let jan = Period::month(2026, 1).unwrap();
        let today = d(2026, 2, 3);
        let first = accept_report(1, new_report(jan), &m, &[], today).unwrap();
        assert_eq!(first.reported_on, today);

        let field = |r: Result<IncomeReport, FundError>| {
            let e = r.unwrap_err();
            (e.rule_id(), e.field().unwrap())
        };
        // Duplicate.
        assert_eq!(
            field(accept_report(
                2,
                new_report(jan),
                &m,
                std::slice::from_ref(&first),
                today
            )),
            ("R-PLAN-2", "supersedes")
        );
        // Future period.
        assert_eq!(
            field(accept_report(
                2,
                new_report(Period::month(2026, 3).unwrap()),
                &m,
                &[],
                today
            )),
            ("R-PLAN-2", "period")
        );
        // The current month, not yet over: neither on its last day nor in its middle.
        let feb = Period::month(2026, 2).unwrap();
        for on in [d(2026, 2, 3), d(2026, 2, 28)] {
            assert_eq!(
                field(accept_report(2, new_report(feb), &m, &[], on)),
                ("R-PLAN-2", "period")
            );
        }
        // The day after it ends, it can be reported.
        assert!(accept_report(2, new_report(feb), &m, &[], d(2026, 3, 1)).is_ok());
        // Profit larger than revenue (12,345.67 revenue, 12,345.68 profit); equal is allowed.
        let mut more = new_report(jan);
        more.profit = Money::mxn(1_234_568);
        assert_eq!(
            field(accept_report(2, more.clone(), &m, &[], today)),
            ("R-PLAN-2", "profit")
        );
        more.profit = Money::mxn(1_234_567);
        assert!(accept_report(2, more, &m, &[], today).is_ok());
        // Negative revenue.
        let mut neg = new_report(jan);
        neg.revenue = Money::mxn(-1);
        assert_eq!(
            field(accept_report(2, neg, &m, &[], today)),
            ("R-PLAN-2", "revenue")
        );
        // Left before the period.
        let gone = member(Profile::MicroEntrepreneur, Some(d(2026, 1, 1)));
        assert_eq!(
            field(accept_report(2, new_report(jan), &gone, &[], today)),
            ("R-PLAN-2", "member_id")
        );
        // Left during the period: the period still counts.
        let leaving = member(Profile::MicroEntrepreneur, Some(d(2026, 1, 15)));
        assert!(accept_report(2, new_report(jan), &leaving, &[], today).is_ok());
        // Staff for a micro-entrepreneur (R-ORG-3).
        let mut staff = new_report(jan);
        staff.reported_by = Reporter::Staff { staff_id: 9 };
        assert_eq!(
            field(accept_report(2, staff.clone(), &m, &[], today)),
            ("R-ORG-3", "reported_by")
        );
        let producer = member(Profile::MicroProducer, None);
        assert!(accept_report(2, staff, &producer, &[], today).is_ok());
    }

    #[test]
    fn r_plan_2_corrections_supersede_and_the_last_one_is_effective() {
        let m = member(Profile::MicroEntrepreneur, None);
        let jan = Period::month(2026, 1).unwrap();
        let today = d(2026, 2, 3);
        let first = accept_report(1, new_report(jan), &m, &[], today).unwrap();
        let mut fix = new_report(jan);
        fix.revenue = Money::mxn(1_300_000);
        fix.supersedes = Some(1);
        assert_eq!(
            accept_report(2, fix.clone(), &m, std::slice::from_ref(&first), today)
                .unwrap_err()
                .field(),
            Some("reason")
        );
        fix.reason = Some("faltó una venta".into());
        let second =
            accept_report(2, fix.clone(), &m, std::slice::from_ref(&first), today).unwrap();
        // The first cannot be corrected twice.
        assert_eq!(
            accept_report(3, fix, &m, &[first.clone(), second.clone()], today)
                .unwrap_err()
                .field(),
            Some("supersedes")
        );
        let all = [second.clone(), first.clone()];
        assert_eq!(effective_report(&all).unwrap().id, 2);
        assert_eq!(effective_report(&[first]).unwrap().id, 1);
        assert_eq!(effective_report(&[]), None);
    }
}
