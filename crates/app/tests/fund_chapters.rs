//! A property across chapters (R-ORG-6, R-CRED-4, R-FUND-1, R-FUND-2, R-FUND-3, R-FUND-6,
//! R-PLAN-3): random sequences of collection-sheet payments (dues, loan installments, with the
//! trust's replenishment, contributions and profit share) interleaved with the credit daily
//! run's trust payments, grants and Competition spending. After every step the credit book,
//! the Fund's sub-funds, the trust's cash, the members' statements and the collection sheet's
//! amounts due agree with an independent model kept here in plain integer arithmetic, and
//! `check_books` finds nothing.

mod credit_support;

use app::credit_cases::{LoanApplication, OpenLineCmd, Scope};
use app::dues_cases::CollectionLine;
use app::fund_cases::{Audit, CloseOptions, ReportInput};
use app::{Actor, App, FactDate};
use chrono::NaiveDate;
use credit_support::*;
use fund::{CompetitionCategory, Period, Reporter};
use governance::ProposalKind;
use proptest::prelude::*;
use rust_decimal::Decimal;

/// The meeting's day: every step is dated then. The loans fell due on 2025-09-01.
fn today() -> NaiveDate {
    day(2025, 9, 10)
}

/// Members in the union; the first [`BORROWERS`] have a plan, a report and a loan.
const MEMBERS: u32 = 5;
const BORROWERS: usize = 3;
/// The grant the union starts with: 1,000.00 per sub-fund (R-FUND-2), a line of 4,000.00
/// (R-CRED-1: twice the initial deposit).
const FIRST_GRANT: i64 = 200_000;
/// R-ORG-6: the demo union's dues, 50.00 a month.
const DUES: i64 = 5_000;
/// R-FUND-3: what the board authorised for Competition spending.
const AUTHORISED: i64 = 150_000;
/// R-FUND-1, R-PLAN-3: each borrower's August, 15,000.00 of revenue and 4,000.00 of profit
/// against a baseline of 10,000.00 and 2,000.00: 10 % of 5,000.00 = 500.00 of contribution
/// (250.00 per sub-fund) and 25 % of 2,000.00 = 500.00 of profit share.
const CONTRIBUTION: i64 = 50_000;
const PROFIT_SHARE: i64 = 50_000;

/// A sub-fund pair (development, competition), minor units.
type Pair = (i64, i64);

fn plus(a: Pair, b: Pair) -> Pair {
    (a.0 + b.0, a.1 + b.1)
}

fn minus(a: Pair, b: Pair) -> Pair {
    (a.0 - b.0, a.1 - b.1)
}

/// R-FUND-2 / R-FUND-6: `amount` aimed at `target` for Development, within what each side of
/// `cap` holds.
fn aim(amount: i64, target: i64, cap: Pair) -> Option<Pair> {
    let (d, c) = (cap.0.max(0), cap.1.max(0));
    if amount > d + c {
        return None;
    }
    let dev = target.clamp((amount - c).max(0), amount.min(d));
    Some((dev, amount - dev))
}

/// `amount` in proportion to `out`, the Development side rounded up.
fn in_proportion(amount: i64, out: Pair) -> Option<Pair> {
    let out = (out.0.max(0), out.1.max(0));
    let total = out.0 + out.1;
    let target = if total == 0 {
        amount - amount / 2
    } else {
        (amount * out.0 + total - 1) / total
    };
    aim(amount, target, out)
}

/// One borrower's loan in the model: one row of `due` = principal + 1.5 % interest.
#[derive(Debug, Clone, Copy, Default)]
struct ModelLoan {
    due: i64,
    /// What the member paid the ODF.
    received: i64,
    /// What the trust paid the lender, per sub-fund.
    trust_paid: Pair,
    /// What went back into the trust, per sub-fund.
    replenished: Pair,
}

impl ModelLoan {
    fn active(&self) -> bool {
        self.received < self.due
    }
    fn trust_total(&self) -> i64 {
        self.trust_paid.0 + self.trust_paid.1
    }
    fn replenished_total(&self) -> i64 {
        self.replenished.0 + self.replenished.1
    }
    /// R-FUND-6: what the member paid goes back into the trust, up to what it paid.
    fn replenish(&mut self, trust: &mut Pair) {
        let amount = self.received.min(self.trust_total()) - self.replenished_total();
        if amount > 0 {
            let split = in_proportion(amount, minus(self.trust_paid, self.replenished))
                .expect("never more than the shortfall");
            self.replenished = plus(self.replenished, split);
            *trust = plus(*trust, split);
        }
    }
}

#[derive(Debug, Clone, Default)]
struct ModelMember {
    dues: i64,
    loan: Option<ModelLoan>,
    contribution_out: Pair,
    contribution_paid: Pair,
    profit_share_out: i64,
}

