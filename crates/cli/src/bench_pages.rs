//! `tequio bench pages` (issue 17: "every page at most 100 KB and answering in under 200 ms at
//! p99 on the demo union, one user, warm"). Loads the demo union (or, with `--orgs N
//! --members M`, that much of the national data set, whose first organisation is the union)
//! into a fresh SQLite database in a temporary directory, or uses `--db` (loading the demo
//! there only when the union is missing); serves the web application in this process on
//! 127.0.0.1 (as `tequio serve` does); signs in as staff, board, member and supervisor; and
//! GETs every page of the phone walk (`web::page_paths`, the list the browser walk uses) as
//! each role, one request at a time on one keep-alive connection: a few requests to warm up,
//! then `--requests` timed ones asking for gzip as a browser does (`--page` walks only some).
//! Before serving it computes every organisation's compliance once (kept until its log moves)
//! and prints how long that took cold. Prints per page and role:
//! the status, the bytes uncompressed and gzipped, p50 and p99 in ms, and flags a page over
//! 100 KB uncompressed or over 200 ms at p99. Setup (loading, signing in) is not timed.

use crate::bench_month_end::Conn;
use anyhow::{ensure, Context};
use app::access_cases::{DEMO_PASSWORD, DEMO_UNION_SLUG};
use app::App;
use clap::Args;
use http_body_util::Full;
use hyper::body::Bytes;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Args, Debug, Clone)]
pub struct BenchPagesArgs {
    /// Timed requests per page and role (1 to 1,000).
    #[arg(long, default_value_t = 50)]
    pub requests: usize,
    /// A database to use instead of a fresh SQLite file (`sqlite://PATH` or a PostgreSQL
    /// URL); the demo is loaded into it only when the union is not there.
    #[arg(long)]
    pub db: Option<String>,
    /// Load this many organisations of the national data set instead of the union alone
    /// (for the programme's pages); with `--members`.
    #[arg(long, requires = "members")]
    pub orgs: Option<u32>,
    /// Members per organisation of the national data set; with `--orgs`.
    #[arg(long, requires = "orgs")]
    pub members: Option<u32>,
    /// Only the pages whose path ends with this text (repeatable; every page when absent):
    /// `--page /` is the home page, `--page cumplimiento` both compliance pages.
    #[arg(long = "page")]
    pub pages: Vec<String>,
}

/// Requests per page and role before the timed ones (not timed).
const WARM_UP: usize = 3;
/// A page over this many bytes (uncompressed) is flagged.
const MAX_BYTES: usize = 100 * 1024;
/// A page slower than this at p99 is flagged.
const MAX_P99: Duration = Duration::from_millis(200);
/// The roles walked: (what the table says, the demo login).
const ROLES: [(&str, &str); 4] = [
    ("staff", "personal"),
    ("board", "consejo"),
    ("member", "socio"),
    ("supervisor", "supervisor"),
];

/// One row of the table.
struct Row {
    page: String,
    role: &'static str,
    /// 0: no answer (the error is in `failed`).
    status: u16,
    failed: Option<String>,
    bytes: usize,
    gzip_bytes: usize,
    p50: Duration,
    p99: Duration,
}

impl Row {
    fn flags(&self) -> String {
        let mut f = Vec::new();
        if let Some(e) = &self.failed {
            return format!("NO ANSWER: {e}");
        }
        if self.bytes > MAX_BYTES {
            f.push("OVER 100 KB");
        }
        if self.p99 > MAX_P99 {
            f.push("P99 OVER 200 MS");
        }
        f.join(", ")
    }
}

fn demo_spec(args: &BenchPagesArgs) -> anyhow::Result<demo::DemoSpec> {
    Ok(match (args.orgs, args.members) {
        (Some(orgs), Some(members)) => {
            ensure!((1..=2_000).contains(&orgs), "--orgs: 1 to 2,000");
            ensure!((1..=10_000).contains(&members), "--members: 1 to 10,000");
            demo::DemoSpec {
                orgs,
                members_per_org: members,
                ..demo::DemoSpec::national()
            }
        }
        _ => demo::DemoSpec::morelos_union(),
    })
}

fn request(path: &str, token: &str, gzip: bool) -> anyhow::Result<hyper::Request<Full<Bytes>>> {
    let mut r = hyper::Request::get(path)
        .header("host", "127.0.0.1")
        .header("cookie", format!("tequio_session={token}"));
    if gzip {
        r = r.header("accept-encoding", "gzip");
    }
    Ok(r.body(Full::new(Bytes::new()))?)
}

