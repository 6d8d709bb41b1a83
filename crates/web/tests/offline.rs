//! Issue 20 through the router: the installable app's files (manifest, icons, service worker,
//! offline script and page) with their content types and cache headers, the security policy
//! that lets the worker and the manifest load, the person's opaque id on the pages, the
//! session probe, and the replay of queued page forms (`Idempotency-Key` on the report form
//! and the collection sheet): done once per key, answered in JSON, refused with the page's
//! reason, the same key with other figures refused, a session renewed in between (another
//! CSRF token) still a replay, no session answered `signin` with nothing written. The offline
//! shell's weight is measured here and kept under 150 KB.

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::*;

const SLUG: &str = "alfareros-morelos";

/// A queued form sent again by the offline script: the form's fields, its key, JSON asked.
async fn replay(
    w: &World,
    uri: &str,
    who: Option<&Browser>,
    key: &str,
    form: &[(&str, &str)],
) -> Reply {
    let body = form
        .iter()
        .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let mut r = Request::post(uri)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .header("Idempotency-Key", key);
    if let Some(b) = who {
        r = r.header(header::COOKIE, &b.cookie);
    }
    send(&w.router, r.body(Body::from(body)).unwrap()).await
}

fn h<'a>(r: &'a Reply, name: &str) -> &'a str {
    r.headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

async fn gzipped_len(w: &World, uri: &str) -> (usize, usize) {
    let plain = get(w, uri, None).await;
    assert_eq!(plain.status, StatusCode::OK, "{uri}");
    let r = w.router.clone().oneshot_gzip(uri).await;
    (plain.body.len(), r)
}

trait GzipGet {
    async fn oneshot_gzip(self, uri: &str) -> usize;
}

