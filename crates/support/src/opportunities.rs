//! R-INFO-1: the information system's opportunities. Staff, supervisors or committees publish
//! an opportunity with the profile it fits; it is matched to the members it fits and each
//! member sees their matches "para ti", newest and closest deadline first.

use crate::SupportError;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

const RULE: &str = "R-INFO-1";

/// What an opportunity offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Buyer,
    Supplier,
    TradeFair,
    Technology,
    Training,
    Funding,
}

impl Kind {
    pub const ALL: [Kind; 6] = [
        Kind::Buyer,
        Kind::Supplier,
        Kind::TradeFair,
        Kind::Technology,
        Kind::Training,
        Kind::Funding,
    ];
    pub fn as_str(&self) -> &'static str {
        match self {
            Kind::Buyer => "buyer",
            Kind::Supplier => "supplier",
            Kind::TradeFair => "trade_fair",
            Kind::Technology => "technology",
            Kind::Training => "training",
            Kind::Funding => "funding",
        }
    }
    pub fn parse(text: &str) -> Result<Self, crate::FieldError> {
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str() == text.trim())
            .ok_or_else(|| {
                crate::FieldError::new(
                    "kind",
                    format!("'{}' is not a kind of opportunity", text.trim()),
                )
            })
    }
    /// The Spanish name a member reads.
    pub fn label_es(&self) -> &'static str {
        match self {
            Kind::Buyer => "Comprador",
            Kind::Supplier => "Proveedor",
            Kind::TradeFair => "Feria comercial",
            Kind::Technology => "Tecnología",
            Kind::Training => "Capacitación",
            Kind::Funding => "Convocatoria de financiamiento",
        }
    }
}

/// The profile an opportunity fits. An empty set means "any".
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Fit {
    /// Trades, compared without case or surrounding spaces.
    pub trades: BTreeSet<String>,
    pub states: BTreeSet<String>,
    pub municipalities: BTreeSet<String>,
    /// R-ORG-4 codes (`women`, `inventors`, ...): the member belongs to at least one.
    pub programmes: BTreeSet<String>,
    /// R-ORG-3 code (`micro_producer`, `micro_entrepreneur`), when only one fits.
    pub profile: Option<String>,
    /// The least declared monthly capacity (units), when it matters.
    pub min_capacity: Option<u64>,
}

fn norm(s: &str) -> String {
    s.trim().to_lowercase()
}

impl Fit {
    /// Checks every text and code: programmes and profile must be the registry's.
    pub fn checked(self) -> Result<Fit, SupportError> {
        let set = |field, values: BTreeSet<String>| -> Result<BTreeSet<String>, SupportError> {
            values
                .into_iter()
                .map(|v| crate::text(field, &v, false, 120))
                .collect()
        };
        let programmes = self
            .programmes
            .into_iter()
            .map(|p| registry::TargetProgramme::parse(&p).map(|p| p.as_str().to_string()))
            .collect::<Result<BTreeSet<_>, _>>()?;
        let profile = match self.profile {
            Some(p) => Some(registry::Profile::parse(&p)?.as_str().to_string()),
            None => None,
        };
        Ok(Fit {
            trades: set("trades", self.trades)?,
            states: set("states", self.states)?,
            municipalities: set("municipalities", self.municipalities)?,
            programmes,
            profile,
            min_capacity: self.min_capacity,
        })
    }
}

/// Where an opportunity is seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// The publishing ODF's members.
    Odf,
    /// Every ODF's members who fit (published by a supervisor at programme level).
    Programme,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Opportunity {
    pub id: i64,
    pub kind: Kind,
    pub title: String,
    pub description: String,
    pub published_on: NaiveDate,
    pub deadline: NaiveDate,
    pub fit: Fit,
    pub scope: Scope,
}

