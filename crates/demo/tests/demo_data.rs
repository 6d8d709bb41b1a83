//! The demo data keeps the programme's rules: valid members (R-ORG-2), derived programmes
//! that make sense (R-ORG-4), the roles of R-ORG-5, the catalyst outside the group and dues
//! that validate (R-ORG-6), all identical for a seed.

use chrono::NaiveDate;
use demo::{dues_entries, org, orgs, DemoSpec, OrgPlan};
use ledger::{Account, ValidEntry};
use registry::{Curp, Role, Sex, TargetProgramme, TargetSettings};
use std::collections::{BTreeMap, HashSet};

/// The one helper: a small national-style spec (the union plus four more organisations),
/// its plans, and each organisation's dues with ids 1..=n as the store would give them.
fn small(seed: u64) -> (DemoSpec, Vec<(OrgPlan, Vec<ValidEntry>)>) {
    let spec = DemoSpec {
        seed,
        orgs: 5,
        members_per_org: 300,
        dues_months: 4,
        start: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
    };
    let generated = (0..spec.orgs)
        .map(|index| {
            let plan = org(&spec, index);
            let ids: Vec<i64> = (1..=plan.members.len() as i64).collect();
            let entries = dues_entries(&spec, index, &ids).collect();
            (plan, entries)
        })
        .collect();
    (spec, generated)
}

#[test]
fn the_same_seed_gives_the_same_data_and_another_seed_other_data() {
    let (_, a) = small(42);
    let (_, b) = small(42);
    let (_, c) = small(43);
    assert_eq!(a, b);
    assert_ne!(a[0].0.members, c[0].0.members);
    assert_ne!(a[1].0.org, c[1].0.org);
    // Streaming over the spec gives the same plans as asking for each one.
    let (spec, _) = small(42);
    assert!(orgs(&spec)
        .zip(&a)
        .all(|(streamed, (plan, _))| streamed == *plan));
}

#[test]
fn counts_match_the_spec() {
    let (spec, generated) = small(1);
    assert_eq!(generated.len(), spec.orgs as usize);
    assert_eq!(orgs(&spec).count(), spec.orgs as usize);
    for (plan, _) in &generated {
        assert_eq!(plan.members.len(), spec.members_per_org as usize);
    }
    let slugs: HashSet<&str> = generated.iter().map(|(p, _)| p.org.slug.as_str()).collect();
    assert_eq!(slugs.len(), generated.len(), "slugs are unique");
    let union = DemoSpec::morelos_union();
    assert_eq!(
        (union.orgs, union.members_per_org, union.dues_months),
        (1, 4_000, 12)
    );
    let national = DemoSpec::national();
    assert_eq!(
        u64::from(national.orgs) * u64::from(national.members_per_org),
        1_000_000
    );
}

#[test]
fn r_org_1_organisation_0_is_the_potters_union_of_morelos() {
    let (_, generated) = small(1);
    let union = &generated[0].0;
    assert_eq!(union.org.name, "Unión de Alfareros de Morelos");
    assert_eq!(union.org.slug, "alfareros-morelos");
    assert_eq!(union.org.state, "Morelos");
    assert_eq!(union.org.trade, "alfarería");
    assert_eq!(union.org.dues_amount_minor, 5_000);
    let places: HashSet<&str> = union
        .members
        .iter()
        .map(|m| m.municipality.as_str())
        .collect();
    for place in ["Tlayacapan", "Temixco", "Tepoztlán", "Cuernavaca"] {
        assert!(places.contains(place), "{place}");
    }
    // The other organisations are spread over states and trades.
    let states: HashSet<&str> = generated[1..]
        .iter()
        .map(|(p, _)| p.org.state.as_str())
        .collect();
    assert!(states.len() > 1);
}

