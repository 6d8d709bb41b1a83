//! R-INNO-1: the inventions registry. A member's novelty moves idea → prototype → production →
//! market; it records its intellectual-property status, its inventors and co-inventors, the
//! Competition Sub-Fund expenses that paid for prototypes and samples (R-FUND-3), and the
//! innovation committee's reviews for secrecy, originality, excellence, authenticity and the
//! target market's needs.
//!
//! - A stage advances only after a review of that stage that finds all five criteria met.
//! - A committee member who is an inventor of it, or in an inventor's household, cannot review
//!   it: the attempt is refused and the recusal recorded (the app records it as an event).
//! - Review notes are confidential to the inventors, the committee and the board
//!   ([`may_read_notes`]).

use crate::SupportError;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

const RULE: &str = "R-INNO-1";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Idea,
    Prototype,
    Production,
    Market,
}

impl Stage {
    pub const ALL: [Stage; 4] = [
        Stage::Idea,
        Stage::Prototype,
        Stage::Production,
        Stage::Market,
    ];
    pub fn next(&self) -> Option<Stage> {
        match self {
            Stage::Idea => Some(Stage::Prototype),
            Stage::Prototype => Some(Stage::Production),
            Stage::Production => Some(Stage::Market),
            Stage::Market => None,
        }
    }
    pub fn as_str(&self) -> &'static str {
        match self {
            Stage::Idea => "idea",
            Stage::Prototype => "prototype",
            Stage::Production => "production",
            Stage::Market => "market",
        }
    }
    pub fn label_es(&self) -> &'static str {
        match self {
            Stage::Idea => "Idea",
            Stage::Prototype => "Prototipo",
            Stage::Production => "Producción",
            Stage::Market => "Mercado",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IpKind {
    Patent,
    UtilityModel,
    IndustrialDesign,
}

impl IpKind {
    pub const ALL: [IpKind; 3] = [
        IpKind::Patent,
        IpKind::UtilityModel,
        IpKind::IndustrialDesign,
    ];
    pub fn as_str(&self) -> &'static str {
        match self {
            IpKind::Patent => "patent",
            IpKind::UtilityModel => "utility_model",
            IpKind::IndustrialDesign => "industrial_design",
        }
    }
    pub fn parse(text: &str) -> Result<Self, crate::FieldError> {
        IpKind::ALL
            .into_iter()
            .find(|k| k.as_str() == text.trim())
            .ok_or_else(|| {
                crate::FieldError::new(
                    "ip_kind",
                    format!(
                        "'{}' is not patent, utility_model or industrial_design",
                        text.trim()
                    ),
                )
            })
    }
}

/// Intellectual-property status (IMPI filings).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum IpStatus {
    #[default]
    None,
    Filed {
        kind: IpKind,
        number: String,
        filed_on: NaiveDate,
    },
    Granted {
        kind: IpKind,
        number: String,
        filed_on: NaiveDate,
        granted_on: NaiveDate,
    },
}

impl IpStatus {
    pub fn checked(self) -> Result<IpStatus, SupportError> {
        Ok(match self {
            IpStatus::None => IpStatus::None,
            IpStatus::Filed {
                kind,
                number,
                filed_on,
            } => IpStatus::Filed {
                kind,
                number: crate::text("ip_number", &number, false, 60)?,
                filed_on,
            },
            IpStatus::Granted {
                kind,
                number,
                filed_on,
                granted_on,
            } => {
                if granted_on < filed_on {
                    return Err(SupportError::rule(
                        RULE,
                        "granted_on",
                        "is before the filing date",
                    ));
                }
                IpStatus::Granted {
                    kind,
                    number: crate::text("ip_number", &number, false, 60)?,
                    filed_on,
                    granted_on,
                }
            }
        })
    }
}

/// What the committee judges at each stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Criterion {
    Secrecy,
    Originality,
    Excellence,
    Authenticity,
    MarketNeeds,
}

impl Criterion {
    pub const ALL: [Criterion; 5] = [
        Criterion::Secrecy,
        Criterion::Originality,
        Criterion::Excellence,
        Criterion::Authenticity,
        Criterion::MarketNeeds,
    ];
    pub fn as_str(&self) -> &'static str {
        match self {
            Criterion::Secrecy => "secrecy",
            Criterion::Originality => "originality",
            Criterion::Excellence => "excellence",
            Criterion::Authenticity => "authenticity",
            Criterion::MarketNeeds => "market_needs",
        }
    }
}

/// One committee member's review of the invention at its current stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    /// The reviewing committee member (a member id of the ODF).
    pub reviewer: i64,
    pub stage: Stage,
    pub on: NaiveDate,
    /// The criteria found met; the others were not.
    pub met: BTreeSet<Criterion>,
    /// Confidential (see [`may_read_notes`]).
    pub notes: String,
}

impl Review {
    /// All five criteria met: the stage may advance.
    pub fn approves(&self) -> bool {
        Criterion::ALL.iter().all(|c| self.met.contains(c))
    }
}

