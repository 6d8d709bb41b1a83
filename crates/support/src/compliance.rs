//! R-SUP-1: the development bank sees every ODF's compliance with the rules that can be checked
//! from its books. The app gathers the figures ([`OdfFigures`]); these pure checks give each
//! rule a status, a figure and the evidence (references the app turns into links), and rank
//! the ODFs. Supervisors read; they never decide (R-GOV-1).

use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

/// A period that had to be closed by `due_on` (R-FUND-1, R-PLAN-3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodFigure {
    pub period: String,
    pub due_on: NaiveDate,
    pub closed_on: Option<NaiveDate>,
}

/// A Competition Sub-Fund payment (R-FUND-3) and the board decision behind it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentFigure {
    pub reference: String,
    pub amount_minor: i64,
    pub decision: Option<i64>,
    /// The decision exists and was approved (R-GOV-2).
    pub decision_approved: bool,
}

/// A credit line in force (R-CRED-1, R-CRED-2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineFigure {
    pub reference: String,
    pub limit_minor: i64,
    pub drawn_minor: i64,
    pub opened_on: NaiveDate,
    pub last_review_on: Option<NaiveDate>,
}

/// A notice of non-fulfilment (R-FUND-6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeFigure {
    pub reference: String,
    pub issued_on: NaiveDate,
    pub resolved_on: Option<NaiveDate>,
}

/// A board decision (R-GOV-2) and whether its vote reached quorum.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionFigure {
    pub proposal_id: i64,
    pub reached_quorum: bool,
}

/// Everything the checks read, gathered by the app from one ODF's books.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OdfFigures {
    pub today: NaiveDate,
    pub periods: Vec<PeriodFigure>,
    /// The last closed period, its active members and how many reported in it (R-PLAN-2).
    pub last_period: Option<String>,
    pub members_active: u64,
    pub members_reporting: u64,
    pub competition_payments: Vec<PaymentFigure>,
    pub lines: Vec<LineFigure>,
    pub notices: Vec<NoticeFigure>,
    /// R-ORG-6: members with dues in arrears and the amount.
    pub members_in_arrears: u64,
    pub arrears_minor: i64,
    pub decisions: Vec<DecisionFigure>,
    /// `tequio check`'s invariants: comparisons made and failing.
    pub books_comparisons: u64,
    pub books_failing: Vec<String>,
}

/// **(setting)** thresholds of the checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplianceSettings {
    /// Least share of active members who reported in the last closed period. Default 0.80.
    #[serde(with = "crate::decimal_text")]
    pub min_reporting_share: Decimal,
    /// R-CRED-2: a line is reviewed every this many months. Default 6.
    pub review_months: u32,
    /// Days of grace after a review falls due. Default 30.
    pub review_grace_days: i64,
    /// Largest share of members with dues in arrears. Default 0.10.
    #[serde(with = "crate::decimal_text")]
    pub max_arrears_share: Decimal,
}

