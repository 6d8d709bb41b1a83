//! Issue 17: a reported revenue over 5 times the member's median reported revenue (over the
//! periods they reported) asks "¿seguro?" before it is saved: the page answers the form again
//! with the question and an explicit "sí, es correcto" box, and saves nothing until it comes
//! back ticked; the API refuses it (422 naming `revenue_minor`) unless `confirm_unusual` is
//! true. The median is worked out here from the member's reports.

mod common;

use app::fund_cases::{Audit, ReportInput};
use axum::http::StatusCode;
use chrono::Datelike;
use common::*;
use fund::{Period, PeriodSettings, Reporter};
use serde_json::json;
use std::collections::BTreeMap;

const SLUG: &str = "alfareros-morelos";

fn months_ago(n: i32) -> String {
    let d = today_mx();
    month_key(d.year(), d.month(), -n)
}

fn period(key: &str) -> Period {
    Period::parse(key, PeriodSettings::default()).unwrap()
}

/// The member's revenue in each period they reported (the last report filed for a period is
/// the one that counts: no test here corrects one).
async fn reported(w: &World, member: i64) -> BTreeMap<String, i64> {
    w.app
        .member_reports(w.union.id, member)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.period.to_string(), r.revenue.amount_minor()))
        .collect()
}

/// Twice the median of `figures` (exact: the two middle figures added when the count is even).
fn twice_median(figures: &[i64]) -> i64 {
    let mut v = figures.to_vec();
    v.sort();
    let n = v.len();
    if n % 2 == 1 {
        2 * v[n / 2]
    } else {
        v[n / 2 - 1] + v[n / 2]
    }
}

/// The socio with three more months reported (10,000.00, 12,000.00 and 30,000.00 of revenue)
/// on top of whatever the demo filed; answers their id and twice their median revenue.
async fn socio_with_history(w: &World) -> (i64, i64) {
    let me = member_of(w, "socio").await;
    for (months, revenue) in [(6, 1_000_000), (5, 1_200_000), (4, 3_000_000)] {
        w.app
            .file_report(
                w.union.id,
                period(&months_ago(months)),
                ReportInput {
                    member_id: me,
                    revenue_minor: revenue,
                    profit_minor: revenue / 4,
                    reported_by: Reporter::Member,
                },
                None,
                today_mx(),
                &Audit::cli(),
            )
            .await
            .unwrap();
    }
    let figures: Vec<i64> = reported(w, me).await.into_values().collect();
    assert!(figures.len() >= 3);
    (me, twice_median(&figures))
}

/// The smallest revenue over 5 times the median: 2 × r > 5 × (2 × median).
fn just_over(twice_median: i64) -> i64 {
    5 * twice_median / 2 + 1
}

#[tokio::test]
async fn an_unusual_figure_asks_seguro_and_saves_only_once_confirmed() {
    let w = world().await;
    let (me, twice) = socio_with_history(&w).await;
    let b = sign_in(&w, "socio").await;
    let uri = format!("/odf/{SLUG}/socios/{me}/reporte");
    let over = just_over(twice);
    let typed = format!("{}.{:02}", over / 100, over % 100);
    let before = reported(&w, me).await;
    let month = last_month();
    let form = |extra: Option<(&'static str, &'static str)>| {
        let mut f = vec![
            ("csrf", b.csrf.clone()),
            ("period", month.clone()),
            ("revenue", typed.clone()),
            ("profit", "1000".to_string()),
        ];
        if let Some((k, v)) = extra {
            f.push((k, v.to_string()));
        }
        f
    };
    let send = |f: Vec<(&'static str, String)>| {
        let w = &w;
        let b = &b;
        let uri = uri.clone();
        async move {
            let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
            post_form(w, &uri, Some(b), &f).await
        }
    };

    // 1. The question, with the figure and the median; the box; nothing saved.
    let asked = send(form(None)).await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    assert!(
        asked.body.contains("id=\"report-unusual\""),
        "{}",
        asked.body
    );
    assert!(asked.body.contains("¿Seguro?"));
    // The median to the centavo: half a centavo goes to the even one.
    let median = if twice % 2 == 0 {
        twice / 2
    } else {
        twice / 2 + (twice / 2) % 2
    };
    let median_shown = web::money_es_mx(median as i128);
    assert!(
        asked.body.contains(&format!("({median_shown})")),
        "the median {median_shown}: {}",
        asked.body
    );
    assert!(asked.body.contains(&web::money_es_mx(over as i128)));
    assert!(asked.body.contains("name=\"seguro\" value=\"si\""));
    assert!(asked.body.contains("Sí, es correcto"));
    // The figures come back as typed.
    assert!(asked.body.contains(&format!("value=\"{typed}\"")));
    assert_eq!(reported(&w, me).await, before, "nothing saved");

    // 2. Any other answer than "si" asks again.
    let again = send(form(Some(("seguro", "no")))).await;
    assert!(again.body.contains("id=\"report-unusual\""));
    assert_eq!(reported(&w, me).await, before, "nothing saved");

    // 3. Confirmed: saved as typed, once.
    let saved = send(form(Some(("seguro", "si")))).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert!(saved.body.contains("id=\"report-ok\""), "{}", saved.body);
    let after = reported(&w, me).await;
    assert_eq!(after.len(), before.len() + 1);
    assert_eq!(after[&month], over);
    let replay = send(form(Some(("seguro", "si")))).await;
    assert!(replay.body.contains("id=\"report-ok\""), "{}", replay.body);
    assert_eq!(reported(&w, me).await, after, "sent twice, filed once");
}