#[derive(Debug, Clone, Default)]
struct Model {
    trust: Pair,
    grants: Pair,
    owed: Pair,
    spent: i64,
    members: Vec<ModelMember>,
}

impl Model {
    fn sub_funds(&self) -> Pair {
        minus(plus(self.owed, self.grants), (0, self.spent))
    }

    /// R-FUND-3: an expense within the decision and Competition's cash is paid.
    fn spend(&mut self, amount: i64) -> bool {
        let fits = amount <= self.trust.1 && self.spent + amount <= AUTHORISED;
        if fits {
            self.spent += amount;
            self.trust.1 -= amount;
        }
        fits
    }

    /// The daily run: every active loan the trust has not paid, in loan order, if the trust
    /// holds it (aimed at half per sub-fund), then what the member already paid goes back.
    fn run(&mut self) -> usize {
        let mut paid = 0;
        for m in &mut self.members {
            let Some(loan) = m.loan.as_mut() else {
                continue;
            };
            if !loan.active() || loan.trust_total() > 0 {
                continue;
            }
            let Some(split) = aim(loan.due, loan.due - loan.due / 2, self.trust) else {
                continue;
            };
            self.trust = minus(self.trust, split);
            loan.trust_paid = split;
            loan.replenish(&mut self.trust);
            paid += 1;
        }
        paid
    }
}

#[derive(Debug, Clone)]
enum Op {
    /// A collection-sheet line for borrower or member `member`: quarters of what they owe in
    /// dues, loans and the Fund.
    Collect {
        member: usize,
        dues: i64,
        loan: i64,
        fund: i64,
    },
    Run,
    Grant(i64),
    Spend(i64),
    /// The daily run and a Competition expense sent at the same moment: the outcome is one of
    /// the two orders, never both from the same cash.
    RunWithSpend(i64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..MEMBERS as usize, 0..=4i64, 0..=4i64, 0..=4i64)
            .prop_map(|(member, dues, loan, fund)| Op::Collect { member, dues, loan, fund }),
        2 => Just(Op::Run),
        1 => (1..=120_000i64).prop_map(Op::Grant),
        2 => (1..=90_000i64).prop_map(Op::Spend),
        2 => (1..=90_000i64).prop_map(Op::RunWithSpend),
    ]
}

/// The union, its line, one loan per borrower (principals from `principals`, one month at
/// 18 % from 2025-08-01), August's close, September's dues and a Competition decision.
/// Answers the organisation, its members, the decision and the model of it all.
async fn setup(app: &App, principals: &[i64]) -> (i64, Vec<i64>, i64, Model) {
    let org = union_with_grants(app, MEMBERS, &[(10, FIRST_GRANT)]).await;
    let m = member_ids(app, org, MEMBERS).await;
    let audit = Audit::cli();
    app.open_credit_line(
        org,
        &Actor::cli(),
        OpenLineCmd {
            line_id: 1,
            lender_code: "nafin".into(),
            annual_rate: Decimal::new(18, 2),
            requested_limit_minor: None,
            opened_on: day(2025, 7, 1),
            review: None,
        },
    )
    .await
    .unwrap();
    let mut model = Model {
        trust: (FIRST_GRANT / 2, FIRST_GRANT / 2),
        grants: (FIRST_GRANT / 2, FIRST_GRANT / 2),
        members: vec![ModelMember::default(); MEMBERS as usize],
        ..Model::default()
    };
    for (i, &principal) in principals.iter().enumerate() {
        let loan_id = i as i64 + 1;
        let decision = board_approves(
            app,
            org,
            ProposalKind::Loan,
            &format!("loan:{loan_id}"),
            principal,
            day(2025, 7, 20),
        )
        .await;
        app.approve_loan(
            org,
            &Actor::cli(),
            LoanApplication {
                loan_id,
                line_id: 1,
                borrower: Some(m[i]),
                terms: credit::ScheduleInput::monthly(
                    principal,
                    Decimal::new(18, 2),
                    1,
                    day(2025, 8, 1),
                ),
                plan_recommended_minor: 5_000_000,
            },
            decision,
        )
        .await
        .unwrap();
        app.disburse_loan(org, &Actor::cli(), loan_id)
            .await
            .unwrap();
        // One row: the principal and a month of 18 % / 12 = 1.5 % (principals are multiples
        // of 200, so exact).
        model.members[i].loan = Some(ModelLoan {
            due: principal + principal * 15 / 1_000,
            ..ModelLoan::default()
        });
        app.agree_plan(
            org,
            doubling_plan(m[i], 1_000_000, 200_000),
            day(2025, 1, 20),
            &audit,
        )
        .await
        .unwrap();
        app.file_report(
            org,
            Period::month(2025, 8).unwrap(),
            ReportInput {
                member_id: m[i],
                revenue_minor: 1_500_000,
                profit_minor: 400_000,
                reported_by: Reporter::Member,
            },
            None,
            today(),
            &audit,
        )
        .await
        .unwrap();
        model.members[i].contribution_out = (CONTRIBUTION / 2, CONTRIBUTION / 2);
        model.members[i].profit_share_out = PROFIT_SHARE;
        model.owed = plus(model.owed, (CONTRIBUTION / 2, CONTRIBUTION / 2));
    }
    app.close_period(
        org,
        Period::month(2025, 8).unwrap(),
        today(),
        CloseOptions::default(),
        &audit,
    )
    .await
    .unwrap();
    app.charge_dues_period(org, "2025-09", today(), &Actor::cli())
        .await
        .unwrap();
    for member in &mut model.members {
        member.dues = DUES;
    }
    let fair = board_approves(
        app,
        org,
        ProposalKind::Expenditure,
        "feria",
        AUTHORISED,
        day(2025, 8, 20),
    )
    .await;
    (org, m, fair, model)
}

