//! R-SUP-4: the outcome is members' income. Per member, income now against the baseline of
//! their business plan and whether they at least doubled it; per ODF the sums and the count;
//! for the programme, the sum of the ODFs' figures (each computed in its own organisation
//! first: nothing here joins two organisations' rows). Every level can be cut by state, trade
//! and target programme (R-ORG-4).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One member's income: the plan's baseline monthly revenue and the latest reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberIncome {
    pub member_id: i64,
    pub state: String,
    pub trade: String,
    /// R-ORG-4 codes, declared and derived.
    pub programmes: Vec<String>,
    pub baseline_minor: i64,
    /// The latest reported income, when the member has reported since the plan.
    pub now_minor: Option<i64>,
}

impl MemberIncome {
    /// At least doubled: income now ≥ 2 × a positive baseline. A member with no positive
    /// baseline or no report has not doubled **(decision)**.
    pub fn doubled(&self) -> bool {
        self.now_minor
            .is_some_and(|now| doubled(self.baseline_minor, now))
    }
}

/// The figures of a group of members (an ODF, a cut, the programme).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Outcome {
    /// Members with a plan.
    pub members: u64,
    /// Of those, members who reported income since.
    pub reporting: u64,
    /// Sum of the reporting members' baselines.
    pub baseline_minor: i128,
    /// Sum of the reporting members' income now.
    pub now_minor: i128,
    pub doubled: u64,
}

impl Outcome {
    fn add_member(&mut self, m: &MemberIncome) {
        self.members += 1;
        if let Some(now) = m.now_minor {
            self.reporting += 1;
            self.baseline_minor += i128::from(m.baseline_minor);
            self.now_minor += i128::from(now);
        }
        if m.doubled() {
            self.doubled += 1;
        }
    }

    /// Adds another group's figures (exact integer sums).
    pub fn merge(&mut self, other: &Outcome) {
        self.members += other.members;
        self.reporting += other.reporting;
        self.baseline_minor += other.baseline_minor;
        self.now_minor += other.now_minor;
        self.doubled += other.doubled;
    }
}

/// A dimension to cut by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cut {
    State,
    Trade,
    Programme,
}

impl Cut {
    pub const ALL: [Cut; 3] = [Cut::State, Cut::Trade, Cut::Programme];
    pub fn as_str(&self) -> &'static str {
        match self {
            Cut::State => "state",
            Cut::Trade => "trade",
            Cut::Programme => "programme",
        }
    }
    pub fn parse(text: &str) -> Result<Self, crate::FieldError> {
        Cut::ALL
            .into_iter()
            .find(|c| c.as_str() == text)
            .ok_or_else(|| {
                crate::FieldError::new("by", format!("'{text}' is not state, trade or programme"))
            })
    }
}

/// One ODF's outcome: the total and each cut.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OdfOutcome {
    pub total: Outcome,
    pub by_state: BTreeMap<String, Outcome>,
    pub by_trade: BTreeMap<String, Outcome>,
    pub by_programme: BTreeMap<String, Outcome>,
}

impl OdfOutcome {
    /// The cut's map.
    pub fn cut(&self, cut: Cut) -> &BTreeMap<String, Outcome> {
        match cut {
            Cut::State => &self.by_state,
            Cut::Trade => &self.by_trade,
            Cut::Programme => &self.by_programme,
        }
    }

    /// Adds another ODF's figures: the programme is the sum of its ODFs.
    pub fn merge(&mut self, other: &OdfOutcome) {
        self.total.merge(&other.total);
        for (mine, theirs) in [
            (&mut self.by_state, &other.by_state),
            (&mut self.by_trade, &other.by_trade),
            (&mut self.by_programme, &other.by_programme),
        ] {
            for (k, v) in theirs {
                mine.entry(k.clone()).or_default().merge(v);
            }
        }
    }
}

/// R-SUP-4: one ODF's figures from its members' incomes. A member counts once in each of
/// their programmes (so a programme cut's rows may add up to more than the total).
pub fn odf_outcome(members: &[MemberIncome]) -> OdfOutcome {
    let mut out = OdfOutcome::default();
    for m in members {
        out.total.add_member(m);
        out.by_state
            .entry(m.state.clone())
            .or_default()
            .add_member(m);
        out.by_trade
            .entry(m.trade.clone())
            .or_default()
            .add_member(m);
        for p in &m.programmes {
            out.by_programme.entry(p.clone()).or_default().add_member(m);
        }
    }
    out
}

/// R-SUP-4: the programme's figures, the sum of each ODF's own (computed per ODF first).
pub fn programme_outcome<'a>(odfs: impl IntoIterator<Item = &'a OdfOutcome>) -> OdfOutcome {
    let mut out = OdfOutcome::default();
    for o in odfs {
        out.merge(o);
    }
    out
}

