//! Members (R-ORG-2), their profile (R-ORG-3) and target programmes (R-ORG-4).

use crate::{Curp, FieldError, Rfc};
use chrono::{Datelike, NaiveDate};
use std::collections::BTreeSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Sex {
    Female,
    Male,
    NonBinary,
}

impl Sex {
    pub fn as_str(&self) -> &'static str {
        match self {
            Sex::Female => "F",
            Sex::Male => "M",
            Sex::NonBinary => "X",
        }
    }
    /// Accepts `F`/`M`/`X` and the CURP letters `M` (mujer) / `H` (hombre) in Spanish forms
    /// via [`Sex::from_curp_letter`]; this one is the storage form.
    pub fn parse(text: &str) -> Result<Self, FieldError> {
        match text.trim().to_uppercase().as_str() {
            "F" | "MUJER" => Ok(Sex::Female),
            "M" | "HOMBRE" => Ok(Sex::Male),
            "X" | "NO BINARIO" => Ok(Sex::NonBinary),
            other => Err(FieldError::new(
                "sex",
                format!("'{other}' must be F, M or X"),
            )),
        }
    }
    pub fn from_curp_letter(letter: char) -> Sex {
        match letter {
            'M' => Sex::Female,
            'H' => Sex::Male,
            _ => Sex::NonBinary,
        }
    }
}

/// R-ORG-3: which functions the member keeps and which the ODF does for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Profile {
    /// Does acquisition, sales promotion and administration themself.
    MicroEntrepreneur,
    /// Produces; the ODF does purchasing, sales and administration by default.
    MicroProducer,
}

impl Profile {
    pub fn as_str(&self) -> &'static str {
        match self {
            Profile::MicroEntrepreneur => "micro_entrepreneur",
            Profile::MicroProducer => "micro_producer",
        }
    }
    pub fn parse(text: &str) -> Result<Self, FieldError> {
        match text.trim() {
            "micro_entrepreneur" | "microempresario" => Ok(Profile::MicroEntrepreneur),
            "micro_producer" | "microproductor" => Ok(Profile::MicroProducer),
            other => Err(FieldError::new(
                "profile",
                format!("'{other}' must be micro_entrepreneur or micro_producer"),
            )),
        }
    }
    /// R-ORG-3: a micro-producer's purchasing, sales and administration are done by the ODF.
    pub fn odf_does_purchasing_sales_admin(&self) -> bool {
        matches!(self, Profile::MicroProducer)
    }
}

/// R-ORG-4: the target programmes. Women, young and elderly are derived; the rest declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TargetProgramme {
    Inventors,
    Women,
    Young,
    Elderly,
    Disabled,
    ArtisticCultural,
    PopularArt,
    Indigenous,
}

impl TargetProgramme {
    pub const ALL: [TargetProgramme; 8] = [
        TargetProgramme::Inventors,
        TargetProgramme::Women,
        TargetProgramme::Young,
        TargetProgramme::Elderly,
        TargetProgramme::Disabled,
        TargetProgramme::ArtisticCultural,
        TargetProgramme::PopularArt,
        TargetProgramme::Indigenous,
    ];
    pub fn as_str(&self) -> &'static str {
        match self {
            TargetProgramme::Inventors => "inventors",
            TargetProgramme::Women => "women",
            TargetProgramme::Young => "young",
            TargetProgramme::Elderly => "elderly",
            TargetProgramme::Disabled => "disabled",
            TargetProgramme::ArtisticCultural => "artistic_cultural",
            TargetProgramme::PopularArt => "popular_art",
            TargetProgramme::Indigenous => "indigenous",
        }
    }
    pub fn parse(text: &str) -> Result<Self, FieldError> {
        TargetProgramme::ALL
            .into_iter()
            .find(|p| p.as_str() == text.trim())
            .ok_or_else(|| {
                FieldError::new(
                    "programmes",
                    format!("'{}' is not a target programme", text.trim()),
                )
            })
    }
    /// Whether a member may declare this programme; derived ones come from sex and age.
    pub fn is_declared(&self) -> bool {
        !matches!(
            self,
            TargetProgramme::Women | TargetProgramme::Young | TargetProgramme::Elderly
        )
    }
}

/// R-ORG-4 settings: under `young_below_years` is young; `elderly_from_years` and over elderly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TargetSettings {
    pub young_below_years: u32,
    pub elderly_from_years: u32,
}

impl Default for TargetSettings {
    fn default() -> Self {
        TargetSettings {
            young_below_years: 30,
            elderly_from_years: 60,
        }
    }
}

