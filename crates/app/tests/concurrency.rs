//! Conflicts only between contradicting requests (ARCHITECTURE.md, "slots"; app::retry):
//! writers that do not contradict each other, sent at the same moment, all succeed; a
//! contradiction is still refused naming it. On SQLite and, when configured, PostgreSQL.

mod common;

use app::fund_cases::{CloseOptions, OrgCloseReport};
use app::{Actor, App, AppError};
use common::*;
use governance::{NewProposal, ProposalKind};
use std::collections::BTreeSet;
use store::{MemberId, OrgId};

/// Runs every future of `jobs` as its own task, all at once; answers in order.
async fn all_at_once<T, F>(jobs: Vec<F>) -> Vec<T>
where
    T: Send + 'static,
    F: std::future::Future<Output = T> + Send + 'static,
{
    let handles: Vec<_> = jobs.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::with_capacity(handles.len());
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

/// An organisation of `n` members, each with a plan whose monthly baseline is 10,000.00
/// revenue and 3,000.00 profit.
async fn with_plans(app: &App, slug: &str, n: usize) -> (OrgId, Vec<MemberId>) {
    let (org, members) = org_with_members(app, slug, n).await;
    for &m in &members {
        agree(app, org, m, 1_000_000, 300_000).await;
    }
    (org, members)
}

fn file(
    app: &App,
    org: OrgId,
    member: MemberId,
) -> impl std::future::Future<Output = Result<fund::IncomeReport, AppError>> + Send + 'static {
    let app = app.clone();
    async move {
        app.file_report(
            org,
            p(2026, 3),
            figures(member, 1_100_000, 300_000),
            None,
            today(),
            &audit(),
        )
        .await
    }
}