#[tokio::test]
async fn a_figure_at_five_times_the_median_or_a_first_report_is_saved_without_asking() {
    let w = world().await;
    let (me, twice) = socio_with_history(&w).await;
    let b = sign_in(&w, "socio").await;
    // Exactly 5 times the median (rounded down to the centavo): not over it.
    let at = 5 * twice / 2;
    let typed = format!("{}.{:02}", at / 100, at % 100);
    let r = post_form(
        &w,
        &format!("/odf/{SLUG}/socios/{me}/reporte"),
        Some(&b),
        &[
            ("csrf", b.csrf.as_str()),
            ("period", last_month().as_str()),
            ("revenue", typed.as_str()),
            ("profit", "1000"),
        ],
    )
    .await;
    assert!(r.body.contains("id=\"report-ok\""), "{}", r.body);
    assert_eq!(reported(&w, me).await[&last_month()], at);

    // A member with no report yet has no median: any figure is saved.
    let staff = sign_in(&w, "personal").await;
    let plans = w.app.plans(w.union.id).await.unwrap();
    let mut first_timer = None;
    for p in plans.iter().filter(|p| p.member_id != me) {
        if w.app
            .member_reports(w.union.id, p.member_id)
            .await
            .unwrap()
            .is_empty()
        {
            first_timer = Some(p.member_id);
            break;
        }
    }
    if let Some(m) = first_timer {
        let r = api(
            &w,
            "POST",
            &format!("/api/v1/orgs/{SLUG}/members/{m}/reports"),
            Some(&staff.token),
            Some(json!({"period": last_month(), "revenue_minor": 999_999_999, "profit_minor": 0})),
            None,
        )
        .await;
        // Staff may file only for a micro-producer (R-ORG-3); never refused as unusual.
        assert_ne!(
            r.json()["field"],
            "revenue_minor",
            "no median, no question: {}",
            r.body
        );
    }
}

#[tokio::test]
async fn the_api_refuses_an_unusual_figure_unless_confirm_unusual_is_true() {
    let w = world().await;
    let (me, twice) = socio_with_history(&w).await;
    let b = sign_in(&w, "socio").await;
    let uri = format!("/api/v1/orgs/{SLUG}/members/{me}/reports");
    let over = just_over(twice);
    let before = reported(&w, me).await;
    let body = json!({"period": last_month(), "revenue_minor": over, "profit_minor": 100_000});
    let refused = api(&w, "POST", &uri, Some(&b.token), Some(body.clone()), None).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let e = refused.json();
    assert_eq!(e["error"], "invalid");
    assert_eq!(e["field"], "revenue_minor");
    assert!(
        e["message"].as_str().unwrap().contains("confirm_unusual"),
        "{e}"
    );
    assert_eq!(reported(&w, me).await, before, "nothing saved");
    // The same figure with the confirmation: saved, once per Idempotency-Key.
    let mut confirmed = body.clone();
    confirmed["confirm_unusual"] = json!(true);
    let saved = api(
        &w,
        "POST",
        &uri,
        Some(&b.token),
        Some(confirmed.clone()),
        Some("unusual-1"),
    )
    .await;
    assert_eq!(saved.status, StatusCode::CREATED, "{}", saved.body);
    assert_eq!(saved.json()["revenue_minor"], over);
    let replay = api(
        &w,
        "POST",
        &uri,
        Some(&b.token),
        Some(confirmed),
        Some("unusual-1"),
    )
    .await;
    assert_eq!(replay.status, StatusCode::CREATED);
    assert_eq!(reported(&w, me).await.len(), before.len() + 1);
    // The field is in the OpenAPI document.
    let doc = api(&w, "GET", "/api/v1/openapi.json", None, None, None)
        .await
        .json();
    assert_eq!(
        doc["components"]["schemas"]["ReportIn"]["properties"]["confirm_unusual"]["type"],
        "boolean"
    );
}
