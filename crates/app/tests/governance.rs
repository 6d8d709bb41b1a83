//! Board decisions through the app (R-GOV-1, R-GOV-2), on SQLite and, when
//! `TEQUIO_TEST_PG_URL` is set, on PostgreSQL too.

use app::{Actor, App, AppError};
use chrono::NaiveDate;
use governance::{Minutes, NewProposal, ProposalKind, ProposalStatus, Vote};
use registry::Role;
use std::sync::Arc;
use store::Store;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// A 40-member demo union on every backend available here, with its id, board seats and a
/// support-committee seat.
async fn unions() -> Vec<(App, i64, Vec<i64>, i64)> {
    let mut stores: Vec<Arc<dyn Store>> = vec![Arc::new(
        store_sqlite::SqliteStore::open_in_memory().await.unwrap(),
    )];
    match std::env::var("TEQUIO_TEST_PG_URL") {
        Ok(url) => stores.push(Arc::new(
            store_postgres::PgStore::connect(&url)
                .await
                .expect("PostgreSQL"),
        )),
        Err(_)
            if std::env::var_os("CI").is_some()
                || std::env::var_os("TEQUIO_REQUIRE_ALL").is_some() =>
        {
            panic!("TEQUIO_TEST_PG_URL is required under CI")
        }
        Err(_) => eprintln!("TEQUIO_TEST_PG_URL unset: PostgreSQL not tested here"),
    }
    let mut out = Vec::new();
    for store in stores {
        let app = App::new(store);
        // The demo union's people under a unique slug: a PostgreSQL database is shared.
        let mut spec = demo::DemoSpec::morelos_union();
        spec.members_per_org = 40;
        let mut plan = demo::org(&spec, 0);
        static RUN: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        plan.org.slug = format!(
            "gov-{nanos}-{}",
            RUN.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        );
        let org_id = app.store().create_org(&plan.org).await.unwrap().id;
        app.store()
            .import_members(org_id, &plan.members, &[])
            .await
            .unwrap();
        let mut ids = Vec::new();
        for m in &plan.members {
            ids.push(
                app.store()
                    .member_by_curp(org_id, m.curp.as_str())
                    .await
                    .unwrap()
                    .id,
            );
        }
        for role in plan.roles_for(&ids) {
            app.store().assign_role(org_id, &role, &[]).await.unwrap();
        }
        let roles = app.store().roles(org_id).await.unwrap();
        let board: Vec<i64> = roles
            .iter()
            .filter(|r| r.role == Role::BoardMember && r.until.is_none())
            .map(|r| r.id)
            .collect();
        let support = roles
            .iter()
            .find(|r| r.role == Role::SupportCommittee)
            .map(|r| r.id)
            .expect("the demo has a support committee");
        out.push((app, org_id, board, support));
    }
    out
}

fn loan(amount_minor: i64) -> NewProposal {
    NewProposal {
        kind: ProposalKind::Loan,
        subject: "loan:1".into(),
        purpose: "Horno de gas".into(),
        amount_minor,
    }
}

#[tokio::test]
async fn r_gov_2_a_proposal_is_decided_by_the_boards_votes_and_recorded_with_them() {
    for (app, org, board, _) in unions().await {
        assert!(board.len() >= 3, "the demo board has seats");
        let today = day(2026, 3, 12);
        let staff = Actor::new("director", "10.0.0.1");
        let p = app
            .propose(org, &staff, loan(2_500_000), today)
            .await
            .unwrap();
        // Before the vote is closed there is no decision for any rule to act on.
        let early = app.decision(org, p.id).await.unwrap_err();
        assert!(
            matches!(
                early,
                AppError::Rule {
                    rule: "R-GOV-2",
                    ..
                }
            ),
            "{early}"
        );
        let majority = board.len() / 2 + 1;
        for &seat in &board[..majority] {
            app.cast_vote(
                org,
                &Actor::new(format!("seat-{seat}"), "10.0.0.2"),
                p.id,
                seat,
                Vote::For,
                today,
            )
            .await
            .unwrap();
        }
        let decision = app.close_vote(org, &staff, p.id, today).await.unwrap();
        assert!(decision.approved);
        assert_eq!(decision.ballots.len(), majority);
        assert_eq!(app.decision(org, p.id).await.unwrap(), decision);
        let record = app.proposal(org, p.id).await.unwrap();
        assert_eq!(
            record.proposal.status,
            ProposalStatus::Approved { on: today }
        );
        // Who voted what and when is in the audit trail.
        let audit = app
            .store()
            .events(org, Some("proposals"), store::Page::first(100))
            .await
            .unwrap();
        assert!(audit
            .iter()
            .any(|e| e.event.kind == "ballot.cast" && e.event.origin == "10.0.0.2"));
    }
}