fn close(
    app: &App,
    org: OrgId,
    month: u32,
) -> impl std::future::Future<Output = Result<OrgCloseReport, AppError>> + Send + 'static {
    let app = app.clone();
    async move {
        app.close_period(
            org,
            p(2026, month),
            today(),
            CloseOptions::default(),
            &audit(),
        )
        .await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixteen_reports_of_sixteen_members_filed_at_once_all_succeed() {
    for (backend, app) in backends().await {
        let (org, m) = with_plans(&app, "dieciseis", 16).await;
        let filed = all_at_once(m.iter().map(|&member| file(&app, org, member)).collect()).await;
        for (i, r) in filed.iter().enumerate() {
            assert!(r.is_ok(), "{backend}: report of member {}: {r:?}", m[i]);
        }
        let reports = app.reports(org, p(2026, 3)).await.unwrap();
        let members: BTreeSet<MemberId> = reports.iter().map(|r| r.member_id).collect();
        assert_eq!(reports.len(), 16, "{backend}");
        assert_eq!(members, m.iter().copied().collect(), "{backend}");
        // Each answered the id its report was stored under.
        let ids: BTreeSet<i64> = filed.iter().map(|r| r.as_ref().unwrap().id).collect();
        let stored: BTreeSet<i64> = reports.iter().map(|r| r.id).collect();
        assert_eq!(ids, stored, "{backend}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixteen_different_proposals_at_once_get_sixteen_ids() {
    for (backend, app) in backends().await {
        let (org, _) = org_with_members(&app, "propuestas", 1).await;
        let jobs = (0..16)
            .map(|i| {
                let app = app.clone();
                async move {
                    app.propose(
                        org,
                        &Actor::new(format!("persona{i}"), "test"),
                        NewProposal {
                            kind: ProposalKind::Expenditure,
                            subject: format!("compra {i}"),
                            purpose: format!("Compra número {i}"),
                            amount_minor: 1_000 * (i + 1),
                        },
                        today(),
                    )
                    .await
                }
            })
            .collect();
        let opened = all_at_once(jobs).await;
        let ids: BTreeSet<i64> = opened
            .iter()
            .map(|r| r.as_ref().unwrap_or_else(|e| panic!("{backend}: {e}")).id)
            .collect();
        // Sixteen distinct ids, numbered from 1 with no gap.
        assert_eq!(ids, (1..=16).collect(), "{backend}");
        let stored = app.proposals(org).await.unwrap();
        assert_eq!(stored.len(), 16, "{backend}");
        for r in &opened {
            let p = r.as_ref().unwrap();
            let s = stored.iter().find(|s| s.proposal.id == p.id).unwrap();
            assert_eq!(s.proposal.subject, p.subject, "{backend}");
        }
    }
}

/// Sixteen members each report 11,000.00 against a baseline of 10,000.00 while the period is
/// being closed: every report is in that close or marked late and adjusted by the next one.
/// Either way, after the next close each member owes exactly 10% of 1,000.00 = 100.00
/// (R-FUND-1), and nothing was refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_close_sent_while_reports_arrive_loses_none_of_them() {
    for (backend, app) in backends().await {
        let (org, m) = with_plans(&app, "cierre-y-reportes", 16).await;
        let mut reports: Vec<_> = m.iter().map(|&member| file(&app, org, member)).collect();
        let closing = tokio::spawn(close(&app, org, 3));
        // Half the reports before the close is sent, half after, all in flight together.
        let later = reports.split_off(8);
        let first = tokio::spawn(all_at_once(reports));
        let second = tokio::spawn(all_at_once(later));
        let closed = closing.await.unwrap();
        assert!(closed.is_ok(), "{backend}: {closed:?}");
        for r in first
            .await
            .unwrap()
            .into_iter()
            .chain(second.await.unwrap())
        {
            assert!(r.is_ok(), "{backend}: {r:?}");
        }
        let in_close = closed.unwrap().members_reporting;
        close(&app, org, 4).await.unwrap();
        for &member in &m {
            let owed = balance(&app, org, &format!("members:{member}:fund-receivable")).await;
            assert_eq!(
                owed, 10_000,
                "{backend}: member {member} ({in_close} in the close)"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_eight_closes_at_once_one_closes_and_seven_say_it_was_closed() {
    for (backend, app) in backends().await {
        let (org, m) = with_plans(&app, "ocho-cierres", 4).await;
        for &member in &m {
            file(&app, org, member).await.unwrap();
        }
        let closes = all_at_once((0..8).map(|_| close(&app, org, 3)).collect()).await;
        let mut already = 0;
        for c in &closes {
            let c = c.as_ref().unwrap_or_else(|e| panic!("{backend}: {e}"));
            assert_eq!(c.members_reporting, 4, "{backend}");
            already += usize::from(c.already_closed);
        }
        assert_eq!(already, 7, "{backend}: {closes:?}");
        // Closed once: each member owes 100.00, not a multiple of it.
        for &member in &m {
            let owed = balance(&app, org, &format!("members:{member}:fund-receivable")).await;
            assert_eq!(owed, 10_000, "{backend}");
        }
    }
}

/// A contradiction is still refused, naming it: the same member's report for the same period
/// with other figures, sent at the same moment as the first.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_different_reports_of_one_member_at_once_one_is_refused_naming_the_rule() {
    for (backend, app) in backends().await {
        let (org, m) = with_plans(&app, "contradiccion", 1).await;
        let other = {
            let app = app.clone();
            let member = m[0];
            async move {
                app.file_report(
                    org,
                    p(2026, 3),
                    figures(member, 1_200_000, 300_000),
                    None,
                    today(),
                    &audit(),
                )
                .await
            }
        };
        let a = tokio::spawn(file(&app, org, m[0]));
        let b = tokio::spawn(other);
        let (a, b) = (a.await.unwrap(), b.await.unwrap());
        assert_eq!(
            usize::from(a.is_ok()) + usize::from(b.is_ok()),
            1,
            "{backend}: {a:?} {b:?}"
        );
        let refused = a.err().or(b.err()).unwrap();
        assert!(!refused.is_transient(), "{backend}: {refused}");
        // Refused by R-PLAN-2 (a duplicate) when it read the first, or by the store naming the
        // report's key when both read the period empty.
        let text = refused.to_string();
        assert!(
            text.contains("R-PLAN-2") || text.contains("report:2026-03:m"),
            "{backend}: {text}"
        );
        assert_eq!(app.reports(org, p(2026, 3)).await.unwrap().len(), 1);
    }
}

/// `Idempotency-Key` exactly once, in the store: of sixteen identical requests claiming one
/// key at the same moment exactly one holds it (does the work); the others are told it is in
/// progress, and after its answer is stored they replay it. The key with another request is
/// refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixteen_claims_of_one_key_at_once_one_holds_it() {
    use app::access_cases::{AccessError, IdempotencyOutcome, StoredResponse};
    for (backend, app) in backends().await {
        let org = store::PROGRAMME_ORG;
        let request = b"POST /api/v1/orgs/x/proposals\n{\"purpose\":\"horno\"}".to_vec();
        let now = chrono::Utc::now();
        let jobs = (0..16)
            .map(|_| {
                let app = app.clone();
                let request = request.clone();
                async move {
                    app.idempotency_claim(org, "ana", "clave-1", &request, "test", now)
                        .await
                }
            })
            .collect();
        let claims = all_at_once(jobs).await;
        let mut held = Vec::new();
        for c in claims {
            match c.unwrap_or_else(|e| panic!("{backend}: {e}")) {
                IdempotencyOutcome::New(claim) => held.push(claim),
                IdempotencyOutcome::InProgress => {}
                other => panic!("{backend}: {other:?}"),
            }
        }
        assert_eq!(held.len(), 1, "{backend}");
        let answer = StoredResponse {
            status: 201,
            body: "{\"id\":1}".into(),
        };
        app.remember_response(org, "ana", "clave-1", &request, answer.clone(), "test", now)
            .await
            .unwrap();
        let late = app
            .idempotency_claim(org, "ana", "clave-1", &request, "test", now)
            .await
            .unwrap();
        assert_eq!(late, IdempotencyOutcome::Replay(answer), "{backend}");
        let other = app
            .idempotency_claim(org, "ana", "clave-1", b"POST /otra\n{}", "test", now)
            .await;
        assert!(
            matches!(other, Err(AccessError::IdempotencyMismatch)),
            "{backend}: {other:?}"
        );
    }
}

/// The CLI's `--ref` keeps the same promise: the same command with the same reference sent
/// eight times at once records it once, and every call answers it (one created, seven
/// replays), none refused. A grant of 1,000.01 enters the trust as 500.01 + 500.00 once
/// (R-FUND-1, R-FUND-2).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn eight_identical_commands_with_one_reference_at_once_record_it_once() {
    for (backend, app) in backends().await {
        let (org, _) = org_with_members(&app, "referencia", 1).await;
        let jobs = (0..8)
            .map(|_| {
                let app = app.clone();
                async move {
                    app.receive_grant(org, "REC-9", "Fundación", 100_001, today(), &audit())
                        .await
                }
            })
            .collect();
        let outcomes = all_at_once(jobs).await;
        let mut created = 0;
        for o in &outcomes {
            let o = o.as_ref().unwrap_or_else(|e| panic!("{backend}: {e}"));
            assert_eq!(o.key, "grant:REC-9", "{backend}");
            created += usize::from(!o.replay);
        }
        assert_eq!(created, 1, "{backend}");
        assert_eq!(
            balance(&app, org, "fund:trust-bank:development").await,
            50_001,
            "{backend}"
        );
        assert_eq!(
            balance(&app, org, "fund:trust-bank:competition").await,
            50_000,
            "{backend}"
        );
    }
}