/// Why a committee member may not review an invention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Conflict {
    Inventor,
    Household,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recusal {
    pub reviewer: i64,
    pub on: NaiveDate,
    pub conflict: Conflict,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invention {
    pub id: i64,
    pub title: String,
    pub description: String,
    /// The inventors, the first one the lead; co-inventors follow. Member ids.
    pub inventors: Vec<i64>,
    /// Members who live in an inventor's household (declared with the invention).
    pub household: BTreeSet<i64>,
    pub registered_on: NaiveDate,
    pub stage: Stage,
    /// Each stage reached and when.
    pub stages: Vec<(Stage, NaiveDate)>,
    pub ip: IpStatus,
    pub reviews: Vec<Review>,
    pub recusals: Vec<Recusal>,
    /// Competition Sub-Fund spending references for prototypes and samples (R-FUND-3).
    pub expenses: Vec<String>,
}

impl Invention {
    /// A new invention at the idea stage.
    pub fn register(
        id: i64,
        title: &str,
        description: &str,
        inventors: Vec<i64>,
        household: BTreeSet<i64>,
        on: NaiveDate,
    ) -> Result<Invention, SupportError> {
        if inventors.is_empty() {
            return Err(SupportError::rule(
                RULE,
                "inventors",
                "an invention needs at least one inventor",
            ));
        }
        let distinct: BTreeSet<i64> = inventors.iter().copied().collect();
        if distinct.len() != inventors.len() {
            return Err(SupportError::rule(
                RULE,
                "inventors",
                "an inventor is listed twice",
            ));
        }
        Ok(Invention {
            id,
            title: crate::text("title", title, false, 200)?,
            description: crate::text("description", description, true, 4_000)?,
            inventors,
            household,
            registered_on: on,
            stage: Stage::Idea,
            stages: vec![(Stage::Idea, on)],
            ip: IpStatus::None,
            reviews: Vec::new(),
            recusals: Vec::new(),
            expenses: Vec::new(),
        })
    }

    pub fn is_inventor(&self, member: i64) -> bool {
        self.inventors.contains(&member)
    }

    /// Whether `reviewer` has a conflict of interest with this invention.
    pub fn conflict(&self, reviewer: i64) -> Option<Conflict> {
        if self.is_inventor(reviewer) {
            Some(Conflict::Inventor)
        } else if self.household.contains(&reviewer) {
            Some(Conflict::Household)
        } else {
            None
        }
    }

    /// Checks a review: no conflict of interest (the refusal names the conflict, and the caller
    /// records [`Recusal`]), the invention's current stage, a note, not before registration.
    pub fn check_review(&self, review: &Review) -> Result<(), SupportError> {
        if let Some(c) = self.conflict(review.reviewer) {
            let why = match c {
                Conflict::Inventor => "is an inventor of it",
                Conflict::Household => "lives in an inventor's household",
            };
            return Err(SupportError::rule(
                RULE,
                "reviewer",
                format!("{why}: a conflict of interest, recused"),
            ));
        }
        if review.stage != self.stage {
            return Err(SupportError::rule(
                RULE,
                "stage",
                format!(
                    "the invention is at {}, not {}",
                    self.stage.as_str(),
                    review.stage.as_str()
                ),
            ));
        }
        if review.on < self.registered_on {
            return Err(SupportError::rule(
                RULE,
                "on",
                "is before the invention was registered",
            ));
        }
        crate::text("notes", &review.notes, true, 8_000)?;
        Ok(())
    }

    /// Records a checked review.
    pub fn add_review(&mut self, review: Review) -> Result<(), SupportError> {
        self.check_review(&review)?;
        self.reviews.push(review);
        Ok(())
    }

    /// The stage it would advance to: only after a review of the current stage finding all
    /// five criteria met.
    pub fn check_advance(&self) -> Result<Stage, SupportError> {
        let next = self.stage.next().ok_or_else(|| {
            SupportError::rule(RULE, "stage", "already on the market, the last stage")
        })?;
        if !self
            .reviews
            .iter()
            .any(|r| r.stage == self.stage && r.approves())
        {
            return Err(SupportError::rule(
                RULE,
                "stage",
                "advances only after a committee review of this stage that finds every criterion met",
            ));
        }
        Ok(next)
    }

    pub fn advance(&mut self, on: NaiveDate) -> Result<Stage, SupportError> {
        let next = self.check_advance()?;
        self.stage = next;
        self.stages.push((next, on));
        Ok(next)
    }

    pub fn set_ip(&mut self, status: IpStatus) -> Result<(), SupportError> {
        self.ip = status.checked()?;
        Ok(())
    }

    /// Links a Competition Sub-Fund spending (its reference) to this invention.
    pub fn link_expense(&mut self, reference: &str) -> Result<(), SupportError> {
        let r = crate::text("expense", reference, false, 120)?;
        if !self.expenses.contains(&r) {
            self.expenses.push(r);
        }
        Ok(())
    }
}

/// Who asks to read an invention's review notes, as the app resolves them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    /// One of its inventors.
    Inventor,
    /// A member of the ODF's innovation committee.
    InnovationCommittee,
    /// A board member of the ODF.
    Board,
    /// Anyone else: staff, other members, supervisors, support committee, donors, advisers.
    Other,
}