impl GzipGet for axum::Router {
    /// The bytes sent for `uri` to a browser that accepts gzip (what goes over the air).
    async fn oneshot_gzip(self, uri: &str) -> usize {
        use http_body_util::BodyExt;
        use tower::ServiceExt;
        let response = self
            .oneshot(
                Request::get(uri)
                    .header(header::ACCEPT_ENCODING, "gzip")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        response
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .len()
    }
}

#[tokio::test]
async fn the_app_is_installable_and_its_offline_shell_stays_under_150_kb() {
    let w = world().await;
    let m = get(&w, "/manifest.webmanifest", None).await;
    assert_eq!(m.status, StatusCode::OK);
    assert_eq!(h(&m, "content-type"), "application/manifest+json");
    let manifest = m.json();
    assert_eq!(manifest["name"], "Tequio");
    assert_eq!(manifest["lang"], "es-MX");
    assert_eq!(manifest["start_url"], "/");
    assert_eq!(manifest["display"], "standalone");
    assert!(manifest["theme_color"].as_str().unwrap().starts_with('#'));
    // Every icon it names is served with its type; the 192 and 512 px PNGs installers ask for.
    let icons = manifest["icons"].as_array().unwrap();
    for size in ["192x192", "512x512"] {
        assert!(icons
            .iter()
            .any(|i| i["sizes"] == size && i["type"] == "image/png"));
    }
    for icon in icons {
        let r = get(&w, icon["src"].as_str().unwrap(), None).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(h(&r, "content-type"), icon["type"].as_str().unwrap());
    }
    // The worker: JavaScript, from the root (scope "/"), checked again on every visit.
    let sw = get(&w, "/sw.js", None).await;
    assert_eq!(sw.status, StatusCode::OK);
    assert!(h(&sw, "content-type").starts_with("text/javascript"));
    assert_eq!(h(&sw, "cache-control"), "no-cache");
    assert_eq!(h(&sw, "service-worker-allowed"), "/");
    // It never touches the API nor anything but GET.
    assert!(sw.body.contains("'/api/'") && sw.body.contains("method !== 'GET'"));
    // The policy lets the worker, the manifest and the script's requests come from here only.
    let csp = h(&sw, "content-security-policy");
    for d in [
        "worker-src 'self'",
        "manifest-src 'self'",
        "connect-src 'self'",
        "script-src 'self'",
    ] {
        assert!(csp.contains(d), "{d} in {csp}");
    }
    // The offline page is the same for everyone: no person, kept a day.
    let page = get(&w, "/sin-conexion", None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Sin conexión"));
    assert!(!page.body.contains("tequio-person"));

    // The shell: every file the worker keeps at install (its SHELL_FILES list, read here).
    let list = sw.body.split("var SHELL_FILES = [").nth(1).unwrap();
    let list = list.split("];").next().unwrap();
    let files: Vec<&str> = list
        .split(',')
        .map(|s| s.trim().trim_matches('\''))
        .filter(|s| !s.is_empty())
        .collect();
    assert!(files.len() >= 8, "{files:?}");
    let mut raw = sw.body.len();
    let mut sent = w.router.clone().oneshot_gzip("/sw.js").await;
    for f in &files {
        let (plain, gz) = gzipped_len(&w, f).await;
        raw += plain;
        sent += gz;
    }
    // The icon at 512 px is fetched by the installer, not kept: counted too, to be safe.
    let (p512, g512) = gzipped_len(&w, "/static/icon-512.png").await;
    raw += p512;
    sent += g512;
    println!(
        "offline shell: {} files, {raw} bytes as stored, {sent} bytes sent gzipped",
        files.len() + 2
    );
    assert!(raw < 150 * 1024, "the offline shell weighs {raw} bytes");
}

#[tokio::test]
async fn pages_name_the_person_by_an_opaque_id_and_the_probe_answers_who_is_signed_in() {
    let w = world().await;
    let socio = sign_in(&w, "socio").await;
    let staff = sign_in(&w, "personal").await;
    let page = get(&w, "/", Some(&socio)).await;
    let person = page
        .body
        .split("<meta name=\"tequio-person\" content=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap()
        .to_string();
    assert_eq!(person.len(), 16);
    assert!(!person.contains("socio"));
    assert!(page.body.contains("/static/offline.js") && page.body.contains("rel=\"manifest\""));
    assert!(
        page.body.contains("id=\"offline\""),
        "the queue's place on the page"
    );
    let probe = get(&w, "/sesion", Some(&socio)).await;
    assert_eq!(probe.status, StatusCode::OK);
    assert_eq!(h(&probe, "cache-control"), "no-store");
    assert_eq!(probe.json()["person"], person.as_str());
    assert_eq!(probe.json()["csrf"], socio.csrf.as_str());
    // Another person, another id; the same person in a new session, the same id.
    let other = get(&w, "/sesion", Some(&staff)).await.json();
    assert_ne!(other["person"], person.as_str());
    let again = sign_in(&w, "socio").await;
    assert_eq!(
        get(&w, "/sesion", Some(&again)).await.json()["person"],
        person.as_str()
    );
    // Signed out: 401, and the sign-in page names nobody.
    let none = get(&w, "/sesion", None).await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);
    assert!(none.json()["person"].is_null());
    assert!(!get(&w, "/entrar", None)
        .await
        .body
        .contains("tequio-person"));
}

#[tokio::test]
async fn a_queued_report_is_filed_once_per_key_and_answers_in_json() {
    for (backend, w) in worlds().await {
        let b = sign_in(&w, "socio").await;
        let me = member_of(&w, "socio").await;
        let uri = format!("/odf/{SLUG}/socios/{me}/reporte");
        let count = || async { w.app.member_reports(w.union.id, me).await.unwrap().len() };
        let before = count().await;
        let period = last_month();
        let form = |csrf: &str| {
            vec![
                ("csrf".to_string(), csrf.to_string()),
                ("period".to_string(), period.clone()),
                ("revenue".to_string(), "9,800.50".to_string()),
                ("profit".to_string(), "2,100".to_string()),
            ]
        };
        let as_refs = |f: &Vec<(String, String)>| -> Vec<(String, String)> { f.clone() };
        let send_with = |who: Browser, key: &'static str, f: Vec<(String, String)>| {
            let w = &w;
            let uri = uri.clone();
            async move {
                let pairs: Vec<(&str, &str)> =
                    f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                replay(w, &uri, Some(&who), key, &pairs).await
            }
        };
        let first = send_with(b.clone(), "k-report-1", as_refs(&form(&b.csrf))).await;
        assert_eq!(first.status, StatusCode::OK, "{backend}: {}", first.body);
        assert_eq!(first.json()["outcome"], "sent");
        // The page's own confirmation, as text: the month by its name and the amounts.
        let said = first.json()["message"].as_str().unwrap().to_string();
        assert!(said.contains(&month_label_es(&period)), "{said}");
        assert!(
            said.contains("$9,800.50") && said.contains("$2,100.00"),
            "{said}"
        );
        assert_eq!(count().await, before + 1);
        let filed = w.app.member_reports(w.union.id, me).await.unwrap();
        assert_eq!(filed.last().unwrap().revenue.amount_minor(), 980_050);
        assert_eq!(filed.last().unwrap().profit.amount_minor(), 210_000);

        // The same entry again (a lost answer, a second tab): the stored answer, nothing new.
        let again = send_with(b.clone(), "k-report-1", as_refs(&form(&b.csrf))).await;
        assert_eq!(again.status, StatusCode::OK);
        assert_eq!(h(&again, "idempotent-replayed"), "true");
        assert_eq!(again.json()["message"], said.as_str());
        assert_eq!(count().await, before + 1);
        // After the session was renewed (signed in again: another CSRF token), still a replay.
        let renewed = sign_in(&w, "socio").await;
        assert_ne!(renewed.csrf, b.csrf);
        let later = send_with(renewed.clone(), "k-report-1", as_refs(&form(&renewed.csrf))).await;
        assert_eq!(later.status, StatusCode::OK, "{}", later.body);
        assert_eq!(h(&later, "idempotent-replayed"), "true");
        assert_eq!(count().await, before + 1);
        // The same key with other figures is refused, never applied.
        let mut other = form(&b.csrf);
        other[2].1 = "1".into();
        let reused = send_with(b.clone(), "k-report-1", other).await;
        assert_eq!(reused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(reused.json()["error"], "idempotency_key_reused");
        assert_eq!(count().await, before + 1);

        // A refusal of the form comes back with the page's reason, as text, nothing filed.
        let mut bad = form(&b.csrf);
        bad[2].1 = "-5".into();
        let refused = send_with(b.clone(), "k-report-2", bad).await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            refused.body
        );
        assert_eq!(refused.json()["outcome"], "refused");
        let why = refused.json()["message"].as_str().unwrap().to_string();
        assert!(
            !why.is_empty() && !why.contains('<') && !why.contains("R-PLAN"),
            "{why}"
        );
        assert_eq!(count().await, before + 1);

        // A wrong CSRF token is not kept under the key: the retry with the right one works.
        let mut month_before = form("not-the-token");
        let (y, m) = period.split_once('-').unwrap();
        month_before[1].1 = month_key(y.parse().unwrap(), m.parse().unwrap(), -1);
        let csrf_refused = send_with(b.clone(), "k-report-3", month_before.clone()).await;
        assert_eq!(csrf_refused.status, StatusCode::FORBIDDEN);
        month_before[0].1 = b.csrf.clone();
        let retried = send_with(b.clone(), "k-report-3", month_before).await;
        // Done this time (filed, or refused by the form itself): not the 403 kept.
        let outcome = retried.json()["outcome"].clone();
        assert!(
            outcome == "sent" || outcome == "refused",
            "{}",
            retried.body
        );
        assert_ne!(
            h(&retried, "idempotent-replayed"),
            "true",
            "{}",
            retried.body
        );

        // Without a session (it expired offline): `signin`, nothing filed, nothing stored.
        let n = count().await;
        let mut nobody = form("");
        nobody[2].1 = "77".into();
        let pairs: Vec<(&str, &str)> = nobody
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let expired = replay(&w, &uri, None, "k-report-4", &pairs).await;
        assert_eq!(expired.status, StatusCode::UNAUTHORIZED);
        assert_eq!(expired.json()["outcome"], "signin");
        assert_eq!(count().await, n);
    }
}

#[tokio::test]
async fn a_queued_collection_sheet_books_every_payment_once() {
    for (backend, w) in worlds().await {
        let staff = sign_in(&w, "personal").await;
        let today = today_mx();
        // This month's dues charged, so that the meeting has members who owe.
        w.app
            .charge_dues_period(
                w.union.id,
                &today.format("%Y-%m").to_string(),
                today,
                &app::Actor::cli(),
            )
            .await
            .unwrap();
        let sheet = w
            .app
            .collection_sheet(w.union.id, today, None)
            .await
            .unwrap();
        // Five members who owe dues pay them in full, typed in pesos and centavos.
        let payers: Vec<(i64, i64)> = sheet
            .rows
            .iter()
            .filter(|r| r.dues_minor > 0)
            .take(5)
            .map(|r| (r.member_id, r.dues_minor))
            .collect();
        assert_eq!(payers.len(), 5, "{backend}");
        let mut before = Vec::new();
        for (id, _) in &payers {
            before.push(w.app.dues_arrears_minor(w.union.id, *id).await.unwrap());
        }
        let mut fields: Vec<(String, String)> = vec![
            ("csrf".into(), staff.csrf.clone()),
            ("token".into(), "0123456789abcdef0123456789abcdef".into()),
            ("fecha".into(), today.to_string()),
            ("municipio".into(), String::new()),
        ];
        for (id, owed) in &payers {
            fields.push((
                format!("d{id}"),
                format!("{}.{:02}", owed / 100, owed % 100),
            ));
        }
        let pairs: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let uri = format!("/odf/{SLUG}/cobranza");
        let key = "0123456789abcdef0123456789abcdef";
        let first = replay(&w, &uri, Some(&staff), key, &pairs).await;
        assert_eq!(first.status, StatusCode::OK, "{backend}: {}", first.body);
        assert_eq!(first.json()["outcome"], "sent");
        let again = replay(&w, &uri, Some(&staff), key, &pairs).await;
        assert_eq!(again.json()["outcome"], "sent");
        assert_eq!(h(&again, "idempotent-replayed"), "true");
        for (k, (id, owed)) in payers.iter().enumerate() {
            assert_eq!(
                w.app.dues_arrears_minor(w.union.id, *id).await.unwrap(),
                before[k] - owed,
                "{backend}: the dues booked once for member {id}"
            );
        }
        let check = w.app.check_books(w.union.id).await.unwrap();
        assert!(check.ok(), "{:?}", check.failures().collect::<Vec<_>>());
        // A member's statement is not the sheet: a member may not post it (403, not kept).
        let socio = sign_in(&w, "socio").await;
        let mut theirs = fields.clone();
        theirs[0].1 = socio.csrf.clone();
        theirs[1].1 = "fedcba9876543210fedcba9876543210".into();
        let pairs: Vec<(&str, &str)> = theirs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let refused = replay(
            &w,
            &uri,
            Some(&socio),
            "fedcba9876543210fedcba9876543210",
            &pairs,
        )
        .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert_eq!(refused.json()["outcome"], "forbidden");
    }
}

#[tokio::test]
async fn a_form_post_without_a_key_is_the_page_as_before() {
    let w = world().await;
    let b = sign_in(&w, "socio").await;
    let me = member_of(&w, "socio").await;
    let r = post_form(
        &w,
        &format!("/odf/{SLUG}/socios/{me}/reporte"),
        Some(&b),
        &[
            ("csrf", b.csrf.as_str()),
            ("period", &last_month()),
            ("revenue", "100"),
            ("profit", "10"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(h(&r, "content-type").starts_with("text/html"));
    assert!(r.body.contains("id=\"report-ok\""));
    // The form says it can be kept offline.
    assert!(r
        .body
        .contains("id=\"report-form\" data-offline=\"Reporte de ingresos\""));
}

/// R-PLAN-2: a report queued on the phone for a period that staff closed before it arrived is
/// filed late, and the answer the queue shows says the next close adjusts it.
#[tokio::test]
async fn a_report_queued_for_a_period_closed_meanwhile_is_filed_late_and_says_so() {
    let w = world().await;
    let socio = sign_in(&w, "socio").await;
    let staff = sign_in(&w, "personal").await;
    let me = member_of(&w, "socio").await;
    let period = last_month();
    let closed = post_form(
        &w,
        &format!("/odf/{SLUG}/cierre"),
        Some(&staff),
        &[
            ("csrf", staff.csrf.as_str()),
            ("period", &period),
            ("confirm", "si"),
        ],
    )
    .await;
    assert_eq!(closed.status, StatusCode::OK, "{}", closed.body);
    let p = fund::Period::parse(&period, fund::PeriodSettings::default()).unwrap();
    assert!(w.app.is_closed(w.union.id, p).await.unwrap());
    let before = w.app.member_reports(w.union.id, me).await.unwrap().len();
    let r = replay(
        &w,
        &format!("/odf/{SLUG}/socios/{me}/reporte"),
        Some(&socio),
        "k-late-1",
        &[
            ("csrf", socio.csrf.as_str()),
            ("period", &period),
            ("revenue", "3,000"),
            ("profit", "500"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["outcome"], "sent");
    let said = r.json()["message"].as_str().unwrap().to_string();
    assert!(said.contains("Ese periodo ya se cerró"), "{said}");
    assert_eq!(
        w.app.member_reports(w.union.id, me).await.unwrap().len(),
        before + 1
    );
}
