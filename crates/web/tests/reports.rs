//! R-PLAN-2 through the web: a member reports last month's income (the month that is over), staff report for a
//! micro-producer (R-ORG-3), every refusal comes back next to its field in the user's language
//! with nothing saved, and the API files the same way with Idempotency-Key.

mod common;

use axum::http::StatusCode;
use chrono::Datelike;
use common::*;
use serde_json::json;

const SLUG: &str = "alfareros-morelos";

fn next_month() -> String {
    let d = today_mx();
    month_key(d.year(), d.month(), 1)
}

async fn reports_of(w: &World, member: i64) -> usize {
    w.app
        .member_reports(w.union.id, member)
        .await
        .unwrap()
        .len()
}

async fn file(
    w: &World,
    who: &Browser,
    member: i64,
    period: &str,
    revenue: &str,
    profit: &str,
    lang: &str,
) -> Reply {
    post_form(
        w,
        &format!("/odf/{SLUG}/socios/{member}/reporte?lang={lang}"),
        Some(who),
        &[
            ("csrf", who.csrf.as_str()),
            ("period", period),
            ("revenue", revenue),
            ("profit", profit),
        ],
    )
    .await
}

/// The first member of the union with the given profile (R-ORG-3) who is not a demo user.
async fn member_with(w: &World, profile: registry::Profile) -> i64 {
    let socio = member_of(w, "socio").await;
    w.app
        .store()
        .members(w.union.id, store::Page::first(100))
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.data.profile == profile && m.id != socio && m.left_on.is_none())
        .map(|m| m.id)
        .unwrap_or_else(|| panic!("the demo union has a {profile:?}"))
}

#[tokio::test]
async fn a_member_reports_last_months_income_and_sees_it_on_their_statement() {
    let w = world().await;
    let b = sign_in(&w, "socio").await;
    let me = member_of(&w, "socio").await;
    let start = get(&w, &format!("/odf/{SLUG}/reportar"), Some(&b)).await;
    assert_eq!(start.location(), format!("/odf/{SLUG}/socios/{me}/reporte"));
    let form = get(&w, start.location(), Some(&b)).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        form.body.contains(&format!("value=\"{}\"", last_month())),
        "the form opens on the last month that is over"
    );
    assert!(form.body.contains("Reportar ingresos del mes"));
    let before = reports_of(&w, me).await;
    // The statement is read (and its Fund part cached) before the report...
    let statement = format!("/odf/{SLUG}/socios/{me}");
    let earlier = get(&w, &statement, Some(&b)).await;
    assert!(!earlier.body.contains("$12,500.00"));
    let r = file(&w, &b, me, &last_month(), "12,500.00", "4,000", "es").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // The confirmation repeats the month and the amounts as they were saved.
    assert!(
        r.body.contains(&format!(
            "Reporte de {} recibido: ingresos $12,500.00, utilidad $4,000.00.",
            month_label_es(&last_month())
        )),
        "{}",
        r.body
    );
    assert_eq!(reports_of(&w, me).await, before + 1);
    let reports = w.app.member_reports(w.union.id, me).await.unwrap();
    let last = reports.last().unwrap();
    assert_eq!(last.revenue.amount_minor(), 1_250_000);
    assert_eq!(last.profit.amount_minor(), 400_000);
    assert_eq!(last.reported_by, fund::Reporter::Member);
    // Sending the same form again (a double tap on a slow phone) files nothing new.
    let again = file(&w, &b, me, &last_month(), "12,500.00", "4,000", "es").await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(reports_of(&w, me).await, before + 1);
    // ...and after it shows the period, the chart against the baseline and the new figures:
    // the cached part is rebuilt once the organisation's log has grown.
    let page = get(&w, &format!("/odf/{SLUG}/mi-estado"), Some(&b)).await;
    let page = get(&w, page.location(), Some(&b)).await;
    assert_eq!(page.status, StatusCode::OK);
    // The period by its month's name (issue 17), never as `2026-03`.
    let (year, month) = last_month()
        .split_once('-')
        .map(|(y, m)| (y.to_string(), m.parse::<usize>().unwrap()))
        .unwrap();
    let months = [
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
    let named = format!("{} {year}", months[month - 1]);
    assert!(page.body.contains(&named), "{named}");
    assert!(!page.body.contains(&format!(">{}<", last_month())));
    assert!(page.body.contains("$12,500.00"));
    assert!(page.body.contains("class=\"baseline\""), "income chart");
}

