//! Shared by the request-level tests: the demo union (60 members, 2 months of dues) in an
//! in-memory SQLite store, its demo users, a second ODF to check cross-organisation access,
//! and small request helpers.
#![allow(dead_code)]

pub mod trade;

pub mod browser;

use app::access_cases::DEMO_PASSWORD;
use app::App;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use std::sync::Arc;
use store::Store;
use tower::ServiceExt;

pub struct World {
    pub app: App,
    pub router: Router,
    pub union: store::Org,
    pub other: store::Org,
    /// A member of the other ODF (its id must be 404 from the union's pages).
    pub other_member: i64,
}

pub async fn world() -> World {
    world_sized(60, 2).await
}

/// The demo union with `members` members and `months` months of dues and Fund: from 200
/// members it also has its credit line, loans and leases (issue 4) and its clay round and
/// export order (issue 6).
pub async fn world_sized(members: u32, months: u32) -> World {
    let store: Arc<dyn Store> =
        Arc::new(store_sqlite::SqliteStore::open_in_memory().await.unwrap());
    world_on(store, members, months).await
}

/// The worlds to run a test in: SQLite always; PostgreSQL (a fresh database) too when
/// `TEQUIO_TEST_PG_URL` is set (required when `CI` or `TEQUIO_REQUIRE_ALL` is set), as the
/// app's storage tests pick their backends.
pub async fn worlds() -> Vec<(&'static str, World)> {
    let mut out = vec![("sqlite", world().await)];
    if let Some(store) = postgres_store().await {
        out.push(("postgres", world_on(store, 60, 2).await));
    }
    out
}

/// A store on a fresh PostgreSQL database, or None when no server is configured.
pub async fn postgres_store() -> Option<Arc<dyn Store>> {
    use sqlx::Connection;
    let url = match std::env::var("TEQUIO_TEST_PG_URL") {
        Ok(u) if !u.trim().is_empty() => u,
        _ if std::env::var_os("CI").is_some()
            || std::env::var_os("TEQUIO_REQUIRE_ALL").is_some() =>
        {
            panic!("TEQUIO_TEST_PG_URL is not set but CI/TEQUIO_REQUIRE_ALL is")
        }
        _ => {
            eprintln!("skipping PostgreSQL: TEQUIO_TEST_PG_URL is not set (scripts/pg-up)");
            return None;
        }
    };
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let name = format!(
        "tequio_t_{}_web_{}_{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs(),
        std::process::id(),
        N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    );
    let mut admin = sqlx::PgConnection::connect(&url).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .unwrap();
    let (base, _) = url.rsplit_once('/').unwrap();
    let store = store_postgres::PgStore::connect(&format!("{base}/{name}"))
        .await
        .unwrap();
    Some(Arc::new(store))
}

/// [`world_sized`] on `store`.
pub async fn world_on(store: Arc<dyn Store>, members: u32, months: u32) -> World {
    let app = App::new(store);
    let mut spec = demo::DemoSpec::morelos_union();
    spec.members_per_org = members;
    spec.dues_months = months;
    app.load_demo(spec, 1, Arc::new(|_| {})).await.unwrap();
    app.ensure_demo_users(chrono::Utc::now()).await.unwrap();
    let union = app.store().org_by_slug("alfareros-morelos").await.unwrap();
    // A second ODF with members of its own (organisation 1 of the national spec).
    let mut spec2 = demo::DemoSpec::national();
    spec2.members_per_org = 5;
    spec2.dues_months = 1;
    let plan = demo::org(&spec2, 1);
    let other = app.store().create_org(&plan.org).await.unwrap();
    app.store()
        .import_members(other.id, &plan.members, &[])
        .await
        .unwrap();
    let other_member = app
        .store()
        .members(other.id, store::Page::first(1))
        .await
        .unwrap()[0]
        .id;
    World {
        router: web::router(app.clone()),
        app,
        union,
        other,
        other_member,
    }
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|c| {
                c.strip_prefix(&format!("{name}="))
                    .map(|r| r.split(';').next().unwrap_or("").to_string())
            })
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

