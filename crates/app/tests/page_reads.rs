//! Issue 17's cheaper reads for the ODF's own pages, each compared with the plain computation
//! (worked out here, in the test) on SQLite and, when `TEQUIO_TEST_PG_URL` is set, PostgreSQL:
//! the plans read from the kept fold of the `plans` stream, the R-PLAN-4 flags without names
//! and for one member, the closed periods without the Fund's fold, members' names read a page
//! at a time, and R-CRED-1's initial deposit read from the window of days it counts.

mod common;
mod credit_support;

use app::App;
use chrono::Months;
use common::backends;
use ledger::AccountCode;
use std::collections::BTreeMap;
use store::{MemberId, OrgId, Page, MAX_PAGE};

/// The demo union with 120 members: plans, a year of reports and closes, flags.
async fn small_union(app: &App) -> OrgId {
    let mut spec = demo::DemoSpec::morelos_union();
    spec.members_per_org = 120;
    spec.dues_months = 1;
    app.load_demo(spec, 1, std::sync::Arc::new(|_| {}))
        .await
        .unwrap();
    app.store().orgs().await.unwrap()[0].id
}

/// Every member's name read one at a time (the plain computation).
async fn names_one_by_one(app: &App, org: OrgId) -> BTreeMap<MemberId, String> {
    let mut out = BTreeMap::new();
    let mut page = Page::first(MAX_PAGE);
    loop {
        let batch = app.store().members(org, page).await.unwrap();
        let Some(last) = batch.last() else { break };
        page.after_id = last.id;
        for m in &batch {
            let one = app.store().member(org, m.id).await.unwrap();
            out.insert(
                m.id,
                format!("{} {}", one.data.given_names, one.data.surnames),
            );
        }
    }
    out
}

