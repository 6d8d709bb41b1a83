//! The trade pages' long tables page both ways, 50 lines a page with the total, as the members
//! list does: an order's shares (and its payouts) and a round's requests and savings. A round's
//! total saving is every line's, not the page's. Every trade page stays under 100 KB.

mod common;

use axum::http::StatusCode;
use common::*;

const SLUG: &str = "alfareros-morelos";

fn rows(body: &str, table: &str) -> usize {
    let start = body
        .find(&format!("id=\"{table}\""))
        .unwrap_or_else(|| panic!("#{table} missing"));
    let end = start + body[start..].find("</table>").unwrap();
    body[start..end].matches("<tr>").count() - 1 // the header row
}

#[tokio::test]
async fn an_orders_shares_and_a_rounds_lines_page_fifty_at_a_time() {
    let w = world_sized(300, 2).await;
    let staff = sign_in(&w, "personal").await;
    let org = w.union.id;
    // The demo's trade: its export order and clay round are long (a line per member).
    let orders = w.app.sales_orders(org).await.unwrap();
    let rounds = w.app.rounds(org).await.unwrap();
    assert!(!orders.is_empty() && !rounds.is_empty());
    let mut longest = 0;
    for id in &orders {
        longest = longest.max(
            w.app
                .sales_order(org, id)
                .await
                .unwrap()
                .member_deliveries()
                .unwrap()
                .len(),
        );
    }
    for id in &rounds {
        longest = longest.max(w.app.round(org, id).await.unwrap().requests.len());
    }
    assert!(
        longest > 50,
        "a table of more than one page: {longest} lines"
    );
    for id in &orders {
        let o = w.app.sales_order(org, id).await.unwrap();
        let lines = o.member_deliveries().unwrap().len();
        let pages = lines.div_ceil(50);
        let url = format!("/odf/{SLUG}/comercio/ventas/{id}");
        let first = get(&w, &url, Some(&staff)).await;
        assert_eq!(first.status, StatusCode::OK);
        assert_eq!(rows(&first.body, "shares"), lines.min(50), "{id}");
        if pages > 1 {
            let summary = format!(
                "{} líneas · página 1 de {pages}",
                format_thousands(lines as u64)
            );
            assert!(first.body.contains(&summary), "{summary}");
            assert!(first.body.contains(&format!("{url}?pagina=2#reparto")));
            let last = get(&w, &format!("{url}?pagina={pages}"), Some(&staff)).await;
            assert_eq!(rows(&last.body, "shares"), lines - 50 * (pages - 1));
            assert!(last
                .body
                .contains(&format!("{url}?pagina={}#reparto", pages - 1)));
        }
    }
    for id in &rounds {
        let r = w.app.round(org, id).await.unwrap();
        let requests = r.requests.len();
        let url = format!("/odf/{SLUG}/comercio/compras/rondas/{id}");
        let first = get(&w, &url, Some(&staff)).await;
        assert_eq!(first.status, StatusCode::OK);
        assert_eq!(rows(&first.body, "requests"), requests.min(50), "{id}");
        let pages = requests.div_ceil(50);
        if pages > 1 {
            let second = get(&w, &format!("{url}?pagina=2"), Some(&staff)).await;
            assert_eq!(rows(&second.body, "requests"), (requests - 50).min(50));
            // Beyond the last page: the last page.
            let beyond = get(&w, &format!("{url}?pagina=9999"), Some(&staff)).await;
            assert_eq!(rows(&beyond.body, "requests"), requests - 50 * (pages - 1));
        }
        if r.closed_on.is_some() {
            // The total saving is every member's, summed here from the report.
            let report = w.app.round_report(org, id).await.unwrap();
            let saving: i64 = report.members.iter().filter_map(|m| m.saving_minor).sum();
            let shown = &first.body[first.body.find("id=\"plan-saving\"").unwrap()..];
            assert!(
                shown.contains(&money::pesos_es(saving)),
                "{} in {}",
                money::pesos_es(saving),
                &shown[..200]
            );
        }
    }
    // Every trade page stays under 100 KB.
    let mut pages = vec![
        format!("/odf/{SLUG}/comercio"),
        format!("/odf/{SLUG}/comercio/compras"),
        format!("/odf/{SLUG}/comercio/ventas"),
        format!("/odf/{SLUG}/comercio/tiendas"),
    ];
    pages.extend(
        orders
            .iter()
            .map(|o| format!("/odf/{SLUG}/comercio/ventas/{o}")),
    );
    pages.extend(
        rounds
            .iter()
            .map(|r| format!("/odf/{SLUG}/comercio/compras/rondas/{r}")),
    );
    for url in pages {
        let r = get(&w, &url, Some(&staff)).await;
        assert_eq!(r.status, StatusCode::OK, "{url}");
        assert!(r.body.len() < 100_000, "{url}: {} bytes", r.body.len());
    }
}

fn format_thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

mod money {
    /// `$1,234.50` (negative `-$1.00`), spelled out here.
    pub fn pesos_es(minor: i64) -> String {
        let sign = if minor < 0 { "-" } else { "" };
        format!("{sign}{}", super::common::trade::pesos(minor.abs()))
    }
}