/// One period's figures for a group (an ODF, the programme), with each cut.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodOutcome {
    /// The period's key (`YYYY-MM`: keys sort as periods do).
    pub period: String,
    pub outcome: OdfOutcome,
}

/// R-SUP-4: an ODF's series: for each period (each given with its members' baselines and
/// their income of that period), members reporting, the income of the period against the
/// reporting members' baselines and how many at least doubled theirs, with each cut. Oldest
/// period first, whatever order they come in.
pub fn outcome_series(
    periods: impl IntoIterator<Item = (String, Vec<MemberIncome>)>,
) -> Vec<PeriodOutcome> {
    let by_period: BTreeMap<String, Vec<MemberIncome>> = periods.into_iter().collect();
    by_period
        .into_iter()
        .map(|(period, members)| PeriodOutcome {
            outcome: odf_outcome(&members),
            period,
        })
        .collect()
}

/// R-SUP-4: the programme's series: for each period, the sum of the figures each ODF has for
/// it (each ODF's series computed in its own organisation first: nothing joins two
/// organisations' rows). An ODF that has not closed a period adds nothing to it. Oldest first.
pub fn programme_series<'a>(
    odfs: impl IntoIterator<Item = &'a [PeriodOutcome]>,
) -> Vec<PeriodOutcome> {
    let mut by_period: BTreeMap<String, OdfOutcome> = BTreeMap::new();
    for series in odfs {
        for p in series {
            by_period
                .entry(p.period.clone())
                .or_default()
                .merge(&p.outcome);
        }
    }
    by_period
        .into_iter()
        .map(|(period, outcome)| PeriodOutcome { period, outcome })
        .collect()
}

/// One period of a member's own series (R-SUP-4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberPoint {
    pub period: String,
    pub baseline_minor: i64,
    pub now_minor: i64,
    pub doubled: bool,
}

/// R-SUP-4: a member's own series from their baseline and their income of each period they
/// reported (`(period key, income)`), oldest first.
pub fn member_series(baseline_minor: i64, incomes: &[(String, i64)]) -> Vec<MemberPoint> {
    let mut points: Vec<MemberPoint> = incomes
        .iter()
        .map(|(period, now)| MemberPoint {
            period: period.clone(),
            baseline_minor,
            now_minor: *now,
            doubled: doubled(baseline_minor, *now),
        })
        .collect();
    points.sort_by(|a, b| a.period.cmp(&b.period));
    points
}