/// R-ORG-2: the six undertakings of the Letter of Commitment, in the order the seed lists them.
pub const UNDERTAKINGS: [&str; 6] = [
    "Acordar un plan de negocios y compartir utilidades con la ODF",
    "Aportar regularmente al Fondo de Competitividad y Desarrollo",
    "Compartir experiencia y capacitar a otros socios",
    "Actuar para elevar la capacidad colectiva del grupo",
    "Asumir compromisos particulares cuando se requiera",
    "Nombrar representantes ante el Consejo de Administración",
];

/// The signed Letter of Commitment: a member joins only when all six undertakings are accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LetterOfCommitment {
    pub signed_on: NaiveDate,
}

/// A member as registered (R-ORG-2), before the store gives it an id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMember {
    pub curp: Curp,
    pub rfc: Option<Rfc>,
    pub given_names: String,
    pub surnames: String,
    pub sex: Sex,
    pub birth_date: NaiveDate,
    pub municipality: String,
    pub state: String,
    pub trade: String,
    pub household_size: u16,
    pub profile: Profile,
    /// Declared programmes only (R-ORG-4); derived ones are computed by [`NewMember::programmes`].
    pub declared_programmes: BTreeSet<TargetProgramme>,
    pub joined_on: NaiveDate,
    pub letter: LetterOfCommitment,
}

/// A registered member. Leaving records date and reason and never deletes history (R-ORG-2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub id: i64,
    pub org_id: i64,
    pub data: NewMember,
    pub left_on: Option<NaiveDate>,
    pub leave_reason: Option<String>,
}

impl Member {
    pub fn is_active_on(&self, date: NaiveDate) -> bool {
        self.data.joined_on <= date && self.left_on.is_none_or(|left| date < left)
    }
}

/// R-ORG-2: what the registry lets staff change about a member after they joined: names (a
/// correction, a marriage), RFC, where they live, trade, household, profile (R-ORG-3) and
/// declared programmes (R-ORG-4). The CURP, and the sex and birth date it encodes, identify the
/// person; joining, the Letter of Commitment and leaving are history: none of them changes here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberEdit {
    pub rfc: Option<Rfc>,
    pub given_names: String,
    pub surnames: String,
    pub municipality: String,
    pub state: String,
    pub trade: String,
    pub household_size: u16,
    pub profile: Profile,
    pub declared_programmes: BTreeSet<TargetProgramme>,
}

impl MemberEdit {
    /// The editable fields as they are now (a form's starting values).
    pub fn of(member: &NewMember) -> MemberEdit {
        MemberEdit {
            rfc: member.rfc.clone(),
            given_names: member.given_names.clone(),
            surnames: member.surnames.clone(),
            municipality: member.municipality.clone(),
            state: member.state.clone(),
            trade: member.trade.clone(),
            household_size: member.household_size,
            profile: member.profile,
            declared_programmes: member.declared_programmes.clone(),
        }
    }

    /// The member with this edit applied (text trimmed), checked as a new member is
    /// ([`NewMember::check`]): the first field that fails is named.
    pub fn apply(&self, member: &NewMember) -> Result<NewMember, FieldError> {
        let mut next = member.clone();
        next.rfc = self.rfc.clone();
        next.given_names = self.given_names.trim().to_string();
        next.surnames = self.surnames.trim().to_string();
        next.municipality = self.municipality.trim().to_string();
        next.state = self.state.trim().to_string();
        next.trade = self.trade.trim().to_string();
        next.household_size = self.household_size;
        next.profile = self.profile;
        next.declared_programmes = self.declared_programmes.clone();
        next.check()?;
        Ok(next)
    }

    /// The names of the fields whose values differ between `before` and `after`.
    pub fn changed_fields(before: &NewMember, after: &NewMember) -> Vec<&'static str> {
        let (a, b) = (MemberEdit::of(before), MemberEdit::of(after));
        let mut out = Vec::new();
        let mut diff = |field, changed: bool| {
            if changed {
                out.push(field)
            }
        };
        diff("rfc", a.rfc != b.rfc);
        diff("given_names", a.given_names != b.given_names);
        diff("surnames", a.surnames != b.surnames);
        diff("municipality", a.municipality != b.municipality);
        diff("state", a.state != b.state);
        diff("trade", a.trade != b.trade);
        diff("household_size", a.household_size != b.household_size);
        diff("profile", a.profile != b.profile);
        diff("programmes", a.declared_programmes != b.declared_programmes);
        out
    }
}

/// Whole years from `birth` to `on`.
pub fn age_years(birth: NaiveDate, on: NaiveDate) -> u32 {
    let mut years = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    years.max(0) as u32
}

