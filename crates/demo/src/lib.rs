//! Deterministic demo data: development organisations (ODFs), their members, roles and a year
//! of union dues, generated from a seed (PROGRAMME.md R-ORG-1..6).
//!
//! [`DemoSpec::morelos_union`] is the union of 4,000 potters of Morelos (seeds 000/001);
//! [`DemoSpec::national`] is a national-scale data set of 1,000,000 members in 2,000
//! organisations across the Mexican states and trades. Everything is produced one organisation
//! at a time ([`org`], [`dues_entries`]), so a national run never holds more than one
//! organisation in memory.
//!
//! Pure: no IO, no clock, no async, no floating point. The generator is a SplitMix64 written
//! here, so a seed gives the same data on every run and platform. Members are valid for the
//! registry (CURPs built from the person, check digit included, unique per organisation) and
//! every dues entry is validated against the chart before it is handed out.
//!
//! What it deliberately does not know: storage and ids (the store assigns member ids; callers
//! pass them back in [`OrgPlan::roles_for`] and [`dues_entries`]), real people (every name
//! is drawn from common Spanish names; the union's founding catalyst is a fictional adviser),
//! and any rule beyond who is who and dues. [`fund`], [`trade`] and [`credit`] describe the
//! union's Fund year, purchasing round and export order, and credit scenario as plain data (the
//! app applies them through its rules).

pub mod credit;
mod curp;
mod data;
pub mod fund;
mod rng;
pub mod trade;

use chrono::{Datelike, Days, Months, NaiveDate};
use data::{State, Trade};
use ledger::{Account, AccountCode, Currency, EntryDraft, Money, Posting, ValidEntry};
use registry::{
    Committee, Curp, LetterOfCommitment, NewMember, NewRoleAssignment, Profile, Rfc, Role, Sex,
    TargetProgramme,
};
use rng::{hash, Rng};
use std::collections::{BTreeSet, HashSet};
use store::NewOrg;

/// What to generate. The same spec always gives the same data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoSpec {
    pub seed: u64,
    pub orgs: u32,
    pub members_per_org: u32,
    pub dues_months: u32,
    pub start: NaiveDate,
}

impl DemoSpec {
    /// The potters' union of seeds 000/001: one organisation, 4,000 members, a year of dues
    /// from 2025-01-01.
    pub fn morelos_union() -> Self {
        DemoSpec {
            seed: 1991,
            orgs: 1,
            members_per_org: 4_000,
            dues_months: 12,
            start: date(2025, 1, 1),
        }
    }

    /// National scale: 1,000,000 members in 2,000 organisations (the first is the union).
    pub fn national() -> Self {
        DemoSpec {
            orgs: 2_000,
            members_per_org: 500,
            ..DemoSpec::morelos_union()
        }
    }
}

/// The first members of every organisation, who found it on `start`; the board is elected
/// among them. The seed's union began with representatives of 20 ceramic businesses.
pub const FOUNDERS: u32 = 20;
/// Everybody else joins within this many days after `start`, in the order of `members`.
pub const ENROLMENT_DAYS: u32 = 90;
/// Board seats of elected member representatives (R-ORG-5).
pub const BOARD_SEATS: usize = 7;

/// A role as planned, before the store has given the members their ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedRole {
    pub person_name: String,
    /// Position of the holder in [`OrgPlan::members`]; `None` for people who are not
    /// members (staff, support committee, volunteers).
    pub member_index: Option<usize>,
    pub role: Role,
    pub from: NaiveDate,
}

/// One organisation, ready to persist: create `org`, import `members` in order, then assign
/// `roles_for(ids)` and post [`dues_entries`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgPlan {
    pub org: NewOrg,
    pub members: Vec<NewMember>,
    pub roles: Vec<PlannedRole>,
    /// R-ORG-6: the person who founded the group and is deliberately not a member; only the
    /// union (organisation 0) has one. She sits on the support committee, never on the board.
    pub catalyst: Option<String>,
}