#[test]
fn r_org_2_every_member_is_valid_and_curps_are_unique_per_organisation() {
    let (spec, generated) = small(5);
    for (plan, _) in &generated {
        let mut curps = HashSet::new();
        for m in &plan.members {
            m.check()
                .unwrap_or_else(|e| panic!("{}: {e}", m.curp.as_str()));
            assert_eq!(Curp::parse(m.curp.as_str()).as_ref(), Ok(&m.curp));
            assert!(curps.insert(m.curp.clone()), "{} repeated", m.curp.as_str());
            // The CURP's first letter is the first surname's; its state code is a real one.
            let first = m
                .surnames
                .trim_start_matches("de la ")
                .trim_start_matches("del ");
            let first = first.trim_start_matches("de ");
            let initial = first.chars().next().unwrap().to_uppercase().next().unwrap();
            let initial = match initial {
                'Á' => 'A',
                'É' => 'E',
                'Í' => 'I',
                'Ó' => 'O',
                'Ú' => 'U',
                c => c,
            };
            assert_eq!(
                m.curp.as_str().chars().next(),
                Some(initial),
                "{}",
                m.curp.as_str()
            );
            assert_eq!(m.letter.signed_on, m.joined_on);
            assert!(m.joined_on >= spec.start);
            assert!(m.joined_on < spec.start + chrono::Days::new(demo::ENROLMENT_DAYS.into()));
        }
    }
}

#[test]
fn r_org_2_the_whole_union_has_4000_valid_distinct_members_that_export_and_import() {
    let spec = DemoSpec::morelos_union();
    let plan = org(&spec, 0);
    assert_eq!(plan.members.len(), 4_000);
    let curps: HashSet<&str> = plan.members.iter().map(|m| m.curp.as_str()).collect();
    assert_eq!(curps.len(), 4_000);
    let mut text = registry::import::members_csv_header().to_string();
    for m in &plan.members {
        text.push('\n');
        text.push_str(&registry::import::member_to_csv_row(m));
    }
    let today = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    let imported = registry::import::parse_members_csv(&text, today)
        .unwrap_or_else(|errors| panic!("{}", errors[0]));
    assert_eq!(imported, plan.members);
}

#[test]
fn r_org_4_derived_programmes_make_sense() {
    let spec = DemoSpec::morelos_union();
    let plan = org(&spec, 0);
    let mut counts: BTreeMap<TargetProgramme, usize> = BTreeMap::new();
    for m in &plan.members {
        let age = registry::member::age_years(m.birth_date, spec.start);
        assert!((18..=80).contains(&age), "{age}");
        assert!(m.declared_programmes.iter().all(|p| p.is_declared()));
        for p in m.programmes(spec.start, TargetSettings::default()) {
            *counts.entry(p).or_default() += 1;
        }
    }
    let n = plan.members.len();
    let share = |p| counts.get(&p).copied().unwrap_or(0) * 100 / n;
    // Women are about half of Morelos's potters; young and elderly are real minorities.
    assert!(
        (40..=70).contains(&share(TargetProgramme::Women)),
        "{counts:?}"
    );
    assert!(
        (3..=30).contains(&share(TargetProgramme::Young)),
        "{counts:?}"
    );
    assert!(
        (10..=40).contains(&share(TargetProgramme::Elderly)),
        "{counts:?}"
    );
    assert!(share(TargetProgramme::PopularArt) >= 50, "{counts:?}");
    for p in [
        TargetProgramme::Indigenous,
        TargetProgramme::Inventors,
        TargetProgramme::Disabled,
    ] {
        assert!(
            counts.get(&p).copied().unwrap_or(0) > 0,
            "{p:?}: {counts:?}"
        );
    }
    assert!(plan.members.iter().any(|m| m.sex == Sex::Male));
}