/// The value at `per_mille` of sorted `took` (nearest rank below).
fn at(took: &[Duration], per_mille: usize) -> Duration {
    took[(took.len() - 1) * per_mille / 1000]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

pub async fn run(args: BenchPagesArgs) -> anyhow::Result<()> {
    ensure!(
        (1..=1_000).contains(&args.requests),
        "--requests: 1 to 1,000"
    );
    let spec = demo_spec(&args)?;
    let dir = std::env::temp_dir().join(format!("tequio-bench-pages-{}", std::process::id()));
    let url = match &args.db {
        Some(url) => url.clone(),
        None => {
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            format!("sqlite://{}", dir.join("pages.db").display())
        }
    };
    let app = App::new(crate::backend::open(&url).await?);
    if app.store().org_by_slug(DEMO_UNION_SLUG).await.is_err() {
        let started = Instant::now();
        let summary = app.load_demo(spec, 1, Arc::new(|_| {})).await?;
        println!(
            "demo: {} organisations, {} members loaded in {:.1} s (not timed below)",
            summary.orgs,
            summary.members,
            started.elapsed().as_secs_f64()
        );
    }
    let now = chrono::Utc::now();
    app.ensure_demo_users(now).await?;
    let union = app.store().org_by_slug(DEMO_UNION_SLUG).await?;
    let member = app
        .user("socio")
        .await?
        .viewer
        .member_id_in(union.id)
        .context("the demo user socio is a member of the union")?;
    let mut sessions = Vec::new();
    for (role, login) in ROLES {
        let s = app
            .sign_in(login, DEMO_PASSWORD, "127.0.0.1", now)
            .await
            .map_err(|e| anyhow::anyhow!("{login} cannot sign in: {e}"))?;
        sessions.push((role, s.token));
    }

    // The compliance figures every page reads are kept per ODF until its log moves
    // (`app::support_cases::compliance_kept`): compute them once here, as the first
    // supervisor's view would, so the table shows warm pages; the cold time is printed.
    let started = Instant::now();
    let today = app::fact_date::mexico_city_today(now);
    let (odfs, _) = app.programme_compliance(today, 4).await?;
    println!(
        "compliance of {} organisations computed in {:.1} s (cold, not timed below)",
        odfs.len(),
        started.elapsed().as_secs_f64()
    );

    // The application as `tequio serve` runs it, in this process.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr: SocketAddr = listener.local_addr()?;
    let served = app.clone();
    tokio::spawn(async move {
        let outcome = web::serve(served, listener).await;
        // `web::serve` stops taking connections on SIGINT or SIGTERM (it handles them, so the
        // signal no longer ends this process): end here, saying so, rather than time a server
        // that no longer answers ("channel closed", then "connection refused" on every page).
        eprintln!(
            "bench pages: the in-process server stopped ({}); stopping",
            match outcome {
                Ok(()) => "SIGINT or SIGTERM received".to_string(),
                Err(e) => e.to_string(),
            }
        );
        std::process::exit(1);
    });
    let chosen: Vec<&str> = web::page_paths()
        .iter()
        .copied()
        .filter(|p| {
            args.pages.is_empty() || args.pages.iter().any(|want| p.ends_with(want.as_str()))
        })
        .collect();
    println!(
        "tequio bench pages on {} cores: {} pages × {} roles, {} timed requests each after {} to warm up, one at a time, gzip",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        chosen.len(),
        ROLES.len(),
        args.requests,
        WARM_UP
    );

    let mut conn = Conn::new(addr);
    let mut rows = Vec::new();
    for page in &chosen {
        let path = page.replace(web::MEMBER_PLACEHOLDER, &member.to_string());
        for (role, token) in &sessions {
            eprintln!("bench pages: {path} as {role}");
            let row = match measure(&mut conn, &path, token, args.requests).await {
                Ok(m) => Row {
                    page: path.clone(),
                    role,
                    failed: None,
                    ..m
                },
                // A page that does not answer (in 30 s) is a row of the table, not the end.
                Err(e) => Row {
                    page: path.clone(),
                    role,
                    status: 0,
                    failed: Some(e.to_string()),
                    bytes: 0,
                    gzip_bytes: 0,
                    p50: Duration::ZERO,
                    p99: Duration::ZERO,
                },
            };
            rows.push(row);
        }
    }
    print(&rows);
    if args.db.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(())
}

/// One page as one role: its size plain and gzipped, then the timed requests.
async fn measure(conn: &mut Conn, path: &str, token: &str, requests: usize) -> anyhow::Result<Row> {
    let (status, plain) = conn.send(request(path, token, false)?).await?;
    let mut gzip_bytes = 0;
    for _ in 0..WARM_UP {
        gzip_bytes = conn.send(request(path, token, true)?).await?.1.len();
    }
    let mut took = Vec::with_capacity(requests);
    for _ in 0..requests {
        let started = Instant::now();
        conn.send(request(path, token, true)?).await?;
        took.push(started.elapsed());
    }
    took.sort_unstable();
    Ok(Row {
        page: String::new(),
        role: "",
        status: status.as_u16(),
        failed: None,
        bytes: plain.len(),
        gzip_bytes,
        p50: at(&took, 500),
        p99: at(&took, 990),
    })
}

fn print(rows: &[Row]) {
    let width = rows.iter().map(|r| r.page.len()).max().unwrap_or(4).max(4);
    println!(
        "{:<width$}  {:<10}  {:>6}  {:>10}  {:>9}  {:>8}  {:>8}  flags",
        "page", "role", "status", "bytes", "gzip", "p50 ms", "p99 ms"
    );
    for r in rows {
        println!(
            "{:<width$}  {:<10}  {:>6}  {:>10}  {:>9}  {:>8.1}  {:>8.1}  {}",
            r.page,
            r.role,
            r.status,
            r.bytes,
            r.gzip_bytes,
            ms(r.p50),
            ms(r.p99),
            r.flags()
        );
    }
    let flagged = rows.iter().filter(|r| !r.flags().is_empty()).count();
    println!(
        "{} rows; {flagged} flagged (over {} KB uncompressed or p99 over {} ms)",
        rows.len(),
        MAX_BYTES / 1024,
        MAX_P99.as_millis()
    );
}
