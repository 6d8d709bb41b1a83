//! `tequio bench month-end` (issue 15): the month-end surge against a served instance. On a
//! fresh database (a temporary SQLite file, or a fresh PostgreSQL database with `--pg-url`) it
//! loads the 4,000-member demo union as `tequio serve` does, starts `tequio serve` on
//! 127.0.0.1 (this binary, another process), and over HTTP with keep-alive connections:
//!
//! 1. warms every member's statement once (not timed);
//! 2. **read-only**: `--readers` connections (64) read random members' statement pages for
//!    `--read-secs`;
//! 3. **month-end**: the same readers while `--writers` connections file one income report for
//!    each of `--reports` members (4,000: every active member of the union) through the API,
//!    the member themself or staff for a micro-producer (R-ORG-3), until every report is
//!    answered or `--max-secs` passed.
//!
//! Prints, per backend, reads per second with p50 and p99 of both phases side by side, the
//! reports' p50 and p99, and how many reports were refused: each member files one report, so
//! no report contradicts another and every refusal is a failure. Setup (the demo, plans,
//! users and their sessions) is not timed. Every loop is bounded in count and in time.

use anyhow::{bail, ensure, Context};
use app::access_cases::{Grant, NewUser, OrgRole, DEMO_PASSWORD, DEMO_UNION_SLUG};
use app::App;
use chrono::{Datelike, NaiveDate, Utc};
use clap::Args;
use fund::{NewBusinessPlan, Period, Target, TargetMeasure};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use ledger::Money;
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use store::{MemberId, OrgId};

#[derive(Args, Debug, Clone)]
pub struct BenchMonthEndArgs {
    /// Members who each file one report during the month-end phase (at most the union's
    /// active members).
    #[arg(long, default_value_t = 4_000)]
    pub reports: usize,
    /// Connections reading statement pages.
    #[arg(long, default_value_t = 64)]
    pub readers: usize,
    /// Connections filing reports at the same time.
    #[arg(long, default_value_t = 16)]
    pub writers: usize,
    /// Seconds of the read-only phase.
    #[arg(long, default_value_t = 10)]
    pub read_secs: u64,
    /// Longest the month-end phase may run, in seconds.
    #[arg(long, default_value_t = 300)]
    pub max_secs: u64,
    /// PostgreSQL server to measure too (a role with CREATEDB); skipped when absent.
    #[arg(long, env = "TEQUIO_BENCH_PG_URL")]
    pub pg_url: Option<String>,
    /// Skip SQLite (measure PostgreSQL only).
    #[arg(long)]
    pub no_sqlite: bool,
}

/// Longest one request may take before it counts as failed.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Requests one reader sends at most in a phase (bounds the loop whatever the clock does).
const MAX_READS_PER_CONNECTION: usize = 2_000_000;
/// The member's users' password (setup only).
const MEMBER_PASSWORD: &str = "cierre-de-mes-2026";

/// Who files a member's report, and with which session.
struct Filer {
    member_id: MemberId,
    token: String,
    revenue_minor: i64,
    profit_minor: i64,
}

/// What the setup leaves for the load.
struct Scenario {
    slug: String,
    period: Period,
    members: Vec<MemberId>,
    filers: Vec<Filer>,
    staff_token: String,
}

/// The period reported: the month before this one in America/Mexico_City (over, not closed).
fn report_period(today: NaiveDate) -> anyhow::Result<Period> {
    let (y, m) = if today.month() == 1 {
        (today.year() - 1, 12)
    } else {
        (today.year(), today.month() - 1)
    };
    Ok(Period::month(y, m)?)
}

async fn all_members(app: &App, org: OrgId) -> anyhow::Result<Vec<registry::Member>> {
    let mut out = Vec::new();
    let mut page = store::Page::first(store::MAX_PAGE);
    for _ in 0..10_000 {
        let batch = app.store().members(org, page).await?;
        let Some(last) = batch.last() else { break };
        page.after_id = last.id;
        out.extend(batch);
    }
    Ok(out)
}