impl NewMember {
    /// Cross-field checks a form or CSV row must pass: names present, the CURP agrees with
    /// the birth date and sex, dates in order, a plausible household, declared programmes only.
    pub fn check(&self) -> Result<(), FieldError> {
        let text = |field: &'static str, value: &str| {
            crate::check_text(field, value, false)?;
            let len = value.trim().chars().count();
            if len == 0 || len > 120 {
                Err(FieldError::new(field, "must have 1 to 120 characters"))
            } else {
                Ok(())
            }
        };
        text("given_names", &self.given_names)?;
        text("surnames", &self.surnames)?;
        text("municipality", &self.municipality)?;
        text("state", &self.state)?;
        text("trade", &self.trade)?;
        if self.curp.birth_date() != Some(self.birth_date) {
            return Err(FieldError::new("birth_date", "does not match the CURP"));
        }
        if Sex::from_curp_letter(self.curp.sex_letter()) != self.sex {
            return Err(FieldError::new("sex", "does not match the CURP"));
        }
        if self.household_size == 0 || self.household_size > 40 {
            return Err(FieldError::new(
                "household_size",
                "must be between 1 and 40",
            ));
        }
        if self.joined_on < self.birth_date {
            return Err(FieldError::new("joined_on", "is before the birth date"));
        }
        if self.letter.signed_on > self.joined_on {
            return Err(FieldError::new(
                "letter_signed_on",
                "a member joins by signing the letter, so it cannot be after joined_on",
            ));
        }
        if let Some(p) = self.declared_programmes.iter().find(|p| !p.is_declared()) {
            return Err(FieldError::new(
                "programmes",
                format!(
                    "'{}' is derived from sex and birth date, not declared",
                    p.as_str()
                ),
            ));
        }
        Ok(())
    }

    /// What a search compares (issue 17): names and CURP, lower case, accents folded, so
    /// "jose" finds "José" and "pena" finds "Peña".
    pub fn search_text(&self) -> String {
        crate::text::fold_for_search(&format!(
            "{} {} {}",
            self.given_names,
            self.surnames,
            self.curp.as_str()
        ))
    }

    /// R-ORG-4: declared programmes plus women, young and elderly derived on `on`.
    pub fn programmes(&self, on: NaiveDate, settings: TargetSettings) -> BTreeSet<TargetProgramme> {
        let mut all = self.declared_programmes.clone();
        if self.sex == Sex::Female {
            all.insert(TargetProgramme::Women);
        }
        let age = age_years(self.birth_date, on);
        if age < settings.young_below_years {
            all.insert(TargetProgramme::Young);
        }
        if age >= settings.elderly_from_years {
            all.insert(TargetProgramme::Elderly);
        }
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guadalupe() -> NewMember {
        let csv = "curp,rfc,given_names,surnames,sex,birth_date,municipality,state,trade,\
                   household_size,profile,programmes,joined_on,letter_signed_on\n\
                   HEGG560427MVZRRL04,,Guadalupe,Hernández García,F,1956-04-27,Tlayacapan,\
                   Morelos,alfarería,4,micro_producer,arte_popular,2025-01-15,2025-01-10\n";
        let on = NaiveDate::from_ymd_opt(2025, 6, 30).unwrap();
        crate::import::parse_members_csv(csv, on).unwrap().remove(0)
    }

    #[test]
    fn r_org_2_an_edit_changes_only_what_the_registry_allows_and_is_checked() {
        let before = guadalupe();
        let mut edit = MemberEdit::of(&before);
        edit.municipality = " Cuernavaca ".into();
        edit.household_size = 5;
        edit.declared_programmes.insert(TargetProgramme::Inventors);
        let after = edit.apply(&before).unwrap();
        assert_eq!(after.municipality, "Cuernavaca");
        assert_eq!(after.household_size, 5);
        // Identity and history stay as they were.
        assert_eq!(
            (
                after.curp.clone(),
                after.sex,
                after.birth_date,
                after.joined_on
            ),
            (
                before.curp.clone(),
                before.sex,
                before.birth_date,
                before.joined_on
            )
        );
        assert_eq!(
            MemberEdit::changed_fields(&before, &after),
            vec!["municipality", "household_size", "programmes"]
        );
        // Bad input names the field and changes nothing.
        let mut bad = MemberEdit::of(&before);
        bad.household_size = 0;
        assert_eq!(bad.apply(&before).unwrap_err().field, "household_size");
        let mut bad = MemberEdit::of(&before);
        bad.surnames = "  ".into();
        assert_eq!(bad.apply(&before).unwrap_err().field, "surnames");
        let mut bad = MemberEdit::of(&before);
        bad.declared_programmes.insert(TargetProgramme::Women);
        assert_eq!(bad.apply(&before).unwrap_err().field, "programmes");
    }

    #[test]
    fn a_search_finds_a_name_typed_without_accents() {
        let m = guadalupe();
        assert!(m.search_text().contains("hernandez garcia"));
        assert!(m
            .search_text()
            .contains(&crate::fold_for_search("HERNÁNDEZ")));
        assert!(m.search_text().contains("hegg560427"));
    }
}