#[tokio::test]
async fn refusals_come_back_next_to_the_field_in_the_users_language_and_save_nothing() {
    let w = world().await;
    let b = sign_in(&w, "socio").await;
    let me = member_of(&w, "socio").await;
    let before = reports_of(&w, me).await;
    // R-PLAN-2: a future period.
    let r = file(&w, &b, me, &next_month(), "1000", "100", "es").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"e-period\""), "{}", r.body);
    assert!(r.body.contains("elija un mes que ya terminó"), "{}", r.body);
    let message = r.body.split("id=\"e-period\"").nth(1).unwrap();
    let message = &message[..message.find("</").unwrap()];
    assert!(
        !message.contains("R-PLAN"),
        "no rule id in the sentence: {message}"
    );
    assert!(
        r.body.contains(&format!("value=\"{}\"", next_month())),
        "values kept"
    );
    // R-PLAN-2: the month in course is not over, so not reported yet.
    let r = file(&w, &b, me, &this_month(), "1000", "100", "es").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("elija un mes que ya terminó"), "{}", r.body);
    // Negative revenue, in English.
    let r = file(&w, &b, me, &last_month(), "-5", "0", "en").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"e-revenue\""));
    assert!(r.body.contains("It cannot be negative."), "{}", r.body);
    // Not an amount at all.
    let r = file(&w, &b, me, &last_month(), "mucho", "0", "es").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("No es un importe en pesos"), "{}", r.body);
    // A decimal comma is refused, never read as 1,250,050.00 pesos.
    let r = file(&w, &b, me, &last_month(), "12500,50", "0", "es").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Use punto para los centavos"), "{}", r.body);
    // R-PLAN-2: profit larger than revenue.
    let r = file(&w, &b, me, &last_month(), "1,000", "1,000.01", "es").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"e-profit\""), "{}", r.body);
    assert!(r
        .body
        .contains("La utilidad no puede ser mayor que los ingresos."));
    // A period written wrong.
    let r = file(&w, &b, me, "noviembre", "10", "0", "es").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"e-period\""));
    assert_eq!(reports_of(&w, me).await, before, "nothing saved");
    // R-PLAN-2: a second report of the same period with other figures is a duplicate.
    let ok = file(&w, &b, me, &last_month(), "1000", "100", "es").await;
    assert_eq!(ok.status, StatusCode::OK);
    let dup = file(&w, &b, me, &last_month(), "2000", "100", "es").await;
    assert_eq!(dup.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(dup.body.contains("Ya hay un reporte de este periodo"));
    assert_eq!(reports_of(&w, me).await, before + 1);
    // R-PLAN-2: a change is a correction with its reason (a new report that supersedes).
    let correct = |revenue: &'static str, reason: String, period: String| {
        let b = b.clone();
        let w = &w;
        async move {
            post_form(
                w,
                &format!("/odf/{SLUG}/socios/{me}/reporte"),
                Some(&b),
                &[
                    ("csrf", b.csrf.as_str()),
                    ("period", &period),
                    ("revenue", revenue),
                    ("profit", "100"),
                    ("reason", &reason),
                ],
            )
            .await
        }
    };
    let long = correct("2000", "x".repeat(501), last_month()).await;
    assert_eq!(long.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(long.body.contains("id=\"e-reason\""), "{}", long.body);
    let month_before = {
        let d = today_mx();
        month_key(d.year(), d.month(), -2)
    };
    let nothing = correct("2000", "Sumé mal".into(), month_before).await;
    assert_eq!(nothing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(nothing
        .body
        .contains("No hay reporte de este periodo que corregir"));
    assert_eq!(reports_of(&w, me).await, before + 1, "nothing saved");
    let fixed = correct("2000", "Sumé mal las ventas".into(), last_month()).await;
    assert_eq!(fixed.status, StatusCode::OK, "{}", fixed.body);
    let reports = w.app.member_reports(w.union.id, me).await.unwrap();
    assert_eq!(
        reports.len(),
        before + 2,
        "the first report is kept, never edited"
    );
    let last = reports.last().unwrap();
    assert_eq!(last.revenue.amount_minor(), 200_000);
    assert!(last.supersedes.is_some());
    assert_eq!(last.reason.as_deref(), Some("Sumé mal las ventas"));
    // Without the CSRF token: refused, nothing saved.
    let forged = post_form(
        &w,
        &format!("/odf/{SLUG}/socios/{me}/reporte"),
        Some(&b),
        &[("period", &last_month()), ("revenue", "5"), ("profit", "1")],
    )
    .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(reports_of(&w, me).await, before + 2);
}

#[tokio::test]
async fn staff_report_for_a_micro_producer_but_not_for_a_micro_entrepreneur() {
    let w = world().await;
    let staff = sign_in(&w, "personal").await;
    let producer = member_with(&w, registry::Profile::MicroProducer).await;
    let entrepreneur = member_with(&w, registry::Profile::MicroEntrepreneur).await;
    let form = get(
        &w,
        &format!("/odf/{SLUG}/socios/{producer}/reporte"),
        Some(&staff),
    )
    .await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("reporte del personal por el socio"));
    let r = file(&w, &staff, producer, &last_month(), "3000", "900", "es").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let last = w
        .app
        .member_reports(w.union.id, producer)
        .await
        .unwrap()
        .pop()
        .unwrap();
    assert!(matches!(last.reported_by, fund::Reporter::Staff { .. }));
    // The statement offers staff the form for the micro-producer only.
    let link = |m: i64| format!("/odf/{SLUG}/socios/{m}/reporte");
    let page = get(&w, &format!("/odf/{SLUG}/socios/{producer}"), Some(&staff)).await;
    assert!(page.body.contains(&link(producer)));
    let page = get(
        &w,
        &format!("/odf/{SLUG}/socios/{entrepreneur}"),
        Some(&staff),
    )
    .await;
    assert!(!page.body.contains(&link(entrepreneur)));
    // R-ORG-3: a micro-entrepreneur reports themself.
    let before = reports_of(&w, entrepreneur).await;
    let r = file(&w, &staff, entrepreneur, &last_month(), "3000", "900", "es").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // The rule is a small link after the sentence, never inside it (issue 17).
    assert!(r.body.contains("href=\"/reglas#R-ORG-3\""), "{}", r.body);
    assert!(!r.body.contains("(R-ORG-3)"), "{}", r.body);
    assert_eq!(reports_of(&w, entrepreneur).await, before);
}

