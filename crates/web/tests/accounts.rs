//! Issue 16 through the router: the authorisation matrix of every new page and API route
//! (the demo's roles, the programme administrator, a real ODF's Director General, nobody), the
//! first run on `/`, activation with its code (rate-limited), and the security headers.

mod common;

use app::access_cases::NewOrgRequest;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::*;
use serde_json::json;

const ADMIN_PASSWORD: &str = "barro y fuego";
const DG_PASSWORD: &str = "cerros del tepozteco";

fn real_odf(slug: &str) -> NewOrgRequest {
    NewOrgRequest {
        slug: slug.into(),
        name: "Unión de Carpinteros de Tepoztlán".into(),
        group_name: "Carpinteros del Valle".into(),
        state: "Morelos".into(),
        municipality: "Tepoztlán".into(),
        trade: "carpintería".into(),
        founded_on: chrono::NaiveDate::from_ymd_opt(2026, 1, 10).unwrap(),
        currency: "MXN".into(),
        director_login: Some(format!("dg.{slug}")),
        director_name: Some("Rosa Martínez".into()),
    }
}

/// The demo world plus a programme administrator and a real ODF whose Director General has
/// activated their account.
async fn world_with_admin() -> (World, store::Org) {
    let w = world().await;
    let now = chrono::Utc::now();
    let admin = w
        .app
        .create_programme_admin("admin", "Administración", ADMIN_PASSWORD, "cli", "cli", now)
        .await
        .unwrap();
    let done = w
        .app
        .create_org_as(&admin, &real_odf("tepoz"), "t", now)
        .await
        .unwrap();
    w.app
        .activate(
            "dg.tepoz",
            &done.director.unwrap().code,
            DG_PASSWORD,
            "t",
            now,
        )
        .await
        .unwrap();
    let real = w.app.store().org(done.org_id).await.unwrap();
    (w, real)
}

async fn browser(w: &World, login: &str, password: &str) -> Browser {
    let s = w
        .app
        .sign_in(login, password, "127.0.0.1", chrono::Utc::now())
        .await
        .unwrap();
    Browser {
        cookie: format!("tequio_session={}", s.token),
        csrf: s.csrf,
        token: s.token,
    }
}

/// Who the matrices sign in as, in column order (then nobody).
const WHO: [&str; 9] = [
    "supervisor",
    "personal",
    "consejo",
    "socio",
    "apoyo",
    "donante",
    "asesor",
    "admin",
    "dg.tepoz",
];

async fn everyone(w: &World) -> Vec<Option<Browser>> {
    let mut out = Vec::new();
    for login in WHO {
        let password = match login {
            "admin" => ADMIN_PASSWORD,
            "dg.tepoz" => DG_PASSWORD,
            _ => app::access_cases::DEMO_PASSWORD,
        };
        out.push(Some(browser(w, login, password).await));
    }
    out.push(None);
    out
}

/// A member of the union with no account yet, as `(id, curp)`, the `n`-th from the end.
async fn member_without_account(w: &World, n: usize) -> (i64, String) {
    let all = w
        .app
        .store()
        .members(w.union.id, store::Page::first(1000))
        .await
        .unwrap();
    let m = &all[all.len() - 1 - n];
    (m.id, m.data.curp.as_str().to_string())
}