impl OrgPlan {
    /// The role assignments, with the ids the store gave `members` (in the same order).
    ///
    /// # Panics
    /// If `member_ids` does not have one id per member: that is a caller's bug, and
    /// guessing would put a board seat on the wrong person.
    pub fn roles_for(&self, member_ids: &[i64]) -> Vec<NewRoleAssignment> {
        assert_eq!(
            member_ids.len(),
            self.members.len(),
            "roles_for needs one id per member, in the order of `members`"
        );
        self.roles
            .iter()
            .map(|r| NewRoleAssignment {
                person_name: r.person_name.clone(),
                member_id: r.member_index.map(|i| member_ids[i]),
                role: r.role,
                from: r.from,
            })
            .collect()
    }
}

/// Every organisation of the spec, generated one at a time as the iterator is driven.
pub fn orgs(spec: &DemoSpec) -> impl Iterator<Item = OrgPlan> + Send + 'static {
    let spec = *spec;
    (0..spec.orgs).map(move |index| org(&spec, index))
}

/// Organisation `index` of the spec: 0 is the potters' union of Morelos, the others spread
/// over Mexico's states and trades.
pub fn org(spec: &DemoSpec, index: u32) -> OrgPlan {
    let identity = identity(spec, index);
    let members = members(spec, index, &identity);
    let (roles, catalyst) = roles(spec, index, &identity, &members);
    OrgPlan {
        org: identity.org,
        members,
        roles,
        catalyst,
    }
}

/// Who an organisation is, without its members (cheap: dues need only the settings).
struct Identity {
    org: NewOrg,
    trade: &'static Trade,
    state: &'static State,
    union: bool,
}

fn identity(spec: &DemoSpec, index: u32) -> Identity {
    if index == 0 {
        return Identity {
            org: NewOrg {
                slug: "alfareros-morelos".into(),
                name: "Unión de Alfareros de Morelos".into(),
                group_name: "Grupo de Proyecto Microempresarial de Alfareros de Morelos".into(),
                state: data::MORELOS.name.into(),
                municipality: "Tlayacapan".into(),
                trade: data::POTTERY.name.into(),
                founded_on: spec.start,
                currency: Currency::MXN,
                // R-ORG-6 settings: MXN 50.00 a month.
                dues_amount_minor: 5_000,
                dues_period_months: 1,
            },
            trade: &data::POTTERY,
            state: &data::MORELOS,
            union: true,
        };
    }
    let mut rng = Rng::new(hash(&[spec.seed, u64::from(index), 1]));
    let trade = rng.pick(&data::TRADES);
    let state = if rng.chance(750) {
        let code = rng.pick(trade.home_states);
        data::STATES
            .iter()
            .find(|s| s.code == *code)
            .unwrap_or(&data::MORELOS)
    } else {
        rng.pick(&data::STATES)
    };
    let municipality = *rng.pick(state.municipalities);
    let kind = rng.pick(&data::GROUP_KINDS);
    let dues_amount_minor = 3_000 + 500 * rng.below(15) as i64;
    Identity {
        org: NewOrg {
            slug: slug(&format!("{}-{municipality}-{index:04}", trade.group_noun)),
            name: format!("{kind} de {} de {municipality}", trade.group_noun),
            group_name: format!(
                "Grupo de Proyecto Microempresarial de {} de {municipality}",
                trade.group_noun
            ),
            state: state.name.into(),
            municipality: municipality.into(),
            trade: trade.name.into(),
            founded_on: spec.start,
            currency: Currency::MXN,
            dues_amount_minor,
            dues_period_months: 1,
        },
        trade,
        state,
        union: false,
    }
}

/// `[a-z0-9-]`: accents folded, anything else a single dash.
fn slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let c = match c {
            'á' | 'Á' => 'a',
            'é' | 'É' => 'e',
            'í' | 'Í' => 'i',
            'ó' | 'Ó' => 'o',
            'ú' | 'Ú' | 'ü' => 'u',
            'ñ' | 'Ñ' => 'n',
            c if c.is_ascii_alphanumeric() => c.to_ascii_lowercase(),
            _ => '-',
        };
        if c != '-' || !(out.is_empty() || out.ends_with('-')) {
            out.push(c);
        }
    }
    out.trim_end_matches('-').to_string()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

/// The day member `i` of `n` joins: founders on `start`, the rest spread over the following
/// [`ENROLMENT_DAYS`] in order. A function of the position alone, so dues need no members.
fn join_date(start: NaiveDate, i: usize, n: u32) -> NaiveDate {
    let (i, n, f) = (i as u64, u64::from(n), u64::from(FOUNDERS));
    if i < f || n <= f {
        return start;
    }
    let offset = 1 + (i - f) * u64::from(ENROLMENT_DAYS - 1) / (n - f);
    start + Days::new(offset)
}