#[tokio::test]
async fn r_plan_4_plans_flags_closed_periods_and_names_read_cheaply_equal_the_plain_reads() {
    for (backend, app) in backends().await {
        let org = small_union(&app).await;

        // The kept fold equals the stream folded from its start (a fresh App keeps nothing),
        // before and after a change to a plan through this App.
        let fresh = || App::new(app.store().clone());
        let plans = app.plans(org).await.unwrap();
        assert!(plans.len() > 60, "{backend}: the demo agrees plans");
        assert_eq!(plans, fresh().plans(org).await.unwrap(), "{backend}");
        let ended = plans
            .iter()
            .find(|p| p.status == fund::PlanStatus::Active)
            .unwrap()
            .clone();
        app.change_plan(
            org,
            ended.id,
            app::fund_cases::PlanCommand::Status {
                to: fund::PlanStatus::Abandoned,
                reason: "La socia cerró su taller".into(),
            },
            common::today(),
            &common::audit(),
        )
        .await
        .unwrap();
        let after = app.plans(org).await.unwrap();
        assert_eq!(after, fresh().plans(org).await.unwrap(), "{backend}");
        let abandoned = after.iter().find(|p| p.id == ended.id).unwrap();
        assert_eq!(abandoned.status, fund::PlanStatus::Abandoned, "{backend}");

        // The closed periods: what the Fund's fold records, without the fold.
        let book = app.fund_book(org).await.unwrap();
        let closed = app.closed_periods(org).await.unwrap();
        assert!(!closed.is_empty(), "{backend}: the demo closes periods");
        assert_eq!(closed, book.completed, "{backend}");

        // R-PLAN-4 worked out here: the active plans whose effective report had no positive
        // increment in each of the window's periods ending with the last close.
        let last = *closed.keys().next_back().unwrap();
        let window = app
            .fund_settings(org)
            .await
            .unwrap()
            .inadequate_plan_periods;
        let mut by_period = BTreeMap::new();
        let mut p = last;
        for _ in 0..window {
            by_period.insert(p, app.effective_reports(org, p).await.unwrap());
            p = p.prev();
        }
        let mut expected = Vec::new();
        for plan in &after {
            if plan.status != fund::PlanStatus::Active {
                continue;
            }
            let mut periods = Vec::new();
            let mut q = last;
            for _ in 0..window {
                let increment = by_period[&q].get(&plan.member_id).map(|r| {
                    plan.increment_minor(r.revenue.amount_minor(), r.profit.amount_minor())
                });
                if q.last_day() < plan.agreed_on || increment.is_some_and(|i| i > 0) {
                    break;
                }
                periods.push(q);
                q = q.prev();
            }
            if periods.len() == window as usize {
                periods.reverse();
                expected.push((plan.member_id, plan.id, periods));
            }
        }
        expected.sort();
        assert!(
            !expected.is_empty(),
            "{backend}: the demo has plans flagged"
        );
        let (at, flags) = app.plan_review_flags(org).await.unwrap();
        assert_eq!(at, Some(last), "{backend}");
        let mut got: Vec<_> = flags
            .iter()
            .map(|f| (f.member_id, f.plan_id, f.periods.clone()))
            .collect();
        got.sort();
        assert_eq!(got, expected, "{backend}");
        // With names, as before; each name the member's own.
        let everyone = names_one_by_one(&app, org).await;
        let (at, named) = app.flagged_plans(org).await.unwrap();
        assert_eq!(at, Some(last), "{backend}");
        assert_eq!(named.len(), flags.len(), "{backend}");
        for f in &named {
            assert_eq!(f.member_name, everyone[&f.flag.member_id], "{backend}");
        }
        // One member's flags: theirs among all, and nothing for a member with none.
        let (member, plan_id, periods) = expected[0].clone();
        let theirs = app.member_plan_review_flags(org, member).await.unwrap();
        assert_eq!(theirs.len(), 1, "{backend}");
        assert_eq!((theirs[0].plan_id, &theirs[0].periods), (plan_id, &periods));
        let unflagged = everyone
            .keys()
            .find(|m| !expected.iter().any(|(x, _, _)| x == *m))
            .unwrap();
        assert!(app
            .member_plan_review_flags(org, *unflagged)
            .await
            .unwrap()
            .is_empty());

        // Names: many (a page of members at a time) and few (one by one) agree with reading
        // each member; a missing member is an error, as reading it is.
        let all = app
            .member_names(org, everyone.keys().copied())
            .await
            .unwrap();
        assert_eq!(all, everyone, "{backend}");
        let few: Vec<MemberId> = everyone.keys().copied().step_by(7).take(5).collect();
        let some = app.member_names(org, few.iter().copied()).await.unwrap();
        assert_eq!(some.len(), 5);
        for id in &few {
            assert_eq!(some[id], everyone[id], "{backend}");
        }
        let missing = everyone.keys().next_back().unwrap() + 1_000;
        for ids in [
            vec![missing],
            everyone.keys().copied().chain([missing]).collect(),
        ] {
            assert!(app.member_names(org, ids).await.is_err(), "{backend}");
        }
    }
}

/// R-CRED-1: the initial deposit is the deposits dated from the founding day (inclusive) to
/// three months later (exclusive), worked out here from the grants, and equals the plain
/// computation over every entry of the trust accounts (the window's entries read whole, so a
/// reversal in the window cancels the grant it reverses).
#[tokio::test]
async fn r_cred_1_the_initial_deposit_reads_only_its_window_and_equals_every_entry_counted() {
    for app in credit_support::apps().await {
        let founded = demo::DemoSpec::morelos_union().start;
        let end = founded.checked_add_months(Months::new(3)).unwrap();
        let last_day = (end - founded).num_days() as u64 - 1;
        let grants = [
            (0, 1_000_000),
            (10, 4_000_000),
            (last_day, 250_000),
            (last_day + 1, 700_000),
            (130, 3_000_000),
        ];
        let org = credit_support::union_with_grants(&app, 3, &grants).await;
        // Each grant is split 50/50 between the two trust accounts (R-FUND-2), in one entry:
        // the window's grants count whole, once.
        let by_hand = 1_000_000 + 4_000_000 + 250_000;
        assert_eq!(app.initial_deposit_minor(org).await.unwrap(), by_hand);
        assert_eq!(plain_initial_deposit(&app, org).await, by_hand);

        // A reversal of the day-10 grant's entry, dated inside the window: it no longer
        // counts (issue 19; before, the grant still counted and the reversal was skipped).
        reverse_grant_raw(&app, org, 10, 20, "speed-odf:reversal").await;
        let by_hand = 1_000_000 + 250_000;
        assert_eq!(app.initial_deposit_minor(org).await.unwrap(), by_hand);
        assert_eq!(plain_initial_deposit(&app, org).await, by_hand);
    }
}