#[test]
fn r_org_5_roles_staff_board_and_committees() {
    let (_, generated) = small(9);
    for (plan, _) in &generated {
        let ids: Vec<i64> = (100..100 + plan.members.len() as i64).collect();
        let roles = plan.roles_for(&ids);
        let count = |f: &dyn Fn(&Role) -> bool| roles.iter().filter(|r| f(&r.role)).count();
        assert_eq!(count(&|r| *r == Role::DirectorGeneral), 1);
        assert!(count(&|r| *r == Role::Staff) >= 2);
        assert_eq!(count(&|r| *r == Role::BoardMember), demo::BOARD_SEATS);
        assert!(count(&|r| matches!(r, Role::SpecialisedCommittee(_))) >= 6);
        for r in &roles {
            match r.role {
                // Staff and the support committee are outside the group.
                Role::DirectorGeneral | Role::Staff | Role::SupportCommittee | Role::Volunteer => {
                    assert_eq!(r.member_id, None, "{}", r.person_name)
                }
                // The board and the committees are members, active when the role starts.
                _ => {
                    let id = r.member_id.expect("a member");
                    let member = &plan.members[(id - 100) as usize];
                    assert!(member.joined_on <= r.from);
                    assert!(r.person_name.starts_with(&member.given_names));
                }
            }
        }
    }
}

#[test]
fn r_org_6_the_catalyst_is_not_a_member_and_has_no_vote() {
    let (_, generated) = small(3);
    let union = &generated[0].0;
    let catalyst = union.catalyst.as_deref().expect("the union has a catalyst");
    let ids: Vec<i64> = (1..=union.members.len() as i64).collect();
    let held: Vec<_> = union
        .roles_for(&ids)
        .into_iter()
        .filter(|r| r.person_name == catalyst)
        .collect();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].role, Role::SupportCommittee);
    assert_eq!(held[0].member_id, None);
    assert!(!held[0].role.may_vote());
    let catalyst_surnames = "Villaseñor Trujillo";
    assert!(union
        .members
        .iter()
        .all(|m| m.surnames != catalyst_surnames));
    assert!(generated[1..].iter().all(|(p, _)| p.catalyst.is_none()));
}

#[test]
fn r_org_6_dues_are_charged_to_active_members_and_mostly_paid() {
    let (spec, generated) = small(11);
    for (plan, entries) in &generated {
        let amount = plan.org.dues_amount_minor;
        let ids: Vec<i64> = (1..=plan.members.len() as i64).collect();
        let mut chart: HashSet<String> = Account::odf_chart()
            .into_iter()
            .map(|a| a.code.to_string())
            .collect();
        for id in &ids {
            chart.extend(
                Account::member_accounts(*id)
                    .into_iter()
                    .map(|a| a.code.to_string()),
            );
        }
        let mut keys = HashSet::new();
        let (mut charges, mut payments) = (0usize, 0usize);
        for e in entries {
            assert!(
                keys.insert(e.idempotency_key().as_str().to_string()),
                "key unique"
            );
            assert_eq!(e.rule_id().as_str(), "R-ORG-6");
            assert_eq!(e.postings().len(), 2);
            assert_eq!(e.postings()[0].amount.amount_minor(), amount);
            assert!(e
                .postings()
                .iter()
                .all(|p| chart.contains(p.account.as_str())));
            match e.reason().as_str() {
                "dues.charge" => charges += 1,
                "dues.payment" => payments += 1,
                other => panic!("{other}"),
            }
            assert!(e.idempotency_key().as_str().starts_with("dues:"));
            // Every entry validates again from its parts.
            let again = ValidEntry::from_stored(ledger::EntryDraft {
                idempotency_key: e.idempotency_key().as_str().into(),
                reason: e.reason().as_str().into(),
                rule_id: e.rule_id().as_str().into(),
                date: e.date(),
                memo: e.memo().into(),
                postings: e.postings().to_vec(),
                reverses: None,
            });
            assert_eq!(again.as_ref(), Ok(e));
        }
        // Charges: every member active on the first of each month.
        let expected: usize = (0..spec.dues_months)
            .map(|m| {
                let day = spec
                    .start
                    .checked_add_months(chrono::Months::new(m))
                    .unwrap();
                plan.members.iter().filter(|x| x.joined_on <= day).count()
            })
            .sum();
        assert_eq!(charges, expected);
        // A minority is in arrears.
        let unpaid = charges - payments;
        assert!(
            unpaid > 0 && unpaid * 100 / charges <= 20,
            "{unpaid} of {charges}"
        );
    }
}