/// A birth date `age` whole years before `start` (`back` days earlier than the birthday).
fn birth_date(start: NaiveDate, age: u32, back: u64) -> NaiveDate {
    let year = start.year() - age as i32;
    let birthday = start
        .with_year(year)
        .or_else(|| NaiveDate::from_ymd_opt(year, start.month(), 28))
        .unwrap_or(start);
    birthday - Days::new(back)
}

fn members(spec: &DemoSpec, index: u32, identity: &Identity) -> Vec<NewMember> {
    let n = spec.members_per_org;
    let mut rng = Rng::new(hash(&[spec.seed, u64::from(index), 2]));
    let mut taken: HashSet<[u8; 17]> = HashSet::with_capacity(n as usize);
    (0..n as usize)
        .map(|i| {
            member(
                &mut rng,
                spec,
                identity,
                join_date(spec.start, i, n),
                &mut taken,
            )
        })
        .collect()
}

fn member(
    rng: &mut Rng,
    spec: &DemoSpec,
    identity: &Identity,
    joined_on: NaiveDate,
    taken: &mut HashSet<[u8; 17]>,
) -> NewMember {
    let trade = identity.trade;
    loop {
        let roll = rng.below(1_000);
        let sex = if roll < 3 {
            Sex::NonBinary
        } else if roll < 3 + trade.women_per_mille {
            Sex::Female
        } else {
            Sex::Male
        };
        let given = match sex {
            Sex::Female => *rng.pick(&data::FEMALE_NAMES),
            Sex::Male => *rng.pick(&data::MALE_NAMES),
            Sex::NonBinary => *rng.pick(&data::NEUTRAL_NAMES),
        };
        let first = *rng.pick(&data::SURNAMES);
        let second = *rng.pick(&data::SURNAMES);
        // 18 to 80 at the start, most in mid-life (sum of two uniform draws).
        let age = 18 + rng.below(32) as u32 + rng.below(32) as u32;
        let birth = birth_date(spec.start, age, rng.below(364));
        let (municipality, indigenous_per_mille) = if identity.union {
            *rng.pick_weighted(&data::MORELOS_MUNICIPALITIES)
        } else {
            (
                *rng.pick(identity.state.municipalities),
                identity.state.indigenous_per_mille,
            )
        };
        let born_in = if identity.union {
            *rng.pick_weighted(&data::MORELOS_BIRTH_STATES)
        } else {
            match rng.below(1_000) {
                0..=4 => "NE",
                5..=99 => rng.pick(&data::STATES).code,
                _ => identity.state.code,
            }
        };
        let sex_letter = match sex {
            Sex::Female => b'M',
            Sex::Male => b'H',
            Sex::NonBinary => b'X',
        };
        let head = curp::curp16(given, first, second, birth, sex_letter, born_in);
        // RENAPO's homoclave tells apart people whose first 16 characters agree.
        let mut key = [0u8; 17];
        key[..16].copy_from_slice(&head);
        let Some(homoclave) = curp::homoclaves(birth).iter().copied().find(|h| {
            key[16] = *h;
            !taken.contains(&key)
        }) else {
            continue; // every homoclave taken: draw another person
        };
        key[16] = homoclave;
        taken.insert(key);
        let first17 = std::str::from_utf8(&key).unwrap_or_default();
        let curp = Curp::with_check_digit(first17).expect("a CURP built from a person is valid");

        let rfc = rng.chance(350).then(|| {
            let alphabet = b"ABCDEFGHJKLMNPQRSTUVWXYZ0123456789";
            let mut text = String::with_capacity(13);
            text.push_str(&first17[..10]);
            for _ in 0..3 {
                text.push(*rng.pick(alphabet) as char);
            }
            Rfc::parse(&text).expect("an RFC built from a CURP's letters and date is valid")
        });
        let household_size = 1
            + rng.below(3)
            + rng.below(3)
            + rng.below(3)
            + if rng.chance(50) { rng.below(6) } else { 0 };
        let profile = if rng.chance(600) {
            Profile::MicroProducer
        } else {
            Profile::MicroEntrepreneur
        };
        // R-ORG-4: declared programmes only; women, young and elderly are derived.
        let mut declared = BTreeSet::new();
        for (programme, per_mille) in [
            (TargetProgramme::PopularArt, trade.popular_art_per_mille),
            (TargetProgramme::Indigenous, indigenous_per_mille),
            (TargetProgramme::Inventors, trade.inventors_per_mille),
            (TargetProgramme::Disabled, 30),
            (TargetProgramme::ArtisticCultural, 40),
        ] {
            if rng.chance(per_mille) {
                declared.insert(programme);
            }
        }
        return NewMember {
            curp,
            rfc,
            given_names: given.into(),
            surnames: format!("{first} {second}"),
            sex,
            birth_date: birth,
            municipality: municipality.into(),
            // Members live in the organisation's state, wherever they were born.
            state: identity.state.name.into(),
            trade: (*rng.pick(trade.branches)).into(),
            household_size: household_size as u16,
            profile,
            declared_programmes: declared,
            joined_on,
            letter: LetterOfCommitment {
                signed_on: joined_on,
            },
        };
    }
}

