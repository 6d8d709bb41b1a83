//! Roles per ODF and committees (R-ORG-5), and who may decide (R-GOV-1).

use crate::FieldError;
use chrono::NaiveDate;

/// The specialised committees R-ORG-5 names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Committee {
    ProductionEngineering,
    Financing,
    Marketing,
    EnvironmentalProtection,
    EqualDevelopment,
    Technology,
    Acquisitions,
    IndustrialSectors,
}

impl Committee {
    pub const ALL: [Committee; 8] = [
        Committee::ProductionEngineering,
        Committee::Financing,
        Committee::Marketing,
        Committee::EnvironmentalProtection,
        Committee::EqualDevelopment,
        Committee::Technology,
        Committee::Acquisitions,
        Committee::IndustrialSectors,
    ];
    pub fn as_str(&self) -> &'static str {
        match self {
            Committee::ProductionEngineering => "production_engineering",
            Committee::Financing => "financing",
            Committee::Marketing => "marketing",
            Committee::EnvironmentalProtection => "environmental_protection",
            Committee::EqualDevelopment => "equal_development",
            Committee::Technology => "technology",
            Committee::Acquisitions => "acquisitions",
            Committee::IndustrialSectors => "industrial_sectors",
        }
    }
    pub fn parse(text: &str) -> Result<Self, FieldError> {
        Committee::ALL
            .into_iter()
            .find(|c| c.as_str() == text)
            .ok_or_else(|| FieldError::new("committee", format!("'{text}' is not a committee")))
    }
}

/// A role in one ODF (R-ORG-5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    DirectorGeneral,
    Staff,
    BoardMember,
    SupportCommittee,
    SpecialisedCommittee(Committee),
    InnovationCommittee,
    Volunteer,
}

impl Role {
    /// The storage form: `board_member`, `specialised_committee:financing`, ...
    pub fn to_key(&self) -> String {
        match self {
            Role::DirectorGeneral => "director_general".into(),
            Role::Staff => "staff".into(),
            Role::BoardMember => "board_member".into(),
            Role::SupportCommittee => "support_committee".into(),
            Role::SpecialisedCommittee(c) => format!("specialised_committee:{}", c.as_str()),
            Role::InnovationCommittee => "innovation_committee".into(),
            Role::Volunteer => "volunteer".into(),
        }
    }
    pub fn from_key(key: &str) -> Result<Self, FieldError> {
        Ok(match key {
            "director_general" => Role::DirectorGeneral,
            "staff" => Role::Staff,
            "board_member" => Role::BoardMember,
            "support_committee" => Role::SupportCommittee,
            "innovation_committee" => Role::InnovationCommittee,
            "volunteer" => Role::Volunteer,
            other => match other.strip_prefix("specialised_committee:") {
                Some(c) => Role::SpecialisedCommittee(Committee::parse(c)?),
                None => return Err(FieldError::new("role", format!("'{other}' is not a role"))),
            },
        })
    }
    /// R-GOV-1: only the board votes on decisions of the group. Support-committee members,
    /// advisers, donors and lenders may recommend, propose and comment, never vote.
    pub fn may_vote(&self) -> bool {
        matches!(self, Role::BoardMember)
    }
}

/// A role given to a person in an ODF for a period. `member_id` is set when the holder is a
/// member; staff and support-committee members are often not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRoleAssignment {
    pub person_name: String,
    pub member_id: Option<i64>,
    pub role: Role,
    pub from: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleAssignment {
    pub id: i64,
    pub org_id: i64,
    pub person_name: String,
    pub member_id: Option<i64>,
    pub role: Role,
    pub from: NaiveDate,
    pub until: Option<NaiveDate>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_keys_round_trip() {
        for role in [
            Role::DirectorGeneral,
            Role::BoardMember,
            Role::SpecialisedCommittee(Committee::Financing),
            Role::Volunteer,
        ] {
            assert_eq!(Role::from_key(&role.to_key()), Ok(role));
        }
    }

    #[test]
    fn r_gov_1_only_the_board_votes() {
        assert!(Role::BoardMember.may_vote());
        for r in [
            Role::SupportCommittee,
            Role::Staff,
            Role::DirectorGeneral,
            Role::InnovationCommittee,
            Role::Volunteer,
        ] {
            assert!(!r.may_vote(), "{r:?}");
        }
    }
}
