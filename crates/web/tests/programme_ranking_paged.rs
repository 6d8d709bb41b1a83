//! Issue 17 for the programme's compliance ranking (`/programa/cumplimiento`, R-SUP-1): with
//! more ODFs than a page it counts them all, shows 50 rows a page with links both ways (the cut
//! kept in the links), and its CSV is the whole cut. SQLite, and PostgreSQL when configured.

mod common;

use axum::http::StatusCode;
use common::*;

/// The name of ODF `i` added here.
fn name(i: usize) -> String {
    format!("ODF Ranking {i:02}")
}

/// The `/odf/{slug}/cumplimiento` links in the ranking's table: one per row.
fn rows(body: &str) -> Vec<String> {
    let table = body
        .split("id=\"ranking\"")
        .nth(1)
        .and_then(|t| t.split("</table>").next())
        .expect("the ranking's table");
    table
        .split("<a href=\"/odf/")
        .skip(1)
        .map(|r| r.split('/').next().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn r_sup_1_the_ranking_shows_fifty_odfs_a_page_and_downloads_them_all() {
    let mut worlds = vec![("sqlite", world().await)];
    if let Some(store) = postgres_store().await {
        worlds.push(("postgres", world_on(store, 60, 2).await));
    }
    for (backend, w) in worlds {
        // The world has the union and one other ODF; 58 more make 60: two pages (50 + 10).
        for i in 0..58 {
            w.app
                .store()
                .create_org(&store::NewOrg {
                    slug: format!("ranking-{i:02}"),
                    name: name(i),
                    group_name: "Grupo".into(),
                    state: "Morelos".into(),
                    municipality: "Tlayacapan".into(),
                    trade: "alfarería".into(),
                    founded_on: chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
                    currency: ledger::Currency::MXN,
                    dues_amount_minor: 0,
                    dues_period_months: 1,
                })
                .await
                .unwrap();
        }
        let total = 60;
        let sup = sign_in(&w, "supervisor").await;

        let first = get(&w, "/programa/cumplimiento", Some(&sup)).await;
        assert_eq!(first.status, StatusCode::OK, "{backend}: {}", first.body);
        assert!(
            first
                .body
                .contains(&format!("{total} de {total} ODF · página 1 de 2")),
            "{backend}: the summary counts every ODF"
        );
        let page1 = rows(&first.body);
        assert_eq!(page1.len(), 50, "{backend}");
        assert!(
            first
                .body
                .contains("href=\"/programa/cumplimiento?pagina=2#ranking\""),
            "{backend}: a link to the next page"
        );
        assert!(!first.body.contains("rel=\"prev\""), "{backend}");

        let second = get(&w, "/programa/cumplimiento?pagina=2", Some(&sup)).await;
        assert_eq!(second.status, StatusCode::OK, "{backend}");
        assert!(second.body.contains("página 2 de 2"), "{backend}");
        let page2 = rows(&second.body);
        assert_eq!(page2.len(), total - 50, "{backend}");
        assert!(
            second
                .body
                .contains("href=\"/programa/cumplimiento?pagina=1#ranking\""),
            "{backend}: a link to the previous page"
        );
        // The two pages together are every ODF once.
        let mut all: Vec<String> = page1.into_iter().chain(page2).collect();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), total, "{backend}");
        for i in 0..58 {
            assert!(all.contains(&format!("ranking-{i:02}")), "{backend}: {i}");
        }

        // A cut keeps itself in the links; a page past the last shows the last.
        let cut = get(
            &w,
            "/programa/cumplimiento?estado=Morelos&pagina=9",
            Some(&sup),
        )
        .await;
        assert_eq!(cut.status, StatusCode::OK, "{backend}");
        // (The page escapes `&` in the address: `&#38;`.)
        let links = cut.body.replace("&#38;", "&").replace("&amp;", "&");
        assert!(
            links.contains("href=\"/programa/cumplimiento?estado=Morelos&pagina=1#ranking\""),
            "{backend}: the cut in the link"
        );

        // The CSV is the whole ranking, not a page: every ODF added here is in it.
        let csv = get(&w, "/programa/cumplimiento.csv", Some(&sup)).await;
        assert_eq!(csv.status, StatusCode::OK, "{backend}");
        for i in 0..58 {
            assert!(
                csv.body.contains(&name(i)),
                "{backend}: {} missing",
                name(i)
            );
        }
        assert!(
            csv.body.contains(&w.union.data.name),
            "{backend}: the union"
        );
    }
}