/// R-INNO-1: review notes are confidential to the inventor, the committee and the board.
pub fn may_read_notes(reader: Reader) -> bool {
    !matches!(reader, Reader::Other)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn invention() -> Invention {
        // Inventors 7 (lead) and 8; member 9 lives with inventor 7.
        Invention::register(
            1,
            "Horno de leña ahorrador",
            "Un horno que usa la mitad de leña",
            vec![7, 8],
            [9].into(),
            d("2026-11-01"),
        )
        .unwrap()
    }

    fn review(reviewer: i64, stage: Stage, met: &[Criterion]) -> Review {
        Review {
            reviewer,
            stage,
            on: d("2026-11-10"),
            met: met.iter().copied().collect(),
            notes: "Secreto: no mostrar el quemador en la feria".into(),
        }
    }

    #[test]
    fn r_inno_1_a_stage_advances_only_after_an_approving_review() {
        let mut inv = invention();
        assert_eq!(inv.advance(d("2026-11-05")).unwrap_err().field(), "stage");
        // A review missing one criterion (market needs) does not let it advance.
        let partial = &Criterion::ALL[..4];
        inv.add_review(review(20, Stage::Idea, partial)).unwrap();
        assert!(inv.advance(d("2026-11-11")).is_err());
        inv.add_review(review(21, Stage::Idea, &Criterion::ALL))
            .unwrap();
        assert_eq!(inv.advance(d("2026-11-12")).unwrap(), Stage::Prototype);
        // The idea's review does not carry over to the prototype.
        assert!(inv.advance(d("2026-11-13")).is_err());
        // A review of a stage it is not at is refused.
        assert_eq!(
            inv.add_review(review(21, Stage::Idea, &Criterion::ALL))
                .unwrap_err()
                .field(),
            "stage"
        );
        assert_eq!(
            inv.stages,
            vec![
                (Stage::Idea, d("2026-11-01")),
                (Stage::Prototype, d("2026-11-12"))
            ]
        );
    }

    #[test]
    fn r_inno_1_inventors_and_their_households_cannot_review() {
        let mut inv = invention();
        assert_eq!(inv.conflict(7), Some(Conflict::Inventor));
        assert_eq!(
            inv.conflict(8),
            Some(Conflict::Inventor),
            "a co-inventor too"
        );
        assert_eq!(inv.conflict(9), Some(Conflict::Household));
        assert_eq!(inv.conflict(20), None);
        for who in [7, 8, 9] {
            let err = inv
                .add_review(review(who, Stage::Idea, &Criterion::ALL))
                .unwrap_err();
            assert_eq!(err.rule_id(), Some("R-INNO-1"));
            assert_eq!(err.field(), "reviewer");
        }
        assert!(
            inv.reviews.is_empty(),
            "nothing recorded by a refused review"
        );
        assert!(inv.advance(d("2026-11-12")).is_err());
    }

    #[test]
    fn r_inno_1_review_notes_are_for_inventor_committee_and_board_only() {
        assert!(may_read_notes(Reader::Inventor));
        assert!(may_read_notes(Reader::InnovationCommittee));
        assert!(may_read_notes(Reader::Board));
        assert!(!may_read_notes(Reader::Other));
    }

    #[test]
    fn r_inno_1_ip_status_and_registration_are_checked() {
        let mut inv = invention();
        let bad = IpStatus::Granted {
            kind: IpKind::UtilityModel,
            number: "MX/u/2026/1".into(),
            filed_on: d("2026-11-02"),
            granted_on: d("2026-11-01"),
        };
        assert_eq!(inv.set_ip(bad).unwrap_err().field(), "granted_on");
        let ok = IpStatus::Filed {
            kind: IpKind::Patent,
            number: "MX/a/2026/0123".into(),
            filed_on: d("2026-11-02"),
        };
        inv.set_ip(ok.clone()).unwrap();
        assert_eq!(inv.ip, ok);
        assert_eq!(
            Invention::register(2, "x", "y", vec![], BTreeSet::new(), d("2026-11-01"))
                .unwrap_err()
                .field(),
            "inventors"
        );
        assert_eq!(
            Invention::register(2, "x", "y", vec![3, 3], BTreeSet::new(), d("2026-11-01"))
                .unwrap_err()
                .field(),
            "inventors"
        );
        inv.link_expense("proto-1").unwrap();
        inv.link_expense("proto-1").unwrap();
        assert_eq!(inv.expenses, vec!["proto-1".to_string()]);
    }
}
