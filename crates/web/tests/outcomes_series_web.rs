//! outcomes19, R-SUP-4 over time through the router, on SQLite and PostgreSQL when
//! `TEQUIO_TEST_PG_URL` is set: the ODF's outcomes page shows its series (chart and table)
//! and downloads it as CSV; the API answers the same series; each period's cut by state and by
//! trade adds up to its total (worked out here from the CSV); the programme's series is, period
//! by period, the sum of each ODF's (added here from each ODF's API answer); a member's own
//! series on their statement says "Sí" exactly for the periods whose income is at least twice
//! their baseline (worked out here from their reports); a cut that is not one is refused (400, naming the field).

mod common;

use axum::http::StatusCode;
use common::*;
use std::collections::BTreeMap;

/// A CSV body's rows (without the BOM and heading), each split into cells (no quoted cell).
fn rows(body: &str) -> Vec<Vec<String>> {
    let body = body.strip_prefix('\u{feff}').expect("a BOM");
    body.lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

/// `1234.56` as centavos.
fn centavos(cell: &str) -> i64 {
    let (pesos, cents) = cell.split_once('.').expect("a decimal");
    pesos.parse::<i64>().unwrap() * 100 + cents.parse::<i64>().unwrap()
}

/// (members, reporting, baseline, now, doubled) of a JSON outcome.
fn figures(o: &serde_json::Value) -> [i64; 5] {
    [
        o["members"].as_i64().unwrap(),
        o["reporting"].as_i64().unwrap(),
        o["baseline_minor"].as_i64().unwrap(),
        o["now_minor"].as_i64().unwrap(),
        o["doubled"].as_i64().unwrap(),
    ]
}

/// (members, reporting, baseline, now, doubled) of a CSV row after its period and group.
fn csv_figures(row: &[String]) -> [i64; 5] {
    [
        row[2].parse().unwrap(),
        row[3].parse().unwrap(),
        centavos(&row[4]),
        centavos(&row[5]),
        row[6].parse().unwrap(),
    ]
}

fn add(a: &mut [i64; 5], b: [i64; 5]) {
    for (x, y) in a.iter_mut().zip(b) {
        *x += y;
    }
}

#[tokio::test]
async fn r_sup_4_the_series_on_the_page_in_csv_and_api_adds_up() {
    for (name, w) in worlds().await {
        let slug = w.union.data.slug.clone();
        let staff = sign_in(&w, "personal").await;
        let sup = sign_in(&w, "supervisor").await;

        // The API's series of the union: the demo has closed periods.
        let r = api(
            &w,
            "GET",
            &format!("/api/v1/orgs/{slug}/outcomes/series"),
            Some(&staff.token),
            None,
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{name}: {}", r.body);
        let series = r.json()["series"].as_array().unwrap().clone();
        assert!(!series.is_empty(), "{name}: the demo closes periods");

        // The page: its chart and one row per period.
        let page = get(&w, &format!("/odf/{slug}/resultados"), Some(&staff)).await;
        assert_eq!(page.status, StatusCode::OK, "{name}");
        let table = &page.body[page.body.find("id=\"series\"").expect("the series table")..];
        let table = &table[..table.find("</table>").unwrap()];
        assert_eq!(table.matches("<tr>").count(), 1 + series.len(), "{name}");
        assert!(page.body.contains("<svg"), "{name}: the chart");
        assert!(page.body.contains("tabla=serie"), "{name}: the CSV link");

        // The CSV: the same figures as the API, period by period.
        let csv = get(
            &w,
            &format!("/odf/{slug}/resultados.csv?tabla=serie"),
            Some(&staff),
        )
        .await;
        assert_eq!(csv.status, StatusCode::OK, "{name}");
        let total_rows = rows(&csv.body);
        assert_eq!(total_rows.len(), series.len(), "{name}");
        for (row, point) in total_rows.iter().zip(&series) {
            assert_eq!(row[0], point["period"].as_str().unwrap(), "{name}");
            assert_eq!(
                csv_figures(row),
                figures(&point["outcome"]["total"]),
                "{name}"
            );
        }
        // Cut by state, then by trade: each period's rows add up to its total.
        for por in ["estado", "oficio"] {
            let cut = get(
                &w,
                &format!("/odf/{slug}/resultados.csv?tabla=serie&por={por}"),
                Some(&staff),
            )
            .await;
            let mut summed: BTreeMap<String, [i64; 5]> = BTreeMap::new();
            for row in rows(&cut.body) {
                add(summed.entry(row[0].clone()).or_default(), csv_figures(&row));
            }
            let totals: BTreeMap<String, [i64; 5]> = total_rows
                .iter()
                .map(|r| (r[0].clone(), csv_figures(r)))
                .collect();
            assert_eq!(summed, totals, "{name}: by {por}");
        }

        // The programme: period by period, the sum of each ODF's series.
        let mut summed: BTreeMap<String, [i64; 5]> = BTreeMap::new();
        for org in w.app.store().orgs().await.unwrap() {
            let r = api(
                &w,
                "GET",
                &format!("/api/v1/orgs/{}/outcomes/series?periods=24", org.data.slug),
                Some(&sup.token),
                None,
                None,
            )
            .await;
            assert_eq!(r.status, StatusCode::OK, "{name}");
            for point in r.json()["series"].as_array().unwrap() {
                let key = point["period"].as_str().unwrap().to_string();
                add(
                    summed.entry(key).or_default(),
                    figures(&point["outcome"]["total"]),
                );
            }
        }
        let r = api(
            &w,
            "GET",
            "/api/v1/programme/outcomes/series?periods=24",
            Some(&sup.token),
            None,
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{name}");
        let programme: BTreeMap<String, [i64; 5]> = r.json()["series"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["period"].as_str().unwrap().to_string(),
                    figures(&p["outcome"]["total"]),
                )
            })
            .collect();
        assert_eq!(programme, summed, "{name}");
        // By trade, each period's rows add up to its total.
        let r = api(
            &w,
            "GET",
            "/api/v1/programme/outcomes/series?by=trade",
            Some(&sup.token),
            None,
            None,
        )
        .await;
        for point in r.json()["series"].as_array().unwrap() {
            let mut sum = [0; 5];
            for o in point["rows"].as_object().unwrap().values() {
                add(&mut sum, figures(o));
            }
            assert_eq!(sum, figures(&point["total"]), "{name}");
        }
        // The programme's page shows its series too.
        let page = get(&w, "/programa/resultados?por=estado", Some(&sup)).await;
        assert_eq!(page.status, StatusCode::OK, "{name}");
        assert!(page.body.contains("id=\"series\""), "{name}");

        // Refusals: a cut that is not one; the programme's series is for supervisors.
        let bad = api(
            &w,
            "GET",
            &format!("/api/v1/orgs/{slug}/outcomes/series?by=colonia"),
            Some(&staff.token),
            None,
            None,
        )
        .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{name}: {}", bad.body);
        // Outside the document's 1 to 24 periods: refused naming the field, never clamped.
        for periods in [0, 25] {
            let bad = api(
                &w,
                "GET",
                &format!("/api/v1/orgs/{slug}/outcomes/series?periods={periods}"),
                Some(&staff.token),
                None,
                None,
            )
            .await;
            assert_eq!(
                bad.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{name}: {}",
                bad.body
            );
            assert!(bad.body.contains("periods"), "{name}: {}", bad.body);
        }
        assert!(
            bad.body.contains("by"),
            "{name}: the field is named: {}",
            bad.body
        );
        let refused = api(
            &w,
            "GET",
            "/api/v1/programme/outcomes/series",
            Some(&staff.token),
            None,
            None,
        )
        .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{name}");

        // A member's own series: "Sí" where their income is at least twice their baseline.
        let socio = sign_in(&w, "socio").await;
        let member = member_of(&w, "socio").await;
        let s = w
            .app
            .member_fund_statement(w.union.id, member)
            .await
            .unwrap()
            .statement;
        let shown: Vec<_> = s.periods.iter().rev().take(12).collect();
        let doubled = shown
            .iter()
            .filter(|p| {
                s.baseline_revenue_minor > 0 && p.revenue_minor >= 2 * s.baseline_revenue_minor
            })
            .count();
        let page = get(&w, &format!("/odf/{slug}/socios/{member}"), Some(&socio)).await;
        assert_eq!(page.status, StatusCode::OK, "{name}");
        let mine = &page.body[page.body.find("id=\"my-outcome\"").expect("my series")..];
        let mine = &mine[..mine.find("</table>").unwrap()];
        assert_eq!(mine.matches("<tr>").count(), 1 + shown.len(), "{name}");
        assert_eq!(mine.matches("<td>Sí</td>").count(), doubled, "{name}");
        assert_eq!(
            mine.matches("<td>No</td>").count(),
            shown.len() - doubled,
            "{name}"
        );
    }
}