impl Default for ComplianceSettings {
    fn default() -> Self {
        ComplianceSettings {
            min_reporting_share: Decimal::new(80, 2),
            review_months: 6,
            review_grace_days: 30,
            max_arrears_share: Decimal::new(10, 2),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckId {
    PeriodsClosedOnTime,
    MembersReporting,
    CompetitionPaymentsDecided,
    LineWithinLimit,
    LineReviewsOnTime,
    NoticesResolved,
    DuesArrears,
    DecisionsQuorum,
    BooksReconcile,
}

impl CheckId {
    /// The rule each check stands for.
    pub fn rule(&self) -> &'static str {
        match self {
            CheckId::PeriodsClosedOnTime => "R-FUND-1",
            CheckId::MembersReporting => "R-PLAN-2",
            CheckId::CompetitionPaymentsDecided => "R-FUND-3",
            CheckId::LineWithinLimit => "R-CRED-1",
            CheckId::LineReviewsOnTime => "R-CRED-2",
            CheckId::NoticesResolved => "R-FUND-6",
            CheckId::DuesArrears => "R-ORG-6",
            CheckId::DecisionsQuorum => "R-GOV-2",
            CheckId::BooksReconcile => "R-SUP-1",
        }
    }
    /// What a supervisor reads (es-MX).
    pub fn label_es(&self) -> &'static str {
        match self {
            CheckId::PeriodsClosedOnTime => "Periodos cerrados a tiempo",
            CheckId::MembersReporting => "Socios que reportan ingresos",
            CheckId::CompetitionPaymentsDecided => {
                "Pagos del Subfondo de Competitividad con acuerdo del Consejo"
            }
            CheckId::LineWithinLimit => "Línea de crédito dentro de su límite",
            CheckId::LineReviewsOnTime => "Revisiones de la línea a tiempo",
            CheckId::NoticesResolved => "Avisos de incumplimiento sin resolver",
            CheckId::DuesArrears => "Cuotas atrasadas",
            CheckId::DecisionsQuorum => "Acuerdos del Consejo con quórum",
            CheckId::BooksReconcile => "Los libros cuadran",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pass,
    Fail,
    /// Nothing to check yet (no line, no payment, no closed period).
    NotApplicable,
}

/// One rule's row on the compliance page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    pub id: CheckId,
    pub rule: String,
    pub status: Status,
    /// The figure, as a short text with numbers ("11 de 12", "87.50 %").
    pub figure: String,
    /// References to the evidence: the failing items, or where the figure comes from.
    pub evidence: Vec<String>,
}

fn check(id: CheckId, status: Status, figure: String, evidence: Vec<String>) -> Check {
    Check {
        id,
        rule: id.rule().to_string(),
        status,
        figure,
        evidence,
    }
}

fn pass_if(ok: bool) -> Status {
    if ok {
        Status::Pass
    } else {
        Status::Fail
    }
}

fn percent(n: u64, d: u64) -> Decimal {
    if d == 0 {
        return Decimal::ZERO;
    }
    (Decimal::from(n) * Decimal::from(100) / Decimal::from(d))
        .round_dp_with_strategy(2, RoundingStrategy::MidpointNearestEven)
}

/// The months-later date, clamped to the month's end.
fn add_months(d: NaiveDate, months: u32) -> NaiveDate {
    d.checked_add_months(chrono::Months::new(months))
        .unwrap_or(NaiveDate::MAX)
}

/// R-SUP-1: every check over one ODF's figures, in a fixed order.
pub fn checks(f: &OdfFigures, s: &ComplianceSettings) -> Vec<Check> {
    let mut out = Vec::new();

    // Periods closed on time.
    let due: Vec<&PeriodFigure> = f.periods.iter().filter(|p| p.due_on <= f.today).collect();
    let late: Vec<String> = due
        .iter()
        .filter(|p| p.closed_on.is_none_or(|c| c > p.due_on))
        .map(|p| format!("close:{}", p.period))
        .collect();
    out.push(if due.is_empty() {
        check(
            CheckId::PeriodsClosedOnTime,
            Status::NotApplicable,
            "0 de 0".into(),
            vec![],
        )
    } else {
        check(
            CheckId::PeriodsClosedOnTime,
            pass_if(late.is_empty()),
            format!("{} de {}", due.len() - late.len(), due.len()),
            late,
        )
    });

    // Share of members reporting in the last closed period.
    out.push(match &f.last_period {
        None => check(
            CheckId::MembersReporting,
            Status::NotApplicable,
            "—".into(),
            vec![],
        ),
        Some(p) => {
            let share = percent(f.members_reporting, f.members_active);
            check(
                CheckId::MembersReporting,
                pass_if(share >= s.min_reporting_share * Decimal::from(100)),
                format!(
                    "{share:.2} % ({} de {})",
                    f.members_reporting, f.members_active
                ),
                vec![format!("reports:{p}")],
            )
        }
    });

    // Every Competition Sub-Fund payment backed by an approved decision.
    let unbacked: Vec<String> = f
        .competition_payments
        .iter()
        .filter(|p| p.decision.is_none() || !p.decision_approved)
        .map(|p| format!("fund:{}", p.reference))
        .collect();
    let n = f.competition_payments.len();
    out.push(if n == 0 {
        check(
            CheckId::CompetitionPaymentsDecided,
            Status::NotApplicable,
            "0 de 0".into(),
            vec![],
        )
    } else {
        check(
            CheckId::CompetitionPaymentsDecided,
            pass_if(unbacked.is_empty()),
            format!("{} de {}", n - unbacked.len(), n),
            unbacked,
        )
    });

    // The line within its limit; reviews on time.
    if f.lines.is_empty() {
        out.push(check(
            CheckId::LineWithinLimit,
            Status::NotApplicable,
            "sin línea".into(),
            vec![],
        ));
        out.push(check(
            CheckId::LineReviewsOnTime,
            Status::NotApplicable,
            "sin línea".into(),
            vec![],
        ));
    } else {
        let over: Vec<String> = f
            .lines
            .iter()
            .filter(|l| l.drawn_minor > l.limit_minor)
            .map(|l| format!("line:{}", l.reference))
            .collect();
        let drawn: i64 = f.lines.iter().map(|l| l.drawn_minor).sum();
        let limit: i64 = f.lines.iter().map(|l| l.limit_minor).sum();
        out.push(check(
            CheckId::LineWithinLimit,
            pass_if(over.is_empty()),
            format!("{} de {}", ledger_amount(drawn), ledger_amount(limit)),
            if over.is_empty() {
                f.lines
                    .iter()
                    .map(|l| format!("line:{}", l.reference))
                    .collect()
            } else {
                over
            },
        ));
        let overdue: Vec<String> = f
            .lines
            .iter()
            .filter(|l| {
                let last = l.last_review_on.unwrap_or(l.opened_on);
                let due = add_months(last, s.review_months)
                    + chrono::Days::new(s.review_grace_days.max(0) as u64);
                f.today > due
            })
            .map(|l| format!("line:{}", l.reference))
            .collect();
        out.push(check(
            CheckId::LineReviewsOnTime,
            pass_if(overdue.is_empty()),
            format!("{} de {}", f.lines.len() - overdue.len(), f.lines.len()),
            overdue,
        ));
    }

    // Notices of non-fulfilment unresolved, and the oldest's age in days.
    let open: Vec<&NoticeFigure> = f
        .notices
        .iter()
        .filter(|n| n.resolved_on.is_none())
        .collect();
    let oldest = open
        .iter()
        .map(|n| (f.today - n.issued_on).num_days())
        .max()
        .unwrap_or(0);
    out.push(check(
        CheckId::NoticesResolved,
        pass_if(open.is_empty()),
        if open.is_empty() {
            "0".into()
        } else {
            format!(
                "{} sin resolver, la más antigua de {oldest} días",
                open.len()
            )
        },
        open.iter()
            .map(|n| format!("notice:{}", n.reference))
            .collect(),
    ));

    // Dues arrears.
    let share = percent(f.members_in_arrears, f.members_active);
    out.push(check(
        CheckId::DuesArrears,
        pass_if(share <= s.max_arrears_share * Decimal::from(100)),
        format!(
            "{} socios ({share:.2} %), {}",
            f.members_in_arrears,
            ledger_amount(f.arrears_minor)
        ),
        vec!["dues".into()],
    ));

    // Board decisions that reached quorum.
    let without: Vec<String> = f
        .decisions
        .iter()
        .filter(|d| !d.reached_quorum)
        .map(|d| format!("proposal:{}", d.proposal_id))
        .collect();
    let n = f.decisions.len();
    out.push(if n == 0 {
        check(
            CheckId::DecisionsQuorum,
            Status::NotApplicable,
            "0 de 0".into(),
            vec![],
        )
    } else {
        check(
            CheckId::DecisionsQuorum,
            pass_if(without.is_empty()),
            format!("{} de {}", n - without.len(), n),
            without,
        )
    });

    // The books' invariants (`tequio check`).
    out.push(check(
        CheckId::BooksReconcile,
        pass_if(f.books_failing.is_empty()),
        format!(
            "{} de {}",
            f.books_comparisons
                .saturating_sub(f.books_failing.len() as u64),
            f.books_comparisons
        ),
        f.books_failing.clone(),
    ));
    out
}

/// An amount in minor units as major units with two decimals and thousands separators
/// (Mexican format: 1,234.50).
pub fn ledger_amount(minor: i64) -> String {
    let neg = minor < 0;
    let abs = minor.unsigned_abs();
    let (major, cents) = (abs / 100, abs % 100);
    let digits = major.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{}{grouped}.{cents:02}", if neg { "-" } else { "" })
}

/// One ODF's place in the programme's ranking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RankRow {
    pub position: usize,
    pub org: String,
    pub passed: usize,
    pub failed: usize,
    pub not_applicable: usize,
}

/// R-SUP-1: ODFs ranked by compliance: fewest failures first, then most checks passed, then
/// name.
pub fn rank(odfs: &[(String, Vec<Check>)]) -> Vec<RankRow> {
    let mut rows: Vec<RankRow> = odfs
        .iter()
        .map(|(org, cs)| {
            let count = |st| cs.iter().filter(|c| c.status == st).count();
            RankRow {
                position: 0,
                org: org.clone(),
                passed: count(Status::Pass),
                failed: count(Status::Fail),
                not_applicable: count(Status::NotApplicable),
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        a.failed
            .cmp(&b.failed)
            .then(b.passed.cmp(&a.passed))
            .then(a.org.cmp(&b.org))
    });
    for (i, r) in rows.iter_mut().enumerate() {
        r.position = i + 1;
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// An ODF that passes every check.
    fn good() -> OdfFigures {
        OdfFigures {
            today: d("2026-12-05"),
            periods: vec![
                PeriodFigure {
                    period: "2026-10".into(),
                    due_on: d("2026-11-15"),
                    closed_on: Some(d("2026-11-10")),
                },
                PeriodFigure {
                    period: "2026-11".into(),
                    due_on: d("2026-12-15"),
                    closed_on: None,
                },
            ],
            last_period: Some("2026-10".into()),
            members_active: 10,
            members_reporting: 8,
            competition_payments: vec![PaymentFigure {
                reference: "cat-1".into(),
                amount_minor: 500_000,
                decision: Some(3),
                decision_approved: true,
            }],
            lines: vec![LineFigure {
                reference: "1".into(),
                limit_minor: 54_000_000,
                drawn_minor: 54_000_000,
                opened_on: d("2026-01-10"),
                last_review_on: Some(d("2026-07-10")),
            }],
            notices: vec![NoticeFigure {
                reference: "n1".into(),
                issued_on: d("2026-09-01"),
                resolved_on: Some(d("2026-09-20")),
            }],
            members_in_arrears: 1,
            arrears_minor: 15_000,
            decisions: vec![DecisionFigure {
                proposal_id: 3,
                reached_quorum: true,
            }],
            books_comparisons: 6,
            books_failing: vec![],
        }
    }

    fn status(cs: &[Check], id: CheckId) -> &Check {
        cs.iter().find(|c| c.id == id).unwrap()
    }

    #[test]
    fn r_sup_1_a_compliant_odf_passes_every_check() {
        let cs = checks(&good(), &ComplianceSettings::default());
        assert_eq!(cs.len(), 9);
        for c in &cs {
            assert_eq!(c.status, Status::Pass, "{:?}: {}", c.id, c.figure);
        }
        // 8 of 10 reporting is exactly the 80 % minimum.
        assert_eq!(
            status(&cs, CheckId::MembersReporting).figure,
            "80.00 % (8 de 10)"
        );
        assert_eq!(
            status(&cs, CheckId::PeriodsClosedOnTime).figure,
            "1 de 1",
            "November is not due yet"
        );
        assert_eq!(
            status(&cs, CheckId::LineWithinLimit).figure,
            "540,000.00 de 540,000.00"
        );
        assert_eq!(
            status(&cs, CheckId::DuesArrears).figure,
            "1 socios (10.00 %), 150.00"
        );
    }

    #[test]
    fn r_sup_1_each_check_fails_on_its_own_breach() {
        let s = ComplianceSettings::default();
        type Breach = Box<dyn Fn(&mut OdfFigures)>;
        let cases: Vec<(CheckId, Breach)> = vec![
            (
                CheckId::PeriodsClosedOnTime,
                Box::new(|f| f.periods[0].closed_on = Some(d("2026-11-16"))),
            ),
            (
                CheckId::MembersReporting,
                Box::new(|f| f.members_reporting = 7),
            ),
            (
                CheckId::CompetitionPaymentsDecided,
                Box::new(|f| f.competition_payments[0].decision_approved = false),
            ),
            (
                CheckId::LineWithinLimit,
                Box::new(|f| f.lines[0].drawn_minor = 54_000_001),
            ),
            // Reviewed 2026-05-04: due 2026-11-04, plus 30 days of grace = 2026-12-04 < today.
            (
                CheckId::LineReviewsOnTime,
                Box::new(|f| f.lines[0].last_review_on = Some(d("2026-05-04"))),
            ),
            (
                CheckId::NoticesResolved,
                Box::new(|f| f.notices[0].resolved_on = None),
            ),
            (CheckId::DuesArrears, Box::new(|f| f.members_in_arrears = 2)),
            (
                CheckId::DecisionsQuorum,
                Box::new(|f| f.decisions[0].reached_quorum = false),
            ),
            (
                CheckId::BooksReconcile,
                Box::new(|f| f.books_failing = vec!["trial_balance".into()]),
            ),
        ];
        for (id, breach) in cases {
            let mut f = good();
            breach(&mut f);
            let cs = checks(&f, &s);
            for c in &cs {
                let want = if c.id == id {
                    Status::Fail
                } else {
                    Status::Pass
                };
                assert_eq!(c.status, want, "breaching {id:?}, check {:?}", c.id);
            }
            assert_eq!(status(&cs, id).rule, id.rule());
        }
        // The unresolved notice: issued 2026-09-01, 95 days before 2026-12-05.
        let mut f = good();
        f.notices[0].resolved_on = None;
        let cs = checks(&f, &s);
        assert_eq!(
            status(&cs, CheckId::NoticesResolved).figure,
            "1 sin resolver, la más antigua de 95 días"
        );
        assert_eq!(
            status(&cs, CheckId::NoticesResolved).evidence,
            vec!["notice:n1".to_string()]
        );
        // Reviewed 2026-05-05: due 2026-11-05 + 30 days = 2026-12-05, still on time today.
        let mut f = good();
        f.lines[0].last_review_on = Some(d("2026-05-05"));
        assert_eq!(
            status(&checks(&f, &s), CheckId::LineReviewsOnTime).status,
            Status::Pass
        );
    }

    #[test]
    fn r_sup_1_odfs_rank_by_failures_then_passes() {
        let s = ComplianceSettings::default();
        let mut two_fail = good();
        two_fail.members_reporting = 0;
        two_fail.members_in_arrears = 5;
        let mut one_fail = good();
        one_fail.members_reporting = 0;
        let mut fewer = good();
        fewer.lines.clear(); // two checks not applicable, none failing
        let rows = rank(&[
            ("Barro".into(), checks(&two_fail, &s)),
            ("Cazuelas".into(), checks(&one_fail, &s)),
            ("Alfareros".into(), checks(&good(), &s)),
            ("Ollas".into(), checks(&fewer, &s)),
        ]);
        let order: Vec<&str> = rows.iter().map(|r| r.org.as_str()).collect();
        assert_eq!(order, vec!["Alfareros", "Ollas", "Cazuelas", "Barro"]);
        assert_eq!((rows[1].passed, rows[1].not_applicable), (7, 2));
        assert_eq!(rows[3].position, 4);
    }
}