/// The demo union, plans for its active members who have none, users for the members who
/// file themselves (micro-entrepreneurs, R-ORG-3) and every session the load uses.
async fn setup(app: &App, args: &BenchMonthEndArgs) -> anyhow::Result<Scenario> {
    app.load_demo(demo::DemoSpec::morelos_union(), 1, Arc::new(|_| {}))
        .await?;
    let now = Utc::now();
    app.ensure_demo_users(now).await?;
    let org = app.store().org_by_slug(DEMO_UNION_SLUG).await?;
    let today = app::fact_date::mexico_city_today(now);
    let period = report_period(today)?;
    let members = all_members(app, org.id).await?;
    let active: Vec<&registry::Member> = members
        .iter()
        .filter(|m| m.is_active_on(period.last_day()) && m.is_active_on(today))
        .collect();
    let cur = org.data.currency;
    let plans: Vec<(NewBusinessPlan, NaiveDate)> = active
        .iter()
        .map(|m| {
            (
                NewBusinessPlan {
                    member_id: m.id,
                    baseline_revenue: Money::new(800_000, cur),
                    baseline_profit: Money::new(200_000, cur),
                    target: Target {
                        measure: TargetMeasure::Revenue,
                        amount: Money::new(1_600_000, cur),
                        by: today + chrono::Days::new(700),
                    },
                    measures: vec!["Vender en la feria".into()],
                    services: vec![fund::OdfService::Sales],
                },
                m.data.joined_on.max(org.data.founded_on),
            )
        })
        .collect();
    let audit = app::Audit::new("bench", "bench");
    app.agree_plans_bulk(org.id, plans, &audit).await?;
    let plans = app.plans(org.id).await?;
    let mut baseline = std::collections::HashMap::new();
    for p in &plans {
        if p.agreed_on <= period.last_day() {
            baseline.insert(
                p.member_id,
                (
                    p.baseline_revenue.amount_minor(),
                    p.baseline_profit.amount_minor(),
                ),
            );
        }
    }
    let staff = app
        .sign_in("personal", DEMO_PASSWORD, "bench", now)
        .await
        .context("signing in the demo staff user")?;
    let mut filers = Vec::new();
    let mut selves = Vec::new();
    for (i, m) in active.iter().take(args.reports).enumerate() {
        let Some(&(rev, profit)) = baseline.get(&m.id) else {
            continue;
        };
        let (revenue_minor, profit_minor) = (rev + (i as i64 * 7_919) % 400_000, profit + 1_000);
        if m.data.profile == registry::Profile::MicroProducer {
            filers.push(Filer {
                member_id: m.id,
                token: staff.token.clone(),
                revenue_minor,
                profit_minor,
            });
        } else {
            selves.push((m.id, revenue_minor, profit_minor));
        }
    }
    // Users and sessions for the members who file themselves: argon2 each, two at a time.
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    let gate = Arc::new(tokio::sync::Semaphore::new(2));
    for (member_id, revenue_minor, profit_minor) in selves {
        let (app, gate) = (app.clone(), gate.clone());
        let org_id = org.id;
        tasks.spawn(async move {
            let _turn = gate.acquire_owned().await?;
            let login = format!("cierre-{member_id}");
            app.create_user(
                NewUser {
                    login: login.clone(),
                    display_name: format!("Socia {member_id}"),
                    password: MEMBER_PASSWORD.into(),
                    supervisor: false,
                    grants: vec![Grant {
                        org_id,
                        role: OrgRole::Member,
                        member_id: Some(member_id),
                    }],
                },
                "bench",
                "bench",
                Utc::now(),
            )
            .await?;
            let session = app
                .sign_in(&login, MEMBER_PASSWORD, "bench", Utc::now())
                .await?;
            anyhow::Ok(Filer {
                member_id,
                token: session.token,
                revenue_minor,
                profit_minor,
            })
        });
    }
    while let Some(done) = tasks.join_next().await {
        filers.push(done??);
    }
    println!(
        "  setup: {} members ({} active), {} reports to file ({} by staff for micro-producers), \
         {} member sessions made in {:.0} s",
        members.len(),
        active.len(),
        filers.len(),
        filers.iter().filter(|f| f.token == staff.token).count(),
        filers.iter().filter(|f| f.token != staff.token).count(),
        started.elapsed().as_secs_f64()
    );
    // The order members report in: spread over the union, the same every run.
    filers.sort_by_key(|f| (f.member_id * 7_919) % 10_007);
    Ok(Scenario {
        slug: org.data.slug.clone(),
        period,
        members: members.iter().map(|m| m.id).collect(),
        filers,
        staff_token: staff.token,
    })
}