#[tokio::test]
async fn nobody_else_files_a_report_and_another_odfs_member_is_missing() {
    let w = world().await;
    let me = member_of(&w, "socio").await;
    let before = reports_of(&w, me).await;
    // Who may see the member is refused (403); who may not gets the 404 of a missing member
    // (issue 15: member ids cannot be probed).
    for (login, refused) in [
        ("apoyo", StatusCode::NOT_FOUND),
        ("donante", StatusCode::NOT_FOUND),
        ("asesor", StatusCode::NOT_FOUND),
        ("consejo", StatusCode::FORBIDDEN),
        ("supervisor", StatusCode::FORBIDDEN),
    ] {
        let b = sign_in(&w, login).await;
        let r = file(&w, &b, me, &last_month(), "10", "1", "es").await;
        assert_eq!(r.status, refused, "{login}");
        let page = get(&w, &format!("/odf/{SLUG}/socios/{me}/reporte"), Some(&b)).await;
        assert_eq!(page.status, refused, "{login}");
    }
    assert_eq!(reports_of(&w, me).await, before);
    let staff = sign_in(&w, "personal").await;
    // Member ids are per organisation: the other ODF's member, under its own slug.
    let form = |slug: String| {
        let staff = staff.clone();
        let w = &w;
        async move {
            post_form(
                w,
                &format!("/odf/{slug}/socios/{}/reporte", w.other_member),
                Some(&staff),
                &[
                    ("csrf", staff.csrf.as_str()),
                    ("period", &last_month()),
                    ("revenue", "10"),
                    ("profit", "1"),
                ],
            )
            .await
        }
    };
    let other = form(w.other.data.slug.clone()).await;
    let missing = form("no-existe".to_string()).await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
    assert_eq!(
        other.body, missing.body,
        "another ODF's member answers as a missing one"
    );
    let anonymous = get(&w, &format!("/odf/{SLUG}/socios/{me}/reporte"), None).await;
    assert_eq!(anonymous.location(), "/entrar");
}