#[tokio::test]
async fn authorisation_matrix_of_the_first_run_organisation_and_account_pages() {
    let (w, real) = world_with_admin().await;
    let who = everyone(&w).await;
    let o = "/odf/alfareros-morelos";
    let x = format!("/odf/{}", real.data.slug);
    // An account staff gave, so that a new code for it is allowed.
    let staff = w.app.user("personal").await.unwrap().viewer;
    let (_, curp) = member_without_account(&w, 0).await;
    w.app
        .create_member_account(
            w.union.id,
            &staff,
            &curp,
            "socia.matriz",
            "t",
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    // Expected per column: supervisor, staff, board, member, support committee, donor,
    // adviser, programme administrator, the real ODF's DG, nobody. 2 = 2xx, 3 = redirect,
    // 9 = authorised and the use case decided (2xx or 422).
    type Row = (&'static str, String, Vec<(&'static str, String)>, [u16; 10]);
    let n = |i: usize| format!("x{i}");
    let rows: Vec<Row> = vec![
        (
            "GET",
            "/programa".into(),
            vec![],
            [403, 403, 403, 403, 403, 403, 403, 2, 403, 3],
        ),
        (
            "POST",
            "/programa".into(),
            vec![
                ("slug", "nueva-odf".into()),
                ("name", "Nueva".into()),
                ("group_name", "Grupo".into()),
                ("state", "Morelos".into()),
                ("municipality", "Cuautla".into()),
                ("trade", "textil".into()),
                ("founded_on", "2026-02-01".into()),
                ("currency", "MXN".into()),
            ],
            [403, 403, 403, 403, 403, 403, 403, 9, 403, 3],
        ),
        (
            "POST",
            "/programa/supervisores".into(),
            vec![
                ("login", "sup.banco".into()),
                ("display_name", "Banco".into()),
            ],
            [403, 403, 403, 403, 403, 403, 403, 9, 403, 3],
        ),
        (
            "POST",
            "/programa/codigo".into(),
            vec![("login", "dg.tepoz".into())],
            [403, 403, 403, 403, 403, 403, 403, 2, 403, 3],
        ),
        (
            "GET",
            format!("{o}/cuentas"),
            vec![],
            [403, 2, 403, 403, 403, 403, 403, 404, 404, 3],
        ),
        (
            "POST",
            format!("{o}/cuentas"),
            vec![("member", "1".into()), ("login", n(1))],
            [403, 9, 403, 403, 403, 403, 403, 404, 404, 3],
        ),
        (
            "POST",
            format!("{o}/cuentas/socia.matriz/codigo"),
            vec![],
            [403, 2, 403, 403, 403, 403, 403, 404, 404, 3],
        ),
        (
            "GET",
            format!("{o}/planes"),
            vec![],
            [2, 2, 2, 403, 403, 403, 403, 404, 404, 3],
        ),
        (
            "POST",
            format!("{o}/planes"),
            vec![
                ("member", "1".into()),
                ("baseline_revenue", "1000".into()),
                ("baseline_profit", "100".into()),
                ("target", "2000".into()),
                ("by", "2027-12-31".into()),
            ],
            [403, 9, 403, 403, 403, 403, 403, 404, 404, 3],
        ),
        // The real ODF: its DG runs it; the demo's users (the supervisor too) do not see it.
        (
            "GET",
            format!("{x}/cuentas"),
            vec![],
            [404, 404, 404, 404, 404, 404, 404, 404, 2, 3],
        ),
        (
            "GET",
            format!("{x}/planes"),
            vec![],
            [404, 404, 404, 404, 404, 404, 404, 404, 2, 3],
        ),
        (
            "GET",
            x.clone(),
            vec![],
            [404, 404, 404, 404, 404, 404, 404, 404, 2, 3],
        ),
        (
            "GET",
            "/cuenta".into(),
            vec![],
            [2, 2, 2, 2, 2, 2, 2, 2, 2, 3],
        ),
        (
            "POST",
            "/cuenta/clave".into(),
            vec![
                ("current_password", "no es esta".into()),
                ("password", "una clave nueva".into()),
                ("password2", "una clave nueva".into()),
            ],
            [9, 9, 9, 9, 9, 9, 9, 9, 9, 3],
        ),
        (
            "POST",
            "/cuenta/sesiones/0000000000000000/cerrar".into(),
            vec![],
            [404, 404, 404, 404, 404, 404, 404, 404, 404, 3],
        ),
    ];
    let missing = get(&w, "/odf/no-existe/cuentas", who[1].as_ref()).await;
    let mut failures = Vec::new();
    for (method, uri, form, expected) in rows {
        for (i, b) in who.iter().enumerate() {
            let csrf = b.as_ref().map(|b| b.csrf.clone()).unwrap_or_default();
            let r = if method == "GET" {
                get(&w, &uri, b.as_ref()).await
            } else {
                let mut fields: Vec<(&str, &str)> = vec![("csrf", &csrf)];
                fields.extend(form.iter().map(|(k, v)| (*k, v.as_str())));
                post_form(&w, &uri, b.as_ref(), &fields).await
            };
            let status = r.status.as_u16();
            let got = match status {
                200..=299 => 2,
                303 => 3,
                s => s,
            };
            let got = if expected[i] == 9 && (got == 2 || got == 422) {
                9
            } else {
                got
            };
            let name = WHO.get(i).copied().unwrap_or("nobody");
            if got != expected[i] {
                failures.push(format!(
                    "{name} {method} {uri}: expected {}, got {status}",
                    expected[i]
                ));
            }
            if got == 404 && uri.starts_with("/odf/") && r.body != missing.body {
                failures.push(format!(
                    "{name} {method} {uri}: 404 differs from a missing one"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[tokio::test]
async fn authorisation_matrix_of_the_new_api_routes() {
    let (w, real) = world_with_admin().await;
    let who = everyone(&w).await;
    let o = "/api/v1/orgs/alfareros-morelos";
    let x = format!("/api/v1/orgs/{}", real.data.slug);
    let staff = w.app.user("personal").await.unwrap().viewer;
    let (_, curp) = member_without_account(&w, 0).await;
    w.app
        .create_member_account(
            w.union.id,
            &staff,
            &curp,
            "socia.api",
            "t",
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    let (_, curp2) = member_without_account(&w, 1).await;
    let org_body = json!({"slug": "odf-api", "name": "ODF API", "group_name": "Grupo", "state": "Puebla", "municipality": "Cholula", "trade": "textil", "founded_on": "2026-02-01"});
    type Row = (&'static str, String, Option<serde_json::Value>, [u16; 10]);
    let rows: Vec<Row> = vec![
        (
            "POST",
            "/api/v1/orgs".into(),
            Some(org_body),
            [403, 403, 403, 403, 403, 403, 403, 9, 403, 401],
        ),
        (
            "POST",
            "/api/v1/supervisors".into(),
            Some(json!({"login": "sup.api", "display_name": "Banco"})),
            [403, 403, 403, 403, 403, 403, 403, 9, 403, 401],
        ),
        (
            "POST",
            "/api/v1/users/dg.tepoz/code".into(),
            None,
            [403, 403, 403, 403, 403, 403, 403, 2, 403, 401],
        ),
        (
            "GET",
            format!("{o}/accounts"),
            None,
            [403, 2, 403, 403, 403, 403, 403, 404, 404, 401],
        ),
        (
            "POST",
            format!("{o}/accounts"),
            Some(json!({"member": curp2, "login": "socia.api2"})),
            [403, 9, 403, 403, 403, 403, 403, 404, 404, 401],
        ),
        (
            "POST",
            format!("{o}/accounts/socia.api/code"),
            None,
            [403, 2, 403, 403, 403, 403, 403, 404, 404, 401],
        ),
        (
            "GET",
            format!("{x}/accounts"),
            None,
            [404, 404, 404, 404, 404, 404, 404, 404, 2, 401],
        ),
        (
            "GET",
            "/api/v1/me/sessions".into(),
            None,
            [2, 2, 2, 2, 2, 2, 2, 2, 2, 401],
        ),
        (
            "POST",
            "/api/v1/me/password".into(),
            Some(json!({"current_password": "no es esta", "new_password": "una clave nueva"})),
            [422, 422, 422, 422, 422, 422, 422, 422, 422, 401],
        ),
        (
            "POST",
            "/api/v1/me/sessions/0000000000000000/end".into(),
            None,
            [404, 404, 404, 404, 404, 404, 404, 404, 404, 401],
        ),
    ];
    let mut failures = Vec::new();
    for (method, uri, body, expected) in rows {
        for (i, b) in who.iter().enumerate() {
            let token = b.as_ref().map(|b| b.token.as_str());
            let r = api(&w, method, &uri, token, body.clone(), None).await;
            let status = r.status.as_u16();
            let got = match status {
                200..=299 => 2,
                s => s,
            };
            let got = if expected[i] == 9 && (got == 2 || got == 422) {
                9
            } else {
                got
            };
            if got != expected[i] {
                failures.push(format!(
                    "{} {method} {uri}: expected {}, got {status} {}",
                    WHO.get(i).copied().unwrap_or("nobody"),
                    expected[i],
                    r.body
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    // The ODF created through the API is one event; the same request again is 200, unchanged.
    let admin = who[7].as_ref().unwrap().token.clone();
    let again = api(
        &w,
        "POST",
        "/api/v1/orgs",
        Some(&admin),
        Some(json!({"slug": "odf-api", "name": "ODF API", "group_name": "Grupo", "state": "Puebla", "municipality": "Cholula", "trade": "textil", "founded_on": "2026-02-01"})),
        Some("clave-1"),
    )
    .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert_eq!(again.json()["created"], false);
}

#[tokio::test]
async fn the_first_visit_to_a_new_production_database_asks_for_the_set_up_code() {
    let store: std::sync::Arc<dyn store::Store> =
        std::sync::Arc::new(store_sqlite::SqliteStore::open_in_memory().await.unwrap());
    let app = app::App::new(store);
    let router = web::router(app.clone());
    // No code issued (a demo server): `/` sends to sign in.
    let r = send(&router, Request::get("/").body(Body::empty()).unwrap()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let code = app
        .issue_setup_code(chrono::Utc::now())
        .await
        .unwrap()
        .unwrap()
        .code;
    let r = send(&router, Request::get("/").body(Body::empty()).unwrap()).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("name=\"code\""), "the set-up form");
    let pre = r.cookie("tequio_pre_acc").unwrap();
    let post = |code: &str, password: &str| {
        let body = format!(
            "csrf={pre}&code={}&login=admin&display_name=Ana&password={p}&password2={p}",
            urlencode(code),
            p = urlencode(password)
        );
        Request::post("/inicio")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, format!("tequio_pre_acc={pre}"))
            .body(Body::from(body))
            .unwrap()
    };
    let wrong = send(&router, post("ZZZZZ-ZZZZZ", ADMIN_PASSWORD)).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let common = send(&router, post(&code, "password")).await;
    assert_eq!(common.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(common.body.contains("demasiado común"), "{}", common.body);
    let ok = send(&router, post(&code, ADMIN_PASSWORD)).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let cookie = format!("tequio_session={}", ok.cookie("tequio_session").unwrap());
    let home = send(
        &router,
        Request::get("/")
            .header(header::COOKIE, &cookie)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(home.location(), "/programa", "the administrator's page");
    // Done once: the form is gone and the code is spent.
    let r = send(&router, Request::get("/").body(Body::empty()).unwrap()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let again = send(&router, post(&code, ADMIN_PASSWORD)).await;
    assert_eq!(again.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn wrong_activation_codes_are_rate_limited_like_sign_in() {
    let (w, _) = world_with_admin().await;
    let staff = w.app.user("personal").await.unwrap().viewer;
    let (_, curp) = member_without_account(&w, 0).await;
    let code = w
        .app
        .create_member_account(
            w.union.id,
            &staff,
            &curp,
            "socia.limite",
            "t",
            chrono::Utc::now(),
        )
        .await
        .unwrap()
        .code;
    let activate = |code: &str| {
        api(
            &w,
            "POST",
            "/api/v1/activation",
            None,
            Some(json!({"login": "socia.limite", "code": code, "password": "mi taller de barro"})),
            None,
        )
    };
    for _ in 0..5 {
        assert_eq!(
            activate("AAAAA-AAAAA").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    // Locked: even the right code is refused for now (5 failures per address and login).
    assert_eq!(activate(&code).await.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn pages_are_not_cached_not_framed_and_cookies_are_secure_behind_tls() {
    let w = world().await;
    let b = sign_in(&w, "socio").await;
    let r = get(&w, "/odf/alfareros-morelos/mi-estado", Some(&b)).await;
    let h = |r: &Reply, name: &str| {
        r.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    assert_eq!(h(&r, "cache-control"), "no-store");
    assert_eq!(h(&r, "x-frame-options"), "DENY");
    assert!(h(&r, "content-security-policy").contains("frame-ancestors 'none'"));
    assert!(!h(&r, "content-security-policy").contains("unsafe-inline"));
    let api_reply = api(&w, "GET", "/api/v1/orgs", Some(&b.token), None, None).await;
    assert_eq!(h(&api_reply, "cache-control"), "no-store");
    // Static files keep their own caching.
    let css = get(&w, "/static/tequio.css", None).await;
    assert!(h(&css, "cache-control").starts_with("public"));
    // Behind TLS (the setting): every cookie is Secure.
    let tls = web::router_with(web::AppState {
        app: w.app.clone(),
        limiter: Default::default(),
        sessions: Default::default(),
        statements: Default::default(),
        reads: Default::default(),
        secure_cookies: true,
        trusted_proxies: std::sync::Arc::new([]),
    });
    let form = send(&tls, Request::get("/entrar").body(Body::empty()).unwrap()).await;
    let cookies: Vec<String> = form
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    assert!(
        !cookies.is_empty() && cookies.iter().all(|c| c.contains("; Secure")),
        "{cookies:?}"
    );
    let plain = get(&w, "/entrar", None).await;
    assert!(plain
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .all(|v| !v.to_str().unwrap().contains("Secure")));
}