/// One keep-alive HTTP/1.1 connection (reconnects after an error).
pub(crate) struct Conn {
    addr: SocketAddr,
    tx: Option<hyper::client::conn::http1::SendRequest<Full<Bytes>>>,
}

impl Conn {
    pub(crate) fn new(addr: SocketAddr) -> Self {
        Conn { addr, tx: None }
    }

    pub(crate) async fn send(
        &mut self,
        request: hyper::Request<Full<Bytes>>,
    ) -> anyhow::Result<(hyper::StatusCode, Bytes)> {
        match tokio::time::timeout(REQUEST_TIMEOUT, self.send_once(request)).await {
            Ok(Ok(answer)) => Ok(answer),
            Ok(Err(e)) => {
                self.tx = None;
                Err(e)
            }
            Err(_) => {
                self.tx = None;
                bail!("no answer in {} s", REQUEST_TIMEOUT.as_secs())
            }
        }
    }

    async fn send_once(
        &mut self,
        request: hyper::Request<Full<Bytes>>,
    ) -> anyhow::Result<(hyper::StatusCode, Bytes)> {
        if self.tx.is_none() {
            let stream = tokio::net::TcpStream::connect(self.addr).await?;
            stream.set_nodelay(true)?;
            let (tx, conn) =
                hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await?;
            tokio::spawn(async move {
                let _ = conn.await;
            });
            self.tx = Some(tx);
        }
        let tx = self.tx.as_mut().context("connection")?;
        tx.ready().await?;
        let response = tx.send_request(request).await?;
        let status = response.status();
        let body = response.into_body().collect().await?.to_bytes();
        Ok((status, body))
    }
}

fn get(path: &str, token: &str) -> anyhow::Result<hyper::Request<Full<Bytes>>> {
    Ok(hyper::Request::get(path)
        .header("host", "127.0.0.1")
        .header("cookie", format!("tequio_session={token}"))
        .body(Full::new(Bytes::new()))?)
}

fn post_json(path: &str, token: &str, body: String) -> anyhow::Result<hyper::Request<Full<Bytes>>> {
    Ok(hyper::Request::post(path)
        .header("host", "127.0.0.1")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body)))?)
}

/// Latencies of one kind of request in a phase.
#[derive(Default)]
struct Sample {
    micros: Vec<u64>,
    failed: usize,
    first_failure: Option<String>,
}

impl Sample {
    fn merge(&mut self, other: Sample) {
        self.micros.extend(other.micros);
        self.failed += other.failed;
        if self.first_failure.is_none() {
            self.first_failure = other.first_failure;
        }
    }

    fn fail(&mut self, what: String) {
        self.failed += 1;
        if self.first_failure.is_none() {
            self.first_failure = Some(what);
        }
    }

    /// The `q`-quantile (nearest rank), in milliseconds.
    fn quantile_ms(&mut self, q: f64) -> f64 {
        if self.micros.is_empty() {
            return f64::NAN;
        }
        self.micros.sort_unstable();
        let rank = ((q * self.micros.len() as f64).ceil() as usize).clamp(1, self.micros.len());
        self.micros[rank - 1] as f64 / 1000.0
    }
}