#[tokio::test]
async fn r_gov_1_the_support_committee_may_propose_but_never_vote() {
    for (app, org, board, support) in unions().await {
        let today = day(2026, 3, 12);
        let p = app
            .propose(org, &Actor::new("comite", "10.0.0.3"), loan(100_000), today)
            .await
            .unwrap();
        let refused = app
            .cast_vote(
                org,
                &Actor::new("comite", "10.0.0.3"),
                p.id,
                support,
                Vote::For,
                today,
            )
            .await
            .unwrap_err();
        assert!(
            matches!(
                refused,
                AppError::Rule {
                    rule: "R-GOV-1",
                    ..
                }
            ),
            "{refused}"
        );
        assert!(
            app.proposal(org, p.id).await.unwrap().ballots.is_empty(),
            "nothing written"
        );
        // Minutes that count a support-committee vote are refused whole.
        let minutes = Minutes {
            kind: ProposalKind::Expenditure,
            subject: "competition:1".into(),
            purpose: "Estudio de mercado".into(),
            amount_minor: 50_000,
            decided_on: today,
            votes: board
                .iter()
                .map(|&s| (s, Vote::For))
                .chain([(support, Vote::For)])
                .collect(),
        };
        let before = app.proposals(org).await.unwrap().len();
        let err = app
            .record_board_decision(org, &Actor::cli(), minutes)
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                AppError::Rule {
                    rule: "R-GOV-1",
                    ..
                }
            ),
            "{err}"
        );
        assert_eq!(app.proposals(org).await.unwrap().len(), before);
    }
}

#[tokio::test]
async fn r_gov_2_without_quorum_the_vote_stays_open_and_a_seat_votes_once() {
    for (app, org, board, _) in unions().await {
        let today = day(2026, 3, 12);
        let p = app
            .propose(org, &Actor::cli(), loan(1), today)
            .await
            .unwrap();
        app.cast_vote(org, &Actor::cli(), p.id, board[0], Vote::For, today)
            .await
            .unwrap();
        let twice = app
            .cast_vote(org, &Actor::cli(), p.id, board[0], Vote::Against, today)
            .await
            .unwrap_err();
        assert!(
            matches!(
                twice,
                AppError::Rule {
                    rule: "R-GOV-2",
                    ..
                }
            ),
            "{twice}"
        );
        let no_quorum = app
            .close_vote(org, &Actor::cli(), p.id, today)
            .await
            .unwrap_err();
        assert!(
            matches!(&no_quorum, AppError::Rule { field, .. } if field == "quorum"),
            "{no_quorum}"
        );
        assert_eq!(
            app.proposal(org, p.id).await.unwrap().proposal.status,
            ProposalStatus::Open
        );
    }
}

#[tokio::test]
async fn minutes_record_a_rejection_as_a_decision_too() {
    for (app, org, board, _) in unions().await {
        let today = day(2026, 4, 2);
        let minutes = Minutes {
            kind: ProposalKind::Lease,
            subject: "lease:2".into(),
            purpose: "Torno".into(),
            amount_minor: 900_000,
            decided_on: today,
            votes: board.iter().map(|&s| (s, Vote::Against)).collect(),
        };
        let decision = app
            .record_board_decision(org, &Actor::cli(), minutes)
            .await
            .unwrap();
        assert!(!decision.approved);
        assert_eq!(
            app.decision(org, decision.proposal_id).await.unwrap(),
            decision
        );
        let missing = app.decision(org, 999_999).await.unwrap_err();
        assert!(matches!(
            missing,
            AppError::Store(store::StoreError::NotFound { .. })
        ));
    }
}