async fn apply(app: &App, org: i64, m: &[i64], fair: i64, n: usize, op: &Op, model: &mut Model) {
    let when = FactDate::new(Some(today()), today());
    match *op {
        Op::Collect {
            member,
            dues,
            loan,
            fund,
        } => {
            let mm = &mut model.members[member];
            let loan_owed = mm
                .loan
                .filter(ModelLoan::active)
                .map_or(0, |l| l.due - l.received);
            let fund_owed = mm.contribution_out.0 + mm.contribution_out.1 + mm.profit_share_out;
            let line = CollectionLine {
                member_id: m[member],
                dues_minor: mm.dues * dues / 4,
                loan_minor: loan_owed * loan / 4,
                fund_minor: fund_owed * fund / 4,
            };
            app.record_collection(org, &format!("hoja-{n}"), when, &[line], &Actor::cli())
                .await
                .unwrap_or_else(|e| panic!("step {n} {op:?}: {e}"));
            mm.dues -= line.dues_minor;
            if let Some(l) = mm.loan.as_mut() {
                l.received += line.loan_minor;
                l.replenish(&mut model.trust);
            }
            // Contributions first, in proportion to what is outstanding; then profit share.
            let out = mm.contribution_out;
            let c = line.fund_minor.min(out.0 + out.1);
            if c > 0 {
                let split = in_proportion(c, out).unwrap();
                mm.contribution_out = minus(mm.contribution_out, split);
                mm.contribution_paid = plus(mm.contribution_paid, split);
                model.trust = plus(model.trust, split);
            }
            mm.profit_share_out -= line.fund_minor - c;
        }
        Op::Run => {
            let expected = model.run();
            let r = app
                .run_credit_day(Scope::Org(org), today(), &Actor::cli())
                .await
                .unwrap();
            assert_eq!(r[0].installments_paid as usize, expected, "step {n}");
        }
        Op::Grant(amount) => {
            app.receive_grant(org, &format!("G-{n}"), "Nafin", amount, when, &Audit::cli())
                .await
                .unwrap();
            let split = (amount - amount / 2, amount / 2);
            model.grants = plus(model.grants, split);
            model.trust = plus(model.trust, split);
        }
        Op::Spend(amount) => {
            let spent = spend(app, org, fair, n, amount).await;
            assert_eq!(
                spent,
                model.spend(amount),
                "step {n}: {amount} against {model:?}"
            );
        }
        Op::RunWithSpend(amount) => {
            let cli = Actor::cli();
            let (run, spent) = tokio::join!(
                app.run_credit_day(Scope::Org(org), today(), &cli),
                spend(app, org, fair, n, amount),
            );
            let paid = run.unwrap()[0].installments_paid as usize;
            let trust = (
                app.store()
                    .account_balance(org, &code("fund:trust-bank:development"))
                    .await
                    .unwrap(),
                app.store()
                    .account_balance(org, &code("fund:trust-bank:competition"))
                    .await
                    .unwrap(),
            );
            // Either order, whichever the store saw: run then expense, or expense then run.
            let mut run_first = model.clone();
            let a = (run_first.run(), run_first.spend(amount), run_first.trust);
            let mut spend_first = model.clone();
            let spent_first = spend_first.spend(amount);
            let b = (spend_first.run(), spent_first, spend_first.trust);
            let seen = (paid, spent, trust);
            *model = if seen == a {
                run_first
            } else if seen == b {
                spend_first
            } else {
                panic!("step {n}: {seen:?} is neither order: run first {a:?}, expense first {b:?}")
            };
        }
    }
}