/// A name for someone who is not a member (staff, support committee, volunteers), and
/// whether she is a woman (for the Spanish title).
fn outsider(rng: &mut Rng) -> (String, bool) {
    let woman = rng.chance(500);
    let given = if woman {
        rng.pick(&data::FEMALE_NAMES)
    } else {
        rng.pick(&data::MALE_NAMES)
    };
    let name = format!(
        "{given} {} {}",
        rng.pick(&data::SURNAMES),
        rng.pick(&data::SURNAMES)
    );
    (name, woman)
}

/// R-ORG-6: the union's founder, fictional, who is deliberately not a member and has no vote.
const CATALYST: &str =
    "Rosa Elena Villaseñor Trujillo (catalizadora fundadora, asesora; no es socia)";

/// R-ORG-5 roles: a Director General and staff who are not members, a board of elected
/// members, a support committee of outside players, specialised and innovation committees,
/// volunteers.
fn roles(
    spec: &DemoSpec,
    index: u32,
    identity: &Identity,
    members: &[NewMember],
) -> (Vec<PlannedRole>, Option<String>) {
    let mut rng = Rng::new(hash(&[spec.seed, u64::from(index), 3]));
    let start = spec.start;
    let mut roles = Vec::new();
    let not_member = |role: Role, label: String| PlannedRole {
        person_name: label,
        member_index: None,
        role,
        from: start,
    };
    let (name, woman) = outsider(&mut rng);
    let title = if woman {
        "Directora General"
    } else {
        "Director General"
    };
    roles.push(not_member(
        Role::DirectorGeneral,
        format!("Lic. {name} ({title})"),
    ));
    let staff_posts = if identity.union { 4 } else { 2 };
    for (title, what) in data::STAFF_POSTS.iter().take(staff_posts) {
        let (name, _) = outsider(&mut rng);
        roles.push(not_member(Role::Staff, format!("{title} {name} ({what})")));
    }

    // The board: elected representatives among the founders.
    let member_role = |i: usize, role: Role| PlannedRole {
        person_name: format!("{} {}", members[i].given_names, members[i].surnames),
        member_index: Some(i),
        role,
        from: members[i].joined_on,
    };
    for i in 0..members.len().min(BOARD_SEATS) {
        roles.push(member_role(i, Role::BoardMember));
    }

    // The support committee: the catalyst first (union only), then local, national and
    // external players. None of them is a member; none votes (R-GOV-1).
    let catalyst = identity.union.then(|| CATALYST.to_string());
    if let Some(c) = &catalyst {
        roles.push(not_member(Role::SupportCommittee, c.clone()));
    }
    let seats = if identity.union { 4 } else { 2 };
    for seat in data::SUPPORT_SEATS.iter().take(seats) {
        let (name, _) = outsider(&mut rng);
        roles.push(not_member(
            Role::SupportCommittee,
            format!("{name} ({seat})"),
        ));
    }

    // Specialised committees and the innovation committee, from members beyond the board.
    let committees: &[Committee] = if identity.union {
        &[
            Committee::ProductionEngineering,
            Committee::Financing,
            Committee::Marketing,
            Committee::EnvironmentalProtection,
            Committee::Acquisitions,
            Committee::EqualDevelopment,
        ]
    } else {
        &[
            Committee::ProductionEngineering,
            Committee::Financing,
            Committee::Marketing,
        ]
    };
    let per_committee = if identity.union { 3 } else { 2 };
    let mut pool: Vec<usize> = (BOARD_SEATS.min(members.len())..members.len().min(400)).collect();
    let mut draw = |rng: &mut Rng| -> Option<usize> {
        (!pool.is_empty()).then(|| pool.swap_remove(rng.below(pool.len() as u64) as usize))
    };
    for committee in committees {
        for _ in 0..per_committee {
            if let Some(i) = draw(&mut rng) {
                roles.push(member_role(i, Role::SpecialisedCommittee(*committee)));
            }
        }
    }
    for _ in 0..2 {
        if let Some(i) = draw(&mut rng) {
            roles.push(member_role(i, Role::InnovationCommittee));
        }
    }
    let volunteers = if identity.union { 2 } else { 1 };
    for _ in 0..volunteers {
        let (name, _) = outsider(&mut rng);
        roles.push(not_member(
            Role::Volunteer,
            format!("{name} (servicio social)"),
        ));
    }
    (roles, catalyst)
}