#[tokio::test]
async fn the_api_files_a_report_with_the_same_rules_and_idempotency_key() {
    let w = world().await;
    let me = member_of(&w, "socio").await;
    let b = sign_in(&w, "socio").await;
    let before = reports_of(&w, me).await;
    let uri = format!("/api/v1/orgs/{SLUG}/members/{me}/reports");
    let body = json!({"period": last_month(), "revenue_minor": 900_000, "profit_minor": 250_000});
    let first = api(
        &w,
        "POST",
        &uri,
        Some(&b.token),
        Some(body.clone()),
        Some("r-1"),
    )
    .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    assert_eq!(first.json()["reported_by"], "member");
    assert_eq!(first.json()["revenue_minor"], 900_000);
    let again = api(&w, "POST", &uri, Some(&b.token), Some(body), Some("r-1")).await;
    assert_eq!(again.body, first.body);
    assert_eq!(again.headers.get("idempotent-replayed").unwrap(), "true");
    let neg = api(
        &w,
        "POST",
        &uri,
        Some(&b.token),
        Some(json!({"period": last_month(), "revenue_minor": -1, "profit_minor": 0})),
        None,
    )
    .await;
    assert_eq!(neg.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(neg.json()["rule"], "R-PLAN-2");
    assert_eq!(neg.json()["field"], "revenue");
    let dup = api(
        &w,
        "POST",
        &uri,
        Some(&b.token),
        Some(json!({"period": last_month(), "revenue_minor": 1, "profit_minor": 0})),
        None,
    )
    .await;
    assert_eq!(dup.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(dup.json()["field"], "supersedes");
    let corrected = api(
        &w,
        "POST",
        &uri,
        Some(&b.token),
        Some(json!({"period": last_month(), "revenue_minor": 950_000, "profit_minor": 250_000, "reason": "faltó una venta"})),
        None,
    )
    .await;
    assert_eq!(corrected.status, StatusCode::CREATED, "{}", corrected.body);
    assert_eq!(corrected.json()["supersedes"], first.json()["report_id"]);
    let future = api(
        &w,
        "POST",
        &uri,
        Some(&b.token),
        Some(json!({"period": next_month(), "revenue_minor": 1, "profit_minor": 0})),
        None,
    )
    .await;
    assert_eq!(future.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(future.json()["field"], "period");
    let unfinished = api(
        &w,
        "POST",
        &uri,
        Some(&b.token),
        Some(json!({"period": this_month(), "revenue_minor": 1, "profit_minor": 0})),
        None,
    )
    .await;
    assert_eq!(unfinished.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(unfinished.json()["field"], "period");
    let apoyo = sign_in(&w, "apoyo").await;
    let refused = api(
        &w,
        "POST",
        &uri,
        Some(&apoyo.token),
        Some(json!({"period": last_month(), "revenue_minor": 1, "profit_minor": 0})),
        None,
    )
    .await;
    // The support committee may not see the member: 404, as a missing one (issue 15).
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    let staff = sign_in(&w, "personal").await;
    let other = api(
        &w,
        "POST",
        &format!(
            "/api/v1/orgs/{}/members/{}/reports",
            w.other.data.slug, w.other_member
        ),
        Some(&staff.token),
        Some(json!({"period": last_month(), "revenue_minor": 1, "profit_minor": 0})),
        None,
    )
    .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
    assert_eq!(
        reports_of(&w, me).await,
        before + 2,
        "the first report and its correction, nothing else"
    );
    let doc = api(&w, "GET", "/api/v1/openapi.json", None, None, None)
        .await
        .json();
    assert!(doc["paths"]["/api/v1/orgs/{slug}/members/{member_id}/reports"]["post"].is_object());
}

/// Issue 14: the report form's date (`fecha`) is the day the report was filed (default today,
/// America/Mexico_City); the period stays the period. A day after today or before the union
/// was founded (2025-01-01) comes back next to the field, nothing saved.
#[tokio::test]
async fn the_report_form_takes_the_day_it_was_filed() {
    let w = world().await;
    let b = sign_in(&w, "socio").await;
    let me = member_of(&w, "socio").await;
    let form = get(&w, &format!("/odf/{SLUG}/socios/{me}/reporte"), Some(&b)).await;
    let today = today_mx();
    assert!(
        form.body
            .contains(&format!("name=\"fecha\" type=\"date\" value=\"{today}\"")),
        "{}",
        form.body
    );
    // Last month's report, filed on the first day of this month (the earliest it can be).
    let period = last_month();
    let first = today.with_day(1).unwrap().to_string();
    let before = reports_of(&w, me).await;
    let send = |fecha: String, lang: &'static str| {
        let b = b.clone();
        let w = &w;
        let period = period.clone();
        async move {
            post_form(
                w,
                &format!("/odf/{SLUG}/socios/{me}/reporte?lang={lang}"),
                Some(&b),
                &[
                    ("csrf", b.csrf.as_str()),
                    ("period", &period),
                    ("fecha", &fecha),
                    ("revenue", "1000"),
                    ("profit", "100"),
                ],
            )
            .await
        }
    };
    let tomorrow = (today + chrono::Days::new(1)).to_string();
    let r = send(tomorrow, "es").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"e-fecha\""), "{}", r.body);
    assert!(r.body.contains("La fecha es posterior a hoy"), "{}", r.body);
    let r = send("2024-12-31".into(), "en").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body
            .contains("The date is before the organisation was founded."),
        "{}",
        r.body
    );
    let r = send("31/12/2025".into(), "es").await;
    assert!(
        r.body.contains("Fecha no válida: use AAAA-MM-DD."),
        "{}",
        r.body
    );
    assert_eq!(reports_of(&w, me).await, before, "nothing saved");
    let ok = send(first.clone(), "es").await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    let reports = w.app.member_reports(w.union.id, me).await.unwrap();
    let last = reports.last().unwrap();
    assert_eq!(last.reported_on.to_string(), first);
    assert_eq!(last.period.to_string(), period);
}
