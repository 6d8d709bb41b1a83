//! Issue 17 for the ODF's own pages, through the router on SQLite and (when configured)
//! PostgreSQL: the home page's trial balance equals the postings summed here; the plans page
//! and the close page count every plan and every flagged plan and show 50 at a time with
//! links both ways; a member's plan page shows its R-PLAN-4 flag.

mod common;

use axum::http::StatusCode;
use common::*;
use std::collections::BTreeMap;

const O: &str = "/odf/alfareros-morelos";

/// `n` as the pages write a count (thousands grouped with a comma, as Mexicans write them).
fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The summary a paged list shows on page `page` of `total` rows, 50 a page.
fn summary(words: &str, total: usize, page: usize) -> String {
    let pages = total.div_ceil(50).max(1);
    if pages > 1 {
        format!("{words} · página {page} de {pages}")
    } else {
        words.to_string()
    }
}

/// The demo union with 240 members (more plans than a page) on SQLite, and on PostgreSQL
/// when configured.
async fn big_worlds() -> Vec<(&'static str, World)> {
    let mut out = vec![("sqlite", world_sized(240, 2).await)];
    if let Some(store) = postgres_store().await {
        out.push(("postgres", world_on(store, 240, 2).await));
    }
    out
}

async fn member_name(w: &World, id: i64) -> String {
    let m = w.app.store().member(w.union.id, id).await.unwrap();
    format!("{} {}", m.data.given_names, m.data.surnames)
}

#[tokio::test]
async fn the_home_page_trial_balance_is_the_postings_summed() {
    for (backend, w) in worlds().await {
        let staff = sign_in(&w, "personal").await;
        let page = get(&w, O, Some(&staff)).await;
        assert_eq!(page.status, StatusCode::OK, "{backend}");
        // Every posting summed here, per account; member sub-ledgers per kind of account.
        let mut by_account: BTreeMap<String, i128> = BTreeMap::new();
        let mut p = store::Page::first(store::MAX_PAGE);
        loop {
            let entries = w.app.store().entries(w.union.id, p).await.unwrap();
            let Some(last) = entries.last() else { break };
            p.after_id = last.id;
            for e in &entries {
                for posting in e.entry.postings() {
                    *by_account
                        .entry(posting.account.as_str().to_string())
                        .or_default() += posting.amount.amount_minor() as i128;
                }
            }
        }
        let names: BTreeMap<String, String> = w
            .app
            .store()
            .accounts(w.union.id)
            .await
            .unwrap()
            .into_iter()
            .map(|a| (a.code.as_str().to_string(), a.name))
            .collect();
        let mut kinds: BTreeMap<String, i128> = BTreeMap::new();
        for (code, amount) in &by_account {
            let segments: Vec<&str> = code.split(':').collect();
            if segments.len() == 3 && segments[0] == "members" {
                *kinds.entry(names[code].clone()).or_default() += amount;
                continue;
            }
            let row = format!(
                "<tr><td>{}</td><td class=\"num\">{}</td></tr>",
                names[code],
                web::money_es_mx(*amount)
            );
            assert!(page.body.contains(&row), "{backend}: {row}");
        }
        assert!(!kinds.is_empty());
        for (name, amount) in kinds {
            let row = format!(
                "<tr><td>Suma de cuentas de socios: {name}</td><td class=\"num\">{}</td></tr>",
                web::money_es_mx(amount)
            );
            assert!(page.body.contains(&row), "{backend}: {row}");
        }
        let bank = by_account.get("odf:bank").copied().unwrap_or(0);
        assert!(
            page.body.contains(&web::money_es_mx(bank)),
            "{backend}: the bank's balance"
        );
    }
}