/// R-ORG-6 dues of organisation `org_index`, in date order: each period a charge per member
/// active on its first day (debit `members:{id}:dues-receivable`, credit `odf:income:dues`,
/// the organisation's `dues_amount_minor`), and for most members the payment that month
/// (debit `odf:bank`, credit the receivable). A deterministic minority is in arrears: some
/// miss months, a few stop paying. Keys are `dues:charge:2025-03:{id}` and
/// `dues:payment:2025-03:{id}`, unique per organisation.
///
/// `member_ids` are the ids the store gave [`OrgPlan::members`], in that order. Every entry
/// has been validated against `Account::odf_chart()` and each member's accounts.
pub fn dues_entries<'a>(
    spec: &DemoSpec,
    org_index: u32,
    member_ids: &'a [i64],
) -> impl Iterator<Item = ValidEntry> + Send + 'a {
    let org = identity(spec, org_index).org;
    let months = if org.dues_amount_minor > 0 {
        spec.dues_months
    } else {
        0
    };
    DuesEntries {
        spec: *spec,
        org_index,
        ids: member_ids,
        amount: Money::new(org.dues_amount_minor, org.currency),
        period_months: org.dues_period_months.max(1),
        months,
        month: 0,
        member: 0,
        charge_date: spec.start,
        period: String::new(),
        charge_memo: String::new(),
        payment_memo: String::new(),
        dues_income: ledger::account::codes::dues_income(),
        odf_bank: ledger::account::codes::odf_bank(),
        pending: None,
        chart: Chart::new(member_ids),
    }
}

/// The accounts an entry may touch: the ODF chart plus the given members' accounts. Looked
/// up without hashing strings, since it answers for every posting of a national run.
struct Chart {
    odf: Vec<(AccountCode, Currency)>,
    member_suffixes: Vec<(String, Currency)>,
    sorted_ids: Vec<i64>,
}

impl Chart {
    fn new(ids: &[i64]) -> Self {
        let odf = Account::odf_chart()
            .into_iter()
            .map(|a| (a.code, a.currency))
            .collect();
        let member_suffixes = Account::member_accounts(0)
            .into_iter()
            .filter_map(|a| {
                let suffix = a.code.as_str().strip_prefix("members:0:")?.to_string();
                Some((suffix, a.currency))
            })
            .collect();
        let mut sorted_ids = ids.to_vec();
        sorted_ids.sort_unstable();
        Chart {
            odf,
            member_suffixes,
            sorted_ids,
        }
    }

    fn currency(&self, code: &AccountCode) -> Option<Currency> {
        match code.as_str().strip_prefix("members:") {
            Some(rest) => {
                let (id, suffix) = rest.split_once(':')?;
                let id: i64 = id.parse().ok()?;
                self.sorted_ids.binary_search(&id).ok()?;
                self.member_suffixes
                    .iter()
                    .find(|(s, _)| s == suffix)
                    .map(|(_, c)| *c)
            }
            None => self.odf.iter().find(|(c, _)| c == code).map(|(_, c)| *c),
        }
    }
}