/// At least doubled: `now` ≥ 2 × a positive baseline **(decision)**: a zero baseline has no
/// double.
fn doubled(baseline_minor: i64, now_minor: i64) -> bool {
    baseline_minor > 0 && i128::from(now_minor) >= 2 * i128::from(baseline_minor)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(
        id: i64,
        state: &str,
        trade: &str,
        programmes: &[&str],
        base: i64,
        now: Option<i64>,
    ) -> MemberIncome {
        MemberIncome {
            member_id: id,
            state: state.into(),
            trade: trade.into(),
            programmes: programmes.iter().map(|p| p.to_string()).collect(),
            baseline_minor: base,
            now_minor: now,
        }
    }

    #[test]
    fn r_sup_4_counts_members_who_at_least_doubled_their_income() {
        let a = vec![
            m(
                1,
                "Morelos",
                "alfarería",
                &["women"],
                400_000,
                Some(800_000),
            ), // exactly doubled
            m(
                2,
                "Morelos",
                "alfarería",
                &["women", "young"],
                400_000,
                Some(799_999),
            ), // one centavo short
            m(3, "Puebla", "textil", &[], 300_000, None), // no report
            m(4, "Puebla", "textil", &["young"], 0, Some(100_000)), // no baseline
        ];
        let odf_a = odf_outcome(&a);
        assert_eq!(odf_a.total.members, 4);
        assert_eq!(odf_a.total.reporting, 3);
        assert_eq!(odf_a.total.doubled, 1);
        // Reporting members' sums: 400,000 + 400,000 + 0 and 800,000 + 799,999 + 100,000.
        assert_eq!(odf_a.total.baseline_minor, 800_000);
        assert_eq!(odf_a.total.now_minor, 1_699_999);
        assert_eq!(odf_a.by_state["Morelos"].doubled, 1);
        assert_eq!(odf_a.by_state["Puebla"].members, 2);
        assert_eq!(odf_a.by_programme["young"].members, 2);
        assert_eq!(odf_a.by_programme["women"].doubled, 1);

        let b = vec![m(
            1,
            "Morelos",
            "alfarería",
            &["women"],
            100_000,
            Some(250_000),
        )];
        let odf_b = odf_outcome(&b);
        let programme = programme_outcome([&odf_a, &odf_b]);
        // Member 1 of each ODF are different people: ids are only unique within an ODF.
        assert_eq!(programme.total.members, 5);
        assert_eq!(programme.total.doubled, 2);
        assert_eq!(programme.by_state["Morelos"].members, 3);
        assert_eq!(programme.by_state["Morelos"].doubled, 2);
        assert_eq!(programme.by_trade["textil"].doubled, 0);
        assert_eq!(programme.cut(Cut::Programme)["women"].members, 3);
    }

    /// R-SUP-4 per period, worked by hand: ODF A's three members in January and February, ODF
    /// B's one member in February only; the programme is the sum of the two series.
    #[test]
    fn r_sup_4_series_per_period_and_the_programme_as_the_sum_of_odf_series() {
        let one = |base, now| m(1, "Morelos", "alfarería", &["women"], base, now);
        let two = |now| m(2, "Puebla", "textil", &["young"], 300_000, now);
        let three = |now| m(3, "Morelos", "textil", &[], 200_000, now);
        // Given in February-then-January order: the series sorts them.
        let a = outcome_series([
            (
                "2026-02".to_string(),
                vec![
                    one(500_000, Some(1_000_000)),
                    two(None),
                    three(Some(399_999)),
                ],
            ),
            (
                "2026-01".to_string(),
                vec![one(500_000, Some(600_000)), two(Some(700_000)), three(None)],
            ),
        ]);
        assert_eq!(a.len(), 2);
        let (jan, feb) = (&a[0], &a[1]);
        assert_eq!(jan.period, "2026-01");
        // January: members 1 and 2 report; 700,000 ≥ 2 × 300,000, 600,000 < 2 × 500,000.
        assert_eq!(jan.outcome.total.members, 3);
        assert_eq!(jan.outcome.total.reporting, 2);
        assert_eq!(jan.outcome.total.baseline_minor, 500_000 + 300_000);
        assert_eq!(jan.outcome.total.now_minor, 600_000 + 700_000);
        assert_eq!(jan.outcome.total.doubled, 1);
        // February: members 1 and 3; 1,000,000 = 2 × 500,000 doubles, 399,999 < 400,000.
        assert_eq!(feb.outcome.total.reporting, 2);
        assert_eq!(feb.outcome.total.baseline_minor, 500_000 + 200_000);
        assert_eq!(feb.outcome.total.now_minor, 1_000_000 + 399_999);
        assert_eq!(feb.outcome.total.doubled, 1);
        assert_eq!(feb.outcome.by_state["Morelos"].doubled, 1);
        assert_eq!(feb.outcome.by_state["Puebla"].reporting, 0);

        let b = outcome_series([("2026-02".to_string(), vec![one(100_000, Some(200_000))])]);
        let programme = programme_series([a.as_slice(), b.as_slice()]);
        assert_eq!(programme.len(), 2);
        // January is A's alone; February adds B's member, who doubled.
        assert_eq!(programme[0].outcome, a[0].outcome);
        let feb = &programme[1].outcome;
        assert_eq!(feb.total.members, 3 + 1);
        assert_eq!(feb.total.reporting, 2 + 1);
        assert_eq!(feb.total.baseline_minor, 700_000 + 100_000);
        assert_eq!(feb.total.now_minor, 1_399_999 + 200_000);
        assert_eq!(feb.total.doubled, 1 + 1);
        assert_eq!(feb.by_state["Morelos"].members, 3);
        assert_eq!(feb.by_state["Morelos"].doubled, 2);
        assert_eq!(feb.by_programme["women"].doubled, 2);
        // State and trade partition the total: every member is in exactly one of each.
        for p in &programme {
            for cut in [Cut::State, Cut::Trade] {
                let mut sum = Outcome::default();
                for o in p.outcome.cut(cut).values() {
                    sum.merge(o);
                }
                assert_eq!(sum, p.outcome.total, "{} by {}", p.period, cut.as_str());
            }
        }
    }

    #[test]
    fn r_sup_4_a_members_own_series_against_their_baseline() {
        let s = member_series(
            500_000,
            &[("2026-02".into(), 1_000_000), ("2026-01".into(), 999_999)],
        );
        assert_eq!(
            s.iter()
                .map(|p| (p.period.as_str(), p.doubled))
                .collect::<Vec<_>>(),
            [("2026-01", false), ("2026-02", true)]
        );
        assert!(member_series(0, &[("2026-01".into(), 1)])
            .iter()
            .all(|p| !p.doubled));
    }
}
