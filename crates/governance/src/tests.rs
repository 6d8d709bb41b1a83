//! R-GOV-1 and R-GOV-2, read as rules.

use super::*;
use proptest::prelude::*;
use registry::Committee;

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, d).unwrap()
}

/// Five board seats (ids 1..=5) from March 1st, one support-committee member (id 6), one
/// financing-committee member (7), staff (8), and a board seat that ended on March 10th (9).
fn roles() -> Vec<RoleAssignment> {
    let seat = |id: i64, role: Role, until: Option<NaiveDate>| RoleAssignment {
        id,
        org_id: 1,
        person_name: format!("Persona {id}"),
        member_id: Some(id),
        role,
        from: day(1),
        until,
    };
    let mut all: Vec<RoleAssignment> = (1..=5)
        .map(|id| seat(id, Role::BoardMember, None))
        .collect();
    all.push(seat(6, Role::SupportCommittee, None));
    all.push(seat(
        7,
        Role::SpecialisedCommittee(Committee::Financing),
        None,
    ));
    all.push(seat(8, Role::Staff, None));
    all.push(seat(9, Role::BoardMember, Some(day(10))));
    all
}

fn loan_proposal() -> Proposal {
    propose(
        1,
        NewProposal {
            kind: ProposalKind::Loan,
            subject: "loan:7".into(),
            purpose: "Horno de gas para el taller de Ana".into(),
            amount_minor: 2_500_000,
        },
        "director",
        day(12),
    )
    .unwrap()
}

fn ballot(seat: i64, vote: Vote) -> Ballot {
    Ballot {
        proposal_id: 1,
        seat,
        voter_name: String::new(),
        vote,
        cast_on: day(12),
    }
}

#[test]
fn r_gov_1_only_a_board_seat_in_force_votes() {
    let roles = roles();
    let p = loan_proposal();
    for seat in 1..=5 {
        assert!(
            cast(&p, &[], &roles, seat, Vote::For, day(12)).is_ok(),
            "seat {seat}"
        );
    }
    for outsider in [6, 7, 8] {
        let err = cast(&p, &[], &roles, outsider, Vote::For, day(12)).unwrap_err();
        assert_eq!(
            (err.rule, err.field),
            ("R-GOV-1", "voter"),
            "{outsider}: {err}"
        );
        assert!(err.message.contains("never vote"), "{err}");
    }
    let ended = cast(&p, &[], &roles, 9, Vote::For, day(12)).unwrap_err();
    assert_eq!(ended.rule, "R-GOV-1");
    assert!(ended.message.contains("not in force"), "{ended}");
    let stranger = cast(&p, &[], &roles, 99, Vote::For, day(12)).unwrap_err();
    assert_eq!(stranger.rule, "R-GOV-1");
}

#[test]
fn r_gov_2_a_seat_votes_once_and_only_while_the_proposal_is_open() {
    let roles = roles();
    let p = loan_proposal();
    let first = cast(&p, &[], &roles, 1, Vote::For, day(12)).unwrap();
    assert_eq!(first.voter_name, "Persona 1");
    let twice = cast(&p, &[first], &roles, 1, Vote::Against, day(12)).unwrap_err();
    assert_eq!((twice.rule, twice.field), ("R-GOV-2", "voter"));
    let early = cast(&p, &[], &roles, 2, Vote::For, day(11)).unwrap_err();
    assert_eq!(early.field, "date");
    let mut decided = p.clone();
    decided.status = ProposalStatus::Approved { on: day(12) };
    let late = cast(&decided, &[], &roles, 2, Vote::For, day(13)).unwrap_err();
    assert_eq!(late.field, "proposal");
}

#[test]
fn r_gov_2_default_quorum_is_more_than_half_of_the_board() {
    let settings = GovernanceSettings::default();
    // 5 seats: 2 present is not more than half, 3 is.
    let two = tally(&settings, 5, &[ballot(1, Vote::For), ballot(2, Vote::For)]);
    assert!(!two.quorum_met);
    let three = tally(
        &settings,
        5,
        &[
            ballot(1, Vote::For),
            ballot(2, Vote::For),
            ballot(3, Vote::Abstain),
        ],
    );
    assert!(three.quorum_met, "abstaining counts as present");
    // 4 seats: 2 is exactly half, not more.
    assert!(!tally(&settings, 4, &[ballot(1, Vote::For), ballot(2, Vote::For)]).quorum_met);
    assert!(!tally(&settings, 0, &[]).quorum_met, "no board, no quorum");
}

#[test]
fn r_gov_2_default_majority_is_simple_majority_of_votes_cast() {
    let settings = GovernanceSettings::default();
    let votes = [
        ballot(1, Vote::For),
        ballot(2, Vote::For),
        ballot(3, Vote::Against),
        ballot(4, Vote::Abstain),
        ballot(5, Vote::Abstain),
    ];
    let t = tally(&settings, 5, &votes);
    assert_eq!((t.for_votes, t.against_votes, t.abstentions), (2, 1, 2));
    assert!(
        t.carried(),
        "2 for against 1: abstentions do not count against"
    );
    let tie = tally(
        &settings,
        5,
        &[
            ballot(1, Vote::For),
            ballot(2, Vote::Against),
            ballot(3, Vote::Abstain),
        ],
    );
    assert!(tie.quorum_met && !tie.carried(), "a tie does not carry");
}