struct DuesEntries<'a> {
    spec: DemoSpec,
    org_index: u32,
    ids: &'a [i64],
    amount: Money,
    period_months: u32,
    months: u32,
    month: u32,
    member: usize,
    charge_date: NaiveDate,
    /// `2025-03`, the period being charged, and the memos that name it.
    period: String,
    charge_memo: String,
    payment_memo: String,
    dues_income: AccountCode,
    odf_bank: AccountCode,
    pending: Option<ValidEntry>,
    chart: Chart,
}

/// How a member pays dues (per mille of members): most always, some miss months, a few stop.
enum Habit {
    Regular,
    Irregular,
    Lapses { from_month: u32 },
}

impl DuesEntries<'_> {
    fn habit(&self, i: usize) -> Habit {
        let h = hash(&[self.spec.seed, u64::from(self.org_index), i as u64, 4]);
        match h % 1_000 {
            0..=879 => Habit::Regular,
            880..=959 => Habit::Irregular,
            _ => Habit::Lapses {
                from_month: 1 + ((h >> 20) % u64::from(self.months.max(2) - 1)) as u32,
            },
        }
    }

    fn pays(&self, i: usize) -> bool {
        let roll = |salt: u64| {
            hash(&[
                self.spec.seed,
                u64::from(self.org_index),
                i as u64,
                u64::from(self.month),
                salt,
            ]) % 1_000
        };
        match self.habit(i) {
            Habit::Regular => true,
            Habit::Irregular => roll(5) >= 350,
            Habit::Lapses { from_month } => self.month < from_month,
        }
    }

    fn entry(
        &self,
        kind: &str,
        id: i64,
        date: NaiveDate,
        debit: AccountCode,
        credit: AccountCode,
    ) -> ValidEntry {
        let (reason, memo) = if kind == "charge" {
            ("dues.charge", self.charge_memo.clone())
        } else {
            ("dues.payment", self.payment_memo.clone())
        };
        EntryDraft {
            // The same key scheme as `App::charge_dues`, so charging a period the demo already
            // charged can never charge a member twice.
            idempotency_key: format!("dues:{kind}:{}:{id}", self.period),
            reason: reason.into(),
            rule_id: "R-ORG-6".into(),
            date,
            memo,
            postings: vec![
                Posting::new(debit, self.amount),
                Posting::new(
                    credit,
                    Money::new(-self.amount.amount_minor(), self.amount.currency()),
                ),
            ],
            reverses: None,
        }
        .validate(|code| self.chart.currency(code))
        .expect("demo dues entries are built on the chart")
    }

    /// Moves to `month`'s first day (or `start`, if later) and its period label.
    fn enter_month(&mut self) {
        let first = self.spec.start.with_day(1).unwrap_or(self.spec.start);
        self.charge_date = first
            .checked_add_months(Months::new(self.month))
            .unwrap_or(first)
            .max(self.spec.start);
        self.period = format!(
            "{:04}-{:02}",
            self.charge_date.year(),
            self.charge_date.month()
        );
        self.charge_memo = format!("Cuota {}", self.period);
        self.payment_memo = format!("Pago de cuota {}", self.period);
    }
}

impl Iterator for DuesEntries<'_> {
    type Item = ValidEntry;

    fn next(&mut self) -> Option<ValidEntry> {
        if let Some(payment) = self.pending.take() {
            return Some(payment);
        }
        loop {
            if self.month >= self.months {
                return None;
            }
            if self.member == 0 {
                if self.month.checked_rem(self.period_months) != Some(0) {
                    self.month += 1;
                    continue;
                }
                self.enter_month();
            }
            if self.member >= self.ids.len() {
                self.member = 0;
                self.month += 1;
                continue;
            }
            let i = self.member;
            self.member += 1;
            if join_date(self.spec.start, i, self.spec.members_per_org) > self.charge_date {
                continue;
            }
            let id = self.ids[i];
            let receivable = Account::dues_receivable(id);
            let charge = self.entry(
                "charge",
                id,
                self.charge_date,
                receivable.clone(),
                self.dues_income.clone(),
            );
            if self.pays(i) {
                let days = hash(&[
                    self.spec.seed,
                    u64::from(self.org_index),
                    i as u64,
                    u64::from(self.month),
                    6,
                ]) % 25;
                self.pending = Some(self.entry(
                    "payment",
                    id,
                    self.charge_date + Days::new(days),
                    self.odf_bank.clone(),
                    receivable,
                ));
            }
            return Some(charge);
        }
    }
}
