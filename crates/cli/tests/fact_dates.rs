//! `--on` and `plan list --flagged` end to end (issue 14), on a SQLite file and, when
//! `TEQUIO_TEST_PG_URL` is set, on a fresh PostgreSQL database: a plan agreed, reports filed, a
//! grant received and a payment made on the days given (the dates of what they recorded); a
//! day after today or before the organisation was founded refused with exit code 65 naming
//! `on`; and a plan with no increment for three closed months listed by `--flagged` and by the
//! close that flagged it, with its member's name.

use app::App;
use chrono::NaiveDate;
use std::process::{Command, Output};
use std::sync::Arc;
use store::{MemberId, NewOrg, OrgId};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn tequio(url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tequio"))
        .arg("--database-url")
        .arg(url)
        .args(args)
        .env_remove("TEQUIO_CONFIG")
        .env("TEQUIO_LOG", "warn")
        .output()
        .expect("the tequio binary runs")
}

fn ok(url: &str, args: &[&str]) -> String {
    let out = tequio(url, args);
    assert!(
        out.status.success(),
        "tequio {args:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The command is refused as bad input (65), naming `on` and why; nothing is written.
fn refused(url: &str, args: &[&str], why: &str) {
    let out = tequio(url, args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(65), "{args:?}: {stderr}");
    assert!(
        stderr.contains("on: ") && stderr.contains(why),
        "{args:?}: {stderr}"
    );
}

async fn open(url: &str) -> App {
    let store: Arc<dyn store::Store> = match url.strip_prefix("sqlite://") {
        Some(path) => Arc::new(
            store_sqlite::SqliteStore::open(std::path::Path::new(path))
                .await
                .unwrap(),
        ),
        None => Arc::new(store_postgres::PgStore::connect(url).await.unwrap()),
    };
    App::new(store)
}

fn member(n: u32, given: &str) -> registry::NewMember {
    let first17 = format!("PELS8001{:02}MMSRRP{n}", n + 1);
    registry::NewMember {
        curp: registry::Curp::with_check_digit(&first17).unwrap(),
        rfc: None,
        given_names: given.into(),
        surnames: "Pérez Luna".into(),
        sex: registry::Sex::Female,
        birth_date: d(1980, 1, n + 1),
        municipality: "Tlayacapan".into(),
        state: "Morelos".into(),
        trade: "alfarería".into(),
        household_size: 3,
        profile: registry::Profile::MicroProducer,
        declared_programmes: Default::default(),
        joined_on: d(2026, 1, 5),
        letter: registry::LetterOfCommitment {
            signed_on: d(2026, 1, 5),
        },
    }
}

/// An organisation founded 2026-01-01 with two members who joined 2026-01-05.
async fn setup(url: &str) -> (OrgId, Vec<MemberId>) {
    let app = open(url).await;
    let org = app
        .store()
        .create_org(&NewOrg {
            slug: "fechas".into(),
            name: "ODF Fechas".into(),
            group_name: "Grupo".into(),
            state: "Morelos".into(),
            municipality: "Tlayacapan".into(),
            trade: "alfarería".into(),
            founded_on: d(2026, 1, 1),
            currency: ledger::Currency::MXN,
            dues_amount_minor: 0,
            dues_period_months: 1,
        })
        .await
        .unwrap();
    let members = [member(0, "Socia Cero"), member(1, "Socia Uno")];
    app.store()
        .import_members(org.id, &members, &[])
        .await
        .unwrap();
    let stored = app
        .store()
        .members(org.id, store::Page::first(10))
        .await
        .unwrap();
    (org.id, stored.iter().map(|m| m.id).collect())
}

/// The date of the organisation's last entry.
async fn last_entry_date(url: &str, org: OrgId) -> NaiveDate {
    let app = open(url).await;
    let mut page = store::Page::first(1000);
    let mut last = None;
    loop {
        let entries = app.store().entries(org, page).await.unwrap();
        let Some(e) = entries.last() else { break };
        page.after_id = e.id;
        last = Some(e.entry.date());
    }
    last.unwrap()
}

fn args(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

fn facts_carry_their_date(url: &str) {
    let (org, m) = block_on(setup(url));
    let (m0, m1) = (m[0].to_string(), m[1].to_string());
    let agree = |member: &str, on: &str| {
        vec![
            "plan".to_string(),
            "agree".into(),
            "--org".into(),
            "fechas".into(),
            "--member".into(),
            member.into(),
            "--baseline-revenue".into(),
            "5000.00".into(),
            "--baseline-profit".into(),
            "1000.00".into(),
            "--target".into(),
            "10000.00".into(),
            "--by".into(),
            "2027-12-31".into(),
            "--measure".into(),
            "Horno de gas".into(),
            "--on".into(),
            on.into(),
        ]
    };
    refused(url, &args(&agree(&m0, "2099-01-01")), "posterior a hoy");
    refused(
        url,
        &args(&agree(&m0, "2025-12-31")),
        "anterior a la fundación",
    );
    assert!(ok(url, &args(&agree(&m0, "2026-03-01"))).starts_with("plan 1: acordado"));
    assert!(ok(url, &args(&agree(&m1, "2026-03-01"))).starts_with("plan 2: acordado"));
    let shown = ok(url, &["plan", "show", "--org", "fechas", "--plan", "1"]);
    assert!(shown.contains("\n  2026-03-01 Agreed"), "{shown}");

    // Member 0 reports exactly the baseline, member 1 1,000.00 more revenue and 400.00 more
    // profit, each month filed on the 2nd of the next.
    let report = |member: &str, period: &str, revenue: &str, profit: &str, on: &str| {
        let a = [
            "report",
            "add",
            "--org",
            "fechas",
            "--period",
            period,
            "--member",
            member,
            "--revenue",
            revenue,
            "--profit",
            profit,
            "--on",
            on,
        ];
        tequio(url, &a)
    };
    let future = report(&m0, "2026-03", "5000.00", "1000.00", "2099-01-01");
    assert_eq!(future.status.code(), Some(65));
    assert!(String::from_utf8_lossy(&future.stderr).contains("posterior a hoy"));
    let close = |period: &str| ok(url, &["close", "--org", "fechas", "--period", period]);
    let flagged = || ok(url, &["plan", "list", "--org", "fechas", "--flagged"]);
    for (period, on) in [
        ("2026-03", "2026-04-02"),
        ("2026-04", "2026-05-02"),
        ("2026-05", "2026-06-02"),
    ] {
        assert!(report(&m0, period, "5000.00", "1000.00", on)
            .status
            .success());
        assert!(report(&m1, period, "6000.00", "1400.00", on)
            .status
            .success());
        let closed = close(period);
        if period == "2026-05" {
            // March, April and May without an increment: flagged, for the first time.
            assert!(
                closed.contains("planes marcados R-PLAN-4: 1 (1 nuevos)"),
                "{closed}"
            );
            assert!(
                closed.contains(&format!(
                    "  plan 1 marcado para revisión (R-PLAN-4): socio {m0} Socia Cero Pérez Luna"
                )),
                "{closed}"
            );
        } else {
            // February is before the plan: fewer than three months to judge.
            assert!(
                closed.contains("planes marcados R-PLAN-4: 0 (0 nuevos)"),
                "{closed}"
            );
            assert_eq!(flagged().lines().count(), 2, "title and header only");
        }
        if period == "2026-03" {
            // R-PLAN-3, R-FUND-1: member 1 owes 10% of 1,000.00 (100.00) and 25% of 400.00
            // (100.00); paid on 2026-04-20.
            refused(
                url,
                &[
                    "fund",
                    "pay",
                    "--org",
                    "fechas",
                    "--ref",
                    "P-1",
                    "--member",
                    &m1,
                    "--on",
                    "2099-01-01",
                ],
                "posterior a hoy",
            );
            let paid = ok(
                url,
                &[
                    "fund",
                    "pay",
                    "--org",
                    "fechas",
                    "--ref",
                    "P-1",
                    "--member",
                    &m1,
                    "--on",
                    "2026-04-20",
                ],
            );
            assert_eq!(
                paid.trim(),
                "pago: aportaciones 100.00 y participación 100.00"
            );
            assert_eq!(block_on(last_entry_date(url, org)), d(2026, 4, 20));
        }
    }
    let reports = block_on(async {
        open(url)
            .await
            .reports(org, fund::Period::month(2026, 4).unwrap())
            .await
            .unwrap()
    });
    assert_eq!(reports.len(), 2);
    assert!(reports.iter().all(|r| r.reported_on == d(2026, 5, 2)));

    let list = flagged();
    assert_eq!(
        list.lines().collect::<Vec<_>>(),
        vec![
            "planes marcados para revisión (R-PLAN-4) al cierre de 2026-05",
            "plan\tsocio\tnombre\tperiodos_sin_incremento",
            &format!("1\t{m0}\tSocia Cero Pérez Luna\t2026-03 2026-04 2026-05"),
        ]
    );

    // A grant received on 2026-03-15, recorded today: its entry is dated 2026-03-15.
    let grant = |on: &str| {
        vec![
            "fund", "grant", "--org", "fechas", "--ref", "G-1", "--donor", "Nafin", "--amount",
            "1000.00", "--on", on,
        ]
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>()
    };
    refused(url, &args(&grant("2025-12-31")), "anterior a la fundación");
    assert_eq!(
        ok(url, &args(&grant("2026-03-15"))).trim(),
        "donativo: registrado (grant:G-1)"
    );
    assert_eq!(block_on(last_entry_date(url, org)), d(2026, 3, 15));
}

#[test]
fn on_dates_plans_reports_grants_and_payments_and_flagged_plans_are_listed_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("fechas.db").display());
    facts_carry_their_date(&url);
}

#[test]
fn on_dates_plans_reports_grants_and_payments_and_flagged_plans_are_listed_postgres() {
    let url = match std::env::var("TEQUIO_TEST_PG_URL") {
        Ok(u) if !u.trim().is_empty() => u,
        _ if std::env::var_os("CI").is_some()
            || std::env::var_os("TEQUIO_REQUIRE_ALL").is_some() =>
        {
            panic!("TEQUIO_TEST_PG_URL is not set but CI/TEQUIO_REQUIRE_ALL is")
        }
        _ => {
            eprintln!("skipping PostgreSQL: TEQUIO_TEST_PG_URL is not set (scripts/pg-up)");
            return;
        }
    };
    let name = format!(
        "tequio_t_cli_fechas_{}_{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs(),
        std::process::id()
    );
    block_on(async {
        use sqlx::Connection;
        let mut admin = sqlx::PgConnection::connect(&url).await.unwrap();
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .unwrap();
    });
    let (base, _) = url.rsplit_once('/').unwrap();
    facts_carry_their_date(&format!("{base}/{name}"));
}