/// A small deterministic generator (xorshift) to pick members.
struct Pick(u64);

impl Pick {
    fn next(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// `readers` connections reading random members' statement pages until `stop` (or their
/// bound); answers the merged sample.
async fn read_until(
    addr: SocketAddr,
    s: Arc<Scenario>,
    readers: usize,
    stop: Arc<AtomicBool>,
) -> anyhow::Result<Sample> {
    let mut tasks = tokio::task::JoinSet::new();
    for r in 0..readers {
        let (s, stop) = (s.clone(), stop.clone());
        tasks.spawn(async move {
            let mut conn = Conn::new(addr);
            let mut pick = Pick(0x9E37_79B9_7F4A_7C15 ^ (r as u64 + 1));
            let mut sample = Sample::default();
            for _ in 0..MAX_READS_PER_CONNECTION {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let member = s.members[pick.next(s.members.len())];
                let path = format!("/odf/{}/socios/{member}", s.slug);
                let started = Instant::now();
                match conn.send(get(&path, &s.staff_token)?).await {
                    Ok((status, _)) if status == hyper::StatusCode::OK => {
                        sample.micros.push(started.elapsed().as_micros() as u64)
                    }
                    Ok((status, _)) => sample.fail(format!("{path}: HTTP {status}")),
                    Err(e) => sample.fail(format!("{path}: {e}")),
                }
            }
            anyhow::Ok(sample)
        });
    }
    let mut all = Sample::default();
    while let Some(done) = tasks.join_next().await {
        all.merge(done??);
    }
    Ok(all)
}

/// Every member's statement once (the cache a running server has), `readers` at a time.
async fn warm(addr: SocketAddr, s: &Arc<Scenario>, readers: usize) -> anyhow::Result<()> {
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..readers {
        let (s, next) = (s.clone(), next.clone());
        tasks.spawn(async move {
            let mut conn = Conn::new(addr);
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(member) = s.members.get(i) else {
                    break;
                };
                let path = format!("/odf/{}/socios/{member}", s.slug);
                let (status, _) = conn.send(get(&path, &s.staff_token)?).await?;
                ensure!(status == hyper::StatusCode::OK, "{path}: HTTP {status}");
            }
            anyhow::Ok(())
        });
    }
    while let Some(done) = tasks.join_next().await {
        done??;
    }
    Ok(())
}

/// `writers` connections filing every filer's report once, until all are answered or
/// `deadline`; answers the sample and how many were not sent.
async fn file_all(
    addr: SocketAddr,
    s: &Arc<Scenario>,
    writers: usize,
    deadline: Instant,
) -> anyhow::Result<(Sample, usize)> {
    let next = Arc::new(AtomicUsize::new(0));
    let unsent = Arc::new(AtomicUsize::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..writers {
        let (s, next, unsent) = (s.clone(), next.clone(), unsent.clone());
        tasks.spawn(async move {
            let mut conn = Conn::new(addr);
            let mut sample = Sample::default();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(f) = s.filers.get(i) else { break };
                if Instant::now() >= deadline {
                    unsent.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
                let path = format!("/api/v1/orgs/{}/members/{}/reports", s.slug, f.member_id);
                let body = serde_json::json!({
                    "period": s.period.to_string(),
                    "revenue_minor": f.revenue_minor,
                    "profit_minor": f.profit_minor,
                })
                .to_string();
                let started = Instant::now();
                match conn.send(post_json(&path, &f.token, body)?).await {
                    Ok((status, _)) if status == hyper::StatusCode::CREATED => {
                        sample.micros.push(started.elapsed().as_micros() as u64)
                    }
                    Ok((status, body)) => sample.fail(format!(
                        "{path}: HTTP {status} {}",
                        String::from_utf8_lossy(&body)
                            .chars()
                            .take(300)
                            .collect::<String>()
                    )),
                    Err(e) => sample.fail(format!("{path}: {e}")),
                }
            }
            anyhow::Ok(sample)
        });
    }
    let mut all = Sample::default();
    while let Some(done) = tasks.join_next().await {
        all.merge(done??);
    }
    Ok((all, unsent.load(Ordering::Relaxed)))
}

/// `tequio serve` (this binary) on `url` at a free port of 127.0.0.1, logging to `log`.
fn start_server(url: &str, log: &std::path::Path) -> anyhow::Result<(Child, SocketAddr)> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse()?;
    let child = Command::new(std::env::current_exe()?)
        .args(["--database-url", url, "serve", "--no-demo", "--addr"])
        .arg(addr.to_string())
        .env("TEQUIO_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log)?)
        .spawn()
        .context("starting tequio serve")?;
    Ok((child, addr))
}

async fn wait_healthy(addr: SocketAddr, child: &mut Child) -> anyhow::Result<()> {
    let mut conn = Conn::new(addr);
    for _ in 0..600 {
        if let Some(status) = child.try_wait()? {
            bail!("tequio serve exited: {status}");
        }
        let request = hyper::Request::get("/healthz")
            .header("host", "127.0.0.1")
            .body(Full::new(Bytes::new()))?;
        if let Ok((status, _)) = conn.send(request).await {
            if status.is_success() {
                return Ok(());
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    bail!("tequio serve did not answer /healthz in 120 s")
}

fn stop_server(mut child: Child) {
    // SAFETY: sends SIGINT to the child this function owns (its graceful shutdown).
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGINT);
    }
    for _ in 0..100 {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
}

struct Figures {
    read_only: (usize, f64, f64, f64, usize),
    month_end: (usize, f64, f64, f64, usize),
    reports: (usize, f64, f64, usize, usize, f64),
}

async fn measure(
    backend: &str,
    url: &str,
    args: &BenchMonthEndArgs,
    log: &std::path::Path,
) -> anyhow::Result<Figures> {
    let started = Instant::now();
    let scenario = {
        // Dropped before the server opens the database.
        let app = App::new(crate::backend::open(url).await?);
        setup(&app, args).await?
    };
    println!(
        "{backend}: setup in {:.0} s (not timed below)",
        started.elapsed().as_secs_f64()
    );
    let s = Arc::new(scenario);
    let (mut child, addr) = start_server(url, log)?;
    let outcome = async {
        wait_healthy(addr, &mut child).await?;
        let started = Instant::now();
        warm(addr, &s, args.readers).await?;
        println!(
            "{backend}: {} statements warmed in {:.1} s",
            s.members.len(),
            started.elapsed().as_secs_f64()
        );
        // Read-only.
        let stop = Arc::new(AtomicBool::new(false));
        let readers = tokio::spawn(read_until(addr, s.clone(), args.readers, stop.clone()));
        let started = Instant::now();
        tokio::time::sleep(Duration::from_secs(args.read_secs)).await;
        stop.store(true, Ordering::Relaxed);
        let mut ro = readers.await??;
        let ro_secs = started.elapsed().as_secs_f64();
        // Month-end: the same readers while the reports are filed.
        let stop = Arc::new(AtomicBool::new(false));
        let readers = tokio::spawn(read_until(addr, s.clone(), args.readers, stop.clone()));
        let started = Instant::now();
        let deadline = started + Duration::from_secs(args.max_secs);
        let (mut writes, unsent) = file_all(addr, &s, args.writers, deadline).await?;
        stop.store(true, Ordering::Relaxed);
        let mut me = readers.await??;
        let me_secs = started.elapsed().as_secs_f64();
        for (what, sample) in [("read", &ro), ("read", &me), ("report", &writes)] {
            if let Some(f) = &sample.first_failure {
                println!("{backend}: first failed {what}: {f}");
            }
        }
        let reads = |s: &mut Sample, secs: f64| {
            (
                s.micros.len(),
                s.micros.len() as f64 / secs,
                s.quantile_ms(0.5),
                s.quantile_ms(0.99),
                s.failed,
            )
        };
        anyhow::Ok(Figures {
            read_only: reads(&mut ro, ro_secs),
            month_end: reads(&mut me, me_secs),
            reports: (
                writes.micros.len(),
                writes.quantile_ms(0.5),
                writes.quantile_ms(0.99),
                writes.failed,
                unsent,
                me_secs,
            ),
        })
    }
    .await;
    stop_server(child);
    outcome
}

fn print(backend: &str, f: &Figures, args: &BenchMonthEndArgs) {
    let met = |ok: bool| if ok { "met" } else { "NOT met" };
    println!(
        "{backend}: {:<10} {:>9} {:>9} {:>9} {:>9} {:>7}",
        "phase", "reads", "req/s", "p50 ms", "p99 ms", "failed"
    );
    for (name, r) in [("read-only", f.read_only), ("month-end", f.month_end)] {
        println!(
            "{backend}: {name:<10} {:>9} {:>9.0} {:>9.1} {:>9.1} {:>7}",
            r.0, r.1, r.2, r.3, r.4
        );
    }
    let (filed, p50, p99, refused, unsent, secs) = f.reports;
    println!(
        "{backend}: reports: {filed} filed by {} connections in {secs:.1} s ({:.0}/s), p50 {p50:.1} ms, \
         p99 {p99:.1} ms; refused {refused}; not sent before --max-secs {unsent}",
        args.writers,
        filed as f64 / secs.max(1e-9)
    );
    let (_, rps, _, rp99, rfail) = f.month_end;
    println!(
        "{backend}: targets: reads >= 1,000 req/s {} and p99 <= 100 ms {} while members report; \
         report p99 <= 250 ms {}; no report refused {}; every report sent before --max-secs {}{}",
        met(rps >= 1_000.0),
        met(rp99 <= 100.0),
        met(p99 <= 250.0),
        met(refused == 0),
        met(unsent == 0),
        if rfail > 0 {
            " (some reads failed)"
        } else {
            ""
        }
    );
}

pub async fn run(args: BenchMonthEndArgs) -> anyhow::Result<()> {
    ensure!(
        (1..=10_000).contains(&args.reports),
        "--reports: 1 to 10,000"
    );
    ensure!((1..=1_024).contains(&args.readers), "--readers: 1 to 1,024");
    ensure!((1..=256).contains(&args.writers), "--writers: 1 to 256");
    ensure!(
        (1..=3_600).contains(&args.read_secs),
        "--read-secs: 1 to 3,600"
    );
    ensure!(
        (1..=3_600).contains(&args.max_secs),
        "--max-secs: 1 to 3,600"
    );
    println!(
        "tequio bench month-end on {} cores: the demo union served on 127.0.0.1; {} connections \
         read statement pages, {} file reports (up to {})",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        args.readers,
        args.writers,
        args.reports
    );
    let dir = std::env::temp_dir().join(format!("tequio-bench-month-end-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    if !args.no_sqlite {
        let url = format!("sqlite://{}", dir.join("month-end.db").display());
        let f = measure("SQLite", &url, &args, &dir.join("serve-sqlite.log")).await?;
        print("SQLite", &f, &args);
    }
    match &args.pg_url {
        Some(admin) => {
            let url = crate::bench_close::fresh_pg(admin, "tequio_bench_month_end").await?;
            let f = measure("PostgreSQL", &url, &args, &dir.join("serve-pg.log")).await?;
            print("PostgreSQL", &f, &args);
        }
        None => println!("PostgreSQL: skipped (pass --pg-url or TEQUIO_BENCH_PG_URL)"),
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