/// Reverses the grant entry dated `grant_day` days after the union's founding with an entry
/// dated `on_day` days after it, posted straight to the store (no event in the log).
async fn reverse_grant_raw(app: &App, org: OrgId, grant_day: u64, on_day: u64, key: &str) {
    let founded = demo::DemoSpec::morelos_union().start;
    let trust = AccountCode::parse("fund:trust-bank:development").unwrap();
    let first = app
        .store()
        .account_entries(org, &trust, Page::first(10))
        .await
        .unwrap();
    let grant = first
        .iter()
        .find(|s| s.entry.date() == founded + chrono::Days::new(grant_day))
        .unwrap();
    let key = ledger::IdempotencyKey::parse(key).unwrap();
    let reversal = grant
        .entry
        .reversal(grant.id, key, founded + chrono::Days::new(on_day));
    app.store().post(org, &reversal).await.unwrap();
}

/// R-CRED-1 computed plainly: every entry of both trust accounts, read page by page from the
/// first, each counted once, by `credit::line::deposit_of` when dated in the window.
async fn plain_initial_deposit(app: &App, org: OrgId) -> i64 {
    let start = app.store().org(org).await.unwrap().data.founded_on;
    let end = start.checked_add_months(Months::new(3)).unwrap();
    let mut seen = std::collections::BTreeSet::new();
    let mut sum: i128 = 0;
    for code in ["fund:trust-bank:development", "fund:trust-bank:competition"] {
        let account = AccountCode::parse(code).unwrap();
        let mut page = Page::first(MAX_PAGE);
        loop {
            let entries = app
                .store()
                .account_entries(org, &account, page)
                .await
                .unwrap();
            let Some(last) = entries.last() else { break };
            page.after_id = last.id;
            for s in entries.iter().filter(|s| seen.insert(s.id)) {
                let on = s.entry.date();
                if on >= start && on < end {
                    sum += credit::line::deposit_of(&s.entry);
                }
            }
        }
    }
    i64::try_from(sum.max(0)).unwrap()
}

/// R-CRED-1: the initial deposit kept for the lines page equals a fresh computation, before and
/// after a write to the organisation's log (a grant dated in the window), and on another day.
#[tokio::test]
async fn r_cred_1_the_kept_initial_deposit_equals_a_fresh_one_after_a_write() {
    for app in credit_support::apps().await {
        let grants = [(0, 1_000_000), (5, 2_000_000)];
        let org = credit_support::union_with_grants(&app, 3, &grants).await;
        let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
        let by_hand = 1_000_000 + 2_000_000;
        assert_eq!(
            app.kept_initial_deposit_minor(org, today).await.unwrap(),
            by_hand
        );
        // A raw post skips the log: the kept figure stays (it really is kept)...
        reverse_grant_raw(&app, org, 5, 6, "kept-deposit:reversal").await;
        assert_eq!(
            app.kept_initial_deposit_minor(org, today).await.unwrap(),
            by_hand
        );
        // ...and another day computes it afresh: the reversed grant no longer counts.
        let tomorrow = today.succ_opt().unwrap();
        assert_eq!(
            app.kept_initial_deposit_minor(org, tomorrow).await.unwrap(),
            1_000_000
        );
        assert_eq!(app.initial_deposit_minor(org).await.unwrap(), 1_000_000);
    }
}
