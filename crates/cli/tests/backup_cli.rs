//! `tequio backup` and `tequio restore` (issue 16, operations), end to end through the binary.
//!
//! The round trip under load: writers file income reports (R-PLAN-2) and receive Fund grants
//! (R-FUND-1, R-FUND-2) through the app, four at a time, while `tequio backup` copies the
//! database; the writes acknowledged before the backup began are recorded, the copy is restored
//! into a new database by `tequio restore`, whose books' check must pass (and `tequio check`
//! again), and every recorded write must be in it. On SQLite always, on PostgreSQL when
//! `TEQUIO_TEST_PG_URL` is set and `pg_dump`/`pg_restore` are on the PATH (both required when
//! `TEQUIO_REQUIRE_ALL` or `CI` is set).
//!
//! Then the refusals: a backup never replaces a file without `--force` and leaves no temporary
//! file behind; a restore refuses a database that is not empty (and keeps the one it replaces
//! with `--force`), and refuses a file that is not a backup, or the other backend's.

use app::{App, Audit};
use chrono::NaiveDate;
use fund::{NewBusinessPlan, Period, Reporter, Target, TargetMeasure};
use ledger::{AccountCode, Currency, Money};
use registry::{Curp, LetterOfCommitment, NewMember, Profile, Sex};
use std::path::Path;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use store::{MemberId, NewOrg, OrgId};

const SLUG: &str = "respaldo";
const MEMBERS: usize = 40;
const WRITERS: usize = 4;
/// Members each writer files reports for (its own, so no two writers file the same report).
const MEMBERS_PER_WRITER: usize = MEMBERS / WRITERS;
/// Periods reported: 2025-02 .. 2026-10.
const PERIODS: usize = 21;
/// Writes acknowledged before the backup starts.
const BEFORE: usize = 24;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// The day the writes are filed: every period reported is over.
fn filed_on() -> NaiveDate {
    d(2026, 11, 22)
}

