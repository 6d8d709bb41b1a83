//! The one helper that builds the App for either backend: SQLite in memory always, and
//! PostgreSQL (a fresh database) when `TEQUIO_TEST_PG_URL` is set.
#![allow(dead_code)]

use app::App;
use std::sync::Arc;
use store::{Page, Store};

/// A union of a few members, on one backend.
pub struct Union {
    pub backend: &'static str,
    pub app: App,
    pub org: i64,
    /// Member ids in registration order.
    pub m: Vec<i64>,
    /// The board's seats (role assignment ids), for board decisions.
    pub board: Vec<i64>,
    _db: Option<PgDb>,
}

async fn union_on(backend: &'static str, store: Arc<dyn Store>, members: u32) -> Union {
    let app = App::new(store);
    // The demo union's organisation and members only (not its demo trade, which would
    // share the accounts these tests read).
    let mut spec = demo::DemoSpec::morelos_union();
    spec.members_per_org = members.max(1);
    spec.dues_months = 0;
    let plan = demo::org(&spec, 0);
    let org = app.store().create_org(&plan.org).await.unwrap().id;
    app.store()
        .import_members(org, &plan.members, &[])
        .await
        .unwrap();
    let mut ids = Vec::new();
    for member in &plan.members {
        let id = app.store().member_by_curp(org, member.curp.as_str()).await;
        ids.push(id.unwrap().id);
    }
    for role in plan.roles_for(&ids) {
        app.store().assign_role(org, &role, &[]).await.unwrap();
    }
    let m = app
        .store()
        .members(org, Page::first(1_000))
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.id)
        .collect();
    let board = app
        .store()
        .roles(org)
        .await
        .unwrap()
        .iter()
        .filter(|r| r.role == registry::Role::BoardMember && r.until.is_none())
        .map(|r| r.id)
        .collect();
    Union {
        backend,
        app,
        org,
        board,
        m,
        _db: None,
    }
}

/// The union on SQLite in memory only (for property tests that build many).
pub async fn sqlite(members: u32) -> Union {
    let store: Arc<dyn Store> =
        Arc::new(store_sqlite::SqliteStore::open_in_memory().await.unwrap());
    union_on("sqlite", store, members).await
}

/// The union on every backend available: SQLite in memory, and PostgreSQL when
/// `TEQUIO_TEST_PG_URL` is set (required when `CI` or `TEQUIO_REQUIRE_ALL` is set).
pub async fn backends(members: u32) -> Vec<Union> {
    let sqlite: Arc<dyn Store> =
        Arc::new(store_sqlite::SqliteStore::open_in_memory().await.unwrap());
    let mut out = vec![union_on("sqlite", sqlite, members).await];
    if let Some(admin) = pg_admin_url() {
        let db = PgDb::create(&admin).await;
        let pg: Arc<dyn Store> = Arc::new(
            store_postgres::PgStore::connect_with(&db.url, 4)
                .await
                .unwrap_or_else(|e| panic!("PostgreSQL {}: {e}", db.name)),
        );
        let mut u = union_on("postgres", pg, members).await;
        u._db = Some(db);
        out.push(u);
    }
    out
}

const URL_VAR: &str = "TEQUIO_TEST_PG_URL";

fn pg_admin_url() -> Option<String> {
    match std::env::var(URL_VAR) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ if std::env::var_os("CI").is_some()
            || std::env::var_os("TEQUIO_REQUIRE_ALL").is_some() =>
        {
            panic!("{URL_VAR} is not set but CI (or TEQUIO_REQUIRE_ALL) is: PostgreSQL must run")
        }
        _ => None,
    }
}

/// A fresh database for one test, dropped (best effort) afterwards. The name uses the
/// prefix the store-postgres tests clean up when stale.
struct PgDb {
    admin: String,
    name: String,
    url: String,
}

impl PgDb {
    async fn create(admin: &str) -> PgDb {
        use sqlx::Connection;
        use std::sync::atomic::{AtomicU64, Ordering};
        static N: AtomicU64 = AtomicU64::new(0);
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let name = format!(
            "tequio_t_{secs}_trade{}x{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        let mut conn = sqlx::PgConnection::connect(admin)
            .await
            .unwrap_or_else(|e| panic!("connect to {URL_VAR}: {e}"));
        sqlx::query(&format!("CREATE DATABASE \"{name}\""))
            .execute(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("create database {name}: {e}"));
        let _ = conn.close().await;
        let (base, query) = match admin.split_once('?') {
            Some((b, q)) => (b, Some(q)),
            None => (admin, None),
        };
        let start = base.find("://").map(|i| i + 3).unwrap_or(0);
        let base = match base[start..].find('/') {
            Some(slash) => &base[..start + slash],
            None => base,
        };
        let url = match query {
            Some(q) => format!("{base}/{name}?{q}"),
            None => format!("{base}/{name}"),
        };
        PgDb {
            admin: admin.to_string(),
            name,
            url,
        }
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        let (admin, name) = (self.admin.clone(), self.name.clone());
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                use sqlx::Connection;
                if let Ok(mut conn) = sqlx::PgConnection::connect(&admin).await {
                    let _ =
                        sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                            .execute(&mut conn)
                            .await;
                }
            });
        })
        .join();
    }
}

/// A credit line with `lender` of 2 × `deposit_minor` (R-CRED-1): the Fund receives
/// `deposit_minor` ten days after the union was founded and the line opens on 1 January 2026.
/// Trade borrows only on a line in force (R-CRED-3, the one gate).
pub async fn open_line(u: &Union, lender: &str, deposit_minor: i64) {
    let founded_on = u.app.store().org(u.org).await.unwrap().data.founded_on;
    u.app
        .receive_grant(
            u.org,
            &format!("deposit-{lender}"),
            "Fundación Morelos",
            deposit_minor,
            founded_on + chrono::Days::new(10),
            &app::fund_cases::Audit::cli(),
        )
        .await
        .unwrap();
    u.app
        .open_credit_line(
            u.org,
            &app::Actor::cli(),
            app::credit_cases::OpenLineCmd {
                line_id: 1,
                lender_code: lender.into(),
                annual_rate: rust_decimal::Decimal::new(18, 2),
                requested_limit_minor: None,
                opened_on: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
                review: None,
            },
        )
        .await
        .unwrap();
}
