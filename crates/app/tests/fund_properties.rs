//! Invariants of the Fund after any sequence of commands (proptest, bounded), and the kill
//! test: a close cancelled at any await point and run again ends with the same books as an
//! uninterrupted close.

mod common;

use app::fund_cases::CloseOptions;
use app::{App, AppError};
use common::*;
use fund::WithdrawalPurpose;
use proptest::prelude::*;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use store::OrgId;

#[derive(Debug, Clone)]
enum Op {
    Report {
        member: usize,
        month: u32,
        revenue: i64,
        profit: i64,
    },
    Close {
        month: u32,
    },
    Grant {
        amount: i64,
    },
    Temporary {
        amount: i64,
    },
    Return {
        which: usize,
    },
    /// A member pays what the closes made them owe: everything, or at most `limit` (the
    /// payments page's amount, issue 18).
    Pay {
        member: usize,
        limit: Option<i64>,
    },
    Withdraw {
        member: usize,
        amount: i64,
    },
    /// R-FUND-3: the board approves `approved` and the Competition Sub-Fund pays `amount`
    /// under it (or, without `decided`, with no decision at all: refused).
    Spend {
        approved: i64,
        amount: i64,
        decided: bool,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0usize..4, 1u32..5, 0i64..3_000_000, -500_000i64..1_000_000)
            .prop_map(|(member, month, revenue, profit)| Op::Report { member, month, revenue, profit }),
        2 => (1u32..5).prop_map(|month| Op::Close { month }),
        1 => (1i64..500_000).prop_map(|amount| Op::Grant { amount }),
        1 => (1i64..200_000).prop_map(|amount| Op::Temporary { amount }),
        1 => (0usize..3).prop_map(|which| Op::Return { which }),
        2 => (0usize..4, prop::option::of(1i64..50_000)).prop_map(|(member, limit)| Op::Pay { member, limit }),
        1 => (0usize..4, 1i64..20_000).prop_map(|(member, amount)| Op::Withdraw { member, amount }),
        2 => (1i64..300_000, 1i64..400_000, prop::bool::weighted(0.8))
            .prop_map(|(approved, amount, decided)| Op::Spend { approved, amount, decided }),
    ]
}

/// A refusal by a rule is an expected outcome of a random command; anything else is a bug.
fn allow_refusal<T>(r: Result<T, AppError>) {
    if let Err(e) = r {
        assert!(e.is_caller_error(), "unexpected failure: {e}");
    }
}

async fn run(ops: Vec<Op>) {
    let app = sqlite().await;
    let (org, m) = org_with_members(&app, "propiedades", 4).await;
    for (i, &member) in m.iter().enumerate() {
        agree(&app, org, member, 1_000_000 + 100_000 * i as i64, 300_000).await;
    }
    let seats = seat_board(&app, org, &m[..3]).await;
    let mut temporaries = Vec::new();
    // R-FUND-5: what each member withdrew, counted here from the withdrawals that succeeded.
    let mut withdrawn = [0i64; 4];
    for (n, op) in ops.into_iter().enumerate() {
        let a = audit();
        match op {
            Op::Report {
                member,
                month,
                revenue,
                profit,
            } => {
                let period = p(2026, month);
                let input = figures(m[member], revenue, profit);
                let has = app
                    .effective_reports(org, period)
                    .await
                    .unwrap()
                    .contains_key(&m[member]);
                if has {
                    allow_refusal(
                        app.correct_report(org, period, input, "corrección", today(), &a)
                            .await,
                    );
                } else {
                    allow_refusal(app.file_report(org, period, input, None, today(), &a).await);
                }
            }
            Op::Close { month } => allow_refusal(
                app.close_period(
                    org,
                    p(2026, month),
                    today(),
                    CloseOptions {
                        chunk_members: 2,
                        ..CloseOptions::default()
                    },
                    &a,
                )
                .await,
            ),
            Op::Grant { amount } => allow_refusal(
                app.receive_grant(org, &format!("G-{n}"), "Donante", amount, today(), &a)
                    .await,
            ),
            Op::Temporary { amount } => {
                let r = format!("T-{n}");
                allow_refusal(
                    app.receive_temporary(org, &r, "Municipio", amount, today(), &a)
                        .await,
                );
                temporaries.push(r);
            }
            Op::Return { which } => {
                if let Some(r) = temporaries.get(which) {
                    allow_refusal(app.return_temporary(org, r, today(), &a).await);
                }
            }
            Op::Pay { member, limit } => allow_refusal(
                app.settle_member_debts(
                    org,
                    m[member],
                    &format!("P-{n}"),
                    limit,
                    false,
                    today(),
                    &a,
                )
                .await,
            ),
            Op::Withdraw { member, amount } => {
                let r = app
                    .withdraw_development(
                        org,
                        &format!("W-{n}"),
                        m[member],
                        WithdrawalPurpose::Medical,
                        amount,
                        None,
                        d(2028, 2, 1),
                        &a,
                    )
                    .await;
                if r.as_ref().is_ok_and(|o| !o.replay) {
                    withdrawn[member] += amount;
                }
                allow_refusal(r);
            }
            Op::Spend {
                approved,
                amount,
                decided,
            } => {
                let decision = if decided {
                    Some(approve_spending(&app, org, &seats, n, approved).await)
                } else {
                    None
                };
                allow_refusal(
                    app.spend_competition(
                        org,
                        &format!("S-{n}"),
                        fund::CompetitionCategory::TradeFairsAndSalesPromotion,
                        "Feria",
                        amount,
                        decision,
                        today(),
                        &a,
                    )
                    .await,
                );
            }
        }
    }
    check_invariants(&app, org).await;
    check_what_the_pages_read(&app, org, &m, &withdrawn).await;
}