#[tokio::test]
async fn the_plans_page_counts_every_plan_and_flag_and_shows_fifty_at_a_time() {
    for (backend, w) in big_worlds().await {
        let staff = sign_in(&w, "personal").await;
        // Every plan agreed, counted from the log here; newest first on the page.
        let mut ids = Vec::new();
        let mut p = store::Page::first(store::MAX_PAGE);
        loop {
            let events = w
                .app
                .store()
                .events(w.union.id, Some("plans"), p)
                .await
                .unwrap();
            let Some(last) = events.last() else { break };
            p.after_id = last.seq;
            for e in events.iter().filter(|e| e.event.kind == "plan.agreed") {
                let payload: serde_json::Value = serde_json::from_str(&e.event.payload).unwrap();
                ids.push(payload["id"].as_i64().unwrap());
            }
        }
        ids.sort();
        ids.reverse();
        assert!(
            ids.len() > 50,
            "{backend}: {} plans, more than a page",
            ids.len()
        );
        let words = format!("{} planes", grouped(ids.len()));
        let first = get(&w, &format!("{O}/planes"), Some(&staff)).await;
        assert_eq!(first.status, StatusCode::OK, "{backend}");
        assert!(
            first.body.len() < 100 * 1024,
            "{backend}: {} bytes",
            first.body.len()
        );
        let list = first.body.split("id=\"plans-list\"").nth(1).unwrap();
        assert!(list.contains(&summary(&words, ids.len(), 1)), "{backend}");
        let link = |id: i64| format!("{O}/planes/{id}\"");
        assert!(ids[..50].iter().all(|id| list.contains(&link(*id))));
        assert!(ids[50..].iter().all(|id| !list.contains(&link(*id))));
        // The next page's link keeps the flagged list's page (askama escapes the `&`).
        assert!(
            list.contains("planes?pagina=2&") && list.contains("marcados=1#plans-list"),
            "{backend}"
        );
        assert!(!list.contains("id=\"plans-prev\""));
        let second = get(&w, &format!("{O}/planes?pagina=2"), Some(&staff)).await;
        let list = second.body.split("id=\"plans-list\"").nth(1).unwrap();
        assert!(list.contains(&summary(&words, ids.len(), 2)), "{backend}");
        let shown = &ids[50..ids.len().min(100)];
        assert!(shown.iter().all(|id| list.contains(&link(*id))));
        assert!(list.contains("id=\"plans-prev\""), "{backend}");

        // The flagged plans: all counted, each shown with its member's name.
        let (_, flags) = w.app.flagged_plans(w.union.id).await.unwrap();
        assert!(!flags.is_empty(), "{backend}: the demo flags plans");
        let words = if flags.len() == 1 {
            "1 plan marcado para revisión".to_string()
        } else {
            format!("{} planes marcados para revisión", grouped(flags.len()))
        };
        let section = first.body.split("id=\"flagged\"").nth(1).unwrap();
        let section = section.split("id=\"plans-list\"").next().unwrap();
        assert!(
            section.contains(&summary(&words, flags.len(), 1)),
            "{backend}"
        );
        for f in flags.iter().take(50) {
            let name = member_name(&w, f.flag.member_id).await;
            assert_eq!(f.member_name, name);
            let card = format!("{O}/planes/{}\">{name}</a>", f.flag.plan_id);
            assert!(section.contains(&card), "{backend}: {card}");
        }

        // A flagged member's plan page names the periods of its flag.
        let f = &flags[0];
        let mine = get(
            &w,
            &format!("{O}/socios/{}/plan", f.flag.member_id),
            Some(&staff),
        )
        .await;
        assert_eq!(mine.status, StatusCode::OK, "{backend}");
        let t = web::Tr::new(web::Lang::Es);
        for p in &f.flag.periods {
            assert!(mine.body.contains(&t.period(p)), "{backend}: {p}");
        }
    }
}

#[tokio::test]
async fn the_close_page_counts_every_flagged_plan_and_pages_them_keeping_the_period() {
    let w = world_sized(240, 2).await;
    let staff = sign_in(&w, "personal").await;
    let (_, flags) = w.app.flagged_plans(w.union.id).await.unwrap();
    let page = get(&w, &format!("{O}/cierre?period=2026-01"), Some(&staff)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.len() < 100 * 1024, "{} bytes", page.body.len());
    let section = page.body.split("id=\"flagged\"").nth(1).unwrap();
    let words = format!("{} planes marcados para revisión", grouped(flags.len()));
    assert!(
        section.contains(&summary(&words, flags.len(), 1)),
        "{}",
        &section[..section.len().min(600)]
    );
    let rows = section.matches("<tr><td>").count();
    assert_eq!(rows, flags.len().min(50));
    if flags.len() > 50 {
        assert!(
            section.contains("/cierre?period=2026-01&") && section.contains("marcados=2#flagged")
        );
        let second = get(
            &w,
            &format!("{O}/cierre?period=2026-01&marcados=2"),
            Some(&staff),
        )
        .await;
        let section = second.body.split("id=\"flagged\"").nth(1).unwrap();
        assert_eq!(
            section.matches("<tr><td>").count(),
            (flags.len() - 50).min(50)
        );
        let fifty_first = &flags[50];
        assert!(section.contains(&member_name(&w, fifty_first.flag.member_id).await));
    }
}