fn audit() -> Audit {
    Audit::new("prueba", "test")
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

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn ok(what: &str, output: &Output) -> String {
    assert!(
        output.status.success(),
        "{what}: exit {:?}\n{}\n{}",
        output.status.code(),
        text(&output.stdout),
        text(&output.stderr)
    );
    text(&output.stdout)
}

fn member(n: usize) -> NewMember {
    let homoclave = b"0123456789"[n % 10] as char;
    let day = n / 10 + 1;
    let first17 = format!("GOML8001{day:02}MMSRRP{homoclave}");
    NewMember {
        curp: Curp::with_check_digit(&first17).unwrap(),
        rfc: None,
        given_names: format!("Socia {n}"),
        surnames: "Gómez López".into(),
        sex: Sex::Female,
        birth_date: d(1980, 1, day as u32),
        municipality: "Tlayacapan".into(),
        state: "Morelos".into(),
        trade: "alfarería".into(),
        household_size: 4,
        profile: Profile::MicroProducer,
        declared_programmes: Default::default(),
        joined_on: d(2025, 1, 15),
        letter: LetterOfCommitment {
            signed_on: d(2025, 1, 15),
        },
    }
}

/// An ODF founded 2025-01-01 with [`MEMBERS`] members, each with a plan agreed 2025-01-20.
async fn odf(app: &App) -> (OrgId, Vec<MemberId>) {
    let org = app
        .store()
        .create_org(&NewOrg {
            slug: SLUG.into(),
            name: "ODF de respaldo".into(),
            group_name: "Grupo".into(),
            state: "Morelos".into(),
            municipality: "Tlayacapan".into(),
            trade: "alfarería".into(),
            founded_on: d(2025, 1, 1),
            currency: Currency::MXN,
            dues_amount_minor: 0,
            dues_period_months: 1,
        })
        .await
        .unwrap();
    let members: Vec<NewMember> = (0..MEMBERS).map(member).collect();
    app.store()
        .import_members(org.id, &members, &[])
        .await
        .unwrap();
    let ids: Vec<MemberId> = app
        .store()
        .members(org.id, store::Page::first(1000))
        .await
        .unwrap()
        .iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(ids.len(), MEMBERS);
    for &id in &ids {
        app.agree_plan(
            org.id,
            NewBusinessPlan {
                member_id: id,
                baseline_revenue: Money::mxn(40_000),
                baseline_profit: Money::mxn(10_000),
                target: Target {
                    measure: TargetMeasure::Revenue,
                    amount: Money::mxn(80_000),
                    by: d(2027, 12, 31),
                },
                measures: vec!["Comprar un horno de gas".into()],
                services: vec![fund::OdfService::Sales],
            },
            d(2025, 1, 20),
            &audit(),
        )
        .await
        .unwrap();
    }
    (org.id, ids)
}

/// One write the app acknowledged.
#[derive(Debug, Clone)]
enum Write {
    Grant {
        reference: String,
        amount: i64,
    },
    Report {
        member: MemberId,
        period: Period,
        revenue: i64,
    },
}

/// Writer `w`'s `n`-th write: grants and reports in turn; None when it has no more reports.
fn write_of(w: usize, n: usize, members: &[MemberId]) -> Option<Write> {
    let k = n / 2;
    if n % 2 != 1 {
        return Some(Write::Grant {
            reference: format!("g{w}-{k}"),
            // Distinct amounts in centavos (10,000.00 MXN and up), odd ones among them (the
            // split's rounding, R-FUND-2).
            amount: 1_000_000 + (w * 1_000 + k) as i64,
        });
    }
    let month = k / MEMBERS_PER_WRITER;
    if month >= PERIODS {
        return None;
    }
    let (year, month) = (2025 + (month + 1) / 12, (month + 1) % 12 + 1);
    Some(Write::Report {
        member: members[w * MEMBERS_PER_WRITER + k % MEMBERS_PER_WRITER],
        period: Period::month(year as i32, month as u32).unwrap(),
        revenue: 50_000 + (w * 1_000 + k) as i64,
    })
}

async fn apply(app: &App, org: OrgId, write: &Write) {
    match write {
        Write::Grant { reference, amount } => {
            app.receive_grant(org, reference, "Donante", *amount, filed_on(), &audit())
                .await
                .unwrap_or_else(|e| panic!("{write:?}: {e}"));
        }
        Write::Report {
            member,
            period,
            revenue,
        } => {
            app.file_report(
                org,
                *period,
                app::fund_cases::ReportInput {
                    member_id: *member,
                    revenue_minor: *revenue,
                    profit_minor: revenue / 4,
                    reported_by: Reporter::Member,
                },
                None,
                filed_on(),
                &audit(),
            )
            .await
            .unwrap_or_else(|e| panic!("{write:?}: {e}"));
        }
    }
}

/// Whether the write is in the (restored) database.
async fn holds(app: &App, org: OrgId, write: &Write) -> bool {
    match write {
        Write::Grant { reference, .. } => {
            match app
                .store()
                .event_by_key(org, &format!("grant:{reference}"))
                .await
            {
                Ok(_) => true,
                Err(store::StoreError::NotFound { .. }) => false,
                Err(e) => panic!("{e}"),
            }
        }
        Write::Report {
            member,
            period,
            revenue,
        } => app.reports(org, *period).await.unwrap().iter().any(|r| {
            r.member_id == *member && r.revenue == Money::mxn(*revenue) && r.supersedes.is_none()
        }),
    }
}

/// The round trip: writers run while `tequio backup` copies `source_url`; the copy restored
/// into `target_url` passes the books' check and holds every write acknowledged before the
/// backup began.
async fn round_trip_under_load(
    backend: &str,
    source: App,
    source_url: &str,
    target_url: &str,
    dir: &Path,
) {
    let (org, members) = odf(&source).await;
    let source = Arc::new(source);
    let acked: Arc<Mutex<Vec<Write>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let mut writers = tokio::task::JoinSet::new();
    for w in 0..WRITERS {
        let (app, acked, stop, members) =
            (source.clone(), acked.clone(), stop.clone(), members.clone());
        writers.spawn(async move {
            let mut n = 0;
            while !stop.load(Ordering::SeqCst) {
                let Some(write) = write_of(w, n, &members) else {
                    break;
                };
                apply(&app, org, &write).await;
                acked.lock().unwrap().push(write);
                n += 1;
            }
        });
    }
    let waited = Instant::now();
    while acked.lock().unwrap().len() < BEFORE {
        assert!(
            waited.elapsed() < Duration::from_secs(120),
            "{backend}: the writers are stuck"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let file = dir.join(format!("copia-{backend}.bak"));
    let file_arg = file.display().to_string();
    // A backup during which no write was acknowledged proves nothing about load: taken again
    // (a few times at most) until writes overlap it.
    let mut attempt = 0;
    let (before, during) = loop {
        attempt += 1;
        // Every write recorded here was acknowledged before the backup began.
        let before: Vec<Write> = acked.lock().unwrap().clone();
        let backup = {
            let (url, file) = (source_url.to_string(), file_arg.clone());
            tokio::task::spawn_blocking(move || tequio(&url, &["backup", "--to", &file, "--force"]))
                .await
                .unwrap()
        };
        let during = acked.lock().unwrap().len() - before.len();
        ok(&format!("{backend}: tequio backup"), &backup);
        if during > 0 || attempt == 5 {
            break (before, during);
        }
    };
    stop.store(true, Ordering::SeqCst);
    while let Some(done) = writers.join_next().await {
        done.expect("a writer failed while the backup ran");
    }
    let all: Vec<Write> = acked.lock().unwrap().clone();
    assert!(
        during > 0,
        "{backend}: no write was acknowledged while any of {attempt} backups ran"
    );
    eprintln!(
        "{backend}: {} writes before the backup, {during} while it ran, {} in all",
        before.len(),
        all.len()
    );
    // Only the copy is left in the directory: no temporary file.
    let names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(&format!("copia-{backend}")))
        .collect();
    assert_eq!(names, vec![format!("copia-{backend}.bak")], "{backend}");

    let file = file.display().to_string();
    let restored = tequio(target_url, &["restore", "--from", &file]);
    let stdout = ok(&format!("{backend}: tequio restore"), &restored);
    assert!(stdout.contains(", 0 con FALLA"), "{backend}:\n{stdout}");
    assert!(
        stdout
            .lines()
            .any(|l| l.contains("Fondo = subfondos") && l.contains(SLUG) && l.ends_with("ok")),
        "{backend}:\n{stdout}"
    );
    ok(
        &format!("{backend}: tequio check on the copy"),
        &tequio(target_url, &["check", "--org", SLUG]),
    );

    let copy = App::new(tequio_open(target_url).await);
    let copy_org = copy.store().org_by_slug(SLUG).await.unwrap().id;
    for write in &before {
        assert!(
            holds(&copy, copy_org, write).await,
            "{backend}: the copy lacks {write:?}, acknowledged before the backup began"
        );
    }
    // The copy's Fund is exactly the grants it holds, summed here (credit balances are
    // negative): it is one moment's state, not a mix.
    let mut grants_held = 0i64;
    let mut held = 0usize;
    for write in &all {
        if holds(&copy, copy_org, write).await {
            held += 1;
            if let Write::Grant { amount, .. } = write {
                grants_held += amount;
            }
        }
    }
    let balance = |code: &'static str| {
        let copy = &copy;
        async move {
            copy.store()
                .account_balance(copy_org, &AccountCode::parse(code).unwrap())
                .await
                .unwrap()
        }
    };
    let fund = -(balance("fund:development").await + balance("fund:competition").await);
    assert_eq!(fund, grants_held, "{backend}: the Fund of the copy");
    assert!(held >= before.len(), "{backend}");
    eprintln!(
        "{backend}: the copy holds {held} of the {} writes",
        all.len()
    );
}

async fn tequio_open(url: &str) -> Arc<dyn store::Store> {
    if url.starts_with("postgres") {
        Arc::new(store_postgres::PgStore::connect(url).await.unwrap())
    } else {
        let path = url.strip_prefix("sqlite://").unwrap();
        Arc::new(
            store_sqlite::SqliteStore::open(Path::new(path))
                .await
                .unwrap(),
        )
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_backup_and_restore_round_trip_under_load() {
    let dir = tempfile::tempdir().unwrap();
    let source_url = format!("sqlite://{}", dir.path().join("libros.db").display());
    let target_url = format!("sqlite://{}", dir.path().join("restaurada.db").display());
    let source = App::new(tequio_open(&source_url).await);
    round_trip_under_load("sqlite", source, &source_url, &target_url, dir.path()).await;
}

fn require_all() -> bool {
    std::env::var_os("CI").is_some() || std::env::var_os("TEQUIO_REQUIRE_ALL").is_some()
}

/// Whether `tool` runs (`--version`).
fn on_path(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// A new, empty database on the test server: its URL and name.
async fn fresh_pg_database(base_url: &str, label: &str) -> (String, String) {
    use sqlx::Connection;
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let name = format!(
        "tequio_t_{}_{label}_{}_{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs(),
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    );
    let mut admin = sqlx::PgConnection::connect(base_url).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .unwrap();
    let (base, _) = base_url.rsplit_once('/').unwrap();
    (format!("{base}/{name}"), name)
}

async fn drop_pg_database(base_url: &str, name: &str) {
    use sqlx::Connection;
    if let Ok(mut admin) = sqlx::PgConnection::connect(base_url).await {
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut admin)
            .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_backup_and_restore_round_trip_under_load() {
    let base = match std::env::var("TEQUIO_TEST_PG_URL") {
        Ok(u) if !u.trim().is_empty() => u,
        _ if require_all() => panic!("TEQUIO_TEST_PG_URL is not set but CI/TEQUIO_REQUIRE_ALL is"),
        _ => {
            eprintln!("skipping PostgreSQL: TEQUIO_TEST_PG_URL is not set (scripts/pg-up)");
            return;
        }
    };
    if !(on_path("pg_dump") && on_path("pg_restore")) {
        assert!(
            !require_all(),
            "pg_dump and pg_restore must be on the PATH (scripts/system-deps)"
        );
        eprintln!("skipping PostgreSQL: pg_dump or pg_restore is not on the PATH");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (source_url, source_name) = fresh_pg_database(&base, "backup_src").await;
    let (target_url, target_name) = fresh_pg_database(&base, "backup_dst").await;
    let source = App::new(tequio_open(&source_url).await);
    round_trip_under_load("postgres", source, &source_url, &target_url, dir.path()).await;

    // The restored database is no longer empty: restoring again is refused, and --force
    // replaces what the copy holds (its books pass again).
    let file = dir.path().join("copia-postgres.bak").display().to_string();
    let again = tequio(&target_url, &["restore", "--from", &file]);
    assert_eq!(again.status.code(), Some(65), "{}", text(&again.stderr));
    assert!(
        text(&again.stderr).contains("no está vacía"),
        "{}",
        text(&again.stderr)
    );
    let forced = tequio(&target_url, &["restore", "--from", &file, "--force"]);
    assert!(ok("postgres: restore --force", &forced).contains(", 0 con FALLA"));
    // A SQLite copy is not restored into PostgreSQL.
    let sqlite_copy = dir.path().join("otra.db");
    std::fs::write(&sqlite_copy, b"SQLite format 3\0rest").unwrap();
    let wrong = tequio(
        &target_url,
        &["restore", "--from", &sqlite_copy.display().to_string()],
    );
    assert_eq!(wrong.status.code(), Some(65), "{}", text(&wrong.stderr));
    assert!(
        text(&wrong.stderr).contains("copia de SQLite"),
        "{}",
        text(&wrong.stderr)
    );
    drop_pg_database(&base, &source_name).await;
    drop_pg_database(&base, &target_name).await;
}

/// A small Tequio database file with one organisation.
async fn small_db(path: &Path) -> String {
    let url = format!("sqlite://{}", path.display());
    let store = tequio_open(&url).await;
    let app = App::new(store);
    app.store()
        .create_org(&NewOrg {
            slug: SLUG.into(),
            name: "ODF de respaldo".into(),
            group_name: "Grupo".into(),
            state: "Morelos".into(),
            municipality: "Tlayacapan".into(),
            trade: "alfarería".into(),
            founded_on: d(2025, 1, 1),
            currency: Currency::MXN,
            dues_amount_minor: 0,
            dues_period_months: 1,
        })
        .await
        .unwrap();
    app.receive_grant(
        app.store().org_by_slug(SLUG).await.unwrap().id,
        "g-1",
        "Donante",
        123_457,
        filed_on(),
        &audit(),
    )
    .await
    .unwrap();
    url
}

#[tokio::test]
async fn a_backup_never_replaces_a_file_unless_forced_nor_creates_a_missing_database() {
    let dir = tempfile::tempdir().unwrap();
    let url = small_db(&dir.path().join("libros.db")).await;
    let to = dir.path().join("copia.db");
    std::fs::write(&to, b"otra cosa").unwrap();
    let to_arg = to.display().to_string();
    let refused = tequio(&url, &["backup", "--to", &to_arg]);
    assert_eq!(refused.status.code(), Some(65), "{}", text(&refused.stderr));
    assert!(
        text(&refused.stderr).contains("--force"),
        "{}",
        text(&refused.stderr)
    );
    assert_eq!(std::fs::read(&to).unwrap(), b"otra cosa");
    ok(
        "backup --force",
        &tequio(&url, &["backup", "--to", &to_arg, "--force"]),
    );
    assert!(std::fs::read(&to)
        .unwrap()
        .starts_with(b"SQLite format 3\0"));
    // Nothing but the database (and its logs) and the copy: no temporary file.
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with("libros.db"))
        .collect();
    names.sort();
    assert_eq!(names, ["copia.db"]);

    // A database that does not exist is not created by a backup: exit 69, no copy.
    let missing = format!("sqlite://{}", dir.path().join("no-existe.db").display());
    let nowhere = dir.path().join("nada.db");
    let out = tequio(
        &missing,
        &["backup", "--to", &nowhere.display().to_string()],
    );
    assert_eq!(out.status.code(), Some(69), "{}", text(&out.stderr));
    assert!(!dir.path().join("no-existe.db").exists());
    assert!(!nowhere.exists());
}

#[tokio::test]
async fn a_restore_refuses_a_database_with_data_unless_forced_and_keeps_the_one_it_replaces() {
    let dir = tempfile::tempdir().unwrap();
    let url = small_db(&dir.path().join("libros.db")).await;
    let copy = dir.path().join("copia.db").display().to_string();
    ok("backup", &tequio(&url, &["backup", "--to", &copy]));
    let target_path = dir.path().join("nueva.db");
    let target = format!("sqlite://{}", target_path.display());
    let first = ok("restore", &tequio(&target, &["restore", "--from", &copy]));
    assert!(first.contains(", 0 con FALLA"), "{first}");
    // The restored grant is there: 1,234.57 MXN (123,457 centavos) in the Fund.
    let app = App::new(tequio_open(&target).await);
    let org = app.store().org_by_slug(SLUG).await.unwrap().id;
    let fund = app
        .store()
        .account_balance(org, &AccountCode::parse("fund:development").unwrap())
        .await
        .unwrap()
        + app
            .store()
            .account_balance(org, &AccountCode::parse("fund:competition").unwrap())
            .await
            .unwrap();
    assert_eq!(fund, -123_457);
    drop(app);

    let refused = tequio(&target, &["restore", "--from", &copy]);
    assert_eq!(refused.status.code(), Some(65), "{}", text(&refused.stderr));
    assert!(
        text(&refused.stderr).contains("--force"),
        "{}",
        text(&refused.stderr)
    );
    let forced = ok(
        "restore --force",
        &tequio(&target, &["restore", "--from", &copy, "--force"]),
    );
    assert!(forced.contains(", 0 con FALLA"), "{forced}");
    let kept: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| {
            n.starts_with("nueva.db.replaced-") && !n.ends_with("-wal") && !n.ends_with("-shm")
        })
        .collect();
    assert_eq!(kept.len(), 1, "the replaced database is kept: {kept:?}");

    // What is not a backup is refused, and nothing is created.
    let fresh = dir.path().join("otra.db");
    let fresh_url = format!("sqlite://{}", fresh.display());
    let text_file = dir.path().join("notas.txt");
    std::fs::write(&text_file, "no soy una copia\n").unwrap();
    let out = tequio(
        &fresh_url,
        &["restore", "--from", &text_file.display().to_string()],
    );
    assert_eq!(out.status.code(), Some(65), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("no es una copia de Tequio"),
        "{}",
        text(&out.stderr)
    );
    let pg_dump = dir.path().join("pg.bak");
    std::fs::write(&pg_dump, b"PGDMP\x01\x0e\x00").unwrap();
    let out = tequio(
        &fresh_url,
        &["restore", "--from", &pg_dump.display().to_string()],
    );
    assert_eq!(out.status.code(), Some(65), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("PostgreSQL"),
        "{}",
        text(&out.stderr)
    );
    assert!(!fresh.exists());
}

/// A backup killed at any moment leaves, under the final name, either nothing or a complete
/// copy that restores and passes the check: never a half file.
#[tokio::test]
async fn a_killed_backup_never_leaves_a_half_file_under_the_final_name() {
    let dir = tempfile::tempdir().unwrap();
    let url = small_db(&dir.path().join("libros.db")).await;
    let to = dir.path().join("copia.db");
    let (mut absent, mut complete) = (0, 0);
    for delay_ms in (0..=200).step_by(10) {
        let _ = std::fs::remove_file(&to);
        let mut child = Command::new(env!("CARGO_BIN_EXE_tequio"))
            .arg("--database-url")
            .arg(&url)
            .args(["backup", "--to", &to.display().to_string()])
            .env_remove("TEQUIO_CONFIG")
            .env("TEQUIO_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill(); // SIGKILL: no clean-up runs
        child.wait().unwrap();
        if !to.exists() {
            absent += 1;
            continue;
        }
        complete += 1;
        let target = format!(
            "sqlite://{}",
            dir.path().join(format!("r{delay_ms}.db")).display()
        );
        let restored = tequio(&target, &["restore", "--from", &to.display().to_string()]);
        assert!(
            ok(&format!("restore after a kill at {delay_ms} ms"), &restored)
                .contains(", 0 con FALLA")
        );
    }
    eprintln!("killed backups: {absent} left nothing, {complete} a complete copy");
    // A killed backup may leave its temporary file, never under the final name.
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            !name.starts_with("copia.db") || name == "copia.db",
            "{name}"
        );
    }
}