/// Issue 18: what the Fund's pages read agrees with the Fund's events and the ledger, and the
/// books check (`tequio check`, `app::check`) passes: each member's statement shows the
/// entitlement the Fund's events give (R-FUND-5) and the withdrawals counted here; the
/// withdrawal page's position is the same; the payments page lists what the statements say is
/// outstanding; the temporary contributions listed are the ledger's liability (R-FUND-1).
async fn check_what_the_pages_read(app: &App, org: OrgId, members: &[i64], withdrawn: &[i64]) {
    let books = app.check_books(org).await.unwrap();
    assert!(books.ok(), "{:?}", books.failures().collect::<Vec<_>>());
    let state = app.fund_state(org).await.unwrap();
    let owing = app.members_owing(org).await.unwrap();
    for (i, &member) in members.iter().enumerate() {
        let from_events = fund::entitlement_of(&state, member);
        let s = app
            .member_fund_statement(org, member)
            .await
            .unwrap()
            .statement;
        assert_eq!(s.entitlement, from_events, "member {member}'s statement");
        assert_eq!(s.withdrawn_minor, withdrawn[i], "member {member} withdrew");
        assert_eq!(from_events.withdrawn_minor, withdrawn[i]);
        let position = app.withdrawal_position(org, member).await.unwrap();
        assert_eq!(position.entitlement, from_events);
        let listed = owing
            .iter()
            .find(|o| o.member_id == member)
            .map(|o| o.contribution_minor)
            .unwrap_or(0);
        assert_eq!(
            listed, s.contributions_outstanding_minor,
            "member {member} owes"
        );
    }
    let temporaries: i64 = app
        .temporary_outstanding(org)
        .await
        .unwrap()
        .iter()
        .map(|t| t.amount_minor)
        .sum();
    assert_eq!(
        temporaries,
        -balance(app, org, "fund:temporary-contributions").await,
        "temporary contributions owed back"
    );
}

/// Board seats for the first members (R-GOV-1).
async fn seat_board(app: &App, org: OrgId, members: &[i64]) -> Vec<i64> {
    let mut seats = Vec::new();
    for &member in members {
        let role = registry::NewRoleAssignment {
            person_name: format!("Consejera {member}"),
            member_id: Some(member),
            role: registry::Role::BoardMember,
            from: d(2025, 2, 1),
        };
        seats.push(
            app.assign_role(org, role, &app::Actor::cli())
                .await
                .unwrap()
                .id,
        );
    }
    seats
}

/// The board approves an expenditure of `amount_minor` unanimously; answers its id.
async fn approve_spending(
    app: &App,
    org: OrgId,
    seats: &[i64],
    n: usize,
    amount_minor: i64,
) -> i64 {
    let minutes = governance::Minutes {
        kind: governance::ProposalKind::Expenditure,
        subject: format!("competition:{n}"),
        purpose: "Feria".into(),
        amount_minor,
        decided_on: d(2026, 5, 1),
        votes: seats.iter().map(|s| (*s, governance::Vote::For)).collect(),
    };
    let board = app::Actor::cli();
    let decision = app.record_board_decision(org, &board, minutes).await;
    decision.unwrap().proposal_id
}

async fn check_invariants(app: &App, org: OrgId) {
    trial(app, org).await; // zero, and materialised = sum of postings
    let state = app.fund_state(org).await.unwrap();
    let sub = state.sub_funds();
    // Development + Competition = the Fund, in the fold and in the ledger.
    assert_eq!(sub.total(), state.net_assets_minor());
    let b = |code: &'static str| balance(app, org, code);
    let equity = -(b("fund:development").await + b("fund:competition").await)
        - (b("fund:spent:competition").await + b("fund:withdrawn:development").await);
    assert_eq!(equity, sub.total(), "ledger sub-funds");
    let mut receivables = 0;
    for id in state.members.keys() {
        receivables += balance(app, org, &format!("members:{id}:fund-receivable")).await;
    }
    let assets = b("fund:trust-bank:development").await
        + b("fund:trust-bank:competition").await
        + receivables
        + b("fund:receivable:borrowers").await
        + b("fund:temporary-contributions").await;
    assert_eq!(assets, equity, "the Fund's net assets in the ledger");
    assert_eq!(
        b("fund:trust-bank:development").await,
        state.trust.development_minor
    );
    // R-FUND-5: entitlements never exceed the individually usable amount, never negative.
    let ents = fund::entitlements(&state);
    let gross: i64 = ents.iter().map(|e| e.gross_minor).sum();
    assert!(gross <= fund::individually_usable_minor(&state));
    assert!(ents
        .iter()
        .all(|e| e.available_minor >= 0 && e.gross_minor >= 0));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, max_shrink_iters: 20, ..ProptestConfig::default() })]
    #[test]
    fn the_fund_balances_after_any_sequence_of_commands(ops in proptest::collection::vec(op(), 1..25)) {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(run(ops));
    }
}