impl Opportunity {
    /// A new opportunity, every field checked; the deadline is not before publication.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        id: i64,
        kind: Kind,
        title: &str,
        description: &str,
        published_on: NaiveDate,
        deadline: NaiveDate,
        fit: Fit,
        scope: Scope,
    ) -> Result<Self, SupportError> {
        if deadline < published_on {
            return Err(SupportError::rule(
                RULE,
                "deadline",
                "is before the day it is published",
            ));
        }
        Ok(Opportunity {
            id,
            kind,
            title: crate::text("title", title, false, 200)?,
            description: crate::text("description", description, true, 4_000)?,
            published_on,
            deadline,
            fit: fit.checked()?,
            scope,
        })
    }
}

/// What matching needs to know of a member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberProfile {
    pub trade: String,
    pub state: String,
    pub municipality: String,
    /// Declared and derived R-ORG-4 codes on the day of matching.
    pub programmes: BTreeSet<String>,
    /// R-ORG-3 code.
    pub profile: String,
    /// Declared monthly capacity, if any.
    pub capacity: Option<u64>,
}

impl MemberProfile {
    /// From a registry member on `on` (programmes derived with the ODF's settings).
    pub fn of(
        member: &registry::NewMember,
        on: NaiveDate,
        settings: registry::TargetSettings,
        capacity: Option<u64>,
    ) -> Self {
        MemberProfile {
            trade: member.trade.clone(),
            state: member.state.clone(),
            municipality: member.municipality.clone(),
            programmes: member
                .programmes(on, settings)
                .into_iter()
                .map(|p| p.as_str().to_string())
                .collect(),
            profile: member.profile.as_str().to_string(),
            capacity,
        }
    }
}

fn fits(set: &BTreeSet<String>, value: &str) -> bool {
    set.is_empty() || set.iter().any(|s| norm(s) == norm(value))
}

/// R-INFO-1: whether `opportunity` fits `member` on `on`: still open (the deadline not passed),
/// and every condition of its profile met (empty ones match anyone; programmes need one in
/// common; a minimum capacity needs a declared capacity at least that).
pub fn matches(opportunity: &Opportunity, member: &MemberProfile, on: NaiveDate) -> bool {
    let f = &opportunity.fit;
    on <= opportunity.deadline
        && fits(&f.trades, &member.trade)
        && fits(&f.states, &member.state)
        && fits(&f.municipalities, &member.municipality)
        && (f.programmes.is_empty() || f.programmes.iter().any(|p| member.programmes.contains(p)))
        && f.profile.as_ref().is_none_or(|p| *p == member.profile)
        && f.min_capacity
            .is_none_or(|min| member.capacity.is_some_and(|c| c >= min))
}

/// "Para ti": the opportunities that fit, newest first, then closest deadline, then id.
pub fn para_ti<'a>(
    opportunities: impl IntoIterator<Item = &'a Opportunity>,
    member: &MemberProfile,
    on: NaiveDate,
) -> Vec<&'a Opportunity> {
    let mut out: Vec<&Opportunity> = opportunities
        .into_iter()
        .filter(|o| matches(o, member, on))
        .collect();
    sort_para_ti(&mut out);
    out
}