pub async fn send(router: &Router, request: Request<Body>) -> Reply {
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    Reply {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

/// A signed-in browser: its session cookie and CSRF token.
#[derive(Clone)]
pub struct Browser {
    pub cookie: String,
    pub csrf: String,
    pub token: String,
}

pub async fn sign_in(w: &World, login: &str) -> Browser {
    let s = w
        .app
        .sign_in(login, DEMO_PASSWORD, "127.0.0.1", chrono::Utc::now())
        .await
        .unwrap();
    Browser {
        cookie: format!("tequio_session={}", s.token),
        csrf: s.csrf,
        token: s.token,
    }
}

pub async fn get(w: &World, uri: &str, who: Option<&Browser>) -> Reply {
    let mut r = Request::get(uri);
    if let Some(b) = who {
        r = r.header(header::COOKIE, &b.cookie);
    }
    send(&w.router, r.body(Body::empty()).unwrap()).await
}

pub async fn post_form(
    w: &World,
    uri: &str,
    who: Option<&Browser>,
    form: &[(&str, &str)],
) -> Reply {
    let body = form
        .iter()
        .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let mut r =
        Request::post(uri).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(b) = who {
        r = r.header(header::COOKIE, &b.cookie);
    }
    send(&w.router, r.body(Body::from(body)).unwrap()).await
}

pub fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

pub async fn api(
    w: &World,
    method: &str,
    uri: &str,
    token: Option<&str>,
    body: Option<serde_json::Value>,
    key: Option<&str>,
) -> Reply {
    let mut r = Request::builder().method(method).uri(uri);
    if let Some(t) = token {
        r = r.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    if let Some(k) = key {
        r = r.header("Idempotency-Key", k);
    }
    let body = match body {
        Some(v) => {
            r = r.header(header::CONTENT_TYPE, "application/json");
            Body::from(v.to_string())
        }
        None => Body::empty(),
    };
    send(&w.router, r.body(body).unwrap()).await
}

/// The member id a demo user is in the union.
pub async fn member_of(w: &World, login: &str) -> i64 {
    let u = w.app.user(login).await.unwrap();
    u.viewer.member_id_in(w.union.id).unwrap()
}

/// Puts a proposal through the app (as staff) and returns its id; `key` makes it distinct.
pub async fn proposal(w: &World, key: &str) -> i64 {
    let staff = w.app.user("personal").await.unwrap().viewer;
    w.app
        .propose_as(
            w.union.id,
            &staff,
            app::access_cases::ProposalForm {
                kind: "expenditure".into(),
                subject: "horno".into(),
                purpose: format!("Horno de leña común ({key})"),
                amount_minor: 1_500_000,
            },
            "test",
            app::fact_date::mexico_city_today(chrono::Utc::now()),
        )
        .await
        .unwrap()
        .record
        .proposal
        .id
}

/// Today as the server sees it (America/Mexico_City).
pub fn today_mx() -> chrono::NaiveDate {
    app::fact_date::mexico_city_today(chrono::Utc::now())
}

/// A `YYYY-MM` period key shifted by `months` (negative: earlier).
pub fn month_key(year: i32, month: u32, months: i32) -> String {
    let index = year * 12 + month as i32 - 1 + months;
    format!(
        "{:04}-{:02}",
        index.div_euclid(12),
        index.rem_euclid(12) + 1
    )
}

/// The month in course (not over, so neither reported nor closed yet).
pub fn this_month() -> String {
    use chrono::Datelike;
    let d = today_mx();
    month_key(d.year(), d.month(), 0)
}

/// The last month that is over: the one members report and staff close now.
pub fn last_month() -> String {
    use chrono::Datelike;
    let d = today_mx();
    month_key(d.year(), d.month(), -1)
}

/// How the pages name a `YYYY-MM` month in Spanish (`noviembre 2026`), spelled out here
/// independently of the web crate.
pub fn month_label_es(key: &str) -> String {
    const MESES: [&str; 12] = [
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ];
    let (year, month) = key.split_once('-').expect("YYYY-MM");
    let month: usize = month.parse().expect("a month number");
    format!("{} {year}", MESES[month - 1])
}