/// Polls the inner future at most `polls` times, then drops it: a close "killed" at an
/// arbitrary await point (in the middle of a transaction or between chunks).
struct Kill<F> {
    inner: Option<Pin<Box<F>>>,
    polls: usize,
}

impl<F: Future> Future for Kill<F> {
    type Output = Option<F::Output>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if self.polls == 0 {
            self.inner = None;
            return Poll::Ready(None);
        }
        self.polls -= 1;
        match self.inner.as_mut().map(|f| f.as_mut().poll(cx)) {
            Some(Poll::Ready(v)) => Poll::Ready(Some(v)),
            Some(Poll::Pending) => Poll::Pending,
            None => Poll::Ready(None),
        }
    }
}

/// February closed, then corrected; March has new reports. Returns the app and org, on a
/// SQLite file (a killed future may drop its connection: an in-memory database would vanish
/// with it, a file is what a killed process leaves behind).
async fn scenario(dir: &tempfile::TempDir, n: usize) -> (App, OrgId) {
    let path = dir.path().join(format!("kill-{n}.db"));
    let app = App::new(std::sync::Arc::new(
        store_sqlite::SqliteStore::open(&path).await.unwrap(),
    ));
    let (org, m) = org_with_members(&app, "muerte", 7).await;
    for (i, &member) in m.iter().enumerate() {
        agree(&app, org, member, 1_000_000, 300_000).await;
        report(
            &app,
            org,
            p(2026, 2),
            member,
            1_000_000 + 33_333 * i as i64,
            300_000 + 7_777 * i as i64,
        )
        .await;
        report(
            &app,
            org,
            p(2026, 3),
            member,
            1_050_000 + 44_444 * i as i64,
            310_000 + 9_999 * i as i64,
        )
        .await;
    }
    app.close_period(org, p(2026, 2), today(), CloseOptions::default(), &audit())
        .await
        .unwrap();
    for &member in &m[..3] {
        app.correct_report(
            org,
            p(2026, 2),
            figures(member, 1_500_000, 200_000),
            "error de captura",
            today(),
            &audit(),
        )
        .await
        .unwrap();
    }
    (app, org)
}

fn options() -> CloseOptions {
    CloseOptions {
        chunk_members: 2,
        ..CloseOptions::default()
    }
}

#[tokio::test]
async fn a_close_killed_at_any_point_and_run_again_gives_the_books_of_an_uninterrupted_close() {
    let dir = tempfile::tempdir().unwrap();
    let (reference, org) = scenario(&dir, 0).await;
    reference
        .close_period(org, p(2026, 3), today(), options(), &audit())
        .await
        .unwrap();
    let want = (
        trial(&reference, org).await,
        reference.fund_state(org).await.unwrap(),
    );
    let mut killed = 0;
    for polls in 1..=200 {
        let (app, org) = scenario(&dir, polls).await;
        let who = audit();
        let close = app.close_period(org, p(2026, 3), today(), options(), &who);
        let outcome = Kill {
            inner: Some(Box::pin(close)),
            polls,
        }
        .await;
        if outcome.is_some() {
            // Ran to the end within `polls`: every earlier kill point has been tried.
            break;
        }
        killed += 1;
        // The process "restarts": the old store is gone, a new one opens the same file.
        drop(app);
        let app = App::new(std::sync::Arc::new(
            store_sqlite::SqliteStore::open(&dir.path().join(format!("kill-{polls}.db")))
                .await
                .unwrap(),
        ));
        let again = app
            .close_period(org, p(2026, 3), today(), options(), &audit())
            .await
            .unwrap();
        assert!(!again.already_closed || again.entries == 0);
        // And once more: closed, nothing changes.
        let third = app
            .close_period(org, p(2026, 3), today(), options(), &audit())
            .await
            .unwrap();
        assert!(third.already_closed);
        let got = (trial(&app, org).await, app.fund_state(org).await.unwrap());
        assert_eq!(got, want, "killed after {polls} polls");
    }
    eprintln!("the close was killed at {killed} points and resumed each time");
    assert!(killed >= 5, "the close was killed at {killed} points only");
}