/// The "para ti" order: newest published first, then closest deadline, then id.
pub fn sort_para_ti(list: &mut [&Opportunity]) {
    list.sort_by(|a, b| {
        b.published_on
            .cmp(&a.published_on)
            .then(a.deadline.cmp(&b.deadline))
            .then(a.id.cmp(&b.id))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn potter() -> MemberProfile {
        MemberProfile {
            trade: "Alfarería".into(),
            state: "Morelos".into(),
            municipality: "Tlayacapan".into(),
            programmes: ["women".to_string(), "popular_art".to_string()].into(),
            profile: "micro_producer".into(),
            capacity: Some(300),
        }
    }

    fn opp(id: i64, published: &str, deadline: &str, fit: Fit) -> Opportunity {
        Opportunity::new(
            id,
            Kind::Buyer,
            "Compra de cazuelas",
            "Un hotel busca 500 cazuelas",
            d(published),
            d(deadline),
            fit,
            Scope::Odf,
        )
        .unwrap()
    }

    #[test]
    fn r_info_1_an_opportunity_matches_the_members_it_fits() {
        let on = d("2026-12-05");
        let any = opp(1, "2026-12-01", "2026-12-31", Fit::default());
        assert!(matches(&any, &potter(), on));
        let fit = Fit {
            trades: [" alfarería ".to_string()].into(),
            states: ["Morelos".to_string()].into(),
            programmes: ["women".to_string(), "indigenous".to_string()].into(),
            profile: Some("micro_producer".into()),
            min_capacity: Some(300),
            ..Fit::default()
        };
        let o = opp(2, "2026-12-01", "2026-12-31", fit.clone());
        assert!(
            matches(&o, &potter(), on),
            "trade without case, one programme in common, capacity at the minimum"
        );
        // Each condition, broken alone, refuses the match.
        let mut other = potter();
        other.trade = "Textil".into();
        assert!(!matches(&o, &other, on));
        let mut other = potter();
        other.state = "Puebla".into();
        assert!(!matches(&o, &other, on));
        let mut other = potter();
        other.programmes = ["young".to_string()].into();
        assert!(!matches(&o, &other, on));
        let mut other = potter();
        other.profile = "micro_entrepreneur".into();
        assert!(!matches(&o, &other, on));
        let mut other = potter();
        other.capacity = Some(299);
        assert!(!matches(&o, &other, on));
        other.capacity = None;
        assert!(!matches(&o, &other, on));
        let muni = opp(
            3,
            "2026-12-01",
            "2026-12-31",
            Fit {
                municipalities: ["Cuautla".to_string()].into(),
                ..Fit::default()
            },
        );
        assert!(!matches(&muni, &potter(), on));
        // After the deadline nothing matches; on the deadline it still does.
        assert!(matches(&o, &potter(), d("2026-12-31")));
        assert!(!matches(&o, &potter(), d("2027-01-01")));
    }

    #[test]
    fn r_info_1_para_ti_lists_newest_then_closest_deadline() {
        let on = d("2026-12-05");
        let a = opp(1, "2026-11-20", "2026-12-10", Fit::default());
        let b = opp(2, "2026-12-01", "2027-01-31", Fit::default());
        let c = opp(3, "2026-12-01", "2026-12-15", Fit::default());
        let closed = opp(4, "2026-12-02", "2026-12-04", Fit::default());
        let elsewhere = opp(
            5,
            "2026-12-03",
            "2026-12-30",
            Fit {
                states: ["Oaxaca".to_string()].into(),
                ..Fit::default()
            },
        );
        let all = [a, b, c, closed, elsewhere];
        let ids: Vec<i64> = para_ti(&all, &potter(), on).iter().map(|o| o.id).collect();
        assert_eq!(ids, vec![3, 2, 1]);
    }

    #[test]
    fn r_info_1_a_bad_opportunity_names_its_field() {
        let err = Opportunity::new(
            1,
            Kind::Training,
            "Taller",
            "x",
            d("2026-12-05"),
            d("2026-12-01"),
            Fit::default(),
            Scope::Odf,
        )
        .unwrap_err();
        assert_eq!(err.field(), "deadline");
        let err = Opportunity::new(
            1,
            Kind::Training,
            "Ta\u{7}ller",
            "x",
            d("2026-12-05"),
            d("2026-12-06"),
            Fit::default(),
            Scope::Odf,
        )
        .unwrap_err();
        assert_eq!(err.field(), "title");
        let bad = Fit {
            programmes: ["martians".to_string()].into(),
            ..Fit::default()
        };
        let err = Opportunity::new(
            1,
            Kind::Training,
            "Taller",
            "x",
            d("2026-12-05"),
            d("2026-12-06"),
            bad,
            Scope::Odf,
        )
        .unwrap_err();
        assert_eq!(err.field(), "programmes");
        assert_eq!(Kind::parse("nope").unwrap_err().field, "kind");
    }
}