#[test]
fn r_gov_2_a_qualified_majority_is_a_setting() {
    let settings = GovernanceSettings {
        quorum_more_than: Fraction::HALF,
        majority: Majority::Qualified(Fraction::TWO_THIRDS),
    };
    let three_to_two = [
        ballot(1, Vote::For),
        ballot(2, Vote::For),
        ballot(3, Vote::For),
        ballot(4, Vote::Against),
        ballot(5, Vote::Against),
    ];
    assert!(!tally(&settings, 5, &three_to_two).carried(), "3/5 < 2/3");
    let two_to_one = [
        ballot(1, Vote::For),
        ballot(2, Vote::For),
        ballot(3, Vote::Against),
    ];
    assert!(
        tally(&settings, 5, &two_to_one).carried(),
        "2/3 reaches 2/3"
    );
}

#[test]
fn r_gov_2_closing_without_quorum_is_refused_and_with_it_records_who_voted_what() {
    let settings = GovernanceSettings::default();
    let p = loan_proposal();
    let few = [ballot(1, Vote::For)];
    let err = close(&settings, &p, &few, 5, day(12)).unwrap_err();
    assert_eq!((err.rule, err.field), ("R-GOV-2", "quorum"));
    let enough = [
        ballot(1, Vote::For),
        ballot(2, Vote::Against),
        ballot(3, Vote::For),
    ];
    let decision = close(&settings, &p, &enough, 5, day(12)).unwrap();
    assert!(decision.approved);
    assert_eq!(decision.ballots, enough.to_vec());
    assert_eq!(
        (decision.subject.as_str(), decision.amount_minor),
        ("loan:7", 2_500_000)
    );
}

#[test]
fn minutes_follow_the_same_rules_as_ballots() {
    let settings = GovernanceSettings::default();
    let roles = roles();
    let minutes = |votes: Vec<(i64, Vote)>| Minutes {
        kind: ProposalKind::Expenditure,
        subject: "competition:3".into(),
        purpose: "Estudio de mercado".into(),
        amount_minor: 1_000_000,
        decided_on: day(15),
        votes,
    };
    let (proposal, decision) = record_minutes(
        &settings,
        4,
        minutes(vec![(1, Vote::For), (2, Vote::For), (3, Vote::Against)]),
        "secretaria",
        &roles,
    )
    .unwrap();
    assert!(decision.approved);
    assert_eq!(proposal.status, ProposalStatus::Approved { on: day(15) });
    assert_eq!(decision.tally.seats, 5, "the ended seat 9 does not count");
    let donor_voted = record_minutes(
        &settings,
        5,
        minutes(vec![(1, Vote::For), (2, Vote::For), (6, Vote::For)]),
        "secretaria",
        &roles,
    )
    .unwrap_err();
    assert_eq!(donor_voted.rule, "R-GOV-1");
    let rejected = record_minutes(
        &settings,
        6,
        minutes(vec![(1, Vote::Against), (2, Vote::Against), (3, Vote::For)]),
        "secretaria",
        &roles,
    )
    .unwrap();
    assert!(!rejected.1.approved);
    assert_eq!(rejected.0.status, ProposalStatus::Rejected { on: day(15) });
}

#[test]
fn a_proposal_needs_a_purpose_and_no_negative_amount() {
    let new = |purpose: &str, amount_minor| NewProposal {
        kind: ProposalKind::Expenditure,
        subject: "x".into(),
        purpose: purpose.into(),
        amount_minor,
    };
    assert_eq!(
        propose(1, new("  ", 0), "a", day(1)).unwrap_err().field,
        "purpose"
    );
    assert_eq!(
        propose(1, new("ok", -1), "a", day(1)).unwrap_err().field,
        "amount"
    );
    assert_eq!(ProposalKind::parse("loan").unwrap(), ProposalKind::Loan);
    assert_eq!(ProposalKind::parse("prestamo").unwrap_err().field, "kind");
    for kind in ProposalKind::ALL {
        assert_eq!(ProposalKind::parse(kind.as_str()).unwrap(), kind);
    }
}

proptest! {
    /// Whatever the ballots, a proposal carries only with quorum and more for than against
    /// (default settings), and the counts add up to the ballots.
    #[test]
    fn a_decision_carries_only_with_quorum_and_majority(
        seats in 1u32..15,
        votes in proptest::collection::vec(0u8..3, 0..15),
    ) {
        let votes: Vec<Ballot> = votes
            .iter()
            .take(seats as usize)
            .enumerate()
            .map(|(i, v)| ballot(i as i64, [Vote::For, Vote::Against, Vote::Abstain][*v as usize]))
            .collect();
        let t = tally(&GovernanceSettings::default(), seats, &votes);
        prop_assert_eq!((t.for_votes + t.against_votes + t.abstentions) as usize, votes.len());
        prop_assert_eq!(t.quorum_met, 2 * votes.len() > seats as usize);
        prop_assert_eq!(t.carried(), t.quorum_met && t.for_votes > t.against_votes);
    }
}