/// A Competition expense of `amount` (R-FUND-3): whether it was paid; a refusal names the
/// amount.
async fn spend(app: &App, org: i64, fair: i64, n: usize, amount: i64) -> bool {
    let out = app
        .spend_competition(
            org,
            &format!("S-{n}"),
            CompetitionCategory::TradeFairsAndSalesPromotion,
            "Feria",
            amount,
            Some(fair),
            FactDate::new(Some(today()), today()),
            &Audit::cli(),
        )
        .await;
    match out {
        Ok(_) => true,
        Err(e) => {
            assert_eq!(
                (e.rule_id(), e.field()),
                (Some("R-FUND-3"), Some("amount")),
                "{e}"
            );
            false
        }
    }
}

/// Every reader against the model, and the books against themselves.
async fn compare(app: &App, org: i64, m: &[i64], model: &Model, step: &str) {
    let balance = |c: &'static str| {
        let app = app.clone();
        async move { app.store().account_balance(org, &code(c)).await.unwrap() }
    };
    assert!(
        model.trust.0 >= 0 && model.trust.1 >= 0,
        "{step}: {model:?}"
    );
    let trust = (
        balance("fund:trust-bank:development").await,
        balance("fund:trust-bank:competition").await,
    );
    assert_eq!(trust, model.trust, "{step}: the trust's cash");
    let state = app.fund_state(org).await.unwrap();
    let sub = state.sub_funds();
    assert_eq!(
        (sub.development_minor, sub.competition_minor),
        model.sub_funds(),
        "{step}: the sub-funds"
    );
    let book = app.credit_book(org).await.unwrap();
    let sheet = app.collection_sheet(org, today(), None).await.unwrap();
    for (i, mm) in model.members.iter().enumerate() {
        let who = format!("{step}, member {i}");
        if let Some(l) = &mm.loan {
            let ls = &book.loans[&(i as i64 + 1)];
            let trust_paid: i64 = ls.trust_paid.values().map(|(p, i)| p + i).sum();
            assert_eq!(
                (ls.received_minor, trust_paid, ls.replenished_minor),
                (l.received, l.trust_total(), l.replenished_total()),
                "{who}: the credit book"
            );
        }
        let statement = app.member_fund_statement(org, m[i]).await.unwrap();
        let s = &statement.statement;
        assert_eq!(
            (
                s.contributions_paid.development_minor,
                s.contributions_paid.competition_minor,
                s.contributions_outstanding_minor,
                s.profit_share_paid_minor,
                statement.dues_arrears_minor,
            ),
            (
                mm.contribution_paid.0,
                mm.contribution_paid.1,
                mm.contribution_out.0 + mm.contribution_out.1,
                if mm.loan.is_some() {
                    PROFIT_SHARE - mm.profit_share_out
                } else {
                    0
                },
                mm.dues,
            ),
            "{who}: the statement"
        );
        let row = sheet
            .rows
            .iter()
            .find(|r| r.member_id == m[i])
            .unwrap_or_else(|| panic!("{who}: not on the sheet"));
        let (loan_due, trust_unreplenished) = match mm.loan.filter(ModelLoan::active) {
            Some(l) => (
                l.due - l.received,
                (l.trust_total() - l.replenished_total()).min(l.due - l.received),
            ),
            None => (0, 0),
        };
        assert_eq!(
            (
                row.dues_minor,
                row.loan_due_minor,
                row.trust_paid_minor,
                row.contribution_minor,
                row.profit_share_minor,
            ),
            (
                mm.dues,
                loan_due,
                trust_unreplenished,
                mm.contribution_out.0 + mm.contribution_out.1,
                mm.profit_share_out,
            ),
            "{who}: the collection sheet"
        );
    }
    let check = app.check_books(org).await.unwrap();
    assert!(
        check.ok(),
        "{step}: {:?}",
        check.failures().collect::<Vec<_>>()
    );
}

async fn run(principals: Vec<i64>, ops: Vec<Op>) {
    for app in apps().await {
        let (org, m, fair, mut model) = setup(&app, &principals).await;
        compare(&app, org, &m, &model, "setup").await;
        for (n, op) in ops.iter().enumerate() {
            apply(&app, org, &m, fair, n, op, &mut model).await;
            compare(&app, org, &m, &model, &format!("step {n} {op:?}")).await;
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, max_shrink_iters: 16, ..ProptestConfig::default() })]
    #[test]
    fn collections_trust_payments_and_fund_operations_keep_every_reader_in_agreement(
        principals in proptest::collection::vec(prop_oneof![Just(40_000i64), Just(80_000), Just(120_000)], BORROWERS),
        ops in proptest::collection::vec(op(), 1..14),
    ) {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(run(principals, ops));
    }
}
